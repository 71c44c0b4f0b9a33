#!/usr/bin/env bash
# Build the locally built, contract-compatible images (no container registry needed).
#
#   scripts/images.sh [--smoke] [--no-cache] [--print-tags] [IMAGE ...]
#
# IMAGE is one of the directories of images/ (default: all, in dependency order). Downloads
# (Debian packages aside, which apt fetches inside the builds) happen on the host into
# ${LAKEHOUSE_IMAGE_CACHE:-$HOME/.cache/lakehouse-cdc/images} through Maven (checksums enforced),
# pip and the Go module proxy; each image is then built from a clean context directory there.
# Every version comes from images/versions.env. Re-running is cheap: downloads are stamped and
# docker's layer cache does the rest.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
IMAGES_DIR="$ROOT/images"
set -a
# shellcheck source=images/versions.env
. "$IMAGES_DIR/versions.env"
set +a
CACHE="${LAKEHOUSE_IMAGE_CACHE:-$HOME/.cache/lakehouse-cdc/images}"
# shellcheck source=images/lib.sh
. "$IMAGES_DIR/lib.sh"
LOG_TAG=images
# shellcheck source=scripts/lib/log.sh
. "$ROOT/scripts/lib/log.sh"
# shellcheck source=scripts/lib/go.sh
. "$ROOT/scripts/lib/go.sh"

ALL_IMAGES=(postgres kafka debezium-connect minio mc iceberg-rest flink trino node dbt-dagster superset prometheus alertmanager postgres-exporter freshness-probe)

smoke=0 no_cache=() print_tags=0 wanted=()
while [ $# -gt 0 ]; do
  case "$1" in
    --smoke) smoke=1 ;;
    --no-cache) no_cache=(--no-cache) ;;
    --print-tags) print_tags=1 ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    -*) echo "images.sh: unknown option $1 (try --help)" >&2; exit 2 ;;
    *) wanted+=("$1") ;;
  esac
  shift
