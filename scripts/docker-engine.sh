#!/usr/bin/env bash
# Ensure a usable Docker engine on this machine. Idempotent: does nothing when `docker info`
# already succeeds. Otherwise installs docker.io from Debian if dockerd is missing (through
# scripts/setup-host.sh) and starts dockerd detached, then waits (bounded) until the engine answers.
#
#   DOCKER_ENGINE_WAIT   seconds to wait for the engine (default 60)
#   DOCKERD_LOG          dockerd log file (default /var/log/lakehouse-dockerd.log)
#   DOCKERD_DATA_ROOT    optional --data-root for dockerd
set -euo pipefail

WAIT="${DOCKER_ENGINE_WAIT:-60}"
LOG="${DOCKERD_LOG:-/var/log/lakehouse-dockerd.log}"

LOG_TAG=docker-engine
# shellcheck source=scripts/lib/log.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib/log.sh"

if docker info >/dev/null 2>&1; then
  log "engine is up ($(docker info --format '{{.ServerVersion}}' 2>/dev/null))"
  exit 0
fi

SUDO=""
if [ "$(id -u)" != 0 ]; then
  command -v sudo >/dev/null 2>&1 || { log "not root and no sudo: start dockerd yourself"; exit 1; }
  SUDO="sudo"
fi

bash "$(dirname "${BASH_SOURCE[0]}")/setup-host.sh" docker
command -v dockerd >/dev/null 2>&1 || { log "dockerd still not found after install"; exit 1; }

if pgrep -x dockerd >/dev/null 2>&1; then
  log "dockerd already running (pid $(pgrep -x dockerd | head -1)); waiting for it"
else
  args=()
  [ -n "${DOCKERD_DATA_ROOT:-}" ] && args+=(--data-root "$DOCKERD_DATA_ROOT")
  log "starting dockerd (log: $LOG)"
  $SUDO sh -c "setsid dockerd ${args[*]:-} >'$LOG' 2>&1 < /dev/null &"
fi

t0=$SECONDS
if wait_for "$WAIT" docker info; then
  log "engine is up after $((SECONDS - t0))s ($(docker info --format '{{.ServerVersion}}'))"
  exit 0
fi

log "ERROR: docker engine did not answer within ${WAIT}s. Last lines of $LOG:"
tail -n 20 "$LOG" >&2 || true
exit 1
