import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { AlertRule, alertRules, ALERT_DEFAULTS, DAGSTER_LAST_RUN_FAILED, FRESHNESS_PENDING_SECONDS, FRESHNESS_SECONDS, ICEBERG_COMMIT_AGE, RuleFile } from "../../constructs/alert-rules";
import { LOCAL_IMAGE_REGISTRY, defaultImage } from "../../constructs/images";
import { jobLabelPattern } from "../../constructs/stream-job";

/**
 * The alert rules the Monitoring construct generates, run by Prometheus's own `promtool test
 * rules` (in the image `npm run images` builds) against series that make each rule fire and
 * series that must leave it quiet. Expected annotations are the rule's templates with the
 * labels filled in, so a rule whose labels lose a name its text uses fails here too.
 */

const IMAGE = defaultImage("prometheus", LOCAL_IMAGE_REGISTRY);
const CONNECTOR = "bank-cdc";
const SLOT = "lakehouse_cdc";
const FLINK_JOBS = [jobLabelPattern("lakehouse-cdc"), jobLabelPattern("lakehouse-cdc-probe")];
const rules = alertRules({}, { connectorName: CONNECTOR, slotName: SLOT, flinkTaskManagers: 1, flinkJobs: FLINK_JOBS, dagsterRuns: true, freshnessProbe: true });
/** The running state of the pipeline's job and the probe's, labelled as Flink's reporter labels them (dashes as underscores). */
const PIPELINE_JOB = 'flink_jobmanager_job_runningState{job_name="lakehouse_cdc_0123456789ab"}';
const PROBE_JOB = 'flink_jobmanager_job_runningState{job_name="lakehouse_cdc_probe_0123456789ab"}';

interface Case {
  /** What the case shows. */
  readonly title: string;
  readonly alert: string;
  /** Series in promtool's expanding notation, one sample per 10 s. */
  readonly series: Record<string, string>;
  readonly evalSeconds: number;
  /** Labels of each expected alert besides alertname and severity; empty: must not fire. */
  readonly fires: Record<string, string>[];
}

