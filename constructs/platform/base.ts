import { Token } from "cdktf";
import { Construct } from "constructs";
import { validateDnsLabel, validateInteger, validatePattern, ValidationError } from "../validation";
import {
  ContainerSpec,
  DEFAULT_JOB_TIMEOUT_SECONDS,
  Endpoint,
  IPlatform,
  JOB_DEADLINE_MARGIN_SECONDS,
  JobHandle,
  JobSpec,
  PlatformKind,
  PlatformLocation,
  PortSpec,
  Secret,
  SECRET_FILES_DIR,
  SecretSpec,
  ServiceHandle,
  ServiceSpec,
} from "./workload";

/** Prefix of every error about a workload spec: the same on every platform. */
const PLATFORM = "Platform";

/** A job spec as renderers receive it: checked, its timeout resolved and handed to the script. */
export interface CheckedJobSpec extends JobSpec {
  /** Seconds the deployment waits for the job (the Kubernetes Job's deadline). */
  readonly timeoutSeconds: number;
}

/** An endpoint published on the host with {@link PlatformBase.publish}. */
export interface PublishedPort {
  /** The service that owns the port. */
  readonly service: ServiceSpec;
  /** The published port of that service. */
  readonly port: PortSpec;
  /** The port on this machine. */
  readonly hostPort: number;
}

/**
 * What every platform shares, so that Docker and Kubernetes are renderers of the same checked
 * spec: workload names are claimed once per platform, every spec passes the same rules (one
 * table, {@link checkServiceSpec} and {@link checkJobSpec}), a job's timeout is handed to its
 * script, and host ports are recorded in one place. Subclasses only translate a checked spec
 * into their provider's resources.
 */
export abstract class PlatformBase extends Construct implements IPlatform {
  /** Which runtime this platform renders to. */
  public abstract readonly kind: PlatformKind;
  /** Where its workloads live; see {@link IPlatform.location}. */
  public abstract readonly location: PlatformLocation;
  private readonly names = new Set<string>();
  private readonly services = new Map<string, ServiceSpec>();
  private readonly published = new Map<string, PublishedPort>();
  private readonly hostPorts = new Map<number, string>();

  /** Renders a long-running workload under `scope`, after checking its spec. */
  public service(scope: Construct, id: string, spec: ServiceSpec): ServiceHandle {
    checkServiceSpec(spec);
    this.claimName(spec.name);
    this.services.set(spec.name, spec);
    return this.renderService(scope, id, spec);
  }

  /** Renders a one-shot job under `scope`, after checking its spec; the job's script is told its budget. */
  public job(scope: Construct, id: string, spec: JobSpec): JobHandle {
    checkJobSpec(spec);
    this.claimName(spec.name);
    return this.renderJob(scope, id, withTimeout(spec));
  }

  /** A credential, generated unless `spec.value` is supplied. */
  public secret(scope: Construct, id: string, spec: SecretSpec): Secret {
    validateDnsLabel(PLATFORM, "secret name", spec.name);
    return this.renderSecret(scope, id, spec);
  }

  /** Publishes `endpoint` at `hostPort` on this machine; see {@link IPlatform.publish}. */
  public publish(endpoint: Endpoint, hostPort: number): void {
    const { service, port } = this.portOf(endpoint);
    const key = `${service.name}/${port.name}`;
    const span = port.perReplica ? (service.replicas ?? 1) : 1;
    validateInteger(PLATFORM, `host port of ${key}`, hostPort, 1, 65536 - span);
    const earlier = this.published.get(key);
    if (earlier) {
      throw new ValidationError(PLATFORM, `host port of ${key}`, `is set twice (first ${earlier.hostPort})`, hostPort, `Publish ${key} once.`);
    }
    const hostPorts = Array.from({ length: span }, (_, i) => hostPort + i);
    for (const p of hostPorts) {
      const owner = this.hostPorts.get(p);
      if (owner) {
        const what = span === 1 ? "is" : `takes ${hostPort}-${hostPort + span - 1} (one per replica), and ${p} is`;
        throw new ValidationError(PLATFORM, `host port of ${key}`, `${what} already published by ${owner}`, hostPort, "Give each endpoint its own host port.");
      }
    }
    const entry = { service, port, hostPort };
    for (const p of hostPorts) this.hostPorts.set(p, key);
    this.published.set(key, entry);
    this.renderPublished(entry);
  }

  /** The host port `endpoint` was published at, or undefined; see {@link IPlatform.publishedPort}. */
  public publishedPort(endpoint: Endpoint): number | undefined {
    const { service, port } = this.portOf(endpoint);
    return this.published.get(`${service.name}/${port.name}`)?.hostPort;
  }

  /** The address on this machine that reaches `endpoint`; see {@link IPlatform.publishedAddress}. */
  public abstract publishedAddress(endpoint: Endpoint): string | undefined;

