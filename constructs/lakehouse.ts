import { Construct } from "constructs";
import { CdcConnector, CdcConnectorProps } from "./cdc-connector";
import { Dashboards, DashboardsProps } from "./dashboards";
import { Orchestrator, OrchestratorProps } from "./orchestrator";
import { IcebergWarehouse, IcebergWarehouseProps, IIcebergWarehouse } from "./iceberg-warehouse";
import { IMetricsSource } from "./metrics";
import { Monitoring, MonitoringProps } from "./monitoring";
import { IPlatform } from "./platform/workload";
import { QueryEngine, QueryEngineProps } from "./query-engine";
import { ISourceDb, SourceDb, SourceDbProps } from "./source-db";
import { StreamJob, StreamJobProps } from "./stream-job";
import { Transformations, TransformationsProps } from "./transformations";
import { ValidationError } from "./validation";

type Wired = "platform" | "imageRegistry";

/** Props of {@link Lakehouse}: one entry per layer, each `false` to leave the layer out. */
export interface LakehouseProps {
  /** Where every layer runs. */
  readonly platform: IPlatform;
  /** Registry mirror for every default image, e.g. `lakehouse.local` for `npm run images`. @default - upstream registries */
  readonly imageRegistry?: string;
  /** Options of the managed PostgreSQL. Not allowed together with `source`. @default {} */
  readonly sourceDb?: Omit<SourceDbProps, Wired>;
  /** An existing database to capture instead of a managed one (e.g. `SourceDb.fromExisting`). @default - a managed SourceDb */
  readonly source?: ISourceDb;
  /** Options of Kafka, Kafka Connect and the Debezium connector; `false` stops after the source database. @default {} */
  readonly cdc?: Omit<CdcConnectorProps, Wired | "source" | "freshnessProbe"> | false;
  /** Options of MinIO and the REST catalog. Not allowed together with `existingWarehouse`. @default {} */
  readonly warehouse?: Omit<IcebergWarehouseProps, Wired>;
  /** An existing Iceberg warehouse to write to instead of a managed one. @default - a managed IcebergWarehouse */
  readonly existingWarehouse?: IIcebergWarehouse;
  /** Options of the Flink pipeline; `false` omits it. @default {} */
  readonly streamJob?: Omit<StreamJobProps, Wired | "cdc" | "warehouse"> | false;
  /** Options of Trino; `false` omits it (and the dashboards). @default {} */
  readonly queryEngine?: Omit<QueryEngineProps, Wired | "warehouse"> | false;
  /** Options of the dbt project's build job; `false` omits it (and the orchestrator). @default {} */
  readonly transformations?: Omit<TransformationsProps, Wired | "queryEngine" | "rawDatabase" | "stateDatabase" | "tables" | "dependsOn"> | false;
  /** Options of Dagster; `false` omits it. @default {} */
  readonly orchestrator?: Omit<OrchestratorProps, Wired | "transformations" | "rawTables"> | false;
  /** Options of the dashboards (Metabase, or Superset on the dbt marts); `false` omits them. @default {} */
  readonly dashboards?: Omit<DashboardsProps, Wired | "queryEngine" | "rawDatabase" | "stateDatabase" | "tables" | "transformations"> | false;
  /** Options of Prometheus, Alertmanager and the alert rules; `false` omits them. @default {} */
  readonly monitoring?: Omit<MonitoringProps, Wired | "targets" | "source" | "slotName" | "connectorName" | "flinkTaskManagers" | "flinkJobs" | "dagsterRuns" | "probeTarget"> | false;
}

/**
 * The whole CDC lakehouse, wired: SourceDb -> CdcConnector -> StreamJob -> IcebergWarehouse ->
 * QueryEngine -> Transformations (dbt) -> Orchestrator (Dagster), and Dashboards. Each layer
 * takes the previous construct, never a host string; any layer can be configured, replaced by
 * an existing one, or switched off. Monitoring (Prometheus, Alertmanager) scrapes every layer that runs.
 */
export class Lakehouse extends Construct {
  /** The captured database: created here, or the existing one from `source`. */
  public readonly source: ISourceDb;
  /** Kafka and Debezium; undefined when `cdc` is false. */
  public readonly cdc?: CdcConnector;
  /** The Iceberg warehouse: created here, or `existingWarehouse`; undefined when switched off. */
  public readonly warehouse?: IIcebergWarehouse;
  /** The Flink pipeline; undefined when `streamJob` is false or a layer it needs is off. */
  public readonly streamJob?: StreamJob;
  /** Trino; undefined when `queryEngine` is false or there is no warehouse. */
  public readonly queryEngine?: QueryEngine;
  /** The dbt project; undefined when `transformations` is false or there is no query engine. */
  public readonly transformations?: Transformations;
  /** Dagster; undefined when `orchestrator` is false or there are no transformations. */
  public readonly orchestrator?: Orchestrator;
  /** The dashboards; undefined when `dashboards` is false or there is no query engine. */
  public readonly dashboards?: Dashboards;
  /** Prometheus and Alertmanager over every layer; undefined when `monitoring` is false. */
  public readonly monitoring?: Monitoring;

