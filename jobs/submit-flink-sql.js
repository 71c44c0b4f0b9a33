// @ts-check
"use strict";
/**
 * Submits the pipeline's Flink SQL through the SQL Gateway, exactly once per SQL version:
 * - a job with the same name (the name carries a hash of the SQL) already running: nothing to do;
 * - an older version of the pipeline running: stop it with a savepoint and start the new SQL
 *   from that savepoint, so Kafka offsets and Iceberg commits carry over without replay;
 * - no version running, but a cancelled or failed one left a retained checkpoint: resume from it;
 * - otherwise: submit, then wait until the job is RUNNING.
 *
 * Env: GATEWAY_URL, JOBMANAGER_URL, JOB_NAME, JOB_FAMILY (name prefix shared by all versions),
 * SQL_FILE, TASK_MANAGERS, SAVEPOINT_DIR, TIMEOUT_SECONDS.
 */
const fs = require("fs");
const { env, http, log, until, run, FatalError, HttpError, sleep } = require("./lib");

const ACTIVE = new Set(["INITIALIZING", "CREATED", "RUNNING", "RESTARTING", "RECONCILING"]);

/**
 * Splits a SQL script into statements on `;` outside quotes and comments. An
 * `EXECUTE STATEMENT SET BEGIN ... END` block stays one statement.
 * @param {string} sql @returns {string[]}
 */
function splitStatements(sql) {
  /** @type {string[]} */
  const parts = [];
  let current = "";
  for (let i = 0; i < sql.length; i++) {
    const c = sql[i];
    if (c === "-" && sql[i + 1] === "-") {
      const end = sql.indexOf("\n", i);
      i = end === -1 ? sql.length : end;
      current += "\n";
      continue;
    }
    if (c === "'" || c === "`" || c === '"') {
      const close = sql.indexOf(c, i + 1);
      if (close === -1) throw new Error(`unterminated ${c} in SQL near: ${sql.slice(i, i + 60)}`);
      current += sql.slice(i, close + 1);
      i = close;
      continue;
    }
    if (c === ";") {
      parts.push(current.trim());
      current = "";
      continue;
    }
    current += c;
  }
  parts.push(current.trim());
  /** @type {string[]} */
  const statements = [];
  /** @type {string[] | undefined} */
  let block;
  for (const part of parts.filter((p) => p !== "")) {
    if (block) {
      if (/^END$/i.test(part)) {
        statements.push(`${block.join(";\n")};\nEND`);
        block = undefined;
      } else {
        block.push(part);
      }
    } else if (/^EXECUTE\s+STATEMENT\s+SET\s+BEGIN\b/i.test(part)) {
      block = [part];
    } else {
      statements.push(part);
    }
  }
  if (block) throw new Error("EXECUTE STATEMENT SET BEGIN without END");
  return statements;
}

/** @param {string} text */
function rootCause(text) {
  const causes = text.split("\n").filter((l) => /^\s*Caused by:|Exception:/.test(l));
  return (causes[causes.length - 1] ?? text.split("\n")[0]).trim();
}

/**
 * Runs one statement in a gateway session; returns the result rows and the job id, if any.
 * @param {string} gateway @param {string} session @param {string} statement
 */
async function execute(gateway, session, statement) {
  const head = statement.replace(/\s+/g, " ").slice(0, 80);
  const { operationHandle } = await http("POST", `${gateway}/v1/sessions/${session}/statements`, { statement });
  /** @type {unknown[][]} */
  const rows = [];
  let jobId;
  let uri = `/v1/sessions/${session}/operations/${operationHandle}/result/0`;
  for (;;) {
    let page;
    try {
      page = await http("GET", `${gateway}${uri}`);
    } catch (err) {
      if (err instanceof HttpError) throw new FatalError(`statement failed: ${head}\n  ${rootCause(err.body)}`);
      throw err;
    }
    if (page.jobID) jobId = page.jobID;
    if (page.resultType === "NOT_READY") {
      await sleep(500);
      continue;
    }
    for (const row of page.results?.data ?? []) rows.push(row.fields);
    if (page.resultType === "EOS" || !page.nextResultUri) break;
    uri = page.nextResultUri;
  }
  log(`ok: ${head}`);
  return { rows, jobId };
}

/**
 * @param {string} jobmanager @param {string} jid @param {string} targetDirectory @param {number} timeoutMs
 * @returns {Promise<string>} the savepoint location
 */
async function stopWithSavepoint(jobmanager, jid, targetDirectory, timeoutMs) {
  const { "request-id": requestId } = await http("POST", `${jobmanager}/jobs/${jid}/stop`, { targetDirectory, drain: false });
  return until(`savepoint of job ${jid}`, async () => {
    const s = await http("GET", `${jobmanager}/jobs/${jid}/savepoints/${requestId}`);
    if (s.status.id !== "COMPLETED") return undefined;
    if (s.operation?.["failure-cause"]) throw new FatalError(`stop-with-savepoint of ${jid} failed: ${s.operation["failure-cause"]["stack-trace"]?.split("\n")[0]}`);
    return s.operation.location;
  }, { timeoutMs });
}

