import { Password } from "@cdktf/provider-random/lib/password";
import { Fn, ITerraformDependable, Lazy, TerraformLocal, TerraformResource } from "cdktf";
import { Construct } from "constructs";
import { credentialFor, IIcebergWarehouse } from "./iceberg-warehouse";
import { defaultImage } from "./images";
import { IMetricsSource, MetricsTarget } from "./metrics";
import { Endpoint, FileSpec, HealthCheck, IDependable, IPlatform, Secret, secretFilePath } from "./platform/workload";
import { ValidationError, validateInteger, validateUnreservedIdentifier } from "./validation";

/** A SQL engine over the warehouse: what Dashboards consumes. */
export interface IQueryEngine extends IDependable {
  /** Where clients reach Trino (client protocol and web UI): HTTPS with authentication, else HTTP. */
  readonly endpoint: Endpoint;
  /** Catalog name under which the Iceberg tables appear. */
  readonly catalogName: string;
  /**
   * How the client `user` reaches and logs in to Trino. With authentication this gives the user
   * a generated password (Trino's password file lists every user asked for here) and the CA
   * certificate to trust; without, Trino takes the user name as it is sent.
   */
  connection(user: string): TrinoConnection;
}

/** How one client reaches and logs in to Trino: what its container needs. */
export interface TrinoConnection {
  /** Where it connects. */
  readonly endpoint: Endpoint;
  /** `https://host:port` with authentication, else `http://host:port`. */
  readonly url: string;
  /** The user it logs in as. */
  readonly user: string;
  /** Its password; undefined without authentication. */
  readonly password?: Secret;
  /** The CA certificate that issued Trino's, to mount and trust; undefined without TLS. */
  readonly caFile?: FileSpec;
}

/**
 * Password authentication on Trino, which Trino (and its Python client) accept only over HTTPS:
 * the coordinator serves clients on HTTPS port 8443 with this certificate, checks each user's
 * password against a file of bcrypt hashes, and its nodes sign their internal requests with a
 * generated shared secret. The files are read by Terraform at plan; the private key is kept in
 * state like the generated passwords, never written into the synthesized configuration.
 * `npm run tls` makes a local CA and a certificate for the stacks on this machine.
 */
export interface QueryEngineAuthentication {
  /** Absolute path of Trino's certificate (PEM, then any intermediates); it must name the host `trino` (clients in the stack) and `localhost` (port-forwards). */
  readonly certificateFile: string;
  /** Absolute path of the certificate's private key (PEM, unencrypted). */
  readonly privateKeyFile: string;
  /** Absolute path of the CA certificate (PEM) that issued it: what every client trusts. */
  readonly caFile: string;
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
  /** Password authentication over HTTPS. @default - none: any client that reaches Trino may name any user */
  readonly authentication?: QueryEngineAuthentication;
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
  /** With authentication: the CA file clients mount, and each user's password and its bcrypt hash. */
  private readonly auth?: { readonly caFile: FileSpec; readonly logins: Map<string, { password: Secret; hash: string }> };
  private readonly platform: IPlatform;

