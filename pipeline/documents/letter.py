"""The cover letter (missiv) of a draft round: its description for the document pipeline.

    the round's sources (plan.yaml, remiss.yaml) → letter_context → letter_document
    → the document stages (documents.stages): templates/missiv.docx, PDF via LibreOffice, laid out
      again from its PDF (fitted), normalised, proofread

yearly.round puts it in the round's folder beside the municipalities' copies.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

import pikepdf
from lxml import etree

from pipeline.content.formatting import long_date
from pipeline.documents.stages import Document
from pipeline.docx.ooxml import paragraph_text, q, read_part, replace_parts, xml_bytes
from pipeline.docx.templates import LETTER, prepare_template
from pipeline.paths import display_path
from pipeline.pdf.marks import document_marks
from pipeline.pdf.proofread import actual_from_pdf, normalise

TEMPLATE = "missiv.docx"
PROOFREAD = True  # the letter's PDF read against its DOCX, as the plan's and the follow-up's


def letter_document(root: Path, sources, copies: dict[str, str], draft: str, changes: dict | None = None) -> Document:
    """Return the description of the cover letter of checked `sources` (see letter_context)."""
    original = root / "templates" / TEMPLATE
    cache = root / "build" / ".cache"
    shown = display_path(original, root)
    template = prepare_template(original, cache, shown, spec=LETTER)
    plan, round_file = sources.plan, sources.round
    properties = {"title": letter_title(plan), "subject": f"Remiss av {plan.title}", "author": plan.organisation,
                  "date": round_file.sent_on or plan.date, "keywords": f"remiss; missiv; verksamhetsplan; {plan.year}",
                  "category": f"Utkast {plan.version}"}
    return Document(root, "missiv", template, shown, letter_context(sources, copies, draft, changes), properties,
                    target=f"missiv-{plan.year}-utkast-{plan.version}.pdf", proofread=PROOFREAD, fit=fitted)


def letter_title(plan) -> str:
    return f"Remiss: {plan.title}, utkast {plan.version}"


def letter_context(sources, copies: dict[str, str], draft: str, changes: dict | None = None) -> dict:
    """Return what templates/missiv.docx sees (LETTER_NAMES): `copies` are the municipalities' files by name,
    `draft` the draft's PDF; `changes` from yearly.round.changes_since, for a later draft."""
    plan, round_file = sources.plan, sources.round
    municipalities = sources.municipalities.municipalities
    names = [m.official_name for m in municipalities]
    contact = round_file.contact
    return {
        "titel": plan.title, "organisation": plan.organisation, "år": plan.year, "version": plan.version,
        "utkastdatum": long_date(plan.date), "datum": long_date(round_file.sent_on or plan.date),
        "svar_senast": long_date(round_file.answer_by), "svar_till": round_file.answer_to or contact.email,
        "fråga": list(round_file.question),
        "kontakt": {"namn": contact.name, "titel": contact.title or "", "epost": contact.email,
                    "telefon": contact.phone or ""},
        "kommuner": [{"namn": m.name, "kommunnamn": m.official_name,
                      "fil": copies[m.name]} for m in municipalities],
        "mottagare": (f"Södertörns {_count(len(names))} medlemskommuner: " + ", ".join(names[:-1]) + " och "
                      + names[-1]) if len(names) > 1 else names[0],
        "pdf": draft,
        "tidigare": (changes or {}).get("tidigare", ""),
        "ändringar": (changes or {}).get("ändringar", []),
    }


def _count(n: int) -> str:
    words = "noll en två tre fyra fem sex sju åtta nio tio elva tolv".split()
    return words[n] if n < len(words) else str(n)


FIT_ATTEMPTS = 3   # conversions of the cover letter at most, each after one more page break
STRAY_LINES = 3    # a last page with this many lines or fewer is a stray tail


def fitted(letter: bytes, pdf: bytes, convert: Callable[[bytes], bytes]) -> tuple[bytes, bytes]:
    """Return the cover letter and its PDF, laid out so that no heading ends a page and its last page
    holds more than a stray line or three.

    The template keeps its headings and its last lines with what follows (keep with next), but
    LibreOffice lets that go when the next paragraph just fails to fit; so the PDF is read back,
    and a heading left at the foot of a page, or the heading that leads into a stray last page,
    starts a new page instead (in the DOCX too, so that both show the same pages). `pdf` is the
    letter's first conversion; `convert` converts again.
    """
    for _ in range(FIT_ATTEMPTS - 1):
        heading = _heading_to_move(pdf)
        if heading is None:
            break
        letter = _page_break_before(letter, heading)
        pdf = convert(letter)
    return letter, pdf


def _heading_to_move(pdf: bytes) -> str | None:
    """The text of the heading that should start a new page, or None when the pages are right."""
    with pikepdf.open(io.BytesIO(pdf)) as document:
        marks = document_marks(document)
        blocks = actual_from_pdf(document, marks).blocks
    for block, after in zip(blocks, blocks[1:]):
        if block.heading and block.page and after.page and after.page > block.page:
            return block.text  # a heading alone at the foot of its page
    last = len(marks)
    lines = {round(mark.box[3]) for mcid, mark in marks[-1].items() if mcid is not None and mark.box
             and mark.text.strip()}
    if last > 1 and len(lines) <= STRAY_LINES:
        earlier = [b for b in blocks if b.heading and b.page and b.page < last]
        if earlier:
            return earlier[-1].text  # the section before the stray lines goes over with them
    return None


def _page_break_before(letter: bytes, heading: str) -> bytes:
    """The letter with a page break before the (last) heading paragraph whose text is `heading`."""
    document = etree.fromstring(read_part(letter, "word/document.xml"))
    found = [p for p in document.iter(q("w", "p")) if normalise(paragraph_text(p)) == normalise(heading)]
    if not found:
        return letter
    paragraph = found[-1]
    ppr = paragraph.find(q("w", "pPr"))
    if ppr is None:
        ppr = etree.Element(q("w", "pPr"))
        paragraph.insert(0, ppr)
    if ppr.find(q("w", "pageBreakBefore")) is None:
        brk = etree.Element(q("w", "pageBreakBefore"))
        after = [c for c in ppr if etree.QName(c).localname in ("pStyle", "keepNext", "keepLines")]
        ppr.insert(ppr.index(after[-1]) + 1 if after else 0, brk)  # CT_PPr's order
    return replace_parts(letter, {"word/document.xml": xml_bytes(document)})
