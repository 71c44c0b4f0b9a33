import * as http from "http";
import { AddressInfo } from "net";

/** A job as Flink's `/jobs/overview` lists it. */
export interface FakeJob {
  jid: string;
  name: string;
  state: string;
  "end-time": number;
  /** The restore path its SQL was started with (`execution.state-recovery.path`), if any. */
  restoredFrom?: string;
}

/** How the fake cluster behaves; every field may be changed between calls. */
export interface FakeFlinkBehaviour {
  /** State a job takes right after it is submitted (e.g. `FAILED`, or `CREATED` to stay pending). @default "RUNNING" */
  stateAfterSubmit: (jobName: string) => string;
  /** A Java stack trace the gateway answers a statement with (HTTP 500), or undefined to run it. */
  statementError: (statement: string) => string | undefined;
  /** Polls of a savepoint that answer IN_PROGRESS before it completes; `Infinity` never completes. @default 1 */
  savepointPolls: number;
  /** A stack trace a completed savepoint reports as its failure cause, or undefined. */
  savepointFailure?: string;
  /** HTTP status the gateway answers every request with (a starting or broken gateway), or undefined. */
  gatewayStatus?: number;
  /** Root exception of failed jobs. */
  rootException: string;
}

/** One request the fake servers received. */
export interface RecordedRequest {
  readonly server: "jobmanager" | "gateway";
  readonly method: string;
  readonly path: string;
  readonly body: any;
}

type Handler = (method: string, path: string, body: any) => { status: number; body?: unknown };

/**
 * A Flink JobManager REST API and SQL Gateway, as real HTTP servers on 127.0.0.1, holding the
 * jobs in memory. Statements run in sessions as Flink runs them: `SET 'pipeline.name'` names the
 * job, `SET 'execution.state-recovery.path'` restores it, `EXECUTE STATEMENT SET` submits it and
 * `EXPLAIN` plans without a job. Each statement's first result page is NOT_READY, as on a busy
 * gateway.
 */
export class FakeFlink {
  public readonly jobs: FakeJob[] = [];
  public readonly requests: RecordedRequest[] = [];
  public readonly behaviour: FakeFlinkBehaviour = {
    stateAfterSubmit: () => "RUNNING",
    statementError: () => undefined,
    savepointPolls: 1,
    rootException: "org.apache.flink.runtime.JobException: Recovery is suppressed\nCaused by: java.lang.IllegalStateException: boom",
  };
  public jobmanagerUrl = "";
  public gatewayUrl = "";
  private servers: http.Server[] = [];
  private sessions = new Map<string, { settings: Map<string, string>; operations: Map<string, { polled: number; error?: string; jobId?: string }> }>();
  private savepoints = new Map<string, { jid: string; polled: number; targetDirectory: string }>();
  private ids = 0;

  /** Starts both servers on free ports. */
  public async start(): Promise<this> {
    this.jobmanagerUrl = await this.listen("jobmanager", (m, p, b) => this.jobmanager(m, p, b));
    this.gatewayUrl = await this.listen("gateway", (m, p, b) => this.gateway(m, p, b));
    return this;
  }

  /** Stops both servers. */
  public async stop(): Promise<void> {
    await Promise.all(this.servers.map((s) => new Promise((resolve) => s.close(resolve))));
  }

  /** A job already running when the keeper looks, e.g. the old version. */
  public addJob(name: string, state = "RUNNING"): FakeJob {
    const job = { jid: this.id("job"), name, state, "end-time": -1 };
    this.jobs.push(job);
    return job;
  }

  /** Statements the gateway received, in order (also those it refused). */
  public statements(): string[] {
    return this.requests.filter((r) => r.server === "gateway" && r.method === "POST" && r.path.endsWith("/statements")).map((r) => r.body.statement);
  }

  /** Requests to paths matching `pattern` on one server. */
  public calls(server: RecordedRequest["server"], method: string, pattern: RegExp): RecordedRequest[] {
    return this.requests.filter((r) => r.server === server && r.method === method && pattern.test(r.path));
  }

  private id(kind: string): string {
    return `${kind}-${++this.ids}`;
  }

  private jobmanager(method: string, path: string, body: any): { status: number; body?: unknown } {
    let m: RegExpExecArray | null;
    if (method === "GET" && path === "/jobs/overview") return ok({ jobs: this.jobs.map(({ restoredFrom: _r, ...j }) => j) });
    if ((m = /^\/jobs\/([^/]+)(\/.*)?$/.exec(path))) {
      const job = this.jobs.find((j) => j.jid === m![1]);
      if (!job) return { status: 404, body: { errors: [`Job ${m[1]} not found`] } };
      const rest = m[2] ?? "";
      if (method === "GET" && rest === "") return ok({ jid: job.jid, name: job.name, state: job.state });
      if (method === "GET" && rest === "/checkpoints") return ok({ latest: { completed: { latest_ack_timestamp: 1_700_000_000_000 } } });
      if (method === "GET" && rest === "/exceptions") return ok({ "root-exception": this.behaviour.rootException });
      if (method === "POST" && rest === "/stop") {
        const requestId = this.id("savepoint");
        this.savepoints.set(requestId, { jid: job.jid, polled: 0, targetDirectory: body.targetDirectory });
        return ok({ "request-id": requestId });
      }
      const s = /^\/savepoints\/(.+)$/.exec(rest);
      if (method === "GET" && s && this.savepoints.has(s[1])) return ok(this.savepoint(s[1]));
    }
    return { status: 404, body: { errors: ["Not found"] } };
  }

