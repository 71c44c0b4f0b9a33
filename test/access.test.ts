import { Testing } from "cdktf";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { resolveTarget } from "../cli/target";
import { ACCESS_OUTPUT, CREDENTIAL_OUTPUTS, LakehouseAccess } from "../constructs";
import { DEV_PORTS, Environment, environments, settingsFromEnv } from "../stacks/environments";
import { LakehouseStack } from "../stacks/lakehouse-stack";

const SETTINGS = settingsFromEnv({ LAKEHOUSE_DASHBOARDS: "superset" });
const [DEV, K8S] = environments(SETTINGS);

/** The environment with its catalog, namespaces, topic prefix and marts schema renamed (what the E2E_DEV_PATCH of the README sets). */
function renamed<E extends Environment>(env: E): E {
  const l = env.lakehouse;
  return {
    ...env,
    lakehouse: {
      ...l,
      cdc: { ...(l.cdc || {}), topicPrefix: "shop" },
      streamJob: { ...(l.streamJob || {}), rawDatabase: "cdc_raw", stateDatabase: "cdc_state" },
      queryEngine: { ...(l.queryEngine || {}), catalogName: "lake" },
      transformations: { schema: "marts" },
    },
  };
}

function synth(env: Environment): { stack: LakehouseStack; outputs: Record<string, any> } {
  const stack = new LakehouseStack(Testing.app(), env);
  return { stack, outputs: JSON.parse(Testing.synth(stack, true)).output };
}

/** A local state file holding `outputs`, as a deploy leaves it; returns its directory. */
function deployedState(stackName: string, outputs: Record<string, unknown>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "access-"));
  const values = Object.fromEntries(Object.entries(outputs).map(([k, value]) => [k, { value }]));
  fs.writeFileSync(path.join(dir, `terraform.${stackName}.tfstate`), JSON.stringify({ outputs: values }));
  return dir;
}

