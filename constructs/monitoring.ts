import { Construct } from "constructs";
import { alertRules, AlertThresholds, RuleFile } from "./alert-rules";
import { asset } from "./assets";
import { defaultImage } from "./images";
import { MetricsTarget, postgresExporter } from "./metrics";
import { NODE_USER } from "./platform/node-job";
import { Endpoint, FileSpec, HealthCheck, IDependable, IPlatform, ResourceSpec, secretFilePath } from "./platform/workload";
import { TrinoConnection } from "./query-engine";
import { ISourceDb } from "./source-db";
import { validateInteger, ValidationError } from "./validation";

/** Props of {@link Monitoring}. */
export interface MonitoringProps {
  /** Where Prometheus, Alertmanager and the exporter run. */
  readonly platform: IPlatform;
  /** The layers' scrape targets (each layer's `metricsTargets`). */
  readonly targets: MetricsTarget[];
  /**
   * The captured database: a PostgreSQL exporter logs in as its CDC role and reports the
   * replication slot's retained WAL and whether it is active.
   * @default - no PostgreSQL exporter
   */
  readonly source?: ISourceDb;
  /** The connector's replication slot, for the slot rule. @default - no slot rule */
  readonly slotName?: string;
  /** The Debezium connector's name, for the connector rule. @default - no connector rule */
  readonly connectorName?: string;
  /** TaskManagers of the Flink pipeline, for the job, TaskManager, checkpoint, lag and commit rules. @default - no Flink rules */
  readonly flinkTaskManagers?: number;
  /** `job_name` label patterns of the Flink jobs the stack keeps running (`StreamJob.jobLabelPatterns`), for the job rule. @default - any job */
  readonly flinkJobs?: string[];
  /** Whether a target exports Dagster's runs (the Orchestrator's), for the failed-run rule. @default false */
  readonly dagsterRuns?: boolean;
  /**
   * Where the freshness probe's heartbeat goes: written to `source`'s probe table, read from
   * Kafka and from Trino. `Lakehouse` wires it unless `freshnessProbe` is false.
   * @default - no probe
   */
  readonly probeTarget?: FreshnessProbeTarget;
  /** The freshness probe's settings; `false` leaves it out. @default {} */
  readonly freshnessProbe?: FreshnessProbeProps | false;
  /** Thresholds of the alert rules. @default - {@link ALERT_DEFAULTS} */
  readonly alerts?: AlertThresholds;
  /** Seconds between scrapes and between rule evaluations. @default 10 */
  readonly scrapeIntervalSeconds?: number;
  /** Hours of metrics Prometheus keeps. @default 168 (7 days) */
  readonly retentionHours?: number;
  /** Size of Prometheus's volume (Kubernetes). @default 5 */
  readonly storageGiB?: number;
  /**
   * A webhook Alertmanager posts firing and resolved alerts to (Slack and PagerDuty bridges,
   * chat bots). Without one, alerts are seen in Alertmanager's API and `lakehouse status`.
   * @default - no notification
   */
  readonly webhookUrl?: string;
  /** @default - 500 millicores, 512 MiB */
  readonly prometheusResources?: ResourceSpec;
  /** @default - prom/prometheus v2.53.3 */
  readonly prometheusImage?: string;
  /** @default - prom/alertmanager v0.28.1 */
  readonly alertmanagerImage?: string;
  /** @default - prometheuscommunity/postgres-exporter v0.17.1 */
  readonly postgresExporterImage?: string;
  /** Registry mirror for every default image. @default - upstream registries */
  readonly imageRegistry?: string;
}

/** The freshness probe: a heartbeat to PostgreSQL timed to Kafka and to Trino, all the time. */
export interface FreshnessProbeProps {
  /** Seconds between heartbeats. @default 5 */
  readonly intervalSeconds?: number;
  /** Milliseconds between Trino reads while a heartbeat is on its way (the Trino figure is late by up to this). @default 1000 */
  readonly trinoPollMs?: number;
  /** The probe's key in the heartbeat table (one row per probe). @default "lakehouse" */
  readonly name?: string;
  /** @default - lakehouse-cdc/freshness-probe (Node.js with the probe's libraries) */
  readonly image?: string;
}

