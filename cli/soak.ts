import { randomUUID } from "crypto";
import { Client as PgClient } from "pg";
import { analyticsQueries } from "../constructs/analytics";
import { commitToTrino, percentiles, waitFor } from "./bench";
import { ChartSpec, Panel } from "./chart";
import { runJob } from "./dagster";
import { connectPostgres, sleep, Target, trinoClient, trinoRows } from "./target";

/** How `lakehouse soak` runs. Bounded: `minutes` long, `keys` rows written, loopback only. */
export interface SoakOptions {
  readonly minutes: number;
  /** Row updates a second, spread over the key set. */
  readonly rate: number;
  /** Accounts the soak creates and updates again and again, so the current-state table collects deletes. */
  readonly keys: number;
  /** Seconds between samples. */
  readonly sampleSeconds: number;
  /** Runs of each timed query per sample. */
  readonly queryRuns: number;
  /** Rows timed from commit to Trino per sample. */
  readonly freshnessSamples: number;
  /**
   * Maintenance on a compressed schedule: the soak runs the stack's maintenance job itself every
   * `everyMinutes`, with shorter retentions; absent for the baseline (no maintenance).
   */
  readonly maintenance?: {
    readonly everyMinutes: number;
    readonly snapshotRetentionMinutes: number;
    readonly orphanRetentionMinutes: number;
    readonly dagsterUrl: string;
    readonly codeLocation: string;
  };
  readonly progress: (line: string) => void;
}

/** One table's files and metadata at one sample. */
export interface TableFigures {
  readonly dataFiles: number;
  readonly deleteFiles: number;
  readonly snapshots: number;
  /** Size of the table's current metadata JSON, as the REST catalog serves it. */
  readonly metadataKiB: number;
}

/** Query times of one sample, in ms; NaN (null in the JSON) with the error when the query failed. */
export interface Timing {
  readonly p50: number;
  readonly p95: number;
  readonly error?: string;
}

/** A failed measurement is a gap in the curve and a line in the report, not the end of a long run. */
const failed = (err: unknown): Timing => ({ p50: NaN, p95: NaN, error: (err instanceof Error ? err.message : String(err)).slice(0, 300) });

export interface SoakSample {
  /** Minutes since the soak started writing. */
  readonly minute: number;
  /** Rows updated so far. */
  readonly written: number;
  readonly tables: Record<string, TableFigures>;
  readonly queries: Record<string, Timing>;
  /** Commit -> Trino, ms. */
  readonly freshness: Timing;
}

/** One maintenance run during the soak. */
export interface MaintenanceRun {
  readonly minute: number;
  readonly seconds: number;
  readonly status: string;
}

export interface SoakReport {
  readonly maintenance: boolean;
  readonly maintenanceRuns: MaintenanceRun[];
  readonly checkpointIntervalMs?: number;
  readonly rate: number;
  readonly keys: number;
  readonly minutes: number;
  readonly samples: SoakSample[];
}

/**
 * Writes a steady stream of updates on a bounded key set for `minutes` and, every
 * `sampleSeconds`, records each table's data files, delete files, snapshots and metadata size,
 * the p50/p95 of the seed queries, a point lookup on the current state and dbt's marts, and
 * commit -> Trino freshness, and once more when the writes and maintenance have ended. Its rows
 * are deleted at the end.
 */
