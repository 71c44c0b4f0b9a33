/**
 * Terraform validity tier: run `tofu init` + `tofu validate` on synthesized cdktf stacks with
 * the offline toolchain from scripts/toolchain.sh (or a system tofu/terraform when
 * LAKEHOUSE_TOOLCHAIN=system).
 *
 * Used by scripts/validate.sh (through the CLI at the bottom) and by test/terraform/.
 *
 *   npx ts-node --transpile-only scripts/lib/terraform.ts validate [cdktf.out] [stack...]
 */
import { spawnSync, SpawnSyncReturns } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

const REPO_ROOT = path.resolve(__dirname, "..", "..");

export function toolchainDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.LAKEHOUSE_TOOLCHAIN_DIR || path.join(os.homedir(), ".cache", "lakehouse-cdc", "toolchain");
}

/** The environment and binary to run Terraform commands with. */
export interface Toolchain {
  readonly binary: string;
  readonly env: NodeJS.ProcessEnv;
}

function onPath(bin: string, env: NodeJS.ProcessEnv): boolean {
  return spawnSync("sh", ["-c", `command -v ${bin}`], { env, stdio: "ignore" }).status === 0;
}

/**
 * Resolve the toolchain. Runs scripts/toolchain.sh when `build` is "always", or when its env.sh
 * is missing and `build` is "if-missing" (a cold build takes minutes).
 */
export function loadToolchain(opts: { build?: "always" | "if-missing" | "never"; baseEnv?: NodeJS.ProcessEnv } = {}): Toolchain {
  const baseEnv = opts.baseEnv ?? process.env;
  if (baseEnv.LAKEHOUSE_TOOLCHAIN === "system") {
    for (const bin of ["tofu", "terraform"]) {
      if (onPath(bin, baseEnv)) return { binary: bin, env: { ...baseEnv, TERRAFORM_BINARY_NAME: bin, CHECKPOINT_DISABLE: "1" } };
    }
    throw new Error("LAKEHOUSE_TOOLCHAIN=system but neither tofu nor terraform is on PATH");
  }
  const dir = toolchainDir(baseEnv);
  const envFile = path.join(dir, "env.sh");
  const build = opts.build ?? "if-missing";
  if (build === "always" || (build === "if-missing" && !fs.existsSync(envFile))) {
    const r = spawnSync("bash", [path.join(REPO_ROOT, "scripts", "toolchain.sh")], { env: baseEnv, stdio: ["ignore", "inherit", "inherit"] });
    if (r.status !== 0) throw new Error(`scripts/toolchain.sh failed (exit ${r.status}); see its output above`);
  }
  if (!fs.existsSync(envFile)) throw new Error(`${envFile} not found: run 'npm run toolchain' first`);
  // Let bash evaluate env.sh exactly as a user's shell would, then read the result back.
  const r = spawnSync("bash", ["-c", '. "$0" >/dev/null && env -0', envFile], { env: baseEnv, encoding: "buffer" });
  if (r.status !== 0) throw new Error(`sourcing ${envFile} failed: ${r.stderr.toString()}`);
  const env: NodeJS.ProcessEnv = {};
  for (const kv of r.stdout.toString("utf8").split("\0")) {
    const i = kv.indexOf("=");
    if (i > 0) env[kv.slice(0, i)] = kv.slice(i + 1);
  }
  return { binary: "tofu", env };
}

/** A stack that failed `init` or `validate`; the message names the stack and carries Terraform's text. */
export class StackValidationError extends Error {
  constructor(
    public readonly stack: string,
    public readonly step: "init" | "validate",
    public readonly output: string,
  ) {
    super(`stack "${stack}": ${step} failed:\n${output.trim()}`);
    this.name = "StackValidationError";
  }
}

export interface StackResult {
  readonly stack: string;
  readonly dir: string;
  readonly initSeconds: number;
  readonly validateSeconds: number;
  /** validate's own text (warnings such as deprecations show up here) */
  readonly output: string;
}