/** The pipeline's ends as the freshness probe reaches them. */
export interface FreshnessProbeTarget {
  /** Kafka bootstrap servers. */
  readonly bootstrap: Endpoint;
  /** The probe table's change topic. */
  readonly topic: string;
  /** How the probe reaches and logs in to Trino. */
  readonly trino: TrinoConnection;
  /** The probe's current-state table as Trino names it: `catalog.namespace.table`. */
  readonly trinoTable: string;
  /** What must run before the probe starts (the pipeline, so its first heartbeats are not timed against a job still starting). */
  readonly dependsOn: IDependable[];
}

const RULES_FILE = "/etc/prometheus/rules.yml";
const PROBE_SCRIPT = "/opt/lakehouse/freshness-probe.js";
const PROBE_METRICS_PORT = 9464;

/**
 * Prometheus scraping every layer, Alertmanager receiving the pipeline's alert rules, and a
 * PostgreSQL exporter for the replication slot. Configuration is generated from the layers'
 * endpoints (JSON, which is YAML), so a layer that moves is followed by the next deploy.
 */
export class Monitoring extends Construct {
  /** Prometheus's HTTP API and UI. */
  public readonly prometheus: Endpoint;
  /** Alertmanager's HTTP API (Debian's build has no UI). */
  public readonly alertmanager: Endpoint;
  /** The alert rules Prometheus evaluates, as its rule file holds them. */
  public readonly rules: RuleFile;
  /** Every scrape target, the exporter's included. */
  public readonly targets: MetricsTarget[];

  constructor(scope: Construct, id: string, props: MonitoringProps) {
    super(scope, id);
    const { platform } = props;
    const interval = props.scrapeIntervalSeconds ?? 10;
    const retentionHours = props.retentionHours ?? 168;
    validateInteger("Monitoring", "scrapeIntervalSeconds", interval, 1, 300);
    validateInteger("Monitoring", "retentionHours", retentionHours, 1);
    validateInteger("Monitoring", "storageGiB", props.storageGiB, 1);
    // The rules first: their thresholds are validated before anything is rendered.
    const probe = props.freshnessProbe === false || !props.source || !props.probeTarget ? undefined : { ...props.freshnessProbe, source: props.source, target: props.probeTarget };
    this.rules = alertRules(props.alerts ?? {}, {
      connectorName: props.connectorName,
      slotName: props.slotName,
      flinkTaskManagers: props.flinkTaskManagers,
      flinkJobs: props.flinkJobs,
      dagsterRuns: props.dagsterRuns,
      freshnessProbe: probe !== undefined,
    });
    if (props.webhookUrl !== undefined && !/^https?:\/\/\S+$/.test(props.webhookUrl)) {
      throw new ValidationError("Monitoring", "webhookUrl", "must be an http(s) URL", props.webhookUrl, "Give the receiver's full URL, e.g. http://alert-bridge:8080/hook.");
    }

    const alertmanager = platform.service(this, "Alertmanager", {
      name: "alertmanager",
      image: props.alertmanagerImage ?? defaultImage("alertmanager", props.imageRegistry),
      // One instance: no gossip cluster to form (it would listen on 9094 and look for peers).
      args: ["--config.file=/etc/alertmanager/alertmanager.yml", "--storage.path=/alertmanager", "--cluster.listen-address="],
      files: [{ path: "/etc/alertmanager/alertmanager.yml", content: json(alertmanagerConfig(props.webhookUrl)) }],
      ports: [{ name: "http", port: 9093 }],
      volumes: [{ name: "data", path: "/alertmanager", sizeGiB: 1 }],
      healthCheck: HealthCheck.http(9093, "/-/ready", { intervalSeconds: 5 }),
      resources: { cpuMillis: 50, memoryMiB: 128 },
      runAsUser: 65534,
      connectsTo: props.webhookUrl === undefined ? [] : [endpointOf(props.webhookUrl)],
    });
    this.alertmanager = alertmanager.endpoint("http");

    const exporterTargets = props.source ? [this.postgresExporter(props, props.source)] : [];
    const probeTargets = probe ? [this.freshnessProbeService(props, probe)] : [];
    this.targets = [...props.targets, ...exporterTargets, ...probeTargets];
    const jobs = this.targets.map((t) => t.job);
    const twice = jobs.find((job, i) => jobs.indexOf(job) !== i);
    if (twice !== undefined) {
      throw new ValidationError("Monitoring", "targets", "name a scrape job twice", twice, "Give each target its own job name.");
    }

    const prometheus = platform.service(this, "Prometheus", {
      name: "prometheus",
      image: props.prometheusImage ?? defaultImage("prometheus", props.imageRegistry),
      args: ["--config.file=/etc/prometheus/prometheus.yml", "--storage.tsdb.path=/prometheus", `--storage.tsdb.retention.time=${retentionHours}h`],
      files: [
        { path: "/etc/prometheus/prometheus.yml", content: json(prometheusConfig(this.targets, interval, this.alertmanager)) },
        { path: RULES_FILE, content: json(this.rules) },
        ...uniqueByPath(this.targets.flatMap((t) => (t.tlsCaFile ? [t.tlsCaFile] : []))),
      ],
      secretFiles: Object.fromEntries(this.targets.flatMap((t) => (t.basicAuthPassword ? [[scrapePasswordFile(t.job), t.basicAuthPassword]] : []))),
      ports: [{ name: "http", port: 9090 }],
      volumes: [{ name: "data", path: "/prometheus", sizeGiB: props.storageGiB ?? 5 }],
      healthCheck: HealthCheck.http(9090, "/-/ready", { intervalSeconds: 5 }),
      resources: props.prometheusResources ?? { cpuMillis: 500, memoryMiB: 512 },
      runAsUser: 65534,
      connectsTo: [this.alertmanager, ...this.targets.map((t) => t.endpoint)],
      dependsOn: [this.alertmanager],
    });
    this.prometheus = prometheus.endpoint("http");
  }

