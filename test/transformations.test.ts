import { IcebergWarehouse, Orchestrator, QueryEngine, Transformations, ValidationError } from "../constructs";
import { PLATFORMS, synthOn } from "./helpers";

const layers = (scope: any, platform: any, props: Partial<ConstructorParameters<typeof Transformations>[2]> = {}) => {
  const warehouse = new IcebergWarehouse(scope, "Warehouse", { platform });
  const queryEngine = new QueryEngine(scope, "Trino", { platform, warehouse });
  return new Transformations(scope, "Transformations", { platform, queryEngine, rawDatabase: "raw_data", stateDatabase: "bank", tables: ["users", "accounts"], ...props });
};

describe.each(PLATFORMS)("Transformations and Orchestrator on %s", (kind) => {
  const synth = () =>
    synthOn(kind, (scope, platform) => {
      const transformations = layers(scope, platform);
      new Orchestrator(scope, "Orchestrator", { platform, transformations, rawTables: ["users", "accounts"] });
    });

  test("a dbt build job with the whole project mounted and Trino's address, schemas and catalog in its env", () => {
    const s = synth();
    expect(s.env("dbt-build")).toMatchObject({
      DBT_TRINO_HOST: "trino",
      DBT_TRINO_PORT: "8080",
      DBT_TRINO_CATALOG: "iceberg",
      DBT_RAW_SCHEMA: "raw_data",
      DBT_STATE_SCHEMA: "bank",
      DBT_SCHEMA: "analytics",
    });
    const files = s.files("dbt-build");
    expect(files["/opt/lakehouse/dbt/dbt_project.yml"]).toContain("name: lakehouse");
    expect(Object.keys(files)).toEqual(expect.arrayContaining(["/opt/lakehouse/dbt/profiles.yml", "/opt/lakehouse/dbt/models/vault/h_users.sql", "/opt/lakehouse/dbt/models/marts/user_growth.sql"]));
    // Trino runs without authentication inside the stack: dbt gets no credential at all.
    expect(Object.keys(s.env("dbt-build")).filter((k) => /PASS|SECRET|TOKEN/.test(k))).toEqual([]);
    const container = kind === "docker" ? s.container("dbt-build") : s.k8sWorkload("dbt-build").spec.template.spec.container[0];
    expect(kind === "docker" ? container.entrypoint : container.command).toEqual(["dbt", "build", "--project-dir", "/opt/lakehouse/dbt"]);
  });

  test("Dagster's code server holds the project and the definitions; webserver and daemon reach it over gRPC; all share a database password from a secret", () => {
    const s = synth();
    const command = (name: string) => (kind === "docker" ? s.container(name).entrypoint : s.k8sWorkload(name).spec.template.spec.container[0].command).join(" ");
    expect(s.env("dagster-code")).toMatchObject({ RAW_TABLES: "users,accounts", DBT_TRINO_HOST: "trino" });
    expect(s.files("dagster-code")["/opt/lakehouse/orchestrator/definitions.py"]).toContain("@dbt_assets");
    expect(command("dagster-code")).toContain("dagster api grpc -h 0.0.0.0 -p 4000 -f /opt/lakehouse/orchestrator/definitions.py");
    for (const name of ["dagster-code", "dagster-webserver", "dagster-daemon"]) {
      expect(s.env(name)).toMatchObject({ DAGSTER_PG_HOST: "dagster-db", DAGSTER_HOME: "/opt/dagster/home" });
      expect(s.credential(name, "DAGSTER_PG_PASSWORD")).toMatch(/^\$\{random_password\.Orchestrator_StoragePassword_[0-9A-F]+\.result\}$/);
      expect(s.files(name)["/opt/dagster/home/dagster.yaml"]).toContain("password: {env: DAGSTER_PG_PASSWORD}");
      expect(s.persistentPaths(name)).toEqual([]);
    }
    for (const name of ["dagster-webserver", "dagster-daemon"]) {
      expect(s.env(name)).toMatchObject({ DAGSTER_CODE_HOST: "dagster-code", DAGSTER_CODE_PORT: "4000" });
      expect(s.files(name)["/opt/lakehouse/orchestrator/workspace.yaml"]).toContain("grpc_server:");
      // Only the code server imports the definitions (and with them dagster-dbt and the manifest).
      expect(s.files(name)["/opt/lakehouse/orchestrator/definitions.py"]).toBeUndefined();
      expect(Object.keys(s.env(name)).filter((k) => k.startsWith("DBT_"))).toEqual([]);
    }
    expect(command("dagster-daemon")).toContain("dagster-daemon run");
  });

  test("Dagster's database keeps its data on persistent storage and takes the same password", () => {
    const s = synth();
    expect(s.env("dagster-db")).toMatchObject({ POSTGRES_DB: "dagster", POSTGRES_USER: "dagster" });
    expect(s.secretFile("dagster-db", "postgres-password")).toBe(s.credential("dagster-daemon", "DAGSTER_PG_PASSWORD"));
    expect(s.persistentPaths("dagster-db")).toEqual(["/var/lib/postgresql/data"]);
  });
});