export async function soak(t: Target, o: SoakOptions): Promise<SoakReport> {
  const pg = await connectPostgres(t);
  const trino = trinoClient(t);
  const userId = randomUUID();
  const keys: string[] = [];
  const samples: SoakSample[] = [];
  const progress = { n: 0 };
  try {
    await pg.query("INSERT INTO users (id, email, name) VALUES ($1, $2, 'soak')", [userId, `soak-${userId}@example.com`]);
    for (let i = 0; i < o.keys; i += 1000) {
      const ids = (
        await pg.query(`INSERT INTO accounts (id, user_id, balance, currency) SELECT gen_random_uuid(), $1, 0, 'SOK' FROM generate_series(1, $2) RETURNING id`, [userId, Math.min(1000, o.keys - i)])
      ).rows;
      keys.push(...ids.map((r) => r.id as string));
    }
    o.progress(`soak: ${o.keys} accounts of user ${userId}, ${o.rate} updates/s for ${o.minutes} min, ${o.maintenance ? `maintenance every ${o.maintenance.everyMinutes} min` : "no maintenance"}`);
    const stateAccounts = `${t.catalog}.${t.stateDatabase}.accounts`;
    await waitFor(
      async () => Number((await trinoRows(trino, `SELECT count(*) FROM ${stateAccounts} WHERE user_id = '${userId}'`))[0][0]) === o.keys,
      300_000,
      `the soak's accounts in ${stateAccounts}`,
      2000,
    );

    const end = Date.now() + o.minutes * 60_000;
    const t0 = Date.now();
    const writing = updateAtRate(t, keys, o.rate, end, progress);
    const runs: MaintenanceRun[] = [];
    const maintaining = o.maintenance ? maintainEvery(o.maintenance, end, t0, runs, o.progress) : Promise.resolve();
    const tables = await soakTables(t, trino);
    const sampleNow = async () => {
      const sample = await takeSample(t, trino, pg, { userId, keys, tables, queryRuns: o.queryRuns, freshnessSamples: o.freshnessSamples });
      samples.push({ minute: (Date.now() - t0) / 60_000, written: progress.n, ...sample });
      const state = sample.tables[`${t.stateDatabase}.accounts`];
      o.progress(
        `minute ${((Date.now() - t0) / 60_000).toFixed(1)}: ${progress.n} updates; ${t.stateDatabase}.accounts ${state?.dataFiles} data / ${state?.deleteFiles} delete files, ${state?.snapshots} snapshots; freshness p95 ${sample.freshness.p95} ms`,
      );
      for (const [name, q] of [...Object.entries(sample.queries), ["freshness", sample.freshness] as const]) if (q.error) o.progress(`  ${name} failed: ${q.error}`);
    };
    while (Date.now() < end) {
      const next = Date.now() + o.sampleSeconds * 1000;
      await sampleNow();
      await sleep(Math.max(0, Math.min(next, end) - Date.now()));
    }
    await Promise.all([writing, maintaining]);
    // The end state, always: a sample that ran long (queries queued behind maintenance) may have
    // been the only one, and a soak compares where it started with where it ended.
    if (samples.length < 2 || samples[samples.length - 1].minute < o.minutes) await sampleNow();
    return { maintenance: !!o.maintenance, maintenanceRuns: runs, checkpointIntervalMs: t.checkpointIntervalMs, rate: o.rate, keys: o.keys, minutes: o.minutes, samples };
  } finally {
    await pg.query("DELETE FROM accounts WHERE user_id = $1", [userId]).catch(() => undefined);
    await pg.query("DELETE FROM users WHERE id = $1", [userId]).catch(() => undefined);
    await pg.end();
  }
}

/** Runs the maintenance job every `everyMinutes` until `end`; a run that fails is recorded, not fatal. */
async function maintainEvery(m: NonNullable<SoakOptions["maintenance"]>, end: number, t0: number, runs: MaintenanceRun[], say: (line: string) => void): Promise<void> {
  const config = { ops: { maintain_iceberg_tables: { config: { compact_all: true, snapshot_retention_minutes: m.snapshotRetentionMinutes, orphan_retention_minutes: m.orphanRetentionMinutes } } } };
  for (let next = t0 + m.everyMinutes * 60_000; next < end; next += m.everyMinutes * 60_000) {
    await sleep(Math.max(0, next - Date.now()));
    const minute = (Date.now() - t0) / 60_000;
    const run = await runJob(m.dagsterUrl, m.codeLocation, "iceberg_maintenance", config).catch((err) => ({ status: `ERROR ${err instanceof Error ? err.message : err}`, seconds: NaN }));
    runs.push({ minute, seconds: run.seconds, status: run.status });
    const why = "errors" in run && run.errors?.length ? ` (${run.errors[0]})` : "";
    say(`maintenance run at minute ${minute.toFixed(1)}: ${run.status} in ${run.seconds.toFixed(0)} s${why}`);
  }
}

/** Updates `rate` random keys a second until `end`, ten batches a second on one connection. */
async function updateAtRate(t: Target, keys: string[], rate: number, end: number, progress: { n: number }): Promise<void> {
  const pg = await connectPostgres(t);
  const start = Date.now();
  try {
    while (Date.now() < end) {
      const due = Math.floor(((Date.now() - start) / 1000) * rate);
      const n = Math.min(due - progress.n, Math.ceil(rate / 10));
      if (n <= 0) {
        await sleep(20);
        continue;
      }
      const ids = Array.from({ length: n }, () => keys[Math.floor(Math.random() * keys.length)]);
      await pg.query("UPDATE accounts SET balance = balance + 1 WHERE id = ANY($1::uuid[])", [ids]);
      progress.n += n;
    }
  } finally {
    await pg.end();
  }
}

