import { spawnSync } from "child_process";
import * as path from "path";

/** jobs/kafka-broker.sh with `env` in place of the image's start-up, so what it would start with is printed. */
const SCRIPT = path.resolve(__dirname, "../../jobs/kafka-broker.sh");
const run = (hostname: string, hosts: string, externalPort = "") => {
  const r = spawnSync("bash", [SCRIPT], { encoding: "utf8", env: { PATH: process.env.PATH, HOSTNAME: hostname, BROKER_HOSTS: hosts, EXTERNAL_PORT: externalPort, BROKER_START: "env" } });
  const vars = Object.fromEntries(
    r.stdout
      .split("\n")
      .filter((l) => l.startsWith("KAFKA_"))
      .map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]),
  );
  return { status: r.status, stderr: r.stderr, vars };
};

describe("jobs/kafka-broker.sh", () => {
  const hosts = "kafka-0.kafka-replicas kafka-1.kafka-replicas kafka-2.kafka-replicas";

  test("a replica's node id is its ordinal; the quorum is every replica; it advertises its own name", () => {
    const { status, vars } = run("kafka-2", hosts);
    expect(status).toBe(0);
    expect(vars).toEqual({
      KAFKA_NODE_ID: "2",
      KAFKA_CONTROLLER_QUORUM_VOTERS: "0@kafka-0.kafka-replicas:9093,1@kafka-1.kafka-replicas:9093,2@kafka-2.kafka-replicas:9093",
      KAFKA_ADVERTISED_LISTENERS: "PLAINTEXT://kafka-2.kafka-replicas:9092,EXTERNAL://kafka-2.kafka-replicas:9094",
    });
  });

  test("with a host port, each broker advertises localhost at that port plus its ordinal to host clients", () => {
    expect(run("kafka-0", hosts, "19192").vars.KAFKA_ADVERTISED_LISTENERS).toBe("PLAINTEXT://kafka-0.kafka-replicas:9092,EXTERNAL://localhost:19192");
    expect(run("kafka-2", hosts, "19192").vars.KAFKA_ADVERTISED_LISTENERS).toBe("PLAINTEXT://kafka-2.kafka-replicas:9092,EXTERNAL://localhost:19194");
  });

  test("a host name without an ordinal, or one past the last replica, stops it before Kafka starts", () => {
    expect(run("kafka", hosts)).toMatchObject({ status: 1, stderr: expect.stringMatching(/host name 'kafka' does not end in a replica ordinal below 3/), vars: {} });
    expect(run("kafka-3", hosts)).toMatchObject({ status: 1, stderr: expect.stringMatching(/'kafka-3' does not end in a replica ordinal below 3/) });
    expect(run("kafka-0", "")).toMatchObject({ status: 1, stderr: expect.stringMatching(/BROKER_HOSTS must list the host name of every replica/) });
  });
});
