import { randomUUID } from "crypto";
import { Admin, Consumer } from "kafkajs";
import { Client as PgClient } from "pg";
import { analyticsQueries } from "../constructs/analytics";
import { groupJoined, listenFromNow } from "./listen";
import { loadDuring } from "./resources";
import { pollUntil } from "./poll";
import { connectPostgres, kafkaClient, sleep, Target, trinoClient, trinoRows } from "./target";

export interface BenchOptions {
  /** Single-row transactions timed from commit to Kafka. */
  readonly latencySamples: number;
  /** Rows per second written during the throughput run. */
  readonly rate: number;
  /** Seconds of the throughput run. */
  readonly durationSeconds: number;
  /** PostgreSQL connections that share the write rate (one client alone tops out below 10k rows/s here). */
  readonly writers: number;
  /** Rows timed from commit until visible in Trino's current state. */
  readonly trinoSamples: number;
  /** Raw events generated for the analytics queries. */
  readonly historyEvents: number;
  /** Runs of each analytics query. */
  readonly queryRuns: number;
  readonly progress: (line: string) => void;
}

export interface BenchReport {
  readonly startedAt: string;
  readonly options: Omit<BenchOptions, "progress">;
  readonly commitToKafkaMs: Percentiles;
  readonly throughput: {
    rowsWritten: number;
    writeSeconds: number;
    eventsPerSecond: number;
    inKafka: number;
    inIceberg: number;
    drainSeconds: number;
    maxLagEvents: number;
    lagAtEndOfWrite: number;
    topCpu: string[];
    cpuSampledBy?: string;
    /** Up to five `<Flink operator chain> <busy>%` during the write, busiest first (see `flinkBusySampler`). */
    flinkBusy?: string[];
  };
  readonly commitToTrinoMs: Percentiles & { checkpointIntervalMs?: number };
  /**
   * Each seed query as written, and where the project recommends another way to the same answer
   * (see `AnalyticsQuery.recommendedSql`), that one too, with whether both returned the same rows.
   */
  readonly queries: Record<string, QueryTimes & { recommended?: QueryTimes & { sameAnswer: boolean } }>;
  readonly historyEvents: number;
  /** Seconds the bench waited for earlier work (e.g. a previous run's cleanup) to drain. */
  readonly idleAfterSeconds: number;
}

export interface QueryTimes {
  readonly medianMs: number;
  readonly p95Ms: number;
  readonly rows: number;
}

export interface Percentiles {
  readonly n: number;
  readonly p50: number;
  readonly p95: number;
  readonly p99: number;
  readonly max: number;
}

/** Nearest-rank percentiles of a sample. */
export function percentiles(values: number[]): Percentiles {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (p: number) => (sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]);
  return { n: sorted.length, p50: at(50), p95: at(95), p99: at(99), max: sorted[sorted.length - 1] ?? NaN };
}

/** The change topic of the accounts table, which the bench writes; fails naming the topics there are. */
export function accountsTopic(t: Target): string {
  const topic = t.topics.accounts;
  if (!topic) throw new Error(`the stack captures no accounts table (topics: ${Object.values(t.topics).join(", ")})`);
  return topic;
}

/** Keeps every change event of the accounts topic that belongs to the bench's user, by account id. */
class Listener {
  public readonly seen = new Map<string, number>();
  public count = 0;
  private consumer?: Consumer;
  constructor(
    private readonly t: Target,
    private readonly userId: string,
  ) {}

  /** Listens from the topic's current end (see {@link listenFromNow}): every row written after this resolves is seen. */
  async start(): Promise<void> {
    const topic = accountsTopic(this.t);
    const kafka = kafkaClient(this.t);
    this.consumer = kafka.consumer({ groupId: `lakehouse-bench-${this.userId}`, maxBytesPerPartition: 10 * 1024 * 1024 });
    const joined = groupJoined(this.consumer);
    await listenFromNow(kafka.admin(), this.consumer, topic, {
      eachBatch: async ({ batch }) => {
        const now = Date.now();
        for (const m of batch.messages) {
          if (!m.value) continue;
          const v = JSON.parse(m.value.toString());
          const row = v.after ?? v.before;
          if (row?.user_id !== this.userId || v.op !== "c") continue;
          // A message delivered twice (a fetch before the seek landed) counts once.
          if (this.seen.has(row.id)) continue;
          this.count++;
          this.seen.set(row.id, now);
        }
      },
    });
    // Only so that the first latency samples do not include the group join.
    for (let i = 0; i < 120 && !joined(); i++) await sleep(250);
    if (!joined()) throw new Error("the bench consumer joined no group within 30 s");
  }

