import { Client as PgClient } from "pg";
import { Trino } from "trino-client";
import { eventually, trinoRows } from "./clients";
import { CURRENT_STATE_SQL, ExpectedEvent, firstDifference } from "./workload";

// The exactness checks both e2e tiers (Docker and Kubernetes) make of a deployed pipeline.

/** The first difference between PostgreSQL and Trino's current-state tables, or undefined. */
export async function currentStateMatches(pg: PgClient, trino: Trino): Promise<string | undefined> {
  for (const table of ["users", "accounts"] as const) {
    const expected = (await pg.query({ text: CURRENT_STATE_SQL.postgres[table], rowMode: "array" })).rows;
    const actual = await trinoRows(trino, CURRENT_STATE_SQL.trino[table]);
    const diff = firstDifference(expected, actual);
    if (diff) return `${table}: ${diff}`;
  }
  return undefined;
}

/** Waits until Trino equals PostgreSQL; returns seconds since `since` (the last commit). */
export async function waitForExactState(pg: PgClient, trino: Trino, timeoutMs: number, since: number): Promise<number> {
  let last = "";
  await eventually("Trino's current-state tables to equal PostgreSQL", timeoutMs, async () => {
    const diff = await currentStateMatches(pg, trino);
    last = diff ?? "";
    return diff === undefined ? true : undefined;
  }, () => `First difference: ${last}`);
  return (Date.now() - since) / 1000;
}

/** Waits until the raw log of each table holds exactly one row per event of `events`, per op. */
export async function waitForOneRawRowPerEvent(trino: Trino, events: ExpectedEvent[]): Promise<void> {
  for (const table of ["users", "accounts"] as const) {
    const expected: Record<string, number> = {};
    for (const e of events.filter((x) => x.table === table)) expected[e.op] = (expected[e.op] ?? 0) + 1;
    await eventually(`raw_data.${table} to hold one row per event`, 120_000, async () => {
      const rows = await trinoRows(trino, `SELECT op, count(*) FROM iceberg.raw_data.${table} GROUP BY op ORDER BY op`);
      const actual = Object.fromEntries(rows.map(([op, n]) => [op as string, Number(n)]));
      return JSON.stringify(actual) === JSON.stringify(Object.fromEntries(Object.entries(expected).sort())) ? true : undefined;
    }, () => `expected ${JSON.stringify(expected)}`);
  }
}
