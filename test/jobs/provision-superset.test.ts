import * as http from "http";
import { AddressInfo } from "net";

// eslint-disable-next-line @typescript-eslint/no-require-imports -- jobs/*.js is plain CommonJS without type declarations (tsconfig has no allowJs), so an ES import would not type-check.
const { provisionSuperset, rison } = require("../../jobs/provision-superset.js");

const PASSWORD = "s3cret-Admin!pw";
const TOKEN = "jwt-access-token-xyz";
const CSRF = "csrf-token-abc";

/**
 * The provisioning job against a recorded contract of Superset 6.1's REST API: JWT login
 * (exempt from CSRF, like Flask-AppBuilder's security API), the CSRF token endpoint that sets the
 * session cookie, and Superset's own model APIs, which refuse a mutating call without the bearer
 * token, the X-CSRFToken header and that cookie (CSRF stays on). List endpoints return every
 * object (the job checks names itself); the rison `q` each one got is recorded. The job was also
 * run against a real Superset 6.1.0 (see images/README.md).
 */
class FakeSuperset {
  public readonly calls: string[] = [];
  public readonly queries: string[] = [];
  private nextId = 1;
  public readonly store: Record<string, any[]> = { database: [], dataset: [], chart: [], dashboard: [] };
  private server = http.createServer((req, res) => this.handle(req, res));

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }
  async stop(): Promise<void> {
    await new Promise((resolve) => this.server.close(resolve));
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    let raw = "";
    req.on("data", (c) => (raw += c));
    req.on("end", () => {
      const body = raw ? JSON.parse(raw) : undefined;
      const [path, query] = (req.url ?? "").split("?");
      const route = `${req.method} ${path}`;
      this.calls.push(route);
      const send = (status: number, data: unknown, headers: Record<string, string> = {}) => {
        res.writeHead(status, { "content-type": "application/json", ...headers });
        res.end(typeof data === "string" ? data : JSON.stringify(data));
      };
      if (route === "GET /health") return send(200, "OK");
      if (route === "POST /api/v1/security/login") {
        if (body.provider !== "db") return send(400, { message: "provider" });
        return body.username === "admin" && body.password === PASSWORD ? send(200, { access_token: TOKEN }) : send(401, { message: "Not authorized" });
      }
      if (req.headers.authorization !== `Bearer ${TOKEN}`) return send(401, { msg: "Missing Authorization Header" });
      if (route === "GET /api/v1/security/csrf_token/") return send(200, { result: CSRF }, { "set-cookie": "session=sess-1; HttpOnly; Path=/; SameSite=Lax" });
      if (req.method !== "GET" && (req.headers["x-csrftoken"] !== CSRF || !String(req.headers.cookie ?? "").includes("session=sess-1"))) {
        return send(400, "<p>The CSRF session token is missing.</p>");
      }
      const m = path.match(/^\/api\/v1\/(database|dataset|chart|dashboard)\/(?:(\d+)(\/refresh)?)?$/);
      if (!m) return send(404, { message: "Not found" });
      const [, kind, idText, refresh] = m;
      const items = this.store[kind];
      if (req.method === "GET" && !idText) {
        const q = new URLSearchParams(query).get("q") ?? "";
        this.queries.push(`${kind} ${q}`);
        return send(200, { count: items.length, result: items });
      }
      if (req.method === "POST" && !idText) {
        if (kind === "database" && !String(body.sqlalchemy_uri).startsWith("trino://")) return send(422, { message: "bad uri" });
        if (kind === "dataset" && (typeof body.database !== "number" || !body.schema || !body.table_name)) return send(422, { message: "bad dataset" });
        if (kind === "chart") {
          if (typeof body.datasource_id !== "number" || body.datasource_type !== "table") return send(422, { message: "bad chart" });
          JSON.parse(body.params);
        }
        const item = { id: this.nextId++, ...body, ...(kind === "dataset" ? { database: { id: body.database } } : {}) };
        items.push(item);
        return send(201, { id: item.id, result: body });
      }
      const item = items.find((i) => String(i.id) === idText);
      if (!item) return send(404, { message: "Not found" });
      if (req.method === "GET") {
        const dashboards = kind === "chart" ? (item.dashboards ?? []).map((id: number) => ({ id })) : undefined;
        return send(200, { id: item.id, result: { ...item, dashboards } });
      }
      if (req.method === "PUT" && refresh) return send(200, { message: "OK" });
      if (req.method === "PUT") {
        Object.assign(item, body);
        return send(200, { id: item.id, result: body });
      }
      return send(405, { message: "Method not allowed" });
    });
  }
}

