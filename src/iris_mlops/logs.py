"""Where logs go: a log file under $IRIS_MLOPS_HOME/logs, and the terminal only with --verbose.

The terminal carries our own progress lines and one-line errors; the JVM's output (log4j, JDK warnings) and
the libraries' log records (MLflow, py4j, alembic, urllib3, Python warnings) go to the log file, unless
verbose mode (`--verbose` or IRIS_MLOPS_VERBOSE=1) brings them back to stderr.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
from pathlib import Path
from typing import Any

VERBOSE_ENV = "IRIS_MLOPS_VERBOSE"
LOG_FILE_NAME = "iris-mlops.log"
# Loggers of the libraries we call whose INFO lines are noise on a terminal.
LIBRARY_LOGGERS = ("mlflow", "py4j", "alembic", "urllib3", "sqlalchemy", "databricks", "matplotlib", "huey", "git",
                   "py.warnings")
LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"

_lock = threading.Lock()
_state: dict[str, Path | None] = {"log_file": None}


def is_verbose() -> bool:
    """True when logs belong on the terminal: IRIS_MLOPS_VERBOSE is 1, true, yes or on."""
    return os.environ.get(VERBOSE_ENV, "").strip().lower() in ("1", "true", "yes", "on")


def set_verbose(verbose: bool) -> None:
    """Switch verbose mode for this process and the tasks and console scripts it runs (through the env var)."""
    if verbose:
        os.environ[VERBOSE_ENV] = "1"
    else:
        os.environ.pop(VERBOSE_ENV, None)


def default_home() -> Path:
    """$IRIS_MLOPS_HOME, else ./.iris_mlops (the configuration's default home)."""
    return Path(os.environ.get("IRIS_MLOPS_HOME") or ".iris_mlops").expanduser().resolve()


def log_file(home: Path | None = None) -> Path:
    """The log file of `home` (default: the one configure_logging chose, else the default home)."""
    if home is None and _state["log_file"] is not None:
        return _state["log_file"]
    return (home or default_home()) / "logs" / LOG_FILE_NAME


def configure_logging(home: Path | None = None, *, verbose: bool | None = None) -> Path:
    """Send library logs to the home's log file (and to stderr when verbose); returns the log file. Idempotent."""
    loud = is_verbose() if verbose is None else verbose
    path = log_file(home)
    path.parent.mkdir(parents=True, exist_ok=True)
    # MLflow reads its level when first imported: set it before, and fix its handlers after (quiet_mlflow).
    os.environ["MLFLOW_LOGGING_LEVEL"] = "INFO" if loud else "WARNING"
    with _lock:
        _state["log_file"] = path
        root = logging.getLogger()
        _replace_handler(root, "iris_mlops_file", _file_handler(path))
        if loud:
            _replace_handler(root, "iris_mlops_stderr", _stderr_handler())
        else:
            _remove_handler(root, "iris_mlops_stderr")
        root.setLevel(logging.INFO if loud else logging.WARNING)
        for name in LIBRARY_LOGGERS:
            logging.getLogger(name).setLevel(logging.INFO if loud else logging.WARNING)
        logging.captureWarnings(not loud)
    quiet_mlflow()
    return path


def quiet_mlflow(home: Path | None = None) -> None:
    """Route MLflow's own handler and its direct prints ('Successfully registered model') like every other log.

    MLflow installs its handler on import (replacing any other): call this after importing mlflow. Logging is
    configured for `home` first when nothing configured it yet.
    """
    if _named(logging.getLogger(), "iris_mlops_file") is None:
        configure_logging(home)
        return  # configure_logging calls back here
    if "mlflow" not in sys.modules:
        return
    from mlflow.utils import logging_utils

    logging.getLogger("mlflow").setLevel(logging.INFO if is_verbose() else logging.WARNING)
    prints: Any = logging_utils.MLFLOW_LOGGING_STREAM
    if not isinstance(prints, LibraryPrints):
        # eprint() looks the stream up at each call; MLflow's handler holds it: swap both. (MLflow's own
        # enable/disable switch is flipped back on by its autologging contexts, so it cannot keep a terminal quiet.)
        prints = LibraryPrints("mlflow")
        logging_utils.MLFLOW_LOGGING_STREAM = prints
    for handler in logging.getLogger("mlflow").handlers:
        if isinstance(getattr(handler, "stream", None), logging_utils.MlflowLoggingStream):
            handler.setStream(prints)  # type: ignore[attr-defined]
    for name in ("alembic", "sqlalchemy.engine", "huey"):
        logging.getLogger(name).setLevel(logging.WARNING)


class LibraryPrints:
    """A stream for a library's direct prints: lines go to stderr when verbose, else to the log file."""

    def __init__(self, library: str) -> None:
        self.enabled = True  # MLflow's enable/disable_logging set this
        self._logger = logging.getLogger(f"iris_mlops.prints.{library}")
        self._logger.setLevel(logging.INFO)
        self._pending = ""
        self._lock = threading.Lock()

    def write(self, text: str) -> int:
        """Forward `text`: whole lines to the log file (quiet), everything to stderr (verbose)."""
        if not self.enabled:
            return len(text)
        if is_verbose():
            return sys.stderr.write(text)
        with self._lock:
            *lines, self._pending = (self._pending + text).split("\n")
        for line in lines:
            if line.strip():
                self._logger.info(line.rstrip())
        return len(text)

    def flush(self) -> None:
        """Nothing buffered beyond a partial line."""


def _file_handler(path: Path) -> logging.Handler:
    handler = logging.FileHandler(path, encoding="utf-8", delay=True)
    handler.setFormatter(logging.Formatter(LOG_FORMAT))
    return handler


def _stderr_handler() -> logging.Handler:
    handler = logging.StreamHandler()  # sys.stderr, looked up at each record
    handler.setFormatter(logging.Formatter(LOG_FORMAT))
    return handler


def _named(logger: logging.Logger, name: str) -> logging.Handler | None:
    return next((h for h in logger.handlers if h.get_name() == name), None)


def _replace_handler(logger: logging.Logger, name: str, handler: logging.Handler) -> None:
    old = _named(logger, name)
    if old is not None and getattr(old, "baseFilename", None) == getattr(handler, "baseFilename", object()):
        return  # same file already attached
    _remove_handler(logger, name)
    handler.set_name(name)
    logger.addHandler(handler)


def _remove_handler(logger: logging.Logger, name: str) -> None:
    old = _named(logger, name)
    if old is not None:
        logger.removeHandler(old)
        old.close()  # a file handler still attached elsewhere reopens its file on the next record
