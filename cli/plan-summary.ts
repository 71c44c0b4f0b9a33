/**
 * Plan review: turns a stack's plan (`tofu show -json PLANFILE`) and its synthesized
 * configuration (cdktf.out/stacks/NAME/cdk.tf.json) into a short markdown summary for a pull
 * request: what is added, changed, replaced and destroyed per layer, with replacements and
 * destruction of stateful resources flagged first and loudly, and what the change does to the
 * running pipeline: data lost with a Kubernetes namespace, a new Kafka cluster id, a Flink job
 * restart, a schema migration with its DDL.
 *
 * Pure functions, no I/O: scripts/plan-summary.ts runs the plans.
 */

/** What happens to one resource. */
export type ChangeAction = "create" | "update" | "replace" | "delete" | "forget";

/** How a resource holds state, which decides how loudly its replacement is flagged. */
export type StatefulKind =
  /** Holds the data itself (a Docker volume, a PVC, a PV, a Kubernetes namespace with its PVCs): replacing or destroying it deletes the data. */
  | "data"
  /** A service that keeps data on volumes (a container with volumes, a StatefulSet): replacing it means downtime. */
  | "service"
  /** A generated credential: replacing it rotates the secret, and stores that kept the old one break. */
  | "credential";

/** One resource change, mapped to the construct that declared it. */
export interface ResourceChangeSummary {
  /** Terraform address, e.g. `docker_container.Lakehouse_SourceDb_528BF6D1`. */
  readonly address: string;
  readonly type: string;
  readonly action: ChangeAction;
  /** Replacements only: `delete-first` (the default) or `create-first` (create_before_destroy). */
  readonly order?: "delete-first" | "create-first";
  /** Layer key: the construct path of the resource's parent, relative to the stack, e.g. `Lakehouse/SourceDb`. */
  readonly layer: string;
  /** The construct id of the resource inside its layer, e.g. `ResourceVolumeData`. */
  readonly id: string;
  /** Attributes that force the replacement, e.g. `ports[0].external`. */
  readonly forcedBy: string[];
  /** Tofu's reason for a replacement (`replace_because_cannot_update`, `replace_because_tainted`, `replace_by_request`). */
  readonly reason?: string;
  readonly stateful?: StatefulKind;
  /** Addresses of the docker_volume resources a container mounts (from the synthesized stack). */
  readonly volumes?: string[];
  /** A change that the plan shows but that will not take effect as written (see the summary text). */
  readonly ineffective?: string;
}

/** Counts per layer, with replacements separate from adds and destroys. */
export interface LayerSummary {
  /** Layer key (see {@link ResourceChangeSummary.layer}). */
  readonly layer: string;
  /** Short name shown in the summary: the last path segment, or the full key if that is ambiguous. */
  readonly name: string;
  readonly create: number;
  readonly update: number;
  readonly replace: number;
  readonly delete: number;
  readonly changes: ResourceChangeSummary[];
}

/** A Kubernetes namespace that is replaced or destroyed: Kubernetes deletes everything in it. */
export interface NamespaceLoss {
  /** Terraform address of the namespace. */
  readonly address: string;
  /** The namespace whose objects are deleted (the name before the change). */
  readonly name: string;
  readonly action: "replace" | "delete";
  /** The PVCs of the StatefulSets in it (`<claim>-<statefulset>-<ordinal>`), deleted with it. */
  readonly pvcs: { readonly name: string; readonly statefulSet: string; readonly layer: string; readonly id: string }[];
  /** Resources of the configuration in it that the plan does not create again: Kubernetes deletes them, Terraform recreates them only on a later plan. */
  readonly notRecreated: string[];
}

/** A Kafka cluster id (the random_id `ClusterId` of a CdcConnector) that is replaced or destroyed. */
export interface KafkaClusterIdChange {
  readonly address: string;
  readonly layer: string;
  readonly action: "replace" | "delete";
  /**
   * What happens to the broker's storage in the same plan: `lost` (replaced or destroyed: Kafka
   * starts empty), `kept` (it holds the old id: the broker refuses to start), `unknown`.
   */
  readonly storage: "lost" | "kept" | "unknown";
  /** The Kafka workload (container or StatefulSet), when the plan or configuration names it. */
  readonly kafka?: string;
  /** The storage resources behind {@link storage}: volumes, or PVCs of a lost namespace. */
  readonly storageResources: string[];
}

/**
 * Which part of a StreamJob layer a resource is: the Flink session cluster (`jobmanager`,
 * `taskmanager`, `gateway`), what owns the Flink job (`keeper`, a service that keeps it running
 * and restores it; or `submit`, a one-shot job that submits it), or the deploy step that waits for
 * it (`rollout`).
 */
export type PipelineRole = "jobmanager" | "taskmanager" | "gateway" | "submit" | "keeper" | "rollout";

/** A change to one component of a StreamJob layer. */
export interface PipelineComponentChange {
  readonly address: string;
  readonly id: string;
  readonly role: PipelineRole;
  readonly action: ChangeAction;
  /** Kubernetes, in-place updates: the pod template changes, so its pods are replaced (a rolling update). */
  readonly podTemplateChanged?: boolean;
  /** Replacements: the attributes that force it. */
  readonly forcedBy: string[];
}

/**
 * What a plan does to the Flink job of one StreamJob layer: which components it replaces and
 * whether the job stops, and how it comes back.
 */
export interface PipelineRestart {
  readonly layer: string;
  /** The running Flink job stops (false: only the SQL Gateway or the deploy step changes, or the job's owner re-runs the same SQL). */
  readonly stops: boolean;
  /**
   * How the job comes back: `checkpoint` (from its newest retained checkpoint or savepoint),
   * `new-job` (submitted again as a new job, from the SQL's Kafka startup offsets),
   * `not-resubmitted` (nothing in this plan submits it again), or `state-lost` (the object store
   * that holds the checkpoints and savepoints loses its storage in the same plan).
   */
  readonly resumes: "checkpoint" | "new-job" | "not-resubmitted" | "state-lost";
  /** Storage of the object store (the warehouse's MinIO) deleted by this plan: the retained checkpoints and savepoints go with it. */
  readonly retainedStateLost: string[];
  /** The JobManager's container or pods are replaced: the job stops with it. */
  readonly jobManagerReplaced: boolean;
  /**
   * What brings the job back on a new JobManager: `keeper` (the layer's keeper service restores
   * the newest retained checkpoint or savepoint from S3), `flink-ha` (Flink high availability in
   * the JobManager's configuration), or `none` (a JobManager keeps its jobs only in memory).
   */
  readonly recovery: "keeper" | "flink-ha" | "none";
  /** The job's owner (keeper or submit job) starts again in this plan. */
  readonly ownerRuns: boolean;
  /** The Flink job name (it carries a hash of the SQL) before and after, from the JOB_NAME of the layer's workloads. */
  readonly jobName?: { readonly before?: string; readonly after?: string };
  readonly components: PipelineComponentChange[];
}

