import { Client as PgClient } from "pg";
import { ColumnType, ColumnTypes, flinkSinkType } from "../constructs/schema";
import type { MeasuredPipeline } from "./capacity";
import { waitFor } from "./bench";
import { PollTimeout } from "./poll";
import { getJson, hostAndPort, Target, trinoClient, trinoRows } from "./target";

// eslint-disable-next-line @typescript-eslint/no-require-imports -- jobs/*.js is plain CommonJS without type declarations (tsconfig has no allowJs), so an ES import would not type-check.
const { flinkClient } = require("../jobs/flink-pipeline.js") as {
  flinkClient: (urls: { gateway: string; jobmanager: string }) => { runStatements(statements: string[], sessionName: string): Promise<string | undefined> };
};

/**
 * The bench's peer: the architecture Flink CDC's own examples use, its PostgreSQL source
 * straight into an Iceberg table of the same catalog, no Kafka. It reads a table of its own,
 * shaped like `accounts` (same columns, key, foreign key and replica identity), through a
 * publication and a replication slot of its own, so the stack's pipeline sees none of its rows
 * and the two never share a slot. Everything it creates is removed by {@link PeerPipeline.remove}.
 */
export const PEER = {
  table: "bench_peer_accounts",
  publication: "lakehouse_bench_peer",
  slot: "lakehouse_bench_peer",
  namespace: "bench_peer",
  jobName: "lakehouse-bench-peer",
  /** In the Flink image (images/flink), loaded per session: never on the pipeline's classpath. */
  connectorJar: "/opt/flink/opt/flink-sql-connector-postgres-cdc.jar",
} as const;

/** The PostgreSQL column as a {@link ColumnType}, from `information_schema.columns`. */
export function columnType(c: { data_type: string; character_maximum_length: number | null; numeric_precision: number | null; numeric_scale: number | null }): ColumnType {
  switch (c.data_type) {
    case "uuid":
      return ColumnTypes.uuid();
    case "text":
      return ColumnTypes.text();
    case "character varying":
      return ColumnTypes.varchar(c.character_maximum_length!);
    case "numeric":
      return ColumnTypes.numeric(c.numeric_precision!, c.numeric_scale!);
    case "integer":
      return ColumnTypes.integer();
    case "bigint":
      return ColumnTypes.bigint();
    case "boolean":
      return ColumnTypes.boolean();
    case "timestamp with time zone":
      return ColumnTypes.timestamptz();
    default:
      throw new Error(`the peer cannot read a ${c.data_type} column`);
  }
}

/** Flink CDC reads timestamptz as TIMESTAMP_LTZ; the rest as the sink stores it. */
const cdcSourceType = (t: ColumnType) => (t.kind === "timestamptz" ? "TIMESTAMP_LTZ(6)" : flinkSinkType(t));

export interface PeerSqlInput {
  readonly columns: { readonly name: string; readonly type: ColumnType }[];
  readonly primaryKey: string[];
  readonly checkpointIntervalMs: number;
  readonly postgres: { readonly host: string; readonly port: number; readonly user: string; readonly password: string; readonly database: string };
  readonly catalogUri: string;
  readonly s3Endpoint: string;
  readonly warehouse: string;
}

