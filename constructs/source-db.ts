import { ITerraformDependable, Token } from "cdktf";
import { Construct } from "constructs";
import { defaultImage, POSTGRES_RUN_DIR, POSTGRES_USER_ID } from "./images";
import { requireSuppliedSecret } from "./platform/secrets";
import { Endpoint, IDependable, IPlatform, JobHandle, ResourceSpec, Secret, secretFilePath, HealthCheck } from "./platform/workload";
import { BANK_TABLES, ColumnTypes, incompatibleChanges, postgresDdl, postgresMigration, TableSchema, validateTables } from "./schema";
import { validateInteger, validateNonEmpty, validateSqlIdentifier, validateUnreservedIdentifier, ValidationError } from "./validation";

/** A PostgreSQL database that CDC can read: what CdcConnector consumes. */
export interface ISourceDb extends IDependable {
  /** Where PostgreSQL listens. */
  readonly endpoint: Endpoint;
  /** Database that holds the captured tables. */
  readonly database: string;
  /** Schema of the captured tables. */
  readonly schema: string;
  /** Publication that lists the captured tables (pgoutput reads it). */
  readonly publication: string;
  /** Role with REPLICATION and SELECT on the captured tables only. */
  readonly cdcUser: string;
  /** Password of the CDC role. */
  readonly cdcPassword: Secret;
  /** Every table the schema job manages, captured or not. */
  readonly tables: TableSchema[];
  /** The captured tables, with their columns: the contract of every downstream layer. */
  readonly capturedTables: TableSchema[];
  /**
   * Debezium's signal table (`schema.table`), in the publication and writable by the CDC role:
   * incremental snapshots of newly captured tables are requested through it.
   */
  readonly signalTable: string;
  /**
   * Debezium's heartbeat table (`schema.table`), in the publication and writable by the CDC role.
   * The connector writes it every heartbeat: without a captured change the replication slot's
   * position does not advance, and writes to tables that are not captured would hold back WAL
   * until PostgreSQL invalidates the slot (`max_slot_wal_keep_size`).
   */
  readonly heartbeatTable: string;
  /**
   * The freshness probe's heartbeat table (`schema.table`, {@link FRESHNESS_PROBE_TABLE}), in the
   * publication and writable by the CDC role: the Monitoring layer's probe writes it, and the
   * connector captures it when asked to (`CdcConnector.freshnessProbe`).
   */
  readonly freshnessProbeTable: string;
  /** Table (`schema.table`) where the CDC role records which tables the connector has snapshotted. */
  readonly snapshotLedger: string;
}

/** Props shared by a managed and an adopted database. */
export interface SourceDbSchemaProps {
  /** @default "bank" */
  readonly database?: string;
  /** Tables created (if missing) in the `public` schema. @default - the bank schema: users, accounts */
  readonly tables?: TableSchema[];
  /** Names of the tables to capture. @default - every table in `tables` */
  readonly capturedTables?: string[];
  /**
   * The tables as the last deploy left them (e.g. the stack's `source_tables` output). Given, a
   * change of `tables` the schema job would refuse (a column dropped or renamed, a type narrowed
   * or changed, another primary key) fails at synth. The schema job checks against the database
   * itself at apply in any case.
   * @default - checked at apply only
   */
  readonly deployedTables?: TableSchema[];
  /** @default "lakehouse_cdc" */
  readonly publication?: string;
  /** @default "cdc" */
  readonly cdcUser?: string;
  /**
   * Password of the CDC role, e.g. a sensitive TerraformVariable (null: generated). The schema
   * job sets it on the role, on an adopted server too, so a generated one is always accepted.
   * @default - generated
   */
  readonly cdcPassword?: string;
  /** Insert a few users and accounts (idempotent, fixed ids). @default false */
  readonly seedData?: boolean;
  /**
   * Image with `psql` that runs the idempotent schema job.
   * @default - the postgres image
   */
  readonly jobImage?: string;
  /** Registry mirror for every default image. @default - upstream registries */
  readonly imageRegistry?: string;
}