const MiB = 1024 * 1024;
const cases: Case[] = [
  {
    title: "a target down for over a minute",
    alert: "LakehouseTargetDown",
    series: { 'up{job="kafka",instance="kafka:9404"}': "0x12" },
    evalSeconds: 70,
    fires: [{ job: "kafka", instance: "kafka:9404" }],
  },
  { title: "a target down for less than a minute", alert: "LakehouseTargetDown", series: { 'up{job="kafka",instance="kafka:9404"}': "0x12" }, evalSeconds: 50, fires: [] },
  { title: "a target that answers", alert: "LakehouseTargetDown", series: { 'up{job="kafka",instance="kafka:9404"}': "1x12" }, evalSeconds: 100, fires: [] },
  {
    title: "a paused connector (its task paused with it: one alert)",
    alert: "CdcConnectorNotRunning",
    series: {
      [`kafka_connect_connector_status{connector="${CONNECTOR}",status="paused"}`]: "1x12",
      [`kafka_connect_connector_task_status{connector="${CONNECTOR}",task="0",status="paused"}`]: "1x12",
    },
    evalSeconds: 70,
    fires: [{ connector: CONNECTOR, status: "paused" }],
  },
  {
    title: "a failed task under a running connector",
    alert: "CdcConnectorNotRunning",
    series: {
      [`kafka_connect_connector_status{connector="${CONNECTOR}",status="running"}`]: "1x12",
      [`kafka_connect_connector_task_status{connector="${CONNECTOR}",task="0",status="failed"}`]: "1x12",
    },
    evalSeconds: 70,
    fires: [{ connector: CONNECTOR, task: "0", status: "failed" }],
  },
  { title: "Kafka Connect reporting no connector (worker down)", alert: "CdcConnectorNotRunning", series: { 'up{job="kafka-connect"}': "0x12" }, evalSeconds: 70, fires: [{ connector: CONNECTOR }] },
  {
    title: "a running connector and task",
    alert: "CdcConnectorNotRunning",
    series: {
      [`kafka_connect_connector_status{connector="${CONNECTOR}",status="running"}`]: "1x12",
      [`kafka_connect_connector_task_status{connector="${CONNECTOR}",task="0",status="running"}`]: "1x12",
    },
    evalSeconds: 100,
    fires: [],
  },
  {
    title: "the pipeline's job restarting, the probe's running",
    alert: "FlinkJobNotRunning",
    series: { [PIPELINE_JOB]: "0x12", [PROBE_JOB]: "1x12", flink_jobmanager_taskSlotsTotal: "3x12" },
    evalSeconds: 70,
    fires: [{ job_name: "lakehouse_cdc_0123456789ab" }],
  },
  {
    title: "a job RUNNING for moments between restarts, with no slots",
    alert: "FlinkJobNotRunning",
    series: { [PIPELINE_JOB]: "1 0 1 0 1 0 1 0 1 0 1 0", [PROBE_JOB]: "1x12", flink_jobmanager_taskSlotsTotal: "0x12" },
    evalSeconds: 70,
    fires: [{}],
  },
  { title: "no job at all (cancelled, or the JobManager down)", alert: "FlinkJobNotRunning", series: { 'up{job="flink-jobmanager"}': "0x12" }, evalSeconds: 70, fires: [{}] },
  {
    title: "the pipeline's job gone (cancelled) while the probe's runs",
    alert: "FlinkJobNotRunning",
    series: { [PROBE_JOB]: "1x12", 'flink_jobmanager_job_runningState{job_name="lakehouse_bench_peer"}': "1x12", flink_jobmanager_taskSlotsTotal: "3x12" },
    evalSeconds: 70,
    fires: [{}],
  },
  {
    title: "the probe's job gone while the pipeline's runs",
    alert: "FlinkJobNotRunning",
    series: { [PIPELINE_JOB]: "1x12", flink_jobmanager_taskSlotsTotal: "3x12" },
    evalSeconds: 70,
    fires: [{}],
  },
  {
    title: "both jobs running with their slots, and a new version of the pipeline's taking over",
    alert: "FlinkJobNotRunning",
    series: {
      [PIPELINE_JOB]: "1x5 _x6",
      'flink_jobmanager_job_runningState{job_name="lakehouse_cdc_ba9876543210"}': "_x5 1x6",
      [PROBE_JOB]: "1x12",
      flink_jobmanager_taskSlotsTotal: "3x12",
    },
    evalSeconds: 100,
    fires: [],
  },
  { title: "a TaskManager gone", alert: "FlinkTaskManagerLost", series: { flink_jobmanager_numRegisteredTaskManagers: "0x12" }, evalSeconds: 70, fires: [{}] },
  { title: "every TaskManager registered", alert: "FlinkTaskManagerLost", series: { flink_jobmanager_numRegisteredTaskManagers: "1x12" }, evalSeconds: 100, fires: [] },
  {
    title: "checkpoints failing and none completing",
    alert: "FlinkCheckpointsFailing",
    series: {
      'flink_jobmanager_job_numberOfFailedCheckpoints{job_name="lakehouse-cdc-abc"}': "0 0 1 2 3 4",
      'flink_jobmanager_job_numberOfCompletedCheckpoints{job_name="lakehouse-cdc-abc"}': "7x5",
    },
    evalSeconds: 50,
    fires: [{ job_name: "lakehouse-cdc-abc" }],
  },
  {
    title: "a failed checkpoint among completed ones (a start-up's first)",
    alert: "FlinkCheckpointsFailing",
    series: {
      'flink_jobmanager_job_numberOfFailedCheckpoints{job_name="lakehouse-cdc-abc"}': "0 1 1 1 1 1",
      'flink_jobmanager_job_numberOfCompletedCheckpoints{job_name="lakehouse-cdc-abc"}': "0+1x5",
    },
    evalSeconds: 50,
    fires: [],
  },
  {
    title: "a backlog above the limit that keeps growing",
    alert: "FlinkConsumerLagGrowing",
    series: { 'flink_taskmanager_job_task_operator_pendingRecords{job_name="lakehouse-cdc-abc",subtask_index="0"}': "20000+1000x70" },
    evalSeconds: 660,
    fires: [{ job_name: "lakehouse-cdc-abc" }],
  },
  {
    title: "a backlog above the limit that shrinks",
    alert: "FlinkConsumerLagGrowing",
    series: { 'flink_taskmanager_job_task_operator_pendingRecords{job_name="lakehouse-cdc-abc",subtask_index="0"}': "90000-1000x70" },
    evalSeconds: 660,
    fires: [],
  },
  {
    title: "a table without commits while Debezium sees changes",
    alert: "IcebergTableNotCommitting",
    series: {
      [`${ICEBERG_COMMIT_AGE}{table="lakehouse_bank_users"}`]: "0+10x80",
      'debezium_metrics_totalnumberofeventsseen{context="streaming"}': "0+5x80",
    },
    evalSeconds: 700,
    fires: [{ table: "lakehouse_bank_users" }],
  },
  {
    title: "a table without commits while the source is quiet",
    alert: "IcebergTableNotCommitting",
    series: {
      [`${ICEBERG_COMMIT_AGE}{table="lakehouse_bank_users"}`]: "0+10x80",
      'debezium_metrics_totalnumberofeventsseen{context="streaming"}': "100x80",
      'debezium_metrics_totalnumberofeventsseen{context="snapshot"}': "0+5x80",
    },
    evalSeconds: 700,
    fires: [],
  },
  {
    title: "a slot retaining 2 GiB of WAL",
    alert: "ReplicationSlotRetainsWal",
    series: { [`pg_replication_slot_retained_wal_bytes{slot_name="${SLOT}"}`]: `${2048 * MiB}x3` },
    evalSeconds: 20,
    fires: [{ slot_name: SLOT }],
  },
  {
    title: "a slot retaining 10 MiB of WAL",
    alert: "ReplicationSlotRetainsWal",
    series: { [`pg_replication_slot_retained_wal_bytes{slot_name="${SLOT}"}`]: `${10 * MiB}x3` },
    evalSeconds: 20,
    fires: [],
  },
  {
    title: "heartbeats reaching Trino in 30 to 90 s (p95 about 87 s)",
    alert: "FreshnessObjectiveMissed",
    series: histogram("trino", { 30: "0x30", 90: "0+1x30", "+Inf": "0+1x30" }),
    evalSeconds: 300,
    fires: [{}],
  },
  {
    title: "heartbeats reaching Trino within 10 s, and Kafka's hop slow (not the objective's)",
    alert: "FreshnessObjectiveMissed",
    series: { ...histogram("trino", { 10: "0+1x30", 90: "0+1x30", "+Inf": "0+1x30" }), ...histogram("kafka", { 10: "0x30", 90: "0+1x30", "+Inf": "0+1x30" }) },
    evalSeconds: 300,
    fires: [],
  },
  {
    title: "nothing reaching Trino: the oldest heartbeat on its way for over a minute",
    alert: "FreshnessObjectiveMissed",
    series: { ...histogram("trino", { 10: "5x12", "+Inf": "5x12" }), [`${FRESHNESS_PENDING_SECONDS}{hop="trino"}`]: "0+10x12" },
    evalSeconds: 70,
    fires: [{}],
  },
  {
    title: "a job whose newest run failed, beside one whose newest run succeeded",
    alert: "DagsterRunFailed",
    series: { [`${DAGSTER_LAST_RUN_FAILED}{dagster_job="dbt_build"}`]: "1x3", [`${DAGSTER_LAST_RUN_FAILED}{dagster_job="iceberg_maintenance"}`]: "0x3" },
    evalSeconds: 10,
    fires: [{ dagster_job: "dbt_build" }],
  },
  {
    title: "a failed run followed by a successful one",
    alert: "DagsterRunFailed",
    series: { [`${DAGSTER_LAST_RUN_FAILED}{dagster_job="dbt_build"}`]: "1 1 0 0" },
    evalSeconds: 30,
    fires: [],
  },
];