/** A changed `schema.sql` of a SourceDb schema job. */
export interface SchemaMigration {
  readonly layer: string;
  /** The resource that carries the file: the job's container (Docker) or its ConfigMap (Kubernetes). */
  readonly address: string;
  /** The job that applies it. */
  readonly job?: string;
  /** The job runs again in this plan and applies the new file (false: the file changes but nothing runs it). */
  readonly runs: boolean;
  /** DDL lines added and removed (a line diff of the old and new schema.sql), blank lines left out. */
  readonly added: string[];
  readonly removed: string[];
  /** The diff as `+`/`-` lines in file order. */
  readonly diff: string[];
  /**
   * Tables whose `CREATE TABLE IF NOT EXISTS` statement changes while the file adds no column
   * anywhere: PostgreSQL skips the statement for a table that exists, so the change does nothing there.
   */
  readonly createTableChanges: string[];
}

/** A plan, analyzed. */
export interface PlanAnalysis {
  readonly stack: string;
  /** Terraform's own totals (a replacement counts as one add and one destroy). */
  readonly totals: { readonly add: number; readonly change: number; readonly destroy: number };
  readonly layers: LayerSummary[];
  /** Stateful resources replaced or destroyed, most severe first. */
  readonly alerts: ResourceChangeSummary[];
  /** In-place changes that will not take effect, e.g. a StatefulSet's volume claim templates. */
  readonly ineffective: ResourceChangeSummary[];
  /** Kubernetes namespaces replaced or destroyed, with the PVCs that go with them. */
  readonly namespaces: NamespaceLoss[];
  /** Kafka cluster ids replaced or destroyed. */
  readonly kafkaClusterIds: KafkaClusterIdChange[];
  /** Flink jobs the plan stops or touches, per StreamJob layer. */
  readonly pipelines: PipelineRestart[];
  /** SourceDb schema changes, with their DDL diff. */
  readonly schemaMigrations: SchemaMigration[];
  /**
   * Data is deleted: a volume, PVC, PV or namespace replaced or destroyed, or a Kafka cluster id
   * replaced. What `--fail-on-data-loss` stops on; the summary then says `DATA LOSS`.
   */
  readonly dataLoss: boolean;
  /** Resource changes whose address is not in the synthesized stack: resources removed from the configuration. */
  readonly unmapped: number;
  readonly outputs: { readonly create: number; readonly update: number; readonly delete: number };
  /** The plan stopped on an error: the summary is incomplete. */
  readonly errored: boolean;
}

/** Options of {@link summarizePlan}. */
export interface PlanSummaryOptions {
  /**
   * Stack name in the heading.
   * @default - the stackName in the synthesized stack's metadata
   */
  readonly stack?: string;
  /**
   * Heading level of the summary's title.
   * @default 2
   */
  readonly headingLevel?: number;
  /**
   * A line under the title saying what the plan was made against, e.g. the base branch.
   * @default - none
   */
  readonly note?: string;
}

const DATA_TYPES = /^kubernetes_persistent_volume(_claim)?(_v\d+)?$|^docker_volume$|^kubernetes_namespace(_v\d+)?$/;
const NAMESPACE_TYPES = /^kubernetes_namespace(_v\d+)?$/;
const SERVICE_TYPES = /^kubernetes_stateful_set(_v\d+)?$/;
const CREDENTIAL_TYPES = /^random_password$|^tls_private_key$/;
/** Resources that run a Flink component: containers, Deployments, StatefulSets, Jobs. */
const WORKLOAD_TYPES = /^docker_container$|^kubernetes_(deployment|stateful_set|job)(_v\d+)?$/;
const KUBE_POD_OWNERS = /^kubernetes_(deployment|stateful_set)(_v\d+)?$/;
const OUTSIDE = "(not in the configuration)";
/** Where SourceDb's schema job finds its SQL: the uploaded file (Docker), the ConfigMap key (Kubernetes). */
const SCHEMA_FILE = "/job/schema.sql";
const SCHEMA_KEY = "job_schema.sql";

/** One resource change of `tofu show -json`: the parts the summary reads. Attribute values stay `unknown` and are read with {@link field}. */
export interface PlanResourceChange {
  readonly address: string;
  readonly type: string;
  readonly name: string;
  readonly mode?: string;
  readonly action_reason?: string;
  readonly change?: {
    readonly actions?: string[];
    readonly before?: unknown;
    readonly after?: unknown;
    readonly replace_paths?: (string | number)[][];
  };
}

/** A plan as `tofu show -json PLANFILE` prints it: the parts the summary reads. */
export interface PlanJson {
  readonly resource_changes?: PlanResourceChange[];
  readonly output_changes?: Record<string, { readonly actions?: string[] }>;
  readonly errored?: boolean;
}

/** A synthesized resource with its address and placement. */
interface SynthEntry {
  readonly address: string;
  readonly type: string;
  readonly block: unknown;
  readonly layer: string;
  readonly id: string;
}

/** An attribute of a JSON object; undefined for anything that is not an object or lacks it. */
function field(value: unknown, key: string): unknown {
  return typeof value === "object" && value !== null ? (value as Record<string, unknown>)[key] : undefined;
}

/** The entries of a JSON object; none for anything else. */
function entriesOf(value: unknown): [string, unknown][] {
  return typeof value === "object" && value !== null ? Object.entries(value) : [];
}

/** The resource's synthesized block, by address (`type.name`, `type.name[0]`, `type.name["k"]`). */
function synthResource(synth: unknown, type: string, name: string): unknown {
  return field(field(field(synth, "resource"), type), name);
}

/** Plan JSON holds nested blocks as lists, cdk.tf.json mostly as objects: the first (only) block either way. */
function one(v: unknown): unknown {
  return Array.isArray(v) ? v[0] : v;
}

function list(v: unknown): unknown[] {
  return Array.isArray(v) ? v : v === undefined || v === null ? [] : [v];
}

function action(actions: string[]): ChangeAction | undefined {
  const a = actions.join(",");
  switch (a) {
    case "create":
      return "create";
    case "update":
      return "update";
    case "delete":
      return "delete";
    case "delete,create":
    case "create,delete":
      return "replace";
    case "forget":
      return "forget";
    default:
      return undefined; // no-op, read
  }
}