export interface SourceDbProps extends SourceDbSchemaProps {
  /** Where PostgreSQL and its schema job run. */
  readonly platform: IPlatform;
  /** @default - postgres 17.12 (see DEFAULT_IMAGES) */
  readonly image?: string;
  /** @default "postgres" */
  readonly adminUser?: string;
  /** Superuser password. @default - generated */
  readonly adminPassword?: string;
  /** Replication slots (one per CDC consumer, plus headroom). @default 10 */
  readonly maxReplicationSlots?: number;
  /** WAL sender processes; must be >= maxReplicationSlots. @default 10 */
  readonly maxWalSenders?: number;
  /** WAL a lagging slot may hold back before PostgreSQL invalidates it, protecting the disk. @default 2048 */
  readonly maxSlotWalKeepSizeMiB?: number;
  /** @default 10 */
  readonly storageGiB?: number;
  /** @default - 500 millicores, 512 MiB */
  readonly resources?: ResourceSpec;
}

export interface ExistingSourceDbProps extends SourceDbSchemaProps {
  /** Where the schema job runs; it must reach `host`. */
  readonly platform: IPlatform;
  /** Host name of the existing server, reachable from the platform's workloads. */
  readonly host: string;
  /** @default 5432 */
  readonly port?: number;
  /** A role allowed to create tables, roles and publications (used by the schema job only). */
  readonly adminUser: string;
  /**
   * Password of `adminUser`, e.g. a sensitive TerraformVariable's value. Never generated: empty,
   * it fails at synth; a variable that is null or empty fails the plan, naming the variable.
   */
  readonly adminPassword: string;
}

const SCHEMA = "public";
const SIGNAL_TABLE = "debezium_signal";
const HEARTBEAT_TABLE = "debezium_heartbeat";
const SNAPSHOT_LEDGER = "lakehouse_cdc_snapshots";

/**
 * The freshness probe's heartbeat table: one row per probe, its `seq` rewritten every few
 * seconds. Flink keeps it as a current-state table (no raw log) so the probe can time a commit
 * to Kafka and to Trino; it is no captured table (dbt, dashboards and exactness checks skip it).
 */
export const FRESHNESS_PROBE_TABLE: TableSchema = {
  name: "lakehouse_freshness_probe",
  primaryKey: ["probe"],
  columns: [
    { name: "probe", type: ColumnTypes.varchar(64), nullable: false },
    { name: "seq", type: ColumnTypes.bigint(), nullable: false },
    { name: "written_at", type: ColumnTypes.timestamptz(), nullable: false },
  ],
};

/**
 * PostgreSQL set up for logical replication (wal_level=logical, slots and senders sized), with
 * the captured tables (REPLICA IDENTITY FULL, so deletes and updates carry the full old row), a
 * publication of exactly those tables, and a CDC role that can only replicate and SELECT them.
 * The schema is applied by an idempotent job, so it also adopts an existing server
 * ({@link SourceDb.fromExisting}).
 */
export class SourceDb extends Construct implements ISourceDb {
  /** Adopts an existing PostgreSQL (wal_level must already be logical): only the schema job runs. */
  public static fromExisting(scope: Construct, id: string, props: ExistingSourceDbProps): ISourceDb {
    return new ExistingSourceDb(scope, id, props);
  }

  public readonly endpoint: Endpoint;
  public readonly database: string;
  public readonly schema = SCHEMA;
  public readonly publication: string;
  public readonly cdcUser: string;
  /** Password of the CDC role: generated unless `cdcPassword` was given. */
  public readonly cdcPassword: Secret;
  /** The PostgreSQL superuser. */
  public readonly adminUser: string;
  /** Password of the superuser: generated unless `adminPassword` was given. */
  public readonly adminPassword: Secret;
  public readonly tables: TableSchema[];
  public readonly capturedTables: TableSchema[];
  public readonly signalTable = `${SCHEMA}.${SIGNAL_TABLE}`;
  public readonly heartbeatTable = `${SCHEMA}.${HEARTBEAT_TABLE}`;
  public readonly freshnessProbeTable = `${SCHEMA}.${FRESHNESS_PROBE_TABLE.name}`;
  public readonly snapshotLedger = `${SCHEMA}.${SNAPSHOT_LEDGER}`;
  /** The schema job; it runs after the server is healthy. */
  public readonly schemaJob: JobHandle;
  public readonly dependables: ITerraformDependable[];

