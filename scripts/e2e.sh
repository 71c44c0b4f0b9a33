#!/usr/bin/env bash
# End-to-end tier: the dev stack deployed for real on the local Docker engine, verified, destroyed.
# Prepares what it needs (engine, offline toolchain, locally built images), then runs jest.
#   E2E_KEEP=1   leave the stack running after the tests (for debugging; destroy it yourself)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

bash scripts/docker-engine.sh
bash scripts/toolchain.sh
# shellcheck disable=SC1091
. "${LAKEHOUSE_TOOLCHAIN_DIR:-$HOME/.cache/lakehouse-cdc/toolchain}/env.sh"

start=$(date +%s)
bash scripts/images.sh
echo "[e2e] images ready in $(( $(date +%s) - start ))s"

# Metabase cannot be built here (no registry this machine reaches carries it): deploy without it.
export LAKEHOUSE_DASHBOARDS=off
exec npx jest -c jest.e2e.config.js "$@"
