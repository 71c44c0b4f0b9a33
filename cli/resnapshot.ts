import { Trino } from "trino-client";
import { pipelineGroups, waitFor } from "./bench";
import { connectorApi, ConnectorApi, SourceOffset } from "./connect";
import { isMaintenance, pauseAutomation } from "./dagster";
import { readSlot, SlotRow } from "./verify";
import { connectPostgres, getJson, kafkaClient, sleep, Target, trinoClient, trinoRows } from "./target";

export interface ResnapshotOptions {
  /** Start over although the slot is healthy (the changes it holds that the connector has not read yet reach the tables only through the snapshot, not the raw log). */
  readonly force: boolean;
  /** Bound of each wait: the connector stopping, the pipeline draining, the snapshot. */
  readonly timeoutMs: number;
  readonly progress: (line: string) => void;
}

export interface ResnapshotReport {
  readonly startedAt: string;
  /** The slot as the command found it: `lost`, `missing`, or its `wal_status` (with --force). */
  readonly slotWas: string;
  /** Per captured table: rows of the current-state table that PostgreSQL no longer has, removed after the snapshot. */
  readonly tables: { readonly table: string; readonly staleRowsRemoved: number }[];
  /** From the connector's start on a new slot to its snapshot being in Iceberg. */
  readonly snapshotSeconds: number;
  readonly seconds: number;
}

/**
 * Whether the slot calls for starting over: a lost or missing slot does; a healthy one only with
 * `force`, because dropping it also drops the changes it holds that the connector has not read.
 */
export function slotVerdict(slot: string, row: SlotRow | undefined, force: boolean): string {
  const state = !row ? "missing" : row.wal_status === "lost" ? "lost" : (row.wal_status ?? "unknown");
  if (state !== "lost" && state !== "missing" && !force) {
    throw new Error(
      `replication slot ${slot} is ${state}, not lost: nothing was missed, so there is nothing to snapshot again. ` +
        "To rebuild the current-state tables anyway, pass --force (the changes the connector has not read yet reach them through the snapshot, but not the raw log)",
    );
  }
  return state;
}

/** Whether a Debezium PostgreSQL offset is one of an initial snapshot still running. */
export function snapshotRunning(offset: SourceOffset): boolean {
  return offset.snapshot !== undefined && offset.snapshot !== false && offset.snapshot_completed !== true;
}

/** Trino's error for an Iceberg commit that lost a race with another writer (Flink's checkpoints): worth another attempt. */
const CONFLICT = /Failed to commit|CommitFailedException|ValidationException|conflict|Cannot commit/i;

/**
 * Brings the current-state tables back to equal PostgreSQL after the replication slot was lost
 * (PostgreSQL removed WAL the connector had not read: `max_slot_wal_keep_size`).
 *
 * An incremental snapshot through the signal table needs a stream to interleave with, which a
 * lost slot no longer has; so the connector starts over: it is stopped, the pipeline drains what
 * Kafka holds into Iceberg, the lost slot is dropped and the connector's offsets are deleted, and
 * on its start Debezium creates a new slot and snapshots every captured table consistently with
 * it (its `initial` snapshot mode), then streams from there. Upserted by key, the snapshot
 * corrects every row PostgreSQL still has; rows deleted while changes were missing never come
 * again, so after the snapshot each table's rows still in a data file from before the restart
 * (rows nothing rewrote since) are deleted: PostgreSQL no longer has them. Deleting by data file,
 * not by key, keeps a key inserted again meanwhile. Writes to PostgreSQL go on meanwhile.
 *
 * The raw log keeps its gap (the lost changes are gone from PostgreSQL's WAL) and gains one
 * snapshot row (`op` r) per row.
 */
