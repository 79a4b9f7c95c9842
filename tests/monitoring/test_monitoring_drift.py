"""Test choice by Evidently's rule, verdicts against thresholds and noise, and the dataset drift share."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from iris_mlops.config import MEASUREMENTS, ColumnTestConfig, MonitoringConfig
from iris_mlops.errors import ConfigError
from iris_mlops.monitoring.drift import choose_test, compare_windows
from iris_mlops.monitoring.simulate import iris_frame, simulate_batch
from iris_mlops.monitoring.summary import ColumnSummary, summarise_categorical, summarise_numeric

TESTS = ("ks", "wasserstein", "jensenshannon", "psi", "chi_square")


def summaries(frame: pd.DataFrame, reference: dict[str, ColumnSummary] | None = None,
              exact_limit: int = 5000) -> dict[str, ColumnSummary]:
    out: dict[str, ColumnSummary] = {}
    for name in MEASUREMENTS:
        edges = None if reference is None else reference[name].edges  # type: ignore[union-attr]
        out[name] = summarise_numeric(frame[name].to_numpy(), edges=edges, exact_limit=exact_limit)
    out["species"] = summarise_categorical(frame["species"].tolist())
    return out


def override(test: str) -> MonitoringConfig:
    threshold = 0.05 if test in ("ks", "chi_square") else 0.1
    return MonitoringConfig(columns={m: ColumnTestConfig(test=test, threshold=threshold) for m in MEASUREMENTS})


REFERENCE = summaries(iris_frame())


def test_choose_test_follows_evidently_defaults_by_size_and_type() -> None:
    config = MonitoringConfig()
    numeric, species = REFERENCE["sepal_length"], REFERENCE["species"]
    assert choose_test("x", numeric, reference_rows=150, config=config).test == "ks"
    assert choose_test("species", species, reference_rows=150, config=config).test == "chi_square"
    assert choose_test("x", numeric, reference_rows=5000, config=config).test == "wasserstein"
    assert choose_test("species", species, reference_rows=5000, config=config).test == "jensenshannon"
    few = summarise_numeric(np.array([1.0, 2.0, 1.0, 3.0]))
    assert choose_test("few", few, reference_rows=150, config=config).test == "chi_square"


def test_choose_test_override_refuses_a_numeric_test_on_a_category() -> None:
    config = MonitoringConfig(columns={"species": ColumnTestConfig(test="ks", threshold=0.05)})
    with pytest.raises(ConfigError, match="needs numbers"):
        choose_test("species", REFERENCE["species"], reference_rows=150, config=config)


@pytest.mark.parametrize("test", TESTS)
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_compare_windows_bootstrap_resample_is_not_drift_whatever_the_test(test: str, seed: int) -> None:
    current = summaries(simulate_batch("none", seed=seed), REFERENCE)
    report = compare_windows(REFERENCE, current, reference_rows=150, config=override(test))
    assert report.drifted_columns == []
    assert not report.dataset_drift


@pytest.mark.parametrize("test", ("wasserstein", "jensenshannon", "psi"))
def test_compare_windows_without_noise_correction_distances_flag_a_resample(test: str) -> None:
    # Evidently's fixed thresholds at 150 rows: the misfire the noise rule exists for.
    config = override(test).model_copy(update={"noise_quantile": 0.0})
    flagged = sum(
        len(compare_windows(REFERENCE, summaries(simulate_batch("none", seed=s), REFERENCE), reference_rows=150,
                            config=config).drifted_columns) for s in range(1, 6))
    assert flagged > 0


@pytest.mark.parametrize("test", TESTS)
def test_compare_windows_mean_shift_drifts_the_shifted_column(test: str) -> None:
    current = summaries(simulate_batch("mean-shift", column="sepal_width", severity=1.0, seed=4), REFERENCE)
    report = compare_windows(REFERENCE, current, reference_rows=150, config=override(test))
    assert "sepal_width" in report.drifted_columns
    assert "sepal_length" not in report.drifted_columns


def test_compare_windows_binned_summaries_detect_a_shift() -> None:
    reference = summaries(iris_frame(), exact_limit=0)
    current = summaries(simulate_batch("mean-shift", column="petal_width", severity=0.8, seed=5), reference, 0)
    report = compare_windows(reference, current, reference_rows=150, config=MonitoringConfig())
    assert report.drifted_columns == ["petal_width"]
    assert all(c.scores is not None and c.scores.ks is not None for c in report.columns[:4])


def test_compare_windows_class_mix_drifts_species_and_dataset_needs_half_the_columns() -> None:
    current = summaries(simulate_batch("class-mix", severity=0.9, seed=6), REFERENCE)
    report = compare_windows(REFERENCE, current, reference_rows=150, config=MonitoringConfig())
    assert "species" in report.drifted_columns
    assert report.drift_share == pytest.approx(len(report.drifted_columns) / 5)
    assert report.dataset_drift == (report.drift_share >= 0.5)


def test_compare_windows_all_null_column_is_not_tested_and_not_counted() -> None:
    frame = simulate_batch("nulls", column="sepal_length", severity=1.0, seed=7)
    report = compare_windows(REFERENCE, summaries(frame, REFERENCE), reference_rows=150, config=MonitoringConfig())
    column = report.columns[0]
    assert column.score is None and not column.drifted and "no values" in (column.note or "")
    assert "sepal_length" not in report.counted_columns


def test_compare_windows_missing_column_is_a_config_error() -> None:
    current = dict(REFERENCE)
    del current["petal_width"]
    with pytest.raises(ConfigError, match="petal_width"):
        compare_windows(REFERENCE, current, reference_rows=150, config=MonitoringConfig())


def test_simulate_batch_is_seeded_and_applies_its_change() -> None:
    first, again = simulate_batch("mean-shift", seed=3), simulate_batch("mean-shift", seed=3)
    pd.testing.assert_frame_equal(first, again)
    base = simulate_batch("none", seed=3)
    assert first["petal_length"].mean() > base["petal_length"].mean() + 1.0
    assert len(simulate_batch("volume", severity=0.2)) == 30
    assert simulate_batch("nulls", column="sepal_width", severity=0.5, seed=1)["sepal_width"].isna().mean() > 0.3


def test_simulate_batch_refuses_bad_kind_column_and_severity() -> None:
    from iris_mlops.errors import InputError

    for kwargs in ({"kind": "drift"}, {"kind": "scale", "column": "colour"}, {"kind": "nulls", "severity": 2.0}):
        with pytest.raises(InputError):
            simulate_batch(**kwargs)  # type: ignore[arg-type]
