import { chromium, Page } from "playwright-core";

/** What the browser saw of one chart of the dashboard once it had rendered. */
export interface ChartFacts {
  /** The chart's name (its title on the dashboard). */
  readonly name: string;
  /** Superset's viz type, e.g. `echarts_timeseries_bar`, `table`. */
  readonly vizType: string;
  /** How it is drawn: an ECharts canvas, an SVG, or an HTML table. */
  readonly kind: "canvas" | "svg" | "table";
  /** Table charts: body rows shown; others: 0. */
  readonly rows: number;
  /**
   * Drawn marks: table rows; SVG shapes (path, rect, circle); for a canvas, the number of distinct
   * non-background colours painted (axes and labels are grey, so > 1 means data was drawn).
   */
  readonly marks: number;
  /** Canvas charts: pixels painted in a colour (not white, transparent or grey); others: 0. */
  readonly coloredPixels: number;
  /** Table charts: the text of each body cell, row by row, as the browser shows it; others: []. */
  readonly cells: string[][];
}

/** The result of {@link screenshotDashboard}. */
export interface DashboardScreenshot {
  /** Superset's id of the dashboard. */
  readonly dashboardId: number;
  /** The page that was captured. */
  readonly pageUrl: string;
  /** The PNG written. */
  readonly outFile: string;
  /** One entry per chart on the dashboard, in page order. */
  readonly charts: ChartFacts[];
}

/** Options of {@link screenshotDashboard}. */
export interface ScreenshotDashboardOptions {
  /** Superset's base URL, e.g. `http://127.0.0.1:18088`. */
  readonly url: string;
  /** A Superset user (logs in through the UI form). */
  readonly username: string;
  /** Its password. */
  readonly password: string;
  /** The dashboard's title (looked up by name). */
  readonly dashboard: string;
  /** Where to write the full-page PNG. */
  readonly outFile: string;
  /** Overall budget for login, loading and rendering. @default 180000 */
  readonly timeoutMs?: number;
  /** Chromium to drive. @default - env CHROMIUM, else /usr/bin/chromium (scripts/browser.sh) */
  readonly executablePath?: string;
  /** Browser window size. @default 1600 x 1300 */
  readonly viewport?: { width: number; height: number };
}

/**
 * Logs in to Superset through its login form with a headless Chromium (Debian's, driven by
 * playwright-core), opens the dashboard named `dashboard`, waits until every chart on it has
 * rendered with data (a canvas with coloured pixels, an SVG with shapes, or a table with rows; no
 * "No results", no error alert, no spinner), writes a full-page PNG to `outFile` and returns
 * what it saw of each chart. Fails with the charts' states when they do not all render in time.
 */
