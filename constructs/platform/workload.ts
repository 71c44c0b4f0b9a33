import { ITerraformDependable } from "cdktf";
import { Construct, IConstruct } from "constructs";

/**
 * Platform-neutral workload descriptions. Layer constructs describe what they run with these
 * types; a {@link Platform} renders them to one runtime's resources (Docker containers,
 * Kubernetes StatefulSets, ...). Nothing here knows about a provider.
 */

/**
 * Budgets of a health check whose options set none: a check every 5 s that may take 5 s, 60
 * failures in a row before the workload counts as unhealthy, and 10 s of grace after start. With
 * them a service has `startPeriod + interval x retries` = 310 s to become healthy.
 */
export const PROBE_DEFAULTS = {
  /** Seconds between checks. */
  intervalSeconds: 5,
  /** Seconds a single check may take. */
  timeoutSeconds: 5,
  /** Consecutive failures before the workload counts as unhealthy. */
  retries: 60,
  /** Seconds after start during which failures do not count. */
  startPeriodSeconds: 10,
} as const;

/** How a platform decides that a workload is ready. Rendered as a Docker health check or Kubernetes probes. */
export class HealthCheck {
  /** Healthy when `GET http://localhost:<port><path>` answers 2xx. Docker runs it with `curl`, so the image needs curl. */
  public static http(port: number, path: string, options: HealthCheckOptions = {}): HealthCheck {
    return new HealthCheck({ kind: "http", port, path, ...options });
  }

  /** Healthy when a TCP connection to `port` succeeds. Docker runs it with bash's /dev/tcp, so the image needs bash. */
  public static tcp(port: number, options: HealthCheckOptions = {}): HealthCheck {
    return new HealthCheck({ kind: "tcp", port, ...options });
  }

  /** Healthy when `command` exits 0 inside the container. */
  public static command(command: string[], options: HealthCheckOptions = {}): HealthCheck {
    if (command.length === 0) throw new Error("HealthCheck.command: command must not be empty");
    return new HealthCheck({ kind: "command", command, ...options });
  }

  private constructor(
    /** What is checked, and how often. */
    public readonly probe: HealthProbe,
  ) {}

  /** Seconds between checks. */
  public get intervalSeconds(): number {
    return this.probe.intervalSeconds ?? PROBE_DEFAULTS.intervalSeconds;
  }
  /** Seconds a single check may take. */
  public get timeoutSeconds(): number {
    return this.probe.timeoutSeconds ?? PROBE_DEFAULTS.timeoutSeconds;
  }
  /** Consecutive failures before the workload counts as unhealthy. */
  public get retries(): number {
    return this.probe.retries ?? PROBE_DEFAULTS.retries;
  }
  /** Seconds after start during which failures do not count. */
  public get startPeriodSeconds(): number {
    return this.probe.startPeriodSeconds ?? PROBE_DEFAULTS.startPeriodSeconds;
  }
  /**
   * Seconds a starting workload has to become healthy: the grace period plus every retry. Docker
   * waits this long for the container, Kubernetes' startup probe allows as much.
   */
  public get startBudgetSeconds(): number {
    return this.startPeriodSeconds + this.intervalSeconds * this.retries;
  }
}

/** Timing of a health check. */
export interface HealthCheckOptions {
  /** Seconds between checks. @default PROBE_DEFAULTS.intervalSeconds (5) */
  readonly intervalSeconds?: number;
  /** Seconds a single check may take. @default PROBE_DEFAULTS.timeoutSeconds (5) */
  readonly timeoutSeconds?: number;
  /** Consecutive failures before the workload counts as unhealthy. @default PROBE_DEFAULTS.retries (60) */
  readonly retries?: number;
  /** Seconds after start during which failures do not count. @default PROBE_DEFAULTS.startPeriodSeconds (10) */
  readonly startPeriodSeconds?: number;
}

