import { randomUUID } from "crypto";
import { Client as PgClient } from "pg";
import { accountsTopic, pipelineLag, waitFor, waitForIdle, writeAtRate } from "./bench";
import { loadDuring } from "./resources";
import { connectPostgres, Target } from "./target";

/** A pipeline the capacity search writes through: the stack's own, or the bench's peer. */
export interface MeasuredPipeline {
  /** What the report calls it. */
  readonly name: string;
  /** The PostgreSQL table the writers insert into (shaped like `accounts`). */
  readonly table: string;
  /** Its Flink job, whose operators' busy time is sampled. */
  readonly jobName: string;
  /** Waits until everything written before is committed to Iceberg; returns the seconds waited. */
  waitForIdle(pg: PgClient, userId: string): Promise<number>;
  /** Starts counting: `behind(n)` is how many of the `n` rows written since are not committed to Iceberg yet. */
  lagFrom(): Promise<{ behind(written: number): Promise<number>; close(): Promise<void> }>;
}

/**
 * The stack's pipeline, end to end: rows committed in PostgreSQL that Flink has not committed to
 * Iceberg yet (Flink commits its Kafka offsets with each checkpoint, so its slowest consumer
 * group's offsets count what Iceberg holds), so a Debezium that falls behind counts as much as a
 * Flink that does. Each Kafka transaction's commit marker takes an offset too: a few per second,
 * counted as progress.
 */
export function stackPipeline(t: Target): MeasuredPipeline {
  const topic = accountsTopic(t);
  return {
    name: "pipeline (Debezium -> Kafka -> Flink -> Iceberg)",
    table: "accounts",
    jobName: t.jobName,
    waitForIdle: (pg, userId) => waitForIdle(t, pg, userId),
    lagFrom: async () => {
      const lag = await pipelineLag(t);
      const base = await lag.committed(topic).catch(async (err) => {
        await lag.close();
        throw err;
      });
      return { behind: async (written) => written - ((await lag.committed(topic)) - base), close: () => lag.close() };
    },
  };
}

export interface CapacityOptions {
  /** The first write rate tried (rows/s). */
  readonly startRate: number;
  /** No rate above this is tried. */
  readonly maxRate: number;
  /** Seconds each rate is written for. */
  readonly durationSeconds: number;
  /** PostgreSQL connections sharing each rate (and writing flat out for PostgreSQL's own limit). */
  readonly writers: number;
  /** The search stops when the highest flat rate and the lowest rising one are this close (0.1: within 10%). */
  readonly precision: number;
  /** Most rates tried. */
  readonly maxSteps: number;
  /**
   * Seconds written at `startRate` before the search, not counted: a fresh stack's JVMs compile
   * and size their caches in the first minute (its first 4,000 rows/s rose where a warm stack
   * kept up with 7,776).
   */
  readonly warmUpSeconds: number;
  readonly progress: (line: string) => void;
}

/** One rate of the search. */
export interface CapacityStep {
  /** The rate asked for. */
  readonly rate: number;
  /** The rate the writers reached (below `rate` when PostgreSQL is the limit). */
  readonly writtenPerSecond: number;
  /** The pipeline kept up: its lag did not grow and the backlog left at the end drained in time. */
  readonly flat: boolean;
  /** Peak lag (rows committed in PostgreSQL, not yet in Iceberg) in the first and the second half of the write. */
  readonly maxLagFirstHalf: number;
  readonly maxLagSecondHalf: number;
  /** Seconds from the end of the write until the pipeline had committed every event. */
  readonly drainSeconds: number;
  /** Up to five `<workload> <cpu>%` during the write, busiest first. */
  readonly topCpu: string[];
  /** Every workload's CPU during the write, summed (percent of one core). */
  readonly cpuTotal: number;
  /** Up to five `<Flink operator chain> <busy>%` during the write, busiest first (see `flinkBusySampler`). */
  readonly flinkBusy: string[];
}

export interface CapacityReport {
  readonly startedAt: string;
  /** {@link MeasuredPipeline.name} */
  readonly pipeline: string;
  readonly options: Omit<CapacityOptions, "progress">;
  readonly checkpointIntervalMs?: number;
  /** The highest written rate the pipeline kept up with (0 when none of the rates tried). */
  readonly capacityEventsPerSecond: number;
  /** The same writers writing as fast as they can, on the same machine, while the pipeline runs. */
  readonly postgresRowsPerSecond: number;
  /** capacityEventsPerSecond / postgresRowsPerSecond. */
  readonly fractionOfPostgres: number;
  /** True when the pipeline kept up with every rate PostgreSQL reached: its capacity is at least that. */
  readonly limitedByPostgres: boolean;
  readonly steps: CapacityStep[];
}

