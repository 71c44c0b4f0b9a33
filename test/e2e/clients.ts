import { execFileSync, spawnSync } from "child_process";
import { pollUntil } from "../../cli/poll";
import { DeployedStack } from "../../cli/outputs";
import { hostAndPort, trinoAt } from "../../cli/target";
import { Client as PgClient } from "pg";
import { Trino } from "trino-client";
import { AccessEndpoint } from "../../constructs/access";
export { deployedStack, DeployedStack } from "../../cli/outputs";
export { hostAndPort, trinoRows } from "../../cli/target";

/** Where a published endpoint answers on this machine (`host:port`); fails naming it when the stack does not publish it. */
export function published(endpoint: AccessEndpoint | undefined, what = "the endpoint"): string {
  if (!endpoint?.published) throw new Error(`the stack publishes no address for ${what} (${endpoint?.internal ?? "absent"}): read it from the access contract's endpoints`);
  return endpoint.published;
}

export async function postgres(address: string, user: string, password: string, database: string): Promise<PgClient> {
  const client = new PgClient({ ...hostAndPort(address), user, password, database });
  // A restart or destroy of the server ends the session; that is expected, not a crash.
  client.on("error", () => undefined);
  await client.connect();
  return client;
}

/**
 * The deployed stack's tables in Trino: a client whose session catalog is the stack's (so SQL
 * names `<namespace>.<table>`), and the namespaces of the raw log and the current state.
 */
export interface Lake {
  readonly trino: Trino;
  readonly catalog: string;
  readonly raw: string;
  readonly state: string;
}

/** The {@link Lake} of a deployed stack, with Trino at `address` on this machine (logged in as its operator when it authenticates). */
export function lakeOf({ access, credential }: Pick<DeployedStack, "access" | "credential">, address: string): Lake {
  if (!access.query || !access.namespaces.raw || !access.namespaces.state) throw new Error("the stack has no query engine or no stream job: its contract names no catalog or namespaces");
  const { catalog } = access.query;
  const login = access.query.login && { user: access.query.login.user, password: credential("trinoPassword")!, ca: access.query.login.caCertificate };
  const trino = trinoAt(`${login ? "https" : "http"}://${address}`, catalog, login, "e2e");
  return { trino, catalog, raw: access.namespaces.raw, state: access.namespaces.state };
}

/** Polls until `probe` returns a value, or fails with `describe()` of the last state. */
export async function eventually<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>, describe: () => string = () => ""): Promise<T> {
  return pollUntil(probe, { what, timeoutMs, intervalMs: 2000, describe });
}

/**
 * The output of every container of the stack that exited with an error (a deploy job whose
 * postcondition failed), for the log of a failed deploy: the containers are gone once the stack is
 * destroyed, so CI would keep only "Job ... failed. Its output: docker logs ...".
 */
export function failedContainerLogs(stackPrefix: string): string {
  const docker = (...args: string[]) => execFileSync("docker", args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  try {
    const exited = docker("ps", "-a", "--filter", `label=lakehouse.stack=${stackPrefix}`, "--filter", "status=exited", "--format", "{{.Names}}\t{{.Status}}")
      .trim()
      .split("\n")
      .filter((line) => /\tExited \((?!0\))\d+\)/.test(line));
    return exited
      .map((line) => {
        const name = line.split("\t")[0];
        // A job writes to both streams; docker logs keeps them apart.
        const logs = spawnSync("docker", ["logs", "--tail", "80", name], { encoding: "utf8" });
        return `--- docker logs --tail 80 ${name} (${line.split("\t")[1]})\n${logs.stdout}${logs.stderr}`;
      })
      .join("\n");
  } catch (err) {
    return `(could not read the failed containers' logs: ${err instanceof Error ? err.message : err})`;
  }
}
