"""Where each statistic of a window profile sits in `profile.profile_frame`'s rows, derived from the plan alone.

`profile_frame` builds its aggregations from a `Layout` and `read_profile` reads the collected rows back with
the same `Layout`, so the two cannot disagree on positions. Keys of the aggregates are tuples such as
`("sum", column)`. One aggregation runs over all rows; the others are grouped by the row's joint category key
(species × predicted class), whose species digit gives the per-species moments of the sliced measurements.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from iris_mlops.monitoring.profile_sql import MAX_FIELDS, ident, index_sql, number, outlier_sql, slots

if TYPE_CHECKING:
    from iris_mlops.monitoring.profile import ProfilePlan

JOINT = "__categories"  # the row's joint category key (see Layout.joint_sql)
SPECIES_INDEX = "__species"  # the row's species position in the plan's species values (-1: null or unknown)
Key = tuple[str | int, ...]


@dataclass(frozen=True)
class Digit:
    """One digit of the joint category key: the value's index in `values` (+1; 0 is null or, without `other`,
    anything else; len(values) + 1 is another value when `other`)."""

    column: str
    values: tuple[str, ...]
    other: bool

    @property
    def slots(self) -> int:
        return len(self.values) + (2 if self.other else 1)

    def sql(self) -> str:
        return f"(({index_sql(ident(self.column), self.values, other=self.other)}) + 1)"


@dataclass(frozen=True)
class Layout:
    """The histogram key layout and the aggregations (grouped by species or not, each a tuple of (key, SQL))."""

    numeric: tuple[str, ...]
    species_column: str
    digits: tuple[Digit, ...]
    confusion: tuple[int, int] | None  # the digits holding (label, predicted) over the plan's classes
    parts: tuple[tuple[bool, tuple[tuple[Key, str], ...]], ...]  # (grouped by the joint category key, aggregates)
    slots: int = 1  # bins per column in a histogram key (the most any column has): key = pair × slots² + bins

    @property
    def pairs(self) -> list[tuple[str, str | None]]:
        """Numeric columns two by two: one key per pair and row (half the entries; a few thousand keys)."""
        names = list(self.numeric)
        return [(names[i], names[i + 1] if i + 1 < len(names) else None) for i in range(0, len(names), 2)]

    @property
    def species_digit(self) -> int | None:
        """The digit holding the species column's value (its index in the plan's species values)."""
        names = [d.column for d in self.digits if d.other]
        return names.index(self.species_column) if self.species_column in names else None

    def joint_sql(self) -> str:
        """The joint category key of a row (mixed radix over the digits): the grouped aggregations' key."""
        terms, place = [], 1
        for digit in self.digits:
            terms.append(f"{digit.sql()} * {place}")
            place *= digit.slots
        return f"({' + '.join(terms) or '0'})"

    def split(self, key: int) -> tuple[int, ...]:
        """The digit indices (-1 for slot 0) of a joint category key."""
        rest, out = key, []
        for digit in self.digits:
            rest, value = divmod(rest, digit.slots)
            out.append(value - 1)
        return tuple(out)

    def species_of(self, key: int) -> int:
        """The species index of a joint category key (-1 when the plan has no species column)."""
        return -1 if self.species_digit is None else self.split(key)[self.species_digit]

    def bins(self, counts: Mapping[int, int]) -> dict[str, dict[int, int]]:
        """Each numeric column's bin counts from the pair keys' counts."""
        out: dict[str, dict[int, int]] = {name: defaultdict(int) for name in self.numeric}
        pairs = self.pairs
        for key, n in counts.items():
            pair, rest = divmod(key, self.slots * self.slots)
            first, second = pairs[pair]
            out[first][rest // self.slots] += n
            if second is not None:
                out[second][rest % self.slots] += n
        return out


def layout(plan: ProfilePlan) -> Layout:
    """The layout of `plan`'s profile rows."""
    digits = [Digit(name, tuple(known), True) for name, known in plan.categories.items()]
    confusion = None
    if plan.predicted_column and plan.classes:
        names = [d.column for d in digits]
        same = all(plan.categories.get(c) == tuple(plan.classes) for c in (plan.species_column, plan.predicted_column))
        if same:  # the category digits already hold the classes' indices
            confusion = (names.index(plan.species_column), names.index(plan.predicted_column))
        else:
            digits += [Digit(plan.species_column, tuple(plan.classes), False),
                       Digit(plan.predicted_column, tuple(plan.classes), False)]
            confusion = (len(digits) - 2, len(digits) - 1)
    ungrouped, grouped = _aggregates(plan)
    # One aggregation without groups at most: Spark merges one-row aggregations over the same rows into one
    # (MergeSubplans), which would take it past spark.sql.codegen.maxFields. The rest is grouped by the joint
    # category key: its rows per group give the category and confusion counts (the first grouped part counts
    # them), its species digit the per-species moments.
    parts = [(False, tuple(ungrouped[:MAX_FIELDS]))]
    rest = [(("group_rows",), "count(1)"), *ungrouped[MAX_FIELDS:], *grouped]
    parts += [(True, tuple(rest[i:i + MAX_FIELDS])) for i in range(0, len(rest), MAX_FIELDS)]
    widest = max((slots(edges) for edges in plan.edges.values()), default=1)
    return Layout(tuple(plan.edges), plan.species_column, tuple(digits), confusion, tuple(parts), widest)


def _aggregates(plan: ProfilePlan) -> tuple[list[tuple[Key, str]], list[tuple[Key, str]]]:
    """(the aggregates summed over every row, which spill into grouped parts past MAX_FIELDS; the per-species
    slices, read per species group)."""
    out: list[tuple[Key, str]] = [(("rows",), "count(1)")]
    for name in plan.edges:
        v = f"CAST({ident(name)} AS DOUBLE)"
        out += [(("count", name), f"count({v})"), (("sum", name), f"sum({v})"), (("squares", name), f"sum({v} * {v})"),
                (("min", name), f"min({v})"), (("max", name), f"max({v})")]
    if plan.probability_columns:
        top = ", ".join(ident(c) for c in plan.probability_columns)
        top = f"CAST(greatest({top}) AS DOUBLE)" if len(plan.probability_columns) > 1 else f"CAST({top} AS DOUBLE)"
        out += [(("confidence_count",), f"count({top})"), (("confidence_sum",), f"sum({top})")]
    if plan.latest_column:
        out.append((("latest",), f"max(unix_micros({ident(plan.latest_column)}))"))
    for name, edges in plan.edges.items():
        v = f"CAST({ident(name)} AS DOUBLE)"
        out += [(("below", name), f"sum(IF({v} < {number(edges[0])}, {v}, 0D))"),
                (("above", name), f"sum(IF({v} > {number(edges[-1])}, {v}, 0D))")]
    for name, moments in plan.species_moments.items():
        v = f"CAST({ident(name)} AS DOUBLE)"
        outlier = outlier_sql(v, SPECIES_INDEX, plan.species_values, moments, plan.outlier_z)
        out.append((("outliers", name), f"count_if({outlier})"))
    sliced: list[tuple[Key, str]] = []
    for name in plan.sliced:
        v = f"CAST({ident(name)} AS DOUBLE)"
        sliced += [(("slice_count", name), f"count({v})"), (("slice_sum", name), f"sum({v})"),
                   (("slice_squares", name), f"sum({v} * {v})")]
    return out, sliced


def species_sql(plan: ProfilePlan) -> str:
    """The SPECIES_INDEX column's SQL (the outlier rule picks the row's species moments by it)."""
    return index_sql(ident(plan.species_column), plan.species_values) if plan.species_values else "-1"


def fold(key: Key, values: Sequence[Any]) -> Any:
    """One statistic over the species groups: the smallest minimum, the largest maximum, else the sum."""
    present = [v for v in values if v is not None]
    if not present:
        return None
    if key[0] == "min":
        return min(present)
    return max(present) if key[0] in ("max", "latest") else sum(present)
