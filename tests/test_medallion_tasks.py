"""The bronze, silver and gold tasks end to end on a temporary home, and the `batches` commands."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from iris_mlops.config import load_settings
from iris_mlops.entrypoints import run_task
from iris_mlops.storage.local_delta import LocalDeltaStore

HEADER = "sepal_length,sepal_width,petal_length,petal_width,species\n"
SMALL = (
    HEADER + "5.1,3.5,1.4,0.2,setosa\nabc,3.0,1.4,0.2,setosa\n6.3,2.9,5.6,1.8,Iris-virginica\n4.8,3.1,1.5,0.2,tulip\n"
)


def _tables(spark):
    settings = load_settings()
    store = LocalDeltaStore(spark, settings.home / "warehouse")
    return settings, store


def _count(spark, layer: str, batch: str | None = None) -> int:
    settings, store = _tables(spark)
    df = store.read(settings.table(layer))
    return (df.filter(df.batch_id == batch) if batch else df).count()


def _invariant_holds(spark) -> bool:
    from iris_mlops.layers.silver import batch_status
    from iris_mlops.schemas import BRONZE_SCHEMA, QUARANTINE_SCHEMA, SILVER_SCHEMA

    settings, store = _tables(spark)
    frames = [
        store.read(settings.table(t)) if store.exists(settings.table(t)) else spark.createDataFrame([], schema)
        for t, schema in (("bronze", BRONZE_SCHEMA), ("silver", SILVER_SCHEMA), ("quarantine", QUARANTINE_SCHEMA))
    ]
    rows = batch_status(*frames).collect()
    return all(r.bronze_rows == r.silver_rows + r.quarantine_rows and r.status == "done" for r in rows)


def test_pipeline_on_the_embedded_data(spark, home: Path, capsys) -> None:
    for name in ("bronze", "silver", "gold"):
        assert run_task(name, ["--run-id", f"run-{name}"]) == 0
    assert [_count(spark, t) for t in ("bronze", "silver", "quarantine", "gold")] == [150, 150, 0, 3]
    settings, store = _tables(spark)
    gold = {r.species: r for r in store.read(settings.table("gold")).collect()}
    assert {s: r["count"] for s, r in gold.items()} == {"setosa": 50, "versicolor": 50, "virginica": 50}
    assert {r.silver_version for r in gold.values()} == {store.version(settings.table("silver"))}
    assert {r.run_id for r in gold.values()} == {"run-gold"}
    assert {r.run_id for r in store.read(settings.table("silver")).select("run_id").distinct().collect()} == {
        "run-silver"
    }
    assert store.history(settings.table("bronze"))[0].run_id == "run-bronze"


def test_silver_quality_error_publishes_nothing(
    spark, home: Path, tmp_path: Path, capsys, monkeypatch: pytest.MonkeyPatch
) -> None:
    import shutil

    # The seed's mean rules only warn; a team that makes one an error gets the failure, naming file and rule.
    suites = tmp_path / "expectations"
    shutil.copytree(Path(__file__).resolve().parents[1] / "conf/expectations", suites)
    silver_suite = suites / "iris_silver.yml"
    text = silver_suite.read_text().replace(
        "kwargs: {column: sepal_length, min_value: 5.0, max_value: 6.5}\n    severity: warn",
        "kwargs: {column: sepal_length, min_value: 5.0, max_value: 6.5}",
    )
    assert text != silver_suite.read_text()
    silver_suite.write_text(text)
    monkeypatch.setenv("IRIS_MLOPS_QUALITY__SUITES_DIR", str(suites))
    for name in ("bronze", "silver", "gold"):
        assert run_task(name, []) == 0
    settings, store = _tables(spark)
    before = {t: store.version(settings.table(t)) for t in ("silver", "quarantine", "gold")}
    # 100 plausible but giant setosa rows: bronze accepts the batch, silver's mean rules refuse it.
    giant = tmp_path / "giant.csv"
    giant.write_text(HEADER + "".join(f"9.{i % 10},5.5,9.0,3.9,setosa\n" for i in range(100)))
    assert run_task("bronze", ["--source", str(giant)]) == 0
    assert run_task("silver", []) == 1
    error_lines = [line for line in capsys.readouterr().err.splitlines() if line.startswith("error:")]
    assert len(error_lines) == 1 and "expect_column_mean_to_be_between" in error_lines[0]
    assert f"change expect_column_mean_to_be_between(sepal_length) in {silver_suite}" in error_lines[0]
    assert {t: store.version(settings.table(t)) for t in before} == before


@pytest.mark.usefixtures("quality_gate_off")
def test_bronze_same_content_twice_replaces_its_batch(spark, home: Path, tmp_path: Path, capsys) -> None:
    import json

    capsys.readouterr()
    assert run_task("bronze", ["--json"]) == 0
    first = json.loads(capsys.readouterr().out)
    assert run_task("bronze", ["--json"]) == 0
    second = json.loads(capsys.readouterr().out)
    assert first["batch_id"] == second["batch_id"] and second["version"] == first["version"] + 1
    assert _count(spark, "bronze") == 150
    small = tmp_path / "small.csv"
    small.write_text(SMALL)
    assert run_task("bronze", ["--source", str(small)]) == 0
    assert _count(spark, "bronze") == 154
    settings, store = _tables(spark)
    assert store.read(settings.table("bronze")).select("batch_id").distinct().count() == 2


@pytest.mark.usefixtures("quality_gate_off")
def test_silver_processes_only_new_or_replaced_batches(spark, home: Path, tmp_path: Path, capsys) -> None:
    import json

    small = tmp_path / "small.csv"
    small.write_text(SMALL)
    assert run_task("bronze", []) == 0
    assert run_task("silver", []) == 0
    capsys.readouterr()
    assert run_task("silver", ["--json"]) == 0
    assert json.loads(capsys.readouterr().out)["batches"] == []  # nothing new: no commit
    assert run_task("bronze", ["--source", str(small), "--json"]) == 0
    new_batch = json.loads(capsys.readouterr().out)["batch_id"]
    assert run_task("silver", ["--json"]) == 0
    assert json.loads(capsys.readouterr().out)["batches"] == [new_batch]
    assert (_count(spark, "silver"), _count(spark, "quarantine")) == (152, 2)
    assert run_task("bronze", ["--source", str(small)]) == 0  # replaced: processed again, nothing doubled
    assert capsys.readouterr().out.startswith("bronze: table local.iris.iris_bronze, version ")  # its summary
    assert run_task("silver", ["--all", "--json"]) == 0
    assert len(json.loads(capsys.readouterr().out)["batches"]) == 2
    assert (_count(spark, "silver"), _count(spark, "quarantine")) == (152, 2)
    assert _invariant_holds(spark)


@pytest.mark.parametrize("reingest", [False, True], ids=["first-load", "replaced-batch"])
@pytest.mark.usefixtures("quality_gate_off")
def test_silver_rerun_after_crash_between_commits_restores_invariant(
    spark, home: Path, tmp_path: Path, monkeypatch, reingest: bool
) -> None:
    small = tmp_path / "small.csv"
    small.write_text(SMALL)
    assert run_task("bronze", ["--source", str(small)]) == 0
    if reingest:
        assert run_task("silver", []) == 0
        assert run_task("bronze", ["--source", str(small)]) == 0
    real = LocalDeltaStore.replace_where

    def crash_on_quarantine(self, name, df, **kwargs):
        if name.endswith("quarantine"):
            raise RuntimeError("simulated crash between the silver and the quarantine commit")
        return real(self, name, df, **kwargs)

    monkeypatch.setattr(LocalDeltaStore, "replace_where", crash_on_quarantine)
    with pytest.raises(RuntimeError, match="simulated crash"):
        run_task("silver", [])
    assert not _invariant_holds(spark)  # silver committed, quarantine did not
    monkeypatch.setattr(LocalDeltaStore, "replace_where", real)
    assert run_task("silver", []) == 0
    assert _invariant_holds(spark)
    assert (_count(spark, "silver"), _count(spark, "quarantine")) == (2, 2)


def test_gold_before_silver_fails_in_one_line_then_reruns(spark, home: Path, capsys) -> None:
    assert run_task("bronze", []) == 0
    capsys.readouterr()
    assert run_task("gold", []) == 1
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: table local.iris.iris_silver does not exist")
    assert run_task("silver", []) == 0
    assert run_task("gold", []) == 0
    assert _count(spark, "gold") == 3


@pytest.mark.usefixtures("quality_gate_off")
def test_batches_list_and_delete(spark, home: Path, tmp_path: Path) -> None:
    import json

    from iris_mlops.cli import app

    small = tmp_path / "small.csv"
    small.write_text(SMALL)
    for args in ([], ["--source", str(small)]):
        assert run_task("bronze", args) == 0
    assert run_task("silver", []) == 0
    runner = CliRunner()
    listed = runner.invoke(app, ["batches", "list", "--json"])
    assert listed.exit_code == 0, listed.output
    rows = {r["source"]: r for r in json.loads(listed.stdout)}
    assert {(r["bronze_rows"], r["silver_rows"], r["quarantine_rows"], r["status"]) for r in rows.values()} == {
        (150, 150, 0, "done"),
        (4, 2, 2, "done"),
    }
    small_batch = rows[str(small.resolve())]["batch_id"]
    assert run_task("feature-store", []) == 0
    assert _count(spark, "features", small_batch) == 2
    unconfirmed = runner.invoke(app, ["batches", "delete", small_batch[:8]])
    assert unconfirmed.exit_code == 2 and "add --yes to confirm" in unconfirmed.stderr
    assert [_count(spark, t, small_batch) for t in ("bronze", "silver", "quarantine", "features")] == [4, 2, 2, 2]
    deleted = runner.invoke(app, ["batches", "delete", small_batch[:8], "--run-id", "del-run", "--yes"])
    assert deleted.exit_code == 0, deleted.output
    assert [_count(spark, t, small_batch) for t in ("bronze", "silver", "quarantine", "features")] == [0, 0, 0, 0]
    assert _count(spark, "bronze") == 150
    settings, store = _tables(spark)
    assert store.history(settings.table("bronze"))[0].run_id == "del-run"
    missing = runner.invoke(app, ["batches", "delete", "ffffffff", "--yes"])
    assert missing.exit_code == 1
    assert "no batch 'ffffffff'" in missing.stderr


# A typical batch's size (the bronze suite's row-count rule), written the European way.
EUROPEAN = "sepal_length;sepal_width;petal_length;petal_width;species\n" + (
    "5,1;3,5;1,4;0,2;setosa\n6,3;2,9;5,6;1,8;virginica\n" * 60
)


def test_bronze_reads_a_european_csv_as_numbers_and_leaves_no_staged_parts(spark, home: Path, tmp_path: Path) -> None:
    path = tmp_path / "european.csv"
    path.write_text(EUROPEAN, encoding="utf-8")
    assert run_task("bronze", ["--source", str(path)]) == 0
    assert run_task("silver", []) == 0
    assert (_count(spark, "silver"), _count(spark, "quarantine")) == (120, 0)
    staging = load_settings().staging_dir
    assert not staging.exists() or not any(staging.iterdir())


def test_bronze_csv_options_force_the_separator_and_decimal_mark(spark, home: Path, tmp_path: Path) -> None:
    path = tmp_path / "pipes.csv"
    path.write_text(EUROPEAN.replace(";", "|"), encoding="utf-8")
    assert run_task("bronze", ["--source", str(path), "--csv-sep", "|", "--csv-decimal", ","]) == 0
    assert run_task("silver", []) == 0
    assert (_count(spark, "silver"), _count(spark, "quarantine")) == (120, 0)
@pytest.mark.usefixtures("quality_gate_off")
def test_silver_keeps_a_batch_that_vanished_from_bronze(spark, home: Path, tmp_path: Path, capsys) -> None:
    import json

    small = tmp_path / "small.csv"
    small.write_text(SMALL)
    for args in ([], ["--source", str(small)]):
        assert run_task("bronze", args) == 0
    assert run_task("silver", []) == 0
    settings, store = _tables(spark)
    small_batch = store.read(settings.table("quarantine")).first().batch_id
    # The batch disappears from bronze behind silver's back (a lost file, another writer): not a person's delete.
    store.delete_where(settings.table("bronze"), column="batch_id", values=[small_batch], run_id="lost")
    versions = {t: store.version(settings.table(t)) for t in ("silver", "quarantine")}
    capsys.readouterr()
    assert run_task("silver", []) == 0
    assert f"missing from bronze and are kept: {small_batch}" in capsys.readouterr().err
    assert run_task("silver", ["--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["missing_from_bronze"] == [small_batch] and result["batches"] == []
    assert (_count(spark, "silver", small_batch), _count(spark, "quarantine", small_batch)) == (2, 2)
    assert {t: store.version(settings.table(t)) for t in versions} == versions  # nothing written
    assert run_task("silver", ["--all", "--json"]) == 0  # --all rebuilds bronze's batches, still keeps the orphan
    assert json.loads(capsys.readouterr().out)["missing_from_bronze"] == [small_batch]
    assert _count(spark, "silver", small_batch) == 2
