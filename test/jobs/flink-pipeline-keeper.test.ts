import * as http from "http";
import { AddressInfo } from "net";
import { FakeFlink } from "./fake-flink";

// eslint-disable-next-line @typescript-eslint/no-require-imports -- jobs/*.js is plain CommonJS without type declarations (tsconfig has no allowJs), so an ES import would not type-check.
const { createKeeper, flinkClient, awaitRollout } = require("../../jobs/flink-pipeline.js");

// The keeper's decision (unchanged / upgrade through a savepoint / restore / refuse / roll back)
// against a Flink JobManager REST API and SQL Gateway served over HTTP by FakeFlink, through the
// same flinkClient the keeper runs with. S3 and the Iceberg catalog stay in memory.

/** Short waits: the paths are the same, the tests take milliseconds instead of minutes. */
const TIMING = { waitMs: 1_000, pollMs: 20, statementPollMs: 5 };
const OLD_SQL = "SET 'pipeline.name' = 'p-aaaaaaaaaaaa';\nEXECUTE STATEMENT SET\nBEGIN\nINSERT INTO a SELECT 0;\nEND;\n";
const NEW_SQL = "SET 'pipeline.name' = 'p-bbbbbbbbbbbb';\nEXECUTE STATEMENT SET\nBEGIN\nINSERT INTO a SELECT 1;\nEND;\n";
const SAVEPOINTS = "s3://lakehouse/flink/savepoints";

let flink: FakeFlink;
beforeAll(() => jest.spyOn(console, "log").mockImplementation(() => undefined));
beforeEach(async () => {
  flink = await new FakeFlink().start();
});
afterEach(() => flink.stop());

/** The keeper for version p-bbbbbbbbbbbb, with S3 (holding p-aaaaaaaaaaaa's SQL unless told otherwise) and a catalog in memory (whose evolve changes nothing unless told otherwise). */
function keeper(opts: { objects?: { key: string; lastModified: number }[]; committed?: string[]; oldSqlStored?: boolean; evolve?: () => Promise<string[]> } = {}) {
  const stored = new Map<string, string>(opts.oldSqlStored === false ? [] : [["flink/pipelines/p-aaaaaaaaaaaa.sql", OLD_SQL]]);
  const k = createKeeper({
    ...keeperDeps(),
    tables: { raw: [{ namespace: "raw_data", name: "users" }], state: [{ namespace: "bank", name: "users", columns: [] }] },
    s3: { list: async () => opts.objects ?? [], get: async (key: string) => stored.get(key), put: async (key: string, text: string) => void stored.set(key, text) },
    catalog: { hasCommits: async (ns: string, t: string) => (opts.committed ?? []).includes(`${ns}.${t}`), evolve: opts.evolve ?? (async () => []) },
  });
  return { k, stored };
}

/** Jobs as `name:state`, optionally with what they were restored from. */
const jobs = () => flink.jobs.map((j) => `${j.name}:${j.state}${j.restoredFrom ? ` from ${j.restoredFrom.replace(SAVEPOINTS, "<savepoints>")}` : ""}`);
const stops = () => flink.calls("jobmanager", "POST", /\/stop$/);

