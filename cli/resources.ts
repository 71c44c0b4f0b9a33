import { execFile } from "child_process";
import { promisify } from "util";
import { AccessPlatform } from "../constructs/access";
import { getJson } from "./target";

/** Runs a command and returns its standard output; rejects when it fails. */
export type CommandRunner = (command: string, args: string[]) => Promise<string>;

const runCommand: CommandRunner = async (command, args) =>
  // Asynchronous: these commands take seconds, and the bench's writer must keep its pace meanwhile.
  (await promisify(execFile)(command, args, { encoding: "utf8", timeout: 15_000 })).stdout;

/** CPU use of a stack's workloads, read from its platform. */
export interface CpuSampler {
  /** The command it samples with, for the report. */
  readonly source: string;
  /** CPU of each workload now, in percent of one core, by workload name. */
  sample(): Promise<Map<string, number>>;
}

/**
 * The sampler for the stack's platform: `docker stats` of its containers on Docker, `kubectl top
 * pod` in its namespace on Kubernetes (which needs the cluster's metrics server).
 */
export function cpuSampler(platform: AccessPlatform, run: CommandRunner = runCommand): CpuSampler {
  if (platform.kind === "docker") {
    const prefix = `${platform.containerPrefix}-`;
    return {
      source: "docker stats",
      sample: async () => {
        const out = await run("docker", ["stats", "--no-stream", "--format", "{{.Name}} {{.CPUPerc}}"]);
        return new Map(
          rows(out)
            .filter(([name]) => name.startsWith(prefix))
            .map(([name, cpu]) => [name.slice(prefix.length), parseFloat(cpu)]),
        );
      },
    };
  }
  return {
    source: `kubectl top pod -n ${platform.namespace}`,
    sample: async () => {
      const out = await run("kubectl", ["top", "pod", "-n", platform.namespace, "--no-headers"]);
      return new Map(rows(out).map(([name, cpu]) => [name, millicores(cpu) / 10]));
    },
  };
}

/** A Flink job vertex as `GET /jobs/<id>` lists it. */
interface FlinkVertex {
  readonly id: string;
  readonly name: string;
}

/**
 * Load of each operator chain (job vertex) of the pipeline's Flink job, in the same shape as CPU:
 * percent of the time its busiest subtask was busy (`busyTimeMsPerSecond` / 10). With the CPU of
 * the containers it tells which hop holds the pipeline back: a chain near 100% busy is the
 * bottleneck, one that is back-pressured waits for the chain after it.
 */
export function flinkBusySampler(flinkUrl: string, jobName: string, fetchJson: <T>(url: string) => Promise<T> = getJson): CpuSampler {
  let vertices: FlinkVertex[] | undefined;
  let jobId: string | undefined;
  return {
    source: "Flink REST busyTimeMsPerSecond",
    sample: async () => {
      if (!jobId || !vertices) {
        const overview = await fetchJson<{ jobs: { jid: string; name: string; state: string }[] }>(`${flinkUrl}/jobs/overview`);
        jobId = overview.jobs.find((j) => j.name === jobName && j.state === "RUNNING")?.jid;
        if (!jobId) throw new Error(`no RUNNING Flink job named ${jobName}`);
        vertices = (await fetchJson<{ vertices: FlinkVertex[] }>(`${flinkUrl}/jobs/${jobId}`)).vertices;
      }
      const load = new Map<string, number>();
      for (const v of vertices) {
        const metrics = await fetchJson<{ id: string; max?: number }[]>(`${flinkUrl}/jobs/${jobId}/vertices/${v.id}/subtasks/metrics?get=busyTimeMsPerSecond`);
        const busy = metrics.find((m) => m.id === "busyTimeMsPerSecond")?.max;
        if (busy !== undefined && Number.isFinite(busy)) load.set(shortVertexName(v.name), busy / 10);
      }
      return load;
    },
  };
}

/** `Source: kafka_raw_accounts[1] -> Calc[2] -> ...` as its first and last operator. */
export function shortVertexName(name: string): string {
  const ops = name.split(" -> ").map((op) =>
    op
      .replace(/\[\d+\]/g, "")
      .replace(/\(.*$/, "")
      .trim(),
  );
  return ops.length > 2 ? `${ops[0]} -> ... -> ${ops[ops.length - 1]}` : ops.join(" -> ");
}

/** Whitespace-separated columns of each non-empty line. */
const rows = (out: string): string[][] =>
  out
    .trim()
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => l.trim().split(/\s+/));

/** `250m` or `2` (cores) as millicores. */
const millicores = (cpu: string): number => (cpu.endsWith("m") ? parseFloat(cpu) : parseFloat(cpu) * 1000);

/** What {@link cpuDuring} measured: the busiest workloads, or why there are none. */
export interface CpuUse {
  /** Up to five `<workload> <cpu>%`, busiest first (mean over the samples). */
  readonly top: string[];
  /** Every workload's mean over the samples, in percent of one core, busiest first. */
  readonly means: Record<string, number>;
  /** How it was sampled, or `not sampled: <why>` when the first sample failed. */
  readonly sampledBy: string;
}

/** Samples `sampler` every second while `during` runs. A failing first sample says why and stops sampling. */
export async function cpuDuring<T>(sampler: CpuSampler, during: () => Promise<T>, intervalMs = 1000): Promise<[T, CpuUse]> {
  const totals = new Map<string, { sum: number; n: number }>();
  let running = true;
  let failure: string | undefined;
  const loop = (async () => {
    while (running) {
      try {
        for (const [name, cpu] of await sampler.sample()) {
          const t = totals.get(name) ?? { sum: 0, n: 0 };
          totals.set(name, { sum: t.sum + cpu, n: t.n + 1 });
        }
      } catch (err) {
        if (totals.size === 0) failure = (err instanceof Error ? err.message : String(err)).split("\n")[0];
        return;
      }
      await new Promise((r) => setTimeout(r, intervalMs));
    }
  })();
  let result: T;
  try {
    result = await during();
  } finally {
    running = false;
    await loop;
  }
  const means = [...totals.entries()].map(([name, t]) => [name, t.sum / t.n] as const).sort((a, b) => b[1] - a[1]);
  return [
    result,
    {
      top: means.slice(0, 5).map(([name, cpu]) => `${name} ${cpu.toFixed(0)}%`),
      means: Object.fromEntries(means.map(([name, cpu]) => [name, Math.round(cpu * 10) / 10])),
      sampledBy: failure === undefined ? sampler.source : `not sampled: ${sampler.source} failed (${failure})`,
    },
  ];
}

/** What {@link loadDuring} measured: container CPU and Flink operator busy time. */
export interface LoadUse {
  readonly cpu: CpuUse;
  readonly flink: CpuUse;
}

/** Samples the stack's container CPU and its Flink job's operator busy time while `during` runs. */
export async function loadDuring<T>(platform: AccessPlatform, flinkUrl: string, jobName: string, during: () => Promise<T>): Promise<[T, LoadUse]> {
  const [[result, cpu], flink] = await cpuDuring(flinkBusySampler(flinkUrl, jobName), () => cpuDuring(cpuSampler(platform), during));
  return [result, { cpu, flink }];
}
