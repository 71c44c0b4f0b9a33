#!/usr/bin/env bash
# Offline Terraform toolchain: OpenTofu plus the providers that the installed
# @cdktf/provider-* bindings were generated for, built from source through the Go
# module proxy (no Terraform registry, no release downloads are reachable here).
#
# Usage:  npm run toolchain            (or: bash scripts/toolchain.sh)
#         source "${LAKEHOUSE_TOOLCHAIN_DIR:-$HOME/.cache/lakehouse-cdc/toolchain}/env.sh"
#         or just `npx cdktf diff|deploy|destroy STACK` (see "npx cdktf" near the end)
#
# Environment:
#   LAKEHOUSE_TOOLCHAIN_DIR     cache directory (default $HOME/.cache/lakehouse-cdc/toolchain)
#   LAKEHOUSE_TOOLCHAIN=system  build nothing; only check that tofu or terraform is on PATH
#                               (for machines that can reach a provider registry)
#   LAKEHOUSE_TOOLCHAIN_STRICT=1  refuse stand-in provider builds (see PROVIDER_TABLE)
#
# Details, versions and caveats: scripts/TOOLCHAIN.md.
#
# Idempotent: each binary carries a stamp of what it was built from; a warm re-run only
# re-checks stamps and rewrites the small config files.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DIR="${LAKEHOUSE_TOOLCHAIN_DIR:-$HOME/.cache/lakehouse-cdc/toolchain}"

TOFU_MODULE=github.com/opentofu/opentofu
# v1.12.x is the newest line the Go module proxy serves; its go.mod asks for go 1.26.6.
TOFU_VERSION=v1.12.6

# Provider table: one line per binding the project may install.
#   binding            registry namespace/type@version, as the @cdktf/provider-* package names it
#   module@version     what the Go module proxy serves and we build
#   ldflag             Go variable that receives the version string ("-" for none)
#   built              the upstream version that module version actually is
#   kind               exact | stand-in
#
# Why "stand-in": the Go module proxy reachable here refuses (403 "This module version is
# not available") the commits behind the exact tags (docker v3.6.2 = 2f20f8c3ce82,
# kubernetes v2.38.0 = be88f4427105, random v3.7.2) and serves only one later commit of
# each. Those later builds are installed in the mirror UNDER THE BINDING'S VERSION, so that
# the synthesized `version = "3.6.2"` constraints resolve and `tofu validate`, `plan` and
# `cdktf diff` run at all. Validation is then against the newer schema; known differences:
#   docker 4.x removed docker_network.check_duplicate, adds attributes (additive otherwise);
#   kubernetes 3.x deprecates the un-suffixed resources (kubernetes_deployment -> _v1, ...);
#   random 3.9 is a compatible minor release.
# Do not commit .terraform.lock.hcl files produced with these builds: their hashes are not
# the registry's. Set LAKEHOUSE_TOOLCHAIN_STRICT=1 to refuse stand-ins.
PROVIDER_TABLE='
kreuzwerker/docker@3.6.2      github.com/kreuzwerker/terraform-provider-docker@v0.0.0-20260916201441-96d331c98ff4       main.version  4.6.0+96d331c98ff4  stand-in
hashicorp/kubernetes@2.38.0   github.com/hashicorp/terraform-provider-kubernetes@v1.13.4-0.20260821094251-3a33fb6cc605  main.Version  3.2.1+3a33fb6cc605  stand-in
hashicorp/random@3.7.2        github.com/terraform-providers/terraform-provider-random@v1.3.2-0.20260824155315-e1092b0cfc07 -         3.9.0+e1092b0cfc07  stand-in
'

LOG_TAG=toolchain
# shellcheck source=scripts/lib/log.sh
. "$ROOT/scripts/lib/log.sh"

# The `terraform` that a plain `npx cdktf` finds (written near the end of this script).
CDKTF_SHIM="$ROOT/node_modules/.bin/terraform"
SHIM_MARK="# lakehouse-cdc toolchain shim"
shim_is_ours() { grep -qF "$SHIM_MARK" "$CDKTF_SHIM" 2>/dev/null; }