/** The peer's statements: the same checkpointing, parallelism and Iceberg table settings as the pipeline's current-state tables. */
export function peerStatements(i: PeerSqlInput): string[] {
  const q = (s: string) => `'${s.replace(/'/g, "''")}'`;
  const key = `PRIMARY KEY (${i.primaryKey.map((k) => `\`${k}\``).join(", ")}) NOT ENFORCED`;
  return [
    `ADD JAR ${q(PEER.connectorJar)}`,
    `SET 'pipeline.name' = ${q(PEER.jobName)}`,
    "SET 'table.local-time-zone' = 'UTC'",
    `SET 'execution.checkpointing.interval' = '${i.checkpointIntervalMs}ms'`,
    "SET 'execution.checkpointing.mode' = 'EXACTLY_ONCE'",
    "SET 'parallelism.default' = '1'",
    `CREATE CATALOG peer WITH ('type' = 'iceberg', 'catalog-type' = 'rest', 'uri' = ${q(i.catalogUri)}, 'warehouse' = ${q(i.warehouse)}, 'io-impl' = 'org.apache.iceberg.aws.s3.S3FileIO', 's3.endpoint' = ${q(i.s3Endpoint)}, 's3.path-style-access' = 'true')`,
    `CREATE DATABASE IF NOT EXISTS peer.${PEER.namespace}`,
    `CREATE TEMPORARY TABLE source_accounts (\n${i.columns.map((c) => `  \`${c.name}\` ${cdcSourceType(c.type)}`).join(",\n")},\n  ${key}\n) WITH (
  'connector' = 'postgres-cdc',
  'hostname' = ${q(i.postgres.host)},
  'port' = '${i.postgres.port}',
  'username' = ${q(i.postgres.user)},
  'password' = ${q(i.postgres.password)},
  'database-name' = ${q(i.postgres.database)},
  'schema-name' = 'public',
  'table-name' = ${q(PEER.table)},
  'slot.name' = ${q(PEER.slot)},
  'decoding.plugin.name' = 'pgoutput',
  'debezium.publication.name' = ${q(PEER.publication)},
  'debezium.publication.autocreate.mode' = 'disabled',
  'scan.incremental.snapshot.enabled' = 'true',
  'scan.startup.mode' = 'latest-offset'
)`,
    `CREATE TABLE IF NOT EXISTS peer.${PEER.namespace}.accounts (\n${i.columns.map((c) => `  \`${c.name}\` ${flinkSinkType(c.type)}`).join(",\n")},\n  ${key}\n) WITH ('format-version' = '2', 'write.upsert.enabled' = 'true')`,
    `INSERT INTO peer.${PEER.namespace}.accounts SELECT ${i.columns.map((c) => (c.type.kind === "timestamptz" ? `CAST(\`${c.name}\` AS TIMESTAMP(6))` : `\`${c.name}\``)).join(", ")} FROM source_accounts`,
  ];
}

/** The peer as the capacity search measures it, and how to take it down again. */
export interface PeerPipeline extends MeasuredPipeline {
  /** Iceberg table it writes, as Trino names it. */
  readonly icebergTable: string;
  /** Cancels the job, drops its Iceberg table, source table, publication and slot. */
  remove(): Promise<void>;
}

/** Marker rows `waitForIdle` writes, a minute apart, before it gives up. */
const PEER_MARKERS = 10;

/**
 * Creates the peer's source table, publication and slot, and starts its Flink job through the
 * SQL Gateway; resolves once a row written now has reached its Iceberg table.
 */
export async function startPeer(t: Target, pg: PgClient, say: (line: string) => void): Promise<PeerPipeline> {
  const { sqlGatewayUrl, catalogUrl, inNetwork } = t;
  if (!sqlGatewayUrl || !catalogUrl || !inNetwork.catalogUri || !inNetwork.s3Endpoint || !inNetwork.warehouse) {
    throw new Error(
      "--peer needs the stack's Flink SQL Gateway and Iceberg REST catalog published on this host (the dev stack publishes both; deploy it again with this version if it predates the SQL Gateway's port)",
    );
  }
  await removePeer(t, pg, () => undefined); // a previous run's, interrupted
  say(`peer: table ${PEER.table} like accounts, publication and slot ${PEER.slot}`);
  const { rows: identity } = await pg.query("SELECT relreplident FROM pg_class WHERE oid = 'public.accounts'::regclass");
  await pg.query(`CREATE TABLE public.${PEER.table} (LIKE public.accounts INCLUDING ALL)`);
  await pg.query(`ALTER TABLE public.${PEER.table} ADD FOREIGN KEY (user_id) REFERENCES public.users (id)`);
  if (identity[0]?.relreplident === "f") await pg.query(`ALTER TABLE public.${PEER.table} REPLICA IDENTITY FULL`);
  await pg.query(`CREATE PUBLICATION ${PEER.publication} FOR TABLE public.${PEER.table}`);
  await pg.query("SELECT pg_create_logical_replication_slot($1, 'pgoutput')", [PEER.slot]);

  const { rows: columns } = await pg.query(
    "SELECT column_name, data_type, character_maximum_length, numeric_precision, numeric_scale FROM information_schema.columns WHERE table_schema = 'public' AND table_name = $1 ORDER BY ordinal_position",
    [PEER.table],
  );
  const { rows: key } = await pg.query(
    "SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey) WHERE i.indrelid = $1::regclass AND i.indisprimary",
    [`public.${PEER.table}`],
  );
  const { host, port } = hostAndPort(inNetwork.postgres);
  const statements = peerStatements({
    columns: columns.map((c) => ({ name: c.column_name, type: columnType(c) })),
    primaryKey: key.map((k) => k.attname),
    checkpointIntervalMs: t.checkpointIntervalMs ?? 5000,
    postgres: { host, port, user: t.postgres.user, password: t.postgres.password, database: t.postgres.database },
    catalogUri: inNetwork.catalogUri,
    s3Endpoint: inNetwork.s3Endpoint,
    warehouse: inNetwork.warehouse,
  });
  say(`peer: starting Flink job ${PEER.jobName} (Flink CDC postgres-cdc -> Iceberg ${PEER.namespace}.accounts)`);
  await flinkClient({ gateway: sqlGatewayUrl, jobmanager: t.flinkUrl })
    .runStatements(statements, PEER.jobName)
    .catch(async (err: unknown) => {
      await removePeer(t, pg, say);
      throw err;
    });

  const records = () => icebergRecords(catalogUrl, PEER.namespace, "accounts");
  const peer: PeerPipeline = {
    name: "peer (Flink CDC -> Iceberg)",
    table: PEER.table,
    jobName: PEER.jobName,
    icebergTable: `${t.catalog}.${PEER.namespace}.accounts`,
    // A row written now has reached Iceberg: the source reads the WAL in order, and Iceberg
    // commits a checkpoint at once, so so has everything written before it. The marker is written
    // again each minute: one written before a just-started source fixed its start position
    // (latest-offset) is never read. Rows only add to `total-records` (deletes become delete files).
    waitForIdle: async (client, userId) => {
      const start = Date.now();
      for (let marker = 1; ; marker++) {
        const base = await records();
        await client.query(`INSERT INTO public.${PEER.table} (user_id, balance, currency) VALUES ($1, 0, 'IDL')`, [userId]);
        try {
          await waitFor(async () => (await records()) > base, 60_000, `a row written in ${PEER.table} to reach the peer's Iceberg table`);
          return (Date.now() - start) / 1000;
        } catch (err) {
          if (!(err instanceof PollTimeout) || marker === PEER_MARKERS) throw err;
        }
      }
    },
    lagFrom: async () => {
      const base = await records();
      return { behind: async (written) => written - ((await records()) - base), close: async () => undefined };
    },
    remove: () => removePeer(t, pg, say),
  };
  return peer;
}

