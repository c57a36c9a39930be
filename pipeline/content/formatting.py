"""Swedish typography through Babel: amounts, dates, weekdays and times as the plan writes them.

These are the filters the template sees; they return plain strings.
"""

from __future__ import annotations

import datetime as dt
import re

from babel import Locale
from babel.dates import format_date, format_time
from babel.numbers import format_decimal

LOCALE = "sv_SE"
NBSP = "\u00a0"
EN_DASH = "\u2013"


def amount(value: int) -> str:
    """Return an integer with Swedish digit grouping: 2 083 296 (non-breaking spaces)."""
    return format_decimal(value, locale=LOCALE, group_separator=True).replace(" ", NBSP).replace("\u202f", NBSP)


def counted(n: int, one: str, other: str) -> str:
    """Return a count with its noun in the right number: "1 fil", "2 filer" (Babel's Swedish plural rule)."""
    return f"{amount(n)} {one if Locale.parse(LOCALE).plural_form(n) == 'one' else other}"


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


WORD_JOINER = "\u2060"
NON_BREAKING_HYPHEN = "\u2011"
MONTHS = "januari|februari|mars|april|maj|juni|juli|augusti|september|oktober|november|december"
UNITS = "kr|kronor|tkr|mnkr|mkr|miljoner|miljarder|procent|%|st|timmar|dagar|veckor|månader|år|invånare"
_KEEP = [
    (re.compile(r"(\d) (?=\d{3}(?!\d))"), rf"\1{NBSP}"),                                 # 80 000
    (re.compile(rf"(\d) ({UNITS})(?![\wåäö])"), rf"\1{NBSP}\2"),                       # 125 000 kr, 5 %
    (re.compile(rf"(\d) ({MONTHS})\b"), rf"\1{NBSP}\2"),                                # 16 januari
    (re.compile(rf"\b({MONTHS}) (\d{{4}})\b"), rf"\1{NBSP}\2"),                         # januari 2024
    (re.compile(r"(?<![\wåäö])(ca|kl|nr|§) (?=\d)"), rf"\1{NBSP}"),                                # ca 650, kl 13, § 8
    (re.compile(r"(?<=[\wåäö])-(?=\d)|(?<=\d)-(?=[a-zåäö])"), NON_BREAKING_HYPHEN),       # 80 000-125 000
    (re.compile(r"(?<=\S)–(?=\S)"), EN_DASH + WORD_JOINER),                               # 13.00–15.00
]


# File names, addresses and links: a reader copies them, so they keep their characters as written.
_VERBATIM = re.compile(r"\S+@\S+|\S*(?:https?://|www\.)\S+|[\w.-]+\.(?:docx|pdf|csv|xlsx|md|yaml|html|zip)\b",
                       re.IGNORECASE)


def unbreakable(text: str) -> str:
    """Return text in which amounts, dates, times and ranges cannot be broken across lines.

    Spaces inside them become no-break spaces, a hyphen in a range a non-breaking hyphen (it
    prints as "-"), and a dash between two words or numbers is followed by a word joiner
    (invisible): "80 000-125 000 kr", "29–30 augusti", "kl 13.00–15.00" stay on one line.
    File names, e-mail addresses and links are left as written (see _VERBATIM).
    """
    out, start = [], 0
    for match in _VERBATIM.finditer(text):
        out += [_kept(text[start:match.start()]), match.group(0)]
        start = match.end()
    return "".join(out + [_kept(text[start:])])


def _kept(text: str) -> str:
    for pattern, replacement in _KEEP:
        text = pattern.sub(replacement, text)
    return text


def plain(text: str) -> str:
    """Return text without the layout characters of `unbreakable` (for lists, CSV, bookmarks)."""
    return text.replace(NBSP, " ").replace(NON_BREAKING_HYPHEN, "-").replace(WORD_JOINER, "")
