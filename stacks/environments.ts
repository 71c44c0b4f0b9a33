import { homedir } from "os";
import { join } from "path";
import { DashboardEngine, LakehouseProps, LOCAL_IMAGE_REGISTRY, QueryEngineAuthentication } from "../constructs";

/** Lakehouse options an environment may set; platform and secrets are wired by the stack. */
export type LakehouseOptions = Omit<LakehouseProps, "platform">;

/** The endpoints a stack can publish on this machine, by the name of their host port. */
export type PublishedEndpoint = keyof typeof DEV_PORTS;

/**
 * Host ports of the stack's endpoints. Docker publishes each on 127.0.0.1; Kubernetes records
 * it as the local port of `kubectl port-forward` (Kafka advertises it to host clients).
 * `metabase` and `superset` apply to the engine that runs; ports of layers that are off are ignored.
 */
export type HostPorts = { readonly [E in PublishedEndpoint]?: number };

/** A stack on a Docker engine. */
export interface DockerEnvironment {
  readonly kind: "docker";
  /** Stack name, as in `cdktf deploy <name>`; also the prefix of container, volume and network names. */
  readonly name: string;
  /** Docker daemon address. @default "unix:///var/run/docker.sock" */
  readonly dockerHost?: string;
  /** @default {} - nothing published */
  readonly publish?: HostPorts;
  readonly lakehouse: LakehouseOptions;
}

/** A stack on a Kubernetes cluster. */
export interface KubernetesEnvironment {
  readonly kind: "kubernetes";
  readonly name: string;
  /** @default "lakehouse" */
  readonly namespace?: string;
  /** @default "~/.kube/config" */
  readonly kubeconfigPath?: string;
  /** @default - the kubeconfig's current context */
  readonly kubeContext?: string;
  /** @default - the cluster's default StorageClass */
  readonly storageClassName?: string;
  /** Scales CPU requests (see KubernetesPlatformProps.cpuRequestFraction). @default 1 */
  readonly cpuRequestFraction?: number;
  /** @default {} - nothing recorded; Kafka advertises its in-cluster external listener */
  readonly publish?: HostPorts;
  readonly lakehouse: LakehouseOptions;
}

export type Environment = DockerEnvironment | KubernetesEnvironment;

/**
 * Settings read from the environment at synth, so one checkout serves several machines:
 * - LAKEHOUSE_IMAGE_REGISTRY: mirror of every image. Default `lakehouse.local` (what
 *   `npm run images` builds); `upstream` uses the public registries.
 * - LAKEHOUSE_DASHBOARDS: `metabase` (`on` is the same), `superset` or `off`. Unset, the engine
 *   follows the registry: `superset` with the local registry `lakehouse.local`, `metabase` with
 *   any other (see {@link defaultDashboards}).
 * - KUBECONFIG / LAKEHOUSE_KUBE_CONTEXT: the cluster of the Kubernetes stacks (`k8s`, `k8s-ha`).
 * - LAKEHOUSE_K8S_CPU_FRACTION: scales the Kubernetes stacks' CPU requests, a number in (0, 1];
 *   default 1. `0.25` fits the whole stack on a 2-core node (`npm run test:e2e:k8s` uses it).
 * - LAKEHOUSE_CHECKPOINT_MS: the stream job's checkpoint interval (one Iceberg commit per table
 *   each), default 5000. `lakehouse soak` compresses days of commits into an hour with 1000.
 * - LAKEHOUSE_TLS_DIR: where the Kubernetes stacks' Trino finds its certificate, key and CA
 *   (`trino.pem`, `trino-key.pem`, `ca.pem`), default ~/.config/lakehouse-cdc/tls, which
 *   `npm run tls` fills. Read at plan, by the stack that is planned.
 */
export interface EnvironmentSettings {
  readonly imageRegistry?: string;
  readonly dashboards: DashboardEngine | false;
  readonly kubeconfigPath?: string;
  readonly kubeContext?: string;
  readonly k8sCpuRequestFraction?: number;
  readonly checkpointIntervalMs: number;
  /** Directory of Trino's TLS files (absolute). */
  readonly tlsDir: string;
}

/**
 * The dashboard engine when LAKEHOUSE_DASHBOARDS is unset. `npm run images` cannot build Metabase
 * (it is on no registry those machines reach), so under the local registry `lakehouse.local` a
 * Metabase default would ask for an image that cannot exist there: Superset, which it builds, is
 * the default. With a real registry (a mirror, or `upstream`) Metabase stays the default. Decided
 * from the settings alone, never from what images happen to be present, so that `npm run up` and
 * a plain `npx cdktf deploy dev` synthesize the same stack.
 */
export function defaultDashboards(registry: string): DashboardEngine {
  return registry === LOCAL_IMAGE_REGISTRY ? "superset" : "metabase";
}

