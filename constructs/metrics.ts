import { Endpoint } from "./platform/workload";

/** A place a layer serves Prometheus metrics: one scrape job per kind of process. */
export interface MetricsTarget {
  /** Prometheus job name, e.g. `kafka-connect`; unique within a stack. */
  readonly job: string;
  /** Where the metrics are served. */
  readonly endpoint: Endpoint;
  /** HTTP path of the metrics. @default "/metrics" */
  readonly path?: string;
  /**
   * A user name sent with HTTP basic authentication and no password, for servers that want to
   * know who asks (Trino without authentication takes it as the user).
   * @default - none
   */
  readonly basicAuthUser?: string;
  /**
   * Scrape every replica behind the endpoint's host name (its DNS A records, looked up each
   * interval) rather than whichever one the name reaches: for services that run replicas.
   * @default false
   */
  readonly everyReplica?: boolean;
}

/** A layer that serves metrics. */
export interface IMetricsSource {
  /** Its scrape targets; empty when its metrics are off. */
  readonly metricsTargets: MetricsTarget[];
}

/** Port of the Prometheus JMX exporter agent in Kafka and Kafka Connect (Debezium's image uses it too). */
export const JMX_EXPORTER_PORT = 9404;