/**
 * Lag that a keeping-up pipeline is allowed: Flink commits offsets (and Iceberg snapshots) once
 * per checkpoint, so its lag saws between zero and about a checkpoint's worth of events. A
 * pipeline that falls behind adds (rate - capacity) events every second: the second half's peak
 * outgrows the first half's, and the backlog at the end takes longer than a checkpoint to drain.
 */
export function isFlat(step: Pick<CapacityStep, "maxLagFirstHalf" | "maxLagSecondHalf" | "drainSeconds">, rate: number, checkpointSeconds: number): boolean {
  const grew = step.maxLagSecondHalf > step.maxLagFirstHalf * 1.25 + rate;
  return !grew && step.drainSeconds <= checkpointSeconds * 2 + 10;
}

/** The writers could not reach the last rate, which the pipeline kept up with: PostgreSQL, not the pipeline, is the limit. */
export function limitedByPostgres(steps: Pick<CapacityStep, "rate" | "flat" | "writtenPerSecond">[]): boolean {
  const last = steps[steps.length - 1];
  return !!last?.flat && last.writtenPerSecond < last.rate * 0.95;
}

/**
 * The next rate to try: doubling while every rate kept up, then halving the gap between the
 * highest flat rate and the lowest that was not; undefined when the search is done.
 */
export function nextRate(steps: Pick<CapacityStep, "rate" | "flat" | "writtenPerSecond">[], o: Pick<CapacityOptions, "startRate" | "maxRate" | "precision" | "maxSteps">): number | undefined {
  if (steps.length === 0) return o.startRate;
  if (steps.length >= o.maxSteps) return undefined;
  const flat = steps.filter((s) => s.flat).map((s) => s.rate);
  const rising = steps.filter((s) => !s.flat).map((s) => s.rate);
  const lo = flat.length ? Math.max(...flat) : 0;
  const hi = rising.length ? Math.min(...rising) : undefined;
  if (limitedByPostgres(steps)) return undefined;
  if (hi === undefined) return lo >= o.maxRate ? undefined : Math.min(o.maxRate, lo * 2);
  if (lo > 0 && hi / lo <= 1 + o.precision) return undefined;
  return Math.round((lo + hi) / 2 / 100) * 100 || Math.round((lo + hi) / 2);
}

/**
 * Searches for the highest write rate whose lag stays flat, each rate from an idle pipeline,
 * then measures what PostgreSQL alone takes from the same writers. Bounded: at most `maxSteps`
 * rates of `durationSeconds` each; every row belongs to one throw-away user, and each step's rows
 * are deleted after it (the deletes drain before the next).
 */
export async function capacity(t: Target, o: CapacityOptions, pipeline: MeasuredPipeline = stackPipeline(t)): Promise<CapacityReport> {
  const say = o.progress;
  const checkpointSeconds = (t.checkpointIntervalMs ?? 5000) / 1000;
  // Each half of a step must hold whole checkpoints, or the halves' peaks are not comparable.
  if (o.durationSeconds < checkpointSeconds * 4) {
    throw new Error(`--duration ${o.durationSeconds} is too short for --capacity: the stack checkpoints every ${checkpointSeconds} s; give at least ${Math.ceil(checkpointSeconds * 4)} s`);
  }
  const pg = await connectPostgres(t);
  const steps: CapacityStep[] = [];
  const userId = randomUUID();
  const table = pipeline.table;
  const deleteRows = () => pg.query(`DELETE FROM ${table} WHERE user_id = $1`, [userId]);
  await pg.query("INSERT INTO users (id, email, name) VALUES ($1, $2, 'lakehouse capacity')", [userId, `capacity-${userId}@lakehouse.bench`]);
  try {
    if (o.warmUpSeconds > 0) {
      say(`warm-up: ${o.startRate} rows/s for ${o.warmUpSeconds} s, not counted`);
      await pipeline.waitForIdle(pg, userId);
      await writeAtRate(t, userId, { rate: o.startRate, durationSeconds: o.warmUpSeconds, writers: o.writers, table });
      await deleteRows();
    }
    for (let rate = nextRate(steps, o); rate !== undefined; rate = nextRate(steps, o)) {
      say(`rate ${rate} rows/s for ${o.durationSeconds} s: waiting for an idle pipeline first`);
      await pipeline.waitForIdle(pg, userId);
      const step = await measureRate(t, pipeline, userId, rate, o, checkpointSeconds).finally(deleteRows);
      say(`  written ${step.writtenPerSecond}/s, lag peak ${step.maxLagFirstHalf} then ${step.maxLagSecondHalf}, drained in ${step.drainSeconds} s: ${step.flat ? "flat" : "rising"}`);
      steps.push(step);
    }
    say(`PostgreSQL alone: ${o.writers} writer(s) as fast as they go for ${o.durationSeconds} s`);
    await pipeline.waitForIdle(pg, userId);
    const written = await writeAtRate(t, userId, { rate: Infinity, durationSeconds: o.durationSeconds, writers: o.writers, table });
    const postgresRowsPerSecond = Math.round(written.n / written.seconds);
    const flat = steps.filter((s) => s.flat);
    const capacityEventsPerSecond = flat.length ? Math.max(...flat.map((s) => s.writtenPerSecond)) : 0;
    return {
      startedAt: new Date().toISOString(),
      pipeline: pipeline.name,
      options: { startRate: o.startRate, maxRate: o.maxRate, durationSeconds: o.durationSeconds, writers: o.writers, precision: o.precision, maxSteps: o.maxSteps, warmUpSeconds: o.warmUpSeconds },
      checkpointIntervalMs: t.checkpointIntervalMs,
      capacityEventsPerSecond,
      postgresRowsPerSecond,
      fractionOfPostgres: Math.round((capacityEventsPerSecond / postgresRowsPerSecond) * 100) / 100,
      limitedByPostgres: limitedByPostgres(steps),
      steps,
    };
  } finally {
    await deleteRows().catch(() => undefined);
    await pg.query("DELETE FROM users WHERE id = $1", [userId]).catch(() => undefined);
    await pg.end();
  }
}

