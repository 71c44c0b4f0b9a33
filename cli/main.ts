import * as fs from "fs";
import * as path from "path";
import { Command, InvalidArgumentError } from "commander";
import { bench, BenchReport, formatReport } from "./bench";
import { capacity, formatCapacity } from "./capacity";
import { cdcBacklog, formatCdcBacklog } from "./cdc-backlog";
import { isMaintenance, pauseAutomation } from "./dagster";
import { formatIdle, idleLoad } from "./idle";
import { formatSideBySide, sideBySide } from "./side-by-side";
import { writeChartPng } from "./chart";
import { formatResnapshot, resnapshot } from "./resnapshot";
import { formatSoak, soak, soakChart, SoakReport } from "./soak";
import { formatStatus, status, statusSources } from "./status";
import { deployedStack } from "./outputs";
import { resolveTarget, sleep, Target, TargetFlags } from "./target";
import { verify } from "./verify";

const int = (name: string, min: number) => (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new InvalidArgumentError(`${name} must be an integer >= ${min}`);
  return n;
};

const program = new Command("lakehouse").description("Prove a deployed lakehouse pipeline works, and measure it, hop by hop.").showHelpAfterError();

const targetOptions = (cmd: Command) =>
  cmd
    .argument("[stack]", "stack whose outputs say where things are", "dev")
    .option("--postgres <host:port>", "PostgreSQL on this host (default: the stack's published port)")
    .option("--kafka <host:port>", "Kafka bootstrap for this host (default: the stack's external listener)")
    .option("--connect <host:port>", "Kafka Connect REST API")
    .option("--flink <host:port>", "Flink REST API")
    .option("--trino <host:port>", "Trino");

targetOptions(program.command("verify"))
  .description("write a canary row and trace it through every hop; exit 0 only when it is visible end to end")
  .option("--timeout <seconds>", "how long each hop may take", int("--timeout", 1), 60)
  .action(async (stack: string, opts: TargetFlags & { timeout: number }) => {
    const target = resolveTarget(stack, opts);
    console.log(`verifying stack ${stack} (job ${target.jobName})`);
    const results = await verify(
      target,
      (r) => {
        const latency = r.ms === undefined ? "" : ` ${String(r.ms).padStart(6)} ms`;
        console.log(`  ${r.warning ? "WARN" : r.ok ? "ok  " : "FAIL"} ${r.hop.padEnd(14)}${latency}  ${r.detail}`);
      },
      opts.timeout * 1000,
    );
    const failed = results.find((r) => !r.ok);
    if (failed) {
      console.error(`\nverify failed at hop '${failed.hop}': ${failed.detail}`);
      process.exitCode = 1;
    } else {
      console.log("\nthe canary went through every hop, and its delete followed");
    }
  });

/** The bench command's own flags, as commander parses them (camelCase of the option names). */
interface BenchFlags {
  readonly latencySamples: number;
  readonly rate: number;
  readonly duration: number;
  readonly writers: number;
  readonly trinoSamples: number;
  readonly history: number;
  readonly queryRuns: number;
  readonly json?: boolean;
  readonly baseline?: string;
  readonly capacity?: boolean;
  readonly startRate: number;
  readonly maxRate: number;
  readonly maxSteps: number;
  readonly warmUp: number;
  readonly cdcBacklog?: number;
  readonly idle?: number;
  readonly peer?: boolean;
}

