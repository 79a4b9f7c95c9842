"""The CLI people type: -h everywhere, shell completion, --verbose, and the day-two commands registered."""

from __future__ import annotations

import os

import pytest
from typer.testing import CliRunner

from iris_mlops.cli import app
from iris_mlops.logs import VERBOSE_ENV


@pytest.mark.parametrize("args", [["-h"], ["models", "-h"], ["train", "-h"], ["report", "-h"], ["tables", "-h"]])
def test_dash_h_prints_help(args: list[str]) -> None:
    done = CliRunner().invoke(app, args)
    assert done.exit_code == 0, done.output
    assert "Usage:" in done.stdout and "--help" in done.stdout


def test_shell_completion_is_available() -> None:
    help_text = CliRunner().invoke(app, ["--help"]).stdout
    assert "--install-completion" in help_text and "--show-completion" in help_text


def test_day_two_commands_and_options_are_registered() -> None:
    assert "report" in CliRunner().invoke(app, ["--help"]).stdout
    models = CliRunner().invoke(app, ["models", "--help"]).stdout
    assert "unpin" in models and "describe" in models
    assert "--force" in CliRunner().invoke(app, ["train", "--help"]).stdout


def test_verbose_switches_the_process_and_its_tasks_to_verbose(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(VERBOSE_ENV, "0")  # recorded, so the variable is restored after the test
    done = CliRunner().invoke(app, ["--verbose", "config", "show", "--json"])
    assert done.exit_code == 0, done.output
    assert os.environ.get(VERBOSE_ENV) == "1"


def test_console_scripts_take_dash_h() -> None:
    from iris_mlops.entrypoints import run_task

    assert run_task("gold", ["-h"]) == 0
