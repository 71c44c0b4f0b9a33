import { randomUUID } from "crypto";
import { Client as PgClient } from "pg";
import { pollUntil } from "./poll";
import { Trino } from "trino-client";
import { groupJoined, listenFromNow, OffsetsAdmin, SeekingConsumer } from "./listen";
import { connectPostgres, getJson, kafkaClient, Target, trinoClient, trinoRows } from "./target";

/** One hop of the data path: passed with its latency, or failed with the likeliest cause. */
export interface HopResult {
  readonly hop: string;
  readonly ok: boolean;
  /** Milliseconds from the canary's commit (or the check's start) until the hop saw it. */
  readonly ms?: number;
  readonly detail: string;
  /** Passed, but with something to look at (schema drift). */
  readonly warning?: boolean;
}

class HopFailure extends Error {}

/** Polls until `probe` returns a value; the failure message is the likeliest cause. */
async function within<T>(timeoutMs: number, probe: () => Promise<T | undefined>, cause: () => string): Promise<T> {
  return pollUntil(probe, {
    what: "the hop",
    timeoutMs,
    intervalMs: 250,
    isFatal: (err) => err instanceof HopFailure,
    onTimeout: (last) => new HopFailure(`${cause()}${last ? ` (last error: ${last})` : ""}`),
  });
}

/** What the hops share once the canary is written. */
interface Canary {
  readonly id: string;
  readonly pg: PgClient;
  /** When PostgreSQL committed the canary (ms since the epoch). */
  readonly committedAt: number;
}

/** Change events of the users topic by row id, as they arrive. */
type Received = Map<string, { op: string; at: number }[]>;

/**
 * Writes a canary user in PostgreSQL and traces it through every hop: connector status, the
 * Flink job and its checkpoints, the Kafka topic, the raw and current-state Iceberg tables
 * through Trino. Then deletes the canary and waits until the delete flows too. Stops at the
 * first failing hop; `onHop` reports progress as it goes. Each hop is one function below that
 * returns its result or throws a {@link HopFailure} naming the likeliest cause.
 */
export async function verify(t: Target, onHop: (r: HopResult) => void, timeoutMs = 60_000): Promise<HopResult[]> {
  const results: HopResult[] = [];
  const record = (r: HopResult) => {
    results.push(r);
    onHop(r);
  };
  const id = randomUUID();
  const kafka = kafkaClient(t);
  const consumer = kafka.consumer({ groupId: `lakehouse-verify-${id}` });
  const trino = trinoClient(t);
  let pg: PgClient | undefined;
  let hop = "slot";
  try {
    // The slot and the connector first, so a lost slot or a paused connector is named before the
    // canary waits on Kafka.
    hop = "slot";
    record(await slotHop(t));
    hop = "debezium";
    record(await connectorHop(t, timeoutMs));
    hop = "flink";
    record(await flinkHop(t, timeoutMs));
    hop = "kafka";
    const joined = groupJoined(consumer);
    const { topic, received } = await listenForCanary(t, kafka.admin(), consumer);
    // Only so that the kafka hop's latency is the pipeline's, not the consumer's group join.
    await within(
      30_000,
      async () => (joined() ? true : undefined),
      () => "the verify consumer joined no group",
    );
    hop = "postgres";
    pg = await connectPostgresHop(t);
    const canary = await writeCanary(pg, id);
    record({ hop, ok: true, ms: 0, detail: `canary ${id} committed` });
    for (const drift of await schemaDrift(pg, t)) record({ hop: "drift", ok: true, warning: true, detail: drift });
    hop = "kafka";
    record(await kafkaHop(canary, topic, received, timeoutMs));
    hop = "iceberg raw";
    record(await rawHop(t, trino, canary, timeoutMs));
    hop = "iceberg state";
    record(await stateHop(t, trino, canary, timeoutMs));
    hop = "cleanup";
    record(await cleanupHop(t, trino, canary, timeoutMs));
  } catch (err) {
    record({ hop, ok: false, detail: err instanceof Error ? err.message : String(err) });
    // Leave no canary behind even when a hop failed.
    await pg?.query("DELETE FROM users WHERE id = $1", [id]).catch(() => undefined);
  } finally {
    await consumer.disconnect().catch(() => undefined);
    await pg?.end().catch(() => undefined);
  }
  return results;
}

/** The connector's row of `pg_replication_slots`, with its retained WAL in bytes. */
export interface SlotRow {
  readonly active: boolean;
  readonly wal_status: string | null;
  readonly retained: string | null;
  readonly safe_wal_size: string | null;
}

