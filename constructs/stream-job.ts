import { ITerraformDependable } from "cdktf";
import { createHash } from "crypto";
import { Construct } from "constructs";
import Mustache from "mustache";
import { asset, assetNames } from "./assets";
import { ICdcStream } from "./cdc-connector";
import { IIcebergWarehouse } from "./iceberg-warehouse";
import { defaultImage } from "./images";
import { Endpoint, HealthCheck, IDependable, IPlatform, JobHandle } from "./platform/workload";
import { flinkSinkType, flinkSourceType, flinkValue, icebergType, TableSchema } from "./schema";
import { validateInteger, validateKafkaName, validateSqlIdentifier, ValidationError } from "./validation";

/** Where in the warehouse bucket Flink keeps checkpoints, savepoints and each version's SQL. */
const STATE_PREFIX = "flink/";

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
  /** Slots per TaskManager; each slot runs one parallel copy of the whole pipeline. @default 2 */
  readonly taskSlots?: number;
  /** Parallelism of the job; at most taskManagers x taskSlots. @default 1 */
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
  /** Flink image with the Kafka SQL connector, Iceberg runtime and S3 filesystem. @default - see DEFAULT_IMAGES.flink */
  readonly image?: string;
  /** Node.js image that runs the submit job. @default - node 20 */
  readonly jobImage?: string;
  /** Registry mirror for every default image. @default - upstream registries */
  readonly imageRegistry?: string;
  /** Publish the Flink web UI / REST API on 127.0.0.1 (Docker). @default - not published */
  readonly webHostPort?: number;
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
  /** The captured tables with the topic that carries each one's changes. */
  readonly tables: {
    /** The table's schema. */
    readonly schema: TableSchema;
    /** Its change topic. */
    readonly topic: string;
  }[];
}

/**
 * Renders flink-sql/*.sql (in file-name order) into one script. Column lists come from the
 * source schema, so the SQL always matches the captured tables.
 */
