import { ITerraformDependable } from "cdktf";
import { createHash } from "crypto";
import { Construct } from "constructs";
import Mustache from "mustache";
import { asset, assetNames } from "./assets";
import { ICdcStream } from "./cdc-connector";
import { credentialFor, IIcebergWarehouse } from "./iceberg-warehouse";
import { defaultImage } from "./images";
import { NODE_USER, nodeJob, nodeScriptCommand, nodeScriptFiles } from "./platform/node-job";
import { IMetricsSource, MetricsTarget, scrapeTarget } from "./metrics";
import { Endpoint, HealthCheck, IDependable, IPlatform, JobHandle, PortSpec, Secret, ServiceHandle } from "./platform/workload";
import { flinkSinkType, flinkSourceType, flinkValue, icebergType, TableSchema } from "./schema";
import { validateInteger, validateKafkaName, validateUnreservedIdentifier, ValidationError } from "./validation";

/** Where in the warehouse bucket Flink keeps the pipeline's checkpoints, savepoints and each version's SQL. */
const STATE_PREFIX = "flink/";
/**
 * The same for the freshness probe's job: beside the pipeline's prefix, not under it, since each
 * keeper restores the newest checkpoint it finds under its own.
 */
const PROBE_STATE_PREFIX = "flink-probe/";
/** Where the JobManagers' HA services keep job graphs and checkpoint pointers, beside the keepers' prefixes. */
const HA_STATE_PREFIX = "flink-ha/";
/** The Kubernetes HA services' cluster id: the prefix of the ConfigMaps they keep. */
const HA_CLUSTER_ID = "lakehouse-flink";
/** Services of the Flink cluster that find (or are) the leading JobManager through the platform's API. */
const LEADER_ELECTION_GROUP = "flink";
/** The image's start-up writes conf/config.yaml; Flink writes its logs under log/. */
const FLINK_WRITABLE_PATHS = ["/opt/flink/conf", "/opt/flink/log"];

/** Props of {@link StreamJob}. */
export interface StreamJobProps {
  /** Where the Flink cluster, the SQL Gateway and the submit job run. */
  readonly platform: IPlatform;
  /** The change streams to read. */
  readonly cdc: ICdcStream;
  /** Where the tables are written. */
  readonly warehouse: IIcebergWarehouse;
  /** Prefix of the Flink job name; the full name adds a hash of the SQL. @default "lakehouse-cdc" */
  readonly jobName?: string;
  /** @default 1 */
  readonly taskManagers?: number;
  /**
   * JobManagers: one, or a leader and standbys through Flink's Kubernetes HA services. With more
   * than one, the leader and each running job's graph and newest checkpoint are kept in
   * ConfigMaps and under `s3://<bucket>/flink-ha/`, and a standby takes the jobs over from their
   * newest checkpoint when the leader is lost, before a keeper would have to restore them. Docker
   * has no such services: more than one needs a Kubernetes platform.
   * @default 1
   */
  readonly jobManagers?: number;
  /**
   * Slots per TaskManager. Each slot runs one parallel copy of the whole pipeline; the freshness
   * probe's job takes one more, and one is left for `lakehouse bench --peer`.
   * @default 3
   */
  readonly taskSlots?: number;
  /** Parallelism of the pipeline job; at most taskManagers x taskSlots, less the probe job's slot. @default 1 */
  readonly parallelism?: number;
  /**
   * Checkpoint interval. Iceberg commits on checkpoints, so this bounds how stale the tables
   * are; shorter intervals mean more, smaller files (compact them) and more checkpoint load.
   * @default 10000
   */
  readonly checkpointIntervalMs?: number;
  /** Flink process memory of each TaskManager (container limit). @default 1536 */
  readonly taskManagerMemoryMiB?: number;
  /** Flink process memory of the JobManager (container limit). @default 1024 */
  readonly jobManagerMemoryMiB?: number;
  /** Iceberg namespace of the raw CDC log tables. @default "raw_data" */
  readonly rawDatabase?: string;
  /** Iceberg namespace of the current-state tables. @default - the source database name, e.g. "bank" */
  readonly stateDatabase?: string;
  /** Kafka consumer group prefix. @default "lakehouse-flink" */
  readonly consumerGroup?: string;
  /**
   * The JobManager and TaskManagers serve their metrics (checkpoints, Kafka source backlog,
   * Iceberg commits per table) to Prometheus on port 9249, through Flink's Prometheus reporter.
   * @default true
   */
  readonly metrics?: boolean;
  /** Flink image with the Kafka SQL connector, Iceberg runtime and S3 filesystem. @default - see DEFAULT_IMAGES.flink */
  readonly image?: string;
  /** Node.js image that runs the submit job. @default - node 20 */
  readonly jobImage?: string;
  /** Registry mirror for every default image. @default - upstream registries */
  readonly imageRegistry?: string;
}

