"""The monitor's reads: the champion's reference (built once, stored), the current window, past runs."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from iris_mlops.config import MEASUREMENTS
from iris_mlops.errors import InputError
from iris_mlops.monitoring.profile import WindowProfile
from iris_mlops.monitoring.records import WindowInfo, profile_rows, read_profile_rows, window_id
from iris_mlops.monitoring.reference import SPECIES, ReferenceProfile
from iris_mlops.tasks.monitor_profiles import build_reference

if TYPE_CHECKING:
    from pyspark.sql import DataFrame

    from iris_mlops.tasks.context import TaskContext


class MonitorInputError(InputError):
    """The monitor cannot run on what it was given: no champion, a missing reference version, a missing column."""


@dataclass(frozen=True)
class Champion:
    """The model the monitor watches: its version, its training run's lineage and hold-out metrics."""

    name: str
    version: str
    features_table: str
    features_version: int
    test_fraction: float
    split_seed: int
    metrics: dict[str, float] = field(default_factory=dict)


def source_frame(ctx: TaskContext, path: Path) -> DataFrame:
    """A file in any layout bronze reads, as measurements (doubles, unparseable -> null) + normalised species."""
    from pyspark.sql import functions as F  # noqa: N812

    from iris_mlops.layers.silver import normalise_species
    from iris_mlops.sources import read_source

    raw = read_source(path)
    df = raw.to_spark(ctx.spark)
    return df.select(*[F.expr(f"try_cast({m} as double)").alias(m) for m in MEASUREMENTS],
                     normalise_species(F.col(SPECIES)).alias(SPECIES))


def resolve_champion(ctx: TaskContext) -> Champion:
    """The @champion version and, from its MLflow run, the feature table version, split and hold-out metrics."""
    from iris_mlops.ml.registry import CHAMPION, alias_version, client
    from iris_mlops.ml.tracking import configure_mlflow

    target = configure_mlflow(ctx.settings)
    registry = client()
    version = alias_version(registry, target.model_name, CHAMPION)
    if version is None:
        raise MonitorInputError(f"model {target.model_name} has no @champion: train one with `iris-mlops train`, "
                                "or compare two files with --reference-source/--current-source")
    run = registry.get_run(str(version.run_id))
    tags, params = run.data.tags, run.data.params
    table, table_version = tags.get("iris_mlops.features_table"), tags.get("iris_mlops.features_table_version")
    if not table or table_version is None:
        raise MonitorInputError(f"{target.model_name} version {version.version} has no feature table lineage on its "
                                f"run {version.run_id}: retrain it with `iris-mlops train`")
    return Champion(target.model_name, str(version.version), table, int(table_version),
                    float(params.get("split.test_fraction", ctx.settings.split.test_fraction)),
                    int(params.get("split.seed", ctx.settings.split.seed)), dict(run.data.metrics))


def champion_reference(ctx: TaskContext, champion: Champion) -> ReferenceProfile:
    """The champion's reference profile: read from the profile table, or built from its training rows and stored."""
    stored = _stored_reference(ctx, champion)
    if stored is not None:
        return stored
    ctx.echo(f"building the reference profile of {champion.name} version {champion.version} "
             f"({champion.features_table} version {champion.features_version}, training split)")
    reference = build_reference(_training_rows(ctx, champion), config=ctx.settings.monitoring,
                                source=_reference_source(champion), model_version=champion.version)
    info = WindowInfo(f"reference-{champion.version}", None, None, source=reference.source)
    ctx.store.append_records(ctx.settings.table("monitor_profile_metrics"),
                             profile_rows(reference.profile, info, log_type="BASELINE",
                                          model_version=champion.version, run_id=ctx.run_id),
                             schema=_schema("MONITOR_PROFILE_METRICS_SCHEMA"), run_id=ctx.run_id)
    return reference


def _reference_source(champion: Champion) -> str:
    return f"{champion.features_table}@v{champion.features_version} training split"


def _stored_reference(ctx: TaskContext, champion: Champion) -> ReferenceProfile | None:
    from pyspark.sql import functions as F  # noqa: N812

    name = ctx.settings.table("monitor_profile_metrics")
    if not ctx.store.exists(name):
        return None
    rows = [r.asDict(recursive=True) for r in ctx.store.read(name).filter(
        (F.col("log_type") == "BASELINE") & (F.col("model_version") == champion.version)
        & (F.col("source") == _reference_source(champion))).collect()]
    if not rows:
        return None
    latest = max(r["run_id"] for r in rows)  # a reference stored twice (two racing runs): take one run's rows
    profile, plan = read_profile_rows([r for r in rows if r["run_id"] == latest])
    return ReferenceProfile(plan=plan, profile=profile, source=_reference_source(champion),
                            model_version=champion.version)


