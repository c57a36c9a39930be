"""The reference plan's text as comparable units (sentences and table cells), for tests.

Applies the corrections in ../shared/reference/README.md: Faninge → Haninge, RUF5 → RUFS,
no signature names, no scanning debris, no table of contents with the original page numbers.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# A copy of ../shared/reference/verksamhetsplan-2024.txt (the decided plan, as transcribed),
# kept in the repository so the tests run wherever the project is cloned.
REFERENCE = Path(__file__).resolve().parent / "data" / "referens-verksamhetsplan-2024.txt"

SIGNATURE_NAMES = re.compile(r"^\*[^*]+\*\s*$")
DEBRIS = {"✓", "W", "*[Handwritten signatures]*", "....."}


def reference_text() -> str:
    return REFERENCE.read_text(encoding="utf-8")


def normalise(text: str) -> str:
    """Return text with markup, dashes, quotes and whitespace made uniform for comparison."""
    text = text.replace("\u00a0", " ").replace("\u202f", " ").replace("\u2060", "")
    text = re.sub(r"[\u2010-\u2015]", "-", text)
    text = text.replace("\u201d", '"').replace("\u201c", '"').replace("\u2019", "'")
    return re.sub(r"\s+", " ", text).strip().casefold()


def _clean_line(line: str) -> str:
    line = re.sub(r"</?[bi]>", "", line)
    line = line.replace("\\*", "*")
    line = re.sub(r"^#+\s*", "", line)
    line = re.sub(r"^-\s+", "", line)
    line = re.sub(r"\*\*|(?<!\w)\*(?=\S)|(?<=\S)\*(?!\w)", "", line)
    line = re.sub(r"\[([^\]]+)\]\([^)]+\)", r"\1", line)
    return line.replace("Faninge", "Haninge").replace("RUF5 2050", "RUFS 2050")


def sections() -> dict[str, str]:
    """Return the reference split into: front, chapters (1–6), bilaga1, bilaga2, bilaga3."""
    text = reference_text()
    a = text.index("# 1. Om verksamhetsplanen 2024")
    b = text.index("## BILAGA 1")
    c = text.index("## Samarbetsavtal om")
    d = text.index("# SUP 2040")
    return {"front": text[:a], "chapters": text[a:b], "bilaga1": text[b:c],
            "bilaga2": text[c:d], "bilaga3": text[d:]}


def units(part: str) -> list[str]:
    """Return the sentences and table cells of one section, normalised, in reading order."""
    out: list[str] = []
    for raw in sections()[part].splitlines():
        line = raw.strip()
        if not line or line in DEBRIS or SIGNATURE_NAMES.match(line):
            continue
        if part == "bilaga1" and line.startswith("Nr\t"):
            continue  # the table header: labels, checked separately
        for cell in line.split("\t"):
            cell = _clean_line(cell.strip())
            if part == "bilaga1" and re.fullmatch(r"\d+", cell):
                continue  # item numbers
            for piece in re.split(r"\s{2,}", cell):
                for sentence in re.split(r"(?<=[.!?:])\s+(?=[A-ZÅÄÖ*\"])", piece):
                    sentence = normalise(sentence).strip(" *")
                    if len(sentence) >= 3:
                        out.append(sentence)
    return out


def heading_units() -> list[str]:
    """Return the chapter and appendix headings of the reference, normalised."""
    return [normalise(h) for h in ["1. Om verksamhetsplanen 2024", "2. Utvecklingsaktiviteter", "3. Kansliets uppdrag",
            "4. Organisation", "5. Kalendarium för möten", "6. Budget",
            "Bilaga 1 Aktivitetsplan - översikt av kommunikationsaktiviteter",
            "Bilaga 2 Samarbetskommitténs samarbetsavtal, 2010-08-18",
            "Bilaga 3 Södertörns utvecklingsprogram 2023-2026, SUP 2040"]]


def missing_units(document_text: str, parts: list[str]) -> list[str]:
    """Return the reference units of `parts` that do not occur in `document_text`."""
    haystack = normalise(document_text)
    return [u for part in parts for u in units(part) if u not in haystack]
