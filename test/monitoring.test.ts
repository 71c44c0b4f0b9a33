import { alertRules, DAGSTER_LAST_RUN_FAILED, Endpoint, Lakehouse, lakehouseAccess, LOCAL_IMAGE_REGISTRY, Monitoring, MonitoringProps } from "../constructs";
import { PLATFORMS, stackOn, synthOn } from "./helpers";

const prometheusConfig = (s: ReturnType<typeof synthOn>) => JSON.parse(s.files("prometheus")["/etc/prometheus/prometheus.yml"]);
// The locally built images (`npm run images`), whose Kafka carries the JMX exporter agent.
const lakehouse =
  (props: Partial<ConstructorParameters<typeof Lakehouse>[2]> = {}) =>
  (scope: any, platform: any) =>
    new Lakehouse(scope, "Lakehouse", { platform, dashboards: false, imageRegistry: LOCAL_IMAGE_REGISTRY, ...props });

describe.each(PLATFORMS)("Monitoring on %s", (kind) => {
  test("Prometheus scrapes every layer where it serves metrics: TaskManagers each, Trino as a user, MinIO's cluster path", () => {
    const s = synthOn(kind, lakehouse());
    const jobs = Object.fromEntries(prometheusConfig(s).scrape_configs.map((c: any) => [c.job_name, c]));
    expect(Object.keys(jobs).sort()).toEqual(["dagster", "flink-jobmanager", "flink-taskmanager", "freshness-probe", "kafka", "kafka-connect", "minio", "postgres", "prometheus", "trino"]);
    expect(jobs.kafka.static_configs).toEqual([{ targets: ["kafka:9404"] }]);
    expect(jobs["kafka-connect"].static_configs).toEqual([{ targets: ["connect:9404"] }]);
    expect(jobs["flink-jobmanager"].static_configs).toEqual([{ targets: ["flink-jobmanager:9249"] }]);
    expect(jobs["flink-taskmanager"].static_configs).toEqual([{ targets: ["flink-taskmanager:9249"] }]);
    expect(jobs.trino).toMatchObject({ metrics_path: "/metrics", basic_auth: { username: "prometheus" }, static_configs: [{ targets: ["trino:8080"] }] });
    expect(jobs.minio).toMatchObject({ metrics_path: "/minio/v2/metrics/cluster", static_configs: [{ targets: ["minio:9000"] }] });
    expect(jobs.postgres.static_configs).toEqual([{ targets: ["postgres-exporter:9187"] }]);
    expect(jobs.dagster.static_configs).toEqual([{ targets: ["dagster-exporter:9187"] }]);
    expect(prometheusConfig(s).alerting.alertmanagers[0].static_configs[0].targets).toEqual(["alertmanager:9093"]);
  });

  test("several TaskManagers are found by DNS each scrape, so every replica is scraped, and the rules expect them all", () => {
    const s = synthOn(kind, lakehouse({ streamJob: { taskManagers: 2 } }));
    const tm = prometheusConfig(s).scrape_configs.find((c: any) => c.job_name === "flink-taskmanager");
    // Kubernetes: a headless Service lists the pods (the Service's one address would reach one of them).
    expect(tm.dns_sd_configs).toEqual([{ names: [kind === "docker" ? "flink-taskmanager" : "flink-taskmanager-replicas"], type: "A", port: 9249, refresh_interval: "10s" }]);
    const rules = JSON.parse(s.files("prometheus")["/etc/prometheus/rules.yml"]).groups[0].rules;
    expect(rules.find((r: any) => r.alert === "FlinkTaskManagerLost").expr).toBe("max(flink_jobmanager_numRegisteredTaskManagers) < 2");
  });

  test("the rule file holds the pipeline's rules, named after the stack's connector and slot", () => {
    const s = synthOn(kind, lakehouse());
    const file = JSON.parse(s.files("prometheus")["/etc/prometheus/rules.yml"]);
    expect(file).toEqual(
      alertRules(
        {},
        {
          connectorName: "bank-cdc",
          slotName: "lakehouse_cdc",
          flinkTaskManagers: 1,
          flinkJobs: ["lakehouse_cdc_[0-9a-f]{12}", "lakehouse_cdc_probe_[0-9a-f]{12}"],
          dagsterRuns: true,
          freshnessProbe: true,
        },
      ),
    );
    const expr = (name: string) => file.groups[0].rules.find((r: any) => r.alert === name).expr;
    expect(expr("CdcConnectorNotRunning")).toContain('connector="bank-cdc"');
    expect(expr("ReplicationSlotRetainsWal")).toContain(`slot_name="lakehouse_cdc"}) > ${1024 * 1024 * 1024}`);
  });

  test("the PostgreSQL exporter logs in as the CDC role with its password from the platform's secret, and reads the slot query", () => {
    const s = synthOn(kind, lakehouse());
    expect(s.env("postgres-exporter")).toMatchObject({ DATA_SOURCE_URI: "postgres:5432/bank?sslmode=disable", DATA_SOURCE_USER: "cdc", DATA_SOURCE_PASS_FILE: "/run/secrets/password" });
    expect(s.secretFile("postgres-exporter", "password")).toMatch(/random_password\.Lakehouse_SourceDb_CdcPassword/);
    const queries = JSON.parse(s.files("postgres-exporter")["/etc/postgres-exporter/queries.yml"]);
    expect(queries.pg_replication_slot.query).toContain("pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn), 0) AS retained_wal_bytes");
    // Not the wal collector: pg_ls_waldir() is refused to the CDC role, an error at every scrape.
    const args = kind === "docker" ? s.container("postgres-exporter").command : s.k8s("kubernetes_deployment_v1", "postgres-exporter").spec.template.spec.container[0].args;
    expect(args).toContain("--no-collector.wal");
  });

  test("Dagster's runs are read from its run storage by an exporter logged in as Dagster's role; the failed-run rule reads them", () => {
    const s = synthOn(kind, lakehouse());
    expect(s.env("dagster-exporter")).toMatchObject({ DATA_SOURCE_URI: "dagster-db:5432/dagster?sslmode=disable", DATA_SOURCE_USER: "dagster" });
    expect(s.secretFile("dagster-exporter", "password")).toMatch(/random_password\.Lakehouse_Orchestrator_StoragePassword/);
    const queries = JSON.parse(s.files("dagster-exporter")["/etc/postgres-exporter/queries.yml"]);
    // The exporter names a metric <query>_<column>: the rule's metric must be one of them.
    const metrics = Object.entries(queries).flatMap(([name, q]: [string, any]) =>
      q.metrics.flatMap((m: object) =>
        Object.entries(m)
          .filter(([, c]: [string, any]) => c.usage === "GAUGE")
          .map(([column]) => `${name}_${column}`),
      ),
    );
    expect(metrics).toContain(DAGSTER_LAST_RUN_FAILED);
    const rules = JSON.parse(s.files("prometheus")["/etc/prometheus/rules.yml"]).groups[0].rules;
    expect(rules.find((r: any) => r.alert === "DagsterRunFailed").expr).toBe(`max by (dagster_job) (${DAGSTER_LAST_RUN_FAILED}) == 1`);
  });

  test("the freshness probe writes its heartbeat as the CDC role and reads it back from the probe's topic and Trino's state table, once the pipeline runs", () => {
    const s = synthOn(kind, lakehouse());
    expect(s.env("freshness-probe")).toMatchObject({
      PGHOST: "postgres",
      PGDATABASE: "bank",
      PGUSER: "cdc",
      PROBE_TABLE: "public.lakehouse_freshness_probe",
      PROBE_NAME: "lakehouse",
      PROBE_INTERVAL_MS: "5000",
      KAFKA_BOOTSTRAP: "kafka:9092",
      PROBE_TOPIC: "bank.public.lakehouse_freshness_probe",
      TRINO_URL: "http://trino:8080",
      TRINO_TABLE: "iceberg.bank.lakehouse_freshness_probe",
      TRINO_POLL_MS: "1000",
    });
    expect(s.credential("freshness-probe", "PGPASSWORD")).toMatch(/random_password\.Lakehouse_SourceDb_CdcPassword/);
    expect(s.files("freshness-probe")["/opt/lakehouse/freshness-probe.js"]).toContain("lakehouse_freshness_seconds");
    const rules = JSON.parse(s.files("prometheus")["/etc/prometheus/rules.yml"]).groups[0].rules;
    expect(rules.find((r: any) => r.alert === "FreshnessObjectiveMissed").expr).toContain('rate(lakehouse_freshness_seconds_bucket{hop="trino"}[300s]))) > 60)');
  });

  test("freshnessProbe: false leaves out the probe, its rule, and the probe table from the pipeline", () => {
    const s = synthOn(kind, lakehouse({ monitoring: { freshnessProbe: false } }));
    expect(() => s.env("freshness-probe")).toThrow();
    expect(prometheusConfig(s).scrape_configs.map((c: any) => c.job_name)).not.toContain("freshness-probe");
    expect(JSON.parse(s.files("prometheus")["/etc/prometheus/rules.yml"]).groups[0].rules.map((r: any) => r.alert)).not.toContain("FreshnessObjectiveMissed");
    expect(s.files("flink-pipeline")["/job/pipeline.sql"]).not.toContain("lakehouse_freshness_probe");
  });

  test("Prometheus and Alertmanager keep their data on persistent volumes and run as nobody", () => {
    const s = synthOn(kind, lakehouse());
    expect(s.persistentPaths("prometheus")).toEqual(["/prometheus"]);
    expect(s.persistentPaths("alertmanager")).toEqual(["/alertmanager"]);
  });

  test("Kafka loads the JMX exporter agent, Connect turns on its image's exporter, and Flink its Prometheus reporter", () => {
    const s = synthOn(kind, lakehouse());
    expect(s.env("kafka").KAFKA_OPTS).toBe("-javaagent:/opt/jmx-exporter/jmx_prometheus_javaagent.jar=9404:/opt/lakehouse/jmx-exporter.yml");
    expect(s.files("kafka")["/opt/lakehouse/jmx-exporter.yml"]).toContain("kafka_log_log_$1");
    expect(s.env("connect").ENABLE_JMX_EXPORTER).toBe("true");
    expect(s.files("connect")["/kafka/config/metrics.yaml"]).toContain("kafka_connect_connector_status");
    expect(s.env("flink-taskmanager").FLINK_PROPERTIES).toContain(
      "metrics.reporter.prom.factory.class: org.apache.flink.metrics.prometheus.PrometheusReporterFactory\nmetrics.reporter.prom.port: 9249",
    );
  });

  test("with the official Kafka image (no agent in it) the broker is not scraped unless its agent's path is given; Connect is", () => {
    const upstream = synthOn(kind, lakehouse({ imageRegistry: undefined }));
    expect(upstream.env("kafka").KAFKA_OPTS).toBeUndefined();
    expect(prometheusConfig(upstream).scrape_configs.map((c: any) => c.job_name)).not.toContain("kafka");
    expect(upstream.env("connect").ENABLE_JMX_EXPORTER).toBe("true");
    const derived = synthOn(kind, lakehouse({ imageRegistry: undefined, cdc: { kafkaMetricsAgent: "/opt/agent.jar" } }));
    expect(derived.env("kafka").KAFKA_OPTS).toBe("-javaagent:/opt/agent.jar=9404:/opt/lakehouse/jmx-exporter.yml");
    expect(prometheusConfig(derived).scrape_configs.map((c: any) => c.job_name)).toContain("kafka");
  });

  test("metrics: false on a layer leaves its processes without exporters and Prometheus without its jobs", () => {
    const s = synthOn(kind, lakehouse({ cdc: { metrics: false }, streamJob: { metrics: false }, orchestrator: { metrics: false } }));
    expect(() => s.env("dagster-exporter")).toThrow();
    expect(JSON.parse(s.files("prometheus")["/etc/prometheus/rules.yml"]).groups[0].rules.map((r: any) => r.alert)).not.toContain("DagsterRunFailed");
    expect(s.env("kafka").KAFKA_OPTS).toBeUndefined();
    expect(s.env("connect").ENABLE_JMX_EXPORTER).toBeUndefined();
    expect(s.env("flink-jobmanager").FLINK_PROPERTIES).not.toContain("metrics.reporter");
    const jobs = prometheusConfig(s).scrape_configs.map((c: any) => c.job_name);
    expect(jobs).not.toContain("kafka");
    expect(jobs).not.toContain("flink-taskmanager");
    expect(jobs).not.toContain("dagster");
  });
});

