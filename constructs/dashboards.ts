import { Construct } from "constructs";
import { AppDatabase, appDatabase } from "./app-database";
import { ANALYTICS_TABLES, analyticsQueries } from "./analytics";
import { defaultImage } from "./images";
import { nodeJob } from "./platform/node-job";
import { Endpoint, HealthCheck, IDependable, IPlatform, JobHandle, Secret } from "./platform/workload";
import { IQueryEngine, TrinoConnection } from "./query-engine";
import { ITransformations } from "./transformations";
import { ValidationError } from "./validation";

/**
 * Seconds the deployment waits for a provisioning job; the script waits for the engine's health
 * for a minute less (600 s), so it fails with its own message before the deadline.
 */
const PROVISIONING_TIMEOUT_SECONDS = 660;

/** The dashboard engines {@link Dashboards} can provision. */
export type DashboardEngine = "metabase" | "superset";

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
  /**
   * Metabase (the default) or Apache Superset. Metabase's cards query the raw log and the
   * current-state tables; Superset's charts read the dbt marts, so it needs `transformations`.
   * @default "metabase"
   */
  readonly engine?: DashboardEngine;
  /** The dbt project whose marts Superset charts. @default - none (required for Superset) */
  readonly transformations?: ITransformations;
  /** Admin e-mail (Metabase logs in with it; Superset's admin is `admin`). @default "admin@lakehouse.local" */
  readonly adminEmail?: string;
  /** Admin password. @default - generated */
  readonly adminPassword?: string;
  /** @default "Lakehouse CDC" */
  readonly dashboardName?: string;
  /** @default - metabase/metabase v0.56.6, or apache/superset 6.1.0 */
  readonly image?: string;
  /** PostgreSQL image of the engine's application database. @default - postgres 17.12 */
  readonly appDbImage?: string;
  /** Node.js image that runs the provisioning job. @default - node 20 */
  readonly jobImage?: string;
  /** Registry mirror for every default image. @default - upstream registries */
  readonly imageRegistry?: string;
}

/**
 * The CDC dashboard (operations per day, user growth, latest balance per account) as code, on
 * Metabase (the default; its image bundles the Starburst driver for Trino) or Apache Superset
 * (the `trino` SQLAlchemy driver). Either engine gets its own persistent PostgreSQL
 * application database and a job that provisions, idempotently, the admin login, the Trino
 * connection and the dashboard.
 */
export class Dashboards extends Construct {
  /** Which engine serves the dashboard. */
  public readonly engine: DashboardEngine;
  /** The engine's web UI and API. */
  public readonly endpoint: Endpoint;
  /** Login of the admin: an e-mail on Metabase, `admin` on Superset. */
  public readonly adminLogin: string;
  /** E-mail of the admin. */
  public readonly adminEmail: string;
  /** Password of the admin. */
  public readonly adminPassword: Secret;
  /** Name of the provisioned dashboard. */
  public readonly dashboardName: string;
  /** The job that provisions the admin, the Trino connection and the dashboard. */
  public readonly provisioning: JobHandle;

  constructor(scope: Construct, id: string, props: DashboardsProps) {
    super(scope, id);
    const missing = ANALYTICS_TABLES.filter((t) => !props.tables.includes(t));
    if (missing.length > 0) {
      throw new ValidationError(
        "Dashboards",
        "tables",
        `must include ${ANALYTICS_TABLES.join(" and ")} for the CDC dashboard (missing: ${missing.join(", ")})`,
        props.tables,
        "Capture those tables, or turn Dashboards off.",
      );
    }
    this.engine = props.engine ?? "metabase";
    if (this.engine !== "metabase" && this.engine !== "superset") {
      throw new ValidationError("Dashboards", "engine", "must be 'metabase' or 'superset'", this.engine, "Pick one of the two engines.");
    }
    if (this.engine === "superset" && !props.transformations) {
      throw new ValidationError(
        "Dashboards",
        "transformations",
        "is required for Superset, whose charts read the dbt marts",
        undefined,
        "Pass the Transformations layer (Lakehouse does), or use engine 'metabase'.",
      );
    }
    this.adminEmail = props.adminEmail ?? "admin@lakehouse.local";
    if (!/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(this.adminEmail)) {
      throw new ValidationError("Dashboards", "adminEmail", "must be an e-mail address (Metabase logs in with it)", this.adminEmail, "Use e.g. 'admin@example.com'.");
    }
    this.dashboardName = props.dashboardName ?? "Lakehouse CDC";
    this.adminLogin = this.engine === "metabase" ? this.adminEmail : "admin";
    // Metabase's password rules demand a digit.
    this.adminPassword = props.platform.secret(this, "AdminPassword", { name: `${this.engine}-admin-password`, value: props.adminPassword, minDigits: 1 });
    // The engine's own PostgreSQL (users, dashboards, saved questions).
    const appDb = appDatabase(this, props.platform, {
      user: this.engine,
      image: props.appDbImage ?? defaultImage("postgres", props.imageRegistry),
      serviceId: "AppDb",
      passwordId: "AppDbPassword",
    });
    const deployed = this.engine === "metabase" ? this.metabase(props, appDb) : this.superset(props, appDb, props.transformations!);
    this.endpoint = deployed.endpoint;
    this.provisioning = deployed.provisioning;
  }

