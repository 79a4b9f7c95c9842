"""The streaming reader: European CSVs, ragged files, parts, positions across parts, cleanup, Spark view."""

from __future__ import annotations

from pathlib import Path

import pytest

from iris_mlops import source_parts
from iris_mlops.errors import InputError
from iris_mlops.sources import read_source

HEADER = "sepal_length;sepal_width;petal_length;petal_width;species\n"


def _values(raw) -> list[tuple]:
    cols = [*source_parts.REQUIRED, source_parts.POSITION]
    return [tuple(r[c] for c in cols) for r in raw.table.to_pylist()]


def test_european_csv_with_semicolons_and_decimal_commas_reads_as_numbers(tmp_path: Path) -> None:
    path = tmp_path / "eu.csv"
    path.write_text(HEADER + "5,1;3,5;1,4;0,2;setosa\n6;2,9;5,6;1,8;virginica\n")
    assert _values(read_source(path)) == [("5.1", "3.5", "1.4", "0.2", "setosa", 1),
                                          ("6", "2.9", "5.6", "1.8", "virginica", 2)]


def test_decimal_comma_option_forces_the_conversion(tmp_path: Path) -> None:
    path = tmp_path / "one.csv"
    path.write_text(HEADER + "5;3,5;1.4;0.2;setosa\n")
    assert _values(read_source(path))[0][:4] == ("5", "3,5", "1.4", "0.2")  # as many points as commas: kept
    assert _values(read_source(path, csv_decimal=","))[0][:4] == ("5", "3.5", "1.4", "0.2")


def test_a_stray_decimal_comma_among_points_is_kept_for_quarantine(tmp_path: Path) -> None:
    path = tmp_path / "mixed.csv"
    path.write_text('sepal_length,sepal_width,petal_length,petal_width,species\n"5,1",3.5,1.4,0.2,setosa\n')
    assert _values(read_source(path))[0][:2] == ("5,1", "3.5")


def test_decimal_commas_split_on_commas_are_refused_naming_the_option(tmp_path: Path) -> None:
    path = tmp_path / "split.csv"
    path.write_text("sepal_length,sepal_width,petal_length,petal_width,species\n5,1,3,5,1,4,0,2,setosa\n")
    with pytest.raises(InputError, match=r"more fields than the header \(9 vs 5\).*--csv-sep"):
        read_source(path)


def test_separator_option_reads_a_file_the_sniffer_would_miss(tmp_path: Path) -> None:
    path = tmp_path / "pipes.csv"
    path.write_text("sepal_length|sepal_width|petal_length|petal_width|species\n5.1|3.5|1.4|0.2|setosa\n")
    assert _values(read_source(path, csv_sep="|"))[0] == ("5.1", "3.5", "1.4", "0.2", "setosa", 1)


@pytest.mark.parametrize(("kwargs", "needle"), [({"csv_sep": ";;"}, "not one character"),
                                                ({"csv_decimal": "x"}, "is not '.' or ','")])
def test_bad_csv_options_are_refused(tmp_path: Path, kwargs, needle) -> None:
    path = tmp_path / "a.csv"
    path.write_text(HEADER + "5;3;1;0;setosa\n")
    with pytest.raises(InputError, match=needle):
        read_source(path, **kwargs)


def test_words_with_another_separator_name_the_option(tmp_path: Path) -> None:
    path = tmp_path / "words.csv"
    path.write_text("a:b:c\nd:e:f\n")
    with pytest.raises(InputError, match="--csv-sep"):
        read_source(path)


