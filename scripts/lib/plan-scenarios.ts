/**
 * Plan scenarios of the environment stacks: a base configuration (deployed, as a crafted state)
 * and a changed one, planned for real with OpenTofu. Used by the live plan-summary tests
 * (test/terraform/plan-summary.test.ts) and to regenerate the unit-test fixtures
 * (scripts/plan-fixtures.ts -> test/fixtures/plan-summary/).
 */
import { DockerProvider } from "@cdktf/provider-docker/lib/provider";
import { RandomProvider } from "@cdktf/provider-random/lib/provider";
import { App, Aspects, TerraformStack } from "cdktf";
import * as fs from "fs";
import * as path from "path";
import { DockerEnvironment, Environment, environments, KubernetesEnvironment, settingsFromEnv } from "../../stacks/environments";
import { LakehouseStack } from "../../stacks/lakehouse-stack";
import { CdcConnector, DockerPlatform, LakehousePolicy, SourceDb } from "../../constructs";
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
}

/** The README's CDC-only consumer stack, on a DockerPlatform named `platformName`. */
function cdcOnly(platformName: string): CustomStack {
  return {
    name: "cdc-only",
    build: (stack) => {
      new DockerProvider(stack, "docker");
      new RandomProvider(stack, "random");
      Aspects.of(stack).add(new LakehousePolicy());
      const platform = new DockerPlatform(stack, "Platform", { name: platformName });
      const db = new SourceDb(stack, "Db", { platform, capturedTables: ["accounts"] });
      new CdcConnector(stack, "Cdc", { platform, source: db, topicPrefix: "team_a" });
    },
  };
}

/** The environment stacks with fixed settings, so scenarios do not depend on the caller's LAKEHOUSE_* variables. */
function envs(): { dev: DockerEnvironment; k8s: KubernetesEnvironment } {
  const [dev, k8s] = environments(settingsFromEnv({}));
  return { dev: dev as DockerEnvironment, k8s: k8s as KubernetesEnvironment };
}

export function scenarios(): PlanScenario[] {
  const { dev, k8s } = envs();
  return [
    { name: "dev-create", description: "dev on an empty engine: everything is created", head: dev },
    { name: "dev-noop", description: "dev re-planned against its own (crafted) state: no changes", base: dev, head: dev },
    {
      name: "dev-postgres-port",
      description: "dev with SourceDb hostPort 15432 -> 15433: the PostgreSQL container (with a data volume) is replaced",
      base: dev,
      head: { ...dev, lakehouse: { ...dev.lakehouse, sourceDb: { ...dev.lakehouse.sourceDb, hostPort: 15433 } } },
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
  const statePath = path.join(work, "base.tfstate");
  fs.rmSync(statePath, { force: true });
  const head = synthStack(scenario.head, path.join(work, "head-out"));
  if (scenario.base) {
    const base = synthStack(scenario.base, path.join(work, "base-out"));
    const r = craftBaseState(base, path.join(work, "base"), statePath, tc, { offlineKubernetes: true, log });
    log(`${scenario.name}: base state crafted in ${r.rounds} round(s), ${r.seconds.toFixed(1)}s`);
  }
  return planStack(head, path.join(work, "head"), tc, { statePath, refresh: false, offlineKubernetes: true });
}
