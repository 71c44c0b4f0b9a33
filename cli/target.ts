import { Kafka, logLevel } from "kafkajs";
import "./kafka-lz4";
import { Client as PgClient } from "pg";
import { BasicAuth, Trino } from "trino-client";
import { AccessEndpoint, AccessPlatform } from "../constructs/access";
import { DBT_MARTS } from "../constructs/transformations";
import { deployedStack, DeployedStack } from "./outputs";

/** Where a deployed pipeline answers from this host, and what it is called. */
export interface Target {
  readonly postgres: { host: string; port: number; user: string; password: string; database: string };
  readonly kafka: string;
  readonly connectUrl: string;
  readonly connector: string;
  /** The connector's replication slot (contracts before it was listed: the default name). */
  readonly slot: string;
  /** Change topic of each captured table, by table name. */
  readonly topics: Record<string, string>;
  readonly flinkUrl: string;
  readonly jobName: string;
  /** The Flink job's checkpoint interval (absent in a contract written before it held it). */
  readonly checkpointIntervalMs?: number;
  readonly trinoUrl: string;
  /** How to log in when Trino authenticates; absent when it takes any user name. */
  readonly trinoLogin?: TrinoLogin;
  readonly catalog: string;
  readonly rawDatabase: string;
  readonly stateDatabase: string;
  /** Namespace of dbt's marts; absent without transformations. */
  readonly martsDatabase?: string;
  /** Namespace of dbt's Data Vault; absent without transformations. */
  readonly vaultDatabase?: string;
  /** dbt's marts, `catalog.namespace.table`. */
  readonly marts?: string[];
  /** Columns of each captured table as the stack defines them (drift is what PostgreSQL has beyond them). */
  readonly capturedColumns?: Record<string, string[]>;
  /** Where the stack's workloads run (for resource sampling). */
  readonly platform: AccessPlatform;
  /** Flink's SQL Gateway and the Iceberg REST catalog on this host, where published (the bench's peer needs both). */
  readonly sqlGatewayUrl?: string;
  readonly catalogUrl?: string;
  /** Dagster's API on this host and the code location whose sensors and schedules start dbt builds; absent without an orchestrator or a published port. */
  readonly dagster?: { readonly url: string; readonly codeLocation: string };
  /** How a job inside the platform network reaches the source and the warehouse (the bench's peer job). */
  readonly inNetwork: { readonly postgres: string; readonly catalogUri?: string; readonly s3Endpoint?: string; readonly warehouse?: string };
}

/** A login to a Trino that authenticates: over HTTPS, trusting the CA certificate `ca` (PEM). */
export interface TrinoLogin {
  readonly user: string;
  readonly password: string;
  readonly ca: string;
}

/** Flags that override what the stack's outputs say (e.g. port-forwards to a Kubernetes stack). */
export interface TargetFlags {
  readonly postgres?: string;
  readonly kafka?: string;
  readonly connect?: string;
  readonly flink?: string;
  readonly trino?: string;
}

/** `host:port` as its parts. */
export function hostAndPort(address: string): { host: string; port: number } {
  const i = address.lastIndexOf(":");
  return { host: address.slice(0, i), port: Number(address.slice(i + 1)) };
}

/**
 * Reads the stack's access contract (its `access` output) and returns where each hop answers on
 * this host. The PostgreSQL password comes from the credential output the contract names, or
 * LAKEHOUSE_PG_PASSWORD, never from a flag.
 */
export function resolveTarget(stack: string, flags: TargetFlags, cwd = process.cwd()): Target {
  const deployed = deployedStack(stack, cwd);
  return targetOf(deployed, flags, process.env.LAKEHOUSE_PG_PASSWORD ?? deployed.credential("postgresAdminPassword"), deployed.credential("trinoPassword"));
}

