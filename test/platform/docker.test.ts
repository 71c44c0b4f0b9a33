import { goDuration } from "../../constructs/platform/internal";
import { Testing } from "cdktf";
import { DockerPlatform, HealthCheck } from "../../constructs";
import { Synth } from "../helpers";
import { stackOn, synthOn } from "../helpers";

const synthOf = (stack: Parameters<typeof Testing.synth>[0]) => new Synth(JSON.parse(Testing.synth(stack)));

describe("DockerPlatform", () => {
  const synth = () =>
    synthOn("docker", (scope, platform) => {
      const password = platform.secret(scope, "Pw", { name: "db-password" });
      const db = platform.service(scope, "Db", {
        name: "db",
        image: "example/db:1.0",
        args: ["serve", "--port", "5432"],
        env: { B: "2", A: "1" },
        secretEnv: { DB_PASSWORD: password },
        secretFiles: { "db-password": password },
        ports: [
          { name: "sql", port: 5432 },
          { name: "admin", port: 9000 },
        ],
        volumes: [{ name: "data", path: "/var/lib/db" }],
        files: [{ path: "/etc/db/db.conf", content: "key=${ENV:SECRET}\n" }],
        healthCheck: HealthCheck.http(9000, "/health", { intervalSeconds: 2, retries: 10 }),
        resources: { cpuMillis: 100, memoryMiB: 300 },
      });
      platform.job(scope, "Init", { name: "db-init", image: "example/tool:1.0", command: ["init"], dependsOn: [db.endpoint("sql")] });
      platform.publish(db.endpoint("sql"), 15432);
    });

  test("a service is a container on the platform network with a health check Terraform waits for", () => {
    const s = synth();
    const db = s.container("db");
    expect(db.networks_advanced).toEqual([{ name: "${docker_network.Platform_Network_1C72AF19.name}", aliases: ["db", "db"] }]);
    expect(db.healthcheck).toEqual({ test: ["CMD", "curl", "-fsS", "-o", "/dev/null", "http://localhost:9000/health"], interval: "2s", timeout: "5s", retries: 10, start_period: "10s" });
    expect(db.wait).toBe(true);
    expect(db.wait_timeout).toBe(10 + 2 * 10);
    expect(db.restart).toBe("unless-stopped");
    expect(db.memory).toBe(300);
    expect(db.memory_swap).toBe(300);
    expect(db.command).toEqual(["serve", "--port", "5432"]);
  });

  test("host ports bind to 127.0.0.1 only, and only the ones asked for", () => {
    expect(synth().container("db").ports).toEqual([{ internal: 5432, external: 15432, ip: "127.0.0.1" }]);
  });

  test("persistent volumes are named docker volumes", () => {
    const s = synth();
    expect(s.find("docker_volume", (v) => v.name === "lakehouse-db-data")).toBeDefined();
    expect(s.container("db").volumes).toEqual([{ volume_name: "${docker_volume.DbVolumeData.name}", container_path: "/var/lib/db" }]);
  });

  test("env is sorted; secrets come from a generated random_password, never a literal", () => {
    const s = synth();
    const env = s.containerEnv("db");
    expect(Object.keys(env)).toEqual(["A", "B", "DB_PASSWORD"]);
    expect(env.DB_PASSWORD).toMatch(/^\$\{random_password\.Pw\.result\}$/);
    expect(Object.values(s.resources("random_password"))[0]).toMatchObject({ length: 32, special: false });
  });

  test("secret files are uploaded to /run/secrets from the secret, readable by the image's user, in no variable", () => {
    const upload = synth()
      .container("db")
      .upload.find((u: any) => u.file === "/run/secrets/db-password");
    expect(upload).toEqual({ file: "/run/secrets/db-password", content: "${random_password.Pw.result}", permissions: "0444" });
  });

  test("config files are uploaded with Terraform interpolation escaped", () => {
    expect(synth().rawUpload("db", "/etc/db/db.conf")).toBe("key=$${ENV:SECRET}\n");
  });

  test("a job is an attached container that must exit 0, after what it depends on", () => {
    const job = synth().container("db-init");
    expect(job).toMatchObject({ attach: true, must_run: false, restart: "no", entrypoint: ["init"] });
    expect(job.lifecycle.postcondition[0].condition).toBe("${self.exit_code == 0}");
    expect(job.lifecycle.postcondition[0].error_message).toContain("docker logs lakehouse-db-init");
    expect(job.depends_on).toEqual(["docker_container.Db"]);
    expect(job.wait).toBeUndefined();
  });

  test("each image is one docker_image kept on destroy", () => {
    const images = Object.values(synth().resources("docker_image"));
    expect(images).toEqual(
      expect.arrayContaining([
        { name: "example/db:1.0", keep_locally: true },
        { name: "example/tool:1.0", keep_locally: true },
      ]),
    );
    expect(images).toHaveLength(2);
  });

  test("replicas become numbered containers; the first keeps its address", () => {
    const s = synthOn("docker", (scope, platform) => {
      platform.service(scope, "Worker", { name: "worker", image: "w:1", replicas: 3 });
    });
    expect(Object.keys(s.resources("docker_container")).sort()).toEqual(["Worker", "Worker1", "Worker2"]);
    expect(
      Object.values(s.resources("docker_container"))
        .map((c: any) => c.name)
        .sort(),
    ).toEqual(["lakehouse-worker-0", "lakehouse-worker-1", "lakehouse-worker-2"]);
  });

  test("replicas of a stateful service each keep a volume of their own and a stable host name; the first keeps the single replica's volume", () => {
    let hosts: string[] = [];
    const s = synthOn("docker", (scope, platform) => {
      const broker = platform.service(scope, "Broker", { name: "broker", image: "b:1", ports: [{ name: "p", port: 9092 }], volumes: [{ name: "data", path: "/data" }], replicas: 3 });
      hosts = broker.replicaHosts;
      expect(broker.replicasEndpoint("p").address).toBe("broker:9092");
    });
    expect(hosts).toEqual(["broker-0", "broker-1", "broker-2"]);
    expect(Object.values<any>(s.resources("docker_volume")).map((v) => v.name)).toEqual(["lakehouse-broker-data", "lakehouse-broker-1-data", "lakehouse-broker-2-data"]);
    expect(["broker-0", "broker-1", "broker-2"].map((n) => s.container(n).volumes[0].volume_name)).toEqual([
      "${docker_volume.BrokerVolumeData.name}",
      "${docker_volume.BrokerVolumeData1.name}",
      "${docker_volume.BrokerVolumeData2.name}",
    ]);
    expect(s.container("broker-1").hostname).toBe("broker-1");
  });

  test("a single replica or a stateless service has no host name per replica", () => {
    synthOn("docker", (scope, platform) => {
      const one = platform.service(scope, "One", { name: "one", image: "o:1", volumes: [{ name: "data", path: "/data" }] });
      const web = platform.service(scope, "Web", { name: "web", image: "w:1", replicas: 2 });
      expect(() => one.replicaHosts).toThrow(/Service 'one' has no stable host name per replica/);
      expect(() => web.replicaHosts).toThrow(/only a stateful service/);
    });
  });

  test("published ports are reported as service/port -> 127.0.0.1:port, and publishedAddress finds them", () => {
    const { stack, platform } = stackOn("docker");
    const web = platform.service(stack, "A", {
      name: "a",
      image: "a:1",
      ports: [
        { name: "http", port: 80 },
        { name: "admin", port: 81 },
      ],
    });
    platform.publish(web.endpoint("admin"), 8081);
    platform.publish(web.endpoint("http"), 8080);
    expect(platform.publishedAddress(web.endpoint("admin"))).toBe("127.0.0.1:8081");
    expect(platform.publishedAddress(web.endpoint("http"))).toBe("127.0.0.1:8080");
    expect(platform.publishedPort(web.endpoint("http"))).toBe(8080);
    // The container lists them in the spec's port order, whatever order they were published in.
    expect(synthOf(stack).container("a").ports).toEqual([
      { internal: 80, external: 8080, ip: "127.0.0.1" },
      { internal: 81, external: 8081, ip: "127.0.0.1" },
    ]);
  });

  test("publishPorts: false records the port (Kafka still advertises it) but publishes nothing", () => {
    const stack = stackOn("docker").stack;
    const platform = new DockerPlatform(stack, "Quiet", { name: "quiet", publishPorts: false });
    const web = platform.service(stack, "A", { name: "a", image: "a:1", ports: [{ name: "http", port: 80 }] });
    platform.publish(web.endpoint("http"), 8080);
    expect(platform.publishedPort(web.endpoint("http"))).toBe(8080);
    expect(platform.publishedAddress(web.endpoint("http"))).toBeUndefined();
    expect(synthOf(stack).find("docker_container", (c) => c.name === "quiet-a").ports ?? []).toEqual([]);
  });

  test("a leader-election group is refused: Docker has no API to elect a leader through", () => {
    const { stack, platform } = stackOn("docker");
    expect(() => platform.service(stack, "A", { name: "a", image: "a:1", replicas: 2, leaderElectionGroup: "flink" })).toThrow(
      `DockerPlatform: leaderElectionGroup of 'a' needs the platform's API to elect a leader, and Docker has none (got "flink"). Run one replica of it on Docker (e.g. StreamJob jobManagers: 1), or deploy the stack on Kubernetes.`,
    );
  });

  test("two workloads with one name fail", () => {
    const { stack, platform } = stackOn("docker");
    platform.service(stack, "A", { name: "a", image: "a:1" });
    expect(() => platform.job(stack, "B", { name: "a", image: "a:1" })).toThrow('Platform: workload name is used twice (got "a")');
  });

  test("a workload name must be a DNS label", () => {
    const { stack, platform } = stackOn("docker");
    expect(() => platform.service(stack, "A", { name: "Bad_Name", image: "a:1" })).toThrow(/Platform: workload name must be a DNS label .*got "Bad_Name".*e\.g\. 'bad-name'/);
  });

  test("an unknown port name fails listing the ports", () => {
    const { stack, platform } = stackOn("docker");
    const svc = platform.service(stack, "A", { name: "a", image: "a:1", ports: [{ name: "http", port: 80 }] });
    expect(() => svc.endpoint("grpc")).toThrow("Service 'a' has no port named 'grpc' (ports: http)");
  });
});

describe("Docker health check durations", () => {
  test("are written the way the provider reads them back (Go durations), so plans stay empty", () => {
    expect(["5s", "59s", "1m0s", "1m30s", "2m0s", "1h0m0s"]).toEqual([5, 59, 60, 90, 120, 3600].map(goDuration));
  });
});
