import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

/**
 * What another team does: `npm pack` this repository, install the tarball into a fresh project
 * (no ts-node, no access to our sources), compose their own stacks, compile and synthesize.
 */
const ROOT = path.resolve(__dirname, "../..");
const run = (cmd: string, args: string[], cwd: string) => execFileSync(cmd, args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, CHECKPOINT_DISABLE: "1" } });

const CONSUMER_MAIN = `
import { App, TerraformStack } from "cdktf";
import { DockerProvider } from "@cdktf/provider-docker/lib/provider";
import { KubernetesProvider } from "@cdktf/provider-kubernetes/lib/provider";
import { RandomProvider } from "@cdktf/provider-random/lib/provider";
import { CdcConnector, DockerPlatform, KubernetesPlatform, Lakehouse, SourceDb } from "lakehouse-cdc";

const app = new App({ outdir: "out" });

// A CDC-only stack: PostgreSQL and Kafka with Debezium, nothing downstream.
const cdcOnly = new TerraformStack(app, "cdc-only");
new DockerProvider(cdcOnly, "docker");
new RandomProvider(cdcOnly, "random");
const docker = new DockerPlatform(cdcOnly, "Platform", { name: "team-a" });
const db = new SourceDb(cdcOnly, "Db", { platform: docker, capturedTables: ["accounts"] });
const cdc = new CdcConnector(cdcOnly, "Cdc", { platform: docker, source: db, topicPrefix: "team_a" });
docker.publish(cdc.kafkaExternal, 29092);

// The full lakehouse on Kubernetes against the team's own PostgreSQL.
const full = new TerraformStack(app, "full");
new KubernetesProvider(full, "kubernetes", { configPath: "~/.kube/config" });
new RandomProvider(full, "random");
const k8s = new KubernetesPlatform(full, "Platform", { namespace: "team-a" });
const source = SourceDb.fromExisting(full, "TheirDb", { platform: k8s, host: "pg.team-a.svc", adminUser: "admin", adminPassword: process.env.PG_ADMIN_PASSWORD ?? "from-a-secret-store" });
new Lakehouse(full, "Lakehouse", { platform: k8s, source, dashboards: false });

app.synth();
`;

const BAD_PROP = `
import { App, TerraformStack } from "cdktf";
import { CdcConnector, DockerPlatform, IcebergWarehouse, SourceDb, StreamJob } from "lakehouse-cdc";
const stack = new TerraformStack(new App({ outdir: "out-bad" }), "bad");
const platform = new DockerPlatform(stack, "Platform");
const cdc = new CdcConnector(stack, "Cdc", { platform, source: new SourceDb(stack, "Db", { platform }) });
new StreamJob(stack, "Job", { platform, cdc, warehouse: new IcebergWarehouse(stack, "W", { platform }), taskManagers: 0 });
`;

describe("a consumer project using the packed tarball", () => {
  let dir: string;

  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "lakehouse-consumer-"));
    const tarball = run("npm", ["pack", "--pack-destination", dir, "--silent"], ROOT).trim().split("\n").pop()!;
    const own = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8"));
    const pin = (name: string) => own.devDependencies[name];
    fs.writeFileSync(
      path.join(dir, "package.json"),
      JSON.stringify(
        {
          name: "team-a-infra",
          private: true,
          dependencies: {
            "lakehouse-cdc": `file:./${tarball}`,
            cdktf: pin("cdktf"),
            constructs: pin("constructs"),
            "@cdktf/provider-docker": pin("@cdktf/provider-docker"),
            "@cdktf/provider-kubernetes": pin("@cdktf/provider-kubernetes"),
            "@cdktf/provider-random": pin("@cdktf/provider-random"),
          },
          devDependencies: { typescript: pin("typescript"), "@types/node": pin("@types/node") },
        },
        null,
        2,
      ),
    );
    fs.writeFileSync(
      path.join(dir, "tsconfig.json"),
      JSON.stringify({ compilerOptions: { target: "ES2020", module: "commonjs", strict: true, esModuleInterop: true, skipLibCheck: true, types: ["node"] } }),
    );
    fs.writeFileSync(path.join(dir, "main.ts"), CONSUMER_MAIN);
    fs.writeFileSync(path.join(dir, "bad.ts"), BAD_PROP);
    run("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline"], dir);
  });

  afterAll(() => {
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  test("the package ships compiled JavaScript and type declarations, no TypeScript sources", () => {
    const pkg = path.join(dir, "node_modules", "lakehouse-cdc");
    expect(fs.existsSync(path.join(pkg, "dist/constructs/index.js"))).toBe(true);
    expect(fs.existsSync(path.join(pkg, "dist/constructs/index.d.ts"))).toBe(true);
    expect(fs.existsSync(path.join(pkg, "constructs"))).toBe(false);
    expect(fs.readdirSync(path.join(pkg, "flink-sql")).length).toBeGreaterThan(0);
  });

  test("their stacks compile with tsc and synthesize with plain node", () => {
    run("npx", ["tsc", "-p", "."], dir);
    run("node", ["main.js"], dir);
    const cdcOnly = JSON.parse(fs.readFileSync(path.join(dir, "out/stacks/cdc-only/cdk.tf.json"), "utf8"));
    const names = Object.values<any>(cdcOnly.resource.docker_container)
      .map((c) => c.name)
      .sort();
    expect(names).toEqual(["team-a-connect", "team-a-connector-registration", "team-a-connector-snapshots", "team-a-kafka", "team-a-postgres", "team-a-postgres-schema"]);
    const kafka = Object.values<any>(cdcOnly.resource.docker_container).find((c) => c.name === "team-a-kafka");
    expect(kafka.ports).toEqual([{ internal: 9094, external: 29092, ip: "127.0.0.1" }]);
    expect(kafka.env).toContain("KAFKA_ADVERTISED_LISTENERS=PLAINTEXT://kafka:9092,EXTERNAL://localhost:29092");
    const full = JSON.parse(fs.readFileSync(path.join(dir, "out/stacks/full/cdk.tf.json"), "utf8"));
    expect(full.resource.kubernetes_stateful_set_v1).toBeDefined();
    expect(JSON.stringify(full)).toContain("pg.team-a.svc");
  });

  test("a bad prop fails with the documented message", () => {
    let stderr = "";
    try {
      run("node", ["bad.js"], dir);
    } catch (err: any) {
      stderr = String(err.stderr);
    }
    expect(stderr).toContain("StreamJob: taskManagers must be an integer from 1 to 100 (got 0). Set taskManagers to an integer from 1 to 100.");
  });
});
