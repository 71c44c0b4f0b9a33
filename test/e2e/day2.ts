import { execFileSync, spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { Client as PgClient } from "pg";
import { defaultImage, LOCAL_IMAGE_REGISTRY } from "../../constructs";
import { BANK_TABLES, ColumnTypes, TableSchema } from "../../constructs/schema";
import { schemaSql } from "../../constructs/source-db";
import { jobNamePattern } from "../../constructs/stream-job";
import { DeployedStack, deployedStack, eventually, failedContainerLogs, Lake, lakeOf, postgres, published, trinoRows } from "./clients";
import { rawDuplicates } from "./exactness";

/**
 * Day 2 on a running dev stack: prop changes, schema changes (a column and a captured table added,
 * types widened, a table no longer captured), a retagged image, a SIGKILL of every stateful
 * component and a stop/resume, each with rows being written through it (about 20 commits a second;
 * a step fails below 10). After each step: one pipeline job RUNNING, Trino's current-state tables
 * equal PostgreSQL, and the raw log holds each committed change exactly once, checked again one
 * checkpoint later. Committed changes are recorded by triggers in PostgreSQL itself, so a change
 * whose commit the writer never heard back about (PostgreSQL killed mid-commit) still counts.
 * The steps run on the dev e2e's stack after its own tests (`npm run test:e2e`), or on a stack of
 * their own (`npm run test:e2e:day2`). The first step turns the analytics layer off: this tier
 * is about the pipeline.
 */
const ROOT = path.resolve(__dirname, "../..");
const STACK = "dev";
const PREFIX = `lakehouse-${STACK}`;
const OUT = path.join(ROOT, "test-output");
const CHECKPOINT_MS = 5000;
const APP = `npx ts-node --transpile-only ${path.join("test", "e2e", "day2-app.ts")}`;
const figures: Record<string, Record<string, number | string>> = {};

/** The dev stack without the analytics layer, plus what each step changes (cumulative). */
let patch: Record<string, Record<string, unknown> | false> = { transformations: false, orchestrator: false, dashboards: false };

/** Deploys the dev stack without the analytics layer (for the steps on a stack of their own). */
export async function deployDay2Stack(): Promise<void> {
  (figures["first deploy"] ??= {})["apply (s)"] = await deploy("deploy");
}

/** Destroys the stack as last deployed. */
export async function destroyDay2Stack(): Promise<void> {
  await run("npx", ["cdktf", "destroy", STACK, "--auto-approve", "--app", APP], "destroy");
}
/** The captured tables, as the checks compare them; the source's own tables may hold more. */
let tables: TableSchema[] = BANK_TABLES;

/**
 * Runs a command asynchronously: the writer's event loop must keep committing while an apply
 * runs, or the apply would not be spanned by writes at all. Its output goes to test-output/.
 */
async function run(cmd: string, args: string[], logName: string): Promise<number> {
  fs.mkdirSync(OUT, { recursive: true });
  const t0 = Date.now();
  const child = spawn(cmd, args, { cwd: ROOT, env: { ...process.env, E2E_DEV_PATCH: JSON.stringify(patch) } });
  let output = "";
  child.stdout.on("data", (d) => (output += d));
  child.stderr.on("data", (d) => (output += d));
  const status = await new Promise<number | null>((resolve) => child.on("close", resolve));
  if (status !== 0) output += `\n${failedContainerLogs(PREFIX)}`;
  fs.writeFileSync(path.join(OUT, `day2-${logName}.log`), output);
  if (status !== 0) throw new Error(`${cmd} ${args.join(" ")} failed (exit ${status}):\n${output.trim().split("\n").slice(-80).join("\n")}`);
  return (Date.now() - t0) / 1000;
}

/** `cdktf deploy` of the dev stack with the current patch, as a user's edited stack. */
const deploy = (logName: string) => run("npx", ["cdktf", "deploy", STACK, "--auto-approve", "--app", APP], logName);

const docker = (...args: string[]) => execFileSync("docker", args, { encoding: "utf8" }).trim();
/** The dev stack's access contract, read when the steps begin. */
let stack: DeployedStack;
const flink = async (p: string) => (await fetch(`http://${published(stack.access.streamJob?.jobManager, "Flink")}${p}`)).json() as Promise<any>;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** SIGKILL of the container's main process: the engine sees a crash, and the restart policy applies. */
function crash(service: string): void {
  const pid = docker("inspect", "-f", "{{.State.Pid}}", `${PREFIX}-${service}`);
  execFileSync("kill", ["-KILL", pid]);
}

const AUDIT_SQL = `
CREATE TABLE IF NOT EXISTS e2e_audit (seq bigserial PRIMARY KEY, tbl text NOT NULL, op text NOT NULL, id text NOT NULL);
CREATE OR REPLACE FUNCTION e2e_audit() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO e2e_audit (tbl, op, id) VALUES (TG_TABLE_NAME, CASE TG_OP WHEN 'INSERT' THEN 'c' WHEN 'UPDATE' THEN 'u' ELSE 'd' END,
    CASE TG_OP WHEN 'DELETE' THEN OLD.id::text ELSE NEW.id::text END);
  RETURN NULL;
END $$;`;
const auditTrigger = (table: string) => `CREATE OR REPLACE TRIGGER e2e_audit AFTER INSERT OR UPDATE OR DELETE ON ${table} FOR EACH ROW EXECUTE FUNCTION e2e_audit()`;

/**
 * Writes about `rate` commits a second until stopped: new users with accounts, balance updates,
 * owner changes, an account deleted and inserted again in one transaction, and (once they exist)
 * the new column and the new table. Errors (a server being killed) are counted and retried.
 */
class Writer {
  public commits = 0;
  public errors = 0;
  public lastCommitAt = 0;
  public extended = false;
  /** The currency of re-inserted accounts: a longer code once the column is widened. */
  public currency = "EUR";
  private running = false;
  private paused = false;
  private loops: Promise<void>[] = [];
  private n = 0;
  /** `rate` commits a second in all, over `connections` sessions, so one slow round trip does not lower it. */
  constructor(
    private readonly connect: () => Promise<PgClient>,
    private readonly rate: number,
    private readonly connections = 4,
  ) {}

  /** Keys to change, picked at random: primary-key lookups stay fast while the tables grow. */
  private readonly ids: Record<"users" | "accounts", string[]> = { users: [], accounts: [] };

  async start(): Promise<void> {
    const pg = await this.connect();
    for (const table of ["users", "accounts"] as const) this.ids[table] = (await pg.query(`SELECT id FROM ${table}`)).rows.map((r) => r.id);
    await pg.end();
    this.running = true;
    this.loops = Array.from({ length: this.connections }, () => this.run());
  }
  async pause(): Promise<void> {
    this.paused = true;
    await sleep(1500);
  }
  resume(): void {
    this.paused = false;
  }
  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.loops);
  }

  private async run(): Promise<void> {
    let pg: PgClient | undefined;
    const period = (1000 * this.connections) / this.rate;
    while (this.running) {
      const t0 = Date.now();
      if (!this.paused) {
        try {
          pg ??= await this.connect();
          await this.once(pg);
          this.commits++;
          this.lastCommitAt = Date.now();
        } catch {
          this.errors++;
          await pg?.query("ROLLBACK").catch(() => undefined);
          await pg?.end().catch(() => undefined);
          pg = undefined;
          await sleep(500);
        }
      }
      await sleep(Math.max(0, period - (Date.now() - t0)));
    }
    await pg?.end().catch(() => undefined);
  }

  private pick(table: "users" | "accounts"): string {
    const ids = this.ids[table];
    return ids[Math.floor(Math.random() * ids.length)];
  }

  private async once(pg: PgClient): Promise<void> {
    const i = ++this.n;
    const kind = i % 6;
    if (kind === 0 || i < 20) {
      await pg.query("BEGIN");
      const u = await pg.query("INSERT INTO users (email, name) VALUES ($1, $2) RETURNING id", [`day2-${i}@example.vn`, `Người dùng ${i}`]);
      const a = await pg.query("INSERT INTO accounts (user_id, balance, currency) VALUES ($1, $2, 'VND') RETURNING id", [u.rows[0].id, `${i}.${String(i % 100).padStart(2, "0")}`]);
      await pg.query("COMMIT");
      this.ids.users.push(u.rows[0].id);
      this.ids.accounts.push(a.rows[0].id);
    } else if (kind === 1 || kind === 2) {
      await pg.query("UPDATE accounts SET balance = balance + 0.01, updated_at = now() WHERE id = $1", [this.pick("accounts")]);
    } else if (kind === 3) {
      await pg.query("UPDATE accounts SET user_id = $1, updated_at = now() WHERE id = $2", [this.pick("users"), this.pick("accounts")]);
    } else if (kind === 4) {
      // A key deleted and inserted again in one transaction, under another owner.
      await pg.query("BEGIN");
      const a = await pg.query("DELETE FROM accounts WHERE id = $1 RETURNING id, balance", [this.pick("accounts")]);
      if (a.rows.length > 0) await pg.query("INSERT INTO accounts (id, user_id, balance, currency) VALUES ($1, $2, $3, $4)", [a.rows[0].id, this.pick("users"), a.rows[0].balance, this.currency]);
      await pg.query("COMMIT");
    } else if (this.extended) {
      await pg.query("BEGIN");
      await pg.query("UPDATE accounts SET nickname = $1 WHERE id = $2", [`tài khoản ${i}`, this.pick("accounts")]);
      await pg.query("INSERT INTO branches (name, city) VALUES ($1, 'Hà Nội')", [`branch ${i}`]);
      await pg.query("COMMIT");
    } else {
      await pg.query("UPDATE users SET name = $1 WHERE id = $2", [`Tên ${i}`, this.pick("users")]);
    }
  }
}

