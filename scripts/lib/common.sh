# Sourced by the scripts that run Terraform (validate, plan, up, down, e2e). Logs with
# scripts/lib/log.sh under the sourcing script's LOG_TAG.
# shellcheck shell=bash

# shellcheck source=scripts/lib/log.sh
. "$(dirname "${BASH_SOURCE[0]}")/log.sh"

# Builds or refreshes the offline toolchain (warm: under a second) and puts it on PATH; with
# LAKEHOUSE_TOOLCHAIN=system, uses tofu (or terraform) from PATH and its registry access.
use_toolchain() {
  bash "$(dirname "${BASH_SOURCE[0]}")/../toolchain.sh" >&2
  if [[ "${LAKEHOUSE_TOOLCHAIN:-}" == "system" ]]; then
    command -v tofu >/dev/null 2>&1 || export TERRAFORM_BINARY_NAME=terraform
  else
    # shellcheck disable=SC1091
    . "${LAKEHOUSE_TOOLCHAIN_DIR:-$HOME/.cache/lakehouse-cdc/toolchain}/env.sh"
  fi
}

# What a real deploy needs: the Docker engine, the toolchain on PATH and the locally built images;
# logs how long the images took.
prepare_deploy() {
  local scripts t0
  scripts="$(dirname "${BASH_SOURCE[0]}")/.."
  bash "$scripts/docker-engine.sh"
  use_toolchain
  t0=$(date +%s)
  bash "$scripts/images.sh"
  log "images ready in $(( $(date +%s) - t0 ))s"
}

# `cdktf synth` into OUTDIR, quiet unless it fails; prints how long it took.
synth_stacks() {
  local outdir="$1" log t0
  log="$(mktemp)"
  t0=$(date +%s)
  if ! npx cdktf synth --output "$outdir" >"$log" 2>&1; then
    cat "$log" >&2
    rm -f "$log"
    echo "ERROR: cdktf synth failed" >&2
    return 1
  fi
  rm -f "$log"
  echo "synth took $(( $(date +%s) - t0 ))s" >&2
}

# The synth output directory of cdktf.json (default cdktf.out).
synth_outdir() {
  node -e 'const c=require("./cdktf.json"); console.log(c.output || "cdktf.out")'
}