  async stop(): Promise<void> {
    await this.consumer?.disconnect();
  }
}

/**
 * Measures a deployed pipeline, bounded in rows and time: commit -> Kafka latency, sustained
 * throughput with loss and backlog checks, commit -> Trino freshness, and the seed's analytics
 * queries over a generated history. Bench rows belong to one throw-away user and are deleted at
 * the end (the deletes flow through the pipeline too).
 */
export async function bench(t: Target, o: BenchOptions): Promise<BenchReport> {
  const say = o.progress;
  const pg = await connectPostgres(t);
  const trino = trinoClient(t);
  const userId = randomUUID();
  await pg.query("INSERT INTO users (id, email, name) VALUES ($1, $2, 'lakehouse bench')", [userId, `bench-${userId}@lakehouse.bench`]);
  say("waiting for the pipeline to be idle (WAL the replication slot has not confirmed, Flink's consumer lag)");
  const idleAfterSeconds = await waitForIdle(t, pg, userId);
  const listener = new Listener(t, userId);
  await listener.start();
  try {
    say(`commit -> Kafka: ${o.latencySamples} single-row transactions`);
    const committedAt = new Map<string, number>();
    for (let i = 0; i < o.latencySamples; i++) {
      const id = randomUUID();
      await pg.query("INSERT INTO accounts (id, user_id, balance, currency) VALUES ($1, $2, $3, 'LAT')", [id, userId, i]);
      committedAt.set(id, Date.now());
      await sleep(20);
    }
    await waitFor(() => [...committedAt.keys()].every((id) => listener.seen.has(id)), 120_000, "every latency sample in Kafka");
    const commitToKafkaMs = percentiles([...committedAt].map(([id, at]) => listener.seen.get(id)! - at));

    // Freshness first, on a quiet pipeline: after the throughput run Flink is still committing.
    say(`commit -> Trino: ${o.trinoSamples} rows, each polled until visible`);
    const visible = await commitToTrino(pg, trino, { table: "accounts", icebergTable: `${t.catalog}.${t.stateDatabase}.accounts`, userId, samples: o.trinoSamples });

    say(`throughput: ${o.rate} rows/s for ${o.durationSeconds} s from ${o.writers} connection(s)`);
    const before = listener.count;
    const lags: number[] = [];
    const progress = { n: 0 };
    const [written, { cpu, flink }] = await loadDuring(t.platform, t.flinkUrl, t.jobName, () =>
      writeAtRate(t, userId, o, progress, () => {
        lags.push(progress.n - (listener.count - before));
      }),
    );
    const lagAtEndOfWrite = written.n - (listener.count - before);
    const drainStart = Date.now();
    await waitFor(() => listener.count - before >= written.n, 300_000, `all ${written.n} rows in Kafka`);
    const drainSeconds = (Date.now() - drainStart) / 1000;
    const inKafka = listener.count - before;
    const raw = `${t.catalog}.${t.rawDatabase}.accounts`;
    let inIceberg = 0;
    await waitFor(
      async () => {
        inIceberg = Number(
          (await trinoRows(trino, `SELECT count(*) FROM ${raw} WHERE op = 'c' AND json_extract_scalar(data, '$.user_id') = '${userId}' AND json_extract_scalar(data, '$.currency') = 'THR'`))[0][0],
        );
        return inIceberg >= written.n;
      },
      300_000,
      `all ${written.n} rows in ${raw}`,
    );

    say(`analytics: ${o.historyEvents} generated raw events, ${o.queryRuns} runs per query`);
    const queries = await analytics(trino, t, o);

    return {
      startedAt: new Date().toISOString(),
      options: {
        latencySamples: o.latencySamples,
        rate: o.rate,
        durationSeconds: o.durationSeconds,
        writers: o.writers,
        trinoSamples: o.trinoSamples,
        historyEvents: o.historyEvents,
        queryRuns: o.queryRuns,
      },
      commitToKafkaMs,
      throughput: {
        rowsWritten: written.n,
        writeSeconds: written.seconds,
        eventsPerSecond: Math.round(inKafka / (written.seconds + drainSeconds)),
        inKafka,
        inIceberg,
        drainSeconds,
        maxLagEvents: Math.max(0, ...lags),
        lagAtEndOfWrite,
        topCpu: cpu.top,
        cpuSampledBy: cpu.sampledBy,
        flinkBusy: flink.top,
      },
      commitToTrinoMs: { ...percentiles(visible), checkpointIntervalMs: t.checkpointIntervalMs },
      queries,
      historyEvents: o.historyEvents,
      idleAfterSeconds,
    };
  } finally {
    await listener.stop().catch(() => undefined);
    say("cleanup: deleting the bench rows");
    await pg.query("DELETE FROM accounts WHERE user_id = $1", [userId]).catch(() => undefined);
    await pg.query("DELETE FROM users WHERE id = $1", [userId]).catch(() => undefined);
    await pg.end();
  }
}

