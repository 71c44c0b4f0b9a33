import { SqlEngine } from "./sql-keywords";
import { validateUnreservedIdentifier, ValidationError } from "./validation";

/**
 * The source schema as data: SourceDb renders it to PostgreSQL DDL, StreamJob to Flink SQL
 * (Debezium JSON in, Iceberg out), so one definition decides what every layer sees.
 */

/** PostgreSQL column types that the pipeline carries exactly end to end. */
export type ColumnType =
  | {
      /** `uuid` */
      readonly kind: "uuid";
    }
  | {
      /** `text` */
      readonly kind: "text";
    }
  | {
      /** `varchar(length)` */
      readonly kind: "varchar";
      /** Maximum length in characters. */
      readonly length: number;
    }
  | {
      /** `numeric(precision, scale)`, carried as an exact decimal (never a float). */
      readonly kind: "numeric";
      /** Total number of digits. */
      readonly precision: number;
      /** Digits after the decimal point. */
      readonly scale: number;
    }
  | {
      /** `integer` (32-bit) */
      readonly kind: "integer";
    }
  | {
      /** `bigint` (64-bit) */
      readonly kind: "bigint";
    }
  | {
      /** `boolean` */
      readonly kind: "boolean";
    }
  | {
      /** `timestamptz`, microsecond precision, UTC in Iceberg. */
      readonly kind: "timestamptz";
    };

/** Constructors of {@link ColumnType} values, e.g. `ColumnTypes.numeric(18, 2)`. */
export const ColumnTypes = {
  /** `uuid` */
  uuid: (): ColumnType => ({ kind: "uuid" }),
  /** `text` */
  text: (): ColumnType => ({ kind: "text" }),
  /** `varchar(length)` */
  varchar: (length: number): ColumnType => ({ kind: "varchar", length }),
  /** `numeric(precision, scale)` */
  numeric: (precision: number, scale: number): ColumnType => ({ kind: "numeric", precision, scale }),
  /** `integer` */
  integer: (): ColumnType => ({ kind: "integer" }),
  /** `bigint` */
  bigint: (): ColumnType => ({ kind: "bigint" }),
  /** `boolean` */
  boolean: (): ColumnType => ({ kind: "boolean" }),
  /** `timestamptz` */
  timestamptz: (): ColumnType => ({ kind: "timestamptz" }),
};

/** One column of a captured table. */
export interface ColumnSchema {
  /** Column name: a lower-case SQL identifier. */
  readonly name: string;
  /** Column type. */
  readonly type: ColumnType;
  /** @default true */
  readonly nullable?: boolean;
  /** SQL default expression, e.g. `gen_random_uuid()` or `now()`. @default - none */
  readonly default?: string;
  /** Foreign key: `table.column` in the same schema. @default - none */
  readonly references?: string;
}

/** One table of the source database, as every layer sees it. */
export interface TableSchema {
  /** Table name: a lower-case SQL identifier. */
  readonly name: string;
  /** Columns, in DDL order. */
  readonly columns: ColumnSchema[];
  /** Primary key columns. */
  readonly primaryKey: string[];
}

/** The seed's bank schema: users and their accounts. */
export const BANK_TABLES: TableSchema[] = [
  {
    name: "users",
    primaryKey: ["id"],
    columns: [
      { name: "id", type: ColumnTypes.uuid(), nullable: false, default: "gen_random_uuid()" },
      { name: "email", type: ColumnTypes.text(), nullable: false },
      { name: "name", type: ColumnTypes.text() },
      { name: "created_at", type: ColumnTypes.timestamptz(), nullable: false, default: "now()" },
    ],
  },
  {
    name: "accounts",
    primaryKey: ["id"],
    columns: [
      { name: "id", type: ColumnTypes.uuid(), nullable: false, default: "gen_random_uuid()" },
      { name: "user_id", type: ColumnTypes.uuid(), nullable: false, references: "users.id" },
      { name: "balance", type: ColumnTypes.numeric(18, 2), nullable: false, default: "0" },
      { name: "currency", type: ColumnTypes.varchar(3), nullable: false, default: "'USD'" },
      { name: "updated_at", type: ColumnTypes.timestamptz(), nullable: false, default: "now()" },
    ],
  },
];

