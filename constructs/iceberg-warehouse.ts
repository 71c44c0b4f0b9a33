import { ITerraformDependable, Lazy } from "cdktf";
import { Construct } from "constructs";
import { appDatabase } from "./app-database";
import { defaultImage } from "./images";
import { IMetricsSource, MetricsTarget } from "./metrics";
import { Endpoint, HealthCheck, IDependable, IPlatform, JobHandle, ResourceSpec, Secret, secretFilePath } from "./platform/workload";
import { validateDnsLabel, validateInteger, validateSqlIdentifier, ValidationError } from "./validation";

/**
 * A distributed server finds itself among the servers by resolving their names: a replaced pod's
 * name can still resolve to its predecessor's address for a while (DNS caches), and MinIO then
 * exits ("local host not found in cluster setup") and is restarted with a growing back-off (seen:
 * twice, the server ready 56 s after its pod was deleted). So it starts once its own name resolves to its own address.
 */
function awaitOwnAddress(hosts: string): string {
  return [
    `for h in ${hosts}; do case "$h" in "$(hostname)" | "$(hostname)".*) self="$h" ;; esac; done`,
    'while [ -n "$self" ] && ! getent hosts "$self" | grep -qw "$(hostname -i)"; do sleep 1; done',
  ].join("\n");
}

/** An Iceberg catalog and its object store: what StreamJob and QueryEngine consume. */
export interface IIcebergWarehouse extends IDependable {
  /** Iceberg REST catalog. */
  readonly catalog: Endpoint;
  /** Warehouse location, e.g. `s3://lakehouse/warehouse`. */
  readonly warehouse: string;
  /** Bucket that holds the warehouse (and Flink checkpoints). */
  readonly bucket: string;
  /** S3 API of the object store. */
  readonly s3: Endpoint;
  /** S3 region the clients sign requests for. */
  readonly region: string;
  /** S3 access key id. */
  readonly accessKeyId: string;
  /** S3 secret key. */
  readonly secretAccessKey: Secret;
  /**
   * A credential of its own for each consumer, which may do only what that consumer needs;
   * a consumer without one uses `accessKeyId` and `secretAccessKey` (see {@link credentialFor}).
   * @default - none: every consumer uses `accessKeyId` and `secretAccessKey`
   */
  readonly credentials?: Partial<Record<WarehouseConsumer, S3Credential>>;
}

/** The workloads that reach the object store: Flink (tables and its own state), the catalog (table metadata), Trino (tables). */
export type WarehouseConsumer = "flink" | "catalog" | "trino";

/** An S3 access key and its secret. */
export interface S3Credential {
  /** S3 access key id. */
  readonly accessKeyId: string;
  /** S3 secret key. */
  readonly secretAccessKey: Secret;
}

/** The credential `consumer` signs its S3 requests with: its own if the warehouse has one, else the warehouse's. */
export function credentialFor(warehouse: IIcebergWarehouse, consumer: WarehouseConsumer): S3Credential {
  return warehouse.credentials?.[consumer] ?? { accessKeyId: warehouse.accessKeyId, secretAccessKey: warehouse.secretAccessKey };
}

/**
 * Where the REST catalog keeps its metadata (which tables exist and their current metadata file):
 * - `sqlite`: a file on the catalog's own volume; one catalog server, one writer at a time.
 * - `postgres`: a PostgreSQL of its own (service `iceberg-db`); the catalog servers are stateless
 *   and any number of them share it, each commit an atomic compare-and-swap of a row.
 *
 * Chosen at the first deploy: a changed store starts empty (the tables' files stay in S3, but the
 * new catalog does not know them until each is registered again).
 */
export type CatalogStore = "sqlite" | "postgres";