/** The freshness probe's histogram buckets of `hop`, cumulative as Prometheus keeps them: `le` -> series values. */
function histogram(hop: string, buckets: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(buckets).map(([le, values]) => [`${FRESHNESS_SECONDS}_bucket{hop="${hop}",le="${le}"}`, values]));
}

/** The rule file and a promtool test file for `cases`, in a fresh directory. */
function writeFiles(file: RuleFile, testCases: Case[]): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "alert-rules-"));
  fs.chmodSync(dir, 0o755);
  fs.writeFileSync(path.join(dir, "rules.yml"), JSON.stringify(file, null, 2));
  const byName = new Map(file.groups.flatMap((g) => g.rules).map((r) => [r.alert, r]));
  const tests = testCases.map((c) => {
    const rule = byName.get(c.alert);
    if (!rule) throw new Error(`no rule ${c.alert}`);
    return {
      name: `${c.alert}: ${c.title}`,
      interval: "10s",
      input_series: Object.entries(c.series).map(([series, values]) => ({ series, values })),
      alert_rule_test: [{ eval_time: `${c.evalSeconds}s`, alertname: c.alert, exp_alerts: c.fires.map((labels) => expected(rule, labels)) }],
    };
  });
  fs.writeFileSync(path.join(dir, "tests.yml"), JSON.stringify({ rule_files: ["rules.yml"], evaluation_interval: "10s", tests }, null, 2));
  return dir;
}