# ---------------------------------------------------------------- system toolchain
if [[ "${LAKEHOUSE_TOOLCHAIN:-}" == "system" ]]; then
  # `npx cdktf` must find the system's terraform, not the shim of an earlier offline toolchain.
  if shim_is_ours; then
    rm -f "$CDKTF_SHIM"
    log "removed the offline toolchain's $CDKTF_SHIM: npx cdktf runs terraform from PATH (or \$TERRAFORM_BINARY_NAME)"
  fi
  for bin in tofu terraform; do
    if command -v "$bin" >/dev/null 2>&1; then
      log "LAKEHOUSE_TOOLCHAIN=system: using $(command -v "$bin") ($("$bin" version 2>/dev/null | sed -n 1p))"
      log "providers come from its own registry access; nothing built, no env.sh written"
      exit 0
    fi
  done
  die "LAKEHOUSE_TOOLCHAIN=system but neither tofu nor terraform is on PATH"
fi

# ---------------------------------------------------------------- preconditions
command -v go >/dev/null 2>&1 || die "go is not on PATH (needed to build OpenTofu and the providers)"
command -v node >/dev/null 2>&1 || die "node is not on PATH (needed to read the @cdktf/provider-* bindings)"
[[ -d "$ROOT/node_modules/@cdktf" ]] || die "$ROOT/node_modules/@cdktf not found: run 'npm ci' first"

mkdir -p "$DIR/bin" "$DIR/libexec" "$DIR/mirror" "$DIR/plugin-cache" "$DIR/work" "$DIR/providers"
exec 9>"$DIR/.lock"
flock 9 # one builder at a time (validate.sh and the jest tier may both call this)

GOOS_ARCH="$(go env GOOS)_$(go env GOARCH)"
GO_VERSION="$(go env GOVERSION)"
# shellcheck source=scripts/lib/go.sh
. "$ROOT/scripts/lib/go.sh"
GO_WORK_DIR="$DIR/work"
export GOFLAGS="${GOFLAGS:-} -mod=mod"

T_ALL=$(now_ms)
SUMMARY=()

# ---------------------------------------------------------------- CLI config and env
cat >"$DIR/tofurc.tmp" <<EOF
# Written by scripts/toolchain.sh: providers come only from the local filesystem mirror.
provider_installation {
  filesystem_mirror {
    path    = "$DIR/mirror"
    include = ["*/*/*"]
  }
}
plugin_cache_dir   = "$DIR/plugin-cache"
disable_checkpoint = true
EOF
mv -f "$DIR/tofurc.tmp" "$DIR/tofurc"

cat >"$DIR/env.sh.tmp" <<EOF
# Written by scripts/toolchain.sh; source it: . "$DIR/env.sh"
case ":\$PATH:" in *":$DIR/bin:"*) ;; *) export PATH="$DIR/bin:\$PATH" ;; esac
export TERRAFORM_BINARY_NAME=tofu
export TF_CLI_CONFIG_FILE="$DIR/tofurc"
export CHECKPOINT_DISABLE=1
export LAKEHOUSE_TOOLCHAIN_DIR="$DIR"
EOF
mv -f "$DIR/env.sh.tmp" "$DIR/env.sh"

# ---------------------------------------------------------------- OpenTofu
# The real binary lives in libexec/; bin/tofu is a small wrapper (see below).
t0=$(now_ms)
TOFU_STAMP="$TOFU_MODULE@$TOFU_VERSION $GO_VERSION"
if built_from "$DIR/libexec/tofu" "$TOFU_STAMP"; then
  state=cached
else
  go_build_module opentofu "$TOFU_MODULE@$TOFU_VERSION" ./cmd/tofu "$DIR/libexec/tofu" \
    "-X github.com/opentofu/opentofu/version.dev=no"
  stamp_build "$DIR/libexec/tofu" "$TOFU_STAMP"
  state=built
