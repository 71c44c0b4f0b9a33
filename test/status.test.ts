import { Figures, formatStatus, freshness, judgeHops, Sample, STATUS_QUERIES } from "../cli/status";

const sample = (value: number, metric: Record<string, string> = {}): Sample => ({ metric, value });
const up = (job: string, value = 1) => sample(value, { job });
const NOW = Date.parse("2026-12-04T21:00:00.000Z");

/** Figures of a healthy stack; `change` replaces some. */
function figures(change: Partial<Figures> = {}): Figures {
  const none = Object.fromEntries(Object.keys(STATUS_QUERIES).map((k) => [k, [] as Sample[]])) as unknown as Figures;
  return {
    ...none,
    up: ["postgres", "kafka", "kafka-connect", "flink-jobmanager", "flink-taskmanager", "minio", "trino", "freshness-probe", "dagster"].map((j) => up(j)),
    connector: [sample(1, { connector: "bank-cdc", status: "running" })],
    tasks: [sample(1, { connector: "bank-cdc", task: "0", status: "running" })],
    behindSource: [sample(-1)],
    connected: [sample(1)],
    slotWal: [sample(2048)],
    slotActive: [sample(1, { slot_name: "lakehouse_cdc" })],
    jobRunning: [sample(1, { job_name: "lakehouse_cdc_0123456789ab" }), sample(1, { job_name: "lakehouse_cdc_probe_0123456789ab" })],
    slots: [sample(3)],
    taskManagers: [sample(1)],
    checkpoints: [sample(40)],
    checkpointMs: [sample(120)],
    failedCheckpoints: [sample(1)],
    completedRecently: [sample(30)],
    freshnessP50: [sample(0.083, { hop: "kafka" }), sample(5.2, { hop: "trino" })],
    freshnessP95: [sample(0.19, { hop: "kafka" }), sample(9.614, { hop: "trino" })],
    freshnessP99: [sample(0.25, { hop: "kafka" }), sample(10.9, { hop: "trino" })],
    freshnessPending: [sample(0, { hop: "kafka" }), sample(3.2, { hop: "trino" })],
    dagsterLastFailed: [sample(0, { dagster_job: "dbt_build" }), sample(0, { dagster_job: "iceberg_maintenance" })],
    dagsterLastEnd: [sample(NOW / 1000 - 120, { dagster_job: "dbt_build" }), sample(NOW / 1000 - 1800, { dagster_job: "iceberg_maintenance" })],
    ...change,
  };
}

describe("lakehouse status: judging each hop from the metrics", () => {
  test("a healthy stack: every hop ok; a start-up's failed checkpoint among completed ones is no failure", () => {
    const hops = judgeHops(figures(), NOW);
    expect(hops.map((h) => [h.hop, h.ok])).toEqual([
      ["postgresql", true],
      ["kafka", true],
      ["debezium", true],
      ["flink", true],
      ["flink taskmanagers", true],
      ["minio", true],
      ["trino", true],
      ["freshness probe", true],
      ["dagster", true],
    ]);
    expect(hops.find((h) => h.hop === "freshness probe")!.detail).toBe("commit -> trino p95 9.61 s over 5 min, oldest on its way 3.2 s");
    expect(hops.find((h) => h.hop === "flink")!.detail).toBe("2 jobs RUNNING on 3 slots of 1 TaskManager(s), 40 checkpoints completed (last took 120 ms), 1 failed in 5 min");
  });

  test("a paused connector, an inactive slot, a job restarting without slots, checkpoints failing with none completing, and a job whose newest Dagster run failed each fail their hop", () => {
    const hops = judgeHops(
      figures({
        connector: [sample(1, { connector: "bank-cdc", status: "paused" })],
        tasks: [sample(1, { connector: "bank-cdc", task: "0", status: "paused" })],
        slotActive: [sample(0, { slot_name: "lakehouse_cdc" })],
        jobRunning: [sample(0, { job_name: "lakehouse_cdc_0123456789ab" }), sample(1, { job_name: "lakehouse_cdc_probe_0123456789ab" })],
        slots: [sample(0)],
        completedRecently: [sample(0)],
        dagsterLastFailed: [sample(0, { dagster_job: "dbt_build" }), sample(1, { dagster_job: "iceberg_maintenance" })],
      }),
      NOW,
    );
    const failed = Object.fromEntries(hops.filter((h) => !h.ok).map((h) => [h.hop, h.detail]));
    expect(failed).toEqual({
      postgresql: "slot lakehouse_cdc INACTIVE (no connector holds it), 2 KiB of WAL retained",
      debezium: "connector bank-cdc paused, 0/1 tasks running",
      flink: "job lakehouse_cdc_0123456789ab NOT RUNNING on 0 slots of 1 TaskManager(s), 40 checkpoints completed (last took 120 ms), 1 failed in 5 min and NONE COMPLETED",
      dagster: "newest runs: dbt_build ok 120 s ago, iceberg_maintenance FAILED 1800 s ago",
    });
  });

  test("a target that cannot be scraped is a failed hop named by its job; one of several TaskManagers down fails them all", () => {
    const hops = judgeHops(figures({ up: [up("kafka-connect", 0), up("flink-taskmanager"), up("flink-taskmanager", 0)] }), NOW);
    expect(hops).toEqual([
      { hop: "debezium", ok: false, detail: "down: Prometheus cannot scrape job kafka-connect" },
      { hop: "flink taskmanagers", ok: false, detail: "down: Prometheus cannot scrape job flink-taskmanager" },
    ]);
  });

  test("the probe's percentiles per hop; none while the probe is not scraped", () => {
    expect(freshness(figures())).toEqual([
      { hop: "kafka", p50Seconds: 0.08, p95Seconds: 0.19, p99Seconds: 0.25, pendingSeconds: 0 },
      { hop: "trino", p50Seconds: 5.2, p95Seconds: 9.61, p99Seconds: 10.9, pendingSeconds: 3.2 },
    ]);
    expect(freshness(figures({ up: [up("freshness-probe", 0)] }))).toEqual([]);
  });

  test("the screen lists hops, lag, freshness, tables and firing alerts", () => {
    const text = formatStatus({
      stack: "dev",
      at: "2026-12-04T21:00:00.000Z",
      hops: judgeHops(figures(), NOW),
      freshness: freshness(figures()),
      lag: { sourceToConnectorMs: 51, flinkPendingRecords: 0, slotRetainedWalBytes: 3 * 1024 * 1024 },
      tables: [{ table: "lakehouse_bank_users", lastCommitSecondsAgo: 4 }],
      alerts: [{ name: "CdcConnectorNotRunning", severity: "critical", since: "2026-12-04T20:59:00.000Z", summary: "Debezium connector bank-cdc is not running" }],
    });
    expect(text).toContain("source -> connector   51 ms");
    expect(text).toContain("slot WAL retained     3.0 MiB");
    expect(text).toMatch(/commit -> trino +5.2 s +9.61 s +10.9 s +3.2 s/);
    expect(text).toMatch(/lakehouse_bank_users +4 s ago/);
    expect(text).toContain("ALERTS  1 firing");
    expect(text).toMatch(/critical +CdcConnectorNotRunning +since 2026-12-04T20:59:00.000Z +Debezium connector bank-cdc is not running/);
  });
});