/** The Iceberg tables the soak watches: raw log and current state of each captured table, and dbt's vault and marts. */
async function soakTables(t: Target, trino: ReturnType<typeof trinoClient>): Promise<string[]> {
  const namespaces = [t.rawDatabase, t.stateDatabase, ...[t.vaultDatabase, t.martsDatabase].filter((n): n is string => n !== undefined)];
  const rows = await trinoRows(
    trino,
    `SELECT table_schema || '.' || table_name FROM ${t.catalog}.information_schema.tables WHERE table_schema IN (${namespaces.map((n) => `'${n}'`).join(", ")}) AND table_type = 'BASE TABLE' ORDER BY 1`,
  );
  return rows.map((r) => String(r[0]));
}

async function tableFigures(t: Target, trino: ReturnType<typeof trinoClient>, table: string): Promise<TableFigures | undefined> {
  const [schema, name] = table.split(".");
  try {
    const files = await trinoRows(trino, `SELECT count_if(content = 0), count_if(content <> 0) FROM ${t.catalog}.${schema}."${name}$files"`);
    const snapshots = await trinoRows(trino, `SELECT count(*) FROM ${t.catalog}.${schema}."${name}$snapshots"`);
    const metadata = t.catalogUrl ? (await fetch(`${t.catalogUrl}/v1/namespaces/${schema}/tables/${name}`, { signal: AbortSignal.timeout(10_000) }).then((r) => r.text())).length : NaN;
    return { dataFiles: Number(files[0][0]), deleteFiles: Number(files[0][1]), snapshots: Number(snapshots[0][0]), metadataKiB: Math.round(metadata / 102.4) / 10 };
  } catch {
    return undefined; // dbt replaces its marts: a table may be gone for a moment
  }
}

async function takeSample(
  t: Target,
  trino: ReturnType<typeof trinoClient>,
  pg: PgClient,
  s: { userId: string; keys: string[]; tables: string[]; queryRuns: number; freshnessSamples: number },
): Promise<Omit<SoakSample, "minute" | "written">> {
  const tables: Record<string, TableFigures> = {};
  for (const table of s.tables) {
    const figures = await tableFigures(t, trino, table);
    if (figures) tables[table] = figures;
  }
  const timed = async (sql: string): Promise<Timing> => {
    const ms: number[] = [];
    try {
      for (let i = 0; i < s.queryRuns; i++) {
        const at = Date.now();
        await trinoRows(trino, sql);
        ms.push(Date.now() - at);
      }
    } catch (err) {
      return failed(err);
    }
    const p = percentiles(ms);
    return { p50: p.p50, p95: p.p95 };
  };
  const queries: Record<string, Timing> = {};
  for (const q of analyticsQueries({ catalog: t.catalog, rawDatabase: t.rawDatabase, stateDatabase: t.stateDatabase, tables: ["users", "accounts"] })) {
    queries[q.name] = await timed(q.sql);
  }
  const key = s.keys[Math.floor(Math.random() * s.keys.length)];
  queries["point lookup"] = await timed(`SELECT balance FROM ${t.catalog}.${t.stateDatabase}.accounts WHERE id = '${key}'`);
  for (const mart of t.marts ?? []) {
    queries[`mart ${mart.split(".").pop()}`] = await timed(`SELECT count(*) FROM ${mart}`);
  }
  const freshness = await commitToTrino(pg, trino, { table: "accounts", icebergTable: `${t.catalog}.${t.stateDatabase}.accounts`, userId: s.userId, samples: s.freshnessSamples }).then((ms) => {
    const p = percentiles(ms);
    return { p50: p.p50, p95: p.p95 };
  }, failed);
  return { tables, queries, freshness };
}