export async function resnapshot(t: Target, o: ResnapshotOptions): Promise<ResnapshotReport> {
  const t0 = Date.now();
  const say = o.progress;
  const tables = Object.keys(t.topics);
  const pg = await connectPostgres(t);
  const trino = trinoClient(t);
  const connector = connectorApi(t);
  let paused: { resume: () => Promise<void> } | undefined;
  // What a failure leaves behind, for its error: how to go on from there.
  let after = "";
  try {
    const slotWas = slotVerdict(t.slot, await readSlot(pg, t.slot), o.force);
    await latestCheckpoint(t); // the pipeline must run to take the snapshot: fail before changing anything
    say(`replication slot ${t.slot} is ${slotWas}: the connector starts over on a new slot with a snapshot of ${tables.join(", ")}`);
    // Compaction would move the rows the snapshot does not rewrite into new files, where they are
    // no longer found: the maintenance schedule and sensor stop until the command ends.
    paused = t.dagster && (await pauseAutomation(t.dagster.url, t.dagster.codeLocation, say, isMaintenance));

    say(`stopping connector ${connector.name}`);
    after = `connector ${connector.name} is left stopped: once the cause is fixed, run resnapshot again (it goes on from there)`;
    await connector.stop();
    await waitFor(async () => (await connector.states()).join() === "STOPPED", o.timeoutMs, `connector ${connector.name} to stop`, 1000);
    say("waiting for Flink to commit what Kafka holds to Iceberg");
    await drain(t, connector, o.timeoutMs);
    const before = new Map<string, string[]>();
    for (const table of tables) before.set(table, await dataFiles(trino, t, table));

    const dropped = await pg.query("SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = $1", [t.slot]);
    say(`${dropped.rowCount ? `dropped slot ${t.slot}; ` : ""}deleting the connector's offsets and starting it`);
    await connector.resetOffsets();
    const started = Date.now();
    await connector.resume();
    after = "the connector streams again on a new slot: once the cause is fixed, run resnapshot --force to finish (its snapshot removes what this one left)";
    await waitForSnapshot(connector, o.timeoutMs, say);
    say("snapshot read; waiting for Flink to commit it to Iceberg");
    await drain(t, connector, o.timeoutMs);
    const snapshotSeconds = (Date.now() - started) / 1000;

    const removed = [];
    for (const table of tables) {
      const staleRowsRemoved = await removeRowsOf(trino, t, table, before.get(table)!);
      say(`${t.stateDatabase}.${table}: ${staleRowsRemoved} row(s) PostgreSQL no longer has removed`);
      removed.push({ table, staleRowsRemoved });
    }
    return { startedAt: new Date(t0).toISOString(), slotWas, tables: removed, snapshotSeconds, seconds: (Date.now() - t0) / 1000 };
  } catch (err) {
    if (after && err instanceof Error) err.message = `${err.message}; ${after}`;
    throw err;
  } finally {
    await paused?.resume();
    await pg.end().catch(() => undefined);
  }
}

/** Waits for the connector to run and finish its initial snapshot (its offsets stop saying `snapshot`); a failed task ends the wait with its trace. */
async function waitForSnapshot(connector: ConnectorApi, timeoutMs: number, say: (line: string) => void): Promise<void> {
  let reported = false;
  await waitFor(
    async () => {
      const states = await connector.states();
      if (states.includes("FAILED")) throw new Error(`connector ${connector.name} FAILED during its snapshot: see GET /connectors/${connector.name}/status`);
      const offsets = await connector.offsets();
      if (offsets.length > 0 && !reported) {
        say("snapshot running");
        reported = true;
      }
      return offsets.length > 0 && !offsets.some(snapshotRunning);
    },
    timeoutMs,
    `connector ${connector.name} to finish its snapshot`,
    2000,
  );
}

/**
 * Waits until Flink has committed to Iceberg every event the change topics hold now, however much
 * is written meanwhile: each pipeline group's committed offsets reach today's end offsets, then
 * two more checkpoints complete (Iceberg's commit of a checkpoint follows the Kafka offsets'
 * commit in the same completion notice). An exactly-once connector ends each batch with a
 * transaction marker, an offset Flink's committed offsets never pass: it is not counted.
 */
