#!/usr/bin/env bash
# End-to-end tiers on the local Docker engine: `dev` (the default: the dev stack deployed for
# real, verified, destroyed) or `day2` (changes and faults applied to a running dev stack).
# Prepares what it needs (engine, offline toolchain, locally built images, Debian's Chromium for
# the dashboard check), then runs jest.
#   E2E_KEEP=1   leave the stack running after the tests (for debugging; destroy it yourself)
#   usage: scripts/e2e.sh [dev|day2] [jest arguments...]
set -euo pipefail
suite=dev
if [[ "${1:-}" == dev || "${1:-}" == day2 ]]; then suite="$1"; shift; fi
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
LOG_TAG=e2e
# shellcheck source=scripts/lib/log.sh
. scripts/lib/log.sh

# shellcheck disable=SC1091
. scripts/lib/common.sh
prepare_deploy
bash scripts/browser.sh >/dev/null

# Resources labelled as the dev stack's with no state in this checkout are orphans of an earlier,
# interrupted run (another clone, a killed CI job): they would block the deploy, so remove them.
if [[ ! -s terraform.dev.tfstate ]]; then
  orphans=$(docker ps -aq --filter label=lakehouse.stack=lakehouse-dev)
  if [[ -n "$orphans" ]]; then
    log "removing orphaned lakehouse-dev containers, volumes and network (no state in this checkout)"
    mapfile -t orphan_ids <<<"$orphans"
    docker rm -f "${orphan_ids[@]}" >/dev/null
    docker volume ls -q --filter label=lakehouse.stack=lakehouse-dev | xargs -r docker volume rm >/dev/null
    docker network ls -q --filter label=lakehouse.stack=lakehouse-dev | xargs -r docker network rm >/dev/null
  fi
fi

# Metabase cannot be built here (no registry this machine reaches carries it): the dashboards
# run on Superset, which the tests open in headless Chromium.
export LAKEHOUSE_DASHBOARDS=superset
exec npx jest -c jest.e2e.config.js "test/e2e/$suite.e2e.test.ts" "$@"