/**
 * @param {{ gateway: string, jobmanager: string, jobName: string, jobFamily: string, sql: string,
 *   taskManagers: number, savepointDir: string, timeoutMs?: number }} input
 * @returns {Promise<{ jobId: string, action: "unchanged" | "submitted" | "upgraded" | "resumed" }>}
 */
async function submitPipeline(input) {
  const { gateway, jobmanager, jobName, jobFamily, taskManagers, savepointDir, timeoutMs = 600_000 } = input;
  await until(`${taskManagers} TaskManager(s) registered at ${jobmanager}`, async () => {
    const o = await http("GET", `${jobmanager}/overview`);
    return o.taskmanagers >= taskManagers ? o : undefined;
  }, { timeoutMs });

  const { jobs } = await http("GET", `${jobmanager}/jobs/overview`);
  const active = jobs.filter((/** @type {{state: string}} */ j) => ACTIVE.has(j.state));
  const same = active.find((/** @type {{name: string}} */ j) => j.name === jobName);
  if (same) {
    log(`job ${jobName} already ${same.state} (${same.jid}); nothing to submit`);
    return { jobId: same.jid, action: "unchanged" };
  }

  const statements = splitStatements(input.sql);
  /** @param {string} location */
  const startFrom = (location) => statements.unshift(`SET 'execution.savepoint.path' = '${location}'`, "SET 'execution.savepoint.ignore-unclaimed-state' = 'true'");
  let action = /** @type {"submitted" | "upgraded" | "resumed"} */ ("submitted");
  const family = (/** @type {{name: string}} */ j) => j.name.startsWith(jobFamily);
  for (const old of active.filter(family)) {
    log(`stopping older pipeline version ${old.name} (${old.jid}) with a savepoint`);
    const location = await stopWithSavepoint(jobmanager, old.jid, savepointDir, timeoutMs);
    log(`savepoint at ${location}; the new version starts from it`);
    startFrom(location);
    action = "upgraded";
  }
  if (action === "submitted") {
    // Most recent first: a stopped pipeline resumes where it left off instead of replaying Kafka.
    const ended = jobs.filter((/** @type {{state: string}} */ j) => family(j) && !ACTIVE.has(j.state)).sort((/** @type {any} */ a, /** @type {any} */ b) => b["end-time"] - a["end-time"]);
    for (const old of ended) {
      const checkpoints = await http("GET", `${jobmanager}/jobs/${old.jid}/checkpoints`).catch(() => undefined);
      const location = checkpoints?.latest?.completed?.external_path;
      if (!location) continue;
      log(`resuming from the retained checkpoint of ${old.name} (${old.jid}, ${old.state}): ${location}`);
      startFrom(location);
      action = "resumed";
      break;
    }
  }

  await until("the Flink SQL Gateway", () => http("GET", `${gateway}/v1/info`), { timeoutMs });
  const { sessionHandle } = await http("POST", `${gateway}/v1/sessions`, { sessionName: jobName });
  let jobId;
  try {
    for (const statement of statements) {
      const result = await execute(gateway, sessionHandle, statement);
      jobId = result.jobId ?? jobId;
    }
  } finally {
    await http("DELETE", `${gateway}/v1/sessions/${sessionHandle}`).catch(() => undefined);
  }
  if (!jobId) throw new Error("the SQL submitted no job: it must end with INSERT INTO or EXECUTE STATEMENT SET");

  await until(`job ${jobId} to be RUNNING`, async () => {
    const job = await http("GET", `${jobmanager}/jobs/${jobId}`);
    if (job.state === "FAILED" || job.state === "CANCELED") {
      const ex = await http("GET", `${jobmanager}/jobs/${jobId}/exceptions`).catch(() => ({}));
      throw new FatalError(`job ${jobId} ${job.state}: ${rootCause(ex["root-exception"] ?? "")}`);
    }
    return job.state === "RUNNING" ? job : undefined;
  }, { timeoutMs });
  log(`job ${jobName} RUNNING (${jobId})`);
  return { jobId, action };
}

if (require.main === module) {
  run(async () => {
    await submitPipeline({
      gateway: env("GATEWAY_URL"),
      jobmanager: env("JOBMANAGER_URL"),
      jobName: env("JOB_NAME"),
      jobFamily: env("JOB_FAMILY"),
      sql: fs.readFileSync(env("SQL_FILE"), "utf8"),
      taskManagers: Number(env("TASK_MANAGERS")),
      savepointDir: env("SAVEPOINT_DIR"),
      timeoutMs: Number(process.env.TIMEOUT_SECONDS ?? "600") * 1000,
    });
  });
}

module.exports = { submitPipeline, splitStatements };