  private metabase(props: DashboardsProps, appDb: AppDatabase): { endpoint: Endpoint; provisioning: JobHandle } {
    const { platform, queryEngine } = props;
    const trino = queryEngine.connection("metabase");
    const metabase = platform.service(this, "Resource", {
      name: "metabase",
      image: props.image ?? defaultImage("metabase", props.imageRegistry),
      env: {
        MB_DB_TYPE: "postgres",
        MB_DB_HOST: appDb.endpoint.host,
        MB_DB_PORT: String(appDb.endpoint.port),
        MB_DB_DBNAME: appDb.user,
        MB_DB_USER: appDb.user,
        MB_ANON_TRACKING_ENABLED: "false",
        MB_CHECK_FOR_UPDATES: "false",
        JAVA_OPTS: "-Xmx1g",
      },
      secretEnv: { MB_DB_PASS: appDb.password },
      ports: [{ name: "http", port: 3000 }],
      healthCheck: HealthCheck.http(3000, "/api/health", { intervalSeconds: 5, startPeriodSeconds: 60 }),
      resources: { cpuMillis: 500, memoryMiB: 1536 },
      runAsUser: 2000,
      // MB_PLUGINS_DIR: the jar unpacks its drivers there at every start.
      writablePaths: ["/plugins"],
      // With authentication, the Trino driver's trust store (see jobs/provision-metabase.js).
      files: trino.caFile ? [trino.caFile] : [],
      connectsTo: [appDb.endpoint, trino.endpoint],
      dependsOn: [appDb.endpoint],
    });
    const endpoint = metabase.endpoint("http");

    const queries = analyticsQueries({ catalog: queryEngine.catalogName, rawDatabase: props.rawDatabase, stateDatabase: props.stateDatabase, tables: props.tables });
    const display: Record<string, string> = { "operations-per-day": "bar", "user-growth": "line" };
    const spec = {
      database: databaseSpec(trino, queryEngine.catalogName),
      dashboard: this.dashboardName,
      cards: queries.map((q) => ({ name: q.title, query: q.sql, display: display[q.name] ?? "table" })),
    };
    const provisioning = this.provisioningJob(props, {
      engine: "metabase",
      endpoint,
      env: { MB_URL: endpoint.url("http"), MB_ADMIN_EMAIL: this.adminEmail },
      secretEnv: { MB_ADMIN_PASSWORD: this.adminPassword, ...(trino.password ? { TRINO_PASSWORD: trino.password } : {}) },
      spec,
      dependsOn: [endpoint, queryEngine],
    });
    return { endpoint, provisioning };
  }

