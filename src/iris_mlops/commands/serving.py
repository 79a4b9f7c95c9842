"""`iris-mlops serve` and `iris-mlops ab report|promote`: the online server and the A/B decision."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Annotated, Optional

import typer

from iris_mlops.runtime import resolve_run_id
from iris_mlops.tasks.context import TaskContext, load_task_settings, task_context, user_errors
from iris_mlops.tasks.options import CatalogOption, EnvOption, JsonOption, RunIdOption, SchemaOption

if TYPE_CHECKING:
    from iris_mlops.tasks.serving import AbReport

app = typer.Typer(help="Compare @champion and @challenger on labelled predictions, and promote on evidence.",
                  no_args_is_help=True)

# typer reads these annotations at runtime: keep Optional[...] (PEP 604 unions break on Python 3.10's typer).
AliasOption = Annotated[Optional[str], typer.Option("--alias", help="Registry alias to serve (default: champion).")]  # noqa: UP045
PortOption = Annotated[Optional[int], typer.Option("--port", help="TCP port (default 8080; 0: any free port).")]  # noqa: UP045
HostOption = Annotated[Optional[str], typer.Option("--host", help="Address to listen on (default 127.0.0.1).")]  # noqa: UP045
ShareOption = Annotated[
    Optional[float],  # noqa: UP045
    typer.Option("--challenger-share", help="Share of records (by key hash) for @challenger, 0–1 (default: ab.*)."),
]
ModeOption = Annotated[
    Optional[str],  # noqa: UP045
    typer.Option("--mode", help="split: each record to one arm; shadow: both score, the champion answers."),
]
ReasonOption = Annotated[str, typer.Option("--reason", help="Why the challenger is promoted (recorded in a tag).")]
ForceOption = Annotated[
    bool, typer.Option("--force", help="Promote despite a pin from `models promote` (and lift the pin).")
]


def serve(
    alias: AliasOption = None, port: PortOption = None, host: HostOption = None,
    challenger_share: ShareOption = None, mode: ModeOption = None, env: EnvOption = None,
    catalog: CatalogOption = None, schema: SchemaOption = None, run_id: RunIdOption = None,
    as_json: JsonOption = False,
) -> None:
    """Serve the model over HTTP (MLflow scoring protocol) until Ctrl+C or SIGTERM; every record is logged."""
    from dataclasses import asdict

    from iris_mlops.logs import configure_logging
    from iris_mlops.tasks.serving import run_serve

    with user_errors():
        settings = load_task_settings(env, catalog, schema)
        configure_logging(settings.home)
        # No home lock: a server runs for hours beside other runs; it only appends to the predictions table.
        ctx = TaskContext(name="serve", settings=settings, run_id=resolve_run_id(run_id))
        result = run_serve(ctx, alias=alias, port=port, host=host, challenger_share=challenger_share, mode=mode)
    if as_json:
        typer.echo(json.dumps(asdict(result), sort_keys=True))


@app.command("report")
def report(
    env: EnvOption = None, catalog: CatalogOption = None, schema: SchemaOption = None, as_json: JsonOption = False
) -> None:
    """Accuracy and macro F1 per arm with intervals, the test, the sample size still needed, and a verdict."""
    from iris_mlops.tasks.serving import run_ab_report

    with task_context("ab-report", env=env, catalog=catalog, schema=schema, quiet=as_json) as ctx:
        result = run_ab_report(ctx)
    typer.echo(json.dumps(result.as_dict(), default=str, sort_keys=True) if as_json else render(result))


@app.command("promote")
def promote(
    reason: ReasonOption, force: ForceOption = False, env: EnvOption = None, catalog: CatalogOption = None,
    schema: SchemaOption = None, as_json: JsonOption = False,
) -> None:
    """Make @challenger the champion when the A/B verdict is promote and the training gate agrees."""
    from iris_mlops.tasks.serving import run_ab_promote

    with task_context("ab-promote", env=env, catalog=catalog, schema=schema, quiet=as_json) as ctx:
        done = run_ab_promote(ctx, reason=reason, force=force)
    if as_json:
        typer.echo(json.dumps({"model_name": done.model_name, "version": done.version, "reason": done.reason,
                               "previous_champion": done.previous_champion, **done.report.as_dict()},
                              default=str, sort_keys=True))
        return
    typer.echo(f"{done.model_name} version {done.version} is now champion (was {done.previous_champion or 'none'}): "
               f"{done.report.comparison.reason}")


def render(result: AbReport) -> str:
    """The report as a few lines of text."""
    c = result.comparison
    level = f"{1 - c.settings.alpha:.0%}"
    lines = [f"{result.model_name}: champion version {result.champion_version} vs challenger version "
             f"{result.challenger_version} ({c.design} records; {result.table} version {result.table_version})",
             f"  {'arm':<11} {'records':>8}  {'accuracy [' + level + ' CI]':<26} {'macro F1 [' + level + ' CI]':<26}"]
    for arm in (c.champion, c.challenger):
        lines.append(f"  {arm.arm:<11} {arm.records:>8}  {_estimate(arm.accuracy, arm.accuracy_interval):<26} "
                     f"{_estimate(arm.f1_macro, arm.f1_interval):<26}")
    lines.append(f"  test: {c.test.name}, p = {c.test.p_value:.4g}, accuracy difference {c.test.effect:+.4f}")
    lines.append(f"  plan: {c.observed} of {c.required} {'pairs' if c.design == 'paired' else 'records per arm'} "
                 f"(alpha {c.settings.alpha}, power {c.settings.power}, minimum effect {c.settings.minimum_effect})")
    lines.append(f"  verdict: {c.verdict} — {c.reason}")
    return "\n".join(lines)


def _estimate(value: float, interval: object) -> str:
    low, high = getattr(interval, "low", float("nan")), getattr(interval, "high", float("nan"))
    return f"{value:.4f} [{low:.4f}, {high:.4f}]"