describe("the access contract", () => {
  const dev = synth(renamed(DEV));

  test("one structured output carries it, exactly as the stack built it", () => {
    expect(dev.outputs[ACCESS_OUTPUT].value).toEqual(dev.stack.access);
  });

  test("a renamed catalog, namespaces and topic prefix are what the contract says", () => {
    const a = dev.stack.access;
    expect(a.query?.catalog).toBe("lake");
    expect(a.namespaces).toEqual({ raw: "cdc_raw", state: "cdc_state", marts: "marts", vault: "marts_vault" });
    expect(a.cdc?.topicPrefix).toBe("shop");
    expect(a.cdc?.topics).toEqual({ users: "shop.public.users", accounts: "shop.public.accounts" });
    expect(a.streamJob?.tables).toEqual(expect.arrayContaining(["cdc_raw.users", "cdc_state.accounts"]));
  });

  test("the checkpoint interval the stack runs with (bench reports commit -> Trino against it)", () => {
    expect(dev.stack.access.streamJob?.checkpointIntervalMs).toBe(5000);
    expect(synth(K8S).stack.access.streamJob?.checkpointIntervalMs).toBe(5000);
  });

  test("Docker: each endpoint's address in the network and on this machine; the platform names its containers", () => {
    const a = dev.stack.access;
    expect(a.platform).toEqual({ kind: "docker", containerPrefix: "lakehouse-dev" });
    expect(a.source.endpoint).toEqual({ internal: "postgres:5432", published: `127.0.0.1:${DEV_PORTS.postgres}` });
    expect(a.cdc?.kafka).toEqual({ internal: "kafka:9092", published: `127.0.0.1:${DEV_PORTS.kafka}`, external: `localhost:${DEV_PORTS.kafka}` });
    expect(a.cdc?.connect.published).toBe(`127.0.0.1:${DEV_PORTS.connect}`);
    expect(a.streamJob?.jobManager.published).toBe(`127.0.0.1:${DEV_PORTS.flink}`);
    expect(a.streamJob?.sqlGateway).toEqual({ internal: "flink-sql-gateway:8083", published: `127.0.0.1:${DEV_PORTS.flinkSqlGateway}` });
    expect(a.query?.trino).toEqual({ internal: "trino:8080", published: `127.0.0.1:${DEV_PORTS.trino}` });
    expect(a.orchestrator?.dagster.published).toBe(`127.0.0.1:${DEV_PORTS.dagster}`);
    expect(a.dashboards?.endpoint.published).toBe(`127.0.0.1:${DEV_PORTS.superset}`);
    expect(a.warehouse?.console?.published).toBe(`127.0.0.1:${DEV_PORTS.minioConsole}`);
  });

  test("Kubernetes: nothing published, the namespace named", () => {
    const a = synth(K8S).stack.access;
    expect(a.platform).toEqual({ kind: "kubernetes", namespace: "lakehouse" });
    const endpoints = [a.source.endpoint, a.cdc!.connect, a.streamJob!.jobManager, a.query!.trino, a.orchestrator!.dagster];
    for (const e of endpoints) expect(e.published).toBeUndefined();
    expect(a.query?.catalog).toBe("iceberg");
  });

  test("Kubernetes: Trino on HTTPS; the operator's login names its user, its CA certificate and the credential output of its password", () => {
    const { stack, outputs } = synth(K8S);
    const a = stack.access;
    expect(a.query?.trino.internal).toBe("trino:8443");
    expect(a.query?.login?.user).toBe("lakehouse");
    expect(outputs[ACCESS_OUTPUT].value.query.login).toEqual({ user: "lakehouse", caCertificate: expect.stringMatching(/^\$\{try\(file\("\/.+\/ca\.pem"\), ""\)\}$/) });
    expect(a.credentials.trinoPassword).toBe(CREDENTIAL_OUTPUTS.trinoPassword);
    expect(outputs[CREDENTIAL_OUTPUTS.trinoPassword]).toMatchObject({ sensitive: true, value: expect.stringMatching(/^\$\{random_password\.[A-Za-z0-9_]+\.result\}$/) });
    expect(outputs.trino_url.value).toBe("https://trino:8443");
  });

  test("credentials: the contract names their sensitive outputs and holds no value", () => {
    const a = dev.stack.access;
    // Trino on Docker does not authenticate: no password to name.
    const { trinoPassword: _none, ...withoutTrino } = CREDENTIAL_OUTPUTS;
    expect(a.credentials).toEqual(withoutTrino);
    expect(a.query?.login).toBeUndefined();
    for (const name of Object.values(a.credentials)) expect(dev.outputs[name!]).toMatchObject({ sensitive: true });
    expect(JSON.stringify(dev.outputs[ACCESS_OUTPUT])).not.toMatch(/random_password|var\./);
    expect(dev.outputs[ACCESS_OUTPUT].sensitive).toBeUndefined();
  });

  test("the stack no longer emits published_ports: the contract's endpoints carry them", () => {
    expect(dev.outputs.published_ports).toBeUndefined();
  });
});

