// @ts-check
"use strict";
/**
 * Keeps the pipeline's Flink job running, the way an operator would, on any platform:
 *
 *   node flink-pipeline.js keep     a long-running service that reconciles every few seconds
 *   node flink-pipeline.js await    a one-shot deploy step: waits until the keeper reports the
 *                                   target version RUNNING with a checkpoint completed since the
 *                                   step began, or fails with the keeper's error
 *
 * What the keeper does when it finds:
 * - the target version (job name = prefix + hash of the SQL) active: nothing;
 * - an older version active: evolves the current-state tables' Iceberg schemas (additive), checks
 *   the new SQL with EXPLAIN while the old job still runs, stops the old job with a savepoint and
 *   starts the new SQL from it; if the new job does not reach RUNNING, the old SQL is started
 *   again from the same savepoint and the error is reported: never a stopped pipeline;
 * - no version active (a new or replaced JobManager, a job that failed for good): restores the
 *   newest retained checkpoint or savepoint on S3; with none, starts fresh only if the job's raw
 *   log tables have no commit yet, and otherwise refuses loudly (replaying Kafka from the
 *   earliest offset would duplicate the raw log; a current-state table takes the same upserts again).
 *
 * A version of the job is a job named JOB_FAMILY followed by the 12 hex digits of its SQL's hash,
 * and nothing else: several keepers share a cluster (the pipeline's, the freshness probe's).
 *
 * Env (keep): GATEWAY_URL, JOBMANAGER_URL, CATALOG_URL, JOB_NAME, JOB_FAMILY, SQL_FILE,
 *   TABLES_FILE, S3_ENDPOINT, S3_BUCKET, AWS_REGION, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY,
 *   STATE_PREFIX (e.g. `flink/`), PORT, POLL_SECONDS.
 * Env (await): KEEPER_URL, JOB_NAME, TIMEOUT_SECONDS.
 */
const fs = require("fs");
const httpServer = require("http");
const { env, http, log, until, run, s3Client, sleep, FatalError, HttpError } = require("./lib");

/**
 * How long the keeper waits, and how often it looks. Tests pass shorter ones; the defaults are
 * what runs in the stack.
 * @typedef {{ waitMs: number, pollMs: number, statementPollMs: number }} Timing
 * @type {Timing}
 */
const DEFAULT_TIMING = { waitMs: 300_000, pollMs: 2_000, statementPollMs: 500 };

/**
 * Passes of the keeper that may each try the upgrade's stop-with-savepoint before it gives up:
 * a savepoint can fail for a passing reason (a checkpoint declined by a busy task, a storage
 * timeout) and the old version keeps running, so the next pass tries again.
 */
const SAVEPOINT_ATTEMPTS = 3;

/** A stop-with-savepoint that Flink reports failed; the job it was for keeps running. */
class SavepointFailed extends FatalError {}

const ACTIVE = new Set(["INITIALIZING", "CREATED", "RUNNING", "RESTARTING", "RECONCILING", "CANCELLING", "FAILING", "SUSPENDED"]);

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

/**
 * The last "Caused by" of a Java stack trace: what a person needs to read. The SQL Gateway sends
 * the trace inside a JSON error body (`{"errors": [...]}`), escaped; it is read from there.
 * @param {string} text
 */
function rootCause(text) {
  try {
    const { errors } = JSON.parse(text);
    if (Array.isArray(errors)) text = errors.join("\n");
  } catch {
    // not JSON: a plain trace
  }
  const causes = text.split("\n").filter((l) => /^\s*Caused by:|Exception:/.test(l));
  return (causes[causes.length - 1] ?? text.split("\n")[0]).trim();
}

/**
 * The Flink cluster as the keeper sees it: its REST API and the SQL Gateway.
 * @param {{ gateway: string, jobmanager: string }} urls
 * @param {Timing} [timing]
 */