  constructor(scope: Construct, id: string, props: SourceDbProps) {
    super(scope, id);
    const slots = props.maxReplicationSlots ?? 10;
    const senders = props.maxWalSenders ?? 10;
    validateInteger("SourceDb", "maxReplicationSlots", slots, 1, 1000);
    validateInteger("SourceDb", "maxWalSenders", senders, 1, 1000);
    if (senders < slots) {
      throw new ValidationError("SourceDb", "maxWalSenders", `must be >= maxReplicationSlots (${slots})`, senders, "Raise maxWalSenders: each active slot needs a sender.");
    }
    validateInteger("SourceDb", "maxSlotWalKeepSizeMiB", props.maxSlotWalKeepSizeMiB, 64);
    validateInteger("SourceDb", "storageGiB", props.storageGiB, 1);
    const platform = props.platform;
    const schema = resolveSchema(props);
    this.database = schema.database;
    this.publication = schema.publication;
    this.cdcUser = schema.cdcUser;
    this.tables = schema.tables;
    this.capturedTables = schema.captured;
    this.adminUser = props.adminUser ?? "postgres";
    validateSqlIdentifier("SourceDb", "adminUser", this.adminUser);

    this.adminPassword = platform.secret(this, "AdminPassword", { name: "postgres-admin-password", value: props.adminPassword });
    this.cdcPassword = platform.secret(this, "CdcPassword", { name: "postgres-cdc-password", value: props.cdcPassword });
    const image = props.image ?? defaultImage("postgres", props.imageRegistry);

    const server = platform.service(this, "Resource", {
      name: "postgres",
      image,
      args: [
        "postgres",
        "-c",
        "wal_level=logical",
        "-c",
        `max_replication_slots=${slots}`,
        "-c",
        `max_wal_senders=${senders}`,
        "-c",
        `max_slot_wal_keep_size=${props.maxSlotWalKeepSizeMiB ?? 2048}MB`,
      ],
      env: {
        POSTGRES_USER: this.adminUser,
        POSTGRES_DB: this.database,
        // A subdirectory, because a fresh volume's root may hold lost+found.
        PGDATA: "/var/lib/postgresql/data/pgdata",
        POSTGRES_PASSWORD_FILE: secretFilePath("postgres-password"),
      },
      secretFiles: { "postgres-password": this.adminPassword },
      ports: [{ name: "sql", port: 5432 }],
      volumes: [{ name: "data", path: "/var/lib/postgresql/data", sizeGiB: props.storageGiB ?? 10 }],
      healthCheck: HealthCheck.command(["pg_isready", "-h", "127.0.0.1", "-U", this.adminUser, "-d", this.database], { intervalSeconds: 3 }),
      resources: props.resources ?? { cpuMillis: 500, memoryMiB: 512 },
      runAsUser: POSTGRES_USER_ID,
      writablePaths: [POSTGRES_RUN_DIR],
    });
    this.endpoint = server.endpoint("sql");

    this.schemaJob = schemaJob(this, platform, {
      ...schema,
      image: props.jobImage ?? image,
      endpoint: this.endpoint,
      adminUser: this.adminUser,
      adminPassword: this.adminPassword,
      cdcPassword: this.cdcPassword,
      tables: schema.tables,
    });
    this.dependables = this.schemaJob.dependables;
  }
}

class ExistingSourceDb extends Construct implements ISourceDb {
  public readonly endpoint: Endpoint;
  public readonly database: string;
  public readonly schema = SCHEMA;
  public readonly publication: string;
  public readonly cdcUser: string;
  public readonly cdcPassword: Secret;
  public readonly tables: TableSchema[];
  public readonly capturedTables: TableSchema[];
  public readonly signalTable = `${SCHEMA}.${SIGNAL_TABLE}`;
  public readonly heartbeatTable = `${SCHEMA}.${HEARTBEAT_TABLE}`;
  public readonly freshnessProbeTable = `${SCHEMA}.${FRESHNESS_PROBE_TABLE.name}`;
  public readonly snapshotLedger = `${SCHEMA}.${SNAPSHOT_LEDGER}`;
  public readonly dependables: ITerraformDependable[];