/** What the SQL templates in flink-sql/ are rendered with. */
export interface PipelineSqlInput {
  /** Flink job name (`pipeline.name`). */
  readonly jobName: string;
  /** Checkpoint interval; Iceberg commits once per checkpoint. */
  readonly checkpointIntervalMs: number;
  /** Default parallelism of the job. */
  readonly parallelism: number;
  /** Iceberg REST catalog URL. */
  readonly catalogUri: string;
  /** Warehouse location, e.g. `s3://lakehouse/warehouse`. */
  readonly warehouse: string;
  /** S3 API URL of the object store. */
  readonly s3Endpoint: string;
  /** S3 region. */
  readonly region: string;
  /** Iceberg namespace of the raw CDC log tables. */
  readonly rawDatabase: string;
  /** Iceberg namespace of the current-state tables. */
  readonly stateDatabase: string;
  /** Kafka bootstrap servers (`host:port`). */
  readonly bootstrap: string;
  /** Kafka consumer group of the job. */
  readonly consumerGroup: string;
  /** Where the job's checkpoints go, when not the cluster's `state.checkpoints.dir`. */
  readonly checkpointDir?: string;
  /** The captured tables with the topic that carries each one's changes. */
  readonly tables: {
    /** The table's schema. */
    readonly schema: TableSchema;
    /** Its change topic. */
    readonly topic: string;
    /** Whether its raw CDC log is kept too; the freshness probe's table has current state only. @default true */
    readonly raw?: boolean;
  }[];
}

/**
 * Renders flink-sql/*.sql (in file-name order) into one script. Column lists come from the
 * source schema, so the SQL always matches the captured tables.
 */
export function renderPipelineSql(input: PipelineSqlInput): string {
  const view = {
    ...input,
    tables: input.tables.map(({ schema, topic, raw }) => ({
      name: schema.name,
      raw: raw ?? true,
      topicPattern: topic.replace(/\./g, "\\."),
      primaryKey: schema.primaryKey.map((k) => `\`${k}\``).join(", "),
      sourceColumns: schema.columns.map((c) => `  \`${c.name}\` ${flinkSourceType(c.type)}`).join(",\n"),
      sinkColumns: schema.columns.map((c) => `  \`${c.name}\` ${flinkSinkType(c.type)}${c.nullable === false ? " NOT NULL" : ""}`).join(",\n"),
      selectList: schema.columns.map((c) => `  ${flinkValue(c.name, c.type)} AS \`${c.name}\``).join(",\n"),
      columnList: schema.columns.map((c) => `\`${c.name}\``).join(", "),
    })),
  };
  return assetNames("flink-sql", ".sql")
    .map((file) => Mustache.render(asset(`flink-sql/${file}`), view, {}, { escape: (s: string) => s }))
    .join("\n");
}

/**
 * A Flink session cluster (JobManager, N TaskManagers, checkpoints retained on the warehouse's
 * S3), a SQL Gateway, and a keeper service that owns the pipeline job: the raw CDC log tables
 * and the current-state tables of every captured table. The job name carries a hash of the SQL.
 * The keeper restores the newest retained checkpoint whenever no version runs (a JobManager
 * replaced by a deploy or restarted after a crash), upgrades to new SQL through a savepoint
 * (rolling back if it does not start), and refuses to replay Kafka into tables that hold data.
 *
 * When the connector streams the freshness probe's table, its current-state table is written by
 * a second job with a keeper of its own. Flink restores operator state by an operator's place in
 * the job, so a table in the pipeline's job after which captured tables are added would hand its
 * Kafka source state to the first of them; in a job of its own, the probe is no table's neighbour.
 */
