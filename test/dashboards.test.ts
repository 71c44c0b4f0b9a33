import { Dashboards, IcebergWarehouse, QueryEngine, Transformations } from "../constructs";
import { PLATFORMS, synthOn } from "./helpers";

const build = (scope: any, platform: any) => {
  const warehouse = new IcebergWarehouse(scope, "Warehouse", { platform });
  const queryEngine = new QueryEngine(scope, "Trino", { platform, warehouse });
  return new Dashboards(scope, "Dashboards", { platform, queryEngine, rawDatabase: "raw_data", stateDatabase: "bank", tables: ["users", "accounts"] });
};

describe.each(PLATFORMS)("Dashboards on %s", (kind) => {
  test("Metabase with its own persistent PostgreSQL application database", () => {
    const s = synthOn(kind, build);
    if (kind === "docker") {
      expect(s.containerEnv("metabase")).toMatchObject({ MB_DB_TYPE: "postgres", MB_DB_HOST: "metabase-db", MB_DB_DBNAME: "metabase" });
      expect(s.find("docker_volume", (v) => v.name === "lakehouse-metabase-db-data")).toBeDefined();
    } else {
      expect(s.k8s("kubernetes_stateful_set_v1", "metabase-db")).toBeDefined();
      expect(s.k8s("kubernetes_deployment_v1", "metabase")).toBeDefined();
    }
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
    expect(latest.split("\n").filter((l) => !l.startsWith("--")).join("\n")).not.toMatch(/QUALIFY/i);
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
    const build = () => synthOn("docker", (scope, platform) => {
      const warehouse = new IcebergWarehouse(scope, "Warehouse", { platform });
      const queryEngine = new QueryEngine(scope, "Trino", { platform, warehouse });
      new Dashboards(scope, "Dashboards", { platform, queryEngine, engine: "superset", rawDatabase: "raw_data", stateDatabase: "bank", tables: ["users", "accounts"] });
    });
    expect(build).toThrow(/Dashboards: transformations is required for Superset/);
  });
});
