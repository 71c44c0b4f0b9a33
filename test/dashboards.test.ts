import { Dashboards, IcebergWarehouse, QueryEngine, Transformations } from "../constructs";
import { PLATFORMS, synthOn } from "./helpers";

const build = (scope: any, platform: any) => {
  const warehouse = new IcebergWarehouse(scope, "Warehouse", { platform });
  const queryEngine = new QueryEngine(scope, "Trino", { platform, warehouse });
  return new Dashboards(scope, "Dashboards", { platform, queryEngine, rawDatabase: "raw_data", stateDatabase: "bank", tables: ["users", "accounts"] });
};

describe.each(PLATFORMS)("Dashboards on %s", (kind) => {
  test("Metabase with its own persistent PostgreSQL application database, sharing one generated password", () => {
    const s = synthOn(kind, build);
    expect(s.env("metabase")).toMatchObject({ MB_DB_TYPE: "postgres", MB_DB_HOST: "metabase-db", MB_DB_PORT: "5432", MB_DB_DBNAME: "metabase", MB_DB_USER: "metabase" });
    expect(s.env("metabase-db")).toMatchObject({ POSTGRES_DB: "metabase", POSTGRES_USER: "metabase" });
    expect(s.credential("metabase", "MB_DB_PASS")).toMatch(/^\$\{random_password\.Dashboards_AppDbPassword_[0-9A-F]+\.result\}$/);
    expect(s.secretFile("metabase-db", "postgres-password")).toBe(s.credential("metabase", "MB_DB_PASS"));
    expect(s.persistentPaths("metabase-db")).toEqual(["/var/lib/postgresql/data"]);
    expect(s.persistentPaths("metabase")).toEqual([]);
  });

  test("the provisioning job gets the admin password as a secret and the dashboard spec as a file", () => {
    const s = synthOn(kind, build);
    expect(s.env("metabase-provisioning")).toMatchObject({ MB_URL: "http://metabase:3000", DASHBOARD_FILE: "/job/dashboard.json" });
    expect(s.credential("metabase-provisioning", "MB_ADMIN_PASSWORD")).toMatch(/random_password\.Dashboards_AdminPassword_/);
    expect(Object.keys(s.files("metabase-provisioning")).sort()).toEqual(["/job/dashboard.json", "/job/lib.js", "/job/provision-metabase.js"]);
    expect(JSON.parse(s.files("metabase-provisioning")["/job/dashboard.json"]).dashboard).toBe("Lakehouse CDC");
  });
});

describe("Dashboards provisioning", () => {
  test("provisions the Trino connection and the three CDC cards as code", () => {
    const s = synthOn("docker", build);
    const spec = JSON.parse(s.upload("metabase-provisioning", "/job/dashboard.json"));
    expect(spec.database).toEqual({ name: "Lakehouse (Trino)", host: "trino", port: 8080, catalog: "iceberg", user: "metabase" });
    expect(spec.dashboard).toBe("Lakehouse CDC");
    expect(spec.cards.map((c: any) => c.name)).toEqual(["Latest balance per account", "Operations per day", "User growth"]);
    const ops = spec.cards.find((c: any) => c.name === "Operations per day");
    expect(ops.query).toContain("FROM iceberg.raw_data.users\n  UNION ALL");
    expect(ops.query).toContain("FROM iceberg.raw_data.accounts\n) AS events");
    const latest: string = spec.cards.find((c: any) => c.name === "Latest balance per account").query;
    expect(
      latest
        .split("\n")
        .filter((l) => !l.startsWith("--"))
        .join("\n"),
    ).not.toMatch(/QUALIFY/i);
    expect(s.containerEnv("metabase-provisioning").MB_ADMIN_PASSWORD).toMatch(/random_password/);
  });
});

describe("Dashboards on Superset", () => {
  const superset = (scope: any, platform: any) => {
    const warehouse = new IcebergWarehouse(scope, "Warehouse", { platform });
    const queryEngine = new QueryEngine(scope, "Trino", { platform, warehouse });
    const transformations = new Transformations(scope, "Dbt", { platform, queryEngine, rawDatabase: "raw_data", stateDatabase: "bank", tables: ["users", "accounts"] });
    return new Dashboards(scope, "Dashboards", { platform, queryEngine, transformations, engine: "superset", rawDatabase: "raw_data", stateDatabase: "bank", tables: ["users", "accounts"] });
  };

  test("Superset with its own PostgreSQL, provisioned after the first dbt build with charts on the marts", () => {
    const s = synthOn("docker", superset);
    expect(s.containerEnv("superset")).toMatchObject({ DATABASE_HOST: "superset-db", DATABASE_USER: "superset", ADMIN_USERNAME: "admin" });
    for (const key of ["SUPERSET_SECRET_KEY", "DATABASE_PASSWORD", "ADMIN_PASSWORD"]) expect(s.containerEnv("superset")[key]).toMatch(/random_password/);
    const spec = JSON.parse(s.upload("superset-provisioning", "/job/dashboard.json"));
    expect(spec).toMatchObject({ schema: "analytics", dashboard: "Lakehouse CDC", database: { host: "trino", port: 8080, catalog: "iceberg" } });
    expect(spec.charts.map((c: any) => c.table)).toEqual(["operations_per_day", "user_growth", "latest_balance_per_account"]);
    expect(s.container("superset-provisioning").depends_on.join(" ")).toMatch(/docker_container\.Dbt_Build_/);
  });

  test("Superset without the dbt marts is refused, naming the prop", () => {
    const build = () =>
      synthOn("docker", (scope, platform) => {
        const warehouse = new IcebergWarehouse(scope, "Warehouse", { platform });
        const queryEngine = new QueryEngine(scope, "Trino", { platform, warehouse });
        new Dashboards(scope, "Dashboards", { platform, queryEngine, engine: "superset", rawDatabase: "raw_data", stateDatabase: "bank", tables: ["users", "accounts"] });
      });
    expect(build).toThrow(/Dashboards: transformations is required for Superset/);
  });
});
