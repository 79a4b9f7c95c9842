"""The selection rule on synthetic scores: mean, then std, then family order; ties; partial leaderboards."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from iris_mlops.automl.selection import TrialResult, best_trial, build_leaderboard, leaderboard_records

ORDER = ("logistic_regression", "naive_bayes", "knn", "svm", "random_forest", "gradient_boosting")


def done(family: str, folds: Sequence[float], *, index: int = 0, fit_seconds: float = 1.0) -> TrialResult:
    return TrialResult(family, index, {"i": index}, "done", {"f1_macro": tuple(folds)}, fit_seconds=fit_seconds)


def skipped(family: str, index: int = 0) -> TrialResult:
    return TrialResult(family, index, {"i": index}, "skipped")


def ranked(results: list[TrialResult], order: Sequence[str] = ORDER) -> list[str]:
    board = build_leaderboard(results, family_order=order, metric="f1_macro")
    return [row.family for row in board.rows if row.rank is not None]


def test_build_leaderboard_ranks_by_mean_first() -> None:
    results = [done("knn", [0.90, 0.90]), done("svm", [0.95, 0.85]), done("naive_bayes", [1.0, 0.96])]
    assert ranked(results) == ["naive_bayes", "knn", "svm"]  # knn and svm share mean 0.90: lower std wins


def test_build_leaderboard_breaks_equal_means_by_lower_std() -> None:
    results = [done("logistic_regression", [1.0, 0.8]), done("gradient_boosting", [0.91, 0.89])]
    assert ranked(results) == ["gradient_boosting", "logistic_regression"]


@pytest.mark.parametrize("order", [ORDER, tuple(reversed(ORDER))])
def test_build_leaderboard_breaks_full_ties_by_family_order(order: tuple[str, ...]) -> None:
    results = [done("svm", [0.9, 1.0]), done("knn", [1.0, 0.9])]  # same mean and std, folds swapped
    expected = [f for f in order if f in ("svm", "knn")]
    assert ranked(results, order) == expected


def test_build_leaderboard_never_uses_timings() -> None:
    slow_first = [done("knn", [0.9, 1.0], fit_seconds=9.0), done("svm", [0.9, 1.0], fit_seconds=0.1)]
    assert ranked(slow_first) == ["knn", "svm"]


def test_build_leaderboard_treats_rounding_noise_as_a_tie() -> None:
    noisy = 0.1 + 0.2  # 0.30000000000000004
    results = [done("random_forest", [noisy, noisy]), done("gradient_boosting", [0.3, 0.3])]
    assert ranked(results, ("gradient_boosting", *ORDER[:5])) == ["gradient_boosting", "random_forest"]


def test_best_trial_prefers_the_earlier_trial_on_a_tie() -> None:
    trials = [done("knn", [0.9, 1.0], index=0), done("knn", [1.0, 0.9], index=1), done("knn", [0.8, 0.8], index=2)]
    best = best_trial(trials, metric="f1_macro")
    assert best is not None and best.index == 0


def test_partial_leaderboard_lists_skipped_trials_and_ranks_the_rest() -> None:
    results = [done("knn", [0.9, 0.9], index=0), skipped("knn", 1), skipped("svm", 0), skipped("svm", 1)]
    board = build_leaderboard(results, family_order=ORDER, metric="f1_macro")
    assert board.partial
    assert board.skipped == ("knn#1", "svm#0", "svm#1")
    rows = {row.family: row for row in board.rows}
    assert (rows["knn"].rank, rows["knn"].status) == (1, "partial")
    assert (rows["svm"].rank, rows["svm"].status) == (None, "skipped")
    assert board.winner is not None and board.winner.family == "knn"


def test_complete_leaderboard_is_not_partial() -> None:
    board = build_leaderboard([done(f, [0.9, 0.95]) for f in ORDER], family_order=ORDER, metric="f1_macro")
    assert not board.partial
    assert [r.rank for r in board.rows] == [1, 2, 3, 4, 5, 6]
    assert [r.family for r in board.rows] == list(ORDER)


def test_failed_trials_are_excluded_and_counted() -> None:
    failed = TrialResult("svm", 0, {}, "failed", error="ValueError: bad")
    board = build_leaderboard([failed, done("knn", [0.5, 0.5])], family_order=ORDER, metric="f1_macro")
    rows = {row.family: row for row in board.rows}
    assert rows["svm"].status == "failed" and rows["svm"].trials_failed == (0,)
    assert not board.partial


def test_leaderboard_without_completed_trials_has_no_winner() -> None:
    board = build_leaderboard([skipped("knn")], family_order=ORDER, metric="f1_macro")
    assert board.winner is None


def test_leaderboard_records_hold_mean_and_std() -> None:
    board = build_leaderboard([done("knn", [0.8, 1.0])], family_order=ORDER, metric="f1_macro")
    record = leaderboard_records(board)[0]
    assert record["family"] == "knn"
    assert record["f1_macro_mean"] == pytest.approx(0.9)
    assert record["f1_macro_std"] == pytest.approx(0.1)
