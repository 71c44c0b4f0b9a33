import * as fs from "fs";
import * as http from "http";
import { AddressInfo } from "net";
import * as path from "path";
import { randomUUID } from "crypto";

// eslint-disable-next-line @typescript-eslint/no-require-imports -- jobs/*.js is plain CommonJS without type declarations (tsconfig has no allowJs), so an ES import would not type-check.
const { provisionMetabase } = require("../../jobs/provision-metabase.js");

/**
 * Metabase cannot run on this machine, so the provisioning job is checked against a recorded
 * contract: test/fixtures/metabase-api-v0.56.json lists every endpoint the job may call, with the
 * request schema of Metabase v0.56 (from its OpenAPI document) and responses recorded from the
 * upstream handlers, each naming its upstream source. The fake below answers only what that file
 * lists: any other method or path is a 404, a body that breaks the recorded schema a 400, and the
 * answers are the recorded ones with this fake's state filled in. What Metabase does beyond the
 * recorded contract (sync, running queries, rendering, the Starburst driver connecting to Trino)
 * is not verified here.
 */

type Schema = {
  type?: "object" | "array" | "string" | "integer" | "boolean";
  required?: string[];
  properties?: Record<string, Schema>;
  handlerReads?: string[];
  items?: Schema;
  minLength?: number;
  minimum?: number;
  enum?: unknown[];
  format?: "email" | "metabase-password";
  uniqueBy?: string;
  $ref?: string;
  whenTypeIsNative?: { required: string[]; forbidden: string[] };
};
type Response = { status: number; body: any };
type Endpoint = {
  id: string;
  method: string;
  path: string;
  query?: Record<string, string[] | null>;
  auth: boolean;
  source: string[];
  request: Schema | null;
  handlerReads?: string[];
  jobReads: string[];
  responses: Record<string, Response>;
};
type Contract = {
  metabaseVersion: string;
  pinnedImage: string;
  sources: Record<string, { repo: string; path: string; commit?: string }>;
  engines: Record<string, { source: string[]; details: Schema }>;
  endpoints: Endpoint[];
  definitions: Record<string, Schema>;
};

const CONTRACT: Contract = JSON.parse(fs.readFileSync(path.join(__dirname, "../fixtures/metabase-api-v0.56.json"), "utf8"));

function resolve(schema: Schema): Schema {
  return schema.$ref ? CONTRACT.definitions[schema.$ref.replace("#/definitions/", "")] : schema;
}

/** Errors of `value` against a recorded schema, as `path: problem`. Optional keys may be null (malli [:maybe ...]). */
function validate(raw: Schema, value: unknown, at: string): string[] {
  const schema = resolve(raw);
  const errors: string[] = [];
  const typeOk: Record<string, (v: unknown) => boolean> = {
    object: (v) => typeof v === "object" && v !== null && !Array.isArray(v),
    array: Array.isArray,
    string: (v) => typeof v === "string",
    integer: Number.isInteger,
    boolean: (v) => typeof v === "boolean",
  };
  if (schema.type && !typeOk[schema.type](value)) return [`${at}: must be ${schema.type === "integer" ? "an integer" : `a ${schema.type}`}, got ${JSON.stringify(value)}`];
  if (schema.enum && !schema.enum.includes(value)) errors.push(`${at}: must be one of ${schema.enum.join(", ")}`);
  if (typeof value === "string") {
    if (schema.minLength !== undefined && value.length < schema.minLength) errors.push(`${at}: must be a non-blank string`);
    if (schema.format === "email" && !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(value)) errors.push(`${at}: value must be a valid email address.`);
    if (schema.format === "metabase-password" && !(value.length >= 6 && /\d/.test(value))) errors.push(`${at}: password is too common.`);
  }
  if (typeof value === "number" && schema.minimum !== undefined && value < schema.minimum) errors.push(`${at}: must be >= ${schema.minimum}`);
  if (Array.isArray(value)) {
    if (schema.items) value.forEach((item, i) => errors.push(...validate(schema.items!, item, `${at}[${i}]`)));
    if (schema.uniqueBy) {
      const keys = value.map((item) => item?.[schema.uniqueBy!]);
      if (new Set(keys).size !== keys.length) errors.push(`${at}: value must be seq of maps in which ${schema.uniqueBy}s are unique`);
    }
  }
  if (typeOk.object(value)) {
    const obj = value as Record<string, unknown>;
    for (const key of schema.required ?? []) if (obj[key] === undefined || obj[key] === null) errors.push(`${at}.${key}: required`);
    for (const [key, sub] of Object.entries(schema.properties ?? {})) {
      if (obj[key] !== undefined && obj[key] !== null) errors.push(...validate(sub, obj[key], `${at}.${key}`));
    }
    if (schema.whenTypeIsNative && obj.type === "native") {
      for (const key of schema.whenTypeIsNative.required) if (obj[key] === undefined) errors.push(`${at}.${key}: required when type is native`);
      for (const key of schema.whenTypeIsNative.forbidden) if (obj[key] !== undefined) errors.push(`${at}.${key}: not allowed when type is native`);
    }
  }
  return errors;
}