/** PostgreSQL type name. */
export function postgresType(t: ColumnType): string {
  switch (t.kind) {
    case "varchar":
      return `varchar(${t.length})`;
    case "numeric":
      return `numeric(${t.precision},${t.scale})`;
    default:
      return t.kind;
  }
}

/**
 * Flink type of the column as Debezium's JSON carries it. NUMERIC arrives as a string
 * (decimal.handling.mode=string) and timestamptz as an ISO-8601 string, so both are read as
 * STRING and converted exactly by {@link flinkValue}.
 */
export function flinkSourceType(t: ColumnType): string {
  switch (t.kind) {
    case "integer":
      return "INT";
    case "bigint":
      return "BIGINT";
    case "boolean":
      return "BOOLEAN";
    default:
      return "STRING";
  }
}

/** Flink (and so Iceberg) type of the column in the current-state table. */
export function flinkSinkType(t: ColumnType): string {
  switch (t.kind) {
    case "numeric":
      return `DECIMAL(${t.precision}, ${t.scale})`;
    case "timestamptz":
      // UTC wall-clock time, microsecond precision: Trino shows timestamp(6).
      return "TIMESTAMP(6)";
    default:
      return flinkSourceType(t);
  }
}

/** Iceberg type of the column in the current-state table (as Iceberg's JSON schema writes it). */
export function icebergType(t: ColumnType): string {
  switch (t.kind) {
    case "numeric":
      return `decimal(${t.precision}, ${t.scale})`;
    case "timestamptz":
      return "timestamp";
    case "integer":
      return "int";
    case "bigint":
      return "long";
    case "boolean":
      return "boolean";
    default:
      return "string";
  }
}

/** Flink expression converting the source column to the sink type without losing a digit. */
export function flinkValue(column: string, t: ColumnType): string {
  const ref = `\`${column}\``;
  switch (t.kind) {
    case "numeric":
      return `CAST(${ref} AS DECIMAL(${t.precision}, ${t.scale}))`;
    case "timestamptz":
      // Debezium's ZonedTimestamp is UTC ISO-8601 (`2024-05-01T10:00:00.123456Z`).
      return `CAST(REPLACE(REPLACE(${ref}, 'T', ' '), 'Z', '') AS TIMESTAMP(6))`;
    default:
      return ref;
  }
}

/** The column as `ALTER TABLE ... ADD COLUMN` and `CREATE TABLE` write it (no primary key). */
function columnDefinition(c: ColumnSchema): string {
  const parts = [postgresType(c.type)];
  if (c.nullable === false) parts.push("NOT NULL");
  if (c.default !== undefined) parts.push(`DEFAULT ${c.default}`);
  if (c.references) {
    const [table, column] = c.references.split(".");
    parts.push(`REFERENCES ${table} (${column})`);
  }
  return parts.join(" ");
}

/** The type as PostgreSQL's `format_type()` reports it, to compare with what a table has. */
function formattedType(t: ColumnType): string {
  switch (t.kind) {
    case "varchar":
      return `character varying(${t.length})`;
    case "numeric":
      return `numeric(${t.precision},${t.scale})`;
    case "timestamptz":
      return "timestamp with time zone";
    default:
      return t.kind;
  }
}

/** Idempotent PostgreSQL DDL that creates the tables (in dependency order as given). */
export function postgresDdl(tables: TableSchema[]): string {
  return tables
    .map((t) => {
      const cols = t.columns.map((c) => `  ${c.name} ${columnDefinition(c)}`);
      cols.push(`  PRIMARY KEY (${t.primaryKey.join(", ")})`);
      return `CREATE TABLE IF NOT EXISTS ${t.name} (\n${cols.join(",\n")}\n);`;
    })
    .join("\n\n");
}

