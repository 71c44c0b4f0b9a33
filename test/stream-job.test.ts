import { CdcConnector, IcebergWarehouse, SourceDb, StreamJob, StreamJobProps } from "../constructs";
import { jobNamePattern } from "../constructs/stream-job";
import { PLATFORMS, synthOn } from "./helpers";

const build =
  (props: Partial<StreamJobProps> = {}, topicPrefix = "bank", freshnessProbe = false) =>
  (scope: any, platform: any) => {
    const source = new SourceDb(scope, "SourceDb", { platform });
    const cdc = new CdcConnector(scope, "Cdc", { platform, source, topicPrefix, freshnessProbe });
    const warehouse = new IcebergWarehouse(scope, "Warehouse", { platform });
    return new StreamJob(scope, "StreamJob", { platform, cdc, warehouse, ...props });
  };

const jobOf = (props: Partial<StreamJobProps> = {}, topicPrefix = "bank", freshnessProbe = false): StreamJob => {
  let job: StreamJob | undefined;
  synthOn("docker", (scope, platform) => {
    job = build(props, topicPrefix, freshnessProbe)(scope, platform);
  });
  return job!;
};

describe.each(PLATFORMS)("StreamJob on %s", (kind) => {
  const command = (s: ReturnType<typeof synthOn>, name: string): string[] => {
    if (kind === "docker") return s.container(name).entrypoint ?? s.container(name).command;
    const c = s.k8sWorkload(name).spec.template.spec.container[0];
    return c.command ?? c.args;
  };

  test("runs a JobManager, N TaskManagers, a SQL Gateway, the pipeline keeper and a rollout job", () => {
    const s = synthOn(kind, build({ taskManagers: 2 }));
    if (kind === "docker") {
      expect(s.container("flink-jobmanager").command).toEqual(["jobmanager"]);
      expect(s.container("flink-taskmanager-0").command).toEqual(["taskmanager"]);
      expect(s.container("flink-taskmanager-1").command).toEqual(["taskmanager"]);
      expect(s.container("flink-sql-gateway").command[0]).toBe("/opt/flink/bin/sql-gateway.sh");
      expect(s.container("flink-pipeline").restart).toBe("unless-stopped");
    } else {
      expect(s.k8sWorkload("flink-taskmanager").spec.replicas).toBe("2");
      expect(s.k8sWorkload("flink-jobmanager").spec.template.spec.container[0].args).toEqual(["jobmanager"]);
      expect(s.k8sWorkload("flink-pipeline").spec.replicas ?? "1").toBe("1");
      expect(s.k8sWorkload("flink-pipeline-rollout").wait_for_completion).toBe(true);
    }
    expect(command(s, "flink-pipeline")).toEqual(["node", "/job/flink-pipeline.js", "keep"]);
    expect(command(s, "flink-pipeline-rollout")).toEqual(["node", "/job/flink-pipeline.js", "await"]);
  });

  test("the keeper gets the SQL, the tables and its script as files, its endpoints in env and the S3 secret referenced", () => {
    const s = synthOn(kind, build());
    expect(Object.keys(s.files("flink-pipeline")).sort()).toEqual(["/job/flink-pipeline.js", "/job/lib.js", "/job/pipeline.sql", "/job/tables.json"]);
    expect(s.files("flink-pipeline")["/job/pipeline.sql"]).toMatch(/EXECUTE STATEMENT SET\nBEGIN\n/);
    expect(s.env("flink-pipeline")).toMatchObject({
      GATEWAY_URL: "http://flink-sql-gateway:8083",
      JOBMANAGER_URL: "http://flink-jobmanager:8081",
      CATALOG_URL: "http://iceberg-rest:8181",
      SQL_FILE: "/job/pipeline.sql",
      TABLES_FILE: "/job/tables.json",
      S3_BUCKET: "lakehouse",
      AWS_ACCESS_KEY_ID: "lakehouse-flink",
    });
    expect(s.credential("flink-pipeline", "AWS_SECRET_ACCESS_KEY")).toMatch(/random_password\.Warehouse_FlinkSecretKey_/);
    for (const node of ["flink-jobmanager", "flink-sql-gateway"]) expect(s.credential(node, "AWS_SECRET_ACCESS_KEY")).toBe(s.credential("flink-pipeline", "AWS_SECRET_ACCESS_KEY"));
    // The rollout step only asks the keeper: no SQL, no credentials.
    expect(Object.keys(s.files("flink-pipeline-rollout")).sort()).toEqual(["/job/flink-pipeline.js", "/job/lib.js"]);
    expect(s.env("flink-pipeline-rollout")).toMatchObject({ KEEPER_URL: "http://flink-pipeline:8090" });
    expect(Object.keys(s.env("flink-pipeline-rollout")).filter((k) => /SECRET|PASSWORD/.test(k))).toEqual([]);
  });
});

