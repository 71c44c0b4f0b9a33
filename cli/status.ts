import { DAGSTER_LAST_RUN_FAILED, FRESHNESS_PENDING_SECONDS, FRESHNESS_SECONDS, ICEBERG_COMMIT_AGE } from "../constructs/alert-rules";
import { LakehouseAccess } from "../constructs/access";
import { getJson } from "./target";

/** Where `status` reads from: Prometheus's and Alertmanager's HTTP APIs on this host. */
export interface StatusSources {
  readonly prometheusUrl: string;
  readonly alertmanagerUrl: string;
}

/** One hop of the pipeline, as its metrics show it. */
export interface HopStatus {
  readonly hop: string;
  /** Whether the hop works: its process answers and reports what it should (e.g. a RUNNING connector). */
  readonly ok: boolean;
  /** What the metrics say, in a line. */
  readonly detail: string;
}

/** How fresh one hop is, as the freshness probe measures it. */
export interface FreshnessStatus {
  /** `kafka` or `trino`. */
  readonly hop: string;
  /** Median of commit -> arrival, in seconds; undefined when no heartbeat arrived in the window. */
  readonly p50Seconds?: number;
  /** Its 95th percentile (what the freshness objective is about). */
  readonly p95Seconds?: number;
  /** Its 99th percentile. */
  readonly p99Seconds?: number;
  /** Age of the oldest heartbeat not there yet (0: none). */
  readonly pendingSeconds?: number;
}

/** An alert Alertmanager holds as active (firing, neither silenced nor inhibited). */
export interface AlertStatus {
  readonly name: string;
  readonly severity: string;
  readonly since: string;
  readonly summary: string;
}

/** Everything `lakehouse status` shows. */
export interface StatusReport {
  readonly stack: string;
  readonly at: string;
  readonly hops: HopStatus[];
  /** How far each stage trails its input. */
  readonly lag: {
    /** Debezium's MilliSecondsBehindSource: commit in PostgreSQL to the event in the connector. */
    readonly sourceToConnectorMs?: number;
    /** Records in Kafka the Flink sources have not read (their pendingRecords). */
    readonly flinkPendingRecords?: number;
    /** WAL the replication slot retains, in bytes. */
    readonly slotRetainedWalBytes?: number;
  };
  /** The freshness probe's figures per hop (commit in PostgreSQL to Kafka, to Trino), over the last 5 minutes; empty without a probe. */
  readonly freshness: FreshnessStatus[];
  /** Seconds since each Iceberg table's last commit by the Flink pipeline. */
  readonly tables: { readonly table: string; readonly lastCommitSecondsAgo: number }[];
  readonly alerts: AlertStatus[];
}

/** One series of an instant query. */
export interface Sample {
  readonly metric: Record<string, string>;
  readonly value: number;
}

/** A percentile of the freshness probe's histogram per hop, over the last 5 minutes. */
function quantile(q: number): string {
  return `histogram_quantile(${q}, sum by (hop, le) (rate(${FRESHNESS_SECONDS}_bucket[5m])))`;
}

/** The PromQL behind each figure, in one place. */
export const STATUS_QUERIES = {
  up: "up",
  connector: "kafka_connect_connector_status == 1",
  tasks: "kafka_connect_connector_task_status == 1",
  behindSource: 'max(debezium_metrics_millisecondsbehindsource{context="streaming"})',
  connected: 'max(debezium_metrics_connected{context="streaming"})',
  queueFree: 'min(debezium_metrics_queueremainingcapacity{context="streaming"})',
  queueTotal: 'max(debezium_metrics_queuetotalcapacity{context="streaming"})',
  slotWal: "pg_replication_slot_retained_wal_bytes",
  slotActive: "pg_replication_slot_active",
  jobRunning: "max by (job_name) (flink_jobmanager_job_runningState)",
  slots: "max(flink_jobmanager_taskSlotsTotal)",
  taskManagers: "max(flink_jobmanager_numRegisteredTaskManagers)",
  checkpoints: "sum(flink_jobmanager_job_numberOfCompletedCheckpoints)",
  checkpointMs: "max(flink_jobmanager_job_lastCheckpointDuration)",
  failedCheckpoints: "sum(increase(flink_jobmanager_job_numberOfFailedCheckpoints[5m]))",
  completedRecently: "sum(increase(flink_jobmanager_job_numberOfCompletedCheckpoints[5m]))",
  pending: "sum(flink_taskmanager_job_task_operator_pendingRecords)",
  commitAge: `max by (table) (${ICEBERG_COMMIT_AGE})`,
  trinoRunning: "sum(trino_execution_name_QueryManager_RunningQueries)",
  freshnessP50: quantile(0.5),
  freshnessP95: quantile(0.95),
  freshnessP99: quantile(0.99),
  freshnessPending: `max by (hop) (${FRESHNESS_PENDING_SECONDS})`,
  dagsterLastFailed: `max by (dagster_job) (${DAGSTER_LAST_RUN_FAILED})`,
  dagsterLastEnd: "max by (dagster_job) (dagster_job_last_run_end_seconds)",
} as const;