/** Keys sent that neither the upstream schema nor the upstream handler knows (Metabase would ignore them silently). */
function undocumented(raw: Schema, value: unknown, at: string, extra: string[] = []): string[] {
  const schema = resolve(raw);
  if (Array.isArray(value) && schema.items) return value.flatMap((item, i) => undocumented(schema.items!, item, `${at}[${i}]`));
  if (typeof value !== "object" || value === null || !schema.properties) return [];
  const known = new Set([...Object.keys(schema.properties), ...(schema.handlerReads ?? []), ...extra]);
  return Object.entries(value).flatMap(([key, v]) => (known.has(key) ? (schema.properties![key] ? undocumented(schema.properties![key], v, `${at}.${key}`) : []) : [`${at}.${key}`]));
}

function endpoint(id: string): Endpoint {
  const found = CONTRACT.endpoints.find((e) => e.id === id);
  if (!found) throw new Error(`no endpoint ${id} in the contract`);
  return found;
}

/** A recorded response, with this fake's state laid over the recorded body. */
function recorded(id: string, variant: string, overrides?: unknown): Response {
  const { status, body } = endpoint(id).responses[variant];
  if (overrides === undefined) return { status, body };
  if (Array.isArray(overrides)) return { status, body: overrides.map((o) => ({ ...(Array.isArray(body) ? body[0] : {}), ...o })) };
  return { status, body: { ...body, ...(overrides as object) } };
}

type Call = { endpoint: string; method: string; path: string; body: unknown; undocumented: string[] };

