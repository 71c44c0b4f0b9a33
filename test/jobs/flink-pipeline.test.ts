import { StreamJob, Lakehouse } from "../../constructs";
import { stackOn } from "../helpers";

// eslint-disable-next-line @typescript-eslint/no-require-imports -- jobs/*.js is plain CommonJS without type declarations (tsconfig has no allowJs), so an ES import would not type-check.
const { splitStatements, rootCause } = require("../../jobs/flink-pipeline.js");

beforeAll(() => jest.spyOn(console, "log").mockImplementation(() => undefined));

describe("rootCause", () => {
  const trace =
    "org.apache.flink.table.gateway.api.utils.SqlGatewayException: Failed to fetchResults.\n\tat X.y(X.java:1)\nCaused by: java.lang.IllegalStateException: The Postgres CDC connector does not support 'latest-offset'\n\tat Z.z(Z.java:2)";

  test("the last Caused by of a plain trace", () => {
    expect(rootCause(trace)).toBe("Caused by: java.lang.IllegalStateException: The Postgres CDC connector does not support 'latest-offset'");
  });

  test("of a SQL Gateway error body, where the trace is escaped inside JSON", () => {
    expect(rootCause(JSON.stringify({ errors: ["Internal server error.", `<Exception on server side:\n${trace}\nEnd of exception on server side>`] }))).toBe(
      "Caused by: java.lang.IllegalStateException: The Postgres CDC connector does not support 'latest-offset'",
    );
  });
});