export class StreamJob extends Construct implements IDependable, IMetricsSource {
  /** Full Flink job name (prefix plus SQL hash). */
  public readonly jobName: string;
  /** The rendered SQL that the submit job runs. */
  public readonly sql: string;
  /** Iceberg namespace of the raw CDC log tables. */
  public readonly rawDatabase: string;
  /** Iceberg namespace of the current-state tables. */
  public readonly stateDatabase: string;
  /** Tables written, as `namespace.table` in the Iceberg catalog. */
  public readonly tablesWritten: string[];
  /** The freshness probe's current-state table (`namespace.table`), when the connector streams the probe. */
  public readonly freshnessProbeTable?: string;
  /** Full name of the freshness probe's Flink job, when the connector streams the probe. */
  public readonly probeJobName?: string;
  /** The SQL of the freshness probe's job. */
  public readonly probeSql?: string;
  /**
   * Regular expressions matching the `job_name` label Flink's Prometheus reporter gives every
   * version of each job the stack keeps running (the pipeline's, and the probe's): a rule fires
   * when one of them is absent. See {@link jobLabelPattern}.
   */
  public readonly jobLabelPatterns: string[];
  /** Checkpoint interval: Iceberg commits once per checkpoint. */
  public readonly checkpointIntervalMs: number;
  /** TaskManagers of the Flink cluster. */
  public readonly taskManagers: number;
  /** Flink JobManager: web UI and REST API. */
  public readonly jobManager: Endpoint;
  /** Flink SQL Gateway REST API. */
  public readonly gateway: Endpoint;
  /**
   * The deploy step that waits until the pipeline runs the rendered SQL and has completed a
   * checkpoint since the deploy changed it (or the Flink cluster).
   */
  public readonly rollout: JobHandle;
  /** The JobManager's RPC and blob server ports, which the TaskManagers reach. */
  private readonly jobManagerRpc: Endpoint[];
  public readonly dependables: ITerraformDependable[];
  /** The JobManager's and every TaskManager's Prometheus reporter; empty when `metrics` is false. */
  public readonly metricsTargets: MetricsTarget[];

  constructor(scope: Construct, id: string, props: StreamJobProps) {
    super(scope, id);
    const settings = resolveSettings(props);
    this.rawDatabase = settings.rawDatabase;
    this.stateDatabase = settings.stateDatabase;
    this.checkpointIntervalMs = settings.checkpointIntervalMs;
    this.taskManagers = settings.taskManagers;
    const pipeline = versionedSql(settings.family, (jobName) => sqlInput(props, settings, jobName, pipelineTables(props.cdc)));
    this.jobName = pipeline.jobName;
    this.sql = pipeline.sql;
    this.tablesWritten = props.cdc.tables.flatMap((t) => [`${this.rawDatabase}.${t.name}`, `${this.stateDatabase}.${t.name}`]);
    const probe = props.cdc.freshnessProbe;
    const probeJob = probe && versionedSql(probeFamily(settings.family), (jobName) => probeSqlInput(props, settings, jobName, probe));
    this.freshnessProbeTable = probe ? `${this.stateDatabase}.${probe.table.name}` : undefined;
    this.probeJobName = probeJob?.jobName;
    this.probeSql = probeJob?.sql;
    this.jobLabelPatterns = [settings.family, ...(probe ? [probeFamily(settings.family)] : [])].map(jobLabelPattern);

    const flink = flinkRuntime(props, settings);
    const jobManager = this.jobManagerService(props, settings, flink);
    this.jobManager = jobManager.endpoint("http");
    this.jobManagerRpc = [jobManager.endpoint("rpc"), jobManager.endpoint("blob")];
    const taskManager = this.taskManagerService(props, settings, flink);
    this.metricsTargets = settings.metrics
      ? [
          scrapeTarget("flink-jobmanager", jobManager, "metrics"),
          // One TaskManager by name (a stopped one is a target down, not a name gone from DNS); several each.
          scrapeTarget("flink-taskmanager", taskManager, "metrics"),
        ]
      : [];
    this.gateway = this.sqlGateway(props, settings, flink);
    const tables = (list: TableSchema[], raw: boolean): PipelineTables => ({
      raw: raw ? list.map((t) => ({ namespace: this.rawDatabase, name: t.name })) : [],
      state: list.map((t) => ({ namespace: this.stateDatabase, name: t.name, columns: t.columns.map((c) => ({ name: c.name, type: icebergType(c.type) })) })),
    });
    const pipelineKeeper = this.keeper(props, settings, flink, taskManager, {
      id: "Keeper",
      name: "flink-pipeline",
      jobName: this.jobName,
      family: settings.family,
      sql: this.sql,
      tables: tables(props.cdc.tables, true),
      statePrefix: STATE_PREFIX,
    });
    this.rollout = this.rolloutJob(props, settings, flink, pipelineKeeper, taskManager, { id: "Rollout", name: "flink-pipeline-rollout", jobName: this.jobName });
    const probeRollout =
      probe &&
      this.rolloutJob(
        props,
        settings,
        flink,
        this.keeper(props, settings, flink, taskManager, {
          id: "ProbeKeeper",
          name: "flink-probe-keeper",
          jobName: this.probeJobName!,
          family: probeFamily(settings.family),
          sql: this.probeSql!,
          tables: tables([probe.table], false),
          statePrefix: PROBE_STATE_PREFIX,
          // Both jobs' SQL creates the namespaces, and the catalog fails one of two concurrent
          // creations of the same namespace: the probe's job starts once the pipeline's runs.
          after: [this.rollout],
        }),
        taskManager,
        { id: "ProbeRollout", name: "flink-probe-rollout", jobName: this.probeJobName! },
      );
    this.dependables = [...this.rollout.dependables, ...(probeRollout?.dependables ?? [])];
  }