function flinkClient({ gateway, jobmanager }, timing = DEFAULT_TIMING) {
  /** Runs statements in one gateway session; returns the id of the job the last one started. @param {string[]} statements @param {string} sessionName */
  async function runStatements(statements, sessionName) {
    const { sessionHandle } = await http("POST", `${gateway}/v1/sessions`, { sessionName });
    let jobId;
    try {
      for (const statement of statements) jobId = (await execute(sessionHandle, statement)) ?? jobId;
    } finally {
      await http("DELETE", `${gateway}/v1/sessions/${sessionHandle}`).catch(() => undefined);
    }
    return jobId;
  }

  /** @param {string} session @param {string} statement @returns {Promise<string | undefined>} */
  async function execute(session, statement) {
    const head = statement.replace(/\s+/g, " ").slice(0, 80);
    const { operationHandle } = await http("POST", `${gateway}/v1/sessions/${session}/statements`, { statement });
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
        await sleep(timing.statementPollMs);
        continue;
      }
      if (page.resultType === "EOS" || !page.nextResultUri) break;
      uri = page.nextResultUri;
    }
    return jobId;
  }

  return {
    runStatements,
    /** Resolves once the SQL Gateway answers (throws while it is starting). */
    ready: () => http("GET", `${gateway}/v1/info`),
    /** @returns {Promise<{ jid: string, name: string, state: string, "end-time": number }[]>} */
    jobs: async () => (await http("GET", `${jobmanager}/jobs/overview`)).jobs,
    /** @param {string} jid */
    job: (jid) => http("GET", `${jobmanager}/jobs/${jid}`),
    /** @param {string} jid @returns {Promise<number | undefined>} completion time of the newest checkpoint */
    lastCheckpointAt: async (jid) => (await http("GET", `${jobmanager}/jobs/${jid}/checkpoints`).catch(() => undefined))?.latest?.completed?.latest_ack_timestamp,
    /** @param {string} jid */
    rootException: async (jid) => rootCause((await http("GET", `${jobmanager}/jobs/${jid}/exceptions`).catch(() => ({})))["root-exception"] ?? "no exception recorded"),
    /** Stops a job with a savepoint; returns its location. @param {string} jid @param {string} targetDirectory */
    async stopWithSavepoint(jid, targetDirectory) {
      const { "request-id": requestId } = await http("POST", `${jobmanager}/jobs/${jid}/stop`, { targetDirectory, drain: false });
      return until(
        `the savepoint of job ${jid}`,
        async () => {
          const s = await http("GET", `${jobmanager}/jobs/${jid}/savepoints/${requestId}`);
          if (s.status.id !== "COMPLETED") return undefined;
          if (s.operation?.["failure-cause"]) throw new SavepointFailed(`stop-with-savepoint of ${jid} failed: ${rootCause(s.operation["failure-cause"]["stack-trace"] ?? "")}`);
          return /** @type {string} */ (s.operation.location);
        },
        { timeoutMs: timing.waitMs, intervalMs: timing.pollMs },
      );
    },
  };
}

/**
 * Statements that start `sql`, from `restorePath` when given. Offsets of sources whose state
 * does not match (a table added) come from the consumer group, so nothing is replayed.
 * @param {string} sql @param {string | undefined} restorePath
 */
function startStatements(sql, restorePath) {
  const statements = splitStatements(sql);
  if (restorePath) statements.unshift(`SET 'execution.state-recovery.path' = '${restorePath}'`, "SET 'execution.state-recovery.ignore-unclaimed-state' = 'true'");
  return statements;
}

/** The same script with its job-starting statement set replaced by EXPLAIN: plans, starts nothing. @param {string} sql */
function explainStatements(sql) {
  const statements = splitStatements(sql);
  const last = statements.length - 1;
  if (!/^EXECUTE\s+STATEMENT\s+SET\b/i.test(statements[last])) throw new Error("the pipeline SQL must end with EXECUTE STATEMENT SET BEGIN ... END");
  statements[last] = statements[last].replace(/^EXECUTE\s+/i, "EXPLAIN ");
  return statements;
}

