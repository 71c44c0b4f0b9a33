import { ITerraformDependable } from "cdktf";
import { Construct } from "constructs";
import { asset, assetTree } from "./assets";
import { defaultImage } from "./images";
import { FileSpec, IDependable, IPlatform, JobHandle, ResourceSpec, Secret } from "./platform/workload";
import { IQueryEngine } from "./query-engine";
import { validateUnreservedIdentifier, ValidationError } from "./validation";

/** Where the dbt project is mounted in the dbt and Dagster containers. */
export const DBT_PROJECT_DIR = "/opt/lakehouse/dbt";

/** Marts that the dbt project builds in {@link Transformations.schema} (the CDC dashboard's tables). */
export const DBT_MARTS = ["operations_per_day", "user_growth", "latest_balance_per_account"] as const;

/** Props of {@link Transformations}. */
export interface TransformationsProps {
  /** Where the dbt job runs. */
  readonly platform: IPlatform;
  /** The Trino that dbt runs its models on. */
  readonly queryEngine: IQueryEngine;
  /** Iceberg namespace of the raw CDC log (the dbt sources). */
  readonly rawDatabase: string;
  /** Iceberg namespace of the current-state tables. */
  readonly stateDatabase: string;
  /** Captured tables; the dbt project models `users` and `accounts`. */
  readonly tables: string[];
  /**
   * Namespace of the marts; the parsed layer and the Data Vault go to `<schema>_parsed` and
   * `<schema>_vault` (dbt's custom-schema convention).
   * @default "analytics"
   */
  readonly schema?: string;
  /** What must be in place before the first build, e.g. the stream job that creates the raw tables. @default [] */
  readonly dependsOn?: IDependable[];
  /** dbt threads (concurrent models). @default 2 */
  readonly threads?: number;
  /** Image with dbt-core and dbt-trino. @default - lakehouse-cdc/dbt-dagster */
  readonly image?: string;
  /** Registry mirror for the default image. @default - upstream registries */
  readonly imageRegistry?: string;
  /** @default - 500 millicores, 768 MiB */
  readonly resources?: ResourceSpec;
}

/** What the Orchestrator needs of a Transformations layer. */
export interface ITransformations extends IDependable {
  /** The dbt project's files, mounted under {@link DBT_PROJECT_DIR}. */
  readonly projectFiles: FileSpec[];
  /** Environment of the dbt profile (Trino address, catalog, schemas). */
  readonly dbtEnv: Record<string, string>;
  /** dbt's Trino password, with authentication (`DBT_TRINO_PASSWORD`). */
  readonly dbtSecretEnv: Record<string, Secret>;
  /** The CA certificate dbt trusts, with authentication: mount it beside the project files. */
  readonly dbtCaFiles: FileSpec[];
  /** Namespace of the marts. */
  readonly schema: string;
  /** Namespace of the Data Vault's tables (hubs, link, satellites). */
  readonly vaultSchema: string;
  /** Namespaces of the Iceberg tables the project reads and builds (raw log, current state, vault, marts); views live elsewhere. */
  readonly tableNamespaces: string[];
  /** The image that runs dbt. */
  readonly image: string;
  /** The Trino the models run on. */
  readonly queryEngine: IQueryEngine;
}

/**
 * The dbt project in dbt/ (a parsed layer over the raw CDC log, a Data Vault with hubs, a link
 * and satellites with history, and the dashboard's marts) as a job that runs `dbt build`
 * (models and their tests) against Trino. The job runs on deploy and again whenever the project
 * changes; the Orchestrator schedules it after that.
 */
export class Transformations extends Construct implements ITransformations {
  public readonly projectFiles: FileSpec[];
  public readonly dbtEnv: Record<string, string>;
  public readonly dbtSecretEnv: Record<string, Secret>;
  public readonly dbtCaFiles: FileSpec[];
  public readonly schema: string;
  public readonly vaultSchema: string;
  public readonly tableNamespaces: string[];
  public readonly image: string;
  public readonly queryEngine: IQueryEngine;
  /** The `dbt build` job. */
  public readonly buildJob: JobHandle;
  /** Fully qualified names of the marts (`catalog.schema.table`). */
  public readonly marts: string[];
  public readonly dependables: ITerraformDependable[];

  constructor(scope: Construct, id: string, props: TransformationsProps) {
    super(scope, id);
    const missing = ["users", "accounts"].filter((t) => !props.tables.includes(t));
    if (missing.length > 0) {
      throw new ValidationError(
        "Transformations",
        "tables",
        `must include users and accounts, which the dbt project models (missing: ${missing.join(", ")})`,
        props.tables,
        "Capture those tables, or set transformations: false.",
      );
    }
    this.schema = props.schema ?? "analytics";
    // It names Iceberg namespaces, which dbt's SQL on Trino writes unquoted.
    validateUnreservedIdentifier("Transformations", "schema", this.schema, ["Trino"]);
    this.vaultSchema = `${this.schema}_vault`;
    // The parsed layer is views: no files of its own.
    this.tableNamespaces = [...new Set([props.rawDatabase, props.stateDatabase, this.vaultSchema, this.schema])];
    const threads = props.threads ?? 2;
    if (!Number.isInteger(threads) || threads < 1 || threads > 16) {
      throw new ValidationError("Transformations", "threads", "must be an integer from 1 to 16", threads, "Use 2 on a small machine.");
    }
    this.queryEngine = props.queryEngine;
    this.image = props.image ?? defaultImage("dbtDagster", props.imageRegistry);
    this.projectFiles = assetTree("dbt").map((file) => ({ path: `${DBT_PROJECT_DIR}/${file.slice("dbt/".length)}`, content: asset(file) }));
    const trino = props.queryEngine.connection("dbt");
    this.dbtEnv = {
      DBT_PROFILES_DIR: DBT_PROJECT_DIR,
      DBT_TRINO_HOST: trino.endpoint.host,
      DBT_TRINO_PORT: String(trino.endpoint.port),
      ...(trino.password ? { DBT_TARGET: "trino_password", DBT_TRINO_USER: trino.user, DBT_TRINO_CERT: trino.caFile!.path } : {}),
      DBT_TRINO_CATALOG: props.queryEngine.catalogName,
      DBT_SCHEMA: this.schema,
      DBT_RAW_SCHEMA: props.rawDatabase,
      DBT_STATE_SCHEMA: props.stateDatabase,
      DBT_THREADS: String(threads),
      // The project is mounted read-only: dbt's output goes to the container's scratch space.
      DBT_TARGET_PATH: "/tmp/dbt/target",
      DBT_LOG_PATH: "/tmp/dbt/logs",
    };
    this.dbtSecretEnv = trino.password ? { DBT_TRINO_PASSWORD: trino.password } : {};
    this.dbtCaFiles = trino.caFile ? [trino.caFile] : [];
    this.marts = DBT_MARTS.map((m) => `${props.queryEngine.catalogName}.${this.schema}.${m}`);
    this.buildJob = props.platform.job(this, "Build", {
      name: "dbt-build",
      image: this.image,
      command: ["dbt", "build", "--project-dir", DBT_PROJECT_DIR],
      env: this.dbtEnv,
      secretEnv: this.dbtSecretEnv,
      files: [...this.projectFiles, ...this.dbtCaFiles],
      resources: props.resources ?? { cpuMillis: 500, memoryMiB: 768 },
      runAsUser: 1000,
      timeoutSeconds: 1200,
      connectsTo: [trino.endpoint],
      dependsOn: [props.queryEngine, ...(props.dependsOn ?? [])],
    });
    this.dependables = this.buildJob.dependables;
  }
}