  /** The JobManager: web UI, REST API and the scheduler of the session cluster. */
  private jobManagerService(props: StreamJobProps, settings: StreamJobSettings, flink: FlinkRuntime): ServiceHandle {
    const ha = settings.jobManagers > 1;
    const jobManager = props.platform.service(this, "JobManager", {
      name: "flink-jobmanager",
      image: settings.image,
      // A leader publishes its own address for the others to find: the pod's, not the Service's.
      ...(ha ? { command: ["/bin/bash", "-c", 'exec /docker-entrypoint.sh jobmanager "$(hostname -i)"'] } : { args: ["jobmanager"] }),
      replicas: settings.jobManagers,
      leaderElectionGroup: ha ? LEADER_ELECTION_GROUP : undefined,
      env: flink.env,
      secretEnv: flink.secretEnv,
      ports: [{ name: "http", port: 8081 }, { name: "rpc", port: 6123 }, { name: "blob", port: 6124 }, ...metricsPorts(settings)],
      healthCheck: HealthCheck.http(8081, "/overview", { intervalSeconds: 3 }),
      resources: { cpuMillis: 250, memoryMiB: settings.jobManagerMemoryMiB },
      runAsUser: 9999,
      writablePaths: FLINK_WRITABLE_PATHS,
      // Checkpoints in S3; the Kafka source's split enumerator runs here; RPCs and metric queries to the TaskManagers.
      connectsTo: [props.warehouse.s3, props.cdc.bootstrap, ...[TASKMANAGER_RPC_PORT, METRIC_QUERY_PORT].map((port) => new Endpoint(TASKMANAGER, port))],
      dependsOn: [props.warehouse],
    });
    return jobManager;
  }

  /** The TaskManagers that run the pipeline's slots. */
  private taskManagerService(props: StreamJobProps, settings: StreamJobSettings, flink: FlinkRuntime): ServiceHandle {
    return props.platform.service(this, "TaskManager", {
      name: TASKMANAGER,
      image: settings.image,
      args: ["taskmanager"],
      env: flink.env,
      secretEnv: flink.secretEnv,
      replicas: settings.taskManagers,
      leaderElectionGroup: settings.jobManagers > 1 ? LEADER_ELECTION_GROUP : undefined,
      ports: [{ name: "rpc", port: TASKMANAGER_RPC_PORT }, { name: "data", port: TASKMANAGER_DATA_PORT }, { name: "metric-query", port: METRIC_QUERY_PORT }, ...metricsPorts(settings)],
      resources: { cpuMillis: 500, memoryMiB: settings.taskManagerMemoryMiB },
      runAsUser: 9999,
      writablePaths: FLINK_WRITABLE_PATHS,
      connectsTo: [...this.jobManagerRpc, props.warehouse.s3, props.warehouse.catalog, props.cdc.bootstrap],
      dependsOn: [this.jobManager],
    });
  }

