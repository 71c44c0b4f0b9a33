#!/usr/bin/env bash
# Destroys a Docker stack deployed by `npm run up` (default: dev); data volumes go with it.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
bash scripts/toolchain.sh >/dev/null
# shellcheck disable=SC1091
. "${LAKEHOUSE_TOOLCHAIN_DIR:-$HOME/.cache/lakehouse-cdc/toolchain}/env.sh"
npx cdktf destroy "${1:-dev}" --auto-approve
