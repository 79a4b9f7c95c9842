"""Export a suite as a Great Expectations 1.x suite (JSON), listing what GX cannot express."""

from __future__ import annotations

from typing import Any

from iris_mlops.quality.suite import Expectation, Suite

GX_VERSION = "1.24.1"
GX_SEVERITY = {"error": "critical", "warn": "warning"}


def gx_row_condition(condition: dict[str, Any]) -> dict[str, Any]:
    """Our equality mapping as GX 1.x's structured row condition (a comparison, or an AND of them)."""
    terms = [
        {"column": {"name": column}, "operator": "==", "parameter": value, "type": "comparison"}
        for column, value in condition.items()
    ]
    return terms[0] if len(terms) == 1 else {"conditions": terms, "type": "and"}


def not_expressible(expectation: Expectation) -> str | None:
    """Why GX 1.x cannot run this expectation as written, or None when it can."""
    if not expectation.spec.gx:
        what = "a cross-table check" if expectation.spec.kind == "cross" else "an iris-mlops extension"
        return f"{what}, not a GX 1.x expectation"
    if getattr(expectation.kwargs, "parse_as", None):
        return "parse_as (raw strings parsed as numbers): GX refuses numeric bounds on a string column"
    return None


def gx_expectation(expectation: Expectation) -> dict[str, Any]:
    """One expectation in GX 1.x's configuration shape."""
    kwargs = expectation.kwargs_dict()
    if kwargs.get("row_condition"):
        kwargs["row_condition"] = gx_row_condition(kwargs["row_condition"])
        kwargs["condition_parser"] = "great_expectations"
    meta = {**dict(expectation.meta), "iris_mlops": {"severity": expectation.severity, "index": expectation.index}}
    return {"type": expectation.type, "kwargs": kwargs, "meta": meta, "severity": GX_SEVERITY[expectation.severity]}


def to_gx(suite: Suite) -> tuple[dict[str, Any], list[str]]:
    """The GX suite dict and one line per expectation left out (file, number, type and reason)."""
    kept, skipped = [], []
    for expectation in suite.expectations:
        reason = not_expressible(expectation)
        if reason:
            skipped.append(f"{suite.name} expectation #{expectation.index} {expectation.label}: {reason}")
        else:
            kept.append(gx_expectation(expectation))
    document = {
        "name": suite.name,
        "id": None,
        "expectations": kept,
        "meta": {"great_expectations_version": GX_VERSION, "iris_mlops": {"suite_version": suite.version,
                                                                          "table": suite.table}},
        "notes": suite.description or None,
    }
    return document, skipped
