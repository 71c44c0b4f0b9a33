import { Figures, formatStatus, judgeHops, Sample, STATUS_QUERIES } from "../cli/status";

const sample = (value: number, metric: Record<string, string> = {}): Sample => ({ metric, value });
const up = (job: string, value = 1) => sample(value, { job });

/** Figures of a healthy stack; `change` replaces some. */
function figures(change: Partial<Figures> = {}): Figures {
  const none = Object.fromEntries(Object.keys(STATUS_QUERIES).map((k) => [k, [] as Sample[]])) as unknown as Figures;
  return {
    ...none,
    up: ["postgres", "kafka", "kafka-connect", "flink-jobmanager", "flink-taskmanager", "minio", "trino"].map((j) => up(j)),
    connector: [sample(1, { connector: "bank-cdc", status: "running" })],
    tasks: [sample(1, { connector: "bank-cdc", task: "0", status: "running" })],
    behindSource: [sample(-1)],
    connected: [sample(1)],
    slotWal: [sample(2048)],
    slotActive: [sample(1, { slot_name: "lakehouse_cdc" })],
    jobRunning: [sample(1)],
    slots: [sample(2)],
    taskManagers: [sample(1)],
    checkpoints: [sample(40)],
    checkpointMs: [sample(120)],
    failedCheckpoints: [sample(1)],
    completedRecently: [sample(30)],
    ...change,
  };
}

describe("lakehouse status: judging each hop from the metrics", () => {
  test("a healthy stack: every hop ok; a start-up's failed checkpoint among completed ones is no failure", () => {
    const hops = judgeHops(figures());
    expect(hops.map((h) => [h.hop, h.ok])).toEqual([
      ["postgresql", true],
      ["kafka", true],
      ["debezium", true],
      ["flink", true],
      ["flink taskmanagers", true],
      ["minio", true],
      ["trino", true],
    ]);
    expect(hops.find((h) => h.hop === "flink")!.detail).toBe("job RUNNING on 2 slots of 1 TaskManager(s), 40 checkpoints completed (last took 120 ms), 1 failed in 5 min");
  });

  test("a paused connector, an inactive slot, a job without slots, and checkpoints failing with none completing each fail their hop", () => {
    const hops = judgeHops(
      figures({
        connector: [sample(1, { connector: "bank-cdc", status: "paused" })],
        tasks: [sample(1, { connector: "bank-cdc", task: "0", status: "paused" })],
        slotActive: [sample(0, { slot_name: "lakehouse_cdc" })],
        jobRunning: [sample(1)],
        slots: [sample(0)],
        completedRecently: [sample(0)],
      }),
    );
    const failed = Object.fromEntries(hops.filter((h) => !h.ok).map((h) => [h.hop, h.detail]));
    expect(failed).toEqual({
      postgresql: "slot lakehouse_cdc INACTIVE (no connector holds it), 2 KiB of WAL retained",
      debezium: "connector bank-cdc paused, 0/1 tasks running",
      flink: "job RUNNING on 0 slots of 1 TaskManager(s), 40 checkpoints completed (last took 120 ms), 1 failed in 5 min and NONE COMPLETED",
    });
  });

  test("a target that cannot be scraped is a failed hop named by its job; one of several TaskManagers down fails them all", () => {
    const hops = judgeHops(figures({ up: [up("kafka-connect", 0), up("flink-taskmanager"), up("flink-taskmanager", 0)] }));
    expect(hops).toEqual([
      { hop: "debezium", ok: false, detail: "down: Prometheus cannot scrape job kafka-connect" },
      { hop: "flink taskmanagers", ok: false, detail: "down: Prometheus cannot scrape job flink-taskmanager" },
    ]);
  });

  test("the screen lists hops, lag, tables and firing alerts", () => {
    const text = formatStatus({
      stack: "dev",
      at: "2026-12-04T21:00:00.000Z",
      hops: judgeHops(figures()),
      lag: { sourceToConnectorMs: 51, flinkPendingRecords: 0, slotRetainedWalBytes: 3 * 1024 * 1024 },
      tables: [{ table: "lakehouse_bank_users", lastCommitSecondsAgo: 4 }],
      alerts: [{ name: "CdcConnectorNotRunning", severity: "critical", since: "2026-12-04T20:59:00.000Z", summary: "Debezium connector bank-cdc is not running" }],
    });
    expect(text).toContain("source -> connector   51 ms");
    expect(text).toContain("slot WAL retained     3.0 MiB");
    expect(text).toMatch(/lakehouse_bank_users +4 s ago/);
    expect(text).toContain("ALERTS  1 firing");
    expect(text).toMatch(/critical +CdcConnectorNotRunning +since 2026-12-04T20:59:00.000Z +Debezium connector bank-cdc is not running/);
  });
});
