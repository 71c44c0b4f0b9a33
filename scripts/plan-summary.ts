/**
 * `npm run plan:summary -- [STACK...] [options]`: plan each stack with OpenTofu and print a
 * short markdown review per stack (cli/plan-summary.ts): adds, changes, replacements and
 * destroys per layer; flagged loudly: data loss (volumes, PVCs, a replaced Kubernetes namespace
 * with every PVC in it, a new Kafka cluster id), a Flink pipeline restart, a schema migration
 * with its DDL diff, and replaced stateful services.
 *
 * What each stack is planned against:
 *   (default)        a copy of the stack's own local state (terraform.<stack>.tfstate), refreshed
 *                    against the real infrastructure; a stack without state is planned as new
 *   --base REF       the state that deploying git REF would leave, crafted without applying
 *                    (scripts/lib/plan.ts), not refreshed: exactly what the change since REF does.
 *                    What a pull request review wants: --base origin/main
 *   --base-dir DIR   the same, for a base that is already synthesized (DIR/stacks/<stack>)
 *   --empty          an empty state: everything the stack creates
 *   --state FILE     a copy of FILE, refreshed (add --no-refresh to skip that)
 *
 * Other options:
 *   --head-dir DIR       plan this synthesized output instead of synthesizing the working tree
 *   --out FILE           also write the markdown to FILE
 *   --json               print the analyses as JSON instead of markdown
 *   --fail-on-data-loss  exit 3 when a volume, PVC, PV or namespace would be replaced or destroyed,
 *                        or the Kafka cluster id replaced
 *
 * Every plan runs in a scratch copy with its own state path and -lock=false: the stacks' real
 * states are read (copied), never locked or written, and nothing is applied. Kubernetes stacks
 * planned without refresh use an offline kubeconfig, so they need no cluster. Exit codes: 0 ok,
 * 1 a plan failed, 2 bad usage, 3 data loss with --fail-on-data-loss.
 */
import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { analyzePlan, PlanAnalysis, summarizePlan } from "../cli/plan-summary";
import { craftBaseState, planStack, PlanOptions } from "./lib/plan";
import { listStacks, loadToolchain, Toolchain } from "./lib/terraform";

const ROOT = path.resolve(__dirname, "..");
const log = (s: string) => process.stderr.write(`[plan:summary] ${s}\n`);

interface Args {
  stacks: string[];
  base?: string;
  baseDir?: string;
  empty: boolean;
  state?: string;
  refresh: boolean;
  headDir?: string;
  out?: string;
  json: boolean;
  failOnDataLoss: boolean;
}

function parseArgs(argv: string[]): Args {
  const a: Args = { stacks: [], empty: false, refresh: true, json: false, failOnDataLoss: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined || v.startsWith("--")) usage(`${arg} needs a value`);
      return v;
    };
    if (arg === "--base") a.base = value();
    else if (arg === "--base-dir") a.baseDir = path.resolve(value());
    else if (arg === "--empty") a.empty = true;
    else if (arg === "--state") a.state = path.resolve(value());
    else if (arg === "--no-refresh") a.refresh = false;
    else if (arg === "--head-dir") a.headDir = path.resolve(value());
    else if (arg === "--out") a.out = path.resolve(value());
    else if (arg === "--json") a.json = true;
    else if (arg === "--fail-on-data-loss") a.failOnDataLoss = true;
    else if (arg === "-h" || arg === "--help") usage();
    else if (arg.startsWith("-")) usage(`unknown option ${arg}`);
    else a.stacks.push(arg);
  }
  if ([a.base, a.baseDir, a.empty || undefined, a.state].filter((x) => x !== undefined).length > 1) usage("choose one of --base, --base-dir, --empty, --state");
  return a;
}

function usage(error?: string): never {
  if (error) process.stderr.write(`plan:summary: ${error}\n`);
  process.stderr.write(
    "usage: npm run plan:summary -- [STACK...] [--base REF | --base-dir DIR | --empty | --state FILE [--no-refresh]] [--head-dir DIR] [--out FILE] [--json] [--fail-on-data-loss]\n",
  );
  process.exit(error ? 2 : 0);
}