/** A column list both sides format the same way: text in PostgreSQL, varchar in Trino. */
function stateQueries(table: TableSchema, state: string): { postgres: string; trino: string } {
  const pgCol = (c: TableSchema["columns"][number]) => (c.type.kind === "timestamptz" ? `to_char(${c.name} AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US')` : `${c.name}::text`);
  const trinoCol = (c: TableSchema["columns"][number]) => `CAST(${c.name} AS varchar)`;
  return {
    postgres: `SELECT ${table.columns.map(pgCol).join(", ")} FROM ${table.name} ORDER BY id`,
    trino: `SELECT ${table.columns.map(trinoCol).join(", ")} FROM ${state}.${table.name} ORDER BY id`,
  };
}

async function firstStateDifference(pg: PgClient, lake: Lake): Promise<string | undefined> {
  for (const table of tables) {
    const q = stateQueries(table, lake.state);
    const expected = (await pg.query({ text: q.postgres, rowMode: "array" })).rows;
    const actual = await trinoRows(lake.trino, q.trino);
    if (expected.length !== actual.length) return `${table.name}: ${expected.length} rows in PostgreSQL, ${actual.length} in Trino`;
    for (let i = 0; i < expected.length; i++) {
      const e = JSON.stringify(expected[i]);
      const a = JSON.stringify(actual[i]);
      if (e !== a) return `${table.name} row ${i}: PostgreSQL ${e} vs Trino ${a}`;
    }
  }
  return undefined;
}

