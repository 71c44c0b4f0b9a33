import { execFile, execFileSync, spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { promisify } from "util";
import { Consumer, Kafka, logLevel } from "kafkajs";
import "../../cli/kafka-lz4";
import { Client as PgClient } from "pg";
import { ALERT_DEFAULTS } from "../../constructs/alert-rules";
import { analyticsQueries } from "../../constructs/analytics";
import { DBT_MARTS } from "../../constructs/transformations";
import { isMaintenance, pauseAutomation, sensorDryRun } from "../../cli/dagster";
import { accountLifecycle, EXTREME_BALANCE, lastUpdateObservations, martsDiffer, readMartsWhile, runDagsterJob, waitForSensorRun } from "./analytics";
import { describeDay2 } from "./day2";
import { screenshotAlertsPage, secondsUntilFiring, secondsUntilResolved } from "./monitoring";
import { screenshotDashboard } from "./superset-dashboard";
import { rawDuplicates, waitForExactState, waitForOneRawRowPerEvent } from "./exactness";
import { DeployedStack, deployedStack, eventually, failedContainerLogs, Lake, lakeOf, postgres, published, trinoRows } from "./clients";
import { ExpectedEvent, phaseOne, phaseTwo, SEED_EVENTS } from "./workload";

/**
 * The dev stack for real: `cdktf deploy dev` on the local Docker engine, a workload in
 * PostgreSQL, the events in Kafka, the tables in Iceberg through Trino, a re-deploy that changes
 * nothing, the analytics layer, `lakehouse verify`, then the Day-2 steps
 * (test/e2e/day2.ts) on the same running stack, and `cdktf destroy dev`. Nothing here is a mock.
 * Run through `npm run test:e2e` (scripts/e2e.sh prepares engine, toolchain and images).
 */
const ROOT = path.resolve(__dirname, "../..");
const STACK = "dev";
const PREFIX = `lakehouse-${STACK}`;
const OUT = path.join(ROOT, "test-output");
/** The Day-2 steps deploy tables main.ts does not define: destroy as a user would, without the synth's schema check. */
const DESTROY_ENV = { LAKEHOUSE_SCHEMA_CHECK: "off" };
const figures: Record<string, string | number> = {};
const events: ExpectedEvent[] = [...SEED_EVENTS];
let lastCommitAt = 0;

function cdktf(args: string[], logName: string, env: NodeJS.ProcessEnv = {}): number {
  fs.mkdirSync(OUT, { recursive: true });
  const t0 = Date.now();
  const result = spawnSync("npx", ["cdktf", ...args], { cwd: ROOT, encoding: "utf8", env: { ...process.env, ...env }, maxBuffer: 256 * 1024 * 1024 });
  const output = `${result.stdout}\n${result.stderr}${result.status !== 0 ? `\n${failedContainerLogs(PREFIX)}` : ""}`;
  fs.writeFileSync(path.join(OUT, `${logName}.log`), output);
  if (result.status !== 0) throw new Error(`cdktf ${args.join(" ")} failed (exit ${result.status}); the last lines:\n${output.trim().split("\n").slice(-80).join("\n")}`);
  return (Date.now() - t0) / 1000;
}

/** Runs the `lakehouse` CLI against the stack; returns exit code and output. */
function lakehouse(...args: string[]): { status: number | null; out: string } {
  const r = spawnSync("node", [path.join(ROOT, "bin", "lakehouse.js"), ...args], { cwd: ROOT, encoding: "utf8", env: process.env });
  return { status: r.status, out: `${r.stdout}\n${r.stderr}` };
}

/**
 * The value an earlier test of this file left for a later one. The later test fails at once
 * naming the step that did not complete, instead of with an error of its own that hides it.
 */
function needs<T>(value: T | undefined, step: string): T {
  if (value === undefined) throw new Error(`this test needs the earlier test '${step}', which did not complete`);
  return value;
}

/**
 * Runs `during` while a new user with an account is committed every 100 ms (`update`: the
 * account is then updated in its own transaction), and returns what it wrote. The events are
 * added to `events` however `during` ends, so the exactness checks after expect them.
 */
async function whileWriting<T>(pg: PgClient, events: ExpectedEvent[], who: string, update: boolean, during: () => Promise<T>): Promise<{ result: T; written: ExpectedEvent[] }> {
  let writing = true;
  const written: ExpectedEvent[] = [];
  const writer = (async () => {
    while (writing) {
      const { rows } = await pg.query(
        `WITH u AS (INSERT INTO users (email, name) VALUES ('${who}-' || gen_random_uuid() || '@lakehouse.e2e', '${who} writer') RETURNING id) INSERT INTO accounts (user_id, balance, currency) SELECT id, 1.00, 'EUR' FROM u RETURNING user_id::text AS user_id, id::text AS id`,
      );
      written.push({ table: "users", op: "c", id: rows[0].user_id }, { table: "accounts", op: "c", id: rows[0].id });
      if (update) {
        await pg.query("UPDATE accounts SET balance = balance + 1 WHERE id = $1", [rows[0].id]);
        written.push({ table: "accounts", op: "u", id: rows[0].id });
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  })();
  try {
    return { result: await during(), written };
  } finally {
    writing = false;
    await writer;
    events.push(...written);
  }
}

/** {@link lakehouse} without blocking the event loop, so a writer of the test commits meanwhile. */
function lakehouseAsync(...args: string[]): Promise<{ status: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn("node", [path.join(ROOT, "bin", "lakehouse.js"), ...args], { cwd: ROOT, env: process.env });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (out += d));
    child.on("close", (status) => resolve({ status, out }));
  });
}

const docker = (...args: string[]) => execFileSync("docker", args, { encoding: "utf8" }).trim();
/** `docker start -a`, without blocking the event loop: its exit code and output. */
const attached = (container: string) =>
  new Promise<{ status: number | null; out: string }>((resolve) => {
    const child = spawn("docker", ["start", "-a", container]);
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (out += d));
    child.on("close", (status) => resolve({ status, out }));
  });
/** The deployed stack's access contract and credentials, read once it is deployed. */
let stack: DeployedStack;
/** `http://<address on this machine>` of a published endpoint of the contract. */
const url = (endpoint: Parameters<typeof published>[0], what: string) => `http://${published(endpoint, what)}`;
const flink = async (p: string) => (await fetch(`${url(stack.access.streamJob?.jobManager, "Flink")}${p}`)).json() as Promise<any>;
const runningJobs = async () => (await flink("/jobs/overview")).jobs.filter((j: any) => j.state === "RUNNING");
/** Names of the running jobs, sorted: with the probe on, the pipeline's and the probe's. */
const runningNames = async () => (await runningJobs()).map((j: any) => j.name as string).sort();
/** The jobs the stack keeps running, sorted. */
const keptJobs = () => [stack.access.streamJob!.jobName, stack.access.streamJob!.probeJobName!].sort();
/** The pipeline's running job, if any. */
const pipelineJob = async () => (await runningJobs()).find((j: any) => j.name === stack.access.streamJob!.jobName);