/** Props of {@link IcebergWarehouse}. */
export interface IcebergWarehouseProps {
  /** Where MinIO and the catalog run. */
  readonly platform: IPlatform;
  /** Bucket name (S3 rules: lower-case letters, digits, '-'). @default "lakehouse" */
  readonly bucket?: string;
  /** Prefix inside the bucket where table data and metadata live. @default "warehouse" */
  readonly warehousePath?: string;
  /** @default "us-east-1" */
  readonly region?: string;
  /** MinIO root user, used as the S3 access key id. @default "lakehouse" */
  readonly accessKeyId?: string;
  /** MinIO root password, used as the S3 secret key. @default - generated */
  readonly secretAccessKey?: string;
  /** @default - MinIO DEVELOPMENT.2026-02-12 (see DEFAULT_IMAGES) */
  readonly minioImage?: string;
  /** MinIO client image for the bucket job. @default - mc DEVELOPMENT.2025-03-13 */
  readonly mcImage?: string;
  /** @default - apache/iceberg-rest-fixture 1.10.1 */
  readonly catalogImage?: string;
  /** Registry mirror for every default image. @default - upstream registries */
  readonly imageRegistry?: string;
  /** Size of each MinIO server's volume. @default 20 */
  readonly storageGiB?: number;
  /**
   * MinIO servers: one, or a distributed MinIO of 3 to 16 that erasure-codes every object over
   * one drive per server (MinIO's default parity: 1 for 3 servers, 2 for 4 or 5, ...), so any
   * one server may be lost and every object stays readable and writable. Two are refused: a write
   * then needs both. Chosen at the first deploy: MinIO does not turn a single server's drive into
   * a distributed one, so changing it on a stack with data means copying the bucket over
   * (`mc mirror`) to a warehouse deployed with the new count; not tested here.
   * @default 1
   */
  readonly minioServers?: number;
  /** Each MinIO server's. @default - 250 millicores, 512 MiB */
  readonly minioResources?: ResourceSpec;
  /** @default - 250 millicores, 512 MiB */
  readonly catalogResources?: ResourceSpec;
  /** Where the catalog keeps its metadata; see {@link CatalogStore}. @default "sqlite" */
  readonly catalogStore?: CatalogStore;
  /**
   * Catalog servers behind its one endpoint, so that losing one loses no commit or query. More
   * than one needs `catalogStore: "postgres"`.
   * @default 1
   */
  readonly catalogReplicas?: number;
  /** Image of the catalog's PostgreSQL (`catalogStore: "postgres"`). @default - the stack's PostgreSQL image */
  readonly catalogDbImage?: string;
}

/**
 * MinIO as the S3 object store, a job that creates the warehouse bucket and a MinIO user per
 * consumer (idempotent), and an Iceberg REST catalog that keeps its metadata in a JDBC store
 * (a SQLite file on a persistent volume, or a PostgreSQL of its own shared by several catalog
 * servers; see {@link CatalogStore}), so tables survive a catalog restart, and uses S3FileIO
 * against MinIO.
 */
export class IcebergWarehouse extends Construct implements IIcebergWarehouse, IMetricsSource {
  public readonly catalog: Endpoint;
  public readonly warehouse: string;
  public readonly bucket: string;
  public readonly s3: Endpoint;
  /** MinIO's web console. */
  public readonly console: Endpoint;
  /** S3 region the clients sign requests for. */
  public readonly region: string;
  /** S3 access key id (MinIO's root user): the bucket job's, and the operator's. */
  public readonly accessKeyId: string;
  /** S3 secret key (MinIO's root password). */
  public readonly secretAccessKey: Secret;
  /**
   * A MinIO user per consumer, with a generated secret and a policy of its own: Flink reads and
   * writes the bucket (tables, checkpoints, savepoints); the catalog and Trino read and write the
   * warehouse path only. None may administer MinIO or reach another bucket.
   */
  public readonly credentials: Record<WarehouseConsumer, S3Credential>;
  /** The job that creates the warehouse bucket. */
  public readonly bucketJob: JobHandle;
  public readonly dependables: ITerraformDependable[];
  /** MinIO's cluster metrics (capacity, S3 requests and errors). */
  public readonly metricsTargets: MetricsTarget[];

