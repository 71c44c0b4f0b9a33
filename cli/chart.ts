import { existsSync } from "fs";
import { writeFile } from "fs/promises";
import { pathToFileURL } from "url";
import { Worker } from "worker_threads";
import { renderAsync, Resvg, ResvgRenderOptions } from "@resvg/resvg-js";
// vega-lite's package.json names its types only under "exports", which this project's module
// resolution (node10, from "module": "commonjs") does not read: the type comes from the file.
import type { TopLevelSpec } from "vega-lite/build/index";

/** One curve of a {@link Panel}, e.g. "maintenance on". */
export interface Series {
  /** The legend entry; the same name gets the same colour in every panel. */
  readonly name: string;
  /** The samples, in any order (the line is drawn by increasing x). A `null` y is a gap: the line breaks there instead of joining its neighbours. */
  readonly points: ReadonlyArray<{ readonly x: number; readonly y: number | null }>;
}

/** One small chart of a {@link ChartSpec}, with a y scale of its own (data files and p95 ms do not share an axis). */
export interface Panel {
  readonly title: string;
  /** The y axis title, with its unit ("files", "ms"). */
  readonly yLabel: string;
  readonly series: readonly Series[];
}

/** A grid of line charts sharing one x axis (e.g. minutes since the start) and one legend. */
export interface ChartSpec {
  readonly title: string;
  /** The x axis title of every panel, with its unit ("minutes since start"). */
  readonly xLabel: string;
  readonly panels: readonly Panel[];
  /** Panels per row. @default 2 */
  readonly columns?: number;
}

/** The PNG's width in pixels, whatever the number of columns: the SVG is scaled to it (by a few percent, as axis labels vary). */
export const CHART_WIDTH = 1200;
const PANEL_HEIGHT = 200;
/** Room for a panel's y axis (labels and title) next to its plot, and between two columns. */
const Y_AXIS_ROOM = 70;
const COLUMN_SPACING = 24;
/** A panel's lines get points while its densest series has at most one per this many pixels of plot: denser, points only thicken the line. */
const PIXELS_PER_POINT = 4;
/**
 * A list, so that the first installed one is used whatever the machine: resvg does not read
 * fontconfig, and a family it cannot find leaves the text out.
 */
const FONT_FAMILY = "DejaVu Sans, Liberation Sans, Arial, Helvetica, sans-serif";
/** Debian's fonts-dejavu-core and fonts-liberation, loaded by name in case resvg's scan of the system misses them. */
const FONT_FILES = ["/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf"];

/**
 * Renders `spec` as a PNG, {@link CHART_WIDTH} pixels wide on a white background. Vega-Lite lays the
 * chart out as SVG and resvg rasterizes it, both without a browser or a native build. Throws an
 * Error naming the problem when the spec cannot be drawn (no panels, a NaN, a series twice).
 */
export async function renderChartPng(spec: ChartSpec): Promise<Buffer> {
  checkSpec(spec);
  const svg = await vegaLiteToSvg(vegaLiteSpec(spec));
  const image = await renderAsync(svg, resvgOptions());
  return image.asPng();
}

/** {@link renderChartPng} into `file` (overwritten). */
export async function writeChartPng(file: string, spec: ChartSpec): Promise<void> {
  await writeFile(file, await renderChartPng(spec));
}

function checkSpec(spec: ChartSpec): void {
  const columns = spec.columns ?? 2;
  if (!Number.isInteger(columns) || columns < 1) throw new Error(`chart "${spec.title}": columns must be a whole number from 1, not ${columns}`);
  if (spec.panels.length === 0) throw new Error(`chart "${spec.title}" has no panels: give it at least one`);
  for (const panel of spec.panels) {
    const names = new Set<string>();
    for (const series of panel.series) {
      const where = `chart "${spec.title}", panel "${panel.title}", series "${series.name}"`;
      if (names.has(series.name)) throw new Error(`${where} appears twice in the panel: series names tell the lines apart`);
      names.add(series.name);
      series.points.forEach(({ x, y }, i) => {
        // null is the way to say "no sample"; NaN or Infinity is a bug upstream, not a gap to draw.
        if (!Number.isFinite(x)) throw new Error(`${where}: point ${i} has x = ${x}, not a finite number`);
        if (y !== null && !Number.isFinite(y)) throw new Error(`${where}: point ${i} has y = ${y}, not a finite number (use null for a gap)`);
      });
    }
  }
}

