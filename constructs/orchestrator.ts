import { Construct } from "constructs";
import { AppDatabase, appDatabase } from "./app-database";
import { asset } from "./assets";
import { defaultImage } from "./images";
import { IMetricsSource, MetricsTarget, postgresExporter } from "./metrics";
import { Endpoint, HealthCheck, IPlatform, ServiceHandle } from "./platform/workload";
import { DBT_PROJECT_DIR, ITransformations } from "./transformations";
import { validateInteger, ValidationError } from "./validation";

const CODE_DIR = "/opt/lakehouse/orchestrator";
const DAGSTER_HOME = "/opt/dagster/home";

/** Props of {@link Orchestrator}. */
export interface OrchestratorProps {
  /** Where Dagster and its database run. */
  readonly platform: IPlatform;
  /** The dbt project that Dagster exposes as assets. */
  readonly transformations: ITransformations;
  /** Raw tables watched by the sensor and the freshness checks. */
  readonly rawTables: string[];
  /** Cron schedule of the dbt build (UTC). @default "*\/15 * * * *" */
  readonly schedule?: string;
  /**
   * How often the sensor looks for new snapshots in the raw tables. A change starts a build
   * unless one is queued or running (then the next tick after it does), so this bounds how far
   * the marts trail the raw data while it keeps changing, at a cost of one build per interval.
   * @default 300
   */
  readonly sensorIntervalSeconds?: number;
  /** A raw table that has no new snapshot for this long fails its freshness check. @default 60 */
  readonly freshnessMinutes?: number;
  /**
   * Iceberg table maintenance of every table in the Transformations' namespaces (raw log, current
   * state, vault, marts), run by Dagster through Trino; `false` turns it off.
   * @default {} - the defaults of {@link TableMaintenanceProps}
   */
  readonly maintenance?: TableMaintenanceProps | false;
  /**
   * A PostgreSQL exporter reading Dagster's run storage for Prometheus: each job's newest
   * finished run (failed or not, when it ended) and its runs by status. `false` leaves it out.
   * @default true
   */
  readonly metrics?: boolean;
  /** PostgreSQL image of Dagster's run and event storage. @default - postgres 17.12 */
  readonly storageImage?: string;
  /** Image of the run storage's exporter. @default - prometheuscommunity/postgres-exporter v0.17.1 */
  readonly metricsExporterImage?: string;
  /** Registry mirror for the default images. @default - upstream registries */
  readonly imageRegistry?: string;
}

/**
 * Targets of Iceberg table maintenance: a scheduled pass over every table, and a check between
 * passes that maintains the tables over a threshold. Each pass compacts small data files and
 * delete files (Trino's `optimize`), rewrites manifests, expires snapshots and removes orphan
 * files. Commits that race Flink's or dbt's are retried; Flink's are never failed by it.
 */
export interface TableMaintenanceProps {
  /** Cron schedule (UTC) of the pass over every table. @default "0 * * * *" */
  readonly schedule?: string;
  /** How often the thresholds are checked between passes. @default 300 */
  readonly checkIntervalSeconds?: number;
  /** Size of the files compaction writes. @default 128 */
  readonly targetFileSizeMiB?: number;
  /** Data files under this size are small: compaction rewrites them. @default 32 */
  readonly smallFileSizeMiB?: number;
  /** A table with this many small data files is compacted before the next pass. @default 32 */
  readonly maxSmallFiles?: number;
  /**
   * A table with this many delete files (Flink's upserts write one or two per checkpoint) is
   * compacted before the next pass: every query applies them all.
   * @default 32
   */
  readonly maxDeleteFiles?: number;
  /** A table with more snapshots older than `snapshotRetentionMinutes` than this has them expired before the next pass. @default 1000 */
  readonly maxSnapshots?: number;
  /**
   * Snapshots younger than this are kept (time travel, incremental readers). Flink's newest commit
   * is always kept, whatever its age: a restore finds its place from it.
   * @default 120
   */
  readonly snapshotRetentionMinutes?: number;
  /**
   * Unreferenced files younger than this are kept: a writer's files are unreferenced until it
   * commits them. Skipped on a Flink table whose newest commit is older than this.
   * @default 4320 (3 days, Iceberg's default)
   */
  readonly orphanRetentionMinutes?: number;
}

