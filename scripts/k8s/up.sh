#!/usr/bin/env bash
# A local single-node Kubernetes cluster built from upstream source, for the `k8s` stack:
#
#   npm run k8s:up      (this script; idempotent: a second run only checks and prints)
#   export KUBECONFIG=$HOME/.cache/lakehouse-cdc/k8s/admin.conf
#   npm run k8s:smoke   (DNS, a ClusterIP Service, a PVC, on the project's own image)
#   npm run k8s:down    (stops everything this started; --purge also drops cluster data)
#
# What runs, all as host processes of this machine (root), none of them in Docker:
#   containerd  Debian's containerd + runc, a SEPARATE instance (own config, root, socket
#               $RUN/containerd.sock), so Docker's own containerd is never touched
#   etcd, kube-apiserver, kube-controller-manager, kube-scheduler, kubelet, kube-proxy
#               built by build.sh; apiserver on $HOST_IP:6443 ($HOST_IP is a /32 on lo),
#               etcd and the components' metrics on 127.0.0.1 only
#   kube-network-policies  the NetworkPolicy enforcer (nftables + nfqueue), patched by build.sh
#   pods        CNI bridge "$CNI_BRIDGE" (10.244.0.0/24) from Debian's containernetworking-plugins,
#               kube-proxy in iptables mode (Services 10.96.0.0/16), CoreDNS as a pod
#               (kube-dns at 10.96.0.10), StorageClass "standard" (default, host-path
#               rancher local-path-provisioner: a 0777 directory per claim under
#               $STATE/volumes; "hostpath": kube-controller-manager's in-tree
#               host-path provisioner, directories under /tmp/hostpath_pv)
#   images      every lakehouse.local/* image of the local Docker engine (at least
#               $HELPER_IMAGE, the volume helper pods' image), copied into the
#               cluster's containerd under the same name (`docker save | ctr import`, only
#               when the image id changed), plus a pause and a CoreDNS image built here
#
# Environment: LAKEHOUSE_K8S_DIR (cache, default ~/.cache/lakehouse-cdc/k8s),
#   LAKEHOUSE_K8S_STATE (cluster data, default /var/lib/lakehouse-k8s),
#   LAKEHOUSE_K8S_IMAGES (extended regex of the images to import, default every
#   lakehouse.local/ image; "none" imports only the helper image).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=scripts/k8s/lib.sh
. "$HERE/lib.sh"

[[ "$(id -u)" == 0 ]] || die "run as root: the cluster needs mounts, cgroups and iptables"
T_UP=$(now_ms)
mkdir -p "$DIR" "$LOGS" "$PKI" "$STATE" "$RUN" "$PIDS"
exec 7>"$RUN/.up.lock"
flock -n 7 || die "another k8s:up or k8s:down is running"

# ------------------------------------------------------------------ host packages
bash "$HERE/../setup-host.sh" cluster # containerd, runc, CNI plugins, conntrack, iptables

# ------------------------------------------------------------------ binaries
t0=$(now_ms)
bash "$HERE/build.sh"
T_BUILD=$(($(now_ms) - t0))
T_START=$(now_ms)

# ------------------------------------------------------------------ host network
if [[ "$(ip -4 addr show dev lo)" != *" $HOST_IP/32 "* ]]; then
  ip addr add "$HOST_IP/32" dev lo
  log "node address $HOST_IP/32 added to lo"
fi
[[ "$(cat /proc/sys/net/ipv4/ip_forward)" == 1 ]] || { sysctl -qw net.ipv4.ip_forward=1; log "net.ipv4.ip_forward=1"; }
if [[ ! -e /proc/sys/net/bridge/bridge-nf-call-iptables ]]; then
  modprobe br_netfilter 2>/dev/null ||
    die "br_netfilter is not loaded and cannot be loaded: Service traffic between pods on the bridge needs it"
