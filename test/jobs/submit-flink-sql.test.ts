import { StreamJob, Lakehouse } from "../../constructs";
import { stackOn } from "../helpers";

// eslint-disable-next-line @typescript-eslint/no-var-requires
const { splitStatements } = require("../../jobs/submit-flink-sql.js");

beforeAll(() => jest.spyOn(console, "log").mockImplementation(() => undefined));

describe("splitStatements", () => {
  test("splits on semicolons outside quotes and comments", () => {
    expect(splitStatements("SET 'a' = 'x;y';\n-- a comment; with a semicolon\nCREATE TABLE `t;` (a INT);\n")).toEqual(["SET 'a' = 'x;y'", "CREATE TABLE `t;` (a INT)"]);
  });

  test("keeps an EXECUTE STATEMENT SET block as one statement", () => {
    expect(splitStatements("SET 'x' = '1';\nEXECUTE STATEMENT SET\nBEGIN\nINSERT INTO a SELECT 1;\nINSERT INTO b SELECT 2;\nEND;\n")).toEqual([
      "SET 'x' = '1'",
      "EXECUTE STATEMENT SET\nBEGIN\nINSERT INTO a SELECT 1;\nINSERT INTO b SELECT 2;\nEND",
    ]);
  });

  test("rejects an unterminated block or quote", () => {
    expect(() => splitStatements("EXECUTE STATEMENT SET BEGIN INSERT INTO a SELECT 1;")).toThrow("EXECUTE STATEMENT SET BEGIN without END");
    expect(() => splitStatements("SET 'a = 1;")).toThrow(/unterminated '/);
  });

  test("the rendered pipeline splits into settings, catalog, tables and one statement set", () => {
    const { stack, platform } = stackOn("docker");
    const job = new Lakehouse(stack, "L", { platform, dashboards: false }).streamJob as StreamJob;
    const statements: string[] = splitStatements(job.sql);
    expect(statements.filter((s) => s.startsWith("SET "))).toHaveLength(6);
    expect(statements.filter((s) => s.startsWith("CREATE TEMPORARY TABLE"))).toHaveLength(4);
    expect(statements.filter((s) => s.startsWith("CREATE TABLE IF NOT EXISTS"))).toHaveLength(4);
    const set = statements[statements.length - 1];
    expect(set).toMatch(/^EXECUTE STATEMENT SET\nBEGIN\n/);
    expect(set.match(/INSERT INTO/g)).toHaveLength(4);
    expect(set).toMatch(/;\nEND$/);
  });
});