/** Milliseconds from commit until Trino shows the row, for each of `samples` rows written one at a time into `table` and polled in `icebergTable`. */
export async function commitToTrino(pg: PgClient, trino: ReturnType<typeof trinoClient>, o: { table: string; icebergTable: string; userId: string; samples: number }): Promise<number[]> {
  const visible: number[] = [];
  for (let i = 0; i < o.samples; i++) {
    const id = randomUUID();
    await pg.query(`INSERT INTO ${o.table} (id, user_id, balance, currency) VALUES ($1, $2, 1, 'FRS')`, [id, o.userId]);
    const at = Date.now();
    await waitFor(async () => (await trinoRows(trino, `SELECT 1 FROM ${o.icebergTable} WHERE id = '${id}'`)).length === 1, 120_000, `row ${id} in ${o.icebergTable}`, 200);
    visible.push(Date.now() - at);
  }
  return visible;
}

/** How {@link writeAtRate} writes. */
export interface WriteOptions {
  /** Rows a second, shared by the connections; `Infinity` writes as fast as PostgreSQL takes them. */
  readonly rate: number;
  readonly durationSeconds: number;
  /** Connections of its own, opened first and closed after. */
  readonly writers: number;
  /** Stops after this many rows. @default - no bound */
  readonly rows?: number;
  /** The table written, shaped like `accounts`. @default "accounts" */
  readonly table?: string;
}

/** Writes bench rows for `userId` in 500-row transactions; calls `tick` each second. */
export async function writeAtRate(t: Target, userId: string, o: WriteOptions, progress = { n: 0 }, tick: () => void = () => undefined): Promise<{ n: number; seconds: number }> {
  const clients = await Promise.all(Array.from({ length: o.writers }, () => connectPostgres(t)));
  const limit = o.rows ?? Infinity;
  const batch = Math.min(500, o.rate);
  const start = Date.now();
  const end = start + o.durationSeconds * 1000;
  const ticker = setInterval(tick, 1000);
  try {
    await Promise.all(
      clients.map(async (pg) => {
        while (Date.now() < end && progress.n < limit) {
          const due = o.rate === Infinity ? Infinity : Math.floor(((Date.now() - start) / 1000) * o.rate);
          if (progress.n >= due) {
            await sleep(5);
            continue;
          }
          const n = Math.min(batch, limit - progress.n);
          progress.n += n;
          await pg.query(`INSERT INTO ${o.table ?? "accounts"} (id, user_id, balance, currency) SELECT gen_random_uuid(), $1, (random() * 1e6)::numeric(18,2), 'THR' FROM generate_series(1, $2)`, [
            userId,
            n,
          ]);
        }
      }),
    );
    return { n: progress.n, seconds: (Date.now() - start) / 1000 };
  } finally {
    clearInterval(ticker);
    await Promise.all(clients.map((c) => c.end()));
  }
}

/**
 * WAL a replication slot may hold back on an idle pipeline: measured at ~0.3 MiB on the dev stack
 * (heartbeats advance it); a backlog of 20,000 row changes is already ~2 MiB.
 */
const SLOT_IDLE_BYTES = 2 * 1024 * 1024;

