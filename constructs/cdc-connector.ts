import { ITerraformDependable, Lazy, Token } from "cdktf";
import { Id } from "@cdktf/provider-random/lib/id";
import { Construct } from "constructs";
import { asset } from "./assets";
import { defaultImage, LOCAL_IMAGE_REGISTRY, POSTGRES_USER_ID } from "./images";
import { IMetricsSource, JMX_EXPORTER_PORT, MetricsTarget, scrapeTarget } from "./metrics";
import { nodeJob } from "./platform/node-job";
import { Endpoint, HealthCheck, IDependable, IPlatform, JobHandle, ResourceSpec, SECRET_FILES_DIR, ServiceHandle } from "./platform/workload";
import { FRESHNESS_PROBE_TABLE, ISourceDb } from "./source-db";
import { TableSchema } from "./schema";
import { validateInteger, validateKafkaName, validateSqlIdentifier, ValidationError } from "./validation";

/** A change stream per captured table: what StreamJob consumes. */
export interface ICdcStream extends IDependable {
  /** Kafka bootstrap servers inside the platform network. */
  readonly bootstrap: Endpoint;
  /** The captured tables, as the source defines them. */
  readonly tables: TableSchema[];
  /** Name of the captured database. */
  readonly sourceDatabase: string;
  /** Topic that carries the changes of `table` (Debezium JSON, schemas off). */
  topicFor(table: string): string;
  /** The freshness probe's table and topic, when the connector captures it; the pipeline keeps its current state. */
  readonly freshnessProbe?: FreshnessProbeStream;
}

/** The freshness probe's heartbeat table as the connector streams it. */
export interface FreshnessProbeStream {
  /** The table ({@link FRESHNESS_PROBE_TABLE}). */
  readonly table: TableSchema;
  /** Its change topic. */
  readonly topic: string;
}

