import { TerraformVariable } from "cdktf";
import { BANK_TABLES, ColumnTypes, SourceDb, TableSchema } from "../constructs";
import { schemaSql } from "../constructs/source-db";
import { PLATFORMS, stackOn, synthOn } from "./helpers";

describe.each(PLATFORMS)("SourceDb on %s", (kind) => {
  const synth = () => synthOn(kind, (scope, platform) => new SourceDb(scope, "SourceDb", { platform, seedData: true }));

  test("runs PostgreSQL with logical replication and sized slots and senders", () => {
    const s = synth();
    const args = kind === "docker" ? s.container("postgres").command : s.k8s("kubernetes_stateful_set_v1", "postgres").spec.template.spec.container[0].args;
    expect(args).toEqual(["postgres", "-c", "wal_level=logical", "-c", "max_replication_slots=10", "-c", "max_wal_senders=10", "-c", "max_slot_wal_keep_size=2048MB"]);
  });

  test("keeps data on persistent storage of the default size", () => {
    const s = synth();
    expect(s.persistentPaths("postgres")).toEqual(["/var/lib/postgresql/data"]);
    if (kind === "kubernetes") expect(s.k8sWorkload("postgres").spec.volume_claim_template[0].spec.resources.requests.storage).toBe("10Gi");
  });

  test("takes its superuser password from a generated secret, as a file PostgreSQL reads", () => {
    const s = synth();
    expect(s.env("postgres")).toMatchObject({ POSTGRES_PASSWORD_FILE: "/run/secrets/postgres-password" });
    expect(s.env("postgres").POSTGRES_PASSWORD).toBeUndefined();
    expect(s.secretFile("postgres", "postgres-password")).toMatch(
      /^\$\{coalesce\(var\.[a-z_]+, random_password\.SourceDb_AdminPassword_[0-9A-F]+\.result\)\}$|^\$\{random_password\.SourceDb_AdminPassword_[0-9A-F]+\.result\}$/,
    );
  });

  test("applies the schema with an idempotent job that receives credentials only as secrets", () => {
    const s = synth();
    expect(s.credential("postgres-schema", "PGPASSWORD")).toBe(s.secretFile("postgres", "postgres-password"));
    expect(s.credential("postgres-schema", "CDC_PASSWORD")).toMatch(/random_password\.SourceDb_CdcPassword_/);
    const files = s.files("postgres-schema");
    expect(Object.keys(files).sort()).toEqual(["/job/apply-schema.sh", "/job/schema.sql"]);
    expect(files["/job/schema.sql"]).toContain("CREATE TABLE IF NOT EXISTS users");
    // The password reaches psql as a variable at run time, never as text in the SQL.
    expect(files["/job/schema.sql"]).not.toMatch(/PASSWORD '/);
    expect(files["/job/apply-schema.sh"]).toContain('-v cdc_password="$CDC_PASSWORD"');
  });
});

describe("SourceDb schema SQL", () => {
  const sql = () => {
    const s = synthOn("docker", (scope, platform) => new SourceDb(scope, "SourceDb", { platform, seedData: true }));
    return s.upload("postgres-schema", "/job/schema.sql");
  };

  test("creates the seed's bank tables with exact NUMERIC balances and a foreign key", () => {
    const text = sql();
    expect(text).toContain("id uuid NOT NULL DEFAULT gen_random_uuid()");
    expect(text).toContain("balance numeric(18,2) NOT NULL DEFAULT 0");
    expect(text).toContain("user_id uuid NOT NULL REFERENCES users (id)");
    expect(text.indexOf("CREATE TABLE IF NOT EXISTS users")).toBeLessThan(text.indexOf("CREATE TABLE IF NOT EXISTS accounts"));
  });

  test("sets REPLICA IDENTITY FULL, a publication of exactly the captured tables, and a least-privilege CDC role", () => {
    const text = sql();
    expect(text).toContain("SELECT 'ALTER TABLE public.users REPLICA IDENTITY FULL' WHERE (SELECT relreplident FROM pg_class WHERE oid = 'public.users'::regclass) <> 'f' \\gexec");
    expect(text).toContain("ALTER TABLE public.accounts REPLICA IDENTITY FULL' WHERE");
    expect(text).toContain("ALTER PUBLICATION lakehouse_cdc SET TABLE public.users, public.accounts, public.debezium_signal, public.debezium_heartbeat, public.lakehouse_freshness_probe;");
    expect(text).toContain("WITH LOGIN REPLICATION NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD %L', :'cdc_user', :'cdc_password'");
    expect(text).toContain("GRANT SELECT ON public.users, public.accounts TO %I");
    expect(text).not.toMatch(/GRANT ALL|SUPERUSER PASSWORD/);
  });

  test("creates Debezium's heartbeat table, in the publication and writable by the CDC role only", () => {
    const text = sql();
    expect(text).toContain("CREATE TABLE IF NOT EXISTS public.debezium_heartbeat (id int PRIMARY KEY, beat_at timestamptz NOT NULL);");
    expect(text).toContain("GRANT SELECT, INSERT, UPDATE, DELETE ON public.debezium_signal, public.lakehouse_cdc_snapshots, public.debezium_heartbeat, public.lakehouse_freshness_probe TO %I");
  });

  test("creates the freshness probe's table with full replica identity, in the publication and writable by the CDC role; a user table cannot take its name", () => {
    const text = sql();
    expect(text).toContain(
      "CREATE TABLE IF NOT EXISTS lakehouse_freshness_probe (\n  probe varchar(64) NOT NULL,\n  seq bigint NOT NULL,\n  written_at timestamptz NOT NULL,\n  PRIMARY KEY (probe)\n);",
    );
    expect(text).toContain("SELECT 'ALTER TABLE public.lakehouse_freshness_probe REPLICA IDENTITY FULL' WHERE");
    const taken = { name: "lakehouse_freshness_probe", primaryKey: ["id"], columns: [{ name: "id", type: ColumnTypes.bigint() }] };
    expect(() => synthOn("docker", (scope, platform) => new SourceDb(scope, "SourceDb", { platform, tables: [taken] }))).toThrow(/SourceDb: tables names the freshness probe's own table/);
  });

  test("seeds unicode names, NULLs and a balance at the NUMERIC(18,2) limit, idempotently", () => {
    const text = sql();
    expect(text).toContain("Nguyễn Văn An");
    expect(text).toContain("9999999999999999.99");
    expect(text).toMatch(/ON CONFLICT \(id\) DO NOTHING;[\s\S]*ON CONFLICT \(id\) DO NOTHING;/);
  });

  test("captures only the tables asked for", () => {
    const s = synthOn("docker", (scope, platform) => new SourceDb(scope, "SourceDb", { platform, capturedTables: ["accounts"] }));
    const text = s.upload("postgres-schema", "/job/schema.sql");
    expect(text).toContain("SET TABLE public.accounts, public.debezium_signal, public.debezium_heartbeat, public.lakehouse_freshness_probe;");
    expect(text).not.toContain("ALTER TABLE public.users REPLICA IDENTITY FULL");
  });

  test("custom tables render to DDL", () => {
    const s = synthOn(
      "docker",
      (scope, platform) =>
        new SourceDb(scope, "SourceDb", {
          platform,
          tables: [
            {
              name: "orders",
              primaryKey: ["order_id"],
              columns: [
                { name: "order_id", type: ColumnTypes.bigint(), nullable: false },
                { name: "paid", type: ColumnTypes.boolean() },
              ],
            },
          ],
        }),
    );
    expect(s.upload("postgres-schema", "/job/schema.sql")).toContain("CREATE TABLE IF NOT EXISTS orders (\n  order_id bigint NOT NULL,\n  paid boolean,\n  PRIMARY KEY (order_id)\n);");
  });
});

describe("SourceDb names: reserved words fail only where a name is written unquoted", () => {
  const table = (name: string, column: string): TableSchema[] => [
    {
      name,
      primaryKey: ["id"],
      columns: [
        { name: "id", type: ColumnTypes.bigint() },
        { name: column, type: ColumnTypes.text() },
      ],
    },
  ];
  const synth = (tables: TableSchema[]) => () => synthOn("docker", (scope, platform) => new SourceDb(scope, "SourceDb", { platform, tables }));

  test("a column Flink SQL reserves passes: the pipeline writes every column in backticks", () => {
    expect(synth(table("events", "value"))).not.toThrow();
    expect(synth(table("events", "name"))).not.toThrow();
  });

  test("a table Flink SQL reserves fails: the pipeline writes table paths unquoted", () => {
    expect(synth(table("value", "note"))).toThrow(/reserved word in Flink SQL/);
  });

  test("the message names every engine that reserves the word", () => {
    expect(synth(table("events", "order"))).toThrow(/reserved word in PostgreSQL and Trino, whose SQL writes it unquoted \(got "order"\)/);
    expect(synth(table("select", "note"))).toThrow(/reserved word in PostgreSQL, Flink SQL and Trino/);
  });
});

describe("SourceDb.fromExisting", () => {
  test("adopts an existing server: no PostgreSQL container, only the schema job against its host", () => {
    const s = synthOn("docker", (scope, platform) => {
      SourceDb.fromExisting(scope, "Existing", { platform, host: "db.internal", port: 6432, adminUser: "admin", adminPassword: "${var.admin}" });
    });
    expect(() => s.container("postgres")).toThrow();
    expect(s.containerEnv("postgres-schema")).toMatchObject({ PGHOST: "db.internal", PGPORT: "6432", PGUSER: "admin" });
  });

  test("exposes the same contract as a managed database", () => {
    const { stack, platform } = stackOn("docker");
    const db = SourceDb.fromExisting(stack, "Existing", { platform, host: "db.internal", adminUser: "admin", adminPassword: "x" });
    expect(db.endpoint.address).toBe("db.internal:5432");
    expect(db.capturedTables.map((t) => t.name)).toEqual(["users", "accounts"]);
    expect(db.publication).toBe("lakehouse_cdc");
  });
});

describe.each(PLATFORMS)("SourceDb.fromExisting with a password variable on %s", (kind) => {
  const synth = () =>
    synthOn(kind, (scope, platform) => {
      const variable = new TerraformVariable(scope, "pg_admin", { type: "string", sensitive: true, nullable: true });
      SourceDb.fromExisting(scope, "Existing", { platform, host: "db.internal", adminUser: "admin", adminPassword: variable.stringValue });
    });

  test("uses the variable as it is: the admin password is never generated", () => {
    const json = JSON.stringify(synth().json);
    expect(json).toContain("${var.pg_admin}");
    expect(json).not.toMatch(/coalesce\(var\.pg_admin/);
    // The one generated password is the CDC role's, which the schema job sets on the role itself.
    expect(Object.keys(synth().resources("random_password"))).toEqual([expect.stringMatching(/CdcPassword/)]);
  });

  test("a null or empty variable fails the plan, before anything is applied, naming the variable", () => {
    const [check] = Object.values(synth().resources("terraform_data"));
    expect(check.lifecycle.precondition).toEqual([
      {
        condition: "${(try(length(var.pg_admin), 0) >= 1)}",
        error_message:
          "SourceDb.fromExisting: adminPassword (var.pg_admin) is null or empty, and it is never generated. Set the variable pg_admin (e.g. TF_VAR_pg_admin) to the password of 'admin' on db.internal.",
      },
    ]);
  });
});

describe("SourceDb schema migration SQL", () => {
  const accounts = BANK_TABLES[1];
  const sql = (tables: TableSchema[]) => schemaSql({ database: "bank", publication: "p", tables, captured: tables, seedData: false });

  test("adds new columns and widens types in place; refuses the rest before changing anything", () => {
    const text = sql([BANK_TABLES[0], { ...accounts, columns: [...accounts.columns, { name: "nickname", type: ColumnTypes.text() }] }]);
    expect(text).toContain("CREATE TABLE IF NOT EXISTS accounts (");
    expect(text).toContain(`"name":"nickname","type":"text","definition":"text","required":false`);
    expect(text).toContain("EXECUTE format('ALTER TABLE accounts ADD COLUMN %I %s'");
    expect(text).toContain("EXECUTE format('ALTER TABLE accounts ALTER COLUMN %I TYPE %s'");
    // The widening rules as PostgreSQL's regular expressions see them (checked against a real server by the Day-2 e2e).
    expect(text).toContain("have ~ '^character varying\\(' AND target ~ '^character varying\\('");
    for (const refusal of [
      "dropping or renaming a column is not migrated",
      "changing a primary key is not migrated",
      "only widening is migrated",
      "is NOT NULL without a default and the table has rows",
    ]) {
      expect(text).toContain(refusal);
    }
    expect(text).toContain(`ARRAY['id']::text[]`);
  });

  test("quotes defaults inside the migration's JSON", () => {
    expect(sql(BANK_TABLES)).toContain(`"definition":"varchar(3) NOT NULL DEFAULT ''USD''"`);
  });
});

describe("SourceDb deployedTables: refused changes fail at synth", () => {
  const [users, accounts] = BANK_TABLES;
  const withColumn = (name: string, change: (c: TableSchema["columns"][number]) => TableSchema["columns"][number] | undefined): TableSchema[] => [
    users,
    { ...accounts, columns: accounts.columns.flatMap((c) => (c.name === name ? [change(c)].filter((x) => x !== undefined) : [c])) },
  ];
  const synth = (tables: TableSchema[]) => () => synthOn("docker", (scope, platform) => new SourceDb(scope, "SourceDb", { platform, tables, deployedTables: BANK_TABLES }));

  test("additive and widening changes pass; a table left out of tables is left alone", () => {
    expect(synth([users, { ...accounts, columns: [...accounts.columns, { name: "nickname", type: ColumnTypes.text() }] }])).not.toThrow();
    expect(synth(withColumn("balance", (c) => ({ ...c, type: ColumnTypes.numeric(20, 2) })))).not.toThrow();
    expect(synth(withColumn("currency", (c) => ({ ...c, type: ColumnTypes.text() })))).not.toThrow();
    expect(synth([users])).not.toThrow();
  });

  test("a type PostgreSQL would refuse fails as such, before the compatibility check", () => {
    expect(synth(withColumn("currency", (c) => ({ ...c, type: ColumnTypes.varchar(0) })))).toThrow(/^SourceDb: tables column 'accounts.currency' has an invalid varchar length/);
    expect(synth(withColumn("currency", (c) => ({ ...c, type: ColumnTypes.varchar(10_485_760) })))).not.toThrow();
  });

  test.each([
    [
      "a narrowed varchar",
      withColumn("currency", (c) => ({ ...c, type: ColumnTypes.varchar(2) })),
      "column accounts.currency was deployed as varchar(3) and is varchar(2) in tables: only widening is migrated",
    ],
    ["another numeric scale", withColumn("balance", (c) => ({ ...c, type: ColumnTypes.numeric(20, 4) })), "column accounts.balance was deployed as numeric(18,2) and is numeric(20,4) in tables"],
    ["a dropped (or renamed) column", withColumn("currency", () => undefined), "column accounts.currency was deployed and is gone from tables: dropping or renaming a column is not migrated"],
    ["another primary key", [users, { ...accounts, primaryKey: ["id", "user_id"] }], "the primary key of accounts was deployed as (id) and is (id, user_id) in tables"],
  ])("%s names table, column and the way out", (_what, tables, message) => {
    expect(synth(tables as TableSchema[])).toThrow(message);
    expect(synth(tables as TableSchema[])).toThrow(/^SourceDb: tables holds changes the schema job would refuse/);
  });
});