/**
 * Waits (up to 10 minutes each) until the database's replication slots have confirmed all but
 * 2 MiB of WAL, then until every consumer group of the pipeline reads within 1,000 events of
 * the end of the change topics, so one run's figures are not another run's backlog. The slot
 * comes first: a backlog Debezium has not read yet (a previous run's deletes) is not in Kafka.
 * While the slot is behind, it touches the bench's user row (`userId`): WAL written after the
 * last captured change (the vacuum of a previous run's deletes) is confirmed only once another
 * captured change arrives, and on a quiet database none would.
 */
export async function waitForIdle(t: Target, pg: PgClient, userId: string): Promise<number> {
  const start = Date.now();
  await waitFor(
    async () => {
      const { rows } = await pg.query(
        "SELECT coalesce(max(pg_wal_lsn_diff(pg_current_wal_lsn(), confirmed_flush_lsn)), 0)::bigint AS behind FROM pg_replication_slots WHERE database = current_database()",
      );
      if (Number(rows[0].behind) < SLOT_IDLE_BYTES) return true;
      await pg.query("UPDATE users SET name = name WHERE id = $1", [userId]);
      return false;
    },
    600_000,
    "the replication slot to confirm the WAL written before the bench",
    2000,
  );
  const lag = await pipelineLag(t);
  try {
    await waitFor(async () => (await lag.events(Object.values(t.topics))) < 1000, 600_000, "the pipeline to drain its backlog", 2000);
  } finally {
    await lag.close();
  }
  return (Date.now() - start) / 1000;
}

/** Consumer groups of the pipeline: every group but the CLI's and the e2e's own. */
export async function pipelineGroups(admin: Admin): Promise<string[]> {
  return (await admin.listGroups()).groups.map((g) => g.groupId).filter((g) => !/^lakehouse-(bench|verify)-|^e2e-/.test(g));
}

/**
 * The pipeline's consumer lag: events of `topics` that its slowest consumer group (of every group
 * but the CLI's and the e2e's own) has not committed. Flink commits its offsets when a checkpoint
 * completes, so this counts what is not in Iceberg yet.
 */
export async function pipelineLag(t: Target): Promise<{ events: (topics: string[]) => Promise<number>; committed: (topic: string) => Promise<number>; close: () => Promise<void> }> {
  const admin = kafkaClient(t).admin();
  await admin.connect();
  const groups = await pipelineGroups(admin);
  return {
    events: async (topics) => {
      const lagOf = new Map<string, number>(groups.map((g) => [g, 0]));
      for (const topic of topics) {
        const ends = await admin.fetchTopicOffsets(topic);
        for (const groupId of groups) {
          const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
          for (const p of committed.partitions) {
            if (p.offset === "-1") continue;
            const end = ends.find((e) => e.partition === p.partition);
            lagOf.set(groupId, lagOf.get(groupId)! + Number(end?.offset ?? 0) - Number(p.offset));
          }
        }
      }
      return Math.max(0, ...lagOf.values());
    },
    /** Offsets of `topic` that the slowest group has committed, summed over its partitions. */
    committed: async (topic) => {
      const sums = await Promise.all(
        groups.map(async (groupId) => {
          const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
          // A group that reads other topics (or none: Connect's workers) has committed nothing here.
          if (committed.partitions.every((p) => p.offset === "-1")) return Infinity;
          return committed.partitions.reduce((sum, p) => sum + Math.max(0, Number(p.offset)), 0);
        }),
      );
      const slowest = Math.min(...sums);
      if (slowest === Infinity) throw new Error(`no consumer group of the pipeline has committed offsets of ${topic}`);
      return slowest;
    },
    close: () => admin.disconnect(),
  };
}

export async function waitFor(done: () => boolean | Promise<boolean>, timeoutMs: number, what: string, intervalMs = 500): Promise<void> {
  // An error of `done` is not "not yet": it ends the wait.
  await pollUntil(async () => ((await done()) ? true : undefined), { what, timeoutMs, intervalMs, isFatal: () => true });
}

/**
 * The seed's queries over a generated history in namespaces of their own (bench_raw,
 * bench_state), created once with Trino so the pipeline's tables stay untouched.
 */
