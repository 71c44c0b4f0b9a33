import { createServer, Server } from "http";
import { AddressInfo } from "net";
import { dagsterGraphql } from "../cli/dagster";

// Dagster's webserver closes a connection idle for 5 s. The client must give up an idle
// connection well before that, or a request every ~5 s races the server's close.
describe("Dagster GraphQL client", () => {
  let server: Server;
  let url: string;
  const closedAfterMs: number[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      req.resume();
      req.on("end", () => {
        const answeredAt = Date.now();
        req.socket.once("close", () => closedAfterMs.push(Date.now() - answeredAt));
        res.setHeader("content-type", "application/json");
        res.end(JSON.stringify({ data: { ok: true } }));
      });
    });
    server.keepAliveTimeout = 5_000;
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  test("answers the data, and drops the idle connection within ~2 s, before the server's 5 s", async () => {
    await expect(dagsterGraphql(url, "{ ok }")).resolves.toEqual({ ok: true });
    await new Promise((r) => setTimeout(r, 3_000));
    expect(closedAfterMs).toHaveLength(1);
    expect(closedAfterMs[0]).toBeLessThan(2_500);
  });
});