/** Whether Iceberg may promote type `from` to `to`: int to long, or a decimal of the same scale and more digits. @param {string} from @param {string} to */
function isWidening(from, to) {
  if (from === "int" && to === "long") return true;
  const a = /^decimal\((\d+),\s*(\d+)\)$/.exec(from);
  const b = /^decimal\((\d+),\s*(\d+)\)$/.exec(to);
  return Boolean(a && b && a[2] === b[2] && Number(b[1]) > Number(a[1]));
}

/**
 * The Iceberg REST catalog: which tables hold commits, and additive schema evolution.
 * @param {string} catalogUrl
 */
function catalogClient(catalogUrl) {
  /** @type {string | undefined} */
  let prefix;
  const base = async () => {
    if (prefix === undefined) {
      const config = await http("GET", `${catalogUrl}/v1/config`);
      prefix = config?.overrides?.prefix ? `/${config.overrides.prefix}` : "";
    }
    return `${catalogUrl}/v1${prefix}`;
  };
  /** @param {string} namespace @param {string} table */
  const load = async (namespace, table) => {
    try {
      return await http("GET", `${await base()}/namespaces/${encodeURIComponent(namespace)}/tables/${encodeURIComponent(table)}`);
    } catch (err) {
      if (err instanceof HttpError && err.status === 404) return undefined;
      throw err;
    }
  };
  return {
    /** @param {string} namespace @param {string} table */
    async hasCommits(namespace, table) {
      const t = await load(namespace, table);
      const id = t?.metadata?.["current-snapshot-id"];
      return id !== undefined && id !== null && id !== -1;
    },
    /**
     * Adds missing columns (optional) and widens decimals of an existing table; returns what it
     * changed. A missing table is left to the pipeline's CREATE TABLE.
     * @param {string} namespace @param {string} table @param {{ name: string, type: string }[]} columns
     * @returns {Promise<string[]>}
     */
    async evolve(namespace, table, columns) {
      const t = await load(namespace, table);
      if (!t) return [];
      const metadata = t.metadata;
      const current = metadata.schemas.find((/** @type {{ "schema-id": number }} */ s) => s["schema-id"] === metadata["current-schema-id"]);
      let lastId = metadata["last-column-id"];
      const fields = current.fields.map((/** @type {any} */ f) => ({ ...f }));
      /** @type {string[]} */
      const changes = [];
      for (const column of columns) {
        const field = fields.find((/** @type {{ name: string }} */ f) => f.name === column.name);
        if (!field) {
          fields.push({ id: ++lastId, name: column.name, required: false, type: column.type });
          changes.push(`add column ${column.name} ${column.type}`);
        } else if (field.type !== column.type) {
          if (!isWidening(field.type, column.type)) {
            throw new FatalError(`${namespace}.${table}.${column.name} is ${field.type} in Iceberg and ${column.type} in the pipeline: only added columns and wider decimals are migrated`);
          }
          field.type = column.type;
          changes.push(`widen ${column.name} to ${column.type}`);
        }
      }
      if (changes.length === 0) return [];
      const schemaId = Math.max(...metadata.schemas.map((/** @type {{ "schema-id": number }} */ s) => s["schema-id"])) + 1;
      await http("POST", `${await base()}/namespaces/${encodeURIComponent(namespace)}/tables/${encodeURIComponent(table)}`, {
        requirements: [{ type: "assert-current-schema-id", "current-schema-id": metadata["current-schema-id"] }],
        updates: [
          { action: "add-schema", schema: { type: "struct", "schema-id": schemaId, fields, "identifier-field-ids": current["identifier-field-ids"] ?? [] }, "last-column-id": lastId },
          { action: "set-current-schema", "schema-id": -1 },
        ],
      });
      return changes;
    },
  };
}

/**
 * @typedef {{ raw: { namespace: string, name: string }[], state: { namespace: string, name: string, columns: { name: string, type: string }[] }[] }} PipelineTables
 * @typedef {{ target: string, state: "STARTING" | "RUNNING" | "RESTORING" | "UPGRADING" | "FAILED" | "WAITING", jobId?: string, action?: string, error?: string, checkedAt: number, lastCheckpointAt?: number }} KeeperStatus
 */