describe("Monitoring", () => {
  test("the access contract names Prometheus, Alertmanager and the alert rules", () => {
    const { stack, platform } = stackOn("docker");
    const lake = new Lakehouse(stack, "Lakehouse", { platform, dashboards: false });
    const access = lakehouseAccess(lake, platform);
    expect(access.monitoring).toMatchObject({ prometheus: { internal: "prometheus:9090" }, alertmanager: { internal: "alertmanager:9093" } });
    expect(access.monitoring!.alerts).toEqual(lake.monitoring!.rules.groups[0].rules.map((r) => r.alert));
    expect(access.monitoring!.alerts).toContain("CdcConnectorNotRunning");
  });

  test("a webhook receives firing and resolved alerts", () => {
    const s = synthOn("docker", lakehouse({ monitoring: { webhookUrl: "http://bridge:8080/hook" } }));
    const config = JSON.parse(s.files("alertmanager")["/etc/alertmanager/alertmanager.yml"]);
    expect(config.receivers).toEqual([{ name: "default", webhook_configs: [{ url: "http://bridge:8080/hook", send_resolved: true }] }]);
  });

  const build = (props: Partial<MonitoringProps>) => () => synthOn("docker", (scope, platform) => new Monitoring(scope, "Monitoring", { platform, targets: [], ...props }));
  test.each([
    [{ webhookUrl: "bridge:8080" }, /Monitoring: webhookUrl must be an http\(s\) URL \(got "bridge:8080"\)/],
    [{ alerts: { slotRetainedWalMiB: 0 } }, /Monitoring: alerts.slotRetainedWalMiB must be >= 1 \(got 0\)/],
    [{ scrapeIntervalSeconds: 0 }, /Monitoring: scrapeIntervalSeconds/],
    [{ alerts: { freshnessObjectiveSeconds: 0 } }, /Monitoring: alerts.freshnessObjectiveSeconds must be >= 1 \(got 0\)/],
  ] as [Partial<MonitoringProps>, RegExp][])("rejects %j naming the prop", (props, message) => {
    expect(build(props)).toThrow(message);
  });

  test.each([
    [{ intervalSeconds: 0 }, /Monitoring: freshnessProbe.intervalSeconds must be an integer from 1 to 300 \(got 0\)/],
    [{ name: "Bad Name" }, /Monitoring: freshnessProbe.name must be 1 to 64 lower-case letters/],
  ])("rejects the probe setting %j naming the prop", (freshnessProbe, message) => {
    expect(() => synthOn("docker", lakehouse({ monitoring: { freshnessProbe } }))).toThrow(message);
  });

  test("two targets with one job name are refused", () => {
    const twice = (scope: any, platform: any) => {
      const endpoint = new Endpoint("x", 1);
      new Monitoring(scope, "Monitoring", {
        platform,
        targets: [
          { job: "kafka", endpoint },
          { job: "kafka", endpoint },
        ],
      });
    };
    expect(() => synthOn("docker", twice)).toThrow(/Monitoring: targets name a scrape job twice.*"kafka"/);
  });
});
