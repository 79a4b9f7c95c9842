"""Data quality: declarative suites per table, a one-pass Spark engine, a write-audit-publish gate, reports.

Importing this package does not import pyspark; the engine imports it when it runs.
"""

from __future__ import annotations

from iris_mlops.quality.catalogue import CATALOGUE
from iris_mlops.quality.notify import Notifier, QualityEvent, register_notifier
from iris_mlops.quality.results import ExpectationResult, SuiteResult
from iris_mlops.quality.suite import Suite, SuiteError, load_suite

__all__ = [
    "CATALOGUE",
    "ExpectationResult",
    "Notifier",
    "QualityEvent",
    "Suite",
    "SuiteError",
    "SuiteResult",
    "load_suite",
    "register_notifier",
]