/** First and last ten minutes' p95 of each query (the mean of the samples' p95), and their ratio. */
export function soakSummary(r: SoakReport): { query: string; firstP95: number; lastP95: number; ratio: number }[] {
  const total = r.samples.length ? r.samples[r.samples.length - 1].minute : 0;
  // Ten minutes at each end; a run shorter than twenty compares its halves.
  const first = r.samples.filter((s) => s.minute <= Math.min(10, total / 2));
  const last = r.samples.filter((s) => s.minute > Math.max(total - 10, total / 2));
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / (xs.length || NaN);
  const names = [...Object.keys(r.samples[0]?.queries ?? {}), "freshness"];
  const p95 = (s: SoakSample, q: string) => (q === "freshness" ? s.freshness.p95 : (s.queries[q]?.p95 ?? NaN));
  return names.map((query) => {
    const firstP95 = mean(first.map((s) => p95(s, query)));
    const lastP95 = mean(last.map((s) => p95(s, query)));
    return { query, firstP95: Math.round(firstP95), lastP95: Math.round(lastP95), ratio: Math.round((lastP95 / firstP95) * 100) / 100 };
  });
}

/** The report as a table: the last sample's files per table and the first/last ten minutes' p95 of each query. */
export function formatSoak(r: SoakReport, baseline?: SoakReport): string {
  const label = (x: SoakReport) => `maintenance ${x.maintenance ? "on" : "off"}`;
  const lines = [`soak: ${r.minutes} min, ${r.rate} updates/s on ${r.keys} keys, checkpoints every ${r.checkpointIntervalMs ?? "?"} ms`];
  for (const x of baseline ? [r, baseline] : [r]) {
    const last = x.samples[x.samples.length - 1];
    lines.push("", `${label(x)}: last sample at minute ${last?.minute.toFixed(1)}`);
    if (x.maintenance) lines.push(`  maintenance runs: ${x.maintenanceRuns.map((m) => `${m.minute.toFixed(0)} min ${m.status} ${m.seconds.toFixed(0)} s`).join(", ")}`);
    for (const [table, f] of Object.entries(last?.tables ?? {})) {
      lines.push(
        `  ${table.padEnd(36)} ${String(f.dataFiles).padStart(6)} data files ${String(f.deleteFiles).padStart(6)} delete files ${String(f.snapshots).padStart(6)} snapshots ${f.metadataKiB} KiB metadata`,
      );
    }
    lines.push(`  ${"query p95 (ms)".padEnd(36)} first 10 min   last 10 min   ratio`);
    for (const q of soakSummary(x)) lines.push(`  ${q.query.padEnd(36)} ${String(q.firstP95).padStart(12)} ${String(q.lastP95).padStart(13)} ${String(q.ratio).padStart(7)}`);
  }
  return lines.join("\n");
}

/** Curves of one run, or of two side by side (series named by their maintenance setting). */
export function soakChart(r: SoakReport, baseline?: SoakReport): ChartSpec {
  const runs = baseline ? [r, baseline] : [r];
  const name = (x: SoakReport, what: string) => (baseline ? `${what}, maintenance ${x.maintenance ? "on" : "off"}` : what);
  const tables = [...new Set(runs.flatMap((x) => x.samples.flatMap((s) => Object.keys(s.tables))))].filter((t) => /\.(accounts|users)$/.test(t));
  const perTable = (title: string, yLabel: string, pick: (f: TableFigures) => number): Panel => ({
    title,
    yLabel,
    series: runs.flatMap((x) => tables.map((table) => ({ name: name(x, table), points: x.samples.map((s) => ({ x: s.minute, y: s.tables[table] ? pick(s.tables[table]) : null })) }))),
  });
  const queries = [...new Set(runs.flatMap((x) => Object.keys(x.samples[0]?.queries ?? {})))];
  return {
    title: `lakehouse soak: ${r.rate} updates/s on ${r.keys} keys, checkpoints every ${r.checkpointIntervalMs ?? "?"} ms`,
    xLabel: "minutes",
    columns: 2,
    panels: [
      perTable("Data files", "files", (f) => f.dataFiles),
      perTable("Delete files", "files", (f) => f.deleteFiles),
      perTable("Snapshots", "snapshots", (f) => f.snapshots),
      perTable("Metadata size", "KiB", (f) => f.metadataKiB),
      {
        title: "Query p95",
        yLabel: "ms",
        series: runs.flatMap((x) => queries.map((q) => ({ name: name(x, q), points: x.samples.map((s) => ({ x: s.minute, y: s.queries[q]?.p95 ?? null })) }))),
      },
      { title: "Commit -> Trino p95", yLabel: "ms", series: runs.map((x) => ({ name: name(x, "freshness"), points: x.samples.map((s) => ({ x: s.minute, y: s.freshness.p95 })) })) },
    ],
  };
}
