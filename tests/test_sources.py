"""Reading inputs into raw strings: layouts, formats, positions, batch ids (no Spark needed)."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from iris_mlops.errors import InputError
from iris_mlops.sources import canonical_column, read_embedded, read_source

COLUMNS = ["sepal_length", "sepal_width", "petal_length", "petal_width", "species"]


def _rows(raw):
    return [tuple(r[c] for c in [*COLUMNS, "source_position"]) for r in raw.table.to_pylist()]


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("sepal_length", "sepal_length"),
        ("sepal.length", "sepal_length"),
        ("Sepal.Length", "sepal_length"),
        ("sepal length (cm)", "sepal_length"),
        ("SepalLengthCm", "sepal_length"),
        ("PETAL_WIDTH", "petal_width"),
        ("Species", "species"),
        ("class", "species"),
        ("variety", "species"),
        ("Id", None),
        ("target", None),
    ],
)
def test_canonical_column_recognises_names_in_the_wild(header, expected) -> None:
    assert canonical_column(header) == expected


def test_read_embedded_is_the_150_bundled_rows() -> None:
    raw = read_embedded()
    rows = _rows(raw)
    assert raw.rows == 150
    assert rows[0] == ("5.1", "3.5", "1.4", "0.2", "setosa", 1)
    assert rows[-1][4:] == ("virginica", 150)
    assert {r[4] for r in rows} == {"setosa", "versicolor", "virginica"}
    assert read_embedded().batch_id == raw.batch_id  # same content, same batch


@pytest.mark.parametrize(
    "header",
    [
        "sepal_length,sepal_width,petal_length,petal_width,species",
        '"Sepal.Length","Sepal.Width","Petal.Length","Petal.Width","Species"',
        "sepal length (cm),sepal width (cm),petal length (cm),petal width (cm),species",
        "Id,SepalLengthCm,SepalWidthCm,PetalLengthCm,PetalWidthCm,Species",
    ],
)
def test_read_source_csv_header_variants(tmp_path: Path, header: str) -> None:
    extra = "7," if header.startswith("Id") else ""
    path = tmp_path / "iris.csv"
    path.write_text(f"{header}\n{extra}5.1,3.5,1.4,0.2,setosa\n{extra}6.3,abc,,1.8,virginica\n", encoding="utf-8")
    assert _rows(read_source(path)) == [
        ("5.1", "3.5", "1.4", "0.2", "setosa", 1),
        ("6.3", "abc", "", "1.8", "virginica", 2),
    ]


def test_read_source_columns_in_any_order_and_semicolons(tmp_path: Path) -> None:
    path = tmp_path / "iris.csv"
    path.write_text(
        "species;petal_width;petal_length;sepal_width;sepal_length\nsetosa;0.2;1.4;3.5;5.1\n", encoding="utf-8"
    )
    assert _rows(read_source(path)) == [("5.1", "3.5", "1.4", "0.2", "setosa", 1)]


def test_read_source_uci_headerless_iris_data(tmp_path: Path) -> None:
    path = tmp_path / "iris.data"
    path.write_text("5.1,3.5,1.4,0.2,Iris-setosa\n7.0,3.2,4.7,1.4,Iris-versicolor\n\n\n", encoding="utf-8")
    assert _rows(read_source(path)) == [
        ("5.1", "3.5", "1.4", "0.2", "Iris-setosa", 1),
        ("7.0", "3.2", "4.7", "1.4", "Iris-versicolor", 2),
    ]


def test_read_source_utf8_bom_and_crlf(tmp_path: Path) -> None:
    path = tmp_path / "bom.csv"
    path.write_bytes("\ufeffsepal_length,sepal_width,petal_length,petal_width,species\r\n1,2,3,4,setosa\r\n".encode())
    assert _rows(read_source(path)) == [("1", "2", "3", "4", "setosa", 1)]


def test_read_source_ragged_rows_are_padded_not_dropped(tmp_path: Path) -> None:
    path = tmp_path / "ragged.csv"
    path.write_text("sepal_length,sepal_width,petal_length,petal_width,species\n5.1,3.5\n1,2,3,4,setosa,extra\n")
    assert _rows(read_source(path)) == [("5.1", "3.5", None, None, None, 1), ("1", "2", "3", "4", "setosa", 2)]


def test_read_source_json_lines_keeps_values_as_text(tmp_path: Path) -> None:
    path = tmp_path / "iris.jsonl"
    lines = [
        {"sepal_length": 5.1, "sepal_width": 3.5, "petal_length": 1.4, "petal_width": 0.2, "species": "setosa"},
        {"Sepal.Length": "x", "Sepal.Width": None, "Petal.Length": 2, "Petal.Width": True, "Species": "tulip"},
    ]
    path.write_text("\n".join(json.dumps(line) for line in lines[:1]) + "\n\n", encoding="utf-8")
    assert _rows(read_source(path)) == [("5.1", "3.5", "1.4", "0.2", "setosa", 1)]
    mixed = tmp_path / "mixed.json"
    mixed.write_text(json.dumps([lines[0], {k.lower().replace(".", "_"): v for k, v in lines[1].items()}]))
    assert _rows(read_source(mixed))[1] == ("x", None, "2", "true", "tulip", 2)


def test_read_source_parquet_with_typed_columns(tmp_path: Path) -> None:
    path = tmp_path / "iris.parquet"
    table = pa.table(
        {
            "SepalLengthCm": [5.1, None],
            "SepalWidthCm": [3.5, 3.0],
            "PetalLengthCm": [1.4, 4.0],
            "PetalWidthCm": [0.2, 1.0],
            "Species": ["Iris-setosa", "x"],
        }
    )
    pq.write_table(table, path)
    assert _rows(read_source(path)) == [("5.1", "3.5", "1.4", "0.2", "Iris-setosa", 1), (None, "3", "4", "1", "x", 2)]


def test_read_source_batch_id_follows_content_not_name(tmp_path: Path) -> None:
    text = "sepal_length,sepal_width,petal_length,petal_width,species\n1,2,3,4,setosa\n"
    a, b, c = tmp_path / "a.csv", tmp_path / "b.csv", tmp_path / "c.csv"
    a.write_text(text)
    b.write_text(text)
    c.write_text(text + "1,2,3,4,virginica\n")
    assert read_source(a).batch_id == read_source(b).batch_id != read_source(c).batch_id


@pytest.mark.parametrize(
    ("name", "content", "problem"),
    [
        ("empty.csv", b"", "the file is empty"),
        ("blank.csv", b"\n  \n", "the file is empty"),
        ("header.csv", b"sepal_length,sepal_width,petal_length,petal_width,species\n", "has a header but no data rows"),
        ("cols.csv", b"sepal_length,sepal_width,species\n1,2,setosa\n", "missing required column(s) petal_length"),
        (
            "latin1.csv",
            "sepal_length,sepal_width,petal_length,petal_width,species\n1,2,3,4,sétosa\n".encode("latin-1"),
            "unreadable encoding (byte 0xe9 on line 2",
        ),
        ("utf16.csv", "sepal_length\n".encode("utf-16"), "unreadable encoding (UTF-16)"),
        ("nul.csv", b"sepal_length,\x00\x01\x02", "contains NUL bytes"),
        ("words.csv", b"a,b,c\nd,e,f\n", "no header naming the Iris columns"),
        ("bad.jsonl", b'{"sepal_length": 1}\n{oops\n', "line 2 is not valid JSON"),
        ("list.jsonl", b"[1, 2]\n", "item 1 is not a JSON object"),
        ("broken.parquet", b"PAR1 this is not parquet", "not a readable Parquet file"),
        (
            "twice.csv",
            b"sepal_length,Sepal.Length,sepal_width,petal_length,petal_width,species\n1,1,2,3,4,setosa\n",
            "both mean sepal_length",
        ),
    ],
)
def test_read_source_refuses_bad_files_naming_file_and_problem(tmp_path: Path, name, content, problem) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(InputError) as caught:
        read_source(path)
    message = str(caught.value)
    assert message.startswith(f"{path}: ")
    assert problem in message
    assert "\n" not in message


def test_read_source_refuses_missing_file_and_directory(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        read_source(tmp_path / "nope.csv")
    with pytest.raises(InputError, match="is a directory, expected a file"):
        read_source(tmp_path)


def _unlabelled_files(tmp_path: Path) -> list[Path]:
    """The same two unlabelled records as CSV (pyarrow path), ragged CSV (csv-module path), JSON lines, Parquet."""
    measurements = COLUMNS[:4]
    csv_file = tmp_path / "plain.csv"
    csv_file.write_text(",".join(measurements) + "\n5.1,3.5,1.4,0.2\n6.7,3.0,5.2,2.3\n")
    ragged = tmp_path / "ragged.csv"
    ragged.write_text(",".join(measurements) + "\n5.1,3.5,1.4,0.2,extra\n6.7,3.0,5.2,2.3\n")
    lines = tmp_path / "records.jsonl"
    lines.write_text("\n".join(json.dumps(dict(zip(measurements, values, strict=True)))
                               for values in (["5.1", "3.5", "1.4", "0.2"], ["6.7", "3.0", "5.2", "2.3"])))
    parquet = tmp_path / "records.parquet"
    pq.write_table(pa.table({c: [a, b] for c, a, b in zip(measurements, ["5.1", "3.5", "1.4", "0.2"],
                                                           ["6.7", "3.0", "5.2", "2.3"], strict=True)}), parquet)
    return [csv_file, ragged, lines, parquet]


def test_records_to_score_may_come_without_a_species_column(tmp_path: Path) -> None:
    for path in _unlabelled_files(tmp_path):
        rows = _rows(read_source(path, label_optional=True))
        assert rows == [("5.1", "3.5", "1.4", "0.2", None, 1), ("6.7", "3.0", "5.2", "2.3", None, 2)], path.name
        with pytest.raises(InputError, match="missing required column\\(s\\) species"):
            read_source(path)  # bronze still needs the label
