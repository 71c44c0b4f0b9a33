/**
 * Pinned image references of every component, as published upstream. A registry mirror rewrites
 * them all at once for air-gapped users: `imageRegistry: "mirror.example.com"` turns
 * `docker.io/library/postgres:17.12` into `mirror.example.com/postgres:17.12` and
 * `quay.io/debezium/connect:3.6.1.Final` into `mirror.example.com/debezium/connect:3.6.1.Final`
 * (registry host and Docker Hub's `library/` dropped, repository path kept).
 * `npm run images` builds contract-compatible images under the local mirror `lakehouse.local`.
 */
export const DEFAULT_IMAGES = {
  /** PostgreSQL (SourceDb, the Metabase app database). */
  postgres: "docker.io/library/postgres:17.12",
  /** Kafka in KRaft mode (CdcConnector). */
  kafka: "docker.io/apache/kafka:4.3.1",
  /** Kafka Connect with the Debezium PostgreSQL connector (CdcConnector). */
  connect: "quay.io/debezium/connect:3.6.1.Final",
  // MinIO publishes source only since late 2025: images/minio builds these from the Go module proxy.
  /** MinIO, the S3 store of the warehouse (IcebergWarehouse). */
  minio: "docker.io/minio/minio:DEVELOPMENT.2026-02-12T20-18-48Z",
  /** The MinIO client, for the bucket job (IcebergWarehouse). */
  mc: "docker.io/minio/mc:DEVELOPMENT.2025-03-13T08-02-18Z",
  /** The Iceberg REST catalog (IcebergWarehouse). */
  icebergRest: "docker.io/apache/iceberg-rest-fixture:1.10.1",
  // No upstream Flink image carries the Kafka and Iceberg connectors; images/flink builds this one.
  /** Flink with the Kafka and Iceberg connectors and the S3 plugin (StreamJob). */
  flink: "docker.io/lakehouse-cdc/flink:1.20.1-iceberg-1.10.1",
  /** Trino (QueryEngine). */
  trino: "docker.io/trinodb/trino:476",
  /** Metabase (Dashboards, the default engine). */
  metabase: "docker.io/metabase/metabase:v0.56.6",
  /** Apache Superset (Dashboards, the second engine). */
  superset: "docker.io/apache/superset:6.1.0",
  // No official image has dbt with the Trino adapter and Dagster: images/dbt-dagster builds this one.
  /** dbt-core, dbt-trino and Dagster (Transformations, Orchestrator). */
  dbtDagster: "docker.io/lakehouse-cdc/dbt-dagster:1.13.27-dbt1.12.0",
  // Runs the project's job scripts (jobs/*.js): connector registration, SQL submission, dashboards.
  /** Node.js, which runs the job scripts (jobs/*.js). */
  node: "docker.io/library/node:20.19.2-trixie-slim",
  /** Prometheus, which scrapes every layer and evaluates the alert rules (Monitoring). */
  prometheus: "docker.io/prom/prometheus:v2.53.3",
  /** Alertmanager, which receives the alerts (Monitoring). */
  alertmanager: "docker.io/prom/alertmanager:v0.28.1",
  /** The PostgreSQL exporter: the replication slot's WAL and state (Monitoring). */
  postgresExporter: "quay.io/prometheuscommunity/postgres-exporter:v0.17.1",
  // The probe's libraries on Node; images/freshness-probe builds it (the script is mounted).
  /** Node.js with pg, kafkajs, trino-client and prom-client, which runs the freshness probe (Monitoring). */
  freshnessProbe: "docker.io/lakehouse-cdc/freshness-probe:1.0.0-node20",
} as const;

/** A component with a default image: a key of {@link DEFAULT_IMAGES}. */
export type ImageName = keyof typeof DEFAULT_IMAGES;

/** The postgres image's user (`postgres`), as upstream's. */
export const POSTGRES_USER_ID = 999;
/** Where the postgres server writes its socket and lock files. */
export const POSTGRES_RUN_DIR = "/var/run/postgresql";

/** The local mirror that `npm run images` tags its builds under. */
export const LOCAL_IMAGE_REGISTRY = "lakehouse.local";

/** The default reference of `name`, rewritten onto `registry` when one is given. */
export function defaultImage(name: ImageName, registry?: string): string {
  const ref = DEFAULT_IMAGES[name];
  return registry === undefined ? ref : mirrorImage(ref, registry);
}

/** Rewrites an upstream reference onto a mirror registry (see {@link DEFAULT_IMAGES}). */
export function mirrorImage(ref: string, registry: string): string {
  const parts = ref.split("/");
  const hasHost = parts.length > 1 && /[.:]/.test(parts[0]);
  let path = hasHost ? parts.slice(1) : parts;
  if (path[0] === "library") path = path.slice(1);
  return `${registry.replace(/\/+$/, "")}/${path.join("/")}`;
}
