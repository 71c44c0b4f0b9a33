/**
 * Plan scenarios of the environment stacks: a base configuration (deployed, as a crafted state)
 * and a changed one, planned for real with OpenTofu. Used by the live plan-summary tests
 * (test/terraform/plan-summary.test.ts) and to regenerate the unit-test fixtures
 * (scripts/plan-fixtures.ts -> test/fixtures/plan-summary/).
 */
import { DockerProvider } from "@cdktf/provider-docker/lib/provider";
import { RandomProvider } from "@cdktf/provider-random/lib/provider";
import { App, Aspects, TerraformStack } from "cdktf";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { DockerEnvironment, Environment, environments, KubernetesEnvironment, LakehouseOptions, settingsFromEnv } from "../../stacks/environments";
import { LakehouseStack } from "../../stacks/lakehouse-stack";
import { BANK_TABLES, CdcConnector, ColumnTypes, DockerPlatform, LakehousePolicy, SourceDb, TableSchema } from "../../constructs";
import { craftBaseState, planStack, StackPlan } from "./plan";
import { Toolchain } from "./terraform";

/** A stack that is not one of the environments: a name and what to build in it (providers included). */
export interface CustomStack {
  readonly name: string;
  build(stack: TerraformStack): void;
}

/** One reviewable change. */
export interface PlanScenario {
  /** File-name friendly id, e.g. `dev-postgres-port`. */
  readonly name: string;
  readonly description: string;
  /** The configuration that is deployed; undefined = nothing is (empty state). */
  readonly base?: Environment | CustomStack;
  /** The configuration that is planned. */
  readonly head: Environment | CustomStack;
  /**
   * Construct paths below the stack (e.g. `Lakehouse/CdcConnector/ClusterId`) planned with
   * `-replace`, as an operator forcing a new value would. @default - none
   */
  readonly replace?: string[];
}

/** The README's CDC-only consumer stack, on a DockerPlatform named `platformName`, its CdcConnector with construct id `cdcId`. */
function cdcOnly(platformName: string, cdcId = "Cdc"): CustomStack {
  return {
    name: "cdc-only",
    build: (stack) => {
      new DockerProvider(stack, "docker");
      new RandomProvider(stack, "random");
      Aspects.of(stack).add(new LakehousePolicy());
      const platform = new DockerPlatform(stack, "Platform", { name: platformName });
      const db = new SourceDb(stack, "Db", { platform, capturedTables: ["accounts"] });
      new CdcConnector(stack, cdcId, { platform, source: db, topicPrefix: "team_a" });
    },
  };
}

/**
 * Where the scenarios' Kubernetes stacks find Trino's TLS files: a fixed path, made by
 * scripts/tls.sh before a plan (the stacks' plans check the files exist).
 */
export const PLAN_TLS_DIR = path.join(os.tmpdir(), "lakehouse-plan-tls");

/** The environment stacks with fixed settings, so scenarios do not depend on the caller's LAKEHOUSE_* variables. */
function envs(): { dev: DockerEnvironment; k8s: KubernetesEnvironment } {
  const [dev, k8s] = environments(settingsFromEnv({ LAKEHOUSE_TLS_DIR: PLAN_TLS_DIR }));
  return { dev: dev as DockerEnvironment, k8s: k8s as KubernetesEnvironment };
}

/** The bank schema with a nullable `note text` column added to accounts: a schema migration. */
function bankTablesWithNote(): TableSchema[] {
  return BANK_TABLES.map((t) => (t.name === "accounts" ? { ...t, columns: [...t.columns, { name: "note", type: ColumnTypes.text() }] } : t));
}

/** `env` with its own `tables` (so seedData is off: seed rows are only for the default schema). */
function withTables<E extends Environment>(env: E, tables: TableSchema[]): E {
  return { ...env, lakehouse: { ...env.lakehouse, sourceDb: { ...env.lakehouse.sourceDb, seedData: false, tables } } };
}

function withStreamJob<E extends Environment>(env: E, streamJob: Exclude<LakehouseOptions["streamJob"], false | undefined>): E {
  return { ...env, lakehouse: { ...env.lakehouse, streamJob: { ...(env.lakehouse.streamJob || {}), ...streamJob } } };
}

