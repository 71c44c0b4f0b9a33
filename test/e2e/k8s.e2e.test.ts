import { ChildProcess, spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as https from "https";
import * as path from "path";
import { Client as PgClient } from "pg";
import { status } from "../../cli/status";
import { getJson, resolveTarget } from "../../cli/target";
import { verify } from "../../cli/verify";
import { environments, settingsFromEnv } from "../../stacks/environments";
import { waitForExactState, waitForOneRawRowPerEvent } from "./exactness";
import { DeployedStack, deployedStack, eventually, hostAndPort, Lake, lakeOf, postgres, trinoRows } from "./clients";
import { continuousWriter, ExpectedEvent, phaseOne, phaseThree, phaseTwo, SEED_EVENTS } from "./workload";

/**
 * A Kubernetes stack for real (`k8s`, or `k8s-ha` with E2E_K8S_STACK=k8s-ha): `cdktf deploy` on
 * the local single-node cluster of scripts/k8s/ (KUBECONFIG set by scripts/e2e-k8s.sh), the
 * PostgreSQL workload of the Docker e2e, Trino's current-state tables equal to PostgreSQL, the
 * JobManager's pod deleted mid-workload (the keeper restores the job from its checkpoint), on
 * `k8s-ha` a pod of each replicated workload deleted in turn under a continuous workload, a plan
 * with no changes, and `cdktf destroy` leaving the namespace gone. Services are reached through
 * `kubectl port-forward` on ports the kernel picks. Run through `npm run test:e2e:k8s`.
 */
const ROOT = path.resolve(__dirname, "../..");
const STACK = process.env.E2E_K8S_STACK ?? "k8s";
const ENVIRONMENT = environments(settingsFromEnv()).find((e) => e.name === STACK);
if (ENVIRONMENT?.kind !== "kubernetes") throw new Error(`E2E_K8S_STACK: '${STACK}' is no Kubernetes stack of stacks/environments.ts`);
const NAMESPACE = ENVIRONMENT.namespace ?? "lakehouse";
/** Whether the stack runs a standby JobManager (Flink's Kubernetes HA services). */
const HA_JOBMANAGER = (ENVIRONMENT.lakehouse.streamJob ? (ENVIRONMENT.lakehouse.streamJob.jobManagers ?? 1) : 1) > 1;
/** The workloads the stack runs more than one replica of, each losing a pod in the chaos test (the JobManager's leader has a test of its own). */
const REPLICATED = ["connect", "flink-taskmanager", "iceberg-rest", "kafka", "minio", "trino-worker"];
const OUT = path.join(ROOT, "test-output");
// Its own synth output: the Docker e2e may synthesize cdktf.out with other settings meanwhile.
const OUTDIR = `cdktf.out.${STACK}`;
const KUBECTL = process.env.KUBECTL ?? "kubectl";
const figures: Record<string, string | number> = {};
const events: ExpectedEvent[] = [...SEED_EVENTS];
const forwards: ChildProcess[] = [];
let deployed = false;

function cdktf(args: string[], logName: string): number {
  fs.mkdirSync(OUT, { recursive: true });
  const t0 = Date.now();
  const result = spawnSync("npx", ["cdktf", ...args, "--output", OUTDIR], { cwd: ROOT, encoding: "utf8", env: process.env, maxBuffer: 256 * 1024 * 1024 });
  fs.writeFileSync(path.join(OUT, `k8s-${logName}.log`), `${result.stdout}\n${result.stderr}`);
  if (result.status !== 0) {
    throw new Error(`cdktf ${args.join(" ")} failed (exit ${result.status}); the last lines:\n${`${result.stdout}\n${result.stderr}`.trim().split("\n").slice(-40).join("\n")}\n${diagnose()}`);
  }
  return (Date.now() - t0) / 1000;
}

function stateHasResources(): boolean {
  const state = path.join(ROOT, `terraform.${STACK}.tfstate`);
  return fs.existsSync(state) && (JSON.parse(fs.readFileSync(state, "utf8")).resources ?? []).length > 0;
}

/** Runs kubectl: `out` is what it printed (stdout and stderr), `stdout` its standard output alone (kubectl notes such as "Defaulted container" go to stderr). */
function kubectl(...args: string[]): { status: number | null; out: string; stdout: string } {
  const r = spawnSync(KUBECTL, args, { encoding: "utf8", env: process.env });
  return { status: r.status, out: `${r.stdout}${r.stderr}`.trim(), stdout: r.stdout };
}

/**
 * The pod of the leading JobManager, or undefined while none leads: Flink's HA services write the
 * leader's RPC address into the cluster ConfigMap (`pekko.tcp://flink@<pod IP>:6123/...`) and
 * clear it while they elect. A pod being deleted leads no more.
 */
function leadingJobManager(): string | undefined {
  const configMap = JSON.parse(kubectl("get", "configmap", "lakehouse-flink-cluster-config-map", "-n", NAMESPACE, "-o", "json").stdout);
  const ips = new Set(Object.values(configMap.data ?? {}).flatMap((v) => [...String(v).matchAll(/@([0-9.]+):6123\//g)].map((m) => m[1])));
  const leaders = podsOf("flink-jobmanager")
    .filter((p) => ips.has(p.status.podIP))
    .map((p) => p.metadata.name);
  return leaders.length === 1 ? leaders[0] : undefined;
}

/** The pods of workload `name` that are not being deleted. */
function podsOf(name: string): any[] {
  return (JSON.parse(kubectl("get", "pods", "-n", NAMESPACE, "-l", `app.kubernetes.io/name=${name}`, "-o", "json").stdout).items as any[]).filter((p) => !p.metadata.deletionTimestamp);
}

/** What the cluster says when a deploy fails: pods, recent events, logs of unready pods. */
function diagnose(): string {
  const parts = [kubectl("get", "pods,jobs", "-n", NAMESPACE, "-o", "wide").out, kubectl("get", "events", "-n", NAMESPACE, "--sort-by=.lastTimestamp").out.split("\n").slice(-30).join("\n")];
  const pods = kubectl("get", "pods", "-n", NAMESPACE, "-o", 'jsonpath={range .items[*]}{.metadata.name} {.status.containerStatuses[0].ready}{"\\n"}{end}').out.split("\n");
  for (const line of pods.filter((l) => l.endsWith(" false"))) {
    const pod = line.split(" ")[0];
    parts.push(`--- logs of ${pod} ---\n${kubectl("logs", "-n", NAMESPACE, pod, "--tail=30").out}`);
  }
  const text = parts.join("\n");
  fs.writeFileSync(path.join(OUT, "k8s-diagnosis.log"), text);
  return text;
}

/** Forwards `port` of a Service (or of `pod/<name>`) to `localPort` on 127.0.0.1 (0: one the kernel picks); resolves to the local port. */
function portForward(service: string, port: number, localPort = 0): Promise<number> {
  return new Promise((resolve, reject) => {
    const target = service.includes("/") ? service : `svc/${service}`;
    const child = spawn(KUBECTL, ["port-forward", "-n", NAMESPACE, "--address", "127.0.0.1", target, `${localPort || ""}:${port}`], { env: process.env, stdio: ["ignore", "pipe", "pipe"] });
    forwards.push(child);
    let output = "";
    const timer = setTimeout(() => reject(new Error(`port-forward to ${service}:${port} did not start: ${output}`)), 30_000);
    const onData = (d: Buffer) => {
      output += d.toString();
      const m = /Forwarding from 127\.0\.0\.1:(\d+) ->/.exec(output);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    child.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`port-forward to ${service}:${port} exited (${code}): ${output}`));
    });
  });
}

function stopForwards(): void {
  for (const child of forwards.splice(0)) if (child.exitCode === null) child.kill("SIGTERM");
}

describe("k8s stack on the local Kubernetes cluster", () => {
  let pg: PgClient;
  let lake: Lake;
  let stack: DeployedStack;
  /** A port-forward to an endpoint of the contract (by its in-cluster service and port); its address on this machine. */
  const forwardTo = async (internal: string) => {
    const { host, port } = hostAndPort(internal);
    return `127.0.0.1:${await portForward(host, port)}`;
  };

  beforeAll(async () => {
    expect(kubectl("get", "nodes").status).toBe(0);
    // Resources in the state are left over from an interrupted run: start from nothing.
    if (stateHasResources()) figures["destroy of a previous run's leftovers (s)"] = cdktf(["destroy", STACK, "--auto-approve"], "destroy-leftovers");
    // The cluster outlives a checkout: a namespace no state here tracks (another clone's deploy, a
    // run killed before its state was written) would fail the deploy with "already exists".
    if (kubectl("get", "namespace", NAMESPACE).status === 0) {
      const t0 = Date.now();
      const deleted = kubectl("delete", "namespace", NAMESPACE, "--wait", "--timeout=300s");
      if (deleted.status !== 0) throw new Error(`could not delete the leftover namespace ${NAMESPACE}: ${deleted.out}`);
      figures["delete of a leftover namespace (s)"] = (Date.now() - t0) / 1000;
    }
    // Set before deploying: a failed deploy leaves what it created, which afterAll destroys.
    deployed = true;
    figures["deploy (s)"] = cdktf(["deploy", STACK, "--auto-approve"], "deploy");
    stack = deployedStack(STACK, ROOT);
    const { source, query } = stack.access;
    pg = await postgres(await forwardTo(source.endpoint.internal), source.adminUser!, stack.credential("postgresAdminPassword")!, source.database);
    lake = lakeOf(stack, await forwardTo(query!.trino.internal));
  });

  afterAll(async () => {
    await pg?.end().catch(() => undefined);
    stopForwards();
    try {
      if (deployed && process.env.E2E_KEEP !== "1" && figures["destroy (s)"] === undefined && stateHasResources()) cdktf(["destroy", STACK, "--auto-approve"], "destroy-cleanup");
    } finally {
      writeFigures();
    }
  });

  function writeFigures(): void {
    fs.mkdirSync(OUT, { recursive: true });
    if (process.env.K8S_UP_SECONDS) figures["cluster start, k8s:up (s)"] = Number(process.env.K8S_UP_SECONDS);
    fs.writeFileSync(path.join(OUT, `e2e-${STACK}-figures.json`), JSON.stringify(figures, null, 2));
    console.log(
      `e2e k8s figures:\n${Object.entries(figures)
        .map(([k, v]) => `  ${k.padEnd(40)} ${v}`)
        .join("\n")}`,
    );
  }

  test("deploy leaves every pod ready and every Job complete", () => {
    const pods = JSON.parse(kubectl("get", "pods", "-n", NAMESPACE, "-o", "json").out).items as any[];
    const owned = (p: any) => p.metadata.ownerReferences?.[0]?.kind;
    const services = pods.filter((p) => owned(p) !== "Job");
    expect(services.length).toBeGreaterThan(0);
    for (const p of services) expect({ pod: p.metadata.name, ready: p.status.containerStatuses?.every((c: any) => c.ready) }).toEqual({ pod: p.metadata.name, ready: true });
    const jobs = JSON.parse(kubectl("get", "jobs", "-n", NAMESPACE, "-o", "json").out).items as any[];
    expect(jobs.length).toBeGreaterThan(0);
    for (const j of jobs) expect({ job: j.metadata.name, succeeded: j.status.succeeded }).toEqual({ job: j.metadata.name, succeeded: 1 });
    figures["pods / jobs"] = `${services.length} / ${jobs.length}`;
    // What the profile asks of the node: its running pods' requests (memory limits equal them).
    const quantity = (q: string, units: Record<string, number>) => Number(q.replace(/[a-zA-Z]+$/, "")) * (units[q.replace(/^[\d.]+/, "")] ?? 1);
    const requests = services.flatMap((p) => p.spec.containers.map((c: any) => c.resources.requests));
    figures["running pods' requests: memory (MiB) / CPU (millicores)"] =
      `${requests.reduce((sum, r) => sum + quantity(r.memory, { Mi: 1, Gi: 1024 }), 0)} / ${requests.reduce((sum, r) => sum + quantity(r.cpu, { m: 1, "": 1000 }), 0)}`;
  });

  test("every running container is locked down: non-root, no capabilities, seccomp, read-only root, no service-account token but where Flink's HA services need one", () => {
    const pods = JSON.parse(kubectl("get", "pods", "-n", NAMESPACE, "-o", "json").out).items as any[];
    const hasToken = (p: any) => p.spec.automountServiceAccountToken !== false || p.spec.volumes?.some((v: any) => v.projected?.sources?.some((s: any) => s.serviceAccountToken));
    // The JobManagers and TaskManagers of a stack with a standby elect and find the leader through
    // the API, as the one account that may: ConfigMaps of the namespace, nothing else.
    const withToken = [...new Set(pods.filter(hasToken).map((p) => `${p.metadata.labels["app.kubernetes.io/name"]} as ${p.spec.serviceAccountName}`))].sort();
    expect(withToken).toEqual(HA_JOBMANAGER ? ["flink-jobmanager as flink-leader-election", "flink-taskmanager as flink-leader-election"] : []);
    if (HA_JOBMANAGER) {
      // "<verb> <resource> [namespace]": what kubectl auth can-i answers for the account.
      const may = (question: string) => {
        const [verb, resource, namespace = NAMESPACE] = question.split(" ");
        return `${question}: ${kubectl("auth", "can-i", verb, resource, "-n", namespace, `--as=system:serviceaccount:${NAMESPACE}:flink-leader-election`).stdout.trim()}`;
      };
      expect(["create configmaps", "watch configmaps", "get secrets", "list pods", "create pods", "get configmaps default"].map(may)).toEqual([
        "create configmaps: yes",
        "watch configmaps: yes",
        "get secrets: no",
        "list pods: no",
        "create pods: no",
        "get configmaps default: no",
      ]);
    }
    const unlocked = pods.flatMap((p) => {
      const pod = p.spec.securityContext ?? {};
      const token = !hasToken(p) || p.spec.serviceAccountName === "flink-leader-election";
      return [...(p.spec.initContainers ?? []), ...p.spec.containers].flatMap((c: any) => {
        const sc = c.securityContext ?? {};
        const ok =
          token &&
          (sc.runAsNonRoot ?? pod.runAsNonRoot) === true &&
          sc.runAsUser > 0 &&
          sc.allowPrivilegeEscalation === false &&
          sc.capabilities?.drop?.includes("ALL") &&
          (sc.seccompProfile ?? pod.seccompProfile)?.type === "RuntimeDefault" &&
          sc.readOnlyRootFilesystem === true;
        return ok ? [] : [`${p.metadata.name}/${c.name}`];
      });
    });
    expect(unlocked).toEqual([]);
    // Enforced, not only declared: the image's files cannot be changed, the declared paths can.
    const write = (path: string) => kubectl("exec", "-n", NAMESPACE, "statefulset/postgres", "--", "sh", "-c", `touch ${path} && echo written`);
    const root = write("/usr/local/bin/tampered");
    expect(root.out).toMatch(/Read-only file system/);
    expect(write("/tmp/scratch").out).toMatch(/written/);
  });

  test("Trino's current-state tables equal PostgreSQL after the workload, and the raw log holds one row per event", async () => {
    events.push(...(await phaseOne(pg)), ...(await phaseTwo(pg)));
    const lastCommitAt = Date.now();
    figures["last commit -> Trino matches (s)"] = await waitForExactState(pg, lake, 600_000, lastCommitAt);
    await waitForOneRawRowPerEvent(lake, events);
    const raw = await trinoRows(
      lake.trino,
      `SELECT json_extract_scalar(data, '$.name'), op FROM ${lake.raw}.users WHERE json_extract_scalar(data, '$.id') = '00000000-0000-4000-9000-000000000001' AND op = 'c'`,
    );
    expect(raw).toEqual([["Trần Thị Bích Ngọc", "c"]]);
  });

  test("Prometheus scrapes every layer in the cluster, and lakehouse status through port-forwards shows every hop ok and the probe's freshness", async () => {
    const monitoring = stack.access.monitoring!;
    const prometheusUrl = `http://${await forwardTo(monitoring.prometheus.internal)}`;
    const alertmanagerUrl = `http://${await forwardTo(monitoring.alertmanager.internal)}`;
    type Targets = { data: { activeTargets: { labels: { job: string }; health: string; lastError: string }[] } };
    let targets: Targets["data"]["activeTargets"] = [];
    await eventually(
      "every scrape target up",
      180_000,
      async () => {
        targets = (await getJson<Targets>(`${prometheusUrl}/api/v1/targets`)).data.activeTargets;
        return targets.length > 0 && targets.every((t) => t.health === "up") ? true : undefined;
      },
      () => JSON.stringify(targets.filter((t) => t.health !== "up")),
    );
    // Each replica is a target of its job (on k8s-ha: three brokers, two workers, ...).
    expect([...new Set(targets.map((t) => t.labels.job))].sort()).toEqual([
      "dagster",
      "flink-jobmanager",
      "flink-taskmanager",
      "freshness-probe",
      "kafka",
      "kafka-connect",
      "minio",
      "postgres",
      "prometheus",
      "trino",
    ]);
    const report = await status(STACK, { prometheusUrl, alertmanagerUrl });
    expect(report.hops.filter((h) => !h.ok)).toEqual([]);
    // The probe's heartbeats have reached Trino in the cluster.
    const trino = report.freshness.find((h) => h.hop === "trino");
    expect(trino?.p95Seconds).toEqual(expect.any(Number));
    figures["freshness probe: commit -> kafka / trino p95 (s)"] = report.freshness.map((h) => h.p95Seconds).join(" / ");
    figures["alerts firing after the workload"] = report.alerts.map((a) => a.name).join(", ") || "none";
  });

  test("lakehouse verify from this host: a canary row through every hop, Kafka read through each broker's own advertised port", async () => {
    const { source, cdc, streamJob, query } = stack.access;
    // Each broker advertises localhost at the stack's Kafka port plus its ordinal: forward exactly those.
    const { port: kafkaPort } = hostAndPort(cdc!.kafka.external);
    const brokers = podsOf("kafka").length;
    for (let i = 0; i < brokers; i++) await portForward(brokers === 1 ? "kafka" : `pod/kafka-${i}`, 9094, kafkaPort + i);
    const flags = {
      postgres: await forwardTo(source.endpoint.internal),
      connect: await forwardTo(cdc!.connect.internal),
      flink: await forwardTo(streamJob!.jobManager.internal),
      trino: await forwardTo(query!.trino.internal),
    };
    const results = await verify(resolveTarget(STACK, flags, ROOT), () => undefined, 120_000);
    expect(results.filter((r) => !r.ok).map((r) => `${r.hop}: ${r.detail}`)).toEqual([]);
    expect(results.map((r) => r.hop)).toEqual(expect.arrayContaining(["kafka", "iceberg state"]));
    figures["verify: brokers forwarded / canary commit -> Kafka / current-state table (ms)"] = [brokers, ...["kafka", "iceberg state"].map((h) => results.find((r) => r.hop === h)?.ms)].join(" / ");
  });

  test("Trino serves clients over HTTPS and only with a password: a wrong one, none, and plain HTTP are refused; the operator's login queries", async () => {
    const login = stack.access.query!.login!;
    expect(stack.access.query!.trino.internal).toBe("trino:8443");
    const address = await forwardTo(stack.access.query!.trino.internal);
    const post = (auth: string | undefined, ca: string | undefined = login.caCertificate) =>
      new Promise<number | string>((resolve) => {
        const req = https.request(
          `https://${address}/v1/statement`,
          { method: "POST", ca, headers: { "X-Trino-User": login.user, ...(auth ? { Authorization: `Basic ${Buffer.from(auth).toString("base64")}` } : {}) }, timeout: 10_000 },
          (res) => {
            res.resume();
            resolve(res.statusCode ?? 0);
          },
        );
        req.on("error", (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
        req.end("SELECT 1");
      });
    const password = stack.credential("trinoPassword")!;
    expect(await post(`${login.user}:${password}`)).toBe(200);
    expect(await post(`${login.user}:${password}x`)).toBe(401);
    expect(await post(undefined)).toBe(401);
    // A client that does not trust the stack's CA does not connect at all.
    expect(await post(`${login.user}:${password}`, "")).toMatch(/CERT|SELF_SIGNED|UNABLE/);
    // Inside the cluster Trino's own HTTP port refuses clients too (the network policy drops them before that).
    const http = kubectl("exec", "-n", NAMESPACE, "deployment/trino", "--", "curl", "-sS", "-H", "X-Trino-User: x", "-d", "SELECT 1", "http://localhost:8080/v1/statement");
    expect(http.out).toContain("Authentication over HTTP is not enabled");
    // The dbt build Job and the probe logged in with their own passwords (see the deploy and status tests).
    const users = await trinoRows(lake.trino, `SELECT DISTINCT "user" FROM system.runtime.queries ORDER BY 1`);
    expect(users.map((r) => r[0])).toEqual(expect.arrayContaining(["lakehouse", "lakehouse-freshness-probe"]));
  });

  test("network policies: a pod outside the declared flows reaches neither PostgreSQL, Kafka nor Trino; the freshness probe, which declares them, reaches all three, Trino on its HTTPS port only", () => {
    // One program for both: open a TCP connection to each, 5 s at most (a dropped SYN times out).
    const reach = `const net = require("net");
for (const t of process.argv.slice(1)) {
  const [host, port] = t.split(":");
  const s = net.connect(Number(port), host);
  const say = (what) => { console.log(t + " " + what); s.destroy(); };
  s.setTimeout(5000, () => say("closed (timeout)"));
  s.on("connect", () => say("open"));
  s.on("error", (e) => say("closed (" + e.code + ")"));
}`;
    // Trino's clients use its HTTPS port; its HTTP port serves only Trino's own pods (internal requests).
    const targets = ["kafka:9092", "postgres:5432", stack.access.query!.trino.internal, "trino:8080"];
    const lines = (out: string) =>
      out
        .split("\n")
        .filter((l) => targets.some((t) => l.startsWith(`${t} `)))
        .sort();
    const image = kubectl("get", "deployment", "freshness-probe", "-n", NAMESPACE, "-o", "jsonpath={.spec.template.spec.containers[0].image}").out;
    const declared = kubectl("exec", "-n", NAMESPACE, "deployment/freshness-probe", "--", "node", "-e", reach, ...targets);
    expect(lines(declared.out)).toEqual([...targets].sort().map((t) => (t === "trino:8080" ? expect.stringMatching(/^trino:8080 closed/) : `${t} open`)));
    kubectl("delete", "pod", "intruder", "-n", NAMESPACE, "--ignore-not-found", "--wait");
    const intruder = kubectl(
      "run",
      "intruder",
      "-n",
      NAMESPACE,
      "--image",
      image,
      "--image-pull-policy",
      "IfNotPresent",
      "--restart",
      "Never",
      "--labels",
      "app.kubernetes.io/name=intruder",
      "--attach",
      "--rm",
      "--quiet",
      "--command",
      "--",
      "node",
      "-e",
      reach,
      ...targets,
    );
    expect(lines(intruder.out)).toEqual([...targets].sort().map((t) => expect.stringMatching(new RegExp(`^${t} closed`))));
    figures["intruder pod: Kafka, PostgreSQL, Trino HTTPS, Trino HTTP"] = lines(intruder.out)
      .map((l) => l.split(" ").slice(1).join(" "))
      .join(", ");
  });

  // One JobManager: the keeper restores each job on its replacement. A leader and a standby
  // (Kubernetes HA services): the standby recovers the same jobs itself, the keepers do nothing.
  test(
    HA_JOBMANAGER
      ? "the leading JobManager's pod deleted mid-workload: the standby takes the jobs over from their checkpoints, nothing lost or duplicated"
      : "the JobManager's pod deleted mid-workload: the keeper restores the job from its newest checkpoint, nothing lost or duplicated",
    async () => {
      const jobManager = hostAndPort(stack.access.streamJob!.jobManager.internal);
      const flink = await portForward(jobManager.host, jobManager.port);
      const running = async () => ((await (await fetch(`http://127.0.0.1:${flink}/jobs/overview`)).json()) as any).jobs.filter((j: any) => j.state === "RUNNING");
      const { jobName, probeJobName } = stack.access.streamJob!;
      expect((await running()).map((j: any) => j.name).sort()).toEqual([jobName, probeJobName].sort());
      const before = (await running()).find((j: any) => j.name === jobName);
      const probeBefore = (await running()).find((j: any) => j.name === probeJobName);
      const leader = HA_JOBMANAGER ? leadingJobManager() : undefined;
      if (HA_JOBMANAGER) expect(leader).toEqual(expect.any(String));
      const writing = phaseThree(pg, 40, 1000);
      try {
        await new Promise((r) => setTimeout(r, 3000));
        const t0 = Date.now();
        expect(kubectl("delete", "pod", "-n", NAMESPACE, ...(leader ? [leader] : ["-l", "app.kubernetes.io/name=flink-jobmanager"]), "--wait=false").status).toBe(0);
        // The port-forward goes with the pod: forward again until a JobManager serves. With a
        // standby, to the new leader itself (a forward to the Service may still reach the old one
        // while it shuts down).
        let port: number | undefined;
        let forwardedTo: string | undefined;
        const restored = await eventually(HA_JOBMANAGER ? "the standby to lead and run the jobs" : "the keeper to restore the job on the new JobManager", 600_000, async () => {
          if (HA_JOBMANAGER) {
            const now = leadingJobManager();
            if (!now || now === leader) return undefined;
            if (now !== forwardedTo) [port, forwardedTo] = [await portForward(`pod/${now}`, jobManager.port), now];
          } else port ??= await portForward(jobManager.host, jobManager.port);
          const overview = await fetch(`http://127.0.0.1:${port}/jobs/overview`).catch((err) => {
            [port, forwardedTo] = [undefined, undefined];
            throw err;
          });
          const jobs = ((await overview.json()) as any).jobs.filter((j: any) => j.state === "RUNNING");
          const pipeline = jobs.find((j: any) => j.name === jobName);
          return jobs.length === 2 && pipeline && (HA_JOBMANAGER || pipeline.jid !== before.jid) ? jobs : undefined;
        });
        figures[`${HA_JOBMANAGER ? "leading " : ""}JobManager pod deleted -> jobs RUNNING again (s)`] = (Date.now() - t0) / 1000;
        const keeperLogs = [kubectl("logs", "-n", NAMESPACE, "deployment/flink-pipeline").out, kubectl("logs", "-n", NAMESPACE, "deployment/flink-probe-keeper").out];
        if (HA_JOBMANAGER) {
          // The same jobs, recovered by the new leader; no keeper restored anything.
          expect(restored.map((j: any) => j.jid).sort()).toEqual([before.jid, probeBefore.jid].sort());
          for (const log of keeperLogs) expect(log).not.toMatch(/restoring/);
          expect(kubectl("rollout", "status", "deployment/flink-jobmanager", "-n", NAMESPACE, "--timeout=600s").status).toBe(0);
          figures["leading JobManager pod deleted -> both JobManagers ready (s)"] = (Date.now() - t0) / 1000;
        } else {
          // Each keeper restores its own job from its own checkpoints.
          expect(keeperLogs[0]).toMatch(new RegExp(`restoring ${jobName} from s3://lakehouse/flink/checkpoints/${before.jid}/chk-\\d+`));
          expect(keeperLogs[1]).toMatch(new RegExp(`restoring ${probeJobName} from s3://lakehouse/flink-probe/checkpoints/${probeBefore.jid}/chk-\\d+`));
        }
      } finally {
        // Recorded even if a check above failed, so that later exactness checks know these rows.
        events.push(...(await writing));
      }
      figures["after the JobManager's loss: last commit -> Trino matches (s)"] = await waitForExactState(pg, lake, 600_000, Date.now());
      await waitForOneRawRowPerEvent(lake, events);
    },
  );

  (STACK === "k8s-ha" ? test : test.skip)("a pod of each replicated workload deleted in turn under a continuous workload: the others carry on, nothing lost or duplicated", async () => {
    const workloads = JSON.parse(kubectl("get", "deployments,statefulsets", "-n", NAMESPACE, "-o", "json").stdout).items as any[];
    expect(
      workloads
        .filter((w) => w.spec.replicas > 1)
        .map((w) => w.metadata.name)
        .sort(),
    ).toEqual([...REPLICATED, ...(HA_JOBMANAGER ? ["flink-jobmanager"] : [])].sort());
    // Connect: the worker that runs the connector's task, the one whose loss matters.
    const victim = (name: string): string => {
      const pods = podsOf(name);
      if (name !== "connect") return pods[0].metadata.name;
      const connector = stack.access.cdc!.connectorName;
      const state = JSON.parse(kubectl("exec", "-n", NAMESPACE, pods[0].metadata.name, "-c", "connect", "--", "curl", "-s", `http://localhost:8083/connectors/${connector}/status`).stdout);
      const ip = String(state.tasks[0].worker_id).split(":")[0];
      return pods.find((p) => p.status.podIP === ip)!.metadata.name;
    };
    const inTrino = async (id: string) => (await trinoRows(lake.trino, `SELECT count(*) FROM ${lake.state}.accounts WHERE id = '${id}'`))[0][0] === 1;
    const writer = continuousWriter(pg, 20_000, 500);
    try {
      for (const name of REPLICATED) {
        await new Promise((r) => setTimeout(r, 10_000));
        const pod = victim(name);
        const t0 = Date.now();
        expect(kubectl("delete", "pod", "-n", NAMESPACE, pod, "--wait=false").status).toBe(0);
        // A row committed after the loss, through the pipeline into Trino: how long data stood still.
        await new Promise((r) => setTimeout(r, 1000));
        const after = writer.latest()!;
        await eventually(`a row committed after ${pod} was deleted to reach Trino`, 600_000, async () => ((await inTrino(after).catch(() => false)) ? true : undefined));
        figures[`${name}: pod deleted -> a later commit in Trino (s)`] = (Date.now() - t0) / 1000;
        const kind = workloads.find((w) => w.metadata.name === name).kind.toLowerCase();
        expect(kubectl("rollout", "status", `${kind}/${name}`, "-n", NAMESPACE, "--timeout=600s").status).toBe(0);
        figures[`${name}: pod deleted -> every replica ready (s)`] = (Date.now() - t0) / 1000;
      }
    } finally {
      events.push(...(await writer.stop()));
    }
    figures["chaos: rows written meanwhile"] = events.filter((e) => e.id >= "00000000-0000-4000-9000-000000020000").length;
    figures["after the chaos: last commit -> Trino matches (s)"] = await waitForExactState(pg, lake, 600_000, Date.now());
    await waitForOneRawRowPerEvent(lake, events);
  });

  test("a re-plan against the cluster has no changes", () => {
    const t0 = Date.now();
    const plan = spawnSync("tofu", ["plan", "-detailed-exitcode", "-input=false", "-no-color", "-lock=false"], { cwd: path.join(ROOT, OUTDIR, "stacks", STACK), encoding: "utf8", env: process.env });
    fs.writeFileSync(path.join(OUT, "k8s-replan.log"), `${plan.stdout}\n${plan.stderr}`);
    figures["re-plan (s)"] = (Date.now() - t0) / 1000;
    expect({
      exit: plan.status,
      tail: plan.stdout
        .split("\n")
        .filter((l) => /Plan:|No changes|must be replaced|will be|Error/.test(l))
        .slice(0, 20),
    }).toEqual({ exit: 0, tail: [expect.stringMatching(/No changes/)] });
  });

  test("destroy leaves the namespace gone", async () => {
    await pg?.end().catch(() => undefined);
    stopForwards();
    figures["destroy (s)"] = cdktf(["destroy", STACK, "--auto-approve"], "destroy");
    const ns = kubectl("get", "namespace", NAMESPACE);
    expect(ns.status).not.toBe(0);
    expect(ns.out).toMatch(/NotFound/);
  });
});
