import { Client as PgClient } from "pg";
import { eventually, Lake, trinoRows } from "./clients";
import { CURRENT_STATE_SQL, currentStateTrinoSql, ExpectedEvent, firstDifference } from "./workload";

// The exactness checks both e2e tiers (Docker and Kubernetes) make of a deployed pipeline.

/** The first difference between PostgreSQL and Trino's current-state tables, or undefined. */
export async function currentStateMatches(pg: PgClient, lake: Lake): Promise<string | undefined> {
  for (const table of ["users", "accounts"] as const) {
    const expected = (await pg.query({ text: CURRENT_STATE_SQL.postgres[table], rowMode: "array" })).rows;
    const actual = await trinoRows(lake.trino, currentStateTrinoSql(lake.state)[table]);
    const diff = firstDifference(expected, actual);
    if (diff) return `${table}: ${diff}`;
  }
  return undefined;
}

/** Waits until Trino equals PostgreSQL; returns seconds since `since` (the last commit). */
export async function waitForExactState(pg: PgClient, lake: Lake, timeoutMs: number, since: number): Promise<number> {
  let last = "";
  await eventually(
    "Trino's current-state tables to equal PostgreSQL",
    timeoutMs,
    async () => {
      const diff = await currentStateMatches(pg, lake);
      last = diff ?? "";
      return diff === undefined ? true : undefined;
    },
    () => `First difference: ${last}`,
  );
  return (Date.now() - since) / 1000;
}

/** Up to three (op, id, source LSN) the raw log of `table` holds more than once, with their counts. */
export function rawDuplicates(lake: Lake, table: string): Promise<unknown[][]> {
  return trinoRows(lake.trino, `SELECT op, json_extract_scalar(data, '$.id'), source_lsn, count(*) FROM ${lake.raw}.${table} GROUP BY 1, 2, 3 HAVING count(*) > 1 LIMIT 3`);
}

/**
 * Waits until the raw log of each table holds exactly the expected events: as a set of (op, key)
 * with the expected multiplicity, and no (op, key, source LSN) twice, so a duplicate cannot hide
 * behind a lost event with the same op. Checked again one checkpoint later, so late duplicates show.
 */
export async function waitForOneRawRowPerEvent(lake: Lake, events: ExpectedEvent[], checkpointMs = 5000): Promise<void> {
  const check = async (table: "users" | "accounts"): Promise<string | undefined> => {
    const dups = await rawDuplicates(lake, table);
    if (dups.length > 0) return `duplicates (op, id, lsn, rows): ${JSON.stringify(dups)}`;
    const expected = new Map<string, number>();
    for (const e of events.filter((x) => x.table === table)) expected.set(`${e.op} ${e.id}`, (expected.get(`${e.op} ${e.id}`) ?? 0) + 1);
    // `lakehouse verify` writes and deletes canary users of its own; they are not the workload's.
    const rows = await trinoRows(
      lake.trino,
      `SELECT op, json_extract_scalar(data, '$.id'), count(*) FROM ${lake.raw}.${table} WHERE coalesce(json_extract_scalar(data, '$.email'), '') NOT LIKE 'canary-%@lakehouse.verify' GROUP BY 1, 2`,
    );
    const actual = new Map(rows.map(([op, id, n]) => [`${op} ${id}`, Number(n)]));
    for (const key of new Set([...expected.keys(), ...actual.keys()])) {
      if ((expected.get(key) ?? 0) !== (actual.get(key) ?? 0)) return `(op id) ${key}: expected ${expected.get(key) ?? 0}, raw log ${actual.get(key) ?? 0}`;
    }
    return undefined;
  };
  for (const table of ["users", "accounts"] as const) {
    let diff: string | undefined;
    await eventually(
      `${lake.raw}.${table} to hold each event once`,
      120_000,
      async () => ((diff = await check(table)) === undefined ? true : undefined),
      () => `First difference: ${diff}`,
    );
  }
  await new Promise((r) => setTimeout(r, checkpointMs + 2000));
  for (const table of ["users", "accounts"] as const) {
    const late = await check(table);
    if (late) throw new Error(`${lake.raw}.${table} changed one checkpoint later: ${late}`);
  }
}
