import { renderChartPng } from "../cli/chart";
import { formatSoak, soakChart, SoakReport, SoakSample, soakSummary } from "../cli/soak";

/** A soak of `minutes` samples whose query p95 and delete files follow `p95(minute)` and `deletes(minute)`. */
const report = (maintenance: boolean, minutes: number, p95: (m: number) => number, deletes: (m: number) => number): SoakReport => ({
  maintenance,
  maintenanceRuns: maintenance ? [{ minute: 5, seconds: 20, status: "SUCCESS" }] : [],
  checkpointIntervalMs: 1000,
  rate: 200,
  keys: 2000,
  minutes,
  samples: Array.from({ length: minutes }, (_, i): SoakSample => ({
    minute: i + 1,
    written: (i + 1) * 12000,
    tables: {
      "bank.accounts": { dataFiles: 10, deleteFiles: deletes(i + 1), snapshots: 100, metadataKiB: 50 },
      "raw_data.accounts": { dataFiles: 5, deleteFiles: 0, snapshots: 100, metadataKiB: 40 },
    },
    queries: { "point lookup": { p50: p95(i + 1) / 2, p95: p95(i + 1) } },
    freshness: { p50: 1500, p95: 2500 },
  })),
});

describe("lakehouse soak's report", () => {
  test("compares the last ten minutes' p95 with the first ten's", () => {
    const summary = soakSummary(
      report(
        false,
        40,
        (m) => (m <= 10 ? 100 : m > 30 ? 300 : 200),
        () => 0,
      ),
    );
    expect(summary.find((q) => q.query === "point lookup")).toEqual({ query: "point lookup", firstP95: 100, lastP95: 300, ratio: 3 });
    expect(summary.find((q) => q.query === "freshness")).toMatchObject({ firstP95: 2500, lastP95: 2500, ratio: 1 });
  });

  test("a run shorter than twenty minutes compares its halves", () => {
    const summary = soakSummary(
      report(
        true,
        4,
        (m) => m * 100,
        () => 0,
      ),
    );
    expect(summary.find((q) => q.query === "point lookup")).toMatchObject({ firstP95: 150, lastP95: 350 });
  });

  test("the chart draws both runs side by side, each table's curves named by run, and renders", async () => {
    const on = report(
      true,
      6,
      () => 100,
      (m) => m % 3,
    );
    const off = report(
      false,
      6,
      (m) => 100 * m,
      (m) => 10 * m,
    );
    const spec = soakChart(on, off);
    expect(spec.panels.map((p) => p.title)).toEqual(["Data files", "Delete files", "Snapshots", "Metadata size", "Query p95", "Commit -> Trino p95"]);
    const deletes = spec.panels[1].series;
    expect(deletes.map((s) => s.name)).toEqual(["bank.accounts, maintenance on", "raw_data.accounts, maintenance on", "bank.accounts, maintenance off", "raw_data.accounts, maintenance off"]);
    expect(deletes[2].points.map((p) => p.y)).toEqual([10, 20, 30, 40, 50, 60]);
    expect((await renderChartPng(spec)).subarray(1, 4).toString()).toBe("PNG");
    expect(formatSoak(on, off)).toMatch(/maintenance on: last sample at minute 6\.0\n {2}maintenance runs: 5 min SUCCESS 20 s/);
  });
});
