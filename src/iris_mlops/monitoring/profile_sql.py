"""SQL text of the profile's aggregations: histogram keys per row, and the global aggregates of a window.

`profile.profile_frame` hands these strings to Spark (`selectExpr` / `agg`). SQL text instead of Column objects:
a Column costs one py4j round trip per call, and a plan has a few hundred expressions. What keeps the profile
fast on a local JVM (measured in benchmarks/monitor.py and with JFR on 10 M rows):
- an aggregation holds at most `MAX_FIELDS` aggregates: Spark's `spark.sql.codegen.maxFields` is 100, past it
  the whole stage falls back to interpreted rows (~13x slower);
- histogram keys are small consecutive BIGINTs (`slots`): Spark's first-level aggregation map hashes a key by
  adding a constant to it, so an integer key in a dense range never collides, while an integer-valued DOUBLE key
  (its low bits all zero) always did, sending every row to the slower general map (2x the whole profile);
- the binning is floor arithmetic on non-null doubles, without comparisons: Spark compiles a DOUBLE `<` into a
  call (NaN ordering) that HotSpot stops inlining in large methods, and ANSI casts add range checks; methods stay
  under 8000 bytes of bytecode (HotSpot leaves bigger ones interpreted).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

MAX_FIELDS = 90  # aggregates per aggregation, under spark.sql.codegen.maxFields (100) with room to spare
MISSING = "CAST('-Infinity' AS DOUBLE)"  # what a null becomes before binning: it lands in bin 0 (see profile)
ABOVE = "CAST('Infinity' AS DOUBLE)"  # what NaN becomes before binning: above every edge, as Spark orders it


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


def slots(edges: Sequence[float]) -> int:
    """The bins of one column in a histogram key: 0 below, 1..k inner, k + 1 above."""
    return len(edges) + 1


def filled(column: str) -> str:
    """The column as a non-null, non-NaN double: null -> -infinity (bin 0), NaN -> +infinity (bin k + 1)."""
    return f"nanvl(coalesce(CAST({column} AS DOUBLE), {MISSING}), {ABOVE})"


def guess_sql(value: str, edges: Sequence[float]) -> str:
    """numpy's first guess of the 0-based inner bin of a filled value, clamped to [0, k - 1], as a BIGINT.

    `floor` of a double is a plain Java cast (±infinity saturate, then the clamp); least/greatest of BIGINTs
    compile to plain comparisons. Edges that are not equal-width: the exact bin (0..k + 1), by binary search.
    """
    k = len(edges) - 1
    if not is_linspace(edges):
        return f"CAST({_search(value, edges, 0, k + 1)} AS BIGINT)"
    low, norm = number(edges[0]), number(k / (float(edges[-1]) - float(edges[0])))
    return f"least(greatest(floor(({value} - {low}) * {norm}), 0L), {k - 1}L)"


def edge_params(edges: Sequence[float]) -> tuple[str, str, str, str]:
    """(low, step, beyond, k - 1): the literals `bin_sql` needs for one column; k - 1 = -1 when the guess is exact."""
    k = len(edges) - 1
    if not is_linspace(edges):
        return "0D", "0D", "0D", "-1L"
    low, step = number(edges[0]), number((float(edges[-1]) - float(edges[0])) / k)
    # above the last edge <=> at or above the next double after it (one comparison for both cases below)
    beyond = number(math.nextafter(float(edges[-1]), math.inf))
    return low, step, beyond, f"{k - 1}L"


def bin_sql(value: str, guess: str, low: str, step: str, beyond: str, last: str) -> str:
    """The bin of a filled value as an integral DOUBLE: 0 below edges[0], i for [edges[i-1], edges[i]) (the last
    one closed), k + 1 above; the other arguments are columns holding `edge_params` (one expression for all columns).

    Equal-width edges (numpy.linspace's, checked by `is_linspace`): numpy's own rule, the guess corrected against
    the edges recomputed exactly as linspace computes them (i × step + low, the last edge = high), so a value
    below the range lands in bin 0 (guess 0, below edge 0) and one above in k + 1. Each comparison x < e is the
    sign of x - e (exact for doubles: a difference of two distinct doubles is never rounded to zero), read from
    floor(x - e) < 0 on BIGINTs; double arithmetic has no ANSI overflow checks. last < 0: the guess is the bin.
    """
    at = f"CAST({guess} AS DOUBLE)"
    upper = f"IF({guess} < {last}, ({at} + 1D) * {step} + {low}, {beyond})"
    # guess + 1 - (value < lower) + (value >= upper) = guess + 2 - (value < lower) - (value < upper)
    corrected = f"{at} + 2D - {_below(value, f'{at} * {step} + {low}')} - {_below(value, upper)}"
    return f"IF({last} < 0L, {at}, {corrected})"


def _below(value: str, edge: str) -> str:
    """1D when value < edge, else 0D, both non-NaN (a DOUBLE `<` would compile to a call)."""
    return f"IF(floor({value} - ({edge})) < 0L, 1D, 0D)"


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
