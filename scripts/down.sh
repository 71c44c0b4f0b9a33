#!/usr/bin/env bash
# Destroys a Docker stack deployed by `npm run up` (default: dev); data volumes go with it.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
# shellcheck disable=SC1091
. scripts/lib/common.sh
use_toolchain
npx cdktf destroy "${1:-dev}" --auto-approve