fi
# `tofu providers lock` ignores the CLI config's provider_installation and asks the origin
# registry, which is unreachable here; cdktf diff/deploy run it whenever a stack has no lock
# file. The wrapper points it at the local mirror unless -fs-mirror/-net-mirror is given.
# (Only the plain form `tofu providers lock ...` is rewritten, which is what cdktf runs.)
cat >"$DIR/bin/tofu.tmp" <<EOF
#!/bin/sh
# Written by scripts/toolchain.sh: OpenTofu $TOFU_VERSION, 'providers lock' on the local mirror.
if [ "\$1" = providers ] && [ "\$2" = lock ]; then
  case " \$* " in
    *" -fs-mirror="* | *" -net-mirror="*) ;;
    *) shift 2; exec "$DIR/libexec/tofu" providers lock -fs-mirror="$DIR/mirror" "\$@" ;;
  esac
fi
exec "$DIR/libexec/tofu" "\$@"
EOF
chmod +x "$DIR/bin/tofu.tmp"
mv -f "$DIR/bin/tofu.tmp" "$DIR/bin/tofu"
TOFU_V="$(TF_CLI_CONFIG_FILE="$DIR/tofurc" "$DIR/bin/tofu" version 2>&1 | sed -n 1p)"
SUMMARY+=("$(printf '%-8s %-28s %-44s %s' "$state" "tofu" "$TOFU_V ($TOFU_MODULE@$TOFU_VERSION)" "$(fmt_ms $(($(now_ms) - t0)))")")

# ---------------------------------------------------------------- providers
# Every installed binding with a "cdktf.provider" block in its package.json
# (@cdktf/provider-generator and -schema are cdktf-cli internals and have none).
# shellcheck disable=SC2016 # the single quotes hold JavaScript, for node to read
BINDINGS="$(cd "$ROOT" && node -e '
  const fs = require("fs"), path = require("path");
  const base = "node_modules/@cdktf";
  for (const d of fs.readdirSync(base).filter((d) => d.startsWith("provider-")).sort()) {
    const pj = JSON.parse(fs.readFileSync(path.join(base, d, "package.json"), "utf8"));
    const p = pj.cdktf && pj.cdktf.provider;
    if (!p) continue;
    // cross-check with the generated provider class, which is what synth writes
    const idx = path.join(base, d, "lib/provider/index.js");
    if (fs.existsSync(idx)) {
      const m = /providerVersion: \x27([^\x27]+)\x27/.exec(fs.readFileSync(idx, "utf8"));
      if (m && m[1] !== p.version) throw new Error(`${pj.name}: package.json says ${p.version}, provider class says ${m[1]}`);
    }
    console.log(`${pj.name} ${p.name} ${p.version}`);
  }')" || die "could not read the @cdktf/provider-* bindings"
[[ -n "$BINDINGS" ]] || die "no @cdktf/provider-* binding with a cdktf.provider block under node_modules"

PROVIDERS_TSV="$DIR/providers.tsv"
printf 'binding\tmirror_version\tbuilt_from\tupstream_version\tkind\n' >"$PROVIDERS_TSV.tmp"
while read -r pkg fqname version; do
  [[ -n "$pkg" ]] || continue
  host="${fqname%%/*}"
  nstype="${fqname#*/}" # namespace/type
  [[ "$host" == "registry.terraform.io" || "$host" == "registry.opentofu.org" ]] ||
    die "$pkg binds $fqname: only registry.terraform.io / registry.opentofu.org providers are supported"
  ns="${nstype%%/*}"
  type="${nstype#*/}"
  key="$nstype@$version"
  row="$(awk -v k="$key" '$1 == k' <<<"$PROVIDER_TABLE")"
  [[ -n "$row" ]] || die "$pkg was generated for $key, which the PROVIDER_TABLE in scripts/toolchain.sh does not know.
  Add a line for it: the Go module and version the Go module proxy serves for that provider
  (go list -m -versions <module>), the -X variable that takes the version, and the upstream version."
  read -r _ modver ldvar upstream kind <<<"$row"
  if [[ "$kind" != "exact" ]]; then
    [[ "${LAKEHOUSE_TOOLCHAIN_STRICT:-}" != "1" ]] ||
      die "$key has no exact build here (table: $modver = upstream $upstream, $kind) and LAKEHOUSE_TOOLCHAIN_STRICT=1"
  fi
  t0=$(now_ms)
  name="terraform-provider-${type}"
  bdir="$DIR/providers/$ns-$type"
  mkdir -p "$bdir"
  out="$bdir/$name"
  stamp="$modver $ldvar=$upstream $GO_VERSION"
  if built_from "$out" "$stamp"; then
    state=cached
  else
    ldflags=""
    [[ "$ldvar" == "-" ]] || ldflags="-X $ldvar=$upstream"
    go_build_module "$ns-$type" "$modver" . "$out" "$ldflags"
    stamp_build "$out" "$stamp"
    state=built
  fi
  for h in registry.opentofu.org registry.terraform.io; do
    d="$DIR/mirror/$h/$ns/$type/$version/$GOOS_ARCH"
    mkdir -p "$d"
    # only the binary may live in the package dir: its hash goes into lock files
    find "$d" -mindepth 1 -maxdepth 1 ! -name "${name}_v$version" -exec rm -rf {} +
    ln -f "$out" "$d/${name}_v$version" 2>/dev/null || cp -f "$out" "$d/${name}_v$version"
  done
  printf '%s\t%s\t%s\t%s\t%s\n' "$ns/$type" "$version" "$modver" "$upstream" "$kind" >>"$PROVIDERS_TSV.tmp"
  note=""
  [[ "$kind" == "exact" ]] || note="  [STAND-IN: upstream $upstream serves $version]"
  SUMMARY+=("$(printf '%-8s %-28s %-44s %s' "$state" "$ns/$type $version" "$modver" "$(fmt_ms $(($(now_ms) - t0)))")$note")