  constructor(scope: Construct, id: string, props: ExistingSourceDbProps) {
    super(scope, id);
    validateInteger("SourceDb.fromExisting", "port", props.port, 1, 65535);
    const schema = resolveSchema(props);
    this.database = schema.database;
    this.publication = schema.publication;
    this.cdcUser = schema.cdcUser;
    this.tables = schema.tables;
    this.capturedTables = schema.captured;
    this.endpoint = new Endpoint(props.host, props.port ?? 5432);
    // The server's admin role exists already: a generated password could never log in.
    const server = Token.isUnresolved(props.adminUser) || Token.isUnresolved(props.host) ? "adminUser on the existing server" : `'${props.adminUser}' on ${props.host}`;
    requireSuppliedSecret(this, "AdminPasswordSupplied", { construct: "SourceDb.fromExisting", prop: "adminPassword", value: props.adminPassword, meaning: `the password of ${server}` });
    const adminPassword = props.platform.secret(this, "AdminPassword", { name: "postgres-admin-password", value: props.adminPassword, generate: false });
    this.cdcPassword = props.platform.secret(this, "CdcPassword", { name: "postgres-cdc-password", value: props.cdcPassword });
    const job = schemaJob(this, props.platform, {
      ...schema,
      image: props.jobImage ?? defaultImage("postgres", props.imageRegistry),
      endpoint: this.endpoint,
      adminUser: props.adminUser,
      adminPassword,
      cdcPassword: this.cdcPassword,
    });
    this.dependables = job.dependables;
  }
}

interface ResolvedSchema {
  readonly database: string;
  readonly publication: string;
  readonly cdcUser: string;
  readonly tables: TableSchema[];
  readonly captured: TableSchema[];
  readonly seedData: boolean;
}

function resolveSchema(props: SourceDbSchemaProps): ResolvedSchema {
  const construct = "SourceDb";
  const database = props.database ?? "bank";
  const publication = props.publication ?? "lakehouse_cdc";
  const cdcUser = props.cdcUser ?? "cdc";
  validateSqlIdentifier(construct, "database", database);
  validateUnreservedIdentifier(construct, "publication", publication, ["PostgreSQL"]);
  validateSqlIdentifier(construct, "cdcUser", cdcUser);
  const tables = props.tables ?? BANK_TABLES;
  validateTables(construct, "tables", tables);
  if (tables.some((t) => t.name === FRESHNESS_PROBE_TABLE.name)) {
    throw new ValidationError(
      construct,
      "tables",
      "names the freshness probe's own table",
      FRESHNESS_PROBE_TABLE.name,
      "Give your table another name: the schema job creates this one for the Monitoring layer.",
    );
  }
  const refused = incompatibleChanges(props.deployedTables ?? [], tables);
  if (refused.length > 0) {
    throw new ValidationError(
      construct,
      "tables",
      `holds changes the schema job would refuse:\n  - ${refused.join("\n  - ")}\n`,
      tables.map((t) => t.name),
      "Make the change additive (a new nullable column, a wider type), or migrate the data yourself first.",
    );
  }
  validateNonEmpty(construct, "capturedTables", props.capturedTables);
  const capturedNames = props.capturedTables ?? tables.map((t) => t.name);
  const captured = capturedNames.map((name) => {
    const table = tables.find((t) => t.name === name);
    if (!table) {
      throw new ValidationError(construct, "capturedTables", "names a table that is not in the schema", name, `Capture one of: ${tables.map((t) => t.name).join(", ")}; or add the table to 'tables'.`);
    }
    return table;
  });
  // The bank schema may grow (a Day-2 change keeps seedData on); the seed needs only its columns.
  const missing = Object.entries(SEEDED_COLUMNS).flatMap(([table, columns]) =>
    columns.filter((c) => !tables.find((t) => t.name === table)?.columns.some((x) => x.name === c)).map((c) => `${table}.${c}`),
  );
  if (props.seedData && missing.length > 0) {
    throw new ValidationError(
      construct,
      "seedData",
      `needs the bank schema's seeded columns (missing: ${missing.join(", ")})`,
      true,
      "Leave seedData unset when you define your own tables, and load your data yourself.",
    );
  }
  return { database, publication, cdcUser, tables, captured, seedData: props.seedData ?? false };
}

