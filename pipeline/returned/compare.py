"""Version comparison: a DOCX whose tracked changes show what changed between two versions.

Three engines were measured on the same edits (tools/compare_engines.py, docs/jämförelse.md):
- "docxodus" (the default): Docxodus' DocxDiff, from the PyPI package python-redlines. Each
  change once, a changed table row as that row, an added row as an added row, moves as moves;
  accepting all changes gives the new version and rejecting them the old one.
- "wmlcomparer": Open-XML-PowerTools' WmlComparer (python-redlines too; unmaintained upstream).
- "libreoffice": LibreOffice's own comparison, through UNO: a changed table appears twice,
  whole, once inserted and once deleted.

Whatever the engine, the changes are then signed by the secretariat (or the author given) and
dated with the newer version's date, empty revision marks are dropped, and the report lists each
change with its place in the plan (returned/revisions.py).
"""

from __future__ import annotations

import datetime as dt
import io
import re
import subprocess
import warnings
import zipfile
from dataclasses import replace
from pathlib import Path

from lxml import etree

from pipeline.errors import PipelineError
from pipeline.docx.ooxml import TEXT_PARTS, W, xml_bytes
from pipeline.docx.package import finish_docx
from pipeline.returned.revisions import Place, styles_from_xml, walk_document
from pipeline.returned.safezip import SafeDocx, UnsafeDocument
from pipeline.infra.writer import write_atomic
from pipeline.infra.zips import zipped
from pipeline.pdf.libreoffice import LibreOffice
from pipeline.docx.contents import clear_contents, contents_headings, contents_pages, fill_contents
from pipeline.content.formatting import counted

ENGINES = ("docxodus", "wmlcomparer", "libreoffice")
DEFAULT_ENGINE = "docxodus"
DEFAULT_AUTHOR = "Södertörns kansli"
SHORT = 15  # a paragraph of at most this many words is shown whole when it changed
R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
REVISIONS = {f"{W}{name}" for name in (
    "ins", "del", "moveFrom", "moveTo", "rPrChange", "pPrChange", "sectPrChange", "tblPrChange", "trPrChange",
    "tcPrChange", "tblGridChange", "numberingChange", "cellIns", "cellDel", "cellMerge")}
CONTAINERS = {f"{W}{name}" for name in ("ins", "del", "moveFrom", "moveTo")}


def _redlines(name: str, old: bytes, new: bytes, author: str, date: str) -> bytes:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        from python_redlines import DocxodusEngine, XmlPowerToolsEngine  # only when that engine compares
        if name == "wmlcomparer":
            return XmlPowerToolsEngine().run_redline(author, old, new)[0]
        return DocxodusEngine().run_redline(author, old, new, date_time=date)[0]


def redline(name: str, old: bytes, new: bytes, office=None, raw: bool = False,
            author: str = DEFAULT_AUTHOR, date: str = "2000-01-01T00:00:00Z") -> bytes:
    """Return NEW with tracked changes against OLD, made by engine `name` (raw: as the engine wrote it)."""
    if name == "libreoffice":
        if office is None:
            with LibreOffice() as session:
                result = session.compare(old, new)
        else:
            result = office.compare(old, new)
    else:
        result = _redlines(name, old, new, author, date)
    return result if raw else finish_docx(sign_revisions(result, author, date))


def sign_revisions(data: bytes, author: str, date: str) -> bytes:
    """Set every revision's author and date; drop insertions and deletions that hold no text."""
    entries = []
    with zipfile.ZipFile(io.BytesIO(data)) as source:
        for info in source.infolist():
            content = source.read(info)
            if TEXT_PARTS.fullmatch(info.filename):
                root = etree.fromstring(content)
                for node in list(root.iter(*REVISIONS)):
                    if node.tag in CONTAINERS and node.getparent().tag not in (f"{W}rPr", f"{W}trPr") \
                            and not _holds_content(node):
                        node.getparent().remove(node)
                        continue
                    node.set(f"{W}author", author)
                    node.set(f"{W}date", date)
                content = xml_bytes(root)
            entries.append((info, content))
    return zipped(entries)


def _holds_content(node) -> bool:
    """Does a run-level insertion or deletion hold text or anything else a reader sees?"""
    for child in node.iter():
        local = etree.QName(child).localname
        if local in ("t", "delText", "instrText", "delInstrText") and child.text:
            return True
        if local in ("tab", "br", "cr", "drawing", "pict", "object", "fldChar", "sym", "footnoteReference",
                     "endnoteReference", "noBreakHyphen", "softHyphen", "p", "tbl"):
            return True
    return False


def version_date(path: Path) -> str:
    """The newer version's date: its document properties' modification date, else the file's."""
    with SafeDocx(path) as doc:
        part = doc.related("core-properties", source="")
        if part:
            for node in doc.xml(part).iter():
                if node.tag.endswith("}modified") and node.text and re.match(r"\d{4}-\d\d-\d\d", node.text):
                    return node.text.strip()
    stamp = dt.datetime.fromtimestamp(path.stat().st_mtime, dt.timezone.utc).replace(microsecond=0)
    return stamp.strftime("%Y-%m-%dT%H:%M:%SZ")


RUNNING = {"headerReference": "Sidhuvud", "footerReference": "Sidfot"}
RUNNING_KIND = {"first": " (första sidan)", "even": " (jämna sidor)"}


