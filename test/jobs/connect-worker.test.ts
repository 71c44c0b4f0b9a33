import { spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

/**
 * jobs/connect-worker.sh with a stand-in worker (a sleeping process that records the signal it
 * gets) and a stand-in curl answering what a Kafka Connect worker would.
 */
const SCRIPT = path.resolve(__dirname, "../../jobs/connect-worker.sh");

interface Outcome {
  exit: number | null;
  stderr: string;
  workerLog: string;
  seconds: number;
}

/** `curlReply`: what curl prints (body, newline, HTTP code); several separated by `|` are given in turn. */
function runWatched(curlReply: string, env: Record<string, string> = {}, stopAfterMs?: number): Promise<Outcome> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "connect-worker-"));
  const workerLog = path.join(dir, "worker.log");
  fs.writeFileSync(path.join(dir, "worker"), `#!/usr/bin/env bash\necho "started $*" >> ${workerLog}\ntrap 'echo TERM >> ${workerLog}; exit 143' TERM\nwhile true; do sleep 0.2; done\n`, {
    mode: 0o755,
  });
  // Each reply once, in turn; the last one for good.
  const replies = curlReply.split("|");
  fs.writeFileSync(
    path.join(dir, "curl"),
    `#!/usr/bin/env bash\nreplies=(${replies.map((r) => `'${r}'`).join(" ")})\nn=$(cat ${dir}/n 2>/dev/null || echo 0)\necho $((n + 1)) > ${dir}/n\ni=$(( n < \${#replies[@]} ? n : \${#replies[@]} - 1 ))\nprintf '%s' "\${replies[$i]}"\n`,
    { mode: 0o755 },
  );
  const t0 = Date.now();
  const child = spawn("bash", [SCRIPT, "start"], {
    env: {
      ...process.env,
      PATH: `${dir}:${process.env.PATH}`,
      WORKER_ENTRYPOINT: path.join(dir, "worker"),
      CONNECTOR_NAME: "bank-cdc",
      WATCHDOG_INTERVAL_SECONDS: "1",
      WATCHDOG_GRACE_SECONDS: "2",
      ...env,
    },
  });
  let stderr = "";
  child.stderr.on("data", (d) => (stderr += d));
  if (stopAfterMs !== undefined) setTimeout(() => child.kill("SIGTERM"), stopAfterMs);
  return new Promise((resolve) => {
    child.on("close", (exit) => {
      const log = fs.existsSync(workerLog) ? fs.readFileSync(workerLog, "utf8") : "";
      fs.rmSync(dir, { recursive: true, force: true });
      resolve({ exit, stderr, workerLog: log, seconds: (Date.now() - t0) / 1000 });
    });
  });
}

const UNASSIGNED = '{"name":"bank-cdc","connector":{"state":"UNASSIGNED","worker_id":"connect:8083"},"tasks":[{"id":0,"state":"RUNNING","worker_id":"connect:8083"}],"type":"source"}\n200';
const RUNNING = '{"name":"bank-cdc","connector":{"state":"RUNNING","worker_id":"connect:8083"},"tasks":[{"id":0,"state":"RUNNING","worker_id":"connect:8083"}],"type":"source"}\n200';
const PAUSED = '{"name":"bank-cdc","connector":{"state":"PAUSED","worker_id":"connect:8083"},"tasks":[{"id":0,"state":"PAUSED","worker_id":"connect:8083"}],"type":"source"}\n200';

describe("connect-worker.sh", () => {
  test("a connector UNASSIGNED past the grace period stops the worker, and the script exits non-zero so the restart policy applies", async () => {
    const o = await runWatched(UNASSIGNED);
    expect(o.workerLog).toBe("started start\nTERM\n");
    expect(o.exit).not.toBe(0);
    expect(o.stderr).toMatch(/connect-worker: connector bank-cdc UNASSIGNED \(.*\) for [0-9]+ s; restarting the worker/);
  }, 30_000);

  test("a worker that answered once and then stops answering (its herder stuck) is restarted", async () => {
    const o = await runWatched(`${RUNNING}|\n000`);
    expect(o.workerLog).toBe("started start\nTERM\n");
    expect(o.stderr).toMatch(/connect-worker: no answer from the worker's REST API \(HTTP 000\) for [0-9]+ s; restarting the worker/);
  }, 30_000);

  test.each([
    ["RUNNING", RUNNING],
    ["PAUSED (an operator's decision)", PAUSED],
    ["not registered yet (404)", '{"error_code":404}\n404'],
    ["no answer before the worker ever answered (starting)", "\n000"],
  ])(
    "%s: the worker is left running",
    async (_name, reply) => {
      const o = await runWatched(reply, {}, 5000);
      // Stopped by the test's TERM after 5 s (twice the grace), which the script passes on.
      expect(o.workerLog).toBe("started start\nTERM\n");
      expect(o.stderr).toBe("");
      expect(o.exit).toBe(143);
    },
    30_000,
  );
});