fi
[[ "$(cat /proc/sys/net/bridge/bridge-nf-call-iptables)" == 1 ]] || { sysctl -qw net.bridge.bridge-nf-call-iptables=1; log "net.bridge.bridge-nf-call-iptables=1"; }
# Docker sets the FORWARD policy to DROP; let the cluster's bridge forward (rules tagged with
# a comment so that down.sh removes exactly these).
for dir in -i -o; do
  rule=(FORWARD "$dir" "$CNI_BRIDGE" -m comment --comment "$CNI_NETWORK" -j ACCEPT)
  iptables -C "${rule[@]}" 2>/dev/null || iptables -I "${rule[@]}"
done

# ------------------------------------------------------------------ certificates, kubeconfigs
KUBEADM_CFG="$DIR/kubeadm.yaml"
cat >"$KUBEADM_CFG.tmp" <<EOF
# Written by scripts/k8s/up.sh; only the certs, kubeconfig and "kubeconfig user" phases use it.
apiVersion: kubeadm.k8s.io/v1beta4
kind: InitConfiguration
localAPIEndpoint:
  advertiseAddress: $HOST_IP
  bindPort: 6443
nodeRegistration:
  name: $NODE_NAME
  criSocket: unix://$CONTAINERD_SOCK
  imagePullPolicy: Never
---
apiVersion: kubeadm.k8s.io/v1beta4
kind: ClusterConfiguration
kubernetesVersion: $K8S_VERSION
clusterName: $CNI_NETWORK
certificatesDir: $PKI
controlPlaneEndpoint: $HOST_IP:6443
networking:
  dnsDomain: $CLUSTER_DOMAIN
  serviceSubnet: $SERVICE_CIDR
  podSubnet: $POD_CIDR
apiServer:
  certSANs: [127.0.0.1, localhost, $HOST_IP]
etcd:
  local:
    dataDir: $STATE/etcd
    serverCertSANs: [127.0.0.1, localhost]
    peerCertSANs: [127.0.0.1, localhost]
EOF
mv -f "$KUBEADM_CFG.tmp" "$KUBEADM_CFG"
KCFG="$DIR/kubeconfigs"
mkdir -p "$KCFG"
if [[ ! -f "$PKI/ca.crt" || ! -f "$PKI/sa.key" || ! -f "$PKI/etcd/server.crt" ]]; then
  log "kubeadm init phase certs all (into $PKI)"
  kubeadm init phase certs all --config "$KUBEADM_CFG" >"$LOGS/kubeadm-certs.log" 2>&1 ||
    { cat "$LOGS/kubeadm-certs.log" >&2; die "kubeadm certs failed"; }
fi
if [[ ! -f "$KCFG/admin.conf" || ! -f "$KCFG/kubelet.conf" ]]; then
  log "kubeadm init phase kubeconfig all (into $KCFG)"
  kubeadm init phase kubeconfig all --config "$KUBEADM_CFG" --kubeconfig-dir "$KCFG" >"$LOGS/kubeadm-kubeconfig.log" 2>&1 ||
    { cat "$LOGS/kubeadm-kubeconfig.log" >&2; die "kubeadm kubeconfig failed"; }
fi
if [[ ! -f "$KCFG/kube-proxy.conf" ]]; then
  kubeadm kubeconfig user --config "$KUBEADM_CFG" --client-name system:kube-proxy >"$KCFG/kube-proxy.conf.tmp" 2>"$LOGS/kubeadm-proxy.log" ||
    { cat "$LOGS/kubeadm-proxy.log" >&2; die "kubeadm kubeconfig user (kube-proxy) failed"; }
  mv -f "$KCFG/kube-proxy.conf.tmp" "$KCFG/kube-proxy.conf"
fi
if [[ ! -f "$KCFG/kube-network-policies.conf" ]]; then
  kubeadm kubeconfig user --config "$KUBEADM_CFG" --client-name system:kube-network-policies >"$KCFG/kube-network-policies.conf.tmp" 2>"$LOGS/kubeadm-knp.log" ||
    { cat "$LOGS/kubeadm-knp.log" >&2; die "kubeadm kubeconfig user (kube-network-policies) failed"; }
  mv -f "$KCFG/kube-network-policies.conf.tmp" "$KCFG/kube-network-policies.conf"
fi
install -m 0600 "$KCFG/admin.conf" "$KUBECONFIG_ADMIN"

