"""Bad input through the real task entry point: one-line errors for bad files, quarantine for bad rows."""

from __future__ import annotations

from pathlib import Path

import pytest

from iris_mlops.config import load_settings
from iris_mlops.entrypoints import run_task

HEADER = "sepal_length,sepal_width,petal_length,petal_width,species\n"
GOOD = "5.1,3.5,1.4,0.2,setosa\n"

BAD_FILES = {
    "missing.csv": None,
    "folder.csv": "dir",
    "empty.csv": b"",
    "header_only.csv": HEADER.encode(),
    "missing_column.csv": b"sepal_length,sepal_width,petal_length,species\n5.1,3.5,1.4,setosa\n",
    "latin1.csv": (HEADER + "5.1,3.5,1.4,0.2,s\xe9tosa\n").encode("latin-1"),
    "utf16.csv": (HEADER + GOOD).encode("utf-16"),
    "binary.csv": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
    "unknown_layout.csv": b"a,b,c\n1,2,3\n",
    "broken.jsonl": (HEADER.replace(",", "") + "\n").encode(),
    "broken.parquet": b"PAR1 not really parquet PAR1",
    "array_of_numbers.json": b"[1, 2, 3]",
}
PROBLEMS = {
    "missing.csv": "no such file",
    "folder.csv": "is a directory, expected a file",
    "empty.csv": "the file is empty",
    "header_only.csv": "has a header but no data rows",
    "missing_column.csv": "missing required column(s) petal_width",
    "latin1.csv": "unreadable encoding",
    "utf16.csv": "unreadable encoding (UTF-16)",
    "binary.csv": "unreadable encoding (contains NUL bytes",
    "unknown_layout.csv": "no header naming the Iris columns",
    "broken.jsonl": "line 1 is not valid JSON",
    "broken.parquet": "not a readable Parquet file",
    "array_of_numbers.json": "item 1 is not a JSON object",
}


def _make(folder: Path, name: str) -> Path:
    path = folder / name
    content = BAD_FILES[name]
    if content == "dir":
        path.mkdir()
    elif isinstance(content, bytes):
        path.write_bytes(content)
    return path


def _bronze_error(path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, list[str]]:
    capsys.readouterr()
    code = run_task("bronze", ["--source", str(path)])
    return code, capsys.readouterr().err.strip().splitlines()


@pytest.mark.parametrize("name", sorted(BAD_FILES))
def test_bronze_bad_file_one_line_error_and_no_table(home: Path, tmp_path: Path, capsys, name: str) -> None:
    path = _make(tmp_path, name)
    code, lines = _bronze_error(path, capsys)
    assert code == 2
    assert len(lines) == 1, lines
    assert lines[0].startswith("error: ") and str(path.resolve() if path.exists() else path) in lines[0]
    assert PROBLEMS[name] in lines[0]
    assert not (home / "warehouse").exists() or not any((home / "warehouse").rglob("_delta_log"))


@pytest.mark.usefixtures("quality_gate_off")
def test_bronze_bad_files_leave_existing_tables_unchanged(spark, home: Path, tmp_path: Path, capsys) -> None:
    from iris_mlops.storage import make_store

    good = tmp_path / "good.csv"
    good.write_text(HEADER + GOOD)
    assert run_task("bronze", ["--source", str(good)]) == 0
    settings = load_settings()
    store = make_store(settings, spark)
    before = store.version(settings.table("bronze"))
    for name in BAD_FILES:
        code, lines = _bronze_error(_make(tmp_path, name), capsys)
        assert (code, len(lines)) == (2, 1), (name, lines)
    assert store.version(settings.table("bronze")) == before
    assert store.read(settings.table("bronze")).count() == 1


# Each bad row of a good file, with the reasons silver must give it (position = 1-based data row).
BAD_ROWS = [
    ("5.1,3.5,1.4,0.2,setosa", []),
    ("5.1,3.5,1.4,,setosa", ["null:petal_width"]),
    ("5.1,   ,1.4,0.2,setosa", ["null:sepal_width"]),
    ("abc,3.5,1.4,0.2,setosa", ["not_a_number:sepal_length"]),
    ("5.1,3.5,NaN,0.2,setosa", ["not_a_number:petal_length"]),
    ('"5,1",3.5,1.4,0.2,setosa', ["not_a_number:sepal_length"]),
    ("-5.1,3.5,1.4,0.2,setosa", ["not_positive:sepal_length"]),
    ("5.1,3.5,1.4,0,setosa", ["not_positive:petal_width"]),
    ("51,3.5,1.4,0.2,setosa", ["out_of_range:sepal_length"]),
    ("5.1,3.5,1.4,inf,setosa", ["out_of_range:petal_width"]),
    ("5.1,3.5,1.4,0.2,rose", ["unknown_species"]),
    ("5.1,3.5,1.4,0.2,", ["null:species"]),
    ("5.1,3.5", ["null:petal_length", "null:petal_width", "null:species"]),
    (
        "x,,-1,99,daisy",
        [
            "not_a_number:sepal_length",
            "null:sepal_width",
            "not_positive:petal_length",
            "out_of_range:petal_width",
            "unknown_species",
        ],
    ),
    (" 6.3 ,2.9,5.6,1.8, Iris-Virginica ", []),
    ("6.3,2.9,5.6,1.8,virginica,extra-field", []),
]


@pytest.mark.usefixtures("quality_gate_off")
def test_bad_rows_are_quarantined_with_reasons_and_accounted(spark, home: Path, tmp_path: Path) -> None:
    from pyspark.sql import functions as F  # noqa: N812

    from iris_mlops.storage import make_store

    path = tmp_path / "rows.csv"
    path.write_text(HEADER + "\n".join(row for row, _ in BAD_ROWS) + "\n")
    assert run_task("bronze", ["--source", str(path), "--run-id", "b-run"]) == 0
    assert run_task("silver", ["--run-id", "s-run"]) == 0
    settings = load_settings()
    store = make_store(settings, spark)
    bronze, silver, quarantine = (store.read(settings.table(t)) for t in ("bronze", "silver", "quarantine"))
    assert bronze.count() == len(BAD_ROWS) == silver.count() + quarantine.count()
    reasons = {r.source_position: r.reasons for r in quarantine.collect()}
    assert reasons == {i + 1: expected for i, (_, expected) in enumerate(BAD_ROWS) if expected}
    kept = silver.orderBy("source_position").select("source_position", "species", "sepal_length").collect()
    assert [tuple(r) for r in kept] == [(1, "setosa", 5.1), (15, "virginica", 6.3), (16, "virginica", 6.3)]
    raw = quarantine.filter(F.col("source_position") == 6).select("sepal_length", "run_id").first()
    assert tuple(raw) == ("5,1", "s-run")  # original value kept, and the run that wrote it