  private savepoint(requestId: string): unknown {
    const sp = this.savepoints.get(requestId)!;
    if (sp.polled++ < this.behaviour.savepointPolls) return { status: { id: "IN_PROGRESS" } };
    if (this.behaviour.savepointFailure) return { status: { id: "COMPLETED" }, operation: { "failure-cause": { "stack-trace": this.behaviour.savepointFailure } } };
    const job = this.jobs.find((j) => j.jid === sp.jid)!;
    job.state = "FINISHED";
    job["end-time"] = Date.now();
    return { status: { id: "COMPLETED" }, operation: { location: `${sp.targetDirectory}/${requestId}` } };
  }

  private gateway(method: string, path: string, body: any): { status: number; body?: unknown } {
    if (this.behaviour.gatewayStatus) return { status: this.behaviour.gatewayStatus, body: { errors: ["gateway unavailable"] } };
    let m: RegExpExecArray | null;
    if (method === "GET" && path === "/v1/info") return ok({ productName: "Apache Flink", version: "1.20.1" });
    if (method === "POST" && path === "/v1/sessions") {
      const sessionHandle = this.id("session");
      this.sessions.set(sessionHandle, { settings: new Map(), operations: new Map() });
      return ok({ sessionHandle });
    }
    if (method === "DELETE" && (m = /^\/v1\/sessions\/([^/]+)$/.exec(path))) {
      this.sessions.delete(m[1]);
      return ok({ status: "CLOSED" });
    }
    if (method === "POST" && (m = /^\/v1\/sessions\/([^/]+)\/statements$/.exec(path))) {
      const session = this.sessions.get(m[1]);
      if (!session) return { status: 404, body: { errors: ["session not found"] } };
      const operationHandle = this.id("op");
      session.operations.set(operationHandle, this.run(session.settings, body.statement));
      return ok({ operationHandle });
    }
    if (method === "GET" && (m = /^\/v1\/sessions\/([^/]+)\/operations\/([^/]+)\/result\/0$/.exec(path))) {
      const op = this.sessions.get(m[1])?.operations.get(m[2]);
      if (!op) return { status: 404, body: { errors: ["operation not found"] } };
      if (op.polled++ === 0) return ok({ resultType: "NOT_READY", nextResultUri: path });
      if (op.error) return { status: 500, body: { errors: ["Internal server error.", op.error] } };
      return ok({ resultType: "EOS", jobID: op.jobId });
    }
    return { status: 404, body: { errors: ["Not found"] } };
  }

  /** Runs one statement in a session: what it sets, submits or refuses. */
  private run(settings: Map<string, string>, statement: string): { polled: number; error?: string; jobId?: string } {
    const error = this.behaviour.statementError(statement);
    if (error) return { polled: 0, error };
    const set = /^SET\s+'([^']+)'\s*=\s*'([^']*)'$/i.exec(statement.trim());
    if (set) {
      settings.set(set[1], set[2]);
      return { polled: 0 };
    }
    if (!/^EXECUTE\s+STATEMENT\s+SET\b/i.test(statement)) return { polled: 0 };
    const name = settings.get("pipeline.name") ?? "unnamed";
    const job: FakeJob = { jid: this.id("job"), name, state: this.behaviour.stateAfterSubmit(name), "end-time": -1, restoredFrom: settings.get("execution.state-recovery.path") };
    this.jobs.push(job);
    return { polled: 0, jobId: job.jid };
  }

  private listen(server: RecordedRequest["server"], handle: Handler): Promise<string> {
    const s = http.createServer((req, res) => {
      let text = "";
      req.on("data", (chunk) => (text += chunk));
      req.on("end", () => {
        const body = text === "" ? undefined : JSON.parse(text);
        const path = (req.url ?? "/").split("?")[0];
        this.requests.push({ server, method: req.method ?? "GET", path, body });
        const answer = handle(req.method ?? "GET", path, body);
        res.writeHead(answer.status, { "content-type": "application/json" });
        res.end(answer.body === undefined ? "" : JSON.stringify(answer.body));
      });
    });
    this.servers.push(s);
    return new Promise((resolve) => s.listen(0, "127.0.0.1", () => resolve(`http://127.0.0.1:${(s.address() as AddressInfo).port}`)));
  }
}

function ok(body: unknown): { status: number; body: unknown } {
  return { status: 200, body };
}
