/**
 * Plan review: turns a stack's plan (`tofu show -json PLANFILE`) and its synthesized
 * configuration (cdktf.out/stacks/NAME/cdk.tf.json) into a short markdown summary for a pull
 * request: what is added, changed, replaced and destroyed per layer, with replacements and
 * destruction of stateful resources flagged first and loudly.
 *
 * Pure functions, no I/O: scripts/plan-summary.ts runs the plans.
 */

/** What happens to one resource. */
export type ChangeAction = "create" | "update" | "replace" | "delete" | "forget";

/** How a resource holds state, which decides how loudly its replacement is flagged. */
export type StatefulKind =
  /** Holds the data itself (a Docker volume, a PVC, a PV): replacing or destroying it deletes the data. */
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

const DATA_TYPES = /^kubernetes_persistent_volume(_claim)?(_v\d+)?$|^docker_volume$/;
const SERVICE_TYPES = /^kubernetes_stateful_set(_v\d+)?$/;
const CREDENTIAL_TYPES = /^random_password$|^tls_private_key$/;
const OUTSIDE = "(not in the configuration)";

/** The resource's synthesized block, by address (`type.name`, `type.name[0]`, `type.name["k"]`). */
function synthResource(synth: any, type: string, name: string): any {
  return synth?.resource?.[type]?.[name];
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
function meaningful(v: any): any {
  if (Array.isArray(v)) {
    const items = v.map(meaningful).filter((x) => x !== undefined);
    return items.length ? items : undefined;
  }
  if (v && typeof v === "object") {
    const entries = Object.entries(v).map(([k, x]) => [k, meaningful(x)] as const).filter(([, x]) => x !== undefined);
    return entries.length ? Object.fromEntries(entries.sort(([a], [b]) => a.localeCompare(b))) : undefined;
  }
  return v === null || v === "" ? undefined : v;
}

/** Why an in-place update will not do what the plan shows, if it will not. */
function ineffectiveUpdate(type: string, rc: any): string | undefined {
  if (!SERVICE_TYPES.test(type)) return undefined;
  const claims = (v: any) => JSON.stringify(meaningful((v?.spec ?? []).map((s: any) => s.volume_claim_template)) ?? null);
  if (claims(rc.change?.before) === claims(rc.change?.after)) return undefined;
  return "its volume claim templates change, but Kubernetes keeps a StatefulSet's volumeClaimTemplates as created (the provider patches only replicas, the pod template and the update strategy): existing PVCs keep their size and class. Resize the PVCs themselves, or recreate the StatefulSet";
}

function mountedVolumes(block: any): string[] | undefined {
  const refs = (Array.isArray(block?.volumes) ? block.volumes : [])
    .map((v: any) => /^\$\{(docker_volume\.[A-Za-z0-9_-]+)\.(name|id)\}$/.exec(v?.volume_name ?? "")?.[1])
    .filter((a: string | undefined): a is string => a !== undefined);
  return refs.length ? refs : undefined;
}

function statefulKind(type: string, synthBlock: any, rc: any): StatefulKind | undefined {
  if (DATA_TYPES.test(type)) return "data";
  if (SERVICE_TYPES.test(type)) return "service";
  if (CREDENTIAL_TYPES.test(type)) return "credential";
  if (type === "docker_container") {
    const volumes = [synthBlock?.volumes, rc.change?.before?.volumes, rc.change?.after?.volumes];
    if (volumes.some((v) => Array.isArray(v) && v.length > 0)) return "service";
  }
  return undefined;
}

/** `[["ports", 0, "external"]]` -> `ports[0].external`. */
function attributePath(p: (string | number)[]): string {
  return p.map((k, i) => (typeof k === "number" ? `[${k}]` : i === 0 ? k : `.${k}`)).join("");
}

/** Where a resource sits: its layer (parent construct path below the stack) and its own id. */
function placement(synthBlock: any): { layer: string; id: string } {
  const constructPath: string | undefined = synthBlock?.["//"]?.metadata?.path;
  if (!constructPath) return { layer: OUTSIDE, id: "" };
  const parts = constructPath.split("/").slice(1); // drop the stack
  const id = parts.pop() ?? "";
  return { layer: parts.length > 0 ? parts.join("/") : "(stack)", id };
}

/** Analyzes a plan against the synthesized stack it was made from. */
export function analyzePlan(plan: any, synth: any, options: PlanSummaryOptions = {}): PlanAnalysis {
  const changes: ResourceChangeSummary[] = [];
  let unmapped = 0;
  for (const rc of plan?.resource_changes ?? []) {
    if (rc.mode !== undefined && rc.mode !== "managed") continue;
    const act = action(rc.change?.actions ?? []);
    if (!act) continue;
    const block = synthResource(synth, rc.type, rc.name);
    const where = placement(block);
    if (where.layer === OUTSIDE) unmapped++;
    changes.push({
      address: rc.address,
      type: rc.type,
      action: act,
      order: act === "replace" ? (rc.change.actions[0] === "create" ? "create-first" : "delete-first") : undefined,
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
    const list = byLayer.get(k)!.sort((a, b) => a.address.localeCompare(b.address));
    const count = (a: ChangeAction) => list.filter((c) => c.action === a).length;
    return {
      layer: k,
      name: k === OUTSIDE || ambiguous(k) ? k : lastSegment(k),
      create: count("create"),
      update: count("update"),
      replace: count("replace"),
      delete: count("delete"),
      changes: list,
    };
  });

  const severity = (c: ResourceChangeSummary) => (c.stateful === "data" ? 0 : c.stateful === "service" ? 1 : 2);
  const alerts = changes
    .filter((c) => c.stateful && (c.action === "replace" || c.action === "delete"))
    .sort((a, b) => severity(a) - severity(b) || a.address.localeCompare(b.address));

  const outputs = { create: 0, update: 0, delete: 0 };
  for (const oc of Object.values<any>(plan?.output_changes ?? {})) {
    const a = action(oc.actions ?? []);
    if (a === "create" || a === "update" || a === "delete") outputs[a]++;
  }
  const n = (a: ChangeAction) => changes.filter((c) => c.action === a).length;
  return {
    stack: options.stack ?? synth?.["//"]?.metadata?.stackName ?? "stack",
    totals: { add: n("create") + n("replace"), change: n("update"), destroy: n("delete") + n("replace") },
    layers,
    alerts,
    ineffective: changes.filter((c) => c.ineffective),
    unmapped,
    outputs,
    errored: plan?.errored === true,
  };
}

const SYMBOL: Record<ChangeAction, string> = { create: "+", update: "~", replace: "-/+", delete: "-", forget: "forget" };

function describe(c: ResourceChangeSummary, layerName: string): string {
  const forced = c.forcedBy.length ? ` because \`${c.forcedBy.join("`, `")}\` changed` : c.reason === "replace_because_tainted" ? " because it is tainted" : c.reason === "replace_by_request" ? " on request (-replace)" : "";
  const order = c.action === "replace" ? (c.order === "create-first" ? " (create, then delete)" : " (delete, then create)") : "";
  const verb = c.action === "replace" ? `replaced${order}${forced}` : c.action === "delete" ? "destroyed" : c.action === "update" ? "updated in place" : c.action;
  return `\`${c.address}\` (${layerName}${c.id ? ` › ${c.id}` : ""}): ${verb}`;
}

function consequence(c: ResourceChangeSummary, lost: Set<string>): string {
  if (c.stateful === "data") return "its data is deleted";
  if (c.stateful === "service") {
    const gone = (c.volumes ?? []).filter((v) => lost.has(v));
    if (gone.length) return `downtime, and it starts again on new, empty volumes (${gone.map((v) => `\`${v}\``).join(", ")} replaced above)`;
    if (c.volumes?.length) return `downtime; its data stays on ${c.volumes.map((v) => `\`${v}\``).join(", ")}, which ${c.volumes.length > 1 ? "are" : "is"} kept`;
    if (/^kubernetes_stateful_set/.test(c.type)) return "downtime; the PVCs of its claim templates are kept (unless its PVC retention policy deletes them) and bound again";
    return "downtime; its data survives only on volumes that are kept";
  }
  return "a new value is generated; anything that stored the old one (e.g. a database's data directory) still expects it";
}

/**
 * The markdown summary of a plan: a headline with Terraform's totals, alerts for stateful
 * resources that are replaced or destroyed, a table per layer, and the resource list.
 */
export function summarizePlan(plan: any, synth: any, options: PlanSummaryOptions = {}): string {
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

  const nameOf = new Map(a.layers.map((l) => [l.layer, l.name]));
  const group = (kind: StatefulKind) => a.alerts.filter((c) => c.stateful === kind);
  const data = group("data");
  const services = group("service");
  const credentials = group("credential");
  const lost = new Set(data.map((c) => c.address));
  if (data.length) {
    lines.push("> [!CAUTION]", `> **DATA LOSS: ${data.length} resource${data.length > 1 ? "s" : ""} holding data will be ${verbs(data)}.**`);
    for (const c of data) lines.push(`> - ${describe(c, nameOf.get(c.layer)!)}: ${consequence(c, lost)}`);
    lines.push("");
  }
  if (services.length) {
    lines.push("> [!WARNING]", `> **${services.length} stateful service${services.length > 1 ? "s" : ""} will be ${verbs(services)}.**`);
    for (const c of services) lines.push(`> - ${describe(c, nameOf.get(c.layer)!)}: ${consequence(c, lost)}`);
    lines.push("");
  }
  if (credentials.length) {
    lines.push("> [!WARNING]", `> **${credentials.length} generated credential${credentials.length > 1 ? "s" : ""} will be ${verbs(credentials)}.**`);
    for (const c of credentials) lines.push(`> - ${describe(c, nameOf.get(c.layer)!)}: ${consequence(c, lost)}`);
    lines.push("");
  }

  if (a.ineffective.length) {
    lines.push("> [!WARNING]", `> **${a.ineffective.length} change${a.ineffective.length > 1 ? "s" : ""} will not take effect as planned.**`);
    for (const c of a.ineffective) lines.push(`> - ${describe(c, nameOf.get(c.layer)!)}: ${c.ineffective}.`);
    lines.push("");
  }

  lines.push("| layer | add | change | replace | destroy |", "|---|--:|--:|--:|--:|");
  for (const l of a.layers) lines.push(`| ${l.name} | ${l.create || ""} | ${l.update || ""} | ${l.replace ? `**${l.replace}**` : ""} | ${l.delete ? `**${l.delete}**` : ""} |`);
  lines.push("");

  const total = a.layers.reduce((s, l) => s + l.changes.length, 0);
  lines.push("<details>", `<summary>${total} resource change${total > 1 ? "s" : ""}</summary>`, "");
  for (const l of a.layers) {
    lines.push(`**${l.name}**${l.name !== l.layer ? ` (\`${l.layer}\`)` : ""}`, "");
    for (const c of l.changes) {
      const flag = (c.stateful && (c.action === "replace" || c.action === "delete")) || c.ineffective ? " ⚠" : "";
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

function verbs(list: ResourceChangeSummary[]): string {
  const replaced = list.some((c) => c.action === "replace");
  const destroyed = list.some((c) => c.action === "delete");
  return replaced && destroyed ? "replaced or destroyed" : replaced ? "replaced" : "destroyed";
}