export function scenarios(): PlanScenario[] {
  const { dev, k8s } = envs();
  return [
    { name: "dev-create", description: "dev on an empty engine: everything is created", head: dev },
    { name: "dev-noop", description: "dev re-planned against its own (crafted) state: no changes", base: dev, head: dev },
    {
      name: "dev-postgres-port",
      description: "dev with PostgreSQL published at 15432 -> 15433: the PostgreSQL container (with a data volume) is replaced",
      base: dev,
      head: { ...dev, publish: { ...dev.publish, postgres: 15433 } },
    },
    {
      name: "k8s-postgres-storage",
      description: "k8s with SourceDb storageGiB 10 -> 20: the PostgreSQL StatefulSet's volume claim template changes",
      base: k8s,
      head: { ...k8s, lakehouse: { ...k8s.lakehouse, sourceDb: { ...k8s.lakehouse.sourceDb, storageGiB: 20 } } },
    },
    {
      name: "cdc-platform-rename",
      description: "a CDC-only stack whose DockerPlatform name changes team-a -> team-b: every volume (PostgreSQL's, Kafka's) is replaced",
      base: cdcOnly("team-a"),
      head: cdcOnly("team-b"),
    },
    {
      name: "dev-checkpoint-interval",
      description: "dev with StreamJob checkpointIntervalMs 5000 -> 10000: JobManager, TaskManager, SQL Gateway (Flink configuration) and what owns the job (new SQL) are replaced",
      base: dev,
      head: withStreamJob(dev, { checkpointIntervalMs: 10_000 }),
    },
    {
      name: "k8s-flink-memory",
      description: "k8s with StreamJob taskManagerMemoryMiB 1536 -> 2048: the Flink Deployments' pod templates change (rolling update); the SQL does not",
      base: k8s,
      head: withStreamJob(k8s, { taskManagerMemoryMiB: 2048 }),
    },
    {
      name: "dev-schema-column",
      description: "dev with its own tables (the bank schema), then a nullable accounts.note column: the schema job's schema.sql changes, and so does the Flink SQL",
      base: withTables(dev, BANK_TABLES),
      head: withTables(dev, bankTablesWithNote()),
    },
    {
      name: "k8s-schema-column",
      description:
        "k8s with its own tables (the bank schema), then a nullable accounts.note column: the schema job's ConfigMap changes, and with it the files hash in the Job's environment: the Job is replaced and runs the migration",
      base: withTables(k8s, BANK_TABLES),
      head: withTables(k8s, bankTablesWithNote()),
    },
    {
      name: "k8s-namespace-rename",
      description: "k8s with namespace lakehouse -> lakehouse-blue: the namespace is replaced, and every PVC in it goes with it",
      base: k8s,
      head: { ...k8s, namespace: "lakehouse-blue" },
    },
    {
      name: "dev-kafka-cluster-id",
      description: "dev planned with -replace of the CdcConnector's ClusterId (random_id): Kafka's container is replaced, its data volume is kept",
      base: dev,
      head: dev,
      replace: ["Lakehouse/CdcConnector/ClusterId"],
    },
    {
      name: "cdc-connector-rename",
      description: "a CDC-only stack whose CdcConnector construct id changes Cdc -> Events: the old ClusterId, Kafka and its volume are destroyed, new ones created",
      base: cdcOnly("team-a"),
      head: cdcOnly("team-a", "Events"),
    },
  ];
}

/** Synthesizes one stack into `outdir`; returns the stack directory. */
export function synthStack(source: Environment | CustomStack, outdir: string): string {
  const app = new App({ outdir });
  if ("build" in source) source.build(new TerraformStack(app, source.name));
  else new LakehouseStack(app, source);
  app.synth();
  return path.join(outdir, "stacks", source.name);
}

/** Plans a scenario in `work` (created if missing): crafts the base state, then plans the head against it. */
export function planScenario(scenario: PlanScenario, work: string, tc: Toolchain, log: (s: string) => void = () => {}): StackPlan {
  fs.mkdirSync(work, { recursive: true });
  execFileSync("bash", [path.join(__dirname, "../tls.sh")], { env: { ...process.env, LAKEHOUSE_TLS_DIR: PLAN_TLS_DIR }, stdio: "ignore" });
  const statePath = path.join(work, "base.tfstate");
  fs.rmSync(statePath, { force: true });
  const head = synthStack(scenario.head, path.join(work, "head-out"));
  if (scenario.base) {
    const base = synthStack(scenario.base, path.join(work, "base-out"));
    const r = craftBaseState(base, path.join(work, "base"), statePath, tc, { offlineKubernetes: true, log });
    log(`${scenario.name}: base state crafted in ${r.rounds} round(s), ${r.seconds.toFixed(1)}s`);
  }
  const replace = (scenario.replace ?? []).map((p) => `-replace=${addressOf(head, p)}`);
  return planStack(head, path.join(work, "head"), tc, { statePath, refresh: false, offlineKubernetes: true, extraArgs: replace });
}

/** The Terraform address of the resource at a construct path (below the stack) of a synthesized stack. */
function addressOf(stackDir: string, constructPath: string): string {
  type Metadata = { "//"?: { metadata?: { stackName?: string; path?: string } } };
  const synth: Metadata & { resource?: Record<string, Record<string, Metadata>> } = JSON.parse(fs.readFileSync(path.join(stackDir, "cdk.tf.json"), "utf8"));
  const stackName = synth["//"]?.metadata?.stackName;
  for (const [type, byName] of Object.entries(synth.resource ?? {})) {
    for (const [name, r] of Object.entries(byName)) if (r["//"]?.metadata?.path === `${stackName}/${constructPath}`) return `${type}.${name}`;
  }
  throw new Error(`no resource at construct path ${constructPath} in ${stackDir}`);
}
