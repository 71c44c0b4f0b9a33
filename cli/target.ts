import { Kafka, logLevel } from "kafkajs";
import { Client as PgClient } from "pg";
import { BasicAuth, Trino } from "trino-client";
import { stackOutputs } from "./outputs";

/** Where a deployed pipeline answers from this host, and what it is called. */
export interface Target {
  readonly postgres: { host: string; port: number; user: string; password: string; database: string };
  readonly kafka: string;
  readonly connectUrl: string;
  readonly connector: string;
  readonly topics: string[];
  readonly flinkUrl: string;
  readonly jobName: string;
  readonly trinoUrl: string;
  readonly catalog: string;
  readonly rawDatabase: string;
  readonly stateDatabase: string;
  /** Columns of each captured table as the stack defines them (drift is what PostgreSQL has beyond them). */
  readonly capturedColumns?: Record<string, string[]>;
}

/** Flags that override what the stack's outputs say (e.g. port-forwards to a Kubernetes stack). */
export interface TargetFlags {
  readonly postgres?: string;
  readonly kafka?: string;
  readonly connect?: string;
  readonly flink?: string;
  readonly trino?: string;
}

const hostPort = (address: string): [string, number] => {
  const i = address.lastIndexOf(":");
  return [address.slice(0, i), Number(address.slice(i + 1))];
};

/**
 * Reads the stack's outputs (`cdktf output`) and the ports it published on this host. The
 * PostgreSQL password comes from the outputs or LAKEHOUSE_PG_PASSWORD, never from a flag.
 */
export function resolveTarget(stack: string, flags: TargetFlags, cwd = process.cwd()): Target {
  const o = stackOutputs(stack, cwd);
  const published: Record<string, string> = o.published_ports ?? {};
  const need = (flag: string | undefined, key: string, what: string): string => {
    const value = flag ?? published[key];
    if (!value) throw new Error(`no host address for ${what}: stack '${stack}' publishes no ${key} port; pass --${what} host:port (e.g. through kubectl port-forward)`);
    return value;
  };
  const [pgHost, pgPort] = hostPort(need(flags.postgres, "postgres/sql", "postgres"));
  return {
    postgres: { host: pgHost, port: pgPort, user: o.postgres_admin_user, password: process.env.LAKEHOUSE_PG_PASSWORD ?? o.postgres_admin_password, database: o.postgres_database },
    kafka: flags.kafka ?? o.kafka_bootstrap_external,
    connectUrl: `http://${need(flags.connect, "connect/http", "connect")}`,
    connector: o.connector_name,
    topics: o.topics,
    flinkUrl: `http://${need(flags.flink, "flink-jobmanager/http", "flink")}`,
    jobName: o.flink_job_name,
    trinoUrl: `http://${need(flags.trino, "trino/http", "trino")}`,
    catalog: "iceberg",
    rawDatabase: o.iceberg_raw_namespace,
    stateDatabase: o.iceberg_state_namespace,
    capturedColumns: o.captured_columns,
  };
}

export async function connectPostgres(t: Target): Promise<PgClient> {
  const client = new PgClient({ ...t.postgres, connectionTimeoutMillis: 10_000 });
  client.on("error", () => undefined);
  await client.connect();
  return client;
}

export const kafkaClient = (t: Target) => new Kafka({ clientId: "lakehouse-cli", brokers: [t.kafka], logLevel: logLevel.NOTHING, connectionTimeout: 5000, retry: { retries: 3 } });
export const trinoClient = (t: Target) => Trino.create({ server: t.trinoUrl, catalog: t.catalog, auth: new BasicAuth("lakehouse-cli") });

/** All rows of a Trino query; throws with Trino's message. */
export async function trinoRows(trino: Trino, sql: string): Promise<unknown[][]> {
  const rows: unknown[][] = [];
  for await (const result of await trino.query(sql)) {
    if (result.error) throw new Error(`Trino: ${result.error.message}`);
    rows.push(...(result.data ?? []));
  }
  return rows;
}

/** GET a JSON document; throws with the status and body on failure. */
export async function getJson(url: string): Promise<any> {
  const response = await fetch(url, { signal: AbortSignal.timeout(10_000) });
  const text = await response.text();
  if (!response.ok) throw new Error(`GET ${url} answered ${response.status}: ${text.slice(0, 300)}`);
  return JSON.parse(text);
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