  constructor(scope: Construct, id: string, props: LakehouseProps) {
    super(scope, id);
    const { platform, imageRegistry } = props;
    const wired = { platform, imageRegistry };
    if (props.source && props.sourceDb) {
      throw new ValidationError(
        "Lakehouse",
        "sourceDb",
        "cannot be combined with source (an existing database)",
        Object.keys(props.sourceDb),
        "Configure the existing database where it is defined, and drop sourceDb.",
      );
    }
    if (props.existingWarehouse && props.warehouse) {
      throw new ValidationError("Lakehouse", "warehouse", "cannot be combined with existingWarehouse", Object.keys(props.warehouse), "Drop warehouse, or drop existingWarehouse to get a managed one.");
    }
    if (props.cdc === false && props.streamJob !== false) {
      throw new ValidationError("Lakehouse", "cdc", "is off, but the stream job reads its topics", false, "Set streamJob: false as well, or turn cdc on.");
    }
    if (props.queryEngine === false && props.dashboards !== false && props.dashboards !== undefined) {
      throw new ValidationError(
        "Lakehouse",
        "dashboards",
        "are configured, but the query engine they read from is off",
        Object.keys(props.dashboards),
        "Set dashboards: false, or turn queryEngine on.",
      );
    }

    if (props.transformations === false && props.orchestrator !== false && props.orchestrator !== undefined) {
      throw new ValidationError(
        "Lakehouse",
        "orchestrator",
        "is configured, but the transformations it orchestrates are off",
        Object.keys(props.orchestrator),
        "Set orchestrator: false, or turn transformations on.",
      );
    }

    this.source = props.source ?? new SourceDb(this, "SourceDb", { ...props.sourceDb, ...wired });
    if (props.cdc !== false) {
      // The freshness probe times the whole way, PostgreSQL to Trino: it needs every layer on it.
      const probe = props.monitoring !== false && props.monitoring?.freshnessProbe !== false && props.streamJob !== false && props.queryEngine !== false;
      this.cdc = new CdcConnector(this, "CdcConnector", { ...props.cdc, ...wired, source: this.source, freshnessProbe: probe });
      this.warehouse = props.existingWarehouse ?? new IcebergWarehouse(this, "IcebergWarehouse", { ...props.warehouse, ...wired });
      if (props.streamJob !== false) {
        this.streamJob = new StreamJob(this, "StreamJob", { ...props.streamJob, ...wired, cdc: this.cdc, warehouse: this.warehouse });
      }
      if (props.queryEngine !== false) {
        this.queryEngine = new QueryEngine(this, "QueryEngine", { ...props.queryEngine, ...wired, warehouse: this.warehouse });
        const layout = {
          rawDatabase: this.streamJob?.rawDatabase ?? "raw_data",
          stateDatabase: this.streamJob?.stateDatabase ?? this.source.database,
          tables: this.source.capturedTables.map((t) => t.name),
        };
        if (props.transformations !== false) {
          this.transformations = new Transformations(this, "Transformations", {
            ...props.transformations,
            ...wired,
            ...layout,
            queryEngine: this.queryEngine,
            dependsOn: this.streamJob ? [this.streamJob] : [],
          });
          if (props.orchestrator !== false) {
            // Its exporter only where a Prometheus scrapes it, unless asked for.
            const metrics = props.monitoring !== false;
            this.orchestrator = new Orchestrator(this, "Orchestrator", { metrics, ...props.orchestrator, ...wired, transformations: this.transformations, rawTables: layout.tables });
          }
        }
        if (props.dashboards !== false) {
          this.dashboards = new Dashboards(this, "Dashboards", {
            ...props.dashboards,
            ...wired,
            ...layout,
            queryEngine: this.queryEngine,
            transformations: this.transformations,
          });
        }
      }
    }
    if (props.monitoring !== false) {
      // An existing warehouse is monitored where it is run.
      const layers: (IMetricsSource | undefined)[] = [this.cdc, this.streamJob, this.queryEngine, this.warehouse instanceof IcebergWarehouse ? this.warehouse : undefined, this.orchestrator];
      this.monitoring = new Monitoring(this, "Monitoring", {
        ...props.monitoring,
        ...wired,
        targets: layers.flatMap((layer) => layer?.metricsTargets ?? []),
        source: this.source,
        slotName: this.cdc?.slotName,
        connectorName: this.cdc?.connectorName,
        flinkTaskManagers: this.streamJob?.taskManagers,
        flinkJobs: this.streamJob?.jobLabelPatterns,
        dagsterRuns: (this.orchestrator?.metricsTargets.length ?? 0) > 0,
        probeTarget: this.probeTarget(),
      });
    }
  }

  /** Where the freshness probe's heartbeat goes, when the connector streams it and the pipeline keeps it. */
  private probeTarget(): MonitoringProps["probeTarget"] {
    const topic = this.cdc?.freshnessProbe?.topic;
    const table = this.streamJob?.freshnessProbeTable;
    if (!topic || !table || !this.queryEngine || !this.streamJob) return undefined;
    return {
      bootstrap: this.cdc!.bootstrap,
      topic,
      trino: this.queryEngine.connection("lakehouse-freshness-probe"),
      trinoTable: `${this.queryEngine.catalogName}.${table}`,
      dependsOn: [this.streamJob],
    };
  }
}
