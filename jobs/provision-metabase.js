// @ts-check
"use strict";
/**
 * Provisions Metabase as code, idempotently, through its REST API (the v0.56 endpoints recorded,
 * with their upstream sources, in test/fixtures/metabase-api-v0.56.json): first-run setup (or
 * login), the Trino database connection (the bundled Starburst driver, engine "starburst"), one
 * native-query card per dashboard query, and the dashboard laid out with those cards. Re-running
 * updates the connection and cards in place and re-lays the dashboard, keeping its dashcards.
 *
 * Env: MB_URL, MB_ADMIN_EMAIL, MB_ADMIN_PASSWORD, DASHBOARD_FILE (JSON: {database, dashboard, cards}),
 * TIMEOUT_SECONDS.
 */
const fs = require("fs");
const { env, http, log, until, run, HttpError } = require("./lib");

/**
 * @typedef {{ name: string, query: string, display: string }} CardSpec
 * @typedef {{ database: { name: string, host: string, port: number, catalog: string, user: string, caFile?: string },
 *   dashboard: string, cards: CardSpec[] }} DashboardSpec
 * @typedef {{ id: number, card_id?: number | null }} DashCard
 */

/** Metabase's dashboard grid is 24 columns wide; two cards per row. */
const CARD_WIDTH = 12;
const CARD_HEIGHT = 8;

/**
 * @param {{ url: string, email: string, password: string, spec: DashboardSpec, timeoutMs?: number }} input
 * @returns {Promise<{ databaseId: number, cardIds: number[], dashboardId: number }>}
 */
async function provisionMetabase(input) {
  /** @type {string[]} */
  const secrets = [input.password];
  try {
    return await provision(input, secrets);
  } catch (err) {
    // Nothing secret may reach the log: an answer body could, in principle, echo what was sent.
    const message = err instanceof Error ? err.message : String(err);
    const redacted = secrets.filter((s) => s.length > 0).reduce((m, s) => m.split(s).join("***"), message);
    // No `cause`: the original error carries the unredacted message, and a logger printing causes would leak it.
    // eslint-disable-next-line preserve-caught-error
    throw new Error(redacted);
  }
}

/**
 * @param {{ url: string, email: string, password: string, spec: DashboardSpec, timeoutMs?: number }} input
 * @param {string[]} secrets values to keep out of errors; the session id is added once known
 */
async function provision({ url, email, password, spec, timeoutMs = 600_000 }, secrets) {
  // GET /api/health: 200 {status: "ok"} once initialised, 503 before (retried).
  await until(
    "Metabase to report healthy",
    async () => {
      const health = await http("GET", `${url}/api/health`);
      return health?.status === "ok" ? health : undefined;
    },
    { timeoutMs },
  );

  // Public settings: setup-token and has-user-setup are readable before anyone logs in.
  const properties = await http("GET", `${url}/api/session/properties`);
  /** @type {{ id: string }} */
  let session;
  if (properties["setup-token"] && properties["has-user-setup"] !== true) {
    log("first run: creating the admin user");
    // POST /api/setup requires token, user {email, password} and prefs {site_name}.
    session = await http("POST", `${url}/api/setup`, {
      token: properties["setup-token"],
      user: { email, password, first_name: "Lakehouse", last_name: "Admin" },
      prefs: { site_name: "Lakehouse", site_locale: "en" },
    });
  } else {
    try {
      session = await http("POST", `${url}/api/session`, { username: email, password });
    } catch (err) {
      if (err instanceof HttpError && (err.status === 401 || err.status === 400)) {
        throw new Error(
          `Metabase refused the admin login of ${email} (HTTP ${err.status}): MB_ADMIN_PASSWORD is not this admin's password, or logins are throttled after failures. Metabase said: ${err.body.slice(0, 500)}`,
          { cause: err },
        );
      }
      throw err;
    }
  }
  if (typeof session?.id !== "string" || session.id === "") throw new Error("Metabase answered the login without a session id");
  secrets.push(session.id);
  /** @type {Record<string, string>} */
  const auth = { "X-Metabase-Session": session.id };
  /** @param {string} method @param {string} path @param {unknown} [body] */
  const api = (method, path, body) => http(method, `${url}${path}`, body, auth);

  // The Trino connection through the Starburst driver (details: host, port, catalog, user, ssl).
  // With `caFile` Trino authenticates: TLS, the user's password (TRINO_PASSWORD), and the JDBC
  // driver's trust store, which may be a PEM file (a path inside Metabase's container).
  const databases = await api("GET", "/api/database");
  const list = Array.isArray(databases) ? databases : databases.data;
  const { host, port, catalog, user, caFile } = spec.database;
  const details = caFile ? { host, port, catalog, user, ssl: true, password: env("TRINO_PASSWORD"), "additional-options": `SSLTrustStorePath=${caFile}` } : { host, port, catalog, user, ssl: false };
  const existingDb = list.find((/** @type {{name: string}} */ d) => d.name === spec.database.name);
  // Both calls test the connection first and answer 400 {message} if Trino cannot be reached.
  const database = existingDb
    ? await api("PUT", `/api/database/${existingDb.id}`, { engine: "starburst", details })
    : await api("POST", "/api/database", { engine: "starburst", name: spec.database.name, details, is_full_sync: true });
  log(`database '${spec.database.name}' is ${database.id}`);

  // GET /api/card?f=all lists the cards that are not archived.
  const cards = await api("GET", "/api/card?f=all");
  /** @type {number[]} */
  const cardIds = [];
  for (const card of spec.cards) {
    const body = {
      name: card.name,
      display: card.display,
      visualization_settings: {},
      dataset_query: { database: database.id, type: "native", native: { query: card.query } },
    };
    const existing = cards.find((/** @type {{name: string, archived: boolean}} */ c) => c.name === card.name && !c.archived);
    const saved = existing ? await api("PUT", `/api/card/${existing.id}`, body) : await api("POST", "/api/card", body);
    cardIds.push(saved.id);
    log(`card '${card.name}' is ${saved.id}`);
  }

  // GET /api/dashboard excludes archived dashboards (deprecated upstream, present in v0.56).
  const dashboards = await api("GET", "/api/dashboard");
  const found = dashboards.find((/** @type {{name: string, archived: boolean}} */ d) => d.name === spec.dashboard && !d.archived);
  const dashboard = found ? await api("GET", `/api/dashboard/${found.id}`) : await api("POST", "/api/dashboard", { name: spec.dashboard });
  // PUT /api/dashboard/:id with `dashcards` replaces the layout: an existing dashcard id updates that
  // dashcard, a negative id creates one, and dashcards left out are deleted. Reusing the ids of the
  // dashcards already showing our cards keeps a re-run from deleting and re-creating them.
  /** @type {Map<number, number>} */
  const dashcardOfCard = new Map();
  for (const dc of /** @type {DashCard[]} */ (dashboard.dashcards ?? [])) {
    if (typeof dc.card_id === "number" && !dashcardOfCard.has(dc.card_id)) dashcardOfCard.set(dc.card_id, dc.id);
  }
  const dashcards = cardIds.map((cardId, i) => ({
    id: dashcardOfCard.get(cardId) ?? -(i + 1),
    card_id: cardId,
    row: Math.floor(i / 2) * CARD_HEIGHT,
    col: (i % 2) * CARD_WIDTH,
    size_x: CARD_WIDTH,
    size_y: CARD_HEIGHT,
    parameter_mappings: [],
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
      timeoutMs: Number(env("TIMEOUT_SECONDS")) * 1000,
    });
  });
}

module.exports = { provisionMetabase };