describe("splitStatements", () => {
  test("splits on semicolons outside quotes and comments", () => {
    expect(splitStatements("SET 'a' = 'x;y';\n-- a comment; with a semicolon\nCREATE TABLE `t;` (a INT);\n")).toEqual(["SET 'a' = 'x;y'", "CREATE TABLE `t;` (a INT)"]);
  });

  test("keeps an EXECUTE STATEMENT SET block as one statement", () => {
    expect(splitStatements("SET 'x' = '1';\nEXECUTE STATEMENT SET\nBEGIN\nINSERT INTO a SELECT 1;\nINSERT INTO b SELECT 2;\nEND;\n")).toEqual([
      "SET 'x' = '1'",
      "EXECUTE STATEMENT SET\nBEGIN\nINSERT INTO a SELECT 1;\nINSERT INTO b SELECT 2;\nEND",
    ]);
  });

  test("rejects an unterminated block or quote", () => {
    expect(() => splitStatements("EXECUTE STATEMENT SET BEGIN INSERT INTO a SELECT 1;")).toThrow("EXECUTE STATEMENT SET BEGIN without END");
    expect(() => splitStatements("SET 'a = 1;")).toThrow(/unterminated '/);
  });

  test("the rendered pipeline splits into settings, catalog, tables and one statement set", () => {
    const { stack, platform } = stackOn("docker");
    const job = new Lakehouse(stack, "L", { platform, dashboards: false }).streamJob as StreamJob;
    const statements: string[] = splitStatements(job.sql);
    expect(statements.filter((s) => s.startsWith("SET "))).toHaveLength(7);
    // Raw and state of users and accounts; the freshness probe has a job of its own.
    expect(statements.filter((s) => s.startsWith("CREATE TEMPORARY TABLE"))).toHaveLength(4);
    expect(statements.filter((s) => s.startsWith("CREATE TABLE IF NOT EXISTS"))).toHaveLength(4);
    const set = statements[statements.length - 1];
    expect(set).toMatch(/^EXECUTE STATEMENT SET\nBEGIN\n/);
    expect(set.match(/INSERT INTO/g)).toHaveLength(4);
    expect(set).toMatch(/;\nEND$/);
  });

  test("the probe's job: its state table only, one slot, its own consumer group and checkpoint directory", () => {
    const { stack, platform } = stackOn("docker");
    const job = new Lakehouse(stack, "L", { platform, dashboards: false }).streamJob as StreamJob;
    const statements: string[] = splitStatements(job.probeSql!);
    expect(statements).toEqual(
      expect.arrayContaining([`SET 'pipeline.name' = '${job.probeJobName}'`, "SET 'parallelism.default' = '1'", "SET 'state.checkpoints.dir' = 's3://lakehouse/flink-probe/checkpoints'"]),
    );
    expect(statements.filter((s) => s.startsWith("CREATE TEMPORARY TABLE"))).toEqual([expect.stringContaining("'properties.group.id' = 'lakehouse-flink-probe-state'")]);
    expect(statements[statements.length - 1].match(/INSERT INTO lakehouse\.\w+\.\w+/g)).toEqual(["INSERT INTO lakehouse.bank.lakehouse_freshness_probe"]);
    expect(job.sql).not.toContain("lakehouse_freshness_probe");
    expect(job.sql).not.toContain("state.checkpoints.dir");
  });
});

// eslint-disable-next-line @typescript-eslint/no-require-imports -- jobs/*.js is plain CommonJS without type declarations (tsconfig has no allowJs), so an ES import would not type-check.
const { createKeeper } = require("../../jobs/flink-pipeline.js");

/** A Flink cluster, S3 bucket and Iceberg catalog in memory: what the keeper sees and does. */
function fakes(
  opts: {
    jobs?: { jid: string; name: string; state: string; "end-time": number }[];
    objects?: { key: string; lastModified: number }[];
    committed?: string[];
    failPlan?: string;
    failStart?: string[];
  } = {},
) {
  const jobs = [...(opts.jobs ?? [])];
  const sqlStore = new Map<string, string>();
  const started: { name: string; from?: string }[] = [];
  let n = 0;
  const flink = {
    ready: async () => ({}),
    jobs: async () => jobs,
    job: async (jid: string) => jobs.find((j) => j.jid === jid),
    lastCheckpointAt: async () => 1,
    rootException: async () => "java.lang.IllegalStateException: boom",
    stopWithSavepoint: async (jid: string) => {
      jobs.find((j) => j.jid === jid)!.state = "FINISHED";
      return "s3://lakehouse/flink/savepoints/savepoint-1";
    },
    runStatements: async (statements: string[], sessionName: string) => {
      const last = statements[statements.length - 1];
      if (last.startsWith("EXPLAIN")) {
        if (opts.failPlan) throw new Error(opts.failPlan);
        return undefined;
      }
      const from = /execution\.state-recovery\.path' = '([^']+)'/.exec(statements.join("\n"))?.[1];
      const jid = `job-${++n}`;
      jobs.push({ jid, name: sessionName, state: opts.failStart?.includes(sessionName) ? "FAILED" : "RUNNING", "end-time": -1 });
      started.push({ name: sessionName, from });
      return jid;
    },
  };
  const s3 = {
    list: async () => opts.objects ?? [],
    get: async (key: string) => sqlStore.get(key),
    put: async (key: string, text: string) => void sqlStore.set(key, text),
  };
  const catalog = { hasCommits: async (ns: string, t: string) => (opts.committed ?? []).includes(`${ns}.${t}`), evolve: async () => [] };
  return { jobs, started, sqlStore, flink, s3, catalog };
}

const SQL = "SET 'pipeline.name' = 'p-bbbbbbbbbbbb';\nEXECUTE STATEMENT SET\nBEGIN\nINSERT INTO a SELECT 1;\nEND;\n";
const keeperOn = (f: ReturnType<typeof fakes>) =>
  createKeeper({
    jobName: "p-bbbbbbbbbbbb",
    jobFamily: "p-",
    sql: SQL,
    bucket: "lakehouse",
    statePrefix: "flink/",
    savepointDir: "s3://lakehouse/flink/savepoints",
    tables: { raw: [{ namespace: "raw_data", name: "users" }], state: [{ namespace: "bank", name: "users", columns: [] }] },
    flink: f.flink,
    s3: f.s3,
    catalog: f.catalog,
  });

describe("the pipeline keeper", () => {
  test("leaves the target version alone while it runs", async () => {
    const f = fakes({ jobs: [{ jid: "a", name: "p-bbbbbbbbbbbb", state: "RUNNING", "end-time": -1 }] });
    const k = keeperOn(f);
    await k.reconcile();
    expect({ state: k.status.state, started: f.started }).toEqual({ state: "RUNNING", started: [] });
  });

  test("upgrades an older version through a savepoint", async () => {
    const f = fakes({ jobs: [{ jid: "a", name: "p-aaaaaaaaaaaa", state: "RUNNING", "end-time": -1 }] });
    const k = keeperOn(f);
    await k.reconcile();
    expect(f.started).toEqual([{ name: "p-bbbbbbbbbbbb", from: "s3://lakehouse/flink/savepoints/savepoint-1" }]);
    expect(k.status).toMatchObject({ state: "RUNNING", action: "upgraded from p-aaaaaaaaaaaa" });
    expect(f.sqlStore.get("flink/pipelines/p-bbbbbbbbbbbb.sql")).toBe(SQL);
  });

  test("keeps the old version running when the new SQL does not plan", async () => {
    const f = fakes({ jobs: [{ jid: "a", name: "p-aaaaaaaaaaaa", state: "RUNNING", "end-time": -1 }], failPlan: "statement failed: Column 'x' not found" });
    const k = keeperOn(f);
    await expect(k.reconcile()).rejects.toThrow(/new pipeline SQL \(p-bbbbbbbbbbbb\) does not plan; p-aaaaaaaaaaaa keeps running.*Column 'x' not found/);
    expect(f.jobs[0].state).toBe("RUNNING");
    await k.reconcile();
    expect({ state: k.status.state, started: f.started }).toEqual({ state: "FAILED", started: [] });
  });

  test("restores the old version from the savepoint when the new one fails to start", async () => {
    const f = fakes({ jobs: [{ jid: "a", name: "p-aaaaaaaaaaaa", state: "RUNNING", "end-time": -1 }], failStart: ["p-bbbbbbbbbbbb"] });
    f.sqlStore.set("flink/pipelines/p-aaaaaaaaaaaa.sql", "old sql;");
    const k = keeperOn(f);
    await expect(k.reconcile()).rejects.toThrow(/p-bbbbbbbbbbbb failed to start and p-aaaaaaaaaaaa was restored from savepoint .*savepoint-1.*boom/);
    expect(f.started.map((s) => s.name)).toEqual(["p-bbbbbbbbbbbb", "p-aaaaaaaaaaaa"]);
    expect(f.started[1].from).toBe("s3://lakehouse/flink/savepoints/savepoint-1");
  });

  test("with no job running, restores the newest retained checkpoint or savepoint", async () => {
    const f = fakes({
      objects: [
        { key: "flink/checkpoints/j1/chk-7/_metadata", lastModified: 100 },
        { key: "flink/savepoints/savepoint-abc/_metadata", lastModified: 300 },
        { key: "flink/checkpoints/j2/chk-3/_metadata", lastModified: 200 },
        { key: "flink/checkpoints/j2/shared/x", lastModified: 400 },
      ],
    });
    const k = keeperOn(f);
    await k.reconcile();
    expect(f.started).toEqual([{ name: "p-bbbbbbbbbbbb", from: "s3://lakehouse/flink/savepoints/savepoint-abc" }]);
  });

  test("refuses to replay Kafka into tables that hold commits when no state is retained", async () => {
    const f = fakes({ committed: ["raw_data.users"] });
    const k = keeperOn(f);
    await expect(k.reconcile()).rejects.toThrow(/no retained checkpoint or savepoint under s3:\/\/lakehouse\/flink\/, but raw_data\.users already hold commits/);
    expect(f.started).toEqual([]);
  });

  test("starts fresh when nothing was ever committed", async () => {
    const f = fakes();
    const k = keeperOn(f);
    await k.reconcile();
    expect(f.started).toEqual([{ name: "p-bbbbbbbbbbbb", from: undefined }]);
    expect(k.status).toMatchObject({ state: "RUNNING", action: "started fresh" });
  });
});