/** Props of {@link CdcConnector}. */
export interface CdcConnectorProps {
  /** Where Kafka and Kafka Connect run. */
  readonly platform: IPlatform;
  /** The database to capture. */
  readonly source: ISourceDb;
  /** Topic prefix: topics are `<prefix>.<schema>.<table>`. @default "bank" */
  readonly topicPrefix?: string;
  /** @default "bank-cdc" */
  readonly connectorName?: string;
  /** Logical replication slot of the connector. @default "lakehouse_cdc" */
  readonly slotName?: string;
  /** Partitions of each change topic; more partitions let more Flink slots read in parallel. @default 1 */
  readonly topicPartitions?: number;
  /**
   * Heartbeat interval. Each heartbeat also writes the source's heartbeat table, so the slot
   * advances while captured tables are quiet and only other tables are written. @default 10000
   */
  readonly heartbeatIntervalMs?: number;
  /**
   * Most change events per batch the connector hands to Kafka; with `exactlyOnce` each batch is
   * one Kafka transaction, so larger batches spend less on commits. The queue between Debezium's
   * reader and Kafka holds four batches. Measured on the dev stack as `lakehouse bench
   * --cdc-backlog 300000` does (300,000 rows written while the connector is paused, then timed
   * into Kafka), lz4: 2048: 12,479 events/s; 8192: 10,997 to 16,621 (three runs).
   * @default 8192
   */
  readonly maxBatchSize?: number;
  /**
   * Compression of the change topics' batches, set on the connector's producer. lz4 cuts what
   * Kafka writes and every consumer reads, for little CPU: measured the same way (batch 8192),
   * none: 8,384 events/s, snappy: 10,777, lz4: 13,066 to 16,621. Host clients (`lakehouse verify`,
   * `bench`) decode lz4 too.
   * @default "lz4"
   */
  readonly compression?: KafkaCompression;
  /**
   * How long the connector waits for new changes before it looks again. It bounds commit -> Kafka
   * latency on a quiet database; each halving costs Kafka Connect about 3% of a core when idle.
   * Measured with `lakehouse bench` on the dev stack (commit -> Kafka p50 / p99, Connect's idle CPU):
   * 100 ms: 123 / 237 ms, 3%; 50 ms: 64 / 118 ms, 6%; 25 ms: 46 / 148 ms, 8%; 10 ms: 29 / 148 ms, 12%.
   * @default 50
   */
  readonly pollIntervalMs?: number;
  /**
   * Kafka Connect's exactly-once source support (KIP-618): each batch and its source offset in
   * one Kafka transaction, read by Flink with `read_committed`, so a worker that crashes resends
   * nothing the raw log has taken. `false` is at-least-once: after a crash the connector resends
   * the changes since its last offset flush, and the raw log holds them twice. For brokers that
   * do not allow transactions to the Connect principal.
   * @default true
   */
  readonly exactlyOnce?: boolean;
  /**
   * Kafka Connect (and Kafka, see `kafkaMetricsAgent`) serve their JMX metrics, Debezium's
   * streaming metrics among them, to Prometheus on port 9404 through the JMX exporter java agent.
   * Connect uses the Debezium image's own switch (`ENABLE_JMX_EXPORTER`).
   * @default true
   */
  readonly metrics?: boolean;
  /**
   * Capture the source's freshness probe table (`ISourceDb.freshnessProbeTable`) beside the
   * captured tables, for the Monitoring layer's probe; `Lakehouse` sets it when the probe runs.
   * @default false
   */
  readonly freshnessProbe?: boolean;
  /**
   * Path of the Prometheus JMX exporter java agent inside the Kafka image, which the broker loads
   * when `metrics` is on. The official apache/kafka image has none: give the path in an image you
   * derived from it, or leave the broker unscraped.
   * @default - {@link KAFKA_JMX_EXPORTER_AGENT} with the default image under the local registry
   * (`npm run images` puts the agent there); none with any other image
   */
  readonly kafkaMetricsAgent?: string;
  /** @default - apache/kafka 4.3.1 */
  readonly kafkaImage?: string;
  /** @default - Debezium Connect 3.6.1.Final */
  readonly connectImage?: string;
  /** Image with `psql` that runs the snapshot job (as the CDC role). @default - the postgres image */
  readonly sqlJobImage?: string;
  /** Node.js image that runs the registration job. @default - node 20 */
  readonly jobImage?: string;
  /** Registry mirror for every default image. @default - upstream registries */
  readonly imageRegistry?: string;
  /** @default 10 */
  readonly kafkaStorageGiB?: number;
  /**
   * Kafka brokers, each also a KRaft controller: 1, or 3 or more (a quorum of two stops when
   * either is lost). With 3 or more, every topic of the stack (the change topics, Connect's and
   * the transactions' internal ones) has 3 replicas and takes a write when 2 have it
   * (`min.insync.replicas` 2), so one broker lost loses nothing and stops nothing. Each broker
   * advertises its own stable name in the platform's network, to clients there; its external
   * listener too (host clients need one route per broker). Chosen at the first deploy: a KRaft
   * quorum does not grow by a changed count.
   * @default 1
   */
  readonly kafkaBrokers?: number;
  /**
   * Kafka's container. The broker's heap is {@link KAFKA_HEAP_FRACTION} of `memoryMiB` (512 MiB
   * of the default 1024): the rest is the page cache the log is read from. At least 512 MiB.
   * @default - 500 millicores, 1024 MiB
   */
  readonly kafkaResources?: ResourceSpec;
  /**
   * Kafka Connect's container. The worker's heap is {@link CONNECT_HEAP_FRACTION} of `memoryMiB`
   * (768 MiB of the default 1024): the rest is metaspace, threads and buffers. At least 512 MiB.
   * @default - 500 millicores, 1024 MiB
   */
  readonly connectResources?: ResourceSpec;
  /**
   * Kafka Connect workers in one group. With more than one, a worker lost hands its connector and
   * task to another at once (the group rebalances; exactly-once source fences the old task's
   * transactions), and each worker advertises its own address to the others.
   * @default 1
   */
  readonly connectWorkers?: number;
}

/** Compression codecs of Kafka's producer (`compression.type`). */
export type KafkaCompression = "none" | "gzip" | "snappy" | "lz4" | "zstd";
const KAFKA_COMPRESSIONS: readonly KafkaCompression[] = ["none", "gzip", "snappy", "lz4", "zstd"];

/** Where the locally built Kafka image holds the JMX exporter java agent (`npm run images` puts it there). */
export const KAFKA_JMX_EXPORTER_AGENT = "/opt/jmx-exporter/jmx_prometheus_javaagent.jar";
const KAFKA_JMX_EXPORTER_CONFIG = "/opt/lakehouse/jmx-exporter.yml";

