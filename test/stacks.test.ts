import { Testing } from "cdktf";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { BANK_TABLES, ColumnTypes } from "../constructs";
import { DEV_PORTS, Environment, environments, settingsFromEnv } from "../stacks/environments";
import { LakehouseStack, withDeployedSchema } from "../stacks/lakehouse-stack";

// Metabase pinned: the snapshots keep covering its provisioning, which no e2e tier runs (the
// default engine under the local registry is Superset; see the dashboards default test below).
const PINNED = { LAKEHOUSE_DASHBOARDS: "metabase" };
const SETTINGS = settingsFromEnv(PINNED);

function synthAll(): Record<string, string> {
  const app = Testing.app();
  const out: Record<string, string> = {};
  for (const env of environments(SETTINGS)) out[env.name] = Testing.synth(new LakehouseStack(app, env), true);
  return out;
}

describe("environment stacks", () => {
  const stacks = synthAll();

  test("dev runs on Docker, k8s and k8s-ha on Kubernetes, each in its own namespace", () => {
    expect(Object.keys(stacks)).toEqual(["dev", "k8s", "k8s-ha"]);
    expect(JSON.parse(stacks.dev).resource.docker_container).toBeDefined();
    expect(Object.values<any>(JSON.parse(stacks.k8s).resource.kubernetes_namespace_v1).map((n) => n.metadata.name)).toEqual(["lakehouse"]);
    expect(Object.values<any>(JSON.parse(stacks["k8s-ha"]).resource.kubernetes_namespace_v1).map((n) => n.metadata.name)).toEqual(["lakehouse-ha"]);
  });

  test("k8s-ha runs two or more of each replicated layer, each with a disruption budget; k8s one of each", () => {
    const replicated = (stack: string) => {
      const r = JSON.parse(stacks[stack]).resource;
      const workloads = [...Object.values<any>(r.kubernetes_deployment_v1 ?? {}), ...Object.values<any>(r.kubernetes_stateful_set_v1 ?? {})];
      return Object.fromEntries(workloads.filter((w) => Number(w.spec.replicas) > 1).map((w) => [w.metadata.name, Number(w.spec.replicas)]));
    };
    expect(replicated("k8s")).toEqual({});
    expect(replicated("k8s-ha")).toEqual({ kafka: 3, connect: 2, "flink-jobmanager": 2, "flink-taskmanager": 2, "iceberg-rest": 2, minio: 3, "trino-worker": 2 });
    const budgets = Object.values<any>(JSON.parse(stacks["k8s-ha"]).resource.kubernetes_pod_disruption_budget_v1).map((b) => b.metadata.name);
    expect(budgets.sort()).toEqual(["connect", "flink-jobmanager", "flink-taskmanager", "iceberg-rest", "kafka", "minio", "trino-worker"]);
  });

  test("synthesis is deterministic", () => {
    expect(synthAll()).toEqual(stacks);
  });

  test("dev publishes every endpoint at DEV_PORTS on 127.0.0.1; k8s only records them (Kafka advertises the port-forward)", () => {
    const dev = JSON.parse(stacks.dev);
    const access = dev.output.access.value;
    expect({
      postgres: access.source.endpoint.published,
      kafka: access.cdc.kafka.published,
      connect: access.cdc.connect.published,
      s3: access.warehouse.s3.published,
      minioConsole: access.warehouse.console.published,
      icebergRest: access.warehouse.catalog.published,
      flink: access.streamJob.jobManager.published,
      flinkSqlGateway: access.streamJob.sqlGateway.published,
      trino: access.query.trino.published,
      dagster: access.orchestrator.dagster.published,
      metabase: access.dashboards.endpoint.published,
      prometheus: access.monitoring.prometheus.published,
      alertmanager: access.monitoring.alertmanager.published,
    }).toEqual(
      Object.fromEntries(
        Object.entries(DEV_PORTS)
          .filter(([name]) => name !== "superset")
          .map(([name, port]) => [name, `127.0.0.1:${port}`]),
      ),
    );
    const published = Object.values<any>(dev.resource.docker_container).flatMap((c) => c.ports ?? []);
    expect(published.map((p: any) => p.external).sort()).toEqual(
      Object.values(DEV_PORTS)
        .filter((p) => p !== DEV_PORTS.superset)
        .sort(),
    );
    expect(published.every((p: any) => p.ip === "127.0.0.1")).toBe(true);
    const kafkaEnv = JSON.parse(stacks.dev).resource.docker_container as Record<string, any>;
    const advertised = Object.values<any>(kafkaEnv)
      .find((c) => c.name === "lakehouse-dev-kafka")
      .env.find((e: string) => e.startsWith("KAFKA_ADVERTISED_LISTENERS="));
    expect(advertised).toBe("KAFKA_ADVERTISED_LISTENERS=PLAINTEXT://kafka:9092,EXTERNAL://localhost:19092");
    const k8sKafka = Object.values<any>(JSON.parse(stacks.k8s).resource.kubernetes_stateful_set_v1).find((r) => r.metadata.name === "kafka");
    expect(k8sKafka.spec.template.spec.container[0].env).toContainEqual({ name: "KAFKA_ADVERTISED_LISTENERS", value: "PLAINTEXT://kafka:9092,EXTERNAL://localhost:19092" });
    expect(JSON.stringify(JSON.parse(stacks.k8s).output.access.value)).not.toContain("127.0.0.1");
  });

  test("dev uses the locally built images by default", () => {
    const images = Object.values(JSON.parse(stacks.dev).resource.docker_image).map((i: any) => i.name);
    for (const image of images) expect(image).toMatch(/^lakehouse\.local\//);
  });

  test("LAKEHOUSE_DASHBOARDS=off drops Metabase; LAKEHOUSE_IMAGE_REGISTRY=upstream uses public registries", () => {
    const envs = environments(settingsFromEnv({ LAKEHOUSE_DASHBOARDS: "off", LAKEHOUSE_IMAGE_REGISTRY: "upstream" }));
    const dev = JSON.parse(Testing.synth(new LakehouseStack(Testing.app(), envs[0]), true));
    const names = Object.values<any>(dev.resource.docker_container).map((c) => c.name);
    expect(names).not.toContain("lakehouse-dev-metabase");
    expect(Object.values<any>(dev.resource.docker_image).map((i) => i.name)).toContain("docker.io/library/postgres:17.12");
    expect(() => settingsFromEnv({ LAKEHOUSE_DASHBOARDS: "yes" })).toThrow("LAKEHOUSE_DASHBOARDS must be 'metabase' (or 'on'), 'superset' or 'off' (got 'yes')");
  });

  test("the schema a stack last deployed (its local state's source_tables output) makes a refused change fail at synth", () => {
    const [dev] = environments(SETTINGS);
    const outputs = JSON.parse(stacks.dev).output;
    expect(JSON.parse(outputs.source_tables.value)).toEqual(BANK_TABLES);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "lakehouse-state-"));
    try {
      expect(withDeployedSchema(dev, dir, {})).toBe(dev);
      // As if a wider currency had been deployed: the code's varchar(3) would narrow it.
      const deployed = BANK_TABLES.map((t) => (t.name !== "accounts" ? t : { ...t, columns: t.columns.map((c) => (c.name === "currency" ? { ...c, type: ColumnTypes.varchar(8) } : c)) }));
      fs.writeFileSync(path.join(dir, "terraform.dev.tfstate"), JSON.stringify({ outputs: { source_tables: { value: JSON.stringify(deployed), type: "string" } } }));
      expect(() => new LakehouseStack(Testing.app(), withDeployedSchema(dev, dir, {}))).toThrow("column accounts.currency was deployed as varchar(8) and is varchar(3) in tables");
      // A destroy (npm run down sets it) is not refused for a schema it will not apply.
      expect(withDeployedSchema(dev, dir, { LAKEHOUSE_SCHEMA_CHECK: "off" })).toBe(dev);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test("LAKEHOUSE_K8S_CPU_FRACTION scales the k8s stack's CPU requests and leaves dev alone", () => {
    const envs = environments(settingsFromEnv({ ...PINNED, LAKEHOUSE_K8S_CPU_FRACTION: "0.25" }));
    const k8s = JSON.parse(Testing.synth(new LakehouseStack(Testing.app(), envs[1]), true));
    const pg = k8s.resource.kubernetes_stateful_set_v1;
    const postgres = Object.values<any>(pg).find((s) => s.metadata.name === "postgres");
    expect(postgres.spec.template.spec.container[0].resources).toEqual({ requests: { cpu: "125m", memory: "512Mi" }, limits: { memory: "512Mi" } });
    expect(Testing.synth(new LakehouseStack(Testing.app(), envs[0]), true)).toEqual(stacks.dev);
    for (const bad of ["0", "2", "abc"]) {
      expect(() => settingsFromEnv({ LAKEHOUSE_K8S_CPU_FRACTION: bad })).toThrow(`LAKEHOUSE_K8S_CPU_FRACTION must be a number greater than 0 and at most 1, e.g. 0.25 (got '${bad}')`);
    }
  });

  test("LAKEHOUSE_CHECKPOINT_MS sets every stack's checkpoint interval (5000 by default) and refuses what is not a whole number of ms >= 500", () => {
    expect(environments(settingsFromEnv({ ...PINNED })).map((e) => (e.lakehouse.streamJob as any).checkpointIntervalMs)).toEqual([5000, 5000, 5000]);
    expect(environments(settingsFromEnv({ ...PINNED, LAKEHOUSE_CHECKPOINT_MS: "1000" })).map((e) => (e.lakehouse.streamJob as any).checkpointIntervalMs)).toEqual([1000, 1000, 1000]);
    for (const bad of ["0", "100", "1.5", "1s"]) {
      expect(() => settingsFromEnv({ LAKEHOUSE_CHECKPOINT_MS: bad })).toThrow(`LAKEHOUSE_CHECKPOINT_MS must be a whole number of milliseconds, at least 500, e.g. 5000 (got '${bad}')`);
    }
  });

  test("the Kubernetes stacks' Trino authenticates with the files of LAKEHOUSE_TLS_DIR (default ~/.config/lakehouse-cdc/tls); dev's does not; a relative directory is refused", () => {
    const auth = (env: Environment) => (env.lakehouse.queryEngine || {}).authentication;
    const [dev, k8s, ha] = environments(settingsFromEnv({ ...PINNED, LAKEHOUSE_TLS_DIR: "/etc/pki/lakehouse" }));
    expect(auth(dev)).toBeUndefined();
    for (const env of [k8s, ha])
      expect(auth(env)).toEqual({ certificateFile: "/etc/pki/lakehouse/trino.pem", privateKeyFile: "/etc/pki/lakehouse/trino-key.pem", caFile: "/etc/pki/lakehouse/ca.pem" });
    expect(auth(environments(settingsFromEnv({ ...PINNED }))[1])?.caFile).toBe(path.join(os.homedir(), ".config/lakehouse-cdc/tls/ca.pem"));
    expect(() => settingsFromEnv({ LAKEHOUSE_TLS_DIR: "tls" })).toThrow(/^LAKEHOUSE_TLS_DIR must be an absolute path, e\.g\. \/.+\/\.config\/lakehouse-cdc\/tls \(got 'tls'\)$/);
  });

  test("without LAKEHOUSE_DASHBOARDS the engine follows the registry: superset on lakehouse.local, metabase on a real one", () => {
    expect(settingsFromEnv({}).dashboards).toBe("superset");
    expect(settingsFromEnv({ LAKEHOUSE_IMAGE_REGISTRY: "lakehouse.local" }).dashboards).toBe("superset");
    expect(settingsFromEnv({ LAKEHOUSE_IMAGE_REGISTRY: "upstream" }).dashboards).toBe("metabase");
    expect(settingsFromEnv({ LAKEHOUSE_IMAGE_REGISTRY: "registry.example.com/mirror" }).dashboards).toBe("metabase");
    expect(settingsFromEnv({ LAKEHOUSE_DASHBOARDS: "metabase" }).dashboards).toBe("metabase");
    expect(settingsFromEnv({ LAKEHOUSE_DASHBOARDS: "on" }).dashboards).toBe("metabase");
    expect(settingsFromEnv({ LAKEHOUSE_DASHBOARDS: "superset", LAKEHOUSE_IMAGE_REGISTRY: "upstream" }).dashboards).toBe("superset");
    expect(settingsFromEnv({ LAKEHOUSE_DASHBOARDS: "off" }).dashboards).toBe(false);
    const [dev] = environments(settingsFromEnv({}));
    const json = JSON.parse(Testing.synth(new LakehouseStack(Testing.app(), dev), true));
    expect(json.output.dashboards_engine.value).toBe("superset");
    expect(Object.values<any>(json.resource.docker_image).map((i) => i.name)).not.toContainEqual(expect.stringMatching(/metabase\/metabase/));
  });

  test("LAKEHOUSE_DASHBOARDS=superset serves the dashboard from Superset on the dbt marts", () => {
    const [dev] = environments(settingsFromEnv({ LAKEHOUSE_DASHBOARDS: "superset" }));
    const json = JSON.parse(Testing.synth(new LakehouseStack(Testing.app(), dev), true));
    const containers = Object.values<any>(json.resource.docker_container);
    const superset = containers.find((c) => c.name === "lakehouse-dev-superset");
    expect(superset.ports).toEqual([expect.objectContaining({ internal: 8088, external: 13088, ip: "127.0.0.1" })]);
    expect(containers.map((c) => c.name)).not.toContain("lakehouse-dev-metabase");
    expect(json.output.dashboards_engine.value).toBe("superset");
  });
});
