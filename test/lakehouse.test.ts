import { Lakehouse, LOCAL_IMAGE_REGISTRY, SourceDb } from "../constructs";
import { PLATFORMS, stackOn, synthOn } from "./helpers";

const SERVICES = [
  "postgres",
  "kafka",
  "connect",
  "minio",
  "iceberg-rest",
  "flink-jobmanager",
  "flink-taskmanager",
  "flink-sql-gateway",
  "flink-pipeline",
  "flink-probe-keeper",
  "trino",
  "dagster-code",
  "dagster-webserver",
  "dagster-daemon",
  "metabase",
  "prometheus",
  "alertmanager",
  "postgres-exporter",
  "dagster-exporter",
  "freshness-probe",
];
const JOBS = ["postgres-schema", "connector-registration", "connector-snapshots", "warehouse-bucket", "flink-pipeline-rollout", "flink-probe-rollout", "dbt-build", "metabase-provisioning"];

describe.each(PLATFORMS)("Lakehouse on %s", (kind) => {
  const names = (props: Partial<ConstructorParameters<typeof Lakehouse>[2]> = {}): string[] => {
    const s = synthOn(kind, (scope, platform) => new Lakehouse(scope, "Lakehouse", { platform, ...props }));
    if (kind === "docker") return Object.values(s.resources("docker_container")).map((c: any) => c.name.replace(/^lakehouse-/, ""));
    return ["kubernetes_stateful_set_v1", "kubernetes_deployment_v1", "kubernetes_job_v1"].flatMap((t) => Object.values(s.resources(t)).map((r: any) => r.metadata.name));
  };

  test("composes every layer's services and jobs", () => {
    expect(names().sort()).toEqual([...SERVICES, ...JOBS, ...["metabase-db", "dagster-db"]].sort());
  });

  test("layers can be switched off", () => {
    const n = names({ dashboards: false, queryEngine: false, streamJob: false });
    expect(n).toContain("connect");
    expect(n).not.toContain("trino");
    expect(n).not.toContain("flink-jobmanager");
    expect(n).not.toContain("metabase");
    expect(n).not.toContain("dbt-build");
  });

  test("monitoring can be switched off, and scrapes only the layers that run", () => {
    expect(names({ monitoring: false }).filter((x) => /prometheus|alertmanager|exporter/.test(x))).toEqual([]);
    const s = synthOn(kind, (scope, platform) => new Lakehouse(scope, "Lakehouse", { platform, imageRegistry: LOCAL_IMAGE_REGISTRY, streamJob: false, queryEngine: false }));
    const config = JSON.parse(s.files("prometheus")["/etc/prometheus/prometheus.yml"]);
    expect(config.scrape_configs.map((c: { job_name: string }) => c.job_name).sort()).toEqual(["kafka", "kafka-connect", "minio", "postgres", "prometheus"]);
  });

  test("the orchestrator can be switched off alone, and needs the transformations", () => {
    const n = names({ orchestrator: false });
    expect(n).toContain("dbt-build");
    expect(n.filter((x) => x.startsWith("dagster"))).toEqual([]);
    expect(() => names({ transformations: false, orchestrator: { schedule: "0 * * * *" } })).toThrow(/Lakehouse: orchestrator .*Set orchestrator: false/);
  });

  test("an existing source database replaces the managed one", () => {
    const s = synthOn(kind, (scope, platform) => {
      const source = SourceDb.fromExisting(scope, "Existing", { platform, host: "db.internal", adminUser: "admin", adminPassword: "x" });
      new Lakehouse(scope, "Lakehouse", { platform, source, dashboards: false });
    });
    const text = JSON.stringify(s.json);
    expect(text).toContain("db.internal");
    if (kind === "docker") expect(() => s.container("postgres")).toThrow();
  });
});

describe("Lakehouse wiring", () => {
  test("each layer takes the previous one's typed outputs", () => {
    const { stack, platform } = stackOn("docker");
    const lh = new Lakehouse(stack, "Lakehouse", { platform, cdc: { topicPrefix: "core" }, queryEngine: { catalogName: "lake" } });
    expect(lh.cdc!.tables).toBe(lh.source.capturedTables);
    expect(lh.streamJob!.sql).toContain("'topic-pattern' = 'core\\.public\\.accounts'");
    expect(lh.streamJob!.sql).toContain(`'uri' = '${lh.warehouse!.catalog.url("http")}'`);
    expect(lh.queryEngine!.catalogName).toBe("lake");
  });

  test("the registry mirror rewrites every default image", () => {
    const s = synthOn("docker", (scope, platform) => new Lakehouse(scope, "Lakehouse", { platform, imageRegistry: "mirror.example.com" }));
    const images = Object.values(s.resources("docker_image")).map((i: any) => i.name);
    expect(images.length).toBeGreaterThanOrEqual(9);
    for (const image of images) expect(image).toMatch(/^mirror\.example\.com\//);
    expect(images).toContain("mirror.example.com/postgres:17.12");
    expect(images).toContain("mirror.example.com/debezium/connect:3.6.1.Final");
  });
});
