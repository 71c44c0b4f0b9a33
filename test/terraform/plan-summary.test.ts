import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { analyzePlan, summarizePlan } from "../../cli/plan-summary";
import { planStack } from "../../scripts/lib/plan";
import { planScenario, scenarios, synthStack } from "../../scripts/lib/plan-scenarios";
import { loadToolchain, Toolchain } from "../../scripts/lib/terraform";

/**
 * Plan review against real OpenTofu plans (`npm run test:validate`): the toolchain plans the
 * stacks in scratch copies with their own state files. Nothing is applied; the stacks' real
 * states (terraform.<stack>.tfstate) are not read.
 */
const ROOT = path.resolve(__dirname, "../..");
const scenario = (name: string) => scenarios().find((s) => s.name === name)!;

describe("plan summary on real plans", () => {
  let tc: Toolchain;
  let work: string;

  beforeAll(() => {
    tc = loadToolchain({ build: "if-missing" });
    work = fs.mkdtempSync(path.join(os.tmpdir(), "lakehouse-plan-summary-test-"));
  });

  afterAll(() => {
    if (work) fs.rmSync(work, { recursive: true, force: true });
  });

  test("dev against the local engine with an empty state: every resource of the stack is created, by layer", () => {
    const s = scenario("dev-create");
    const stackDir = synthStack(s.head, path.join(work, "dev-create-out"));
    // refreshed like a real plan; with an empty state there is nothing to read from the engine
    const p = planStack(stackDir, path.join(work, "dev-create"), tc, { statePath: path.join(work, "dev-create.tfstate") });
    const resources = Object.values<any>(p.synth.resource).reduce((n, byName) => n + Object.keys(byName).length, 0);
    const a = analyzePlan(p.plan, p.synth);
    expect(a.totals).toEqual({ add: resources, change: 0, destroy: 0 });
    expect(a.unmapped).toBe(0);
    expect(a.layers.map((l) => l.name)).toEqual(expect.arrayContaining(["SourceDb", "CdcConnector", "IcebergWarehouse", "StreamJob", "QueryEngine", "Platform"]));
    const sourceDb = a.layers.find((l) => l.name === "SourceDb")!;
    expect(sourceDb.changes.map((c) => `${c.action} ${c.type} ${c.id}`)).toEqual(expect.arrayContaining(["create docker_container Resource", "create docker_volume ResourceVolumeData"]));
    expect(summarizePlan(p.plan, p.synth)).toContain(`**${resources} to add, 0 to change, 0 to destroy**.`);
    expect(fs.existsSync(path.join(work, "dev-create.tfstate"))).toBe(false); // plan never writes state
  });

  test("the crafted state of dev is what an apply would leave: re-planning the same configuration changes nothing", () => {
    const p = planScenario(scenario("dev-noop"), path.join(work, "dev-noop"), tc);
    expect(analyzePlan(p.plan, p.synth).layers).toEqual([]);
  });

  test("changing the host port PostgreSQL is published at replaces its container, flagged as a stateful service; its volume is kept", () => {
    const p = planScenario(scenario("dev-postgres-port"), path.join(work, "dev-postgres-port"), tc);
    const a = analyzePlan(p.plan, p.synth);
    const pg = a.alerts.find((c) => c.layer === "Lakehouse/SourceDb" && c.id === "Resource");
    expect(pg).toMatchObject({ type: "docker_container", action: "replace", stateful: "service", forcedBy: ["ports[0].external"] });
    expect(a.alerts.filter((c) => c.stateful === "data")).toEqual([]);
    const md = summarizePlan(p.plan, p.synth);
    expect(md).toContain("> **1 stateful service will be replaced.**");
    expect(md).toMatch(
      /`docker_container\.Lakehouse_SourceDb_[0-9A-F]+` \(SourceDb › Resource\): replaced \(delete, then create\) because `ports\[0\]\.external` changed: downtime; its data stays on `docker_volume\.Lakehouse_SourceDb_ResourceVolumeData_[0-9A-F]+`, which is kept/,
    );
  });

  test("renaming the DockerPlatform replaces the PostgreSQL volume: DATA LOSS, and `--fail-on-data-loss` fails the review (npm run plan:summary)", () => {
    const s = scenario("cdc-platform-rename");
    const base = synthStack(s.base!, path.join(work, "rename-base"));
    const head = synthStack(s.head, path.join(work, "rename-head"));
    const r = spawnSync(
      "npx",
      ["ts-node", "--transpile-only", "scripts/plan-summary.ts", "cdc-only", "--base-dir", path.dirname(path.dirname(base)), "--head-dir", path.dirname(path.dirname(head)), "--fail-on-data-loss"],
      {
        cwd: ROOT,
        encoding: "utf8",
        env: { ...process.env, ...tc.env },
      },
    );
    expect(r.stderr).toMatch(/cdc-only: crafted the base state in \d round\(s\)/);
    expect(r.status).toBe(3);
    expect(r.stdout).toContain("## Plan: `cdc-only`\n\n_Against the state that deploying the base would leave (crafted from its plan, not refreshed)._");
    expect(r.stdout).toContain("> [!CAUTION]\n> **DATA LOSS: 2 resources holding data will be replaced.**");
    expect(r.stdout).toMatch(/`docker_volume\.Db_ResourceVolumeData_[0-9A-F]+` \(Db › ResourceVolumeData\): replaced \(delete, then create\) because `labels`, `name` changed: its data is deleted/);
  });

  test("renaming the Kubernetes namespace replaces it: DATA LOSS naming every PVC in the old one, none said to be kept", () => {
    const p = planScenario(scenario("k8s-namespace-rename"), path.join(work, "k8s-namespace-rename"), tc);
    const a = analyzePlan(p.plan, p.synth);
    expect(a.namespaces).toEqual([expect.objectContaining({ name: "lakehouse", action: "replace", notRecreated: [] })]);
    expect(a.namespaces[0].pvcs.map((x) => x.name)).toEqual(expect.arrayContaining(["data-postgres-0", "data-kafka-0", "data-minio-0"]));
    expect(a.dataLoss).toBe(true);
    const md = summarizePlan(p.plan, p.synth);
    expect(md).toContain("Kubernetes deletes namespace `lakehouse` and every object in it, so every PVC in it");
    expect(md).not.toContain("PVCs of its claim templates are kept");
  });

  test("-replace of the Kafka cluster id (a real plan with -replace): DATA LOSS, and Kafka's kept volume holds the old id", () => {
    const p = planScenario(scenario("dev-kafka-cluster-id"), path.join(work, "dev-kafka-cluster-id"), tc);
    const a = analyzePlan(p.plan, p.synth);
    expect(a.kafkaClusterIds).toEqual([expect.objectContaining({ layer: "Lakehouse/CdcConnector", action: "replace", storage: "kept" })]);
    expect(summarizePlan(p.plan, p.synth)).toContain("**DATA LOSS: the Kafka cluster id will be replaced: all topics, committed consumer offsets and Kafka Connect's offsets are lost.**");
  });

  test("a bigger PostgreSQL volume on Kubernetes (planned offline) is an in-place StatefulSet update, flagged as one that will not take effect", () => {
    const p = planScenario(scenario("k8s-postgres-storage"), path.join(work, "k8s-postgres-storage"), tc);
    const a = analyzePlan(p.plan, p.synth);
    expect(a.ineffective.map((c) => `${c.type} ${c.layer}/${c.id}`)).toEqual(["kubernetes_stateful_set_v1 Lakehouse/SourceDb/Resource"]);
    expect(a.alerts).toEqual([]);
  });
});
