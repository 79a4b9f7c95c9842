"""progress.step: a live line on a terminal's stderr, nothing at all when stderr is piped."""

from __future__ import annotations

import io

import pytest

from iris_mlops import progress


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_step_shows_nothing_when_stderr_is_not_a_terminal(capsys: pytest.CaptureFixture[str]) -> None:
    with progress.step("AutoML trials", total=3) as update:
        update(1, 3)
    assert update is progress.no_progress
    assert capsys.readouterr() == ("", "")


def test_step_shows_the_count_on_a_terminal_and_never_on_stdout(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    terminal = _Terminal()
    monkeypatch.setattr("sys.stderr", terminal)
    with progress.step("AutoML trials", total=33) as update:
        update(7, 33)
    shown = terminal.getvalue()
    assert "AutoML trials" in shown and "7/33" in shown and "0:00:0" in shown
    assert capsys.readouterr().out == ""


def test_steps_side_by_side_share_one_display(monkeypatch: pytest.MonkeyPatch) -> None:
    terminal = _Terminal()
    monkeypatch.setattr("sys.stderr", terminal)
    with progress.step("starting Spark"), progress.step("benchmark folds", total=10) as folds:
        folds(4, 10)
    shown = terminal.getvalue()
    assert "starting Spark" in shown and "4/10" in shown
    assert progress._DISPLAY._progress is None  # stopped once the last step ended


def test_echo_prints_above_a_live_display_and_plainly_without_one(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    progress.echo("[train] plain line")
    assert capsys.readouterr().err == "[train] plain line\n"
    terminal = _Terminal()
    monkeypatch.setattr("sys.stderr", terminal)
    with progress.step("AutoML trials", total=2) as update:
        progress.echo("[automl] trial 1 done")
        update(1, 2)
    shown = terminal.getvalue()
    # Rich clears the bar's line before printing the message on its own line.
    assert "\x1b[2K[automl] trial 1 done\n" in shown.replace("\r", "")