/**
 * The reconciler. Every dependency is injected so tests can run it against a fake Flink.
 * @param {{ jobName: string, jobFamily: string, sql: string, tables: PipelineTables, savepointDir: string,
 *   statePrefix: string, flink: ReturnType<typeof flinkClient>, catalog: ReturnType<typeof catalogClient>,
 *   s3: ReturnType<typeof s3Client>, bucket: string, timing?: Timing }} deps
 */
function createKeeper(deps) {
  const { jobName, jobFamily, sql, tables, flink, catalog, s3, bucket, statePrefix } = deps;
  const timing = deps.timing ?? DEFAULT_TIMING;
  /** @type {KeeperStatus} */
  const status = { target: jobName, state: "STARTING", checkedAt: 0 };
  /** Set when this version was tried and rolled back: the keeper then keeps the old one running. */
  let rejected = /** @type {string | undefined} */ (undefined);
  /** Failed stop-with-savepoint attempts of the current upgrade. */
  let savepointFailures = 0;
  const sqlKey = (/** @type {string} */ name) => `${statePrefix}pipelines/${name}.sql`;
  const version = new RegExp(`^${jobFamily.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}[0-9a-f]{12}$`);
  /** Whether a Flink job is a version of this keeper's job. @param {string} name */
  const isVersion = (name) => version.test(name);

  /** Newest `_metadata` of a retained checkpoint or savepoint, as a restore path. */
  async function newestRetainedState() {
    const objects = (await s3.list(statePrefix)).filter((o) => /\/(chk-\d+|savepoint-[^/]+)\/_metadata$/.test(o.key));
    objects.sort((a, b) => b.lastModified - a.lastModified);
    return objects[0] && `s3://${bucket}/${objects[0].key.replace(/\/_metadata$/, "")}`;
  }

  /** Starts `text` (the SQL of version `name`) and waits until it runs; throws Flink's error otherwise. @param {string} name @param {string} text @param {string | undefined} from */
  async function start(name, text, from) {
    await s3.put(sqlKey(name), text);
    const jobId = await flink.runStatements(startStatements(text, from), name);
    if (!jobId) throw new FatalError("the SQL started no job: it must end with EXECUTE STATEMENT SET");
    await until(
      `job ${jobId} (${name}) to be RUNNING`,
      async () => {
        const job = await flink.job(jobId);
        if (job.state === "FAILED" || job.state === "CANCELED" || job.state === "FINISHED") {
          throw new FatalError(`job ${name} ${job.state}: ${await flink.rootException(jobId)}`);
        }
        return job.state === "RUNNING" ? job : undefined;
      },
      { timeoutMs: timing.waitMs, intervalMs: timing.pollMs },
    );
    return jobId;
  }

  async function evolveStateTables() {
    for (const t of tables.state) {
      const changes = await catalog.evolve(t.namespace, t.name, t.columns);
      if (changes.length > 0) log(`evolved ${t.namespace}.${t.name}: ${changes.join(", ")}`);
    }
  }

  /** @param {{ jid: string, name: string }} old */
  async function upgrade(old) {
    status.state = "UPGRADING";
    await evolveStateTables();
    // Planned while the old version still runs: a SQL error leaves it untouched.
    try {
      await flink.runStatements(explainStatements(sql), `${jobName}-check`);
    } catch (err) {
      rejected = jobName;
      throw new FatalError(`the new pipeline SQL (${jobName}) does not plan; ${old.name} keeps running. ${err instanceof Error ? err.message : err}`);
    }
    log(`stopping ${old.name} (${old.jid}) with a savepoint`);
    let savepoint;
    try {
      savepoint = await flink.stopWithSavepoint(old.jid, deps.savepointDir);
      savepointFailures = 0;
    } catch (err) {
      if (!(err instanceof SavepointFailed) || ++savepointFailures >= SAVEPOINT_ATTEMPTS) throw err;
      // Not fatal: the old version still runs, and the next pass tries again.
      throw new Error(`${err.message} (attempt ${savepointFailures} of ${SAVEPOINT_ATTEMPTS}; ${old.name} keeps running and the next pass tries again)`, { cause: err });
    }
    log(`savepoint at ${savepoint}; starting ${jobName} from it`);
    try {
      status.jobId = await start(jobName, sql, savepoint);
      status.action = `upgraded from ${old.name}`;
    } catch (err) {
      rejected = jobName;
      const oldSql = await s3.get(sqlKey(old.name));
      if (!oldSql)
        throw new FatalError(
          `${jobName} failed to start (${err instanceof Error ? err.message : err}) and the SQL of ${old.name} is not at s3://${bucket}/${sqlKey(old.name)} to restore it: the pipeline is stopped; savepoint ${savepoint}`,
        );
      log(`${jobName} failed to start; restoring ${old.name} from ${savepoint}`);
      status.jobId = await start(old.name, oldSql, savepoint);
      throw new FatalError(`the new pipeline version ${jobName} failed to start and ${old.name} was restored from savepoint ${savepoint}. Flink said: ${err instanceof Error ? err.message : err}`);
    }
  }

  async function restore() {
    // Nothing to decide while the cluster is still starting (a transient error, retried).
    await flink.ready();
    status.state = "RESTORING";
    await evolveStateTables();
    const from = await newestRetainedState();
    if (!from) {
      const written = [];
      for (const t of tables.raw) if (await catalog.hasCommits(t.namespace, t.name)) written.push(`${t.namespace}.${t.name}`);
      if (written.length > 0) {
        throw new FatalError(
          `no retained checkpoint or savepoint under s3://${bucket}/${statePrefix}, but ${written.join(", ")} already hold commits: starting from the earliest Kafka offset would duplicate the raw log, so the pipeline stays stopped. Restore the checkpoint files, or drop the pipeline's Iceberg tables to rebuild them from Kafka and a re-snapshot.`,
        );
      }
      log(`no retained state and no committed data: starting ${jobName} fresh`);
    } else {
      log(`restoring ${jobName} from ${from}`);
    }
    status.jobId = await start(jobName, sql, from);
    status.action = from ? `restored from ${from}` : "started fresh";
  }

  /** One pass: look at Flink, act if the pipeline is not the target version running. */
  async function reconcile() {
    const jobs = (await flink.jobs()).filter((j) => isVersion(j.name));
    const active = jobs.filter((j) => ACTIVE.has(j.state));
    const target = active.find((j) => j.name === jobName);
    if (target) {
      status.jobId = target.jid;
      status.state = target.state === "RUNNING" ? "RUNNING" : "WAITING";
      status.lastCheckpointAt = await flink.lastCheckpointAt(target.jid);
      if (status.state === "RUNNING" && !rejected) status.error = undefined;
      return;
    }
    const older = active[0];
    if (older) {
      if (rejected === jobName) {
        status.state = "FAILED";
        return;
      }
      await upgrade(older);
    } else if (rejected === jobName) {
      // The new version was rolled back and the old one stopped since: run the old one again.
      const previous = jobs.filter((j) => j.name !== jobName).sort((a, b) => b["end-time"] - a["end-time"])[0];
      const oldSql = previous && (await s3.get(sqlKey(previous.name)));
      if (!oldSql) throw new FatalError(`no pipeline is running and ${jobName} was rolled back; re-apply a working version`);
      const from = await newestRetainedState();
      status.jobId = await start(previous.name, oldSql, from);
    } else {
      await restore();
    }
    status.state = rejected ? "FAILED" : "RUNNING";
    if (!rejected) status.error = undefined;
  }

  return { status, reconcile };
}