/** Share of Kafka's container memory given to the broker's heap; the page cache gets the rest. */
export const KAFKA_HEAP_FRACTION = 0.5;
/** Share of Kafka Connect's container memory given to the worker's heap. */
export const CONNECT_HEAP_FRACTION = 0.75;
/** Smallest container memory of Kafka and Connect: below it their heaps cannot start a broker or Debezium. */
export const MIN_JVM_CONTAINER_MIB = 512;
/** Heap a JVM starts with, when its maximum allows. */
const INITIAL_HEAP_MIB = 256;

/** The CDC password's file in the Connect workers (see ContainerSpec.secretFiles), which the connector config names. */
const CDC_PASSWORD_FILE = "cdc-password";
/**
 * The Connect worker's JVM, in place of Kafka's scripts' G1 with a 20 ms pause target (meant for
 * a broker). With that, at 10,000 events/s the young generation stayed at 32 MiB while Debezium's
 * queue of change events lived through every collection: GC threads took 15% of a core, a
 * third of the worker's CPU. The parallel collector on a heap sized once took 1.4%, and the
 * worker's CPU fell from 52-56% to 40% of a core (`lakehouse bench dev --capacity --start-rate
 * 10000 --max-steps 1`, threads' CPU from /proc; the README has the runs).
 */
const CONNECT_JVM_OPTS = "-server -XX:+UseParallelGC -XX:MaxInlineLevel=15 -Djava.awt.headless=true";
const DEFAULT_KAFKA_RESOURCES: ResourceSpec = { cpuMillis: 500, memoryMiB: 1024 };
const DEFAULT_CONNECT_RESOURCES: ResourceSpec = { cpuMillis: 500, memoryMiB: 1024 };
/**
 * Seconds the deployment waits for the registration job; the script waits for Connect and its
 * tasks a minute less (300 s), so it fails with its own message first.
 */
const REGISTRATION_TIMEOUT_SECONDS = 360;

/**
 * Kafka in KRaft mode (one combined broker/controller, no ZooKeeper), Kafka Connect with the
 * Debezium PostgreSQL connector, and an idempotent job that registers the connector (pgoutput,
 * the source's publication and a named slot, NUMERIC as exact strings, heartbeats) and waits
 * until it and its tasks are RUNNING. The CDC password reaches the connector through Connect's
 * environment config provider, so it is never stored in Connect's config topic.
 */
export class CdcConnector extends Construct implements ICdcStream, IMetricsSource {
  public readonly bootstrap: Endpoint;
  /**
   * Bootstrap address for clients on the host (tests, `lakehouse verify`): `localhost:<port>` once
   * the stack publishes {@link kafkaExternal} (Docker) or forwards it (Kubernetes); the in-network
   * address of the external listener otherwise. Read it after the stack has published its ports.
   */
  public get externalBootstrap(): string {
    return this.advertisedExternalAddress(this.platform);
  }
  /** Kafka's external listener: publish it (`platform.publish(cdc.kafkaExternal, 19092)`) for clients on the host. */
  public readonly kafkaExternal: Endpoint;
  /** Kafka Connect REST API. */
  public readonly connect: Endpoint;
  public readonly tables: TableSchema[];
  public readonly sourceDatabase: string;
  public readonly freshnessProbe?: FreshnessProbeStream;
  /** Prefix of the change topics: `<prefix>.<schema>.<table>`. */
  public readonly topicPrefix: string;
  /** Name of the Debezium connector in Kafka Connect. */
  public readonly connectorName: string;
  /** The connector's logical replication slot in the source database. */
  public readonly slotName: string;
  /** The job that registers the connector and waits until it runs. */
  public readonly registration: JobHandle;
  /** The job that requests an incremental snapshot of each table captured since the last deploy. */
  public readonly snapshotJob: JobHandle;
  public readonly dependables: ITerraformDependable[];
  /** Kafka's and Connect's JMX exporters; empty when `metrics` is false. */
  public readonly metricsTargets: MetricsTarget[];
  private readonly schema: string;
  private readonly platform: IPlatform;
  private readonly metrics: boolean;
  /** The JMX exporter agent the broker loads; undefined: the broker is not scraped. */
  private readonly kafkaAgent?: string;
  /** Kafka brokers (each a KRaft controller too). */
  private readonly brokers: number;

