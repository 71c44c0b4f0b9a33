import { Client as PgClient } from "pg";

/** A change the pipeline must carry: which row of which table, and how. */
export interface ExpectedEvent {
  readonly table: "users" | "accounts";
  readonly op: "r" | "c" | "u" | "d";
  readonly id: string;
}

const uuid = (n: number) => `00000000-0000-4000-9000-${String(n).padStart(12, "0")}`;

/** Seed rows that SourceDb inserts (snapshot events, op `r`). */
export const SEED_EVENTS: ExpectedEvent[] = [
  ...["001", "002", "003"].map((n) => ({ table: "users" as const, op: "r" as const, id: `00000000-0000-4000-8000-000000000${n}` })),
  ...["101", "102", "103"].map((n) => ({ table: "accounts" as const, op: "r" as const, id: `00000000-0000-4000-8000-000000000${n}` })),
];

/**
 * The e2e workload, in phases so restarts can happen between them. Covers inserts, updates,
 * deletes, a key deleted and inserted again, a multi-row transaction, Vietnamese names with
 * diacritics, NULLs, and balances at the NUMERIC(18,2) limits.
 */
export async function phaseOne(pg: PgClient): Promise<ExpectedEvent[]> {
  const events: ExpectedEvent[] = [];
  const user = async (n: number, email: string, name: string | null) => {
    await pg.query("INSERT INTO users (id, email, name) VALUES ($1, $2, $3)", [uuid(n), email, name]);
    events.push({ table: "users", op: "c", id: uuid(n) });
  };
  const account = async (n: number, userN: number, balance: string, currency: string) => {
    await pg.query("INSERT INTO accounts (id, user_id, balance, currency) VALUES ($1, $2, $3, $4)", [uuid(n), uuid(userN), balance, currency]);
    events.push({ table: "accounts", op: "c", id: uuid(n) });
  };
  await user(1, "ngoc.tran@example.vn", "Trần Thị Bích Ngọc");
  await user(2, "duc.pham@example.vn", "Phạm Hữu Đức");
  await user(3, "anonymous@example.com", null);
  await account(101, 1, "9999999999999999.99", "VND");
  await account(102, 2, "-9999999999999999.99", "USD");
  await account(103, 3, "0.01", "EUR");

  // A multi-row transaction: one commit, four changes.
  await pg.query("BEGIN");
  await pg.query("INSERT INTO users (id, email, name) VALUES ($1, 'khanh.vo@example.vn', 'Võ Ngọc Khánh')", [uuid(4)]);
  await pg.query("INSERT INTO accounts (id, user_id, balance, currency) VALUES ($1, $2, 1234567890123456.78, 'VND'), ($3, $2, 0.00, 'USD')", [uuid(104), uuid(4), uuid(105)]);
  await pg.query("UPDATE accounts SET balance = balance - 0.01, updated_at = now() WHERE id = $1", [uuid(103)]);
  await pg.query("COMMIT");
  events.push({ table: "users", op: "c", id: uuid(4) }, { table: "accounts", op: "c", id: uuid(104) }, { table: "accounts", op: "c", id: uuid(105) }, { table: "accounts", op: "u", id: uuid(103) });
  return events;
}

export async function phaseTwo(pg: PgClient): Promise<ExpectedEvent[]> {
  await pg.query("UPDATE users SET email = 'ngoc.tran@example.com' WHERE id = $1", [uuid(1)]);
  await pg.query("UPDATE users SET name = NULL WHERE id = $1", [uuid(2)]);
  await pg.query("UPDATE accounts SET balance = 42.10, updated_at = now() WHERE id = $1", [uuid(101)]);
  // A key deleted and inserted again, with other values.
  await pg.query("DELETE FROM accounts WHERE id = $1", [uuid(105)]);
  await pg.query("INSERT INTO accounts (id, user_id, balance, currency) VALUES ($1, $2, 77.70, 'EUR')", [uuid(105), uuid(4)]);
  // A plain delete of an account and of a user without accounts.
  await pg.query("DELETE FROM accounts WHERE id = $1", [uuid(103)]);
  await pg.query("DELETE FROM users WHERE id = $1", [uuid(3)]);
  return [
    { table: "users", op: "u", id: uuid(1) },
    { table: "users", op: "u", id: uuid(2) },
    { table: "accounts", op: "u", id: uuid(101) },
    { table: "accounts", op: "d", id: uuid(105) },
    { table: "accounts", op: "c", id: uuid(105) },
    { table: "accounts", op: "d", id: uuid(103) },
    { table: "users", op: "d", id: uuid(3) },
  ];
}