describe("resolveTarget reads only the contract", () => {
  const { stack } = synth(renamed(DEV));
  const outputs = { [ACCESS_OUTPUT]: stack.access, [CREDENTIAL_OUTPUTS.postgresAdminPassword]: "from-state" };

  test("the renamed catalog, namespaces and topics, the published addresses and the password its credential output holds", () => {
    const t = resolveTarget("dev", {}, deployedState("dev", outputs));
    expect(t).toMatchObject({
      catalog: "lake",
      rawDatabase: "cdc_raw",
      stateDatabase: "cdc_state",
      topics: { users: "shop.public.users", accounts: "shop.public.accounts" },
      kafka: `localhost:${DEV_PORTS.kafka}`,
      trinoUrl: `http://127.0.0.1:${DEV_PORTS.trino}`,
      flinkUrl: `http://127.0.0.1:${DEV_PORTS.flink}`,
      connectUrl: `http://127.0.0.1:${DEV_PORTS.connect}`,
      postgres: { host: "127.0.0.1", port: DEV_PORTS.postgres, password: "from-state", database: "bank" },
      platform: { kind: "docker", containerPrefix: "lakehouse-dev" },
    });
  });

  test("flags override the published addresses; without either it says which flag to pass", () => {
    const k8s = synth(K8S).stack.access;
    const withoutTrinoPassword = deployedState("k8s", { [ACCESS_OUTPUT]: k8s, [CREDENTIAL_OUTPUTS.postgresAdminPassword]: "x" });
    expect(() => resolveTarget("k8s", {}, withoutTrinoPassword)).toThrow("no Trino password: stack 'k8s' authenticates Trino users, and its trinoPassword credential output is missing");
    const dir = deployedState("k8s", {
      [ACCESS_OUTPUT]: { ...k8s, query: { ...k8s.query, login: { ...k8s.query!.login, caCertificate: "PEM" } } },
      [CREDENTIAL_OUTPUTS.postgresAdminPassword]: "x",
      [CREDENTIAL_OUTPUTS.trinoPassword]: "t",
    });
    expect(() => resolveTarget("k8s", {}, dir)).toThrow("no host address for postgres (postgres:5432 in the platform network): stack 'k8s' publishes none; pass --postgres host:port");
    const t = resolveTarget("k8s", { postgres: "127.0.0.1:5432", connect: "127.0.0.1:8083", flink: "127.0.0.1:8081", trino: "127.0.0.1:8443" }, dir);
    expect(t.postgres).toMatchObject({ host: "127.0.0.1", port: 5432 });
    expect(t.trinoUrl).toBe("https://127.0.0.1:8443");
    expect(t.trinoLogin).toEqual({ user: "lakehouse", password: "t", ca: "PEM" });
    expect(t.platform).toEqual({ kind: "kubernetes", namespace: "lakehouse" });
  });

  test("a stack deployed before the contract existed: run cdktf deploy again", () => {
    const dir = deployedState("dev", { postgres_database: "bank", published_ports: {} });
    expect(() => resolveTarget("dev", {}, dir)).toThrow("stack 'dev' has no 'access' output: it was deployed by an older version of this project. Run `npx cdktf deploy dev` again");
  });

  test("the contract's type is what the output holds", () => {
    const typed: LakehouseAccess = stack.access;
    expect(typed.version).toBe(1);
  });
});

describe("every layer honours the renamed names the contract reports", () => {
  const json = Testing.synth(new LakehouseStack(Testing.app(), renamed(DEV)), true);

  test.each([
    ["Trino serves the warehouse as catalog lake", "/etc/trino/catalog/lake.properties"],
    ["dbt and Dagster query catalog lake", "DBT_TRINO_CATALOG=lake"],
    ["dbt and Dagster read the raw namespace", "DBT_RAW_SCHEMA=cdc_raw"],
    ["dbt reads the state namespace", "DBT_STATE_SCHEMA=cdc_state"],
    ["dbt builds the marts namespace", "DBT_SCHEMA=marts"],
    ["Flink creates both namespaces", "CREATE DATABASE IF NOT EXISTS lakehouse.cdc_raw;"],
    ["Debezium writes the shop topics", '\\"topic.prefix\\": \\"shop\\"'],
    ["Flink reads the shop topics", "'topic-pattern' = 'shop\\\\.public\\\\.users'"],
  ])("%s", (_what, needle) => {
    expect(json).toContain(needle);
  });

  test("no default name is left in the layers' configuration", () => {
    expect(json).not.toContain("DBT_TRINO_CATALOG=iceberg");
    expect(json).not.toContain("/etc/trino/catalog/iceberg.properties");
    expect(json).not.toMatch(/lakehouse\.raw_data\b/);
    expect(json).not.toMatch(/bank\\+\.public/);
  });
});