  constructor(scope: Construct, id: string, props: CdcConnectorProps) {
    super(scope, id);
    this.platform = props.platform;
    this.topicPrefix = props.topicPrefix ?? "bank";
    this.connectorName = props.connectorName ?? "bank-cdc";
    this.slotName = props.slotName ?? "lakehouse_cdc";
    validateProps(props, this.topicPrefix, this.connectorName);
    this.tables = props.source.capturedTables;
    this.sourceDatabase = props.source.database;
    this.schema = props.source.schema;
    this.freshnessProbe = props.freshnessProbe ? { table: FRESHNESS_PROBE_TABLE, topic: this.topicOf(FRESHNESS_PROBE_TABLE.name) } : undefined;
    this.metrics = props.metrics ?? true;
    this.brokers = props.kafkaBrokers ?? 1;
    const localKafka = props.kafkaImage === undefined && props.imageRegistry === LOCAL_IMAGE_REGISTRY;
    this.kafkaAgent = this.metrics ? (props.kafkaMetricsAgent ?? (localKafka ? KAFKA_JMX_EXPORTER_AGENT : undefined)) : undefined;

    const kafka = this.kafka(props);
    this.bootstrap = kafka.endpoint("kafka");
    this.kafkaExternal = kafka.endpoint("external");
    const connect = this.connectWorker(props);
    this.connect = connect.endpoint("http");
    this.metricsTargets = [...(this.kafkaAgent ? [scrapeTarget("kafka", kafka, "metrics")] : []), ...(this.metrics ? [scrapeTarget("kafka-connect", connect, "metrics")] : [])];
    this.registration = this.registrationJob(props);
    this.snapshotJob = this.snapshotRequests(props);
    this.dependables = this.snapshotJob.dependables;
  }

  /** Kafka in KRaft mode: `kafkaBrokers` combined brokers and controllers. */
  private kafka(props: CdcConnectorProps): ServiceHandle {
    const resources = props.kafkaResources ?? DEFAULT_KAFKA_RESOURCES;
    const brokers = this.brokers;
    // KRaft needs a cluster id (base64 of 16 bytes); generated once per deployment, kept in state.
    const clusterId = new Id(this, "ClusterId", { byteLength: 16 }).b64Url;
    // Read at synth, after the stack has published the external listener.
    const advertised = Lazy.stringValue({ produce: () => `PLAINTEXT://kafka:9092,EXTERNAL://${this.advertisedExternalAddress(props.platform)}` });
    const { replicationFactor, minInSyncReplicas } = this.replication;
    // One broker: fixed identity. Several: each finds its own at start (see the script).
    const identity: Record<string, string> =
      brokers === 1
        ? { KAFKA_NODE_ID: "1", KAFKA_CONTROLLER_QUORUM_VOTERS: "1@localhost:9093", KAFKA_ADVERTISED_LISTENERS: advertised }
        : {
            BROKER_HOSTS: Lazy.stringValue({ produce: () => handle.replicaHosts.join(" ") }),
            // Broker i advertises localhost at this port plus i to host clients (each published or forwarded).
            EXTERNAL_PORT: Lazy.stringValue({ produce: () => String(props.platform.publishedPort(this.kafkaExternal) ?? "") }),
          };
    const handle = props.platform.service(this, "Kafka", {
      name: "kafka",
      image: props.kafkaImage ?? defaultImage("kafka", props.imageRegistry),
      ...(brokers > 1 ? { command: ["bash", "/opt/lakehouse/kafka-broker.sh"] } : {}),
      env: {
        CLUSTER_ID: clusterId,
        ...identity,
        KAFKA_PROCESS_ROLES: "broker,controller",
        KAFKA_LISTENERS: "PLAINTEXT://:9092,CONTROLLER://:9093,EXTERNAL://:9094",
        KAFKA_LISTENER_SECURITY_PROTOCOL_MAP: "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,EXTERNAL:PLAINTEXT",
        KAFKA_CONTROLLER_LISTENER_NAMES: "CONTROLLER",
        KAFKA_INTER_BROKER_LISTENER_NAME: "PLAINTEXT",
        KAFKA_LOG_DIRS: "/var/lib/kafka/data",
        KAFKA_NUM_PARTITIONS: String(props.topicPartitions ?? 1),
        KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR: String(replicationFactor),
        KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR: String(replicationFactor),
        KAFKA_TRANSACTION_STATE_LOG_MIN_ISR: String(minInSyncReplicas),
        ...(brokers > 1 ? { KAFKA_DEFAULT_REPLICATION_FACTOR: String(replicationFactor), KAFKA_MIN_INSYNC_REPLICAS: String(minInSyncReplicas) } : {}),
        KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS: "0",
        KAFKA_HEAP_OPTS: heapOpts(resources.memoryMiB, KAFKA_HEAP_FRACTION),
        ...(this.kafkaAgent ? { KAFKA_OPTS: `-javaagent:${this.kafkaAgent}=${JMX_EXPORTER_PORT}:${KAFKA_JMX_EXPORTER_CONFIG}` } : {}),
      },
      files: [
        ...(this.kafkaAgent ? [{ path: KAFKA_JMX_EXPORTER_CONFIG, content: asset("monitoring/jmx-kafka.yml") }] : []),
        ...(brokers > 1 ? [{ path: "/opt/lakehouse/kafka-broker.sh", content: asset("jobs/kafka-broker.sh") }] : []),
      ],
      // The container listens on 9094; the stack publishes it at the advertised port (each broker
      // at its own). Brokers of a quorum reach each other's controller listener.
      ports: [
        { name: "kafka", port: 9092 },
        { name: "external", port: 9094, perReplica: true },
        ...(brokers > 1 ? [{ name: "controller", port: 9093 }] : []),
        ...(this.kafkaAgent ? [{ name: "metrics", port: JMX_EXPORTER_PORT }] : []),
      ],
      volumes: [{ name: "data", path: "/var/lib/kafka/data", sizeGiB: props.kafkaStorageGiB ?? 10 }],
      // A TCP check, not a JVM-based tool: a JVM every few seconds is a real cost on small machines.
      healthCheck: HealthCheck.tcp(9092, { intervalSeconds: 3 }),
      resources,
      runAsUser: 1000,
      // The start-up writes the broker's configuration; the scripts write their logs.
      writablePaths: ["/opt/kafka/config", "/opt/kafka/logs"],
      replicas: brokers,
    });
    return handle;
  }

