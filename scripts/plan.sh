#!/usr/bin/env bash
# Reviewable plan of one stack: synthesize, then `tofu init` + `tofu plan -no-color` in
# cdktf.out/stacks/STACK with the offline toolchain (scripts/toolchain.sh). The stack's own
# backend is used (cdktf's default: local state next to the project), so the plan is against
# the same state that `cdktf deploy STACK` writes.
#
# Usage:  npm run plan -- STACK [extra tofu plan args, e.g. -out=plan.bin]
#   LAKEHOUSE_TOOLCHAIN=system  use tofu/terraform from PATH instead of the offline toolchain
#   PLAN_SKIP_SYNTH=1           plan what is already in cdktf.out
# Stacks that use kreuzwerker/docker need a running engine: scripts/docker-engine.sh is run
# when it exists (it starts dockerd if needed).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
LOG_TAG=plan
# shellcheck source=scripts/lib/log.sh
. scripts/lib/log.sh

[[ $# -ge 1 && -n "$1" ]] || { log "usage: scripts/plan.sh STACK [tofu plan args...]"; exit 2; }
STACK="$1"
shift

# shellcheck disable=SC1091
. scripts/lib/common.sh
use_toolchain
TF="${TERRAFORM_BINARY_NAME:-tofu}"
OUTDIR="$(synth_outdir)"
[[ "${PLAN_SKIP_SYNTH:-}" == "1" ]] || synth_stacks "$OUTDIR"

DIR="$OUTDIR/stacks/$STACK"
if [[ ! -f "$DIR/cdk.tf.json" ]]; then
  log "ERROR: no stack '$STACK' in $OUTDIR/stacks (have: $(find "$OUTDIR/stacks" -mindepth 1 -maxdepth 1 -printf '%f ' 2>/dev/null))"
  exit 2
fi

if node -e 'process.exit(require(process.argv[1]).provider?.docker ? 0 : 1)' "$ROOT/$DIR/cdk.tf.json"; then
  if [[ -f scripts/docker-engine.sh ]]; then
    bash scripts/docker-engine.sh
  elif ! docker info >/dev/null 2>&1; then
    log "WARNING: stack '$STACK' uses the docker provider but 'docker info' fails: start the engine"
  fi
fi

cd "$DIR"
t0=$(now_ms)
INIT_LOG="$(mktemp)"
trap 'rm -f "$INIT_LOG"' EXIT
"$TF" init -input=false -no-color >"$INIT_LOG" 2>&1 || {
  cat "$INIT_LOG" >&2
  log "ERROR: stack '$STACK': $TF init failed"
  exit 1
}
log "init took $(( ($(now_ms) - t0) / 1000 ))s"
t0=$(now_ms)
set +e
"$TF" plan -input=false -no-color "$@"
rc=$?
set -e
log "plan of '$STACK' took $(( ($(now_ms) - t0) / 1000 ))s (exit $rc)"
exit $rc
