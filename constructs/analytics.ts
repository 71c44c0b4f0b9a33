import Mustache from "mustache";
import { asset, assetNames } from "./assets";

/** The seed's analytics queries (sql/analytics/*.sql), rendered for one deployment's names. */
export interface AnalyticsQuery {
  /** File name without extension, e.g. `operations-per-day`. */
  readonly name: string;
  /** Human title, e.g. `Operations per day`. */
  readonly title: string;
  /** The query, rendered for the deployment's catalog, namespaces and tables. */
  readonly sql: string;
  /**
   * The project's recommended way to get the same answer, where it differs from the seed's query
   * (sql/analytics/recommended/<name>.sql): e.g. the current-state table instead of replaying
   * the raw log. `lakehouse bench` times both and checks they agree.
   */
  readonly recommendedSql?: string;
}

/** Names of one deployment that the analytics queries are rendered with. */
export interface AnalyticsNames {
  /** Trino catalog of the Iceberg tables. */
  readonly catalog: string;
  /** Iceberg namespace of the raw CDC log tables. */
  readonly rawDatabase: string;
  /** Iceberg namespace of the current-state tables. */
  readonly stateDatabase: string;
  /** Captured table names. */
  readonly tables: string[];
}

/** Tables the analytics queries read; a dashboard over them needs these captured. */
export const ANALYTICS_TABLES = ["users", "accounts"];

/** Every query under sql/analytics/, rendered for `names`, in file-name order. */
export function analyticsQueries(names: AnalyticsNames): AnalyticsQuery[] {
  const view = { ...names, tables: names.tables.map((name, i) => ({ name, last: i === names.tables.length - 1 })) };
  const render = (file: string) => Mustache.render(asset(file), view, {}, { escape: (s: string) => s }).trim();
  const recommended = new Set(assetNames("sql/analytics/recommended", ".sql"));
  return assetNames("sql/analytics", ".sql").map((file) => {
    const name = file.replace(/\.sql$/, "");
    return {
      name,
      title: name.charAt(0).toUpperCase() + name.slice(1).replace(/-/g, " "),
      sql: render(`sql/analytics/${file}`),
      ...(recommended.has(file) ? { recommendedSql: render(`sql/analytics/recommended/${file}`) } : {}),
    };
  });
}