interface SchemaJobInput extends ResolvedSchema {
  readonly image: string;
  readonly endpoint: Endpoint;
  readonly adminUser: string;
  readonly adminPassword: Secret;
  readonly cdcPassword: Secret;
}

/** The idempotent job that creates database, tables, CDC role and publication. */
function schemaJob(scope: Construct, platform: IPlatform, input: SchemaJobInput): JobHandle {
  return platform.job(scope, "SchemaJob", {
    name: "postgres-schema",
    image: input.image,
    command: ["bash", "/job/apply-schema.sh"],
    env: {
      PGHOST: input.endpoint.host,
      PGPORT: String(input.endpoint.port),
      PGUSER: input.adminUser,
      SOURCE_DATABASE: input.database,
      CDC_USER: input.cdcUser,
    },
    secretEnv: { PGPASSWORD: input.adminPassword, CDC_PASSWORD: input.cdcPassword },
    files: [
      { path: "/job/apply-schema.sh", content: APPLY_SCHEMA_SH, executable: true },
      { path: "/job/schema.sql", content: schemaSql(input) },
    ],
    resources: { cpuMillis: 100, memoryMiB: 128 },
    runAsUser: POSTGRES_USER_ID,
    connectsTo: [input.endpoint],
    dependsOn: [input.endpoint],
  });
}

const APPLY_SCHEMA_SH = `#!/bin/bash
# Idempotent: safe to run on every apply, against a new or an existing server.
set -euo pipefail
for i in $(seq 1 60); do pg_isready -q -d postgres && break; sleep 2; done
pg_isready -d postgres
exists=$(psql -X -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$SOURCE_DATABASE'")
[ "$exists" = 1 ] || psql -X -v ON_ERROR_STOP=1 -d postgres -c "CREATE DATABASE \\"$SOURCE_DATABASE\\""
# Credentials travel as psql variables, never in the SQL file or the command line. One
# transaction: a migration that stops on an incompatible change leaves every table as it was.
# A migration's locks can still deadlock with the application's writes; PostgreSQL then rolls the
# job back, and it is tried again.
for attempt in 1 2 3; do
  status=0
  psql -X -1 -v ON_ERROR_STOP=1 -d "$SOURCE_DATABASE" -v cdc_user="$CDC_USER" -v cdc_password="$CDC_PASSWORD" -f /job/schema.sql 2>/tmp/schema.err || status=$?
  cat /tmp/schema.err >&2
  if [ "$status" = 0 ]; then
    echo "schema applied to $SOURCE_DATABASE on $PGHOST:$PGPORT"
    exit 0
  fi
  if [ "$attempt" = 3 ] || ! grep -q "deadlock detected" /tmp/schema.err; then exit "$status"; fi
  echo "deadlock with the database's writers, rolled back; trying again ($attempt of 3)" >&2
  sleep $((attempt * 2))
done
`;

/**
 * The schema job's SQL: tables created or migrated (see {@link postgresMigration}), replica
 * identity, CDC role and grants, Debezium's signal table, the publication, seed rows.
 */
