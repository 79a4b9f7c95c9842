"""The MLflow scoring protocol: a request body -> checked rows of measurements; predictions -> the response body.

Accepted like `mlflow models serve` and a Databricks serving endpoint: JSON with exactly one of
`dataframe_split` ({"columns": [...], "data": [[...], ...]}), `dataframe_records` ([{column: value}, ...]),
`inputs` or `instances` (records, {column: [values]} or rows of the four measurements in order), plus
an optional `params`; or text/csv with a header row. Optional columns: `sample_id` (the record key of
the A/B split and of the predictions table) and `species` (the label, when the caller knows it). Every
client mistake raises RequestError with a 4xx status and a message naming the problem.
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from iris_mlops.features.definitions import RAW_MEASUREMENTS
from iris_mlops.schemas import SAMPLE_ID, SPECIES

FORMAT_KEYS = ("dataframe_split", "dataframe_records", "inputs", "instances")
KEY_COLUMN = SAMPLE_ID
LABEL_COLUMN = SPECIES
JSON_TYPE = "application/json"
CSV_TYPE = "text/csv"


class RequestError(Exception):
    """A client mistake: answered with `status` and {"error_code": ..., "message": ...}."""

    def __init__(self, message: str, *, status: int = 400, error_code: str = "BAD_REQUEST") -> None:
        super().__init__(message)
        self.status = status
        self.error_code = error_code
        self.message = message

    def body(self) -> dict[str, str]:
        """The JSON error body, shaped like MLflow's."""
        return {"error_code": self.error_code, "message": self.message}


@dataclass(frozen=True)
class ParsedRequest:
    """Checked rows: measurements in RAW_MEASUREMENTS order, and each row's key and label when given."""

    rows: tuple[tuple[float, float, float, float], ...]
    keys: tuple[str | None, ...]
    labels: tuple[str | None, ...]

    def __len__(self) -> int:
        return len(self.rows)


def parse_request(body: bytes, *, content_type: str, max_rows: int) -> ParsedRequest:
    """Decode and check one /invocations body; raises RequestError naming the problem."""
    media = content_type.split(";")[0].strip().lower()
    if media == CSV_TYPE:
        records: list[Mapping[str, Any]] = _csv_records(body)
        numbers_as_text = True
    elif media in (JSON_TYPE, ""):
        records = _json_records(_load_json(body))
        numbers_as_text = False
    else:
        raise RequestError(f"unsupported Content-Type {content_type!r}: send {JSON_TYPE} or {CSV_TYPE}",
                           status=415, error_code="UNSUPPORTED_MEDIA_TYPE")
    if not records:
        raise RequestError("the request holds no row to score")
    if len(records) > max_rows:
        raise RequestError(f"{len(records)} rows in one request: at most {max_rows} are accepted; split the request",
                           status=413, error_code="REQUEST_LIMIT_EXCEEDED")
    return _checked(records, numbers_as_text=numbers_as_text)


def _load_json(body: bytes) -> Any:
    try:
        return json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise RequestError(f"malformed JSON: {exc}") from None


def _json_records(payload: Any) -> list[Mapping[str, Any]]:
    """The rows of a JSON request in any of the accepted formats, as {column: value} mappings."""
    if not isinstance(payload, dict):
        raise RequestError(f"the JSON body must be an object with one of the keys {', '.join(FORMAT_KEYS)}")
    present = [key for key in FORMAT_KEYS if key in payload]
    unknown = sorted(set(payload) - {*FORMAT_KEYS, "params"})
    if unknown:
        raise RequestError(f"unknown key(s) {', '.join(map(repr, unknown))}: use one of {', '.join(FORMAT_KEYS)}")
    if len(present) != 1:
        raise RequestError(f"the JSON body must hold exactly one of {', '.join(FORMAT_KEYS)}; found {len(present)}")
    key = present[0]
    if key == "dataframe_split":
        return _split_records(payload[key])
    if key == "dataframe_records":
        return _list_of_records(payload[key], where=key)
    return _inputs_records(payload[key], where=key)