/** JSON without empty values, so `null`, `""`, `{}` and `[]` (SDKv2 plan noise) compare equal. */
function meaningful(v: unknown): unknown {
  if (Array.isArray(v)) {
    const items = v.map(meaningful).filter((x) => x !== undefined);
    return items.length ? items : undefined;
  }
  if (v && typeof v === "object") {
    const entries = Object.entries(v)
      .map(([k, x]) => [k, meaningful(x)] as const)
      .filter(([, x]) => x !== undefined);
    return entries.length ? Object.fromEntries(entries.sort(([a], [b]) => a.localeCompare(b))) : undefined;
  }
  return v === null || v === "" ? undefined : v;
}

/** Why an in-place update will not do what the plan shows, if it will not. */
function ineffectiveUpdate(type: string, rc: PlanResourceChange): string | undefined {
  if (!SERVICE_TYPES.test(type)) return undefined;
  const claims = (v: unknown) => JSON.stringify(meaningful(list(field(v, "spec")).map((s) => field(s, "volume_claim_template"))) ?? null);
  if (claims(rc.change?.before) === claims(rc.change?.after)) return undefined;
  return "its volume claim templates change, but Kubernetes keeps a StatefulSet's volumeClaimTemplates as created (the provider patches only replicas, the pod template and the update strategy): existing PVCs keep their size and class. Resize the PVCs themselves, or recreate the StatefulSet";
}

function mountedVolumes(block: unknown): string[] | undefined {
  const volumes = field(block, "volumes");
  const refs = (Array.isArray(volumes) ? (volumes as unknown[]) : [])
    .map((v) => /^\$\{(docker_volume\.[A-Za-z0-9_-]+)\.(name|id)\}$/.exec(String(field(v, "volume_name") ?? ""))?.[1])
    .filter((a): a is string => a !== undefined);
  return refs.length ? refs : undefined;
}

function statefulKind(type: string, synthBlock: unknown, rc: PlanResourceChange): StatefulKind | undefined {
  if (DATA_TYPES.test(type)) return "data";
  if (SERVICE_TYPES.test(type)) return "service";
  if (CREDENTIAL_TYPES.test(type)) return "credential";
  if (type === "docker_container") {
    const volumes = [field(synthBlock, "volumes"), field(rc.change?.before, "volumes"), field(rc.change?.after, "volumes")];
    if (volumes.some((v) => Array.isArray(v) && v.length > 0)) return "service";
  }
  return undefined;
}

/** `[["ports", 0, "external"]]` -> `ports[0].external`. */
function attributePath(p: (string | number)[]): string {
  return p.map((k, i) => (typeof k === "number" ? `[${k}]` : i === 0 ? k : `.${k}`)).join("");
}

/** Where a resource sits: its layer (parent construct path below the stack) and its own id. */
function placement(synthBlock: unknown): { layer: string; id: string } {
  const constructPath = field(field(field(synthBlock, "//"), "metadata"), "path");
  if (typeof constructPath !== "string" || !constructPath) return { layer: OUTSIDE, id: "" };
  const parts = constructPath.split("/").slice(1); // drop the stack
  const id = parts.pop() ?? "";
  return { layer: parts.length > 0 ? parts.join("/") : "(stack)", id };
}

/** Every synthesized resource with its address and placement. */
function synthEntries(synth: unknown): SynthEntry[] {
  const out: SynthEntry[] = [];
  for (const [type, byName] of entriesOf(field(synth, "resource"))) {
    for (const [name, block] of entriesOf(byName)) out.push({ address: `${type}.${name}`, type, block, ...placement(block) });
  }
  return out;
}

/**
 * Plain environment variables of a container (Docker: `env` as `K=V` strings) or of the first
 * container of a pod template (Kubernetes Deployment, StatefulSet, Job), in plan or synth shape.
 */
export function plainEnv(value: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (!value) return out;
  const env = field(value, "env");
  if (Array.isArray(env)) {
    for (const e of env as unknown[]) {
      if (typeof e !== "string") continue;
      const i = e.indexOf("=");
      if (i > 0) out[e.slice(0, i)] = e.slice(i + 1);
    }
    return out;
  }
  const pod = one(field(one(field(one(field(value, "spec")), "template")), "spec"));
  for (const c of list(field(pod, "container"))) {
    for (const e of list(field(c, "env"))) {
      const [name, v] = [field(e, "name"), field(e, "value")];
      if (typeof name === "string" && typeof v === "string") out[name] = v;
    }
  }
  return out;
}

/** Files a workload carries: Docker `upload` (by path) or a ConfigMap's `data` (by key). */
function files(value: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  for (const u of list(field(value, "upload"))) {
    const [file, content] = [field(u, "file"), field(u, "content")];
    if (typeof file === "string" && typeof content === "string") out[file] = content;
  }
  const data = one(field(value, "data"));
  if (data && typeof data === "object") for (const [k, v] of Object.entries(data)) if (typeof v === "string") out[k] = v;
  return out;
}

function schemaSqlOf(value: unknown): string | undefined {
  const f = files(value);
  return f[SCHEMA_FILE] ?? f[SCHEMA_KEY];
}

/** A Flink configuration with high availability switched on (`high-availability.type: kubernetes`, `high-availability: zookeeper`, ...). */
function flinkHa(flinkProperties: string | undefined): boolean {
  return /^\s*high-availability(\.type)?\s*:\s*(?!none\s*$|NONE\s*$)\S/m.test(flinkProperties ?? "");
}

function podTemplate(value: unknown): unknown {
  return one(field(one(field(value, "spec")), "template"));
}

function pipelineRole(id: string): PipelineRole | undefined {
  if (id === "JobManager") return "jobmanager";
  if (/^TaskManager\d*$/.test(id)) return "taskmanager";
  if (id === "SqlGateway") return "gateway";
  if (id === "SubmitJob") return "submit";
  if (id === "Keeper") return "keeper";
  if (id === "Rollout") return "rollout";
  return undefined;
}

/** The name and namespace of a Kubernetes object's metadata, in plan or synth shape. */
function kubeMeta(block: unknown): { name?: string; namespace?: string } {
  const m = one(field(block, "metadata"));
  const [name, namespace] = [field(m, "name"), field(m, "namespace")];
  return { name: typeof name === "string" ? name : undefined, namespace: typeof namespace === "string" ? namespace : undefined };
}

/** A line diff (longest common subsequence): `+`/`-` lines in order, blank lines left out. */
export function lineDiff(before: string, after: string): { added: string[]; removed: string[]; diff: string[]; addedAt: number[]; removedAt: number[] } {
  const a = before.split("\n");
  const b = after.split("\n");
  const lcs: number[][] = Array.from({ length: a.length + 1 }, () => new Array<number>(b.length + 1).fill(0));
  for (let i = a.length - 1; i >= 0; i--) for (let j = b.length - 1; j >= 0; j--) lcs[i][j] = a[i] === b[j] ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
  const added: string[] = [];
  const removed: string[] = [];
  const diff: string[] = [];
  const addedAt: number[] = [];
  const removedAt: number[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (i < a.length && j < b.length && a[i] === b[j]) {
      i++;
      j++;
    } else if (j >= b.length || (i < a.length && lcs[i + 1][j] >= lcs[i][j + 1])) {
      if (a[i].trim()) {
        removed.push(a[i]);
        diff.push(`-${a[i]}`);
        removedAt.push(i);
      }
      i++;
    } else {
      if (b[j].trim()) {
        added.push(b[j]);
        diff.push(`+${b[j]}`);
        addedAt.push(j);
      }
      j++;
    }
  }
  return { added, removed, diff, addedAt, removedAt };
}