/** The {@link Target} of a deployed stack: the contract's published addresses unless a flag overrides them. */
export function targetOf({ name, access }: DeployedStack, flags: TargetFlags, pgPassword: string | undefined, trinoPassword?: string): Target {
  const { source, cdc, streamJob, query, namespaces } = access;
  const missing = (what: string, layer: string) => new Error(`stack '${name}' has no ${layer}, which verify and bench need: deploy it with ${what}`);
  if (!cdc) throw missing("cdc", "CDC layer (Kafka, Debezium)");
  if (!streamJob || !namespaces.raw || !namespaces.state) throw missing("streamJob", "stream job");
  if (!query) throw missing("queryEngine", "query engine");
  if (!source.adminUser) throw new Error(`stack '${name}' captures an adopted database: verify and bench write canary rows as the stack's superuser, which it does not manage`);
  if (!pgPassword) throw new Error(`no PostgreSQL password: stack '${name}' names no postgresAdminPassword credential output; set LAKEHOUSE_PG_PASSWORD`);
  const onHost = (flag: string | undefined, endpoint: AccessEndpoint, what: string): string => {
    const value = flag ?? endpoint.published;
    if (!value)
      throw new Error(`no host address for ${what} (${endpoint.internal} in the platform network): stack '${name}' publishes none; pass --${what} host:port (e.g. through kubectl port-forward)`);
    return value;
  };
  const login = query.login;
  if (login && !trinoPassword) throw new Error(`no Trino password: stack '${name}' authenticates Trino users, and its trinoPassword credential output is missing`);
  const pg = hostAndPort(onHost(flags.postgres, source.endpoint, "postgres"));
  return {
    postgres: { ...pg, user: source.adminUser, password: pgPassword, database: source.database },
    kafka: flags.kafka ?? cdc.kafka.external,
    connectUrl: `http://${onHost(flags.connect, cdc.connect, "connect")}`,
    connector: cdc.connectorName,
    slot: cdc.slotName ?? "lakehouse_cdc",
    topics: cdc.topics,
    flinkUrl: `http://${onHost(flags.flink, streamJob.jobManager, "flink")}`,
    jobName: streamJob.jobName,
    checkpointIntervalMs: streamJob.checkpointIntervalMs,
    trinoUrl: `${login ? "https" : "http"}://${onHost(flags.trino, query.trino, "trino")}`,
    trinoLogin: login && { user: login.user, password: trinoPassword!, ca: login.caCertificate },
    catalog: query.catalog,
    rawDatabase: namespaces.raw,
    stateDatabase: namespaces.state,
    martsDatabase: namespaces.marts,
    // A contract written before it named the vault: dbt's custom-schema convention.
    vaultDatabase: namespaces.vault ?? (namespaces.marts && `${namespaces.marts}_vault`),
    marts: namespaces.marts ? DBT_MARTS.map((m) => `${query.catalog}.${namespaces.marts}.${m}`) : undefined,
    capturedColumns: source.capturedColumns,
    platform: access.platform,
    sqlGatewayUrl: streamJob.sqlGateway?.published && `http://${streamJob.sqlGateway.published}`,
    catalogUrl: access.warehouse?.catalog.published && `http://${access.warehouse.catalog.published}`,
    dagster: access.orchestrator?.dagster.published ? { url: `http://${access.orchestrator.dagster.published}`, codeLocation: access.orchestrator.codeLocation } : undefined,
    inNetwork: {
      postgres: source.endpoint.internal,
      catalogUri: access.warehouse && `http://${access.warehouse.catalog.internal}`,
      s3Endpoint: access.warehouse && `http://${access.warehouse.s3.internal}`,
      warehouse: access.warehouse?.location,
    },
  };
}

export async function connectPostgres(t: Target): Promise<PgClient> {
  const client = new PgClient({ ...t.postgres, connectionTimeoutMillis: 10_000 });
  client.on("error", () => undefined);
  await client.connect();
  return client;
}

export const kafkaClient = (t: Target) => new Kafka({ clientId: "lakehouse-cli", brokers: [t.kafka], logLevel: logLevel.NOTHING, connectionTimeout: 5000, retry: { retries: 3 } });
export const trinoClient = (t: Target) => trinoAt(t.trinoUrl, t.catalog, t.trinoLogin, "lakehouse-cli");

/** A Trino client of `server` (its URL): with `login`, logged in and trusting its CA; else named `user`, as Trino without authentication takes it. */
export function trinoAt(server: string, catalog: string, login: TrinoLogin | undefined, user: string): Trino {
  return Trino.create({ server, catalog, ...(login ? { auth: new BasicAuth(login.user, login.password), ssl: { ca: login.ca } } : { auth: new BasicAuth(user) }) });
}

/** All rows of a Trino query; throws with Trino's message. */
export async function trinoRows(trino: Trino, sql: string): Promise<unknown[][]> {
  const rows: unknown[][] = [];
  for await (const result of await trino.query(sql)) {
    if (result.error) throw new Error(`Trino: ${result.error.message}`);
    rows.push(...(result.data ?? []));
  }
  return rows;
}

/** GET a JSON document, of the shape the caller names (not checked); throws with the status and body on failure. */
export async function getJson<T>(url: string): Promise<T> {
  const response = await fetch(url, { signal: AbortSignal.timeout(10_000) });
  const text = await response.text();
  if (!response.ok) throw new Error(`GET ${url} answered ${response.status}: ${text.slice(0, 300)}`);
  return JSON.parse(text);
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
