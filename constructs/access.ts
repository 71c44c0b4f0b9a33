import { IcebergWarehouse } from "./iceberg-warehouse";
import { Lakehouse } from "./lakehouse";
import { IQueryEngine } from "./query-engine";
import { Endpoint, IPlatform, PlatformLocation } from "./platform/workload";
import { SourceDb } from "./source-db";

/**
 * The typed access contract between a deployed stack and everything that uses it: the
 * `lakehouse` CLI, scripts, tests, and other teams' tools. The stack emits it as one structured
 * Terraform output named {@link ACCESS_OUTPUT}; read it with
 * `cdktf output <stack> --outputs-file out.json` (key `access`) and type it with this interface.
 *
 * It names things, it never holds a secret: each credential is a sensitive output of its own,
 * whose name the contract gives in {@link LakehouseAccess.credentials}.
 */
export interface LakehouseAccess {
  /** Version of this shape; bumped when a field changes meaning or goes away. */
  readonly version: 1;
  /** Where the stack runs, and how its workloads are named there. */
  readonly platform: AccessPlatform;
  /** The captured PostgreSQL database. */
  readonly source: SourceAccess;
  /** Kafka, Kafka Connect and the Debezium connector; absent when the stack stops at the database. */
  readonly cdc?: CdcAccess;
  /** The Iceberg REST catalog and its warehouse; absent without CDC. */
  readonly warehouse?: WarehouseAccess;
  /** The Flink pipeline; absent when the stack has none. */
  readonly streamJob?: StreamJobAccess;
  /** Trino and the catalog it serves the warehouse as; absent without a query engine. */
  readonly query?: QueryAccess;
  /** Iceberg namespaces (Trino schemas) of each layer of data, in {@link QueryAccess.catalog}. */
  readonly namespaces: NamespacesAccess;
  /** Dagster; absent without an orchestrator. */
  readonly orchestrator?: OrchestratorAccess;
  /** The dashboard engine; absent without dashboards. */
  readonly dashboards?: DashboardsAccess;
  /** Prometheus and Alertmanager; absent when monitoring is off. */
  readonly monitoring?: MonitoringAccess;
  /** Names of the sensitive outputs that hold each credential (never the values). */
  readonly credentials: CredentialOutputs;
}

/** Name of the stack output that holds the {@link LakehouseAccess} contract. */
export const ACCESS_OUTPUT = "access";

/**
 * Names of the sensitive outputs, one per credential; the passwords are supplied by the
 * `TF_VAR_<name>` variable of the same name (the S3 secret by `TF_VAR_s3_secret_key`). The contract lists those a stack has; read their values with
 * `cdktf output <stack> --outputs-file out.json --outputs-file-include-sensitive-outputs`.
 */
export const CREDENTIAL_OUTPUTS = {
  /** Password of the managed PostgreSQL's superuser. */
  postgresAdminPassword: "postgres_admin_password",
  /** Password of the CDC replication role. */
  postgresCdcPassword: "postgres_cdc_password",
  /** S3 secret key of the managed MinIO. */
  s3SecretAccessKey: "s3_secret_access_key",
  /** Admin password of the dashboard engine. */
  dashboardsAdminPassword: "dashboards_admin_password",
  /** Password of Trino's operator user (`QueryAccess.login`), when Trino authenticates. */
  trinoPassword: "trino_password",
} as const;

/** Trino's user for operators and their tools (the CLI, the tests), when it authenticates. */
export const TRINO_OPERATOR = "lakehouse";

/** Which credentials a stack has: each key names the sensitive output holding it. */
export type CredentialOutputs = { readonly [K in keyof typeof CREDENTIAL_OUTPUTS]?: (typeof CREDENTIAL_OUTPUTS)[K] };

/** A service's address inside the platform network and, where published, on this machine. */
export interface AccessEndpoint {
  /** `host:port` inside the platform network (what other workloads use). */
  readonly internal: string;
  /** `127.0.0.1:<port>` on the machine that runs the platform; absent when not published (Kubernetes: use a port-forward). */
  readonly published?: string;
}

/** The runtime of a stack, for tools that look at its workloads (logs, resource use). */
export type AccessPlatform = PlatformLocation;