/** The table of the `CREATE TABLE IF NOT EXISTS name (` ... `);` statement each line belongs to, if any. */
function createTableLines(sql: string): (string | undefined)[] {
  let table: string | undefined;
  return sql.split("\n").map((line) => {
    const start = /^\s*CREATE\s+TABLE\s+IF\s+NOT\s+EXISTS\s+("?[\w.]+"?)/i.exec(line);
    if (start) table = start[1].replace(/"/g, "");
    const current = table;
    if (/\)\s*;\s*$/.test(line)) table = undefined;
    return current;
  });
}

/** Analyzes a plan against the synthesized stack it was made from. */
export function analyzePlan(plan: PlanJson, synth: unknown, options: PlanSummaryOptions = {}): PlanAnalysis {
  const changes: ResourceChangeSummary[] = [];
  const raw = new Map<string, PlanResourceChange>();
  let unmapped = 0;
  for (const rc of plan?.resource_changes ?? []) {
    if (rc.mode !== undefined && rc.mode !== "managed") continue;
    const act = action(rc.change?.actions ?? []);
    if (!act) continue;
    const block = synthResource(synth, rc.type, rc.name);
    const where = placement(block);
    if (where.layer === OUTSIDE) unmapped++;
    raw.set(rc.address, rc);
    changes.push({
      address: rc.address,
      type: rc.type,
      action: act,
      order: act === "replace" ? (rc.change?.actions?.[0] === "create" ? "create-first" : "delete-first") : undefined,
      layer: where.layer,
      id: where.id,
      forcedBy: (rc.change?.replace_paths ?? []).map(attributePath),
      reason: rc.action_reason,
      stateful: statefulKind(rc.type, block, rc),
      ineffective: act === "update" ? ineffectiveUpdate(rc.type, rc) : undefined,
      volumes: mountedVolumes(block),
    });
  }

  const byLayer = new Map<string, ResourceChangeSummary[]>();
  for (const c of changes) byLayer.set(c.layer, [...(byLayer.get(c.layer) ?? []), c]);
  const keys = [...byLayer.keys()].sort((a, b) => (a === OUTSIDE ? 1 : b === OUTSIDE ? -1 : a.localeCompare(b)));
  const lastSegment = (k: string) => k.split("/").pop()!;
  const ambiguous = (k: string) => keys.filter((o) => lastSegment(o) === lastSegment(k)).length > 1;
  const layers = keys.map((k) => {
    const items = byLayer.get(k)!.sort((a, b) => a.address.localeCompare(b.address));
    const count = (a: ChangeAction) => items.filter((c) => c.action === a).length;
    return {
      layer: k,
      name: k === OUTSIDE || ambiguous(k) ? k : lastSegment(k),
      create: count("create"),
      update: count("update"),
      replace: count("replace"),
      delete: count("delete"),
      changes: items,
    };
  });

  const severity = (c: ResourceChangeSummary) => (c.stateful === "data" ? 0 : c.stateful === "service" ? 1 : 2);
  const alerts = changes.filter((c) => c.stateful && (c.action === "replace" || c.action === "delete")).sort((a, b) => severity(a) - severity(b) || a.address.localeCompare(b.address));

  const entries = synthEntries(synth);
  const namespaces = namespaceLosses(changes, raw, entries);
  const kafkaClusterIds = clusterIdChanges(changes, entries, namespaces);
  const pipelines = pipelineRestarts(changes, raw, entries, objectStoreLoss(changes, entries, namespaces));
  const schemaMigrations = migrations(changes, raw, entries);

  const outputs = { create: 0, update: 0, delete: 0 };
  for (const oc of Object.values(plan?.output_changes ?? {})) {
    const a = action(oc.actions ?? []);
    if (a === "create" || a === "update" || a === "delete") outputs[a]++;
  }
  const n = (a: ChangeAction) => changes.filter((c) => c.action === a).length;
  return {
    stack: options.stack ?? synthStackName(synth) ?? "stack",
    totals: { add: n("create") + n("replace"), change: n("update"), destroy: n("delete") + n("replace") },
    layers,
    alerts,
    ineffective: changes.filter((c) => c.ineffective),
    namespaces,
    kafkaClusterIds,
    pipelines,
    schemaMigrations,
    dataLoss: alerts.some((c) => c.stateful === "data") || kafkaClusterIds.length > 0,
    unmapped,
    outputs,
    errored: plan?.errored === true,
  };
}

/** The stack name cdk.tf.json records in its metadata. */
function synthStackName(synth: unknown): string | undefined {
  const name = field(field(field(synth, "//"), "metadata"), "stackName");
  return typeof name === "string" ? name : undefined;
}

const gone = (c: ResourceChangeSummary) => c.action === "replace" || c.action === "delete";

function namespaceLosses(changes: ResourceChangeSummary[], raw: Map<string, PlanResourceChange>, entries: ReturnType<typeof synthEntries>): NamespaceLoss[] {
  const out: NamespaceLoss[] = [];
  for (const c of changes.filter((x) => NAMESPACE_TYPES.test(x.type) && gone(x))) {
    const rc = raw.get(c.address);
    const configured = kubeMeta(entries.find((e) => e.address === c.address)?.block).name;
    const name = kubeMeta(rc?.change?.before).name ?? configured ?? c.address;
    // Objects in it name it literally or reference the namespace resource.
    const inside = (block: unknown) => {
      const ns = kubeMeta(block).namespace;
      return ns !== undefined && ((configured !== undefined && ns === configured) || ns === name || ns.includes(`${c.address}.`));
    };
    const members = entries.filter((e) => e.type.startsWith("kubernetes_") && !NAMESPACE_TYPES.test(e.type) && inside(e.block));
    const pvcs = members
      .filter((e) => SERVICE_TYPES.test(e.type))
      .flatMap((e) => {
        const sts = kubeMeta(e.block).name ?? e.address;
        const replicas = Number(field(one(field(e.block, "spec")), "replicas") ?? 1);
        const claims = list(field(one(field(e.block, "spec")), "volume_claim_template"))
          .map((t) => kubeMeta(t).name)
          .filter((x): x is string => !!x);
        return claims.flatMap((claim) =>
          Array.from({ length: Number.isFinite(replicas) && replicas > 0 ? replicas : 1 }, (_, i) => ({ name: `${claim}-${sts}-${i}`, statefulSet: e.address, layer: e.layer, id: e.id })),
        );
      });
    const recreated = new Set(changes.filter((x) => x.action === "create" || x.action === "replace").map((x) => x.address));
    out.push({
      address: c.address,
      name,
      action: c.action as "replace" | "delete",
      pvcs,
      notRecreated: members
        .filter((e) => !recreated.has(e.address))
        .map((e) => e.address)
        .sort(),
    });
  }
  return out;
}

