import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

/** Outputs of a deployed stack (sensitive ones included), as `cdktf output` reports them. */
export function stackOutputs(stack: string, cwd: string): Record<string, any> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "lakehouse-outputs-"));
  const file = path.join(dir, "outputs.json");
  try {
    execFileSync("npx", ["cdktf", "output", stack, "--outputs-file", file, "--outputs-file-include-sensitive-outputs"], { cwd, stdio: ["ignore", "pipe", "pipe"] });
    return JSON.parse(fs.readFileSync(file, "utf8"))[stack];
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
