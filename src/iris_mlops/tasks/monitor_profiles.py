"""The monitor's Spark actions: profile the reference (twice: bounds, then bins) and a window (once, + small values)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from iris_mlops.config import MEASUREMENTS, MonitoringConfig
from iris_mlops.monitoring.profile import (
    ProfilePlan,
    WindowProfile,
    bounds_frame,
    collect_values,
    plan_from_bounds,
    profile_frame,
    read_profile,
    with_features,
)
from iris_mlops.monitoring.reference import SPECIES, ReferenceProfile

if TYPE_CHECKING:
    from pyspark.sql import DataFrame


def numeric_columns() -> tuple[str, ...]:
    """The measurements and the engineered features: every numeric column the monitor profiles."""
    from iris_mlops.features.definitions import feature_names

    return (*MEASUREMENTS, *feature_names())


def build_reference(df: DataFrame, *, config: MonitoringConfig, source: str,
                    model_version: str | None = None) -> ReferenceProfile:
    """Profile the reference rows (measurements + species): bounds first, then the profile on its own bins."""
    features = with_features(df)
    numeric = numeric_columns()
    bounds = bounds_frame(features, numeric=numeric, categorical=(SPECIES,)).collect()[0].asDict()
    plan = plan_from_bounds(bounds, numeric=numeric, categorical=(SPECIES,), bins=config.bins,
                            sliced=tuple(MEASUREMENTS))
    profile = profile_window(features, plan, exact_limit=config.exact_row_limit, prepared=True)
    return ReferenceProfile(plan=plan, profile=profile, source=source, model_version=model_version)


def profile_window(df: DataFrame, plan: ProfilePlan, *, exact_limit: int, prepared: bool = False) -> WindowProfile:
    """One aggregation pass; the sorted values too when the window has at most `exact_limit` rows."""
    frame = df if prepared else with_features(df)
    groups = [row.asDict() for row in profile_frame(frame, plan).collect()]
    profile = read_profile(groups, plan)
    if 0 < profile.rows <= exact_limit:
        values = collect_values(frame, list(plan.edges)).collect()[0].asDict()
        profile = read_profile(groups, plan, values)
    return profile


def window_columns(df: DataFrame, required: Sequence[str]) -> list[str]:
    """The required columns `df` lacks (the caller turns them into one clear error)."""
    return [c for c in required if c not in df.columns]
