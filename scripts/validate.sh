#!/usr/bin/env bash
# Terraform validity tier: synthesize every stack, then `tofu init -backend=false` and
# `tofu validate` each cdktf.out/stacks/* with the offline toolchain (scripts/toolchain.sh).
#
# Usage:  npm run validate [-- STACK...]        (or: bash scripts/validate.sh [STACK...])
#   STACK...                   validate only these stacks (all are still synthesized)
#   LAKEHOUSE_TOOLCHAIN=system use tofu/terraform from PATH and its registry access instead
#   VALIDATE_SKIP_SYNTH=1      validate what is already in cdktf.out
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
log() { printf '[validate] %s\n' "$*" >&2; }
now_ms() { date +%s%3N; }

if [[ "${LAKEHOUSE_TOOLCHAIN:-}" == "system" ]]; then
  bash scripts/toolchain.sh
  if ! command -v tofu >/dev/null 2>&1; then export TERRAFORM_BINARY_NAME=terraform; fi
else
  # Always run it: warm it only checks stamps (under a second), and it rebuilds when the
  # installed @cdktf/provider-* bindings changed.
  bash scripts/toolchain.sh
  # shellcheck disable=SC1091
  . "${LAKEHOUSE_TOOLCHAIN_DIR:-$HOME/.cache/lakehouse-cdc/toolchain}/env.sh"
fi

OUTDIR="$(node -e 'const c=require("./cdktf.json"); console.log(c.output || "cdktf.out")')"
if [[ "${VALIDATE_SKIP_SYNTH:-}" != "1" ]]; then
  t0=$(now_ms)
  log "npx cdktf synth"
  npx cdktf synth --output "$OUTDIR" >/tmp/lakehouse-validate-synth.$$.log 2>&1 || {
    cat /tmp/lakehouse-validate-synth.$$.log >&2
    rm -f /tmp/lakehouse-validate-synth.$$.log
    log "ERROR: cdktf synth failed"
    exit 1
  }
  rm -f /tmp/lakehouse-validate-synth.$$.log
  log "synth took $(( ($(now_ms) - t0) / 1000 ))s"
fi

exec npx ts-node --transpile-only scripts/lib/terraform.ts validate "$OUTDIR" "$@"