  /** The PostgreSQL exporter, logged in as the CDC role, with the slot query. */
  private postgresExporter(props: MonitoringProps, source: ISourceDb): MetricsTarget {
    return postgresExporter(this, props.platform, {
      id: "PostgresExporter",
      name: "postgres-exporter",
      job: "postgres",
      image: props.postgresExporterImage ?? defaultImage("postgresExporter", props.imageRegistry),
      endpoint: source.endpoint,
      database: source.database,
      user: source.cdcUser,
      password: source.cdcPassword,
      queries: SLOT_QUERIES,
      dependsOn: [source],
    });
  }

  /** The freshness probe (monitoring/freshness-probe.js), logged in as the CDC role, which may write the probe table. */
  private freshnessProbeService(props: MonitoringProps, probe: ProbeInput): MetricsTarget {
    const interval = probe.intervalSeconds ?? 5;
    const poll = probe.trinoPollMs ?? 1000;
    const name = probe.name ?? "lakehouse";
    validateInteger("Monitoring", "freshnessProbe.intervalSeconds", interval, 1, 300);
    validateInteger("Monitoring", "freshnessProbe.trinoPollMs", poll, 100, 60_000);
    if (!/^[a-z0-9][a-z0-9_-]{0,63}$/.test(name)) {
      throw new ValidationError("Monitoring", "freshnessProbe.name", "must be 1 to 64 lower-case letters, digits, _ or -", name, "Use e.g. 'lakehouse'.");
    }
    const { source, target } = probe;
    const service = props.platform.service(this, "FreshnessProbe", {
      name: "freshness-probe",
      image: probe.image ?? defaultImage("freshnessProbe", props.imageRegistry),
      command: ["node", PROBE_SCRIPT],
      env: {
        PGHOST: source.endpoint.host,
        PGPORT: String(source.endpoint.port),
        PGDATABASE: source.database,
        PGUSER: source.cdcUser,
        PROBE_TABLE: source.freshnessProbeTable,
        PROBE_NAME: name,
        PROBE_INTERVAL_MS: String(interval * 1000),
        KAFKA_BOOTSTRAP: target.bootstrap.address,
        PROBE_TOPIC: target.topic,
        TRINO_URL: target.trino.url,
        TRINO_USER: target.trino.user,
        ...(target.trino.caFile ? { TRINO_CA_FILE: target.trino.caFile.path } : {}),
        TRINO_TABLE: target.trinoTable,
        TRINO_POLL_MS: String(poll),
        METRICS_PORT: String(PROBE_METRICS_PORT),
      },
      secretEnv: { PGPASSWORD: source.cdcPassword, ...(target.trino.password ? { TRINO_PASSWORD: target.trino.password } : {}) },
      files: [{ path: PROBE_SCRIPT, content: asset("monitoring/freshness-probe.js") }, ...(target.trino.caFile ? [target.trino.caFile] : [])],
      ports: [{ name: "metrics", port: PROBE_METRICS_PORT }],
      healthCheck: HealthCheck.http(PROBE_METRICS_PORT, "/metrics", { intervalSeconds: 10 }),
      resources: { cpuMillis: 50, memoryMiB: 128 },
      runAsUser: NODE_USER,
      connectsTo: [source.endpoint, target.bootstrap, target.trino.endpoint],
      dependsOn: [source, ...target.dependsOn],
    });
    return { job: "freshness-probe", endpoint: service.endpoint("metrics") };
  }
}