def test_positions_run_on_across_parts_and_blocks(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(source_parts, "ROWS_PER_PART", 3)
    monkeypatch.setattr(source_parts, "ROW_GROUP_ROWS", 1)
    monkeypatch.setattr("iris_mlops.source_readers.BLOCK_BYTES", 64)
    path = tmp_path / "many.csv"
    path.write_text("sepal_length,sepal_width,petal_length,petal_width,species\n"
                    + "".join(f"{i}.5,3.0,1.0,0.2,setosa\n" for i in range(10)))
    raw = read_source(path)
    assert raw.rows == 10
    assert len(raw.parts) > 1  # blocks of a few rows roll parts of 3 rows
    assert [v[5] for v in _values(raw)] == list(range(1, 11))
    assert [v[0] for v in _values(raw)] == [f"{i}.5" for i in range(10)]


def test_writer_rolls_parts_at_the_row_limit(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(source_parts, "ROW_GROUP_ROWS", 1)
    writer = source_parts.PartWriter(tmp_path, rows_per_part=2)
    for block in (["1", "2"], ["3"], ["4", "5"]):
        writer.write({c: block for c in source_parts.REQUIRED})
    parts = writer.close()
    assert len(parts) == 2 and source_parts.read_parts(parts).column("source_position").to_pylist() == [1, 2, 3, 4, 5]


def test_blank_and_comma_only_lines_are_not_records(tmp_path: Path) -> None:
    path = tmp_path / "blank.csv"
    path.write_text("sepal_length,sepal_width,petal_length,petal_width,species\n,,,,\n1,2,3,4,setosa\n\n")
    assert _values(read_source(path)) == [("1", "2", "3", "4", "setosa", 1)]


def test_parts_go_to_the_staging_folder_and_close_removes_them(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_text("sepal_length,sepal_width,petal_length,petal_width,species\n1,2,3,4,setosa\n")
    raw = read_source(path, staging_dir=tmp_path / "staging")
    assert raw.parts and all(p.is_relative_to(tmp_path / "staging") for p in raw.parts)
    raw.close()
    assert not raw.folder.exists()


def test_a_refused_file_leaves_no_parts_behind(tmp_path: Path) -> None:
    path = tmp_path / "h.csv"
    path.write_text("sepal_length,sepal_width,petal_length,petal_width,species\n")
    with pytest.raises(InputError, match="has a header but no data rows"):
        read_source(path, staging_dir=tmp_path / "staging")
    assert not any((tmp_path / "staging").iterdir())


def test_json_lines_missing_a_column_in_every_line_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "a.jsonl"
    path.write_text('{"sepal_length": 1, "sepal_width": 2, "petal_length": 3, "species": "setosa"}\n')
    with pytest.raises(InputError, match=r"missing required column\(s\) petal_width"):
        read_source(path)


def test_json_lines_with_a_column_only_in_later_lines_is_read(tmp_path: Path) -> None:
    path = tmp_path / "b.jsonl"
    path.write_text('{"sepal_length": 1, "sepal_width": 2, "petal_length": 3, "species": "setosa"}\n'
                    '{"sepal_length": 1, "sepal_width": 2, "petal_length": 3, "petal_width": 4, "species": "x"}\n')
    assert [v[3] for v in _values(read_source(path))] == [None, "4"]


def test_invalid_utf8_after_the_first_megabyte_names_its_line(tmp_path: Path) -> None:
    path = tmp_path / "late.csv"
    body = "".join("1,2,3,4,setosa\n" for _ in range(80_000))  # 1.2 MB: the bad byte is in the second chunk
    header = b"sepal_length,sepal_width,petal_length,petal_width,species\n"
    path.write_bytes(header + body.encode() + b"1,2,3,4,s\xe9\n")
    with pytest.raises(InputError, match=r"byte 0xe9 on line 80002 is not UTF-8"):
        read_source(path)


def test_to_spark_reads_the_parts_with_positions(spark, tmp_path: Path) -> None:
    path = tmp_path / "eu.csv"
    path.write_text(HEADER + "5,1;3,5;1,4;0,2;setosa\n")
    df = read_source(path).to_spark(spark)
    assert [tuple(r) for r in df.collect()] == [("5.1", "3.5", "1.4", "0.2", "setosa", 1)]


def test_writer_gathers_small_blocks_into_one_row_group(tmp_path: Path) -> None:
    import pyarrow.parquet as pq

    writer = source_parts.PartWriter(tmp_path)
    for i in range(50):
        writer.write({c: [str(i)] for c in source_parts.REQUIRED})
    (part,) = writer.close()
    assert pq.ParquetFile(part).metadata.num_row_groups == 1
