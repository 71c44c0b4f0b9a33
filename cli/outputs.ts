import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

/**
 * Outputs of a deployed stack, sensitive ones included. Read from the stack's local state file
 * (cdktf's default backend, `terraform.<stack>.tfstate`) when it is there: no Terraform binary
 * needed, read-only. Otherwise asked from `cdktf output` (remote backends).
 */
export function stackOutputs(stack: string, cwd: string): Record<string, any> {
  const state = path.join(cwd, `terraform.${stack}.tfstate`);
  if (fs.existsSync(state)) {
    const outputs: Record<string, { value: unknown }> = JSON.parse(fs.readFileSync(state, "utf8")).outputs ?? {};
    if (Object.keys(outputs).length === 0) throw new Error(`stack '${stack}' has no outputs in ${state}: is it deployed?`);
    return Object.fromEntries(Object.entries(outputs).map(([k, v]) => [k, v.value]));
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
