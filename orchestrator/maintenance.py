"""Iceberg table maintenance through Trino: compaction of small data files and of delete files
(`optimize`), manifest rewrites, snapshot expiry and orphan-file removal, for every table of the
lakehouse's namespaces (raw log, current state, dbt's vault and marts).

Why Trino, run by Dagster, and not Iceberg's Flink maintenance API: the pipeline is Flink SQL
submitted through the SQL Gateway, which cannot attach the DataStream-only TableMaintenance
operators; Trino's procedures reach every table, dbt's included, and Trino 476's `optimize` keeps
the rewritten files' data sequence number, so equality deletes that Flink commits while it runs
still apply to them (the mirror stays exact; a conflicting commit fails this run's attempt, never
Flink's, and is retried here).

Environment (set by the Orchestrator construct): DBT_TRINO_HOST/PORT/CATALOG, MAINTAIN_SCHEMAS,
MAINTENANCE_TARGET_FILE_MIB, MAINTENANCE_SMALL_FILE_MIB, MAINTENANCE_MAX_SMALL_FILES,
MAINTENANCE_MAX_DELETE_FILES, MAINTENANCE_MAX_SNAPSHOTS, MAINTENANCE_SNAPSHOT_RETENTION_MINUTES,
MAINTENANCE_ORPHAN_RETENTION_MINUTES.
"""
import os
import time
from dataclasses import dataclass
from typing import Callable, Optional

import trino

CATALOG = os.environ.get("DBT_TRINO_CATALOG", "iceberg")
SCHEMAS = [s for s in os.environ.get("MAINTAIN_SCHEMAS", "").split(",") if s]
TARGET_FILE_MIB = int(os.environ.get("MAINTENANCE_TARGET_FILE_MIB", "128"))
SMALL_FILE_MIB = int(os.environ.get("MAINTENANCE_SMALL_FILE_MIB", "32"))
MAX_SMALL_FILES = int(os.environ.get("MAINTENANCE_MAX_SMALL_FILES", "32"))
MAX_DELETE_FILES = int(os.environ.get("MAINTENANCE_MAX_DELETE_FILES", "32"))
MAX_SNAPSHOTS = int(os.environ.get("MAINTENANCE_MAX_SNAPSHOTS", "1000"))
SNAPSHOT_RETENTION_S = 60 * int(os.environ.get("MAINTENANCE_SNAPSHOT_RETENTION_MINUTES", "120"))
ORPHAN_RETENTION_S = 60 * int(os.environ.get("MAINTENANCE_ORPHAN_RETENTION_MINUTES", "4320"))

# Trino's answers to a commit that lost a race with another writer (Flink's checkpoint, a dbt build).
CONFLICT_MARKERS = ("Failed to commit", "CommitFailedException", "ValidationException", "conflict", "Cannot commit")
ATTEMPTS = 5


@dataclass
class Retention:
    """Seconds of snapshots and of unreferenced files kept; a run may shorten them (the soak's
    compressed schedule)."""

    snapshots_s: int = SNAPSHOT_RETENTION_S
    orphans_s: int = ORPHAN_RETENTION_S


def trino_login(user: str) -> dict:
    """Where Trino is and how to log in: as `user` when it does not authenticate (it takes any
    name), else over HTTPS as the dbt profile's user with its password, trusting its CA file."""
    login = {"host": os.environ.get("DBT_TRINO_HOST", "127.0.0.1"), "port": int(os.environ.get("DBT_TRINO_PORT", "8080"))}
    password = os.environ.get("DBT_TRINO_PASSWORD")
    if not password:
        return {**login, "user": user}
    profile_user = os.environ["DBT_TRINO_USER"]
    return {
        **login,
        "user": profile_user,
        "auth": trino.auth.BasicAuthentication(profile_user, password),
        "http_scheme": "https",
        "verify": os.environ["DBT_TRINO_CERT"],
    }


