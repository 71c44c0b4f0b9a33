export { stackOutputs } from "../../cli/outputs";
export { trinoRows } from "../../cli/target";
import { pollUntil } from "../../cli/poll";
import { Client as PgClient } from "pg";
import { BasicAuth, Trino } from "trino-client";

export async function postgres(port: number, user: string, password: string, database: string): Promise<PgClient> {
  const client = new PgClient({ host: "127.0.0.1", port, user, password, database });
  // A restart or destroy of the server ends the session; that is expected, not a crash.
  client.on("error", () => undefined);
  await client.connect();
  return client;
}

export function trinoClient(port: number): Trino {
  return Trino.create({ server: `http://127.0.0.1:${port}`, catalog: "iceberg", auth: new BasicAuth("e2e") });
}

/** Polls until `probe` returns a value, or fails with `describe()` of the last state. */
export async function eventually<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>, describe: () => string = () => ""): Promise<T> {
  return pollUntil(probe, { what, timeoutMs, intervalMs: 2000, describe });
}