async function drain(t: Target, connector: ConnectorApi, timeoutMs: number): Promise<void> {
  const marker = (await connector.config())["exactly.once.support"] === "required" ? 1 : 0;
  const admin = kafkaClient(t).admin();
  await admin.connect();
  try {
    const topics = Object.values(t.topics);
    const ends = new Map<string, number>();
    for (const topic of topics) for (const p of await admin.fetchTopicOffsets(topic)) ends.set(`${topic}/${p.partition}`, Number(p.high));
    const groups = await pipelineGroups(admin);
    await waitFor(
      async () => {
        for (const groupId of groups) {
          const committed = (await admin.fetchOffsets({ groupId, topics })).flatMap((c) => c.partitions.map((p) => ({ key: `${c.topic}/${p.partition}`, offset: Number(p.offset) })));
          // A group that has committed nothing of these topics is not the pipeline's (Connect's workers).
          if (committed.every((c) => c.offset < 0)) continue;
          if (committed.some((c) => Math.max(c.offset, 0) < (ends.get(c.key) ?? 0) - marker)) return false;
        }
        return true;
      },
      timeoutMs,
      "Flink to read every change event",
      2000,
    );
  } finally {
    await admin.disconnect();
  }
  const settled = (await latestCheckpoint(t)) + 2;
  await waitFor(async () => (await latestCheckpoint(t)) >= settled, timeoutMs, `Flink job ${t.jobName} to complete two more checkpoints`, 1000);
}

/** Id of the newest completed checkpoint of the stack's running Flink job. */
async function latestCheckpoint(t: Target): Promise<number> {
  const { jobs } = await getJson<{ jobs: { jid: string; name: string; state: string }[] }>(`${t.flinkUrl}/jobs/overview`);
  const job = jobs.find((j) => j.name === t.jobName && j.state === "RUNNING");
  if (!job) throw new Error(`no RUNNING Flink job named ${t.jobName}: the pipeline must run for a snapshot to reach Iceberg (lakehouse verify says why it does not)`);
  const checkpoints = await getJson<{ latest?: { completed?: { id: number } | null } }>(`${t.flinkUrl}/jobs/${job.jid}/checkpoints`);
  return checkpoints.latest?.completed?.id ?? 0;
}

const stateTable = (t: Target, table: string, suffix = "") => `"${t.catalog}"."${t.stateDatabase}"."${table}${suffix}"`;
const literal = (s: string) => `'${s.replace(/'/g, "''")}'`;

/** Data files (not delete files) of a current-state table now. */
async function dataFiles(trino: Trino, t: Target, table: string): Promise<string[]> {
  return (await trinoRows(trino, `SELECT file_path FROM ${stateTable(t, table, "$files")} WHERE content = 0`)).map((r) => String(r[0]));
}

/** Deletes the rows still visible in `files` (100 files a statement), retrying a commit that races Flink's; returns how many there were. */
async function removeRowsOf(trino: Trino, t: Target, table: string, files: string[]): Promise<number> {
  let removed = 0;
  for (let i = 0; i < files.length; i += 100) {
    const where = `WHERE "$path" IN (${files
      .slice(i, i + 100)
      .map(literal)
      .join(", ")})`;
    const [[count]] = (await trinoRows(trino, `SELECT count(*) FROM ${stateTable(t, table)} ${where}`)) as [[number]];
    if (Number(count) === 0) continue;
    for (let attempt = 1; ; attempt++) {
      try {
        await trinoRows(trino, `DELETE FROM ${stateTable(t, table)} ${where}`);
        break;
      } catch (err) {
        if (attempt === 5 || !CONFLICT.test((err as Error).message)) throw err;
        await sleep(2000 * 2 ** (attempt - 1));
      }
    }
    removed += Number(count);
  }
  return removed;
}

/** The report as terminal lines. */
export function formatResnapshot(r: ResnapshotReport): string {
  return [
    `  slot was ${r.slotWas}; the new snapshot was in Iceberg ${r.snapshotSeconds.toFixed(0)} s after the connector started; ${r.seconds.toFixed(0)} s in all`,
    ...r.tables.map((x) => `  ${x.table}: ${x.staleRowsRemoved} row(s) deleted in PostgreSQL while changes were missing, removed`),
  ].join("\n");
}
