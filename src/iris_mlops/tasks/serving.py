"""Online serving and A/B testing: serve, ab report, ab promote, deploy-serving (orchestration only).

The logic lives in `iris_mlops.serving`; these functions resolve models in the registry, read and write the
predictions table through the store, and hand plain values down.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any, Literal, cast

from iris_mlops.errors import IrisMlopsError, ServingError, TableNotFoundError
from iris_mlops.tasks.command import TaskResult, task
from iris_mlops.tasks.context import TaskContext

if TYPE_CHECKING:
    import pandas as pd
    from mlflow import MlflowClient

    from iris_mlops.serving.ab_report import AbComparison
    from iris_mlops.serving.app import AbSplit
    from iris_mlops.serving.logbuffer import LogStats, RequestLog
    from iris_mlops.serving.model import ServedModel
    from iris_mlops.storage import TableStore

CHAMPION, CHALLENGER = "champion", "challenger"


class NotPromotedError(IrisMlopsError):
    """`ab promote` found no promote verdict (or the gate refused): the champion stays."""


@dataclass(frozen=True)
class ServeResult:
    """How a server run ended: what it served, where, and what its request log wrote."""

    url: str
    champion_version: str
    challenger_version: str | None
    mode: str
    challenger_share: float
    records_written: int
    records_lost: int


@dataclass(frozen=True)
class AbReport:
    """The A/B comparison of the current champion and challenger on the labelled predictions rows."""

    model_name: str
    champion_version: str
    challenger_version: str
    table: str
    table_version: int
    comparison: AbComparison

    def as_dict(self) -> dict[str, Any]:
        """Plain data for --json."""
        data = {k: v for k, v in asdict(self).items() if k != "comparison"}
        return {**data, **self.comparison.as_dict()}


@dataclass(frozen=True)
class AbPromotion:
    """A promotion applied from an A/B verdict."""

    model_name: str
    version: str
    previous_champion: str | None
    reason: str
    report: AbReport


@dataclass
class DeployServingResult(TaskResult):
    """What deploy-serving did: skipped (no champion, or deploy_endpoint off), created, updated or unchanged."""

    action: str
    endpoint: str
    run_id: str
    version: str | None = None
    previous_version: str | None = None
    changes: list[str] = field(default_factory=list)


def run_serve(
    ctx: TaskContext, *, alias: str | None = None, port: int | None = None, host: str | None = None,
    challenger_share: float | None = None, mode: str | None = None,
    on_ready: Callable[[str], None] | None = None,
) -> ServeResult:
    """Serve `alias` (and the challenger when A/B is on) until SIGTERM/SIGINT; every record logged to predictions."""
    from iris_mlops.serving.app import ServingApp
    from iris_mlops.serving.server import start_server, wait_for_stop_signal

    settings, config = ctx.settings, ctx.settings.serving
    split = _ab_split(ctx, challenger_share, mode)
    champion, challenger = _served_models(ctx, alias or config.alias, split)
    log = _request_log(ctx)
    app = ServingApp(champion=champion, challenger=challenger, ab=split, max_rows=config.max_rows, log=log.add,
                     run_id=ctx.run_id)
    try:
        running = start_server(app, host=host or config.host, port=config.port if port is None else port,
                               max_body_bytes=config.max_body_bytes, log=log)
    except ServingError:
        log.close()
        raise
    ctx.echo(_serving_line(running.url, champion, challenger, split))
    if on_ready is not None:
        on_ready(running.url)
    stats = cast("LogStats", wait_for_stop_signal(running))
    ctx.echo(f"stopped: {stats.written} record(s) written to {settings.table('predictions')}")
    return ServeResult(running.url, champion.version, challenger.version if challenger else None, split.mode,
                       split.challenger_share if challenger else 0.0, stats.written, stats.pending + stats.dropped)


def _served_models(ctx: TaskContext, alias: str, split: AbSplit) -> tuple[ServedModel, ServedModel | None]:
    """The model behind `alias`, and the challenger when the split sends it records (or shadows)."""
    from iris_mlops.ml.registry import client
    from iris_mlops.ml.tracking import configure_mlflow

    configure_mlflow(ctx.settings)
    registry, name = client(), ctx.settings.model_full_name
    champion = _load(registry, name, alias)
    if split.challenger_share == 0 and split.mode == "split":
        return champion, None
    need = f"A/B testing (share {split.challenger_share}, mode {split.mode}) needs a challenger"
    return champion, _load(registry, name, CHALLENGER, need=need)


def _ab_split(ctx: TaskContext, share: float | None, mode: str | None) -> AbSplit:
    from iris_mlops.serving.app import AbSplit

    ab = ctx.settings.ab
    share = ab.challenger_share if share is None else share
    if not 0.0 <= share <= 1.0:
        raise ServingError(f"challenger share {share} is outside 0–1: pass a fraction such as 0.1")
    mode = mode or ab.mode
    if mode not in ("split", "shadow"):
        raise ServingError(f"A/B mode {mode!r} is unknown: use split or shadow")
    return AbSplit(challenger_share=share, mode=cast(Literal["split", "shadow"], mode), salt=ab.salt)


def _load(registry: MlflowClient, name: str, alias: str, *, need: str | None = None) -> ServedModel:
    from iris_mlops.serving.model import load_served_model

    try:
        return load_served_model(registry, model_name=name, alias=alias)
    except ServingError as exc:
        raise ServingError(f"{need}: {exc}" if need else str(exc)) from None


def _request_log(ctx: TaskContext) -> RequestLog[Any]:
    """The buffered writer of online records into the predictions table."""
    from iris_mlops.schemas import PREDICTIONS_SCHEMA
    from iris_mlops.serving.logbuffer import RequestLog

    settings, config = ctx.settings, ctx.settings.serving
    store, table = _append_store(ctx), settings.table("predictions")

    def write(records: Any) -> None:
        store.append_records(table, [r.as_row() for r in records], schema=PREDICTIONS_SCHEMA, run_id=ctx.run_id)

    return RequestLog(write, flush_rows=config.flush_rows, flush_seconds=config.flush_seconds,
                      report=ctx.echo)


def _append_store(ctx: TaskContext) -> TableStore:
    """The store the request log appends with: locally delta-rs alone, so a server never starts a JVM."""
    if ctx.settings.store != "local_delta":
        return ctx.store
    from iris_mlops.storage.local_delta import LocalDeltaStore

    # append_records on the local store writes Arrow with delta-rs and never touches Spark.
    return LocalDeltaStore(cast(Any, None), ctx.settings.warehouse_dir)


def _serving_line(url: str, champion: ServedModel, challenger: ServedModel | None, split: AbSplit) -> str:
    line = f"serving {champion.name} version {champion.version} (@{champion.alias}) on {url}/invocations"
    if challenger is not None:
        line += (f"; challenger version {challenger.version} in {split.mode} mode"
                 + (f" ({split.challenger_share:.0%} of records)" if split.mode == "split" else ""))
    return line + "; stop with Ctrl+C or SIGTERM"


def run_ab_report(ctx: TaskContext) -> AbReport:
    """Compare the current champion and challenger on predictions rows whose label is known."""
    from iris_mlops.ml.registry import alias_version, client
    from iris_mlops.ml.tracking import configure_mlflow
    from iris_mlops.serving.ab_report import AbStatsSettings, compare_arms

    settings = ctx.settings
    configure_mlflow(settings)
    registry, name = client(), settings.model_full_name
    champion, challenger = alias_version(registry, name, CHAMPION), alias_version(registry, name, CHALLENGER)
    if champion is None or challenger is None:
        missing = CHAMPION if champion is None else CHALLENGER
        raise ServingError(f"model {name} has no {missing}: an A/B test needs both @champion and @challenger")
    table = settings.table("predictions")
    if not ctx.store.exists(table):
        raise TableNotFoundError(f"predictions table {table} does not exist: serve or score records first")
    version = ctx.store.version(table)
    frame = _labelled_rows(ctx, table, version, name, str(champion.version), str(challenger.version))
    ctx.echo(f"{len(frame)} labelled row(s) of {name} versions {champion.version} and {challenger.version} "
             f"in {table} version {version}")
    ab = settings.ab
    comparison = compare_arms(frame, settings=AbStatsSettings(alpha=ab.alpha, power=ab.power,
                              minimum_effect=ab.minimum_effect, resamples=ab.bootstrap_resamples, seed=ab.seed))
    return AbReport(name, str(champion.version), str(challenger.version), table, version, comparison)


def _labelled_rows(ctx: TaskContext, table: str, version: int, name: str, champion: str,
                   challenger: str) -> pd.DataFrame:
    """Rows each arm's current version scored, with the label from the row or else from silver by sample_id."""
    from pyspark.sql import functions as F  # noqa: N812

    from iris_mlops.features.transforms import sample_id_column
    from iris_mlops.schemas import (
        AB_ARM,
        MODEL_NAME,
        MODEL_VERSION,
        PREDICTED_SPECIES,
        SAMPLE_ID,
        SCORED_AT,
        SERVED,
        SPECIES,
    )

    arm, version_of = F.col(AB_ARM), F.col(MODEL_VERSION)
    rows = ctx.store.read(table, version=version).where(
        (F.col(MODEL_NAME) == name)
        & (((arm == CHAMPION) & (version_of == champion)) | ((arm == CHALLENGER) & (version_of == challenger))))
    silver = ctx.settings.table("silver")
    if ctx.store.exists(silver):
        labels = ctx.store.read(silver).select(sample_id_column().alias(SAMPLE_ID), F.col(SPECIES).alias("_label"))
        rows = rows.join(labels, SAMPLE_ID, "left").withColumn(SPECIES, F.coalesce(F.col(SPECIES), F.col("_label")))
    return rows.where(F.col(SPECIES).isNotNull()).select(
        SAMPLE_ID, AB_ARM, SPECIES, PREDICTED_SPECIES, SERVED, SCORED_AT).toPandas()