class FakeMetabase {
  public readonly calls: Call[] = [];
  public readonly sessions = new Set<string>();
  public startingAnswers = 0;
  public readonly unreachableHosts = new Set<string>();
  public dashcardsCreated = 0;
  public dashcardsDeleted = 0;
  private readonly setupToken = randomUUID();
  private admin: { email: string; password: string } | undefined;
  private readonly nextId: Record<string, number> = { database: 2, card: 1, dashboard: 1, dashcard: 1 };
  // Metabase ships with its Sample Database (recorded in the list response).
  public readonly databases: any[] = recorded("list-databases", "ok").body.data.map((d: any) => ({ ...d }));
  public readonly cards: any[] = [];
  public readonly dashboards: any[] = [];
  private server = http.createServer((req, res) => this.handle(req, res));

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }
  async stop(): Promise<void> {
    await new Promise((resolve) => this.server.close(resolve));
  }

  /** The contract entry for a method and path, with its path parameters; undefined if not in the contract. */
  private route(method: string, pathname: string): { endpoint: Endpoint; params: Record<string, number> } | undefined {
    const normalised = pathname.length > 1 ? pathname.replace(/\/$/, "") : pathname;
    for (const e of CONTRACT.endpoints) {
      if (e.method !== method) continue;
      const names: string[] = [];
      const pattern = new RegExp(`^${e.path.replace(/:([a-z-]+)/g, (_m, name) => (names.push(name), "([1-9][0-9]*)"))}$`);
      const match = pattern.exec(normalised);
      if (match) return { endpoint: e, params: Object.fromEntries(names.map((n, i) => [n, Number(match[i + 1])])) };
    }
    return undefined;
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    let raw = "";
    req.on("data", (c) => (raw += c));
    req.on("end", () => {
      const send = ({ status, body }: Response) => {
        res.writeHead(status, { "content-type": typeof body === "string" ? "text/plain" : "application/json" });
        res.end(typeof body === "string" ? body : JSON.stringify(body));
      };
      const url = new URL(req.url ?? "/", "http://fake");
      const method = req.method ?? "GET";
      const found = this.route(method, url.pathname);
      if (!found) return send({ status: 404, body: `not in the recorded Metabase ${CONTRACT.metabaseVersion} contract: ${method} ${url.pathname}` });
      const { endpoint: e, params } = found;
      for (const [key, value] of url.searchParams) {
        if (!e.query || !(key in e.query)) return send({ status: 404, body: `query parameter '${key}' of ${method} ${e.path} is not in the recorded contract` });
        const allowed = e.query[key];
        if (allowed && !allowed.includes(value)) return send({ status: 400, body: { errors: { [key]: `must be one of ${allowed.join(", ")}` } } });
      }
      let body: unknown;
      try {
        body = raw ? JSON.parse(raw) : undefined;
      } catch {
        return send({ status: 400, body: { message: "malformed JSON" } });
      }
      const sent = e.request && body !== undefined ? undocumented(e.request, body, "body", e.handlerReads) : [];
      this.calls.push({ endpoint: e.id, method, path: url.pathname + url.search, body, undocumented: sent });
      if (e.request) {
        const errors = body === undefined ? ["body: required"] : validate(e.request, body, "body");
        if (errors.length > 0) return send({ status: 400, body: { errors: Object.fromEntries(errors.map((m) => m.split(": "))) } });
      } else if (body !== undefined) {
        return send({ status: 400, body: { message: `${method} ${e.path} takes no body in the recorded contract` } });
      }
      if (e.auth && !this.sessions.has(String(req.headers["x-metabase-session"] ?? ""))) return send({ status: 401, body: "Unauthenticated" });
      return send(this.answer(e.id, params, body as any));
    });
  }

  private answer(id: string, params: Record<string, number>, body: any): Response {
    const notFound: Response = { status: 404, body: "Not found." };
    switch (id) {
      case "health":
        if (this.startingAnswers > 0) return (this.startingAnswers--, recorded(id, "starting"));
        return recorded(id, "ok");
      case "session-properties":
        return this.admin ? recorded(id, "setUp") : recorded(id, "fresh", { "setup-token": this.setupToken });
      case "setup": {
        if (this.admin) return recorded(id, "alreadySetUp");
        if (body.token !== this.setupToken) return { status: 400, body: { errors: { token: "Token does not match the setup token." } } };
        this.admin = { email: body.user.email.toLowerCase(), password: body.user.password };
        return recorded(id, "ok", { id: this.newSession() });
      }
      case "login":
        if (this.admin && body.username.toLowerCase() === this.admin.email && body.password === this.admin.password) return recorded(id, "ok", { id: this.newSession() });
        return recorded(id, "wrongPassword");
      case "list-databases":
        return recorded(id, "ok", { data: this.databases, total: this.databases.length });
      case "create-database":
      case "update-database": {
        const existing = id === "update-database" ? this.databases.find((d) => d.id === params.id) : undefined;
        if (id === "update-database" && !existing) return notFound;
        const engine = body.engine ?? existing?.engine;
        const driver = CONTRACT.engines[engine];
        if (!driver) return { status: 400, body: { errors: { engine: "value must be a valid database engine." } } };
        if (body.details) {
          const errors = validate(driver.details, body.details, "details");
          if (errors.length > 0) return { status: 400, body: { message: errors.join("; ") } };
          if (this.unreachableHosts.has(body.details.host)) return recorded("create-database", "cannotConnect", { message: `Host '${body.details.host}' is not reachable` });
        }
        if (existing) {
          Object.assign(existing, { engine, ...(body.details ? { details: body.details } : {}), ...(body.name ? { name: body.name } : {}) });
          return recorded(id, "ok", existing);
        }
        const created = { id: this.nextId.database++, name: body.name, engine, details: body.details, is_full_sync: body.is_full_sync ?? true, is_on_demand: false, is_sample: false };
        this.databases.push(created);
        return recorded(id, "ok", created);
      }
      case "list-cards":
        return recorded(
          id,
          "ok",
          this.cards.filter((c) => !c.archived),
        );
      case "create-card":
      case "update-card": {
        const existing = id === "update-card" ? this.cards.find((c) => c.id === params.id) : undefined;
        if (id === "update-card" && !existing) return notFound;
        const databaseId = body.dataset_query?.database;
        if (databaseId !== undefined && !this.databases.some((d) => d.id === databaseId)) return { status: 400, body: { message: `Database ${databaseId} does not exist` } };
        if (existing) return recorded(id, "ok", Object.assign(existing, body));
        const created = { id: this.nextId.card++, archived: false, type: "question", collection_id: null, database_id: databaseId, ...body };
        this.cards.push(created);
        return recorded(id, "ok", created);
      }
      case "list-dashboards":
        return recorded(
          id,
          "ok",
          this.dashboards.filter((d) => !d.archived).map(({ dashcards: _omit, ...d }) => d),
        );
      case "create-dashboard": {
        const created = { id: this.nextId.dashboard++, name: body.name, archived: false, dashcards: [], tabs: [], parameters: [], collection_id: null };
        this.dashboards.push(created);
        return recorded(id, "ok", created);
      }
      case "get-dashboard": {
        const dashboard = this.dashboards.find((d) => d.id === params.id);
        return dashboard ? recorded(id, "ok", dashboard) : notFound;
      }
      case "update-dashboard": {
        const dashboard = this.dashboards.find((d) => d.id === params.id);
        if (!dashboard) return notFound;
        if (body.dashcards) {
          const current = new Map<number, any>(dashboard.dashcards.map((dc: any) => [dc.id, dc]));
          const next: any[] = [];
          for (const dc of body.dashcards) {
            if (dc.card_id != null && !this.cards.some((c) => c.id === dc.card_id && !c.archived)) return { status: 404, body: `Card ${dc.card_id} not found` };
            if (dc.id < 0) {
              next.push({ ...dc, id: this.nextId.dashcard++, dashboard_id: dashboard.id, series: [] });
              this.dashcardsCreated++;
            } else if (current.has(dc.id)) {
              next.push({ ...current.get(dc.id), ...dc });
            } else {
              return { status: 400, body: { message: `dashcard ${dc.id} is not on dashboard ${dashboard.id}` } };
            }
          }
          this.dashcardsDeleted += [...current.keys()].filter((k) => !next.some((dc) => dc.id === k)).length;
          dashboard.dashcards = next;
        }
        return recorded(id, "ok", dashboard);
      }
      default:
        throw new Error(`the fake has no behaviour for contract endpoint ${id}`);
    }
  }

  private newSession(): string {
    const id = randomUUID();
    this.sessions.add(id);
    return id;
  }
}