/** The check behind a {@link HealthCheck}, as each platform renders it. */
export type HealthProbe =
  | ({
      /** An HTTP GET that must answer 2xx. */
      readonly kind: "http";
      /** Port inside the workload. */
      readonly port: number;
      /** Request path, e.g. `/health`. */
      readonly path: string;
    } & HealthCheckOptions)
  | ({
      /** A TCP connection that must succeed. */
      readonly kind: "tcp";
      /** Port inside the workload. */
      readonly port: number;
    } & HealthCheckOptions)
  | ({
      /** A command that must exit 0 inside the container. */
      readonly kind: "command";
      /** The command line, e.g. `["pg_isready", "-h", "127.0.0.1"]`. */
      readonly command: string[];
    } & HealthCheckOptions);

/** A credential held by the platform: generated or supplied, never a literal in code. */
export interface Secret {
  /** Name of the secret, unique within the platform (a Kubernetes Secret name, a Docker resource suffix). */
  readonly name: string;
  /** The value as a Terraform token; sensitive, so Terraform redacts it in plans and outputs. */
  readonly value: string;
}

/** A credential to create: generated, or supplied by the caller. */
export interface SecretSpec {
  /** Unique, DNS-label-like name, e.g. `postgres-password`. */
  readonly name: string;
  /**
   * A supplied value, e.g. a sensitive TerraformVariable's `.stringValue`.
   * @default - a random 32-character alphanumeric password
   */
  readonly value?: string;
  /**
   * Digits a generated value contains at least, for applications whose password rules demand
   * them (Metabase requires one).
   * @default 0
   */
  readonly minDigits?: number;
  /**
   * Whether a value is generated when none is supplied (or a supplied token is null). False for
   * a credential that exists outside the stack, e.g. an adopted database's admin password: a
   * generated one could never be accepted. The supplied value is then used as it is.
   * @default true
   */
  readonly generate?: boolean;
}

/** A named network port of a service. */
export interface PortSpec {
  /** Name used to look the port up (`handle.endpoint("http")`), e.g. `sql`, `http`. */
  readonly name: string;
  /** Port the process listens on inside the workload. To reach it from the host, see {@link IPlatform.publish}. */
  readonly port: number;
  /**
   * Published, each replica's own at the host port plus its ordinal, for clients on the host that
   * must reach every replica (a Kafka broker advertises its own); otherwise one replica serves it.
   * @default false
   */
  readonly perReplica?: boolean;
}

/** A persistent volume mounted into a service. A service with volumes is stateful. */
export interface VolumeSpec {
  /** Volume name, unique within the service, e.g. `data`. */
  readonly name: string;
  /** Mount path inside the container. */
  readonly path: string;
  /**
   * Requested size (Kubernetes PVC). Docker volumes are not size-limited.
   * @default 1
   */
  readonly sizeGiB?: number;
}

/** Where `ContainerSpec.secretFiles` are mounted: Docker secrets' directory, which images already look in. */
export const SECRET_FILES_DIR = "/run/secrets";

/** The path at which a container finds its secret file `fileName` (a key of `ContainerSpec.secretFiles`). */
export function secretFilePath(fileName: string): string {
  return `${SECRET_FILES_DIR}/${fileName}`;
}

/** A config file whose content is mounted read-only at `path`. */
export interface FileSpec {
  /** Absolute path inside the container. */
  readonly path: string;
  /** File content. Must not hold credentials: pass those as `secretFiles` or `secretEnv`. */
  readonly content: string;
  /**
   * Make the file executable.
   * @default false
   */
  readonly executable?: boolean;
}

/** Compute requested by a workload. Memory is a hard limit; CPU is a request, not a cap. */
export interface ResourceSpec {
  /** CPU request in millicores (1000 = one core). */
  readonly cpuMillis: number;
  /** Memory limit (and request) in MiB. */
  readonly memoryMiB: number;
}

/** What can be waited for: a healthy service or a completed job. */
export interface IDependable {
  /** The resources a dependent workload must wait for. */
  readonly dependables: ITerraformDependable[];
}