done
[ ${#wanted[@]} -gt 0 ] || wanted=("${ALL_IMAGES[@]}")
for w in "${wanted[@]}"; do
  [ -d "$IMAGES_DIR/$w" ] || { echo "images.sh: no image '$w' (have: ${ALL_IMAGES[*]})" >&2; exit 2; }
done

if [ "$print_tags" = 1 ]; then
  for w in "${wanted[@]}"; do printf '%-20s %s\n' "$w" "$(image_tag "$w")"; done
  exit 0
fi

"$ROOT/scripts/docker-engine.sh"
mkdir -p "$CACHE"

# A clean context per image: the image's own directory plus whatever its prepare step links in
# from the cache (hard links: no copies, same inode, same content hash for the layer cache).
new_context() {
  local name="$1" ctx="$CACHE/contexts/$1"
  rm -rf "$ctx"
  mkdir -p "$ctx"
  cp -a "$IMAGES_DIR/$name/." "$ctx/"
  # Kafka's launcher script is shared by the broker and Connect images: one copy, in both bin/.
  case "$name" in
    kafka|debezium-connect) cp -a "$IMAGES_DIR/shared/kafka-bin/." "$ctx/bin/" ;;
  esac
  printf '%s' "$ctx"
}

docker_build() {
  local tag="$1" ctx="$2"; shift 2
  # The classic builder is what this engine has; it caches layers by instruction + content.
  DOCKER_BUILDKIT=0 docker build "${no_cache[@]}" --force-rm -t "$tag" "$@" "$ctx" \
    > "$CACHE/logs/build-$(echo "$tag" | tr '/:' '__').log" 2>&1 || {
      echo "images.sh: docker build of $tag failed; last lines of the log:" >&2
      tail -n 40 "$CACHE/logs/build-$(echo "$tag" | tr '/:' '__').log" >&2
      return 1
    }
}

# ---------------------------------------------------------------------------------------------
# Downloads into the cache (host side)
# ---------------------------------------------------------------------------------------------

MVN=(mvn -B -q -C)   # -C: fail on a checksum mismatch instead of warning

# Host tools (Maven, mmdebstrap, pip, envsubst) come from scripts/setup-host.sh when missing; Go
# must be there already (MinIO needs Go >= 1.24, newer than Debian's).
need_tool() { bash "$ROOT/scripts/setup-host.sh" "$1"; }

# stamp_key ARGS...: a short hash of the arguments and of the files among them.
stamp_key() {
  local a
  for a in "$@"; do
    # A file counts by its content only: clones in other directories share the cache.
    if [ -f "$a" ]; then sha256sum < "$a"; else printf '%s\n' "$a"; fi
  done | sha256sum | cut -c1-16
}

# maven_libs OUTDIR POM -Dprop=value...: the POM's runtime classpath into OUTDIR (once).
maven_libs() {
  need_tool maven
  local out="$1" pom="$2"; shift 2
  local key; key="$(stamp_key "$pom" "$@")"
  if [ -f "$out/.stamp-$key" ]; then return 0; fi
  rm -rf "$out"; mkdir -p "$out"
  "${MVN[@]}" -f "$pom" dependency:copy-dependencies -DincludeScope=runtime \
    -DoutputDirectory="$out" "$@" >"$CACHE/logs/mvn-$(basename "$out").log" 2>&1 || {
      tail -n 30 "$CACHE/logs/mvn-$(basename "$out").log" >&2; return 1; }
  touch "$out/.stamp-$key"
}

# maven_artifact OUTDIR G:A:V[:TYPE[:CLASSIFIER]]: one artifact (no dependencies) into OUTDIR.
maven_artifact() {
  need_tool maven
  local out="$1" coords="$2"
  local key; key="$(stamp_key "$coords")"
  mkdir -p "$out"
  if [ -f "$out/.stamp-$key" ]; then return 0; fi
  "${MVN[@]}" dependency:copy -Dartifact="$coords" -DoutputDirectory="$out" -Dmdep.overWriteIfNewer=true \
    >"$CACHE/logs/mvn-artifact.log" 2>&1 || { tail -n 30 "$CACHE/logs/mvn-artifact.log" >&2; return 1; }
  touch "$out/.stamp-$key"
}

# minio_go_build NAME VERSION: build github.com/minio/NAME (main package at the module root) on
# the host into $CACHE/go/bin/NAME-VERSION, once. Version variables are set the way upstream's
# buildscripts/gen-ldflags.go sets them, with a DEVELOPMENT tag (not a release).
minio_go_build() {
  local name="$1" version="$2"
  local out="$CACHE/go/bin/$name-$version"
  [ -x "$out" ] && return 0
  command -v go >/dev/null 2>&1 || die "go is needed to build $name"
  # v0.0.0-20260212201848-7aac2a2c5b7c -> 2026-02-12T20:18:48Z, commit 7aac2a2c5b7c
  local ts="${version#v0.0.0-}"; ts="${ts%%-*}"
  local commit="${version##*-}"
  local when="${ts:0:4}-${ts:4:2}-${ts:6:2}T${ts:8:2}:${ts:10:2}:${ts:12:2}Z"
  local pkg="github.com/minio/$name/cmd"
  local ldflags="-X $pkg.Version=$when -X $pkg.CopyrightYear=${ts:0:4}"
  ldflags+=" -X $pkg.ReleaseTag=DEVELOPMENT.${when//:/-} -X $pkg.CommitID=$commit -X $pkg.ShortCommitID=$commit"
  # Static binaries for the Debian base; no VCS stamp from whatever repository holds the cache.
  CGO_ENABLED=0 GOFLAGS=-buildvcs=false GO_WORK_DIR="$CACHE/go/src" \
    go_build_module "$name-$version" "github.com/minio/$name@$version" . "$out" "$ldflags" \
    "$CACHE/logs/go-build-$name.log"
}

# link_into DEST SRC...: hard-link cached files into a build context (no copy, no dotfiles).
link_into() {
  local dest="$1"; shift
  mkdir -p "$dest"
  local src
  for src in "$@"; do
    if [ -d "$src" ]; then
      cp -al "$src/." "$dest/"
      find "$dest" -maxdepth 1 -name '.stamp-*' -delete
    else
      ln -f "$src" "$dest/"
    fi
  done
}

# ---------------------------------------------------------------------------------------------
# Base images
# ---------------------------------------------------------------------------------------------

# Debian minbase via mmdebstrap + docker import. Docs, man pages and locales are kept out (also
# for every later apt-get install, through dpkg's path-exclude), apt lists are removed.
# build_debian [SUITE]: DEBIAN_SUITE by default; superset needs SUPERSET_DEBIAN_SUITE (bookworm).
build_debian() {
  local DEBIAN_SUITE="${1:-$DEBIAN_SUITE}"
  local tag="$IMAGE_PREFIX/debian:$DEBIAN_SUITE"
  if docker image inspect "$tag" >/dev/null 2>&1 && [ -z "${no_cache[*]}" ]; then
    return 0
  fi
  need_tool mmdebstrap
  local tar="$CACHE/debian-$DEBIAN_SUITE-rootfs.tar"
  rm -f "$tar"
  # shellcheck disable=SC2016 # "$1" in the hook is for mmdebstrap's shell: the root directory
  mmdebstrap --variant=minbase --include=ca-certificates \
    --dpkgopt='path-exclude=/usr/share/man/*' \
    --dpkgopt='path-exclude=/usr/share/info/*' \
    --dpkgopt='path-exclude=/usr/share/doc/*' \
    --dpkgopt='path-include=/usr/share/doc/*/copyright' \
    --dpkgopt='path-exclude=/usr/share/locale/*' \
    --dpkgopt='path-include=/usr/share/locale/locale.alias' \
    --dpkgopt='path-exclude=/usr/share/lintian/*' \
    --aptopt='Acquire::Languages "none"' \
    --customize-hook='rm -rf "$1"/var/lib/apt/lists/* "$1"/var/cache/apt/*.bin "$1"/var/log/*.log' \
    "$DEBIAN_SUITE" "$tar" \
    "deb $DEBIAN_MIRROR $DEBIAN_SUITE main" \
    "deb $DEBIAN_MIRROR $DEBIAN_SUITE-updates main" \
    "deb $DEBIAN_SECURITY_MIRROR $DEBIAN_SUITE-security main" \
    > "$CACHE/logs/mmdebstrap-$DEBIAN_SUITE.log" 2>&1 || {
      tail -n 30 "$CACHE/logs/mmdebstrap-$DEBIAN_SUITE.log" >&2; return 1; }
  docker import \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'ENV LANG=C.UTF-8' \
    --change 'CMD ["bash"]' \
    --change "LABEL org.opencontainers.image.description=\"Debian $DEBIAN_SUITE minbase (mmdebstrap)\"" \
    "$tar" "$tag" >/dev/null
  rm -f "$tar"
}

# The JRE layer shared by the JVM images (kafka, connect, iceberg-rest, flink): one copy on disk.
build_jre() {
  local ctx; ctx="$(new_context jre)"
  docker_build "$(image_tag jre)" "$ctx" \
    --build-arg BASE_IMAGE="$(image_tag debian)" --build-arg JAVA_MAJOR="$JAVA_MAJOR"
}

# ---------------------------------------------------------------------------------------------
# Component images
# ---------------------------------------------------------------------------------------------

# tag_full_version TAG VERSION: also tag the image with the exact version it holds, like the
# official images' `17` + `17.12` tags (the minor is whatever Debian ships at build time).
tag_full_version() {
  local tag="$1" version="$2"
  [ -n "$version" ] || return 0
  docker tag "$tag" "${tag%:*}:$version"
  printf '[images] also tagged %s\n' "${tag%:*}:$version" >&2
}

build_postgres() {
  local ctx; ctx="$(new_context postgres)"
  docker_build "$(image_tag postgres)" "$ctx" \
    --build-arg BASE_IMAGE="$(image_tag debian)" --build-arg PG_MAJOR="$POSTGRES_MAJOR"
  tag_full_version "$(image_tag postgres)" \
    "$(docker run --rm --entrypoint postgres "$(image_tag postgres)" --version | awk '{print $3}')"
}

kafka_libs() {
  maven_libs "$CACHE/maven/kafka-$KAFKA_VERSION" "$IMAGES_DIR/kafka/maven/pom.xml" \
    -Dkafka.version="$KAFKA_VERSION" -Dlog4j.version="$LOG4J_VERSION"
}

# The Prometheus JMX exporter java agent, for the broker and the Connect worker.
jmx_exporter_agent() {
  JMX_EXPORTER_DIR="$CACHE/maven/jmx-exporter-$JMX_EXPORTER_VERSION"
  maven_artifact "$JMX_EXPORTER_DIR" "io.prometheus.jmx:jmx_prometheus_javaagent:$JMX_EXPORTER_VERSION"
}

build_kafka() {
  kafka_libs
  jmx_exporter_agent
  local ctx; ctx="$(new_context kafka)"
  rm -rf "$ctx/maven"
  link_into "$ctx/libs" "$CACHE/maven/kafka-$KAFKA_VERSION"
  link_into "$ctx/jmx-exporter" "$JMX_EXPORTER_DIR"
  docker_build "$(image_tag kafka)" "$ctx" \
    --build-arg JRE_IMAGE="$(image_tag jre)" --build-arg KAFKA_VERSION="$KAFKA_VERSION" \
    --build-arg JMX_EXPORTER_VERSION="$JMX_EXPORTER_VERSION"
}

build_debezium_connect() {
  local libs="$CACHE/maven/connect-$KAFKA_VERSION"
  maven_libs "$libs" "$IMAGES_DIR/debezium-connect/maven/pom.xml" \
    -Dkafka.version="$KAFKA_VERSION" -Dlog4j.version="$LOG4J_VERSION"
  local dl="$CACHE/maven/debezium-$DEBEZIUM_VERSION"
  maven_artifact "$dl" "io.debezium:debezium-connector-postgres:$DEBEZIUM_VERSION:tar.gz:plugin"
  local plugins="$dl/plugins"
  if [ ! -d "$plugins/debezium-connector-postgres" ]; then
    rm -rf "$plugins.tmp"; mkdir -p "$plugins.tmp"
    tar -xzf "$dl/debezium-connector-postgres-$DEBEZIUM_VERSION-plugin.tar.gz" -C "$plugins.tmp"
    # Docs and translated READMEs are not needed at run time.
    find "$plugins.tmp" -maxdepth 2 -type f -name '*.md' -delete
    mv "$plugins.tmp" "$plugins"
  fi
  jmx_exporter_agent
  local ctx; ctx="$(new_context debezium-connect)"
  rm -rf "$ctx/maven"
  link_into "$ctx/libs" "$libs" "$JMX_EXPORTER_DIR"
  mkdir -p "$ctx/plugins"; cp -al "$plugins/." "$ctx/plugins/"
  docker_build "$(image_tag debezium-connect)" "$ctx" \
    --build-arg JRE_IMAGE="$(image_tag jre)" --build-arg KAFKA_VERSION="$KAFKA_VERSION" \
    --build-arg DEBEZIUM_VERSION="$DEBEZIUM_VERSION"
}

build_iceberg_rest() {
  local libs="$CACHE/maven/iceberg-rest-$ICEBERG_VERSION"
  maven_libs "$libs" "$IMAGES_DIR/iceberg-rest/maven/pom.xml" \
    -Diceberg.version="$ICEBERG_VERSION" -Djetty.version="$ICEBERG_REST_JETTY_VERSION" \
    -Dhadoop.version="$ICEBERG_REST_HADOOP_VERSION" -Dsqlite.version="$SQLITE_JDBC_VERSION" \
    -Dpostgresql.version="$POSTGRESQL_JDBC_VERSION" -Dslf4j.version="$SLF4J_VERSION"
  local ctx; ctx="$(new_context iceberg-rest)"
  rm -rf "$ctx/maven"
  link_into "$ctx/libs" "$libs"
  docker_build "$(image_tag iceberg-rest)" "$ctx" \
    --build-arg JRE_IMAGE="$(image_tag jre)" --build-arg ICEBERG_VERSION="$ICEBERG_VERSION"
}

build_minio() {
  minio_go_build minio "$MINIO_MODULE_VERSION"
  local ctx; ctx="$(new_context minio)"
  ln -f "$CACHE/go/bin/minio-$MINIO_MODULE_VERSION" "$ctx/minio"
  docker_build "$(image_tag minio)" "$ctx" \
    --build-arg BASE_IMAGE="$(image_tag debian)" --build-arg MINIO_VERSION="$MINIO_MODULE_VERSION"
}

build_mc() {
  minio_go_build mc "$MC_MODULE_VERSION"
  local ctx; ctx="$(new_context mc)"
  ln -f "$CACHE/go/bin/mc-$MC_MODULE_VERSION" "$ctx/mc"
  docker_build "$(image_tag mc)" "$ctx" \
    --build-arg BASE_IMAGE="$(image_tag debian)" --build-arg MC_VERSION="$MC_MODULE_VERSION"
}

# The Flink distribution, put together from PyPI once: lib/, opt/, plugins/ from
# apache-flink-libraries (sdist), bin/ and conf/ from the apache-flink wheel (a fixed
# manylinux/cp311 wheel: only its scripts are used, so the host's Python does not matter).
flink_dist() {
  local dir="$CACHE/flink/dist-$FLINK_VERSION"
  [ -f "$dir/.complete" ] && return 0
  local pypi="$CACHE/pypi"
  mkdir -p "$pypi"
  need_tool pip
  python3 -m pip download --quiet --no-deps --no-binary :all: -d "$pypi" \
    "apache-flink-libraries==$FLINK_VERSION"
  python3 -m pip download --quiet --no-deps --only-binary :all: --python-version 3.11 \
    --implementation cp --abi cp311 --platform manylinux1_x86_64 -d "$pypi" "apache-flink==$FLINK_VERSION"
  rm -rf "$dir" "$dir.tmp"; mkdir -p "$dir.tmp/src"
  tar -xzf "$pypi/apache-flink-libraries-$FLINK_VERSION.tar.gz" -C "$dir.tmp/src" \
    "apache-flink-libraries-$FLINK_VERSION/deps"
  local deps="$dir.tmp/src/apache-flink-libraries-$FLINK_VERSION/deps"
  ( cd "$dir.tmp/src" && python3 -m zipfile -e "$pypi/apache_flink-$FLINK_VERSION-cp311-cp311-manylinux1_x86_64.whl" wheel )
  mkdir -p "$dir.tmp/opt"
  mv "$deps/lib" "$deps/plugins" "$dir.tmp/"
  # flink-python stays: sql-client.sh loads its option parser even for plain SQL.
  mv "$deps"/opt/*.jar "$dir.tmp/opt/"
  mv "$dir.tmp/src/wheel/pyflink/conf" "$dir.tmp/conf"
  mkdir -p "$dir.tmp/bin"
  find "$dir.tmp/src/wheel/pyflink/bin" -maxdepth 1 -type f \( -name '*.sh' -o -name flink \) \
    ! -name 'pyflink-*' ! -name find-flink-home.sh -exec mv {} "$dir.tmp/bin/" \;
  mv "$deps/bin/bash-java-utils.jar" "$dir.tmp/bin/"
  chmod 0755 "$dir.tmp"/bin/*.sh "$dir.tmp/bin/flink"
  chmod -R a+rX "$dir.tmp"
  rm -rf "$dir.tmp/src"
  touch "$dir.tmp/.complete"
  mv "$dir.tmp" "$dir"
}

build_flink() {
  flink_dist
  local conn="$CACHE/maven/flink-connectors-$FLINK_VERSION-$ICEBERG_VERSION"
  maven_libs "$conn" "$IMAGES_DIR/flink/maven/pom.xml" \
    -Dflink.kafka.connector.version="$FLINK_KAFKA_CONNECTOR_VERSION" \
    -Diceberg.version="$ICEBERG_VERSION" -Dhadoop.version="$FLINK_HADOOP_VERSION"
  local extra="$CACHE/maven/flink-extra-$FLINK_VERSION"
  maven_artifact "$extra/opt" "org.apache.flink:flink-sql-gateway:$FLINK_VERSION"
  maven_artifact "$extra/opt" "org.apache.flink:flink-sql-connector-postgres-cdc:$FLINK_CDC_VERSION"
  maven_artifact "$extra/s3-fs-hadoop" "org.apache.flink:flink-s3-fs-hadoop:$FLINK_VERSION"
  local ctx; ctx="$(new_context flink)"
  rm -rf "$ctx/maven"
  mkdir -p "$ctx/dist"
  cp -al "$CACHE/flink/dist-$FLINK_VERSION/." "$ctx/dist/"
  rm -f "$ctx/dist/.complete"
  link_into "$ctx/dist/opt" "$extra/opt"
  link_into "$ctx/dist/plugins/s3-fs-hadoop" "$extra/s3-fs-hadoop"
  link_into "$ctx/connectors" "$conn"
  docker_build "$(image_tag flink)" "$ctx" \
    --build-arg JRE_IMAGE="$(image_tag jre)" --build-arg FLINK_VERSION="$FLINK_VERSION" \
    --build-arg ICEBERG_VERSION="$ICEBERG_VERSION"
}

# The Trino server tarball unpacked once, with only TRINO_PLUGINS kept and only the Linux
# amd64 launcher.
trino_dist() {
  local key
  # shellcheck disable=SC2086 # TRINO_PLUGINS is a list: one stamp argument per plugin
  key="$(stamp_key "$TRINO_VERSION" $TRINO_PLUGINS)"
  local dir="$CACHE/trino/dist-$TRINO_VERSION-$key"
  [ -f "$dir/.complete" ] && return 0
  local dl="$CACHE/maven/trino-$TRINO_VERSION"
  maven_artifact "$dl" "io.trino:trino-server:$TRINO_VERSION:tar.gz"
  rm -rf "$dir" "$dir.tmp"; mkdir -p "$dir.tmp"
  tar -xzf "$dl/trino-server-$TRINO_VERSION.tar.gz" -C "$dir.tmp" --strip-components=1
  local p
  for p in "$dir.tmp"/plugin/*; do
    case " $TRINO_PLUGINS " in *" $(basename "$p") "*) ;; *) rm -rf "$p" ;; esac
  done
  for p in $TRINO_PLUGINS; do
    [ -d "$dir.tmp/plugin/$p" ] || { echo "images.sh: Trino $TRINO_VERSION has no plugin '$p'" >&2; return 1; }
  done
  find "$dir.tmp/bin" -mindepth 1 -maxdepth 1 -type d ! -name linux-amd64 -exec rm -rf {} +
  touch "$dir.tmp/.complete"
  mv "$dir.tmp" "$dir"
  # Older unpacked variants (other plugin lists) are dead weight.
  find "$CACHE/trino" -mindepth 1 -maxdepth 1 -name "dist-*" ! -path "$dir" -exec rm -rf {} +
}

build_trino() {
  trino_dist
  local key
  # shellcheck disable=SC2086 # as in trino_dist
  key="$(stamp_key "$TRINO_VERSION" $TRINO_PLUGINS)"
  local ctx; ctx="$(new_context trino)"
  mkdir -p "$ctx/dist"
  cp -al "$CACHE/trino/dist-$TRINO_VERSION-$key/." "$ctx/dist/"
  rm -f "$ctx/dist/.complete"
  docker_build "$(image_tag trino)" "$ctx" \
    --build-arg BASE_IMAGE="$(image_tag debian)" --build-arg TRINO_VERSION="$TRINO_VERSION" \
    --build-arg TRINO_JAVA_MAJOR="$TRINO_JAVA_MAJOR"
}

build_node() {
  local ctx; ctx="$(new_context node)"
  docker_build "$(image_tag node)" "$ctx" \
    --build-arg BASE_IMAGE="$(image_tag debian)" --build-arg NODE_MAJOR="$NODE_MAJOR"
  local v; v="$(docker run --rm "$(image_tag node)" node --version)"
  tag_full_version "$(image_tag node)" "${v#v}-$DEBIAN_SUITE-slim"
}

# Monitoring: a Debian package each; every build checks the version versions.env names.
# debian_package_image IMAGE VERSION_VARIABLE: the image dir built with VERSION_VARIABLE as a build arg.
debian_package_image() {
  local ctx; ctx="$(new_context "$1")"
  docker_build "$(image_tag "$1")" "$ctx" --build-arg BASE_IMAGE="$(image_tag debian)" --build-arg "$2=${!2}"
}
build_prometheus() { debian_package_image prometheus PROMETHEUS_VERSION; }
build_alertmanager() { debian_package_image alertmanager ALERTMANAGER_VERSION; }
build_postgres_exporter() { debian_package_image postgres-exporter POSTGRES_EXPORTER_VERSION; }

# The freshness probe's libraries: `npm ci` of its lock file on the host (npm there trusts the
# host's CA set; the node image has no npm), copied onto the node image.
build_freshness_probe() {
  local ctx; ctx="$(new_context freshness-probe)"
  command -v npm >/dev/null || { echo "images.sh: npm is needed (it comes with the Node.js the project runs on)" >&2; return 1; }
  docker image inspect "$(image_tag node)" >/dev/null 2>&1 || build_node
  grep -q "\"version\": \"$FRESHNESS_PROBE_VERSION\"" "$ctx/package.json" || {
    echo "images.sh: images/freshness-probe/package.json is not version $FRESHNESS_PROBE_VERSION (versions.env)" >&2; return 1; }
  (cd "$ctx" && npm ci --omit=dev --ignore-scripts --no-audit --no-fund --cache "$CACHE/npm" >"$CACHE/logs/npm-freshness-probe.log" 2>&1) \
    || { tail -n 30 "$CACHE/logs/npm-freshness-probe.log" >&2; return 1; }
  docker_build "$(image_tag freshness-probe)" "$ctx" --build-arg NODE_IMAGE="$(image_tag node)"
}

# dbt + Dagster: the requirements with versions.env substituted, resolved and downloaded as
# wheels for the image's Python on the host, then installed offline in the build.
build_dbt_dagster() {
  local ctx; ctx="$(new_context dbt-dagster)"
  need_tool envsubst
  envsubst < "$IMAGES_DIR/dbt-dagster/requirements.txt" > "$ctx/requirements.txt"
  local key; key="$(stamp_key "$ctx/requirements.txt" "$PYTHON_TARGET")"
  local wheels="$CACHE/pypi/dbt-dagster-$key"
  if [ ! -f "$wheels/.complete" ]; then
    need_tool pip
    rm -rf "$wheels"; mkdir -p "$wheels"
    local abi="cp${PYTHON_TARGET/./}"
    python3 -m pip download --quiet --only-binary :all: --python-version "$PYTHON_TARGET" \
      --implementation cp --abi "$abi" --abi abi3 --abi none \
      --platform manylinux_2_28_x86_64 --platform manylinux_2_17_x86_64 --platform manylinux2014_x86_64 \
      --platform any -d "$wheels" -r "$ctx/requirements.txt" \
      >"$CACHE/logs/pip-dbt-dagster.log" 2>&1 || { tail -n 30 "$CACHE/logs/pip-dbt-dagster.log" >&2; return 1; }
    touch "$wheels/.complete"
  fi
  mkdir -p "$ctx/wheels"
  cp -al "$wheels/." "$ctx/wheels/"
  docker_build "$(image_tag dbt-dagster)" "$ctx" --build-arg BASE_IMAGE="$(image_tag debian)"
}

# Superset: the pinned requirements.txt (a lock file) downloaded as wheels for the image's
# Python (SUPERSET_PYTHON on SUPERSET_DEBIAN_SUITE) on the host, the pure-Python sdists among
# them (SUPERSET_PURE_SDISTS) built into wheels there; the build installs them with --no-index.
superset_wheels() {
  local req="$IMAGES_DIR/superset/requirements.txt"
  local key
  # shellcheck disable=SC2086 # SUPERSET_PURE_SDISTS is a list: one stamp argument per package
  key="$(stamp_key "$req" "$SUPERSET_PYTHON" $SUPERSET_PURE_SDISTS)"
  SUPERSET_WHEELS="$CACHE/pypi/superset-$SUPERSET_VERSION-$key"
  [ -f "$SUPERSET_WHEELS/.stamp-$key" ] && return 0
  grep -qix "apache-superset==$SUPERSET_VERSION" "$req" || {
    echo "images.sh: images/superset/requirements.txt does not pin apache-superset==$SUPERSET_VERSION" >&2; return 1; }
  need_tool pip
  local tmp="$SUPERSET_WHEELS.tmp"
  rm -rf "$SUPERSET_WHEELS" "$tmp"; mkdir -p "$tmp"
  # Split the lock by normalised name (lower case, runs of -_. as one -).
  awk -v sdists="$SUPERSET_PURE_SDISTS" -v wheels="$tmp/wheels.txt" -v src="$tmp/sdists.txt" '
    BEGIN { n = split(sdists, s, " "); for (i = 1; i <= n; i++) pure[s[i]] = 1 }
    /^[[:space:]]*(#|$)/ { next }
    { name = tolower($0); sub(/[=<>!~;[ ].*/, "", name); gsub(/[-_.]+/, "-", name)
      if (name in pure) print > src; else print > wheels }' "$req"
  local abi="cp${SUPERSET_PYTHON/./}"
  python3 -m pip download --quiet --no-cache-dir --no-deps --only-binary :all: \
    --python-version "$SUPERSET_PYTHON" --implementation cp --abi "$abi" --abi abi3 --abi none \
    --platform manylinux_2_28_x86_64 --platform manylinux_2_17_x86_64 --platform manylinux2014_x86_64 \
    --platform manylinux1_x86_64 --platform any -d "$tmp" -r "$tmp/wheels.txt" \
    >"$CACHE/logs/pip-superset.log" 2>&1 || { tail -n 30 "$CACHE/logs/pip-superset.log" >&2; return 1; }
  if [ -s "$tmp/sdists.txt" ]; then
    python3 -m pip wheel --quiet --no-cache-dir --no-deps --no-binary :all: -w "$tmp/built" -r "$tmp/sdists.txt" \
      >>"$CACHE/logs/pip-superset.log" 2>&1 || { tail -n 30 "$CACHE/logs/pip-superset.log" >&2; return 1; }
    local w
    for w in "$tmp"/built/*.whl; do
      case "$w" in *-none-any.whl) mv "$w" "$tmp/" ;;
        *) echo "images.sh: $(basename "$w") is not pure Python; drop it from SUPERSET_PURE_SDISTS" >&2; return 1 ;;
      esac
    done
    rmdir "$tmp/built"
  fi
  local want got
  want="$(cat "$tmp/wheels.txt" "$tmp/sdists.txt" 2>/dev/null | wc -l)"
  got="$(find "$tmp" -maxdepth 1 -name '*.whl' | wc -l)"
  [ "$want" = "$got" ] || { echo "images.sh: superset: $got wheels for $want requirements" >&2; return 1; }
  rm -f "$tmp/wheels.txt" "$tmp/sdists.txt"
  touch "$tmp/.stamp-$key"
  mv "$tmp" "$SUPERSET_WHEELS"
  # Wheel sets of other lock files are dead weight.
  find "$CACHE/pypi" -mindepth 1 -maxdepth 1 -name 'superset-*' ! -path "$SUPERSET_WHEELS" -exec rm -rf {} +
}

build_superset() {
  superset_wheels
  local ctx; ctx="$(new_context superset)"
  link_into "$ctx/wheels" "$SUPERSET_WHEELS"
  docker_build "$(image_tag superset)" "$ctx" \
    --build-arg BASE_IMAGE="$(image_tag "debian-$SUPERSET_DEBIAN_SUITE")" \
    --build-arg SUPERSET_VERSION="$SUPERSET_VERSION"
}

# ---------------------------------------------------------------------------------------------

mkdir -p "$CACHE/logs"
declare -A took=()
order=()
timed() {
  local name="$1"; shift
  local t0 t1
  t0=$(date +%s.%N)
  printf '\n' >&2
  log "building $name -> $(image_tag "$name")"
  "$@"
  t1=$(date +%s.%N)
  took[$name]=$(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.1f", b-a}')
  order+=("$name")
  printf '[images] %-18s %7ss\n' "$name" "${took[$name]}" >&2
}

T0=$(date +%s.%N)
timed debian build_debian
needs_jre=0
for w in "${wanted[@]}"; do
  case "$w" in kafka|debezium-connect|iceberg-rest|flink) needs_jre=1 ;; esac
done
[ "$needs_jre" = 1 ] && timed jre build_jre
# Superset sits on its own Debian base (Python 3.11; see SUPERSET_DEBIAN_SUITE in versions.env).
for w in "${wanted[@]}"; do
  if [ "$w" = superset ] && [ "$SUPERSET_DEBIAN_SUITE" != "$DEBIAN_SUITE" ]; then
    timed "debian-$SUPERSET_DEBIAN_SUITE" build_debian "$SUPERSET_DEBIAN_SUITE"
  fi
done
for w in "${wanted[@]}"; do
  timed "$w" "build_${w//-/_}"
done
T1=$(date +%s.%N)

printf '\n%-20s %-60s %9s\n' IMAGE TAG SECONDS
for n in "${order[@]}"; do printf '%-20s %-60s %9s\n' "$n" "$(image_tag "$n")" "${took[$n]}"; done
printf '%-20s %-60s %9s\n' total '' "$(awk -v a="$T0" -v b="$T1" 'BEGIN{printf "%.1f", b-a}')"
printf '\n'
docker images --format 'table {{.Repository}}:{{.Tag}}\t{{.Size}}\t{{.CreatedSince}}' \
  | { read -r header; printf '%s\n' "$header"; grep "^$IMAGE_PREFIX/" | sort; }

if [ "$smoke" = 1 ]; then
  "$ROOT/scripts/images-smoke.sh" "${wanted[@]}"
fi
