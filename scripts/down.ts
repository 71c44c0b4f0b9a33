/**
 * `npm run down` (scripts/down.sh runs this with the toolchain on PATH).
 *
 *   npm run down                       destroy the dev stack; first prints the volumes it deletes
 *   npm run down -- --keep-data        remove only the containers (services and jobs); volumes,
 *                                      network, generated passwords, Kafka cluster id and images
 *                                      stay, and `npm run up` recreates the containers on them
 *   npm run down -- k8s --dry-run      print what would be deleted or kept and the command; run nothing
 *
 * Both read the stack's state (`tofu state pull` in the synthesized stack directory, whose
 * backend is the one `cdktf deploy` wrote), so they act on what exists, including containers a
 * since-edited stack no longer declares. --keep-data is OpenTofu's targeted destroy of every
 * docker_container in the state: a destroy with -target removes the targets and whatever depends
 * on them, never what they depend on (volumes, network, random_*, images), and nothing but
 * containers depends on a container. cdktf has no -target, so this runs tofu itself, the way
 * scripts/plan.sh does. A plain down stays `cdktf destroy` (on the synth made here).
 */
import { spawnSync, SpawnSyncOptions } from "child_process";
import { Command } from "commander";
import * as fs from "fs";
import * as path from "path";

const ROOT = path.resolve(__dirname, "..");

/** The parts of an OpenTofu/Terraform state (format 4) that down reads. */
export interface TfState {
  readonly resources?: readonly TfStateResource[];
}

export interface TfStateResource {
  readonly mode: "managed" | "data";
  readonly type: string;
  readonly name: string;
  readonly module?: string;
  readonly instances?: readonly { readonly attributes?: Record<string, unknown> }[];
}

/** Resource types that hold data or identity and that --keep-data must keep. */
export const KEPT_TYPES = ["docker_volume", "docker_network", "docker_image", "random_password", "random_id"] as const;

function managed(state: TfState, type: string): TfStateResource[] {
  return (state.resources ?? []).filter((r) => r.mode === "managed" && r.type === type);
}

/** `module.x.type.name` or `type.name`; targeting it covers every instance (count/for_each). */
export function address(r: TfStateResource): string {
  return `${r.module ? `${r.module}.` : ""}${r.type}.${r.name}`;
}

/** The `name` attribute of every instance of a resource type (container names, volume names). */
export function namesOf(state: TfState, type: string): string[] {
  return managed(state, type)
    .flatMap((r) => (r.instances ?? []).map((i) => i.attributes?.name))
    .filter((n): n is string => typeof n === "string")
    .sort();
}

/** The -target addresses of --keep-data: every managed docker_container, sorted. */
export function containerTargets(state: TfState): string[] {
  return managed(state, "docker_container").map(address).sort();
}

/** The docker volumes a full destroy deletes (their engine names). */
export function dataVolumes(state: TfState): string[] {
  return namesOf(state, "docker_volume");
}

/** Arguments of the targeted destroy. */
export function keepDataDestroyArgs(targets: readonly string[]): string[] {
  if (targets.length === 0) throw new Error("keepDataDestroyArgs: no targets (a destroy without -target would delete everything)");
  return ["destroy", "-auto-approve", "-input=false", ...targets.map((t) => `-target=${t}`)];
}

/** What --keep-data leaves in place, for the message: "6 docker_volume (a, b), 1 docker_network, ...". */
export function keptSummary(state: TfState): string {
  return KEPT_TYPES.map((type) => {
    const n = managed(state, type).length;
    if (n === 0) return undefined;
    const names = type === "docker_volume" || type === "docker_network" ? ` (${namesOf(state, type).join(", ")})` : "";
    return `${n} ${type}${names}`;
  })
    .filter((s): s is string => s !== undefined)
    .join(", ");
}

function shellQuote(args: readonly string[]): string {
  return args.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, "'\\''")}'`)).join(" ");
}

function log(msg: string): void {
  console.log(`[down] ${msg}`);
}

/** Runs a command quietly; on failure prints its output and exits. Returns stdout. */
function runQuiet(cmd: string, args: string[], opts: SpawnSyncOptions, what: string): string {
  const r = spawnSync(cmd, args, { ...opts, encoding: "utf8", maxBuffer: 256 * 1024 * 1024 });
  if (r.error) throw new Error(`${what}: could not run ${cmd}: ${r.error.message}`);
  if (r.status !== 0) {
    process.stderr.write(`${r.stdout ?? ""}${r.stderr ?? ""}`);
    throw new Error(`${what} failed (exit ${r.status}): ${shellQuote([cmd, ...args])}`);
  }
  return String(r.stdout);
}

interface Options {
  readonly keepData?: boolean;
  readonly dryRun?: boolean;
  readonly output?: string;
}

