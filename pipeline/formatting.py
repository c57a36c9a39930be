"""Swedish typography through Babel: amounts, dates, weekdays and times as the plan writes them.

These are the filters the template sees; they return plain strings.
"""

from __future__ import annotations

import datetime as dt

from babel.dates import format_date, format_time
from babel.numbers import format_decimal

LOCALE = "sv_SE"
NBSP = "\u00a0"
EN_DASH = "\u2013"


def amount(value: int) -> str:
    """Return an integer with Swedish digit grouping: 2 083 296 (non-breaking spaces)."""
    return format_decimal(value, locale=LOCALE, group_separator=True).replace(" ", NBSP).replace("\u202f", NBSP)


def kronor(value: int, approximate: bool = False) -> str:
    """Return an amount in kronor: "2 083 296 kr", or "ca 650 000 kr" when approximate."""
    text = f"{amount(value)}{NBSP}kr"
    return f"ca{NBSP}{text}" if approximate else text


def long_date(day: dt.date) -> str:
    """Return a date as "16 januari 2024"."""
    return format_date(day, "d MMMM y", locale=LOCALE)


def day_month(day: dt.date) -> str:
    """Return a date without the year: "16 januari"."""
    return format_date(day, "d MMMM", locale=LOCALE)


def day_span(start: dt.date, end: dt.date | None) -> str:
    """Return "16 januari", "29–30 augusti" or "31 maj–1 juni" for a meeting's days."""
    if end is None or end == start:
        return day_month(start)
    if (start.year, start.month) == (end.year, end.month):
        return f"{start.day}{EN_DASH}{day_month(end)}"
    return f"{day_month(start)}{EN_DASH}{day_month(end)}"


def weekday_name(day: dt.date) -> str:
    """Return the Swedish weekday of a date: "tisdag"."""
    return format_date(day, "EEEE", locale=LOCALE)


def clock(value: dt.time) -> str:
    """Return a time of day as the plan writes it: "09.00"."""
    return format_time(value, "HH.mm", locale=LOCALE)


def time_span(start: dt.time, end: dt.time) -> str:
    """Return "kl 13.00–15.00"."""
    return f"kl{NBSP}{clock(start)}{EN_DASH}{clock(end)}"
