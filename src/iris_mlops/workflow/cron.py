"""Quartz cron syntax, as Databricks job schedules use it: sec min hour day-of-month month day-of-week [year]."""

from __future__ import annotations

import re
from dataclasses import dataclass

MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
WEEKDAYS = ("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT")


@dataclass(frozen=True)
class Field:
    name: str
    low: int
    high: int
    names: tuple[str, ...] = ()


FIELDS = (
    Field("seconds", 0, 59),
    Field("minutes", 0, 59),
    Field("hours", 0, 23),
    Field("day-of-month", 1, 31),
    Field("month", 1, 12, MONTHS),
    Field("day-of-week", 1, 7, WEEKDAYS),
    Field("year", 1970, 2099),
)
_RANGE = re.compile(r"^(?P<start>\*|[A-Za-z0-9]+)(?:-(?P<end>[A-Za-z0-9]+))?(?:/(?P<step>[0-9]+))?$")


class CronError(ValueError):
    """A cron expression Quartz would refuse."""


def validate_quartz(expression: str) -> None:
    """Raise CronError naming the field and the problem when `expression` is not valid Quartz cron syntax."""
    parts = expression.split()
    if len(parts) not in (6, 7):
        raise CronError(f"{expression!r}: Quartz cron needs 6 or 7 fields (seconds first), found {len(parts)}")
    day_of_month, day_of_week = parts[3], parts[5]
    if (day_of_month == "?") == (day_of_week == "?"):
        raise CronError(f"{expression!r}: exactly one of day-of-month and day-of-week must be '?'")
    for field, text in zip(FIELDS, parts, strict=False):
        for item in text.split(","):
            try:
                _check_item(field, item.upper(), whole=text)
            except CronError as exc:
                raise CronError(f"{expression!r}: {field.name} {exc}") from None


def _check_item(field: Field, item: str, *, whole: str) -> None:
    if item == "?":
        if field.name not in ("day-of-month", "day-of-week") or whole != "?":
            raise CronError("'?' is only allowed alone, in day-of-month or day-of-week")
        return
    if field.name == "day-of-month" and _day_of_month_special(item):
        return
    if field.name == "day-of-week" and _day_of_week_special(item):
        return
    match = _RANGE.match(item)
    if not match:
        raise CronError(f"item {item!r} is not a value, a range, a step or a list")
    start, end, step = match["start"], match["end"], match["step"]
    low = field.low if start == "*" else _value(field, start)
    if start == "*" and end:
        raise CronError(f"item {item!r}: '*' cannot start a range")
    if end is not None and _value(field, end) < low and field.names == ():
        raise CronError(f"item {item!r}: range end below its start")
    if step is not None and not 1 <= int(step) <= field.high:
        raise CronError(f"item {item!r}: step must be between 1 and {field.high}")


def _value(field: Field, token: str) -> int:
    if token in field.names:
        return field.names.index(token) + 1
    if not token.isdigit():
        raise CronError(f"{token!r} is not a number" + (f" or one of {', '.join(field.names)}" if field.names else ""))
    value = int(token)
    if not field.low <= value <= field.high:
        raise CronError(f"value {value} is outside {field.low}-{field.high}")
    return value


def _day_of_month_special(item: str) -> bool:
    """L, LW, L-n (n days before the last) and nW (nearest weekday)."""
    if item in ("L", "LW"):
        return True
    if item.startswith("L-"):
        offset = item[2:]
        if not offset.isdigit() or not 1 <= int(offset) <= 30:
            raise CronError(f"item {item!r}: offset after 'L-' must be 1-30")
        return True
    if item.endswith("W"):
        _value(FIELDS[3], item[:-1])
        return True
    return False


def _day_of_week_special(item: str) -> bool:
    """L (Saturday), nL (last n-day of the month) and n#k (k-th n-day of the month)."""
    if item == "L":
        return True
    if item.endswith("L"):
        _value(FIELDS[5], item[:-1])
        return True
    if "#" in item:
        day, _, nth = item.partition("#")
        _value(FIELDS[5], day)
        if not nth.isdigit() or not 1 <= int(nth) <= 5:
            raise CronError(f"item {item!r}: the number after '#' must be 1-5")
        return True
    return False
