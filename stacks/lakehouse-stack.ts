import { DockerProvider } from "@cdktf/provider-docker/lib/provider";
import { KubernetesProvider } from "@cdktf/provider-kubernetes/lib/provider";
import { RandomProvider } from "@cdktf/provider-random/lib/provider";
import { Aspects, TerraformOutput, TerraformStack, TerraformVariable } from "cdktf";
import { Construct } from "constructs";
import { localStateOutputs } from "../cli/outputs";
import {
  ACCESS_OUTPUT,
  CREDENTIAL_OUTPUTS,
  TRINO_OPERATOR,
  DockerPlatform,
  Endpoint,
  IcebergWarehouse,
  IPlatform,
  KubernetesPlatform,
  Lakehouse,
  lakehouseAccess,
  LakehouseAccess,
  LakehousePolicy,
  SourceDb,
  TableSchema,
} from "../constructs";
import { Environment, HostPorts, PublishedEndpoint } from "./environments";

/**
 * The environment with its source tables as the last deploy left them: the `source_tables` output
 * in cdktf's local state (`terraform.<name>.tfstate` in `dir`), so a schema change the database
 * would refuse fails at synth. Without local state (a first deploy, a remote backend) the schema
 * job alone checks, at apply. `LAKEHOUSE_SCHEMA_CHECK=off` skips the synth check: a destroy (or
 * `npm run down`, which sets it) must not be refused for a schema it will not apply.
 */
export function withDeployedSchema(env: Environment, dir = process.cwd(), settings: NodeJS.ProcessEnv = process.env): Environment {
  if (settings.LAKEHOUSE_SCHEMA_CHECK === "off" || env.lakehouse.source) return env;
  const deployed = localStateOutputs(env.name, dir)?.source_tables;
  if (typeof deployed !== "string") return env;
  return { ...env, lakehouse: { ...env.lakehouse, sourceDb: { ...env.lakehouse.sourceDb, deployedTables: JSON.parse(deployed) as TableSchema[] } } };
}

/**
 * The endpoint behind each host-port name, where the layer runs in this stack: an existing
 * source or warehouse, a layer switched off, or the dashboard engine that does not run has none.
 */
export function publishableEndpoints(lakehouse: Lakehouse): { readonly [E in PublishedEndpoint]?: Endpoint } {
  const { source, cdc, warehouse, streamJob, queryEngine, orchestrator, dashboards, monitoring } = lakehouse;
  const managedWarehouse = warehouse instanceof IcebergWarehouse ? warehouse : undefined;
  return {
    postgres: source instanceof SourceDb ? source.endpoint : undefined,
    kafka: cdc?.kafkaExternal,
    connect: cdc?.connect,
    s3: managedWarehouse?.s3,
    minioConsole: managedWarehouse?.console,
    icebergRest: managedWarehouse?.catalog,
    flink: streamJob?.jobManager,
    flinkSqlGateway: streamJob?.gateway,
    trino: queryEngine?.endpoint,
    dagster: orchestrator?.endpoint,
    metabase: dashboards?.engine === "metabase" ? dashboards.endpoint : undefined,
    superset: dashboards?.engine === "superset" ? dashboards.endpoint : undefined,
    prometheus: monitoring?.prometheus,
    alertmanager: monitoring?.alertmanager,
  };
}

/** Publishes each endpoint the environment gives a host port, on the stack's platform. */
export function publishHostPorts(platform: IPlatform, lakehouse: Lakehouse, ports: HostPorts): void {
  const endpoints = publishableEndpoints(lakehouse);
  for (const [name, hostPort] of Object.entries(ports) as [PublishedEndpoint, number | undefined][]) {
    const endpoint = endpoints[name];
    if (endpoint && hostPort !== undefined) platform.publish(endpoint, hostPort);
  }
}

/**
 * One environment: a provider for its runtime, the platform, the Lakehouse, and outputs: the
 * typed access contract (`access`, a {@link LakehouseAccess}) that tools read (`lakehouse verify`,
 * the scripts, the e2e tests), the credentials as sensitive outputs it names, and one flat output
 * per fact for people reading `cdktf output`. Credentials can be supplied
 * as sensitive variables (TF_VAR_<name>); unset, they are generated and kept in state.
 */
export class LakehouseStack extends TerraformStack {
  public readonly lakehouse: Lakehouse;
  public readonly platform: IPlatform;
  /** What the `access` output holds. */
  public readonly access: LakehouseAccess;

  constructor(scope: Construct, env: Environment) {
    super(scope, env.name);
    Aspects.of(this).add(new LakehousePolicy());
    new RandomProvider(this, "random");
    if (env.kind === "docker") {
      new DockerProvider(this, "docker", { host: env.dockerHost ?? "unix:///var/run/docker.sock" });
      this.platform = new DockerPlatform(this, "Platform", { name: `lakehouse-${env.name}` });
    } else {
      new KubernetesProvider(this, "kubernetes", { configPath: env.kubeconfigPath ?? "~/.kube/config", configContext: env.kubeContext });
      this.platform = new KubernetesPlatform(this, "Platform", { namespace: env.namespace, storageClassName: env.storageClassName, cpuRequestFraction: env.cpuRequestFraction });
    }

    const secret = (name: string, description: string) => {
      const variable = new TerraformVariable(this, `Input_${name}`, { type: "string", sensitive: true, nullable: true, description: `${description} Leave unset to generate one.` });
      // Same name as the output that reports it: TF_VAR_<name> in, `cdktf output` <name> out.
      variable.overrideLogicalId(name);
      // Optional: null unless TF_VAR_<name> is set (cdktf cannot express a null default directly).
      variable.addOverride("default", null);
      return variable.stringValue;
    };
    const o = env.lakehouse;
    const dashboards = o.dashboards === false ? false : { ...o.dashboards, adminPassword: secret(CREDENTIAL_OUTPUTS.dashboardsAdminPassword, "Admin password of the dashboard engine.") };
    this.lakehouse = new Lakehouse(this, "Lakehouse", {
      ...o,
      platform: this.platform,
      sourceDb: o.source
        ? undefined
        : {
            ...o.sourceDb,
            adminPassword: secret(CREDENTIAL_OUTPUTS.postgresAdminPassword, "PostgreSQL superuser password."),
            cdcPassword: secret(CREDENTIAL_OUTPUTS.postgresCdcPassword, "Password of the CDC replication role."),
          },
      warehouse: o.existingWarehouse ? undefined : { ...o.warehouse, secretAccessKey: secret("s3_secret_key", "MinIO root password / S3 secret key.") },
      dashboards,
    });
    publishHostPorts(this.platform, this.lakehouse, env.publish ?? {});
    this.access = lakehouseAccess(this.lakehouse, this.platform);
    new TerraformOutput(this, ACCESS_OUTPUT, {
      value: this.access,
      description: "The typed access contract (LakehouseAccess, see constructs/access.ts): endpoints, catalog, namespaces, topics, names of the credential outputs. What tools read.",
    });
    this.outputs();
  }

