import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ACCESS_OUTPUT, CredentialOutputs, LakehouseAccess } from "../constructs/access";

/** A deployed stack as its tools see it: the access contract, and its credentials by the names the contract gives. */
export interface DeployedStack {
  readonly name: string;
  readonly access: LakehouseAccess;
  /** The value of a credential the stack has; undefined when it has none of that kind. */
  credential(which: keyof CredentialOutputs): string | undefined;
}

/**
 * The access contract of a deployed stack (its `access` output) and its credentials. Fails with
 * what to do when the stack was deployed by a version without the contract.
 */
export function deployedStack(stack: string, cwd: string): DeployedStack {
  const outputs = stackOutputs(stack, cwd);
  const access = outputs[ACCESS_OUTPUT] as LakehouseAccess | undefined;
  if (access === undefined || typeof access !== "object") {
    throw new Error(
      `stack '${stack}' has no '${ACCESS_OUTPUT}' output: it was deployed by an older version of this project. Run \`npx cdktf deploy ${stack}\` again with this version, which adds it, then retry.`,
    );
  }
  if (access.version !== 1) throw new Error(`stack '${stack}' has access contract version ${String(access.version)}; this version of the tools reads version 1`);
  return {
    name: stack,
    access,
    credential: (which) => {
      const name = access.credentials[which];
      return name === undefined ? undefined : (outputs[name] as string | undefined);
    },
  };
}

/**
 * Outputs of a deployed stack, sensitive ones included. Read from the stack's local state file
 * (cdktf's default backend, `terraform.<stack>.tfstate`) when it is there: no Terraform binary
 * needed, read-only. Otherwise asked from `cdktf output` (remote backends).
 */
export function stackOutputs(stack: string, cwd: string): Record<string, unknown> {
  const local = localStateOutputs(stack, cwd);
  if (local) {
    if (Object.keys(local).length === 0) throw new Error(`stack '${stack}' has no outputs in ${path.join(cwd, `terraform.${stack}.tfstate`)}: is it deployed?`);
    return local;
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "lakehouse-outputs-"));
  const file = path.join(dir, "outputs.json");
  try {
    execFileSync("npx", ["cdktf", "output", stack, "--outputs-file", file, "--outputs-file-include-sensitive-outputs"], { cwd, stdio: ["ignore", "pipe", "pipe"] });
    return JSON.parse(fs.readFileSync(file, "utf8"))[stack];
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Outputs in the stack's local state file (`terraform.<stack>.tfstate` in `cwd`); undefined without one. */
export function localStateOutputs(stack: string, cwd: string): Record<string, unknown> | undefined {
  const state = path.join(cwd, `terraform.${stack}.tfstate`);
  if (!fs.existsSync(state)) return undefined;
  const outputs: Record<string, { value: unknown }> = JSON.parse(fs.readFileSync(state, "utf8")).outputs ?? {};
  return Object.fromEntries(Object.entries(outputs).map(([k, v]) => [k, v.value]));
}