function run(tc: Toolchain, args: string[], cwd: string): { r: SpawnSyncReturns<string>; seconds: number } {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(tc.binary, args, { cwd, env: { ...tc.env, TF_IN_AUTOMATION: "1" }, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  if (r.error) throw new Error(`could not run ${tc.binary} ${args.join(" ")}: ${r.error.message}`);
  return { r, seconds };
}

/**
 * `init -backend=false` and `validate` one synthesized stack directory (cdktf.out/stacks/NAME).
 * Throws StackValidationError naming the stack on failure.
 */
export function validateStack(stackDir: string, tc: Toolchain, stackName: string = path.basename(stackDir)): StackResult {
  if (!fs.existsSync(path.join(stackDir, "cdk.tf.json"))) {
    throw new Error(`stack "${stackName}": ${stackDir}/cdk.tf.json not found (synthesize first)`);
  }
  const init = run(tc, ["init", "-input=false", "-backend=false", "-no-color"], stackDir);
  if (init.r.status !== 0) throw new StackValidationError(stackName, "init", `${init.r.stdout}\n${init.r.stderr}`);
  const val = run(tc, ["validate", "-no-color"], stackDir);
  const output = `${val.r.stdout}\n${val.r.stderr}`.trim();
  if (val.r.status !== 0) throw new StackValidationError(stackName, "validate", output);
  return { stack: stackName, dir: stackDir, initSeconds: init.seconds, validateSeconds: val.seconds, output };
}

/** Several stacks failed; the message carries every stack's error text. */
export class ValidationFailures extends Error {
  constructor(
    public readonly total: number,
    public readonly failures: Error[],
  ) {
    super(`${failures.length} of ${total} stack(s) failed validation:\n\n${failures.map((f) => f.message).join("\n\n")}`);
    this.name = "ValidationFailures";
  }
}

/** Stack names under a cdktf output directory (OUTDIR/stacks/*). */
export function listStacks(outdir: string): string[] {
  const dir = path.join(outdir, "stacks");
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((d) => fs.existsSync(path.join(dir, d, "cdk.tf.json")))
    .sort();
}

/** Validate every stack (or the named ones); reports all failures, not just the first. */
export function validateAll(outdir: string, tc: Toolchain, only: string[] = [], log: (s: string) => void = console.log): StackResult[] {
  const stacks = only.length ? only : listStacks(outdir);
  if (stacks.length === 0) throw new Error(`no stacks under ${outdir}/stacks (did synth run?)`);
  const results: StackResult[] = [];
  const failures: Error[] = [];
  for (const s of stacks) {
    const dir = path.join(outdir, "stacks", s);
    try {
      const res = validateStack(dir, tc, s);
      results.push(res);
      const warn = /Warning:/.test(res.output) ? `\n${res.output}` : "";
      log(`[validate] ${s}: ok (init ${res.initSeconds.toFixed(1)}s, validate ${res.validateSeconds.toFixed(1)}s)${warn}`);
    } catch (e) {
      failures.push(e as Error);
      log(`[validate] ${s}: FAILED\n${(e as Error).message}`);
    }
  }
  if (failures.length) throw new ValidationFailures(stacks.length, failures);
  return results;
}

if (require.main === module) {
  const [cmd, outdir = "cdktf.out", ...only] = process.argv.slice(2);
  if (cmd !== "validate") {
    console.error("usage: ts-node scripts/lib/terraform.ts validate [OUTDIR] [STACK...]");
    process.exit(2);
  }
  try {
    // validate.sh has already run the toolchain script; do not build again here
    const tc = loadToolchain({ build: "if-missing" });
    const v = spawnSync(tc.binary, ["version"], { env: tc.env, encoding: "utf8" });
    console.log(`[validate] using ${(v.stdout || "").split("\n")[0]} (${tc.binary})`);
    validateAll(path.resolve(outdir), tc, only);
  } catch (e) {
    // per-stack errors were already printed by validateAll
    const msg = e instanceof ValidationFailures ? `${e.failures.length} of ${e.total} stack(s) failed validation (see above)` : (e as Error).message;
    console.error(`[validate] ${msg}`);
    process.exit(1);
  }
}