/**
 * Dagster: a code server, a webserver (UI and GraphQL API) and a daemon (schedules, sensors,
 * run queue) with their runs and event logs in their own PostgreSQL. The code location in
 * orchestrator/ exposes every dbt model as an asset with its tests as checks, a schedule that
 * builds them, a sensor that builds them when the raw CDC tables get new Iceberg snapshots, and
 * freshness checks on those tables. The code server loads it once and serves it over gRPC to the
 * webserver and the daemon; sensors and runs execute in the code server's container, with the
 * Transformations' image and dbt project.
 */
export class Orchestrator extends Construct implements IMetricsSource {
  /** Dagster's UI and GraphQL API. */
  public readonly endpoint: Endpoint;
  /** The daemon that runs schedules, sensors and queued runs. */
  public readonly daemon: ServiceHandle;
  /** The code server: loads the code location once, evaluates sensors and executes runs (dbt build). */
  public readonly codeServer: ServiceHandle;
  /** Name of the code location (GraphQL `repositoryLocationName`). */
  public readonly codeLocation = "lakehouse";
  /** Name of the job that builds every dbt asset. */
  public readonly buildJobName = "dbt_build";
  /** The run storage's exporter (Dagster serves no metrics itself); empty when `metrics` is false. */
  public readonly metricsTargets: MetricsTarget[];