export function schemaSql(input: Pick<ResolvedSchema, "database" | "publication" | "tables" | "captured" | "seedData">): string {
  const captured = input.captured.map((t) => `${SCHEMA}.${t.name}`);
  const probe = `${SCHEMA}.${FRESHNESS_PROBE_TABLE.name}`;
  const cdcTables = `${SCHEMA}.${SIGNAL_TABLE}, ${SCHEMA}.${SNAPSHOT_LEDGER}, ${SCHEMA}.${HEARTBEAT_TABLE}, ${probe}`;
  const lines = [
    "-- Generated by SourceDb; applied by the postgres-schema job on every change.",
    `SET search_path TO ${SCHEMA};`,
    "",
    postgresMigration(
      input.tables,
      input.captured.map((t) => t.name),
    ),
    "",
    // Only where it is not FULL yet: the ALTER takes an exclusive lock until the job commits, and
    // a writer inserting into a child table (its foreign-key check locks the parent) deadlocks with it.
    ...captured.map((t) => `SELECT 'ALTER TABLE ${t} REPLICA IDENTITY FULL' WHERE (SELECT relreplident FROM pg_class WHERE oid = '${t}'::regclass) <> 'f' \\gexec`),
    "",
    "-- Debezium's signal table (incremental snapshots of newly captured tables; Debezium writes its",
    "-- snapshot watermarks here too) and the ledger of tables the connector has snapshotted.",
    `CREATE TABLE IF NOT EXISTS ${SCHEMA}.${SIGNAL_TABLE} (id varchar(64) PRIMARY KEY, type varchar(32) NOT NULL, data varchar(2048));`,
    `CREATE TABLE IF NOT EXISTS ${SCHEMA}.${SNAPSHOT_LEDGER} (table_name text PRIMARY KEY, requested_at timestamptz NOT NULL DEFAULT now());`,
    "-- Debezium's heartbeat: a captured change every heartbeat, so the slot advances while only",
    "-- tables outside the publication are written (else their WAL is held until the slot is lost).",
    `CREATE TABLE IF NOT EXISTS ${SCHEMA}.${HEARTBEAT_TABLE} (id int PRIMARY KEY, beat_at timestamptz NOT NULL);`,
    "-- The freshness probe's heartbeat, timed through the pipeline; full images, as Flink's upserts need.",
    postgresDdl([FRESHNESS_PROBE_TABLE]),
    `SELECT 'ALTER TABLE ${probe} REPLICA IDENTITY FULL' WHERE (SELECT relreplident FROM pg_class WHERE oid = '${probe}'::regclass) <> 'f' \\gexec`,
    "",
    "-- The CDC role may replicate and read the captured tables, write the four tables above, nothing else.",
    "SELECT format('CREATE ROLE %I', :'cdc_user') WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :'cdc_user') \\gexec",
    "SELECT format('ALTER ROLE %I WITH LOGIN REPLICATION NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD %L', :'cdc_user', :'cdc_password') \\gexec",
    `SELECT format('GRANT CONNECT ON DATABASE %I TO %I', current_database(), :'cdc_user') \\gexec`,
    `SELECT format('GRANT USAGE ON SCHEMA ${SCHEMA} TO %I', :'cdc_user') \\gexec`,
    `SELECT format('GRANT SELECT ON ${captured.join(", ")} TO %I', :'cdc_user') \\gexec`,
    `SELECT format('GRANT SELECT, INSERT, UPDATE, DELETE ON ${cdcTables} TO %I', :'cdc_user') \\gexec`,
    "",
    `SELECT 'CREATE PUBLICATION ${input.publication}' WHERE NOT EXISTS (SELECT 1 FROM pg_publication WHERE pubname = '${input.publication}') \\gexec`,
    `ALTER PUBLICATION ${input.publication} SET TABLE ${[...captured, `${SCHEMA}.${SIGNAL_TABLE}`, `${SCHEMA}.${HEARTBEAT_TABLE}`, probe].join(", ")};`,
  ];
  if (input.seedData) lines.push("", SEED_SQL);
  return lines.join("\n") + "\n";
}

/** The columns SEED_SQL writes. */
const SEEDED_COLUMNS = { users: ["id", "email", "name"], accounts: ["id", "user_id", "balance", "currency"] };

const SEED_SQL = `-- Seed rows with fixed ids: re-running inserts nothing new.
INSERT INTO users (id, email, name) VALUES
  ('00000000-0000-4000-8000-000000000001', 'an.nguyen@example.com', 'Nguyễn Văn An'),
  ('00000000-0000-4000-8000-000000000002', 'maria.garcia@example.com', 'María García'),
  ('00000000-0000-4000-8000-000000000003', 'li.wei@example.com', NULL)
ON CONFLICT (id) DO NOTHING;
INSERT INTO accounts (id, user_id, balance, currency) VALUES
  ('00000000-0000-4000-8000-000000000101', '00000000-0000-4000-8000-000000000001', 1500.25, 'VND'),
  ('00000000-0000-4000-8000-000000000102', '00000000-0000-4000-8000-000000000002', 9999999999999999.99, 'EUR'),
  ('00000000-0000-4000-8000-000000000103', '00000000-0000-4000-8000-000000000003', 0.01, 'USD')
ON CONFLICT (id) DO NOTHING;`;