/**
 * Creates missing tables and migrates existing ones to the schema in code: adds new columns and
 * widens types (varchar longer or to text, numeric with more digits at the same scale, integer to
 * bigint). Anything that would lose or reinterpret data (a column dropped or renamed, a type
 * narrowed or changed, another primary key, a NOT NULL column without default on a table with
 * rows) stops the job before it changes anything, naming table, column and the way out.
 */
export function postgresMigration(tables: TableSchema[], captured: string[]): string {
  const blocks = tables.map((t) => {
    const want = t.columns.map((c) => ({ name: c.name, type: formattedType(c.type), definition: columnDefinition(c), required: c.nullable === false && c.default === undefined }));
    return `DO $migrate$
DECLARE
  tbl regclass := '${t.name}'::regclass;
  -- One column per line, so a plan's diff of this file shows the column that changed.
  want jsonb := '[
${want.map((w) => `    ${JSON.stringify(w).replace(/'/g, "''")}`).join(",\n")}
  ]';
  c jsonb;
  have text;
  target text;
BEGIN
  FOR have IN SELECT attname FROM pg_attribute WHERE attrelid = tbl AND attnum > 0 AND NOT attisdropped
      AND attname NOT IN (SELECT jsonb_array_elements(want)->>'name') LOOP
    RAISE EXCEPTION 'SourceDb: column ${t.name}.% is in PostgreSQL but not in tables: dropping or renaming a column is not migrated${captured.includes(t.name) ? " (downstream tables would keep it)" : ""}. Keep it in tables, or drop it in PostgreSQL yourself first.', have;
  END LOOP;
  IF (SELECT array_agg(a.attname::text ORDER BY k.n) FROM pg_index i CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, n)
      JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum WHERE i.indrelid = tbl AND i.indisprimary)
      IS DISTINCT FROM ARRAY[${t.primaryKey.map((k) => `'${k}'`).join(", ")}]::text[] THEN
    RAISE EXCEPTION 'SourceDb: the primary key of ${t.name} differs from (${t.primaryKey.join(", ")}) in tables: changing a primary key is not migrated. Keep the existing key, or capture a new table.';
  END IF;
  FOR c IN SELECT jsonb_array_elements(want) LOOP
    SELECT format_type(atttypid, atttypmod) INTO have FROM pg_attribute WHERE attrelid = tbl AND attname = c->>'name' AND NOT attisdropped;
    target := c->>'type';
    IF have IS NULL THEN
      IF (c->>'required')::boolean AND EXISTS (SELECT 1 FROM ${t.name}) THEN
        RAISE EXCEPTION 'SourceDb: new column ${t.name}.% is NOT NULL without a default and the table has rows. Give it a default, or make it nullable.', c->>'name';
      END IF;
      EXECUTE format('ALTER TABLE ${t.name} ADD COLUMN %I %s', c->>'name', c->>'definition');
      RAISE NOTICE 'migrated: added column ${t.name}.%', c->>'name';
    ELSIF have <> target THEN
      IF NOT (
        (have ~ '^character varying' AND target = 'text')
        OR (have ~ '^character varying\\(' AND target ~ '^character varying\\(' AND substring(target FROM '\\d+')::int > substring(have FROM '\\d+')::int)
        OR (have ~ '^numeric\\(' AND target ~ '^numeric\\(' AND substring(have FROM ',(\\d+)') = substring(target FROM ',(\\d+)')
            AND substring(target FROM '\\((\\d+)')::int > substring(have FROM '\\((\\d+)')::int)
        OR (have = 'integer' AND target = 'bigint')
      ) THEN
        RAISE EXCEPTION 'SourceDb: column ${t.name}.% is % in PostgreSQL and % in tables: only widening is migrated (longer varchar, text, more numeric digits at the same scale, integer to bigint). Keep the type, or add a new column.', c->>'name', have, target;
      END IF;
      EXECUTE format('ALTER TABLE ${t.name} ALTER COLUMN %I TYPE %s', c->>'name', target);
      RAISE NOTICE 'migrated: ${t.name}.% from % to %', c->>'name', have, target;
    END IF;
  END LOOP;
END
$migrate$;`;
  });
  return [postgresDdl(tables), "", "-- Existing tables follow the schema in code: additive and widening changes only.", ...blocks].join("\n");
}

/** Where a table name is written unquoted: PostgreSQL's DDL, Flink's table paths, Trino queries. */
const TABLE_NAME_ENGINES: SqlEngine[] = ["PostgreSQL", "Flink SQL", "Trino"];
/** Where a column name is written unquoted; Flink SQL quotes every column in backticks. */
const COLUMN_NAME_ENGINES: SqlEngine[] = ["PostgreSQL", "Trino"];
/** PostgreSQL's limit of `varchar(n)`. */
const MAX_VARCHAR_LENGTH = 10_485_760;
/** Flink's and Iceberg's limit of `DECIMAL(p, s)`. */
const MAX_NUMERIC_PRECISION = 38;
const COLUMN_KINDS: ReadonlySet<string> = new Set(["uuid", "text", "varchar", "numeric", "integer", "bigint", "boolean", "timestamptz"]);

/**
 * Checks a schema before any layer renders it: identifiers that no engine on the way reserves,
 * tables and columns defined once, type parameters PostgreSQL, Flink and Iceberg accept, primary
 * keys and foreign keys that name existing columns.
 */
export function validateTables(construct: string, prop: string, tables: TableSchema[]): void {
  if (tables.length === 0) {
    throw new ValidationError(construct, prop, "must hold at least one table", tables, "Define a table or leave the prop unset for the bank schema.");
  }
  const names = new Set<string>();
  for (const table of tables) {
    validateUnreservedIdentifier(construct, `${prop} table name`, table.name, TABLE_NAME_ENGINES);
    if (names.has(table.name)) {
      throw new ValidationError(construct, prop, "defines a table twice", table.name, "Give each table its own name.");
    }
    names.add(table.name);
    validateColumns(construct, prop, table);
    validatePrimaryKey(construct, prop, table);
    validateReferences(
      construct,
      prop,
      table,
      tables.filter((t) => names.has(t.name)),
    );
  }
}

function validateColumns(construct: string, prop: string, table: TableSchema): void {
  const seen = new Set<string>();
  for (const column of table.columns) {
    validateUnreservedIdentifier(construct, `${prop} column name of '${table.name}'`, column.name, COLUMN_NAME_ENGINES);
    if (seen.has(column.name)) {
      throw new ValidationError(construct, `${prop} table '${table.name}' columns`, "define a column twice", column.name, "Give each column of a table its own name.");
    }
    seen.add(column.name);
    validateColumnType(construct, `${prop} column '${table.name}.${column.name}'`, column.type);
  }
}

/** Type parameters that every engine accepts: PostgreSQL refuses the rest at apply, Flink and Iceberg later. */
function validateColumnType(construct: string, prop: string, type: ColumnType): void {
  if (!COLUMN_KINDS.has(type.kind)) {
    throw new ValidationError(construct, `${prop} type`, "is not a type the pipeline carries", type, `Use one of ColumnTypes: ${[...COLUMN_KINDS].join(", ")}.`);
  }
  if (type.kind === "varchar" && !(Number.isInteger(type.length) && type.length >= 1 && type.length <= MAX_VARCHAR_LENGTH)) {
    throw new ValidationError(construct, prop, "has an invalid varchar length", type, `Use varchar(n) with 1 <= n <= ${MAX_VARCHAR_LENGTH}, or text.`);
  }
  if (type.kind === "numeric") {
    const { precision, scale } = type;
    if (!(Number.isInteger(precision) && Number.isInteger(scale) && precision >= 1 && precision <= MAX_NUMERIC_PRECISION && scale >= 0 && scale <= precision)) {
      throw new ValidationError(construct, prop, "has an invalid numeric precision/scale", type, `Use numeric(p, s) with 1 <= p <= ${MAX_NUMERIC_PRECISION} and 0 <= s <= p.`);
    }
  }
}

function validatePrimaryKey(construct: string, prop: string, table: TableSchema): void {
  const keyProp = `${prop} table '${table.name}' primaryKey`;
  if (table.primaryKey.length === 0) {
    throw new ValidationError(construct, keyProp, "must name at least one column", table.primaryKey, "Captured tables need a primary key so current state can be upserted.");
  }
  const columns = table.columns.map((c) => c.name);
  for (const [i, key] of table.primaryKey.entries()) {
    if (!columns.includes(key)) {
      throw new ValidationError(construct, keyProp, "names a column the table does not have", key, `Use one of: ${columns.join(", ")}.`);
    }
    if (table.primaryKey.indexOf(key) !== i) {
      throw new ValidationError(construct, keyProp, "names a column twice", key, "Name each key column once.");
    }
  }
}

/** Foreign keys name a column of this table or of one defined before it (the DDL runs in order). */
function validateReferences(construct: string, prop: string, table: TableSchema, defined: TableSchema[]): void {
  for (const column of table.columns) {
    if (!column.references) continue;
    const [refTable, refColumn] = column.references.split(".");
    const target = defined.find((t) => t.name === refTable);
    if (!target || !target.columns.some((c) => c.name === refColumn)) {
      throw new ValidationError(
        construct,
        `${prop} column '${table.name}.${column.name}' references`,
        "must name a column of a table defined before it",
        column.references,
        "Use 'table.column' of an earlier table.",
      );
    }
  }
}

/** The type changes the schema job migrates (see {@link postgresMigration}): widening only. */
export function isWidening(from: ColumnType, to: ColumnType): boolean {
  if (from.kind === "varchar") return to.kind === "text" || (to.kind === "varchar" && to.length > from.length);
  if (from.kind === "numeric") return to.kind === "numeric" && to.scale === from.scale && to.precision > from.precision;
  return from.kind === "integer" && to.kind === "bigint";
}

/**
 * What the schema job would refuse when `wanted` replaces the `deployed` tables, one message per
 * change, naming table, column and the way out (the same refusals as {@link postgresMigration}),
 * so a pull request learns it at synth. A table left out of `wanted` is left alone, not dropped.
 * A new NOT NULL column without a default is refused at apply only: whether the table has rows
 * only the database knows.
 */
export function incompatibleChanges(deployed: TableSchema[], wanted: TableSchema[]): string[] {
  const problems: string[] = [];
  for (const want of wanted) {
    const had = deployed.find((t) => t.name === want.name);
    if (!had) continue;
    for (const old of had.columns) {
      const now = want.columns.find((c) => c.name === old.name);
      if (!now) {
        problems.push(
          `column ${want.name}.${old.name} was deployed and is gone from tables: dropping or renaming a column is not migrated. Keep it in tables, or drop it in PostgreSQL yourself first.`,
        );
      } else if (postgresType(now.type) !== postgresType(old.type) && !isWidening(old.type, now.type)) {
        problems.push(
          `column ${want.name}.${old.name} was deployed as ${postgresType(old.type)} and is ${postgresType(now.type)} in tables: only widening is migrated (longer varchar, text, more numeric digits at the same scale, integer to bigint). Keep the type, or add a new column.`,
        );
      }
    }
    if (had.primaryKey.join(",") !== want.primaryKey.join(",")) {
      problems.push(
        `the primary key of ${want.name} was deployed as (${had.primaryKey.join(", ")}) and is (${want.primaryKey.join(", ")}) in tables: changing a primary key is not migrated. Keep the existing key, or capture a new table.`,
      );
    }
  }
  return problems;
}
