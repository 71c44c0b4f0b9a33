# Shared settings of scripts/k8s/*.sh (sourced, not run).
# shellcheck shell=bash
# shellcheck disable=SC2034 # the settings are read by the scripts that source this file

K8S_VERSION="${LAKEHOUSE_K8S_VERSION:-v1.34.4}"
ETCD_VERSION="${LAKEHOUSE_ETCD_VERSION:-v3.6.16}"
COREDNS_VERSION="${LAKEHOUSE_COREDNS_VERSION:-v1.14.7}"
CRICTL_VERSION="${LAKEHOUSE_CRICTL_VERSION:-v1.34.0}"
LOCAL_PATH_VERSION="${LAKEHOUSE_LOCAL_PATH_VERSION:-v0.0.30}"
KNP_VERSION="${LAKEHOUSE_KNP_VERSION:-v0.8.0}"

# Cache (binaries, certificates, kubeconfigs, logs): survives k8s:down.
DIR="${LAKEHOUSE_K8S_DIR:-$HOME/.cache/lakehouse-cdc/k8s}"
BIN="$DIR/bin"
LOGS="$DIR/logs"
PKI="$DIR/pki"
KUBECONFIG_ADMIN="$DIR/admin.conf"
# Runtime state of the cluster (etcd data, containerd root, kubelet root): k8s:down keeps it
# unless --purge; run state (sockets, pidfiles) lives in /run and goes with k8s:down.
STATE="${LAKEHOUSE_K8S_STATE:-/var/lib/lakehouse-k8s}"
VOLUMES="$STATE/volumes"
RUN="/run/lakehouse-k8s"
PIDS="$RUN/pids"
CONTAINERD_SOCK="$RUN/containerd.sock"

# Networks: chosen not to overlap Docker's 172.17.0.0/16 and its user networks (172.18+).
POD_CIDR="10.244.0.0/24"
SERVICE_CIDR="10.96.0.0/16"
API_SERVICE_IP="10.96.0.1"
DNS_SERVICE_IP="10.96.0.10"
CLUSTER_DOMAIN="cluster.local"
CNI_BRIDGE="lkh8s0"
CNI_NETWORK="lakehouse-k8s"
NODE_NAME="lakehouse-k8s"

# Images built here and imported into the cluster's containerd.
PAUSE_IMAGE="lakehouse.local/k8s/pause:${K8S_VERSION}"
COREDNS_IMAGE="lakehouse.local/k8s/coredns:${COREDNS_VERSION}"
# Image of local-path-provisioner's helper pods (mkdir/rm of volume directories): a project image.
HELPER_IMAGE="lakehouse.local/debian:trixie"
LOCAL_PATH_IMAGE="lakehouse.local/k8s/local-path-provisioner:${LOCAL_PATH_VERSION}"

LOG_TAG=k8s
# shellcheck source=scripts/lib/log.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib/log.sh"

# The node's address: an extra /32 on lo, so nothing of the cluster listens on eth0 and the
# certificates stay valid whatever address the machine gets. Pods reach it through the bridge.
HOST_IP="10.243.0.1"
export PATH="$BIN:$PATH"
STARTED=0 # daemons started by this run (start_proc)

# ---------------------------------------------------------------- processes
# Every daemon runs detached (setsid) with a pidfile in $PIDS and its command line in
# $PIDS/NAME.args; up.sh restarts one only when its command line changed.
proc_pid() { # proc_pid NAME -> pid of the running daemon NAME, or fails
  local f="$PIDS/$1.pid" pid exe
  [[ -f "$f" ]] || return 1
  pid="$(cat "$f")"
  [[ -n "$pid" && -d "/proc/$pid" ]] || return 1
  exe="$(readlink "/proc/$pid/exe" 2>/dev/null)" || return 1
  [[ "$exe" == "$(cat "$PIDS/$1.exe" 2>/dev/null)" ]] || return 1
  echo "$pid"
}

start_proc() { # start_proc NAME BINARY ARGS...
  local name=$1 want pid
  shift
  want="$(printf '%q ' "$@")"
  if pid="$(proc_pid "$name")"; then
    if [[ "$(cat "$PIDS/$name.args" 2>/dev/null)" == "$want" ]]; then
      log "$name already running (pid $pid)"
      return 0
    fi
    log "$name: command line changed, restarting"
    stop_proc "$name"
  fi
  mkdir -p "$PIDS" "$LOGS"
  printf '\n==== %s start: %s\n' "$(date -Is)" "$want" >>"$LOGS/$name.log"
  # 7>&- 8>&-: the daemon must not inherit (and keep) the lock files of up.sh and build.sh
  setsid "$@" >>"$LOGS/$name.log" 2>&1 </dev/null 7>&- 8>&- &
  echo $! >"$PIDS/$name.pid"
  readlink -f "$1" >"$PIDS/$name.exe"
  STARTED=$((${STARTED:-0} + 1))
  printf '%s' "$want" >"$PIDS/$name.args"
  log "$name started (pid $!, log $LOGS/$name.log)"
}

# Daemons whose clean shutdown needs another signal than TERM: stop_proc sends it first and
# waits up to STOP_SIGNAL_WAIT seconds. kube-network-policies deletes its nftables table only on
# SIGINT; TERM kills it at once and leaves the table, so that new connections of pods under a
# NetworkPolicy would be queued to no one and dropped.
declare -A STOP_SIGNAL=([kube-network-policies]=INT)
STOP_SIGNAL_WAIT=15

stop_proc() { # stop_proc NAME: STOP_SIGNAL[NAME] if set (15 s), TERM, then KILL after 20 s
  local name=$1 sig=${STOP_SIGNAL[$1]:-} pid i
  if pid="$(proc_pid "$name")"; then
    if [[ -n "$sig" ]]; then
      kill -"$sig" "$pid" 2>/dev/null || true
      for ((i = 0; i < STOP_SIGNAL_WAIT * 10; i++)); do
        [[ -d "/proc/$pid" ]] || break
        sleep 0.1
      done
      [[ ! -d "/proc/$pid" ]] || log "$name (pid $pid) still running ${STOP_SIGNAL_WAIT}s after SIG$sig: TERM"
    fi
    if [[ -d "/proc/$pid" ]]; then
      kill -TERM "$pid" 2>/dev/null || true
      for ((i = 0; i < 200; i++)); do
        [[ -d "/proc/$pid" ]] || break
        sleep 0.1
      done
    fi
    if [[ -d "/proc/$pid" ]]; then
      log "$name (pid $pid) ignored TERM for 20s: KILL"
      kill -KILL "$pid" 2>/dev/null || true
      sleep 0.5
    fi
    log "$name stopped (pid $pid${sig:+, SIG$sig})"
  fi
  rm -f "$PIDS/$name.pid" "$PIDS/$name.args" "$PIDS/$name.exe"
}

kc() { kubectl --kubeconfig "$KUBECONFIG_ADMIN" "$@"; }
