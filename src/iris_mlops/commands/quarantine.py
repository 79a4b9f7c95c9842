"""`iris-mlops quarantine`: what silver held back, counted per reason and per batch, with example rows."""

from __future__ import annotations

import json
from collections import Counter
from typing import TYPE_CHECKING, Annotated, Any

import typer

from iris_mlops.schemas import BATCH_ID, BUSINESS_COLUMNS, REASONS, SOURCE_POSITION
from iris_mlops.storage.metadata import DeltaLog, open_metadata
from iris_mlops.tasks.context import load_task_settings, user_errors
from iris_mlops.tasks.options import CatalogOption, EnvOption, JsonOption, SchemaOption

if TYPE_CHECKING:
    from iris_mlops.config import Settings

ExamplesOption = Annotated[int, typer.Option("--examples", min=0, help="Example rows per reason.")]
COLUMNS = [BATCH_ID, SOURCE_POSITION, *BUSINESS_COLUMNS, REASONS]


def quarantine_rows(settings: Settings) -> list[dict[str, Any]]:
    """Every quarantined row (batch, position, raw values, reasons); [] before silver has run."""
    store = open_metadata(settings)
    name = settings.table("quarantine")
    if not store.exists(name):
        return []
    if isinstance(store, DeltaLog):  # the local store: delta-rs reads it without Spark
        return store.rows(name, COLUMNS)
    from iris_mlops.spark import get_spark
    from iris_mlops.storage import make_store

    rows = make_store(settings, get_spark()).read(name).select(*COLUMNS).collect()
    return [row.asDict(recursive=True) for row in rows]


def summarize(rows: list[dict[str, Any]], *, examples: int) -> dict[str, Any]:
    """Rows per reason kind, per batch and reason, and the first `examples` rows of each reason."""
    from iris_mlops.layers.quarantine import kinds_of

    by_reason: Counter[str] = Counter()
    by_batch: dict[str, Counter[str]] = {}
    samples: dict[str, list[dict[str, Any]]] = {}
    for row in sorted(rows, key=lambda r: (r[BATCH_ID], r[SOURCE_POSITION])):
        for kind in kinds_of(row[REASONS] or []):
            by_reason[kind] += 1
            by_batch.setdefault(row[BATCH_ID], Counter())[kind] += 1
            if len(samples.setdefault(kind, [])) < examples:
                samples[kind].append(row)
    return {
        "rows": len(rows),
        "by_reason": dict(by_reason.most_common()),
        "by_batch": {batch: dict(counts.most_common()) for batch, counts in sorted(by_batch.items())},
        "examples": samples,
    }


def quarantine(
    examples: ExamplesOption = 3,
    env: EnvOption = None,
    catalog: CatalogOption = None,
    schema: SchemaOption = None,
    as_json: JsonOption = False,
) -> None:
    """Show the quarantined rows: how many per reason, per batch, and a few examples of each reason."""
    with user_errors():
        settings = load_task_settings(env, catalog, schema)
        summary = summarize(quarantine_rows(settings), examples=examples)
    if as_json:
        typer.echo(json.dumps(summary, default=str, indent=2))
        return
    if not summary["rows"]:
        typer.echo("quarantine is empty: every row silver processed passed (or run `iris-mlops silver` first)")
        return
    _print(summary)


def _print(summary: dict[str, Any]) -> None:
    counts = ", ".join(f"{kind}: {n}" for kind, n in summary["by_reason"].items())
    typer.echo(f"{summary['rows']} quarantined rows ({counts})")
    typer.echo("per batch:")
    for batch, reasons in summary["by_batch"].items():
        typer.echo(f"  {batch}  " + ", ".join(f"{kind}: {n}" for kind, n in reasons.items()))
    typer.echo("examples:")
    for kind, rows in summary["examples"].items():
        for row in rows:
            values = " ".join(f"{c}={row[c]!r}" for c in BUSINESS_COLUMNS)
            reasons = ", ".join(row[REASONS])
            typer.echo(f"  {kind}: batch {row[BATCH_ID]} row {row[SOURCE_POSITION]}: {values}  [{reasons}]")