async function analytics(trino: ReturnType<typeof trinoClient>, t: Target, o: BenchOptions): Promise<BenchReport["queries"]> {
  const c = t.catalog;
  for (const ns of ["bench_raw", "bench_state"]) await trinoRows(trino, `CREATE SCHEMA IF NOT EXISTS ${c}.${ns}`);
  const have = await trinoRows(trino, `SELECT count(*) FROM ${c}.bench_raw.accounts`)
    .then((r) => Number(r[0][0]))
    .catch(() => -1);
  if (have !== o.historyEvents) {
    o.progress(`  generating ${o.historyEvents} raw account events and ${Math.ceil(o.historyEvents / 10)} users`);
    const side = Math.ceil(Math.sqrt(o.historyEvents));
    const accounts = Math.max(1, Math.floor(o.historyEvents / 20));
    const users = Math.ceil(o.historyEvents / 10);
    // 60 days of history: fewer partitions than Trino's writer limit (100 per writer).
    const spacingMs = Math.floor((60 * 86_400_000) / o.historyEvents);
    const rows = (limit: number) => `FROM UNNEST(sequence(0, ${side - 1})) AS a(i) CROSS JOIN UNNEST(sequence(0, ${side - 1})) AS b(j) WHERE i * ${side} + j < ${limit}`;
    await trinoRows(trino, `DROP TABLE IF EXISTS ${c}.bench_raw.accounts`);
    await trinoRows(
      trino,
      `CREATE TABLE ${c}.bench_raw.accounts WITH (partitioning = ARRAY['event_date']) AS
      SELECT json_format(CAST(MAP(ARRAY['id', 'user_id', 'balance', 'currency'], ARRAY[
               format('00000000-0000-4000-a000-%012d', n % ${accounts}), format('00000000-0000-4000-b000-%012d', n % ${users}),
               format('%.2f', (n % 100000) * 1.37), 'USD']) AS JSON)) AS data,
             CASE WHEN n % 20 = 0 THEN 'c' WHEN n % 97 = 0 THEN 'd' ELSE 'u' END AS op,
             ts_ms, 'bank' AS source_db, 'public' AS source_schema, 'accounts' AS source_table,
             n AS source_lsn, n / 4 AS source_tx_id, ts_ms AS source_ts_ms,
             CAST(from_unixtime(ts_ms / 1000) AS date) AS event_date
      FROM (SELECT i * ${side} + j AS n, 1735689600000 + (i * ${side} + j) * ${spacingMs} AS ts_ms ${rows(o.historyEvents)})`,
    );
    await trinoRows(trino, `DROP TABLE IF EXISTS ${c}.bench_raw.users`);
    await trinoRows(trino, `CREATE TABLE ${c}.bench_raw.users AS SELECT * FROM ${c}.bench_raw.accounts WHERE false`);
    await trinoRows(trino, `DROP TABLE IF EXISTS ${c}.bench_state.users`);
    await trinoRows(
      trino,
      `CREATE TABLE ${c}.bench_state.users AS
      SELECT format('00000000-0000-4000-b000-%012d', n) AS id, format('user%d@example.com', n) AS email, 'bench' AS name,
             CAST(from_unixtime(1735689600 + n * ${Math.floor((60 * 86_400) / users)}) AS timestamp(6)) AS created_at
      FROM (SELECT i * ${side} + j AS n ${rows(users)})`,
    );
  }
  const stateAccounts = await trinoRows(trino, `SELECT count(*) FROM ${c}.bench_state.accounts`).catch(() => undefined);
  if (have !== o.historyEvents || !stateAccounts) {
    // What the Flink job keeps from the same log: each account's newest version, deletes applied.
    await trinoRows(trino, `DROP TABLE IF EXISTS ${c}.bench_state.accounts`);
    await trinoRows(
      trino,
      `CREATE TABLE ${c}.bench_state.accounts AS
      SELECT json_extract_scalar(data, '$.id') AS id, json_extract_scalar(data, '$.user_id') AS user_id,
             CAST(json_extract_scalar(data, '$.balance') AS decimal(18, 2)) AS balance, json_extract_scalar(data, '$.currency') AS currency
      FROM (SELECT data, op, row_number() OVER (PARTITION BY json_extract_scalar(data, '$.id') ORDER BY source_lsn DESC, ts_ms DESC) AS rn FROM ${c}.bench_raw.accounts)
      WHERE rn = 1 AND op <> 'd'`,
    );
  }
  const timed = async (sql: string): Promise<QueryTimes & { answer: unknown[][] }> => {
    const times: number[] = [];
    let answer: unknown[][] = [];
    for (let i = 0; i < o.queryRuns; i++) {
      const t0 = Date.now();
      answer = await trinoRows(trino, sql);
      times.push(Date.now() - t0);
    }
    const p = percentiles(times);
    return { medianMs: p.p50, p95Ms: p.p95, rows: answer.length, answer };
  };
  const result: BenchReport["queries"] = {};
  for (const q of analyticsQueries({ catalog: c, rawDatabase: "bench_raw", stateDatabase: "bench_state", tables: ["users", "accounts"] })) {
    const { answer, ...seed } = await timed(q.sql);
    o.progress(`  ${q.name}: median ${seed.medianMs} ms`);
    if (!q.recommendedSql) {
      result[q.name] = seed;
      continue;
    }
    const { answer: recommendedAnswer, ...recommended } = await timed(q.recommendedSql);
    const sameAnswer = JSON.stringify(recommendedAnswer) === JSON.stringify(answer);
    o.progress(`  ${q.name}, recommended: median ${recommended.medianMs} ms, ${sameAnswer ? "same rows" : "DIFFERENT rows"}`);
    result[q.name] = { ...seed, recommended: { ...recommended, sameAnswer } };
  }
  return result;
}