/** Everything that describes one container, for services and jobs alike. */
export interface ContainerSpec {
  /** Full image reference, e.g. `docker.io/library/postgres:17.12`. */
  readonly image: string;
  /**
   * Entrypoint override.
   * @default - the image's entrypoint
   */
  readonly command?: string[];
  /**
   * Arguments to the entrypoint.
   * @default - the image's default command
   */
  readonly args?: string[];
  /** @default {} */
  readonly env?: Record<string, string>;
  /** Environment variables whose values come from platform secrets. @default {} */
  readonly secretEnv?: Record<string, Secret>;
  /**
   * Credentials mounted as read-only files, by file name, at `/run/secrets/<name>` (see
   * {@link secretFilePath}), for software that reads a password from a file (PostgreSQL's
   * `POSTGRES_PASSWORD_FILE`, MinIO's `MINIO_ROOT_PASSWORD_FILE`, Kafka's DirectoryConfigProvider).
   * Prefer them to `secretEnv` where the software reads them: a file is not inherited by every child
   * process, nor shown by `docker inspect`.
   * @default {}
   */
  readonly secretFiles?: Record<string, Secret>;
  /** Config files mounted read-only. @default [] */
  readonly files?: FileSpec[];
  /** @default - 250 millicores, 512 MiB */
  readonly resources?: ResourceSpec;
  /**
   * Numeric UID (and GID) the image's process runs as, not 0. Kubernetes runs every pod as non-root
   * with this user and an fsGroup so volumes are writable, and refuses a workload without it (the
   * kubelet cannot check a named image user is not root). Docker runs the image's own user.
   * @default - none: required on Kubernetes
   */
  readonly runAsUser?: number;
  /**
   * Directories the process writes outside its volumes (caches, pid files, generated config). On
   * Kubernetes the root filesystem is read-only: each path is a directory that lives as long as
   * the pod, first filled with what the image has there (`/tmp`, always writable, starts empty).
   * Docker leaves the container's filesystem writable.
   * @default [] - only /tmp
   */
  readonly writablePaths?: string[];
  /**
   * Every endpoint the process opens connections to: services of the stack (`handle.endpoint()`)
   * and servers outside it. On Kubernetes these are the only flows its network policies allow
   * (besides DNS, and replicas of one service reaching each other on its ports); Docker ignores them.
   * @default [] - it connects to nothing
   */
  readonly connectsTo?: Endpoint[];
  /**
   * A group of workloads that elect a leader among their replicas, and find it, through the
   * platform's own API (Flink's Kubernetes HA services keep the leader and the jobs' pointers in
   * ConfigMaps). On Kubernetes the group's workloads share a service account that may read and
   * write the namespace's ConfigMaps and nothing else; its token is mounted, and the API server
   * is reachable. Docker has no such API and refuses it.
   * @default - none: no token, no access to the platform's API
   */
  readonly leaderElectionGroup?: string;
  /** Workloads that must be healthy (services) or complete (jobs) before this one starts. @default [] */
  readonly dependsOn?: IDependable[];
}

/** A long-running workload. */
export interface ServiceSpec extends ContainerSpec {
  /** DNS name of the service inside the platform network; other workloads reach it by this name. */
  readonly name: string;
  /** @default [] */
  readonly ports?: PortSpec[];
  /** Persistent volumes; a service with volumes is rendered as stateful. @default [] */
  readonly volumes?: VolumeSpec[];
  /** @default - none: the platform only waits for the container to start */
  readonly healthCheck?: HealthCheck;
  /** @default 1 */
  readonly replicas?: number;
  /**
   * How a replica hands its work over when the platform takes it away (a deleted or evicted pod,
   * a rolling update, a drained node). Kubernetes runs the command as the container's preStop
   * hook; Docker, which stops a container only when it replaces or destroys it, ignores it.
   * @default - none: the stop signal at once, then the platform's default grace (30 s on Kubernetes)
   */
  readonly gracefulStop?: GracefulStop;
}