/** An alert as promtool reports it: its labels, and its annotations with the labels filled in. */
function expected(rule: AlertRule, labels: Record<string, string>) {
  const fill = (text: string) => text.replace(/\{\{ \$labels\.(\w+) \}\}/g, (_, name: string) => labels[name] ?? "");
  return {
    exp_labels: { ...labels, ...rule.labels },
    exp_annotations: { summary: fill(rule.annotations.summary), description: fill(rule.annotations.description) },
  };
}

function promtool(dir: string, ...args: string[]) {
  return spawnSync("docker", ["run", "--rm", "--network", "none", "-v", `${dir}:/rules:ro`, "-w", "/rules", "--entrypoint", "promtool", IMAGE, ...args], { encoding: "utf8" });
}

beforeAll(() => {
  try {
    execFileSync("docker", ["image", "inspect", IMAGE], { stdio: "ignore" });
  } catch {
    throw new Error(`image ${IMAGE} is missing: run \`npm run images -- prometheus\` (npm run test:rules does)`);
  }
});

test("promtool accepts the rule file", () => {
  const result = promtool(writeFiles(rules, []), "check", "rules", "rules.yml");
  expect(result.stderr + result.stdout).toMatch(/SUCCESS: \d+ rules found/);
  expect(result.status).toBe(0);
});

test("every rule has a case that fires it and one that must stay quiet", () => {
  const names = rules.groups.flatMap((g) => g.rules.map((r) => r.alert)).sort();
  expect([...new Set(cases.filter((c) => c.fires.length > 0).map((c) => c.alert))].sort()).toEqual(names);
  expect([...new Set(cases.filter((c) => c.fires.length === 0).map((c) => c.alert))].sort()).toEqual(names);
});

test("each rule fires on its fault and stays quiet otherwise (promtool test rules)", () => {
  const result = promtool(writeFiles(rules, cases), "test", "rules", "tests.yml");
  expect(result.stdout + result.stderr).toContain("SUCCESS");
  expect(result.status).toBe(0);
});

test("the harness fails a wrong expectation: a quiet target expected to fire", () => {
  const wrong: Case = { ...cases[2], fires: [{ job: "kafka", instance: "kafka:9404" }] };
  const result = promtool(writeFiles(rules, [wrong]), "test", "rules", "tests.yml");
  expect(result.status).not.toBe(0);
  expect(result.stdout + result.stderr).toContain("FAILED");
});

test("thresholds are props: a lower WAL limit fires on what the default lets pass", () => {
  const strict = alertRules({ slotRetainedWalMiB: 5 }, { connectorName: CONNECTOR, slotName: SLOT, flinkTaskManagers: 1 });
  const walCase = cases.find((c) => c.alert === "ReplicationSlotRetainsWal" && c.fires.length === 0)!;
  expect(ALERT_DEFAULTS.slotRetainedWalMiB).toBeGreaterThan(10);
  const result = promtool(writeFiles(strict, [{ ...walCase, fires: [{ slot_name: SLOT }] }]), "test", "rules", "tests.yml");
  expect(result.stdout + result.stderr).toContain("SUCCESS");
});