/** Peak memory of the stack's containers, sampled every few seconds while the test runs. */
const execFileAsync = promisify(execFile);

class MemorySampler {
  public peakMiB = 0;
  private timer?: NodeJS.Timeout;
  private sampling = false;
  start(): void {
    // Asynchronous: `docker stats --no-stream` takes seconds, and a synchronous call would stall
    // the event loop that the Day-2 writer commits from (it halved the writer's rate).
    this.timer = setInterval(async () => {
      if (this.sampling) return;
      this.sampling = true;
      try {
        const { stdout } = await execFileAsync("docker", ["stats", "--no-stream", "--format", "{{.Name}} {{.MemUsage}}"], { encoding: "utf8" });
        const lines = stdout.trim().split("\n");
        let total = 0;
        for (const line of lines.filter((l) => l.startsWith(`${PREFIX}-`))) {
          const m = /^\S+ ([\d.]+)([KMG]i?B)/.exec(line);
          if (m) total += Number(m[1]) * ({ KiB: 1 / 1024, KB: 1 / 1024, MiB: 1, MB: 1, GiB: 1024, GB: 1024 } as Record<string, number>)[m[2]];
        }
        this.peakMiB = Math.max(this.peakMiB, total);
      } catch {
        // the engine is busy; the next sample counts
      } finally {
        this.sampling = false;
      }
    }, 5000);
  }
  stop(): void {
    clearInterval(this.timer);
  }
}