/** Serves the status as JSON (GET /status) and liveness (GET /healthz). @param {KeeperStatus} status @param {number} port */
function serveStatus(status, port) {
  httpServer
    .createServer((req, res) => {
      const body = req.url === "/status" ? JSON.stringify(status) : req.url === "/healthz" ? "ok" : undefined;
      res.writeHead(body === undefined ? 404 : 200, { "content-type": req.url === "/status" ? "application/json" : "text/plain" });
      res.end(body ?? "not found");
    })
    .listen(port);
}

async function keep() {
  const tables = /** @type {PipelineTables} */ (JSON.parse(fs.readFileSync(env("TABLES_FILE"), "utf8")));
  const bucket = env("S3_BUCKET");
  const statePrefix = env("STATE_PREFIX");
  const keeper = createKeeper({
    jobName: env("JOB_NAME"),
    jobFamily: env("JOB_FAMILY"),
    sql: fs.readFileSync(env("SQL_FILE"), "utf8"),
    tables,
    bucket,
    statePrefix,
    savepointDir: `s3://${bucket}/${statePrefix}savepoints`,
    flink: flinkClient({ gateway: env("GATEWAY_URL"), jobmanager: env("JOBMANAGER_URL") }),
    catalog: catalogClient(env("CATALOG_URL")),
    s3: s3Client({ endpoint: env("S3_ENDPOINT"), region: env("AWS_REGION"), accessKeyId: env("AWS_ACCESS_KEY_ID"), secretAccessKey: env("AWS_SECRET_ACCESS_KEY"), bucket }),
  });
  serveStatus(keeper.status, Number(process.env.PORT ?? "8090"));
  const pollMs = Number(process.env.POLL_SECONDS ?? "5") * 1000;
  let backoffMs = pollMs;
  log(`keeping ${keeper.status.target} running`);
  for (;;) {
    const before = `${keeper.status.state} ${keeper.status.error ?? ""}`;
    try {
      await keeper.reconcile();
      backoffMs = pollMs;
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      // Unreachable services are transient; anything else is reported until it is fixed.
      if (err instanceof FatalError) keeper.status.state = "FAILED";
      keeper.status.error = message;
      backoffMs = err instanceof FatalError ? Math.min(backoffMs * 2, 300_000) : pollMs;
    }
    keeper.status.checkedAt = Date.now();
    const after = `${keeper.status.state} ${keeper.status.error ?? ""}`;
    if (after !== before) log(`${keeper.status.state}${keeper.status.action ? ` (${keeper.status.action})` : ""}${keeper.status.error ? `: ${keeper.status.error}` : ""}`);
    await sleep(backoffMs);
  }
}