  /** The SQL Gateway the keeper submits the pipeline's statements through. */
  private sqlGateway(props: StreamJobProps, settings: StreamJobSettings, flink: FlinkRuntime): Endpoint {
    const gateway = props.platform.service(this, "SqlGateway", {
      name: "flink-sql-gateway",
      image: settings.image,
      args: [
        "/opt/flink/bin/sql-gateway.sh",
        "start-foreground",
        "-Dsql-gateway.endpoint.rest.address=flink-sql-gateway",
        "-Dsql-gateway.endpoint.rest.bind-address=0.0.0.0",
        "-Dsql-gateway.endpoint.rest.port=8083",
        "-Drest.address=flink-jobmanager",
        "-Drest.port=8081",
        "-Dexecution.target=remote",
        // It submits through the Service, whichever JobManager answers (a standby forwards to the leader).
        ...(settings.jobManagers > 1 ? ["-Dhigh-availability.type=NONE"] : []),
      ],
      env: flink.env,
      secretEnv: flink.secretEnv,
      ports: [{ name: "http", port: 8083 }],
      healthCheck: HealthCheck.http(8083, "/v1/info", { intervalSeconds: 3 }),
      resources: { cpuMillis: 250, memoryMiB: 768 },
      runAsUser: 9999,
      writablePaths: FLINK_WRITABLE_PATHS,
      // Plans statements against the catalog, submits them through the JobManager's REST API.
      connectsTo: [this.jobManager, props.warehouse.s3, props.warehouse.catalog],
      dependsOn: [this.jobManager],
    });
    return gateway.endpoint("http");
  }

  /**
   * The keeper owns a job from here on: it restores the newest retained checkpoint whenever no
   * version runs (a new or restarted JobManager) and upgrades with a savepoint on new SQL.
   */
  private keeper(props: StreamJobProps, settings: StreamJobSettings, flink: FlinkRuntime, taskManager: ServiceHandle, job: KeptJob): ServiceHandle {
    const { cdc, warehouse } = props;
    return props.platform.service(this, job.id, {
      name: job.name,
      image: settings.jobImage,
      command: nodeScriptCommand(PIPELINE_SCRIPT, ["keep"]),
      env: {
        GATEWAY_URL: this.gateway.url("http"),
        JOBMANAGER_URL: this.jobManager.url("http"),
        CATALOG_URL: warehouse.catalog.url("http"),
        JOB_NAME: job.jobName,
        JOB_FAMILY: `${job.family}-`,
        SQL_FILE: "/job/pipeline.sql",
        TABLES_FILE: "/job/tables.json",
        S3_ENDPOINT: warehouse.s3.url("http"),
        S3_BUCKET: warehouse.bucket,
        STATE_PREFIX: job.statePrefix,
        PORT: String(KEEPER_PORT),
        ...flink.s3Env,
      },
      secretEnv: flink.secretEnv,
      files: [...nodeScriptFiles(PIPELINE_SCRIPT), { path: "/job/pipeline.sql", content: job.sql }, { path: "/job/tables.json", content: JSON.stringify(job.tables, null, 2) + "\n" }],
      ports: [{ name: "http", port: KEEPER_PORT }],
      healthCheck: HealthCheck.http(KEEPER_PORT, "/healthz", { intervalSeconds: 3 }),
      resources: { cpuMillis: 50, memoryMiB: 128 },
      runAsUser: NODE_USER,
      connectsTo: [this.gateway, this.jobManager, warehouse.catalog, warehouse.s3],
      // Topics exist once the connector runs; the TaskManagers must be up to take the job.
      dependsOn: [this.gateway, taskManager, cdc, warehouse, ...(job.after ?? [])],
    });
  }

  /**
   * A deploy waits for the pipeline: this step re-runs whenever the SQL or the Flink cluster
   * changes, and passes once the target version runs and has completed a checkpoint since.
   */
  private rolloutJob(
    props: StreamJobProps,
    settings: StreamJobSettings,
    flink: FlinkRuntime,
    keeper: ServiceHandle,
    taskManager: ServiceHandle,
    job: { id: string; name: string; jobName: string },
  ): JobHandle {
    const clusterIdentity = createHash("sha256")
      .update(JSON.stringify({ image: settings.image, flinkProperties: flink.properties, taskManagers: settings.taskManagers }))
      .digest("hex")
      .slice(0, 12);
    return props.platform.job(
      this,
      job.id,
      nodeJob({
        name: job.name,
        image: settings.jobImage,
        script: PIPELINE_SCRIPT,
        scriptArgs: ["await"],
        env: {
          KEEPER_URL: keeper.endpoint("http").url("http"),
          JOB_NAME: job.jobName,
          FLINK_CLUSTER: clusterIdentity,
        },
        resources: { cpuMillis: 50, memoryMiB: 64 },
        connectsTo: [keeper.endpoint("http")],
        dependsOn: [keeper, this.jobManager, taskManager],
        timeoutSeconds: ROLLOUT_TIMEOUT_SECONDS,
      }),
    );
  }
}

