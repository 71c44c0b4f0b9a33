"""Dagster code location of the lakehouse: the dbt project as assets, a schedule that builds
them, a sensor that builds them when the raw CDC tables get new Iceberg snapshots, and
freshness checks on those raw tables.

Also, when MAINTAIN_SCHEMAS names namespaces, Iceberg table maintenance (maintenance.py): a
job that maintains every table of them, a schedule that runs it on all of them, and a sensor that
runs it on the tables over a threshold in between.

Environment (set by the Orchestrator construct): DBT_PROJECT_DIR, DBT_TARGET_DIR, the dbt
profile's DBT_TRINO_* / DBT_*_SCHEMA variables, DBT_SCHEDULE (cron), SENSOR_INTERVAL_SECONDS,
RAW_FRESHNESS_MINUTES, MAINTENANCE_SCHEDULE (cron), MAINTENANCE_CHECK_SECONDS and those of
maintenance.py.
"""
import os
from datetime import timedelta
from pathlib import Path

import trino
from dagster import (
    AssetKey,
    Config,
    OpExecutionContext,
    AssetObservation,
    AssetSelection,
    DagsterRunStatus,
    DefaultScheduleStatus,
    DefaultSensorStatus,
    MetadataValue,
    Definitions,
    RunRequest,
    RunsFilter,
    ScheduleDefinition,
    SensorEvaluationContext,
    SensorResult,
    SkipReason,
    build_last_update_freshness_checks,
    build_sensor_for_freshness_checks,
    define_asset_job,
    job,
    op,
    sensor,
)
from dagster_dbt import DbtCliResource, DbtProject, dbt_assets

import maintenance

DBT_PROJECT_DIR = Path(os.environ.get("DBT_PROJECT_DIR", Path(__file__).parent.parent / "dbt"))
RAW_SCHEMA = os.environ.get("DBT_RAW_SCHEMA", "raw_data")
RAW_TABLES = [t for t in os.environ.get("RAW_TABLES", "users,accounts").split(",") if t]

project = DbtProject(
    project_dir=DBT_PROJECT_DIR,
    profiles_dir=DBT_PROJECT_DIR,
    target_path=Path(os.environ.get("DBT_TARGET_DIR", DBT_PROJECT_DIR / "target")),
)


@dbt_assets(manifest=project.manifest_path, project=project)
def lakehouse_dbt(context, dbt: DbtCliResource):
    """Every dbt model (parsed layer, Data Vault, marts) with its tests as asset checks."""
    yield from dbt.cli(["build"], context=context).stream()


dbt_build = define_asset_job("dbt_build", selection=AssetSelection.assets(lakehouse_dbt))

schedule = ScheduleDefinition(
    name="dbt_build_schedule",
    job=dbt_build,
    cron_schedule=os.environ.get("DBT_SCHEDULE", "*/15 * * * *"),
    default_status=DefaultScheduleStatus.RUNNING,
)


def raw_key(table: str) -> AssetKey:
    """The key dagster-dbt gives the dbt source `raw.<table>`."""
    return AssetKey(["raw", table])


def latest_snapshots() -> dict:
    """Latest Iceberg snapshot (id, commit time) that added rows to each raw table, read through
    Trino. The raw tables are append-only logs; Flink's sink also commits empty snapshots on
    checkpoints without data, which are no reason to rebuild nor proof of fresh data."""
    conn = trino.dbapi.connect(
        **maintenance.trino_login("dagster"),
        catalog=os.environ.get("DBT_TRINO_CATALOG", "iceberg"),
        schema=RAW_SCHEMA,
    )
    try:
        cur = conn.cursor()
        found = {}
        for table in RAW_TABLES:
            cur.execute(
                f'SELECT snapshot_id, to_unixtime(committed_at) FROM "{table}$snapshots" '
                "WHERE coalesce(element_at(summary, 'added-records'), '0') <> '0' "
                "ORDER BY committed_at DESC LIMIT 1"
            )
            rows = cur.fetchall()
            if rows:
                found[table] = {"snapshot_id": str(rows[0][0]), "committed_at": float(rows[0][1])}
        return found
    finally:
        conn.close()


BUILD_ACTIVE = RunsFilter(
    job_name=dbt_build.name,
    statuses=[DagsterRunStatus.QUEUED, DagsterRunStatus.NOT_STARTED, DagsterRunStatus.STARTING, DagsterRunStatus.STARTED],
)