  /** Replicas of every topic, and how many must have a write before it counts. */
  private get replication(): { replicationFactor: number; minInSyncReplicas: number } {
    return this.brokers >= 3 ? { replicationFactor: 3, minInSyncReplicas: 2 } : { replicationFactor: 1, minInSyncReplicas: 1 };
  }

  /**
   * Where host clients reach the external listener: `localhost` at the published (or forwarded)
   * port, which serves both 127.0.0.1 and a port-forward; unpublished, the listener's in-network
   * address. Of several brokers, the first's: each advertises its own port (`jobs/kafka-broker.sh`).
   */
  private advertisedExternalAddress(platform: IPlatform): string {
    const hostPort = platform.publishedPort(this.kafkaExternal);
    return hostPort === undefined ? this.kafkaExternal.address : `localhost:${hostPort}`;
  }

  /** Kafka Connect with Debezium: `connectWorkers` workers, each restarted by its script when its connector stays unassigned. */
  private connectWorker(props: CdcConnectorProps): ServiceHandle {
    const resources = props.connectResources ?? DEFAULT_CONNECT_RESOURCES;
    const workers = props.connectWorkers ?? 1;
    return props.platform.service(this, "Connect", {
      name: "connect",
      image: props.connectImage ?? defaultImage("connect", props.imageRegistry),
      env: {
        BOOTSTRAP_SERVERS: this.bootstrap.address,
        GROUP_ID: "lakehouse-connect",
        CONFIG_STORAGE_TOPIC: "_connect_configs",
        OFFSET_STORAGE_TOPIC: "_connect_offsets",
        STATUS_STORAGE_TOPIC: "_connect_statuses",
        CONFIG_STORAGE_REPLICATION_FACTOR: String(this.replication.replicationFactor),
        OFFSET_STORAGE_REPLICATION_FACTOR: String(this.replication.replicationFactor),
        STATUS_STORAGE_REPLICATION_FACTOR: String(this.replication.replicationFactor),
        KEY_CONVERTER: "org.apache.kafka.connect.json.JsonConverter",
        VALUE_CONVERTER: "org.apache.kafka.connect.json.JsonConverter",
        CONNECT_KEY_CONVERTER_SCHEMAS_ENABLE: "false",
        CONNECT_VALUE_CONVERTER_SCHEMAS_ENABLE: "false",
        // Several workers forward requests to their leader: each advertises its own address (the image's default, its IP).
        ...(workers === 1 ? { CONNECT_REST_ADVERTISED_HOST_NAME: "connect" } : {}),
        // The password's reference in the connector config resolves here, inside the worker, from
        // its secret file: the config (and Connect's REST API) never holds the value.
        CONNECT_CONFIG_PROVIDERS: "directory",
        CONNECT_CONFIG_PROVIDERS_DIRECTORY_CLASS: "org.apache.kafka.common.config.provider.DirectoryConfigProvider",
        // KIP-618: each batch and its source offset in one Kafka transaction, so a worker that
        // dies resends nothing a read_committed consumer has seen.
        CONNECT_EXACTLY_ONCE_SOURCE_SUPPORT: (props.exactlyOnce ?? true) ? "enabled" : "disabled",
        // A connector whose worker left (or lost it, the broker gone for a moment) is assigned
        // again at once rather than after the default 5 minutes: with one worker there is nobody
        // else to wait for; with several, another worker takes it over.
        CONNECT_SCHEDULED_REBALANCE_MAX_DELAY_MS: "0",
        HEAP_OPTS: heapOpts(resources.memoryMiB, CONNECT_HEAP_FRACTION, { initial: "max" }),
        KAFKA_JVM_PERFORMANCE_OPTS: CONNECT_JVM_OPTS,
        CONNECTOR_NAME: this.connectorName,
        // Debezium queues one lag measurement per event for a single thread; under load the
        // queue overflows and every dropped sample logs a warning (thousands a second), which
        // costs CPU and buries the log. The lag metric keeps its latest sample either way.
        CONNECT_LOG4J_LOGGERS: "io.debezium.metrics.stats.MeasurementCollector=ERROR",
        // The image's switch: the JMX exporter agent on 9404, configured by config/metrics.yaml.
        ...(this.metrics ? { ENABLE_JMX_EXPORTER: "true" } : {}),
      },
      // The worker, restarted when its connector stays UNASSIGNED (see the script).
      command: ["bash", "/opt/lakehouse/connect-worker.sh"],
      args: ["start"],
      files: [
        { path: "/opt/lakehouse/connect-worker.sh", content: asset("jobs/connect-worker.sh") },
        ...(this.metrics ? [{ path: "/kafka/config/metrics.yaml", content: asset("monitoring/jmx-connect.yml") }] : []),
      ],
      secretFiles: { [CDC_PASSWORD_FILE]: props.source.cdcPassword },
      ports: [{ name: "http", port: 8083 }, ...(this.metrics ? [{ name: "metrics", port: JMX_EXPORTER_PORT }] : [])],
      healthCheck: HealthCheck.http(8083, "/connectors", { intervalSeconds: 5 }),
      resources,
      replicas: workers,
      runAsUser: 1001,
      // The start-up completes config/ from the image's copy and writes the worker's properties.
      writablePaths: ["/kafka/config", "/kafka/logs", "/kafka/data"],
      connectsTo: [this.bootstrap, props.source.endpoint],
      dependsOn: [this.bootstrap],
    });
  }