/**
 * Waits until the keeper has the target version RUNNING with a checkpoint completed after this
 * step began (so the pipeline demonstrably commits again after the change), or fails with the
 * keeper's error.
 * @param {{ keeperUrl: string, jobName: string, timeoutMs: number }} input
 */
async function awaitRollout({ keeperUrl, jobName, timeoutMs }) {
  const started = Date.now();
  const status = await until(
    `the keeper to run ${jobName} and complete a checkpoint`,
    async () => {
      /** @type {KeeperStatus} */
      const s = await http("GET", `${keeperUrl}/status`);
      if (s.target !== jobName) return undefined;
      if (s.state === "FAILED" && s.checkedAt > started) throw new FatalError(s.error ?? "the keeper reports FAILED");
      return s.state === "RUNNING" && s.checkedAt > started && (s.lastCheckpointAt ?? 0) > started ? s : undefined;
    },
    { timeoutMs, intervalMs: 1000 },
  );
  log(`job ${jobName} RUNNING (${status.jobId}${status.action ? `, ${status.action}` : ""}); checkpoint completed ${((Date.now() - status.lastCheckpointAt) / 1000).toFixed(1)}s ago`);
}

if (require.main === module) {
  const mode = process.argv[2];
  if (mode === "keep") {
    keep().catch((err) => {
      console.error(new Date().toISOString(), "FAILED:", err instanceof Error ? err.stack : err);
      process.exit(1);
    });
  } else if (mode === "await") {
    run(() => awaitRollout({ keeperUrl: env("KEEPER_URL"), jobName: env("JOB_NAME"), timeoutMs: Number(env("TIMEOUT_SECONDS")) * 1000 }));
  } else {
    console.error("usage: node flink-pipeline.js keep|await");
    process.exit(2);
  }
}

module.exports = { splitStatements, rootCause, startStatements, explainStatements, flinkClient, catalogClient, createKeeper, awaitRollout, DEFAULT_TIMING };