/** What the probe service is made of: its settings and the pipeline's ends. */
type ProbeInput = FreshnessProbeProps & { readonly source: ISourceDb; readonly target: FreshnessProbeTarget };

/**
 * The slot's retained WAL (from its restart_lsn, what PostgreSQL must keep) and whether a
 * connector holds it, per slot: the exporter's own slot collector reports neither exactly.
 */
const SLOT_QUERIES = {
  pg_replication_slot: {
    query:
      "SELECT slot_name, CASE WHEN active THEN 1 ELSE 0 END AS active, " +
      "COALESCE(pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn), 0) AS retained_wal_bytes " +
      "FROM pg_replication_slots WHERE slot_type = 'logical'",
    metrics: [
      { slot_name: { usage: "LABEL", description: "Name of the replication slot" } },
      { active: { usage: "GAUGE", description: "1 while a consumer holds the slot" } },
      { retained_wal_bytes: { usage: "GAUGE", description: "WAL the slot keeps PostgreSQL from removing, in bytes" } },
    ],
  },
};

/** The host and port an http(s) URL connects to. */
function endpointOf(url: string): Endpoint {
  const u = new URL(url);
  return new Endpoint(u.hostname, Number(u.port || (u.protocol === "https:" ? 443 : 80)));
}

function prometheusConfig(targets: MetricsTarget[], intervalSeconds: number, alertmanager: Endpoint): object {
  return {
    global: { scrape_interval: `${intervalSeconds}s`, evaluation_interval: `${intervalSeconds}s`, scrape_timeout: `${Math.min(intervalSeconds, 10)}s` },
    alerting: { alertmanagers: [{ static_configs: [{ targets: [alertmanager.address] }] }] },
    rule_files: [RULES_FILE],
    scrape_configs: [
      { job_name: "prometheus", static_configs: [{ targets: ["localhost:9090"] }] },
      ...targets.map((t) => ({
        job_name: t.job,
        metrics_path: t.path ?? "/metrics",
        ...(t.basicAuthUser ? { basic_auth: { username: t.basicAuthUser, ...(t.basicAuthPassword ? { password_file: secretFilePath(scrapePasswordFile(t.job)) } : {}) } } : {}),
        ...(t.tlsCaFile ? { scheme: "https", tls_config: { ca_file: t.tlsCaFile.path } } : {}),
        ...(t.everyReplica
          ? { dns_sd_configs: [{ names: [t.endpoint.host], type: "A", port: t.endpoint.port, refresh_interval: `${intervalSeconds}s` }] }
          : { static_configs: [{ targets: [t.endpoint.address] }] }),
      })),
    ],
  };
}

function alertmanagerConfig(webhookUrl: string | undefined): object {
  return {
    route: { receiver: "default", group_by: ["alertname"], group_wait: "10s", group_interval: "1m", repeat_interval: "4h" },
    receivers: [{ name: "default", ...(webhookUrl ? { webhook_configs: [{ url: webhookUrl, send_resolved: true }] } : {}) }],
  };
}

/** Prometheus's secret file with the basic-auth password of scrape job `job`. */
function scrapePasswordFile(job: string): string {
  return `scrape-${job}-password`;
}

/** Files as mounted once each: targets of one server share its CA certificate. */
function uniqueByPath(files: FileSpec[]): FileSpec[] {
  return [...new Map(files.map((f) => [f.path, f])).values()];
}

/** YAML files as JSON (a subset of YAML): no YAML library, and the plan shows them verbatim. */
function json(value: object): string {
  return JSON.stringify(value, null, 2) + "\n";
}