/** A Flink job a keeper service owns. */
interface KeptJob {
  /** Construct id of the keeper service. */
  readonly id: string;
  /** Service name of the keeper. */
  readonly name: string;
  /** Full job name: the family, a dash and a hash of the SQL. */
  readonly jobName: string;
  /** Prefix of every version's name. */
  readonly family: string;
  readonly sql: string;
  readonly tables: PipelineTables;
  /** Where in the warehouse bucket its savepoints, checkpoints and SQL versions live. */
  readonly statePrefix: string;
  /** What the keeper starts after, besides the cluster, the connector and the warehouse. */
  readonly after?: IDependable[];
}

/** What a keeper checks and evolves: the Iceberg tables of its job (jobs/flink-pipeline.js reads it). */
interface PipelineTables {
  readonly raw: { namespace: string; name: string }[];
  readonly state: { namespace: string; name: string; columns: { name: string; type: string }[] }[];
}

/** Family of the freshness probe's job, beside the pipeline's `family`. */
function probeFamily(family: string): string {
  return `${family}-probe`;
}

/** Length of the SQL hash in a job name. */
const JOB_HASH_LENGTH = 12;

/** Every version's name of a job family, as a regular expression; a keeper matches the same. */
export function jobNamePattern(family: string): string {
  return `${family.replace(/[.]/g, "\\.")}-[0-9a-f]{${JOB_HASH_LENGTH}}`;
}

/**
 * Every version's name of a job family as Flink's Prometheus reporter writes it in the `job_name`
 * label, where each character other than a letter, digit, `_` or `:` becomes `_`.
 */
export function jobLabelPattern(family: string): string {
  return `${family.replace(/[^a-zA-Z0-9:_]/g, "_")}_[0-9a-f]{${JOB_HASH_LENGTH}}`;
}

/** A job's name and SQL: the name holds a hash of the SQL rendered without it, so any change yields a new name. */
function versionedSql(family: string, input: (jobName: string) => PipelineSqlInput): { jobName: string; sql: string } {
  const hash = createHash("sha256")
    .update(renderPipelineSql(input(family)))
    .digest("hex")
    .slice(0, JOB_HASH_LENGTH);
  const jobName = `${family}-${hash}`;
  return { jobName, sql: renderPipelineSql(input(jobName)) };
}

/** The keeper's and the rollout's script in jobs/. */
const PIPELINE_SCRIPT = "flink-pipeline.js";
const KEEPER_PORT = 8090;
/** Seconds a deploy waits for the new version to run and checkpoint; the script gives up a minute earlier (840 s). */
const ROLLOUT_TIMEOUT_SECONDS = 900;

/** The props of a {@link StreamJob} with defaults applied and validated. */
interface StreamJobSettings {
  readonly taskManagers: number;
  readonly jobManagers: number;
  readonly taskSlots: number;
  readonly parallelism: number;
  readonly checkpointIntervalMs: number;
  readonly taskManagerMemoryMiB: number;
  readonly jobManagerMemoryMiB: number;
  /** Prefix of the job name. */
  readonly family: string;
  readonly rawDatabase: string;
  readonly stateDatabase: string;
  readonly consumerGroup: string;
  /** The Flink image of every cluster service. */
  readonly image: string;
  /** The Node.js image of the keeper and the rollout. */
  readonly jobImage: string;
  /** Whether the cluster serves Prometheus metrics. */
  readonly metrics: boolean;
}