function clusterIdChanges(changes: ResourceChangeSummary[], entries: ReturnType<typeof synthEntries>, namespaces: NamespaceLoss[]): KafkaClusterIdChange[] {
  const lostData = new Set(changes.filter((c) => c.stateful === "data" && gone(c)).map((c) => c.address));
  const lostPvcOwners = new Set(namespaces.flatMap((n) => n.pvcs.map((p) => p.statefulSet)));
  const out: KafkaClusterIdChange[] = [];
  for (const c of changes.filter((x) => x.type === "random_id" && gone(x))) {
    const name = c.address.slice(c.address.indexOf(".") + 1);
    if (c.layer === OUTSIDE) {
      // Removed from the configuration: only its address says what it was (cdktf names it Path_Id_HASH).
      const m = /^(.*?)ClusterId_[0-9A-F]{8}$/.exec(name);
      if (!m) continue;
      const storage = [...lostData].filter((a) => a.slice(a.indexOf(".") + 1).startsWith(`${m[1]}Kafka`));
      const kafka = changes.find((x) => x.layer === OUTSIDE && WORKLOAD_TYPES.test(x.type) && x.address.slice(x.address.indexOf(".") + 1).startsWith(`${m[1]}Kafka_`));
      out.push({ address: c.address, layer: c.layer, action: c.action as "replace" | "delete", storage: storage.length ? "lost" : "unknown", kafka: kafka?.address, storageResources: storage });
      continue;
    }
    if (c.id !== "ClusterId") continue;
    const kafka = entries.find((e) => e.layer === c.layer && e.id === "Kafka" && (e.type === "docker_container" || SERVICE_TYPES.test(e.type)));
    let storage: KafkaClusterIdChange["storage"] = "unknown";
    let storageResources: string[] = [];
    if (kafka?.type === "docker_container") {
      const volumes = mountedVolumes(kafka.block) ?? [];
      storageResources = volumes.filter((v) => lostData.has(v));
      storage = storageResources.length ? "lost" : volumes.length ? "kept" : "unknown";
      if (storage === "kept") storageResources = volumes;
    } else if (kafka) {
      const pvcs = namespaces.flatMap((n) => n.pvcs.filter((p) => p.statefulSet === kafka.address).map((p) => p.name));
      storage = lostPvcOwners.has(kafka.address) ? "lost" : "kept";
      storageResources = pvcs;
    }
    out.push({ address: c.address, layer: c.layer, action: c.action as "replace" | "delete", storage, kafka: kafka?.address, storageResources });
  }
  return out;
}

/**
 * Storage of the warehouse's object store (the IcebergWarehouse's `Minio` service: checkpoints,
 * savepoints and table data live there) that this plan deletes: its volumes, or its PVCs with a namespace.
 */
function objectStoreLoss(changes: ResourceChangeSummary[], entries: ReturnType<typeof synthEntries>, namespaces: NamespaceLoss[]): string[] {
  const lostData = new Set(changes.filter((c) => c.stateful === "data" && gone(c)).map((c) => c.address));
  return entries
    .filter((e) => e.id === "Minio")
    .flatMap((e) => [...(mountedVolumes(e.block) ?? []).filter((v) => lostData.has(v)), ...namespaces.flatMap((n) => n.pvcs.filter((p) => p.statefulSet === e.address).map((p) => p.name))]);
}

function pipelineRestarts(changes: ResourceChangeSummary[], raw: Map<string, PlanResourceChange>, entries: ReturnType<typeof synthEntries>, retainedStateLost: string[]): PipelineRestart[] {
  // A StreamJob layer declares a JobManager and what owns the job: a keeper or a submit job.
  const flinkLayers = [...new Set(entries.filter((e) => e.id === "JobManager").map((e) => e.layer))].filter((l) => entries.some((e) => e.layer === l && (e.id === "SubmitJob" || e.id === "Keeper")));
  const out: PipelineRestart[] = [];
  for (const layer of flinkLayers) {
    const components: PipelineComponentChange[] = [];
    for (const c of changes.filter((x) => x.layer === layer && WORKLOAD_TYPES.test(x.type))) {
      const role = pipelineRole(c.id);
      if (!role || c.action === "forget") continue;
      const rc = raw.get(c.address);
      if (c.action === "update" && KUBE_POD_OWNERS.test(c.type)) {
        const before = podTemplate(rc?.change?.before);
        const after = podTemplate(rc?.change?.after);
        const changed = before !== undefined && after !== undefined ? JSON.stringify(meaningful(before) ?? null) !== JSON.stringify(meaningful(after) ?? null) : undefined;
        components.push({ address: c.address, id: c.id, role, action: c.action, ...(changed !== undefined ? { podTemplateChanged: changed } : {}), forcedBy: c.forcedBy });
      } else {
        components.push({ address: c.address, id: c.id, role, action: c.action, forcedBy: c.forcedBy });
      }
    }
    // A new pipeline (first deploy of the layer) stops nothing.
    if (components.length === 0 || components.every((x) => x.action === "create")) continue;
    const restarted = (x: PipelineComponentChange) => x.action === "replace" || x.action === "delete" || x.podTemplateChanged === true;
    const jm = components.find((x) => x.role === "jobmanager");
    const jmRc = jm ? raw.get(jm.address) : undefined;
    const jmEntry = entries.find((e) => e.layer === layer && e.id === "JobManager");
    // The old JobManager's configuration decides whether the job was stored for a new one to recover.
    const flinkProperties = plainEnv(jmRc?.change?.before).FLINK_PROPERTIES ?? plainEnv(jmEntry?.block).FLINK_PROPERTIES;
    const hasKeeper = entries.some((e) => e.layer === layer && e.id === "Keeper");
    const recovery: PipelineRestart["recovery"] = hasKeeper ? "keeper" : flinkHa(flinkProperties) ? "flink-ha" : "none";
    const jobManagerReplaced = jm !== undefined && restarted(jm);
    const owner = components.find((x) => x.role === (hasKeeper ? "keeper" : "submit"));
    const ownerRuns = owner !== undefined && (owner.action === "create" || owner.action === "replace" || owner.podTemplateChanged === true);
    const named = components.map((x) => raw.get(x.address)?.change).find((ch) => plainEnv(ch?.before).JOB_NAME !== undefined || plainEnv(ch?.after).JOB_NAME !== undefined);
    const jobName = named ? { before: plainEnv(named.before).JOB_NAME, after: plainEnv(named.after).JOB_NAME } : undefined;
    const newVersion = jobName?.before !== undefined && jobName.after !== undefined ? jobName.before !== jobName.after : undefined;
    const stops = components.some((x) => (x.role === "jobmanager" || x.role === "taskmanager") && restarted(x)) || (ownerRuns && newVersion !== false);
    const resumes: PipelineRestart["resumes"] = retainedStateLost.length ? "state-lost" : jobManagerReplaced && recovery === "none" ? (ownerRuns ? "new-job" : "not-resubmitted") : "checkpoint";
    out.push({ layer, stops, resumes, jobManagerReplaced, recovery, ownerRuns, jobName, retainedStateLost, components });
  }
  return out;
}

