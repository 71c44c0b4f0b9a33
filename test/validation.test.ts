import { Construct } from "constructs";
import { CdcConnector, ColumnSchema, ColumnType, ColumnTypes, IcebergWarehouse, IPlatform, Lakehouse, QueryEngine, SourceDb, StreamJob, Dashboards, DashboardsProps, TableSchema } from "../constructs";
import { stackOn } from "./helpers";

/** Every synth-time validation rule, with the message a user sees. */
type Case = [string, (scope: Construct, platform: IPlatform) => unknown, string];

const source = (scope: Construct, platform: IPlatform) => new SourceDb(scope, "SourceDb", { platform });
const pipeline = (scope: Construct, platform: IPlatform) => {
  const src = source(scope, platform);
  return { cdc: new CdcConnector(scope, "Cdc", { platform, source: src }), warehouse: new IcebergWarehouse(scope, "Warehouse", { platform }) };
};
/** Dashboards on the default pipeline's namespaces, with `props` changed. */
const dashboards = (scope: Construct, platform: IPlatform, props: Partial<DashboardsProps>) =>
  new Dashboards(scope, "D", {
    platform,
    queryEngine: new QueryEngine(scope, "Q", { platform, warehouse: new IcebergWarehouse(scope, "W", { platform }) }),
    rawDatabase: "raw_data",
    stateDatabase: "bank",
    tables: ["users", "accounts"],
    ...props,
  });
const users: TableSchema = { name: "users", primaryKey: ["id"], columns: [{ name: "id", type: ColumnTypes.uuid() }] };
const withColumn = (column: ColumnSchema): TableSchema[] => [{ ...users, columns: [...users.columns, column] }];