  /** The service of this platform named `name` (rendered so far), or undefined: an endpoint's host outside the stack. */
  protected serviceNamed(name: string): ServiceSpec | undefined {
    return this.services.get(name);
  }

  /** Every published endpoint, in the order they were published. */
  protected get publishedPortList(): PublishedPort[] {
    return [...this.published.values()];
  }

  /** Provider resources of a checked service spec. */
  protected abstract renderService(scope: Construct, id: string, spec: ServiceSpec): ServiceHandle;
  /** Provider resources of a checked job spec. */
  protected abstract renderJob(scope: Construct, id: string, spec: CheckedJobSpec): JobHandle;
  /** Provider resources of a secret with a valid name. */
  protected abstract renderSecret(scope: Construct, id: string, spec: SecretSpec): Secret;
  /** Reacts to a new published port (Docker adds it to the container); nothing by default. */
  protected renderPublished(_published: PublishedPort): void {}

  private claimName(name: string): void {
    validateDnsLabel(PLATFORM, "workload name", name);
    if (this.names.has(name)) {
      throw new ValidationError(PLATFORM, "workload name", "is used twice", name, "Give every service and job on one platform its own name.");
    }
    this.names.add(name);
  }

  private portOf(endpoint: Endpoint): { service: ServiceSpec; port: PortSpec } {
    const service = this.services.get(endpoint.host);
    const port = service?.ports?.find((p) => p.port === endpoint.port);
    if (!service || !port) {
      throw new ValidationError(
        PLATFORM,
        "endpoint",
        "is not a port of a service on this platform",
        endpoint.address,
        'Publish an endpoint of a service this platform runs, e.g. handle.endpoint("http").',
      );
    }
    return { service, port };
  }
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const WRITABLE_PATH = /^\/[A-Za-z0-9._/-]*[A-Za-z0-9._-]$/;
const SECRET_FILE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
/** Docker refuses a memory limit below 6 MiB. */
const MIN_MEMORY_MIB = 6;

/** The rules every service spec passes on every platform; throws a ValidationError naming the first broken one. */
export function checkServiceSpec(spec: ServiceSpec): void {
  const what = `service '${spec.name}'`;
  checkContainerSpec(what, spec);
  validateInteger(PLATFORM, `replicas of ${what}`, spec.replicas, 1);
  if (spec.gracefulStop) {
    if (spec.gracefulStop.command.length === 0) {
      throw new ValidationError(PLATFORM, `gracefulStop.command of ${what}`, "is empty", "[]", "Give the command that drains the replica, e.g. ['sh', '-c', '...'], or leave gracefulStop out.");
    }
    validateInteger(PLATFORM, `gracefulStop.timeoutSeconds of ${what}`, spec.gracefulStop.timeoutSeconds, 1, 3600);
  }
  const ports = spec.ports ?? [];
  for (const port of ports) {
    validateDnsLabel(PLATFORM, `port name of ${what}`, port.name);
    validateInteger(PLATFORM, `port '${port.name}' of ${what}`, port.port, 1, 65535);
  }
  rejectDuplicates(
    `port names of ${what}`,
    ports.map((p) => p.name),
    "Give each port its own name.",
  );
  rejectDuplicates(
    `ports of ${what}`,
    ports.map((p) => p.port),
    "Give each named port its own number.",
  );
  const volumes = spec.volumes ?? [];
  for (const volume of volumes) {
    validateDnsLabel(PLATFORM, `volume name of ${what}`, volume.name);
    checkAbsolutePath(`path of volume '${volume.name}' of ${what}`, volume.path);
    validateInteger(PLATFORM, `sizeGiB of volume '${volume.name}' of ${what}`, volume.sizeGiB, 1);
  }
  rejectDuplicates(
    `volume names of ${what}`,
    volumes.map((v) => v.name),
    "Give each volume its own name.",
  );
  rejectDuplicates(`mount paths of ${what}`, [...volumes.map((v) => v.path), ...(spec.files ?? []).map((f) => f.path)], "Mount each volume and file at its own path.");
}

/** The rules every job spec passes on every platform; throws a ValidationError naming the first broken one. */
export function checkJobSpec(spec: JobSpec): void {
  const what = `job '${spec.name}'`;
  checkContainerSpec(what, spec);
  // The script's budget is the timeout less the margin, so the timeout must leave it some.
  const min = spec.timeoutEnv === undefined ? 1 : JOB_DEADLINE_MARGIN_SECONDS + 1;
  validateInteger(PLATFORM, `timeoutSeconds of ${what}`, spec.timeoutSeconds, min);
  if (spec.timeoutEnv !== undefined) {
    checkEnvName(`timeoutEnv of ${what}`, spec.timeoutEnv);
    if (spec.timeoutEnv in (spec.env ?? {}) || spec.timeoutEnv in (spec.secretEnv ?? {})) {
      throw new ValidationError(PLATFORM, `env of ${what}`, `sets ${spec.timeoutEnv}, which timeoutEnv hands the job`, spec.timeoutEnv, "Drop it from env: the platform sets it from timeoutSeconds.");
    }
  }
}

function checkContainerSpec(what: string, spec: ContainerSpec): void {
  const env = Object.keys(spec.env ?? {});
  const secretEnv = Object.keys(spec.secretEnv ?? {});
  for (const name of [...env, ...secretEnv]) checkEnvName(`environment variable of ${what}`, name);
  for (const name of secretEnv) {
    if (env.includes(name)) {
      throw new ValidationError(PLATFORM, `env of ${what}`, "sets a variable that secretEnv sets too", name, `Set ${name} in one of them: in secretEnv if it is a credential, else in env.`);
    }
  }
  for (const file of spec.files ?? []) checkAbsolutePath(`file path of ${what}`, file.path);
  for (const name of Object.keys(spec.secretFiles ?? {}))
    validatePattern(PLATFORM, `secretFiles name of ${what}`, name, SECRET_FILE_NAME, "a file name of letters, digits, '.', '_' and '-'", (v) =>
      v.replace(/[^A-Za-z0-9._-]/g, "-").replace(/^[^A-Za-z0-9]+/, ""),
    );
  const underSecrets = [...(spec.files ?? []).map((f) => f.path), ...(spec.writablePaths ?? [])].find((p) => p === SECRET_FILES_DIR || p.startsWith(`${SECRET_FILES_DIR}/`));
  if (underSecrets !== undefined) {
    throw new ValidationError(
      PLATFORM,
      `files or writablePaths of ${what}`,
      `lie in ${SECRET_FILES_DIR}, where the platform mounts secretFiles`,
      underSecrets,
      "Put a credential in secretFiles, and other files elsewhere.",
    );
  }
  rejectDuplicates(
    `file paths of ${what}`,
    (spec.files ?? []).map((f) => f.path),
    "Mount each file at its own path.",
  );
  if (spec.resources) {
    validateInteger(PLATFORM, `resources.cpuMillis of ${what}`, spec.resources.cpuMillis, 1);
    validateInteger(PLATFORM, `resources.memoryMiB of ${what}`, spec.resources.memoryMiB, MIN_MEMORY_MIB);
  }
  validateInteger(PLATFORM, `runAsUser of ${what}`, spec.runAsUser, 1);
  if (spec.leaderElectionGroup !== undefined) validateDnsLabel(PLATFORM, `leaderElectionGroup of ${what}`, spec.leaderElectionGroup);
  for (const endpoint of spec.connectsTo ?? []) validateInteger(PLATFORM, `port of ${what}'s connectsTo ${endpoint.host}`, endpoint.port, 1, 65535);
  for (const path of spec.writablePaths ?? [])
    validatePattern(PLATFORM, `writable path of ${what}`, path, WRITABLE_PATH, "an absolute path of letters, digits, '.', '_', '-' and '/'", (v) =>
      ("/" + v.replace(/[^A-Za-z0-9._/-]/g, "_")).replace(/^\/+/, "/").replace(/\/+$/, ""),
    );
  rejectDuplicates(`writable paths of ${what}`, [TMP, ...(spec.writablePaths ?? [])], `Name each writable path once (${TMP} is always writable).`);
}

/** Writable on every platform: Kubernetes mounts an empty directory here. */
export const TMP = "/tmp";

function checkEnvName(prop: string, name: string): void {
  const rename = (v: string) => v.replace(/[^A-Za-z0-9_]/g, "_").replace(/^([0-9])/, "_$1");
  validatePattern(PLATFORM, prop, name, ENV_NAME, "a shell variable name (A-Z, a-z, 0-9 and '_', not starting with a digit)", rename);
}

function checkAbsolutePath(prop: string, path: string): void {
  if (Token.isUnresolved(path)) return;
  if (!path.startsWith("/")) {
    throw new ValidationError(PLATFORM, prop, "must be an absolute path", path, `Start it with '/', e.g. '/${path}'.`);
  }
}

function rejectDuplicates(prop: string, values: (string | number)[], fix: string): void {
  const seen = new Set<string | number>();
  for (const value of values) {
    if (seen.has(value)) throw new ValidationError(PLATFORM, prop, "hold a value twice", value, fix);
    seen.add(value);
  }
}

/** The spec with its timeout resolved and, when asked, the script's budget in its environment. */
function withTimeout(spec: JobSpec): CheckedJobSpec {
  const timeoutSeconds = spec.timeoutSeconds ?? DEFAULT_JOB_TIMEOUT_SECONDS;
  if (spec.timeoutEnv === undefined) return { ...spec, timeoutSeconds };
  const budget = String(timeoutSeconds - JOB_DEADLINE_MARGIN_SECONDS);
  return { ...spec, timeoutSeconds, env: { ...spec.env, [spec.timeoutEnv]: budget } };
}