  constructor(scope: Construct, id: string, props: IcebergWarehouseProps) {
    super(scope, id);
    const { platform } = props;
    const registry = props.imageRegistry;
    this.bucket = props.bucket ?? "lakehouse";
    validateDnsLabel("IcebergWarehouse", "bucket", this.bucket);
    const warehousePath = props.warehousePath ?? "warehouse";
    validateSqlIdentifier("IcebergWarehouse", "warehousePath", warehousePath);
    this.warehouse = `s3://${this.bucket}/${warehousePath}`;
    this.region = props.region ?? "us-east-1";
    this.accessKeyId = props.accessKeyId ?? "lakehouse";
    this.secretAccessKey = platform.secret(this, "SecretAccessKey", { name: "s3-secret-key", value: props.secretAccessKey });

    const servers = props.minioServers ?? 1;
    validateMinioServers(servers);
    // Distributed, each server names every server's drive; the replicas' host names are known once rendered.
    const drives = servers === 1 ? "/data" : Lazy.stringValue({ produce: () => minio.replicaHosts.map((host) => `http://${host}:9000/data`).join(" ") });
    const hosts = Lazy.stringValue({ produce: () => minio.replicaHosts.join(" ") });
    const minio = platform.service(this, "Minio", {
      name: "minio",
      image: props.minioImage ?? defaultImage("minio", registry),
      // Certificates under /tmp: the default, under the image's /root, is not the server user's.
      ...(servers === 1
        ? { args: ["server", drives, "--console-address", ":9001", "--certs-dir", "/tmp/minio-certs"] }
        : { command: ["/bin/sh", "-c", `${awaitOwnAddress(hosts)}\nexec minio server ${drives} --console-address :9001 --certs-dir /tmp/minio-certs`] }),
      replicas: servers,
      // Metrics without a bearer token: they name buckets and counts, never data or keys.
      env: { MINIO_ROOT_USER: this.accessKeyId, MINIO_ROOT_PASSWORD_FILE: secretFilePath("minio-root-password"), MINIO_BROWSER_REDIRECT: "false", MINIO_PROMETHEUS_AUTH_TYPE: "public" },
      secretFiles: { "minio-root-password": this.secretAccessKey },
      ports: [
        { name: "s3", port: 9000 },
        { name: "console", port: 9001 },
      ],
      volumes: [{ name: "data", path: "/data", sizeGiB: props.storageGiB ?? 20 }],
      // Distributed, a server serves once the cluster can write (a quorum of drives), not when its process is up.
      healthCheck: HealthCheck.http(9000, servers === 1 ? "/minio/health/live" : "/minio/health/cluster", { intervalSeconds: 3 }),
      resources: props.minioResources ?? { cpuMillis: 250, memoryMiB: 512 },
      runAsUser: 1000,
    });
    this.s3 = minio.endpoint("s3");
    this.console = minio.endpoint("console");
    this.metricsTargets = [{ job: "minio", endpoint: this.s3, path: "/minio/v2/metrics/cluster" }];

    const consumers: WarehouseConsumer[] = ["flink", "catalog", "trino"];
    this.credentials = Object.fromEntries(
      consumers.map((c) => [c, { accessKeyId: `${this.accessKeyId}-${c}`, secretAccessKey: platform.secret(this, `${c[0].toUpperCase()}${c.slice(1)}SecretKey`, { name: `s3-${c}-secret-key` }) }]),
    ) as Record<WarehouseConsumer, S3Credential>;
    const policies = bucketPolicies(this.bucket, warehousePath);
    this.bucketJob = platform.job(this, "BucketJob", {
      name: "warehouse-bucket",
      image: props.mcImage ?? defaultImage("mc", registry),
      // `policy create` and `user add` replace what exists (a new secret takes effect), `attach` is idempotent.
      command: [
        "/bin/sh",
        "-c",
        [
          "set -e",
          'mc alias set lake "$S3_ENDPOINT" "$S3_ACCESS_KEY" "$S3_SECRET_KEY" >/dev/null',
          'mc mb --ignore-existing "lake/$BUCKET"',
          ...consumers.flatMap((c) => [
            `mc admin policy create lake lakehouse-${c} /job/policy-${c}.json >/dev/null`,
            `mc admin user add lake "$USER_${c.toUpperCase()}" "$SECRET_${c.toUpperCase()}" >/dev/null`,
            `mc admin policy attach lake lakehouse-${c} --user "$USER_${c.toUpperCase()}" >/dev/null`,
          ]),
          `echo "bucket $BUCKET ready; users ${consumers.map((c) => `${this.credentials[c].accessKeyId} (lakehouse-${c})`).join(", ")}"`,
        ].join("\n"),
      ],
      env: {
        S3_ENDPOINT: this.s3.url("http"),
        S3_ACCESS_KEY: this.accessKeyId,
        BUCKET: this.bucket,
        MC_CONFIG_DIR: "/tmp/mc",
        ...Object.fromEntries(consumers.map((c) => [`USER_${c.toUpperCase()}`, this.credentials[c].accessKeyId])),
      },
      secretEnv: { S3_SECRET_KEY: this.secretAccessKey, ...Object.fromEntries(consumers.map((c) => [`SECRET_${c.toUpperCase()}`, this.credentials[c].secretAccessKey])) },
      files: consumers.map((c) => ({ path: `/job/policy-${c}.json`, content: JSON.stringify(policies[c], null, 2) + "\n" })),
      // mc's admin commands outgrow 128 MiB: it was OOM-killed there, on both platforms.
      resources: { cpuMillis: 100, memoryMiB: 256 },
      runAsUser: 1000,
      connectsTo: [this.s3],
      dependsOn: [this.s3],
    });

    const store = props.catalogStore ?? "sqlite";
    const replicas = props.catalogReplicas ?? 1;
    validateCatalog(store, replicas);
    const db =
      store === "postgres"
        ? appDatabase(this, platform, { user: "iceberg", image: props.catalogDbImage ?? defaultImage("postgres", registry), serviceId: "CatalogDb", passwordId: "CatalogDbPassword" })
        : undefined;
    const catalog = platform.service(this, "Catalog", {
      name: "iceberg-rest",
      image: props.catalogImage ?? defaultImage("icebergRest", registry),
      env: {
        // The fixture maps CATALOG_* to catalog properties ('__' becomes '-', '_' becomes '.').
        CATALOG_WAREHOUSE: this.warehouse,
        ...(db
          ? // Several servers may commit the same table at once: the JDBC catalog's conditional
            // UPDATE lets one win and the other retry, as it does for two Flink writers.
            { CATALOG_URI: `jdbc:postgresql://${db.endpoint.address}/${db.user}`, CATALOG_JDBC_USER: db.user }
          : {
              // SQLite takes one writer at a time. With the catalog's default pool of JDBC connections,
              // tables committing at once (after a restore) conflicted inside the catalog itself:
              // SQLITE_BUSY and SQLITE_BUSY_SNAPSHOT, which Flink sees as an unknown commit state and
              // restarts the job for, again and again. One connection serializes the commits; WAL and
              // a 30 s lock wait keep Trino's reads from blocking them.
              CATALOG_URI: "jdbc:sqlite:file:/var/lib/iceberg/catalog.db?journal_mode=WAL&busy_timeout=30000",
              CATALOG_CLIENTS: "1",
            }),
        CATALOG_IO__IMPL: "org.apache.iceberg.aws.s3.S3FileIO",
        CATALOG_S3_ENDPOINT: this.s3.url("http"),
        CATALOG_S3_PATH__STYLE__ACCESS: "true",
        AWS_REGION: this.region,
        AWS_ACCESS_KEY_ID: this.credentials.catalog.accessKeyId,
      },
      secretEnv: { AWS_SECRET_ACCESS_KEY: this.credentials.catalog.secretAccessKey, ...(db ? { CATALOG_JDBC_PASSWORD: db.password } : {}) },
      ports: [{ name: "http", port: 8181 }],
      volumes: db ? [] : [{ name: "metadata", path: "/var/lib/iceberg", sizeGiB: 1 }],
      replicas,
      healthCheck: HealthCheck.http(8181, "/v1/config", { intervalSeconds: 3 }),
      resources: props.catalogResources ?? { cpuMillis: 250, memoryMiB: 512 },
      runAsUser: 1000,
      connectsTo: [this.s3, ...(db ? [db.endpoint] : [])],
      dependsOn: [this.bucketJob, ...(db ? [db.endpoint] : [])],
    });
    this.catalog = catalog.endpoint("http");
    this.dependables = catalog.dependables;
  }
}