function resolveSettings(props: StreamJobProps): StreamJobSettings {
  const settings: StreamJobSettings = {
    taskManagers: props.taskManagers ?? 1,
    jobManagers: props.jobManagers ?? 1,
    taskSlots: props.taskSlots ?? 3,
    parallelism: props.parallelism ?? 1,
    checkpointIntervalMs: props.checkpointIntervalMs ?? 10_000,
    taskManagerMemoryMiB: props.taskManagerMemoryMiB ?? 1536,
    jobManagerMemoryMiB: props.jobManagerMemoryMiB ?? 1024,
    family: props.jobName ?? "lakehouse-cdc",
    rawDatabase: props.rawDatabase ?? "raw_data",
    stateDatabase: props.stateDatabase ?? props.cdc.sourceDatabase,
    consumerGroup: props.consumerGroup ?? "lakehouse-flink",
    image: props.image ?? defaultImage("flink", props.imageRegistry),
    jobImage: props.jobImage ?? defaultImage("node", props.imageRegistry),
    metrics: props.metrics ?? true,
  };
  validateSettings(settings, props.cdc.freshnessProbe !== undefined);
  if (settings.jobManagers > 1 && props.platform.kind !== "kubernetes") {
    throw new ValidationError(
      "StreamJob",
      "jobManagers",
      `must be 1 on ${props.platform.kind}: a standby JobManager finds the leader through Flink's Kubernetes HA services, which only Kubernetes has`,
      settings.jobManagers,
      "Set jobManagers: 1, or deploy the stack on Kubernetes.",
    );
  }
  return settings;
}

function validateSettings(s: StreamJobSettings, probe: boolean): void {
  validateInteger("StreamJob", "taskManagers", s.taskManagers, 1, 100);
  validateInteger("StreamJob", "jobManagers", s.jobManagers, 1, 3);
  validateInteger("StreamJob", "taskSlots", s.taskSlots, 1, 64);
  validateInteger("StreamJob", "parallelism", s.parallelism, 1);
  const slots = s.taskManagers * s.taskSlots - (probe ? 1 : 0);
  if (s.parallelism > slots) {
    throw new ValidationError(
      "StreamJob",
      "parallelism",
      `must be <= taskManagers x taskSlots${probe ? ", less one slot for the freshness probe's job" : ""} (${slots})`,
      s.parallelism,
      "Lower parallelism, or add TaskManagers or slots.",
    );
  }
  if (s.checkpointIntervalMs < 1000) {
    throw new ValidationError(
      "StreamJob",
      "checkpointIntervalMs",
      "must be >= 1000 (each checkpoint is an Iceberg commit; sub-second commits flood the catalog with tiny files)",
      s.checkpointIntervalMs,
      "Set checkpointIntervalMs to 1000 or more.",
    );
  }
  validateInteger("StreamJob", "checkpointIntervalMs", s.checkpointIntervalMs, 1000);
  validateInteger("StreamJob", "taskManagerMemoryMiB", s.taskManagerMemoryMiB, 1024);
  validateInteger("StreamJob", "jobManagerMemoryMiB", s.jobManagerMemoryMiB, 768);
  validateKafkaName("StreamJob", "jobName", s.family);
  // Both engines write namespaces unquoted (`lakehouse.raw_data.users`).
  validateUnreservedIdentifier("StreamJob", "rawDatabase", s.rawDatabase, ["Flink SQL", "Trino"]);
  validateUnreservedIdentifier("StreamJob", "stateDatabase", s.stateDatabase, ["Flink SQL", "Trino"]);
  if (s.rawDatabase === s.stateDatabase) {
    throw new ValidationError(
      "StreamJob",
      "stateDatabase",
      "must differ from rawDatabase (both hold one table per source table)",
      s.stateDatabase,
      "Pick another namespace for the current-state tables.",
    );
  }
  validateKafkaName("StreamJob", "consumerGroup", s.consumerGroup);
}

function sqlInput(props: StreamJobProps, s: StreamJobSettings, jobName: string, tables: PipelineSqlInput["tables"]): PipelineSqlInput {
  const { cdc, warehouse } = props;
  return {
    jobName,
    checkpointIntervalMs: s.checkpointIntervalMs,
    parallelism: s.parallelism,
    catalogUri: warehouse.catalog.url("http"),
    warehouse: warehouse.warehouse,
    s3Endpoint: warehouse.s3.url("http"),
    region: warehouse.region,
    rawDatabase: s.rawDatabase,
    stateDatabase: s.stateDatabase,
    bootstrap: cdc.bootstrap.address,
    consumerGroup: s.consumerGroup,
    tables,
  };
}

/** Both writes of every captured table. */
function pipelineTables(cdc: ICdcStream): PipelineSqlInput["tables"] {
  return cdc.tables.map((schema) => ({ schema, topic: cdc.topicFor(schema.name) }));
}

/** The probe's job: its table's current state only, one slot, its own consumer group and checkpoints. */
function probeSqlInput(props: StreamJobProps, s: StreamJobSettings, jobName: string, probe: NonNullable<ICdcStream["freshnessProbe"]>): PipelineSqlInput {
  return {
    ...sqlInput(props, s, jobName, [{ schema: probe.table, topic: probe.topic, raw: false }]),
    parallelism: 1,
    consumerGroup: `${s.consumerGroup}-probe`,
    checkpointDir: `s3://${props.warehouse.bucket}/${PROBE_STATE_PREFIX}checkpoints`,
  };
}

