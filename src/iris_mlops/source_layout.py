"""What a file looks like, from its first lines: separator, header or UCI layout, columns, decimal mark."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from iris_mlops.errors import InputError
from iris_mlops.schemas import MEASUREMENTS, SPECIES
from iris_mlops.source_parts import REQUIRED

SAMPLE_BYTES = 1 << 16
SAMPLE_ROWS = 200
SEPARATORS = ",;\t|"
# Column names found in the wild, reduced to lower-case letters: sepal_length, sepal.length, Sepal.Length,
# "sepal length (cm)" and SepalLengthCm all become "sepallength".
ALIASES = {
    **{m.replace("_", ""): m for m in MEASUREMENTS},
    "species": SPECIES,
    "class": SPECIES,
    "variety": SPECIES,
    "irisclass": SPECIES,
    "irisspecies": SPECIES,
}
_COMMA_NUMBER = re.compile(r"^\s*[+-]?\d*,\d+\s*$")
_DOT_NUMBER = re.compile(r"^\s*[+-]?\d*\.\d+\s*$")


def canonical_column(name: str) -> str | None:
    """The canonical column a header names (`Sepal.Length` -> `sepal_length`), or None."""
    key = re.sub(r"[^a-z]", "", name.lower())
    return ALIASES.get(key) or ALIASES.get(key.removesuffix("cm"))


def column_mapping(path: Path, names: Sequence[str], *, label_optional: bool = False) -> dict[str, str]:
    """Canonical column -> the source's column; refuses missing and ambiguous columns (species may be absent when
    `label_optional`: records to score)."""
    mapping: dict[str, str] = {}
    for name in names:
        canonical = canonical_column(str(name))
        if canonical is None:
            continue
        if canonical in mapping:
            raise InputError(f"{path}: columns {mapping[canonical]!r} and {name!r} both mean {canonical}")
        mapping[canonical] = str(name)
    missing = [c for c in required_columns(label_optional=label_optional) if c not in mapping]
    if missing:
        found = ", ".join(str(n) for n in names) or "none"
        raise InputError(f"{path}: missing required column(s) {', '.join(missing)} (found: {found})")
    return {c: mapping[c] for c in REQUIRED if c in mapping}


def required_columns(*, label_optional: bool) -> tuple[str, ...]:
    """The columns a source must have: the measurements, and the species unless the label is optional."""
    return MEASUREMENTS if label_optional else REQUIRED


@dataclass(frozen=True)
class CsvLayout:
    """How to read a CSV: separator, lines before the header, header names, the mapping, the decimal mark."""

    delimiter: str
    skip_lines: int
    has_header: bool
    header: tuple[str, ...]
    mapping: dict[str, str]
    decimal_comma: bool


def detect_csv(path: Path, head: str, *, sep: str | None = None, decimal: str | None = None,
               label_optional: bool = False) -> CsvLayout:
    """The layout of a CSV from its first 64 KB (decoded); `sep`/`decimal` force what detection would guess."""
    lines = head.splitlines()
    skip = next((i for i, line in enumerate(lines) if line.strip()), len(lines))
    if skip == len(lines):
        raise InputError(f"{path}: the file is empty")
    if sep is not None and len(sep) != 1:
        raise InputError(f"{path}: separator {sep!r} is not one character (e.g. --csv-sep ';')")
    delimiter = sep or _sniff(lines[skip])
    records = csv.reader(io.StringIO("\n".join(lines[skip:])), delimiter=delimiter)
    rows = [r for r in records if any(f.strip() for f in r)]
    first, sample = rows[0], rows[1 : SAMPLE_ROWS + 1]
    if any(canonical_column(name) for name in first):
        mapping = column_mapping(path, first, label_optional=label_optional)
        header, has_header = tuple(first), True
    elif len(first) == len(REQUIRED) and _looks_numeric(first[: len(MEASUREMENTS)]):
        # The UCI iris.data layout: no header, four measurements then the class (Iris-setosa, ...).
        header, has_header, sample = REQUIRED, False, rows[:SAMPLE_ROWS]
        mapping = {c: c for c in REQUIRED}
    else:
        raise InputError(
            f"{path}: no header naming the Iris columns ({', '.join(REQUIRED)}) and not the 5-column headerless "
            f"UCI layout (first line has {len(first)} field(s) split on {delimiter!r}; another separator? "
            "pass --csv-sep, e.g. --csv-sep ';')"
        )
    check_field_counts(path, header, sample, delimiter)
    comma = _decimal_comma(path, header, mapping, sample, decimal)
    return CsvLayout(delimiter, skip, has_header, header, mapping, comma)


def _sniff(line: str) -> str:
    try:
        return csv.Sniffer().sniff(line, delimiters=SEPARATORS).delimiter
    except csv.Error:
        return ","


def _looks_numeric(values: Sequence[str]) -> bool:
    def number(value: str) -> bool:
        try:
            float(value.replace(",", "."))
        except ValueError:
            return False
        return True

    return any(number(v) for v in values)


def _decimal_comma(
    path: Path, header: Sequence[str], mapping: dict[str, str], sample: Sequence[Sequence[str]], decimal: str | None
) -> bool:
    """True when most sampled measurements use a decimal comma (5,1); a stray `"5,1"` among points stays as is."""
    if decimal is not None:
        if decimal not in (".", ","):
            raise InputError(f"{path}: decimal mark {decimal!r} is not '.' or ',' (--csv-decimal . or --csv-decimal ,)")
        return decimal == ","
    index = {name: i for i, name in enumerate(header)}
    values = [row[index[mapping[m]]] for row in sample for m in MEASUREMENTS if index[mapping[m]] < len(row)]
    commas = sum(1 for v in values if _COMMA_NUMBER.match(v))
    points = sum(1 for v in values if _DOT_NUMBER.match(v))
    return commas > points


def check_field_counts(path: Path, header: Sequence[str], sample: Sequence[Sequence[str]], delimiter: str) -> None:
    """Refuse a file whose rows mostly have more fields than its header: decimal commas split on ','."""
    longer = [row for row in sample if len(row) > len(header)]
    if sample and len(longer) * 2 > len(sample):
        raise InputError(
            f"{path}: most rows have more fields than the header ({len(longer[0])} vs {len(header)}) when split on "
            f"{delimiter!r}; if numbers use decimal commas the separator is another one: pass --csv-sep, "
            "e.g. --csv-sep ';' (and --csv-decimal , if needed)"
        )
