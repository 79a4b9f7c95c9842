"""Parity with Evidently 0.7.x DataDriftPreset: our drift verdicts on the same batches, column by column.

Run with `make test-drift-parity` (it builds .venv-evidently first). In the project venv this script writes
reference and current batches made with monitoring/simulate.py (every kind, several seeds, reference sizes on
both sides of the 1000-row switch from KS/chi-square to Wasserstein/Jensen-Shannon), runs
tests/parity/run_evidently.py in .venv-evidently on the same files, and compares:

1. at Evidently's default settings (our noise rule off, `monitoring.noise_quantile: 0`): the test chosen, its
   score (relative tolerance 1e-6) and the verdict per column and dataset. A difference with a documented
   reason (docs/monitoring.md, "Choosing a test") is printed with it; any other one fails (exit 1).
2. at our defaults (noise rule on): where we differ on purpose — a statistic inside the reference's own
   bootstrap noise is not drift. Any other difference fails.

Our side summarises each column in memory with the functions the monitor's profiles reproduce
(monitoring/summary.py), at the monitor's bins and exact-row limit.
"""

from __future__ import annotations

import argparse
import json
import math
import subprocess
import sys
import tempfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from iris_mlops.config import MEASUREMENTS, MonitoringConfig
from iris_mlops.monitoring.drift import ColumnDrift, DriftReport, compare_windows
from iris_mlops.monitoring.simulate import KINDS, simulate_batch
from iris_mlops.monitoring.summary import ColumnSummary, summarise_categorical, summarise_numeric

ROOT = Path(__file__).resolve().parents[2]
# (reference, current) rows: both sides of the 1000-row switch; small windows on a large reference are where
# the distances' fixed thresholds sit inside their own noise.
SIZES = ((150, 150), (600, 200), (1000, 400), (1500, 500), (1500, 150), (3000, 1500), (3000, 150))
SEEDS = (1, 2, 3)
TESTS = {"ks": "K-S p_value", "chi_square": "chi-square p_value", "wasserstein": "Wasserstein distance (normed)",
         "jensenshannon": "Jensen-Shannon distance", "psi": "PSI"}


@dataclass(frozen=True)
class Difference:
    """One column (or dataset) verdict that differs, and why."""

    case: str
    column: str
    ours: str
    theirs: str
    reason: str
    explained: bool


def write_cases(folder: Path) -> dict[str, tuple[pd.DataFrame, pd.DataFrame]]:
    """Every (kind, seed, sizes) pair of batches as CSV files the two sides read."""
    cases = {}
    for ref_rows, cur_rows in SIZES:
        for seed in SEEDS:
            column = MEASUREMENTS[seed % len(MEASUREMENTS)]
            reference = simulate_batch("none", seed=1000 + seed, rows=ref_rows)
            for kind in KINDS:
                current = simulate_batch(kind, column=column, seed=seed, rows=cur_rows)
                name = f"{kind}-{column}-s{seed}-r{ref_rows}-c{cur_rows}"
                reference.to_csv(folder / f"{name}-reference.csv", index=False)
                current.to_csv(folder / f"{name}-current.csv", index=False)
                cases[name] = (pd.read_csv(folder / f"{name}-reference.csv"),
                               pd.read_csv(folder / f"{name}-current.csv"))
    return cases


def our_report(reference: pd.DataFrame, current: pd.DataFrame, config: MonitoringConfig) -> DriftReport:
    """Our drift verdicts on two in-memory batches."""
    ref: dict[str, ColumnSummary] = {}
    cur: dict[str, ColumnSummary] = {}
    for name in MEASUREMENTS:
        ref[name] = summarise_numeric(reference[name].to_numpy(dtype=float), bins=config.bins,
                                      exact_limit=config.exact_row_limit)
        cur[name] = summarise_numeric(current[name].to_numpy(dtype=float), edges=ref[name].edges,  # type: ignore[union-attr]
                                      exact_limit=config.exact_row_limit)
    for frame, out in ((reference, ref), (current, cur)):
        out["species"] = summarise_categorical([None if pd.isna(v) else str(v) for v in frame["species"]])
    return compare_windows(ref, cur, reference_rows=len(reference), config=config)


def close(a: float | None, b: float | None) -> bool:
    """Scores equal to 1e-6 relative (1e-9 absolute for p-values near 0)."""
    if a is None or b is None:
        return a is b
    return math.isclose(a, b, rel_tol=1e-6, abs_tol=1e-9)


def default_differences(case: str, ours: DriftReport, theirs: dict[str, Any]) -> list[Difference]:
    """Noise rule off: test, score and verdict per column, then the dataset verdict."""
    out = []
    for column in ours.columns:
        their = theirs["columns"][column.column]
        if TESTS[column.test] != their["test"]:
            out.append(Difference(case, column.column, column.test, their["test"], *_test_reason(column, their)))
        elif not close(column.score, their["score"]):
            out.append(Difference(case, column.column, f"{column.test} {column.score}", f"{their['score']}",
                                  "score differs", False))
        elif column.drifted != their["drifted"]:
            out.append(Difference(case, column.column, str(column.drifted), str(their["drifted"]),
                                  "same score, other verdict", False))
    if ours.dataset_drift != theirs["dataset_drift"] and not [d for d in out if d.case == case]:
        out.append(Difference(case, "(dataset)", str(ours.dataset_drift), str(theirs["dataset_drift"]),
                              "dataset verdict differs with every column equal", False))
    return out