const EMAIL = "admin@lakehouse.local";
const PASSWORD = "Lakehouse-pw-7";
const SPEC = {
  database: { name: "Lakehouse (Trino)", host: "trino", port: 8080, catalog: "iceberg", user: "metabase" },
  dashboard: "Lakehouse CDC",
  cards: [
    { name: "Operations per day", query: "SELECT 1", display: "bar" },
    { name: "User growth", query: "SELECT 2", display: "line" },
    { name: "Latest balance per account", query: "SELECT 3", display: "table" },
  ],
};

describe("recorded Metabase v0.56 contract (test/fixtures/metabase-api-v0.56.json)", () => {
  test("pins the image the Dashboards construct deploys, and every entry names its upstream sources", () => {
    expect(CONTRACT.pinnedImage).toBe("metabase/metabase:v0.56.6");
    expect(fs.readFileSync(path.join(__dirname, "../../constructs/images.ts"), "utf8")).toContain('"docker.io/metabase/metabase:v0.56.6"');
    for (const e of CONTRACT.endpoints) {
      expect(e.source.length).toBeGreaterThan(0);
      for (const s of e.source) expect(CONTRACT.sources[s]).toEqual(expect.objectContaining({ repo: expect.stringMatching(/\//), path: expect.any(String) }));
      expect(Object.keys(e.responses).length).toBeGreaterThan(0);
    }
    for (const engine of Object.values(CONTRACT.engines)) for (const s of engine.source) expect(CONTRACT.sources[s]).toBeDefined();
  });

  describe("the fake answers only what the contract lists", () => {
    let fake: FakeMetabase;
    let url: string;
    beforeEach(async () => {
      fake = new FakeMetabase();
      url = await fake.start();
    });
    afterEach(() => fake.stop());
    const call = async (method: string, p: string, body?: unknown, session?: string) => {
      const r = await fetch(`${url}${p}`, {
        method,
        headers: { ...(body ? { "content-type": "application/json" } : {}), ...(session ? { "X-Metabase-Session": session } : {}) },
        body: body ? JSON.stringify(body) : undefined,
      });
      return { status: r.status, text: await r.text() };
    };
    const session = async () => {
      const properties = JSON.parse((await call("GET", "/api/session/properties")).text);
      const setup = await call("POST", "/api/setup", { token: properties["setup-token"], user: { email: EMAIL, password: PASSWORD }, prefs: { site_name: "x" } });
      expect(setup.status).toBe(200);
      return JSON.parse(setup.text).id as string;
    };

    test("a method or path outside the contract is a 404 naming it", async () => {
      const s = await session();
      expect(await call("PUT", "/api/dashboard/1/cards", { cards: [] }, s)).toEqual({ status: 404, text: "not in the recorded Metabase v0.56 contract: PUT /api/dashboard/1/cards" });
      expect((await call("DELETE", "/api/card/1", undefined, s)).status).toBe(404);
      expect((await call("GET", "/api/dashboard?archived=true", undefined, s)).text).toMatch(/query parameter 'archived'.*not in the recorded contract/);
    });

    test("missing required keys and wrong types are a 400 naming the key", async () => {
      const s = await session();
      const noDisplay = await call("POST", "/api/card", { name: "c", visualization_settings: {}, dataset_query: { database: 1, type: "native", native: { query: "SELECT 1" } } }, s);
      expect(noDisplay.status).toBe(400);
      expect(noDisplay.text).toContain("body.display");
      const nativeWithoutQuery = await call("POST", "/api/card", { name: "c", display: "table", visualization_settings: {}, dataset_query: { database: 1, type: "native", native: {} } }, s);
      expect(nativeWithoutQuery.text).toContain("body.dataset_query.native.query");
      const stringId = await call("PUT", "/api/dashboard/1", { dashcards: [{ id: "-1", row: 0, col: 0, size_x: 1, size_y: 1 }] }, s);
      expect(stringId).toEqual({ status: 400, text: expect.stringContaining("must be an integer") });
      const noDetails = await call("POST", "/api/database", { name: "x", engine: "starburst" }, s);
      expect(noDetails.text).toContain("body.details");
      const noCatalog = await call("POST", "/api/database", { name: "x", engine: "starburst", details: { host: "trino", port: 8080 } }, s);
      expect(noCatalog).toEqual({ status: 400, text: expect.stringContaining("details.catalog: required") });
      const noPassword = await call("POST", "/api/session", { username: EMAIL });
      expect(noPassword.text).toContain("body.password");
    });

    test("setup needs the setup token and a password Metabase accepts; API calls need a session", async () => {
      const properties = JSON.parse((await call("GET", "/api/session/properties")).text);
      expect((await call("POST", "/api/setup", { token: "nope", user: { email: EMAIL, password: PASSWORD }, prefs: { site_name: "x" } })).status).toBe(400);
      expect((await call("POST", "/api/setup", { token: properties["setup-token"], user: { email: EMAIL, password: "abcdefgh" }, prefs: { site_name: "x" } })).text).toContain("password");
      expect(await call("GET", "/api/card?f=all")).toEqual({ status: 401, text: "Unauthenticated" });
    });
  });
});

describe("provision-metabase job against the recorded contract", () => {
  let fake: FakeMetabase;
  let url: string;
  let output: string[];
  beforeEach(async () => {
    fake = new FakeMetabase();
    url = await fake.start();
    output = [];
    const capture = (...parts: unknown[]) => void output.push(parts.map(String).join(" "));
    jest.spyOn(console, "log").mockImplementation(capture);
    jest.spyOn(console, "error").mockImplementation(capture);
  });
  afterEach(async () => {
    jest.restoreAllMocks();
    await fake.stop();
  });
  const provision = (password = PASSWORD) => provisionMetabase({ url, email: EMAIL, password, spec: SPEC, timeoutMs: 10_000 });

  test("first run on a fresh Metabase: waits for health, sets up, connects Trino through the Starburst driver, three cards, one dashboard", async () => {
    fake.startingAnswers = 1;
    const result = await provision();
    expect(fake.calls.map((c) => `${c.method} ${c.path}`)).toEqual([
      "GET /api/health",
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
    // Every key the job sent is one the upstream schema or handler knows.
    expect(fake.calls.flatMap((c) => c.undocumented)).toEqual([]);
    const trino = fake.databases.find((d) => d.id === result.databaseId);
    expect(trino).toEqual(expect.objectContaining({ engine: "starburst", details: { host: "trino", port: 8080, catalog: "iceberg", user: "metabase", ssl: false } }));
    expect(fake.databases.filter((d) => d.name === SPEC.database.name)).toHaveLength(1);
    expect(fake.cards.map((c) => [c.name, c.display, c.dataset_query])).toEqual(
      SPEC.cards.map((c) => [c.name, c.display, { database: result.databaseId, type: "native", native: { query: c.query } }]),
    );
    const dashboard = fake.dashboards[0];
    expect(fake.dashboards).toHaveLength(1);
    expect(dashboard.dashcards.map((d: any) => [d.card_id, d.row, d.col, d.size_x, d.size_y])).toEqual([
      [result.cardIds[0], 0, 0, 12, 8],
      [result.cardIds[1], 0, 12, 12, 8],
      [result.cardIds[2], 8, 0, 12, 8],
    ]);
  });

  test("second run logs in and updates in place: no duplicate database, cards, dashboard or dashcards", async () => {
    const first = await provision();
    const dashcardIds = fake.dashboards[0].dashcards.map((d: any) => d.id);
    const created = fake.dashcardsCreated;
    fake.calls.length = 0;
    const second = await provision();
    expect(second).toEqual(first);
    expect(fake.calls.filter((c) => c.method === "POST").map((c) => c.path)).toEqual(["/api/session"]);
    expect(fake.calls.map((c) => c.endpoint)).toEqual([
      "health",
      "session-properties",
      "login",
      "list-databases",
      "update-database",
      "list-cards",
      "update-card",
      "update-card",
      "update-card",
      "list-dashboards",
      "get-dashboard",
      "update-dashboard",
    ]);
    expect(fake.calls.flatMap((c) => c.undocumented)).toEqual([]);
    expect(fake.databases.filter((d) => d.name === SPEC.database.name)).toHaveLength(1);
    expect(fake.cards).toHaveLength(3);
    expect(fake.dashboards).toHaveLength(1);
    expect(fake.dashboards[0].dashcards.map((d: any) => d.id)).toEqual(dashcardIds);
    expect(fake.dashcardsCreated).toBe(created);
    expect(fake.dashcardsDeleted).toBe(0);
  });

  test("a card archived by hand is replaced, and the dashboard shows the replacement", async () => {
    const first = await provision();
    fake.cards.find((c) => c.id === first.cardIds[1]).archived = true;
    const second = await provision();
    expect(second.cardIds[0]).toBe(first.cardIds[0]);
    expect(second.cardIds[1]).not.toBe(first.cardIds[1]);
    expect(fake.dashboards[0].dashcards.map((d: any) => d.card_id)).toEqual(second.cardIds);
    expect(fake.dashcardsDeleted).toBe(1);
  });

  test("with Trino's authentication: TLS, the user's password and the CA file as the driver's trust store, all keys the driver knows; the password never printed", async () => {
    const trinoPassword = "trino-Pw-0123456789";
    process.env.TRINO_PASSWORD = trinoPassword;
    try {
      const spec = { ...SPEC, database: { ...SPEC.database, port: 8443, caFile: "/etc/lakehouse/trino-ca.pem" } };
      const result = await provisionMetabase({ url, email: EMAIL, password: PASSWORD, spec, timeoutMs: 10_000 });
      expect(fake.databases.find((d) => d.id === result.databaseId)?.details).toEqual({
        host: "trino",
        port: 8443,
        catalog: "iceberg",
        user: "metabase",
        ssl: true,
        password: trinoPassword,
        "additional-options": "SSLTrustStorePath=/etc/lakehouse/trino-ca.pem",
      });
      expect(fake.calls.flatMap((c) => c.undocumented)).toEqual([]);
      expect(output.join("\n")).not.toContain(trinoPassword);
    } finally {
      delete process.env.TRINO_PASSWORD;
    }
  });

  test("a wrong admin password fails with a clear error that does not contain the password", async () => {
    await provision();
    const wrong = "Wrong-password-1";
    const error: Error = await provision(wrong).then(
      () => new Error("expected a failure"),
      (e: Error) => e,
    );
    expect(error.message).toMatch(/Metabase refused the admin login of admin@lakehouse\.local \(HTTP 401\): MB_ADMIN_PASSWORD is not this admin's password/);
    expect(error.message).toContain("did not match stored password");
    expect(error.message).not.toContain(wrong);
  });

  test("Trino unreachable: Metabase's connection error is passed on", async () => {
    fake.unreachableHosts.add("trino");
    await expect(provision()).rejects.toThrow(/POST .*\/api\/database answered 400: .*Host 'trino' is not reachable/);
  });

  test("no secret is printed: neither the admin password nor a session id appears in any output", async () => {
    await provision();
    await provision();
    await provision("Wrong-password-1").catch((e: Error) => console.error(e.message));
    expect(output.length).toBeGreaterThan(5);
    const secrets = [PASSWORD, "Wrong-password-1", ...fake.sessions];
    for (const line of output) for (const secret of secrets) expect(line).not.toContain(secret);
  });
});