function migrations(changes: ResourceChangeSummary[], raw: Map<string, PlanResourceChange>, entries: ReturnType<typeof synthEntries>): SchemaMigration[] {
  const out: SchemaMigration[] = [];
  for (const c of changes.filter((x) => x.id === "SchemaJob" || x.id === "SchemaJobConfig")) {
    const rc = raw.get(c.address);
    const before = schemaSqlOf(rc?.change?.before);
    const after = schemaSqlOf(rc?.change?.after);
    if (before === undefined || after === undefined || before === after) continue;
    const d = lineDiff(before, after);
    const beforeTables = createTableLines(before);
    const afterTables = createTableLines(after);
    // Without any ADD COLUMN in the file, a changed CREATE TABLE IF NOT EXISTS is all there is.
    const createTableChanges = /\bADD\s+COLUMN\b/i.test(after)
      ? []
      : [...new Set([...d.removedAt.map((i) => beforeTables[i]), ...d.addedAt.map((i) => afterTables[i])].filter((t): t is string => t !== undefined))];
    // On Kubernetes the file sits in a ConfigMap; the Job that reads it runs again only when it is replaced.
    const job = c.id === "SchemaJob" ? c : changes.find((x) => x.layer === c.layer && x.id === "SchemaJob");
    const runs = job !== undefined && (job.action === "replace" || job.action === "create");
    const jobAddress = job?.address ?? entries.find((e) => e.layer === c.layer && e.id === "SchemaJob")?.address;
    out.push({ layer: c.layer, address: c.address, job: jobAddress, runs, added: d.added, removed: d.removed, diff: d.diff, createTableChanges });
  }
  return out;
}

const SYMBOL: Record<ChangeAction, string> = { create: "+", update: "~", replace: "-/+", delete: "-", forget: "forget" };

function describe(c: ResourceChangeSummary, layerName: string): string {
  const forced = c.forcedBy.length
    ? ` because \`${c.forcedBy.join("`, `")}\` changed`
    : c.reason === "replace_because_tainted"
      ? " because it is tainted"
      : c.reason === "replace_by_request"
        ? " on request (-replace)"
        : "";
  const order = c.action === "replace" ? (c.order === "create-first" ? " (create, then delete)" : " (delete, then create)") : "";
  const verb = c.action === "replace" ? `replaced${order}${forced}` : c.action === "delete" ? "destroyed" : c.action === "update" ? "updated in place" : c.action;
  const where = c.layer === OUTSIDE ? OUTSIDE : `(${layerName}${c.id ? ` › ${c.id}` : ""})`;
  return `\`${c.address}\` ${where}: ${verb}`;
}

const codes = (xs: string[]) => xs.map((x) => `\`${x}\``).join(", ");

interface Context {
  readonly lost: Set<string>;
  readonly namespaces: NamespaceLoss[];
  /** Kafka workloads whose kept storage holds an old cluster id. */
  readonly staleClusterId: Map<string, KafkaClusterIdChange>;
  readonly nameOf: (layer: string) => string;
}

function consequence(c: ResourceChangeSummary, ctx: Context): string {
  if (NAMESPACE_TYPES.test(c.type)) {
    const ns = ctx.namespaces.find((n) => n.address === c.address);
    const pvcs = ns?.pvcs.length ? `: ${ns.pvcs.map((p) => `\`${p.name}\` (${ctx.nameOf(p.layer)} › ${p.id})`).join(", ")}` : " (the configuration declares none)";
    const stale = ns?.notRecreated.length
      ? `. The plan does not create again ${ns.notRecreated.length} resource${ns.notRecreated.length > 1 ? "s" : ""} in it (${codes(ns.notRecreated)}): Kubernetes deletes them with it, and only a later refreshed plan and apply recreate them`
      : "";
    return `Kubernetes deletes namespace \`${ns?.name ?? c.address}\` and every object in it, so every PVC in it and (with the usual \`Delete\` reclaim policy) its volume and data${pvcs}${stale}`;
  }
  if (c.stateful === "data") return "its data is deleted";
  if (c.stateful === "service") {
    const stale = ctx.staleClusterId.get(c.address);
    if (stale) return `it does not start again: its kept storage (${codes(stale.storageResources)}) was formatted with the old Kafka cluster id (see the Kafka cluster id above)`;
    const gone = (c.volumes ?? []).filter((v) => ctx.lost.has(v));
    if (gone.length) return `downtime, and it starts again on new, empty volumes (${codes(gone)} replaced above)`;
    if (c.volumes?.length) return `downtime; its data stays on ${codes(c.volumes)}, which ${c.volumes.length > 1 ? "are" : "is"} kept`;
    if (/^kubernetes_stateful_set/.test(c.type)) {
      const ns = ctx.namespaces.find((n) => n.pvcs.some((p) => p.statefulSet === c.address));
      if (ns) {
        const mine = ns.pvcs.filter((p) => p.statefulSet === c.address).map((p) => p.name);
        return `downtime, and it starts again on new, empty PVCs: ${mine.length > 1 ? "its PVCs" : "its PVC"} ${codes(mine)} ${mine.length > 1 ? "go" : "goes"} with namespace \`${ns.name}\` (above)`;
      }
      return "downtime; the PVCs of its claim templates are kept (unless its PVC retention policy deletes them) and bound again";
    }
    return "downtime; its data survives only on volumes that are kept";
  }
  return "a new value is generated; anything that stored the old one (e.g. a database's data directory) still expects it";
}

