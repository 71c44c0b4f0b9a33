// @ts-check
"use strict";
/**
 * Provisions Apache Superset as code, idempotently, through its REST API (/api/v1):
 * the Trino database connection, one physical dataset per mart table, one chart per spec entry,
 * and the dashboard laying those charts out. Everything is looked up by name first and updated in
 * place, so re-running creates nothing new.
 *
 * Auth: POST /api/v1/security/login (provider "db") gives a bearer token; Superset's own APIs
 * keep CSRF protection on, so the job also fetches /api/v1/security/csrf_token/ and sends it as
 * X-CSRFToken together with the session cookie that call set.
 *
 * Env: SUPERSET_URL, SUPERSET_ADMIN_USERNAME, SUPERSET_ADMIN_PASSWORD, DASHBOARD_FILE (JSON, see
 * SupersetDashboardSpec), TIMEOUT_SECONDS (how long to wait for /health).
 */
const fs = require("fs");
const { env, log, until, run, HttpError, FatalError } = require("./lib");

/**
 * A chart of the dashboard, on one mart table.
 * - `viz: "bar"`: bars per `x` (a date column, by day), height = `metric`, one series per
 *   distinct value of `series` (optional).
 * - `viz: "line"`: a line of `metric` over `x` (by day), optionally one per `series`.
 * - `viz: "table"`: the raw rows, `columns` (default: all), ordered by `orderBy` (ascending).
 *   A column is a name or `{ label, sql }`, an expression shown under `label`: e.g. a DECIMAL
 *   cast to varchar, which the browser shows exactly instead of as a JavaScript number.
 * @typedef {{ label: string, sql: string }} SqlColumn
 * @typedef {{
 *   name: string,
 *   table: string,
 *   viz: "bar" | "line" | "table",
 *   x?: string,
 *   metric?: { column: string, aggregate?: "SUM" | "MAX" | "MIN" | "AVG" | "COUNT", label?: string },
 *   series?: string,
 *   columns?: (string | SqlColumn)[],
 *   orderBy?: string,
 *   rowLimit?: number,
 * }} ChartSpec
 *
 * The DASHBOARD_FILE. `database` is the Trino coordinator as Superset's server reaches it; the
 * connection is `trino://<user>@<host>:<port>/<catalog>`. With `caFile` Trino authenticates: the
 * URI carries the user's password (TRINO_PASSWORD, which Superset stores encrypted) and Superset
 * connects over HTTPS trusting that CA certificate (a path inside Superset's container).
 * `schema` is the schema (Iceberg namespace) of the mart tables inside that catalog.
 * @typedef {{
 *   database: { name: string, host: string, port: number, catalog: string, user: string, caFile?: string },
 *   schema: string,
 *   dashboard: string,
 *   charts: ChartSpec[],
 * }} SupersetDashboardSpec
 *
 * @typedef {{ databaseId: number, datasetIds: Record<string, number>, chartIds: number[],
 *   dashboardId: number, created: string[], updated: string[] }} ProvisionResult
 */

/**
 * Rison, the query-string encoding of Superset's list endpoints (`?q=(filters:!(...))`).
 * @param {unknown} value @returns {string}
 */
function rison(value) {
  if (value === null || value === undefined) return "!n";
  if (value === true) return "!t";
  if (value === false) return "!f";
  if (typeof value === "number") return String(value);
  if (Array.isArray(value)) return `!(${value.map(rison).join(",")})`;
  if (typeof value === "object") {
    return `(${Object.entries(value)
      .map(([k, v]) => `${risonString(k)}:${rison(v)}`)
      .join(",")})`;
  }
  return risonString(String(value));
}
/** @param {string} s */
function risonString(s) {
  if (/^[A-Za-z_./~][A-Za-z0-9_./~-]*$/.test(s)) return s;
  return `'${s.replace(/!/g, "!!").replace(/'/g, "!'")}'`;
}

