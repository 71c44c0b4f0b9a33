#!/usr/bin/env bash
# Builds the binaries of the local single-node Kubernetes cluster from upstream source, through
# the Go module proxy (no release downloads, no container registry needed):
#
#   kube-apiserver kube-controller-manager kube-scheduler kubelet kube-proxy kubectl kubeadm
#                 k8s.io/kubernetes  (K8S_VERSION)
#   etcd          go.etcd.io/etcd/server/v3 (ETCD_VERSION), main = etcdmain.Main
#   coredns       github.com/coredns/coredns (COREDNS_VERSION), runs as the cluster DNS pod
#   crictl        sigs.k8s.io/cri-tools (CRICTL_VERSION), the CRI client down.sh uses
#   local-path-provisioner  github.com/rancher/local-path-provisioner (LOCAL_PATH_VERSION), default StorageClass
#   kube-network-policies   sigs.k8s.io/kube-network-policies (KNP_VERSION) with
#                 patches/kube-network-policies-host-process.patch, the NetworkPolicy enforcer
#   pause         Kubernetes' build/pause/linux/pause.c, gcc -static (the pod sandbox image)
#
# Usage:  bash scripts/k8s/build.sh        (up.sh calls it; a warm run takes a second)
#
# Environment:
#   LAKEHOUSE_K8S_DIR   cache and state directory (default $HOME/.cache/lakehouse-cdc/k8s)
#
# Every binary in $DIR/bin carries a stamp (module@version, Go version, and the sha256 of a patch
# applied to it); only a binary whose stamp differs is rebuilt. Builds run under `nice -n 10`.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=scripts/k8s/lib.sh
. "$HERE/lib.sh"

command -v go >/dev/null 2>&1 || die "go is not on PATH (needed to build Kubernetes, etcd and CoreDNS)"
command -v gcc >/dev/null 2>&1 || die "gcc is not on PATH (needed to build the pause binary)"

mkdir -p "$BIN" "$DIR/work" "$LOGS"
exec 8>"$DIR/.build.lock"
flock 8 # one builder at a time

# shellcheck source=scripts/lib/go.sh
. "$HERE/../lib/go.sh"
GO_WORK_DIR="$DIR/work"
GO_NICE=10
export GOFLAGS="-mod=mod"
export CGO_ENABLED=0
GO_VERSION="$(go env GOVERSION)"

T_ALL=$(now_ms)
SUMMARY=()

fresh() { built_from "$BIN/$1" "$2"; } # fresh NAME STAMP: is bin/NAME built from STAMP?

# ------------------------------------------------------------------ Kubernetes
# k8s.io/kubernetes' go.mod replaces the k8s.io/* staging modules with ./staging paths that
# are not part of its module download. A wrapper module requires k8s.io/kubernetes and
# replaces every staging module with its published twin (v1.X.Y -> v0.X.Y).
K8S_BINS=(kube-apiserver kube-controller-manager kube-scheduler kubelet kube-proxy kubectl kubeadm)
K8S_STAMP="k8s.io/kubernetes@$K8S_VERSION $GO_VERSION"
need_k8s=()
for b in "${K8S_BINS[@]}"; do
  fresh "$b" "$K8S_STAMP" || need_k8s+=("$b")
