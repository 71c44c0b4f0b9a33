import { validateInteger } from "./validation";

/**
 * Thresholds of the pipeline's alert rules, as props. A rule on a state (down, not running) fires
 * only after it has held for its seconds, so a restart the pipeline recovers from stays quiet.
 */
export interface AlertThresholds {
  /** The Debezium connector or one of its tasks not RUNNING (paused, failed, unassigned) for this long. @default 60 */
  readonly connectorNotRunningSeconds?: number;
  /** A scrape target (a layer's process) unreachable for this long. @default 60 */
  readonly targetDownSeconds?: number;
  /** No Flink job RUNNING for this long. @default 60 */
  readonly flinkJobNotRunningSeconds?: number;
  /** Failed Flink checkpoints and none completed within this window fire the checkpoint alert. @default 300 */
  readonly checkpointFailureWindowSeconds?: number;
  /** Records the Flink Kafka sources have not read yet, above which a growing backlog alerts. @default 10000 */
  readonly consumerLagRecords?: number;
  /** How long the backlog must stay above `consumerLagRecords` and grow. @default 300 */
  readonly consumerLagSeconds?: number;
  /** WAL the replication slot holds back in PostgreSQL. @default 1024 */
  readonly slotRetainedWalMiB?: number;
  /** An Iceberg table with no commit for this long while Debezium sees changes. @default 600 */
  readonly tableCommitAgeSeconds?: number;
  /**
   * The freshness objective: a commit in PostgreSQL is in Trino's current-state table within this
   * (the probe's p95 over `freshnessWindowSeconds`, or its oldest heartbeat not there yet). @default 60
   */
  readonly freshnessObjectiveSeconds?: number;
  /** The window of the freshness p95. @default 300 */
  readonly freshnessWindowSeconds?: number;
}

/** Defaults of {@link AlertThresholds}. */
export const ALERT_DEFAULTS: Required<AlertThresholds> = {
  connectorNotRunningSeconds: 60,
  targetDownSeconds: 60,
  flinkJobNotRunningSeconds: 60,
  checkpointFailureWindowSeconds: 300,
  consumerLagRecords: 10_000,
  consumerLagSeconds: 300,
  slotRetainedWalMiB: 1024,
  tableCommitAgeSeconds: 600,
  freshnessObjectiveSeconds: 60,
  freshnessWindowSeconds: 300,
};

/** What the rules are about: names the stack gives its parts. */
export interface AlertContext {
  /** The Debezium connector in Kafka Connect; without it, no connector rules. */
  readonly connectorName?: string;
  /** The logical replication slot; without it, no slot rule. */
  readonly slotName?: string;
  /** TaskManagers of the Flink pipeline; without a pipeline, no Flink rules. */
  readonly flinkTaskManagers?: number;
  /**
   * Regular expressions matching the `job_name` label of every version of each Flink job the stack
   * keeps running (`StreamJob.jobLabelPatterns`): one that matches no job fires. @default - any job
   */
  readonly flinkJobs?: string[];
  /** Whether Dagster's runs are exported ({@link DAGSTER_LAST_RUN_FAILED}); without them, no Dagster rule. */
  readonly dagsterRuns?: boolean;
  /** Whether the freshness probe runs ({@link FRESHNESS_SECONDS}); without it, no freshness rule. */
  readonly freshnessProbe?: boolean;
}

/** The freshness probe's histogram: seconds from a heartbeat's commit to its arrival, per `hop` (`kafka`, `trino`). */
export const FRESHNESS_SECONDS = "lakehouse_freshness_seconds";
/** Age of the oldest heartbeat a hop has not shown yet, per `hop` (0: none pending). */
export const FRESHNESS_PENDING_SECONDS = "lakehouse_freshness_pending_seconds";

/**
 * 1 when the newest finished run of a Dagster job failed, 0 when it succeeded or was canceled,
 * per job (label `dagster_job`): the Orchestrator's exporter reads it from Dagster's run storage.
 */
export const DAGSTER_LAST_RUN_FAILED = "dagster_job_last_run_failed";

/**
 * Seconds since an Iceberg table's last commit, per table (`table` is `<catalog>_<namespace>_<table>`):
 * the gauge Iceberg's Flink committer registers, as Flink's Prometheus reporter names it.
 */
export const ICEBERG_COMMIT_AGE = "flink_taskmanager_job_task_operator_IcebergFilesCommitter_table_elapsedSecondsSinceLastSuccessfulCommit";