def _test_reason(column: ColumnDrift, their: dict[str, Any]) -> tuple[str, bool]:
    if their["test"] == "Z-test p_value":
        return "two-value category: Evidently's proportion Z-test, our chi-square (documented)", True
    if column.test == "chi_square" and their["test"] == TESTS["ks"]:
        return "≤ 5 distinct values in the reference: we count the reference only (documented)", True
    if column.test == "ks" and their["test"] == TESTS["chi_square"]:
        return "≤ 5 distinct values over both windows: Evidently counts both (documented)", True
    return "test choice differs", False


def noise_differences(case: str, ours: DriftReport, theirs: dict[str, Any]) -> list[Difference]:
    """Noise rule on: every column where we say no drift and Evidently says drift, and why."""
    out = []
    for column in ours.columns:
        their = theirs["columns"][column.column]
        if column.drifted == their["drifted"] or TESTS[column.test] != their["test"]:
            continue
        quiet = (not column.drifted and column.noise_threshold is not None and column.statistic is not None
                 and column.statistic <= column.noise_threshold)
        reason = (f"on purpose: {column.test} statistic {column.statistic:.4g} within the reference's resample noise "
                  f"(q{MonitoringConfig().noise_quantile} = {column.noise_threshold:.4g})") if quiet else "unexplained"
        out.append(Difference(case, column.column, str(column.drifted), str(their["drifted"]), reason, quiet))
    return out


def run_evidently(folder: Path, python: Path) -> dict[str, Any]:
    """Evidently's verdicts on the case files, computed in its own virtualenv."""
    out = folder / "evidently.json"
    subprocess.run([str(python), str(ROOT / "tests/parity/run_evidently.py"), str(folder), str(out)], check=True)
    return json.loads(out.read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def summarise(title: str, cases: dict[str, Any], reports: dict[str, DriftReport], theirs: dict[str, Any],
              differences: list[Difference]) -> bool:
    """Print agreement counts and every difference; True when every difference is explained."""
    columns = sum(len(r.columns) for r in reports.values())
    differing = {(d.case, d.column) for d in differences if d.column != "(dataset)"}
    same_dataset = sum(reports[c].dataset_drift == theirs[c]["dataset_drift"] for c in cases)
    ours_flags = sum(c.drifted for r in reports.values() for c in r.columns)
    their_flags = sum(c["drifted"] for t in theirs.values() for c in t["columns"].values())
    print(f"\n== {title}\ncolumns: {columns - len(differing)}/{columns} agree; dataset verdicts: "
          f"{same_dataset}/{len(cases)} agree; drifted columns: ours {ours_flags}, Evidently {their_flags}")
    for reason, count in Counter(d.reason.split(":")[0] for d in differences).most_common():
        print(f"  {count:4d} × {reason}")
    for d in differences:
        mark = "   " if d.explained else "XXX"
        print(f"  {mark} {d.case} {d.column}: ours {d.ours}, Evidently {d.theirs} — {d.reason}")
    return all(d.explained for d in differences)


def by_kind(cases: dict[str, Any], reports: dict[str, DriftReport], theirs: dict[str, Any]) -> None:
    """Dataset-drift verdicts and drifted columns per simulated kind: ours / Evidently's, every seed and size."""
    for kind in KINDS:
        names = [c for c in cases if c.startswith(f"{kind}-")]
        ours = sum(c.drifted for n in names for c in reports[n].columns)
        their = sum(c["drifted"] for n in names for c in theirs[n]["columns"].values())
        print(f"  {kind:11s} dataset drift: ours {sum(reports[c].dataset_drift for c in names)}/{len(names)}, "
              f"Evidently {sum(theirs[c]['dataset_drift'] for c in names)}/{len(names)}; "
              f"drifted columns: ours {ours}, Evidently {their} of {5 * len(names)}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--evidently-python", type=Path, default=ROOT / ".venv-evidently/bin/python")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="drift-parity-") as tmp:
        folder = Path(tmp)
        cases = write_cases(folder)
        print(f"{len(cases)} cases ({len(KINDS)} kinds × {len(SEEDS)} seeds × {len(SIZES)} sizes); Evidently ...",
              file=sys.stderr)
        theirs = run_evidently(folder, args.evidently_python)
    evidently_like = MonitoringConfig(noise_quantile=0)
    plain = {c: our_report(r, k, evidently_like) for c, (r, k) in cases.items()}
    ok = summarise("Evidently defaults (noise rule off)", cases, plain, theirs,
                   [d for c in cases for d in default_differences(c, plain[c], theirs[c])])
    by_kind(cases, plain, theirs)
    ours = {c: our_report(r, k, MonitoringConfig()) for c, (r, k) in cases.items()}
    ok &= summarise("our defaults (noise rule on)", cases, ours, theirs,
                    [d for c in cases for d in noise_differences(c, ours[c], theirs[c])])
    by_kind(cases, ours, theirs)
    print("\nparity: OK" if ok else "\nparity: unexplained differences (XXX above)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