def run_ab_promote(ctx: TaskContext, *, reason: str, force: bool = False) -> AbPromotion:
    """Apply a promote verdict through the training gate (and a person's pin); the evidence goes on the version."""
    from iris_mlops.ml.gate import decide_promotion
    from iris_mlops.ml.pins import clear_pin, read_pin
    from iris_mlops.ml.registry import client

    if not reason.strip():
        raise ServingError("--reason must say why the challenger is promoted")
    report = run_ab_report(ctx)
    comparison, name = report.comparison, report.model_name
    if comparison.verdict != "promote":
        raise NotPromotedError(f"A/B verdict is {comparison.verdict!r}, not promote: {comparison.reason}; "
                               f"champion stays version {report.champion_version}")
    registry = client()
    decision = decide_promotion(candidate_score=comparison.challenger.f1_macro,
                                champion_score=comparison.champion.f1_macro,
                                margin=ctx.settings.training.promotion_margin, metric="f1_macro",
                                pin=read_pin(registry, name), force=force)
    if not decision.promote:
        raise NotPromotedError(f"version {report.challenger_version} not promoted: {decision.reason}")
    registry.set_registered_model_alias(name, CHAMPION, report.challenger_version)
    if decision.forced:
        clear_pin(registry, name)
    for key, value in _evidence(report, reason, decision.reason).items():
        registry.set_model_version_tag(name, report.challenger_version, key, value)
    # The challenger alias now names the champion: drop it so that no A/B test compares a model with itself.
    registry.delete_registered_model_alias(name, CHALLENGER)
    return AbPromotion(name, report.challenger_version, report.champion_version, reason, report)


