"""Every number that comes from outside (a command's argument, a deep link, a button's data) is
read here, once: ASCII digits only (``isdigit`` also accepts "²" and "٣"), and within bounds
the database can hold, so that no resident's input can raise."""

import re
from datetime import date

MAX_ID = 2**31 - 1  # PostgreSQL INTEGER: a larger id cannot exist, and asking for it raises
MIN_YEAR, MAX_YEAR = 2000, 2100
_DIGITS = re.compile(r"[0-9]{1,18}")
_MONTH = re.compile(r"\s*([0-9]{4})[-/.年]?([0-9]{1,2})月?\s*")


def is_digits(text: str) -> bool:
    """Tell whether the text is ASCII digits only (at most 18 of them)."""
    return _DIGITS.fullmatch(text) is not None


def parse_int(text: str, *, low: int = 0, high: int = MAX_ID) -> int | None:
    """Read a whole number low..high written in ASCII digits; None for anything else."""
    if not is_digits(text):
        return None
    value = int(text)
    return value if low <= value <= high else None


def parse_id(text: str) -> int | None:
    """Read a database id (a case number, a person's number): 1..MAX_ID."""
    return parse_int(text.strip(), low=1)


def parse_month(text: str) -> date | None:
    """Read "2026-11" (or "2026/11", "202611", "2026年11月"); None when it is not a month the
    bot can have records of."""
    match = _MONTH.fullmatch(text)
    if match is None:
        return None
    year, month = int(match[1]), int(match[2])
    if not (MIN_YEAR <= year <= MAX_YEAR and 1 <= month <= 12):
        return None
    return date(year, month, 1)