/** Superset's viz_type for each ChartSpec.viz. */
const VIZ_TYPES = { bar: "echarts_timeseries_bar", line: "echarts_timeseries_line", table: "table" };

/**
 * The chart's form data (Superset stores it as the JSON string `params`).
 * @param {ChartSpec} chart @param {number} datasetId @returns {Record<string, unknown>}
 */
function chartParams(chart, datasetId) {
  const common = { datasource: `${datasetId}__table`, viz_type: VIZ_TYPES[chart.viz], adhoc_filters: [] };
  if (chart.viz === "table") {
    return {
      ...common,
      query_mode: "raw",
      all_columns: (chart.columns ?? []).map((c) => (typeof c === "string" ? c : { label: c.label, sqlExpression: c.sql, expressionType: "SQL" })),
      order_by_cols: chart.orderBy ? [JSON.stringify([chart.orderBy, true])] : [],
      row_limit: chart.rowLimit ?? 1000,
      server_pagination: false,
      table_timestamp_format: "smart_date",
    };
  }
  if (!chart.metric) throw new FatalError(`chart '${chart.name}': viz '${chart.viz}' needs a metric`);
  const aggregate = chart.metric.aggregate ?? "SUM";
  const label = chart.metric.label ?? chart.metric.column;
  return {
    ...common,
    x_axis: chart.x ?? "day",
    time_grain_sqla: "P1D",
    x_axis_sort_asc: true,
    metrics: [
      {
        expressionType: "SIMPLE",
        column: { column_name: chart.metric.column },
        aggregate,
        label,
        hasCustomLabel: true,
        optionName: `metric_${chart.metric.column}_${aggregate.toLowerCase()}`,
      },
    ],
    groupby: chart.series ? [chart.series] : [],
    row_limit: chart.rowLimit ?? 10000,
    order_desc: true,
    show_legend: true,
    legendType: "scroll",
    legendOrientation: "top",
    rich_tooltip: true,
    y_axis_format: "SMART_NUMBER",
    truncateYAxis: false,
    ...(chart.viz === "bar" ? { orientation: "vertical", stack: chart.series ? "Stack" : null } : { markerEnabled: true }),
  };
}

/**
 * Superset's dashboard layout (position_json, "v2"): the charts two per row on the 12-column
 * grid, a chart alone on its row spanning the full width.
 * @param {string} title @param {{ id: number, name: string }[]} charts
 */
function dashboardPosition(title, charts) {
  /** @type {Record<string, any>} */
  const position = {
    DASHBOARD_VERSION_KEY: "v2",
    ROOT_ID: { type: "ROOT", id: "ROOT_ID", children: ["GRID_ID"] },
    GRID_ID: { type: "GRID", id: "GRID_ID", children: [], parents: ["ROOT_ID"] },
    HEADER_ID: { type: "HEADER", id: "HEADER_ID", meta: { text: title } },
  };
  for (let i = 0; i < charts.length; i += 2) {
    const row = charts.slice(i, i + 2);
    const rowId = `ROW-${i / 2 + 1}`;
    position.GRID_ID.children.push(rowId);
    position[rowId] = {
      type: "ROW",
      id: rowId,
      children: [],
      parents: ["ROOT_ID", "GRID_ID"],
      meta: { background: "BACKGROUND_TRANSPARENT" },
    };
    for (const chart of row) {
      const chartKey = `CHART-${chart.id}`;
      position[rowId].children.push(chartKey);
      position[chartKey] = {
        type: "CHART",
        id: chartKey,
        children: [],
        parents: ["ROOT_ID", "GRID_ID", rowId],
        meta: { chartId: chart.id, sliceName: chart.name, width: row.length === 1 ? 12 : 6, height: 50 },
      };
    }
  }
  return position;
}

/**
 * What a run created and updated, in order, as the job's result reports it.
 * @typedef {{ created: string[], updated: string[] }} Ledger
 *
 * Superset's REST API with a logged-in session.
 * @typedef {{
 *   url: string,
 *   call: (method: string, path: string, body?: unknown) => Promise<any>,
 *   findOne: (resource: string, filters: { col: string, value: string | number, opr?: string }[], exact: (o: any) => boolean) => Promise<any>,
 * }} SupersetApi
 */