/** The result of each of {@link STATUS_QUERIES}. */
export type Figures = { [K in keyof typeof STATUS_QUERIES]: Sample[] };

/** Prometheus and Alertmanager of a deployed stack, from its access contract, or the flags. */
export function statusSources(stack: string, access: LakehouseAccess, flags: { prometheus?: string; alertmanager?: string }): StatusSources {
  const monitoring = access.monitoring;
  if (!monitoring) throw new Error(`stack '${stack}' has no monitoring layer: deploy it with monitoring on (the default)`);
  const where = (flag: string | undefined, published: string | undefined, internal: string, what: string) => {
    const address = flag ?? published;
    if (!address) throw new Error(`no host address for ${what} (${internal} in the platform network): pass --${what} host:port (e.g. through kubectl port-forward)`);
    return `http://${address}`;
  };
  return {
    prometheusUrl: where(flags.prometheus, monitoring.prometheus.published, monitoring.prometheus.internal, "prometheus"),
    alertmanagerUrl: where(flags.alertmanager, monitoring.alertmanager.published, monitoring.alertmanager.internal, "alertmanager"),
  };
}

/** Reads every figure of {@link STATUS_QUERIES} and Alertmanager's alerts, and judges each hop. */
export async function status(stack: string, sources: StatusSources): Promise<StatusReport> {
  const entries = await Promise.all(Object.entries(STATUS_QUERIES).map(async ([key, query]) => [key, await instant(sources.prometheusUrl, query)] as const));
  const figures = Object.fromEntries(entries) as Figures;
  const alerts = await activeAlerts(sources.alertmanagerUrl);
  return {
    stack,
    at: new Date().toISOString(),
    hops: judgeHops(figures, Date.now()),
    lag: {
      sourceToConnectorMs: behindSource(figures),
      flinkPendingRecords: first(figures.pending),
      slotRetainedWalBytes: first(figures.slotWal),
    },
    freshness: freshness(figures),
    // The commit ages come from the TaskManagers: while none is scraped, what is left is stale.
    tables: (taskManagersScraped(figures) ? figures.commitAge : [])
      .map((s) => ({ table: s.metric.table ?? "?", lastCommitSecondsAgo: Math.round(s.value) }))
      .sort((a, b) => a.table.localeCompare(b.table)),
    alerts: alerts.map((a) => ({ name: a.labels.alertname, severity: a.labels.severity ?? "", since: a.startsAt, summary: a.annotations.summary ?? "" })).sort((a, b) => a.name.localeCompare(b.name)),
  };
}

/** Debezium's milliseconds behind the source; it reports -1 until it has streamed an event. */
function behindSource(f: Figures): number | undefined {
  const ms = first(f.behindSource);
  return ms === undefined || ms < 0 ? undefined : ms;
}

/** The probe's figures per hop, when it is scraped. */
export function freshness(f: Figures): FreshnessStatus[] {
  if (!f.up.some((s) => s.metric.job === "freshness-probe" && s.value === 1)) return [];
  const of = (samples: Sample[], hop: string) => {
    const value = samples.find((s) => s.metric.hop === hop)?.value;
    return value === undefined ? undefined : Math.round(value * 100) / 100;
  };
  return ["kafka", "trino"].map((hop) => ({
    hop,
    p50Seconds: of(f.freshnessP50, hop),
    p95Seconds: of(f.freshnessP95, hop),
    p99Seconds: of(f.freshnessP99, hop),
    pendingSeconds: of(f.freshnessPending, hop),
  }));
}

function taskManagersScraped(f: Figures): boolean {
  return f.up.some((s) => s.metric.job === "flink-taskmanager" && s.value === 1);
}