function validateMinioServers(servers: number): void {
  validateInteger("IcebergWarehouse", "minioServers", servers, 1, 16);
  if (servers === 2) {
    throw new ValidationError(
      "IcebergWarehouse",
      "minioServers",
      "must not be 2: two drives hold each object as one data and one parity shard, and a write needs both servers",
      servers,
      "Set minioServers to 3 or more (any one may be lost), or 1.",
    );
  }
}

function validateCatalog(store: CatalogStore, replicas: number): void {
  if (store !== "sqlite" && store !== "postgres") {
    throw new ValidationError("IcebergWarehouse", "catalogStore", "must be 'sqlite' or 'postgres'", store, "Use 'postgres' for a catalog of several replicas, or leave it unset ('sqlite').");
  }
  validateInteger("IcebergWarehouse", "catalogReplicas", replicas, 1, 10);
  if (replicas > 1 && store === "sqlite") {
    throw new ValidationError(
      "IcebergWarehouse",
      "catalogReplicas",
      "must be 1 with catalogStore 'sqlite': the SQLite file is on one server's own volume",
      replicas,
      "Set catalogStore: 'postgres' so the replicas share one store, or catalogReplicas: 1.",
    );
  }
}

/**
 * The MinIO (S3 IAM) policy of each consumer: Flink may read and write every object of the
 * bucket (the warehouse, and its checkpoints and savepoints beside it); the catalog and Trino
 * only the warehouse path. All may list what they may read and find the bucket's location.
 */
export function bucketPolicies(bucket: string, warehousePath: string): Record<WarehouseConsumer, object> {
  const objects = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"];
  const policy = (prefix: string) => ({
    Version: "2012-10-17",
    Statement: [
      { Effect: "Allow", Action: ["s3:GetBucketLocation", "s3:ListBucketMultipartUploads"], Resource: [`arn:aws:s3:::${bucket}`] },
      {
        Effect: "Allow",
        Action: ["s3:ListBucket"],
        Resource: [`arn:aws:s3:::${bucket}`],
        ...(prefix ? { Condition: { StringLike: { "s3:prefix": [prefix, `${prefix}/*`] } } } : {}),
      },
      { Effect: "Allow", Action: objects, Resource: [`arn:aws:s3:::${bucket}/${prefix ? `${prefix}/` : ""}*`] },
    ],
  });
  return { flink: policy(""), catalog: policy(warehousePath), trino: policy(warehousePath) };
}