def connect(retention: Retention = Retention()):
    """A Trino session whose minimum retentions are this job's own (Trino's default, 7 days, would
    refuse them), so a hand-run procedure with less is still refused."""
    return trino.dbapi.connect(
        **trino_login("dagster-maintenance"),
        catalog=CATALOG,
        session_properties={
            f"{CATALOG}.expire_snapshots_min_retention": f"{retention.snapshots_s}s",
            f"{CATALOG}.remove_orphan_files_min_retention": f"{retention.orphans_s}s",
            f"{CATALOG}.target_max_file_size": f"{TARGET_FILE_MIB}MB",
        },
    )


@dataclass
class TableStats:
    """What decides whether a table needs compaction, and what the guards need."""

    data_files: int
    small_files: int
    delete_files: int
    # Snapshots older than the retention: those an expiry would remove.
    snapshots: int
    # Seconds since the newest snapshot Flink committed (its summary names the Flink job); None for
    # tables Flink does not write (dbt's).
    flink_commit_age_s: Optional[float]

    def needs_compaction(self) -> bool:
        return self.small_files >= MAX_SMALL_FILES or self.delete_files >= MAX_DELETE_FILES

    def reason(self) -> str:
        return f"{self.data_files} data files ({self.small_files} under {SMALL_FILE_MIB} MiB), {self.delete_files} delete files, {self.snapshots} snapshots past the retention"


def qualified(schema: str, table: str) -> str:
    return f'"{CATALOG}"."{schema}"."{table}"'


def meta(schema: str, table: str, kind: str) -> str:
    return f'"{CATALOG}"."{schema}"."{table}${kind}"'


def list_tables(cur) -> list[tuple[str, str]]:
    """Every Iceberg table (views excluded) of the maintained namespaces."""
    if not SCHEMAS:
        return []
    names = ", ".join(f"'{s}'" for s in SCHEMAS)
    cur.execute(
        f"SELECT table_schema, table_name FROM \"{CATALOG}\".information_schema.tables "
        f"WHERE table_schema IN ({names}) AND table_type = 'BASE TABLE' ORDER BY 1, 2"
    )
    return [(r[0], r[1]) for r in cur.fetchall()]


def table_stats(cur, schema: str, table: str) -> TableStats:
    small = SMALL_FILE_MIB * 1024 * 1024
    cur.execute(
        f"SELECT count_if(content = 0), count_if(content = 0 AND file_size_in_bytes < {small}), count_if(content <> 0) "
        f"FROM {meta(schema, table, 'files')}"
    )
    data, small_files, deletes = cur.fetchall()[0]
    # Only snapshots past the retention count: expiry cannot remove younger ones, so a busy table
    # (a commit per checkpoint) would otherwise be due at every check.
    cur.execute(
        f"SELECT count_if(committed_at < current_timestamp - INTERVAL '{SNAPSHOT_RETENTION_S}' SECOND), "
        "to_unixtime(current_timestamp) - to_unixtime(max(committed_at) FILTER "
        f"(WHERE element_at(summary, 'flink.job-id') IS NOT NULL)) FROM {meta(schema, table, 'snapshots')}"
    )
    snapshots, flink_age = cur.fetchall()[0]
    return TableStats(int(data or 0), int(small_files or 0), int(deletes or 0), int(snapshots), None if flink_age is None else float(flink_age))


def needs_maintenance(stats: TableStats) -> bool:
    """The thresholds the sensor acts on between scheduled passes."""
    return stats.needs_compaction() or stats.snapshots > MAX_SNAPSHOTS


def execute(cur, sql: str, log: Callable[[str], None]) -> None:
    """Runs one procedure; a commit that lost a race is retried with backoff (2, 4, 8, 16 s)."""
    for attempt in range(1, ATTEMPTS + 1):
        try:
            cur.execute(sql)
            cur.fetchall()
            return
        except trino.exceptions.TrinoQueryError as e:
            if attempt == ATTEMPTS or not any(m in str(e) for m in CONFLICT_MARKERS):
                raise
            log(f"commit conflict on attempt {attempt}, retrying in {2 ** attempt} s: {str(e)[:200]}")
            time.sleep(2**attempt)


