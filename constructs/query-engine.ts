import { ITerraformDependable } from "cdktf";
import { Construct } from "constructs";
import { credentialFor, IIcebergWarehouse } from "./iceberg-warehouse";
import { defaultImage } from "./images";
import { IMetricsSource, MetricsTarget } from "./metrics";
import { Endpoint, HealthCheck, IDependable, IPlatform } from "./platform/workload";
import { validateInteger, validateUnreservedIdentifier } from "./validation";

/** A SQL engine over the warehouse: what Dashboards consumes. */
export interface IQueryEngine extends IDependable {
  /** Trino HTTP endpoint (client protocol and web UI). */
  readonly endpoint: Endpoint;
  /** Catalog name under which the Iceberg tables appear. */
  readonly catalogName: string;
}

/** Props of {@link QueryEngine}. */
export interface QueryEngineProps {
  /** Where Trino runs. */
  readonly platform: IPlatform;
  /** The warehouse whose catalog Trino serves as `catalogName`. */
  readonly warehouse: IIcebergWarehouse;
  /** Worker nodes besides the coordinator; with 0 the coordinator also runs tasks. @default 0 */
  readonly workers?: number;
  /** Catalog name of the Iceberg tables in Trino. @default "iceberg" */
  readonly catalogName?: string;
  /** Container memory of the coordinator (the JVM heap takes 60%, the rest is native memory). @default 3072 */
  readonly coordinatorMemoryMiB?: number;
  /** Container memory of each worker. @default 3072 */
  readonly workerMemoryMiB?: number;
  /** @default - trinodb/trino 476 */
  readonly image?: string;
  /** Registry mirror for every default image. @default - upstream registries */
  readonly imageRegistry?: string;
}

/**
 * Trino with the Iceberg connector on the warehouse's REST catalog and its native S3 file
 * system: one coordinator plus `workers` workers. S3 credentials are read from the environment
 * (`${ENV:...}` in the catalog file), so no secret is written into a config file.
 */
export class QueryEngine extends Construct implements IQueryEngine, IMetricsSource {
  public readonly endpoint: Endpoint;
  public readonly catalogName: string;
  public readonly dependables: ITerraformDependable[];
  /** The coordinator's OpenMetrics endpoint (`/metrics`), with the query manager's counters. */
  public readonly metricsTargets: MetricsTarget[];

  constructor(scope: Construct, id: string, props: QueryEngineProps) {
    super(scope, id);
    const { platform, warehouse } = props;
    const workers = props.workers ?? 0;
    const coordinatorMemory = props.coordinatorMemoryMiB ?? 3072;
    const workerMemory = props.workerMemoryMiB ?? 3072;
    validateInteger("QueryEngine", "workers", workers, 0, 100);
    validateInteger("QueryEngine", "coordinatorMemoryMiB", coordinatorMemory, 1024);
    validateInteger("QueryEngine", "workerMemoryMiB", workerMemory, 1024);
    this.catalogName = props.catalogName ?? "iceberg";
    validateUnreservedIdentifier("QueryEngine", "catalogName", this.catalogName, ["Trino"]);
    const image = props.image ?? defaultImage("trino", props.imageRegistry);

    const catalogFile = {
      path: `/etc/trino/catalog/${this.catalogName}.properties`,
      content: properties({
        "connector.name": "iceberg",
        "iceberg.catalog.type": "rest",
        "iceberg.rest-catalog.uri": warehouse.catalog.url("http"),
        "iceberg.rest-catalog.warehouse": warehouse.warehouse,
        "iceberg.file-format": "PARQUET",
        "fs.native-s3.enabled": "true",
        "s3.endpoint": warehouse.s3.url("http"),
        "s3.region": warehouse.region,
        "s3.path-style-access": "true",
        "s3.aws-access-key": "${ENV:S3_ACCESS_KEY}",
        "s3.aws-secret-key": "${ENV:S3_SECRET_KEY}",
      }),
    };
    const s3 = credentialFor(warehouse, "trino");
    const common = (role: "coordinator" | "worker", memoryMiB: number) => ({
      image,
      env: { S3_ACCESS_KEY: s3.accessKeyId },
      secretEnv: { S3_SECRET_KEY: s3.secretAccessKey },
      files: [
        catalogFile,
        { path: "/etc/trino/node.properties", content: properties({ "node.environment": "lakehouse", "node.data-dir": "/data/trino" }) },
        { path: "/etc/trino/jvm.config", content: JVM_CONFIG },
        {
          path: "/etc/trino/config.properties",
          content: properties({
            coordinator: String(role === "coordinator"),
            ...(role === "coordinator" ? { "node-scheduler.include-coordinator": String(workers === 0) } : {}),
            "http-server.http.port": "8080",
            "discovery.uri": "http://trino:8080",
            // Half the heap for queries; Trino keeps 30% of it as headroom.
            "query.max-memory-per-node": `${Math.floor(memoryMiB * HEAP_FRACTION * 0.5)}MB`,
            // Beside the JVM's: queries running, queued, failed.
            "openmetrics.jmx-object-names": "trino.execution:name=QueryManager",
            ...(role === "worker" ? { "shutdown.grace-period": `${SHUTDOWN_GRACE_SECONDS}s` } : {}),
          }),
        },
        ...(role === "worker" ? WORKER_SHUTDOWN_FILES : []),
      ],
      resources: { cpuMillis: 500, memoryMiB },
      runAsUser: 1000,
      // node.data-dir: the launcher's var/ and spill files.
      writablePaths: ["/data/trino"],
      // Every node reads the catalog and the files; coordinator and workers exchange tasks and pages.
      connectsTo: [warehouse.catalog, warehouse.s3, ...(role === "coordinator" ? (workers > 0 ? [new Endpoint(TRINO_WORKER, TRINO_PORT)] : []) : [new Endpoint("trino", TRINO_PORT)])],
      dependsOn: [warehouse],
    });

    const coordinator = platform.service(this, "Resource", {
      name: "trino",
      ...common("coordinator", coordinatorMemory),
      ports: [{ name: "http", port: 8080 }],
      // The image's health-check script asks /v1/info and fails while Trino is still starting.
      healthCheck: HealthCheck.command(["/usr/lib/trino/bin/health-check"], { intervalSeconds: 5, startPeriodSeconds: 20 }),
    });
    this.endpoint = coordinator.endpoint("http");
    this.dependables = coordinator.dependables;
    // Trino without authentication wants a user name on /metrics, as on every request.
    this.metricsTargets = [{ job: "trino", endpoint: this.endpoint, basicAuthUser: "prometheus" }];

    if (workers > 0) {
      platform.service(this, "Worker", {
        name: TRINO_WORKER,
        ...common("worker", workerMemory),
        ports: [{ name: "http", port: TRINO_PORT }],
        replicas: workers,
        // Trino's graceful shutdown: the coordinator stops scheduling on the worker within the
        // grace period, the worker's running tasks finish, and it exits after a second one.
        gracefulStop: {
          command: [
            "sh",
            "-c",
            `curl -fsS -X PUT -H 'Content-Type: application/json' -H 'X-Trino-User: ${SHUTDOWN_USER}' -d '"SHUTTING_DOWN"' http://localhost:${TRINO_PORT}/v1/info/state && sleep ${WORKER_STOP_SECONDS}`,
          ],
          timeoutSeconds: WORKER_STOP_SECONDS,
        },
        dependsOn: [warehouse, this.endpoint],
      });
    }
  }
}