/**
 * Changes in the raw log from before the audit triggers existed (the seed, the dev e2e's own
 * workload and canaries): counted once when the steps begin, then subtracted.
 */
const baseline = new Map<string, number>();
async function rawCounts(lake: Lake, table: string): Promise<Map<string, number>> {
  const raw = await trinoRows(lake.trino, `SELECT op, json_extract_scalar(data, '$.id'), count(*) FROM ${lake.raw}.${table} WHERE op <> 'r' GROUP BY 1, 2`);
  return new Map(raw.map(([op, id, n]) => [`${op} ${id}`, Number(n) - (baseline.get(`${table} ${op} ${id}`) ?? 0)]));
}

/**
 * The raw log against PostgreSQL's audit: every committed change (table, op, key) exactly as
 * often as it was committed, and no (table, op, key, source LSN) twice. Snapshot reads (op r)
 * are checked for duplicates only.
 */
async function firstRawDifference(pg: PgClient, lake: Lake): Promise<string | undefined> {
  for (const table of tables) {
    const dups = await rawDuplicates(lake, table.name);
    if (dups.length > 0) return `${lake.raw}.${table.name} holds duplicates (op, id, lsn, rows): ${JSON.stringify(dups)}`;
    const audit = (await pg.query({ text: "SELECT op, id, count(*)::int FROM e2e_audit WHERE tbl = $1 GROUP BY 1, 2", values: [table.name], rowMode: "array" })).rows as [string, string, number][];
    const counts = await rawCounts(lake, table.name);
    let missing = 0;
    let example = "";
    for (const [op, id, n] of audit) {
      const have = counts.get(`${op} ${id}`) ?? 0;
      counts.delete(`${op} ${id}`);
      if (have !== n) {
        missing++;
        example ||= `${op} ${id}: committed ${n}, in the raw log ${have}`;
      }
    }
    if (missing > 0) return `${lake.raw}.${table.name}: ${missing} (op, id) differ from PostgreSQL's commits, e.g. ${example}`;
    const unexpected = [...counts.entries()].filter(([, n]) => n !== 0).map(([k]) => k);
    if (unexpected.length > 0) return `${lake.raw}.${table.name} holds changes PostgreSQL never committed: ${unexpected.slice(0, 3).join(", ")}`;
  }
  return undefined;
}

