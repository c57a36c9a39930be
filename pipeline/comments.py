"""Comment compilation (remissammanställning): every Word comment in the returned drafts.

Reads each returned DOCX safely (see safezip), finds every comment and reply, the text it
covers and the heading it sits under, names the municipality from the file name or the
document's properties, and writes one DOCX (a table per section, in document order) and the
same rows as CSV. Files that cannot be read are listed in both, and on the terminal.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import docx
from docx.enum.section import WD_ORIENT
from docx.oxml import OxmlElement
from docx.shared import Cm
from docx.oxml.ns import qn

from .errors import PipelineError
from .formatting import plain
from .package import finish_docx
from .safezip import SafeDocx, UnsafeDocument
from .writer import write_atomic

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
W14 = "{http://schemas.microsoft.com/office/word/2010/wordml}"
W15 = "{http://schemas.microsoft.com/office/word/2012/wordml}"
NO_HEADING = "(före första rubriken)"
UNKNOWN = "okänd kommun"
COLUMNS = ["Kommun", "Avsnitt", "Kommenterad text", "Kommentar", "Författare", "Datum", "Svar på", "Fil"]


@dataclass
class Comment:
    file: str
    municipality: str
    heading: str
    heading_order: int
    position: int
    commented: str
    text: str
    author: str
    date: str
    reply_to: str = ""


@dataclass
class Compilation:
    comments: list[Comment] = field(default_factory=list)
    files: list[tuple[str, str]] = field(default_factory=list)      # (file, municipality)
    refused: list[tuple[str, str]] = field(default_factory=list)    # (file, reason)


def _fold(text: str) -> str:
    """Return text without diacritics, case-folded, for matching names."""
    text = unicodedata.normalize("NFKD", text)
    return "".join(c for c in text if not unicodedata.combining(c)).casefold()


def match_municipality(names: list[str], *candidates: str) -> str | None:
    """Return the first municipality whose name occurs in a candidate (file name, properties)."""
    for candidate in candidates:
        folded = _fold(candidate)
        found = [(folded.find(_fold(n)), n) for n in names if _fold(n) in folded]
        if found:
            return min(found)[1]
    return None


def _text_of(element) -> str:
    return plain("".join(t.text or "" for t in element.iter(f"{W}t")))


def read_comments(path: Path, municipalities: list[str]) -> tuple[str, list[Comment]]:
    """Return the municipality and the comments of one returned draft; raise UnsafeDocument."""
    with SafeDocx(path) as doc:
        properties = []
        for part in ("docProps/core.xml", "docProps/app.xml"):
            if doc.has(part):
                properties += [el.text or "" for el in doc.xml(part).iter()]
        municipality = match_municipality(municipalities, path.stem, *properties) or UNKNOWN
        if not doc.has("word/comments.xml"):
            return municipality, []
        styles = {}
        if doc.has("word/styles.xml"):
            for style in doc.xml("word/styles.xml").iter(f"{W}style"):
                name = style.find(f"{W}name")
                styles[style.get(f"{W}styleId")] = (name.get(f"{W}val") if name is not None else "") or ""
        comments_xml = doc.xml("word/comments.xml")
        parents = {}
        if doc.has("word/commentsExtended.xml"):
            for ex in doc.xml("word/commentsExtended.xml").iter(f"{W15}commentEx"):
                if ex.get(f"{W15}paraIdParent"):
                    parents[ex.get(f"{W15}paraId")] = ex.get(f"{W15}paraIdParent")
        ranges = _comment_ranges(doc.xml("word/document.xml"), styles)
    by_id, para_to_id = {}, {}
    for c in comments_xml.iter(f"{W}comment"):
        cid = c.get(f"{W}id")
        paragraphs = c.findall(f".//{W}p")
        for p in paragraphs:
            para_to_id[p.get(f"{W14}paraId")] = cid
        by_id[cid] = c
    out = []
    for cid, c in by_id.items():
        paragraphs = c.findall(f".//{W}p")
        last_para = paragraphs[-1].get(f"{W14}paraId") if paragraphs else None
        parent = para_to_id.get(parents.get(last_para, ""), "")
        heading, order, position, commented = ranges.get(cid, ranges.get(parent, (NO_HEADING, -1, 10 ** 9, "")))
        out.append(Comment(path.name, municipality, heading, order, position, commented.strip(),
                           "\n".join(_text_of(p) for p in paragraphs).strip(), c.get(f"{W}author", ""),
                           (c.get(f"{W}date") or "")[:10], reply_to=parent))
    # A reply is shown under its parent: give it the parent's place, just after it.
    ids = {cid: i for i, cid in enumerate(by_id)}
    for comment in out:
        if comment.reply_to and comment.reply_to in by_id:
            parent = out[ids[comment.reply_to]]
            comment.heading, comment.heading_order, comment.position = \
                parent.heading, parent.heading_order, parent.position
            comment.commented = parent.commented
            comment.reply_to = parent.text[:60]
    return municipality, out


def _comment_ranges(document, styles: dict[str, str]) -> dict[str, tuple[str, int, int, str]]:
    """Return comment id → (heading, heading order, position, commented text), in one pass."""
    heading, order = NO_HEADING, -1
    open_ranges: dict[str, list[str]] = {}
    found: dict[str, list] = {}
    position = 0
    for element in document.iter():
        tag = element.tag
        if tag == f"{W}p":
            style = element.find(f"{W}pPr/{W}pStyle")
            name = styles.get(style.get(f"{W}val"), style.get(f"{W}val")) if style is not None else ""
            outline = element.find(f"{W}pPr/{W}outlineLvl")
            if name and (name.lower().startswith("heading") or name.lower().startswith("rubrik")) \
                    or outline is not None:
                text = _text_of(element).strip()
                if text:
                    heading, order = text, order + 1
            for parts in open_ranges.values():
                parts.append(" ")
        elif tag == f"{W}commentRangeStart":
            cid = element.get(f"{W}id")
            open_ranges[cid] = []
            found[cid] = [heading, order, position, open_ranges[cid]]
        elif tag == f"{W}commentRangeEnd":
            open_ranges.pop(element.get(f"{W}id"), None)
        elif tag == f"{W}commentReference":
            cid = element.get(f"{W}id")
            found.setdefault(cid, [heading, order, position, []])
        elif tag == f"{W}t" and element.text:
            for parts in open_ranges.values():
                parts.append(plain(element.text))
        position += 1
    return {cid: (h, o, p, re.sub(r"\s+", " ", "".join(parts))) for cid, (h, o, p, parts) in found.items()}


def compile_comments(paths: list[Path], municipalities: list[str]) -> Compilation:
    """Return every comment of the readable files, in section and document order."""
    result = Compilation()
    for path in paths:
        try:
            municipality, comments = read_comments(path, municipalities)
        except UnsafeDocument as exc:
            result.refused.append((path.name, str(exc)))
            continue
        result.files.append((path.name, municipality))
        result.comments += comments
    result.comments.sort(key=lambda c: (c.heading_order, c.position, c.file))
    return result


def write_compilation(result: Compilation, out: Path, reference: Path) -> tuple[Path, Path]:
    """Write the compilation as DOCX (styled like the plan) and as CSV beside it."""
    document = docx.Document(str(reference))
    section = document.sections[0]  # landscape: six columns need the width
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = Cm(29.7), Cm(21.0)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Cm(2))
    document.add_heading("Remissammanställning", level=1)
    document.add_paragraph(f"{len(result.comments)} kommentarer från {len(result.files)} filer.", style="Body Text")
    _table(document, ["Fil", "Kommun"], [[f, m] for f, m in result.files], [12.85, 12.85])
    if result.refused:
        document.add_heading("Filer som inte kunde läsas", level=2)
        _table(document, ["Fil", "Orsak"], [[f, r] for f, r in result.refused], [8, 17.7])
    sections: dict[str, list[Comment]] = {}
    for comment in result.comments:
        sections.setdefault(comment.heading, []).append(comment)
    for heading, comments in sections.items():
        document.add_heading(heading, level=2)
        _table(document, ["Kommun", "Avsnitt", "Kommenterad text", "Kommentar", "Författare", "Datum"],
               [[c.municipality, c.heading, c.commented, (f"Svar: {c.text}" if c.reply_to else c.text),
                 c.author, c.date] for c in comments], [2.6, 3.6, 7.4, 7.1, 2.8, 2.2])
    props = document.core_properties
    props.title, props.author, props.language = "Remissammanställning", "Södertörns kansli", "sv-SE"
    buffer = io.BytesIO()
    document.save(buffer)
    csv_path = out.with_suffix(".csv")
    text = io.StringIO()
    writer = csv.writer(text, delimiter=";", lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for c in result.comments:
        writer.writerow([c.municipality, c.heading, c.commented, c.text, c.author, c.date, c.reply_to, c.file])
    for f, reason in result.refused:
        writer.writerow(["", "", "", f"Kunde inte läsas: {reason}", "", "", "", f])
    write_atomic(out, finish_docx(buffer.getvalue()))
    write_atomic(csv_path, text.getvalue().encode("utf-8-sig"))
    return out, csv_path


def _table(document, header: list[str], rows: list[list[str]], widths_cm: list[float]) -> None:
    table = document.add_table(rows=1, cols=len(header))
    table.style = document.styles["Plantabell"]
    table.autofit = False
    for cell, label in zip(table.rows[0].cells, header):
        cell.paragraphs[0].text = label
        cell.paragraphs[0].style = document.styles["Tabellrubrik"]
    tr_pr = table.rows[0]._tr.get_or_add_trPr()
    tr_pr.append(OxmlElement("w:tblHeader"))
    for values in rows:
        cells = table.add_row().cells
        for cell, value in zip(cells, values):
            cell.paragraphs[0].text = value
            cell.paragraphs[0].style = document.styles["Tabelltext"]
    for row in table.rows:
        for cell, width in zip(row.cells, widths_cm):
            cell.width = Cm(width)
    for column, width in zip(table._tbl.tblGrid.findall(qn("w:gridCol")), widths_cm):
        column.set(qn("w:w"), str(int(Cm(width).twips)))  # LibreOffice lays out by the grid


def run_comments(root: Path, files: list[Path], out: Path) -> tuple[list[str], list[str]]:
    """Compile the comments of `files` into `out` (.docx) and `out` .csv.

    Return (warnings about files refused or without a municipality, lines about what was written).
    """
    from .load import load_shared_municipalities
    from .markdown import reference_doc
    if out.suffix.lower() != ".docx":
        raise PipelineError(f"{out}: utfilen ska sluta på .docx.")
    names = load_shared_municipalities(root)
    result = compile_comments(files, names)
    lines = [f"{f}: kunde inte läsas: {reason}" for f, reason in result.refused]
    lines += [f"{f}: ingen av de åtta kommunerna i filnamnet eller dokumentegenskaperna; listas som "
              f"'{UNKNOWN}'" for f, m in result.files if m == UNKNOWN]
    if not result.files:
        raise PipelineError("\n".join(lines + ["Ingen fil kunde läsas; ingen sammanställning skrevs."]))
    reference = reference_doc(root / "templates" / "verksamhetsplan.docx", root / "build" / ".cache")
    docx_path, csv_path = write_compilation(result, out, reference)
    return lines, [f"Skrev {docx_path} ({len(result.comments)} kommentarer från {len(result.files)} filer)",
                   f"Skrev {csv_path}"]