/** Port of Flink's Prometheus reporter on the JobManager and each TaskManager. */
const FLINK_METRICS_PORT = 9249;
/** The TaskManagers' service name, and their fixed ports (Flink picks random ones by default): the JobManager's RPCs, and the data exchange between TaskManagers. */
const TASKMANAGER = "flink-taskmanager";
const TASKMANAGER_RPC_PORT = 6122;
const TASKMANAGER_DATA_PORT = 6121;
/** Where each Flink process answers the JobManager's metric queries (the web UI's TaskManager metrics); random by default. */
const METRIC_QUERY_PORT = 6125;

function metricsPorts(s: StreamJobSettings): PortSpec[] {
  return s.metrics ? [{ name: "metrics", port: FLINK_METRICS_PORT }] : [];
}

/** What every Flink process of the cluster runs with: its configuration and the S3 credentials. */
interface FlinkRuntime {
  /** The `FLINK_PROPERTIES` of every cluster service. */
  readonly properties: string;
  /** The S3 region and access key id (the AWS default chain reads them). */
  readonly s3Env: Record<string, string>;
  /** Environment of the cluster services: properties and S3 settings. */
  readonly env: Record<string, string>;
  /** The S3 secret key. */
  readonly secretEnv: Record<string, Secret>;
}

function flinkRuntime({ warehouse, platform }: StreamJobProps, s: StreamJobSettings): FlinkRuntime {
  const location = platform.location;
  const properties = [
    "jobmanager.rpc.address: flink-jobmanager",
    "rest.address: flink-jobmanager",
    "rest.port: 8081",
    `taskmanager.rpc.port: ${TASKMANAGER_RPC_PORT}`,
    `taskmanager.data.port: ${TASKMANAGER_DATA_PORT}`,
    `metrics.internal.query-service.port: ${METRIC_QUERY_PORT}`,
    `taskmanager.numberOfTaskSlots: ${s.taskSlots}`,
    `parallelism.default: ${s.parallelism}`,
    `jobmanager.memory.process.size: ${s.jobManagerMemoryMiB}m`,
    `taskmanager.memory.process.size: ${s.taskManagerMemoryMiB}m`,
    "state.backend.type: hashmap",
    `state.checkpoints.dir: s3://${warehouse.bucket}/${STATE_PREFIX}checkpoints`,
    `state.savepoints.dir: s3://${warehouse.bucket}/${STATE_PREFIX}savepoints`,
    `execution.checkpointing.interval: ${s.checkpointIntervalMs}ms`,
    "execution.checkpointing.externalized-checkpoint-retention: RETAIN_ON_CANCELLATION",
    `s3.endpoint: ${warehouse.s3.url("http")}`,
    "s3.path.style.access: true",
    "restart-strategy.type: exponential-delay",
    ...(s.jobManagers > 1 && location.kind === "kubernetes"
      ? [
          "high-availability.type: kubernetes",
          `high-availability.storageDir: s3://${warehouse.bucket}/${HA_STATE_PREFIX}`,
          `kubernetes.cluster-id: ${HA_CLUSTER_ID}`,
          `kubernetes.namespace: ${location.namespace}`,
        ]
      : []),
    ...(s.metrics
      ? [
          "metrics.reporter.prom.factory.class: org.apache.flink.metrics.prometheus.PrometheusReporterFactory",
          `metrics.reporter.prom.port: ${FLINK_METRICS_PORT}`,
          // Each job's status as a gauge (runningState 1 or 0): numRunningJobs counts a RESTARTING job.
          "metrics.job.status.enable: STATE",
        ]
      : []),
  ].join("\n");
  // S3 credentials reach Flink's S3 filesystem and Iceberg's S3FileIO through the AWS default chain.
  const s3 = credentialFor(warehouse, "flink");
  const s3Env = { AWS_REGION: warehouse.region, AWS_ACCESS_KEY_ID: s3.accessKeyId };
  return { properties, s3Env, env: { FLINK_PROPERTIES: properties, ...s3Env }, secretEnv: { AWS_SECRET_ACCESS_KEY: s3.secretAccessKey } };
}