/** Registers the Day-2 steps on the dev stack; `deploy` applies each step's props to it. */
export function describeDay2(): void {
  describe("Day 2: changes and faults on a running dev stack", () => {
    let pg: PgClient;
    let lake: Lake;
    let writer: Writer;

    let commitsAtStepStart = 0;
    /** Marks the start of a step: its time, and the commits written so far. */
    const begin = () => {
      commitsAtStepStart = writer.commits;
      return Date.now();
    };

    const connect = () => postgres(published(stack.access.source.endpoint, "PostgreSQL"), stack.access.source.adminUser!, stack.credential("postgresAdminPassword")!, stack.access.source.database);

    /** One pipeline job and one probe job RUNNING; then, writes paused, Trino equals PostgreSQL and the raw log is exact, twice. */
    async function checkPipeline(step: string, since: number): Promise<void> {
      const f = (figures[step] ??= {});
      const commitsAt = commitsAtStepStart;
      const families = ["lakehouse-cdc", "lakehouse-cdc-probe"].map((family) => new RegExp(`^${jobNamePattern(family)}$`));
      const jobs = await eventually(`one pipeline job and one probe job RUNNING after ${step}`, 300_000, async () => {
        const active = (await flink("/jobs/overview")).jobs.filter((j: any) => !["FINISHED", "CANCELED", "FAILED"].includes(j.state));
        const kept = families.map((family) => active.filter((j: any) => family.test(j.name)));
        return active.length === 2 && kept.every((k) => k.length === 1 && k[0].state === "RUNNING") ? active : undefined;
      });
      expect(jobs).toHaveLength(2);
      await writer.pause();
      const pausedAt = writer.lastCommitAt;
      try {
        pg = await reconnect(pg);
        let diff: string | undefined;
        await eventually(
          `Trino to equal PostgreSQL after ${step}`,
          600_000,
          async () => ((diff = await firstStateDifference(pg, lake)) === undefined ? true : undefined),
          () => `First difference: ${diff}`,
        );
        f["last commit -> Trino equals PostgreSQL (s)"] = (Date.now() - pausedAt) / 1000;
        f["until Trino equals PostgreSQL, from the step's start (s)"] = (Date.now() - since) / 1000;
        await eventually(
          `the raw log to hold each change once after ${step}`,
          180_000,
          async () => ((diff = await firstRawDifference(pg, lake)) === undefined ? true : undefined),
          () => `First difference: ${diff}`,
        );
        await sleep(CHECKPOINT_MS + 2000);
        expect(await firstRawDifference(pg, lake)).toBeUndefined();
        expect(await firstStateDifference(pg, lake)).toBeUndefined();
        f["pipeline downtime: longest gap between raw-log commits (s)"] = await longestCommitGap(since);
        f["commits written so far"] = writer.commits;
        f["writer: commits/s during the step"] = Math.round(((writer.commits - commitsAt) / ((pausedAt - since) / 1000)) * 10) / 10;
        // The step counts only if writes went on at the load it claims.
        expect(f["writer: commits/s during the step"]).toBeGreaterThanOrEqual(10);
      } finally {
        writer.resume();
      }
    }

    /** The longest time without an Iceberg commit to the raw log since `since`: how long the pipeline stood still. */
    async function longestCommitGap(since: number): Promise<number> {
      const rows = await trinoRows(
        lake.trino,
        `SELECT to_unixtime(committed_at) FROM ${lake.raw}."accounts$snapshots" WHERE committed_at >= from_unixtime(${since / 1000 - CHECKPOINT_MS / 1000}) ORDER BY committed_at`,
      );
      const times = [since / 1000, ...rows.map((r) => Number(r[0]))];
      let gap = 0;
      for (let i = 1; i < times.length; i++) gap = Math.max(gap, times[i] - times[i - 1]);
      return Math.round(gap * 10) / 10;
    }

    async function reconnect(client: PgClient): Promise<PgClient> {
      try {
        await client.query("SELECT 1");
        return client;
      } catch {
        await client.end().catch(() => undefined);
        return eventually("PostgreSQL to accept connections", 120_000, connect);
      }
    }

    beforeAll(async () => {
      stack = deployedStack(STACK, ROOT);
      pg = await connect();
      lake = lakeOf(stack, published(stack.access.query?.trino, "Trino"));
      await pg.query(AUDIT_SQL);
      for (const t of ["users", "accounts"]) await pg.query(auditTrigger(t));
      // Whatever was written before the triggers has reached the raw log once Trino's state equals
      // PostgreSQL (both sinks commit on the same checkpoint) and one more checkpoint has passed.
      let diff: string | undefined;
      await eventually(
        "Trino to equal PostgreSQL before the steps",
        600_000,
        async () => ((diff = await firstStateDifference(pg, lake)) === undefined ? true : undefined),
        () => `First difference: ${diff}`,
      );
      await sleep(CHECKPOINT_MS + 2000);
      for (const t of ["users", "accounts"]) for (const [k, n] of await rawCounts(lake, t)) baseline.set(`${t} ${k}`, n);
      writer = new Writer(connect, 20);
      await writer.start();
      await sleep(10_000);
    });

    afterAll(async () => {
      await writer?.stop();
      await pg?.end().catch(() => undefined);
      fs.mkdirSync(OUT, { recursive: true });
      fs.writeFileSync(path.join(OUT, "day2-figures.json"), JSON.stringify(figures, null, 2));
      console.log(`Day-2 figures:\n${JSON.stringify(figures, null, 2)}`);
    });

    test("the analytics layer turned off while rows are written: the pipeline carries on exactly", async () => {
      const t0 = begin();
      (figures["analytics off"] ??= {})["apply (s)"] = await deploy("analytics-off");
      await checkPipeline("analytics off", t0);
    });

    test("(a) more task slots and TaskManager memory: the job resumes from its checkpoint", async () => {
      const t0 = begin();
      const taskSlots = 4;
      patch = { ...patch, streamJob: { taskSlots, taskManagerMemoryMiB: 1664 } };
      (figures["(a) taskSlots, memory"] ??= {})["apply (s)"] = await deploy("a");
      await checkPipeline("(a) taskSlots, memory", t0);
      // The replaced TaskManager stays listed until its heartbeat times out.
      let slots: unknown;
      await eventually(
        `the new TaskManager's ${taskSlots} slots alone`,
        120_000,
        async () => ((slots = (await flink("/overview"))["slots-total"]) === taskSlots ? true : undefined),
        () => `slots-total: ${slots}`,
      );
    });

    test("(b) another checkpoint interval: the job resumes from its checkpoint", async () => {
      const t0 = begin();
      patch = { ...patch, streamJob: { ...(patch.streamJob as object), checkpointIntervalMs: 4000 } };
      (figures["(b) checkpointIntervalMs"] ??= {})["apply (s)"] = await deploy("b");
      await checkPipeline("(b) checkpointIntervalMs", t0);
    });

    test("(c) a new nullable column and a newly captured table with rows: migrated, evolved, snapshotted", async () => {
      // The table exists with rows before the stack captures it.
      await pg.query("CREATE TABLE IF NOT EXISTS branches (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), name text NOT NULL, city varchar(40))");
      await pg.query("INSERT INTO branches (name, city) SELECT 'branch ' || g, 'Đà Nẵng' FROM generate_series(1, 50) g");
      await pg.query(auditTrigger("branches"));
      const accounts = BANK_TABLES.find((t) => t.name === "accounts")!;
      tables = [
        BANK_TABLES.find((t) => t.name === "users")!,
        { ...accounts, columns: [...accounts.columns, { name: "nickname", type: ColumnTypes.text() }] },
        {
          name: "branches",
          primaryKey: ["id"],
          columns: [
            { name: "id", type: ColumnTypes.uuid(), nullable: false, default: "gen_random_uuid()" },
            { name: "name", type: ColumnTypes.text(), nullable: false },
            { name: "city", type: ColumnTypes.varchar(40) },
          ],
        },
      ];
      const t0 = begin();
      patch = { ...patch, sourceDb: { seedData: true, tables: tables as unknown as Record<string, unknown>[] } } as typeof patch;
      (figures["(c) new column, new table"] ??= {})["apply (s)"] = await deploy("c");
      writer.extended = true;
      const cols = await trinoRows(lake.trino, `SELECT column_name FROM information_schema.columns WHERE table_schema = '${lake.state}' AND table_name = 'accounts' AND column_name = 'nickname'`);
      expect(cols).toEqual([["nickname"]]);
      await checkPipeline("(c) new column, new table", t0);
      // Every row that existed before the table was captured reached it through the snapshot.
      const snapshotted = await trinoRows(lake.trino, `SELECT count(DISTINCT json_extract_scalar(data, '$.id')) FROM ${lake.raw}.branches WHERE op = 'r'`);
      expect(Number(snapshotted[0][0])).toBeGreaterThanOrEqual(50);
      // The new table's raw log holds its own changes only: no other source's state was handed to it.
      expect(await trinoRows(lake.trino, `SELECT source_table, count(*) FROM ${lake.raw}.branches WHERE source_table <> 'branches' GROUP BY 1`)).toEqual([]);
    });

    test("(c2) a varchar and a numeric widened, a table no longer captured: migrated, evolved, left as it was", async () => {
      const widen = (t: TableSchema): TableSchema =>
        t.name !== "accounts"
          ? t
          : {
              ...t,
              columns: t.columns.map((c) => (c.name === "currency" ? { ...c, type: ColumnTypes.varchar(8) } : c.name === "balance" ? { ...c, type: ColumnTypes.numeric(20, 2) } : c)),
            };
      const sourceTables = (patch.sourceDb as { tables: TableSchema[] }).tables.map(widen);
      tables = tables.filter((t) => t.name !== "branches").map(widen);
      const t0 = begin();
      patch = { ...patch, sourceDb: { ...(patch.sourceDb as object), tables: sourceTables as unknown as Record<string, unknown>[], capturedTables: tables.map((t) => t.name) } };
      (figures["(c2) widened, table uncaptured"] ??= {})["apply (s)"] = await deploy("c2");
      const types = await pg.query("SELECT attname, format_type(atttypid, atttypmod) AS t FROM pg_attribute WHERE attrelid = 'accounts'::regclass AND attname IN ('balance', 'currency') ORDER BY 1");
      expect(types.rows.map((r) => `${r.attname} ${r.t}`)).toEqual(["balance numeric(20,2)", "currency character varying(8)"]);
      expect(await trinoRows(lake.trino, `SELECT data_type FROM information_schema.columns WHERE table_schema = '${lake.state}' AND table_name = 'accounts' AND column_name = 'balance'`)).toEqual([
        ["decimal(20,2)"],
      ]);
      // Values only the wider types hold, written while rows keep coming.
      writer.currency = "USDC";
      await pg.query("UPDATE accounts SET balance = 123456789012345678.90 WHERE id = (SELECT id FROM accounts ORDER BY id LIMIT 1)");
      // The old job's last branches rows were committed with its savepoint, before the deploy ended.
      const [[uncapturedRows]] = await trinoRows(lake.trino, `SELECT count(*) FROM ${lake.raw}.branches`);
      const branchWrites = async () => (await pg.query("SELECT count(*)::int AS n FROM e2e_audit WHERE tbl = 'branches'")).rows[0].n as number;
      const writesBefore = await branchWrites();
      await eventually("the writer to change branches, no longer captured", 60_000, async () => ((await branchWrites()) > writesBefore ? true : undefined));
      await checkPipeline("(c2) widened, table uncaptured", t0);
      // None of those changes reached the raw log, which stays as it was a checkpoint later too.
      expect(await trinoRows(lake.trino, `SELECT count(*) FROM ${lake.raw}.branches`)).toEqual([[uncapturedRows]]);
      expect((await pg.query("SELECT count(*)::int AS n FROM pg_publication_tables WHERE tablename = 'branches'")).rows[0].n).toBe(0);
    });

    test("an incompatible schema change fails at synth, and the database refuses it too; a column added outside the code is drift", async () => {
      const running = async () => ((await flink("/jobs/overview")).jobs.filter((j: any) => j.state === "RUNNING").map((j: any) => j.jid) as string[]).sort();
      const before = await running();
      const schemaJobStarted = docker("inspect", "-f", "{{.State.StartedAt}}", `${PREFIX}-postgres-schema`);
      const narrowed = (patch.sourceDb as { tables: TableSchema[] }).tables.map((t) =>
        t.name !== "accounts" ? t : { ...t, columns: t.columns.map((c) => (c.name === "currency" ? { ...c, type: ColumnTypes.varchar(2) } : c)) },
      );
      const kept = patch;
      patch = { ...patch, sourceDb: { ...(patch.sourceDb as object), tables: narrowed as unknown as Record<string, unknown>[] } };
      try {
        // Synth compares the tables with the stack's last deployed ones (its state's source_tables output).
        await expect(deploy("narrowing")).rejects.toThrow(/column accounts\.currency was deployed as varchar\(8\) and is varchar\(2\) in tables: only widening is migrated/);
      } finally {
        patch = kept;
      }
      expect(docker("inspect", "-f", "{{.State.StartedAt}}", `${PREFIX}-postgres-schema`)).toBe(schemaJobStarted);
      // The database itself refuses the same SQL (a stack whose state synth cannot read), in one
      // transaction that changes nothing; psql reports it on stderr.
      // The CDC password travels in the environment, as the schema job's does, never on a command line.
      const sql = schemaSql({
        database: stack.access.source.database,
        publication: "lakehouse_cdc",
        tables: narrowed,
        captured: tables.map((t) => narrowed.find((n) => n.name === t.name)!),
        seedData: false,
      });
      const refused = spawnSync(
        "docker",
        [
          "exec",
          "-i",
          "-e",
          "CDC_PASSWORD",
          `${PREFIX}-postgres`,
          "psql",
          "-X",
          "-1",
          "-v",
          "ON_ERROR_STOP=1",
          "-U",
          stack.access.source.adminUser!,
          "-d",
          stack.access.source.database,
          "-v",
          `cdc_user=${stack.access.source.cdcUser}`,
          "-f",
          "-",
        ],
        {
          input: `\\getenv cdc_password CDC_PASSWORD\n${sql}`,
          env: { ...process.env, CDC_PASSWORD: stack.credential("postgresCdcPassword") },
          encoding: "utf8",
        },
      );
      expect(refused.status).not.toBe(0);
      expect(refused.stderr).toContain("SourceDb: column accounts.currency is character varying(8) in PostgreSQL and character varying(2) in tables: only widening is migrated");
      expect((await pg.query("SELECT format_type(atttypid, atttypmod) AS t FROM pg_attribute WHERE attrelid = 'accounts'::regclass AND attname = 'currency'")).rows[0].t).toBe("character varying(8)");
      expect(await running()).toEqual(before);

      await pg.query("ALTER TABLE users ADD COLUMN phone text");
      try {
        const r = spawnSync("node", [path.join(ROOT, "bin", "lakehouse.js"), "verify", STACK], { cwd: ROOT, encoding: "utf8" });
        expect(`${r.stdout}${r.stderr}`).toMatch(/WARN drift +users\.phone is in PostgreSQL but not in the stack's tables/);
        expect(r.status).toBe(0);
      } finally {
        await pg.query("ALTER TABLE users DROP COLUMN phone");
      }
    });

    test("(d) the Kafka Connect image retagged: Connect is replaced, nothing is resent", async () => {
      const image = defaultImage("connect", LOCAL_IMAGE_REGISTRY);
      docker("tag", image, `${image}-day2`);
      const t0 = begin();
      patch = { ...patch, cdc: { ...((patch.cdc as object | undefined) ?? {}), connectImage: `${image}-day2` } };
      (figures["(d) Connect image"] ??= {})["apply (s)"] = await deploy("d");
      await checkPipeline("(d) Connect image", t0);
    });

    // One exactness check after all seven crashes (each check costs a minute or two; a loss or a
    // duplicate from any crash stays in the log for it to find). Each crash's restart and
    // downtime are its own figures.
    test("(e) SIGKILL of each stateful service in turn: each restarts, the raw log takes commits again, and the pipeline carries on exactly", async () => {
      const t0 = begin();
      const f = (figures["(e) SIGKILL, each in turn"] ??= {});
      for (const service of ["flink-jobmanager", "flink-taskmanager", "kafka", "connect", "postgres", "minio", "iceberg-rest"]) {
        const killedAt = Date.now();
        crash(service);
        await eventually(`${service} to run again after its SIGKILL`, 180_000, async () =>
          docker("inspect", "-f", "{{.State.Running}} {{.RestartCount}}", `${PREFIX}-${service}`).startsWith("true") ? true : undefined,
        );
        // Writes go on until the raw log takes commits again, a checkpoint after the restart: a
        // job that still looks RUNNING (its JobManager has not yet noticed a lost TaskManager, or
        // Kafka is gone) has then recovered for real before the next crash.
        const restartedAt = Date.now();
        await eventually(`the raw log to take commits again after the ${service} restart`, 600_000, async () => {
          const [[last]] = await trinoRows(lake.trino, `SELECT to_unixtime(max(committed_at)) FROM ${lake.raw}."accounts$snapshots"`);
          return Number(last) * 1000 > restartedAt + CHECKPOINT_MS ? true : undefined;
        });
        f[`${service}: downtime, longest gap between raw-log commits (s)`] = await longestCommitGap(killedAt);
      }
      await checkPipeline("(e) SIGKILL, each in turn", t0);
    });

    test("(f) down with data kept, then up: nothing lost or duplicated", async () => {
      const t0 = begin();
      await run("npm", ["run", "down", "--", "--keep-data"], "f-down");
      expect(docker("ps", "-aq", "--filter", `label=lakehouse.stack=${PREFIX}`)).toBe("");
      expect(docker("volume", "ls", "-q", "--filter", `label=lakehouse.stack=${PREFIX}`)).not.toBe("");
      (figures["(f) down --keep-data, up"] ??= {})["down (s)"] = (Date.now() - t0) / 1000;
      figures["(f) down --keep-data, up"]["up (s)"] = await deploy("f");
      await checkPipeline("(f) down --keep-data, up", t0);
    });
  });
}
