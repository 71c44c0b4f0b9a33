/* eslint-disable @typescript-eslint/no-explicit-any -- walks OpenTofu's plan, state and schema JSON, which have no published types */
/**
 * Plans synthesized cdktf stacks with OpenTofu in scratch copies, for plan review
 * (scripts/plan-summary.ts, `npm run plan:summary`) and its tests (test/terraform/).
 *
 * Every plan runs in its own working directory: the stack's cdk.tf.json is copied there with an
 * override file that points the local backend at a state file of the caller's choosing, so the
 * stack's real state (terraform.<stack>.tfstate, which `cdktf deploy` uses) is never locked or
 * written. Nothing is applied.
 *
 * Base states without apply: `craftState` turns a plan of one configuration into the state an
 * apply of it would leave, from the plan's own planned values, with placeholders for the values
 * only an apply knows (ids, image ids, generated passwords). Values that the configuration derives
 * from those (a password inside an env string) are then taken from re-plans against the crafted
 * state until planning the same configuration against it shows no change. A second
 * configuration planned against that state with `-refresh=false` shows what changing it would
 * do: updates, and replacements with the attributes that force them.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { Toolchain } from "./terraform";

/** Where and how to plan one synthesized stack. */
export interface PlanOptions {
  /** State to plan against; missing file = empty state. Read, never written (`-lock=false`, no apply). */
  readonly statePath: string;
  /** Skip refreshing resources from the real infrastructure (required for crafted states). @default false */
  readonly refresh?: boolean;
  /**
   * Point the kubernetes provider at a kubeconfig that names no reachable cluster, so a
   * Kubernetes stack can be planned without one. Planning does not call the API server when
   * nothing is refreshed; combine with `refresh: false`.
   * @default false
   */
  readonly offlineKubernetes?: boolean;
  /** Extra `-var` / `-target` style arguments for `tofu plan`. @default [] */
  readonly extraArgs?: string[];
}

/** The result of planning one stack. */
export interface StackPlan {
  /** `tofu show -json` of the saved plan. */
  readonly plan: any;
  /** The synthesized stack (cdk.tf.json) that was planned. */
  readonly synth: any;
  /** The scratch directory (holds .terraform, the plan file and the override). */
  readonly dir: string;
  readonly seconds: { init: number; plan: number; show: number };
}