done <<<"$BINDINGS"
mv -f "$PROVIDERS_TSV.tmp" "$PROVIDERS_TSV"

# ---------------------------------------------------------------- npx cdktf
# A plain `npx cdktf diff|deploy|destroy STACK` must make the choices `npm run up` makes, without
# sourcing env.sh first. cdktf runs `terraform` from PATH unless TERRAFORM_BINARY_NAME is set, and
# `npx` and npm scripts put this checkout's node_modules/.bin first on PATH. So the one place is
# node_modules/.bin/terraform: it runs this toolchain's OpenTofu with its CLI config (the provider
# mirror), overriding any TF_CLI_CONFIG_FILE as env.sh does. Project-local on purpose: the user's
# ~/.terraformrc, ~/.tofurc and any terraform elsewhere on PATH stay untouched, and only cdktf run
# through npx in this checkout sees it. `npm ci` deletes node_modules; `npm run up` and
# `npm run toolchain` write it again. A globally installed `cdktf` does not see it: use npx.
if [[ -e "$CDKTF_SHIM" ]] && ! shim_is_ours; then
  log "WARNING: $CDKTF_SHIM is not this toolchain's shim and is left alone, so a plain 'npx cdktf'"
  log "  runs it; source \"$DIR/env.sh\" (TERRAFORM_BINARY_NAME=tofu) before npx cdktf instead."
else
  mkdir -p "$(dirname "$CDKTF_SHIM")"
  cat >"$CDKTF_SHIM.tmp" <<EOF
#!/bin/sh
$SHIM_MARK, written by scripts/toolchain.sh: cdktf runs \`terraform\`; this runs
# OpenTofu $TOFU_VERSION from $DIR with its provider mirror, as \`npm run up\` does.
if [ ! -x "$DIR/bin/tofu" ]; then
  echo "lakehouse-cdc: no toolchain in $DIR: run 'npm run toolchain' (or 'npm run up')" >&2
  exit 127
fi
export TF_CLI_CONFIG_FILE="$DIR/tofurc"
export CHECKPOINT_DISABLE=1
exec "$DIR/bin/tofu" "\$@"
EOF
  chmod +x "$CDKTF_SHIM.tmp"
  mv -f "$CDKTF_SHIM.tmp" "$CDKTF_SHIM"
fi

log "toolchain in $DIR (go $GO_VERSION, $GOOS_ARCH)"
printf '  %-8s %-28s %-44s %s\n' state binary "version / built from" time >&2
for s in "${SUMMARY[@]}"; do printf '  %s\n' "$s" >&2; done
log "total $(fmt_ms $(($(now_ms) - T_ALL)))"
log "use it:  . \"$DIR/env.sh\"   (a plain 'npx cdktf' in $ROOT needs no env.sh: node_modules/.bin/terraform)"