/** One Prometheus alerting rule, as the rule file holds it. */
export interface AlertRule {
  /** The alert's name, e.g. `CdcConnectorNotRunning`. */
  readonly alert: string;
  /** The PromQL expression; every series it returns is an alert. */
  readonly expr: string;
  /** How long the expression must hold before the alert fires, e.g. `60s`. */
  readonly for: string;
  /** Labels added to the alert: `severity` (`critical` or `warning`). */
  readonly labels: Record<string, string>;
  /** What the alert says. */
  readonly annotations: AlertAnnotations;
}

/** The text of an alert; `{{ $labels.x }}` is filled in from the alert's labels. */
export interface AlertAnnotations {
  /** One line. */
  readonly summary: string;
  /** What it means and what stops working. */
  readonly description: string;
}

/** A group of rules Prometheus evaluates together. */
export interface RuleGroup {
  /** Group name. */
  readonly name: string;
  /** The group's alerting rules. */
  readonly rules: AlertRule[];
}

/** A Prometheus rule file. */
export interface RuleFile {
  /** Its rule groups (the pipeline's rules are one group, `lakehouse`). */
  readonly groups: RuleGroup[];
}

/** Every threshold resolved and checked; errors name the prop. */
export function resolveThresholds(thresholds: AlertThresholds = {}): Required<AlertThresholds> {
  const t = { ...ALERT_DEFAULTS, ...withoutUndefined(thresholds) };
  for (const [name, value] of Object.entries(t)) validateInteger("Monitoring", `alerts.${name}`, value, 1);
  return t;
}

/**
 * The pipeline's alert rules. Every expression reads metrics the layers export (JMX exporter on
 * Kafka Connect, Flink's Prometheus reporter, the PostgreSQL exporter's slot query, Prometheus's
 * own `up`); `promtool test rules` checks each against series in test/rules/.
 */