const SPEC = {
  database: { name: "Lakehouse (Trino)", host: "trino", port: 8080, catalog: "iceberg", user: "superset" },
  schema: "analytics",
  dashboard: "Lakehouse CDC",
  charts: [
    { name: "Operations per day", table: "operations_per_day", viz: "bar", x: "day", metric: { column: "operations", aggregate: "SUM" }, series: "op" },
    { name: "User growth", table: "user_growth", viz: "line", x: "day", metric: { column: "total_users", aggregate: "MAX" } },
    {
      name: "Latest balance per account",
      table: "latest_balance_per_account",
      viz: "table",
      columns: ["account_id", "user_id", { label: "balance", sql: "CAST(balance AS varchar)" }, "currency"],
      orderBy: "account_id",
    },
  ],
};

describe("provision-superset job (recorded API contract)", () => {
  let fake: FakeSuperset;
  let url: string;
  let printed: string[];
  beforeEach(async () => {
    fake = new FakeSuperset();
    url = await fake.start();
    printed = [];
    const capture = (...parts: unknown[]) => void printed.push(parts.map(String).join(" "));
    jest.spyOn(console, "log").mockImplementation(capture);
    jest.spyOn(console, "error").mockImplementation(capture);
  });
  afterEach(async () => {
    jest.restoreAllMocks();
    await fake.stop();
  });
  const provision = (password = PASSWORD) => provisionSuperset({ url, username: "admin", password, spec: SPEC, timeoutMs: 5000 });

  test("first run: Trino connection, three datasets, three charts on one dashboard laid out in two rows", async () => {
    const result = await provision();
    expect(fake.calls.filter((c) => !c.startsWith("GET"))).toEqual([
      "POST /api/v1/security/login",
      "POST /api/v1/database/",
      "POST /api/v1/dataset/",
      "POST /api/v1/dataset/",
      "POST /api/v1/dataset/",
      "POST /api/v1/dashboard/",
      "POST /api/v1/chart/",
      "POST /api/v1/chart/",
      "POST /api/v1/chart/",
      `PUT /api/v1/dashboard/${result.dashboardId}`,
    ]);
    expect(result.created).toHaveLength(8);
    expect(result.updated).toEqual([]);
    const [db] = fake.store.database;
    expect(db).toMatchObject({ database_name: "Lakehouse (Trino)", sqlalchemy_uri: "trino://superset@trino:8080/iceberg" });
    expect(fake.store.dataset.map((d) => `${d.schema}.${d.table_name}@${d.database.id}`)).toEqual(
      ["analytics.operations_per_day", "analytics.user_growth", "analytics.latest_balance_per_account"].map((t) => `${t}@${db.id}`),
    );
    expect(fake.store.chart.map((c) => [c.slice_name, c.viz_type, c.dashboards])).toEqual([
      ["Operations per day", "echarts_timeseries_bar", [result.dashboardId]],
      ["User growth", "echarts_timeseries_line", [result.dashboardId]],
      ["Latest balance per account", "table", [result.dashboardId]],
    ]);
    const bar = JSON.parse(fake.store.chart[0].params);
    expect(bar).toMatchObject({ datasource: `${result.datasetIds.operations_per_day}__table`, x_axis: "day", time_grain_sqla: "P1D", groupby: ["op"] });
    expect(bar.metrics[0]).toMatchObject({ expressionType: "SIMPLE", column: { column_name: "operations" }, aggregate: "SUM" });
    const table = JSON.parse(fake.store.chart[2].params);
    expect(table).toMatchObject({
      query_mode: "raw",
      all_columns: ["account_id", "user_id", { label: "balance", sqlExpression: "CAST(balance AS varchar)", expressionType: "SQL" }, "currency"],
      order_by_cols: ['["account_id",true]'],
    });

    const position = JSON.parse(fake.store.dashboard[0].position_json);
    expect(position.GRID_ID.children).toEqual(["ROW-1", "ROW-2"]);
    const charts = (row: string) => position[row].children.map((k: string) => [position[k].meta.chartId, position[k].meta.width]);
    expect(charts("ROW-1")).toEqual([
      [result.chartIds[0], 6],
      [result.chartIds[1], 6],
    ]);
    expect(charts("ROW-2")).toEqual([[result.chartIds[2], 12]]);
    expect(fake.store.dashboard[0]).toMatchObject({ dashboard_title: "Lakehouse CDC", published: true });
    // Lookups by name, rison-encoded (quoted where the name has spaces or parentheses).
    expect(fake.queries).toContain("database (filters:!((col:database_name,opr:eq,value:'Lakehouse (Trino)')),page:0,page_size:100)");
    expect(fake.queries).toContain(`dataset (filters:!((col:table_name,opr:eq,value:user_growth),(col:schema,opr:eq,value:analytics),(col:database,opr:rel_o_m,value:${db.id})),page:0,page_size:100)`);
  });

  test("second run: updates in place and creates nothing", async () => {
    const first = await provision();
    fake.calls.length = 0;
    const counts = Object.fromEntries(Object.entries(fake.store).map(([k, v]) => [k, v.length]));
    const second = await provision();
    expect(second).toMatchObject({ databaseId: first.databaseId, datasetIds: first.datasetIds, chartIds: first.chartIds, dashboardId: first.dashboardId });
    expect(second.created).toEqual([]);
    expect(second.updated).toHaveLength(8);
    expect(fake.calls.filter((c) => c.startsWith("POST"))).toEqual(["POST /api/v1/security/login"]);
    expect(Object.fromEntries(Object.entries(fake.store).map(([k, v]) => [k, v.length]))).toEqual(counts);
    expect(fake.calls).toContain(`PUT /api/v1/dataset/${first.datasetIds.user_growth}/refresh`);
  });

  test("a chart already on another dashboard stays there", async () => {
    const first = await provision();
    fake.store.chart[1].dashboards = [first.dashboardId, 99];
    await provision();
    expect(fake.store.chart[1].dashboards).toEqual([first.dashboardId, 99]);
  });

  test("prints what it did, never the password or tokens", async () => {
    await provision();
    await provision();
    await expect(provision("wrong-password")).rejects.toThrow(/POST .*\/api\/v1\/security\/login answered 401/);
    const output = printed.join("\n");
    expect(output).toMatch(/created chart 'User growth'/);
    expect(output).toMatch(/updated chart 'User growth'/);
    for (const secret of [PASSWORD, TOKEN, CSRF, "sess-1"]) expect(output).not.toContain(secret);
  });

  test("with Trino's authentication: the connection carries the user's password and trusts the CA file over HTTPS; the log shows neither the password nor the URI with it", async () => {
    const trinoPassword = "trino-Pw-0123456789";
    process.env.TRINO_PASSWORD = trinoPassword;
    try {
      const spec = { ...SPEC, database: { ...SPEC.database, port: 8443, caFile: "/etc/lakehouse/trino-ca.pem" } };
      await provisionSuperset({ url, username: "admin", password: PASSWORD, spec, timeoutMs: 5000 });
      const [db] = fake.store.database;
      expect(db.sqlalchemy_uri).toBe(`trino://superset:${trinoPassword}@trino:8443/iceberg`);
      expect(JSON.parse(db.extra)).toEqual({ engine_params: { connect_args: { http_scheme: "https", verify: "/etc/lakehouse/trino-ca.pem" } } });
      expect(printed.join("\n")).toContain("created database 'Lakehouse (Trino)' (1): trino://superset@trino:8443/iceberg");
      expect(printed.join("\n")).not.toContain(trinoPassword);
    } finally {
      delete process.env.TRINO_PASSWORD;
    }
  });

  test("an unknown viz fails before any call", async () => {
    const spec = { ...SPEC, charts: [{ ...SPEC.charts[0], viz: "pie" }] };
    await expect(provisionSuperset({ url, username: "admin", password: PASSWORD, spec, timeoutMs: 5000 })).rejects.toThrow(/viz must be one of bar, line, table/);
    expect(fake.calls).toEqual([]);
  });

  test("rison encoding of list queries", () => {
    expect(rison({ filters: [{ col: "slice_name", opr: "eq", value: "It's 100%!" }], page: 0 })).toBe("(filters:!((col:slice_name,opr:eq,value:'It!'s 100%!!')),page:0)");
    expect(rison([true, false, null, "", "a-b"])).toBe("!(!t,!f,!n,'',a-b)");
  });
});
