import { IcebergWarehouse, Orchestrator, QueryEngine, Transformations, ValidationError } from "../constructs";
import { PLATFORMS, synthOn } from "./helpers";

const layers = (scope: any, platform: any, props: Partial<ConstructorParameters<typeof Transformations>[2]> = {}) => {
  const warehouse = new IcebergWarehouse(scope, "Warehouse", { platform });
  const queryEngine = new QueryEngine(scope, "Trino", { platform, warehouse });
  return new Transformations(scope, "Transformations", { platform, queryEngine, rawDatabase: "raw_data", stateDatabase: "bank", tables: ["users", "accounts"], ...props });
};

describe.each(PLATFORMS)("Transformations and Orchestrator on %s", (kind) => {
  test("a dbt build job with the project mounted, and Dagster's webserver, daemon and database", () => {
    const s = synthOn(kind, (scope, platform) => {
      const transformations = layers(scope, platform);
      new Orchestrator(scope, "Orchestrator", { platform, transformations, rawTables: ["users", "accounts"] });
    });
    if (kind === "docker") {
      expect(s.container("dbt-build").entrypoint).toEqual(["dbt", "build", "--project-dir", "/opt/lakehouse/dbt"]);
      expect(s.containerEnv("dbt-build")).toMatchObject({ DBT_TRINO_HOST: "trino", DBT_TRINO_PORT: "8080", DBT_RAW_SCHEMA: "raw_data", DBT_SCHEMA: "analytics" });
      expect(s.upload("dbt-build", "/opt/lakehouse/dbt/dbt_project.yml")).toContain("name: lakehouse");
      expect(s.upload("dagster-daemon", "/opt/lakehouse/orchestrator/definitions.py")).toContain("@dbt_assets");
      expect(s.upload("dagster-webserver", "/opt/dagster/home/dagster.yaml")).toContain("DAGSTER_PG_PASSWORD");
      expect(s.containerEnv("dagster-daemon").DAGSTER_PG_PASSWORD).toMatch(/random_password/);
      expect(s.container("dagster-daemon").entrypoint.join(" ")).toContain("dagster-daemon run");
    } else {
      expect(s.k8s("kubernetes_job_v1", "dbt-build")).toBeDefined();
      expect(s.k8s("kubernetes_deployment_v1", "dagster-webserver")).toBeDefined();
      expect(s.k8s("kubernetes_deployment_v1", "dagster-daemon")).toBeDefined();
      expect(s.k8s("kubernetes_stateful_set_v1", "dagster-db")).toBeDefined();
    }
  });
});

describe("Transformations", () => {
  test("ships every model, macro and test of dbt/ and no build output", () => {
    let t!: Transformations;
    synthOn("docker", (scope, platform) => (t = layers(scope, platform)));
    const paths = t.projectFiles.map((f) => f.path);
    for (const model of ["parsed/parsed_users.sql", "vault/h_users.sql", "vault/l_users_accounts.sql", "vault/s_accounts.sql", "marts/latest_balance_per_account.sql"]) {
      expect(paths).toContain(`/opt/lakehouse/dbt/models/${model}`);
    }
    expect(paths.filter((p) => /\/(target|logs)\//.test(p))).toEqual([]);
    expect(t.marts).toEqual(["iceberg.analytics.operations_per_day", "iceberg.analytics.user_growth", "iceberg.analytics.latest_balance_per_account"]);
  });

  test.each([
    [{ tables: ["users"] }, "tables"],
    [{ schema: "Analytics-1" }, "schema"],
    [{ threads: 0 }, "threads"],
  ])("rejects %j naming the prop", (props, prop) => {
    expect(() => synthOn("docker", (scope, platform) => layers(scope, platform, props as any))).toThrow(ValidationError);
    expect(() => synthOn("docker", (scope, platform) => layers(scope, platform, props as any))).toThrow(new RegExp(`Transformations: ${prop} `));
  });
});

describe("Orchestrator", () => {
  test.each([
    [{ schedule: "every hour" }, "schedule"],
    [{ freshnessMinutes: 0 }, "freshnessMinutes"],
    [{ sensorIntervalSeconds: 10 }, "sensorIntervalSeconds"],
    [{ sensorIntervalSeconds: 60.5 }, "sensorIntervalSeconds"],
  ])("rejects %j naming the prop", (props, prop) => {
    const build = () => synthOn("docker", (scope, platform) => new Orchestrator(scope, "O", { platform, transformations: layers(scope, platform), rawTables: ["users"], ...(props as any) }));
    expect(build).toThrow(new RegExp(`Orchestrator: ${prop} `));
  });
});