function main(stack: string, opts: Options): number {
  // What cdktf (and so `npm run up`) runs: TERRAFORM_BINARY_NAME, which down.sh sets from the toolchain.
  const tf = process.env.TERRAFORM_BINARY_NAME || "terraform";
  const cdktfJson = JSON.parse(fs.readFileSync(path.join(ROOT, "cdktf.json"), "utf8")) as { output?: string };
  const outdir = path.resolve(ROOT, opts.output ?? cdktfJson.output ?? "cdktf.out");

  let t0 = Date.now();
  // Stopping is no schema change: the synth must not refuse code whose tables differ from the deployed ones.
  runQuiet("npx", ["cdktf", "synth", "--output", outdir], { cwd: ROOT, env: { ...process.env, LAKEHOUSE_SCHEMA_CHECK: "off" } }, "cdktf synth");
  const stackDir = path.join(outdir, "stacks", stack);
  if (!fs.existsSync(path.join(stackDir, "cdk.tf.json"))) {
    const have = fs.existsSync(path.join(outdir, "stacks")) ? fs.readdirSync(path.join(outdir, "stacks")).join(", ") : "none";
    throw new Error(`no stack '${stack}' in ${outdir}/stacks (have: ${have})`);
  }
  runQuiet(tf, ["init", "-input=false", "-no-color"], { cwd: stackDir, env: { ...process.env, TF_IN_AUTOMATION: "1" } }, `${tf} init`);
  // The state holds generated passwords: it is parsed here and never printed or written.
  const raw = runQuiet(tf, ["state", "pull"], { cwd: stackDir }, `${tf} state pull`).trim();
  const state: TfState = raw ? (JSON.parse(raw) as TfState) : {};
  log(`synth, init and state read in ${((Date.now() - t0) / 1000).toFixed(1)}s (${stackDir})`);

  if ((state.resources ?? []).filter((r) => r.mode === "managed").length === 0) {
    log(`stack '${stack}' has nothing in its state: nothing to ${opts.keepData ? "stop" : "destroy"}`);
    return 0;
  }

  if (opts.keepData) {
    const targets = containerTargets(state);
    if (targets.length === 0) {
      log(`stack '${stack}' has no docker_container in its state: nothing to stop (--keep-data is for Docker stacks)`);
      return 0;
    }
    log(`--keep-data: removing ${targets.length} containers: ${namesOf(state, "docker_container").join(", ")}`);
    log(`keeping: ${keptSummary(state)}`);
    const args = keepDataDestroyArgs(targets);
    log(`running in ${path.relative(ROOT, stackDir) || "."}: ${shellQuote([tf, ...args])}`);
    if (opts.dryRun) {
      log("--dry-run: nothing run");
      return 0;
    }
    t0 = Date.now();
    const r = spawnSync(tf, args, { cwd: stackDir, stdio: "inherit" });
    if (r.status !== 0) {
      log(`ERROR: ${tf} destroy failed (exit ${r.status ?? r.signal}); the data is untouched`);
      return r.status ?? 1;
    }
    log(`containers removed in ${((Date.now() - t0) / 1000).toFixed(1)}s; data kept. Resume with: npm run up`);
    return 0;
  }

  const volumes = dataVolumes(state);
  if (volumes.length > 0) {
    log(`DELETES the data in ${volumes.length} docker volume(s): ${volumes.join(", ")}`);
    log("(to keep it and only stop the stack: npm run down -- --keep-data)");
  } else {
    log(`stack '${stack}' has no docker_volume in its state`);
  }
  const args = ["cdktf", "destroy", stack, "--auto-approve", "--skip-synth", "--output", outdir];
  log(`running: ${shellQuote(["npx", ...args])}`);
  if (opts.dryRun) {
    log("--dry-run: nothing run");
    return 0;
  }
  const r = spawnSync("npx", args, { cwd: ROOT, stdio: "inherit" });
  return r.status ?? 1;
}

if (require.main === module) {
  const program = new Command()
    .name("npm run down --")
    .description("Destroy a Docker stack deployed by `npm run up`, or with --keep-data only its containers.")
    .argument("[stack]", "stack name", "dev")
    .option("--keep-data", "remove only the containers; keep volumes, network, generated passwords and ids, images (`npm run up` resumes)")
    .option("--dry-run", "print what would be deleted or kept and the command, run nothing")
    .option("-o, --output <dir>", "synth output directory (default: cdktf.json's output, else cdktf.out)")
    .action((stack: string, opts: Options) => {
      try {
        process.exitCode = main(stack, opts);
      } catch (e) {
        console.error(`[down] ERROR: ${(e as Error).message}`);
        process.exitCode = 1;
      }
    });
  program.parse();
}
