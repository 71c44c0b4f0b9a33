import { cpuDuring, cpuSampler } from "./resources";
import { sleep, Target } from "./target";

/** What {@link idleLoad} measured. */
export interface IdleReport {
  readonly startedAt: string;
  readonly seconds: number;
  /** Each workload's mean CPU while nothing was written, in percent of one core, busiest first. */
  readonly cpu: Record<string, number>;
  /** The sum of those means: cores' worth of CPU the stack takes at rest, in percent of one core. */
  readonly totalPercent: number;
  readonly sampledBy: string;
}

/**
 * The stack's CPU at rest: every workload sampled each second for `seconds` while the bench
 * writes nothing (what the stack takes before a single row arrives: daemons, health checks,
 * heartbeats, checkpoints of an idle job).
 */
export async function idleLoad(t: Target, seconds: number): Promise<IdleReport> {
  const startedAt = new Date().toISOString();
  const [, cpu] = await cpuDuring(cpuSampler(t.platform), () => sleep(seconds * 1000));
  const totalPercent = Math.round(Object.values(cpu.means).reduce((a, b) => a + b, 0) * 10) / 10;
  return { startedAt, seconds, cpu: cpu.means, totalPercent, sampledBy: cpu.sampledBy };
}

/** The report as terminal lines. */
export function formatIdle(r: IdleReport): string {
  const width = Math.max(...Object.keys(r.cpu).map((k) => k.length), 5);
  return [
    `idle load over ${r.seconds} s (${r.sampledBy}), percent of one core:`,
    ...Object.entries(r.cpu).map(([name, cpu]) => `  ${name.padEnd(width)} ${cpu.toFixed(1).padStart(5)}`),
    `  ${"total".padEnd(width)} ${r.totalPercent.toFixed(1).padStart(5)}`,
  ].join("\n");
}