  constructor(scope: Construct, id: string, props: OrchestratorProps) {
    super(scope, id);
    const { platform, transformations } = props;
    const schedule = props.schedule ?? "*/15 * * * *";
    if (schedule.trim().split(/\s+/).length !== 5) {
      throw new ValidationError("Orchestrator", "schedule", "must be a five-field cron expression", schedule, "Use e.g. '*/15 * * * *' (every 15 minutes).");
    }
    const sensorInterval = props.sensorIntervalSeconds ?? 300;
    if (!Number.isInteger(sensorInterval) || sensorInterval < 30) {
      throw new ValidationError("Orchestrator", "sensorIntervalSeconds", "must be a whole number of seconds, at least 30", sensorInterval, "Use e.g. 300 (every 5 minutes).");
    }
    const freshness = props.freshnessMinutes ?? 60;
    if (!Number.isInteger(freshness) || freshness < 1) {
      throw new ValidationError("Orchestrator", "freshnessMinutes", "must be a positive whole number of minutes", freshness, "Use e.g. 60.");
    }

    const maintenance = props.maintenance === false ? undefined : maintenanceEnv(props.maintenance ?? {}, transformations.tableNamespaces);

    const storage = appDatabase(this, platform, {
      user: "dagster",
      image: props.storageImage ?? defaultImage("postgres", props.imageRegistry),
      serviceId: "Storage",
      passwordId: "StoragePassword",
    });
    const storageEndpoint = storage.endpoint;
    const dbPassword = storage.password;

    const instance = {
      files: [
        { path: `${CODE_DIR}/workspace.yaml`, content: asset("orchestrator/workspace.yaml") },
        { path: `${DAGSTER_HOME}/dagster.yaml`, content: asset("orchestrator/dagster.yaml") },
      ],
      env: { DAGSTER_HOME, DAGSTER_PG_HOST: storageEndpoint.host, DAGSTER_PG_PORT: String(storageEndpoint.port) },
      secretEnv: { DAGSTER_PG_PASSWORD: dbPassword },
      // Dagster writes its telemetry, compute logs and schedules' state under its home.
      writablePaths: [DAGSTER_HOME],
    };
    const codePort = 4000;
    this.codeServer = platform.service(this, "CodeServer", {
      image: transformations.image,
      name: "dagster-code",
      // dagster-dbt loads the dbt manifest when the code location loads: parse first. The port
      // opens once the definitions have loaded, so a TCP check means ready.
      command: [
        "bash",
        "-c",
        `dbt parse --quiet --project-dir ${DBT_PROJECT_DIR} --target-path /tmp/dbt/target && exec dagster api grpc -h 0.0.0.0 -p ${codePort} -f ${CODE_DIR}/definitions.py -d ${CODE_DIR} --location-name ${this.codeLocation}`,
      ],
      env: {
        ...transformations.dbtEnv,
        ...instance.env,
        DBT_PROJECT_DIR,
        DBT_TARGET_DIR: "/tmp/dbt/target",
        DBT_SCHEDULE: schedule,
        SENSOR_INTERVAL_SECONDS: String(sensorInterval),
        RAW_TABLES: props.rawTables.join(","),
        RAW_FRESHNESS_MINUTES: String(freshness),
        ...maintenance,
      },
      secretEnv: { ...instance.secretEnv, ...transformations.dbtSecretEnv },
      files: [
        ...transformations.projectFiles,
        ...transformations.dbtCaFiles,
        ...instance.files,
        { path: `${CODE_DIR}/definitions.py`, content: asset("orchestrator/definitions.py") },
        { path: `${CODE_DIR}/maintenance.py`, content: asset("orchestrator/maintenance.py") },
      ],
      runAsUser: 1000,
      writablePaths: instance.writablePaths,
      ports: [{ name: "grpc", port: codePort }],
      healthCheck: HealthCheck.tcp(codePort, { startPeriodSeconds: 60 }),
      // Runs (dbt build) execute in this container.
      resources: { cpuMillis: 500, memoryMiB: 1536 },
      connectsTo: [storageEndpoint, transformations.queryEngine.endpoint],
      dependsOn: [storageEndpoint, transformations],
    });
    const codeEndpoint = this.codeServer.endpoint("grpc");
    const client = {
      image: transformations.image,
      files: instance.files,
      env: { ...instance.env, DAGSTER_CODE_HOST: codeEndpoint.host, DAGSTER_CODE_PORT: String(codeEndpoint.port) },
      secretEnv: instance.secretEnv,
      runAsUser: 1000,
      writablePaths: instance.writablePaths,
    };

    const webserver = platform.service(this, "Webserver", {
      ...client,
      name: "dagster-webserver",
      command: ["dagster-webserver", "-h", "0.0.0.0", "-p", "3000", "-w", `${CODE_DIR}/workspace.yaml`],
      ports: [{ name: "http", port: 3000 }],
      healthCheck: HealthCheck.http(3000, "/server_info", { intervalSeconds: 5, startPeriodSeconds: 60 }),
      resources: { cpuMillis: 250, memoryMiB: 768 },
      connectsTo: [storageEndpoint, codeEndpoint],
      dependsOn: [storageEndpoint, codeEndpoint],
    });
    this.endpoint = webserver.endpoint("http");

    this.daemon = platform.service(this, "Daemon", {
      ...client,
      files: [...client.files, { path: `${CODE_DIR}/daemon_health.py`, content: asset("orchestrator/daemon_health.py") }],
      env: { ...client.env, DAGSTER_WEBSERVER_URL: this.endpoint.url("http") },
      name: "dagster-daemon",
      command: ["dagster-daemon", "run", "-w", `${CODE_DIR}/workspace.yaml`],
      healthCheck: HealthCheck.command(["python", `${CODE_DIR}/daemon_health.py`], { intervalSeconds: 30, timeoutSeconds: 15, startPeriodSeconds: 60 }),
      resources: { cpuMillis: 250, memoryMiB: 512 },
      connectsTo: [storageEndpoint, codeEndpoint, this.endpoint],
      dependsOn: [storageEndpoint, codeEndpoint, this.endpoint],
    });

    this.metricsTargets = props.metrics === false ? [] : [runsExporter(this, platform, storage, props.metricsExporterImage ?? defaultImage("postgresExporter", props.imageRegistry))];
  }
}

/** Dagster serves no metrics: an exporter reads its run storage, logged in as Dagster's own role. */
function runsExporter(scope: Construct, platform: IPlatform, storage: AppDatabase, image: string): MetricsTarget {
  return postgresExporter(scope, platform, {
    id: "RunsExporter",
    name: "dagster-exporter",
    job: "dagster",
    image,
    endpoint: storage.endpoint,
    database: storage.user,
    user: storage.user,
    password: storage.password,
    queries: RUN_QUERIES,
    dependsOn: [storage.endpoint],
  });
}

/**
 * Queries of the run storage (its `runs` table): per job, whether the newest finished run failed
 * (`dagster_job_last_run_failed`, which the DagsterRunFailed rule reads), when it ended
 * (`dagster_job_last_run_end_seconds`), and the job's runs by status (`dagster_job_runs_count`).
 * The label is `dagster_job`: Prometheus's own `job` names the scrape job.
 */
