"""`iris-mlops report [--run ID] [--open]`: where the run summary of a local run is, and opening it."""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Annotated, Optional

import typer

from iris_mlops.tasks.options import EnvOption

RunOption = Annotated[
    Optional[str],  # noqa: UP045  (typer reads the annotation at runtime; Python 3.10)
    typer.Option("--run", help="The run id (default: the latest run)."),
]
OpenOption = Annotated[bool, typer.Option("--open", help="Open the page in the default browser.")]
IndexOption = Annotated[bool, typer.Option("--index", help="The index of every run instead of one run's summary.")]


def report(env: EnvOption = None, run: RunOption = None, open_page: OpenOption = False,
           index: IndexOption = False) -> None:
    """Print the path of a run's HTML summary (job graph, lineage, counts, quality, model) or of the run index."""
    from iris_mlops.config import load_settings
    from iris_mlops.tasks.context import user_errors

    with user_errors():
        page = find_page(runs_folder(load_settings(env).reports_dir), run=run, index=index)
    typer.echo(str(page))
    if open_page:
        import webbrowser

        webbrowser.open(page.resolve().as_uri())


def runs_folder(reports_dir: Path) -> Path:
    """Where run summaries are written: <reports>/runs."""
    return reports_dir / "runs"


def find_page(folder: Path, *, run: str | None, index: bool) -> Path:
    """The summary page of `run` (latest when None) or the index; one-line errors when there is none."""
    from iris_mlops.errors import InputError, IrisMlopsError
    from iris_mlops.summary import index_path, load_summaries, summary_path

    summaries = load_summaries(folder)
    if not summaries:
        raise IrisMlopsError(f"no run summary in {folder} yet: `iris-mlops run` writes one at the end of each run")
    if index:
        return index_path(folder)
    if run is None:
        return summary_path(folder, summaries[0].run_id)
    known = [s.run_id for s in summaries]
    prefixed = [k for k in known if k.startswith(run)]  # a unique prefix is enough, as with git commits
    if run in known or len(prefixed) == 1:
        return summary_path(folder, run if run in known else prefixed[0])
    close = prefixed or difflib.get_close_matches(run, known, n=3)
    hint = f"did you mean {', '.join(close[:3])}?" if close else f"latest runs: {', '.join(known[:3])}"
    raise InputError(f"no run {run!r} in {folder}: {hint} (`iris-mlops report --index` lists every run)")
