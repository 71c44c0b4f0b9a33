import { Testing } from "cdktf";
import { isCredentialName } from "../constructs";
import { environments, settingsFromEnv } from "../stacks/environments";
import { LakehouseStack } from "../stacks/lakehouse-stack";
import { dependsOn, dockerWorkloads, kubernetesWorkloads, Workload } from "./stack-properties";

// What a reviewer of the environment stacks checks, asserted on the synthesized Terraform JSON of
// both platforms. Metabase is pinned so its provisioning job is covered (no e2e tier runs it);
// Superset is covered in stacks.test.ts.
const [devEnv, k8sEnv] = environments(settingsFromEnv({ LAKEHOUSE_DASHBOARDS: "metabase" }));
const synth = (env: typeof devEnv): any => JSON.parse(Testing.synth(new LakehouseStack(Testing.app(), env), true));
const dev = synth(devEnv);
const k8s = synth(k8sEnv);
const NAMESPACE = "lakehouse";

const PLATFORMS: [string, any, Map<string, Workload>][] = [
  ["dev", dev, dockerWorkloads(dev, "lakehouse-dev-")],
  ["k8s", k8s, kubernetesWorkloads(k8s)],
];

/** Long-running services of the stack, by layer. */
const SERVICES = [
  "postgres", // SourceDb
  "kafka",
  "connect", // CdcConnector
  "minio",
  "iceberg-rest", // IcebergWarehouse
  "flink-jobmanager",
  "flink-taskmanager",
  "flink-sql-gateway",
  "flink-pipeline",
  "flink-probe-keeper", // StreamJob (flink-pipeline is the pipeline's keeper, flink-probe-keeper the probe job's)
  "trino", // QueryEngine
  "dagster-db",
  "dagster-code",
  "dagster-webserver",
  "dagster-daemon",
  "dagster-exporter", // Orchestrator
  "metabase-db",
  "metabase", // Dashboards
  "alertmanager",
  "postgres-exporter",
  "freshness-probe",
  "prometheus", // Monitoring
];

/** One-shot steps that every apply runs (and waits for). */
const JOBS = ["postgres-schema", "connector-registration", "connector-snapshots", "warehouse-bucket", "flink-pipeline-rollout", "flink-probe-rollout", "dbt-build", "metabase-provisioning"];

/** Services that keep state on disk, and the path that must be persistent. */
const STATEFUL: Record<string, string> = {
  postgres: "/var/lib/postgresql/data",
  kafka: "/var/lib/kafka/data",
  minio: "/data",
  "iceberg-rest": "/var/lib/iceberg",
  "dagster-db": "/var/lib/postgresql/data",
  "metabase-db": "/var/lib/postgresql/data",
  prometheus: "/prometheus",
  alertmanager: "/alertmanager",
};

/** [later, earlier]: `later` starts only after `earlier` (directly or through other workloads). */
const ORDER: [string, string][] = [
  ["postgres-schema", "postgres"],
  ["connect", "kafka"],
  ["connector-registration", "connect"],
  ["connector-registration", "postgres-schema"],
  ["connector-snapshots", "connector-registration"],
  ["warehouse-bucket", "minio"],
  ["iceberg-rest", "warehouse-bucket"],
  ["trino", "iceberg-rest"],
  ["flink-jobmanager", "iceberg-rest"],
  ["flink-taskmanager", "flink-jobmanager"],
  ["flink-sql-gateway", "flink-jobmanager"],
  ["flink-pipeline", "flink-sql-gateway"],
  ["flink-pipeline", "flink-taskmanager"],
  ["flink-pipeline", "connector-snapshots"],
  ["flink-pipeline-rollout", "flink-pipeline"],
  ["dbt-build", "flink-pipeline-rollout"],
  ["dbt-build", "trino"],
  ["dagster-code", "dagster-db"],
  ["dagster-code", "dbt-build"],
  ["dagster-webserver", "dagster-code"],
  ["dagster-daemon", "dagster-webserver"],
  ["metabase", "metabase-db"],
  ["metabase-provisioning", "metabase"],
  ["metabase-provisioning", "trino"],
  ["postgres-exporter", "postgres"],
  ["dagster-exporter", "dagster-db"],
  // The probe's first heartbeats are timed against a running pipeline, not one still starting.
  ["freshness-probe", "flink-pipeline-rollout"],
  ["freshness-probe", "flink-probe-rollout"],
  ["flink-probe-keeper", "flink-pipeline-rollout"],
  ["flink-probe-rollout", "flink-probe-keeper"],
  ["prometheus", "alertmanager"],
];

/** A Terraform expression that yields a generated password or a (sensitive) variable, never text. */
const GENERATED_OR_VARIABLE = /^\$\{(coalesce\(var\.[a-z0-9_]+, )?random_password\.[A-Za-z0-9_]+\.result\)?\}$/;