  /** The deploy step that registers (or updates) the connector and waits until it and its tasks run. */
  private registrationJob(props: CdcConnectorProps): JobHandle {
    const config = this.connectorConfig(props);
    return props.platform.job(
      this,
      "Registration",
      nodeJob({
        name: "connector-registration",
        image: props.jobImage ?? defaultImage("node", props.imageRegistry),
        script: "register-connector.js",
        env: {
          CONNECT_URL: this.connect.url("http"),
          CONNECTOR_NAME: this.connectorName,
          CONNECTOR_CONFIG_FILE: "/job/connector.json",
        },
        files: [{ path: "/job/connector.json", content: JSON.stringify(config, null, 2) + "\n" }],
        timeoutSeconds: REGISTRATION_TIMEOUT_SECONDS,
        connectsTo: [this.connect],
        // The schema job created the publication and the CDC role the connector logs in with.
        dependsOn: [this.connect, props.source],
      }),
    );
  }

  /** The deploy step that asks for an incremental snapshot of each newly captured table (see {@link snapshotSql}). */
  private snapshotRequests(props: CdcConnectorProps): JobHandle {
    const { source } = props;
    return props.platform.job(this, "SnapshotJob", {
      name: "connector-snapshots",
      image: props.sqlJobImage ?? defaultImage("postgres", props.imageRegistry),
      command: ["psql", "-X", "-v", "ON_ERROR_STOP=1", "-f", "/job/snapshots.sql"],
      env: { PGHOST: source.endpoint.host, PGPORT: String(source.endpoint.port), PGUSER: source.cdcUser, PGDATABASE: source.database },
      secretEnv: { PGPASSWORD: source.cdcPassword },
      files: [{ path: "/job/snapshots.sql", content: snapshotSql(source) }],
      resources: { cpuMillis: 100, memoryMiB: 128 },
      runAsUser: POSTGRES_USER_ID,
      connectsTo: [source.endpoint],
      // The signal must reach a connector that already captures the new tables.
      dependsOn: [this.registration],
    });
  }