describe("Transformations", () => {
  test("ships every model, macro and test of dbt/ and no build output", () => {
    let t!: Transformations;
    synthOn("docker", (scope, platform) => (t = layers(scope, platform)));
    const paths = t.projectFiles.map((f) => f.path);
    for (const model of ["parsed/parsed_users.sql", "vault/h_users.sql", "vault/l_users_accounts.sql", "vault/s_accounts.sql", "vault/s_account_owner.sql", "marts/latest_balance_per_account.sql"]) {
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
  const orchestrator = (props: Partial<ConstructorParameters<typeof Orchestrator>[2]>) =>
    synthOn("docker", (scope, platform) => new Orchestrator(scope, "O", { platform, transformations: layers(scope, platform), rawTables: ["users"], ...props }));

  test.each([
    [{ schedule: "every hour" }, "schedule"],
    [{ freshnessMinutes: 0 }, "freshnessMinutes"],
    [{ sensorIntervalSeconds: 10 }, "sensorIntervalSeconds"],
    [{ sensorIntervalSeconds: 60.5 }, "sensorIntervalSeconds"],
    [{ maintenance: { schedule: "hourly" } }, "maintenance.schedule"],
    [{ maintenance: { checkIntervalSeconds: 5 } }, "maintenance.checkIntervalSeconds"],
    [{ maintenance: { targetFileSizeMiB: 64, smallFileSizeMiB: 128 } }, "maintenance.smallFileSizeMiB"],
    [{ maintenance: { maxSmallFiles: 1 } }, "maintenance.maxSmallFiles"],
    [{ maintenance: { maxDeleteFiles: 0 } }, "maintenance.maxDeleteFiles"],
    [{ maintenance: { snapshotRetentionMinutes: 0.5 } }, "maintenance.snapshotRetentionMinutes"],
    [{ maintenance: { orphanRetentionMinutes: 5 } }, "maintenance.orphanRetentionMinutes"],
  ])("rejects %j naming the prop", (props, prop) => {
    expect(() => orchestrator(props as any)).toThrow(new RegExp(`Orchestrator: ${prop.replace(".", "\\.")} `));
  });

  test("table maintenance by default: every table namespace of the dbt project (raw, state, vault, marts), with its targets, in the code server", () => {
    const s = orchestrator({ maintenance: { maxDeleteFiles: 8, snapshotRetentionMinutes: 30 } });
    expect(s.env("dagster-code")).toMatchObject({
      MAINTAIN_SCHEMAS: "raw_data,bank,analytics_vault,analytics",
      MAINTENANCE_SCHEDULE: "0 * * * *",
      MAINTENANCE_CHECK_SECONDS: "300",
      MAINTENANCE_TARGET_FILE_MIB: "128",
      MAINTENANCE_SMALL_FILE_MIB: "32",
      MAINTENANCE_MAX_DELETE_FILES: "8",
      MAINTENANCE_SNAPSHOT_RETENTION_MINUTES: "30",
      MAINTENANCE_ORPHAN_RETENTION_MINUTES: "4320",
    });
    expect(s.files("dagster-code")["/opt/lakehouse/orchestrator/maintenance.py"]).toContain("EXECUTE optimize(");
  });

  test("maintenance: false leaves the job, its schedule and its sensor out (no MAINTAIN_SCHEMAS)", () => {
    const env = orchestrator({ maintenance: false }).env("dagster-code");
    expect(Object.keys(env).filter((k) => k.startsWith("MAINTAIN"))).toEqual([]);
  });
});