describe("dev stack on the local Docker engine", () => {
  let pg: PgClient;
  let lake: Lake;
  let kafka: Kafka;
  const memory = new MemorySampler();

  beforeAll(async () => {
    console.log("Dashboards run on Superset in this run: Metabase is not on any registry this machine reaches, so its image cannot be built here.");
    memory.start();
    figures["deploy (s)"] = cdktf(["deploy", STACK, "--auto-approve"], "deploy");
    stack = deployedStack(STACK, ROOT);
    const { source, cdc, query } = stack.access;
    pg = await postgres(published(source.endpoint, "PostgreSQL"), source.adminUser!, stack.credential("postgresAdminPassword")!, source.database);
    lake = lakeOf(stack, published(query?.trino, "Trino"));
    kafka = new Kafka({ clientId: "e2e", brokers: [cdc!.kafka.external], logLevel: logLevel.NOTHING });
  });

  afterAll(async () => {
    memory.stop();
    await pg?.end().catch(() => undefined);
    figures["peak memory of the stack's containers (MiB)"] = Math.round(memory.peakMiB);
    if (process.env.E2E_KEEP !== "1" && docker("ps", "-aq", "--filter", `label=lakehouse.stack=${PREFIX}`) !== "") {
      cdktf(["destroy", STACK, "--auto-approve"], "destroy-cleanup", DESTROY_ENV);
    }
    fs.mkdirSync(OUT, { recursive: true });
    fs.writeFileSync(path.join(OUT, "e2e-figures.json"), JSON.stringify(figures, null, 2));
    console.log(
      `e2e figures:\n${Object.entries(figures)
        .map(([k, v]) => `  ${k.padEnd(48)} ${v}`)
        .join("\n")}`,
    );
  });

  test("deploy leaves every service healthy and exactly one pipeline job and one probe job running", async () => {
    const states = docker("ps", "-a", "--filter", `label=lakehouse.stack=${PREFIX}`, "--format", "{{.Names}} {{.Status}}").split("\n");
    // Jobs are the containers the platform runs once (restart policy "no"); services restart.
    const jobNames = new Set(
      docker("ps", "-aq", "--filter", `label=lakehouse.stack=${PREFIX}`)
        .split("\n")
        .map((id) => docker("inspect", "-f", "{{.Name}} {{.HostConfig.RestartPolicy.Name}}", id))
        .filter((l) => l.endsWith(" no"))
        .map((l) => l.split(" ")[0].replace(/^\//, "")),
    );
    const isJob = (s: string) => jobNames.has(s.split(" ")[0]);
    expect(jobNames.size).toBeGreaterThan(0);
    const services = states.filter((s) => !isJob(s));
    for (const s of services) expect(s).toMatch(/ Up /);
    for (const s of services.filter((x) => !/taskmanager/.test(x))) expect(s).toMatch(/\(healthy\)/);
    for (const s of states.filter(isJob)) expect(s).toMatch(/Exited \(0\)/);
    expect(stack.access.streamJob!.probeJobName).toMatch(/^lakehouse-cdc-probe-[0-9a-f]{12}$/);
    expect(await runningNames()).toEqual(keptJobs());
    // The probe's job checkpoints apart from the pipeline's, where only its keeper looks.
    const probe = (await runningJobs()).find((j: any) => j.name === stack.access.streamJob!.probeJobName);
    const checkpoints = await eventually("the probe job's first checkpoint", 60_000, async () => (await flink(`/jobs/${probe.jid}/checkpoints`)).latest?.completed ?? undefined);
    expect(checkpoints.external_path).toMatch(new RegExp(`^s3://lakehouse/flink-probe/checkpoints/${probe.jid}/chk-\\d+$`));
  });

  test("the workload commits its inserts, updates and deletes in PostgreSQL", async () => {
    events.push(...(await phaseOne(pg)), ...(await phaseTwo(pg)));
    lastCommitAt = Date.now();
  });

  test("changes in PostgreSQL arrive in Kafka as Debezium events with before and after images", async () => {
    needs(lastCommitAt || undefined, "the workload commits its inserts, updates and deletes in PostgreSQL");
    const topics = stack.access.cdc!.topics;
    const received: { topic: string; value: any }[] = [];
    const consumer: Consumer = kafka.consumer({ groupId: `e2e-${Date.now()}` });
    await consumer.connect();
    await consumer.subscribe({ topics: Object.values(topics), fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ topic, message }) => {
        if (message.value) received.push({ topic, value: JSON.parse(message.value.toString()) });
      },
    });
    const idOf = (v: any) => (v.after ?? v.before).id;
    try {
      await eventually(
        "every expected event in Kafka",
        120_000,
        async () => {
          const missing = events.filter((e) => !received.some((r) => r.topic === topics[e.table] && r.value.op === e.op && idOf(r.value) === e.id));
          return missing.length === 0 ? true : undefined;
        },
        () => `${received.length} received so far.`,
      );
    } finally {
      await consumer.disconnect();
    }
    const find = (table: string, op: string, id: string) => received.filter((r) => r.topic === topics[table] && r.value.op === op && idOf(r.value) === id).map((r) => r.value);
    const ngoc = find("users", "c", "00000000-0000-4000-9000-000000000001")[0];
    expect(ngoc.after.name).toBe("Trần Thị Bích Ngọc");
    expect(find("users", "c", "00000000-0000-4000-9000-000000000003")[0].after.name).toBeNull();
    const update = find("accounts", "u", "00000000-0000-4000-9000-000000000101")[0];
    expect([update.before.balance, update.after.balance]).toEqual(["9999999999999999.99", "42.10"]);
    expect(find("accounts", "c", "00000000-0000-4000-9000-000000000102")[0].after.balance).toBe("-9999999999999999.99");
    const deleted = find("accounts", "d", "00000000-0000-4000-9000-000000000103")[0];
    expect(deleted.after).toBeNull();
    expect(deleted.before.balance).toBe("0.00");
    const reinserted = find("accounts", "c", "00000000-0000-4000-9000-000000000105");
    expect(reinserted.map((v: any) => v.after.balance)).toEqual(["0.00", "77.70"]);
    // The four changes of the multi-row transaction share one transaction id.
    const tx = ["00000000-0000-4000-9000-000000000104", "00000000-0000-4000-9000-000000000105"].map((id) => find("accounts", "c", id)[0].source.txId);
    expect(tx[0]).toBe(tx[1]);
  });

  test("Trino's current-state tables equal PostgreSQL, and the raw log holds one row per event", async () => {
    needs(lastCommitAt || undefined, "the workload commits its inserts, updates and deletes in PostgreSQL");
    figures["last commit -> Trino matches (s)"] = await waitForExactState(pg, lake, 300_000, lastCommitAt);
    await waitForOneRawRowPerEvent(lake, events);
    const raw = await trinoRows(
      lake.trino,
      `SELECT json_extract_scalar(data, '$.name'), op FROM ${lake.raw}.users WHERE json_extract_scalar(data, '$.id') = '00000000-0000-4000-9000-000000000001' AND op = 'c'`,
    );
    expect(raw).toEqual([["Trần Thị Bích Ngọc", "c"]]);
  });

  test("re-deploying changes nothing and starts no second Flink job", async () => {
    figures["re-deploy (s)"] = cdktf(["deploy", STACK, "--auto-approve"], "redeploy");
    const plan = spawnSync("tofu", ["plan", "-detailed-exitcode", "-input=false", "-no-color", "-lock=false"], {
      cwd: path.join(ROOT, "cdktf.out", "stacks", STACK),
      encoding: "utf8",
      env: process.env,
    });
    expect({
      exit: plan.status,
      tail: plan.stdout
        .split("\n")
        .filter((l) => /Plan:|No changes|must be replaced|will be/.test(l))
        .slice(0, 20),
    }).toEqual({ exit: 0, tail: [expect.stringMatching(/No changes/)] });
    expect(await runningNames()).toEqual(keptJobs());
  });

  test("the seed's analytics queries run on Trino and agree with PostgreSQL, and so do the recommended ones", async () => {
    const queries = analyticsQueries({ catalog: lake.catalog, rawDatabase: lake.raw, stateDatabase: lake.state, tables: ["users", "accounts"] });
    const timings: string[] = [];
    for (const q of queries) {
      const t0 = Date.now();
      const rows = await trinoRows(lake.trino, q.sql);
      timings.push(`${q.name} ${Date.now() - t0} ms`);
      expect(rows.length).toBeGreaterThan(0);
    }
    figures["analytics queries"] = timings.join(", ");
    const latestBalance = queries.find((q) => q.name === "latest-balance-per-account")!;
    const latest = await trinoRows(lake.trino, latestBalance.sql);
    const pgBalances = (await pg.query({ text: "SELECT id::text, user_id::text, balance::text, currency FROM accounts ORDER BY id", rowMode: "array" })).rows;
    expect(latest.map((r) => [r[0], r[1], String(r[2]), r[3]])).toEqual(pgBalances);
    // The recommended way, the current-state table, gives the same answer without the replay.
    expect(await trinoRows(lake.trino, latestBalance.recommendedSql!)).toEqual(latest);
  });

  describe("analytics layer", () => {
    const dagster = () => stack.access.orchestrator!;
    const marts = () => `${lake.catalog}.${stack.access.namespaces.marts}`;
    // Set by a test for a later one in this block (see `needs`).
    let dbtBuilt: true | undefined;
    let dagsterMaterialized: true | undefined;

    test("dbt builds and tests the parsed layer, the Data Vault and the marts through the deployed job; the marts stay readable while it rebuilds them", async () => {
      const t0 = Date.now();
      // The deploy's own build made the marts; a dashboard reading them meanwhile must never
      // find one missing.
      const {
        result: run,
        reads,
        failures,
      } = await readMartsWhile(
        lake.trino,
        DBT_MARTS.map((m) => `${marts()}.${m}`),
        attached(`${PREFIX}-dbt-build`),
      );
      figures["dbt build through the Transformations job (s)"] = (Date.now() - t0) / 1000;
      expect({ exit: run.status, tail: run.out.split("\n").slice(-5) }).toMatchObject({ exit: 0 });
      expect(run.out).toMatch(/Done\. PASS=\d+ WARN=0 ERROR=0 SKIP=0/);
      expect({ reads: reads > 0, failures }).toEqual({ reads: true, failures: [] });
      dbtBuilt = true;
    });

    test("the marts dbt built equal PostgreSQL", async () => {
      needs(dbtBuilt, "dbt builds and tests the parsed layer, the Data Vault and the marts through the deployed job");
      expect(await martsDiffer(pg, lake.trino, marts(), events)).toBeUndefined();
    });

    test("Dagster materializes every dbt asset after new account activity", async () => {
      events.push(...(await accountLifecycle(pg)));
      await waitForExactState(pg, lake, 300_000, Date.now());
      const run = await runDagsterJob(url(dagster().dagster, "Dagster"), dagster().codeLocation, dagster().buildJob, 900_000);
      figures["Dagster materialization of all dbt assets (s)"] = run.seconds;
      expect(run).toMatchObject({ status: "SUCCESS", stepsFailed: 0, materializations: 11 });
      dagsterMaterialized = true;
    });

    test("the marts Dagster materialized equal PostgreSQL, new account activity included", async () => {
      needs(dagsterMaterialized, "Dagster materializes every dbt asset after new account activity");
      expect(await martsDiffer(pg, lake.trino, marts(), events)).toBeUndefined();
    });

    test("Dagster's sensor requests a build when the raw tables change", async () => {
      // The sensor ticks every 5 minutes (Orchestrator.sensorIntervalSeconds); the workload has
      // changed the raw tables since deploy, whatever the tests above did.
      const ticks = await waitForSensorRun(url(dagster().dagster, "Dagster"), dagster().codeLocation, "raw_tables_changed", 360_000);
      figures["Dagster sensor ticks (newest first)"] = ticks.statuses.join(",");
      expect(ticks.statuses).not.toContain("FAILURE");
      expect(ticks.runsRequested).toBeGreaterThan(0);
      // Its observations carry the raw tables' last update as a timestamp: the freshness checks
      // read it and fail their run on any other kind of value (a stack upgraded from a version
      // that wrote numbers keeps those older observations).
      for (const table of Object.keys(stack.access.source.capturedColumns)) {
        const [newest] = await lastUpdateObservations(url(dagster().dagster, "Dagster"), ["raw", table]);
        expect(newest).toBe("TimestampMetadataEntry");
      }
    });

    test("the Superset dashboard renders every chart with data in headless Chromium (screenshot in test-output/)", async () => {
      const dashboards = stack.access.dashboards!;
      expect(dashboards.engine).toBe("superset");
      const shot = await screenshotDashboard({
        url: url(dashboards.endpoint, "Superset"),
        username: dashboards.adminLogin,
        password: stack.credential("dashboardsAdminPassword")!,
        dashboard: dashboards.name,
        outFile: path.join(OUT, "superset-dashboard.png"),
      });
      figures["Superset dashboard charts (name: marks)"] = shot.charts.map((c) => `${c.name}: ${c.marks}`).join(", ");
      expect(shot.charts.map((c) => c.name).sort()).toEqual(["Latest balance per account", "Operations per day", "User growth"]);
      for (const chart of shot.charts.filter((c) => c.kind !== "table")) expect({ chart: chart.name, drawn: chart.marks > 1 || chart.coloredPixels > 0 }).toEqual({ chart: chart.name, drawn: true });
      const accounts = Number((await pg.query("SELECT count(*) AS n FROM accounts")).rows[0].n);
      const table = shot.charts.find((c) => c.kind === "table");
      expect(table).toMatchObject({ name: "Latest balance per account", rows: Math.min(accounts, 1000) });
      // The balance a JavaScript number would round (accountLifecycle wrote it), shown exactly.
      const extreme = (await pg.query("SELECT id::text AS id, balance::text AS balance FROM accounts WHERE balance = $1", [EXTREME_BALANCE])).rows[0];
      expect(table!.cells.find((row) => row[0] === extreme.id)?.[2]).toBe(EXTREME_BALANCE);
      expect(fs.statSync(shot.outFile).size).toBeGreaterThan(10_000);
    });

    test("a Dagster build while users and accounts are being written passes every dbt test: the vault reads one snapshot of the raw log", async () => {
      needs(dagsterMaterialized, "Dagster materializes every dbt asset after new account activity");
      // A new user with an account every 100 ms: before the vault read the log as of the run's
      // start, a satellite or link built after its hub held keys the hub had not seen. Through
      // Dagster, whose runs never overlap (a sensor's build would interleave with the job's).
      const { result: run, written } = await whileWriting(pg, events, "concurrent", false, () => runDagsterJob(url(dagster().dagster, "Dagster"), dagster().codeLocation, dagster().buildJob, 900_000));
      figures["users with an account written during a Dagster build"] = written.length / 2;
      expect(written.length).toBeGreaterThan(0);
      expect(run).toMatchObject({ status: "SUCCESS", stepsFailed: 0 });
    });

    test("table maintenance while accounts are written and updated compacts the current state, and the mirror stays exact", async () => {
      // Updates make Flink's upsert writer commit equality deletes while Trino's optimize rewrites
      // the same table: the deletes committed meanwhile must still apply to the rewritten files.
      const replaced = async () => Number((await trinoRows(lake.trino, `SELECT count(*) FROM ${lake.state}."accounts$snapshots" WHERE operation = 'replace'`))[0][0]);
      const before = await replaced();
      const { result: run } = await whileWriting(pg, events, "maintained", true, async () => {
        await new Promise((r) => setTimeout(r, 15_000)); // a few checkpoints' delete files first
        return runDagsterJob(url(dagster().dagster, "Dagster"), dagster().codeLocation, "iceberg_maintenance", 900_000, {
          ops: { maintain_iceberg_tables: { config: { tables: [`${lake.state}.accounts`, `${lake.raw}.accounts`], compact_all: true } } },
        });
      });
      figures["table maintenance of the accounts tables during writes (s)"] = Math.round(run.seconds);
      expect(run).toMatchObject({ status: "SUCCESS", stepsFailed: 0 });
      expect(await replaced()).toBeGreaterThan(before);
      await waitForExactState(pg, lake, 300_000, Date.now());
      await waitForOneRawRowPerEvent(lake, events);
    });

    test("the maintenance sensor asks for a table past its small-file threshold, and the run it asks for compacts it", async () => {
      // The sensor's own code, evaluated now against the live tables (Dagster's dry run), instead
      // of waiting out its interval; a scratch table in the raw namespace gets one file per insert.
      const table = `${lake.raw}.e2e_small_files`;
      const files = async () => Number((await trinoRows(lake.trino, `SELECT count(*) FROM ${lake.raw}."e2e_small_files$files" WHERE content = 0`))[0][0]);
      await trinoRows(lake.trino, `CREATE TABLE ${table} (id bigint)`);
      try {
        for (let i = 0; i < 33; i++) await trinoRows(lake.trino, `INSERT INTO ${table} VALUES (${i})`);
        // The sensor skips while a maintenance run is queued or running (one of its own may be).
        let tick: Awaited<ReturnType<typeof sensorDryRun>> | undefined;
        const request = await eventually(
          `the maintenance sensor to ask for ${table}`,
          600_000,
          async () => {
            tick = await sensorDryRun(url(dagster().dagster, "Dagster"), dagster().codeLocation, "iceberg_tables_over_thresholds");
            return tick.runConfigs.find((c) => c.includes(table));
          },
          () => `last dry run: ${JSON.stringify(tick)}`,
        );
        expect(request).toMatch(/compact_all: false/);
        const run = await runDagsterJob(url(dagster().dagster, "Dagster"), dagster().codeLocation, "iceberg_maintenance", 900_000, {
          ops: { maintain_iceberg_tables: { config: { tables: [table], compact_all: false } } },
        });
        expect(run).toMatchObject({ status: "SUCCESS", stepsFailed: 0 });
        expect(await files()).toBe(1);
        expect(Number((await trinoRows(lake.trino, `SELECT count(*) FROM ${table}`))[0][0])).toBe(33);
      } finally {
        await trinoRows(lake.trino, `DROP TABLE IF EXISTS ${table}`);
      }
    });
  });

  describe("lakehouse verify", () => {
    test("passes on the deployed stack, hop by hop, and cleans up its canary", () => {
      const r = lakehouse("verify", STACK);
      expect(r).toMatchObject({ status: 0 });
      for (const hop of ["slot", "debezium", "flink", "postgres", "kafka", "iceberg raw", "iceberg state", "cleanup"]) expect(r.out).toMatch(new RegExp(`ok +${hop} `));
      expect(r.out).toMatch(new RegExp(`ok +slot +${stack.access.cdc!.slotName}: active, holds [0-9.]+ MiB of WAL, [0-9.]+ MiB before PostgreSQL invalidates it`));
      figures["verify: commit -> Kafka / raw / state (ms)"] = ["kafka", "iceberg raw", "iceberg state"].map((h) => new RegExp(`ok +${h} +(\\d+) ms`).exec(r.out)?.[1]).join(" / ");
    });

    test("names the debezium hop when the connector is paused", async () => {
      const connector = `${url(stack.access.cdc?.connect, "Kafka Connect")}/connectors/${stack.access.cdc!.connectorName}`;
      await fetch(`${connector}/pause`, { method: "PUT" });
      try {
        await eventually("the connector to be PAUSED", 30_000, async () => (((await (await fetch(`${connector}/status`)).json()) as any).connector.state === "PAUSED" ? true : undefined));
        const r = lakehouse("verify", STACK, "--timeout", "15");
        expect(r.status).toBe(1);
        expect(r.out).toContain(`verify failed at hop 'debezium': connector ${stack.access.cdc!.connectorName} is PAUSED`);
      } finally {
        await fetch(`${connector}/resume`, { method: "PUT" });
      }
    });

    test("names the query hop when Trino is stopped", async () => {
      // Dagster's sensors start dbt builds when the raw tables change (verify's canary does): one
      // launched while Trino is stopped fails, and `status` reports its job's newest run failed.
      // Stopped meanwhile, as an operator would for maintenance; started again after.
      const orchestrator = stack.access.orchestrator;
      const automation = orchestrator && (await pauseAutomation(url(orchestrator.dagster, "Dagster"), orchestrator.codeLocation, () => undefined));
      docker("stop", `${PREFIX}-trino`);
      try {
        const r = lakehouse("verify", STACK, "--timeout", "15");
        expect(r.status).toBe(1);
        expect(r.out).toContain(`verify failed at hop 'iceberg raw': Trino unreachable at ${url(stack.access.query?.trino, "Trino")}`);
      } finally {
        docker("start", `${PREFIX}-trino`);
        await eventually("Trino to answer again", 180_000, async () => ((await trinoRows(lake.trino, "SELECT 1").catch(() => [])).length === 1 ? true : undefined));
        await automation?.resume();
      }
    });
  });

  describe("monitoring", () => {
    /** Alerts must reach Alertmanager within this of the fault (a rule's 60 s `for`, a scrape and an evaluation of 10 s each, and margin), and resolve within it of the recovery. */
    const ALERT_BUDGET_MS = 150_000;
    /** Heartbeats must reach Trino again within this of the recovery: Connect's restart and the connector's resume, the job's restore from its checkpoint, and a checkpoint to commit (80-129 s measured in CI). */
    const RECOVERY_BUDGET_MS = 240_000;
    const alertmanager = () => url(stack.access.monitoring?.alertmanager, "Alertmanager");
    const connectorUrl = () => `${url(stack.access.cdc?.connect, "Kafka Connect")}/connectors/${stack.access.cdc!.connectorName}`;

    test("lakehouse status shows every hop ok, each Iceberg table's last commit, and no alert firing", async () => {
      let last = { status: null as number | null, out: "" };
      // The Trino stop of the verify tests is seconds old: give Prometheus a scrape to see it back.
      await eventually(
        "lakehouse status to exit 0",
        120_000,
        async () => ((last = lakehouse("status", STACK, "--json")).status === 0 ? true : undefined),
        () => last.out,
      );
      const report = JSON.parse(last.out.slice(0, last.out.lastIndexOf("}") + 1));
      expect(report.hops.map((h: { hop: string }) => h.hop)).toEqual(["postgresql", "kafka", "debezium", "flink", "flink taskmanagers", "minio", "trino", "freshness probe", "dagster"]);
      expect(report.hops.filter((h: { ok: boolean }) => !h.ok)).toEqual([]);
      const tables = report.tables.map((t: { table: string }) => t.table);
      for (const t of ["users", "accounts"])
        expect(tables).toEqual(expect.arrayContaining([expect.stringContaining(`_${stack.access.namespaces.raw}_${t}`), expect.stringContaining(`_${stack.access.namespaces.state}_${t}`)]));
      expect(report.lag.slotRetainedWalBytes).toEqual(expect.any(Number));
      // The probe's heartbeats reach Kafka and Trino, timed: the pipeline's SLO, measured all the time.
      const fresh = Object.fromEntries(report.freshness.map((h: { hop: string }) => [h.hop, h]));
      expect(fresh.kafka.p95Seconds).toBeLessThan(fresh.trino.p95Seconds);
      expect(fresh.trino.p95Seconds).toBeLessThan(ALERT_DEFAULTS.freshnessObjectiveSeconds);
      for (const hop of ["kafka", "trino"]) for (const q of ["p50", "p95", "p99"]) figures[`freshness probe: commit -> ${hop} ${q} (s)`] = fresh[hop][`${q}Seconds`];
      expect(report.alerts).toEqual([]);
      const screen = lakehouse("status", STACK);
      expect(screen.out).toMatch(/debezium +ok +connector bank-cdc running, 1\/1 tasks running/);
      fs.writeFileSync(path.join(OUT, "status.txt"), screen.out);
    });

    test("the connector paused, the TaskManager stopped, a Dagster run failed, then Kafka Connect stopped: each fault's alert reaches Alertmanager, the alerts page and status show them, and recovery resolves them all", async () => {
      // One window for the faults: the alerts' 60 s are waited for twice, not four times.
      const connector = stack.access.cdc!.connectorName;
      const connect = url(stack.access.cdc?.connect, "Kafka Connect");
      const orchestrator = stack.access.orchestrator!;
      const dagster = url(orchestrator.dagster, "Dagster");
      // A maintenance run its own op refuses: a run that fails for real, in seconds, touching nothing.
      const maintain = (config: Record<string, unknown>) => runDagsterJob(dagster, orchestrator.codeLocation, "iceberg_maintenance", 300_000, { ops: { maintain_iceberg_tables: { config } } });
      // The maintenance sensor launches runs of its own (the probe's table passes its small-file
      // threshold every few minutes): stopped, so the newest maintenance run is the test's.
      const automation = await pauseAutomation(dagster, orchestrator.codeLocation, () => undefined, isMaintenance);
      const faultAt = Date.now();
      await fetch(`${connectorUrl()}/pause`, { method: "PUT" });
      docker("stop", `${PREFIX}-flink-taskmanager`);
      const failedRun = maintain({ tables: [`${stack.access.namespaces.state}.users`], orphan_retention_minutes: 5 });
      let connectStopped = false;
      let recoveredAt: number | undefined;
      let recoveryRun: ReturnType<typeof maintain> | undefined;
      const recover = async () => {
        if (recoveredAt !== undefined) return;
        recoveredAt = Date.now();
        docker("start", `${PREFIX}-flink-taskmanager`);
        if (connectStopped) {
          docker("start", `${PREFIX}-connect`);
          // Its REST API answers before the worker has read its config topic: until then it lists
          // no connector, and a resume is a 404 (seen: the connector stayed paused for good).
          await eventually("Kafka Connect to list the connector again", 120_000, async () => {
            const listed = (await fetch(`${connect}/connectors`)
              .then((r) => r.json())
              .catch(() => [])) as string[];
            return listed.includes(connector) ? true : undefined;
          });
        }
        // The pause is kept in Connect's config topic: the restarted worker starts it paused.
        await eventually("the connector to be resumed", 120_000, async () => ((await fetch(`${connectorUrl()}/resume`, { method: "PUT" })).status === 202 ? true : undefined));
        // Runs never overlap: the one that resolves the alert starts after the failed one.
        await failedRun.catch(() => undefined);
        recoveryRun = maintain({ tables: [`${stack.access.namespaces.state}.users`], compact_all: false });
      };
      const firing = (name: string, labels: Record<string, string | undefined>, since = faultAt) => secondsUntilFiring(alertmanager(), name, labels, since, ALERT_BUDGET_MS);
      try {
        // Watched at once, so each figure is its own time since the faults.
        const fired = async (figure: string, name: string, labels: Record<string, string>) => {
          figures[`alert: ${figure} -> ${name} (s)`] = await firing(name, labels);
        };
        await Promise.all([
          fired("connector paused", "CdcConnectorNotRunning", { connector, status: "paused" }),
          fired("TaskManager stopped", "FlinkJobNotRunning", {}),
          fired("TaskManager stopped", "LakehouseTargetDown", { job: "flink-taskmanager" }),
          fired("TaskManager stopped", "FlinkTaskManagerLost", {}),
          // No heartbeat reaches Trino while the TaskManager is down: the oldest one passes the objective.
          fired("TaskManager stopped", "FreshnessObjectiveMissed", {}),
          failedRun.then((run) => {
            expect(run).toMatchObject({ status: "FAILURE", errors: expect.arrayContaining([expect.stringContaining("orphan_retention_minutes must be at least 10")]) });
            return fired("Dagster run failed", "DagsterRunFailed", { dagster_job: "iceberg_maintenance" });
          }),
        ]);
        const page = await screenshotAlertsPage(url(stack.access.monitoring?.prometheus, "Prometheus"), path.join(OUT, "prometheus-alerts.png"));
        // The classic alerts page (Debian's build) counts each rule's active alerts.
        expect(page).toMatch(/CdcConnectorNotRunning \([1-9]\d* active\)/);
        expect(page).toMatch(/FlinkJobNotRunning \([1-9]\d* active\)/);
        const screen = lakehouse("status", STACK);
        expect(screen.status).toBe(1);
        expect(screen.out).toMatch(/debezium +FAIL +connector bank-cdc paused/);
        expect(screen.out).toMatch(/flink taskmanagers +FAIL +down/);
        expect(screen.out).toMatch(/dagster +FAIL +newest runs: .*iceberg_maintenance FAILED/);

        const connectStoppedAt = Date.now();
        docker("stop", `${PREFIX}-connect`);
        connectStopped = true;
        figures["alert: Kafka Connect stopped -> LakehouseTargetDown (s)"] = await firing("LakehouseTargetDown", { job: "kafka-connect" }, connectStoppedAt);
        // Connect reports nothing now: the rule's absent() branch, without a status label.
        await firing("CdcConnectorNotRunning", { connector, status: undefined }, connectStoppedAt);

        await recover();
        // Each watched at once, so each figure is its own time since the recovery.
        const heartbeatsBack = async () => {
          // The freshness alert itself waits for its p95 window to pass the outage (5 minutes;
          // promtool's cases show it quiet on fresh data): the probe's heartbeats are what recover.
          await eventually("the probe's heartbeats to reach Trino again", RECOVERY_BUDGET_MS, async () => {
            const r = await lakehouseAsync("status", STACK, "--json");
            const trino = JSON.parse(r.out.slice(0, r.out.lastIndexOf("}") + 1)).freshness.find((h: { hop: string }) => h.hop === "trino");
            return trino && trino.pendingSeconds < 15 ? true : undefined;
          });
          figures["freshness probe: recovery -> heartbeats in Trino again (s)"] = Math.round((Date.now() - recoveredAt!) / 1000);
        };
        const resolved = async (name: string, labels: Record<string, string>) => {
          figures[`alert resolved after recovery: ${name} (s)`] = await secondsUntilResolved(alertmanager(), name, labels, recoveredAt!, ALERT_BUDGET_MS);
        };
        // DagsterRunFailed resolves at the next successful run, which starts only once Connect is
        // back (runs never overlap) and takes what maintenance takes on a loaded machine: its clock
        // starts when that run ends.
        const runSucceededThenResolved = async () => {
          const run = await recoveryRun!;
          expect(run).toMatchObject({ status: "SUCCESS" });
          const endedAt = Date.now();
          figures["Dagster: recovery -> a successful maintenance run (s)"] = Math.round((endedAt - recoveredAt!) / 1000);
          figures["alert resolved after that run: DagsterRunFailed (s)"] = await secondsUntilResolved(alertmanager(), "DagsterRunFailed", {}, endedAt, ALERT_BUDGET_MS);
        };
        await Promise.all([
          runSucceededThenResolved(),
          heartbeatsBack(),
          resolved("CdcConnectorNotRunning", { connector }),
          resolved("FlinkJobNotRunning", {}),
          resolved("FlinkTaskManagerLost", {}),
          resolved("LakehouseTargetDown", {}),
        ]);
      } finally {
        await recover();
        await recoveryRun?.catch(() => undefined);
        await automation.resume();
      }
      await eventually("the pipeline's and the probe's jobs to run again", 120_000, async () => (JSON.stringify(await runningNames()) === JSON.stringify(keptJobs()) ? true : undefined));
    });
  });

  describe("Flink's resume", () => {
    // Set by the first test for the two after it (see `needs`).
    let cancelled: { jid: string; name: string } | undefined;
    let resumed: true | undefined;

    test("verify names the flink hop when the job is cancelled and no keeper runs", async () => {
      // With the keeper stopped, nothing restores the job: verify must say so.
      docker("stop", `${PREFIX}-flink-pipeline`);
      try {
        const job = await pipelineJob();
        await fetch(`${url(stack.access.streamJob?.jobManager, "Flink")}/jobs/${job.jid}?mode=cancel`, { method: "PATCH" });
        await eventually("the job to be CANCELED", 60_000, async () => ((await flink(`/jobs/${job.jid}`)).state === "CANCELED" ? true : undefined));
        cancelled = job;
        const r = lakehouse("verify", STACK, "--timeout", "15");
        expect(r.status).toBe(1);
        expect(r.out).toContain(`verify failed at hop 'flink': Flink job ${stack.access.streamJob!.jobName} is CANCELED, not RUNNING: the stack's flink-pipeline service restores the job`);
      } finally {
        docker("start", `${PREFIX}-flink-pipeline`);
      }
    });

    test("the keeper resumes the cancelled job from its newest checkpoint", async () => {
      const job = needs(cancelled, "verify names the flink hop when the job is cancelled and no keeper runs");
      const running = await eventually("the keeper to resume the job", 120_000, async () => {
        const r = await pipelineJob();
        return r && r.jid !== job.jid ? r : undefined;
      });
      expect(running.name).toBe(stack.access.streamJob!.jobName);
      expect(docker("logs", `${PREFIX}-flink-pipeline`)).toMatch(new RegExp(`restoring ${stack.access.streamJob!.jobName} from s3://lakehouse/flink/checkpoints/${job.jid}/chk-\\d+`));
      resumed = true;
    });

    test("after the resume, verify passes and Trino holds every event exactly once", async () => {
      needs(resumed, "the keeper resumes the cancelled job from its newest checkpoint");
      expect(lakehouse("verify", STACK)).toMatchObject({ status: 0 });
      await waitForExactState(pg, lake, 300_000, Date.now());
      await waitForOneRawRowPerEvent(lake, events);
    });
  });

  // After Flink's resume: the bench's own users and accounts would be events the exactness checks
  // above do not expect (the Day-2 steps compare only what was committed after they start).
  test("the replication slot advances while only a table it does not capture is written (the connector's heartbeat writes one it does)", async () => {
    // Without it the slot held back every byte of such WAL, and PostgreSQL invalidated it at
    // max_slot_wal_keep_size: the pipeline stopped for good while the connector said RUNNING.
    // The freshness probe writes a captured table too: stopped, so the heartbeat alone is tested.
    docker("stop", `${PREFIX}-freshness-probe`);
    await pg.query("CREATE TABLE e2e_uncaptured (id bigint PRIMARY KEY, pad text)");
    try {
      const start = Date.now();
      await pg.query("INSERT INTO e2e_uncaptured SELECT g, repeat('x', 200) FROM generate_series(1, 200000) g");
      const { lsn } = (await pg.query("SELECT pg_current_wal_lsn()::text AS lsn")).rows[0];
      await eventually("every logical slot to confirm the WAL of the insert", 60_000, async () =>
        (await pg.query("SELECT bool_and(confirmed_flush_lsn >= $1::pg_lsn) AS past FROM pg_replication_slots WHERE slot_type = 'logical'", [lsn])).rows[0].past ? true : undefined,
      );
      figures["slot past 200,000 rows written to an uncaptured table (s)"] = Math.round((Date.now() - start) / 100) / 10;
    } finally {
      await pg.query("DROP TABLE e2e_uncaptured");
      docker("start", `${PREFIX}-freshness-probe`);
    }
  });

  test("bench --peer measures the pipeline and the Flink CDC peer side by side, and leaves nothing of the peer behind", async () => {
    // One shortened step each: this checks the mode works end to end; its figures are recorded, not asserted.
    const r = lakehouse("bench", STACK, "--peer", "--duration", "20", "--max-steps", "1", "--start-rate", "1000", "--warm-up", "0", "--trino-samples", "2", "--json");
    fs.writeFileSync(path.join(OUT, "bench-peer.log"), r.out); // its steps, timed
    expect(r).toMatchObject({ status: 0 });
    const report = JSON.parse(r.out.slice(r.out.indexOf("{"), r.out.lastIndexOf("}") + 1));
    for (const side of [report.pipeline, report.peer]) {
      expect(side.capacity.steps).toHaveLength(1);
      expect(side.capacity.steps[0].writtenPerSecond).toBeGreaterThan(0);
      expect(side.commitToTrinoMs.n).toBe(2);
    }
    figures["bench --peer, 1 step of 20 s at 1,000 rows/s: flat (pipeline / peer)"] = `${report.pipeline.capacity.steps[0].flat} / ${report.peer.capacity.steps[0].flat}`;
    figures["bench --peer: commit -> Trino p50 (ms, pipeline / peer)"] = `${report.pipeline.commitToTrinoMs.p50} / ${report.peer.commitToTrinoMs.p50}`;
    expect((await pg.query("SELECT slot_name FROM pg_replication_slots WHERE slot_name LIKE '%bench_peer%'")).rows).toEqual([]);
    expect((await pg.query("SELECT pubname FROM pg_publication WHERE pubname LIKE '%bench_peer%'")).rows).toEqual([]);
    expect((await pg.query("SELECT to_regclass('public.bench_peer_accounts') AS t")).rows[0].t).toBeNull();
    expect(await runningNames()).toEqual(keptJobs());
    expect(await trinoRows(lake.trino, `SHOW SCHEMAS FROM ${stack.access.query!.catalog} LIKE 'bench_peer'`)).toEqual([]);
    // The sensors and the schedule it stopped run again.
    expect(r.out).toMatch(/Dagster: started .*raw_tables_changed/);
  });

  test("lakehouse soak, shortened: samples every table's files, the queries and freshness while maintenance runs, and writes JSON and a PNG chart", () => {
    // The full soak (an hour, both runs) is done by hand; here it must work end to end.
    const prefix = path.join(OUT, "soak-e2e");
    const r = lakehouse("soak", STACK, "--minutes", "2", "--sample", "30", "--keys", "200", "--rate", "50", "--maintenance-every", "1", "--out", prefix);
    fs.writeFileSync(`${prefix}.log`, r.out); // its steps, timed
    expect(r).toMatchObject({ status: 0 });
    const report = JSON.parse(fs.readFileSync(`${prefix}-maintenance-on.json`, "utf8"));
    figures["soak (2 min): samples / maintenance runs"] = `${report.samples.length} / ${report.maintenanceRuns.length}`;
    // One sample as it starts, one at least when writes and maintenance have ended.
    expect(report.samples.length).toBeGreaterThanOrEqual(2);
    expect(report.samples[report.samples.length - 1].minute).toBeGreaterThanOrEqual(2);
    expect(report.maintenanceRuns.map((m: any) => m.status)).toEqual(["SUCCESS"]);
    const last = report.samples[report.samples.length - 1];
    expect(Object.keys(last.tables)).toEqual(expect.arrayContaining([`${lake.raw}.accounts`, `${lake.state}.accounts`]));
    expect(last.freshness.p95).toBeGreaterThan(0);
    expect(fs.readFileSync(`${prefix}-maintenance-on.png`).subarray(1, 4).toString()).toBe("PNG");
    // The maintenance schedule and sensor it stopped run again.
    expect(r.out).toMatch(/Dagster: started .*iceberg_tables_over_thresholds/);
  });

  // After every check of the raw log above: the new snapshot adds a row per row (op r) to it.
  describe("a lost replication slot", () => {
    // Set by the first test for the second (see `needs`): the changes missed while the slot was lost.
    let missed: { deletedUsers: number; deletedAccounts: number } | undefined;
    const connector = () => `${url(stack.access.cdc?.connect, "Kafka Connect")}/connectors/${stack.access.cdc!.connectorName}`;
    const slot = () => stack.access.cdc!.slotName;

    test("verify names the slot hop when PostgreSQL removed WAL the stopped connector had not read", async () => {
      await fetch(`${connector()}/stop`, { method: "PUT" });
      await eventually("the connector to be STOPPED", 60_000, async () => (((await (await fetch(`${connector()}/status`)).json()) as any).connector.state === "STOPPED" ? true : undefined));
      // Changes the connector never reads: a user and an account added, balances changed, and
      // users deleted with their accounts (rows the current state must lose again).
      await pg.query(
        "WITH u AS (INSERT INTO users (email, name) VALUES ('gap-' || gen_random_uuid() || '@lakehouse.e2e', 'gap') RETURNING id) INSERT INTO accounts (user_id, balance, currency) SELECT id, 5.00, 'EUR' FROM u",
      );
      await pg.query("UPDATE accounts SET balance = balance + 7 WHERE id IN (SELECT id FROM accounts WHERE abs(balance) < 1e12 ORDER BY id LIMIT 5)");
      const doomed = (await pg.query("SELECT id FROM users WHERE email NOT LIKE 'gap-%' ORDER BY id DESC LIMIT 3")).rows.map((r) => r.id);
      const deletedAccounts = (await pg.query("DELETE FROM accounts WHERE user_id = ANY($1)", [doomed])).rowCount ?? 0;
      await pg.query("DELETE FROM users WHERE id = ANY($1)", [doomed]);
      // WAL past max_slot_wal_keep_size: each switch starts a new 16 MiB segment, and the next
      // checkpoint invalidates the slot that holds them.
      const { rows } = await pg.query("SELECT setting::bigint AS mib FROM pg_settings WHERE name = 'max_slot_wal_keep_size'");
      const segments = Math.ceil(Number(rows[0].mib) / 16) + 4;
      const start = Date.now();
      for (let i = 0; i < segments; i++) await pg.query("SELECT pg_logical_emit_message(false, 'e2e', 'gap'), pg_switch_wal()");
      await pg.query("CHECKPOINT");
      expect((await pg.query("SELECT wal_status FROM pg_replication_slots WHERE slot_name = $1", [slot()])).rows).toEqual([{ wal_status: "lost" }]);
      figures["slot lost: WAL switched past max_slot_wal_keep_size (s)"] = Math.round((Date.now() - start) / 1000);
      missed = { deletedUsers: doomed.length, deletedAccounts };
      const r = lakehouse("verify", STACK, "--timeout", "15");
      expect(r.status).toBe(1);
      expect(r.out).toContain(`verify failed at hop 'slot': replication slot ${slot()} is lost`);
      expect(r.out).toContain("npm run lakehouse -- resnapshot <stack>");
    });

    test("lakehouse resnapshot, while users and accounts are written, brings the current state back to equal PostgreSQL, and verify passes", async () => {
      const gap = needs(missed, "verify names the slot hop when PostgreSQL removed WAL the stopped connector had not read");
      // The writes before the new slot exists reach the raw log only as snapshot rows: not `events`.
      const { result: r } = await whileWriting(pg, [], "resnapshot", true, () => lakehouseAsync("resnapshot", STACK));
      fs.writeFileSync(path.join(OUT, "resnapshot.log"), r.out); // its steps, timed
      expect(r).toMatchObject({ status: 0 });
      expect(r.out).toMatch(/slot was lost/);
      expect(r.out).toContain(`users: ${gap.deletedUsers} row(s) deleted in PostgreSQL while changes were missing, removed`);
      expect(r.out).toContain(`accounts: ${gap.deletedAccounts} row(s) deleted in PostgreSQL while changes were missing, removed`);
      figures["resnapshot after a lost slot: snapshot in Iceberg / all (s)"] = /the new snapshot was in Iceberg (\d+) s .*; (\d+) s in all/.exec(r.out)!.slice(1).join(" / ");
      expect(r.out).toMatch(/Dagster: started .*iceberg_tables_over_thresholds/);
      await waitForExactState(pg, lake, 300_000, Date.now());
      expect(lakehouse("verify", STACK)).toMatchObject({ status: 0 });
      for (const table of ["users", "accounts"]) expect(await rawDuplicates(lake, table)).toEqual([]);
    });
  });

  // Changes and faults on this same running stack, with its data in it (E2E_DAY2=0 skips them).
  if (process.env.E2E_DAY2 !== "0") describeDay2();

  test("destroy removes every container, volume and network of the stack", async () => {
    await pg.end();
    figures["destroy (s)"] = cdktf(["destroy", STACK, "--auto-approve"], "destroy", DESTROY_ENV);
    expect(docker("ps", "-aq", "--filter", `label=lakehouse.stack=${PREFIX}`)).toBe("");
    expect(docker("volume", "ls", "-q", "--filter", `label=lakehouse.stack=${PREFIX}`)).toBe("");
    expect(docker("network", "ls", "-q", "--filter", `label=lakehouse.stack=${PREFIX}`)).toBe("");
  });
});
