#!/usr/bin/env bash
# Stops the local cluster of scripts/k8s/up.sh and undoes what it did to the host:
#   - stops the NetworkPolicy enforcer first, with SIGINT, so that it deletes its nftables table,
#   - removes every pod sandbox through CRI (so CNI releases addresses and its iptables rules),
#   - stops each daemon up.sh started, by its pidfile, and the containerd shims of the
#     cluster's own containerd (never Docker's),
#   - unmounts what is left under the cluster's directories,
#   - removes kube-proxy's and kubelet's iptables chains (KUBE-*), the CNI rules tagged with
#     the network name, the FORWARD rules up.sh added, the bridge, and the node address on lo.
#
#   npm run k8s:down              keep the cluster's data (etcd, images, volumes): the next
#                                 k8s:up comes back with the same objects
#   npm run k8s:down -- --purge   also delete the data ($STATE, /tmp/hostpath_pv),
#                                 certificates and kubeconfigs; built binaries stay cached
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=scripts/k8s/lib.sh
. "$HERE/lib.sh"

PURGE=0
for a in "$@"; do
  case "$a" in
    --purge) PURGE=1 ;;
    *) die "unknown argument '$a' (only --purge)" ;;
  esac
done
[[ "$(id -u)" == 0 ]] || die "run as root"
T0=$(now_ms)
mkdir -p "$RUN"
exec 7>"$RUN/.up.lock"
flock -w 60 7 || die "another k8s:up or k8s:down is running"

# 0. The NetworkPolicy enforcer first: on SIGINT it deletes its nftables table "inet
#    kube-network-policies" (about 5 s); stop_proc waits up to 15 s, then TERM (which would
#    leave the table, dropping new connections of pods under a policy) and KILL.
stop_proc kube-network-policies

# 1. No kubelet, so nothing restarts pods; then remove the sandboxes through CRI.
stop_proc kubelet
if proc_pid containerd >/dev/null; then
  cri=(crictl --runtime-endpoint "unix://$CONTAINERD_SOCK" --image-endpoint "unix://$CONTAINERD_SOCK" --timeout 30s)
  pods="$("${cri[@]}" pods -q 2>/dev/null || true)"
  if [[ -n "$pods" ]]; then
    log "removing $(wc -l <<<"$pods") pod sandbox(es) through CRI"
    for p in $pods; do
      "${cri[@]}" stopp "$p" >/dev/null 2>&1 || true
      "${cri[@]}" rmp -f "$p" >/dev/null 2>&1 || log "  could not remove sandbox $p"
    done
  fi
fi

# 2. The node's other daemons and the control plane.
stop_proc kube-proxy
stop_proc kube-scheduler
stop_proc kube-controller-manager
stop_proc kube-apiserver
stop_proc etcd
stop_proc containerd

# 3. Shims (and their containers) that the cluster's containerd started: they name its socket.
shims=()
for p in /proc/[0-9]*; do
  [[ "$(readlink "$p/exe" 2>/dev/null)" == */containerd-shim* ]] || continue
  if [[ "$(tr '\0' ' ' <"$p/cmdline" 2>/dev/null)" == *" -address $CONTAINERD_SOCK "* ]]; then shims+=("${p#/proc/}"); fi
