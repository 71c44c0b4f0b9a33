import { randomUUID } from "crypto";
import { commitToTrino, percentiles, Percentiles } from "./bench";
import { capacity, CapacityOptions, CapacityReport, formatCapacity, MeasuredPipeline, stackPipeline } from "./capacity";
import { idleLoad } from "./idle";
import { startPeer } from "./peer";
import { connectPostgres, Target, trinoClient } from "./target";

/** One pipeline's figures in {@link SideBySideReport}. */
export interface SideFigures {
  readonly capacity: CapacityReport;
  /** Milliseconds from a single-row commit until Trino shows it, on a quiet pipeline. */
  readonly commitToTrinoMs: Percentiles;
  /**
   * CPU above the stack's rest (percent of one core) per 1,000 events/s, at the highest rate the
   * pipeline kept up with; undefined when it kept up with none.
   */
  readonly cpuPerThousandEvents?: number;
}

export interface SideBySideReport {
  readonly startedAt: string;
  /** The whole stack's CPU while nothing is written (percent of one core), subtracted from each step's. */
  readonly idleCpuPercent: number;
  readonly pipeline: SideFigures;
  readonly peer: SideFigures;
  /** Peer over pipeline: above 1, the peer has more capacity, takes longer to be visible, or costs more CPU per event. */
  readonly peerOverPipeline: { readonly capacity: number; readonly commitToTrinoP50: number; readonly cpuPerEvent?: number };
}

/**
 * The stack's pipeline and the bench's peer (Flink CDC's PostgreSQL source straight into Iceberg,
 * see {@link startPeer}) measured one after the other on the same stack with the same writers
 * and search: freshness on a quiet pipeline, then capacity. The other one is idle meanwhile (the
 * peer does not run yet; the stack's pipeline sees none of the peer's rows).
 */
export async function sideBySide(t: Target, o: CapacityOptions & { trinoSamples: number }): Promise<SideBySideReport> {
  const say = o.progress;
  const idleSeconds = Math.min(30, o.durationSeconds);
  say(`the stack at rest: CPU over ${idleSeconds} s`);
  const idle = await idleLoad(t, idleSeconds);
  const pg = await connectPostgres(t);
  const userId = randomUUID();
  await pg.query("INSERT INTO users (id, email, name) VALUES ($1, $2, 'lakehouse side by side')", [userId, `side-${userId}@lakehouse.bench`]);
  try {
    const measure = async (pipeline: MeasuredPipeline, icebergTable: string): Promise<SideFigures> => {
      say(`${pipeline.name}: commit -> Trino, ${o.trinoSamples} rows`);
      await pipeline.waitForIdle(pg, userId);
      const commitToTrinoMs = percentiles(await commitToTrino(pg, trinoClient(t), { table: pipeline.table, icebergTable, userId, samples: o.trinoSamples }));
      await pg.query(`DELETE FROM ${pipeline.table} WHERE user_id = $1`, [userId]);
      say(`${pipeline.name}: capacity`);
      const report = await capacity(t, o, pipeline);
      say(formatCapacity(report));
      const top = report.steps.filter((s) => s.flat).sort((a, b) => b.writtenPerSecond - a.writtenPerSecond)[0];
      const cpuPerThousandEvents = top && Math.round(((top.cpuTotal - idle.totalPercent) / top.writtenPerSecond) * 1000 * 10) / 10;
      return { capacity: report, commitToTrinoMs, cpuPerThousandEvents };
    };
    const pipeline = await measure(stackPipeline(t), `${t.catalog}.${t.stateDatabase}.accounts`);
    const peer = await startPeer(t, pg, say);
    let peerFigures: SideFigures;
    try {
      peerFigures = await measure(peer, peer.icebergTable);
    } finally {
      await peer.remove();
    }
    const ratio = (a: number | undefined, b: number | undefined) => (a === undefined || b === undefined || b === 0 ? undefined : Math.round((a / b) * 100) / 100);
    return {
      startedAt: new Date().toISOString(),
      idleCpuPercent: idle.totalPercent,
      pipeline,
      peer: peerFigures,
      peerOverPipeline: {
        capacity: ratio(peerFigures.capacity.capacityEventsPerSecond, pipeline.capacity.capacityEventsPerSecond) ?? 0,
        commitToTrinoP50: ratio(peerFigures.commitToTrinoMs.p50, pipeline.commitToTrinoMs.p50) ?? 0,
        cpuPerEvent: ratio(peerFigures.cpuPerThousandEvents, pipeline.cpuPerThousandEvents),
      },
    };
  } finally {
    await pg.query("DELETE FROM accounts WHERE user_id = $1", [userId]).catch(() => undefined);
    await pg.query("DELETE FROM users WHERE id = $1", [userId]).catch(() => undefined);
    await pg.end();
  }
}

/** The report as a terminal table. */
export function formatSideBySide(r: SideBySideReport): string {
  const row = (label: string, a: string, b: string, ratio: string) => `  ${label.padEnd(36)} ${a.padEnd(14)} ${b.padEnd(14)} ${ratio}`;
  const cpu = (f: SideFigures) => (f.cpuPerThousandEvents === undefined ? "-" : `${f.cpuPerThousandEvents}%`);
  const { pipeline: p, peer: q, peerOverPipeline: x } = r;
  return [
    row("", "pipeline", "peer", "peer / pipeline"),
    row("capacity (events/s, lag flat)", String(p.capacity.capacityEventsPerSecond), String(q.capacity.capacityEventsPerSecond), String(x.capacity)),
    row("  PostgreSQL alone, same writers", String(p.capacity.postgresRowsPerSecond), String(q.capacity.postgresRowsPerSecond), ""),
    row("  fraction of PostgreSQL", String(p.capacity.fractionOfPostgres), String(q.capacity.fractionOfPostgres), ""),
    row("commit -> Trino p50 / p95 (ms)", `${p.commitToTrinoMs.p50} / ${p.commitToTrinoMs.p95}`, `${q.commitToTrinoMs.p50} / ${q.commitToTrinoMs.p95}`, String(x.commitToTrinoP50)),
    row("CPU per 1,000 events/s (of a core)", cpu(p), cpu(q), x.cpuPerEvent === undefined ? "-" : String(x.cpuPerEvent)),
    "",
    `  CPU is the whole stack's during the highest flat rate, less its ${r.idleCpuPercent}% at rest.`,
  ].join("\n");
}