/** @param {SupersetDashboardSpec} spec */
function checkSpec(spec) {
  for (const chart of spec.charts) {
    if (!(chart.viz in VIZ_TYPES)) throw new FatalError(`chart '${chart.name}': viz must be one of ${Object.keys(VIZ_TYPES).join(", ")} (got '${chart.viz}')`);
  }
}

/** @param {string} url @param {number} timeoutMs */
async function waitForHealth(url, timeoutMs) {
  await until(
    "Superset to answer /health",
    async () => {
      const res = await fetch(`${url}/health`, { signal: AbortSignal.timeout(10_000) });
      return res.ok ? true : undefined;
    },
    { timeoutMs },
  );
}

/**
 * Logs in (bearer token), then fetches the CSRF token that Superset's APIs demand together with
 * the session cookie that call set; every later call sends all three.
 * @param {string} url @param {string} username @param {string} password
 * @returns {Promise<SupersetApi>}
 */
async function login(url, username, password) {
  /** @type {Record<string, string>} */
  const headers = {};
  /** @type {SupersetApi["call"]} */
  const call = async (method, path, body) => {
    const res = await fetch(`${url}${path}`, {
      method,
      headers: { accept: "application/json", referer: `${url}/`, ...(body === undefined ? {} : { "content-type": "application/json" }), ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(120_000),
    });
    const text = await res.text();
    if (!res.ok) throw new HttpError(method, `${url}${path}`, res.status, text);
    const cookies = res.headers.getSetCookie?.() ?? [];
    const session = cookies.map((c) => c.split(";")[0]).find((c) => c.startsWith("session="));
    if (session) headers.cookie = session;
    return text === "" ? undefined : JSON.parse(text);
  };
  /**
   * The one object of a list endpoint that `exact` accepts (filters first, then the exact check;
   * the lowest id wins).
   * @type {SupersetApi["findOne"]}
   */
  const findOne = async (resource, filters, exact) => {
    const q = rison({ filters: filters.map((f) => ({ col: f.col, opr: f.opr ?? "eq", value: f.value })), page: 0, page_size: 100 });
    const list = await call("GET", `/api/v1/${resource}/?q=${encodeURIComponent(q)}`);
    return (list.result ?? []).filter(exact).sort((/** @type {any} */ a, /** @type {any} */ b) => a.id - b.id)[0];
  };
  const session = await call("POST", "/api/v1/security/login", { username, password, provider: "db", refresh: false });
  headers.authorization = `Bearer ${session.access_token}`;
  const csrf = await call("GET", "/api/v1/security/csrf_token/");
  headers["x-csrftoken"] = csrf.result;
  log(`logged in to ${url} as '${username}'`);
  return { url, call, findOne };
}

/**
 * With `caFile`: the URI with the user's password (Trino's SQLAlchemy dialect then logs in over
 * HTTPS) and the CA certificate the connection trusts. The logged URI stays the one without it.
 * @param {SupersetDashboardSpec["database"]} db @returns {{ sqlalchemy_uri: string, extra: string } | {}}
 */
function authenticated(db) {
  if (!db.caFile) return {};
  const password = env("TRINO_PASSWORD");
  return {
    sqlalchemy_uri: `trino://${encodeURIComponent(db.user)}:${encodeURIComponent(password)}@${db.host}:${db.port}/${encodeURIComponent(db.catalog)}`,
    extra: JSON.stringify({ engine_params: { connect_args: { http_scheme: "https", verify: db.caFile } } }),
  };
}

/**
 * The Trino connection, created or updated in place.
 * @param {SupersetApi} api @param {SupersetDashboardSpec["database"]} db @param {Ledger} ledger
 * @returns {Promise<number>} its id
 */
async function upsertDatabase(api, db, ledger) {
  const sqlalchemyUri = `trino://${encodeURIComponent(db.user)}@${db.host}:${db.port}/${encodeURIComponent(db.catalog)}`;
  const body = { database_name: db.name, sqlalchemy_uri: sqlalchemyUri, expose_in_sqllab: true, allow_run_async: false, allow_ctas: false, allow_cvas: false, allow_dml: false, ...authenticated(db) };
  const existing = await api.findOne("database", [{ col: "database_name", value: db.name }], (d) => d.database_name === db.name);
  if (existing) {
    await api.call("PUT", `/api/v1/database/${existing.id}`, body);
    ledger.updated.push(`database '${db.name}' (${existing.id})`);
    log(`updated database '${db.name}' (${existing.id}): ${sqlalchemyUri}`);
    return existing.id;
  }
  const id = (await api.call("POST", "/api/v1/database/", body)).id;
  ledger.created.push(`database '${db.name}' (${id})`);
  log(`created database '${db.name}' (${id}): ${sqlalchemyUri}`);
  return id;
}

/**
 * One physical dataset per table the charts use; an existing one gets its columns refreshed
 * from Trino.
 * @param {SupersetApi} api @param {SupersetDashboardSpec} spec @param {number} databaseId @param {Ledger} ledger
 * @returns {Promise<Record<string, number>>} dataset id by table
 */
async function upsertDatasets(api, spec, databaseId, ledger) {
  /** @type {Record<string, number>} */
  const datasetIds = {};
  for (const table of [...new Set(spec.charts.map((c) => c.table))]) {
    const existing = await api.findOne(
      "dataset",
      [
        { col: "table_name", value: table },
        { col: "schema", value: spec.schema },
        { col: "database", opr: "rel_o_m", value: databaseId },
      ],
      (d) => d.table_name === table && d.schema === spec.schema && (d.database?.id ?? databaseId) === databaseId,
    );
    if (existing) {
      datasetIds[table] = existing.id;
      await api.call("PUT", `/api/v1/dataset/${existing.id}/refresh`);
      ledger.updated.push(`dataset ${spec.schema}.${table} (${existing.id})`);
      log(`refreshed dataset ${spec.schema}.${table} (${existing.id})`);
    } else {
      datasetIds[table] = (await api.call("POST", "/api/v1/dataset/", { database: databaseId, schema: spec.schema, table_name: table })).id;
      ledger.created.push(`dataset ${spec.schema}.${table} (${datasetIds[table]})`);
      log(`created dataset ${spec.schema}.${table} (${datasetIds[table]})`);
    }
  }
  return datasetIds;
}

/**
 * The dashboard, created empty if missing: charts name it in `dashboards`, and it is laid out
 * once their ids are known ({@link layOutDashboard}).
 * @param {SupersetApi} api @param {string} title @param {Ledger} ledger
 * @returns {Promise<{ id: number, existed: boolean }>}
 */
async function ensureDashboard(api, title, ledger) {
  const existing = await api.findOne("dashboard", [{ col: "dashboard_title", value: title }], (d) => d.dashboard_title === title);
  if (existing) return { id: existing.id, existed: true };
  const id = (await api.call("POST", "/api/v1/dashboard/", { dashboard_title: title, published: true })).id;
  ledger.created.push(`dashboard '${title}' (${id})`);
  log(`created dashboard '${title}' (${id})`);
  return { id, existed: false };
}

/**
 * One chart per spec entry, on the dashboard; an existing chart is updated in place and keeps
 * any other dashboard it was added to by hand.
 * @param {SupersetApi} api @param {SupersetDashboardSpec} spec @param {Record<string, number>} datasetIds
 * @param {number} dashboardId @param {Ledger} ledger
 * @returns {Promise<number[]>} chart ids, in spec order
 */
async function upsertCharts(api, spec, datasetIds, dashboardId, ledger) {
  /** @type {number[]} */
  const chartIds = [];
  for (const chart of spec.charts) {
    const datasetId = datasetIds[chart.table];
    const body = {
      slice_name: chart.name,
      viz_type: VIZ_TYPES[chart.viz],
      datasource_id: datasetId,
      datasource_type: "table",
      params: JSON.stringify(chartParams(chart, datasetId)),
      dashboards: [dashboardId],
    };
    const existing = await api.findOne("chart", [{ col: "slice_name", value: chart.name }], (c) => c.slice_name === chart.name);
    if (existing) {
      const current = await api.call("GET", `/api/v1/chart/${existing.id}`);
      const others = (current.result?.dashboards ?? []).map((/** @type {{id: number}} */ d) => d.id);
      body.dashboards = [...new Set([dashboardId, ...others])];
      await api.call("PUT", `/api/v1/chart/${existing.id}`, body);
      chartIds.push(existing.id);
      ledger.updated.push(`chart '${chart.name}' (${existing.id})`);
      log(`updated chart '${chart.name}' (${existing.id}): ${body.viz_type} on ${spec.schema}.${chart.table}`);
    } else {
      const id = (await api.call("POST", "/api/v1/chart/", body)).id;
      chartIds.push(id);
      ledger.created.push(`chart '${chart.name}' (${id})`);
      log(`created chart '${chart.name}' (${id}): ${body.viz_type} on ${spec.schema}.${chart.table}`);
    }
  }
  return chartIds;
}

/**
 * Lays the charts out on the dashboard (two per row, in spec order).
 * @param {SupersetApi} api @param {SupersetDashboardSpec} spec @param {{ id: number, existed: boolean }} dashboard
 * @param {number[]} chartIds @param {Ledger} ledger
 */
async function layOutDashboard(api, spec, dashboard, chartIds, ledger) {
  const position = dashboardPosition(
    spec.dashboard,
    spec.charts.map((c, i) => ({ id: chartIds[i], name: c.name })),
  );
  await api.call("PUT", `/api/v1/dashboard/${dashboard.id}`, { dashboard_title: spec.dashboard, published: true, position_json: JSON.stringify(position) });
  if (dashboard.existed) ledger.updated.push(`dashboard '${spec.dashboard}' (${dashboard.id})`);
  log(`dashboard '${spec.dashboard}' (${dashboard.id}) lays out charts ${chartIds.join(", ")}`);
}

/**
 * Database, datasets, dashboard, charts, layout: each step looks its objects up by name first.
 * @param {{ url: string, username: string, password: string, spec: SupersetDashboardSpec, timeoutMs?: number }} input
 * @returns {Promise<ProvisionResult>}
 */
async function provisionSuperset({ url, username, password, spec, timeoutMs = 600_000 }) {
  checkSpec(spec);
  const base = url.replace(/\/+$/, "");
  await waitForHealth(base, timeoutMs);
  const api = await login(base, username, password);
  /** @type {Ledger} */
  const ledger = { created: [], updated: [] };
  const databaseId = await upsertDatabase(api, spec.database, ledger);
  const datasetIds = await upsertDatasets(api, spec, databaseId, ledger);
  const dashboard = await ensureDashboard(api, spec.dashboard, ledger);
  const chartIds = await upsertCharts(api, spec, datasetIds, dashboard.id, ledger);
  await layOutDashboard(api, spec, dashboard, chartIds, ledger);
  log(`done: ${ledger.created.length} created, ${ledger.updated.length} updated`);
  return { databaseId, datasetIds, chartIds, dashboardId: dashboard.id, ...ledger };
}

if (require.main === module) {
  run(async () => {
    await provisionSuperset({
      url: env("SUPERSET_URL"),
      username: env("SUPERSET_ADMIN_USERNAME"),
      password: env("SUPERSET_ADMIN_PASSWORD"),
      spec: JSON.parse(fs.readFileSync(env("DASHBOARD_FILE"), "utf8")),
      timeoutMs: Number(env("TIMEOUT_SECONDS")) * 1000,
    });
  });
}

module.exports = { provisionSuperset, rison, chartParams, dashboardPosition };