done
if ((${#need_k8s[@]} == 0)); then
  for b in "${K8S_BINS[@]}"; do SUMMARY+=("$(printf '%-8s %-24s %-36s %s' cached "$b" "k8s.io/kubernetes@$K8S_VERSION" -)"); done
else
  t0=$(now_ms)
  kdir="$(go_module_dir "k8s.io/kubernetes@$K8S_VERSION")"
  staging_version="v0.${K8S_VERSION#v1.}"
  work="$DIR/work/kubernetes-$K8S_VERSION"
  mkdir -p "$work"
  {
    echo "module lakehouse.local/k8s-build"
    echo
    echo "go $(sed -n 's/^go //p' "$kdir/go.mod")"
    echo
    echo "require k8s.io/kubernetes $K8S_VERSION"
    echo
    echo "replace ("
    sed -n 's#^[[:space:]]*\(k8s\.io/[a-z0-9.-]*\) => \./staging/.*#\1#p' "$kdir/go.mod" | sort -u |
      while read -r m; do echo "	$m => $m $staging_version"; done
    echo ")"
  } >"$work/go.mod"
  [[ -f "$work/go.sum" ]] || : >"$work/go.sum"
  log "kubernetes $K8S_VERSION: resolving the wrapper module ($(grep -c '=>' "$work/go.mod") staging replaces)"
  (cd "$work" && go get "k8s.io/kubernetes@$K8S_VERSION" >/dev/null 2>&1 || true)
  SUMMARY+=("$(printf '%-8s %-24s %-36s %s' resolve "(module download)" "k8s.io/kubernetes@$K8S_VERSION" "$(fmt_ms $(($(now_ms) - t0)))")")
  vpkg_flags() {
    local p=$1
    printf -- '-X %s.gitVersion=%s -X %s.gitMajor=1 -X %s.gitMinor=%s -X %s.gitTreeState=clean -X %s.buildDate=%s ' \
      "$p" "$K8S_VERSION" "$p" "$p" "$(cut -d. -f2 <<<"${K8S_VERSION#v}")" "$p" "$p" "1970-01-01T00:00:00Z"
  }
  ldflags="$(vpkg_flags k8s.io/component-base/version) $(vpkg_flags k8s.io/client-go/pkg/version)"
  for b in "${need_k8s[@]}"; do
    t1=$(now_ms)
    log "kubernetes $K8S_VERSION: go build $b (log: $LOGS/build-$b.log)"
    go_build_in "$work" "k8s.io/kubernetes/cmd/$b" "$BIN/$b" "$ldflags" "$LOGS/build-$b.log"
    stamp_build "$BIN/$b" "$K8S_STAMP"
    SUMMARY+=("$(printf '%-8s %-24s %-36s %s' built "$b" "k8s.io/kubernetes@$K8S_VERSION" "$(fmt_ms $(($(now_ms) - t1)))")")
  done
fi

# ------------------------------------------------------------------ etcd
# go.etcd.io/etcd/v3 (the module with etcd's main.go) replaces its sibling modules with local
# paths, so build etcdmain.Main from a wrapper module instead.
ETCD_STAMP="go.etcd.io/etcd/server/v3@$ETCD_VERSION $GO_VERSION"
if fresh etcd "$ETCD_STAMP"; then
  SUMMARY+=("$(printf '%-8s %-24s %-36s %s' cached etcd "go.etcd.io/etcd/server/v3@$ETCD_VERSION" -)")
else
  t1=$(now_ms)
  work="$DIR/work/etcd-$ETCD_VERSION"
  mkdir -p "$work"
  cat >"$work/go.mod" <<EOF
module lakehouse.local/etcd-build

go 1.24

require go.etcd.io/etcd/server/v3 $ETCD_VERSION
EOF
  cat >"$work/main.go" <<'EOF'
// etcd's own main (go.etcd.io/etcd/v3/main.go) is this one call.
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() { etcdmain.Main(os.Args) }
EOF
  log "etcd $ETCD_VERSION: go mod tidy (log: $LOGS/tidy-etcd.log), go build (log: $LOGS/build-etcd.log)"
  if ! (cd "$work" && touch go.sum && go mod tidy) >"$LOGS/tidy-etcd.log" 2>&1; then
    tail -n 30 "$LOGS/tidy-etcd.log" >&2
    die "go mod tidy of the etcd $ETCD_VERSION wrapper module failed; full log: $LOGS/tidy-etcd.log"
  fi
  go_build_in "$work" . "$BIN/etcd" "-X go.etcd.io/etcd/api/v3/version.GitSHA=$ETCD_VERSION" "$LOGS/build-etcd.log"
  stamp_build "$BIN/etcd" "$ETCD_STAMP"
  SUMMARY+=("$(printf '%-8s %-24s %-36s %s' built etcd "go.etcd.io/etcd/server/v3@$ETCD_VERSION" "$(fmt_ms $(($(now_ms) - t1)))")")
fi

# ------------------------------------------------------------------ CoreDNS
COREDNS_STAMP="github.com/coredns/coredns@$COREDNS_VERSION $GO_VERSION"
if fresh coredns "$COREDNS_STAMP"; then
  SUMMARY+=("$(printf '%-8s %-24s %-36s %s' cached coredns "github.com/coredns/coredns@$COREDNS_VERSION" -)")
else
  t1=$(now_ms)
  go_build_module "coredns-$COREDNS_VERSION" "github.com/coredns/coredns@$COREDNS_VERSION" . "$BIN/coredns" \
    "-X github.com/coredns/coredns/coremain.GitCommit=$COREDNS_VERSION" "$LOGS/build-coredns.log"
  stamp_build "$BIN/coredns" "$COREDNS_STAMP"
  SUMMARY+=("$(printf '%-8s %-24s %-36s %s' built coredns "github.com/coredns/coredns@$COREDNS_VERSION" "$(fmt_ms $(($(now_ms) - t1)))")")
fi

# ------------------------------------------------------------------ crictl
# The CRI client: down.sh removes pod sandboxes through it so that CNI tears their networks down.
CRICTL_STAMP="sigs.k8s.io/cri-tools@$CRICTL_VERSION $GO_VERSION"
if fresh crictl "$CRICTL_STAMP"; then
  SUMMARY+=("$(printf '%-8s %-24s %-36s %s' cached crictl "sigs.k8s.io/cri-tools@$CRICTL_VERSION" -)")
else
  t1=$(now_ms)
  go_build_module "cri-tools-$CRICTL_VERSION" "sigs.k8s.io/cri-tools@$CRICTL_VERSION" ./cmd/crictl "$BIN/crictl" \
    "-X sigs.k8s.io/cri-tools/pkg/version.Version=$CRICTL_VERSION" "$LOGS/build-crictl.log"
  stamp_build "$BIN/crictl" "$CRICTL_STAMP"
  SUMMARY+=("$(printf '%-8s %-24s %-36s %s' built crictl "sigs.k8s.io/cri-tools@$CRICTL_VERSION" "$(fmt_ms $(($(now_ms) - t1)))")")
fi

# ------------------------------------------------------------------ local-path-provisioner
# The default StorageClass's provisioner (as in kind): a directory per claim, created 0777 by a
# helper pod, so that non-root pods can write to their volumes.
LPP_STAMP="github.com/rancher/local-path-provisioner@$LOCAL_PATH_VERSION $GO_VERSION"
if fresh local-path-provisioner "$LPP_STAMP"; then
  SUMMARY+=("$(printf '%-8s %-24s %-36s %s' cached local-path-provisioner "rancher/local-path-provisioner@$LOCAL_PATH_VERSION" -)")
else
  t1=$(now_ms)
  work="$(go_module_copy "local-path-provisioner-$LOCAL_PATH_VERSION" "github.com/rancher/local-path-provisioner@$LOCAL_PATH_VERSION")"
  rm -rf "$work/vendor" # the module download keeps only vendor/modules.txt
  log "local-path-provisioner $LOCAL_PATH_VERSION: go build (log: $LOGS/build-local-path-provisioner.log)"
  go_build_in "$work" . "$BIN/local-path-provisioner" "-X main.VERSION=$LOCAL_PATH_VERSION" "$LOGS/build-local-path-provisioner.log"
  rm -rf "$work"
  stamp_build "$BIN/local-path-provisioner" "$LPP_STAMP"
  SUMMARY+=("$(printf '%-8s %-24s %-36s %s' built local-path-provisioner "rancher/local-path-provisioner@$LOCAL_PATH_VERSION" "$(fmt_ms $(($(now_ms) - t1)))")")
fi

# ------------------------------------------------------------------ kube-network-policies
# The NetworkPolicy enforcer, a host process (up.sh): nftables rules send the first packet of
# each new connection of a pod under a policy to an nfqueue, verdict in userspace. Patched (see
# the patch's header): this kernel has no nftables `queue` expression, so the rules queue
# through the xtables NFQUEUE target; plus --kubeconfig and a working --disable-nri. Main
# package ./cmd; no replace directives in its go.mod; CGO off, as upstream builds it.
KNP_PATCH="$HERE/patches/kube-network-policies-host-process.patch"
[[ -f "$KNP_PATCH" ]] || die "$KNP_PATCH is missing"
KNP_STAMP="sigs.k8s.io/kube-network-policies@$KNP_VERSION $GO_VERSION patch:$(sha256sum <"$KNP_PATCH" | cut -d' ' -f1)"
if fresh kube-network-policies "$KNP_STAMP"; then
  SUMMARY+=("$(printf '%-8s %-24s %-36s %s' cached kube-network-policies "kube-network-policies@$KNP_VERSION+patch" -)")
else
  t1=$(now_ms)
  command -v patch >/dev/null 2>&1 || die "patch is not on PATH (needed to patch kube-network-policies)"
  work="$(go_module_copy "kube-network-policies-$KNP_VERSION" "sigs.k8s.io/kube-network-policies@$KNP_VERSION")"
  if ! out="$(patch -p1 --batch --forward --no-backup-if-mismatch -d "$work" <"$KNP_PATCH" 2>&1)"; then
    printf '%s\n' "$out" >&2
    die "$KNP_PATCH does not apply to sigs.k8s.io/kube-network-policies@$KNP_VERSION (another version needs its own patch); the copy is left in $work"
  fi
  log "kube-network-policies $KNP_VERSION: patched, go build (log: $LOGS/build-kube-network-policies.log)"
  go_build_in "$work" ./cmd "$BIN/kube-network-policies" "" "$LOGS/build-kube-network-policies.log"
  rm -rf "$work"
  stamp_build "$BIN/kube-network-policies" "$KNP_STAMP"
  SUMMARY+=("$(printf '%-8s %-24s %-36s %s' built kube-network-policies "kube-network-policies@$KNP_VERSION+patch" "$(fmt_ms $(($(now_ms) - t1)))")")
fi

# ------------------------------------------------------------------ pause
PAUSE_STAMP="k8s.io/kubernetes@$K8S_VERSION build/pause/linux/pause.c $(gcc -dumpfullversion 2>/dev/null || gcc -dumpversion)"
if fresh pause "$PAUSE_STAMP"; then
  SUMMARY+=("$(printf '%-8s %-24s %-36s %s' cached pause "k8s.io/kubernetes@$K8S_VERSION" -)")
else
  t1=$(now_ms)
  kdir="$(go_module_dir "k8s.io/kubernetes@$K8S_VERSION")"
  gcc -Os -Wall -Werror -static -DVERSION="\"$K8S_VERSION-lakehouse\"" -o "$BIN/pause.tmp" "$kdir/build/pause/linux/pause.c" ||
    die "gcc -static of pause.c failed (is libc6-dev installed?)"
  strip "$BIN/pause.tmp" 2>/dev/null || true
  mv -f "$BIN/pause.tmp" "$BIN/pause"
  printf '%s' "$PAUSE_STAMP" >"$BIN/pause.stamp"
  SUMMARY+=("$(printf '%-8s %-24s %-36s %s' built pause "pause.c (k8s $K8S_VERSION)" "$(fmt_ms $(($(now_ms) - t1)))")")
fi

log "binaries in $BIN (go $GO_VERSION)"
printf '  %-8s %-24s %-36s %s\n' state binary "built from" time >&2
for s in "${SUMMARY[@]}"; do printf '  %s\n' "$s" >&2; done
log "build total $(fmt_ms $(($(now_ms) - T_ALL)))"
