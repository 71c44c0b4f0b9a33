import { Construct } from "constructs";
import { Endpoint, FileSpec, HealthCheck, IDependable, IPlatform, Secret, secretFilePath, ServiceHandle } from "./platform/workload";

/** A place a layer serves Prometheus metrics: one scrape job per kind of process. */
export interface MetricsTarget {
  /** Prometheus job name, e.g. `kafka-connect`; unique within a stack. */
  readonly job: string;
  /** Where the metrics are served. */
  readonly endpoint: Endpoint;
  /** HTTP path of the metrics. @default "/metrics" */
  readonly path?: string;
  /**
   * A user name sent with HTTP basic authentication, for servers that want to know who asks
   * (Trino without authentication takes it as the user).
   * @default - none
   */
  readonly basicAuthUser?: string;
  /** The password sent with `basicAuthUser`, mounted into Prometheus as a secret file. @default - none */
  readonly basicAuthPassword?: Secret;
  /** Scrape over HTTPS, trusting the CA certificate in this file (mounted into Prometheus). @default - plain HTTP */
  readonly tlsCaFile?: FileSpec;
  /**
   * Scrape every address the endpoint's host name resolves to (its DNS A records, looked up each
   * interval) rather than whichever one the name reaches: for services that run replicas, with
   * the endpoint from `ServiceHandle.replicasEndpoint`.
   * @default false
   */
  readonly everyReplica?: boolean;
}

/** The scrape target of `service`'s port `portName`: each replica when it runs several, else the one it has. */
export function scrapeTarget(job: string, service: ServiceHandle, portName: string): MetricsTarget {
  return (service.spec.replicas ?? 1) > 1 ? { job, endpoint: service.replicasEndpoint(portName), everyReplica: true } : { job, endpoint: service.endpoint(portName) };
}

/** A layer that serves metrics. */
export interface IMetricsSource {
  /** Its scrape targets; empty when its metrics are off. */
  readonly metricsTargets: MetricsTarget[];
}

/** Port of the Prometheus JMX exporter agent in Kafka and Kafka Connect (Debezium's image uses it too). */
export const JMX_EXPORTER_PORT = 9404;

/** Where {@link postgresExporter} logs in, and what it asks. */
export interface PostgresExporterOptions {
  /** Construct id of the service. */
  readonly id: string;
  /** Service name, e.g. `postgres-exporter`. */
  readonly name: string;
  /** Scrape job name. */
  readonly job: string;
  /** The exporter's image (prometheuscommunity/postgres-exporter). */
  readonly image: string;
  /** Where PostgreSQL listens. */
  readonly endpoint: Endpoint;
  /** Database the exporter connects to. */
  readonly database: string;
  /** Role it logs in as: one that may read what the queries read. */
  readonly user: string;
  /** That role's password. */
  readonly password: Secret;
  /** Extra queries (postgres_exporter's queries.yml): each query's columns become `<query>_<column>` gauges and labels. */
  readonly queries: object;
  /** What must run before it (the database). */
  readonly dependsOn: IDependable[];
}

/** Prometheus's PostgreSQL exporter logged in as `user`, with extra queries; returns its scrape target. */
export function postgresExporter(scope: Construct, platform: IPlatform, o: PostgresExporterOptions): MetricsTarget {
  const exporter = platform.service(scope, o.id, {
    name: o.name,
    image: o.image,
    // The wal collector calls pg_ls_waldir(), which a role without pg_monitor may not: every
    // scrape logged "permission denied". The slot's retained WAL comes from `queries`.
    args: ["--extend.query-path=/etc/postgres-exporter/queries.yml", "--no-collector.stat_bgwriter", "--no-collector.wal"],
    env: { DATA_SOURCE_URI: `${o.endpoint.address}/${o.database}?sslmode=disable`, DATA_SOURCE_USER: o.user, DATA_SOURCE_PASS_FILE: secretFilePath("password") },
    secretFiles: { password: o.password },
    files: [{ path: "/etc/postgres-exporter/queries.yml", content: JSON.stringify(o.queries, null, 2) + "\n" }],
    ports: [{ name: "http", port: 9187 }],
    healthCheck: HealthCheck.http(9187, "/metrics", { intervalSeconds: 10 }),
    resources: { cpuMillis: 50, memoryMiB: 64 },
    runAsUser: 65534,
    connectsTo: [o.endpoint],
    dependsOn: o.dependsOn,
  });
  return { job: o.job, endpoint: exporter.endpoint("http") };
}
