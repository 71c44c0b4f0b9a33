import { columnType, PEER, peerStatements } from "../cli/peer";
import { ColumnTypes } from "../constructs/schema";

const INPUT = {
  columns: [
    { name: "id", type: ColumnTypes.uuid() },
    { name: "balance", type: ColumnTypes.numeric(18, 2) },
    { name: "updated_at", type: ColumnTypes.timestamptz() },
  ],
  primaryKey: ["id"],
  checkpointIntervalMs: 5000,
  postgres: { host: "postgres", port: 5432, user: "postgres", password: "it's secret", database: "bank" },
  catalogUri: "http://iceberg-rest:8181",
  s3Endpoint: "http://minio:9000",
  warehouse: "s3://lakehouse/warehouse",
};

describe("bench --peer: the Flink CDC peer's SQL", () => {
  const statements = peerStatements(INPUT);
  const source = statements.find((s) => s.includes("'postgres-cdc'"))!;
  const sink = statements.find((s) => s.startsWith(`CREATE TABLE IF NOT EXISTS peer.${PEER.namespace}.accounts`))!;

  test("loads the connector for its session only, then checkpoints like the pipeline", () => {
    expect(statements[0]).toBe(`ADD JAR '${PEER.connectorJar}'`);
    expect(statements).toContain("SET 'execution.checkpointing.interval' = '5000ms'");
    expect(statements[statements.length - 1]).toMatch(/^INSERT INTO peer\.bench_peer\.accounts SELECT/);
  });

  test("reads its own table through its own publication and slot, from now on", () => {
    expect(source).toContain(`'table-name' = '${PEER.table}'`);
    expect(source).toContain(`'slot.name' = '${PEER.slot}'`);
    expect(source).toContain(`'debezium.publication.name' = '${PEER.publication}'`);
    expect(source).toContain("'scan.startup.mode' = 'latest-offset'");
  });

  test("timestamptz is read as TIMESTAMP_LTZ and stored as UTC TIMESTAMP(6), as the pipeline stores it; decimals stay exact", () => {
    expect(source).toContain("`updated_at` TIMESTAMP_LTZ(6)");
    expect(sink).toContain("`updated_at` TIMESTAMP(6)");
    expect(sink).toContain("`balance` DECIMAL(18, 2)");
    expect(statements[statements.length - 1]).toContain("CAST(`updated_at` AS TIMESTAMP(6))");
    expect(sink).toContain("'write.upsert.enabled' = 'true'");
  });

  test("quotes the password as a SQL string", () => {
    expect(source).toContain("'password' = 'it''s secret'");
  });
});

describe("bench --peer: PostgreSQL columns as column types", () => {
  const col = (data_type: string, extra: Partial<Parameters<typeof columnType>[0]> = {}) =>
    columnType({ data_type, character_maximum_length: null, numeric_precision: null, numeric_scale: null, ...extra });

  test("maps the types a captured table may have", () => {
    expect(col("numeric", { numeric_precision: 18, numeric_scale: 2 })).toEqual(ColumnTypes.numeric(18, 2));
    expect(col("character varying", { character_maximum_length: 3 })).toEqual(ColumnTypes.varchar(3));
    expect(col("timestamp with time zone")).toEqual(ColumnTypes.timestamptz());
  });

  test("refuses a type the peer cannot read, naming it", () => {
    expect(() => col("jsonb")).toThrow(/jsonb/);
  });
});