def _split_records(split: Any) -> list[Mapping[str, Any]]:
    if not isinstance(split, dict) or not isinstance(split.get("columns"), list) or "data" not in split:
        raise RequestError('dataframe_split must be {"columns": [...], "data": [[...], ...]}')
    columns, data = split["columns"], split["data"]
    if not all(isinstance(c, str) for c in columns):
        raise RequestError("dataframe_split columns must be strings")
    if not isinstance(data, list) or not all(isinstance(row, list) for row in data):
        raise RequestError("dataframe_split data must be a list of rows (lists)")
    for i, row in enumerate(data):
        if len(row) != len(columns):
            raise RequestError(f"dataframe_split row {i} has {len(row)} values for {len(columns)} columns")
    return [dict(zip(columns, row, strict=True)) for row in data]


def _list_of_records(records: Any, *, where: str) -> list[Mapping[str, Any]]:
    if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
        raise RequestError(f"{where} must be a list of objects, one per row")
    return records


def _inputs_records(inputs: Any, *, where: str) -> list[Mapping[str, Any]]:
    """`inputs`/`instances`: records, {column: [values]} (or {column: value} for one row), or bare rows."""
    if isinstance(inputs, dict):
        columns = {name: value if isinstance(value, list) else [value] for name, value in inputs.items()}
        lengths = {len(values) for values in columns.values()}
        if len(lengths) > 1:
            raise RequestError(f"{where} columns have different lengths: {sorted(lengths)}")
        size = lengths.pop() if lengths else 0
        return [{name: values[i] for name, values in columns.items()} for i in range(size)]
    if isinstance(inputs, list) and inputs and all(isinstance(r, list) for r in inputs):
        for i, row in enumerate(inputs):
            if len(row) != len(RAW_MEASUREMENTS):
                raise RequestError(f"{where} row {i} has {len(row)} values: send the 4 measurements "
                                   f"{', '.join(RAW_MEASUREMENTS)} in this order, or name the columns")
        return [dict(zip(RAW_MEASUREMENTS, row, strict=True)) for row in inputs]
    return _list_of_records(inputs, where=where)


def _csv_records(body: bytes) -> list[Mapping[str, Any]]:
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise RequestError("the CSV body is not UTF-8 text") from None
    reader = csv.DictReader(io.StringIO(text))
    rows: list[Mapping[str, Any]] = list(reader)
    if any(None in row for row in rows):
        raise RequestError("a CSV row has more values than the header has columns")
    return rows


def _checked(records: Sequence[Mapping[str, Any]], *, numbers_as_text: bool) -> ParsedRequest:
    missing = [c for c in RAW_MEASUREMENTS if c not in records[0]]
    if missing:
        raise RequestError(f"missing column(s) {', '.join(missing)}: each row needs {', '.join(RAW_MEASUREMENTS)}")
    rows, keys, labels = [], [], []
    for i, record in enumerate(records):
        rows.append(tuple(_number(record, c, i, as_text=numbers_as_text) for c in RAW_MEASUREMENTS))
        keys.append(_optional_text(record, KEY_COLUMN, i))
        labels.append(_optional_text(record, LABEL_COLUMN, i))
    return ParsedRequest(tuple(rows), tuple(keys), tuple(labels))  # type: ignore[arg-type]


def _number(record: Mapping[str, Any], column: str, row: int, *, as_text: bool) -> float:
    if column not in record:
        raise RequestError(f"row {row} lacks column {column!r}")
    value = record[column]
    if as_text and isinstance(value, str) and value.strip():
        try:
            value = float(value)
        except ValueError:
            raise RequestError(f"column {column!r} row {row}: {value!r} is not a number") from None
    if value is None or value == "":
        raise RequestError(f"column {column!r} row {row}: missing value")
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise RequestError(f"column {column!r} row {row}: expected a number, got {type(value).__name__} {value!r}")
    try:
        number = float(value)
    except OverflowError:
        number = math.inf
    if not math.isfinite(number):
        raise RequestError(f"column {column!r} row {row}: {value} is not a finite number")
    return number


def _optional_text(record: Mapping[str, Any], column: str, row: int) -> str | None:
    value = record.get(column)
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise RequestError(f"column {column!r} row {row}: expected text, got {type(value).__name__}")
    return str(value)


def response_body(predictions: Sequence[Mapping[str, Any]]) -> bytes:
    """{"predictions": [one object per row]}, as MLflow answers for a model returning a DataFrame."""
    return json.dumps({"predictions": list(predictions)}, separators=(",", ":")).encode()


def error_body(error: RequestError) -> bytes:
    """The JSON error body of `error`."""
    return json.dumps(error.body()).encode()
