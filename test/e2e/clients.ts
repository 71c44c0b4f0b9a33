import { pollUntil } from "../../cli/poll";
import { hostAndPort } from "../../cli/target";
import { Client as PgClient } from "pg";
import { BasicAuth, Trino } from "trino-client";
import { AccessEndpoint, LakehouseAccess } from "../../constructs/access";
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

/** The {@link Lake} of a stack's contract, with Trino at `address` on this machine. */
export function lakeOf(access: LakehouseAccess, address: string): Lake {
  if (!access.query || !access.namespaces.raw || !access.namespaces.state) throw new Error("the stack has no query engine or no stream job: its contract names no catalog or namespaces");
  const catalog = access.query.catalog;
  return { trino: Trino.create({ server: `http://${address}`, catalog, auth: new BasicAuth("e2e") }), catalog, raw: access.namespaces.raw, state: access.namespaces.state };
}

/** Polls until `probe` returns a value, or fails with `describe()` of the last state. */
export async function eventually<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>, describe: () => string = () => ""): Promise<T> {
  return pollUntil(probe, { what, timeoutMs, intervalMs: 2000, describe });
}