def _training_rows(ctx: TaskContext, champion: Champion) -> DataFrame:
    from iris_mlops.ml.split import holdout_mask

    name = champion.features_table
    if not ctx.store.exists(name):
        raise MonitorInputError(f"feature table {name} of the champion's training run does not exist")
    try:
        df = ctx.store.read(name, version=champion.features_version)
    except Exception as exc:  # a vacuumed or never-written version: name it
        raise MonitorInputError(f"{name} version {champion.features_version} (the champion's training data) "
                                f"cannot be read: {str(exc).splitlines()[0][:200]}") from None
    keys: Any = df.select("sample_id", SPECIES).toPandas()
    held_out = holdout_mask(keys["sample_id"], keys[SPECIES], test_fraction=champion.test_fraction,
                            seed=champion.split_seed)
    train_ids = keys.loc[~held_out, "sample_id"].tolist()
    return df.filter(df["sample_id"].isin(train_ids)).select(*MEASUREMENTS, SPECIES)


@dataclass(frozen=True)
class PastRuns:
    """What earlier monitor runs recorded: batches already monitored, row counts, degraded flags, last window."""

    batches: set[str]
    rows: list[int]  # newest first
    degraded: list[bool]  # newest first
    last_window_id: str | None
    records: list[dict[str, Any]] = field(default_factory=list)  # the non-skipped rows, newest first (the trend)


def past_runs(ctx: TaskContext) -> PastRuns:
    """The monitor_runs history (empty before the first run)."""
    name = ctx.settings.table("monitor_runs")
    if not ctx.store.exists(name):
        return PastRuns(set(), [], [], None)
    rows = sorted((r.asDict() for r in ctx.store.read(name).collect()), key=lambda r: r["created_at"], reverse=True)
    done = [r for r in rows if r["status"] != "SKIPPED"]
    batches = {b for r in done for b in (r["batches"] or [])}
    degraded = [bool(json.loads(r["performance"]).get("degraded")) for r in done if r["performance"]]
    return PastRuns(batches, [int(r["rows"]) for r in done], degraded, done[0]["window_id"] if done else None,
                    done)


def previous_profile(ctx: TaskContext, window: str | None) -> WindowProfile | None:
    """The stored profile of the previous window (consecutive drift), None when there is none."""
    from pyspark.sql import functions as F  # noqa: N812

    name = ctx.settings.table("monitor_profile_metrics")
    if window is None or not ctx.store.exists(name):
        return None
    rows = [r.asDict(recursive=True) for r in ctx.store.read(name).filter(
        (F.col("log_type") == "INPUT") & (F.col("window_id") == window)).collect()]
    if not rows:
        return None
    latest = max(r["run_id"] for r in rows)
    return read_profile_rows([r for r in rows if r["run_id"] == latest])[0]


def current_window(ctx: TaskContext, *, batches: list[str] | None, since: datetime | None,
                   seen: set[str]) -> tuple[DataFrame, WindowInfo, int | None]:
    """Silver rows of the chosen batches, of the batches ingested since `since`, or of the batches not monitored."""
    from pyspark.sql import functions as F  # noqa: N812

    name = ctx.settings.table("silver")
    if not ctx.store.exists(name):
        raise MonitorInputError(f"table {name} does not exist: run `iris-mlops bronze` and `iris-mlops silver`")
    version = ctx.store.version(name)
    silver = ctx.store.read(name, version=version)
    spans = {r["batch_id"]: (r["start"], r["end"]) for r in silver.groupBy("batch_id").agg(
        F.min("ingested_at").alias("start"), F.max("ingested_at").alias("end")).collect()}
    if batches:
        unknown = sorted(set(batches) - set(spans))
        if unknown:
            raise MonitorInputError(f"batch(es) {', '.join(unknown)} not in {name}: see `iris-mlops batches list`")
        chosen = sorted(set(batches))
    elif since is not None:
        chosen = sorted(b for b, (start, _) in spans.items() if start >= since)
    else:
        chosen = sorted(b for b in spans if b not in seen)
    start = min((spans[b][0] for b in chosen), default=None)
    end = max((spans[b][1] for b in chosen), default=None)
    info = WindowInfo(window_id(chosen), start, end, tuple(chosen), source=f"{name}@v{version}")
    return silver.filter(F.col("batch_id").isin(chosen)), info, version


def _schema(name: str) -> Any:
    from iris_mlops import schemas

    return getattr(schemas, name)