export async function screenshotDashboard(options: ScreenshotDashboardOptions): Promise<DashboardScreenshot> {
  const base = options.url.replace(/\/+$/, "");
  const timeoutMs = options.timeoutMs ?? 180_000;
  const deadline = Date.now() + timeoutMs;
  const browser = await chromium.launch({
    executablePath: options.executablePath ?? process.env.CHROMIUM ?? "/usr/bin/chromium",
    headless: true,
    args: ["--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"],
  });
  try {
    const context = await browser.newContext({ viewport: options.viewport ?? { width: 1600, height: 1300 }, locale: "en-US" });
    const page = await context.newPage();
    page.setDefaultTimeout(Math.min(60_000, timeoutMs));

    await login(page, base, options.username, options.password);

    // By name, with the browser's own session (a GET: no CSRF token needed).
    const q = `(filters:!((col:dashboard_title,opr:eq,value:'${options.dashboard.replace(/!/g, "!!").replace(/'/g, "!'")}')))`;
    const list = await page.request.get(`${base}/api/v1/dashboard/?q=${encodeURIComponent(q)}`);
    if (!list.ok()) throw new Error(`dashboard lookup answered ${list.status()}: ${(await list.text()).slice(0, 500)}`);
    const found = ((await list.json()).result ?? []).filter((d: { dashboard_title: string }) => d.dashboard_title === options.dashboard);
    if (found.length === 0) throw new Error(`no dashboard named '${options.dashboard}' in ${base}`);
    const dashboardId: number = found[0].id;

    const pageUrl = `${base}/superset/dashboard/${dashboardId}/?standalone=0`;
    await page.goto(pageUrl, { waitUntil: "domcontentloaded" });
    await page.waitForSelector("[data-test='dashboard-grid'], .grid-container", { timeout: Math.max(1_000, deadline - Date.now()) });

    // Until no chart is loading any more; then all must show data (a second look after a pause:
    // animations done, nothing re-rendering).
    let charts: ChartState[] = [];
    for (;;) {
      charts = await page.evaluate(inspectCharts);
      if (charts.length > 0 && charts.every((c) => c.state !== "loading")) {
        await page.waitForTimeout(1_500);
        charts = await page.evaluate(inspectCharts);
        if (charts.every((c) => c.state === "rendered")) break;
        if (charts.every((c) => c.state !== "loading")) throw new Error(`charts did not render with data: ${describe(charts)}`);
      }
      if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000}s waiting for the charts: ${describe(charts)}`);
      await page.waitForTimeout(1_000);
    }

    await page.screenshot({ path: options.outFile, fullPage: true });
    return {
      dashboardId,
      pageUrl,
      outFile: options.outFile,
      charts: charts.map(({ name, vizType, kind, rows, marks, coloredPixels, cells }) => ({ name, vizType, kind: kind ?? "canvas", rows, marks, coloredPixels, cells: cells ?? [] })),
    };
  } finally {
    await browser.close();
  }
}

/**
 * Logs in through the form. Once (CI, after a Dagster build) the form's redirect ended on the login
 * page again with no error shown and did not happen again in 8 tries by hand: up to three
 * attempts, each failure reported with the page's address and alert text.
 */
async function login(page: Page, base: string, username: string, password: string): Promise<void> {
  const attempts = 3;
  for (let attempt = 1; ; attempt++) {
    await page.goto(`${base}/login/`, { waitUntil: "domcontentloaded" });
    const user = page.locator("input[name='username'], input#username").first();
    await user.waitFor({ state: "visible" });
    await user.fill(username);
    await page.locator("input[name='password'], input#password").first().fill(password);
    try {
      await Promise.all([
        page.waitForURL((u) => !u.pathname.startsWith("/login"), { timeout: 30_000 }),
        page.locator("button[type='submit'], input[type='submit'], [data-test='login-button']").first().click(),
      ]);
      return;
    } catch (err) {
      const alerts = (
        await page
          .locator("[role='alert'], .alert")
          .allInnerTexts()
          .catch(() => [])
      )
        .map((t) => t.trim())
        .filter(Boolean);
      const seen = `ended on ${page.url()}${alerts.length ? `, saying: ${alerts.join(" / ")}` : ", no alert shown"} (${err instanceof Error ? err.message.split("\n")[0] : err})`;
      if (attempt === attempts) throw new Error(`Superset login as '${username}' failed ${attempts} times; the last ${seen}`, { cause: err });
      console.warn(`Superset login attempt ${attempt} ${seen}; trying again`);
    }
  }
}

function describe(charts: ChartState[]): string {
  if (charts.length === 0) return "no charts on the page";
  return charts.map((c) => `'${c.name}' ${c.state}${c.message ? ` (${c.message})` : ""}`).join("; ");
}

/** A chart's state as seen in the page (serialisable: it crosses from the browser). */
interface ChartState {
  name: string;
  vizType: string;
  state: "loading" | "rendered" | "empty" | "error";
  message?: string;
  kind?: "canvas" | "svg" | "table";
  rows: number;
  marks: number;
  coloredPixels: number;
  cells?: string[][];
}

/**
 * Runs in the page: every chart holder of the dashboard grid and what it shows. The page's DOM
 * types are not in this project's TypeScript libs, hence the `any`.
 */
function inspectCharts(): ChartState[] {
  const doc = (globalThis as any).document;
  const holders: any[] = Array.from(doc.querySelectorAll("[data-test='dashboard-component-chart-holder']"));
  return holders.map((holder): ChartState => {
    const component = holder.querySelector("[data-test='chart-grid-component']");
    const title = holder.querySelector("[data-test='editable-title']");
    const name = (component?.getAttribute("data-test-chart-name") ?? title?.textContent ?? "").trim();
    const vizType = component?.getAttribute("data-test-viz-type") ?? "";
    const base = { name, vizType, rows: 0, marks: 0, coloredPixels: 0 };
    const text = (holder.textContent ?? "") as string;
    const alert = holder.querySelector(".alert-danger, .ant-alert-error, [data-test='error-message'], [role='alert']");
    if (alert) return { ...base, state: "error", message: (alert.textContent ?? "").trim().slice(0, 200) };
    if (/No results( were returned)?/i.test(text) || holder.querySelector("[data-test='empty-state'], .ant-empty")) {
      return { ...base, state: "empty", message: "No results" };
    }
    if (holder.querySelector(".loading, [data-test='loading-indicator'], [aria-label='Loading']")) return { ...base, state: "loading" };

    // The table chart draws its header and its body as separate <table>s.
    if (holder.querySelector("table")) {
      const bodyRows: any[] = Array.from(holder.querySelectorAll("table tbody tr")).filter((tr: any) => tr.querySelector("td"));
      const cells = bodyRows.map((tr) => Array.from(tr.querySelectorAll("td")).map((td: any) => ((td.textContent ?? "") as string).trim()));
      return { ...base, kind: "table", rows: cells.length, marks: cells.length, cells, state: cells.length > 0 ? "rendered" : "loading" };
    }
    const canvases: any[] = Array.from(holder.querySelectorAll("canvas"));
    if (canvases.length > 0) {
      let colored = 0;
      const colors = new Set<string>();
      for (const canvas of canvases) {
        if (!canvas.width || !canvas.height) continue;
        const data = canvas.getContext("2d")?.getImageData(0, 0, canvas.width, canvas.height).data;
        if (!data) continue;
        for (let i = 0; i < data.length; i += 4) {
          const [r, g, b, a] = [data[i], data[i + 1], data[i + 2], data[i + 3]];
          if (a < 64) continue; // thin strokes (a one-point line's marker) are anti-aliased: low alpha
          const spread = Math.max(r, g, b) - Math.min(r, g, b);
          if (spread < 40) continue; // white, black and greys: background, axes, labels
          colored++;
          colors.add(`${r >> 4},${g >> 4},${b >> 4}`);
        }
      }
      return { ...base, kind: "canvas", coloredPixels: colored, marks: colors.size, state: colored > 0 ? "rendered" : "loading" };
    }
    const svg = holder.querySelector("svg.main-svg, .chart-container svg, svg[data-zr-dom-id]");
    if (svg) {
      const marks = svg.querySelectorAll("path, rect, circle").length;
      return { ...base, kind: "svg", marks, state: marks > 0 ? "rendered" : "loading" };
    }
    return { ...base, state: "loading" };
  });
}

/**
 * By hand: `SUPERSET_PASSWORD=... npx ts-node --transpile-only test/e2e/superset-dashboard.ts URL USER
 * DASHBOARD OUT.png [TIMEOUT_SECONDS]`; prints the facts as JSON, exits 1 when a chart does not render.
 */
if (require.main === module) {
  const [url, username, dashboard, outFile, timeout] = process.argv.slice(2);
  const timeoutMs = timeout ? Number(timeout) * 1000 : undefined;
  screenshotDashboard({ url, username, password: process.env.SUPERSET_PASSWORD ?? "", dashboard, outFile, timeoutMs }).then(
    (result) => console.log(JSON.stringify(result, null, 2)),
    (err) => {
      console.error(err instanceof Error ? err.message : err);
      process.exit(1);
    },
  );
}