  constructor(scope: Construct, id: string, props: QueryEngineProps) {
    super(scope, id);
    const { platform, warehouse, authentication } = props;
    this.platform = platform;
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
    const pem = authentication && this.readPemFiles(authentication);
    if (pem) this.auth = { caFile: { path: TRINO_CA_FILE, content: pem.ca }, logins: new Map() };
    // Signs the nodes' requests to each other, which Trino requires once clients authenticate.
    const sharedSecret = authentication && platform.secret(this, "SharedSecret", { name: "trino-shared-secret" });
    const s3 = credentialFor(warehouse, "trino");
    const common = (role: "coordinator" | "worker", memoryMiB: number) => ({
      image,
      env: { S3_ACCESS_KEY: s3.accessKeyId },
      secretEnv: { S3_SECRET_KEY: s3.secretAccessKey, ...(sharedSecret ? { TRINO_SHARED_SECRET: sharedSecret } : {}) },
      files: [
        catalogFile,
        { path: "/etc/trino/node.properties", content: properties({ "node.environment": "lakehouse", "node.data-dir": "/data/trino" }) },
        { path: "/etc/trino/jvm.config", content: JVM_CONFIG },
        {
          path: "/etc/trino/config.properties",
          content: properties({
            coordinator: String(role === "coordinator"),
            ...(role === "coordinator" ? { "node-scheduler.include-coordinator": String(workers === 0) } : {}),
            "http-server.http.port": String(TRINO_PORT),
            "discovery.uri": `http://trino:${TRINO_PORT}`,
            // Half the heap for queries; Trino keeps 30% of it as headroom.
            "query.max-memory-per-node": `${Math.floor(memoryMiB * HEAP_FRACTION * 0.5)}MB`,
            // Beside the JVM's: queries running, queued, failed.
            "openmetrics.jmx-object-names": "trino.execution:name=QueryManager",
            ...(role === "worker" ? { "shutdown.grace-period": `${SHUTDOWN_GRACE_SECONDS}s` } : {}),
            ...(sharedSecret ? { "internal-communication.shared-secret": "${ENV:TRINO_SHARED_SECRET}" } : {}),
            // Clients on HTTPS with a password. HTTP stays for the nodes' signed internal requests
            // and the local health check; Trino refuses clients' requests on it ("Authentication
            // over HTTP is not enabled").
            ...(role === "coordinator" && pem
              ? {
                  "http-server.https.enabled": "true",
                  "http-server.https.port": String(TRINO_HTTPS_PORT),
                  "http-server.https.keystore.path": secretFilePath(KEYSTORE_FILE),
                  "http-server.authentication.type": "PASSWORD",
                  "password-authenticator.config-files": AUTHENTICATOR_FILE,
                }
              : {}),
          }),
        },
        ...(role === "coordinator" && pem ? [{ path: AUTHENTICATOR_FILE, content: properties({ "password-authenticator.name": "file", "file.password-file": secretFilePath(PASSWORD_FILE) }) }] : []),
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

    const coordinatorSpec = common("coordinator", coordinatorMemory);
    const coordinator = platform.service(this, "Resource", {
      name: "trino",
      ...coordinatorSpec,
      ...(pem
        ? {
            secretFiles: {
              [KEYSTORE_FILE]: platform.secret(this, "Keystore", { name: "trino-keystore", value: pem.keystore, generate: false }),
              [PASSWORD_FILE]: platform.secret(this, "PasswordFile", { name: "trino-password-file", value: Lazy.stringValue({ produce: () => this.passwordFile() }), generate: false }),
            },
            dependsOn: [...coordinatorSpec.dependsOn, pem.check],
          }
        : {}),
      ports: [{ name: "http", port: TRINO_PORT }, ...(pem ? [{ name: "https", port: TRINO_HTTPS_PORT }] : [])],
      // The image's health-check script asks /v1/info over HTTP and fails while Trino is still starting.
      healthCheck: HealthCheck.command(["/usr/lib/trino/bin/health-check"], { intervalSeconds: 5, startPeriodSeconds: 20 }),
    });
    this.endpoint = coordinator.endpoint(pem ? "https" : "http");
    this.dependables = coordinator.dependables;
    // Trino wants a user name on /metrics, as on every request (and with authentication its password).
    const scraper = this.connection("prometheus");
    this.metricsTargets = [{ job: "trino", endpoint: this.endpoint, basicAuthUser: scraper.user, ...(scraper.password ? { basicAuthPassword: scraper.password, tlsCaFile: scraper.caFile } : {}) }];

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
        dependsOn: [warehouse, coordinator.endpoint("http")],
      });
    }
  }

