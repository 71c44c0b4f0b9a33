# Fetching and building Go modules through the Go module proxy (sourced, not run): the one
# implementation behind scripts/toolchain.sh (OpenTofu, providers), scripts/images.sh (MinIO)
# and scripts/k8s/build.sh (Kubernetes, etcd, CoreDNS, ...). Needs scripts/lib/log.sh.
#
# The caller sets GO_WORK_DIR (scratch space for module copies) and may set GO_NICE (a niceness
# for `go build`). Each binary carries a stamp file (OUT.stamp) saying what it was built from.
# shellcheck shell=bash

# Never let a module's go.mod `go`/`toolchain` line make the go command fetch another toolchain.
export GOTOOLCHAIN=local

# go_module_dir MODULE@VERSION: download the module into the module cache (once) and print its
# directory there (read-only).
go_module_dir() {
  local json
  json="$(go mod download -json "$1" 2>&1)" || die "'go mod download $1' failed: $json"
  if grep -q '"Error"' <<<"$json"; then
    die "the Go module proxy did not serve $1: $(grep '"Error"' <<<"$json")"
  fi
  sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p' <<<"$json"
}

# go_build_in DIR PKG OUT LDFLAGS [LOG]: `go build -trimpath` PKG in DIR into OUT (written
# whole or not at all), stripped ("-s -w" before LDFLAGS). With LOG, the build's output goes
# there and its tail to stderr on failure; without, to this script's output.
go_build_in() {
  local dir=$1 pkg=$2 out=$3 ldflags=$4 logfile=${5:-}
  local build=(go build -trimpath -ldflags "-s -w $ldflags" -o "$out.tmp" "$pkg")
  [[ -z "${GO_NICE:-}" ]] || build=(nice -n "$GO_NICE" "${build[@]}")
  if [[ -z "$logfile" ]]; then
    (cd "$dir" && "${build[@]}") || die "go build of $pkg in $dir failed (see the output above)"
  elif ! (cd "$dir" && "${build[@]}") >"$logfile" 2>&1; then
    tail -n 30 "$logfile" >&2
    die "go build of $pkg in $dir failed; full log: $logfile"
  fi
  mv -f "$out.tmp" "$out"
}

# go_module_copy NAME MODULE@VERSION: a writable copy of the module in GO_WORK_DIR/NAME, where
# the module's own go.mod and replace directives apply; prints its path.
go_module_copy() {
  local name=$1 modver=$2 src work="${GO_WORK_DIR:?GO_WORK_DIR is not set}/$1" t0
  t0=$(now_ms)
  src="$(go_module_dir "$modver")"
  [[ -n "$src" && -d "$src" ]] || die "go mod download $modver gave no module directory"
  rm -rf "$work"
  mkdir -p "$GO_WORK_DIR"
  cp -a "$src" "$work"
  chmod -R u+w "$work"
  log "$name: $modver downloaded and copied in $(fmt_ms $(($(now_ms) - t0)))"
  printf '%s\n' "$work"
}

# go_build_module NAME MODULE@VERSION PKG OUT LDFLAGS [LOG]: build PKG of a module from its copy
# (go_module_copy) into OUT (go_build_in), then remove the copy.
go_build_module() {
  local name=$1 modver=$2 pkg=$3 out=$4 ldflags=$5 logfile=${6:-} work t0
  work="$(go_module_copy "$name" "$modver")"
  log "$name: go build -trimpath $pkg${logfile:+ (log: $logfile)}"
  t0=$(now_ms)
  mkdir -p "$(dirname "$out")"
  go_build_in "$work" "$pkg" "$out" "$ldflags" "$logfile"
  rm -rf "$work"
  log "$name: built in $(fmt_ms $(($(now_ms) - t0)))"
}

# built_from OUT STAMP: is the executable OUT there and built from STAMP?
built_from() { [[ -x "$1" && "$(cat "$1.stamp" 2>/dev/null)" == "$2" ]]; }
# stamp_build OUT STAMP: record what OUT was built from.
stamp_build() { printf '%s' "$2" >"$1.stamp"; }