def changes_by_place(data: bytes) -> list[tuple[Place, str]]:
    """Each real change of a DOCX this module wrote, once, with its place, in document order: the
    body's, then those of the headers and footers ("Sidhuvud", "Sidfot (första sidan)").

    The changes of a short paragraph (a table cell, a date) are one change shown whole,
    "”2 maj” → ”16 maj”"; a long paragraph's changes are listed one by one; a table row moved
    is one change, not a deletion and an insertion.
    """
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        document = etree.fromstring(package.read("word/document.xml"))
        styles = styles_from_xml(etree.fromstring(package.read("word/styles.xml"))
                                 if "word/styles.xml" in package.namelist() else etree.Element("styles"))
        running = [(label, etree.fromstring(package.read(name))) for name, label in _running_parts(package, document)]
    out = _listed(walk_document(document, styles).changes)
    for number, (label, part) in enumerate(running, 1):
        place = Place(label, order=(10 ** 6 + number,))
        out += _listed([replace(c, place=place) for c in walk_document(part, styles).changes])
    return out


def _running_parts(package: zipfile.ZipFile, document) -> list[tuple[str, str]]:
    """(part, label) of each header and footer the sections use, once each, in the order they are named."""
    rels_name = "word/_rels/document.xml.rels"
    if rels_name not in package.namelist():
        return []
    rels = {rel.get("Id"): rel.get("Target", "") for rel in etree.fromstring(package.read(rels_name))}
    found: dict[str, str] = {}
    for section in document.iter(f"{W}sectPr"):
        for ref in section:
            kind = etree.QName(ref).localname
            if kind not in RUNNING:
                continue
            target = rels.get(ref.get(f"{{{R}}}id"), "")
            name = target.lstrip("/") if target.startswith("/") else f"word/{target}"
            if name in package.namelist():
                found.setdefault(name, RUNNING[kind] + RUNNING_KIND.get(ref.get(f"{W}type", ""), ""))
    return list(found.items())


def _listed(changes: list) -> list[tuple[Place, str]]:
    """The changes of one part, as changes_by_place lists them."""
    out: list[tuple[Place, str]] = []
    moved_to = {c.new_text: c for c in changes if c.kind == "rad flyttad hit"}
    done: set[int] = set()
    for change in changes:
        if change.paragraph in done:
            continue
        done.add(change.paragraph)
        if change.kind == "rad flyttad hit" and any(c.kind == "rad flyttad härifrån" and c.text == change.new_text
                                                    for c in changes):
            continue  # told at the row it left
        if change.kind == "rad flyttad härifrån" and change.text in moved_to:
            target = moved_to[change.text].place
            out.append((change.place, f"raden flyttad till {_row_name(target)}: {_short(change.text, 100)}"))
        elif change.kind.startswith("rad "):
            out.append((change.place, change.content))
        elif len(change.text.split()) <= SHORT and len(change.new_text.split()) <= SHORT:
            if not change.text:
                out.append((change.place, f"infogat: ”{change.new_text}”"))
            elif not change.new_text:
                out.append((change.place, f"borttaget: ”{change.text}”"))
            elif change.text == change.new_text:
                out.append((change.place, f"{change.content} (”{change.new_text}”)"))
            else:
                out.append((change.place, f"”{change.text}” → ”{change.new_text}”"))
        else:
            out += [(c.place, c.content) for c in changes if c.paragraph == change.paragraph]
    return out


def _row_name(place: Place) -> str:
    return f"tabellrad {place.row_label}" if re.fullmatch(r"\d{1,3}", place.row_label) else f"tabellrad {place.row}"


def run_compare(old: Path, new: Path, out: Path, engine: str = DEFAULT_ENGINE, author: str = DEFAULT_AUTHOR,
                soffice_url: str | None = None) -> list[str]:
    """Write `out` with NEW's text and tracked changes against OLD; return Swedish report lines."""
    if out.suffix.lower() != ".docx":
        raise PipelineError(f"{out}: utfilen ska sluta på .docx.")
    if engine not in ENGINES:
        raise PipelineError(f"okänd jämförelsemotor '{engine}'; välj en av {', '.join(ENGINES)}.")
    data = []
    for path in (old, new):
        try:
            with SafeDocx(path):
                pass
        except UnsafeDocument as exc:
            raise PipelineError(f"{path}: {exc}") from exc
        data.append(path.read_bytes())
    date = version_date(new)
    # The contents lists differ in their page numbers whenever a page breaks elsewhere: compare
    # without them, and give the result the newer version's list.
    pages = contents_pages(data[1])
    data = [clear_contents(d) for d in data]
    try:
        if engine == "libreoffice":
            with LibreOffice(soffice_url) as office:
                result = redline(engine, data[0], data[1], office=office, author=author, date=date)
        else:
            result = redline(engine, data[0], data[1], author=author, date=date)
    except (OSError, subprocess.SubprocessError, ImportError) as exc:
        detail = str(exc).strip().splitlines()[-1] if str(exc).strip() else type(exc).__name__
        raise PipelineError(f"Jämförelsen med {engine} misslyckades: {detail}. Prova med --motor libreoffice."
                            ) from exc
    result = fill_contents(result, [pages.get(text) for _, text in contents_headings(result)] if pages else None)
    changes = changes_by_place(result)
    write_atomic(out, result)
    lines = [f"Skrev {out} med {_count(len(changes))} (spårade ändringar av {author}, daterade {date[:10]}):"]
    last = None
    for place, content in changes:
        label = place.label()
        if label != last:
            lines.append(f"  {label}:")
            last = label
        lines.append(f"    {_short(content)}")
    return lines


def _count(n: int) -> str:
    return counted(n, "ändring", "ändringar")


def _short(text: str, limit: int = 160) -> str:
    text = re.sub(r"\s+", " ", text).strip()
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
