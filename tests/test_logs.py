"""Logging set-up: library chatter goes to the home's log file, and back to stderr only when verbose."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from iris_mlops import logs

CHATTER = ("Using incubator modules", "log4j", "resolves to a loopback address", "Successfully registered model",
           "Created version", "INFO mlflow", "INFO py4j", "INFO alembic", "Setting default log level")


@pytest.fixture()
def restored_logging(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Put the process's logging back as it was: these tests reconfigure global state."""
    import mlflow.utils.logging_utils as mlflow_logging

    root = logging.getLogger()
    saved = (list(root.handlers), root.level, dict(logs._state), mlflow_logging.MLFLOW_LOGGING_STREAM)
    levels = {name: logging.getLogger(name).level for name in logs.LIBRARY_LOGGERS}
    monkeypatch.delenv(logs.VERBOSE_ENV, raising=False)
    monkeypatch.delenv("MLFLOW_LOGGING_LEVEL", raising=False)
    yield
    for handler in root.handlers[:]:
        if handler not in saved[0]:
            root.removeHandler(handler)
            handler.close()
    root.setLevel(saved[1])
    logs._state.update(saved[2])
    mlflow_logging.MLFLOW_LOGGING_STREAM = saved[3]
    for handler in logging.getLogger("mlflow").handlers:
        if isinstance(getattr(handler, "stream", None), logs.LibraryPrints):
            handler.setStream(saved[3])  # type: ignore[attr-defined]
    for name, level in levels.items():
        logging.getLogger(name).setLevel(level)
    logging.captureWarnings(False)


def test_configure_logging_sends_library_warnings_to_the_file_and_drops_info(
    tmp_path: Path, restored_logging: None, capfd: pytest.CaptureFixture[str]
) -> None:
    path = logs.configure_logging(tmp_path)
    logging.getLogger("py4j.clientserver").info("Closing down clientserver connection")
    logging.getLogger("urllib3.connectionpool").warning("Retrying after connection broken")
    out, err = capfd.readouterr()
    assert path == tmp_path / "logs" / "iris-mlops.log"
    text = path.read_text(encoding="utf-8")
    assert "Retrying after connection broken" in text and "Closing down" not in text
    assert "Retrying" not in err and "Closing" not in err and out == ""


def test_mlflow_prints_go_to_the_log_file_even_after_mlflow_reenables_its_stream(
    tmp_path: Path, restored_logging: None, capfd: pytest.CaptureFixture[str]
) -> None:
    import mlflow  # noqa: F401  (MLflow installs its handler on import)
    from mlflow.utils import logging_utils

    path = logs.configure_logging(tmp_path)
    logging_utils.enable_logging()  # what MLflow's autologging contexts do on exit
    logging_utils.eprint("Successfully registered model 'iris_classifier'.")
    logging.getLogger("mlflow.store.db.utils").info("Creating initial MLflow database tables...")
    _, err = capfd.readouterr()
    assert "Successfully registered model" not in err and "Creating initial" not in err
    assert "Successfully registered model 'iris_classifier'." in path.read_text(encoding="utf-8")


def test_verbose_brings_library_logs_back_to_stderr(
    tmp_path: Path, restored_logging: None, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    import mlflow  # noqa: F401
    from mlflow.utils import logging_utils

    monkeypatch.setenv(logs.VERBOSE_ENV, "1")
    logs.configure_logging(tmp_path)
    logging.getLogger("py4j.clientserver").info("Closing down clientserver connection")
    logging_utils.eprint("Successfully registered model 'm'.")
    _, err = capfd.readouterr()
    assert "Closing down clientserver connection" in err and "Successfully registered model 'm'." in err


@pytest.mark.parametrize(("value", "expected"), [("1", True), ("true", True), ("0", False), ("", False)])
def test_is_verbose_reads_the_environment(monkeypatch: pytest.MonkeyPatch, value: str, expected: bool) -> None:
    monkeypatch.setenv(logs.VERBOSE_ENV, value)
    assert logs.is_verbose() is expected


def _run(args: list[str], home: Path, *, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("IRIS_MLOPS_")}
    environ |= {"IRIS_MLOPS_HOME": str(home), **env}
    script = Path(sys.executable).parent / args[0]
    return subprocess.run([str(script), *args[1:]], capture_output=True, text=True, env=environ, timeout=600,
                          cwd=cwd, check=False)


@pytest.mark.slow
def test_a_whole_run_from_any_folder_is_quiet_and_leaves_a_summary(tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"  # no databricks.yml here: the packaged job definitions are used
    elsewhere.mkdir()
    done = _run(["iris-mlops", "run"], tmp_path / "home", cwd=elsewhere)
    assert done.returncode == 0, done.stderr[-3000:]
    for chatter in CHATTER:
        assert chatter not in done.stderr, f"{chatter!r} on stderr:\n{done.stderr[-3000:]}"
    log = (tmp_path / "home" / "logs" / "iris-mlops.log").read_text(encoding="utf-8")
    assert "Using incubator modules" in log and "Successfully registered model" in log
    runs = tmp_path / "home" / "reports" / "runs"
    pages = [p for p in runs.glob("local-*.html")]
    assert len(pages) == 1 and (runs / "index.html").is_file() and "[workflow] run summary:" in done.stderr
    page = pages[0].read_text(encoding="utf-8")
    assert "iris_classifier version 1" in page and "iris_features v1" in page and "expectations met" in page


@pytest.mark.slow
def test_verbose_console_script_shows_the_jvm_output(tmp_path: Path) -> None:
    done = _run(["iris-mlops-bronze"], tmp_path / "home", cwd=tmp_path, IRIS_MLOPS_VERBOSE="1")
    assert done.returncode == 0, done.stderr[-3000:]
    assert "Using incubator modules" in done.stderr