describe("the keeper against a Flink REST API and SQL Gateway over HTTP", () => {
  describe("unchanged", () => {
    test("the target version running: nothing is submitted or stopped, the status reports its checkpoint", async () => {
      flink.addJob("p-bbbbbbbbbbbb");
      const { k } = keeper();
      await k.reconcile();
      expect(k.status).toMatchObject({ state: "RUNNING", jobId: flink.jobs[0].jid, lastCheckpointAt: 1_700_000_000_000 });
      expect({ statements: flink.statements(), stops: stops() }).toEqual({ statements: [], stops: [] });
    });

    test("the target version still starting: WAITING, nothing is submitted", async () => {
      flink.addJob("p-bbbbbbbbbbbb", "INITIALIZING");
      const { k } = keeper();
      await k.reconcile();
      expect(k.status.state).toBe("WAITING");
      expect(flink.statements()).toEqual([]);
    });

    test("jobs of another family are not the pipeline, even one whose name starts with the family (the probe's)", async () => {
      flink.addJob("other-job");
      flink.addJob("p-probe-cccccccccccc");
      const { k } = keeper();
      await k.reconcile();
      expect(jobs()).toEqual(["other-job:RUNNING", "p-probe-cccccccccccc:RUNNING", "p-bbbbbbbbbbbb:RUNNING"]);
      expect(stops()).toEqual([]);
    });
  });

  describe("upgrade with a savepoint", () => {
    test("plans the new SQL while the old runs, stops the old with a savepoint, starts the new from it", async () => {
      const old = flink.addJob("p-aaaaaaaaaaaa");
      flink.behaviour.savepointPolls = 2;
      const { k, stored } = keeper();
      await k.reconcile();

      expect(jobs()).toEqual(["p-aaaaaaaaaaaa:FINISHED", expect.stringMatching(/^p-bbbbbbbbbbbb:RUNNING from <savepoints>\/savepoint-\d+$/)]);
      expect(k.status).toMatchObject({ state: "RUNNING", action: "upgraded from p-aaaaaaaaaaaa", jobId: flink.jobs[1].jid });
      // EXPLAIN first (no job), then the statements that start the new version from the savepoint.
      const statements = flink.statements();
      expect(statements[1]).toMatch(/^EXPLAIN STATEMENT SET/);
      expect(statements.slice(2)).toEqual([
        `SET 'execution.state-recovery.path' = '${flink.jobs[1].restoredFrom}'`,
        "SET 'execution.state-recovery.ignore-unclaimed-state' = 'true'",
        "SET 'pipeline.name' = 'p-bbbbbbbbbbbb'",
        "EXECUTE STATEMENT SET\nBEGIN\nINSERT INTO a SELECT 1;\nEND",
      ]);
      expect(stops().map((r) => [r.path, r.body])).toEqual([[`/jobs/${old.jid}/stop`, { targetDirectory: SAVEPOINTS, drain: false }]]);
      expect(stored.get("flink/pipelines/p-bbbbbbbbbbbb.sql")).toBe(NEW_SQL);
      // Every gateway session is closed again.
      expect(flink.calls("gateway", "DELETE", /^\/v1\/sessions\//)).toHaveLength(flink.calls("gateway", "POST", /^\/v1\/sessions$/).length);
    });

    test("new SQL that does not plan: the old version keeps running, nothing is stopped, later passes report FAILED", async () => {
      flink.addJob("p-aaaaaaaaaaaa");
      flink.behaviour.statementError = (s) => (s.startsWith("EXPLAIN") ? "org.apache.flink.table.api.ValidationException: Column 'x' not found in any table" : undefined);
      const { k } = keeper();
      await expect(k.reconcile()).rejects.toThrow(
        /the new pipeline SQL \(p-bbbbbbbbbbbb\) does not plan; p-aaaaaaaaaaaa keeps running\. statement failed: EXPLAIN STATEMENT SET.*Column 'x' not found/s,
      );
      expect({ jobs: jobs(), stops: stops() }).toEqual({ jobs: ["p-aaaaaaaaaaaa:RUNNING"], stops: [] });
      expect(flink.calls("gateway", "DELETE", /^\/v1\/sessions\//)).toHaveLength(1);

      await k.reconcile();
      expect(k.status.state).toBe("FAILED");
      expect(flink.statements().filter((s) => s.startsWith("EXPLAIN"))).toHaveLength(1);
    });

    test("a savepoint that fails: retried on the next passes, then fatal naming the job and Flink's cause; nothing new is started", async () => {
      const old = flink.addJob("p-aaaaaaaaaaaa");
      flink.behaviour.savepointFailure = "java.util.concurrent.CompletionException: x\nCaused by: java.io.IOException: bucket lakehouse not found";
      const { k } = keeper();
      const cause = `stop-with-savepoint of ${old.jid} failed: Caused by: java.io.IOException: bucket lakehouse not found`;
      for (const attempt of [1, 2]) {
        const err = await k.reconcile().catch((e: Error) => e);
        expect(err.message).toBe(`${cause} (attempt ${attempt} of 3; p-aaaaaaaaaaaa keeps running and the next pass tries again)`);
        expect(err.constructor.name).toBe("Error");
      }
      const last = await k.reconcile().catch((e: Error) => e);
      expect([last.constructor.name, last.message]).toEqual(["SavepointFailed", cause]);
      expect(stops()).toHaveLength(3);
      expect(jobs()).toEqual(["p-aaaaaaaaaaaa:RUNNING"]);
      expect(flink.statements().filter((s) => s.startsWith("EXECUTE"))).toEqual([]);
    });

    test("a savepoint that fails once: the next pass upgrades", async () => {
      flink.addJob("p-aaaaaaaaaaaa");
      flink.behaviour.savepointFailure = "org.apache.flink.runtime.checkpoint.CheckpointException: Checkpoint was declined (task is not ready)";
      const { k } = keeper();
      await expect(k.reconcile()).rejects.toThrow("attempt 1 of 3");
      expect(k.status.state).toBe("UPGRADING");
      flink.behaviour.savepointFailure = undefined;
      await k.reconcile();
      expect([k.status.state, jobs()]).toEqual(["RUNNING", ["p-aaaaaaaaaaaa:FINISHED", expect.stringMatching(/^p-bbbbbbbbbbbb:RUNNING from <savepoints>/)]]);
    });

    test("a savepoint that never completes: times out naming it, nothing new is started", async () => {
      const old = flink.addJob("p-aaaaaaaaaaaa");
      flink.behaviour.savepointPolls = Infinity;
      const { k } = keeper();
      await expect(k.reconcile()).rejects.toThrow(`timed out after 1s waiting for the savepoint of job ${old.jid}`);
      expect(flink.statements().filter((s) => s.startsWith("EXECUTE"))).toEqual([]);
    });

    test("the new job fails after submit: the old SQL is started again from the same savepoint and the error says so", async () => {
      flink.addJob("p-aaaaaaaaaaaa");
      flink.behaviour.stateAfterSubmit = (name) => (name === "p-bbbbbbbbbbbb" ? "FAILED" : "RUNNING");
      const { k } = keeper();
      await expect(k.reconcile()).rejects.toThrow(
        /the new pipeline version p-bbbbbbbbbbbb failed to start and p-aaaaaaaaaaaa was restored from savepoint s3:\/\/lakehouse\/flink\/savepoints\/savepoint-\S+\. Flink said: job p-bbbbbbbbbbbb FAILED: Caused by: java\.lang\.IllegalStateException: boom/,
      );
      const [, failed, restored] = flink.jobs;
      expect([failed.name, failed.state, restored.name, restored.state]).toEqual(["p-bbbbbbbbbbbb", "FAILED", "p-aaaaaaaaaaaa", "RUNNING"]);
      expect(restored.restoredFrom).toBe(failed.restoredFrom);
      expect(k.status.jobId).toBe(restored.jid);

      // The rolled-back version is not tried again while the old one runs.
      await k.reconcile();
      expect(k.status.state).toBe("FAILED");
      expect(flink.jobs).toHaveLength(3);
    });

    test("the new job never reaches RUNNING: times out and rolls back the same way", async () => {
      flink.addJob("p-aaaaaaaaaaaa");
      flink.behaviour.stateAfterSubmit = (name) => (name === "p-bbbbbbbbbbbb" ? "CREATED" : "RUNNING");
      const { k } = keeper();
      await expect(k.reconcile()).rejects.toThrow(
        /p-bbbbbbbbbbbb failed to start and p-aaaaaaaaaaaa was restored from savepoint .*timed out after 1s waiting for job \S+ \(p-bbbbbbbbbbbb\) to be RUNNING/,
      );
      expect(flink.jobs.map((j) => j.name)).toEqual(["p-aaaaaaaaaaaa", "p-bbbbbbbbbbbb", "p-aaaaaaaaaaaa"]);
    });

    test("the new job fails and the old SQL is not in S3: the pipeline is reported stopped, with the savepoint to restore", async () => {
      flink.addJob("p-aaaaaaaaaaaa");
      flink.behaviour.stateAfterSubmit = () => "FAILED";
      const { k } = keeper({ oldSqlStored: false });
      await expect(k.reconcile()).rejects.toThrow(
        /p-bbbbbbbbbbbb failed to start \(.*boom\) and the SQL of p-aaaaaaaaaaaa is not at s3:\/\/lakehouse\/flink\/pipelines\/p-aaaaaaaaaaaa\.sql to restore it: the pipeline is stopped; savepoint s3:\/\/lakehouse\/flink\/savepoints\//,
      );
      expect(flink.jobs.map((j) => j.name)).toEqual(["p-aaaaaaaaaaaa", "p-bbbbbbbbbbbb"]);
    });

    test("after a rollback, the old version stopped since is started again from the newest retained state", async () => {
      flink.addJob("p-aaaaaaaaaaaa");
      flink.behaviour.stateAfterSubmit = (name) => (name === "p-bbbbbbbbbbbb" ? "FAILED" : "RUNNING");
      const { k } = keeper({ objects: [{ key: "flink/checkpoints/j/chk-9/_metadata", lastModified: 5 }] });
      await expect(k.reconcile()).rejects.toThrow(/p-aaaaaaaaaaaa was restored/);
      flink.jobs[2].state = "CANCELED";
      flink.jobs[2]["end-time"] = Date.now();
      await k.reconcile();
      expect(flink.jobs[3]).toMatchObject({ name: "p-aaaaaaaaaaaa", state: "RUNNING", restoredFrom: "s3://lakehouse/flink/checkpoints/j/chk-9" });
      expect(k.status.state).toBe("FAILED");
    });

    test("after a rollback, the old version stopped since and its SQL gone from S3: fatal, telling to re-apply a working version; nothing is started", async () => {
      flink.addJob("p-aaaaaaaaaaaa");
      flink.behaviour.stateAfterSubmit = (name) => (name === "p-bbbbbbbbbbbb" ? "FAILED" : "RUNNING");
      const { k, stored } = keeper();
      await expect(k.reconcile()).rejects.toThrow(/p-aaaaaaaaaaaa was restored/);
      flink.jobs[2].state = "CANCELED";
      flink.jobs[2]["end-time"] = Date.now();
      stored.delete("flink/pipelines/p-aaaaaaaaaaaa.sql");
      const executed = flink.statements().filter((s) => s.startsWith("EXECUTE")).length;
      const err = await k.reconcile().catch((e: Error) => e);
      expect([err.constructor.name, err.message]).toEqual(["FatalError", "no pipeline is running and p-bbbbbbbbbbbb was rolled back; re-apply a working version"]);
      expect(flink.jobs.map((j) => `${j.name}:${j.state}`)).toEqual(["p-aaaaaaaaaaaa:FINISHED", "p-bbbbbbbbbbbb:FAILED", "p-aaaaaaaaaaaa:CANCELED"]);
      expect(flink.statements().filter((s) => s.startsWith("EXECUTE"))).toHaveLength(executed);
    });

    test("a catalog evolve that fails: the error names it, the old version keeps running, nothing is planned, stopped or submitted", async () => {
      flink.addJob("p-aaaaaaaaaaaa");
      const refused = "bank.users.balance is decimal(10, 2) in Iceberg and bigint in the pipeline: only added columns and wider decimals are migrated";
      const { k } = keeper({
        evolve: async () => {
          throw new Error(refused);
        },
      });
      await expect(k.reconcile()).rejects.toThrow(refused);
      expect({ jobs: jobs(), stops: stops(), statements: flink.statements() }).toEqual({ jobs: ["p-aaaaaaaaaaaa:RUNNING"], stops: [], statements: [] });
    });
  });

  describe("resume (no version running)", () => {
    test("restores the newest retained checkpoint or savepoint", async () => {
      flink.addJob("p-aaaaaaaaaaaa", "FAILED");
      const objects = [
        { key: "flink/checkpoints/j1/chk-7/_metadata", lastModified: 100 },
        { key: "flink/savepoints/savepoint-abc/_metadata", lastModified: 300 },
        { key: "flink/checkpoints/j1/shared/x", lastModified: 400 },
      ];
      const { k } = keeper({ objects });
      await k.reconcile();
      expect(jobs()).toEqual(["p-aaaaaaaaaaaa:FAILED", "p-bbbbbbbbbbbb:RUNNING from <savepoints>/savepoint-abc"]);
      expect(k.status).toMatchObject({ state: "RUNNING", action: "restored from s3://lakehouse/flink/savepoints/savepoint-abc" });
      expect(flink.calls("gateway", "GET", /^\/v1\/info$/)).toHaveLength(1);
    });

    test("starts fresh when nothing was ever committed", async () => {
      const { k } = keeper();
      await k.reconcile();
      expect(jobs()).toEqual(["p-bbbbbbbbbbbb:RUNNING"]);
      expect(k.status).toMatchObject({ state: "RUNNING", action: "started fresh" });
    });

    test("refuses to replay Kafka into raw log tables that hold commits", async () => {
      const { k } = keeper({ committed: ["raw_data.users", "bank.users"] });
      await expect(k.reconcile()).rejects.toThrow(/no retained checkpoint or savepoint under s3:\/\/lakehouse\/flink\/, but raw_data\.users already hold commits/);
      expect(flink.statements()).toEqual([]);
    });

    test("starts fresh over current-state tables that hold commits: they take the same upserts again", async () => {
      const { k } = keeper({ committed: ["bank.users"] });
      await k.reconcile();
      expect(jobs()).toEqual(["p-bbbbbbbbbbbb:RUNNING"]);
      expect(k.status.action).toBe("started fresh");
    });

    test("a restored job that fails: the error carries Flink's root exception", async () => {
      flink.behaviour.stateAfterSubmit = () => "FAILED";
      const { k } = keeper();
      await expect(k.reconcile()).rejects.toThrow("job p-bbbbbbbbbbbb FAILED: Caused by: java.lang.IllegalStateException: boom");
    });
  });

  describe("gateway errors", () => {
    test("a gateway that answers 503 (starting): a transient error, nothing is started, the next pass succeeds", async () => {
      flink.behaviour.gatewayStatus = 503;
      const { k } = keeper();
      const err = await k.reconcile().catch((e: Error) => e);
      expect(err).toBeInstanceOf(Error);
      expect(err.constructor.name).toBe("HttpError");
      expect(err.message).toMatch(/GET http:\/\/127\.0\.0\.1:\d+\/v1\/info answered 503/);
      flink.behaviour.gatewayStatus = undefined;
      await k.reconcile();
      expect(jobs()).toEqual(["p-bbbbbbbbbbbb:RUNNING"]);
    });

    test("a statement the gateway refuses: fatal, naming the statement, and the session is closed", async () => {
      flink.behaviour.statementError = (s) => (s.startsWith("EXECUTE") ? "org.apache.flink.table.api.TableException: Could not find a sink" : undefined);
      const { k } = keeper();
      await expect(k.reconcile()).rejects.toThrow(/statement failed: EXECUTE STATEMENT SET BEGIN INSERT INTO a SELECT 1; END\n.*Could not find a sink/s);
      expect(flink.calls("gateway", "DELETE", /^\/v1\/sessions\//)).toHaveLength(1);
      expect(flink.jobs).toEqual([]);
    });

    test("SQL that starts no job is refused", async () => {
      flink.behaviour.statementError = () => undefined;
      const k = createKeeper({
        ...keeperDeps(),
        sql: "SET 'pipeline.name' = 'p-bbbbbbbbbbbb';\n",
      });
      await expect(k.reconcile()).rejects.toThrow("the SQL started no job: it must end with EXECUTE STATEMENT SET");
    });
  });
});

describe("awaitRollout against the keeper's status endpoint", () => {
  let status: Record<string, unknown> = {};
  let server: http.Server;
  let url = "";
  beforeEach(async () => {
    server = http.createServer((_req, res) => res.end(JSON.stringify(status)));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterEach(() => new Promise((resolve) => server.close(resolve)));

  test("resolves once the target runs with a checkpoint completed since the step began", async () => {
    status = { target: "p-bbbbbbbbbbbb", state: "RUNNING", checkedAt: Date.now() + 60_000, lastCheckpointAt: Date.now() + 60_000, jobId: "j" };
    await expect(awaitRollout({ keeperUrl: url, jobName: "p-bbbbbbbbbbbb", timeoutMs: 2_000 })).resolves.toBeUndefined();
  });

  test("fails at once with the keeper's error when it reports FAILED", async () => {
    status = { target: "p-bbbbbbbbbbbb", state: "FAILED", checkedAt: Date.now() + 60_000, error: "p-bbbbbbbbbbbb failed to start and p-aaaaaaaaaaaa was restored" };
    await expect(awaitRollout({ keeperUrl: url, jobName: "p-bbbbbbbbbbbb", timeoutMs: 5_000 })).rejects.toThrow("p-bbbbbbbbbbbb failed to start and p-aaaaaaaaaaaa was restored");
  });

  test("times out while the keeper still runs another version", async () => {
    status = { target: "p-aaaaaaaaaaaa", state: "RUNNING", checkedAt: Date.now() + 60_000, lastCheckpointAt: Date.now() + 60_000 };
    await expect(awaitRollout({ keeperUrl: url, jobName: "p-bbbbbbbbbbbb", timeoutMs: 500 })).rejects.toThrow(
      "timed out after 0.5s waiting for the keeper to run p-bbbbbbbbbbbb and complete a checkpoint",
    );
  });
});

/** Dependencies of a keeper for p-bbbbbbbbbbbb with nothing stored, for tests that override one. */
function keeperDeps() {
  return {
    jobName: "p-bbbbbbbbbbbb",
    jobFamily: "p-",
    sql: NEW_SQL,
    bucket: "lakehouse",
    statePrefix: "flink/",
    savepointDir: SAVEPOINTS,
    tables: { raw: [], state: [] },
    flink: flinkClient({ gateway: flink.gatewayUrl, jobmanager: flink.jobmanagerUrl }, TIMING),
    s3: { list: async () => [], get: async () => undefined, put: async () => undefined },
    catalog: { hasCommits: async () => false, evolve: async () => [] },
    timing: TIMING,
  };
}