def maintain_table(cur, schema: str, table: str, compact_all: bool, retention: Retention, log: Callable[[str], None]) -> dict:
    """One table: compaction (when over a threshold, or on every scheduled pass with `compact_all`),
    manifests, snapshot expiry and orphan removal. Returns the table's stats before and after."""
    name = qualified(schema, table)
    before = table_stats(cur, schema, table)
    done = []
    if compact_all or before.needs_compaction():
        if before.small_files > 1 or before.delete_files > 0:
            execute(cur, f"ALTER TABLE {name} EXECUTE optimize(file_size_threshold => '{SMALL_FILE_MIB}MB')", log)
            done.append("optimize")
        execute(cur, f"ALTER TABLE {name} EXECUTE optimize_manifests", log)
        done.append("optimize_manifests")

    # Flink finds where it left off (its last committed checkpoint) by walking back from the current
    # snapshot to the newest one its job committed: that one is never expired, or a restore would
    # commit the checkpoint's files a second time.
    keep = retention.snapshots_s
    if before.flink_commit_age_s is not None:
        keep = max(keep, int(before.flink_commit_age_s) + 1)
    execute(cur, f"ALTER TABLE {name} EXECUTE expire_snapshots(retention_threshold => '{keep}s')", log)
    done.append(f"expire_snapshots({keep}s)")

    # Files Flink wrote for a checkpoint it has not committed yet look orphaned until it commits
    # them, after a restore too. Only while the job commits (newest commit inside the retention)
    # is every file older than the retention either committed or truly orphaned.
    if before.flink_commit_age_s is not None and before.flink_commit_age_s >= retention.orphans_s:
        log(f"{schema}.{table}: orphan files kept: Flink's newest commit is {before.flink_commit_age_s:.0f} s old, not within the {retention.orphans_s} s retention")
    else:
        execute(cur, f"ALTER TABLE {name} EXECUTE remove_orphan_files(retention_threshold => '{retention.orphans_s}s')", log)
        done.append("remove_orphan_files")

    after = table_stats(cur, schema, table)
    log(f"{schema}.{table}: {', '.join(done)}; before {before.reason()}; after {after.reason()}")
    return {"table": f"{schema}.{table}", "done": done, "before": before.__dict__, "after": after.__dict__}


def is_gone(e: Exception) -> bool:
    """A table dropped while the pass ran (dbt replaces its marts): nothing left to maintain."""
    return isinstance(e, trino.exceptions.TrinoUserError) and e.error_name in ("TABLE_NOT_FOUND", "SCHEMA_NOT_FOUND")


def maintain(tables: Optional[list[str]], compact_all: bool, retention: Retention, log: Callable[[str], None]) -> list[dict]:
    """Maintains `tables` (`schema.table`), or every table of the maintained namespaces."""
    conn = connect(retention)
    try:
        cur = conn.cursor()
        targets = [tuple(t.split(".", 1)) for t in tables] if tables else list_tables(cur)
        results = []
        for schema, table in targets:
            try:
                results.append(maintain_table(cur, schema, table, compact_all, retention, log))
            except trino.exceptions.TrinoUserError as e:
                if not is_gone(e):
                    raise
                log(f"{schema}.{table}: gone ({e.error_name}), skipped")
        return results
    finally:
        conn.close()


def tables_over_thresholds() -> dict[str, str]:
    """Tables whose small files, delete files or snapshots passed their thresholds, with why."""
    conn = connect()
    try:
        cur = conn.cursor()
        due = {}
        for schema, table in list_tables(cur):
            try:
                stats = table_stats(cur, schema, table)
            except trino.exceptions.TrinoUserError as e:
                if is_gone(e):
                    continue
                raise
            if needs_maintenance(stats):
                due[f"{schema}.{table}"] = stats.reason()
        return due
    finally:
        conn.close()