describe.each(PLATFORMS)("the %s stack", (_name, json, workloads) => {
  test("renders every service and job of every layer, and nothing else", () => {
    const by = (kind: string) =>
      [...workloads.values()]
        .filter((w) => w.kind === kind)
        .map((w) => w.name)
        .sort();
    expect(by("service")).toEqual([...SERVICES].sort());
    expect(by("job")).toEqual([...JOBS].sort());
  });

  test("starts each layer after what it needs", () => {
    const missing = ORDER.filter(([later, earlier]) => !dependsOn(workloads, later, earlier));
    expect(missing).toEqual([]);
    const backwards = ORDER.filter(([later, earlier]) => dependsOn(workloads, earlier, later));
    expect(backwards).toEqual([]);
  });

  test("runs pinned images only: a tag other than latest (or a digest) on every container", () => {
    const images = [...workloads.values()].flatMap((w) => w.images.map((image) => ({ workload: w.name, image })));
    expect(images.length).toBeGreaterThanOrEqual(SERVICES.length + JOBS.length);
    expect(images.filter(({ image }) => !/(:[\w][\w.-]*|@sha256:[0-9a-f]{64})$/.test(image) || /:latest$/.test(image))).toEqual([]);
  });

  test("keeps every stateful service's data on persistent storage, and only there", () => {
    const persistent = Object.fromEntries([...workloads.values()].filter((w) => w.persistentPaths.length > 0).map((w) => [w.name, w.persistentPaths]));
    expect(persistent).toEqual(Object.fromEntries(Object.entries(STATEFUL).map(([name, path]) => [name, [path]])));
  });

  test("takes every credential from a generated password, a variable or a Secret, never a literal", () => {
    const credentials = [...workloads.values()].flatMap((w) =>
      Object.entries(w.env)
        .filter(([name]) => isCredentialName(name))
        .map(([name, v]) => ({ at: `${w.name} ${name}`, ...v })),
    );
    expect(credentials.length).toBeGreaterThanOrEqual(15);
    for (const c of credentials) {
      if (c.secretRef) expect({ at: c.at, secret: secretValue(json, c.secretRef.name, c.secretRef.key) }).toEqual({ at: c.at, secret: expect.stringMatching(GENERATED_OR_VARIABLE) });
      else expect({ at: c.at, value: c.value }).toEqual({ at: c.at, value: expect.stringMatching(GENERATED_OR_VARIABLE) });
    }
  });

  test("every variable that can override a credential is sensitive and optional (the generated password is the default)", () => {
    const overriding = [...new Set([...JSON.stringify(json.resource).matchAll(/coalesce\(var\.([a-z0-9_]+), random_password\./g)].map((m) => m[1]))].sort();
    expect(overriding).toEqual(expect.arrayContaining(["postgres_admin_password", "postgres_cdc_password", "s3_secret_key"]));
    for (const name of overriding) expect({ name, ...json.variable[name] }).toMatchObject({ name, sensitive: true, nullable: true, default: null });
  });

  test("waits for every job to finish before apply goes on", () => {
    for (const job of [...workloads.values()].filter((w) => w.kind === "job")) {
      const waits = json.resource.docker_container ? job.config.attach === true && job.config.must_run === false : job.config.wait_for_completion === true;
      expect({ job: job.name, waits }).toEqual({ job: job.name, waits: true });
    }
  });
});

describe("dev (Docker) specifics", () => {
  const workloads = PLATFORMS[0][2];

  test("publishes host ports on 127.0.0.1 only", () => {
    const binds = [...workloads.values()].flatMap((w) => w.hostBinds);
    expect(binds.length).toBeGreaterThan(0);
    expect(new Set(binds)).toEqual(new Set(["127.0.0.1"]));
    expect(Object.values<any>(dev.resource.docker_container).filter((c) => c.network_mode === "host" || c.publish_all_ports)).toEqual([]);
  });

  test("puts every container on the stack's one network", () => {
    const networks = Object.keys(dev.resource.docker_network);
    expect(networks).toHaveLength(1);
    for (const c of Object.values<any>(dev.resource.docker_container))
      expect(c.networks_advanced).toEqual([expect.objectContaining({ name: expect.stringContaining(`docker_network.${networks[0]}.`) })]);
  });
});

describe("k8s (Kubernetes) specifics", () => {
  const workloads = PLATFORMS[1][2];
  const objects = Object.entries<any>(k8s.resource)
    .filter(([type]) => type.startsWith("kubernetes_") && type !== "kubernetes_namespace_v1")
    .flatMap(([, rs]) => Object.values<any>(rs));

  test("puts every object in the stack's namespace, created first", () => {
    expect(Object.values<any>(k8s.resource.kubernetes_namespace_v1).map((n) => n.metadata.name)).toEqual([NAMESPACE]);
    expect(objects.filter((o) => o.metadata.namespace !== NAMESPACE).map((o) => o.metadata.name)).toEqual([]);
    expect(objects.filter((o) => !(o.depends_on ?? []).some((d: string) => d.startsWith("kubernetes_namespace_v1."))).map((o) => o.metadata.name)).toEqual([]);
  });

  test("exposes nothing outside the cluster: ClusterIP Services, no hostPort or hostNetwork", () => {
    const services = Object.values<any>(k8s.resource.kubernetes_service_v1);
    expect(services.filter((s) => (s.spec.type ?? "ClusterIP") !== "ClusterIP").map((s) => s.metadata.name)).toEqual([]);
    for (const w of workloads.values()) {
      const pod = w.config.spec.template.spec;
      expect({ w: w.name, hostNetwork: pod.host_network ?? false, hostPorts: (pod.container ?? []).flatMap((c: any) => (c.port ?? []).filter((p: any) => p.host_port !== undefined)) }).toEqual({
        w: w.name,
        hostNetwork: false,
        hostPorts: [],
      });
    }
  });

  test("each service a workload calls has a Service; stateful services run as StatefulSets", () => {
    const serviceNames = Object.values<any>(k8s.resource.kubernetes_service_v1).map((s) => s.metadata.name);
    expect(serviceNames).toEqual(
      expect.arrayContaining([
        "postgres",
        "kafka",
        "connect",
        "minio",
        "iceberg-rest",
        "trino",
        "flink-jobmanager",
        "flink-sql-gateway",
        "flink-pipeline",
        "dagster-db",
        "dagster-webserver",
        "metabase-db",
        "metabase",
        "alertmanager",
        "postgres-exporter",
      ]),
    );
    expect(
      Object.values<any>(k8s.resource.kubernetes_stateful_set_v1)
        .map((s) => s.metadata.name)
        .sort(),
    ).toEqual(Object.keys(STATEFUL).sort());
  });

  test("keeps every credential in a Secret whose value is generated or a variable, but Trino's TLS key (read from its file at plan) and password file (hashes)", () => {
    const secrets = Object.values<any>(k8s.resource.kubernetes_secret_v1);
    expect(secrets.length).toBeGreaterThan(0);
    const expected: Record<string, RegExp> = {
      "trino-keystore": /^\$\{sensitive\("\$\{try\(file\("\/[^"]+\/trino-key\.pem"\), ""\)\}\\n\$\{try\(file\("\/[^"]+\/trino\.pem"\), ""\)\}"\)\}$/,
      "trino-password-file": /^([a-z][a-z0-9-]*:\$\{replace\(random_password\.[A-Za-z0-9_]+\.bcrypt_hash, "\$2a\$", "\$2y\$"\)\}\n)+$/,
    };
    for (const s of secrets)
      for (const value of Object.values(s.data))
        expect({ secret: s.metadata.name, value }).toEqual({ secret: s.metadata.name, value: expect.stringMatching(expected[s.metadata.name] ?? GENERATED_OR_VARIABLE) });
  });
});

describe("rendered artefacts (small snapshots: a change shows as a reviewable diff)", () => {
  const devUpload = (container: string, file: string): string =>
    Object.values<any>(dev.resource.docker_container)
      .find((c) => c.name === `lakehouse-dev-${container}`)
      .upload.find((u: any) => u.file === file).content;
  const configMap = (name: string, key: string): string => Object.values<any>(k8s.resource.kubernetes_config_map_v1).find((c) => c.metadata.name === name).data[key];

  test("the Flink SQL the keeper runs, the same on both platforms", () => {
    const sql = devUpload("flink-pipeline", "/job/pipeline.sql");
    expect(configMap("flink-pipeline-files", "job_pipeline.sql")).toBe(sql);
    expect(sql).toMatchSnapshot();
  });

  test("the Debezium connector config, the same on both platforms", () => {
    const connector = JSON.parse(devUpload("connector-registration", "/job/connector.json"));
    expect(JSON.parse(configMap("connector-registration-files", "job_connector.json"))).toEqual(connector);
    expect(connector).toMatchSnapshot();
  });
});

// ---------------------------------------------------------------------------------------------
// OUTPUTS. Kept in this one block on purpose: tools (the CLI, scripts, e2e) read the structured
// `access` output (LakehouseAccess, tested in test/access.test.ts); the flat outputs beside it are
// for people and may be renamed. These assertions look at values only, never at output names.
// ---------------------------------------------------------------------------------------------
describe.each([
  ["dev", dev],
  ["k8s", k8s],
])("the %s stack's outputs", (_name, json) => {
  test("exist, and every one that carries a credential is sensitive", () => {
    const outputs = Object.entries<any>(json.output ?? {});
    expect(outputs.length).toBeGreaterThan(0);
    const carriesCredential = (value: unknown) =>
      /random_password\.|kubernetes_secret_v1\.|var\.(postgres_admin_password|postgres_cdc_password|s3_secret_key|dashboards_admin_password)\b/.test(JSON.stringify(value));
    const leaking = outputs.filter(([, o]) => carriesCredential(o.value) && o.sensitive !== true).map(([name]) => name);
    expect(leaking).toEqual([]);
    expect(outputs.some(([, o]) => carriesCredential(o.value))).toBe(true);
  });
});

function secretValue(json: any, name: string, key: string): string | undefined {
  const secret = Object.values<any>(json.resource.kubernetes_secret_v1 ?? {}).find((s) => s.metadata.name === name);
  return secret?.data?.[key];
}