/** `cdktf synth` of a source tree into `outdir`; returns the time it took. */
function synth(sourceDir: string, outdir: string): number {
  const t0 = Date.now();
  const r = spawnSync("npx", ["cdktf", "synth", "--output", outdir], { cwd: sourceDir, env: { ...process.env, CHECKPOINT_DISABLE: "1", CI: "1" }, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`cdktf synth in ${sourceDir} failed:\n${r.stdout}\n${r.stderr}`);
  return (Date.now() - t0) / 1000;
}

/** The tree of git REF, extracted (not checked out: the repository and its worktree are untouched), sharing our node_modules. */
function extractRef(ref: string, dir: string): void {
  fs.mkdirSync(dir, { recursive: true });
  const archive = execFileSync("git", ["archive", "--format=tar", ref], { cwd: ROOT, maxBuffer: 512 * 1024 * 1024 });
  execFileSync("tar", ["-x", "-C", dir], { input: archive });
  fs.symlinkSync(path.join(ROOT, "node_modules"), path.join(dir, "node_modules"));
}

/** The local backend path a synthesized stack uses, if it has one. */
function localStatePath(stackDir: string): string | undefined {
  const synthJson = JSON.parse(fs.readFileSync(path.join(stackDir, "cdk.tf.json"), "utf8"));
  const local = synthJson.terraform?.backend?.local;
  if (!local) return undefined;
  return path.resolve(stackDir, local.path ?? "terraform.tfstate");
}

interface Planned {
  stack: string;
  markdown: string;
  analysis?: PlanAnalysis;
  failed?: string;
}

function planOne(stack: string, headOut: string, work: string, tc: Toolchain, args: Args, baseOut?: string): Planned {
  const headDir = path.join(headOut, "stacks", stack);
  const dir = path.join(work, stack);
  fs.mkdirSync(dir, { recursive: true });
  const statePath = path.join(dir, "base.tfstate");
  let opts: PlanOptions;
  let note: string;
  const t0 = Date.now();
  if (baseOut) {
    const baseStack = path.join(baseOut, "stacks", stack);
    if (fs.existsSync(path.join(baseStack, "cdk.tf.json"))) {
      const r = craftBaseState(baseStack, path.join(dir, "base"), statePath, tc, { offlineKubernetes: true });
      log(`${stack}: crafted the base state in ${r.rounds} round(s), ${r.seconds.toFixed(1)}s`);
      note = `Against the state that deploying ${args.base ? `\`${args.base}\`` : "the base"} would leave (crafted from its plan, not refreshed).`;
    } else {
      note = `New stack: ${args.base ? `\`${args.base}\`` : "the base"} does not have it.`;
    }
    opts = { statePath, refresh: false, offlineKubernetes: true };
  } else if (args.empty) {
    opts = { statePath, refresh: false, offlineKubernetes: true };
    note = "Against an empty state: everything the stack creates.";
  } else {
    const source = args.state ?? localStatePath(headDir);
    if (source && fs.existsSync(source)) {
      fs.copyFileSync(source, statePath);
      opts = { statePath, refresh: args.refresh };
      note = `Against a copy of ${path.relative(ROOT, source) || source}${args.refresh ? ", refreshed" : ", not refreshed"}.`;
    } else {
      if (args.state) throw new Error(`--state ${args.state}: no such file`);
      opts = { statePath, refresh: false, offlineKubernetes: true };
      note = "Not deployed yet (no state): everything the stack creates.";
    }
  }
  const p = planStack(headDir, path.join(dir, "head"), tc, opts);
  log(`${stack}: planned in ${((Date.now() - t0) / 1000).toFixed(1)}s (init ${p.seconds.init.toFixed(1)}s, plan ${p.seconds.plan.toFixed(1)}s)`);
  return { stack, analysis: analyzePlan(p.plan, p.synth, { stack }), markdown: summarizePlan(p.plan, p.synth, { stack, note }) };
}

function main(): void {
  const args = parseArgs(process.argv.slice(2));
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "lakehouse-plan-summary-"));
  try {
    let headOut = args.headDir;
    if (!headOut) {
      headOut = path.join(work, "head-out");
      log(`synthesized the working tree in ${synth(ROOT, headOut).toFixed(1)}s`);
    }
    let baseOut = args.baseDir;
    if (args.base) {
      const src = path.join(work, "base-src");
      extractRef(args.base, src);
      baseOut = path.join(work, "base-out");
      log(`synthesized ${args.base} in ${synth(src, baseOut).toFixed(1)}s`);
    }
    const stacks = args.stacks.length ? args.stacks : listStacks(headOut);
    for (const s of stacks) if (!fs.existsSync(path.join(headOut, "stacks", s, "cdk.tf.json"))) usage(`no stack '${s}' (have: ${listStacks(headOut).join(", ")})`);
    const tc = loadToolchain({ build: "if-missing" });

    const results: Planned[] = stacks.map((stack) => {
      try {
        return planOne(stack, headOut!, work, tc, args, baseOut);
      } catch (e) {
        const msg = (e as Error).message;
        log(`${stack}: FAILED\n${msg}`);
        const tail = msg.split("\n").slice(-15).join("\n");
        return { stack, failed: msg, markdown: `## Plan: \`${stack}\`\n\n> [!CAUTION]\n> **The plan failed.**\n\n\`\`\`\n${tail}\n\`\`\`\n` };
      }
    });

    const output = args.json
      ? `${JSON.stringify(
          results.map((r) => r.analysis ?? { stack: r.stack, failed: r.failed }),
          null,
          2,
        )}\n`
      : results.map((r) => r.markdown).join("\n");
    process.stdout.write(output);
    if (args.out) fs.writeFileSync(args.out, output);
    if (results.some((r) => r.failed)) process.exitCode = 1;
    else if (args.failOnDataLoss && results.some((r) => r.analysis?.dataLoss)) {
      log("data loss: a volume, PVC, PV or namespace would be replaced or destroyed, or the Kafka cluster id replaced (--fail-on-data-loss)");
      process.exitCode = 3;
    }
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

main();