function tofu(tc: Toolchain, args: string[], cwd: string): { stdout: string; stderr: string; seconds: number } {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(tc.binary, args, {
    cwd,
    env: { ...tc.env, TF_IN_AUTOMATION: "1", CHECKPOINT_DISABLE: "1" },
    encoding: "utf8",
    maxBuffer: 256 * 1024 * 1024,
  });
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  if (r.error) throw new Error(`could not run ${tc.binary} ${args[0]}: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`${tc.binary} ${args.join(" ")} failed in ${cwd} (exit ${r.status}):\n${r.stdout}\n${r.stderr}`.trim());
  return { stdout: r.stdout, stderr: r.stderr, seconds };
}

/** A kubeconfig for a cluster that does not exist: enough for the provider to configure. */
const OFFLINE_KUBECONFIG = `apiVersion: v1
kind: Config
clusters:
- name: offline
  cluster:
    server: https://127.0.0.1:9
contexts:
- name: offline
  context:
    cluster: offline
    user: offline
current-context: offline
users:
- name: offline
  user:
    token: offline-planning-only
`;

/**
 * Copies a synthesized stack directory (cdktf.out/stacks/NAME) into `workDir` and writes the
 * override that redirects its backend. Returns `workDir`.
 */
export function prepareStackCopy(stackDir: string, workDir: string, opts: PlanOptions): string {
  if (!fs.existsSync(path.join(stackDir, "cdk.tf.json"))) throw new Error(`${stackDir}/cdk.tf.json not found (synthesize first)`);
  fs.mkdirSync(workDir, { recursive: true });
  for (const entry of fs.readdirSync(stackDir)) {
    if (entry === ".terraform" || entry.endsWith(".tfstate") || entry === "plan" || entry.endsWith("_override.tf.json")) continue;
    fs.cpSync(path.join(stackDir, entry), path.join(workDir, entry), { recursive: true });
  }
  const override: any = { terraform: { backend: { local: { path: path.resolve(opts.statePath) } } } };
  const synth = JSON.parse(fs.readFileSync(path.join(workDir, "cdk.tf.json"), "utf8"));
  if (opts.offlineKubernetes && synth.provider?.kubernetes) {
    const kubeconfig = path.join(path.resolve(workDir), "offline.kubeconfig");
    fs.writeFileSync(kubeconfig, OFFLINE_KUBECONFIG);
    override.provider = { kubernetes: { config_path: kubeconfig, config_context: "offline" } };
  }
  fs.writeFileSync(path.join(workDir, "plan_summary_override.tf.json"), JSON.stringify(override, null, 2));
  return workDir;
}

/** `tofu init` once per scratch copy. */
export function initCopy(dir: string, tc: Toolchain): number {
  if (fs.existsSync(path.join(dir, ".terraform", "terraform.tfstate"))) return 0;
  return tofu(tc, ["init", "-input=false", "-no-color"], dir).seconds;
}

/** Plans an initialized scratch copy against `opts.statePath`; returns the plan as JSON. */
export function planCopy(dir: string, tc: Toolchain, opts: PlanOptions): { plan: any; planSeconds: number; showSeconds: number } {
  const planFile = "plan.tfplan";
  const args = ["plan", "-input=false", "-no-color", "-lock=false", `-out=${planFile}`];
  if (opts.refresh === false) args.push("-refresh=false");
  const planned = tofu(tc, [...args, ...(opts.extraArgs ?? [])], dir);
  const shown = tofu(tc, ["show", "-json", planFile], dir);
  return { plan: JSON.parse(shown.stdout), planSeconds: planned.seconds, showSeconds: shown.seconds };
}

/** Copy, init and plan one synthesized stack directory in `workDir`. */
export function planStack(stackDir: string, workDir: string, tc: Toolchain, opts: PlanOptions): StackPlan {
  const dir = prepareStackCopy(stackDir, workDir, opts);
  const init = initCopy(dir, tc);
  const { plan, planSeconds, showSeconds } = planCopy(dir, tc, opts);
  const synth = JSON.parse(fs.readFileSync(path.join(dir, "cdk.tf.json"), "utf8"));
  return { plan, synth, dir, seconds: { init, plan: planSeconds, show: showSeconds } };
}

/** `tofu providers schema -json` of an initialized directory. */
export function providerSchemas(dir: string, tc: Toolchain): any {
  return JSON.parse(tofu(tc, ["providers", "schema", "-json"], dir).stdout);
}

// ---------------------------------------------------------------------------------------------
// Crafted states

type Path = (string | number)[];

/** A cty type from a provider schema: "string", ["list", T], ["object", {...}], ... */
type CtyType = string | [string, any] | [string, any, any];

function clone<T>(v: T): T {
  return v === undefined ? v : JSON.parse(JSON.stringify(v));
}

/** Leaves marked `true` in an after_unknown / after_sensitive tree, as paths. */
export function markedPaths(tree: any, at: Path = []): Path[] {
  if (tree === true) return [at];
  if (Array.isArray(tree)) return tree.flatMap((t, i) => markedPaths(t, [...at, i]));
  if (tree && typeof tree === "object") return Object.entries(tree).flatMap(([k, t]) => markedPaths(t, [...at, k]));
  return [];
}

function getAt(obj: any, p: Path): any {
  return p.reduce((o, k) => (o === undefined || o === null ? undefined : o[k as any]), obj);
}

function setAt(obj: any, p: Path, value: any): void {
  let o = obj;
  for (let i = 0; i < p.length - 1; i++) {
    if (o[p[i] as any] === undefined || o[p[i] as any] === null) o[p[i] as any] = typeof p[i + 1] === "number" ? [] : {};
    o = o[p[i] as any];
  }
  o[p[p.length - 1] as any] = value;
}

/** The cty type (or block) at a path of a resource schema; undefined when the schema does not say. */
function typeAt(block: any, p: Path): { type?: CtyType; block?: any; nesting?: string } | undefined {
  let current: { type?: CtyType; block?: any; nesting?: string } = { block };
  for (const key of p) {
    if (current.block) {
      if (typeof key === "number") {
        if (current.nesting && current.nesting !== "single" && current.nesting !== "group") current = { block: current.block };
        continue;
      }
      const attr = current.block.attributes?.[key];
      if (attr) {
        current = attr.type !== undefined ? { type: attr.type } : { type: "dynamic" };
        continue;
      }
      const nested = current.block.block_types?.[key];
      if (!nested) return undefined;
      current = { block: nested.block, nesting: nested.nesting_mode };
      continue;
    }
    const t = current.type;
    if (Array.isArray(t) && (t[0] === "list" || t[0] === "set" || t[0] === "map")) current = { type: t[1] };
    else if (Array.isArray(t) && t[0] === "object") current = { type: t[1][key as string] };
    else if (Array.isArray(t) && t[0] === "tuple") current = { type: t[1][key as number] };
    else return undefined;
  }
  return current;
}

/** The path of the outermost set (a set-nested block or a set-typed attribute) that `p` indexes into, if any. */
function setPrefix(block: any, p: Path): Path | undefined {
  for (let i = 1; i < p.length; i++) {
    if (typeof p[i] !== "number") continue;
    const kind = typeAt(block, p.slice(0, i));
    if (kind?.nesting === "set" || (Array.isArray(kind?.type) && kind!.type[0] === "set")) return p.slice(0, i);
  }
  return undefined;
}

/** A stand-in for a value only an apply knows, of the right type. */
function placeholder(kind: ReturnType<typeof typeAt>, label: string): any {
  if (!kind) return null;
  if (kind.block) return kind.nesting === "single" || kind.nesting === "group" ? null : [];
  const t = kind.type;
  if (t === "string") return `planned:${label}`;
  if (t === "number") return 0;
  if (t === "bool") return false;
  if (Array.isArray(t) && (t[0] === "list" || t[0] === "set")) return [];
  if (Array.isArray(t) && t[0] === "map") return {};
  return null;
}

/** The cty type of a JSON value, for state outputs. */
function ctyTypeOf(v: any): CtyType {
  if (typeof v === "string") return "string";
  if (typeof v === "number") return "number";
  if (typeof v === "boolean") return "bool";
  if (Array.isArray(v)) return ["tuple", v.map(ctyTypeOf)] as [string, any];
  if (v && typeof v === "object") return ["object", Object.fromEntries(Object.entries(v).map(([k, x]) => [k, ctyTypeOf(x)]))] as [string, any];
  return "dynamic";
}

/** A path as state's sensitive_attributes spell it: attributes by name, map keys and list elements by index. */
function statePath(p: Path, block: any): any[] {
  return p.map((k, i) => {
    if (typeof k === "number") return { type: "index", value: { value: k, type: "number" } };
    const parent = i === 0 ? { block } : typeAt(block, p.slice(0, i));
    const isMapKey = Array.isArray(parent?.type) && parent!.type[0] === "map";
    return isMapKey ? { type: "index", value: { value: k, type: "string" } } : { type: "get_attr", value: k };
  });
}

/**
 * sensitive_attributes of a crafted instance. The plan's after_sensitive marks a whole map when
 * any of its values is sensitive; an apply also records each sensitive value of it, and a
 * differing set of marks alone plans as an update, so map entries are marked as well.
 */
function sensitivePaths(paths: Path[], values: any, block: any): any[] {
  const all: Path[] = [];
  for (const p of paths) {
    all.push(p);
    const t = typeAt(block, p)?.type;
    const v = getAt(values, p);
    if (Array.isArray(t) && t[0] === "map" && v && typeof v === "object") for (const k of Object.keys(v)) all.push([...p, k]);
  }
  return all.map((p) => statePath(p, block));
}

/** The placeholder-filled paths of each resource, so re-plans can replace them with derived values. */
export interface CraftedState {
  readonly state: any;
  /** address -> paths that hold placeholders (values unknown when the base was planned). */
  readonly unknown: Map<string, Path[]>;
  /** address -> sensitive paths from the plan, and the resource schema, to re-derive marks after refining. */
  readonly marks: Map<string, { paths: Path[]; block: any }>;
}

/**
 * The state an apply of `plan` would leave: planned values, with placeholders where the plan
 * says "known after apply". Only root-module managed resources (what cdktf synthesizes).
 */
export function craftState(plan: any, schemas: any): CraftedState {
  const root = plan.planned_values?.root_module ?? {};
  if ((root.child_modules ?? []).length > 0) throw new Error("craftState: plans with child modules are not supported");
  const changes = new Map<string, any>((plan.resource_changes ?? []).map((rc: any) => [rc.address, rc]));
  const unknown = new Map<string, Path[]>();
  const marks = new Map<string, { paths: Path[]; block: any }>();
  const byResource = new Map<string, any>();
  for (const r of root.resources ?? []) {
    if (r.mode !== "managed") continue;
    const rc = changes.get(r.address);
    const schema = schemas.provider_schemas?.[r.provider_name]?.resource_schemas?.[r.type];
    if (!schema) throw new Error(`craftState: no schema for ${r.type} in provider ${r.provider_name}`);
    const values = clone(r.values ?? {});
    const paths = markedPaths(rc?.change?.after_unknown ?? {});
    for (const p of paths) setAt(values, p, placeholder(typeAt(schema.block, p), `${r.address}.${p.join(".")}`));
    unknown.set(r.address, paths);
    const sensitive = markedPaths(rc?.change?.after_sensitive ?? {});
    marks.set(r.address, { paths: sensitive, block: schema.block });
    const key = `${r.type}.${r.name}`;
    let resource = byResource.get(key);
    if (!resource) {
      resource = { mode: "managed", type: r.type, name: r.name, provider: `provider["${r.provider_name}"]`, instances: [] };
      if (r.index !== undefined) resource.each = typeof r.index === "number" ? "list" : "map";
      byResource.set(key, resource);
    }
    resource.instances.push({
      ...(r.index !== undefined ? { index_key: r.index } : {}),
      schema_version: r.schema_version ?? schema.version ?? 0,
      attributes: values,
      sensitive_attributes: sensitivePaths(sensitive, values, schema.block),
    });
  }
  const outputs: Record<string, any> = {};
  for (const [name, o] of Object.entries<any>(root.outputs ?? {})) {
    if (o.value === undefined) continue;
    outputs[name] = { value: o.value, type: ctyTypeOf(o.value), ...(o.sensitive ? { sensitive: true } : {}) };
  }
  const state = {
    version: 4,
    terraform_version: plan.terraform_version,
    serial: 1,
    lineage: "00000000-0000-4000-8000-000000000000",
    outputs,
    resources: [...byResource.values()],
    check_results: null,
  };
  return { state, unknown, marks };
}

/**
 * Replaces placeholders with the values that a plan against the crafted state derived for them
 * (e.g. an env entry built from a generated password). Returns how many values changed.
 */
export function refineState(crafted: CraftedState, plan: any): number {
  let changed = 0;
  const instances = new Map<string, any>();
  for (const r of crafted.state.resources) {
    for (const inst of r.instances) {
      const idx = inst.index_key === undefined ? "" : typeof inst.index_key === "number" ? `[${inst.index_key}]` : `["${inst.index_key}"]`;
      instances.set(`${r.type}.${r.name}${idx}`, inst);
    }
  }
  for (const rc of plan.resource_changes ?? []) {
    const actions: string[] = rc.change?.actions ?? [];
    if (actions.length === 1 && (actions[0] === "no-op" || actions[0] === "read")) continue;
    const inst = instances.get(rc.address);
    if (!inst) continue;
    const m = crafted.marks.get(rc.address);
    for (const unknownPath of crafted.unknown.get(rc.address) ?? []) {
      // A set's elements are ordered by value, so a placeholder's index need not be the derived
      // value's: refine the whole set, once nothing in it is unknown.
      const set = m && setPrefix(m.block, unknownPath);
      const p = set ?? unknownPath;
      if (set ? markedPaths(getAt(rc.change.after_unknown, set)).length > 0 : getAt(rc.change.after_unknown, p) === true) continue;
      // a whole unknown attribute (p) may be known now, or only partly (some elements)
      const after = getAt(rc.change.after, p);
      if (after === undefined) continue;
      if (JSON.stringify(after) !== JSON.stringify(getAt(inst.attributes, p))) {
        setAt(inst.attributes, p, clone(after));
        changed++;
        // the sensitive marks' indices follow this plan's element order
        if (m && set) m.paths = markedPaths(rc.change.after_sensitive ?? {});
      }
    }
    if (m) inst.sensitive_attributes = sensitivePaths(m.paths, inst.attributes, m.block);
  }
  for (const [name, oc] of Object.entries<any>(plan.output_changes ?? {})) {
    if (oc.after_unknown === true || oc.after === undefined || oc.after === null) continue;
    const prior = crafted.state.outputs[name];
    if (!prior || JSON.stringify(prior.value) !== JSON.stringify(oc.after)) {
      crafted.state.outputs[name] = { value: oc.after, type: ctyTypeOf(oc.after), ...(oc.after_sensitive === true ? { sensitive: true } : {}) };
      changed++;
    }
  }
  crafted.state.serial++;
  return changed;
}

/** Resource changes other than no-op and read. */
export function pendingChanges(plan: any): string[] {
  return (plan.resource_changes ?? [])
    .filter((rc: any) => !(rc.change.actions.length === 1 && ["no-op", "read"].includes(rc.change.actions[0])))
    .map((rc: any) => `${rc.address} (${rc.change.actions.join(",")})`);
}

/** Outputs whose planned value differs from the state's. */
function pendingOutputs(plan: any): string[] {
  return Object.entries<any>(plan.output_changes ?? {})
    .filter(([, oc]) => !(oc.actions.length === 1 && oc.actions[0] === "no-op"))
    .map(([name, oc]) => `output.${name} (${oc.actions.join(",")})`);
}

/**
 * The state that applying `base` (a synthesized stack directory) would leave, crafted without
 * applying: plan against an empty state, craft, then re-plan and refine until the same
 * configuration plans with no change. Writes it to `statePath`.
 */
export function craftBaseState(
  baseStackDir: string,
  workDir: string,
  statePath: string,
  tc: Toolchain,
  opts: Pick<PlanOptions, "offlineKubernetes"> & { maxRounds?: number; log?: (s: string) => void } = {},
): { rounds: number; seconds: number } {
  const t0 = Date.now();
  const log = opts.log ?? (() => {});
  // The same backend path throughout (changing it would need a re-init): absent = empty state.
  fs.rmSync(statePath, { force: true });
  const dir = prepareStackCopy(baseStackDir, workDir, { statePath, offlineKubernetes: opts.offlineKubernetes });
  initCopy(dir, tc);
  const first = planCopy(dir, tc, { statePath, refresh: false }).plan;
  const crafted = craftState(first, providerSchemas(dir, tc));
  const maxRounds = opts.maxRounds ?? 8;
  for (let round = 1; round <= maxRounds; round++) {
    fs.writeFileSync(statePath, JSON.stringify(crafted.state, null, 1));
    const { plan } = planCopy(dir, tc, { statePath, refresh: false });
    const pending = [...pendingChanges(plan), ...pendingOutputs(plan)];
    log(`crafted state round ${round}: ${pending.length} pending change(s)`);
    if (pending.length === 0) return { rounds: round, seconds: (Date.now() - t0) / 1000 };
    const changed = refineState(crafted, plan);
    if (changed === 0) {
      throw new Error(`crafted state does not converge: re-planning the base still changes ${pending.join(", ")}`);
    }
  }
  throw new Error(`crafted state did not converge in ${maxRounds} rounds`);
}

// ---------------------------------------------------------------------------------------------
// Fixtures: trimmed copies for unit tests (test/fixtures/plan-summary/)

/** The parts of a plan the summary reads; other values, prior state and configuration dropped. */
export function trimPlan(plan: any): any {
  return {
    format_version: plan.format_version,
    terraform_version: plan.terraform_version,
    // no-op and read entries say nothing the summary shows
    resource_changes: (plan.resource_changes ?? [])
      .filter((rc: any) => !(rc.change.actions.length === 1 && ["no-op", "read"].includes(rc.change.actions[0])))
      .map((rc: any) => ({
        address: rc.address,
        mode: rc.mode,
        type: rc.type,
        name: rc.name,
        ...(rc.index !== undefined ? { index: rc.index } : {}),
        ...(rc.action_reason ? { action_reason: rc.action_reason } : {}),
        change: {
          actions: rc.change.actions,
          ...(rc.change.replace_paths ? { replace_paths: rc.change.replace_paths } : {}),
          ...keptValues(rc),
        },
      })),
    output_changes: Object.fromEntries(
      Object.entries<any>(plan.output_changes ?? {})
        .filter(([, v]) => v.actions.join() !== "no-op")
        .map(([k, v]) => [k, { actions: v.actions }]),
    ),
    errored: plan.errored,
  };
}

/**
 * Environment variables the summary reads: the Flink configuration (is high availability on?)
 * and the Flink job name (a new SQL version?). Other values may hold secrets and are dropped.
 */
const KEPT_ENV = new Set(["FLINK_PROPERTIES", "JOB_NAME"]);
/** The schema job's SQL, for the DDL diff: the uploaded file (Docker) and its ConfigMap key (Kubernetes). */
const KEPT_FILES = new Set(["/job/schema.sql", "job_schema.sql"]);

/** The before/after values the summary reads, per resource type; undefined parts left out. */
function keptValues(rc: any): { before?: any; after?: any } {
  const t: string = rc.type;
  const change = rc.change;
  let pick: ((v: any) => any) | undefined;
  if (t === "docker_container") {
    pick = (v) => ({
      // whether a container has volumes, for resources that are no longer in the configuration
      ...(v.volumes?.length ? { volumes: v.volumes } : {}),
      ...(Array.isArray(v.env) ? { env: v.env.filter((e: any) => typeof e === "string" && KEPT_ENV.has(e.split("=")[0])) } : {}),
      ...(Array.isArray(v.upload) ? { upload: v.upload.filter((u: any) => KEPT_FILES.has(u?.file)).map((u: any) => ({ file: u.file, content: u.content })) } : {}),
    });
  } else if (/^kubernetes_(deployment|stateful_set|job)(_v\d+)?$/.test(t)) {
    // An in-place update keeps the whole pod template (no secret values: those are references), to tell a pod template change from a scale.
    const whole = change.actions.join() === "update" && !/^kubernetes_job/.test(t);
    pick = (v) => ({
      spec: (v.spec ?? []).map((sp: any) => ({
        // the claim templates of a StatefulSet, to spot in-place changes Kubernetes ignores
        ...(/^kubernetes_stateful_set/.test(t) ? { volume_claim_template: sp.volume_claim_template } : {}),
        template: whole ? sp.template : (sp.template ?? []).map(envOnly),
      })),
    });
  } else if (/^kubernetes_config_map(_v\d+)?$/.test(t)) {
    pick = (v) => ({ data: Object.fromEntries(Object.entries<any>(v.data ?? {}).filter(([k]) => KEPT_FILES.has(k))) });
  } else if (/^kubernetes_namespace(_v\d+)?$/.test(t)) {
    pick = (v) => ({ metadata: (v.metadata ?? []).map((m: any) => ({ name: m.name })) });
  }
  if (!pick) return {};
  return {
    ...(change.before ? { before: pick(change.before) } : {}),
    ...(change.after ? { after: pick(change.after) } : {}),
  };
}

/** A pod template reduced to its containers' kept environment variables. */
function envOnly(template: any): any {
  return {
    spec: (template?.spec ?? []).map((ps: any) => ({
      container: (ps.container ?? []).map((c: any) => ({ env: (c.env ?? []).filter((e: any) => KEPT_ENV.has(e?.name)).map((e: any) => ({ name: e.name, value: e.value })) })),
    })),
  };
}

/**
 * The parts of a synthesized stack the summary reads: construct paths, the volumes of
 * containers, Kubernetes names and namespaces, StatefulSets' replicas and claim names, and the
 * Flink configuration.
 */
export function trimSynth(synth: any): any {
  const resource: Record<string, Record<string, any>> = {};
  for (const [type, byName] of Object.entries<any>(synth.resource ?? {})) {
    resource[type] = {};
    for (const [name, r] of Object.entries<any>(byName)) {
      const kept: any = { "//": { metadata: { path: r["//"]?.metadata?.path } } };
      if (r.volumes !== undefined) kept.volumes = r.volumes;
      if (type === "docker_container" && Array.isArray(r.env)) {
        const env = r.env.filter((e: any) => typeof e === "string" && e.startsWith("FLINK_PROPERTIES="));
        if (env.length) kept.env = env;
      }
      if (type.startsWith("kubernetes_") && r.metadata) kept.metadata = { name: r.metadata.name, namespace: r.metadata.namespace };
      if (/^kubernetes_(deployment|stateful_set)(_v\d+)?$/.test(type) && r.spec) {
        const containers = r.spec.template?.spec?.container ?? [];
        const flink = containers.map((c: any) => ({ env: (c.env ?? []).filter((e: any) => e?.name === "FLINK_PROPERTIES") }));
        kept.spec = {
          ...(/^kubernetes_stateful_set/.test(type)
            ? { replicas: r.spec.replicas, volume_claim_template: (r.spec.volume_claim_template ?? []).map((t: any) => ({ metadata: { name: t.metadata?.name } })) }
            : {}),
          ...(flink.some((c: any) => c.env.length) ? { template: { spec: { container: flink } } } : {}),
        };
      }
      resource[type][name] = kept;
    }
  }
  return { "//": { metadata: { stackName: synth["//"]?.metadata?.stackName } }, resource };
}