# ------------------------------------------------------------------ containerd
CTR_CFG="$DIR/containerd.toml"
mkdir -p "$STATE/cni/net.d" "$STATE/containerd" "$STATE/pod-logs"
cat >"$STATE/cni/net.d/10-$CNI_NETWORK.conflist.tmp" <<EOF
{
  "cniVersion": "1.0.0",
  "name": "$CNI_NETWORK",
  "plugins": [
    {
      "type": "bridge",
      "bridge": "$CNI_BRIDGE",
      "isGateway": true,
      "ipMasq": true,
      "hairpinMode": true,
      "ipam": {
        "type": "host-local",
        "ranges": [[{ "subnet": "$POD_CIDR", "gateway": "${POD_CIDR%.0/*}.1" }]],
        "routes": [{ "dst": "0.0.0.0/0" }],
        "dataDir": "$RUN/ipam"
      }
    },
    { "type": "portmap", "capabilities": { "portMappings": true } }
  ]
}
EOF
mv -f "$STATE/cni/net.d/10-$CNI_NETWORK.conflist.tmp" "$STATE/cni/net.d/10-$CNI_NETWORK.conflist"
cat >"$CTR_CFG.tmp" <<EOF
# Written by scripts/k8s/up.sh: the cluster's own containerd, apart from Docker's.
version = 2
root = "$STATE/containerd"
state = "$RUN/containerd"
disabled_plugins = ["io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.zfs"]

[grpc]
  address = "$CONTAINERD_SOCK"

[ttrpc]
  address = "$RUN/containerd.sock.ttrpc"

[debug]
  address = ""

[metrics]
  address = ""

[plugins."io.containerd.internal.v1.opt"]
  path = "$STATE/containerd-opt"