const mib = (bytes: string | null) => (bytes === null ? "?" : `${(Number(bytes) / 1048576).toFixed(1)} MiB`);

/**
 * Hop slot: the connector's replication slot exists and still has the WAL it needs, with the WAL
 * it holds back. PostgreSQL invalidates a slot whose retained WAL passes `max_slot_wal_keep_size`
 * (`wal_status` lost): changes since are missing downstream. `unreserved` passes with a warning:
 * the slot is past the limit and will be lost at the next checkpoint unless Debezium catches up.
 */
export async function slotHop(t: Target): Promise<HopResult> {
  const pg = await connectPostgres(t);
  try {
    return slotResult(t.slot, await readSlot(pg, t.slot));
  } finally {
    await pg.end().catch(() => undefined);
  }
}

/** The slot's row of `pg_replication_slots` (undefined: no such slot). */
export async function readSlot(pg: PgClient, slot: string): Promise<SlotRow | undefined> {
  const { rows } = await pg.query<SlotRow>(
    `SELECT active, wal_status, pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn)::text AS retained, safe_wal_size::text
     FROM pg_replication_slots WHERE slot_name = $1`,
    [slot],
  );
  return rows[0];
}

/** The verdict on a slot's row (undefined: no such slot). */
export function slotResult(slot: string, row: SlotRow | undefined): HopResult {
  if (!row)
    throw new HopFailure(
      `replication slot ${slot} does not exist: the connector creates it when it starts; check its status and log. Dropped while the connector was down, changes since are missing: \`npm run lakehouse -- resnapshot <stack>\``,
    );
  if (row.wal_status === "lost") {
    throw new HopFailure(
      `replication slot ${slot} is lost: PostgreSQL removed WAL it still needed (max_slot_wal_keep_size), so changes since are missing downstream: \`npm run lakehouse -- resnapshot <stack>\` brings the current-state tables back to equal PostgreSQL`,
    );
  }
  const limit = row.safe_wal_size === null ? "no max_slot_wal_keep_size limit" : `${mib(row.safe_wal_size)} before PostgreSQL invalidates it`;
  const detail = `${slot}: ${row.active ? "active" : "inactive"}, holds ${mib(row.retained)} of WAL, ${limit} (${row.wal_status})`;
  return { hop: "slot", ok: true, detail, ...(row.wal_status === "unreserved" || !row.active ? { warning: true } : {}) };
}

/**
 * Hop debezium: the connector and its tasks RUNNING. PAUSED and FAILED are answers; a 404, an
 * unreachable worker or UNASSIGNED tasks are what a Connect worker shows while it restarts and
 * rebalances, so those get the timeout.
 */
/** The parts of Kafka Connect's `GET /connectors/<name>/status` that the hop reads. */
interface ConnectorStatus {
  readonly connector: { readonly state: string; readonly trace?: string };
  readonly tasks: { readonly state: string; readonly trace?: string }[];
}

/** One job of Flink's `GET /jobs/overview`. */
interface FlinkJob {
  readonly jid: string;
  readonly name: string;
  readonly state: string;
  readonly "start-time": number;
}

/** Flink's `GET /jobs/overview`. */
interface FlinkJobsOverview {
  readonly jobs: FlinkJob[];
}

/** The parts of Flink's `GET /jobs/<jid>/checkpoints` that the hop reads. */
interface FlinkCheckpoints {
  readonly counts?: { readonly failed?: number };
  readonly latest?: { readonly completed?: { readonly latest_ack_timestamp: number } | null };
}

async function connectorHop(t: Target, timeoutMs: number): Promise<HopResult> {
  const statusUrl = `${t.connectUrl}/connectors/${encodeURIComponent(t.connector)}/status`;
  let seen = "no answer";
  const status = await within(
    timeoutMs,
    async () => {
      const s = await getJson<ConnectorStatus>(statusUrl).catch((err: Error) => {
        seen = /answered 404/.test(err.message) ? `connector ${t.connector} is not registered (404)` : `Kafka Connect unreachable at ${t.connectUrl}: ${err.message.split("\n")[0]}`;
        return undefined;
      });
      if (s === undefined) return undefined;
      const notRunning = [s.connector, ...s.tasks].find((x) => x.state !== "RUNNING");
      if (notRunning?.state === "PAUSED") throw new HopFailure(`connector ${t.connector} is PAUSED: resume it (PUT ${t.connectUrl}/connectors/${t.connector}/resume)`);
      if (notRunning?.state === "FAILED") throw new HopFailure(`connector ${t.connector} FAILED: ${(notRunning.trace ?? "").split("\n")[0]}`);
      seen = notRunning ? `connector ${t.connector} is ${notRunning.state}` : s.tasks.length === 0 ? `connector ${t.connector} has no tasks` : "";
      return seen === "" ? s : undefined;
    },
    () => `${seen} after ${timeoutMs / 1000} s${seen.endsWith("(404)") ? ": re-run the stack's connector registration job" : ""}`,
  );
  return { hop: "debezium", ok: true, detail: `connector and ${status.tasks.length} task(s) RUNNING` };
}