function clusterIdText(k: KafkaClusterIdChange): string {
  if (k.storage === "lost") {
    return `Kafka starts again on empty storage (${codes(k.storageResources)}, deleted above) under a new cluster id: every topic with its events, every consumer group's committed offsets (Flink's too) and Kafka Connect's offsets (\`_connect_offsets\`, Debezium's position) are gone`;
  }
  if (k.storage === "kept") {
    const where = k.kafka ? ` at \`${k.kafka}\`` : "";
    return `Kafka's storage (${codes(k.storageResources)}) is kept and was formatted with the old id: the broker refuses to start with the new one (\`Invalid cluster.id in …/meta.properties\`), so the apply fails${where}; it runs again only on emptied storage, which loses every topic, committed consumer offset and Kafka Connect offset`;
  }
  return "a Kafka cluster's id is fixed when its storage is formatted: storage formatted under the new id starts without the topics, committed consumer offsets and Kafka Connect offsets of the old cluster";
}

function pipelineLines(p: PipelineRestart, nameOf: (layer: string) => string): string[] {
  const layerName = nameOf(p.layer);
  const lines: string[] = [];
  const noRecovery = "nothing restores the job on the new one (no keeper, no Flink high availability): it knows neither the job nor its checkpoints, which stay on S3";
  if (!p.stops) {
    lines.push("> [!NOTE]", `> **Flink (${layerName}): the running job keeps running.**`);
  } else if (p.resumes === "checkpoint") {
    lines.push(
      "> [!WARNING]",
      `> **PIPELINE RESTART (${layerName}): the Flink job is stopped and resumed from its newest retained checkpoint or savepoint.** Meanwhile changes queue in Kafka and the Iceberg tables fall behind.`,
    );
  } else if (p.resumes === "state-lost") {
    lines.push(
      "> [!CAUTION]",
      `> **PIPELINE RESTART (${layerName}): the Flink job is stopped, and its retained checkpoints and savepoints are deleted with the object store's storage (${codes(p.retainedStateLost)}): it cannot resume from them.**`,
    );
  } else if (p.resumes === "new-job") {
    lines.push(
      "> [!CAUTION]",
      `> **PIPELINE RESTART (${layerName}): the Flink job is stopped and does not resume from its checkpoints.** The JobManager is replaced, and ${noRecovery}. The submit job starts the SQL as a new job, which reads Kafka from the offsets its SQL configures (\`scan.startup.mode\`), not from a checkpoint.`,
    );
  } else {
    lines.push(
      "> [!CAUTION]",
      `> **PIPELINE RESTART (${layerName}): the Flink job is stopped and nothing in this plan starts it again.** The JobManager is replaced, and ${noRecovery}. The submit job is not replaced, so it does not run.`,
    );
  }
  const { before, after } = p.jobName ?? {};
  const newVersion = before !== undefined && after !== undefined && before !== after;
  const version = newVersion ? ` with a new pipeline version (\`${before}\` → \`${after}\`)` : "";
  for (const x of p.components) {
    const touched = x.action === "replace" || x.action === "delete" || x.podTemplateChanged === true;
    const because = x.forcedBy.length ? ` because ${codes(x.forcedBy)} changed` : "";
    const verb =
      x.action === "replace"
        ? `replaced${because}`
        : x.action === "delete"
          ? "destroyed"
          : x.action === "create"
            ? "created"
            : x.podTemplateChanged
              ? "updated in its pod template (its pods are replaced)"
              : x.podTemplateChanged === false
                ? "updated in place, pod template unchanged"
                : "updated in place";
    let effect: string;
    if (x.role === "jobmanager") {
      effect = !touched
        ? "no effect on the running job"
        : p.resumes === "state-lost"
          ? "the job stops with it"
          : p.recovery === "keeper"
            ? "the job stops with it; the keeper restores it on the new JobManager from the newest retained checkpoint or savepoint on S3"
            : p.recovery === "flink-ha"
              ? "the job stops with it; the new JobManager recovers it through Flink high availability"
              : "the job stops with it";
    } else if (x.role === "taskmanager") {
      effect = !touched
        ? "no effect on the running job"
        : p.jobManagerReplaced || p.resumes === "state-lost"
          ? "its tasks stop"
          : "its tasks fail, and the JobManager restarts the job from its newest completed checkpoint";
    } else if (x.role === "gateway") {
      effect = touched ? "it only submits SQL; the running job does not depend on it" : "no effect on the running job";
    } else if (x.role === "rollout") {
      effect = "a deploy step that waits for the pipeline; it does not stop the job";
    } else if (x.action === "delete") {
      effect = "removed; the running job is left as is";
    } else if (x.action === "create" || touched) {
      const who = x.role === "keeper" ? "the new keeper" : "it";
      if (p.resumes === "state-lost") effect = `starts again${version}, without a checkpoint or savepoint to start from`;
      else if (p.resumes === "new-job") effect = `runs again${version}: the new JobManager has no job to stop or resume, so it submits the SQL as a new job`;
      else if (newVersion && p.jobManagerReplaced && p.recovery === "keeper")
        effect = `starts again${version}: the job stopped with the JobManager, so ${who} starts the new SQL from the newest retained checkpoint or savepoint`;
      else if (newVersion) effect = `starts again${version}: ${who} stops the running job with a savepoint and starts the new SQL from it`;
      else if (before !== undefined && before === after) effect = `starts again with the same SQL (\`${before}\`): ${who} finds the job running under that name and leaves it`;
      else effect = "starts again: a changed SQL stops the running job with a savepoint and starts from it; the same SQL leaves it running";
    } else {
      effect = "no effect on the running job";
    }
    lines.push(`> - \`${x.address}\` (${layerName} › ${x.id}): ${verb}: ${effect}`);
  }
  lines.push("");
  return lines;
}

function migrationLines(m: SchemaMigration, nameOf: (layer: string) => string): string[] {
  const layerName = nameOf(m.layer);
  const lines = m.runs
    ? [
        "> [!IMPORTANT]",
        `> **SCHEMA MIGRATION (${layerName}): \`schema.sql\` changes, and the schema job \`${m.job}\` runs it again on the deployed database.** ${m.added.length} line${m.added.length === 1 ? "" : "s"} added, ${m.removed.length} removed:`,
      ]
    : [
        "> [!WARNING]",
        `> **SCHEMA MIGRATION (${layerName}) NOT APPLIED: \`schema.sql\` changes in \`${m.address}\`, but ${m.job ? `the Job \`${m.job}\` is not replaced, so it does not run again (a Job runs once; only a replaced Job runs again)` : "no job in this plan runs it"}.** ${m.added.length} line${m.added.length === 1 ? "" : "s"} added, ${m.removed.length} removed:`,
      ];
  lines.push(">", "> ```diff", ...m.diff.map((l) => `> ${l}`), "> ```");
  if (m.createTableChanges.length) {
    lines.push(
      `> Changed lines of \`CREATE TABLE IF NOT EXISTS\` (${codes(m.createTableChanges)}) do nothing to a table that exists: PostgreSQL skips the statement, so a deployed table keeps its columns (that takes an \`ALTER TABLE\`).`,
    );
  }
  lines.push("");
  return lines;
}