export function settingsFromEnv(env: NodeJS.ProcessEnv = process.env): EnvironmentSettings {
  const registry = env.LAKEHOUSE_IMAGE_REGISTRY ?? LOCAL_IMAGE_REGISTRY;
  const dashboards = env.LAKEHOUSE_DASHBOARDS ?? defaultDashboards(registry);
  if (!["on", "metabase", "superset", "off"].includes(dashboards)) {
    throw new Error(`LAKEHOUSE_DASHBOARDS must be 'metabase' (or 'on'), 'superset' or 'off' (got '${dashboards}')`);
  }
  const fraction = env.LAKEHOUSE_K8S_CPU_FRACTION;
  const k8sCpuRequestFraction = fraction === undefined || fraction === "" ? undefined : Number(fraction);
  if (k8sCpuRequestFraction !== undefined && !(k8sCpuRequestFraction > 0 && k8sCpuRequestFraction <= 1)) {
    throw new Error(`LAKEHOUSE_K8S_CPU_FRACTION must be a number greater than 0 and at most 1, e.g. 0.25 (got '${fraction}')`);
  }
  const checkpoint = env.LAKEHOUSE_CHECKPOINT_MS || "5000";
  if (!/^[1-9][0-9]*$/.test(checkpoint) || Number(checkpoint) < 500) {
    throw new Error(`LAKEHOUSE_CHECKPOINT_MS must be a whole number of milliseconds, at least 500, e.g. 5000 (got '${checkpoint}')`);
  }
  const tlsDir = env.LAKEHOUSE_TLS_DIR || join(homedir(), ".config/lakehouse-cdc/tls");
  if (!tlsDir.startsWith("/")) throw new Error(`LAKEHOUSE_TLS_DIR must be an absolute path, e.g. ${join(homedir(), ".config/lakehouse-cdc/tls")} (got '${tlsDir}')`);
  return {
    checkpointIntervalMs: Number(checkpoint),
    tlsDir,
    imageRegistry: registry === "upstream" ? undefined : registry,
    dashboards: dashboards === "off" ? false : dashboards === "superset" ? "superset" : "metabase",
    kubeconfigPath: env.KUBECONFIG,
    kubeContext: env.LAKEHOUSE_KUBE_CONTEXT,
    k8sCpuRequestFraction,
  };
}

/** Host ports of the dev stack, all on 127.0.0.1. */
export const DEV_PORTS = {
  postgres: 15432,
  kafka: 19092,
  connect: 18083,
  s3: 19000,
  minioConsole: 19001,
  icebergRest: 18181,
  flink: 18081,
  flinkSqlGateway: 18084,
  trino: 18080,
  metabase: 13000,
  dagster: 13070,
  superset: 13088,
  prometheus: 19090,
  alertmanager: 19093,
} as const;

/** Every environment stack that main.ts synthesizes. */
export function environments(settings: EnvironmentSettings): Environment[] {
  const engine = settings.dashboards;
  // What every stack runs: the seeded bank database, the pipeline, the dashboards if on.
  const lakehouse = (options: Omit<LakehouseOptions, "sourceDb" | "dashboards"> = {}): LakehouseOptions => ({
    imageRegistry: settings.imageRegistry,
    sourceDb: { seedData: true },
    ...options,
    streamJob: { checkpointIntervalMs: settings.checkpointIntervalMs, ...(options.streamJob || {}) },
    dashboards: engine && { engine },
  });
  // On a cluster, whose pods other teams' pods may reach, Trino's clients log in over HTTPS.
  const authentication: QueryEngineAuthentication = {
    certificateFile: join(settings.tlsDir, "trino.pem"),
    privateKeyFile: join(settings.tlsDir, "trino-key.pem"),
    caFile: join(settings.tlsDir, "ca.pem"),
  };
  const onCluster = (name: string, namespace: string, options: LakehouseOptions, publish: HostPorts = DEV_PORTS): KubernetesEnvironment => ({
    kind: "kubernetes",
    name,
    namespace,
    kubeconfigPath: settings.kubeconfigPath,
    kubeContext: settings.kubeContext,
    cpuRequestFraction: settings.k8sCpuRequestFraction,
    // For `kubectl port-forward`: dev's ports by default; Kafka advertises localhost:19092.
    publish,
    lakehouse: { ...options, queryEngine: { ...options.queryEngine, authentication } },
  });
  return [
    { kind: "docker", name: "dev", publish: DEV_PORTS, lakehouse: lakehouse() },
    onCluster("k8s", "lakehouse", lakehouse()),
    // The production profile: Kafka, Connect, the Flink JobManagers (a leader and a standby) and
    // TaskManagers, MinIO, the catalog and Trino's workers run several replicas, with a disruption
    // budget each. The databases are single (see README, "Production profile").
    onCluster(
      "k8s-ha",
      "lakehouse-ha",
      lakehouse({
        cdc: { kafkaBrokers: 3, connectWorkers: 2 },
        // 448 MiB a server (one uses about 260): three at 512 do not fit the 24 GiB test node beside the rest.
        warehouse: { catalogStore: "postgres", catalogReplicas: 2, minioServers: 3, minioResources: { cpuMillis: 100, memoryMiB: 448 } },
        streamJob: { jobManagers: 2, taskManagers: 2, parallelism: 2 },
        queryEngine: { workers: 2, coordinatorMemoryMiB: 1536, workerMemoryMiB: 1536 },
      }),
      // Each broker its own forwarded port, 19192-19194 (19093 is Alertmanager's).
      { ...DEV_PORTS, kafka: 19192 },
    ),
  ];
}