describe("StreamJob cluster configuration", () => {
  test("checkpoints to the warehouse bucket at the configured interval; S3 credentials only from the environment", () => {
    const s = synthOn("docker", build({ checkpointIntervalMs: 5000, taskSlots: 4 }));
    const env = s.containerEnv("flink-jobmanager");
    expect(env.FLINK_PROPERTIES).toContain("state.checkpoints.dir: s3://lakehouse/flink/checkpoints");
    expect(env.FLINK_PROPERTIES).toContain("execution.checkpointing.interval: 5000ms");
    expect(env.FLINK_PROPERTIES).toContain("taskmanager.numberOfTaskSlots: 4");
    expect(env.FLINK_PROPERTIES).not.toMatch(/secret|access-key/i);
    expect(env.AWS_SECRET_ACCESS_KEY).toMatch(/random_password/);
  });

  test("the probe's job has a keeper and a rollout of its own, with its own state prefix and tables; the deploy waits for both", () => {
    const s = synthOn("docker", build({}, "bank", true));
    const env = s.env("flink-probe-keeper");
    expect(env).toMatchObject({ JOB_FAMILY: "lakehouse-cdc-probe-", STATE_PREFIX: "flink-probe/", SQL_FILE: "/job/pipeline.sql" });
    expect(s.env("flink-pipeline")).toMatchObject({ JOB_FAMILY: "lakehouse-cdc-", STATE_PREFIX: "flink/" });
    expect(JSON.parse(s.upload("flink-probe-keeper", "/job/tables.json"))).toEqual({
      raw: [],
      state: [{ namespace: "bank", name: "lakehouse_freshness_probe", columns: expect.any(Array) }],
    });
    expect(s.files("flink-probe-keeper")["/job/pipeline.sql"]).toContain("SET 'state.checkpoints.dir' = 's3://lakehouse/flink-probe/checkpoints';");
    expect(s.env("flink-probe-rollout")).toMatchObject({ KEEPER_URL: "http://flink-probe-keeper:8090", JOB_NAME: env.JOB_NAME });
    expect(() => synthOn("docker", build()).env("flink-probe-keeper")).toThrow();
  });

  test("the probe's job takes a slot: a parallelism that leaves none fails synth naming it", () => {
    expect(() => synthOn("docker", build({ parallelism: 3 }, "bank", true))).toThrow(
      "StreamJob: parallelism must be <= taskManagers x taskSlots, less one slot for the freshness probe's job (2) (got 3). Lower parallelism, or add TaskManagers or slots.",
    );
    expect(() => synthOn("docker", build({ parallelism: 3 }))).not.toThrow();
  });

  test("the keeper starts after the connector snapshots are requested and TaskManagers exist", () => {
    const keeper = synthOn("docker", build()).container("flink-pipeline");
    expect(keeper.depends_on).toEqual(expect.arrayContaining([expect.stringMatching(/SnapshotJob/), expect.stringMatching(/TaskManager/), expect.stringMatching(/SqlGateway/)]));
  });

  test("the rollout re-runs when the Flink cluster is replaced, and only then", () => {
    const rollout = (props: Partial<StreamJobProps>) => synthOn("docker", build(props)).containerEnv("flink-pipeline-rollout");
    const base = rollout({});
    expect(rollout({}).FLINK_CLUSTER).toBe(base.FLINK_CLUSTER);
    expect(rollout({ taskSlots: 4 }).FLINK_CLUSTER).not.toBe(base.FLINK_CLUSTER);
    expect(rollout({ taskManagerMemoryMiB: 2048 }).FLINK_CLUSTER).not.toBe(base.FLINK_CLUSTER);
    expect(rollout({ taskManagers: 2 }).FLINK_CLUSTER).not.toBe(base.FLINK_CLUSTER);
    // The SQL's own change renames the job, which re-runs the rollout as well.
    expect(rollout({ checkpointIntervalMs: 20000 }).JOB_NAME).not.toBe(base.JOB_NAME);
  });

  test("jobManagers: 2 on Kubernetes runs a leader and a standby through Flink's Kubernetes HA services", () => {
    const s = synthOn("kubernetes", build({ jobManagers: 2 }));
    const jobManager = s.k8sWorkload("flink-jobmanager");
    expect(jobManager.spec.replicas).toBe("2");
    // Each JobManager publishes its own pod's address as the leader's.
    expect(jobManager.spec.template.spec.container[0].command).toEqual(["/bin/bash", "-c", 'exec /docker-entrypoint.sh jobmanager "$(hostname -i)"']);
    const properties = s.env("flink-jobmanager").FLINK_PROPERTIES;
    expect(properties).toContain("high-availability.type: kubernetes\nhigh-availability.storageDir: s3://lakehouse/flink-ha/\nkubernetes.cluster-id: lakehouse-flink\nkubernetes.namespace: lakehouse");
    // The TaskManagers find the leader the same way; the gateway goes through the Service.
    expect(s.env("flink-taskmanager").FLINK_PROPERTIES).toBe(properties);
    for (const name of ["flink-jobmanager", "flink-taskmanager"]) expect(s.k8sWorkload(name).spec.template.spec.service_account_name).toBe("flink-leader-election");
    expect(s.k8sWorkload("flink-sql-gateway").spec.template.spec.automount_service_account_token).toBe(false);
    expect(s.k8sWorkload("flink-sql-gateway").spec.template.spec.container[0].args).toContain("-Dhigh-availability.type=NONE");
    // One JobManager: no HA, as before.
    const single = synthOn("kubernetes", build());
    expect(single.env("flink-jobmanager").FLINK_PROPERTIES).not.toContain("high-availability");
    expect(single.k8sWorkload("flink-jobmanager").spec.template.spec.automount_service_account_token).toBe(false);
  });

  test("jobManagers above 1 on Docker, or out of range, fails synth naming the prop and the fix", () => {
    expect(() => synthOn("docker", build({ jobManagers: 2 }))).toThrow(
      "StreamJob: jobManagers must be 1 on docker: a standby JobManager finds the leader through Flink's Kubernetes HA services, which only Kubernetes has (got 2). Set jobManagers: 1, or deploy the stack on Kubernetes.",
    );
    expect(() => synthOn("kubernetes", build({ jobManagers: 0 }))).toThrow(/StreamJob: jobManagers must be/);
  });

  test("the keeper knows every table it writes, with the Iceberg types of the current state", () => {
    const tables = JSON.parse(synthOn("docker", build()).upload("flink-pipeline", "/job/tables.json"));
    expect(tables.raw).toEqual([
      { namespace: "raw_data", name: "users" },
      { namespace: "raw_data", name: "accounts" },
    ]);
    expect(tables.state[1]).toEqual({
      namespace: "bank",
      name: "accounts",
      columns: [
        { name: "id", type: "string" },
        { name: "user_id", type: "string" },
        { name: "balance", type: "decimal(18, 2)" },
        { name: "currency", type: "string" },
        { name: "updated_at", type: "timestamp" },
      ],
    });
  });
});

