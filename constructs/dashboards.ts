import { Construct } from "constructs";
import { ANALYTICS_TABLES, analyticsQueries } from "./analytics";
import { asset } from "./assets";
import { defaultImage } from "./images";
import { Endpoint, HealthCheck, IPlatform, JobHandle, Secret } from "./platform/workload";
import { IQueryEngine } from "./query-engine";
import { ValidationError } from "./validation";

/** Props of {@link Dashboards}. */
export interface DashboardsProps {
  /** Where Metabase and its app database run. */
  readonly platform: IPlatform;
  /** The Trino that Metabase queries. */
  readonly queryEngine: IQueryEngine;
  /** Iceberg namespace of the raw CDC log. */
  readonly rawDatabase: string;
  /** Iceberg namespace of the current-state tables. */
  readonly stateDatabase: string;
  /** Captured tables; the CDC dashboard needs `users` and `accounts`. */
  readonly tables: string[];
  /** Metabase admin login. @default "admin@lakehouse.local" */
  readonly adminEmail?: string;
  /** Metabase admin password. @default - generated */
  readonly adminPassword?: string;
  /** @default "Lakehouse CDC" */
  readonly dashboardName?: string;
  /** @default - metabase/metabase v0.56.6 */
  readonly image?: string;
  /** PostgreSQL image of Metabase's application database. @default - postgres 17.12 */
  readonly appDbImage?: string;
  /** Node.js image that runs the provisioning job. @default - node 20 */
  readonly jobImage?: string;
  /** Registry mirror for every default image. @default - upstream registries */
  readonly imageRegistry?: string;
  /** Publish Metabase on 127.0.0.1 (Docker). @default - not published */
  readonly hostPort?: number;
}

/**
 * Metabase (its image bundles the Starburst driver for Trino) with its own persistent PostgreSQL
 * application database, and a job that provisions, as code, the admin user, the Trino
 * connection (catalog of the Iceberg tables) and the CDC dashboard: operations per day, user
 * growth and latest balance per account (the queries in sql/analytics/).
 */
export class Dashboards extends Construct {
  /** Metabase's web UI and API. */
  public readonly endpoint: Endpoint;
  /** Login of the Metabase admin. */
  public readonly adminEmail: string;
  /** Password of the Metabase admin. */
  public readonly adminPassword: Secret;
  /** The job that provisions the admin, the Trino connection and the dashboard. */
  public readonly provisioning: JobHandle;

  constructor(scope: Construct, id: string, props: DashboardsProps) {
    super(scope, id);
    const { platform, queryEngine } = props;
    const registry = props.imageRegistry;
    const missing = ANALYTICS_TABLES.filter((t) => !props.tables.includes(t));
    if (missing.length > 0) {
      throw new ValidationError("Dashboards", "tables", `must include ${ANALYTICS_TABLES.join(" and ")} for the CDC dashboard (missing: ${missing.join(", ")})`, props.tables, "Capture those tables, or turn Dashboards off.");
    }
    this.adminEmail = props.adminEmail ?? "admin@lakehouse.local";
    if (!/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(this.adminEmail)) {
      throw new ValidationError("Dashboards", "adminEmail", "must be an e-mail address (Metabase logs in with it)", this.adminEmail, "Use e.g. 'admin@example.com'.");
    }
    const dashboardName = props.dashboardName ?? "Lakehouse CDC";
    this.adminPassword = platform.secret(this, "AdminPassword", { name: "metabase-admin-password", value: props.adminPassword, minDigits: 1 });
    const appDbPassword = platform.secret(this, "AppDbPassword", { name: "metabase-db-password" });

    const appDb = platform.service(this, "AppDb", {
      name: "metabase-db",
      image: props.appDbImage ?? defaultImage("postgres", registry),
      env: { POSTGRES_USER: "metabase", POSTGRES_DB: "metabase", PGDATA: "/var/lib/postgresql/data/pgdata" },
      secretEnv: { POSTGRES_PASSWORD: appDbPassword },
      ports: [{ name: "sql", port: 5432 }],
      volumes: [{ name: "data", path: "/var/lib/postgresql/data", sizeGiB: 2 }],
      healthCheck: HealthCheck.command(["pg_isready", "-h", "127.0.0.1", "-U", "metabase", "-d", "metabase"], { intervalSeconds: 3 }),
      resources: { cpuMillis: 100, memoryMiB: 256 },
      runAsUser: 999,
    });
    const appDbEndpoint = appDb.endpoint("sql");

    const metabase = platform.service(this, "Resource", {
      name: "metabase",
      image: props.image ?? defaultImage("metabase", registry),
      env: {
        MB_DB_TYPE: "postgres",
        MB_DB_HOST: appDbEndpoint.host,
        MB_DB_PORT: String(appDbEndpoint.port),
        MB_DB_DBNAME: "metabase",
        MB_DB_USER: "metabase",
        MB_ANON_TRACKING_ENABLED: "false",
        MB_CHECK_FOR_UPDATES: "false",
        JAVA_OPTS: "-Xmx1g",
      },
      secretEnv: { MB_DB_PASS: appDbPassword },
      ports: [{ name: "http", port: 3000, hostPort: props.hostPort }],
      healthCheck: HealthCheck.http(3000, "/api/health", { intervalSeconds: 5, startPeriodSeconds: 60 }),
      resources: { cpuMillis: 500, memoryMiB: 1536 },
      runAsUser: 2000,
      dependsOn: [appDbEndpoint],
    });
    this.endpoint = metabase.endpoint("http");

    const queries = analyticsQueries({ catalog: queryEngine.catalogName, rawDatabase: props.rawDatabase, stateDatabase: props.stateDatabase, tables: props.tables });
    const display: Record<string, string> = { "operations-per-day": "bar", "user-growth": "line" };
    const spec = {
      database: { name: "Lakehouse (Trino)", host: queryEngine.endpoint.host, port: queryEngine.endpoint.port, catalog: queryEngine.catalogName, user: "metabase" },
      dashboard: dashboardName,
      cards: queries.map((q) => ({ name: q.title, query: q.sql, display: display[q.name] ?? "table" })),
    };
    this.provisioning = platform.job(this, "Provisioning", {
      name: "metabase-provisioning",
      image: props.jobImage ?? defaultImage("node", registry),
      command: ["node", "/job/provision-metabase.js"],
      env: { MB_URL: this.endpoint.url("http"), MB_ADMIN_EMAIL: this.adminEmail, DASHBOARD_FILE: "/job/dashboard.json", TIMEOUT_SECONDS: "600" },
      secretEnv: { MB_ADMIN_PASSWORD: this.adminPassword },
      files: [
        { path: "/job/lib.js", content: asset("jobs/lib.js") },
        { path: "/job/provision-metabase.js", content: asset("jobs/provision-metabase.js") },
        { path: "/job/dashboard.json", content: JSON.stringify(spec, null, 2) + "\n" },
      ],
      resources: { cpuMillis: 100, memoryMiB: 128 },
      runAsUser: 1000,
      dependsOn: [this.endpoint, queryEngine],
    });
  }
}
