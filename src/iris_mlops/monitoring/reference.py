"""The reference: the profile of the rows the champion was trained on, and the plan that bins every window on it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from iris_mlops.config import MEASUREMENTS
from iris_mlops.monitoring.profile import ProfilePlan, WindowProfile

SPECIES = "species"
PREDICTED = "predicted_species"


@dataclass(frozen=True)
class ReferenceProfile:
    """The reference window's profile, the plan it defines, and where its rows came from."""

    plan: ProfilePlan
    profile: WindowProfile
    source: str
    model_version: str | None = None

    @property
    def rows(self) -> int:
        return self.profile.rows

    @property
    def classes(self) -> tuple[str, ...]:
        return tuple(self.plan.categories.get(SPECIES, ()))

    def plan_for_window(self, *, outlier_z: float = 3.0, latest_column: str | None = None,
                        predicted_column: str | None = None,
                        probability_columns: Sequence[str] = ()) -> ProfilePlan:
        """The plan for a current window: the reference's bins and classes, per-species outliers, predictions."""
        moments = {m: {s: (mean or 0.0, std or 0.0) for s, (mean, std) in self.profile.slices.get(m, {}).items()}
                   for m in MEASUREMENTS if m in self.profile.slices}
        categories = dict(self.plan.categories)
        if predicted_column:
            categories[predicted_column] = self.classes
        return replace(self.plan, categories=categories, species_moments=moments, outlier_z=outlier_z,
                       latest_column=latest_column, predicted_column=predicted_column,
                       classes=self.classes if predicted_column else (),
                       probability_columns=tuple(probability_columns))

