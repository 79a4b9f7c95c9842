"""Evidently's verdicts on the parity cases; runs in .venv-evidently (Evidently 0.7.x, pandas < 3).

Usage: run_evidently.py CASES_DIR OUT_JSON. CASES_DIR holds <case>-reference.csv and <case>-current.csv;
OUT_JSON gets {case: {"dataset_drift": bool, "columns": {column: {test, threshold, score, drifted}}}}, from
Evidently's DataDriftPreset at its defaults, numbers and `species` declared as such (as our monitor types them).
"""

from __future__ import annotations

import json
import sys
import warnings
from pathlib import Path

import pandas as pd
from evidently.legacy.metric_preset import DataDriftPreset
from evidently.legacy.pipeline.column_mapping import ColumnMapping
from evidently.legacy.report import Report

MEASUREMENTS = ["sepal_length", "sepal_width", "petal_length", "petal_width"]
MAPPING = ColumnMapping(numerical_features=MEASUREMENTS, categorical_features=["species"], target=None,
                        prediction=None)


def verdicts(reference: pd.DataFrame, current: pd.DataFrame) -> dict[str, object]:
    """DataDriftPreset on two frames: the dataset verdict and each column's test, threshold, score and verdict."""
    report = Report(metrics=[DataDriftPreset()])
    report.run(reference_data=reference, current_data=current, column_mapping=MAPPING)
    table = next(m["result"] for m in report.as_dict()["metrics"] if "drift_by_columns" in m["result"])
    columns = {name: {"test": c["stattest_name"], "threshold": c["stattest_threshold"],
                      "score": c["drift_score"], "drifted": bool(c["drift_detected"])}
               for name, c in table["drift_by_columns"].items()}
    return {"dataset_drift": bool(table["dataset_drift"]), "columns": columns}


def main() -> None:
    folder, out = Path(sys.argv[1]), Path(sys.argv[2])
    warnings.simplefilter("ignore")
    results = {}
    for reference_file in sorted(folder.glob("*-reference.csv")):
        case = reference_file.name.removesuffix("-reference.csv")
        results[case] = verdicts(pd.read_csv(reference_file), pd.read_csv(folder / f"{case}-current.csv"))
    out.write_text(json.dumps(results, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
