"""How silver split its batches: rows to silver, rows to quarantine and why, as one line for people."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from iris_mlops.errors import DataQualityError

if TYPE_CHECKING:
    from pyspark.sql import DataFrame

TOP_REASONS = 3


@dataclass(frozen=True)
class Split:
    """Rows of the processed batches that went to silver and to quarantine, with quarantine's reason counts."""

    silver_rows: int
    quarantine_rows: int
    reasons: dict[str, int] = field(default_factory=dict)  # reason kind -> rows, most frequent first

    def line(self) -> str:
        """`146 → silver, 4 → quarantine (not_a_number: 2, unknown_species: 2)`."""
        head = f"{self.silver_rows} → silver, {self.quarantine_rows} → quarantine"
        return f"{head} ({_reasons_text(self.reasons)})" if self.reasons else head

    def all_quarantined_error(self, batches: list[str]) -> DataQualityError | None:
        """The one-line failure when no row reached silver although some arrived; None otherwise."""
        if self.silver_rows or not self.quarantine_rows:
            return None
        top = _reasons_text(dict(list(self.reasons.items())[:TOP_REASONS]))
        return DataQualityError(
            f"every row of batch {', '.join(batches)} was quarantined ({self.quarantine_rows} rows; top reasons: "
            f"{top}): fix the source and ingest it again with `iris-mlops bronze --source FILE`; "
            "see the rows with `iris-mlops quarantine`"
        )


def count_split(silver_df: DataFrame, quarantine_df: DataFrame) -> Split:
    """Count both sides and the quarantine reasons in one Spark job."""
    from iris_mlops.layers.quarantine import ENTRIES, REASON, ROWS, SIDE, split_counts

    counts = split_counts(silver_df, quarantine_df).collect()
    held = sorted((r for r in counts if r[SIDE] == "quarantine"), key=lambda r: (-int(r[ROWS]), r[REASON]))
    return Split(silver_rows=sum(int(r[ROWS]) for r in counts if r[SIDE] == "silver"),
                 quarantine_rows=sum(int(r[ENTRIES]) for r in held),
                 reasons={r[REASON]: int(r[ROWS]) for r in held})


def _reasons_text(reasons: dict[str, int]) -> str:
    return ", ".join(f"{kind}: {count}" for kind, count in reasons.items())
