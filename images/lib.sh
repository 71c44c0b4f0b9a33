# Shared by scripts/images.sh and scripts/images-smoke.sh (sourced after versions.env).
# shellcheck shell=bash
# image_tag NAME: the local tag of each image: prefix + the official repository path.
image_tag() {
  case "$1" in
    debian)           echo "$IMAGE_PREFIX/debian:$DEBIAN_SUITE" ;;
    # Another Debian base (debian-bookworm for superset), made the same way.
    debian-*)         echo "$IMAGE_PREFIX/debian:${1#debian-}" ;;
    jre)              echo "$IMAGE_PREFIX/lakehouse-cdc/jre:$JAVA_MAJOR-$DEBIAN_SUITE" ;;
    postgres)         echo "$IMAGE_PREFIX/postgres:$POSTGRES_MAJOR" ;;
    kafka)            echo "$IMAGE_PREFIX/apache/kafka:$KAFKA_VERSION" ;;
    debezium-connect) echo "$IMAGE_PREFIX/debezium/connect:$DEBEZIUM_VERSION" ;;
    minio)            echo "$IMAGE_PREFIX/minio/minio:$MINIO_IMAGE_TAG" ;;
    mc)               echo "$IMAGE_PREFIX/minio/mc:$MC_IMAGE_TAG" ;;
    iceberg-rest)     echo "$IMAGE_PREFIX/apache/iceberg-rest-fixture:$ICEBERG_VERSION" ;;
    # No official Flink image carries the Kafka and Iceberg connectors: a project repository.
    flink)            echo "$IMAGE_PREFIX/lakehouse-cdc/flink:$FLINK_VERSION-iceberg-$ICEBERG_VERSION" ;;
    trino)            echo "$IMAGE_PREFIX/trinodb/trino:$TRINO_VERSION" ;;
    node)             echo "$IMAGE_PREFIX/node:$NODE_MAJOR-$DEBIAN_SUITE-slim" ;;
    superset)         echo "$IMAGE_PREFIX/apache/superset:$SUPERSET_VERSION" ;;
    # dbt and Dagster have no official image carrying both (and the Trino adapter): a project repository.
    dbt-dagster)      echo "$IMAGE_PREFIX/lakehouse-cdc/dbt-dagster:$DAGSTER_VERSION-dbt$DBT_CORE_VERSION" ;;
    prometheus)       echo "$IMAGE_PREFIX/prom/prometheus:v$PROMETHEUS_VERSION" ;;
    alertmanager)     echo "$IMAGE_PREFIX/prom/alertmanager:v$ALERTMANAGER_VERSION" ;;
    postgres-exporter) echo "$IMAGE_PREFIX/prometheuscommunity/postgres-exporter:v$POSTGRES_EXPORTER_VERSION" ;;
    # The freshness probe's libraries on Node: a project repository.
    freshness-probe)  echo "$IMAGE_PREFIX/lakehouse-cdc/freshness-probe:$FRESHNESS_PROBE_VERSION-node$NODE_MAJOR" ;;
    *) echo "image_tag: unknown image $1" >&2; return 1 ;;
  esac
}