/** Each hop's state from the figures (at `now`, ms); a hop whose scrape job is absent is not in the stack. */
export function judgeHops(f: Figures, now: number): HopStatus[] {
  // A job is up when every one of its targets is (several TaskManagers are one job).
  const up = new Map<string, boolean>();
  for (const s of f.up) up.set(s.metric.job, (up.get(s.metric.job) ?? true) && s.value === 1);
  const hops: HopStatus[] = [];
  const add = (job: string, hop: string, judge: () => { ok: boolean; detail: string }) => {
    if (!up.has(job)) return;
    if (!up.get(job)) {
      hops.push({ hop, ok: false, detail: `down: Prometheus cannot scrape job ${job}` });
      return;
    }
    hops.push({ hop, ...judge() });
  };
  add("postgres", "postgresql", () => {
    const slot = f.slotActive[0];
    if (!slot) return { ok: false, detail: "no logical replication slot" };
    const wal = first(f.slotWal);
    const active = slot.value === 1;
    return { ok: active, detail: `slot ${slot.metric.slot_name} ${active ? "active" : "INACTIVE (no connector holds it)"}, ${mib(wal)} of WAL retained` };
  });
  add("kafka", "kafka", () => ({ ok: true, detail: "broker answers" }));
  add("kafka-connect", "debezium", () => {
    const connector = f.connector[0];
    if (!connector) return { ok: false, detail: "Kafka Connect reports no connector" };
    const tasks = f.tasks.filter((t) => t.metric.connector === connector.metric.connector);
    const running = tasks.filter((t) => t.metric.status === "running").length;
    const ok = connector.metric.status === "running" && tasks.length > 0 && running === tasks.length && first(f.connected) !== 0;
    const behind = behindSource(f);
    const queue = f.queueFree.length && f.queueTotal.length ? `, queue ${first(f.queueFree)}/${first(f.queueTotal)} free` : "";
    return {
      ok,
      detail:
        `connector ${connector.metric.connector} ${connector.metric.status}, ${running}/${tasks.length} tasks running` +
        (first(f.connected) === 0 ? ", NOT connected to PostgreSQL" : "") +
        (behind === undefined ? "" : `, ${behind} ms behind the source`) +
        queue,
    };
  });
  add("flink-jobmanager", "flink", () => {
    const stopped = f.jobRunning.filter((s) => s.value !== 1).map((s) => s.metric.job_name ?? "?");
    const running = f.jobRunning.length > 0 && stopped.length === 0;
    const slots = first(f.slots) ?? 0;
    const failed = Math.round(first(f.failedCheckpoints) ?? 0);
    // Failures count only while nothing completes (as in the FlinkCheckpointsFailing rule).
    const stuck = failed > 0 && (first(f.completedRecently) ?? 0) === 0;
    const completed = first(f.checkpoints);
    const pending = first(f.pending);
    return {
      ok: running && slots > 0 && !stuck,
      detail:
        (f.jobRunning.length === 0 ? "NO job" : stopped.length > 0 ? `job ${stopped.join(", ")} NOT RUNNING` : `${f.jobRunning.length} job${f.jobRunning.length === 1 ? "" : "s"} RUNNING`) +
        ` on ${slots} slot${slots === 1 ? "" : "s"} of ${first(f.taskManagers) ?? 0} TaskManager(s)` +
        (completed === undefined ? ", no checkpoint yet" : `, ${completed} checkpoints completed (last took ${first(f.checkpointMs)} ms)`) +
        (failed > 0 ? `, ${failed} failed in 5 min${stuck ? " and NONE COMPLETED" : ""}` : "") +
        (pending === undefined ? "" : `, ${pending} records pending in Kafka`),
    };
  });
  add("flink-taskmanager", "flink taskmanagers", () => {
    const count = f.up.filter((s) => s.metric.job === "flink-taskmanager" && s.value === 1).length;
    return { ok: true, detail: `${count} answering` };
  });
  add("minio", "minio", () => ({ ok: true, detail: "S3 answers" }));
  add("trino", "trino", () => {
    const running = first(f.trinoRunning);
    return { ok: true, detail: running === undefined ? "answers" : `${running} queries running` };
  });
  add("freshness-probe", "freshness probe", () => {
    const trino = freshness(f).find((h) => h.hop === "trino");
    const p95 = trino?.p95Seconds === undefined ? "no heartbeat reached Trino in 5 min" : `commit -> trino p95 ${trino.p95Seconds} s over 5 min`;
    return { ok: true, detail: `${p95}, oldest on its way ${trino?.pendingSeconds ?? 0} s` };
  });
  add("dagster", "dagster", () => {
    const jobs = f.dagsterLastFailed.map((s) => s.metric.dagster_job).sort();
    if (jobs.length === 0) return { ok: true, detail: "no run has finished yet" };
    const failed = (job: string) => f.dagsterLastFailed.some((s) => s.metric.dagster_job === job && s.value === 1);
    const ago = (job: string) => {
      const end = f.dagsterLastEnd.find((s) => s.metric.dagster_job === job)?.value;
      return end === undefined ? "" : ` ${Math.max(0, Math.round(now / 1000 - end))} s ago`;
    };
    return { ok: !jobs.some(failed), detail: "newest runs: " + jobs.map((j) => `${j} ${failed(j) ? "FAILED" : "ok"}${ago(j)}`).join(", ") };
  });
  return hops;
}