/** See {@link LakehouseAccess.source}. */
export interface SourceAccess {
  /** PostgreSQL's SQL port. */
  readonly endpoint: AccessEndpoint;
  /** The captured database. */
  readonly database: string;
  /** Schema of the captured tables. */
  readonly schema: string;
  /** The superuser; absent for an adopted database (its owner manages it). */
  readonly adminUser?: string;
  /** The replication role Debezium logs in as. */
  readonly cdcUser: string;
  /** Columns of each captured table as the stack defines them (anything else in PostgreSQL is drift). */
  readonly capturedColumns: Record<string, string[]>;
}

/** See {@link LakehouseAccess.cdc}. */
export interface CdcAccess {
  /** Kafka's broker listener; `published` is where it is reachable on this machine. */
  readonly kafka: AccessEndpoint & {
    /** Bootstrap address for clients outside the platform network: Kafka advertises it, so a port-forward must serve it there. */
    readonly external: string;
  };
  /** Kafka Connect's REST API. */
  readonly connect: AccessEndpoint;
  /** Name of the Debezium connector in Kafka Connect. */
  readonly connectorName: string;
  /** The connector's logical replication slot in the source database. */
  readonly slotName: string;
  /** Prefix of every change topic: `<topicPrefix>.<schema>.<table>`. */
  readonly topicPrefix: string;
  /** Change topic of each captured table, by table name. */
  readonly topics: Record<string, string>;
}

/** See {@link LakehouseAccess.warehouse}. */
export interface WarehouseAccess {
  /** The Iceberg REST catalog. */
  readonly catalog: AccessEndpoint;
  /** The S3 API of the object store. */
  readonly s3: AccessEndpoint;
  /** MinIO's web console; absent for an existing warehouse. */
  readonly console?: AccessEndpoint;
  /** Warehouse location, e.g. `s3://lakehouse/warehouse`. */
  readonly location: string;
  /** S3 access key id (its secret is the `s3SecretAccessKey` credential). */
  readonly accessKeyId: string;
}

/** See {@link LakehouseAccess.streamJob}. */
export interface StreamJobAccess {
  /** Flink's JobManager REST API and web UI. */
  readonly jobManager: AccessEndpoint;
  /** Flink's SQL Gateway (REST), which the keeper submits the pipeline through. */
  readonly sqlGateway: AccessEndpoint;
  /** Name of the Flink job of the pipeline. */
  readonly jobName: string;
  /** Name of the freshness probe's Flink job, when the stack runs the probe. */
  readonly probeJobName?: string;
  /** Iceberg tables the job writes, `namespace.table`. */
  readonly tables: string[];
  /** Checkpoint interval: Iceberg commits once per checkpoint, the floor of commit -> Trino freshness. */
  readonly checkpointIntervalMs: number;
}

/** See {@link LakehouseAccess.query}. */
export interface QueryAccess {
  /** Trino's client API: HTTPS when `login` is present, else HTTP. */
  readonly trino: AccessEndpoint;
  /** Trino catalog that serves the warehouse (`QueryEngine.catalogName`). */
  readonly catalog: string;
  /** How an operator logs in when Trino authenticates; absent when it does not (it takes any user name then). */
  readonly login?: TrinoLoginAccess;
}

/** See {@link QueryAccess.login}: over HTTPS, as `user` with the `trinoPassword` credential. */
export interface TrinoLoginAccess {
  /** The operators' user (the CLI's and the tests'). */
  readonly user: string;
  /** PEM of the CA certificate that issued Trino's: what a client trusts. */
  readonly caCertificate: string;
}

/** See {@link LakehouseAccess.namespaces}. Each is absent when the layer that writes it is. */
export interface NamespacesAccess {
  /** Raw CDC log tables (one row per change event). */
  readonly raw?: string;
  /** Current-state tables (one row per live source row). */
  readonly state?: string;
  /** dbt marts. */
  readonly marts?: string;
  /** dbt's Data Vault (hubs, link, satellites). */
  readonly vault?: string;
}

/** See {@link LakehouseAccess.orchestrator}. */
export interface OrchestratorAccess {
  /** Dagster's UI and GraphQL API. */
  readonly dagster: AccessEndpoint;
  /** Dagster code location of the dbt assets. */
  readonly codeLocation: string;
  /** Dagster job that builds every dbt asset. */
  readonly buildJob: string;
}

/** See {@link LakehouseAccess.monitoring}. */
export interface MonitoringAccess {
  /** Prometheus's HTTP API and UI. */
  readonly prometheus: AccessEndpoint;
  /** Alertmanager's HTTP API (Debian's build has no UI). */
  readonly alertmanager: AccessEndpoint;
  /** Names of the alert rules Prometheus evaluates. */
  readonly alerts: string[];
}