  /** Flat outputs for people (`cdktf output`); tools read `access` instead. */
  private outputs(): void {
    const { source, cdc, warehouse, streamJob, queryEngine, transformations, orchestrator, dashboards } = this.lakehouse;
    const out = (id: string, value: string, description: string, sensitive = false) => new TerraformOutput(this, id, { value, description, sensitive });
    out("postgres_endpoint", source.endpoint.address, "PostgreSQL inside the platform network.");
    out("postgres_database", source.database, "Captured database.");
    out("postgres_cdc_user", source.cdcUser, "CDC role.");
    out(CREDENTIAL_OUTPUTS.postgresCdcPassword, source.cdcPassword.value, "CDC role password.", true);
    if (source instanceof SourceDb) {
      out("postgres_admin_user", source.adminUser, "PostgreSQL superuser.");
      out(CREDENTIAL_OUTPUTS.postgresAdminPassword, source.adminPassword.value, "PostgreSQL superuser password.", true);
    }
    new TerraformOutput(this, "source_tables", {
      value: JSON.stringify(source.tables),
      description: "The source's tables as deployed (JSON): the next synth refuses a change of them the schema job would refuse.",
    });
    new TerraformOutput(this, "captured_tables", { value: source.capturedTables.map((t) => t.name), description: "Captured tables." });
    new TerraformOutput(this, "captured_columns", {
      value: Object.fromEntries(source.capturedTables.map((t) => [t.name, t.columns.map((c) => c.name)])),
      description: "Columns of each captured table as the stack defines them (`lakehouse verify` reports others as drift).",
    });
    if (cdc) {
      out("kafka_bootstrap_external", cdc.externalBootstrap, "Kafka for clients on the host (Docker: published; Kubernetes: port-forward).");
      out("connect_url", cdc.connect.url("http"), "Kafka Connect REST API inside the platform network.");
      out("connector_name", cdc.connectorName, "Debezium connector.");
      new TerraformOutput(this, "topics", { value: cdc.tables.map((t) => cdc.topicFor(t.name)), description: "Change topics." });
    }
    if (warehouse) {
      out("iceberg_catalog_uri", warehouse.catalog.url("http"), "Iceberg REST catalog.");
      out("iceberg_warehouse", warehouse.warehouse, "Warehouse location.");
      out("s3_access_key_id", warehouse.accessKeyId, "S3 access key id.");
      out(CREDENTIAL_OUTPUTS.s3SecretAccessKey, warehouse.secretAccessKey.value, "S3 secret key.", true);
    }
    if (streamJob) {
      out("flink_job_name", streamJob.jobName, "Flink job of the pipeline.");
      new TerraformOutput(this, "iceberg_tables", { value: streamJob.tablesWritten, description: "Iceberg tables written by the pipeline." });
      out("iceberg_raw_namespace", streamJob.rawDatabase, "Namespace of the raw CDC log tables.");
      out("iceberg_state_namespace", streamJob.stateDatabase, "Namespace of the current-state tables.");
    }
    if (queryEngine) {
      const operator = queryEngine.connection(TRINO_OPERATOR);
      out("trino_url", operator.url, "Trino inside the platform network.");
      if (operator.password) out(CREDENTIAL_OUTPUTS.trinoPassword, operator.password.value, `Password of Trino's user ${operator.user}.`, true);
    }
    if (transformations) {
      out("dbt_marts_schema", `${transformations.queryEngine.catalogName}.${transformations.schema}`, "Catalog and namespace of the dbt marts.");
    }
    if (orchestrator) {
      out("dagster_url", orchestrator.endpoint.url("http"), "Dagster UI and GraphQL API inside the platform network.");
      out("dagster_code_location", orchestrator.codeLocation, "Dagster code location of the dbt assets.");
      out("dagster_build_job", orchestrator.buildJobName, "Dagster job that builds every dbt asset.");
    }
    if (dashboards) {
      out("dashboards_engine", dashboards.engine, "Dashboard engine: metabase or superset.");
      out("dashboards_url", dashboards.endpoint.url("http"), "Dashboard engine inside the platform network.");
      out("dashboards_name", dashboards.dashboardName, "Name of the provisioned CDC dashboard.");
      out("dashboards_admin_login", dashboards.adminLogin, "Admin login of the dashboard engine.");
      out(CREDENTIAL_OUTPUTS.dashboardsAdminPassword, dashboards.adminPassword.value, "Admin password of the dashboard engine.", true);
    }
  }
}