const CASES: Case[] = [
  [
    "SourceDb: captured table not in the schema",
    (s, platform) => new SourceDb(s, "Db", { platform, capturedTables: ["orders"] }),
    `SourceDb: capturedTables names a table that is not in the schema (got "orders"). Capture one of: users, accounts; or add the table to 'tables'.`,
  ],
  [
    "SourceDb: empty capturedTables",
    (s, platform) => new SourceDb(s, "Db", { platform, capturedTables: [] }),
    "SourceDb: capturedTables must not be empty (got []). Give capturedTables at least one entry, or leave it unset for the default.",
  ],
  [
    "SourceDb: database not an SQL identifier",
    (s, platform) => new SourceDb(s, "Db", { platform, database: "Bank-DB" }),
    `SourceDb: database must be a lower-case SQL identifier (a-z, 0-9, _; not starting with a digit; at most 63 characters) (got "Bank-DB"). Rename it, e.g. 'bank_db'.`,
  ],
  [
    "SourceDb: fewer WAL senders than slots",
    (s, platform) => new SourceDb(s, "Db", { platform, maxReplicationSlots: 8, maxWalSenders: 4 }),
    "SourceDb: maxWalSenders must be >= maxReplicationSlots (8) (got 4). Raise maxWalSenders: each active slot needs a sender.",
  ],
  [
    "SourceDb: zero replication slots",
    (s, platform) => new SourceDb(s, "Db", { platform, maxReplicationSlots: 0 }),
    "SourceDb: maxReplicationSlots must be an integer from 1 to 1000 (got 0). Set maxReplicationSlots to an integer from 1 to 1000.",
  ],
  [
    "SourceDb: seed data without the bank schema's columns",
    (s, platform) => new SourceDb(s, "Db", { platform, tables: [users], seedData: true }),
    "SourceDb: seedData needs the bank schema's seeded columns (missing: users.email, users.name, accounts.id, accounts.user_id, accounts.balance, accounts.currency) (got true). Leave seedData unset when you define your own tables, and load your data yourself.",
  ],
  [
    "SourceDb: no tables",
    (s, platform) => new SourceDb(s, "Db", { platform, tables: [] }),
    "SourceDb: tables must hold at least one table (got []). Define a table or leave the prop unset for the bank schema.",
  ],
  ["SourceDb: a table twice", (s, platform) => new SourceDb(s, "Db", { platform, tables: [users, users] }), `SourceDb: tables defines a table twice (got "users"). Give each table its own name.`],
  [
    "SourceDb: primary key on a missing column",
    (s, platform) => new SourceDb(s, "Db", { platform, tables: [{ ...users, primaryKey: ["uid"] }] }),
    `SourceDb: tables table 'users' primaryKey names a column the table does not have (got "uid"). Use one of: id.`,
  ],
  [
    "SourceDb: no primary key",
    (s, platform) => new SourceDb(s, "Db", { platform, tables: [{ ...users, primaryKey: [] }] }),
    "SourceDb: tables table 'users' primaryKey must name at least one column (got []). Captured tables need a primary key so current state can be upserted.",
  ],
  [
    "SourceDb: foreign key to an unknown table",
    (s, platform) => new SourceDb(s, "Db", { platform, tables: [{ ...users, columns: [...users.columns, { name: "org_id", type: ColumnTypes.uuid(), references: "orgs.id" }] }] }),
    `SourceDb: tables column 'users.org_id' references must name a column of a table defined before it (got "orgs.id"). Use 'table.column' of an earlier table.`,
  ],
  [
    "SourceDb: numeric precision out of range",
    (s, platform) => new SourceDb(s, "Db", { platform, tables: [{ ...users, columns: [...users.columns, { name: "x", type: ColumnTypes.numeric(40, 2) }] }] }),
    `SourceDb: tables column 'users.x' has an invalid numeric precision/scale (got {"kind":"numeric","precision":40,"scale":2}). Use numeric(p, s) with 1 <= p <= 38 and 0 <= s <= p.`,
  ],
  [
    "SourceDb: a table named after a reserved word",
    (s, platform) => new SourceDb(s, "Db", { platform, tables: [{ ...users, name: "order" }] }),
    `SourceDb: tables table name is a reserved word in PostgreSQL, Flink SQL and Trino, whose SQL writes it unquoted (got "order"). Rename it, e.g. 'orders'.`,
  ],
  [
    "SourceDb: a table named after a word only Flink SQL reserves",
    (s, platform) => new SourceDb(s, "Db", { platform, tables: [{ ...users, name: "value" }] }),
    `SourceDb: tables table name is a reserved word in Flink SQL, whose SQL writes it unquoted (got "value"). Rename it, e.g. 'value_'.`,
  ],
  [
    "StreamJob: a namespace named after a reserved word",
    (s, platform) => new StreamJob(s, "Job", { platform, ...pipeline(s, platform), rawDatabase: "table" }),
    `StreamJob: rawDatabase is a reserved word in Flink SQL and Trino, whose SQL writes it unquoted (got "table"). Rename it, e.g. 'tables'.`,
  ],
  [
    "QueryEngine: a catalog named after a reserved word",
    (s, platform) => new QueryEngine(s, "Q", { platform, warehouse: new IcebergWarehouse(s, "W", { platform }), catalogName: "select" }),
    `QueryEngine: catalogName is a reserved word in Trino, whose SQL writes it unquoted (got "select"). Rename it, e.g. 'selects'.`,
  ],
  [
    "SourceDb: a column named after a reserved word",
    (s, platform) => new SourceDb(s, "Db", { platform, tables: withColumn({ name: "user", type: ColumnTypes.text() }) }),
    `SourceDb: tables column name of 'users' is a reserved word in PostgreSQL, whose SQL writes it unquoted (got "user"). Rename it, e.g. 'users'.`,
  ],
  [
    "SourceDb: a column named after a word only Trino reserves",
    (s, platform) => new SourceDb(s, "Db", { platform, tables: withColumn({ name: "values", type: ColumnTypes.text() }) }),
    `SourceDb: tables column name of 'users' is a reserved word in Trino, whose SQL writes it unquoted (got "values"). Rename it, e.g. 'values_'.`,
  ],
  [
    "SourceDb: a publication named after a reserved word",
    (s, platform) => new SourceDb(s, "Db", { platform, publication: "table" }),
    `SourceDb: publication is a reserved word in PostgreSQL, whose SQL writes it unquoted (got "table"). Rename it, e.g. 'tables'.`,
  ],
  [
    "SourceDb: a column twice",
    (s, platform) => new SourceDb(s, "Db", { platform, tables: withColumn({ name: "id", type: ColumnTypes.text() }) }),
    `SourceDb: tables table 'users' columns define a column twice (got "id"). Give each column of a table its own name.`,
  ],
  [
    "SourceDb: varchar(0)",
    (s, platform) => new SourceDb(s, "Db", { platform, tables: withColumn({ name: "code", type: ColumnTypes.varchar(0) }) }),
    `SourceDb: tables column 'users.code' has an invalid varchar length (got {"kind":"varchar","length":0}). Use varchar(n) with 1 <= n <= 10485760, or text.`,
  ],
  [
    "SourceDb: varchar longer than PostgreSQL allows",
    (s, platform) => new SourceDb(s, "Db", { platform, tables: withColumn({ name: "code", type: ColumnTypes.varchar(10_485_761) }) }),
    `SourceDb: tables column 'users.code' has an invalid varchar length (got {"kind":"varchar","length":10485761}). Use varchar(n) with 1 <= n <= 10485760, or text.`,
  ],
  [
    "SourceDb: varchar of a fractional length",
    (s, platform) => new SourceDb(s, "Db", { platform, tables: withColumn({ name: "code", type: ColumnTypes.varchar(2.5) }) }),
    `SourceDb: tables column 'users.code' has an invalid varchar length (got {"kind":"varchar","length":2.5}). Use varchar(n) with 1 <= n <= 10485760, or text.`,
  ],
  [
    "SourceDb: numeric precision 0",
    (s, platform) => new SourceDb(s, "Db", { platform, tables: withColumn({ name: "x", type: ColumnTypes.numeric(0, 0) }) }),
    `SourceDb: tables column 'users.x' has an invalid numeric precision/scale (got {"kind":"numeric","precision":0,"scale":0}). Use numeric(p, s) with 1 <= p <= 38 and 0 <= s <= p.`,
  ],
  [
    "SourceDb: numeric scale above precision",
    (s, platform) => new SourceDb(s, "Db", { platform, tables: withColumn({ name: "x", type: ColumnTypes.numeric(4, 6) }) }),
    `SourceDb: tables column 'users.x' has an invalid numeric precision/scale (got {"kind":"numeric","precision":4,"scale":6}). Use numeric(p, s) with 1 <= p <= 38 and 0 <= s <= p.`,
  ],
  [
    "SourceDb: negative numeric scale",
    (s, platform) => new SourceDb(s, "Db", { platform, tables: withColumn({ name: "x", type: ColumnTypes.numeric(10, -2) }) }),
    `SourceDb: tables column 'users.x' has an invalid numeric precision/scale (got {"kind":"numeric","precision":10,"scale":-2}). Use numeric(p, s) with 1 <= p <= 38 and 0 <= s <= p.`,
  ],
  [
    "SourceDb: a type the pipeline does not carry",
    (s, platform) => new SourceDb(s, "Db", { platform, tables: withColumn({ name: "x", type: { kind: "float" } as unknown as ColumnType }) }),
    `SourceDb: tables column 'users.x' type is not a type the pipeline carries (got {"kind":"float"}). Use one of ColumnTypes: uuid, text, varchar, numeric, integer, bigint, boolean, timestamptz.`,
  ],
  [
    "SourceDb: a primary key column twice",
    (s, platform) => new SourceDb(s, "Db", { platform, tables: [{ ...users, primaryKey: ["id", "id"] }] }),
    `SourceDb: tables table 'users' primaryKey names a column twice (got "id"). Name each key column once.`,
  ],
  [
    "SourceDb.fromExisting: an empty admin password",
    (s, platform) => SourceDb.fromExisting(s, "E", { platform, host: "db.internal", adminUser: "admin", adminPassword: "" }),
    `SourceDb.fromExisting: adminPassword must be supplied: it is never generated (got ""). Set adminPassword to the password of 'admin' on db.internal, e.g. a sensitive TerraformVariable's value.`,
  ],
  [
    "CdcConnector: topic prefix not a Kafka name",
    (s, platform) => new CdcConnector(s, "Cdc", { platform, source: source(s, platform), topicPrefix: "bank topics" }),
    `CdcConnector: topicPrefix must be a valid Kafka name (a-z, A-Z, 0-9, '.', '_', '-'; at most 200 characters) (got "bank topics"). Rename it, e.g. 'bank_topics'.`,
  ],
  [
    "CdcConnector: slot name not an identifier",
    (s, platform) => new CdcConnector(s, "Cdc", { platform, source: source(s, platform), slotName: "Slot-1" }),
    `CdcConnector: slotName must be a lower-case SQL identifier (a-z, 0-9, _; not starting with a digit; at most 63 characters) (got "Slot-1"). Rename it, e.g. 'slot_1'.`,
  ],
  [
    "CdcConnector: zero partitions",
    (s, platform) => new CdcConnector(s, "Cdc", { platform, source: source(s, platform), topicPartitions: 0 }),
    "CdcConnector: topicPartitions must be an integer from 1 to 1000 (got 0). Set topicPartitions to an integer from 1 to 1000.",
  ],
  [
    "CdcConnector: Kafka memory too small for its heap",
    (s, platform) => new CdcConnector(s, "Cdc", { platform, source: source(s, platform), kafkaResources: { cpuMillis: 500, memoryMiB: 256 } }),
    "CdcConnector: kafkaResources.memoryMiB must be an integer >= 512 (Kafka's heap is half of it; less and the JVM runs out of heap or is OOM-killed) (got 256). Set kafkaResources.memoryMiB to 512 or more, or leave kafkaResources unset (1024).",
  ],
  [
    "CdcConnector: Connect memory too small for its heap",
    (s, platform) => new CdcConnector(s, "Cdc", { platform, source: source(s, platform), connectResources: { cpuMillis: 500, memoryMiB: 300 } }),
    "CdcConnector: connectResources.memoryMiB must be an integer >= 512 (Connect's heap is three quarters of it; less and the JVM runs out of heap or is OOM-killed) (got 300). Set connectResources.memoryMiB to 512 or more, or leave connectResources unset (1024).",
  ],
  [
    "IcebergWarehouse: bucket not a DNS label",
    (s, platform) => new IcebergWarehouse(s, "W", { platform, bucket: "My_Bucket" }),
    `IcebergWarehouse: bucket must be a DNS label (lower-case a-z, 0-9 and '-', starting with a letter, at most 63 characters) (got "My_Bucket"). Rename it, e.g. 'my-bucket'.`,
  ],
  [
    "StreamJob: no TaskManagers",
    (s, platform) => new StreamJob(s, "Job", { platform, ...pipeline(s, platform), taskManagers: 0 }),
    "StreamJob: taskManagers must be an integer from 1 to 100 (got 0). Set taskManagers to an integer from 1 to 100.",
  ],
  [
    "StreamJob: checkpoint interval under 1 s",
    (s, platform) => new StreamJob(s, "Job", { platform, ...pipeline(s, platform), checkpointIntervalMs: 500 }),
    "StreamJob: checkpointIntervalMs must be >= 1000 (each checkpoint is an Iceberg commit; sub-second commits flood the catalog with tiny files) (got 500). Set checkpointIntervalMs to 1000 or more.",
  ],
  [
    "StreamJob: parallelism beyond the slots",
    (s, platform) => new StreamJob(s, "Job", { platform, ...pipeline(s, platform), taskManagers: 1, taskSlots: 2, parallelism: 3 }),
    "StreamJob: parallelism must be <= taskManagers x taskSlots (2) (got 3). Lower parallelism, or add TaskManagers or slots.",
  ],
  [
    "StreamJob: raw and state namespaces equal",
    (s, platform) => new StreamJob(s, "Job", { platform, ...pipeline(s, platform), rawDatabase: "bank" }),
    `StreamJob: stateDatabase must differ from rawDatabase (both hold one table per source table) (got "bank"). Pick another namespace for the current-state tables.`,
  ],
  [
    "StreamJob: too little TaskManager memory",
    (s, platform) => new StreamJob(s, "Job", { platform, ...pipeline(s, platform), taskManagerMemoryMiB: 512 }),
    "StreamJob: taskManagerMemoryMiB must be >= 1024 (got 512). Set taskManagerMemoryMiB to >= 1024.",
  ],
  [
    "QueryEngine: negative workers",
    (s, platform) => new QueryEngine(s, "Q", { platform, warehouse: new IcebergWarehouse(s, "W", { platform }), workers: -1 }),
    "QueryEngine: workers must be an integer from 0 to 100 (got -1). Set workers to an integer from 0 to 100.",
  ],
  [
    "QueryEngine: catalog name not an identifier",
    (s, platform) => new QueryEngine(s, "Q", { platform, warehouse: new IcebergWarehouse(s, "W", { platform }), catalogName: "Ice Berg" }),
    `QueryEngine: catalogName must be a lower-case SQL identifier (a-z, 0-9, _; not starting with a digit; at most 63 characters) (got "Ice Berg"). Rename it, e.g. 'ice_berg'.`,
  ],
  [
    "Dashboards: tables the dashboard needs are not captured",
    (s, platform) => dashboards(s, platform, { tables: ["users"] }),
    `Dashboards: tables must include users and accounts for the CDC dashboard (missing: accounts) (got ["users"]). Capture those tables, or turn Dashboards off.`,
  ],
  [
    "Dashboards: admin e-mail",
    (s, platform) => dashboards(s, platform, { adminEmail: "admin" }),
    `Dashboards: adminEmail must be an e-mail address (Metabase logs in with it) (got "admin"). Use e.g. 'admin@example.com'.`,
  ],
  [
    "Lakehouse: source and sourceDb together",
    (s, platform) => new Lakehouse(s, "L", { platform, source: SourceDb.fromExisting(s, "E", { platform, host: "h", adminUser: "a", adminPassword: "p" }), sourceDb: { seedData: true } }),
    `Lakehouse: sourceDb cannot be combined with source (an existing database) (got ["seedData"]). Configure the existing database where it is defined, and drop sourceDb.`,
  ],
  [
    "Lakehouse: stream job without CDC",
    (s, platform) => new Lakehouse(s, "L", { platform, cdc: false }),
    "Lakehouse: cdc is off, but the stream job reads its topics (got false). Set streamJob: false as well, or turn cdc on.",
  ],
  [
    "Lakehouse: dashboards without a query engine",
    (s, platform) => new Lakehouse(s, "L", { platform, queryEngine: false, dashboards: { dashboardName: "x" } }),
    `Lakehouse: dashboards are configured, but the query engine they read from is off (got ["dashboardName"]). Set dashboards: false, or turn queryEngine on.`,
  ],
];

describe("validation fails synth with the construct, prop, value and fix", () => {
  test.each(CASES)("%s", (_name, build, message) => {
    const { stack, platform } = stackOn("docker");
    expect(() => build(stack, platform)).toThrow(message);
  });
});