/**
 * The markdown summary of a plan: a headline with Terraform's totals, alerts for data loss,
 * a new Kafka cluster id, a Flink job restart, a schema migration and stateful resources that
 * are replaced or destroyed, a table per layer, and the resource list.
 */
export function summarizePlan(plan: PlanJson, synth: unknown, options: PlanSummaryOptions = {}): string {
  const a = analyzePlan(plan, synth, options);
  const h = "#".repeat(options.headingLevel ?? 2);
  const lines: string[] = [];
  lines.push(`${h} Plan: \`${a.stack}\``, "");
  if (options.note) lines.push(`_${options.note}_`, "");
  if (a.errored) lines.push("> [!CAUTION]", "> **The plan failed: this summary is incomplete.** See the plan output.", "");
  if (a.layers.length === 0) {
    lines.push("**No changes.** The infrastructure matches the configuration.");
    const o = a.outputs;
    if (o.create + o.update + o.delete > 0) lines.push("", `Outputs: ${o.create} to add, ${o.update} to change, ${o.delete} to remove.`);
    return `${lines.join("\n")}\n`;
  }
  const replaced = a.layers.reduce((s, l) => s + l.replace, 0);
  lines.push(`**${a.totals.add} to add, ${a.totals.change} to change, ${a.totals.destroy} to destroy**${replaced ? ` (${replaced} replaced)` : ""}.`, "");

  const names = new Map(a.layers.map((l) => [l.layer, l.name]));
  const nameOf = (layer: string) => names.get(layer) ?? layer.split("/").pop() ?? layer;
  const group = (kind: StatefulKind) => a.alerts.filter((c) => c.stateful === kind);
  const data = group("data");
  const services = group("service");
  const credentials = group("credential");
  const staleClusterId = new Map(a.kafkaClusterIds.filter((k) => k.storage === "kept" && k.kafka).map((k) => [k.kafka!, k]));
  const ctx: Context = { lost: new Set(data.map((c) => c.address)), namespaces: a.namespaces, staleClusterId, nameOf };
  if (data.length) {
    lines.push("> [!CAUTION]", `> **DATA LOSS: ${data.length} resource${data.length > 1 ? "s" : ""} holding data will be ${verbs(data)}.**`);
    for (const c of data) lines.push(`> - ${describe(c, nameOf(c.layer))}: ${consequence(c, ctx)}`);
    lines.push("");
  }
  if (a.kafkaClusterIds.length) {
    const ids = a.kafkaClusterIds;
    lines.push(
      "> [!CAUTION]",
      `> **DATA LOSS: ${ids.length > 1 ? `${ids.length} Kafka cluster ids` : "the Kafka cluster id"} will be ${verbs(ids)}: all topics, committed consumer offsets and Kafka Connect's offsets are lost.**`,
    );
    for (const k of ids) {
      const c = a.layers.flatMap((l) => l.changes).find((x) => x.address === k.address)!;
      lines.push(`> - ${describe(c, nameOf(c.layer))}: ${clusterIdText(k)}`);
    }
    lines.push("");
  }
  for (const p of a.pipelines) lines.push(...pipelineLines(p, nameOf));
  for (const m of a.schemaMigrations) lines.push(...migrationLines(m, nameOf));
  if (services.length) {
    lines.push("> [!WARNING]", `> **${services.length} stateful service${services.length > 1 ? "s" : ""} will be ${verbs(services)}.**`);
    for (const c of services) lines.push(`> - ${describe(c, nameOf(c.layer))}: ${consequence(c, ctx)}`);
    lines.push("");
  }
  if (credentials.length) {
    lines.push("> [!WARNING]", `> **${credentials.length} generated credential${credentials.length > 1 ? "s" : ""} will be ${verbs(credentials)}.**`);
    for (const c of credentials) lines.push(`> - ${describe(c, nameOf(c.layer))}: ${consequence(c, ctx)}`);
    lines.push("");
  }

  if (a.ineffective.length) {
    lines.push("> [!WARNING]", `> **${a.ineffective.length} change${a.ineffective.length > 1 ? "s" : ""} will not take effect as planned.**`);
    for (const c of a.ineffective) lines.push(`> - ${describe(c, nameOf(c.layer))}: ${c.ineffective}.`);
    lines.push("");
  }

  lines.push("| layer | add | change | replace | destroy |", "|---|--:|--:|--:|--:|");
  for (const l of a.layers) lines.push(`| ${l.name} | ${l.create || ""} | ${l.update || ""} | ${l.replace ? `**${l.replace}**` : ""} | ${l.delete ? `**${l.delete}**` : ""} |`);
  lines.push("");

  const flagged = new Set([
    ...a.alerts.map((c) => c.address),
    ...a.ineffective.map((c) => c.address),
    ...a.kafkaClusterIds.map((k) => k.address),
    ...a.pipelines.filter((p) => p.stops).flatMap((p) => p.components.filter((x) => x.role !== "gateway" && x.role !== "rollout").map((x) => x.address)),
    ...a.schemaMigrations.map((m) => m.address),
  ]);
  const total = a.layers.reduce((s, l) => s + l.changes.length, 0);
  lines.push("<details>", `<summary>${total} resource change${total > 1 ? "s" : ""}</summary>`, "");
  for (const l of a.layers) {
    lines.push(`**${l.name}**${l.name !== l.layer ? ` (\`${l.layer}\`)` : ""}`, "");
    for (const c of l.changes) {
      const flag = flagged.has(c.address) ? " ⚠" : "";
      const forced = c.action === "replace" && c.forcedBy.length ? ` — forced by \`${c.forcedBy.join("`, `")}\`` : "";
      lines.push(`- \`${SYMBOL[c.action]}\` ${c.id ? `${c.id}: ` : ""}\`${c.address}\`${forced}${flag}`);
    }
    lines.push("");
  }
  lines.push("</details>", "");
  const o = a.outputs;
  if (o.create + o.update + o.delete > 0) lines.push(`Outputs: ${o.create} to add, ${o.update} to change, ${o.delete} to remove.`, "");
  if (a.unmapped) lines.push(`${a.unmapped} change(s) concern resources that are no longer in the configuration (layer unknown).`, "");
  return `${lines.join("\n").replace(/\n+$/, "")}\n`;
}

function verbs(items: { action: string }[]): string {
  const replaced = items.some((c) => c.action === "replace");
  const destroyed = items.some((c) => c.action === "delete");
  return replaced && destroyed ? "replaced or destroyed" : replaced ? "replaced" : "destroyed";
}