def _evidence(report: AbReport, reason: str, gate_reason: str) -> dict[str, str]:
    """Tags on the promoted version: who, when and why (as `models promote` records them), and the A/B evidence."""
    from datetime import datetime, timezone

    from iris_mlops.ml.registry import current_user

    c = report.comparison
    return {
        "promoted_by": current_user(), "promotion_reason": f"A/B test: {reason}",
        "promoted_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "previous_champion": report.champion_version,
        "ab_verdict": c.verdict, "ab_reason": c.reason, "ab_design": c.design, "ab_test": c.test.name,
        "ab_p_value": f"{c.test.p_value:.6g}", "ab_effect": f"{c.test.effect:+.6f}", "ab_records": str(c.observed),
        "ab_champion_version": report.champion_version, "ab_champion_accuracy": f"{c.champion.accuracy:.6f}",
        "ab_challenger_accuracy": f"{c.challenger.accuracy:.6f}", "ab_champion_f1_macro": f"{c.champion.f1_macro:.6f}",
        "ab_challenger_f1_macro": f"{c.challenger.f1_macro:.6f}", "ab_alpha": str(c.settings.alpha),
        "ab_table": f"{report.table}@v{report.table_version}", "gate_decision": "promoted", "gate_reason": gate_reason,
    }


@task(
    "deploy-serving",
    help="Create or update the Databricks serving endpoint of the champion with its inference table "
    "(skipped without a champion).",
    uses_mlflow=True,
)
def run_deploy_serving(ctx: TaskContext) -> DeployServingResult:
    """Create or update the Databricks serving endpoint for the champion; skipped (exit 0) when there is none."""
    from iris_mlops.ml.registry import alias_version, client
    from iris_mlops.ml.tracking import configure_mlflow
    from iris_mlops.serving.endpoint import EndpointSpec, connect, ensure_endpoint

    settings, config = ctx.settings, ctx.settings.serving
    if not config.deploy_endpoint:
        ctx.echo(f"serving.deploy_endpoint is off in env {settings.env}: no serving endpoint to deploy (skipped)")
        return DeployServingResult("skipped", config.endpoint_name, ctx.run_id)
    configure_mlflow(settings)
    champion = alias_version(client(), settings.model_full_name, CHAMPION)
    if champion is None:
        ctx.echo(f"no champion of {settings.model_full_name} yet: no serving endpoint to deploy (skipped)")
        return DeployServingResult("skipped", config.endpoint_name, ctx.run_id)
    spec = EndpointSpec(name=config.endpoint_name, model_name=settings.model_full_name, version=str(champion.version),
                        workload_size=config.workload_size, scale_to_zero=config.scale_to_zero,
                        catalog=settings.catalog, schema_name=settings.schema_name,
                        table_prefix=config.inference_table_prefix)
    outcome = ensure_endpoint(connect(), spec)
    ctx.echo(f"serving endpoint {outcome.name}: {outcome.action} (version {outcome.version}"
             + (f", was {outcome.previous_version})" if outcome.previous_version else ")"))
    return DeployServingResult(outcome.action, outcome.name, ctx.run_id, outcome.version, outcome.previous_version,
                               list(outcome.changes))