/**
 * Hop flink: the pipeline's job RUNNING with a completed checkpoint. A job that is still starting,
 * or has not finished its first checkpoint, gets the timeout; a cancelled or failed one fails at once.
 */
async function flinkHop(t: Target, timeoutMs: number): Promise<HopResult> {
  const overview = await getJson<FlinkJobsOverview>(`${t.flinkUrl}/jobs/overview`).catch((err: Error) => {
    throw new HopFailure(`Flink unreachable at ${t.flinkUrl}: ${err.message}`);
  });
  const jobOf = (o: FlinkJobsOverview): FlinkJob => o.jobs.filter((j) => j.name === t.jobName).sort((a, b) => b["start-time"] - a["start-time"])[0];
  const keeperAdvice =
    "the stack's flink-pipeline service restores the job from its newest checkpoint by itself; its log says why it has not (Docker: docker logs <stack prefix>-flink-pipeline; Kubernetes: kubectl logs deploy/flink-pipeline)";
  if (!jobOf(overview)) throw new HopFailure(`no Flink job named ${t.jobName}: ${keeperAdvice}`);
  let cause = "";
  const latest = await within(
    timeoutMs,
    async () => {
      const job = jobOf(await getJson<FlinkJobsOverview>(`${t.flinkUrl}/jobs/overview`));
      if (["CANCELED", "FAILED", "FINISHED", "SUSPENDED"].includes(job.state)) {
        throw new HopFailure(`Flink job ${t.jobName} is ${job.state}, not RUNNING: ${keeperAdvice}`);
      }
      if (job.state !== "RUNNING") {
        cause = `Flink job ${t.jobName} is ${job.state}, not RUNNING`;
        return undefined;
      }
      const checkpoints = await getJson<FlinkCheckpoints>(`${t.flinkUrl}/jobs/${job.jid}/checkpoints`);
      cause = `Flink job ${t.jobName} has no completed checkpoint yet, so Iceberg has no commit (failed checkpoints: ${checkpoints.counts?.failed ?? 0})`;
      return checkpoints.latest?.completed ?? undefined;
    },
    () => cause,
  );
  return { hop: "flink", ok: true, detail: `job RUNNING, last checkpoint ${Math.round((Date.now() - latest.latest_ack_timestamp) / 1000)} s ago` };
}

/**
 * Before the canary is written: listens to the users topic from its current end offsets (read
 * now, see {@link listenFromNow}), so the canary's event cannot fall before the listener's start.
 */
async function listenForCanary(t: Target, admin: OffsetsAdmin, consumer: SeekingConsumer): Promise<{ topic: string; received: Received }> {
  const topic = t.topics.users;
  if (!topic) throw new HopFailure(`the stack captures no users table (topics: ${Object.values(t.topics).join(", ")})`);
  const received: Received = new Map();
  await listenFromNow(admin, consumer, topic, {
    eachMessage: async ({ message }) => {
      if (!message.value) return;
      const v = JSON.parse(message.value.toString());
      const key = (v.after ?? v.before)?.id;
      if (key) received.set(key, [...(received.get(key) ?? []), { op: v.op, at: Date.now() }]);
    },
  }).catch((err: Error) => {
    throw new HopFailure(`Kafka unreachable at ${t.kafka}: ${err.message}`);
  });
  return { topic, received };
}

/** Hop postgres, first half: a session as the stack's superuser. */
async function connectPostgresHop(t: Target): Promise<PgClient> {
  return connectPostgres(t).catch((err: Error & { code?: string }) => {
    throw new HopFailure(err.code === "28P01" ? `PostgreSQL refused the credentials of ${t.postgres.user}` : `PostgreSQL unreachable at ${t.postgres.host}:${t.postgres.port}: ${err.message}`);
  });
}

/** Hop postgres, second half: the canary user committed. */
async function writeCanary(pg: PgClient, id: string): Promise<Canary> {
  await pg.query("INSERT INTO users (id, email, name) VALUES ($1, $2, 'lakehouse verify canary')", [id, `canary-${id}@lakehouse.verify`]);
  return { id, pg, committedAt: Date.now() };
}

