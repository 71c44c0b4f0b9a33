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

# shellcheck disable=SC1091
. scripts/lib/common.sh
use_toolchain
OUTDIR="$(synth_outdir)"
[[ "${VALIDATE_SKIP_SYNTH:-}" == "1" ]] || synth_stacks "$OUTDIR"

exec npx ts-node --transpile-only scripts/lib/terraform.ts validate "$OUTDIR" "$@"
