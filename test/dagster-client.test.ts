import { ChildProcess, spawn } from "child_process";
import { once } from "events";
import { dagsterGraphql } from "../cli/dagster";

// Dagster's webserver (uvicorn) closes a connection idle for 5 s. A caller that blocks its event
// loop (the e2e's synchronous `docker stop`) cannot see that close in time: a request sent on a
// pooled connection right after it failed with "other side closed". Each Dagster call must open
// its own connection. The server runs in another process, so blocking this one does not stop it.
const SERVER = `
const http = require("http");
let connections = 0;
// Like uvicorn: no Keep-Alive header, and a connection idle for a while (here 300 ms) is closed.
const server = http.createServer((req, res) => {
  req.resume();
  req.on("end", () => {
    res.setHeader("content-type", "application/json");
    res.end(JSON.stringify({ data: { connections } }));
    const idle = setTimeout(() => req.socket.end(), 300);
    req.socket.once("data", () => clearTimeout(idle));
  });
});
server.on("connection", () => connections++);
server.keepAliveTimeout = 0;
server.listen(0, "127.0.0.1", () => console.log(server.address().port));
`;

describe("Dagster GraphQL client", () => {
  let server: ChildProcess;
  let url: string;

  beforeAll(async () => {
    server = spawn(process.execPath, ["-e", SERVER], { stdio: ["ignore", "pipe", "inherit"] });
    const [port] = await once(server.stdout!, "data");
    url = `http://127.0.0.1:${String(port).trim()}`;
  });
  afterAll(() => server.kill());

  test("answers the data, one connection per request, also right after the event loop was blocked past the server's idle close", async () => {
    const ask = () => dagsterGraphql(url, "{ connections }");
    expect([await ask(), await ask()]).toEqual([{ connections: 1 }, { connections: 2 }]);
    // Blocked for longer than the server keeps an idle connection: it closes it meanwhile.
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1_000);
    expect([await ask(), await ask()]).toEqual([{ connections: 3 }, { connections: 4 }]);
  });
});