async function measureRate(t: Target, pipeline: MeasuredPipeline, userId: string, rate: number, o: CapacityOptions, checkpointSeconds: number): Promise<CapacityStep> {
  const lag = await pipeline.lagFrom();
  try {
    const progress = { n: 0 };
    const behind = () => lag.behind(progress.n);
    const samples: { at: number; lag: number }[] = [];
    let sampling: Promise<void> = Promise.resolve();
    const start = Date.now();
    const [written, { cpu, flink }] = await loadDuring(t.platform, t.flinkUrl, pipeline.jobName, () =>
      writeAtRate(t, userId, { rate, durationSeconds: o.durationSeconds, writers: o.writers, table: pipeline.table }, progress, () => {
        // One sample at a time: an admin round trip can outlast the second.
        sampling = sampling.then(async () => {
          samples.push({ at: Date.now() - start, lag: await behind() });
        });
      }),
    );
    await sampling;
    const drainStart = Date.now();
    await waitFor(async () => (await behind()) <= 0, 600_000, `the pipeline to commit the ${written.n} rows written at ${rate}/s`, 500);
    const half = (o.durationSeconds * 1000) / 2;
    const peak = (xs: { lag: number }[]) => Math.max(0, ...xs.map((x) => x.lag));
    const measured = {
      maxLagFirstHalf: peak(samples.filter((s) => s.at <= half)),
      maxLagSecondHalf: peak(samples.filter((s) => s.at > half)),
      drainSeconds: Math.round((Date.now() - drainStart) / 100) / 10,
    };
    return {
      rate,
      writtenPerSecond: Math.round(written.n / written.seconds),
      flat: isFlat(measured, rate, checkpointSeconds),
      ...measured,
      topCpu: cpu.top,
      cpuTotal: Math.round(Object.values(cpu.means).reduce((a, b) => a + b, 0)),
      flinkBusy: flink.top,
    };
  } finally {
    await lag.close();
  }
}

/** The report as a terminal table. */
export function formatCapacity(r: CapacityReport): string {
  const lines = [
    `  ${"rate (rows/s)".padEnd(14)} ${"written/s".padEnd(10)} ${"lag peak 1st / 2nd half".padEnd(24)} ${"drain (s)".padEnd(10)} result`,
    ...r.steps.map(
      (s) =>
        `  ${String(s.rate).padEnd(14)} ${String(s.writtenPerSecond).padEnd(10)} ${`${s.maxLagFirstHalf} / ${s.maxLagSecondHalf}`.padEnd(24)} ${String(s.drainSeconds).padEnd(10)} ${s.flat ? "flat" : "rising"}  CPU: ${s.topCpu.slice(0, 3).join(", ")}; Flink busy: ${s.flinkBusy.slice(0, 2).join(", ")}`,
    ),
    "",
    `  capacity: ${r.capacityEventsPerSecond} events/s${r.limitedByPostgres ? " (at least: it kept up with all PostgreSQL wrote)" : ""}`,
    `  PostgreSQL alone, same writers: ${r.postgresRowsPerSecond} rows/s`,
    `  capacity / PostgreSQL: ${r.fractionOfPostgres}`,
  ];
  return lines.join("\n");
}
