"""Batch and streaming inference: resolve a registered model, validate raw input, score it on the executors.

Lower layer: plain values and DataFrames in, typed results out; the orchestration (reading the input,
writing the predictions table, the streaming query) lives in `iris_mlops.tasks.inference`.
"""

from __future__ import annotations

from iris_mlops.inference.model import LoadedModel, resolve_model
from iris_mlops.inference.scoring import predict_frame, score

__all__ = ["LoadedModel", "predict_frame", "resolve_model", "score"]
