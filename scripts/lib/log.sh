# Logging, timing and waiting for the project's shell scripts (sourced, not run).
# The sourcing script sets LOG_TAG first: every line goes to stderr as "[LOG_TAG] message".
# shellcheck shell=bash

LOG_TAG="${LOG_TAG:-lakehouse}"

log() { printf '[%s] %s\n' "$LOG_TAG" "$*" >&2; }
die() {
  printf '[%s] ERROR: %s\n' "$LOG_TAG" "$*" >&2
  exit 1
}

# Milliseconds since the epoch, and a duration in milliseconds as "12.3s".
now_ms() { date +%s%3N; }
fmt_ms() {
  local ms=$1
  printf '%d.%01ds' $((ms / 1000)) $(((ms % 1000) / 100))
}

# A condition's status that stops wait_for at once: the awaited thing can no longer succeed.
WAIT_GIVE_UP=255

# wait_for SECONDS CMD...: run CMD (output discarded) once a second until it succeeds, at most
# SECONDS times. Returns 0 once it succeeded, 1 when time ran out, WAIT_GIVE_UP when CMD said so.
wait_for() {
  local secs=$1 i status
  shift
  for ((i = 0; i < secs; i++)); do
    status=0
    "$@" >/dev/null 2>&1 || status=$?
    ((status != 0)) || return 0
    ((status != WAIT_GIVE_UP)) || return "$WAIT_GIVE_UP"
    sleep 1
  done
  return 1
}
