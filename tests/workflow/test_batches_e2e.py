"""A second (third, fourth) batch works: 150, 10, 18 (8 bad) and 1,000 rows through the whole iris_workflow."""

from __future__ import annotations

import csv
import random
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from iris_mlops.cli import app
from iris_mlops.config import load_settings

ROOT = Path(__file__).resolve().parents[2]
HEADER = ["sepal_length", "sepal_width", "petal_length", "petal_width", "species"]
BAD_150 = {3: ("abc", None), 70: ("x1", None), 20: (None, "rose"), 120: (None, "tulip")}  # 2 NaN, 2 unknown


def _iris_rows() -> list[list[str]]:
    from sklearn.datasets import load_iris

    data = load_iris()
    return [[f"{v:.1f}" for v in x] + [str(data.target_names[y])] for x, y in zip(data.data, data.target, strict=True)]


def _jittered(rows: list[list[str]], n: int, seed: int) -> list[list[str]]:
    """`n` rows resampled from Iris with a little noise (a plausible batch of any size)."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        base = rows[i % len(rows)] if n >= len(rows) else rng.choice(rows)
        values = [max(0.1, float(v) + rng.uniform(-0.1, 0.1)) for v in base[:4]]
        out.append([f"{v:.2f}" for v in values] + [base[4]])
    return out


def _batches(folder: Path) -> dict[str, tuple[Path, int, int]]:
    """name -> (file, rows, bad rows)."""
    iris = _iris_rows()
    first = [list(r) for r in iris]
    for position, (number, label) in BAD_150.items():
        first[position][0] = number or first[position][0]
        first[position][4] = label or first[position][4]
    eighteen = [
        *_jittered(iris, 10, seed=18),
        ["abc", "3.0", "1.4", "0.2", "setosa"], ["5.0", "n/a", "1.4", "0.2", "setosa"],
        ["5.0", "3.0", "1.4", "0.2", "rose"], ["6.0", "3.0", "4.4", "1.2", "daisy"],
        ["-5.0", "3.0", "1.4", "0.2", "setosa"], ["6.0", "-3.0", "4.4", "1.2", "versicolor"],
        ["50.0", "3.0", "1.4", "0.2", "setosa"], ["6.0", "3.0", "44.0", "1.2", "virginica"],
    ]
    specs = {"b150": (first, 4), "b10": (_jittered(iris, 10, seed=10), 0), "b18": (eighteen, 8),
             "b1000": (_jittered(iris, 1000, seed=1000), 0)}
    out = {}
    for name, (rows, bad) in specs.items():
        path = folder / f"{name}.csv"
        with path.open("w", newline="") as handle:
            csv.writer(handle).writerows([HEADER, *rows])
        out[name] = (path, len(rows), bad)
    return out


def _bundle_reading(source: Path, target: Path) -> Path:
    """The real bundle with bronze reading `source` (the only change)."""
    (target / "resources/jobs").mkdir(parents=True, exist_ok=True)
    (target / "databricks.yml").write_text((ROOT / "databricks.yml").read_text())
    spec = yaml.safe_load((ROOT / "resources/jobs/iris_workflow.job.yml").read_text())
    bronze = next(t for t in spec["resources"]["jobs"]["iris_workflow"]["tasks"] if t["task_key"] == "bronze")
    bronze["python_wheel_task"]["parameters"] += ["--source", str(source)]
    (target / "resources/jobs/iris_workflow.job.yml").write_text(yaml.safe_dump(spec))
    return target


@pytest.mark.slow
def test_four_batches_of_any_size_run_through_the_whole_workflow(
    spark: object, home: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from iris_mlops.storage import make_store

    monkeypatch.chdir(ROOT)
    batches = _batches(tmp_path)
    good_total = 0
    for name, (path, rows, bad) in batches.items():
        bundle = _bundle_reading(path, tmp_path / f"bundle-{name}")
        result = CliRunner().invoke(app, ["workflow", "run", "iris_workflow", "--env", "local",
                                          "--bundle-dir", str(bundle)])
        assert result.exit_code == 0, f"{name}: {result.output}"
        statuses = {line.split()[0]: line.split()[1] for line in result.stdout.splitlines()[1:-1]}
        # notify-failure runs only when a task failed (run_if AT_LEAST_ONE_FAILED): EXCLUDED means all went well
        assert {k: v for k, v in statuses.items() if k != "notify-failure"} == dict.fromkeys(
            [k for k in statuses if k != "notify-failure"], "SUCCESS"), (name, statuses)
        assert statuses.get("notify-failure", "EXCLUDED") == "EXCLUDED"
        good_total += rows - bad
        assert f"{rows - bad} → silver, {bad} → quarantine" in result.output, name
        assert f"({good_total} rows" in result.output, f"{name}: training did not see every batch"
        if name == "b150":
            assert "146 → silver, 4 → quarantine (not_a_number: 2, unknown_species: 2)" in result.output

    settings = load_settings("local")
    store = make_store(settings, spark)  # type: ignore[arg-type]
    from pyspark.sql import functions as F  # noqa: N812

    per_layer = {key: {r["batch_id"]: r["count"] for r in store.read(settings.table(key)).groupBy("batch_id")
                       .count().collect()} for key in ("bronze", "silver", "quarantine")}
    assert sorted(per_layer["bronze"].values()) == sorted(rows for _, rows, _ in batches.values())
    for batch, rows in per_layer["bronze"].items():
        assert per_layer["silver"].get(batch, 0) + per_layer["quarantine"].get(batch, 0) == rows, batch
    assert sorted(per_layer["quarantine"].values()) == [4, 8]
    assert store.read(settings.table("features")).count() == good_total
    gold_total = store.read(settings.table("gold")).agg(F.sum("count")).first()[0]
    assert gold_total == good_total
