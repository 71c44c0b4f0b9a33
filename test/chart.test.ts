import { mkdtempSync, readFileSync, rmSync } from "fs";
import { tmpdir } from "os";
import { join } from "path";
import { CHART_WIDTH, ChartSpec, renderChartPng, Series, writeChartPng } from "../cli/chart";

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** Width and height from the IHDR chunk, which a PNG must have first, right after its signature. */
function pngSize(png: Buffer): { width: number; height: number } {
  expect(png.subarray(0, 8).equals(PNG_SIGNATURE)).toBe(true);
  expect(png.toString("ascii", 12, 16)).toBe("IHDR");
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
}

const run = (name: string, f: (minute: number) => number | null): Series => ({ name, points: Array.from({ length: 30 }, (_, x) => ({ x, y: f(x) })) });

const soak: ChartSpec = {
  title: "soak: accounts",
  xLabel: "minutes since start",
  panels: [
    { title: "data files", yLabel: "files", series: [run("maintenance on", (m) => 10 + (m % 10)), run("maintenance off", (m) => 10 + m)] },
    // A null is a gap in the line: the query failed that minute.
    { title: "query p95", yLabel: "ms", series: [run("maintenance on", (m) => (m === 7 ? null : 200)), run("maintenance off", (m) => 200 + m * 5)] },
  ],
};

describe("renderChartPng", () => {
  test("renders a PNG of the chart's width, with room for a row of panels, title and legend", async () => {
    const { width, height } = pngSize(await renderChartPng(soak));
    expect(width).toBe(CHART_WIDTH);
    expect(height).toBeGreaterThan(250);
    expect(height).toBeLessThan(600);
  });

  test("draws an empty series, a panel without points and one without series", async () => {
    const spec: ChartSpec = {
      ...soak,
      columns: 3,
      panels: [
        { title: "snapshots", yLabel: "snapshots", series: [run("maintenance on", () => 0), { name: "maintenance off", points: [] }] },
        { title: "freshness p95", yLabel: "s", series: [{ name: "maintenance on", points: [] }, run("maintenance off", () => null)] },
        { title: "metadata", yLabel: "KiB", series: [] },
        { title: "a fourth, second row", yLabel: "KiB", series: [run("maintenance on", (m) => m)] },
      ],
    };
    const { width, height } = pngSize(await renderChartPng(spec));
    expect(width).toBe(CHART_WIDTH);
    expect(height).toBeGreaterThan(500);
  });

  test("names the problem with a spec it cannot draw", async () => {
    await expect(renderChartPng({ ...soak, panels: [] })).rejects.toThrow(/soak: accounts.*no panels/);
    await expect(renderChartPng({ ...soak, columns: 0 })).rejects.toThrow(/columns/);
    const nan: ChartSpec = { ...soak, panels: [{ title: "query p95", yLabel: "ms", series: [{ name: "on", points: [{ x: 0, y: NaN }] }] }] };
    await expect(renderChartPng(nan)).rejects.toThrow(/panel "query p95", series "on": point 0 has y = NaN/);
    const twice: ChartSpec = { ...soak, panels: [{ title: "p", yLabel: "ms", series: [run("on", () => 1), run("on", () => 2)] }] };
    await expect(renderChartPng(twice)).rejects.toThrow(/series "on" appears twice/);
  });
});

test("writeChartPng writes the PNG to the file", async () => {
  const dir = mkdtempSync(join(tmpdir(), "chart-"));
  try {
    const file = join(dir, "soak.png");
    await writeChartPng(file, { ...soak, columns: 1, panels: soak.panels.slice(0, 1) });
    expect(pngSize(readFileSync(file)).width).toBe(CHART_WIDTH);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