export function alertRules(thresholds: AlertThresholds, context: AlertContext): RuleFile {
  const t = resolveThresholds(thresholds);
  const rules: AlertRule[] = [
    rule(
      "LakehouseTargetDown",
      "up == 0",
      t.targetDownSeconds,
      "critical",
      "{{ $labels.job }} is not answering its metrics scrape",
      "Prometheus cannot scrape {{ $labels.instance }} (job {{ $labels.job }}): the process is down or unreachable.",
    ),
  ];
  if (context.connectorName !== undefined) {
    const c = context.connectorName;
    // Connect reports status as a label; a worker that is down reports nothing, hence the absent().
    rules.push(
      rule(
        "CdcConnectorNotRunning",
        `(max by (connector, status) (kafka_connect_connector_status{connector="${c}",status!="running"}) == 1)` +
          // A task counts on its own only under a running connector: a paused one pauses its tasks.
          ` or ((max by (connector, task, status) (kafka_connect_connector_task_status{connector="${c}",status!="running"}) == 1)` +
          ` unless on (connector) (kafka_connect_connector_status{status!="running"} == 1))` +
          ` or absent(kafka_connect_connector_status{connector="${c}"})`,
        t.connectorNotRunningSeconds,
        "critical",
        `Debezium connector ${c} is not running`,
        "Kafka Connect reports the connector (or a task) as {{ $labels.status }}, or reports no connector at all: changes in PostgreSQL stop reaching Kafka, and the slot retains WAL.",
      ),
    );
  }
  if (context.flinkTaskManagers !== undefined) {
    const w = `${t.checkpointFailureWindowSeconds}s`;
    // A job that stopped for good leaves no series: each job the stack keeps must have one.
    const absent = (context.flinkJobs?.length ? context.flinkJobs : [".+"]).map((re) => ` or absent(flink_jobmanager_job_runningState{job_name=~"${re}"})`).join("");
    rules.push(
      rule(
        "FlinkJobNotRunning",
        // A job waiting for slots restarts again and again, RUNNING for moments: no slots counts too.
        `(max by (job_name) (flink_jobmanager_job_runningState) < 1) or (max(flink_jobmanager_taskSlotsTotal) < 1)${absent}`,
        t.flinkJobNotRunningSeconds,
        "critical",
        "A Flink job of the pipeline is not running",
        "The JobManager reports a job not RUNNING (its job_name label), none of a job the stack keeps running, no TaskManager slots to run them in, or cannot be scraped: Kafka's changes stop reaching the Iceberg tables.",
      ),
      rule(
        "FlinkTaskManagerLost",
        `max(flink_jobmanager_numRegisteredTaskManagers) < ${context.flinkTaskManagers}`,
        t.targetDownSeconds,
        "warning",
        `Fewer Flink TaskManagers registered than the ${context.flinkTaskManagers} the stack runs`,
        "A TaskManager stopped or lost its JobManager: the job runs on fewer slots, or waits for them.",
      ),
      rule(
        "FlinkCheckpointsFailing",
        // One failure among completed checkpoints (a start-up's first) is no outage: none completing is.
        `(increase(flink_jobmanager_job_numberOfFailedCheckpoints[${w}]) > 0) unless on (job_name) (increase(flink_jobmanager_job_numberOfCompletedCheckpoints[${w}]) > 0)`,
        0,
        "warning",
        "Flink checkpoints of {{ $labels.job_name }} are failing",
        `Checkpoints failed and none completed in the last ${t.checkpointFailureWindowSeconds} s: nothing is committed to Iceberg until one does.`,
      ),
      rule(
        "FlinkConsumerLagGrowing",
        `(sum by (job_name) (flink_taskmanager_job_task_operator_pendingRecords) > ${t.consumerLagRecords})` +
          ` and (sum by (job_name) (deriv(flink_taskmanager_job_task_operator_pendingRecords[${t.consumerLagSeconds}s])) > 0)`,
        t.consumerLagSeconds,
        "warning",
        "The Flink pipeline falls behind Kafka",
        `Over ${t.consumerLagRecords} records wait in Kafka for the Flink sources, and the backlog keeps growing.`,
      ),
      rule(
        "IcebergTableNotCommitting",
        `(max by (table) (${ICEBERG_COMMIT_AGE}) > ${t.tableCommitAgeSeconds})` +
          ` and on () (sum(increase(debezium_metrics_totalnumberofeventsseen{context="streaming"}[${t.tableCommitAgeSeconds}s])) > 0)`,
        0,
        "warning",
        "Iceberg table {{ $labels.table }} has no new commit",
        `No commit for over ${t.tableCommitAgeSeconds} s while Debezium keeps seeing changes.`,
      ),
    );
  }
  if (context.slotName !== undefined) {
    const s = context.slotName;
    rules.push(
      rule(
        "ReplicationSlotRetainsWal",
        `max by (slot_name) (pg_replication_slot_retained_wal_bytes{slot_name="${s}"}) > ${t.slotRetainedWalMiB * 1024 * 1024}`,
        0,
        "warning",
        `Replication slot ${s} retains over ${t.slotRetainedWalMiB} MiB of WAL`,
        "The connector confirms changes slower than PostgreSQL writes them (or not at all): the disk fills, and max_slot_wal_keep_size may invalidate the slot.",
      ),
    );
  }
  if (context.freshnessProbe) {
    const o = t.freshnessObjectiveSeconds;
    rules.push(
      rule(
        "FreshnessObjectiveMissed",
        `(histogram_quantile(0.95, sum by (le) (rate(${FRESHNESS_SECONDS}_bucket{hop="trino"}[${t.freshnessWindowSeconds}s]))) > ${o})` +
          // While nothing arrives the histogram records nothing: the oldest heartbeat on its way counts too.
          ` or (max(${FRESHNESS_PENDING_SECONDS}{hop="trino"}) > ${o})`,
        0,
        "critical",
        `Changes take over ${o} s to reach Trino`,
        `The freshness probe's heartbeats take over ${o} s from their commit in PostgreSQL to Trino's current-state table (p95 over ${t.freshnessWindowSeconds} s), or one has been on its way that long: the pipeline's objective is missed. The other alerts say which hop stands.`,
      ),
    );
  }
  if (context.dagsterRuns) {
    rules.push(
      rule(
        "DagsterRunFailed",
        `max by (dagster_job) (${DAGSTER_LAST_RUN_FAILED}) == 1`,
        0,
        "warning",
        "The latest Dagster run of {{ $labels.dagster_job }} failed",
        "Its newest finished run failed (a dbt model or test, or table maintenance): the marts or the tables' upkeep are behind. Its logs are in Dagster's UI; the alert resolves when a run of the job succeeds.",
      ),
    );
  }
  return { groups: [{ name: "lakehouse", rules }] };
}

function rule(alert: string, expr: string, forSeconds: number, severity: "critical" | "warning", summary: string, description: string): AlertRule {
  return { alert, expr, for: `${forSeconds}s`, labels: { severity }, annotations: { summary, description } };
}

function withoutUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
