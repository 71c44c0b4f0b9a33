import { CdcConnector, SourceDb } from "../constructs";
import { PLATFORMS, synthOn } from "./helpers";

const build =
  (props: Partial<ConstructorParameters<typeof CdcConnector>[2]> = {}) =>
  (scope: any, platform: any) => {
    const source = new SourceDb(scope, "SourceDb", { platform });
    return new CdcConnector(scope, "Cdc", { platform, source, ...props });
  };

describe.each(PLATFORMS)("CdcConnector on %s", (kind) => {
  const env = (s: ReturnType<typeof synthOn>, name: string) => s.env(name);

  const published = (scope: any, platform: any) => {
    const cdc = build()(scope, platform);
    platform.publish(cdc.kafkaExternal, 19092);
    return cdc;
  };

  test("runs Kafka in KRaft mode without ZooKeeper, with an external listener for the host at the port the stack publishes", () => {
    const e = env(synthOn(kind, published), "kafka");
    expect(e.KAFKA_PROCESS_ROLES).toBe("broker,controller");
    expect(e.KAFKA_CONTROLLER_QUORUM_VOTERS).toBe("1@localhost:9093");
    expect(e.KAFKA_ADVERTISED_LISTENERS).toBe("PLAINTEXT://kafka:9092,EXTERNAL://localhost:19092");
    expect(e.CLUSTER_ID).toMatch(/random_id\.Cdc_ClusterId_[0-9A-F]+\.b64_url/);
    expect(Object.keys(e).some((k) => /ZOOKEEPER/.test(k))).toBe(false);
  });

  test("unpublished, the external listener advertises its in-network address", () => {
    expect(env(synthOn(kind, build()), "kafka").KAFKA_ADVERTISED_LISTENERS).toBe("PLAINTEXT://kafka:9092,EXTERNAL://kafka:9094");
  });

  test("heaps follow the memory props: Kafka half, Connect three quarters and all of it from the start; the defaults keep 512 MiB and 768 MiB", () => {
    const defaults = synthOn(kind, build());
    expect(env(defaults, "kafka").KAFKA_HEAP_OPTS).toBe("-Xms256m -Xmx512m");
    expect(env(defaults, "connect").HEAP_OPTS).toBe("-Xms768m -Xmx768m");
    const sized = synthOn(kind, build({ kafkaResources: { cpuMillis: 500, memoryMiB: 2048 }, connectResources: { cpuMillis: 500, memoryMiB: 512 } }));
    expect(env(sized, "kafka").KAFKA_HEAP_OPTS).toBe("-Xms256m -Xmx1024m");
    expect(env(sized, "connect").HEAP_OPTS).toBe("-Xms384m -Xmx384m");
  });

  test("Connect runs the parallel collector; the broker keeps Kafka's own JVM defaults", () => {
    const s = synthOn(kind, build());
    expect(env(s, "connect").KAFKA_JVM_PERFORMANCE_OPTS).toMatch(/-XX:\+UseParallelGC/);
    expect(env(s, "connect").KAFKA_JVM_PERFORMANCE_OPTS).not.toMatch(/G1|MaxGCPauseMillis/);
    expect(env(s, "kafka").KAFKA_JVM_PERFORMANCE_OPTS).toBeUndefined();
  });

  test("runs Kafka Connect with JSON converters and the directory config provider; the CDC password is a secret file, in no variable", () => {
    const s = synthOn(kind, build());
    const e = env(s, "connect");
    expect(e).toMatchObject({
      BOOTSTRAP_SERVERS: "kafka:9092",
      CONNECT_VALUE_CONVERTER_SCHEMAS_ENABLE: "false",
      CONNECT_CONFIG_PROVIDERS: "directory",
      CONNECT_CONFIG_PROVIDERS_DIRECTORY_CLASS: "org.apache.kafka.common.config.provider.DirectoryConfigProvider",
    });
    expect(Object.keys(e).filter((k) => /PASS|SECRET/.test(k))).toEqual([]);
    expect(s.secretFile("connect", "cdc-password")).toMatch(/random_password\.SourceDb_CdcPassword_/);
    expect(s.files("connect")["/opt/lakehouse/connect-worker.sh"]).toMatch(/^#!/);
  });

  test("Kafka keeps its log on persistent storage; Connect keeps nothing locally", () => {
    const s = synthOn(kind, build());
    expect(s.persistentPaths("kafka")).toEqual(["/var/lib/kafka/data"]);
    expect(s.persistentPaths("connect")).toEqual([]);
  });

  test("the registration job gets the connector config as a file and no credential: Connect resolves the password itself", () => {
    const s = synthOn(kind, build());
    const config = JSON.parse(s.files("connector-registration")["/job/connector.json"]);
    expect(config["database.password"]).toBe("${directory:/run/secrets:cdc-password}");
    expect(s.env("connector-registration")).toMatchObject({ CONNECT_URL: "http://connect:8083", CONNECTOR_CONFIG_FILE: "/job/connector.json" });
    expect(Object.keys(s.env("connector-registration")).filter((k) => /PASS|SECRET/.test(k))).toEqual([]);
    expect(s.credential("connector-snapshots", "PGPASSWORD")).toBe(s.secretFile("connect", "cdc-password"));
  });
});

describe.each(PLATFORMS)("CdcConnector with replicated Kafka and Connect, on %s", (kind) => {
  const replicated = (scope: any, platform: any) => {
    const cdc = build({ kafkaBrokers: 3, connectWorkers: 2 })(scope, platform);
    platform.publish(cdc.kafkaExternal, 19092);
    return cdc;
  };
  // Docker names replicas -0, -1, ...; Kubernetes has one StatefulSet or Deployment each.
  const kafka = kind === "docker" ? "kafka-0" : "kafka";
  const connect = kind === "docker" ? "connect-0" : "connect";

  test("three brokers, each a controller, find their identity and quorum from their host names", () => {
    const s = synthOn(kind, replicated);
    const e = s.env(kafka);
    expect(e.BROKER_HOSTS).toBe(kind === "docker" ? "kafka-0 kafka-1 kafka-2" : "kafka-0.kafka-replicas kafka-1.kafka-replicas kafka-2.kafka-replicas");
    expect(e.KAFKA_NODE_ID).toBeUndefined();
    expect(e.KAFKA_CONTROLLER_QUORUM_VOTERS).toBeUndefined();
    expect(e.KAFKA_ADVERTISED_LISTENERS).toBeUndefined();
    expect(s.files(kafka)["/opt/lakehouse/kafka-broker.sh"]).toMatch(/KAFKA_CONTROLLER_QUORUM_VOTERS/);
    const workload = kind === "docker" ? s.container(kafka) : s.k8sWorkload(kafka).spec.template.spec.container[0];
    expect(kind === "docker" ? workload.entrypoint : workload.command).toEqual(["bash", "/opt/lakehouse/kafka-broker.sh"]);
    if (kind === "kubernetes") expect(s.k8s("kubernetes_service_v1", "kafka").spec.port.map((p: any) => p.name)).toEqual(["kafka", "external", "controller"]);
  });

  test("every topic has three replicas and takes a write when two have it: Kafka's, Connect's and the change topics", () => {
    const s = synthOn(kind, replicated);
    expect(s.env(kafka)).toMatchObject({
      KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR: "3",
      KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR: "3",
      KAFKA_TRANSACTION_STATE_LOG_MIN_ISR: "2",
      KAFKA_DEFAULT_REPLICATION_FACTOR: "3",
      KAFKA_MIN_INSYNC_REPLICAS: "2",
    });
    expect(s.env(connect)).toMatchObject({ CONFIG_STORAGE_REPLICATION_FACTOR: "3", OFFSET_STORAGE_REPLICATION_FACTOR: "3", STATUS_STORAGE_REPLICATION_FACTOR: "3" });
    const config = JSON.parse(s.files("connector-registration")["/job/connector.json"]);
    expect(config["topic.creation.default.replication.factor"]).toBe("3");
  });

  test("Connect workers advertise their own address, not the service's", () => {
    const s = synthOn(kind, replicated);
    expect(s.env(connect).CONNECT_REST_ADVERTISED_HOST_NAME).toBeUndefined();
  });

  test("host clients bootstrap from broker 0's host port; each broker advertises its own, published per replica on Docker", () => {
    let external = "";
    const s = synthOn(kind, (scope, platform) => (external = replicated(scope, platform).externalBootstrap));
    expect(external).toBe("localhost:19092");
    expect(s.env(kafka).EXTERNAL_PORT).toBe("19092");
    if (kind === "docker") {
      expect(["kafka-0", "kafka-1", "kafka-2"].map((n) => s.container(n).ports)).toEqual([
        [{ internal: 9094, external: 19092, ip: "127.0.0.1" }],
        [{ internal: 9094, external: 19093, ip: "127.0.0.1" }],
        [{ internal: 9094, external: 19094, ip: "127.0.0.1" }],
      ]);
    }
    // Unpublished, the brokers advertise their in-network names.
    const quiet = synthOn(kind, build({ kafkaBrokers: 3 }));
    expect(quiet.env(kafka).EXTERNAL_PORT).toBe("");
  });
});

describe("CdcConnector replication props", () => {
  test("two brokers are refused: a quorum of two stops when either is lost", () => {
    expect(() => synthOn("docker", build({ kafkaBrokers: 2 }))).toThrow(
      /CdcConnector: kafkaBrokers must not be 2: a KRaft quorum of two controllers stops when either is lost \(got 2\)\. Set kafkaBrokers to 3/,
    );
    expect(() => synthOn("docker", build({ connectWorkers: 0 }))).toThrow(/CdcConnector: connectWorkers must be an integer from 1 to 10 \(got 0\)/);
  });

  test("one broker keeps its fixed identity and single replicas", () => {
    const e = synthOn("docker", build()).env("kafka");
    expect(e).toMatchObject({ KAFKA_NODE_ID: "1", KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR: "1", KAFKA_TRANSACTION_STATE_LOG_MIN_ISR: "1" });
    expect(e.BROKER_HOSTS).toBeUndefined();
    expect(e.KAFKA_MIN_INSYNC_REPLICAS).toBeUndefined();
  });
});

describe("CdcConnector registration", () => {
  const config = (props = {}) => JSON.parse(synthOn("docker", build(props)).upload("connector-registration", "/job/connector.json"));

  test("registers a pgoutput connector on the source's publication and a named slot, NUMERIC kept exact", () => {
    expect(config()).toMatchObject({
      "connector.class": "io.debezium.connector.postgresql.PostgresConnector",
      "plugin.name": "pgoutput",
      "database.hostname": "postgres",
      "database.dbname": "bank",
      "database.user": "cdc",
      "topic.prefix": "bank",
      "slot.name": "lakehouse_cdc",
      "publication.name": "lakehouse_cdc",
      "publication.autocreate.mode": "disabled",
      "table.include.list": "public.users,public.accounts",
      "decimal.handling.mode": "string",
      "heartbeat.interval.ms": "10000",
    });
  });

  test("with freshnessProbe it also streams the probe's table, on its own topic; the captured tables stay the captured ones", () => {
    expect(config({ freshnessProbe: true })["table.include.list"]).toBe("public.users,public.accounts,public.lakehouse_freshness_probe");
    let cdc!: CdcConnector;
    synthOn("docker", (scope, platform) => (cdc = build({ freshnessProbe: true })(scope, platform)));
    expect(cdc.freshnessProbe?.topic).toBe("bank.public.lakehouse_freshness_probe");
    expect(cdc.tables.map((t) => t.name)).toEqual(["users", "accounts"]);
  });

  test("each heartbeat writes the source's heartbeat table, so the slot advances while only tables it does not capture change", () => {
    expect(config()["heartbeat.action.query"]).toBe("INSERT INTO public.debezium_heartbeat (id, beat_at) VALUES (1, now()) ON CONFLICT (id) DO UPDATE SET beat_at = EXCLUDED.beat_at");
  });

  test("holds no password, only a reference the worker resolves", () => {
    expect(config()["database.password"]).toBe("${directory:/run/secrets:cdc-password}");
  });

  test("exactly-once by default: transactional batches on a worker with exactly-once source support; opted out, neither", () => {
    expect(config()).toMatchObject({ "exactly.once.support": "required", "transaction.boundary": "poll" });
    expect(synthOn("docker", build()).containerEnv("connect").CONNECT_EXACTLY_ONCE_SOURCE_SUPPORT).toBe("enabled");
    const atLeastOnce = config({ exactlyOnce: false });
    expect(atLeastOnce["exactly.once.support"]).toBeUndefined();
    expect(atLeastOnce["transaction.boundary"]).toBeUndefined();
    expect(synthOn("docker", build({ exactlyOnce: false })).containerEnv("connect").CONNECT_EXACTLY_ONCE_SOURCE_SUPPORT).toBe("disabled");
  });

  test("batches of 8192 events, lz4-compressed, by default; Debezium's per-event lag-sample warnings silenced", () => {
    expect(config()).toMatchObject({ "max.batch.size": "8192", "max.queue.size": "32768", "producer.override.compression.type": "lz4" });
    expect(config({ compression: "none" })["producer.override.compression.type"]).toBe("none");
    expect(synthOn("docker", build()).containerEnv("connect").CONNECT_LOG4J_LOGGERS).toBe("io.debezium.metrics.stats.MeasurementCollector=ERROR");
  });

  test("an unknown compression names the codecs Kafka has", () => {
    expect(() => config({ compression: "brotli" })).toThrow(
      'CdcConnector: compression must be one of none, gzip, snappy, lz4, zstd (got "brotli"). Set compression to one of them, or leave it unset (lz4).',
    );
  });

  test("tuning knobs reach the connector, with a queue larger than a batch", () => {
    expect(config({ maxBatchSize: 10000, pollIntervalMs: 50, topicPartitions: 3 })).toMatchObject({
      "max.batch.size": "10000",
      "max.queue.size": "40000",
      "poll.interval.ms": "50",
      "topic.creation.default.partitions": "3",
    });
  });

  test("the job waits for Connect and for the schema job (publication and role exist)", () => {
    const s = synthOn("docker", build());
    const job = s.container("connector-registration");
    expect(job.entrypoint).toEqual(["node", "/job/register-connector.js"]);
    expect(job.depends_on).toEqual(expect.arrayContaining([expect.stringMatching(/Connect/), expect.stringMatching(/SchemaJob/)]));
    expect(s.containerEnv("connector-registration").CONNECT_URL).toBe("http://connect:8083");
  });

  test("topics are <prefix>.<schema>.<table>", () => {
    let cdc: CdcConnector | undefined;
    synthOn("docker", (scope, platform) => {
      cdc = build({ topicPrefix: "core" })(scope, platform);
    });
    expect(cdc!.topicFor("users")).toBe("core.public.users");
    expect(() => cdc!.topicFor("orders")).toThrow("CdcConnector: table 'orders' is not captured (captured: users, accounts)");
  });
});