/** The report as one screen. */
export function formatStatus(r: StatusReport): string {
  const lines = [`stack ${r.stack} at ${r.at}`, "", `${"HOP".padEnd(20)}${"STATE".padEnd(7)}DETAIL`];
  for (const h of r.hops) lines.push(`${h.hop.padEnd(20)}${(h.ok ? "ok" : "FAIL").padEnd(7)}${h.detail}`);
  lines.push("", "LAG");
  lines.push(`  source -> connector   ${r.lag.sourceToConnectorMs === undefined ? "n/a" : `${r.lag.sourceToConnectorMs} ms`}`);
  lines.push(`  kafka -> flink        ${r.lag.flinkPendingRecords === undefined ? "n/a" : `${r.lag.flinkPendingRecords} records pending`}`);
  lines.push(`  slot WAL retained     ${mib(r.lag.slotRetainedWalBytes)}`);
  if (r.freshness.length > 0) {
    const s = (v: number | undefined) => (v === undefined ? "n/a" : `${v} s`).padEnd(9);
    lines.push("", `${"FRESHNESS (probe, 5 min)".padEnd(28)}${"p50".padEnd(9)}${"p95".padEnd(9)}${"p99".padEnd(9)}ON ITS WAY`);
    for (const h of r.freshness) lines.push(`  ${`commit -> ${h.hop}`.padEnd(26)}${s(h.p50Seconds)}${s(h.p95Seconds)}${s(h.p99Seconds)}${h.pendingSeconds ?? 0} s`);
  }
  const width = Math.max(32, ...r.tables.map((t) => t.table.length + 2));
  lines.push("", `${"ICEBERG TABLE".padEnd(width)}LAST COMMIT`);
  if (r.tables.length === 0) lines.push("  (none reported: no TaskManager is scraped, or nothing committed yet)");
  for (const t of r.tables) lines.push(`${t.table.padEnd(width)}${t.lastCommitSecondsAgo} s ago`);
  lines.push("", r.alerts.length === 0 ? "ALERTS  none firing" : `ALERTS  ${r.alerts.length} firing`);
  for (const a of r.alerts) lines.push(`  ${a.severity.padEnd(9)}${a.name.padEnd(28)}since ${a.since}  ${a.summary}`);
  return lines.join("\n");
}

/** An alert as Alertmanager's API v2 returns it. */
export interface AlertmanagerAlert {
  readonly labels: Record<string, string>;
  readonly annotations: Record<string, string>;
  readonly startsAt: string;
}

/** The alerts Alertmanager holds as active: firing, neither silenced nor inhibited. */
export function activeAlerts(alertmanagerUrl: string): Promise<AlertmanagerAlert[]> {
  return getJson<AlertmanagerAlert[]>(`${alertmanagerUrl}/api/v2/alerts?active=true&silenced=false&inhibited=false`);
}

async function instant(prometheusUrl: string, query: string): Promise<Sample[]> {
  const body = await getJson<{ status: string; data: { result: { metric: Record<string, string>; value: [number, string] }[] } }>(`${prometheusUrl}/api/v1/query?query=${encodeURIComponent(query)}`);
  return body.data.result.map((r) => ({ metric: r.metric, value: Number(r.value[1]) })).filter((s) => Number.isFinite(s.value));
}

function first(samples: Sample[]): number | undefined {
  return samples.length === 0 ? undefined : samples[0].value;
}

function mib(bytes: number | undefined): string {
  if (bytes === undefined) return "n/a";
  return bytes < 1024 * 1024 ? `${Math.round(bytes / 1024)} KiB` : `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}
