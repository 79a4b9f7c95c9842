"""The drift statistics equal scipy's (and Evidently's PSI formula) on the same inputs."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats as sp
from scipy.spatial import distance

from iris_mlops.monitoring import stats
from iris_mlops.monitoring.summary import bin_counts, reference_edges, summarise_numeric

RNG = np.random.default_rng(7)
REF = RNG.normal(5.8, 0.8, 150)
CUR = RNG.normal(6.1, 0.9, 120)


def test_ks_exact_equals_scipy() -> None:
    expected = sp.ks_2samp(REF, CUR)
    got = stats.ks_exact(REF, CUR)
    assert got.statistic == pytest.approx(expected.statistic, abs=1e-12)
    assert got.pvalue == pytest.approx(expected.pvalue, abs=1e-12)


def test_ks_binned_equals_scipy_asymptotic_when_each_bin_holds_one_value() -> None:
    ref = RNG.integers(0, 20, 5000).astype(float)
    cur = RNG.integers(2, 22, 4000).astype(float)
    edges = tuple(float(e) for e in np.arange(-0.5, 20.5, 1.0))  # one integer per inner bin, the rest in the tails
    ref_counts, _ = bin_counts(ref, edges)
    cur_counts, _ = bin_counts(cur, edges)
    expected = sp.ks_2samp(ref, cur, method="asymp")
    got = stats.ks_binned(np.array(ref_counts), np.array(cur_counts))
    assert got.statistic == pytest.approx(expected.statistic, abs=1e-9)
    assert got.pvalue == pytest.approx(expected.pvalue, abs=1e-9)


def test_chi_square_equals_scipy_goodness_of_fit_against_reference_shares() -> None:
    ref, cur = np.array([50.0, 50.0, 50.0]), np.array([20.0, 45.0, 55.0])
    expected = sp.chisquare(cur, ref * cur.sum() / ref.sum())
    got = stats.chi_square(ref, cur)
    assert got.statistic == pytest.approx(expected.statistic, abs=1e-9)
    assert got.pvalue == pytest.approx(expected.pvalue, abs=1e-9)


def test_chi_square_of_a_category_the_reference_never_saw_is_infinite() -> None:
    got = stats.chi_square(np.array([10.0, 10.0, 0.0]), np.array([10.0, 10.0, 1.0]))
    assert got.statistic == float("inf") and got.pvalue == 0.0


def test_wasserstein_equals_scipy_on_values() -> None:
    assert stats.wasserstein(REF, CUR) == pytest.approx(sp.wasserstein_distance(REF, CUR), abs=1e-12)


def test_wasserstein_equals_scipy_with_weights() -> None:
    u, v = np.array([1.0, 2.0, 3.5, 7.0]), np.array([1.5, 2.0, 8.0])
    uw, vw = np.array([3.0, 0.0, 2.0, 5.0]), np.array([1.0, 4.0, 2.0])
    assert stats.wasserstein(u, v, uw, vw) == pytest.approx(sp.wasserstein_distance(u, v, uw, vw), abs=1e-12)


def test_binned_wasserstein_is_within_half_a_bin_of_the_exact_distance() -> None:
    ref = summarise_numeric(REF, bins=30, exact_limit=0)
    cur = summarise_numeric(CUR, edges=ref.edges, exact_limit=0)
    binned = stats.wasserstein(ref.centroids(), cur.centroids(), np.array(ref.counts), np.array(cur.counts))
    half_bin = (ref.edges[1] - ref.edges[0]) / 2
    assert abs(binned - sp.wasserstein_distance(REF, CUR)) <= half_bin


def test_js_distance_equals_scipy() -> None:
    ref, cur = np.array([10.0, 0.0, 5.0, 3.0]), np.array([2.0, 4.0, 5.0, 0.0])
    assert stats.js_distance(ref, cur) == pytest.approx(distance.jensenshannon(ref, cur), abs=1e-12)


def test_psi_follows_evidently_formula_with_floor_for_empty_bins() -> None:
    ref, cur = np.array([10.0, 0.0, 10.0]), np.array([5.0, 5.0, 10.0])
    r = np.array([0.5, 1e-4, 0.5])
    c = np.array([0.25, 0.25, 0.5])
    assert stats.psi(ref, cur) == pytest.approx(float(np.sum((r - c) * np.log(r / c))), abs=1e-12)


def test_wasserstein_norm_uses_a_floor_for_constant_references() -> None:
    assert stats.wasserstein_norm(0.5, 0.0) == pytest.approx(500.0)


def test_counts_must_have_a_positive_total() -> None:
    with pytest.raises(ValueError, match="positive total"):
        stats.ks_binned(np.zeros(3), np.ones(3))


def test_reference_edges_match_numpy_histogram_bin_edges() -> None:
    assert np.allclose(reference_edges(REF.min(), REF.max(), bins=30), np.histogram_bin_edges(REF, 30))
    assert reference_edges(2.0, 2.0, bins=2) == (1.5, 2.0, 2.5)
