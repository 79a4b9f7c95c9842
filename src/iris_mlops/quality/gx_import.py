"""Import a Great Expectations 1.x suite (JSON) as our YAML suite: the inverse of `quality.export.to_gx`.

A team moving from GX keeps its suites. What cannot be carried over is refused with one line naming the
expectation and the reason (an expectation we do not have, a row condition other than equalities joined by
AND), never dropped silently. GX-only arguments that change nothing we compute (result_format,
catch_exceptions, include_config) are left out.
"""

from __future__ import annotations

import re
from typing import Any

from iris_mlops.quality.catalogue import CATALOGUE
from iris_mlops.quality.suite import SuiteError

SEVERITY = {"critical": "error", "warning": "warn", "info": "warn"}
GX_ONLY_KWARGS = ("result_format", "catch_exceptions", "include_config", "condition_parser", "meta")
# col("species") == "setosa" [& col("x") == 1 ...]: the string row conditions GX's own parser writes for equality.
_STRING_TERM = re.compile(r"""^\s*col\(\s*["']([^"']+)["']\s*\)\s*==\s*(?:["']([^"']*)["']|(-?\d+(?:\.\d+)?))\s*$""")


def from_gx(document: Any, *, table: str | None = None, version: str | None = None) -> dict[str, Any]:
    """Our suite mapping (name, version, table, expectations) from a GX 1.x suite dict; SuiteError when it cannot."""
    if not isinstance(document, dict) or not isinstance(document.get("expectations"), list):
        raise SuiteError("not a GX 1.x suite: expected a JSON object with an 'expectations' list")
    ours = (document.get("meta") or {}).get("iris_mlops") or {}
    table = table or ours.get("table")
    if not table:
        raise SuiteError("the GX suite does not say which table it validates: pass --table (e.g. silver)")
    expectations = [_expectation(i, item) for i, item in enumerate(document["expectations"], 1)]
    if not expectations:
        raise SuiteError("the GX suite holds no expectation: nothing to import")
    suite: dict[str, Any] = {
        "name": str(document.get("name") or "imported_suite"),
        "version": str(version or ours.get("suite_version") or "1"),
        "table": str(table),
    }
    if document.get("notes"):
        suite["description"] = _notes(document["notes"])
    suite["expectations"] = expectations
    return suite


def _expectation(index: int, item: Any) -> dict[str, Any]:
    """One GX expectation configuration as our expectation mapping."""
    if not isinstance(item, dict) or not isinstance(item.get("type") or item.get("expectation_type"), str):
        raise SuiteError(f"GX expectation #{index}: expected an object with a 'type'")
    kind = item.get("type") or item["expectation_type"]
    spec = CATALOGUE.get(kind)
    if spec is None or not spec.gx:
        raise SuiteError(f"GX expectation #{index} ({kind}): not an expectation iris-mlops can run")
    kwargs = {k: v for k, v in (item.get("kwargs") or {}).items() if k not in GX_ONLY_KWARGS and v is not None}
    if "row_condition" in kwargs:
        kwargs["row_condition"] = _row_condition(kwargs["row_condition"], where=f"GX expectation #{index} ({kind})")
    meta = dict(item.get("meta") or {})
    ours = meta.pop("iris_mlops", None) or {}
    severity = ours.get("severity") or SEVERITY.get(str(item.get("severity") or "critical"))
    if severity is None:
        raise SuiteError(f"GX expectation #{index} ({kind}): unknown severity {item.get('severity')!r}")
    out: dict[str, Any] = {"type": kind, "kwargs": kwargs, "severity": severity}
    if meta:
        out["meta"] = meta
    return out


def _row_condition(condition: Any, *, where: str) -> dict[str, Any]:
    """GX's structured (or simple string) row condition as our equality mapping."""
    if isinstance(condition, str):
        return _string_condition(condition, where=where)
    terms = condition.get("conditions") if isinstance(condition, dict) and condition.get("type") == "and" else [
        condition]
    found: dict[str, Any] = {}
    for term in terms or []:
        if not (isinstance(term, dict) and term.get("type") == "comparison" and term.get("operator") == "=="):
            raise SuiteError(f"{where}: row_condition {condition!r} is not supported: only equalities joined by AND")
        column = term.get("column")
        name = column.get("name") if isinstance(column, dict) else column
        if not isinstance(name, str) or not name:
            raise SuiteError(f"{where}: row_condition {condition!r} names no column")
        found[name] = term.get("parameter")
    if not found:
        raise SuiteError(f"{where}: row_condition {condition!r} names no column")
    return found


def _string_condition(text: str, *, where: str) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for part in text.split("&"):
        match = _STRING_TERM.match(part)
        if match is None:
            raise SuiteError(f"{where}: row_condition {text!r} is not supported: only col(\"x\") == value joined by &")
        name, quoted, number = match.groups()
        found[name] = quoted if quoted is not None else (float(number) if "." in number else int(number))
    return found


def _notes(notes: Any) -> str:
    return "\n".join(map(str, notes)) if isinstance(notes, list) else str(notes)