/** Hop kafka: the canary's create event on the users topic. */
async function kafkaHop(canary: Canary, topic: string, received: Received, timeoutMs: number): Promise<HopResult> {
  const at = await within(
    timeoutMs,
    async () => received.get(canary.id)?.find((e) => e.op === "c")?.at,
    () => `the canary did not reach ${topic} within ${timeoutMs / 1000} s (connector RUNNING: is the slot or publication missing the table?)`,
  );
  return { hop: "kafka", ok: true, ms: at - canary.committedAt, detail: `create event on ${topic}` };
}

/** Hop iceberg raw: the canary's create event in the raw log table. */
async function rawHop(t: Target, trino: Trino, canary: Canary, timeoutMs: number): Promise<HopResult> {
  const raw = `${t.catalog}.${t.rawDatabase}.users`;
  const at = await within(
    timeoutMs,
    async () => {
      const rows = await trinoRows(trino, `SELECT count(*) FROM ${raw} WHERE json_extract_scalar(data, '$.id') = '${canary.id}' AND op = 'c'`);
      return Number(rows[0][0]) > 0 ? Date.now() : undefined;
    },
    () => `the canary is not in ${raw} after ${timeoutMs / 1000} s (Flink RUNNING with checkpoints: check the Iceberg commits and S3 credentials)`,
  ).catch((err) => {
    throw new HopFailure(trinoCause(err, t));
  });
  return { hop: "iceberg raw", ok: true, ms: at - canary.committedAt, detail: raw };
}

/** Hop iceberg state: the canary's row in the current-state table. */
async function stateHop(t: Target, trino: Trino, canary: Canary, timeoutMs: number): Promise<HopResult> {
  const state = `${t.catalog}.${t.stateDatabase}.users`;
  const at = await within(
    timeoutMs,
    async () => {
      const rows = await trinoRows(trino, `SELECT email FROM ${state} WHERE id = '${canary.id}'`);
      return rows.length === 1 ? Date.now() : undefined;
    },
    () => `the canary is not in ${state} after ${timeoutMs / 1000} s`,
  ).catch((err) => {
    throw new HopFailure(trinoCause(err, t));
  });
  return { hop: "iceberg state", ok: true, ms: at - canary.committedAt, detail: state };
}

/** Hop cleanup: the canary deleted in PostgreSQL and gone from the current state. */
async function cleanupHop(t: Target, trino: Trino, canary: Canary, timeoutMs: number): Promise<HopResult> {
  const state = `${t.catalog}.${t.stateDatabase}.users`;
  await canary.pg.query("DELETE FROM users WHERE id = $1", [canary.id]);
  const deleted = Date.now();
  const goneAt = await within(
    timeoutMs,
    async () => {
      const rows = await trinoRows(trino, `SELECT count(*) FROM ${state} WHERE id = '${canary.id}'`);
      return Number(rows[0][0]) === 0 ? Date.now() : undefined;
    },
    () => `the canary's delete did not reach ${state} within ${timeoutMs / 1000} s`,
  );
  return { hop: "cleanup", ok: true, ms: goneAt - deleted, detail: "canary deleted in PostgreSQL and gone from the current state" };
}

function trinoCause(err: unknown, t: Target): string {
  const message = err instanceof Error ? err.message : String(err);
  if (/ECONNREFUSED|fetch failed|socket hang up|ENOTFOUND/.test(message)) return `Trino unreachable at ${t.trinoUrl}: ${message}`;
  if (/does not exist/.test(message)) return `${message}: the Flink job has not created the table yet, or the catalog points elsewhere`;
  if (/Access Denied|credentials|403/.test(message)) return `credentials refused: ${message}`;
  return message;
}

/**
 * Columns of the captured tables that PostgreSQL has and the stack does not: added outside the
 * code, they reach the raw log (inside `data`) but not the current-state tables. A warning, not a
 * failed hop: the pipeline still flows.
 */
export async function schemaDrift(pg: PgClient, t: Target): Promise<string[]> {
  if (!t.capturedColumns) return [];
  const rows = (
    await pg.query("SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'public' AND table_name = ANY($1) ORDER BY table_name, ordinal_position", [
      Object.keys(t.capturedColumns),
    ])
  ).rows;
  return rows
    .filter((r) => !t.capturedColumns![r.table_name].includes(r.column_name))
    .map(
      (r) => `${r.table_name}.${r.column_name} is in PostgreSQL but not in the stack's tables: the raw log carries it in data, the current-state table does not. Add it to SourceDb tables and deploy.`,
    );
}
