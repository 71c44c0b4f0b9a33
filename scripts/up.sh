#!/usr/bin/env bash
# One command from a fresh clone to a running dev pipeline on the local Docker engine:
# dependencies, Docker engine, offline toolchain, locally built images, `cdktf deploy dev`.
# Every step is idempotent and cached, so a second run only applies changes.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
LOG_TAG=up
# shellcheck source=scripts/lib/log.sh
. scripts/lib/log.sh

log "dependencies (npm ci)"
if [[ ! -d node_modules ]] || [[ package-lock.json -nt node_modules/.package-lock.json ]]; then
  npm ci --no-audit --no-fund
else
  log "node_modules is current"
fi

log "Docker engine"
bash scripts/docker-engine.sh

log "Terraform toolchain (OpenTofu and providers, built offline)"
# shellcheck disable=SC1091
. scripts/lib/common.sh
use_toolchain

# The dashboard engine needs no decision here: under lakehouse.local the stack defaults to Superset
# (settingsFromEnv in stacks/environments.ts), so this deploy and a plain `npx cdktf deploy dev`
# synthesize the same stack.
if [[ "${LAKEHOUSE_IMAGE_REGISTRY:-lakehouse.local}" == "lakehouse.local" ]]; then
  log "images (built locally under lakehouse.local/)"
  bash scripts/images.sh
fi

log "cdktf deploy dev"
npx cdktf deploy dev --auto-approve

log "endpoints (all on 127.0.0.1)"
npx ts-node --transpile-only scripts/endpoints.ts dev
