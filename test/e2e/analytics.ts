import { randomUUID } from "crypto";
import { Client as PgClient } from "pg";
import { Trino } from "trino-client";
import { dagsterGraphql, RunOutcome, runJob } from "../../cli/dagster";
import { trinoRows } from "./clients";
import { ExpectedEvent, firstDifference } from "./workload";

/** A balance that a JavaScript number cannot hold (2^53 + 1, and cents): shown exactly or wrongly. */
export const EXTREME_BALANCE = "9007199254740993.01";

/**
 * New changes for an incremental dbt run: a user and an account created, the balance changed
 * twice in one transaction (same commit time: the satellite must order by LSN), then once more.
 * Then owner changes, which the mart must follow to the account's newest version: an account
 * moved to another user and back (the link already holds both pairs), and one deleted and
 * inserted again under the other user in one transaction (one commit time, ordered by LSN).
 * The moved account holds {@link EXTREME_BALANCE}.
 */
export async function accountLifecycle(pg: PgClient): Promise<ExpectedEvent[]> {
  const [user, other, account, moved] = [randomUUID(), randomUUID(), randomUUID(), randomUUID()];
  await pg.query("INSERT INTO users (id, email, name) VALUES ($1, $2, 'Lê Văn Dagster'), ($3, $4, 'Trần Thị Owner')", [user, `${user}@example.com`, other, `${other}@example.com`]);
  await pg.query("INSERT INTO accounts (id, user_id, balance, currency) VALUES ($1, $2, 10.00, 'VND')", [account, user]);
  await pg.query("BEGIN");
  await pg.query("UPDATE accounts SET balance = 20.00 WHERE id = $1", [account]);
  await pg.query("UPDATE accounts SET balance = 30.00 WHERE id = $1", [account]);
  await pg.query("COMMIT");
  await pg.query("UPDATE accounts SET balance = balance + 0.01 WHERE id = $1", [account]);

  await pg.query("INSERT INTO accounts (id, user_id, balance, currency) VALUES ($1, $2, $3, 'VND')", [moved, user, EXTREME_BALANCE]);
  await pg.query("UPDATE accounts SET user_id = $2 WHERE id = $1", [moved, other]);
  await pg.query("UPDATE accounts SET user_id = $2 WHERE id = $1", [moved, user]);
  await pg.query("BEGIN");
  await pg.query("DELETE FROM accounts WHERE id = $1", [account]);
  await pg.query("INSERT INTO accounts (id, user_id, balance, currency) VALUES ($1, $2, 30.01, 'VND')", [account, other]);
  await pg.query("COMMIT");
  return [
    { table: "users", op: "c", id: user },
    { table: "users", op: "c", id: other },
    { table: "accounts", op: "c", id: account },
    { table: "accounts", op: "u", id: account },
    { table: "accounts", op: "u", id: account },
    { table: "accounts", op: "u", id: account },
    { table: "accounts", op: "c", id: moved },
    { table: "accounts", op: "u", id: moved },
    { table: "accounts", op: "u", id: moved },
    { table: "accounts", op: "d", id: account },
    { table: "accounts", op: "c", id: account },
  ];
}

/** What {@link readMartsWhile} saw. */
export interface MartReads<T> {
  readonly result: T;
  readonly reads: number;
  /** One message per failed read (e.g. a mart missing while dbt rebuilds it). */
  readonly failures: string[];
}

/** Reads every mart in turn, as a dashboard would, until `work` settles. */
export async function readMartsWhile<T>(trino: Trino, marts: string[], work: Promise<T>): Promise<MartReads<T>> {
  let settled = false;
  const done = work.finally(() => (settled = true));
  let reads = 0;
  const failures: string[] = [];
  while (!settled) {
    for (const mart of marts) {
      try {
        await trinoRows(trino, `SELECT count(*) FROM ${mart}`);
        reads++;
      } catch (err) {
        failures.push(`${mart}: ${err instanceof Error ? err.message : err}`);
      }
    }
  }
  return { result: await done, reads, failures };
}

const text = (rows: unknown[][]) => rows.map((r) => r.map((v) => (v === null ? null : String(v))));

/**
 * Compares the dbt marts with values computed independently: balances and user growth straight
 * from PostgreSQL, operations per table and op from the events the workload made. Returns the
 * first difference, or undefined when everything matches.
 */
