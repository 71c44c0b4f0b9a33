#!/usr/bin/env bash
# Ensure a headless Chromium for the browser checks (test/e2e/superset-dashboard.ts, which drives
# it with playwright-core). Idempotent: does nothing when CHROMIUM (default /usr/bin/chromium)
# already runs; otherwise installs Debian's `chromium` package through scripts/setup-host.sh (no
# browser download from Playwright's CDN, which is not reachable here). Prints the executable's
# path and version.
#
#   CHROMIUM   the browser executable (default /usr/bin/chromium); the e2e module reads the same
set -euo pipefail

CHROMIUM="${CHROMIUM:-/usr/bin/chromium}"
LOG_TAG=browser
# shellcheck source=scripts/lib/log.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib/log.sh"

if [ ! -x "$CHROMIUM" ]; then
  [ "$CHROMIUM" = /usr/bin/chromium ] || die "CHROMIUM=$CHROMIUM does not exist"
  # Debian's chromium, and fonts for readable screenshots
  bash "$(dirname "${BASH_SOURCE[0]}")/setup-host.sh" chromium
fi

version="$("$CHROMIUM" --headless=new --no-sandbox --version 2>/dev/null || "$CHROMIUM" --version)"
log "$CHROMIUM: $version"
printf '%s\n' "$CHROMIUM"