const RUN_QUERIES = {
  dagster_job: {
    query:
      "SELECT pipeline_name AS dagster_job, CASE WHEN status = 'FAILURE' THEN 1 ELSE 0 END AS last_run_failed, " +
      "COALESCE(end_time, EXTRACT(EPOCH FROM update_timestamp)) AS last_run_end_seconds " +
      "FROM (SELECT DISTINCT ON (pipeline_name) pipeline_name, status, end_time, update_timestamp FROM runs " +
      "WHERE status IN ('SUCCESS', 'FAILURE', 'CANCELED') ORDER BY pipeline_name, id DESC) newest",
    metrics: [
      { dagster_job: { usage: "LABEL", description: "Dagster job" } },
      { last_run_failed: { usage: "GAUGE", description: "1 when the job's newest finished run failed" } },
      { last_run_end_seconds: { usage: "GAUGE", description: "When the job's newest finished run ended, in Unix seconds" } },
    ],
  },
  dagster_job_runs: {
    query: "SELECT pipeline_name AS dagster_job, status, count(*) AS count FROM runs GROUP BY pipeline_name, status",
    metrics: [
      { dagster_job: { usage: "LABEL", description: "Dagster job" } },
      { status: { usage: "LABEL", description: "Run status (QUEUED, STARTED, SUCCESS, FAILURE, CANCELED, ...)" } },
      { count: { usage: "GAUGE", description: "Runs of the job in that status" } },
    ],
  },
};

/** The maintenance job's environment (see orchestrator/maintenance.py), validated. */
function maintenanceEnv(props: TableMaintenanceProps, namespaces: string[]): Record<string, string> {
  const schedule = props.schedule ?? "0 * * * *";
  if (schedule.trim().split(/\s+/).length !== 5) {
    throw new ValidationError("Orchestrator", "maintenance.schedule", "must be a five-field cron expression", schedule, "Use e.g. '0 * * * *' (hourly).");
  }
  const target = props.targetFileSizeMiB ?? 128;
  const small = props.smallFileSizeMiB ?? 32;
  const values = {
    checkIntervalSeconds: props.checkIntervalSeconds ?? 300,
    targetFileSizeMiB: target,
    smallFileSizeMiB: small,
    maxSmallFiles: props.maxSmallFiles ?? 32,
    maxDeleteFiles: props.maxDeleteFiles ?? 32,
    maxSnapshots: props.maxSnapshots ?? 1000,
    snapshotRetentionMinutes: props.snapshotRetentionMinutes ?? 120,
    orphanRetentionMinutes: props.orphanRetentionMinutes ?? 4320,
  };
  validateInteger("Orchestrator", "maintenance.checkIntervalSeconds", values.checkIntervalSeconds, 30);
  validateInteger("Orchestrator", "maintenance.targetFileSizeMiB", target, 1);
  validateInteger("Orchestrator", "maintenance.smallFileSizeMiB", small, 1, target);
  validateInteger("Orchestrator", "maintenance.maxSmallFiles", values.maxSmallFiles, 2);
  validateInteger("Orchestrator", "maintenance.maxDeleteFiles", values.maxDeleteFiles, 1);
  validateInteger("Orchestrator", "maintenance.maxSnapshots", values.maxSnapshots, 1);
  validateInteger("Orchestrator", "maintenance.snapshotRetentionMinutes", values.snapshotRetentionMinutes, 1);
  // Below ten minutes a dbt build's files, unreferenced until its commit, could be taken for orphans.
  validateInteger("Orchestrator", "maintenance.orphanRetentionMinutes", values.orphanRetentionMinutes, 10);
  return {
    MAINTAIN_SCHEMAS: namespaces.join(","),
    MAINTENANCE_SCHEDULE: schedule,
    MAINTENANCE_CHECK_SECONDS: String(values.checkIntervalSeconds),
    MAINTENANCE_TARGET_FILE_MIB: String(target),
    MAINTENANCE_SMALL_FILE_MIB: String(small),
    MAINTENANCE_MAX_SMALL_FILES: String(values.maxSmallFiles),
    MAINTENANCE_MAX_DELETE_FILES: String(values.maxDeleteFiles),
    MAINTENANCE_MAX_SNAPSHOTS: String(values.maxSnapshots),
    MAINTENANCE_SNAPSHOT_RETENTION_MINUTES: String(values.snapshotRetentionMinutes),
    MAINTENANCE_ORPHAN_RETENTION_MINUTES: String(values.orphanRetentionMinutes),
  };
}