  private superset(props: DashboardsProps, appDb: AppDatabase, transformations: ITransformations): { endpoint: Endpoint; provisioning: JobHandle } {
    const { platform, queryEngine } = props;
    const trino = queryEngine.connection("superset");
    const secretKey = platform.secret(this, "SecretKey", { name: "superset-secret-key" });
    const superset = platform.service(this, "Resource", {
      name: "superset",
      image: props.image ?? defaultImage("superset", props.imageRegistry),
      env: {
        DATABASE_HOST: appDb.endpoint.host,
        DATABASE_PORT: String(appDb.endpoint.port),
        DATABASE_DB: appDb.user,
        DATABASE_USER: appDb.user,
        ADMIN_USERNAME: this.adminLogin,
        ADMIN_EMAIL: this.adminEmail,
      },
      secretEnv: { DATABASE_PASSWORD: appDb.password, SUPERSET_SECRET_KEY: secretKey, ADMIN_PASSWORD: this.adminPassword },
      ports: [{ name: "http", port: 8088 }],
      // Migrations, admin and init run before gunicorn on every start: ~80 s on a quiet 2-core machine.
      healthCheck: HealthCheck.http(8088, "/health", { intervalSeconds: 5, startPeriodSeconds: 240 }),
      resources: { cpuMillis: 500, memoryMiB: 1536 },
      runAsUser: 1000,
      // SUPERSET_HOME: the secret key's check file and uploads.
      writablePaths: ["/app/superset_home"],
      // With authentication, Superset's own connections to Trino trust this CA certificate.
      files: trino.caFile ? [trino.caFile] : [],
      connectsTo: [appDb.endpoint, trino.endpoint],
      dependsOn: [appDb.endpoint],
    });
    const endpoint = superset.endpoint("http");

    const spec = {
      database: databaseSpec(trino, queryEngine.catalogName),
      schema: transformations.schema,
      dashboard: this.dashboardName,
      charts: [
        { name: "Operations per day", table: "operations_per_day", viz: "bar", x: "day", metric: { column: "operations", aggregate: "SUM", label: "operations" }, series: "op" },
        { name: "User growth", table: "user_growth", viz: "line", x: "day", metric: { column: "total_users", aggregate: "MAX", label: "users" } },
        {
          name: "Latest balance per account",
          table: "latest_balance_per_account",
          viz: "table",
          // As text: Superset sends numbers to the browser as JavaScript doubles, exact to 15
          // digits, and a DECIMAL(18, 2) balance has up to 18.
          columns: ["account_id", "user_id", { label: "balance", sql: "CAST(balance AS varchar)" }, "currency"],
          orderBy: "account_id",
        },
      ],
    };
    const provisioning = this.provisioningJob(props, {
      engine: "superset",
      endpoint,
      env: { SUPERSET_URL: endpoint.url("http"), SUPERSET_ADMIN_USERNAME: this.adminLogin },
      secretEnv: { SUPERSET_ADMIN_PASSWORD: this.adminPassword, ...(trino.password ? { TRINO_PASSWORD: trino.password } : {}) },
      spec,
      // The marts exist once the first dbt build has run.
      dependsOn: [endpoint, queryEngine, transformations],
    });
    return { endpoint, provisioning };
  }

  /** The job that provisions the engine's Trino connection and dashboard from `spec` (jobs/provision-<engine>.js). */
  private provisioningJob(props: DashboardsProps, job: ProvisioningJob): JobHandle {
    return props.platform.job(
      this,
      "Provisioning",
      nodeJob({
        name: `${job.engine}-provisioning`,
        image: props.jobImage ?? defaultImage("node", props.imageRegistry),
        script: `provision-${job.engine}.js`,
        env: { ...job.env, DASHBOARD_FILE: "/job/dashboard.json" },
        secretEnv: job.secretEnv,
        files: [{ path: "/job/dashboard.json", content: JSON.stringify(job.spec, null, 2) + "\n" }],
        timeoutSeconds: PROVISIONING_TIMEOUT_SECONDS,
        connectsTo: [job.endpoint],
        dependsOn: job.dependsOn,
      }),
    );
  }
}

/** The Trino connection as a provisioning job's spec names it; with authentication, the CA file's path in the engine's container. */
function databaseSpec(trino: TrinoConnection, catalog: string): object {
  return { name: "Lakehouse (Trino)", host: trino.endpoint.host, port: trino.endpoint.port, catalog, user: trino.user, ...(trino.caFile ? { caFile: trino.caFile.path } : {}) };
}

/** What differs between the engines' provisioning jobs. */
interface ProvisioningJob {
  readonly engine: DashboardEngine;
  /** The engine's API, which the job provisions through. */
  readonly endpoint: Endpoint;
  readonly env: Record<string, string>;
  readonly secretEnv: Record<string, Secret>;
  /** The dashboard as code, mounted at /job/dashboard.json. */
  readonly spec: object;
  readonly dependsOn: IDependable[];
}
