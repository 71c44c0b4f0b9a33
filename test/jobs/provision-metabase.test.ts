import * as http from "http";
import { AddressInfo } from "net";

// eslint-disable-next-line @typescript-eslint/no-var-requires
const { provisionMetabase } = require("../../jobs/provision-metabase.js");

/**
 * Metabase cannot run on this machine, so the provisioning job is checked against a recorded
 * contract: a small server that answers the documented endpoints the way Metabase does
 * (session properties with a setup token until setup, session ids, list endpoints) and records
 * every call. Real Metabase behaviour beyond this contract is not verified here.
 */
class FakeMetabase {
  public readonly calls: string[] = [];
  private setUp = false;
  private nextId = 1;
  private readonly databases: any[] = [];
  private readonly cards: any[] = [];
  private readonly dashboards: any[] = [];
  public dashcards: any[] = [];
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
      const route = `${req.method} ${req.url}`;
      this.calls.push(route);
      const send = (status: number, data: unknown) => {
        res.writeHead(status, { "content-type": "application/json" });
        res.end(JSON.stringify(data));
      };
      const authed = req.headers["x-metabase-session"] === "session-1";
      if (route === "GET /api/health") return send(200, { status: "ok" });
      if (route === "GET /api/session/properties") return send(200, this.setUp ? { "has-user-setup": true } : { "setup-token": "tok", "has-user-setup": false });
      if (route === "POST /api/setup") {
        if (body.token !== "tok" || !body.user?.email || !body.user?.password) return send(400, { errors: "bad setup" });
        this.setUp = true;
        return send(200, { id: "session-1" });
      }
      if (route === "POST /api/session") return body.username === "admin@lakehouse.local" && body.password === "pw" ? send(200, { id: "session-1" }) : send(401, "bad credentials");
      if (!authed) return send(401, "Unauthenticated");
      if (route === "GET /api/database") return send(200, { data: this.databases, total: this.databases.length });
      if (route === "POST /api/database") {
        if (body.engine !== "starburst") return send(400, "unknown engine");
        const db = { id: this.nextId++, ...body };
        this.databases.push(db);
        return send(200, db);
      }
      if (req.method === "PUT" && req.url?.startsWith("/api/database/")) return send(200, this.databases.find((d) => `/api/database/${d.id}` === req.url));
      if (route === "GET /api/card?f=all") return send(200, this.cards);
      if (route === "POST /api/card") {
        if (body.dataset_query?.type !== "native" || typeof body.dataset_query.database !== "number") return send(400, "bad card");
        const card = { id: this.nextId++, archived: false, ...body };
        this.cards.push(card);
        return send(200, card);
      }
      if (req.method === "PUT" && req.url?.startsWith("/api/card/")) {
        const card = this.cards.find((c) => `/api/card/${c.id}` === req.url);
        Object.assign(card, body);
        return send(200, card);
      }
      if (route === "GET /api/dashboard") return send(200, this.dashboards);
      if (route === "POST /api/dashboard") {
        const dashboard = { id: this.nextId++, archived: false, ...body };
        this.dashboards.push(dashboard);
        return send(200, dashboard);
      }
      if (req.method === "PUT" && req.url?.startsWith("/api/dashboard/")) {
        this.dashcards = body.dashcards;
        return send(200, {});
      }
      return send(404, `no route ${route}`);
    });
  }
}

const SPEC = {
  database: { name: "Lakehouse (Trino)", host: "trino", port: 8080, catalog: "iceberg", user: "metabase" },
  dashboard: "Lakehouse CDC",
  cards: [
    { name: "Operations per day", query: "SELECT 1", display: "bar" },
    { name: "User growth", query: "SELECT 2", display: "line" },
    { name: "Latest balance per account", query: "SELECT 3", display: "table" },
  ],
};

beforeAll(() => jest.spyOn(console, "log").mockImplementation(() => undefined));

describe("provision-metabase job (recorded API contract)", () => {
  let fake: FakeMetabase;
  let url: string;
  beforeEach(async () => {
    fake = new FakeMetabase();
    url = await fake.start();
  });
  afterEach(() => fake.stop());

  test("first run: setup, Trino connection with the Starburst driver, three cards, one dashboard", async () => {
    const result = await provisionMetabase({ url, email: "admin@lakehouse.local", password: "pw", spec: SPEC, timeoutMs: 5000 });
    expect(fake.calls).toEqual([
      "GET /api/health",
      "GET /api/session/properties",
      "POST /api/setup",
      "GET /api/database",
      "POST /api/database",
      "GET /api/card?f=all",
      "POST /api/card",
      "POST /api/card",
      "POST /api/card",
      "GET /api/dashboard",
      "POST /api/dashboard",
      `PUT /api/dashboard/${result.dashboardId}`,
    ]);
    expect(fake.dashcards.map((d) => [d.card_id, d.row, d.col])).toEqual([[result.cardIds[0], 0, 0], [result.cardIds[1], 0, 12], [result.cardIds[2], 8, 0]]);
  });

  test("second run: logs in and updates in place, creating nothing new", async () => {
    const first = await provisionMetabase({ url, email: "admin@lakehouse.local", password: "pw", spec: SPEC, timeoutMs: 5000 });
    fake.calls.length = 0;
    const second = await provisionMetabase({ url, email: "admin@lakehouse.local", password: "pw", spec: SPEC, timeoutMs: 5000 });
    expect(second).toEqual(first);
    expect(fake.calls.filter((c) => c.startsWith("POST"))).toEqual(["POST /api/session"]);
  });

  test("a wrong admin password fails with Metabase's answer", async () => {
    await provisionMetabase({ url, email: "admin@lakehouse.local", password: "pw", spec: SPEC, timeoutMs: 5000 });
    await expect(provisionMetabase({ url, email: "admin@lakehouse.local", password: "wrong", spec: SPEC, timeoutMs: 5000 })).rejects.toThrow(/POST .*\/api\/session answered 401/);
  });
});
