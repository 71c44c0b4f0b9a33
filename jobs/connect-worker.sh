#!/usr/bin/env bash
# Kafka Connect's worker, watched. After a Kafka broker crash the worker can rejoin its group with
# the connector left UNASSIGNED and its task sending nothing, and stay so: Connect itself does not
# recover, and a REST restart is refused while it is in that state. A fresh worker process does
# recover (exactly-once source: it resends nothing a read_committed reader has seen), so when the
# connector or a task stays UNASSIGNED, or the worker stops answering, for WATCHDOG_GRACE_SECONDS,
# this script stops the worker and exits non-zero: the container's restart policy (Docker) or the
# pod's (Kubernetes) starts a new one. PAUSED, STOPPED and FAILED are left alone: they are an
# operator's decision or an error `lakehouse verify` reports, not something a restart fixes.
#   CONNECTOR_NAME            the connector to watch
#   WATCHDOG_INTERVAL_SECONDS how often to ask (default 10)
#   WATCHDOG_GRACE_SECONDS    how long a bad state may last (default 90)
#   WORKER_ENTRYPOINT         the image's entrypoint (default /docker-entrypoint.sh)
set -u
interval="${WATCHDOG_INTERVAL_SECONDS:-10}"
grace="${WATCHDOG_GRACE_SECONDS:-90}"
url="http://localhost:8083/connectors/${CONNECTOR_NAME}/status"

"${WORKER_ENTRYPOINT:-/docker-entrypoint.sh}" "$@" &
worker=$!
trap 'kill -TERM "$worker" 2>/dev/null' TERM INT

watch() {
  local answered=0 bad_since=0 reply code body reason now
  while sleep "$interval"; do
    reply=$(curl -s -m 10 -w '\n%{http_code}' "$url")
    code="${reply##*$'\n'}"
    body="${reply%$'\n'*}"
    reason=""
    case "$code" in
      200)
        answered=1
        if [[ "$body" == *'"state":"UNASSIGNED"'* ]]; then reason="connector ${CONNECTOR_NAME} UNASSIGNED ($body)"; fi
        ;;
      404) ;; # not registered (yet): the registration job's business
      *) if [[ "$answered" == 1 ]]; then reason="no answer from the worker's REST API (HTTP $code)"; fi ;;
    esac
    now=$(date +%s)
    if [[ -z "$reason" ]]; then bad_since=0; continue; fi
    if [[ "$bad_since" == 0 ]]; then bad_since=$now; fi
    if (( now - bad_since >= grace )); then
      echo "connect-worker: ${reason} for $((now - bad_since)) s; restarting the worker" >&2
      kill -TERM "$worker" 2>/dev/null
      for _ in $(seq 30); do kill -0 "$worker" 2>/dev/null || return; sleep 1; done
      kill -KILL "$worker" 2>/dev/null
      return
    fi
  done
}
watch &
watcher=$!

wait "$worker"
rc=$?
# A trapped TERM interrupts `wait` before the worker has stopped: wait for it.
while kill -0 "$worker" 2>/dev/null; do wait "$worker"; rc=$?; done
kill "$watcher" 2>/dev/null
# A worker the watchdog stopped exits 143 (TERM) or 137: non-zero either way, so it is restarted.
exit "$rc"
