#!/usr/bin/env bash
# End-to-end tier on Kubernetes: the k8s stack deployed for real on the local single-node cluster
# of scripts/k8s/ (built from source), verified, destroyed. Prepares what it needs (engine,
# offline toolchain, locally built images, the cluster, which imports them), then runs jest.
#   E2E_K8S_STACK=k8s-ha  the production profile instead of `k8s` (and its chaos test)
#   E2E_KEEP=1        leave the stack running after the tests (destroy it yourself)
#   E2E_K8S_KEEP_UP=1 leave the cluster running afterwards (default: `npm run k8s:down`)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
LOG_TAG=e2e-k8s
# shellcheck source=scripts/lib/log.sh
. scripts/lib/log.sh

# shellcheck disable=SC1091
. scripts/lib/common.sh
prepare_deploy
# Trino's certificate: the Kubernetes stacks' clients log in over HTTPS.
bash scripts/tls.sh

start=$(date +%s%3N)
bash scripts/k8s/up.sh
K8S_UP_SECONDS=$(awk "BEGIN { printf \"%.1f\", ($(date +%s%3N) - $start) / 1000 }")
export K8S_UP_SECONDS
log "cluster up in ${K8S_UP_SECONDS}s"

export KUBECONFIG="${LAKEHOUSE_K8S_DIR:-$HOME/.cache/lakehouse-cdc/k8s}/admin.conf"
export KUBECTL="${LAKEHOUSE_K8S_DIR:-$HOME/.cache/lakehouse-cdc/k8s}/bin/kubectl"
# One node of 2 cores: the stack's CPU requests scaled to fit (k8s: 5.4 cores in full, x0.25;
# k8s-ha: 8.75, x0.2, as 0.25 left a deploy job unschedulable). The analytics layer (dbt, Dagster)
# stays on; on `k8s` Superset too (its provisioning logs in to Trino), on `k8s-ha` no dashboards
# (at x0.2 they would not fit beside the replicas).
if [[ "${E2E_K8S_STACK:-k8s}" == "k8s-ha" ]]; then
  default_fraction=0.2 default_dashboards=off
else
  default_fraction=0.25 default_dashboards=superset
fi
export LAKEHOUSE_K8S_CPU_FRACTION="${LAKEHOUSE_K8S_CPU_FRACTION:-$default_fraction}"
export LAKEHOUSE_DASHBOARDS="${LAKEHOUSE_DASHBOARDS:-$default_dashboards}"

FIGURES="test-output/e2e-${E2E_K8S_STACK:-k8s}-figures.json"
rm -f "$FIGURES"
status=0
npx jest -c jest.e2e.config.js test/e2e/k8s.e2e.test.ts "$@" || status=$?

if [[ "${E2E_K8S_KEEP_UP:-}" != "1" && "${E2E_KEEP:-}" != "1" ]]; then
  start=$(date +%s%3N)
  bash scripts/k8s/down.sh
  down=$(awk "BEGIN { printf \"%.1f\", ($(date +%s%3N) - $start) / 1000 }")
  if [[ -f "$FIGURES" ]]; then
    node -e 'const fs=require("fs"); const f=JSON.parse(fs.readFileSync(process.argv[1])); f["cluster stop, k8s:down (s)"]=Number(process.argv[2]); fs.writeFileSync(process.argv[1], JSON.stringify(f, null, 2))' "$FIGURES" "$down"
  fi
  # Daemons run from the cache's bin/ or with its config; shims talk to /run/lakehouse-k8s.
  left=$(pgrep -f "${LAKEHOUSE_K8S_DIR:-$HOME/.cache/lakehouse-cdc/k8s}/|/run/lakehouse-k8s/" | tr '\n' ' ' || true)
  if [[ -n "$left" ]]; then log "ERROR: cluster processes left after k8s:down: $left"; status=1; fi
fi
[[ -f "$FIGURES" ]] && { log "figures ($FIGURES):"; cat "$FIGURES"; echo; }
exit $status