export function renderPipelineSql(input: PipelineSqlInput): string {
  const view = {
    ...input,
    tables: input.tables.map(({ schema, topic }) => ({
      name: schema.name,
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
 */
export class StreamJob extends Construct implements IDependable {
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
  /** Flink JobManager: web UI and REST API. */
  public readonly jobManager: Endpoint;
  /** Flink SQL Gateway REST API. */
  public readonly gateway: Endpoint;
  /**
   * The deploy step that waits until the pipeline runs the rendered SQL and has completed a
   * checkpoint since the deploy changed it (or the Flink cluster).
   */
  public readonly rollout: JobHandle;
  public readonly dependables: ITerraformDependable[];

  constructor(scope: Construct, id: string, props: StreamJobProps) {
    super(scope, id);
    const { platform, cdc, warehouse } = props;
    const registry = props.imageRegistry;
    const taskManagers = props.taskManagers ?? 1;
    const slots = props.taskSlots ?? 2;
    const parallelism = props.parallelism ?? 1;
    const checkpointIntervalMs = props.checkpointIntervalMs ?? 10_000;
    const tmMemory = props.taskManagerMemoryMiB ?? 1536;
    const jmMemory = props.jobManagerMemoryMiB ?? 1024;
    validateInteger("StreamJob", "taskManagers", taskManagers, 1, 100);
    validateInteger("StreamJob", "taskSlots", slots, 1, 64);
    validateInteger("StreamJob", "parallelism", parallelism, 1);
    if (parallelism > taskManagers * slots) {
      throw new ValidationError("StreamJob", "parallelism", `must be <= taskManagers x taskSlots (${taskManagers * slots})`, parallelism, "Lower parallelism, or add TaskManagers or slots.");
    }
    if (checkpointIntervalMs < 1000) {
      throw new ValidationError("StreamJob", "checkpointIntervalMs", "must be >= 1000 (each checkpoint is an Iceberg commit; sub-second commits flood the catalog with tiny files)", checkpointIntervalMs, "Set checkpointIntervalMs to 1000 or more.");
    }
    validateInteger("StreamJob", "checkpointIntervalMs", checkpointIntervalMs, 1000);
    validateInteger("StreamJob", "taskManagerMemoryMiB", tmMemory, 1024);
    validateInteger("StreamJob", "jobManagerMemoryMiB", jmMemory, 768);
    const family = props.jobName ?? "lakehouse-cdc";
    validateKafkaName("StreamJob", "jobName", family);
    this.rawDatabase = props.rawDatabase ?? "raw_data";
    this.stateDatabase = props.stateDatabase ?? cdc.sourceDatabase;
    validateSqlIdentifier("StreamJob", "rawDatabase", this.rawDatabase);
    validateSqlIdentifier("StreamJob", "stateDatabase", this.stateDatabase);
    if (this.rawDatabase === this.stateDatabase) {
      throw new ValidationError("StreamJob", "stateDatabase", "must differ from rawDatabase (both hold one table per source table)", this.stateDatabase, "Pick another namespace for the current-state tables.");
    }
    const consumerGroup = props.consumerGroup ?? "lakehouse-flink";
    validateKafkaName("StreamJob", "consumerGroup", consumerGroup);

    const sqlInput = (jobName: string): PipelineSqlInput => ({
      jobName,
      checkpointIntervalMs,
      parallelism,
      catalogUri: warehouse.catalog.url("http"),
      warehouse: warehouse.warehouse,
      s3Endpoint: warehouse.s3.url("http"),
      region: warehouse.region,
      rawDatabase: this.rawDatabase,
      stateDatabase: this.stateDatabase,
      bootstrap: cdc.bootstrap.address,
      consumerGroup,
      tables: cdc.tables.map((schema) => ({ schema, topic: cdc.topicFor(schema.name) })),
    });
    // The name holds a hash of the SQL rendered without it, so any change yields a new name.
    const hash = createHash("sha256").update(renderPipelineSql(sqlInput(family))).digest("hex").slice(0, 12);
    this.jobName = `${family}-${hash}`;
    this.sql = renderPipelineSql(sqlInput(this.jobName));
    this.tablesWritten = cdc.tables.flatMap((t) => [`${this.rawDatabase}.${t.name}`, `${this.stateDatabase}.${t.name}`]);

    const image = props.image ?? defaultImage("flink", registry);
    const flinkProperties = [
      "jobmanager.rpc.address: flink-jobmanager",
      "rest.address: flink-jobmanager",
      "rest.port: 8081",
      `taskmanager.numberOfTaskSlots: ${slots}`,
      `parallelism.default: ${parallelism}`,
      `jobmanager.memory.process.size: ${jmMemory}m`,
      `taskmanager.memory.process.size: ${tmMemory}m`,
      "state.backend.type: hashmap",
      `state.checkpoints.dir: s3://${warehouse.bucket}/${STATE_PREFIX}checkpoints`,
      `state.savepoints.dir: s3://${warehouse.bucket}/${STATE_PREFIX}savepoints`,
      `execution.checkpointing.interval: ${checkpointIntervalMs}ms`,
      "execution.checkpointing.externalized-checkpoint-retention: RETAIN_ON_CANCELLATION",
      `s3.endpoint: ${warehouse.s3.url("http")}`,
      "s3.path.style.access: true",
      "restart-strategy.type: exponential-delay",
    ].join("\n");
    // S3 credentials reach Flink's S3 filesystem and Iceberg's S3FileIO through the AWS default chain.
    const s3Env = { AWS_REGION: warehouse.region, AWS_ACCESS_KEY_ID: warehouse.accessKeyId };
    const s3Secret = { AWS_SECRET_ACCESS_KEY: warehouse.secretAccessKey };

    const jobManager = platform.service(this, "JobManager", {
      name: "flink-jobmanager",
      image,
      args: ["jobmanager"],
      env: { FLINK_PROPERTIES: flinkProperties, ...s3Env },
      secretEnv: s3Secret,
      ports: [
        { name: "http", port: 8081, hostPort: props.webHostPort },
        { name: "rpc", port: 6123 },
        { name: "blob", port: 6124 },
      ],
      healthCheck: HealthCheck.http(8081, "/overview", { intervalSeconds: 3 }),
      resources: { cpuMillis: 250, memoryMiB: jmMemory },
      runAsUser: 9999,
      dependsOn: [warehouse],
    });
    this.jobManager = jobManager.endpoint("http");

    const taskManager = platform.service(this, "TaskManager", {
      name: "flink-taskmanager",
      image,
      args: ["taskmanager"],
      env: { FLINK_PROPERTIES: flinkProperties, ...s3Env },
      secretEnv: s3Secret,
      replicas: taskManagers,
      resources: { cpuMillis: 500, memoryMiB: tmMemory },
      runAsUser: 9999,
      dependsOn: [this.jobManager],
    });

    const gateway = platform.service(this, "SqlGateway", {
      name: "flink-sql-gateway",
      image,
      args: [
        "/opt/flink/bin/sql-gateway.sh", "start-foreground",
        "-Dsql-gateway.endpoint.rest.address=flink-sql-gateway",
        "-Dsql-gateway.endpoint.rest.bind-address=0.0.0.0",
        "-Dsql-gateway.endpoint.rest.port=8083",
        "-Drest.address=flink-jobmanager",
        "-Drest.port=8081",
        "-Dexecution.target=remote",
      ],
      env: { FLINK_PROPERTIES: flinkProperties, ...s3Env },
      secretEnv: s3Secret,
      ports: [{ name: "http", port: 8083 }],
      healthCheck: HealthCheck.http(8083, "/v1/info", { intervalSeconds: 3 }),
      resources: { cpuMillis: 250, memoryMiB: 768 },
      runAsUser: 9999,
      dependsOn: [this.jobManager],
    });
    this.gateway = gateway.endpoint("http");

    // The keeper owns the job from here on: it restores the newest retained checkpoint whenever
    // no version runs (a new or restarted JobManager) and upgrades with a savepoint on new SQL.
    const keeperPort = 8090;
    const tables = {
      raw: cdc.tables.map((t) => ({ namespace: this.rawDatabase, name: t.name })),
      state: cdc.tables.map((t) => ({ namespace: this.stateDatabase, name: t.name, columns: t.columns.map((c) => ({ name: c.name, type: icebergType(c.type) })) })),
    };
    const jobImage = props.jobImage ?? defaultImage("node", registry);
    const jobFiles = [
      { path: "/job/lib.js", content: asset("jobs/lib.js") },
      { path: "/job/flink-pipeline.js", content: asset("jobs/flink-pipeline.js") },
    ];
    const keeper = platform.service(this, "Keeper", {
      name: "flink-pipeline",
      image: jobImage,
      command: ["node", "/job/flink-pipeline.js", "keep"],
      env: {
        GATEWAY_URL: this.gateway.url("http"),
        JOBMANAGER_URL: this.jobManager.url("http"),
        CATALOG_URL: warehouse.catalog.url("http"),
        JOB_NAME: this.jobName,
        JOB_FAMILY: `${family}-`,
        SQL_FILE: "/job/pipeline.sql",
        TABLES_FILE: "/job/tables.json",
        S3_ENDPOINT: warehouse.s3.url("http"),
        S3_BUCKET: warehouse.bucket,
        STATE_PREFIX: STATE_PREFIX,
        PORT: String(keeperPort),
        ...s3Env,
      },
      secretEnv: s3Secret,
      files: [...jobFiles, { path: "/job/pipeline.sql", content: this.sql }, { path: "/job/tables.json", content: JSON.stringify(tables, null, 2) + "\n" }],
      ports: [{ name: "http", port: keeperPort }],
      healthCheck: HealthCheck.http(keeperPort, "/healthz", { intervalSeconds: 3 }),
      resources: { cpuMillis: 50, memoryMiB: 128 },
      runAsUser: 1000,
      // Topics exist once the connector runs; the TaskManagers must be up to take the job.
      dependsOn: [this.gateway, taskManager, cdc, warehouse],
    });

    // A deploy waits for the pipeline: this step re-runs whenever the SQL or the Flink cluster
    // changes, and passes once the target version runs and has completed a checkpoint since.
    const clusterIdentity = createHash("sha256").update(JSON.stringify({ image, flinkProperties, taskManagers })).digest("hex").slice(0, 12);
    this.rollout = platform.job(this, "Rollout", {
      name: "flink-pipeline-rollout",
      image: jobImage,
      command: ["node", "/job/flink-pipeline.js", "await"],
      env: {
        KEEPER_URL: keeper.endpoint("http").url("http"),
        JOB_NAME: this.jobName,
        FLINK_CLUSTER: clusterIdentity,
        TIMEOUT_SECONDS: "840",
      },
      files: jobFiles,
      resources: { cpuMillis: 50, memoryMiB: 64 },
      runAsUser: 1000,
      dependsOn: [keeper, this.jobManager, taskManager],
      timeoutSeconds: 900,
    });
    this.dependables = this.rollout.dependables;
  }
}