/** A command that drains a replica before the platform stops it, and how long the platform waits. */
export interface GracefulStop {
  /** Run in the container first; the stop signal follows when it returns (or the container has exited). */
  readonly command: string[];
  /** Seconds from the start of the command until the container is killed, whatever it is doing. */
  readonly timeoutSeconds: number;
}

/** A one-shot, idempotent task that runs to completion; the deployment waits for it and fails if it fails. */
export interface JobSpec extends ContainerSpec {
  /** Name of the job, unique within the platform. */
  readonly name: string;
  /**
   * Seconds the deployment waits for completion (the Kubernetes Job's deadline). The Docker
   * provider has no timeout for attached containers: there the job's own command must bound its
   * waits, as the scripts in jobs/ do, with the budget `timeoutEnv` hands them.
   * @default DEFAULT_JOB_TIMEOUT_SECONDS (600)
   */
  readonly timeoutSeconds?: number;
  /**
   * Environment variable that receives the job's own budget in seconds: `timeoutSeconds` less
   * {@link JOB_DEADLINE_MARGIN_SECONDS}, so the script gives up (with its own, clearer error)
   * before the platform's deadline kills it. The scripts in jobs/ read `TIMEOUT_SECONDS`.
   * @default - none: the job's command is not told its budget
   */
  readonly timeoutEnv?: string;
}

/**
 * A network endpoint: what the next layer takes as input instead of a host string. Depending on
 * it waits for the service behind it (none for an endpoint outside the stack).
 */
export class Endpoint implements IDependable {
  constructor(
    /** Host name inside the platform network (or of an external server). */
    public readonly host: string,
    /** Port number. */
    public readonly port: number,
    public readonly dependables: ITerraformDependable[] = [],
  ) {}

  /** `host:port`. */
  public get address(): string {
    return `${this.host}:${this.port}`;
  }

  /** A URL on this endpoint, e.g. `url("http", "/v1")`. */
  public url(scheme: string, path = ""): string {
    return `${scheme}://${this.address}${path}`;
  }
}

/** What `platform.service()` returns. */
export class ServiceHandle implements IDependable {
  constructor(
    /** The spec the service was rendered from. */
    public readonly spec: ServiceSpec,
    public readonly dependables: ITerraformDependable[],
    private readonly replicas: ReplicaNames = {},
  ) {}

  /**
   * The stable host name of each replica of a stateful service (one with volumes), in ordinal
   * order: `<name>-0`, `<name>-1`, ... on Docker, `<name>-0.<name>-replicas`, ... on Kubernetes.
   * A replica's own host name ends in its ordinal (`<name>-<i>`), so its process can tell which it
   * is. Software that names its peers in its configuration (a KRaft controller quorum) reads them
   * here. A single replica or a stateless service has none: throws.
   */
  public get replicaHosts(): string[] {
    if (!this.replicas.hosts) {
      throw new Error(`Service '${this.spec.name}' has no stable host name per replica: only a stateful service (with volumes) of more than one replica has`);
    }
    return this.replicas.hosts;
  }

  /** Host name inside the platform network. */
  public get host(): string {
    return this.spec.name;
  }

  /** The endpoint of a named port; throws naming the ports that exist. */
  public endpoint(portName: string): Endpoint {
    const port = (this.spec.ports ?? []).find((p) => p.name === portName);
    if (!port) {
      const known = (this.spec.ports ?? []).map((p) => p.name).join(", ") || "none";
      throw new Error(`Service '${this.spec.name}' has no port named '${portName}' (ports: ${known})`);
    }
    return new Endpoint(this.host, port.port, this.dependables);
  }

  /**
   * A named port on a host name whose DNS A records are every replica's own address (one per
   * replica), for clients that must reach each replica, such as Prometheus. A connection to it
   * reaches one replica with no failover: other clients use {@link endpoint}.
   */
  public replicasEndpoint(portName: string): Endpoint {
    const port = this.endpoint(portName);
    return new Endpoint(this.replicas.all ?? this.spec.name, port.port, this.dependables);
  }
}

