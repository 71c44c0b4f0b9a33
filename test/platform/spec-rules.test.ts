import { Endpoint, IPlatform, JobSpec, ServiceSpec } from "../../constructs";
import { PLATFORMS, stackOn } from "../helpers";

// Every rule of the platform base, one bad spec each: the same error on Docker and on Kubernetes,
// because both render the same checked spec.
const secret = { name: "pw", value: "not-used" };
const service = (spec: Partial<ServiceSpec>) => (p: IPlatform, s: any) => p.service(s, "S", { name: "svc", image: "i:1", runAsUser: 1000, ...spec });
const job = (spec: Partial<JobSpec>) => (p: IPlatform, s: any) => p.job(s, "J", { name: "job", image: "i:1", runAsUser: 1000, ...spec });

const RULES: [string, (platform: IPlatform, scope: any) => unknown, string][] = [
  [
    "workload name not a DNS label",
    service({ name: "Bad_Name" }),
    `Platform: workload name must be a DNS label (lower-case a-z, 0-9 and '-', starting with a letter, at most 63 characters) (got "Bad_Name"). Rename it, e.g. 'bad-name'.`,
  ],
  [
    "workload name used twice",
    (p, s) => {
      service({ name: "a" })(p, s);
      job({ name: "a" })(p, s);
    },
    `Platform: workload name is used twice (got "a"). Give every service and job on one platform its own name.`,
  ],
  [
    "a variable in env and secretEnv",
    service({ env: { PASSWORD: "x" }, secretEnv: { PASSWORD: secret } }),
    `Platform: env of service 'svc' sets a variable that secretEnv sets too (got "PASSWORD"). Set PASSWORD in one of them: in secretEnv if it is a credential, else in env.`,
  ],
  [
    "a secret file name with a slash",
    service({ secretFiles: { "db/password": secret } }),
    `Platform: secretFiles name of service 'svc' must be a file name of letters, digits, '.', '_' and '-' (got "db/password"). Rename it, e.g. 'db-password'.`,
  ],
  [
    "a config file where secret files are mounted",
    job({ files: [{ path: "/run/secrets/token", content: "x" }] }),
    `Platform: files or writablePaths of job 'job' lie in /run/secrets, where the platform mounts secretFiles (got "/run/secrets/token"). Put a credential in secretFiles, and other files elsewhere.`,
  ],
  [
    "an environment variable name with a dash",
    job({ env: { "MY-VAR": "1" } }),
    `Platform: environment variable of job 'job' must be a shell variable name (A-Z, a-z, 0-9 and '_', not starting with a digit) (got "MY-VAR"). Rename it, e.g. 'MY_VAR'.`,
  ],
  ["zero replicas", service({ replicas: 0 }), `Platform: replicas of service 'svc' must be >= 1 (got 0). Set replicas of service 'svc' to >= 1.`],
  [
    "a graceful stop without a command",
    service({ gracefulStop: { command: [], timeoutSeconds: 30 } }),
    `Platform: gracefulStop.command of service 'svc' is empty (got "[]"). Give the command that drains the replica, e.g. ['sh', '-c', '...'], or leave gracefulStop out.`,
  ],
  [
    "a graceful stop of no time",
    service({ gracefulStop: { command: ["true"], timeoutSeconds: 0 } }),
    `Platform: gracefulStop.timeoutSeconds of service 'svc' must be an integer from 1 to 3600 (got 0). Set gracefulStop.timeoutSeconds of service 'svc' to an integer from 1 to 3600.`,
  ],
  [
    "a port out of range",
    service({ ports: [{ name: "http", port: 70000 }] }),
    `Platform: port 'http' of service 'svc' must be an integer from 1 to 65535 (got 70000). Set port 'http' of service 'svc' to an integer from 1 to 65535.`,
  ],
  [
    "a port name not a DNS label",
    service({ ports: [{ name: "HTTP", port: 80 }] }),
    `Platform: port name of service 'svc' must be a DNS label (lower-case a-z, 0-9 and '-', starting with a letter, at most 63 characters) (got "HTTP"). Rename it, e.g. 'http'.`,
  ],
  [
    "a port name twice",
    service({
      ports: [
        { name: "http", port: 80 },
        { name: "http", port: 81 },
      ],
    }),
    `Platform: port names of service 'svc' hold a value twice (got "http"). Give each port its own name.`,
  ],
  [
    "a port number twice",
    service({
      ports: [
        { name: "http", port: 80 },
        { name: "web", port: 80 },
      ],
    }),
    `Platform: ports of service 'svc' hold a value twice (got 80). Give each named port its own number.`,
  ],
  [
    "a volume name not a DNS label",
    service({ volumes: [{ name: "Data", path: "/a" }] }),
    `Platform: volume name of service 'svc' must be a DNS label (lower-case a-z, 0-9 and '-', starting with a letter, at most 63 characters) (got "Data"). Rename it, e.g. 'data'.`,
  ],
  [
    "a relative volume path",
    service({ volumes: [{ name: "data", path: "var/data" }] }),
    `Platform: path of volume 'data' of service 'svc' must be an absolute path (got "var/data"). Start it with '/', e.g. '/var/data'.`,
  ],
  [
    "a volume name twice",
    service({
      volumes: [
        { name: "data", path: "/a" },
        { name: "data", path: "/b" },
      ],
    }),
    `Platform: volume names of service 'svc' hold a value twice (got "data"). Give each volume its own name.`,
  ],
  [
    "a volume of 0 GiB",
    service({ volumes: [{ name: "data", path: "/a", sizeGiB: 0 }] }),
    `Platform: sizeGiB of volume 'data' of service 'svc' must be >= 1 (got 0). Set sizeGiB of volume 'data' of service 'svc' to >= 1.`,
  ],
  [
    "a volume and a file at one path",
    service({ volumes: [{ name: "data", path: "/etc/x" }], files: [{ path: "/etc/x", content: "" }] }),
    `Platform: mount paths of service 'svc' hold a value twice (got "/etc/x"). Mount each volume and file at its own path.`,
  ],
  [
    "a file path twice",
    job({
      files: [
        { path: "/job/a", content: "1" },
        { path: "/job/a", content: "2" },
      ],
    }),
    `Platform: file paths of job 'job' hold a value twice (got "/job/a"). Mount each file at its own path.`,
  ],
  ["a relative file path", job({ files: [{ path: "job/a", content: "1" }] }), `Platform: file path of job 'job' must be an absolute path (got "job/a"). Start it with '/', e.g. '/job/a'.`],
  [
    "memory below Docker's minimum",
    service({ resources: { cpuMillis: 100, memoryMiB: 4 } }),
    `Platform: resources.memoryMiB of service 'svc' must be >= 6 (got 4). Set resources.memoryMiB of service 'svc' to >= 6.`,
  ],
  ["no CPU", job({ resources: { cpuMillis: 0, memoryMiB: 64 } }), `Platform: resources.cpuMillis of job 'job' must be >= 1 (got 0). Set resources.cpuMillis of job 'job' to >= 1.`],
  ["root as the user", service({ runAsUser: 0 }), `Platform: runAsUser of service 'svc' must be >= 1 (got 0). Set runAsUser of service 'svc' to >= 1.`],
  [
    "a writable path that is not absolute",
    service({ writablePaths: ["var/cache"] }),
    `Platform: writable path of service 'svc' must be an absolute path of letters, digits, '.', '_', '-' and '/' (got "var/cache"). Rename it, e.g. '/var/cache'.`,
  ],
  ["/tmp among the writable paths", job({ writablePaths: ["/tmp"] }), `Platform: writable paths of job 'job' hold a value twice (got "/tmp"). Name each writable path once (/tmp is always writable).`],
  ["a timeout of 0 without timeoutEnv", job({ timeoutSeconds: 0 }), `Platform: timeoutSeconds of job 'job' must be >= 1 (got 0). Set timeoutSeconds of job 'job' to >= 1.`],
  [
    "a timeout that leaves the script no budget",
    job({ timeoutEnv: "TIMEOUT_SECONDS", timeoutSeconds: 60 }),
    `Platform: timeoutSeconds of job 'job' must be >= 61 (got 60). Set timeoutSeconds of job 'job' to >= 61.`,
  ],
  [
    "the timeout variable set by hand",
    job({ timeoutEnv: "TIMEOUT_SECONDS", env: { TIMEOUT_SECONDS: "5" } }),
    `Platform: env of job 'job' sets TIMEOUT_SECONDS, which timeoutEnv hands the job (got "TIMEOUT_SECONDS"). Drop it from env: the platform sets it from timeoutSeconds.`,
  ],
  [
    "the timeout variable set as a secret",
    job({ timeoutEnv: "TIMEOUT_SECONDS", secretEnv: { TIMEOUT_SECONDS: secret } }),
    `Platform: env of job 'job' sets TIMEOUT_SECONDS, which timeoutEnv hands the job (got "TIMEOUT_SECONDS"). Drop it from env: the platform sets it from timeoutSeconds.`,
  ],
  [
    "a timeout variable name with a dash",
    job({ timeoutEnv: "TIMEOUT-SECONDS" }),
    `Platform: timeoutEnv of job 'job' must be a shell variable name (A-Z, a-z, 0-9 and '_', not starting with a digit) (got "TIMEOUT-SECONDS"). Rename it, e.g. 'TIMEOUT_SECONDS'.`,
  ],
  [
    "a secret name not a DNS label",
    (p, s) => p.secret(s, "P", { name: "DB_PASSWORD" }),
    `Platform: secret name must be a DNS label (lower-case a-z, 0-9 and '-', starting with a letter, at most 63 characters) (got "DB_PASSWORD"). Rename it, e.g. 'db-password'.`,
  ],
  [
    "publishing an endpoint outside the platform",
    (p) => p.publish(new Endpoint("db.example.com", 5432), 15432),
    `Platform: endpoint is not a port of a service on this platform (got "db.example.com:5432"). Publish an endpoint of a service this platform runs, e.g. handle.endpoint("http").`,
  ],
  [
    "a host port out of range",
    (p, s) => p.publish(service({ ports: [{ name: "http", port: 80 }] })(p, s) && new Endpoint("svc", 80), 0),
    `Platform: host port of svc/http must be an integer from 1 to 65535 (got 0). Set host port of svc/http to an integer from 1 to 65535.`,
  ],
  [
    "one host port for two endpoints",
    (p, s) => {
      const a = p.service(s, "A", { name: "a", image: "i:1", runAsUser: 1000, ports: [{ name: "http", port: 80 }] });
      const b = p.service(s, "B", { name: "b", image: "i:1", runAsUser: 1000, ports: [{ name: "web", port: 81 }] });
      p.publish(a.endpoint("http"), 8080);
      p.publish(b.endpoint("web"), 8080);
    },
    `Platform: host port of b/web is already published by a/http (got 8080). Give each endpoint its own host port.`,
  ],
  [
    "a per-replica port whose replicas' host ports run into another endpoint's",
    (p, s) => {
      const a = p.service(s, "A", { name: "a", image: "i:1", runAsUser: 1000, ports: [{ name: "http", port: 80 }] });
      const b = p.service(s, "B", { name: "b", image: "i:1", runAsUser: 1000, replicas: 3, ports: [{ name: "peer", port: 81, perReplica: true }] });
      p.publish(a.endpoint("http"), 8082);
      p.publish(b.endpoint("peer"), 8080);
    },
    `Platform: host port of b/peer takes 8080-8082 (one per replica), and 8082 is already published by a/http (got 8080). Give each endpoint its own host port.`,
  ],
  [
    "one endpoint published twice",
    (p, s) => {
      const a = p.service(s, "A", { name: "a", image: "i:1", runAsUser: 1000, ports: [{ name: "http", port: 80 }] });
      p.publish(a.endpoint("http"), 8080);
      p.publish(a.endpoint("http"), 8081);
    },
    `Platform: host port of a/http is set twice (first 8080) (got 8081). Publish a/http once.`,
  ],
];

describe.each(RULES)("platform rule: %s", (_name, build, message) => {
  test.each(PLATFORMS)("fails on %s with the same message", (kind) => {
    const { stack, platform } = stackOn(kind);
    expect(() => build(platform, stack)).toThrow(message);
  });
});

describe.each(PLATFORMS)("job timeouts on %s", (kind) => {
  test("the script's budget is the timeout less a minute, in the variable it reads; without timeoutEnv nothing is added", () => {
    const { stack, platform } = stackOn(kind);
    const told = platform.job(stack, "A", { name: "a", image: "i:1", runAsUser: 1000, timeoutEnv: "TIMEOUT_SECONDS", timeoutSeconds: 900 });
    const untold = platform.job(stack, "B", { name: "b", image: "i:1", runAsUser: 1000, env: { X: "1" } });
    expect(told.spec.env).toEqual({ TIMEOUT_SECONDS: "840" });
    expect(told.spec.timeoutSeconds).toBe(900);
    expect(untold.spec.env).toEqual({ X: "1" });
  });
});
