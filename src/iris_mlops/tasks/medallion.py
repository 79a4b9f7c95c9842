"""The medallion tasks: bronze (ingest a source), silver (type, validate, flag), gold (per-species aggregates).

Each task is read -> transform -> (validation hook) -> write. Spark and the layers are imported inside the
functions so that `iris-mlops --help` works without pyspark.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any, Optional

import typer

from iris_mlops.tasks.command import TaskResult, task
from iris_mlops.tasks.context import TaskContext
from iris_mlops.tasks.gate import audit_before_write
from iris_mlops.tasks.options import SourceOption
from iris_mlops.tasks.silver_split import Split

if TYPE_CHECKING:
    from pyspark.sql import DataFrame

AllOption = Annotated[bool, typer.Option("--all", help="Rebuild silver and quarantine from every bronze batch.")]
CsvSepOption = Annotated[
    Optional[str],  # noqa: UP045 - typer reads the annotation at runtime
    typer.Option("--csv-sep", help="CSV field separator (default: detected; ',' or ';')."),
]
CsvDecimalOption = Annotated[
    Optional[str],  # noqa: UP045
    typer.Option("--csv-decimal", help="CSV decimal mark, '.' or ',' (default: detected from the first lines)."),
]


@dataclass
class BronzeResult(TaskResult):
    table: str
    version: int
    batch_id: str
    rows: int
    source: str
    run_id: str


@dataclass
class SilverResult(TaskResult):
    batches: list[str]
    missing_from_bronze: list[str]  # in silver/quarantine but no longer in bronze: reported, never deleted here
    run_id: str
    silver_version: int | None = None  # None: nothing to do, nothing written
    quarantine_version: int | None = None
    silver_rows: int | None = None  # rows of the processed batches, per side (None: nothing processed)
    quarantine_rows: int | None = None
    quarantine_reasons: dict[str, int] | None = None

    def summary(self) -> str:
        """`146 → silver, 4 → quarantine (…)`, with the versions written."""
        if self.silver_version is None:
            return "nothing to do"
        split = Split(silver_rows=self.silver_rows or 0, quarantine_rows=self.quarantine_rows or 0,
                      reasons=self.quarantine_reasons or {})
        return f"{split.line()}; silver v{self.silver_version}, quarantine v{self.quarantine_version}"


@dataclass
class GoldResult(TaskResult):
    table: str
    version: int
    silver_version: int
    run_id: str


@task("bronze", help="Ingest a source (default: the Iris data bundled with scikit-learn) into the bronze table.")
def run_bronze(
    ctx: TaskContext,
    *,
    source: SourceOption = None,
    csv_sep: CsvSepOption = None,
    csv_decimal: CsvDecimalOption = None,
) -> BronzeResult:
    """Read the source, add ingestion metadata and replace its batch in bronze (same content: same batch)."""
    from iris_mlops.sources import read_source

    # Every bad-input error is raised here, before Spark or any table is touched. The parts are staged where
    # Spark's executors can read them (a volume on Databricks), and removed once bronze has committed them.
    raw = read_source(source, staging_dir=ctx.settings.staging_dir, csv_sep=csv_sep, csv_decimal=csv_decimal)
    try:
        return _write_bronze(ctx, raw)
    finally:
        raw.close()


def _write_bronze(ctx: TaskContext, raw: Any) -> BronzeResult:
    from datetime import datetime, timezone

    from iris_mlops.layers.bronze import add_ingestion_metadata
    from iris_mlops.schemas import BATCH_ID

    table = ctx.settings.table("bronze")
    ctx.echo(f"read {raw.rows} rows from {raw.name} (batch {raw.batch_id})")
    df = add_ingestion_metadata(
        raw.to_spark(ctx.spark),
        source=raw.name,
        batch_id=raw.batch_id,
        ingested_at=datetime.now(timezone.utc),
        run_id=ctx.run_id,
    )
    # Write-audit-publish: bronze's row rules only warn (silver quarantines those rows); schema and size stop here.
    audit_before_write(ctx, "bronze", df)
    version = ctx.store.replace_where(table, df, column=BATCH_ID, values=[raw.batch_id], run_id=ctx.run_id)
    ctx.echo(f"{table} version {version}: batch {raw.batch_id} holds {raw.rows} rows")
    return BronzeResult(table=table, version=version, batch_id=raw.batch_id, rows=raw.rows, source=raw.name,
                        run_id=ctx.run_id)


@task("silver", help="Type and validate new or replaced bronze batches into silver and quarantine.")
def run_silver(ctx: TaskContext, *, rebuild_all: AllOption = False) -> SilverResult:
    """Process the bronze batches silver has not seen (or whose bronze rows were replaced); --all: every batch."""
    from iris_mlops.layers.silver import ORPHAN, PENDING, build_silver
    from iris_mlops.schemas import BATCH_ID
    from iris_mlops.tasks.preflight import require_table

    require_table(ctx, "bronze")  # before Spark starts: "run `iris-mlops bronze` first"
    names = {key: ctx.settings.table(key) for key in ("bronze", "silver", "quarantine")}
    bronze_df = ctx.store.read(names["bronze"])
    status = read_batch_status(ctx)
    todo = sorted(b for b, s in status.items() if s == PENDING or (rebuild_all and s != ORPHAN))
    # A batch that vanished from bronze (a lost file, a corrupt commit, someone else's delete) is reported,
    # never propagated: removing a batch is a person's decision (`iris-mlops batches delete`).
    orphans = sorted(b for b, s in status.items() if s == ORPHAN)
    result = SilverResult(batches=todo, missing_from_bronze=orphans, run_id=ctx.run_id)
    if orphans:
        ctx.echo(f"warning: {len(orphans)} batch(es) in silver/quarantine are missing from bronze and are kept: "
                 f"{', '.join(orphans)} (remove one with `iris-mlops batches delete BATCH --yes`)")
    if not todo:
        ctx.echo("nothing to do: every bronze batch is already in silver (use --all to rebuild)")
        return result
    ctx.echo(f"processing {len(todo)} batch(es): {', '.join(todo) or '-'}")
    config = ctx.settings.silver
    silver_df, quarantine_df = build_silver(
        bronze_df.filter(bronze_df[BATCH_ID].isin(todo)),
        ranges={m: (r.low, r.high) for m, r in config.plausible_ranges.items()},
        species=config.species,
        iqr_k=config.outlier_iqr_k,
        run_id=ctx.run_id,
    )
    # Write-audit-publish on rows computed once: the split's counts, the audit and both commits read the staged
    # rows instead of re-running the parse, validation and quartile plan four times.
    with ctx.store.staged(silver_df, near=names["silver"]) as silver_rows, \
            ctx.store.staged(quarantine_df, near=names["quarantine"]) as quarantine_rows:
        _publish_silver(ctx, result, names, todo, silver_rows, quarantine_rows)
    return result


def _publish_silver(ctx: TaskContext, result: SilverResult, names: dict[str, str], todo: list[str],
                    silver_df: DataFrame, quarantine_df: DataFrame) -> None:
    """Count the split, audit silver as it will read after the write, then commit silver and quarantine."""
    from iris_mlops.schemas import BATCH_ID
    from iris_mlops.tasks.silver_split import count_split

    split = count_split(silver_df, quarantine_df)
    result.silver_rows, result.quarantine_rows, result.quarantine_reasons = (
        split.silver_rows, split.quarantine_rows, split.reasons)
    ctx.echo(split.line())
    all_quarantined = split.all_quarantined_error(todo)
    if all_quarantined is not None:  # keep the rows where people can see them, then say why in one line
        ctx.store.replace_where(names["quarantine"], quarantine_df, column=BATCH_ID, values=todo, run_id=ctx.run_id)
        raise all_quarantined
    # Audit silver as it will read after the write (other batches kept, these replaced), before either write.
    audit_before_write(ctx, "silver", _after_replace(ctx, names["silver"], silver_df, todo))
    # Two commits, each replacing exactly these batches: re-running after a crash between them converges.
    for key, df in (("silver", silver_df), ("quarantine", quarantine_df)):
        version = ctx.store.replace_where(names[key], df, column=BATCH_ID, values=todo, run_id=ctx.run_id)
        setattr(result, f"{key}_version", version)
        ctx.echo(f"{names[key]} version {version}")


def _after_replace(ctx: TaskContext, name: str, new_rows: DataFrame, batches: list[str]) -> DataFrame:
    """The table's rows once `batches` are replaced by `new_rows` (what readers will see after the write)."""
    from iris_mlops.schemas import BATCH_ID

    if not ctx.store.exists(name):
        return new_rows
    current = ctx.store.read(name)
    return current.filter(~current[BATCH_ID].isin(batches)).unionByName(new_rows)


