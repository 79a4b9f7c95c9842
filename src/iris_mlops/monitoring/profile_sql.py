"""SQL text of the profile's aggregations: histogram keys per row, and the global aggregates of a window.

`profile.profile_frame` hands these strings to Spark (`selectExpr` / `agg`). SQL text instead of Column objects:
a Column costs one py4j round trip per call, and a plan has a few hundred expressions. Two rules keep every
operator inside whole-stage code generation and its methods small enough for the JVM to compile (measured in
benchmarks/monitor.py): an aggregation holds at most `MAX_FIELDS` aggregates (Spark's
`spark.sql.codegen.maxFields` is 100: past it the whole stage falls back to interpreted rows, ~13x slower),
and the per-row binning is plain double arithmetic on non-null values (HotSpot leaves methods over 8000 bytes
of bytecode interpreted; null checks, decimal/ANSI int casts and edge arrays multiply the code).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

MAX_FIELDS = 90  # aggregates per aggregation, under spark.sql.codegen.maxFields (100) with room to spare
BIN_SLOTS = 1024  # histogram key = numeric column position × BIN_SLOTS + bin (0 below, 1..k inner, k + 1 above)
MISSING = "CAST('-Infinity' AS DOUBLE)"  # what a null becomes before binning: it lands in bin 0 (see profile)


def ident(name: str) -> str:
    """A column name quoted for Spark SQL."""
    return "`" + name.replace("`", "``") + "`"


def text(value: str) -> str:
    """A string literal for Spark SQL."""
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def number(value: float) -> str:
    """An exact double literal: the shortest repr that round-trips, with Spark's D suffix (a cast is not folded)."""
    value = float(value)
    if not math.isfinite(value):
        return f"CAST('{value!r}' AS DOUBLE)"
    return f"({value!r}D)"


def filled(column: str) -> str:
    """The column as a non-null double: null -> -infinity (non-null inputs keep the binning code small)."""
    return f"coalesce(CAST({column} AS DOUBLE), {MISSING})"


def guess_sql(value: str, edges: Sequence[float]) -> str:
    """numpy's first guess of the 0-based inner bin of a non-null value, clamped to [0, k - 1], as a double.

    Computed in its own projection: the correction references it three times, so Spark keeps the two apart
    (CollapseProject does not inline a non-trivial expression used more than once) and evaluates it once.
    """
    k = len(edges) - 1
    if not is_linspace(edges):
        return "0D"
    low, norm = number(edges[0]), number(k / (float(edges[-1]) - float(edges[0])))
    # the inner coalesce only tells Spark the value is never null (an ANSI cast is nullable): no null branches
    return f"CAST(coalesce(CAST(least(greatest(({value} - {low}) * {norm}, 0D), {k - 1}D) AS INT), 0) AS DOUBLE)"


def bin_sql(value: str, guess: str, edges: Sequence[float]) -> str:
    """The bin of a non-null value: 0 below edges[0], i for [edges[i-1], edges[i]) (the last one closed), k + 1 above.

    Equal-width edges (numpy.linspace's, checked by `is_linspace`): numpy's own rule, the guess corrected against
    the edges recomputed exactly as linspace computes them (i × step + low, the last edge = high), so a value
    below the range lands in bin 0 (guess 0, below edge 0) and one above in k + 1 (NaN too, as Spark orders it
    above every number). Other edges: a binary search.
    """
    k = len(edges) - 1
    if not is_linspace(edges):
        return f"CAST({_search(value, edges, 0, k + 1)} AS DOUBLE)"
    low, step = number(edges[0]), number((float(edges[-1]) - float(edges[0])) / k)
    # above the last edge <=> at or above the next double after it (one comparison for both cases below)
    beyond = number(math.nextafter(float(edges[-1]), math.inf))
    upper = f"IF({guess} < {k - 1}D, ({guess} + 1D) * {step} + {low}, {beyond})"
    return f"{guess} + 1D - CAST({value} < {guess} * {step} + {low} AS DOUBLE) + CAST({value} >= {upper} AS DOUBLE)"


def is_linspace(edges: Sequence[float]) -> bool:
    """True when edge i is exactly i × step + low (numpy.linspace's formula, the last edge = high)."""
    k = len(edges) - 1
    if k < 1:
        return False
    low, step = float(edges[0]), (float(edges[-1]) - float(edges[0])) / k
    return step > 0 and math.isfinite(step) and all(float(edges[i]) == i * step + low for i in range(k))


def _search(value: str, edges: Sequence[float], low: int, high: int) -> str:
    """The bin in [low, high] holding the value: bin 0 below edges[0], bin b covers [edges[b-1], edges[b])."""
    if low == high:
        return str(low)
    middle = (low + high + 1) // 2
    boundary = (f"{value} <= {number(edges[-1])}" if middle == len(edges)
                else f"{value} < {number(edges[middle - 1])}")
    return (f"CASE WHEN {boundary} THEN {_search(value, edges, low, middle - 1)}"
            f" ELSE {_search(value, edges, middle, high)} END")


def index_sql(column: str, values: Sequence[str], *, other: bool = False) -> str:
    """The position of the value in `values`; len(values) for another value when `other`, else -1; null: -1."""
    cases = "".join(f" WHEN {column} = {text(v)} THEN {i}" for i, v in enumerate(values))
    return f"CASE WHEN {column} IS NULL THEN -1{cases} ELSE {len(values) if other else -1} END"


def outlier_sql(value: str, species_index: str, species: Sequence[str], moments: Mapping[str, tuple[float, float]],
                z: float) -> str:
    """True when |value - mean| > z × std against the reference moments of the row's own species (by its index)."""
    cases = "".join(f" WHEN {species_index} = {species.index(name)} THEN abs({value} - {number(mu)}) > "
                    f"{number(z * sigma)}" for name, (mu, sigma) in moments.items() if sigma > 0 and name in species)
    return f"coalesce(CASE{cases} ELSE false END, false)" if cases else "false"