targetOptions(program.command("bench"))
  .description("measure latency, throughput, freshness and query times (bounded in rows and time)")
  .option("--latency-samples <n>", "single-row commits timed to Kafka", int("--latency-samples", 10), 300)
  .option("--rate <rows/s>", "write rate of the throughput run", int("--rate", 1), 10000)
  .option("--duration <seconds>", "length of the throughput run", int("--duration", 5), 60)
  .option("--writers <n>", "PostgreSQL connections sharing the write rate", int("--writers", 1), 2)
  .option("--trino-samples <n>", "rows timed from commit to Trino", int("--trino-samples", 1), 10)
  .option("--history <events>", "raw events generated for the analytics queries", int("--history", 1000), 1_000_000)
  .option("--query-runs <n>", "runs of each analytics query", int("--query-runs", 1), 7)
  .option("--json", "print the report as JSON")
  .option("--baseline <file>", "an earlier --json report to compare with")
  .option("--capacity", "instead: search for the highest write rate whose lag stays flat (each rate for --duration s), beside what PostgreSQL alone takes")
  .option("--start-rate <rows/s>", "--capacity: the first rate tried", int("--start-rate", 100), 2500)
  .option("--max-rate <rows/s>", "--capacity: no rate above this is tried", int("--max-rate", 100), 40000)
  .option("--max-steps <n>", "--capacity: most rates tried", int("--max-steps", 1), 7)
  .option("--warm-up <seconds>", "--capacity: seconds written at --start-rate before the search, not counted (JIT, caches)", int("--warm-up", 0), 30)
  .option("--cdc-backlog <rows>", "instead: time the CDC hop alone, Debezium and Kafka Connect draining <rows> written while the connector was paused", int("--cdc-backlog", 1000))
  .option(
    "--peer",
    "instead: --capacity and commit -> Trino of the stack's pipeline, then of a peer (Flink CDC's PostgreSQL source straight into Iceberg, no Kafka) started for the run and removed after, side by side",
  )
  .option("--idle <seconds>", "instead: each workload's CPU over <seconds> while nothing is written (the stack's load at rest)", int("--idle", 10))
  .action(async (stack: string, opts: TargetFlags & BenchFlags) => {
    const target = resolveTarget(stack, opts);
    const baseline: BenchReport | undefined = opts.baseline ? JSON.parse(fs.readFileSync(opts.baseline, "utf8")) : undefined;
    const t0 = Date.now();
    const progress = (line: string) => console.error(`[${((Date.now() - t0) / 1000).toFixed(0).padStart(4)} s] ${line}`);
    if (opts.idle !== undefined) {
      const report = await idleLoad(target, opts.idle);
      progress("done");
      console.log(opts.json ? JSON.stringify(report, null, 2) : formatIdle(report));
      return;
    }
    // A dbt build (Trino, the catalog, MinIO) started by the sensor or schedule mid-run would be
    // measured as the pipeline's cost: they are stopped for the run and started again after.
    const automation = target.dagster && (await pauseAutomation(target.dagster.url, target.dagster.codeLocation, progress));
    const resume = () => automation && automation.resume();
    process.once("SIGINT", () => void Promise.resolve(resume()).finally(() => process.exit(130)));
    try {
      await measure(target, opts, progress, baseline);
    } finally {
      await resume();
    }
  });

/** The soak command's flags. */
interface SoakFlags {
  readonly minutes: number;
  readonly rate: number;
  readonly keys: number;
  readonly sample: number;
  readonly queryRuns: number;
  readonly freshnessSamples: number;
  readonly maintenance: boolean;
  readonly maintenanceEvery: number;
  readonly snapshotRetention: number;
  readonly orphanRetention: number;
  readonly out: string;
  readonly baseline?: string;
}

targetOptions(program.command("soak"))
  .description("write updates on a bounded key set for a while and record, each sample, the tables' files, snapshots and metadata, query p95 and freshness; JSON and a PNG chart")
  .option("--minutes <n>", "length of the run", int("--minutes", 1), 60)
  .option("--rate <rows/s>", "row updates a second", int("--rate", 1), 200)
  .option("--keys <n>", "accounts created and updated again and again", int("--keys", 10), 2000)
  .option("--sample <seconds>", "seconds between samples", int("--sample", 10), 60)
  .option("--query-runs <n>", "runs of each timed query per sample", int("--query-runs", 1), 3)
  .option("--freshness-samples <n>", "rows timed from commit to Trino per sample", int("--freshness-samples", 1), 3)
  .option("--maintenance-every <minutes>", "the soak runs the stack's maintenance job this often (a compressed schedule)", int("--maintenance-every", 1), 5)
  .option("--snapshot-retention <minutes>", "snapshots kept by the soak's maintenance runs", int("--snapshot-retention", 1), 5)
  .option("--orphan-retention <minutes>", "unreferenced files kept by the soak's maintenance runs", int("--orphan-retention", 10), 10)
  .option("--no-maintenance", "no maintenance at all during the run: the baseline")
  .option("--out <prefix>", "where the report goes: <prefix>-maintenance-<on|off>.json and .png", "test-output/soak")
  .option("--baseline <file>", "an earlier soak's JSON, drawn beside this run in the chart")
  .action(async (stack: string, opts: TargetFlags & SoakFlags) => {
    const target = resolveTarget(stack, opts);
    const baseline: SoakReport | undefined = opts.baseline ? JSON.parse(fs.readFileSync(opts.baseline, "utf8")) : undefined;
    const t0 = Date.now();
    const progress = (line: string) => console.error(`[${((Date.now() - t0) / 1000).toFixed(0).padStart(5)} s] ${line}`);
    // The stack's own maintenance schedule and sensor stop for the run: the soak runs maintenance on
    // its compressed schedule, or none for the baseline. dbt's builds run as usual in both.
    if (!target.dagster) throw new Error(`stack '${stack}' has no orchestrator: the soak needs Dagster's maintenance job and dbt's marts`);
    const dagster = target.dagster;
    const paused = await pauseAutomation(dagster.url, dagster.codeLocation, progress, isMaintenance);
    const resume = () => paused.resume();
    process.once("SIGINT", () => void Promise.resolve(resume()).finally(() => process.exit(130)));
    try {
      const report = await soak(target, {
        minutes: opts.minutes,
        rate: opts.rate,
        keys: opts.keys,
        sampleSeconds: opts.sample,
        queryRuns: opts.queryRuns,
        freshnessSamples: opts.freshnessSamples,
        maintenance: opts.maintenance
          ? {
              everyMinutes: opts.maintenanceEvery,
              snapshotRetentionMinutes: opts.snapshotRetention,
              orphanRetentionMinutes: opts.orphanRetention,
              dagsterUrl: dagster.url,
              codeLocation: dagster.codeLocation,
            }
          : undefined,
        progress,
      });
      const file = `${opts.out}-maintenance-${opts.maintenance ? "on" : "off"}`;
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(`${file}.json`, JSON.stringify(report, null, 2));
      await writeChartPng(`${file}.png`, soakChart(report, baseline));
      progress(`wrote ${file}.json and ${file}.png`);
      console.log(formatSoak(report, baseline));
    } finally {
      await resume();
    }
  });

