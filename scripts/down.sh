#!/usr/bin/env bash
# Stops or destroys a Docker stack deployed by `npm run up` (default: dev):
#   npm run down [-- STACK]               destroy it, data volumes included (named first)
#   npm run down -- [STACK] --keep-data   remove only its containers; `npm run up` resumes on the data
#   ... --dry-run                         print what would happen, run nothing
# The logic is in scripts/down.ts; this puts the toolchain on PATH, as up.sh does.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
# shellcheck disable=SC1091
. scripts/lib/common.sh
use_toolchain
exec npx ts-node --transpile-only scripts/down.ts "$@"
