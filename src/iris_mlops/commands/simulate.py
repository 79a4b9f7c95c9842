"""`iris-mlops simulate`: write an Iris batch with a known change (drift, nulls, outliers, volume) to a file."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from iris_mlops.tasks.context import user_errors

KindOption = Annotated[
    str, typer.Option("--kind", help="none, mean-shift, scale, class-mix, nulls, outliers or volume.")
]
ColumnOption = Annotated[str, typer.Option("--column", help="The measurement to change.")]
SeverityOption = Annotated[
    Optional[float],  # noqa: UP045 - typer reads the annotation at runtime
    typer.Option("--severity", help="How strong the change is (its meaning and default depend on --kind)."),
]
SeedOption = Annotated[int, typer.Option("--seed", help="Seed of the resample and of the change.")]
OutOption = Annotated[Path, typer.Option("--out", help="Output file: .csv, .json/.jsonl (JSON lines) or .parquet.")]


def simulate(
    out: OutOption, kind: KindOption = "none", column: ColumnOption = "petal_length",
    severity: SeverityOption = None, seed: SeedOption = 42,
) -> None:
    """Write a bootstrap resample of Iris with one change applied, for demos and tests of the monitor."""
    from iris_mlops.errors import InputError
    from iris_mlops.monitoring.simulate import simulate_batch

    with user_errors():
        frame = simulate_batch(kind, column=column, severity=severity, seed=seed)
        suffix = out.suffix.lower()
        out.parent.mkdir(parents=True, exist_ok=True)
        if suffix == ".csv":
            frame.to_csv(out, index=False)
        elif suffix in (".json", ".jsonl", ".ndjson"):
            frame.to_json(out, orient="records", lines=True)
        elif suffix in (".parquet", ".pq"):
            frame.to_parquet(out, index=False)
        else:
            raise InputError(f"--out {out}: use a .csv, .jsonl or .parquet file name")
        typer.echo(f"wrote {len(frame)} rows ({kind}) to {out}", err=True)