  public topicFor(table: string): string {
    if (!this.tables.some((t) => t.name === table)) {
      throw new Error(`CdcConnector: table '${table}' is not captured (captured: ${this.tables.map((t) => t.name).join(", ")})`);
    }
    return this.topicOf(table);
  }

  private topicOf(table: string): string {
    return `${this.topicPrefix}.${this.schema}.${table}`;
  }

  /** The Debezium connector configuration (no secrets: the password is an env reference). */
  private connectorConfig(props: CdcConnectorProps): Record<string, string> {
    const { source } = props;
    const batch = props.maxBatchSize ?? 8192;
    const partitions = props.topicPartitions ?? 1;
    return {
      "connector.class": "io.debezium.connector.postgresql.PostgresConnector",
      "plugin.name": "pgoutput",
      "database.hostname": source.endpoint.host,
      "database.port": String(source.endpoint.port),
      "database.user": source.cdcUser,
      "database.password": `\${directory:${SECRET_FILES_DIR}:${CDC_PASSWORD_FILE}}`,
      "database.dbname": source.database,
      "topic.prefix": this.topicPrefix,
      "slot.name": this.slotName,
      "publication.name": source.publication,
      // The schema job owns the publication; the CDC role may not create one.
      "publication.autocreate.mode": "disabled",
      "table.include.list": [...this.tables.map((t) => `${source.schema}.${t.name}`), ...(this.freshnessProbe ? [source.freshnessProbeTable] : [])].join(","),
      // Exact NUMERIC: "1234.50" as a string, not base64-encoded bytes.
      "decimal.handling.mode": "string",
      "time.precision.mode": "adaptive_time_microseconds",
      "heartbeat.interval.ms": String(props.heartbeatIntervalMs ?? 10000),
      // A captured change each heartbeat: the slot advances even when only other tables are written.
      "heartbeat.action.query": `INSERT INTO ${source.heartbeatTable} (id, beat_at) VALUES (1, now()) ON CONFLICT (id) DO UPDATE SET beat_at = EXCLUDED.beat_at`,
      // Topics use retention, not compaction, so delete tombstones would only be noise downstream.
      "tombstones.on.delete": "false",
      "snapshot.mode": "initial",
      // Tables captured later are snapshotted incrementally, on a signal (see the snapshot job).
      "signal.enabled.channels": "source",
      "signal.data.collection": source.signalTable,
      ...((props.exactlyOnce ?? true) ? { "exactly.once.support": "required", "transaction.boundary": "poll" } : {}),
      "max.batch.size": String(batch),
      // Debezium requires the queue to be larger than a batch.
      "max.queue.size": String(Math.max(8192, batch * 4)),
      "poll.interval.ms": String(props.pollIntervalMs ?? 50),
      // Needs the worker's connector.client.config.override.policy to allow it (Kafka's default, All).
      "producer.override.compression.type": props.compression ?? "lz4",
      "topic.creation.default.replication.factor": String(this.replication.replicationFactor),
      "topic.creation.default.partitions": String(partitions),
    };
  }
}