/** Rows in the data files of an Iceberg table's current snapshot (the `total-records` of its summary), from the REST catalog. */
export async function icebergRecords(catalogUrl: string, namespace: string, table: string): Promise<number> {
  type TableMetadata = { metadata: { "current-snapshot-id"?: number; snapshots?: { "snapshot-id": number; summary: Record<string, string> }[] } };
  const { metadata } = await getJson<TableMetadata>(`${catalogUrl}/v1/namespaces/${namespace}/tables/${table}`);
  const current = metadata.snapshots?.find((s) => s["snapshot-id"] === metadata["current-snapshot-id"]);
  return Number(current?.summary["total-records"] ?? 0);
}

/** Removes whatever of the peer exists: the job, the Iceberg table (through Trino, which deletes its files), the slot, publication and table. */
async function removePeer(t: Target, pg: PgClient, say: (line: string) => void): Promise<void> {
  const { jobs } = await getJson<{ jobs: { jid: string; name: string; state: string }[] }>(`${t.flinkUrl}/jobs/overview`);
  for (const job of jobs.filter((j) => j.name === PEER.jobName && !["FINISHED", "CANCELED", "FAILED"].includes(j.state))) {
    say(`peer: cancelling job ${job.jid}`);
    await fetch(`${t.flinkUrl}/jobs/${job.jid}?mode=cancel`, { method: "PATCH" });
    await waitFor(async () => ["CANCELED", "FAILED", "FINISHED"].includes((await getJson<{ state: string }>(`${t.flinkUrl}/jobs/${job.jid}`)).state), 120_000, `job ${job.jid} to cancel`);
  }
  const trino = trinoClient(t);
  await trinoRows(trino, `DROP TABLE IF EXISTS ${t.catalog}.${PEER.namespace}.accounts`);
  await trinoRows(trino, `DROP SCHEMA IF EXISTS ${t.catalog}.${PEER.namespace}`);
  // The walsender may outlive the cancelled job by a moment; an active slot cannot be dropped.
  await waitFor(
    async () => (await pg.query("SELECT 1 FROM pg_replication_slots WHERE slot_name = $1 AND active", [PEER.slot])).rowCount === 0,
    60_000,
    `the peer's replication slot ${PEER.slot} to be released`,
  );
  await pg.query("SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = $1", [PEER.slot]);
  await pg.query(`DROP PUBLICATION IF EXISTS ${PEER.publication}`);
  await pg.query(`DROP TABLE IF EXISTS public.${PEER.table}`);
}