describe("StreamJob SQL", () => {
  test("reads the connector's topics and writes through the REST catalog on MinIO", () => {
    const sql = jobOf({}, "core").sql;
    expect(sql).toContain("'topic-pattern' = 'core\\.public\\.users'");
    expect(sql).toContain("'topic-pattern' = 'core\\.public\\.accounts'");
    // Committed records only, resuming from the group's offsets where no state carries over.
    expect(sql).toContain("'properties.isolation.level' = 'read_committed'");
    expect(sql).toContain("'scan.startup.mode' = 'group-offsets'");
    expect(sql).not.toContain("earliest-offset");
    expect(sql).toContain("'properties.bootstrap.servers' = 'kafka:9092'");
    expect(sql).toContain("'uri' = 'http://iceberg-rest:8181'");
    expect(sql).toContain("'warehouse' = 's3://lakehouse/warehouse'");
    expect(sql).toContain("'s3.endpoint' = 'http://minio:9000'");
  });

  test("writes raw CDC log tables partitioned by day and upserted current-state tables", () => {
    const sql = jobOf().sql;
    expect(sql).toContain("CREATE TABLE IF NOT EXISTS lakehouse.raw_data.users (");
    expect(sql).toMatch(/`source_lsn` BIGINT,[\s\S]*\) PARTITIONED BY \(`event_date`\)/);
    expect(sql).toMatch(/CREATE TABLE IF NOT EXISTS lakehouse\.bank\.accounts \(\n {2}`id` STRING NOT NULL,\n {2}`user_id` STRING NOT NULL,\n {2}`balance` DECIMAL\(18, 2\) NOT NULL,/);
    expect(sql).toMatch(/PRIMARY KEY \(`id`\) NOT ENFORCED\n\) WITH \(\n {2}'format-version' = '2',\n {2}'write.upsert.enabled' = 'true'\n\)/);
    expect(sql).toContain("'format' = 'debezium-json'");
    expect(sql).toContain("COALESCE(`after`, `before`) AS `data`");
    expect(sql).toContain("CAST(`balance` AS DECIMAL(18, 2)) AS `balance`");
    expect(sql).toMatch(/^EXECUTE STATEMENT SET\nBEGIN\n/m);
  });

  test("names the job with a hash of its SQL: same input, same name; any change, a new name", () => {
    const a = jobOf();
    expect(jobOf().jobName).toBe(a.jobName);
    expect(a.jobName).toMatch(/^lakehouse-cdc-[0-9a-f]{12}$/);
    expect(a.sql).toContain(`SET 'pipeline.name' = '${a.jobName}';`);
    expect(jobOf({ checkpointIntervalMs: 20000 }).jobName).not.toBe(a.jobName);
    expect(jobOf({}, "core").jobName).not.toBe(a.jobName);
  });

  test("lists the tables it writes", () => {
    expect(jobOf().tablesWritten).toEqual(["raw_data.users", "bank.users", "raw_data.accounts", "bank.accounts"]);
  });

  test("the freshness probe's table is a job of its own, current state only; the pipeline's SQL is the same with it or without", () => {
    const probed = jobOf({}, "bank", true);
    const plain = jobOf();
    expect(probed.sql).toBe(plain.sql);
    expect(probed.jobName).toBe(plain.jobName);
    expect(plain.probeJobName).toBeUndefined();
    expect(plain.jobLabelPatterns).toEqual(["lakehouse_cdc_[0-9a-f]{12}"]);
    expect(probed.freshnessProbeTable).toBe("bank.lakehouse_freshness_probe");
    expect(probed.probeJobName).toMatch(/^lakehouse-cdc-probe-[0-9a-f]{12}$/);
    // As Flink's Prometheus reporter labels the jobs: its dashes are underscores there.
    expect(probed.jobLabelPatterns).toEqual(["lakehouse_cdc_[0-9a-f]{12}", "lakehouse_cdc_probe_[0-9a-f]{12}"]);
    // Neither family's pattern takes the other's job for a version of its own, by name or by label.
    const label = (name: string) => name.replace(/-/g, "_");
    const [pipeline, probe] = ["lakehouse-cdc", "lakehouse-cdc-probe"].map((f) => new RegExp(`^${jobNamePattern(f)}$`));
    expect([pipeline.test(probed.jobName), pipeline.test(probed.probeJobName!), probe.test(probed.jobName), probe.test(probed.probeJobName!)]).toEqual([true, false, false, true]);
    const [pipelineLabel, probeLabel] = probed.jobLabelPatterns.map((p) => new RegExp(`^${p}$`));
    expect([pipelineLabel, probeLabel].map((re) => [re.test(label(probed.jobName)), re.test(label(probed.probeJobName!))])).toEqual([
      [true, false],
      [false, true],
    ]);
    const sql = probed.probeSql!;
    expect(sql).toContain(`SET 'pipeline.name' = '${probed.probeJobName}';`);
    expect(sql).toContain("'topic-pattern' = 'bank\\.public\\.lakehouse_freshness_probe'");
    expect(sql).toContain("INSERT INTO lakehouse.bank.lakehouse_freshness_probe (`probe`, `seq`, `written_at`)");
    expect(sql).not.toContain("kafka_raw_");
    expect(sql).not.toMatch(/INSERT INTO lakehouse\.bank\.(users|accounts)/);
    expect(probed.tablesWritten).toEqual(plain.tablesWritten);
    expect(jobOf({ checkpointIntervalMs: 20000 }, "bank", true).probeJobName).not.toBe(probed.probeJobName);
  });

  test("a jobName with a dot: matched literally by name, and as an underscore by label", () => {
    expect(jobNamePattern("team.cdc")).toBe("team\\.cdc-[0-9a-f]{12}");
    expect(new RegExp(`^${jobNamePattern("team.cdc")}$`).test("teamxcdc-0123456789ab")).toBe(false);
    expect(jobOf({ jobName: "team.cdc" }, "bank", true).jobLabelPatterns).toEqual(["team_cdc_[0-9a-f]{12}", "team_cdc_probe_[0-9a-f]{12}"]);
  });
});