function vegaLiteSpec(spec: ChartSpec): TopLevelSpec {
  // Fewer panels than columns would leave the row short, and the PNG's fixed width would blow it up.
  const columns = Math.min(spec.columns ?? 2, spec.panels.length);
  const plotWidth = Math.floor((CHART_WIDTH - columns * Y_AXIS_ROOM - (columns - 1) * COLUMN_SPACING) / columns);
  // Every name in the domain, in first-seen order: same colour for a run in every panel, and a
  // legend entry even for a run that has no sample yet.
  const names = [...new Set(spec.panels.flatMap((p) => p.series.map((s) => s.name)))];
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: { text: spec.title, fontSize: 18, anchor: "start" },
    background: "white",
    padding: 8,
    columns,
    spacing: COLUMN_SPACING,
    concat: spec.panels.map((panel) => {
      const rows = panel.series.flatMap((s) => s.points.map(({ x, y }) => ({ series: s.name, x, y })));
      const empty = !rows.some((r) => r.y !== null);
      const densest = Math.max(0, ...panel.series.map((s) => s.points.length));
      return {
        title: { text: panel.title, subtitle: empty ? "no data" : undefined },
        width: plotWidth,
        height: PANEL_HEIGHT,
        data: { values: rows },
        // Break the line at a null instead of joining its neighbours (and keep nulls out of the y domain).
        mark: { type: "line", point: densest * PIXELS_PER_POINT <= plotWidth, invalid: "break-paths-filter-domains", strokeWidth: 2 },
        encoding: {
          x: { field: "x", type: "quantitative", title: spec.xLabel, scale: { zero: false } },
          y: { field: "y", type: "quantitative", title: panel.yLabel, ...yScale(rows) },
          color: { field: "series", type: "nominal", title: null, scale: { domain: names, scheme: names.length > 10 ? "category20" : "tableau10" } },
        },
      };
    }),
    // One x axis to read all panels against; y scales apart since their units differ.
    resolve: { scale: { x: "shared", y: "independent", color: "shared" } },
    config: {
      font: FONT_FAMILY,
      legend: { orient: "top", labelFontSize: 13, symbolStrokeWidth: 3, labelLimit: 400, columns: 4 },
      title: { fontSize: 14 },
      axis: { labelFontSize: 11, titleFontSize: 12 },
      view: { stroke: "#ddd" },
    },
  };
}

/** A y scale for the panels Vega would give an empty domain, whose lone tick it labels "0.000000". */
function yScale(rows: ReadonlyArray<{ readonly y: number | null }>): { scale?: { domain: number[] }; axis?: { labels: false; ticks: false } } {
  if (!rows.some((r) => r.y !== null)) return { scale: { domain: [0, 1] }, axis: { labels: false, ticks: false } };
  // The scale starts at zero, so only an all-zero series collapses it (a delete-file count that maintenance keeps at 0).
  if (rows.every((r) => r.y === null || r.y === 0)) return { scale: { domain: [0, 1] } };
  return {};
}

/**
 * Vega and Vega-Lite are ES modules only, and Vega awaits at its top level, so the CommonJS this
 * project compiles to cannot require() them; and jest, which runs the tests in a VM, cannot
 * import() them without --experimental-vm-modules. A worker thread is plain Node in every case:
 * it imports both and hands back the SVG.
 */
const WORKER = `
const { parentPort, workerData } = require("worker_threads");
(async () => {
  const [vega, vegaLite] = await Promise.all([import(workerData.vega), import(workerData.vegaLite)]);
  const view = new vega.View(vega.parse(vegaLite.compile(workerData.spec).spec), { renderer: "none", logLevel: vega.Error });
  try {
    parentPort.postMessage({ svg: await view.toSVG() });
  } finally {
    view.finalize();
  }
})().catch((e) => parentPort.postMessage({ error: (e && e.message) || String(e) }));
`;

type WorkerReply = { readonly svg: string } | { readonly error: string };

function vegaLiteToSvg(spec: TopLevelSpec): Promise<string> {
  const workerData = { spec, vega: pathToFileURL(require.resolve("vega")).href, vegaLite: pathToFileURL(require.resolve("vega-lite")).href };
  return new Promise((resolve, reject) => {
    const worker = new Worker(WORKER, { eval: true, workerData });
    let settled = false;
    const settle = (f: () => void): void => {
      if (settled) return;
      settled = true;
      f();
      void worker.terminate();
    };
    worker.once("message", (reply: WorkerReply) => settle(() => ("svg" in reply ? resolve(reply.svg) : reject(new Error(`chart: Vega could not render the spec: ${reply.error}`)))));
    worker.once("error", (err) => settle(() => reject(err)));
    worker.once("exit", (code) => settle(() => reject(new Error(`chart: the Vega worker exited (code ${code}) without an SVG`))));
  });
}

let fonts: ResvgRenderOptions["font"] | undefined;

/**
 * The system's fonts plus Debian's by path. Without any font resvg silently drops every text
 * (titles, axes, legend), so that case is found once, with a probe, and reported as a warning
 * rather than an error: the lines alone still show a trend.
 */
function resvgOptions(): ResvgRenderOptions {
  if (!fonts) {
    fonts = { loadSystemFonts: true, fontFiles: FONT_FILES.filter((f) => existsSync(f)), defaultFontFamily: "DejaVu Sans", sansSerifFamily: "DejaVu Sans" };
    if (!drawsText(fonts)) process.emitWarning(`chart: none of the fonts ${FONT_FAMILY} is installed, so the PNG has no text (on Debian: apt-get install fonts-dejavu-core)`);
  }
  return { font: fonts, background: "white", fitTo: { mode: "width", value: CHART_WIDTH } };
}

function drawsText(font: ResvgRenderOptions["font"]): boolean {
  const probe = `<svg xmlns="http://www.w3.org/2000/svg" width="40" height="20"><text x="2" y="16" font-family="${FONT_FAMILY}" font-size="16">Hg</text></svg>`;
  const { pixels } = new Resvg(probe, { font }).render();
  // RGBA on a transparent background: any opaque byte is a glyph.
  return pixels.some((v, i) => i % 4 === 3 && v !== 0);
}