[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "$PAUSE_IMAGE"
  stream_server_address = "127.0.0.1"
  stream_server_port = "0"
  enable_selinux = false
  disable_apparmor = true
  tolerate_missing_hugetlb_controller = true
  # This machine refuses lowering oom_score_adj (runc: "failed to update /proc/self/oom_score_adj:
  # Permission denied" for the sandbox's -998): clamp to containerd's own value instead.
  restrict_oom_score_adj = true
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        SystemdCgroup = false
        BinaryName = "$(command -v runc)"
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "$STATE/cni/net.d"
    max_conf_num = 1
EOF
mv -f "$CTR_CFG.tmp" "$CTR_CFG"
start_proc containerd "$(command -v containerd)" --config "$CTR_CFG"
wait_for 60 ctr -a "$CONTAINERD_SOCK" version || die "containerd did not answer on $CONTAINERD_SOCK (log: $LOGS/containerd.log)"
ctr_() { ctr -a "$CONTAINERD_SOCK" -n k8s.io "$@"; }
# (no `ctr ... | grep -q`: with pipefail, grep's early exit fails the pipeline)
has_image() { local all; all="$(ctr_ images ls -q)"; grep -qxF "$1" <<<"$all"; }

# ------------------------------------------------------------------ pause and CoreDNS images
# Single-layer OCI archives written by hand (no Docker build): one static binary at /.
oci_image() { # oci_image NAME BINARY ENTRYPOINT_JSON
  local name=$1 binary=$2 entry=$3 work config manifest ldig lsize cdig csize mdig msize
  if has_image "$name" &&
    [[ "$(cat "$STATE/image-stamps/${name//\//_}" 2>/dev/null)" == "$(sha256sum <"$binary")" ]]; then
    return 0
  fi
  work="$(mktemp -d)"
  mkdir -p "$work/root" "$work/blobs/sha256"
  cp "$binary" "$work/root/$(basename "$binary")"
  tar -C "$work/root" --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -cf "$work/layer.tar" .
  ldig="$(sha256sum "$work/layer.tar" | cut -d' ' -f1)"
  lsize="$(stat -c %s "$work/layer.tar")"
  mv "$work/layer.tar" "$work/blobs/sha256/$ldig"
  config="{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{\"Entrypoint\":$entry,\"WorkingDir\":\"/\"},\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"sha256:$ldig\"]}}"
  cdig="$(printf '%s' "$config" | sha256sum | cut -d' ' -f1)"
  csize="${#config}"
  printf '%s' "$config" >"$work/blobs/sha256/$cdig"
  manifest="{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"sha256:$cdig\",\"size\":$csize},\"layers\":[{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar\",\"digest\":\"sha256:$ldig\",\"size\":$lsize}]}"
  mdig="$(printf '%s' "$manifest" | sha256sum | cut -d' ' -f1)"
  msize="${#manifest}"
  printf '%s' "$manifest" >"$work/blobs/sha256/$mdig"
  printf '{"imageLayoutVersion":"1.0.0"}' >"$work/oci-layout"
  printf '{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%s","size":%s,"annotations":{"io.containerd.image.name":"%s","org.opencontainers.image.ref.name":"%s"}}]}' \
    "$mdig" "$msize" "$name" "${name##*:}" >"$work/index.json"
  tar -C "$work" -cf "$work/image.tar" oci-layout index.json blobs
  ctr_ images import "$work/image.tar" >"$LOGS/image-import.log" 2>&1 ||
    { cat "$LOGS/image-import.log" >&2; rm -rf "$work"; die "ctr images import of $name failed"; }
  has_image "$name" || { rm -rf "$work"; die "$name not in containerd after import (see $LOGS/image-import.log)"; }
  mkdir -p "$STATE/image-stamps"
  sha256sum <"$binary" >"$STATE/image-stamps/${name//\//_}"
  rm -rf "$work"
  log "image $name built and imported"
}
oci_image "$PAUSE_IMAGE" "$BIN/pause" '["/pause"]'
oci_image "$COREDNS_IMAGE" "$BIN/coredns" '["/coredns"]'
oci_image "$LOCAL_PATH_IMAGE" "$BIN/local-path-provisioner" '["/local-path-provisioner"]'

# ------------------------------------------------------------------ etcd, control plane
start_proc etcd "$BIN/etcd" --name "$NODE_NAME" --data-dir "$STATE/etcd" \
  --listen-client-urls https://127.0.0.1:2379 --advertise-client-urls https://127.0.0.1:2379 \
  --listen-peer-urls https://127.0.0.1:2380 --initial-advertise-peer-urls https://127.0.0.1:2380 \
  --initial-cluster "$NODE_NAME=https://127.0.0.1:2380" --listen-metrics-urls http://127.0.0.1:2381 \
  --cert-file "$PKI/etcd/server.crt" --key-file "$PKI/etcd/server.key" --client-cert-auth --trusted-ca-file "$PKI/etcd/ca.crt" \
  --peer-cert-file "$PKI/etcd/peer.crt" --peer-key-file "$PKI/etcd/peer.key" --peer-client-cert-auth --peer-trusted-ca-file "$PKI/etcd/ca.crt" \
  --snapshot-count 10000 --quota-backend-bytes 2147483648
wait_for 60 curl -sf http://127.0.0.1:2381/health || die "etcd not healthy (log: $LOGS/etcd.log)"

start_proc kube-apiserver "$BIN/kube-apiserver" \
  --advertise-address "$HOST_IP" --bind-address "$HOST_IP" --secure-port 6443 \
  --allow-privileged=true --authorization-mode Node,RBAC --enable-admission-plugins NodeRestriction \
  --client-ca-file "$PKI/ca.crt" --enable-bootstrap-token-auth=true \
  --etcd-servers https://127.0.0.1:2379 --etcd-cafile "$PKI/etcd/ca.crt" \
  --etcd-certfile "$PKI/apiserver-etcd-client.crt" --etcd-keyfile "$PKI/apiserver-etcd-client.key" \
  --kubelet-client-certificate "$PKI/apiserver-kubelet-client.crt" --kubelet-client-key "$PKI/apiserver-kubelet-client.key" \
  --kubelet-preferred-address-types InternalIP,Hostname \
  --proxy-client-cert-file "$PKI/front-proxy-client.crt" --proxy-client-key-file "$PKI/front-proxy-client.key" \
  --requestheader-allowed-names front-proxy-client --requestheader-client-ca-file "$PKI/front-proxy-ca.crt" \
  --requestheader-extra-headers-prefix X-Remote-Extra- --requestheader-group-headers X-Remote-Group \
  --requestheader-username-headers X-Remote-User \
  --service-account-issuer "https://kubernetes.default.svc.$CLUSTER_DOMAIN" \
  --service-account-key-file "$PKI/sa.pub" --service-account-signing-key-file "$PKI/sa.key" \
  --service-cluster-ip-range "$SERVICE_CIDR" \
  --tls-cert-file "$PKI/apiserver.crt" --tls-private-key-file "$PKI/apiserver.key"
wait_for 120 curl -sf --cacert "$PKI/ca.crt" "https://$HOST_IP:6443/readyz" ||
  die "kube-apiserver not ready (log: $LOGS/kube-apiserver.log)"

# kubeadm's admin.conf user is in group kubeadm:cluster-admins; kubeadm init would bind it.
kubectl --kubeconfig "$KCFG/super-admin.conf" apply -f - >/dev/null <<EOF
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: kubeadm:cluster-admins
roleRef: { apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin }
subjects:
  - { apiGroup: rbac.authorization.k8s.io, kind: Group, name: "kubeadm:cluster-admins" }
EOF

start_proc kube-controller-manager "$BIN/kube-controller-manager" \
  --kubeconfig "$KCFG/controller-manager.conf" \
  --authentication-kubeconfig "$KCFG/controller-manager.conf" --authorization-kubeconfig "$KCFG/controller-manager.conf" \
  --bind-address 127.0.0.1 --leader-elect=false \
  --client-ca-file "$PKI/ca.crt" --requestheader-client-ca-file "$PKI/front-proxy-ca.crt" \
  --cluster-name "$CNI_NETWORK" --cluster-signing-cert-file "$PKI/ca.crt" --cluster-signing-key-file "$PKI/ca.key" \
  --root-ca-file "$PKI/ca.crt" --service-account-private-key-file "$PKI/sa.key" \
  --service-cluster-ip-range "$SERVICE_CIDR" --use-service-account-credentials=true \
  --controllers '*,bootstrapsigner,tokencleaner' --enable-hostpath-provisioner=true
start_proc kube-scheduler "$BIN/kube-scheduler" \
  --kubeconfig "$KCFG/scheduler.conf" \
  --authentication-kubeconfig "$KCFG/scheduler.conf" --authorization-kubeconfig "$KCFG/scheduler.conf" \
  --bind-address 127.0.0.1 --leader-elect=false

# ------------------------------------------------------------------ node: kubelet, kube-proxy
mkdir -p "$STATE/kubelet" "$STATE/kubelet-plugins"
cat >"$DIR/kubelet.yaml.tmp" <<EOF
# Written by scripts/k8s/up.sh
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
address: $HOST_IP
port: 10250
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
healthzPort: 10248
authentication:
  anonymous: { enabled: false }
  webhook: { enabled: true }
  x509: { clientCAFile: $PKI/ca.crt }
authorization: { mode: Webhook }
cgroupDriver: cgroupfs
failCgroupV1: false
containerRuntimeEndpoint: unix://$CONTAINERD_SOCK
clusterDNS: [$DNS_SERVICE_IP]
clusterDomain: $CLUSTER_DOMAIN
resolvConf: /etc/resolv.conf
failSwapOn: false
rotateCertificates: false
podLogsDir: $STATE/pod-logs
volumePluginDir: $STATE/kubelet-plugins/volume/exec
maxPods: 110
serializeImagePulls: true
imageGCHighThresholdPercent: 95
imageGCLowThresholdPercent: 90
evictionHard:
  memory.available: 256Mi
  nodefs.available: 5%
  imagefs.available: 5%
  nodefs.inodesFree: 3%
EOF
mv -f "$DIR/kubelet.yaml.tmp" "$DIR/kubelet.yaml"
start_proc kubelet "$BIN/kubelet" --config "$DIR/kubelet.yaml" --kubeconfig "$KCFG/kubelet.conf" \
  --root-dir "$STATE/kubelet" --cert-dir "$STATE/kubelet/pki" \
  --hostname-override "$NODE_NAME" --node-ip "$HOST_IP" --v 1

cat >"$DIR/kube-proxy.yaml.tmp" <<EOF
# Written by scripts/k8s/up.sh. conntrack settings 0 = leave the host's sysctls alone.
apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
clientConnection: { kubeconfig: $KCFG/kube-proxy.conf }
mode: iptables
clusterCIDR: $POD_CIDR
hostnameOverride: $NODE_NAME
bindAddress: $HOST_IP
healthzBindAddress: 127.0.0.1:10256
metricsBindAddress: 127.0.0.1:10249
nodePortAddresses: [$HOST_IP/32]
iptables: { localhostNodePorts: false }
conntrack:
  maxPerCore: 0
  min: 0
  tcpEstablishedTimeout: 0s
  tcpCloseWaitTimeout: 0s
EOF
mv -f "$DIR/kube-proxy.yaml.tmp" "$DIR/kube-proxy.yaml"
start_proc kube-proxy "$BIN/kube-proxy" --config "$DIR/kube-proxy.yaml"

node_ready() { [[ "$(kc get node "$NODE_NAME" -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}' 2>/dev/null)" == True ]]; }
wait_for 180 node_ready || die "node $NODE_NAME not Ready after 180s (logs: $LOGS/kubelet.log, $LOGS/containerd.log)"
T_READY=$(($(now_ms) - T_START))
if ((STARTED)); then
  log "node $NODE_NAME Ready $(fmt_ms "$T_READY") after the start of the first daemon ($STARTED started)"
else
  log "node $NODE_NAME Ready (every daemon was already running)"
fi

# ------------------------------------------------------------------ cluster add-ons
mkdir -p "$VOLUMES"
sed -e "s#@DNS_SERVICE_IP@#$DNS_SERVICE_IP#g" -e "s#@COREDNS_IMAGE@#$COREDNS_IMAGE#g" \
  -e "s#@CLUSTER_DOMAIN@#$CLUSTER_DOMAIN#g" -e "s#@LOCAL_PATH_IMAGE@#$LOCAL_PATH_IMAGE#g" \
  -e "s#@HELPER_IMAGE@#$HELPER_IMAGE#g" -e "s#@VOLUMES@#$VOLUMES#g" "$HERE/addons.yaml" | kc apply -f - >"$LOGS/addons.log" 2>&1 ||
  { cat "$LOGS/addons.log" >&2; die "applying scripts/k8s/addons.yaml failed"; }

# ------------------------------------------------------------------ NetworkPolicy enforcer
# kube-network-policies (patched, see build.sh) in the host's network namespace, as user
# system:kube-network-policies (its ClusterRole is in addons.yaml, applied above). Its nftables
# table "inet kube-network-policies" sends new connections to and from this node's pods that a
# NetworkPolicy selects to nfqueue KNP_QUEUE; it gives the verdicts. Fails closed (no
# --fail-open): such packets are dropped while it is down. down.sh stops it first, with SIGINT
# (STOP_SIGNAL in lib.sh), so that it deletes its table.
KNP_QUEUE=100
KNP_METRICS=127.0.0.1:9080
t0=$(now_ms)
start_proc kube-network-policies "$BIN/kube-network-policies" --kubeconfig "$KCFG/kube-network-policies.conf" \
  --hostname-override "$NODE_NAME" --nfqueue-id "$KNP_QUEUE" --metrics-bind-address "$KNP_METRICS" \
  --netfilter-bug-1766-fix=false --disable-nri --v=1
knp_ready() { # its caches synced, its first nftables sync did not fail, nfqueue bound, metrics up
  # Its pid, not proc_pid: right after the start the pid may still be setsid, before its exec.
  [[ -d "/proc/$(cat "$PIDS/kube-network-policies.pid")" ]] || return "$WAIT_GIVE_UP"
  local run # its log since its last start
  run="$(awk '/^==== / { n = 0 } { line[n++] = $0 } END { for (i = 0; i < n; i++) print line[i] }' "$LOGS/kube-network-policies.log")"
  # the first sync's failure is the line right after its start (the workers start after it)
  [[ "$(grep -m2 -E '"[Ss]yncing nftables rules"' <<<"$run" | sed -n 2p)" != *'"syncing nftables rules" error='* ]] ||
    return "$WAIT_GIVE_UP"
  grep -q 'Caches are synced' <<<"$run" || return 1
  awk -v q="$KNP_QUEUE" '$1 == q { found = 1 } END { exit !found }' /proc/net/netfilter/nfnetlink_queue || return 1
  curl -sf "http://$KNP_METRICS/metrics" >/dev/null
}
knp_status=0
wait_for 60 knp_ready || knp_status=$?
if ((knp_status)); then
  proc_pid kube-network-policies >/dev/null || die "kube-network-policies exited (log: $LOGS/kube-network-policies.log)"
  ((knp_status != WAIT_GIVE_UP)) ||
    die "kube-network-policies could not install its nftables rules, so NetworkPolicies are not enforced (log: $LOGS/kube-network-policies.log)"
  die "kube-network-policies not ready after 60s (caches synced, nfqueue $KNP_QUEUE bound, metrics on $KNP_METRICS; log: $LOGS/kube-network-policies.log)"
fi
T_KNP=$(($(now_ms) - t0))
log "NetworkPolicy enforcer kube-network-policies ready in $(fmt_ms "$T_KNP") (nfqueue $KNP_QUEUE, metrics http://$KNP_METRICS/metrics)"

# ------------------------------------------------------------------ project images
t0=$(now_ms)
pattern="${LAKEHOUSE_K8S_IMAGES:-^lakehouse\.local/}"
[[ "$pattern" != none ]] || pattern='^$' # the helper image only
if docker info >/dev/null 2>&1; then
  mkdir -p "$STATE/image-stamps"
  want=()
  while read -r ref id; do
    [[ "$ref" == lakehouse.local/k8s/* ]] && continue
    [[ "$ref" == "$HELPER_IMAGE" || "$ref" =~ $pattern ]] || continue
    stamp="$STATE/image-stamps/${ref//\//_}"
    if [[ "$(cat "$stamp" 2>/dev/null)" == "$id" ]] && has_image "$ref"; then continue; fi
    want+=("$ref")
  done < <(docker images --no-trunc --format '{{.Repository}}:{{.Tag}} {{.ID}}' | grep -v '<none>' || true)
  if ((${#want[@]})); then
    log "importing ${#want[@]} image(s) from Docker into the cluster's containerd: ${want[*]}"
    docker save "${want[@]}" | ctr_ images import --no-unpack - >"$LOGS/images-import.log" 2>&1 ||
      { tail -n 20 "$LOGS/images-import.log" >&2; die "docker save | ctr images import failed"; }
    for ref in "${want[@]}"; do
      docker image inspect --format '{{.ID}}' "$ref" >"$STATE/image-stamps/${ref//\//_}"
    done
    log "images imported in $(fmt_ms $(($(now_ms) - t0)))"
  else
    log "project images: all present in the cluster's containerd"
  fi
else
  log "no Docker engine answers: project images (and $HELPER_IMAGE, which volumes need) not imported (run scripts/docker-engine.sh, then k8s:up again)"
fi
T_IMAGES=$(($(now_ms) - t0))

# ------------------------------------------------------------------ cluster DNS
kc -n kube-system rollout status deployment/coredns --timeout=180s >/dev/null ||
  die "CoreDNS did not become available (kubectl -n kube-system describe pod -l k8s-app=kube-dns)"

log "cluster up in $(fmt_ms $(($(now_ms) - T_UP))) (build check $(fmt_ms "$T_BUILD"), node Ready after $(fmt_ms "$T_READY"), NetworkPolicy enforcer $(fmt_ms "$T_KNP"), image import $(fmt_ms "$T_IMAGES"))"
kc get nodes -o wide >&2
log "use it:  export KUBECONFIG=$KUBECONFIG_ADMIN   (then: kubectl get pods -A; npm run k8s:smoke)"
log "kubectl: $BIN/kubectl; logs: $LOGS; stop: npm run k8s:down"
