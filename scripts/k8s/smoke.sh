#!/usr/bin/env bash
# Smoke test of the local cluster (npm run k8s:smoke, after k8s:up), on the project's own images:
#   - a PersistentVolumeClaim of the default StorageClass (and one of "hostpath") binds, and a non-root pod (runAsUser
#     and fsGroup, as KubernetesPlatform renders them) writes to it;
#   - a Deployment of lakehouse.local/node serves HTTP behind a ClusterIP Service;
#   - a Job of lakehouse.local/debian resolves the Service by short, namespaced and full name
#     (and kubernetes.default) through the cluster DNS, and fetches the page through the Service.
# Everything lives in namespace k8s-smoke, deleted at the end unless --keep.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=scripts/k8s/lib.sh
. "$HERE/lib.sh"

KEEP=0
[[ "${1:-}" == --keep ]] && KEEP=1
[[ -f "$KUBECONFIG_ADMIN" ]] || die "no $KUBECONFIG_ADMIN: run npm run k8s:up first"
NS=k8s-smoke
NODE_IMAGE="${LAKEHOUSE_K8S_SMOKE_NODE_IMAGE:-lakehouse.local/node:20-trixie-slim}"
DEBIAN_IMAGE="${LAKEHOUSE_K8S_SMOKE_DEBIAN_IMAGE:-lakehouse.local/debian:trixie}"
T0=$(now_ms)

fail() {
  log "SMOKE FAILED: $*"
  kc -n "$NS" get all,pvc -o wide >&2 || true
  kc -n "$NS" get events --sort-by=.lastTimestamp >&2 || true
  for p in $(kc -n "$NS" get pods -o name 2>/dev/null); do
    log "--- logs of $p"
    kc -n "$NS" logs "$p" --all-containers >&2 || true
  done
  exit 1
}

kc delete namespace "$NS" --ignore-not-found --wait=true >/dev/null
kc apply -f - >/dev/null <<EOF
apiVersion: v1
kind: Namespace
metadata: { name: $NS }
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: { name: data, namespace: $NS }
spec:
  accessModes: [ReadWriteOnce]
  resources: { requests: { storage: 1Gi } }
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: { name: data-hostpath, namespace: $NS }
spec:
  storageClassName: hostpath
  accessModes: [ReadWriteOnce]
  resources: { requests: { storage: 1Gi } }
---
apiVersion: apps/v1
kind: Deployment
metadata: { name: web, namespace: $NS }
spec:
  replicas: 1
  selector: { matchLabels: { app: web } }
  template:
    metadata: { labels: { app: web } }
    spec:
      enableServiceLinks: false
      securityContext: { runAsNonRoot: true, runAsUser: 1000, runAsGroup: 1000, fsGroup: 1000 }
      containers:
        - name: web
          image: $NODE_IMAGE
          imagePullPolicy: Never
          command: [node, -e]
          args:
            - |
              const fs = require("fs");
              fs.writeFileSync("/data/stamp", "written-by-uid-" + process.getuid());
              require("http").createServer((q, r) => r.end("lakehouse-k8s-smoke " + fs.readFileSync("/data/stamp") + "\n")).listen(8080);
          ports: [{ containerPort: 8080 }]
          readinessProbe: { httpGet: { path: /, port: 8080 }, periodSeconds: 2 }
          resources: { requests: { cpu: 10m, memory: 64Mi }, limits: { memory: 128Mi } }
          securityContext: { allowPrivilegeEscalation: false }
          volumeMounts: [{ name: data, mountPath: /data }]
      volumes: [{ name: data, persistentVolumeClaim: { claimName: data } }]
---
apiVersion: v1
kind: Service
metadata: { name: web, namespace: $NS }
spec:
  selector: { app: web }
  ports: [{ port: 80, targetPort: 8080 }]
EOF
# default class: WaitForFirstConsumer, so it binds once the web pod is scheduled
kc -n "$NS" wait pvc/data --for=jsonpath='{.status.phase}'=Bound --timeout=180s >/dev/null || fail "PVC data did not bind"
log "PVC data Bound ($(kc -n "$NS" get pvc data -o jsonpath='{.spec.volumeName}'), StorageClass $(kc -n "$NS" get pvc data -o jsonpath='{.spec.storageClassName}'))"
kc -n "$NS" wait pvc/data-hostpath --for=jsonpath='{.status.phase}'=Bound --timeout=60s >/dev/null ||
  fail "PVC data-hostpath (StorageClass hostpath) did not bind"
log "PVC data-hostpath Bound ($(kc -n "$NS" get pvc data-hostpath -o jsonpath='{.spec.volumeName}'), StorageClass hostpath)"
kc -n "$NS" rollout status deployment/web --timeout=180s >/dev/null || fail "deployment web not available"
log "deployment web available (pod IP $(kc -n "$NS" get pods -l app=web -o jsonpath='{.items[0].status.podIP}'), Service IP $(kc -n "$NS" get svc web -o jsonpath='{.spec.clusterIP}'))"

kc apply -f - >/dev/null <<EOF
apiVersion: batch/v1
kind: Job
metadata: { name: client, namespace: $NS }
spec:
  backoffLimit: 0
  template:
    spec:
      restartPolicy: Never
      enableServiceLinks: false
      containers:
        - name: client
          image: $DEBIAN_IMAGE
          imagePullPolicy: Never
          command: [bash, -ec]
          args:
            - |
              cat /etc/resolv.conf
              for n in web web.$NS web.$NS.svc.$CLUSTER_DOMAIN kubernetes.default; do
                echo "resolve \$n: \$(getent hosts \$n)"
                getent hosts \$n >/dev/null
              done
              exec 3<>/dev/tcp/web/80
              printf 'GET / HTTP/1.0\r\nHost: web\r\n\r\n' >&3
              reply=\$(cat <&3)
              echo "\$reply" | tail -n 1
              grep -q "lakehouse-k8s-smoke written-by-uid-1000" <<<"\$reply"
EOF
kc -n "$NS" wait job/client --for=condition=Complete --timeout=120s >/dev/null ||
  fail "job client did not complete"
kc -n "$NS" logs job/client | sed 's/^/  client| /' >&2
log "smoke passed in $(fmt_ms $(($(now_ms) - T0))): DNS, ClusterIP Service, PVC (non-root write)"
if ((KEEP)); then
  log "kept namespace $NS (kubectl delete namespace $NS)"
else
  kc delete namespace "$NS" --wait=false >/dev/null
fi