/** The report as a terminal table; with a baseline, each figure's ratio to it. */
export function formatReport(r: BenchReport, baseline?: BenchReport): string {
  const rows: [string, number | string, number | undefined][] = [
    ["waited for an idle pipeline (s)", r.idleAfterSeconds, undefined],
    ["commit -> Kafka p50 (ms)", r.commitToKafkaMs.p50, baseline?.commitToKafkaMs.p50],
    ["commit -> Kafka p95 (ms)", r.commitToKafkaMs.p95, baseline?.commitToKafkaMs.p95],
    ["commit -> Kafka p99 (ms)", r.commitToKafkaMs.p99, baseline?.commitToKafkaMs.p99],
    ["throughput (events/s, written until drained)", r.throughput.eventsPerSecond, baseline?.throughput.eventsPerSecond],
    ["rows written / in Kafka / in Iceberg", `${r.throughput.rowsWritten} / ${r.throughput.inKafka} / ${r.throughput.inIceberg}`, undefined],
    ["Kafka lag at end of write (events)", r.throughput.lagAtEndOfWrite, baseline?.throughput.lagAtEndOfWrite],
    ["drain after write (s)", r.throughput.drainSeconds, baseline?.throughput.drainSeconds],
    ["busiest workloads during write", r.throughput.topCpu.join(", ") || r.throughput.cpuSampledBy || "n/a", undefined],
    ["busiest Flink operators during write", r.throughput.flinkBusy?.join(", ") || "n/a", undefined],
    ["commit -> Trino p50 (ms)", r.commitToTrinoMs.p50, baseline?.commitToTrinoMs.p50],
    ["commit -> Trino p95 (ms)", r.commitToTrinoMs.p95, baseline?.commitToTrinoMs.p95],
    ...Object.entries(r.queries).flatMap(([name, q]): [string, number | string, number | undefined][] => [
      [`${name} median (ms, ${r.historyEvents} events)`, q.medianMs, baseline?.queries[name]?.medianMs],
      [`${name} p95 (ms)`, q.p95Ms, baseline?.queries[name]?.p95Ms],
      ...(q.recommended
        ? ([
            [`  recommended: median (ms)`, q.recommended.medianMs, baseline?.queries[name]?.recommended?.medianMs],
            [`  recommended: p95 (ms)`, q.recommended.p95Ms, baseline?.queries[name]?.recommended?.p95Ms],
            [`  recommended: same rows as the seed's query`, q.recommended.sameAnswer ? "yes" : "NO", undefined],
          ] as [string, number | string, number | undefined][])
        : []),
    ]),
  ];
  return rows
    .map(([name, value, base]) => {
      const ratio = typeof value === "number" && base ? `  x${(value / base).toFixed(2)} vs baseline ${base}` : "";
      return `  ${name.padEnd(48)} ${String(value)}${ratio}`;
    })
    .join("\n");
}
