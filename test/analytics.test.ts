import { analyticsQueries } from "../constructs/analytics";

describe("analyticsQueries", () => {
  const queries = analyticsQueries({ catalog: "lake", rawDatabase: "cdc_raw", stateDatabase: "cdc_state", tables: ["users", "accounts"] });

  test("renders the seed's queries for the deployment's names", () => {
    expect(queries.map((q) => q.name)).toEqual(["latest-balance-per-account", "operations-per-day", "user-growth"]);
    expect(queries.find((q) => q.name === "latest-balance-per-account")!.sql).toContain("FROM lake.cdc_raw.accounts");
    expect(queries.find((q) => q.name === "operations-per-day")!.sql).toMatch(/FROM lake\.cdc_raw\.users\s+UNION ALL\s+SELECT .* FROM lake\.cdc_raw\.accounts/);
  });

  test("recommends the current-state table for the latest balances, and the seed's own query elsewhere", () => {
    const recommended = Object.fromEntries(queries.map((q) => [q.name, q.recommendedSql]));
    expect(recommended["latest-balance-per-account"]).toMatch(/FROM lake\.cdc_state\.accounts\s+ORDER BY account_id$/);
    expect(recommended["operations-per-day"]).toBeUndefined();
    expect(recommended["user-growth"]).toBeUndefined();
  });
});