/** See {@link LakehouseAccess.dashboards}. */
export interface DashboardsAccess {
  /** `metabase` or `superset`. */
  readonly engine: string;
  /** The engine's web UI and API. */
  readonly endpoint: AccessEndpoint;
  /** Name of the provisioned CDC dashboard. */
  readonly name: string;
  /** Admin login (its password is the `dashboardsAdminPassword` credential). */
  readonly adminLogin: string;
}

/** Builds the {@link LakehouseAccess} contract of `lakehouse` running on `platform`. */
export function lakehouseAccess(lakehouse: Lakehouse, platform: IPlatform): LakehouseAccess {
  const at = (endpoint: Endpoint): AccessEndpoint => withoutUndefined({ internal: endpoint.address, published: platform.publishedAddress(endpoint) });
  const { source, cdc, warehouse, streamJob, queryEngine, transformations, orchestrator, dashboards, monitoring } = lakehouse;
  const managed = source instanceof SourceDb ? source : undefined;
  return withoutUndefined({
    version: 1,
    platform: platform.location,
    source: withoutUndefined({
      endpoint: at(source.endpoint),
      database: source.database,
      schema: source.schema,
      adminUser: managed?.adminUser,
      cdcUser: source.cdcUser,
      capturedColumns: Object.fromEntries(source.capturedTables.map((t) => [t.name, t.columns.map((c) => c.name)])),
    }),
    cdc: cdc && {
      kafka: { ...at(cdc.kafkaExternal), internal: cdc.bootstrap.address, external: cdc.externalBootstrap },
      connect: at(cdc.connect),
      connectorName: cdc.connectorName,
      slotName: cdc.slotName,
      topicPrefix: cdc.topicPrefix,
      topics: Object.fromEntries(cdc.tables.map((t) => [t.name, cdc.topicFor(t.name)])),
    },
    warehouse:
      warehouse &&
      withoutUndefined({
        catalog: at(warehouse.catalog),
        s3: at(warehouse.s3),
        console: warehouse instanceof IcebergWarehouse ? at(warehouse.console) : undefined,
        location: warehouse.warehouse,
        accessKeyId: warehouse.accessKeyId,
      }),
    streamJob:
      streamJob &&
      withoutUndefined({
        jobManager: at(streamJob.jobManager),
        sqlGateway: at(streamJob.gateway),
        jobName: streamJob.jobName,
        probeJobName: streamJob.probeJobName,
        tables: streamJob.tablesWritten,
        checkpointIntervalMs: streamJob.checkpointIntervalMs,
      }),
    query: queryEngine && withoutUndefined({ trino: at(queryEngine.endpoint), catalog: queryEngine.catalogName, login: operatorLogin(queryEngine) }),
    namespaces: withoutUndefined({ raw: streamJob?.rawDatabase, state: streamJob?.stateDatabase, marts: transformations?.schema, vault: transformations?.vaultSchema }),
    orchestrator: orchestrator && { dagster: at(orchestrator.endpoint), codeLocation: orchestrator.codeLocation, buildJob: orchestrator.buildJobName },
    dashboards: dashboards && { engine: dashboards.engine, endpoint: at(dashboards.endpoint), name: dashboards.dashboardName, adminLogin: dashboards.adminLogin },
    monitoring: monitoring && {
      prometheus: at(monitoring.prometheus),
      alertmanager: at(monitoring.alertmanager),
      alerts: monitoring.rules.groups.flatMap((g) => g.rules.map((r) => r.alert)),
    },
    credentials: withoutUndefined({
      postgresAdminPassword: managed && CREDENTIAL_OUTPUTS.postgresAdminPassword,
      postgresCdcPassword: CREDENTIAL_OUTPUTS.postgresCdcPassword,
      s3SecretAccessKey: warehouse && CREDENTIAL_OUTPUTS.s3SecretAccessKey,
      dashboardsAdminPassword: dashboards && CREDENTIAL_OUTPUTS.dashboardsAdminPassword,
      trinoPassword: queryEngine?.connection(TRINO_OPERATOR).password && CREDENTIAL_OUTPUTS.trinoPassword,
    }),
  });
}

/** The operators' login of an authenticating Trino. */
function operatorLogin(queryEngine: IQueryEngine): TrinoLoginAccess | undefined {
  const { user, caFile } = queryEngine.connection(TRINO_OPERATOR);
  return caFile && { user, caCertificate: caFile.content };
}

/** The object without its undefined fields: Terraform outputs have no `undefined`. */
function withoutUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