const TRINO_PORT = 8080;
const TRINO_WORKER = "trino-worker";

/** The user a worker's graceful stop asks as: the only one allowed to change a worker's state. */
const SHUTDOWN_USER = "graceful-shutdown";
/** `shutdown.grace-period` of a worker: the coordinator re-reads its workers' states every 5 s. */
const SHUTDOWN_GRACE_SECONDS = 10;
/** Two grace periods and the running tasks' time: a query still running then fails. */
const WORKER_STOP_SECONDS = 60;
/**
 * Trino's default access control refuses a graceful shutdown, so workers get file-based rules that
 * let SHUTDOWN_USER change the node's state (and anyone read it). Queries' access is decided on
 * the coordinator, which keeps the default.
 */
const WORKER_SHUTDOWN_FILES = [
  { path: "/etc/trino/access-control.properties", content: properties({ "access-control.name": "file", "security.config-file": "/etc/trino/rules.json" }) },
  {
    path: "/etc/trino/rules.json",
    content: JSON.stringify({ system_information: [{ user: SHUTDOWN_USER, allow: ["read", "write"] }, { allow: ["read"] }] }, null, 2) + "\n",
  },
];

// Heap follows the container limit, so memory is sized in one place. 60%, not more: with 75% a
// 2 GiB coordinator was OOM-killed by its cgroup (Parquet readers, code cache and threads live
// outside the heap) under the bench's polling of an upsert table.
const HEAP_FRACTION = 0.6;
const JVM_CONFIG = [
  "-server",
  `-XX:InitialRAMPercentage=${HEAP_FRACTION * 100}`,
  `-XX:MaxRAMPercentage=${HEAP_FRACTION * 100}`,
  "-XX:G1HeapRegionSize=32M",
  "-XX:+ExplicitGCInvokesConcurrent",
  "-XX:+ExitOnOutOfMemoryError",
  "-XX:-OmitStackTraceInFastThrow",
  "-XX:ReservedCodeCacheSize=256M",
  "-XX:PerMethodRecompilationCutoff=10000",
  "-XX:PerBytecodeRecompilationCutoff=10000",
  "-Djdk.attach.allowAttachSelf=true",
  "-Djdk.nio.maxCachedBufferSize=2000000",
  "-Dfile.encoding=UTF-8",
  "-XX:+EnableDynamicAgentLoading",
  "",
].join("\n");

/** A Java properties file, keys in the given order. */
export function properties(entries: Record<string, string>): string {
  return (
    Object.entries(entries)
      .map(([k, v]) => `${k}=${v}`)
      .join("\n") + "\n"
  );
}
