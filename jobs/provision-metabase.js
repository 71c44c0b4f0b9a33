// @ts-check
"use strict";
/**
 * Provisions Metabase as code, idempotently, through its documented REST API:
 * first-run setup (or login), the Trino database connection (the bundled Starburst driver,
 * engine "starburst"), one native-query card per dashboard query, and the dashboard laid out
 * with those cards. Re-running updates cards in place and re-lays the dashboard.
 *
 * Env: MB_URL, MB_ADMIN_EMAIL, MB_ADMIN_PASSWORD, DASHBOARD_FILE (JSON: {database, dashboard, cards}),
 * TIMEOUT_SECONDS.
 */
const fs = require("fs");
const { env, http, log, until, run } = require("./lib");

/**
 * @typedef {{ name: string, query: string, display: string }} CardSpec
 * @typedef {{ database: { name: string, host: string, port: number, catalog: string, user: string },
 *   dashboard: string, cards: CardSpec[] }} DashboardSpec
 */

/**
 * @param {{ url: string, email: string, password: string, spec: DashboardSpec, timeoutMs?: number }} input
 * @returns {Promise<{ databaseId: number, cardIds: number[], dashboardId: number }>}
 */
async function provisionMetabase({ url, email, password, spec, timeoutMs = 600_000 }) {
  await until("Metabase to report healthy", async () => {
    const health = await http("GET", `${url}/api/health`);
    return health?.status === "ok" ? health : undefined;
  }, { timeoutMs });

  const properties = await http("GET", `${url}/api/session/properties`);
  let session;
  if (properties["setup-token"] && !properties["has-user-setup"]) {
    log("first run: creating the admin user");
    session = await http("POST", `${url}/api/setup`, {
      token: properties["setup-token"],
      user: { email, password, first_name: "Lakehouse", last_name: "Admin", site_name: "Lakehouse" },
      prefs: { site_name: "Lakehouse", site_locale: "en", allow_tracking: false },
    });
  } else {
    session = await http("POST", `${url}/api/session`, { username: email, password });
  }
  /** @type {Record<string, string>} */
  const auth = { "X-Metabase-Session": session.id };
  /** @param {string} method @param {string} path @param {unknown} [body] */
  const api = (method, path, body) => http(method, `${url}${path}`, body, auth);

  const databases = await api("GET", "/api/database");
  const list = Array.isArray(databases) ? databases : databases.data;
  const details = { host: spec.database.host, port: spec.database.port, catalog: spec.database.catalog, user: spec.database.user, ssl: false };
  let database = list.find((/** @type {{name: string}} */ d) => d.name === spec.database.name);
  if (database) {
    database = await api("PUT", `/api/database/${database.id}`, { engine: "starburst", details });
  } else {
    database = await api("POST", "/api/database", { engine: "starburst", name: spec.database.name, details, is_full_sync: true });
  }
  log(`database '${spec.database.name}' is ${database.id}`);

  const cards = await api("GET", "/api/card?f=all");
  /** @type {number[]} */
  const cardIds = [];
  for (const card of spec.cards) {
    const body = {
      name: card.name,
      display: card.display,
      visualization_settings: {},
      dataset_query: { type: "native", native: { query: card.query }, database: database.id },
    };
    const existing = cards.find((/** @type {{name: string, archived: boolean}} */ c) => c.name === card.name && !c.archived);
    const saved = existing ? await api("PUT", `/api/card/${existing.id}`, body) : await api("POST", "/api/card", body);
    cardIds.push(saved.id);
    log(`card '${card.name}' is ${saved.id}`);
  }

  const dashboards = await api("GET", "/api/dashboard");
  let dashboard = dashboards.find((/** @type {{name: string, archived: boolean}} */ d) => d.name === spec.dashboard && !d.archived);
  if (!dashboard) dashboard = await api("POST", "/api/dashboard", { name: spec.dashboard });
  // Two cards per row, each half of Metabase's 24-column grid; negative ids create new dashcards.
  const dashcards = cardIds.map((cardId, i) => ({
    id: -(i + 1),
    card_id: cardId,
    row: Math.floor(i / 2) * 8,
    col: (i % 2) * 12,
    size_x: 12,
    size_y: 8,
    parameter_mappings: [],
    visualization_settings: {},
  }));
  await api("PUT", `/api/dashboard/${dashboard.id}`, { dashcards });
  log(`dashboard '${spec.dashboard}' is ${dashboard.id} with ${dashcards.length} cards`);
  return { databaseId: database.id, cardIds, dashboardId: dashboard.id };
}

if (require.main === module) {
  run(async () => {
    await provisionMetabase({
      url: env("MB_URL"),
      email: env("MB_ADMIN_EMAIL"),
      password: env("MB_ADMIN_PASSWORD"),
      spec: JSON.parse(fs.readFileSync(env("DASHBOARD_FILE"), "utf8")),
      timeoutMs: Number(process.env.TIMEOUT_SECONDS ?? "600") * 1000,
    });
  });
}

module.exports = { provisionMetabase };