export async function martsDiffer(pg: PgClient, trino: Trino, schema: string, events: ExpectedEvent[]): Promise<string | undefined> {
  const balances = firstDifference(
    (await pg.query({ text: "SELECT id::text, user_id::text, balance::text, currency FROM accounts ORDER BY id", rowMode: "array" })).rows,
    text(await trinoRows(trino, `SELECT account_id, user_id, CAST(balance AS varchar), currency FROM ${schema}.latest_balance_per_account ORDER BY account_id`)),
  );
  if (balances) return `latest_balance_per_account: ${balances}`;

  const growth = firstDifference(
    text(
      (
        await pg.query({
          text: `SELECT day::text, n, sum(n) OVER (ORDER BY day) FROM (
               SELECT (created_at AT TIME ZONE 'UTC')::date AS day, count(*) AS n FROM users GROUP BY 1) d ORDER BY day`,
          rowMode: "array",
        })
      ).rows,
    ),
    text(await trinoRows(trino, `SELECT CAST(day AS varchar), new_users, total_users FROM ${schema}.user_growth ORDER BY day`)),
  );
  if (growth) return `user_growth: ${growth}`;

  const made = new Map<string, number>();
  for (const e of events) made.set(`${e.table} ${e.op}`, (made.get(`${e.table} ${e.op}`) ?? 0) + 1);
  const expected = [...made.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([k, n]) => [...k.split(" "), String(n)]);
  const operations = firstDifference(expected, text(await trinoRows(trino, `SELECT table_name, op, sum(operations) FROM ${schema}.operations_per_day GROUP BY table_name, op ORDER BY 1, 2`)));
  return operations ? `operations_per_day (table, op, count): ${operations}` : undefined;
}

/** A Dagster job of a code location, launched through its GraphQL API; waits for it to end. */
export async function runDagsterJob(url: string, location: string, job: string, timeoutMs: number, runConfig: Record<string, unknown> = {}): Promise<RunOutcome> {
  return runJob(url, location, job, runConfig, timeoutMs);
}

export interface SensorTicks {
  /** Statuses of the latest ticks, newest first. */
  readonly statuses: string[];
  /** Runs the sensor requested in those ticks. */
  readonly runsRequested: number;
}

/** The latest ticks of a sensor of the code location. */
export async function sensorTicks(url: string, location: string, sensor: string): Promise<SensorTicks> {
  const data = await dagsterGraphql<any>(
    url,
    `
      query Sensor($selector: SensorSelector!) {
        sensorOrError(sensorSelector: $selector) {
          __typename
          ... on Sensor {
            sensorState {
              ticks(limit: 50) {
                status
                runIds
              }
            }
          }
        }
      }
    `,
    { selector: { repositoryLocationName: location, repositoryName: "__repository__", sensorName: sensor } },
  );
  const ticks: { status: string; runIds: string[] }[] = data.sensorOrError.sensorState?.ticks ?? [];
  return { statuses: ticks.map((t) => t.status), runsRequested: ticks.reduce((n, t) => n + t.runIds.length, 0) };
}

/** The kind of `dagster/last_updated_timestamp` in each of the newest observations of an asset that carry it, newest first. */
export async function lastUpdateObservations(url: string, assetKey: string[]): Promise<string[]> {
  const data = await dagsterGraphql<any>(
    url,
    `query($key: AssetKeyInput!) { assetOrError(assetKey: $key) { ... on Asset { assetObservations(limit: 20) { metadataEntries { label __typename } } } } }`,
    { key: { path: assetKey } },
  );
  const observations: { metadataEntries: { label: string; __typename: string }[] }[] = data.assetOrError.assetObservations ?? [];
  return observations.flatMap((o) => o.metadataEntries.filter((m) => m.label === "dagster/last_updated_timestamp").map((m) => m.__typename));
}

/** Waits until a sensor has requested at least one run (its interval can be minutes). */
export async function waitForSensorRun(url: string, location: string, sensor: string, timeoutMs: number): Promise<SensorTicks> {
  const t0 = Date.now();
  for (;;) {
    const ticks = await sensorTicks(url, location, sensor);
    if (ticks.runsRequested > 0 || Date.now() - t0 > timeoutMs) return ticks;
    await new Promise((r) => setTimeout(r, 10_000));
  }
}