function validateProps(props: CdcConnectorProps, topicPrefix: string, connectorName: string): void {
  validateKafkaName("CdcConnector", "topicPrefix", topicPrefix);
  validateKafkaName("CdcConnector", "connectorName", connectorName);
  validateSqlIdentifier("CdcConnector", "slotName", props.slotName);
  validateInteger("CdcConnector", "topicPartitions", props.topicPartitions, 1, 1000);
  validateInteger("CdcConnector", "heartbeatIntervalMs", props.heartbeatIntervalMs, 100);
  validateInteger("CdcConnector", "maxBatchSize", props.maxBatchSize, 1);
  validateInteger("CdcConnector", "pollIntervalMs", props.pollIntervalMs, 1);
  validateInteger("CdcConnector", "connectWorkers", props.connectWorkers, 1, 10);
  validateInteger("CdcConnector", "kafkaBrokers", props.kafkaBrokers, 1, 9);
  if (props.kafkaBrokers === 2) {
    throw new ValidationError("CdcConnector", "kafkaBrokers", "must not be 2: a KRaft quorum of two controllers stops when either is lost", 2, "Set kafkaBrokers to 3 (one may be lost), or 1.");
  }
  if (props.compression !== undefined && !KAFKA_COMPRESSIONS.includes(props.compression)) {
    throw new ValidationError("CdcConnector", "compression", `must be one of ${KAFKA_COMPRESSIONS.join(", ")}`, props.compression, "Set compression to one of them, or leave it unset (lz4).");
  }
  validateJvmMemory("kafkaResources", props.kafkaResources, "Kafka's heap is half of it");
  validateJvmMemory("connectResources", props.connectResources, "Connect's heap is three quarters of it");
}

function validateJvmMemory(prop: string, resources: ResourceSpec | undefined, why: string): void {
  const memory = resources?.memoryMiB;
  if (memory === undefined || Token.isUnresolved(memory)) return;
  if (!Number.isInteger(memory) || memory < MIN_JVM_CONTAINER_MIB) {
    throw new ValidationError(
      "CdcConnector",
      `${prop}.memoryMiB`,
      `must be an integer >= ${MIN_JVM_CONTAINER_MIB} (${why}; less and the JVM runs out of heap or is OOM-killed)`,
      memory,
      `Set ${prop}.memoryMiB to ${MIN_JVM_CONTAINER_MIB} or more, or leave ${prop} unset (1024).`,
    );
  }
}

/**
 * JVM heap options for a container of `memoryMiB`: the maximum a fraction of it, the start
 * 256 MiB (at most the maximum), or the maximum itself with `initial: "max"`.
 */
export function heapOpts(memoryMiB: number, fraction: number, options: { initial?: "max" } = {}): string {
  const max = Math.floor(memoryMiB * fraction);
  const initial = options.initial === "max" ? max : Math.min(INITIAL_HEAP_MIB, max);
  return `-Xms${initial}m -Xmx${max}m`;
}

/**
 * The snapshot job's SQL, run as the CDC role after the connector captures the current tables.
 * The ledger records which tables the connector has snapshotted: on the first deploy the initial
 * snapshot covered them all; a table captured later gets an incremental snapshot through
 * Debezium's signal table, so its existing rows reach Kafka; a table no longer captured is
 * forgotten, so capturing it again snapshots it again.
 */
export function snapshotSql(source: ISourceDb): string {
  const tables = `ARRAY[${source.capturedTables.map((t) => `'${t.name}'`).join(", ")}]::text[]`;
  return `BEGIN;
INSERT INTO ${source.snapshotLedger} (table_name)
  SELECT t FROM unnest(${tables}) AS t WHERE NOT EXISTS (SELECT 1 FROM ${source.snapshotLedger});
DELETE FROM ${source.snapshotLedger} WHERE table_name <> ALL (${tables});
WITH added AS (
  INSERT INTO ${source.snapshotLedger} (table_name) SELECT unnest(${tables}) ON CONFLICT DO NOTHING RETURNING table_name
)
INSERT INTO ${source.signalTable} (id, type, data)
  SELECT 'snapshot-' || table_name || '-' || txid_current(), 'execute-snapshot',
         json_build_object('type', 'incremental', 'data-collections', json_build_array('${source.schema}.' || table_name))::text
  FROM added
  RETURNING data AS "incremental snapshot requested";
COMMIT;
`;
}
