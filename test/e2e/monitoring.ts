import { chromium } from "playwright-core";
import { activeAlerts, AlertmanagerAlert } from "../../cli/status";
import { eventually } from "./clients";

/** `labels` with an undefined value match an alert without that label. */
const matches = (alert: AlertmanagerAlert, name: string, labels: Record<string, string | undefined>) =>
  alert.labels.alertname === name && Object.entries(labels).every(([k, v]) => alert.labels[k] === v);

/** Seconds from `since` until Alertmanager holds alert `name` with `labels`; fails after `timeoutMs`. */
export async function secondsUntilFiring(alertmanagerUrl: string, name: string, labels: Record<string, string | undefined>, since: number, timeoutMs: number): Promise<number> {
  await eventually(
    `alert ${name} ${JSON.stringify(labels)} in Alertmanager`,
    timeoutMs,
    async () => ((await activeAlerts(alertmanagerUrl)).some((a) => matches(a, name, labels)) ? true : undefined),
    () => "",
  );
  return Math.round((Date.now() - since) / 1000);
}

/** Seconds from `since` until Alertmanager no longer holds alert `name` with `labels` as active. */
export async function secondsUntilResolved(alertmanagerUrl: string, name: string, labels: Record<string, string | undefined>, since: number, timeoutMs: number): Promise<number> {
  await eventually(`alert ${name} ${JSON.stringify(labels)} to resolve`, timeoutMs, async () => ((await activeAlerts(alertmanagerUrl)).some((a) => matches(a, name, labels)) ? undefined : true));
  return Math.round((Date.now() - since) / 1000);
}

/**
 * Opens Prometheus's alerts page in headless Chromium (scripts/browser.sh), saves a full-page
 * screenshot, and returns the page's text, so the caller can check what it shows.
 */
export async function screenshotAlertsPage(prometheusUrl: string, outFile: string): Promise<string> {
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium", args: ["--no-sandbox"] });
  try {
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    await page.goto(`${prometheusUrl}/classic/alerts`, { waitUntil: "networkidle", timeout: 60_000 });
    const text = await page.innerText("body");
    await page.screenshot({ path: outFile, fullPage: true });
    return text;
  } finally {
    await browser.close();
  }
}
