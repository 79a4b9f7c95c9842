"""'did you mean …' for mistyped names (tables, jobs, tasks), with the list of what exists."""

from __future__ import annotations

import difflib
from collections.abc import Iterable


def spelling_key(name: str) -> str:
    """`data-quality`, `Data_Quality` and `data quality` are the same name."""
    return name.strip().lower().replace("-", "_").replace(" ", "_")


def same_spelling(wanted: str, known: Iterable[str]) -> str | None:
    """The one known name equal to `wanted` up to case, `-`/`_` and spaces; None when there is none."""
    matches = [k for k in known if spelling_key(k) == spelling_key(wanted)]
    return matches[0] if len(matches) == 1 else None


def did_you_mean(wanted: str, known: Iterable[str]) -> str:
    """`did you mean 'silver'? ` (closest known names, trailing space) or '' when none is close."""
    names = sorted(set(known))
    by_key = {spelling_key(n): n for n in names}
    close = [by_key[k] for k in difflib.get_close_matches(spelling_key(wanted), list(by_key), n=3, cutoff=0.6)]
    return f"did you mean {' or '.join(repr(c) for c in close)}? " if close else ""


def unknown_name(what: str, wanted: str, known: Iterable[str]) -> str:
    """`unknown table 'slver'; did you mean 'silver'? tables: bronze, gold, silver` (one line)."""
    names = sorted(set(known))
    return f"unknown {what} {wanted!r}; {did_you_mean(wanted, names)}{what}s: {', '.join(names) or 'none'}"