/** How a platform names the replicas of a service, for {@link ServiceHandle}. */
export interface ReplicaNames {
  /** A host name whose A records are every replica's address. @default - the service's name */
  readonly all?: string;
  /** Each replica's stable host name, in ordinal order (stateful services of several replicas). @default - none */
  readonly hosts?: string[];
}

/** What `platform.job()` returns. */
export class JobHandle implements IDependable {
  constructor(
    /** The spec the job was rendered from. */
    public readonly spec: JobSpec,
    public readonly dependables: ITerraformDependable[],
  ) {}
}

/** The runtimes a platform renders to. */
export type PlatformKind = "docker" | "kubernetes";

/** Where a platform's workloads live: a container name prefix on Docker, a namespace on Kubernetes. */
export type PlatformLocation =
  | {
      /** Docker: one container per workload. */
      readonly kind: "docker";
      /** Every container's name starts with `<containerPrefix>-`, e.g. `lakehouse-dev`. */
      readonly containerPrefix: string;
    }
  | {
      /** Kubernetes: every object in one namespace. */
      readonly kind: "kubernetes";
      /** The namespace of the stack's objects. */
      readonly namespace: string;
    };

/**
 * The seam between layers and runtimes. Layer constructs describe workloads through it and
 * never create provider resources themselves; a new runtime is one new implementation.
 */
export interface IPlatform extends IConstruct {
  /** Which runtime this platform renders to. */
  readonly kind: PlatformKind;
  /** Where its workloads live, for tools that inspect them (`lakehouse bench` samples their CPU there). */
  readonly location: PlatformLocation;
  /** Renders a long-running workload under `scope`. */
  service(scope: Construct, id: string, spec: ServiceSpec): ServiceHandle;
  /** Renders a one-shot job under `scope`; applying waits for it and fails if it fails. */
  job(scope: Construct, id: string, spec: JobSpec): JobHandle;
  /** A credential, generated unless `spec.value` is supplied. */
  secret(scope: Construct, id: string, spec: SecretSpec): Secret;
  /**
   * Makes a service's endpoint reachable from this machine at `hostPort`: on Docker the port is
   * published on 127.0.0.1 only; on Kubernetes nothing is created, the port is recorded as the
   * local end of `kubectl port-forward` (see {@link publishedPort}). The endpoint must belong to
   * a service of this platform, and each host port serves one endpoint. A `perReplica` port of a
   * replicated service takes one host port per replica: replica i's at `hostPort + i`.
   */
  publish(endpoint: Endpoint, hostPort: number): void;
  /**
   * The host port `endpoint` was published at with {@link publish}, on either platform (on
   * Kubernetes: the local port of a port-forward), or undefined. Read lazily (e.g. in a
   * `Lazy.stringValue`) when the layer is built before the stack publishes its ports.
   */
  publishedPort(endpoint: Endpoint): number | undefined;
  /**
   * The address on this machine that reaches `endpoint`: `127.0.0.1:<hostPort>` on Docker once
   * published; undefined when unpublished, and always on Kubernetes, where nothing listens on the
   * host until someone runs `kubectl port-forward` to the {@link publishedPort}.
   */
  publishedAddress(endpoint: Endpoint): string | undefined;
}

/** Resources of a workload whose spec sets none: 250 millicores, 512 MiB. */
export const DEFAULT_RESOURCES: ResourceSpec = { cpuMillis: 250, memoryMiB: 512 };
/** Seconds a deployment waits for a job whose spec sets no timeout. */
export const DEFAULT_JOB_TIMEOUT_SECONDS = 600;
/**
 * Seconds between a job script's own budget and the platform's deadline (see
 * {@link JobSpec.timeoutEnv}): time for the script to report why it gave up and exit.
 */
export const JOB_DEADLINE_MARGIN_SECONDS = 60;