@sensor(
    job=dbt_build,
    minimum_interval_seconds=int(os.environ.get("SENSOR_INTERVAL_SECONDS", "300")),
    default_status=DefaultSensorStatus.RUNNING,
)
def raw_tables_changed(context: SensorEvaluationContext):
    """Observes the raw tables (their last update feeds the freshness checks) and builds the
    dbt assets when any of them has a new snapshot since the last build it requested. While a
    build is queued or running it waits (the cursor stays put), so builds never pile up behind
    a steady stream of changes: the next tick after that build requests one more."""
    snapshots = latest_snapshots()
    observations = [
        AssetObservation(
            asset_key=raw_key(table),
            # A timestamp value: the freshness checks refuse a plain float here, failing their run.
            metadata={"dagster/last_updated_timestamp": MetadataValue.timestamp(s["committed_at"]), "snapshot_id": s["snapshot_id"]},
        )
        for table, s in snapshots.items()
    ]
    cursor = ",".join(f"{t}={s['snapshot_id']}" for t, s in sorted(snapshots.items()))
    if not snapshots or cursor == context.cursor:
        return SensorResult(skip_reason=SkipReason("no new snapshots in the raw tables"), asset_events=observations)
    if context.instance.get_runs_count(BUILD_ACTIVE):
        return SensorResult(skip_reason=SkipReason(f"new snapshots wait: a {dbt_build.name} run is queued or running"), asset_events=observations)
    return SensorResult(run_requests=[RunRequest(run_key=cursor)], cursor=cursor, asset_events=observations)


freshness_checks = build_last_update_freshness_checks(
    assets=[raw_key(t) for t in RAW_TABLES],
    lower_bound_delta=timedelta(minutes=int(os.environ.get("RAW_FRESHNESS_MINUTES", "60"))),
)
freshness_sensor = build_sensor_for_freshness_checks(
    freshness_checks=freshness_checks, default_status=DefaultSensorStatus.RUNNING
)



class MaintenanceConfig(Config):
    """`tables`: `schema.table` names, empty for every table of the maintained namespaces.
    `compact_all`: compact every table with small or delete files, not only those over a threshold.
    `*_retention_minutes`: shorter retentions than the stack's, for one run (0: the stack's)."""

    tables: list[str] = []
    compact_all: bool = True
    snapshot_retention_minutes: int = 0
    orphan_retention_minutes: int = 0


@op
def maintain_iceberg_tables(context: OpExecutionContext, config: MaintenanceConfig) -> None:
    """Compaction, manifests, snapshot expiry and orphan removal, table by table."""
    if 0 < config.orphan_retention_minutes < 10:
        raise ValueError("orphan_retention_minutes must be at least 10: a dbt build's files are unreferenced until it commits")
    retention = maintenance.Retention(
        snapshots_s=60 * config.snapshot_retention_minutes or maintenance.SNAPSHOT_RETENTION_S,
        orphans_s=60 * config.orphan_retention_minutes or maintenance.ORPHAN_RETENTION_S,
    )
    results = maintenance.maintain(config.tables or None, config.compact_all, retention, context.log.info)
    context.add_output_metadata({"tables": len(results), "results": results})


@job
def iceberg_maintenance():
    maintain_iceberg_tables()


MAINTENANCE_ACTIVE = RunsFilter(job_name="iceberg_maintenance", statuses=BUILD_ACTIVE.statuses)

maintenance_schedule = ScheduleDefinition(
    name="iceberg_maintenance_schedule",
    job=iceberg_maintenance,
    cron_schedule=os.environ.get("MAINTENANCE_SCHEDULE", "0 * * * *"),
    default_status=DefaultScheduleStatus.RUNNING,
)


@sensor(
    job=iceberg_maintenance,
    minimum_interval_seconds=int(os.environ.get("MAINTENANCE_CHECK_SECONDS", "300")),
    default_status=DefaultSensorStatus.RUNNING,
)
def iceberg_tables_over_thresholds(context: SensorEvaluationContext):
    """Maintains the tables whose small files, delete files or snapshots passed their thresholds,
    unless a maintenance run is already queued or running."""
    if context.instance.get_runs_count(MAINTENANCE_ACTIVE):
        return SkipReason("a maintenance run is queued or running")
    due = maintenance.tables_over_thresholds()
    if not due:
        return SkipReason("every table is under its thresholds")
    context.log.info("; ".join(f"{t}: {why}" for t, why in due.items()))
    return RunRequest(
        run_config={"ops": {"maintain_iceberg_tables": {"config": {"tables": sorted(due), "compact_all": False}}}},
    )


MAINTAINED = bool(maintenance.SCHEMAS)

defs = Definitions(
    assets=[lakehouse_dbt],
    asset_checks=freshness_checks,
    jobs=[dbt_build] + ([iceberg_maintenance] if MAINTAINED else []),
    schedules=[schedule] + ([maintenance_schedule] if MAINTAINED else []),
    sensors=[raw_tables_changed, freshness_sensor] + ([iceberg_tables_over_thresholds] if MAINTAINED else []),
    resources={"dbt": DbtCliResource(project_dir=project)},
)