targetOptions(program.command("resnapshot"))
  .description(
    "after the replication slot was lost: start the connector over on a new slot with a snapshot, and remove from the current-state tables the rows PostgreSQL deleted while changes were missing",
  )
  .option("--force", "also when the slot is healthy: rebuilds the current-state tables (changes the connector has not read yet reach them through the snapshot, not the raw log)")
  .option("--timeout <seconds>", "how long each wait may take (stopping, draining, the snapshot)", int("--timeout", 10), 1800)
  .action(async (stack: string, opts: TargetFlags & { force?: boolean; timeout: number }) => {
    const target = resolveTarget(stack, opts);
    const t0 = Date.now();
    const progress = (line: string) => console.error(`[${((Date.now() - t0) / 1000).toFixed(0).padStart(4)} s] ${line}`);
    const report = await resnapshot(target, { force: opts.force ?? false, timeoutMs: opts.timeout * 1000, progress });
    console.log(formatResnapshot(report));
    console.log(`\nthe current-state tables equal PostgreSQL again; \`npm run lakehouse -- verify ${stack}\` checks every hop`);
  });

program
  .command("status")
  .description("the pipeline's state from its metrics: each hop, lag, last commit per table, firing alerts; exit 1 when a hop fails or an alert fires")
  .argument("[stack]", "stack whose outputs say where Prometheus and Alertmanager are", "dev")
  .option("--prometheus <host:port>", "Prometheus on this host (default: the stack's published port)")
  .option("--alertmanager <host:port>", "Alertmanager on this host (default: the stack's published port)")
  .option("--json", "print the report as JSON")
  .option("--watch <seconds>", "print it again every so many seconds, until interrupted", int("--watch", 1))
  .action(async (stack: string, opts: { prometheus?: string; alertmanager?: string; json?: boolean; watch?: number }) => {
    const sources = statusSources(stack, deployedStack(stack, process.cwd()).access, opts);
    for (;;) {
      const report = await status(stack, sources);
      // Clear the screen between refreshes, not before JSON a script reads.
      if (opts.watch && !opts.json) process.stdout.write("\x1b[2J\x1b[H");
      console.log(opts.json ? JSON.stringify(report, null, 2) : formatStatus(report));
      process.exitCode = report.hops.some((h) => !h.ok) || report.alerts.length > 0 ? 1 : 0;
      if (!opts.watch) return;
      await sleep(opts.watch * 1000);
    }
  });

/** Runs the measurement the flags select and prints its report. */
async function measure(target: Target, opts: TargetFlags & BenchFlags, progress: (line: string) => void, baseline: BenchReport | undefined): Promise<void> {
  if (opts.cdcBacklog !== undefined) {
    const report = await cdcBacklog(target, { rows: opts.cdcBacklog, writers: opts.writers, progress });
    progress("done");
    console.log(opts.json ? JSON.stringify(report, null, 2) : formatCdcBacklog(report));
    return;
  }
  const search = {
    startRate: opts.startRate,
    maxRate: opts.maxRate,
    durationSeconds: opts.duration,
    writers: opts.writers,
    precision: 0.1,
    maxSteps: opts.maxSteps,
    warmUpSeconds: opts.warmUp,
    progress,
  };
  if (opts.peer) {
    const report = await sideBySide(target, { ...search, trinoSamples: opts.trinoSamples });
    progress("done");
    console.log(opts.json ? JSON.stringify(report, null, 2) : formatSideBySide(report));
    return;
  }
  if (opts.capacity) {
    const report = await capacity(target, search);
    progress("done");
    console.log(opts.json ? JSON.stringify(report, null, 2) : formatCapacity(report));
    return;
  }
  const report = await bench(target, {
    latencySamples: opts.latencySamples,
    rate: opts.rate,
    durationSeconds: opts.duration,
    writers: opts.writers,
    trinoSamples: opts.trinoSamples,
    historyEvents: opts.history,
    queryRuns: opts.queryRuns,
    progress,
  });
  progress("done");
  console.log(opts.json ? JSON.stringify(report, null, 2) : formatReport(report, baseline));
}

program.parseAsync().catch((err) => {
  console.error(`lakehouse: ${err instanceof Error ? err.message : err}`);
  process.exitCode = 1;
});