/** Written while Kafka Connect and a TaskManager restart, one row every `pauseMs` so the writes span them. */
export async function phaseThree(pg: PgClient, rows = 50, pauseMs = 0): Promise<ExpectedEvent[]> {
  const events: ExpectedEvent[] = [];
  for (let i = 0; i < rows; i++) {
    if (i > 0 && pauseMs > 0) await new Promise((r) => setTimeout(r, pauseMs));
    const id = uuid(1000 + i);
    await pg.query("INSERT INTO accounts (id, user_id, balance, currency) VALUES ($1, $2, $3, 'USD')", [id, uuid(4), `${i}.${String(i % 100).padStart(2, "0")}`]);
    events.push({ table: "accounts", op: "c", id });
    if (i % 5 === 0) {
      await pg.query("UPDATE accounts SET balance = balance + 1000000.01, updated_at = now() WHERE id = $1", [id]);
      events.push({ table: "accounts", op: "u", id });
    }
  }
  return events;
}

/** PostgreSQL's current rows, formatted the way {@link currentStateTrinoSql} formats Iceberg's. */
export const CURRENT_STATE_SQL = {
  postgres: {
    users: "SELECT id::text, email, name, to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') FROM users ORDER BY id",
    accounts: "SELECT id::text, user_id::text, balance::text, currency, to_char(updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') FROM accounts ORDER BY id",
  },
} as const;

/** The current-state tables in the namespace `state` (of the Trino session's catalog), formatted like {@link CURRENT_STATE_SQL}. */
export const currentStateTrinoSql = (state: string) => ({
  users: `SELECT id, email, name, CAST(created_at AS varchar) FROM ${state}.users ORDER BY id`,
  accounts: `SELECT id, user_id, CAST(balance AS varchar), currency, CAST(updated_at AS varchar) FROM ${state}.accounts ORDER BY id`,
});

/** The first row where two ordered row sets differ, described for a failure message. */
export function firstDifference(expected: unknown[][], actual: unknown[][]): string | undefined {
  const n = Math.max(expected.length, actual.length);
  for (let i = 0; i < n; i++) {
    const e = JSON.stringify(expected[i] ?? null);
    const a = JSON.stringify(actual[i] ?? null);
    if (e !== a) return `row ${i}: PostgreSQL ${e} vs Trino ${a} (${expected.length} vs ${actual.length} rows)`;
  }
  return undefined;
}

/**
 * Inserts an account every `pauseMs` until stopped, ids from `first` on: a workload that runs
 * across faults. `latest()` is the newest committed row's id; `stop()` ends the writes and
 * resolves with every event committed. A write that fails (PostgreSQL unreachable) ends it with that error.
 */
export function continuousWriter(pg: PgClient, first: number, pauseMs = 500): { latest: () => string | undefined; stop: () => Promise<ExpectedEvent[]> } {
  const events: ExpectedEvent[] = [];
  let running = true;
  const done = (async () => {
    for (let n = first; running; n++) {
      const id = uuid(n);
      await pg.query("INSERT INTO accounts (id, user_id, balance, currency) VALUES ($1, $2, $3, 'EUR')", [id, uuid(4), `${n}.00`]);
      events.push({ table: "accounts", op: "c", id });
      await new Promise((r) => setTimeout(r, pauseMs));
    }
    return events;
  })();
  return {
    latest: () => events[events.length - 1]?.id,
    stop: async () => {
      running = false;
      return done;
    },
  };
}
