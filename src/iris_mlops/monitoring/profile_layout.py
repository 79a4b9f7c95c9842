"""Where each statistic of a window profile sits in `profile.profile_frame`'s rows, derived from the plan alone.

`profile_frame` builds its aggregations from a `Layout` and `read_profile` reads the collected rows back with
the same `Layout`, so the two cannot disagree on positions. Keys of the global aggregates are tuples such as
`("sum", column)` or `("slice_sum", measurement, species_index)`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from iris_mlops.monitoring.profile_sql import BIN_SLOTS, MAX_FIELDS, ident, index_sql, number, outlier_sql

if TYPE_CHECKING:
    from iris_mlops.monitoring.profile import ProfilePlan

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
    """The histogram key layout and the global aggregates (key, SQL), split into aggregations of MAX_FIELDS."""

    numeric: tuple[str, ...]
    digits: tuple[Digit, ...]
    confusion: tuple[int, int] | None  # the digits holding (label, predicted) over the plan's classes
    aggregates: tuple[tuple[Key, str], ...]

    @property
    def category_offset(self) -> int:
        """The first key of the joint category key (after every numeric column's bins)."""
        return len(self.numeric) * BIN_SLOTS

    def joint_sql(self) -> str:
        """The joint category key of a row (mixed radix over the digits), as an int."""
        terms, place = [], 1
        for digit in self.digits:
            terms.append(f"{digit.sql()} * {place}")
            place *= digit.slots
        return f"CAST({self.category_offset} + {' + '.join(terms) or '0'} AS INT)"

    def split(self, key: int) -> tuple[int, ...]:
        """The digit indices (-1 for slot 0) of a joint category key."""
        rest, out = key - self.category_offset, []
        for digit in self.digits:
            rest, value = divmod(rest, digit.slots)
            out.append(value - 1)
        return tuple(out)

    def chunks(self) -> list[tuple[tuple[Key, str], ...]]:
        return [self.aggregates[i:i + MAX_FIELDS] for i in range(0, len(self.aggregates), MAX_FIELDS)]


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
    return Layout(tuple(plan.edges), tuple(digits), confusion, tuple(_aggregates(plan)))


def _aggregates(plan: ProfilePlan) -> list[tuple[Key, str]]:
    out: list[tuple[Key, str]] = [(("rows",), "count(1)")]
    for name, edges in plan.edges.items():
        v = f"CAST({ident(name)} AS DOUBLE)"
        out += [(("count", name), f"count({v})"), (("sum", name), f"sum({v})"), (("squares", name), f"sum({v} * {v})"),
                (("min", name), f"min({v})"), (("max", name), f"max({v})"),
                (("below", name), f"sum(IF({v} < {number(edges[0])}, {v}, 0D))"),
                (("above", name), f"sum(IF({v} > {number(edges[-1])}, {v}, 0D))")]
    species = plan.species_values
    for name, moments in plan.species_moments.items():
        v = f"CAST({ident(name)} AS DOUBLE)"
        out.append((("outliers", name), f"count_if({outlier_sql(v, SPECIES_INDEX, species, moments, plan.outlier_z)})"))
    for name in plan.sliced:
        v = f"CAST({ident(name)} AS DOUBLE)"
        for i in range(len(species)):
            mine = f"{SPECIES_INDEX} = {i}"
            out += [(("slice_count", name, i), f"count(IF({mine}, {v}, NULL))"),
                    (("slice_sum", name, i), f"sum(IF({mine}, {v}, NULL))"),
                    (("slice_squares", name, i), f"sum(IF({mine}, {v} * {v}, NULL))")]
    if plan.probability_columns:
        top = ", ".join(ident(c) for c in plan.probability_columns)
        top = f"CAST(greatest({top}) AS DOUBLE)" if len(plan.probability_columns) > 1 else f"CAST({top} AS DOUBLE)"
        out += [(("confidence_count",), f"count({top})"), (("confidence_sum",), f"sum({top})")]
    if plan.latest_column:
        out.append((("latest",), f"max(unix_micros({ident(plan.latest_column)}))"))
    return out


def species_sql(plan: ProfilePlan) -> str:
    """The SPECIES_INDEX column's SQL."""
    return index_sql(ident(plan.species_column), plan.species_values) if plan.species_values else "-1"


def needs_species(aggregates: Sequence[tuple[Key, str]]) -> bool:
    return any(SPECIES_INDEX in sql for _, sql in aggregates)