done
if ((${#shims[@]})); then
  log "stopping ${#shims[@]} leftover shim(s) of the cluster's containerd: ${shims[*]}"
  for pid in "${shims[@]}"; do
    # the shim's children are the containers' processes
    # shellcheck disable=SC2013 # the children files hold space-separated pids
    for c in $(cat /proc/"$pid"/task/*/children 2>/dev/null); do kill -KILL "$c" 2>/dev/null || true; done
    kill -KILL "$pid" 2>/dev/null || true
  done
  sleep 1
fi

# 4. Mounts under the cluster's directories, deepest first.
mounts="$(findmnt -rn -o TARGET | grep -E "^($RUN|$STATE|/run/containerd/io\.containerd\.[a-z.]+/k8s\.io)(/|$)" | sort -r || true)"
if [[ -n "$mounts" ]]; then
  log "unmounting $(wc -l <<<"$mounts") mount(s)"
  while read -r m; do umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || log "  could not unmount $m"; done <<<"$mounts"
fi

# 5. iptables: kube-proxy's own cleanup, then any KUBE-* chain left (only Kubernetes makes them),
#    CNI rules tagged with our network name, the FORWARD rules of up.sh.
kube-proxy --cleanup >"$LOGS/kube-proxy-cleanup.log" 2>&1 || true
for ipt in iptables ip6tables; do
  command -v "$ipt" >/dev/null 2>&1 || continue
  for table in filter nat mangle; do
    rules="$("$ipt" -t "$table" -S 2>/dev/null)" || continue
    # rules that jump to KUBE-* or carry our CNI network's comment; our FORWARD rules
    while read -r rule; do
      [[ -n "$rule" ]] || continue
      eval "$ipt -t $table ${rule/#-A /-D }" 2>/dev/null || true
    done < <(grep -E "^-A [A-Z0-9-]+ .*(-j KUBE-|-j CNI-|name: \\\\\"$CNI_NETWORK\\\\\"|--comment $CNI_NETWORK -j ACCEPT)" <<<"$rules" |
      grep -vE '^-A (CNI|KUBE)-' || true)
    # our chains: KUBE-*, and CNI-* chains whose rules all belong to our network (or none)
    rules="$("$ipt" -t "$table" -S 2>/dev/null)"
    while read -r chain; do
      "$ipt" -t "$table" -F "$chain" 2>/dev/null || true
    done < <(sed -n 's/^-N \(KUBE-[A-Za-z0-9-]*\)$/\1/p' <<<"$rules")
    while read -r chain; do
      if ! grep -E "^-A $chain " <<<"$rules" | grep -vqE "name: \\\\\"$CNI_NETWORK\\\\\"|-j (CNI-|KUBE-|MASQUERADE|ACCEPT)"; then
        "$ipt" -t "$table" -F "$chain" 2>/dev/null || true
      fi
    done < <(sed -n 's/^-N \(CNI-[A-Za-z0-9-]*\)$/\1/p' <<<"$rules")
    while read -r chain; do
      "$ipt" -t "$table" -X "$chain" 2>/dev/null || true
    done < <(sed -n 's/^-N \(KUBE-[A-Za-z0-9-]*\|CNI-[A-Za-z0-9-]*\)$/\1/p' <<<"$rules")
  done
done

# 6. Network devices and addresses.
if ip link show "$CNI_BRIDGE" >/dev/null 2>&1; then
  ip link del "$CNI_BRIDGE" && log "bridge $CNI_BRIDGE removed"
fi
if [[ "$(ip -4 addr show dev lo)" == *" $HOST_IP/32 "* ]]; then
  ip addr del "$HOST_IP/32" dev lo && log "node address $HOST_IP/32 removed from lo"
fi

# 7. Empty cgroups that kubelet made (cgroupfs driver).
for c in /sys/fs/cgroup/*/kubepods; do
  [[ -d "$c" ]] && find "$c" -depth -type d -exec rmdir {} \; 2>/dev/null || true
done

rm -rf "$RUN/ipam" "$PIDS" "$RUN/containerd" "$RUN"/containerd.sock*
if ((PURGE)); then
  log "--purge: deleting $STATE, /tmp/hostpath_pv, certificates and kubeconfigs"
  rm -rf "$STATE" /tmp/hostpath_pv "$PKI" "$DIR/kubeconfigs" "$KUBECONFIG_ADMIN"
fi

left="$(for n in containerd etcd kube-apiserver kube-controller-manager kube-scheduler kubelet kube-proxy kube-network-policies; do
  pgrep -f "^$BIN/$n " || true; done; pgrep -f "^$(command -v containerd) --config $DIR/" || true)"
[[ -z "$left" ]] || log "WARNING: processes still running from $BIN: $(tr '\n' ' ' <<<"$left")"
log "cluster down in $(fmt_ms $(($(now_ms) - T0)))$( ((PURGE)) && echo ', data purged' || echo "; data kept in $STATE (--purge deletes it)")"