  public connection(user: string): TrinoConnection {
    if (!/^[a-z][a-z0-9_-]{0,62}$/.test(user)) {
      throw new ValidationError("QueryEngine", "connection user", "must be 1 to 63 lower-case letters, digits, _ or -, starting with a letter", user, "Use e.g. 'dbt'.");
    }
    const base = { endpoint: this.endpoint, url: this.endpoint.url(this.auth ? "https" : "http"), user };
    if (!this.auth) return base;
    let login = this.auth.logins.get(user);
    if (!login) {
      // Construct ids in the style of the others: `dbt` -> LoginDbt, `lakehouse-freshness-probe` -> LoginLakehouseFreshnessProbe.
      const id = `Login${user.replace(/(^|[-_])([a-z0-9])/g, (_, __, c: string) => c.toUpperCase())}`;
      const generated = new Password(this, id, { length: 32, special: false });
      const password = this.platform.secret(this, `${id}Password`, { name: `trino-login-${user}`, value: generated.result, generate: false });
      login = { password, hash: generated.bcryptHash };
      this.auth.logins.set(user, login);
    }
    return { ...base, password: login.password, caFile: this.auth.caFile };
  }

  /** Trino's password file: a line `user:hash` per user a connection was made for. */
  private passwordFile(): string {
    // Go's bcrypt writes `$2a$`, the same algorithm Trino accepts only as `$2y$`.
    return [...this.auth!.logins].map(([user, { hash }]) => `${user}:${Fn.replace(hash, "$2a$", "$2y$")}\n`).join("");
  }

  /**
   * The authentication's PEM files as Terraform reads them at plan, and a check that fails the
   * plan, before anything is applied, when one is missing. Relative paths are refused: Terraform
   * would resolve them against the stack's output directory, not where the user stood.
   */
  private readPemFiles(auth: QueryEngineAuthentication): { ca: string; keystore: string; check: IDependable } {
    const files = { certificateFile: auth.certificateFile, privateKeyFile: auth.privateKeyFile, caFile: auth.caFile };
    for (const [prop, path] of Object.entries(files)) {
      if (!path.startsWith("/")) {
        throw new ValidationError(
          "QueryEngine",
          `authentication.${prop}`,
          "must be an absolute path (Terraform reads it at plan, from the stack's directory)",
          path,
          "Give the file's absolute path, e.g. from path.resolve().",
        );
      }
    }
    const read = (path: string) => Fn.try([Fn.file(path), ""]);
    // A condition must refer to something of the configuration: the paths, as a local value.
    const paths = new TerraformLocal(this, "TlsFilePaths", files);
    const check = new TerraformResource(this, "TlsFiles", { terraformResourceType: "terraform_data" });
    check.lifecycle = {
      precondition: Object.entries(files).map(([prop, path]) => ({
        condition: Fn.fileexists(Fn.lookup(paths.expression, prop)),
        errorMessage: `QueryEngine: authentication.${prop} ${path} does not exist. Run \`npm run tls\` to make a local CA and certificate for this machine's stacks, or point it at your own (PEM).`,
      })),
    };
    // The keystore Trino reads: the key, then the certificate and its chain.
    return { ca: read(auth.caFile), keystore: Fn.sensitive(`${read(auth.privateKeyFile)}\n${read(auth.certificateFile)}`), check: { dependables: [check] } };
  }
}

const TRINO_PORT = 8080;
const TRINO_HTTPS_PORT = 8443;
const TRINO_WORKER = "trino-worker";
/** Where a client of an authenticating Trino finds the CA certificate to trust. */
export const TRINO_CA_FILE = "/etc/lakehouse/trino-ca.pem";
/** The coordinator's secret files: its TLS key and certificate, and the users' password hashes. */
const KEYSTORE_FILE = "trino-keystore.pem";
const PASSWORD_FILE = "trino-passwords";
/** The coordinator's password authenticator: Trino's file of users and bcrypt hashes. */
const AUTHENTICATOR_FILE = "/etc/trino/authenticator.properties";

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
