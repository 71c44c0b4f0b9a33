#!/usr/bin/env bash
# Ensure a headless Chromium for the browser checks (test/e2e/superset-dashboard.ts, which drives
# it with playwright-core). Idempotent: does nothing when CHROMIUM (default /usr/bin/chromium)
# already runs; otherwise installs Debian's `chromium` package (no browser download from
# Playwright's CDN, which is not reachable here). Prints the executable's path and version.
#
#   CHROMIUM   the browser executable (default /usr/bin/chromium); the e2e module reads the same
set -euo pipefail

CHROMIUM="${CHROMIUM:-/usr/bin/chromium}"
log() { printf '[browser] %s\n' "$*" >&2; }

if [ ! -x "$CHROMIUM" ]; then
  if [ "$CHROMIUM" != /usr/bin/chromium ]; then
    log "CHROMIUM=$CHROMIUM does not exist"; exit 1
  fi
  SUDO=""
  if [ "$(id -u)" != 0 ]; then
    command -v sudo >/dev/null 2>&1 || { log "not root and no sudo: install Debian's chromium yourself"; exit 1; }
    SUDO="sudo"
  fi
  log "installing Debian's chromium (and fonts for readable screenshots)"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends \
    chromium fonts-dejavu-core fonts-liberation >/dev/null
fi

version="$("$CHROMIUM" --headless=new --no-sandbox --version 2>/dev/null || "$CHROMIUM" --version)"
log "$CHROMIUM: $version"
printf '%s\n' "$CHROMIUM"