def read_batch_status(ctx: TaskContext) -> dict[str, str]:
    """batch id -> done / pending / orphan, from the current bronze, silver and quarantine tables."""
    from iris_mlops.schemas import BATCH_ID

    frame = batch_status_frame(ctx)
    return {row[BATCH_ID]: row["status"] for row in frame.select(BATCH_ID, "status").collect()} if frame else {}


def batch_status_frame(ctx: TaskContext) -> DataFrame | None:
    """The batch status table (see layers.silver.batch_status), or None before the first bronze load."""
    from iris_mlops.layers.silver import batch_status
    from iris_mlops.schemas import QUARANTINE_SCHEMA, SILVER_SCHEMA

    bronze_name = ctx.settings.table("bronze")
    if not ctx.store.exists(bronze_name):
        return None
    return batch_status(
        ctx.store.read(bronze_name),
        _read_or_empty(ctx, ctx.settings.table("silver"), SILVER_SCHEMA),
        _read_or_empty(ctx, ctx.settings.table("quarantine"), QUARANTINE_SCHEMA),
    )


def _read_or_empty(ctx: TaskContext, name: str, schema: Any) -> DataFrame:
    from iris_mlops.spark import empty_frame

    if ctx.store.exists(name):
        return ctx.store.read(name)
    return empty_frame(ctx.spark, schema)


@task("gold", help="Aggregate silver into one row per species (counts, statistics, outlier share).")
def run_gold(ctx: TaskContext) -> GoldResult:
    """Rebuild gold from the current silver version; returns the silver version read and the gold version written."""
    from iris_mlops.layers.gold import aggregate_species
    from iris_mlops.tasks.preflight import require_table

    require_table(ctx, "silver")
    silver_name, gold_name = ctx.settings.table("silver"), ctx.settings.table("gold")
    silver_version = ctx.store.version(silver_name)
    silver_df = ctx.store.read(silver_name, version=silver_version)
    gold_df = aggregate_species(silver_df, silver_version=silver_version, run_id=ctx.run_id)
    # Staged: the audit's passes and the write read three rows instead of aggregating silver each time.
    with ctx.store.staged(gold_df, near=gold_name) as gold_rows:
        audit_before_write(ctx, "gold", gold_rows, other_versions={"silver": silver_version})
        version = ctx.store.overwrite(gold_name, gold_rows, run_id=ctx.run_id)
    ctx.echo(f"{gold_name} version {version} built from {silver_name} version {silver_version}")
    return GoldResult(table=gold_name, version=version, silver_version=silver_version, run_id=ctx.run_id)
