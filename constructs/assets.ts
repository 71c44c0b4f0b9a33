import * as fs from "fs";
import * as path from "path";

/**
 * Files shipped with the package (flink-sql/, jobs/, sql/) are read at synth. The package root is
 * found by walking up from this file, so it works from the TypeScript sources and from dist/.
 */
function packageRoot(): string {
  let dir = __dirname;
  for (;;) {
    const manifest = path.join(dir, "package.json");
    if (fs.existsSync(manifest) && JSON.parse(fs.readFileSync(manifest, "utf8")).name === "lakehouse-cdc") return dir;
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`lakehouse-cdc: cannot find the package root above ${__dirname}`);
    dir = parent;
  }
}

const ROOT = packageRoot();

/** Content of a file shipped with the package, by path relative to the package root. */
export function asset(relativePath: string): string {
  return fs.readFileSync(path.join(ROOT, relativePath), "utf8");
}

/** Names of the files in a shipped directory, sorted, filtered by extension. */
export function assetNames(relativeDir: string, extension: string): string[] {
  return fs
    .readdirSync(path.join(ROOT, relativeDir))
    .filter((f) => f.endsWith(extension))
    .sort();
}

/**
 * Paths (relative to the package root) of every file under a shipped directory, sorted; build
 * output (`target/`, `logs/`, `__pycache__/`) and dbt's per-user id (`.user.yml`) are skipped.
 */
export function assetTree(relativeDir: string): string[] {
  const skip = new Set(["target", "logs", "__pycache__", ".user.yml"]);
  const walk = (rel: string): string[] =>
    fs
      .readdirSync(path.join(ROOT, rel), { withFileTypes: true })
      .filter((e) => !skip.has(e.name))
      .flatMap((e) => (e.isDirectory() ? walk(path.posix.join(rel, e.name)) : [path.posix.join(rel, e.name)]));
  return walk(relativeDir).sort();
}
