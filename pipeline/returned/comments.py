"""Comment compilation (remissammanställning): everything the municipalities sent back, in the plan's order.

Each returned file is read safely (safezip): every comment with its replies (Word's reply links,
or for LibreOffice and Google Docs files the comments that share one anchor, in time order),
whether it is resolved, and every tracked change (what was inserted and what was deleted),
each with its place in the plan: the chapter or appendix, the nearest heading, and the table row
when it sits in a table ("Bilaga 1 ..., tabellrad 6"). The municipality comes from the file name
or the document's properties. The compilation (DOCX and CSV) opens with an overview of the member
municipalities (who answered, with how many comments and changes; whose file could not be read,
why and what to ask for; who has not answered yet or did not in time) and lists every file that
could not be read, with its reason and the municipality its name names, instead of stopping at it.
Its tables (one per chapter, the chapter as heading) keep each row on one page and make every
column as wide as its longest word, measured in the font LibreOffice will use.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import re
import subprocess
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import docx
from docx.enum.section import WD_ORIENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Twips
from lxml import etree

from pipeline.errors import PipelineError, Problem
from pipeline.content.formatting import counted, long_date, NON_BREAKING_HYPHEN, unbreakable, WORD_JOINER
from pipeline.docx.copy_identity import CopyIdentity, custom_properties, identity_of
from pipeline.docx.ooxml import W
from pipeline.docx.package import finish_docx
from pipeline.returned.safezip import SafeDocx, UnsafeDocument
from pipeline.returned.revisions import Place, Walk, style_names, text_of, walk_document
from pipeline.infra.writer import write_atomic
from pipeline.sources.load import load_shared_municipalities, ROUND_FILE, validate
from pipeline.docx.markdown import reference_doc
from pipeline.sources import model as m
from pipeline.paths import display_path, year_dir
from pipeline.sources.reading import read_yaml

W14 = "{http://schemas.microsoft.com/office/word/2010/wordml}"
W15 = "{http://schemas.microsoft.com/office/word/2012/wordml}"
UNKNOWN = "okänd kommun"
COLUMNS = ["Kommun", "Plats", "Typ", "Text i planen", "Kommentar eller ändring", "Författare", "Datum", "Status",
           "Tråd", "Fil"]
EXIT_SOME_UNREADABLE = 2  # the compilation was written, but at least one file could not be read


@dataclass
class Remark:
    """One comment, reply or tracked change in one file."""

    kind: str                       # kommentar, svar, infogat, borttaget, ändrat, formatändring
    file: str
    municipality: str
    author: str
    date: str
    place: Place
    text: str                       # the plan's text commented or changed
    content: str                    # the comment, or the change ("infogat: ...")
    resolved: bool = False
    thread: str = ""                # the remark a reply answers (its first words)
    position: int = 0


@dataclass
class ReadFile:
    name: str
    municipalities: list[str]
    digest: str
    remarks: list[Remark] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    identity: CopyIdentity | None = None    # the copy's identity, when it was sent by `round`

    @property
    def comments(self) -> int:
        return sum(r.kind in ("kommentar", "svar") for r in self.remarks)

    @property
    def changes(self) -> int:
        return sum(r.kind not in ("kommentar", "svar") for r in self.remarks)


@dataclass
class Refused:
    """A file that could not be read: why, and whose answer its name says it is."""

    name: str
    reason: str
    municipalities: list[str] = field(default_factory=list)

    def ask(self, municipality: str) -> str:
        """What to ask the municipality for, after this reason."""
        if "krypterad" in self.reason and "äldre" not in self.reason:
            return f"Be {municipality} om en kopia utan lösenord, sparad som Word-dokument (.docx)."
        if ".doc)" in self.reason or ".odt" in self.reason:
            return f"Be {municipality} spara filen som Word-dokument (.docx) och skicka den igen."
        if "för stor" in self.reason:
            return f"Be {municipality} skicka filen igen utan stora bilder eller bifogade filer."
        return f"Be {municipality} skicka filen igen, sparad som Word-dokument (.docx)."


@dataclass
class Round:
    """The draft round the answers belong to, as far as it is known."""

    year: int | None = None
    version: int | None = None          # the latest draft sent
    answer_by: dt.date | None = None
    on: dt.date = field(default_factory=dt.date.today)  # the day of the compilation

    def silence(self) -> str:
        """The overview's status of a municipality that has not answered."""
        if self.answer_by is None:
            return "inget svar"
        if self.on > self.answer_by:
            return f"inget svar (svarstiden gick ut {long_date(self.answer_by)})"
        return f"inget svar ännu (svar senast {long_date(self.answer_by)})"


@dataclass
class Compilation:
    files: list[ReadFile] = field(default_factory=list)
    refused: list[Refused] = field(default_factory=list)
    municipalities: list[str] = field(default_factory=list)
    round: Round = field(default_factory=Round)

    @property
    def remarks(self) -> list[Remark]:
        out = [r for f in self.files if "dubblett" not in " ".join(f.notes) for r in f.remarks]
        return sorted(out, key=lambda r: (r.place.order, r.municipality, r.position))


def _fold(text: str) -> str:
    """Return text without diacritics, case-folded, for matching names."""
    text = unicodedata.normalize("NFKD", text)
    return "".join(c for c in text if not unicodedata.combining(c)).casefold()


def municipalities_named(names: list[str], *candidates: str) -> list[str]:
    """Return the municipalities that the first candidate naming any of them names (file name first)."""
    for candidate in candidates:
        folded = _fold(candidate)
        # the name as a word of its own, or in the genitive ("Nynäshamns kommun")
        found = sorted(n for n in names if re.search(rf"(?<![a-z]){re.escape(_fold(n))}s?(?![a-z])", folded))
        if found:
            return found
    return []


# --- reading one file -------------------------------------------------------------------------------

def read_file(path: Path, municipalities: list[str]) -> ReadFile:
    """Return what one returned file holds; raise UnsafeDocument when it cannot be read."""
    with SafeDocx(path) as doc:
        properties: list[str] = []
        identity = None
        for kind in ("core-properties", "extended-properties", "custom-properties"):
            part = doc.related(kind, source="")
            if part:
                properties += [el.text or "" for el in doc.xml(part).iter()]
                if kind == "custom-properties":
                    identity = identity_of(custom_properties(doc.xml(part)))
        by_name = municipalities_named(municipalities, path.stem)
        notes = []
        if identity is not None and identity.municipality in municipalities:
            # The identity the round wrote inside the file wins over a name anyone can change.
            named = [identity.municipality]
            if by_name and by_name != named:
                notes.append(f"filnamnet nämner {', '.join(by_name)}, men filen är {identity.municipality}s "
                             f"remissexemplar (dokumentegenskapen); räknas för {identity.municipality}")
        else:
            named = municipalities_named(municipalities, path.stem, " ".join(properties))
        document = doc.xml(doc.main)
        styles = style_names(doc)
        comments_part = doc.related("comments")
        comments = doc.xml(comments_part) if comments_part else None
        extended_part = doc.related("commentsExtended")
        extended = doc.xml(extended_part) if extended_part else None
        digest = hashlib.sha256(doc.read(doc.main) + (doc.read(comments_part) if comments_part else b"")).hexdigest()
    result = ReadFile(path.name, named, digest, notes=notes, identity=identity)
    municipality = ", ".join(named) or UNKNOWN
    walk = walk_document(document, styles)
    result.remarks += _comment_remarks(comments, extended, walk, path.name, municipality)
    result.remarks += [Remark(kind, path.name, municipality, author, date, place, text, content, position=pos * 1000)
                       for kind, author, date, place, text, content, pos in
                       ((c.kind, c.author, c.date, c.place, c.text, c.content, c.position) for c in walk.changes)]
    return result


def _comment_remarks(comments, extended, walk: Walk, file: str, municipality: str) -> list[Remark]:
    """Every comment, with its replies under it in time order, and whether it is resolved."""
    if comments is None:
        return []
    items = []
    seen_ids: dict[str, int] = {}
    for order, c in enumerate(comments.findall(f"{W}comment")):
        cid = c.get(f"{W}id")
        seen_ids[cid] = seen_ids.get(cid, 0) + 1
        paragraphs = c.findall(f".//{W}p")
        items.append({"id": cid, "order": order, "author": c.get(f"{W}author", ""),
                      "date": c.get(f"{W}date") or "", "text": "\n".join(text_of(p) for p in paragraphs).strip(),
                      "para": paragraphs[-1].get(f"{W14}paraId") if paragraphs else None,
                      "duplicate": seen_ids[cid] > 1})
    parents, done = {}, {}
    if extended is not None:
        for ex in extended.iter(f"{W15}commentEx"):
            done[ex.get(f"{W15}paraId")] = ex.get(f"{W15}done") in ("1", "true")
            if ex.get(f"{W15}paraIdParent"):
                parents[ex.get(f"{W15}paraId")] = ex.get(f"{W15}paraIdParent")
    by_para = {item["para"]: item for item in items if item["para"]}
    for item in items:
        parent = by_para.get(parents.get(item["para"])) if item["para"] else None
        item["parent"] = parent
        item["resolved"] = done.get(item["para"], False)
    # LibreOffice and Google Docs write a reply as a comment on the same text, without a link:
    # comments that share one anchor form a thread, the earliest first.
    anchors: dict[tuple, list] = {}
    for item in items:
        if item["parent"] is None and item["id"] in walk.anchors and extended is None:
            anchors.setdefault(walk.anchors[item["id"]], []).append(item)
    for group in anchors.values():
        group.sort(key=lambda i: (i["date"], i["order"]))
        for reply in group[1:]:
            reply["parent"] = group[0]
    remarks = []
    for item in items:
        root = item
        while root["parent"] is not None and root["parent"] is not root:
            root = root["parent"]
            if root is item:
                break
        place, text, position = walk.ranges.get(root["id"], (Place(), "", 10 ** 9))
        kind = "svar" if item["parent"] is not None else "kommentar"
        content = item["text"]
        if item["duplicate"]:
            content += f" (obs: kommentarens id {item['id']} förekommer flera gånger i filen)"
        remarks.append(Remark(kind, file, municipality, item["author"], item["date"][:10], place, text, content,
                              resolved=item["resolved"] or root["resolved"],
                              thread=root["text"][:60] if kind == "svar" else "",
                              position=position * 1000 + (0 if kind == "kommentar" else 1)
                              + (_sortable(item["date"]) if kind == "svar" else 0)))
    return remarks


def _sortable(date: str) -> float:
    """A reply's date as a small fraction, so that replies sort under their comment in time order."""
    digits = re.sub(r"\D", "", date)[:14].ljust(14, "0")
    return int(digits) / 10 ** 15


# --- the compilation ---------------------------------------------------------------------------------

def compile_responses(paths: list[Path], municipalities: list[str]) -> Compilation:
    """Return everything the readable files hold; each unreadable file is listed with its reason."""
    result = Compilation(municipalities=municipalities)
    seen: dict[str, str] = {}
    # A file whose name looks like a copy ("Huddinge (1).docx", "kopia av ...") is read last, so
    # that of two files with the same content the copy is the one called the duplicate.
    copy = re.compile(r"\(\d+\)|kopia|copy", re.I)
    for path in sorted(paths, key=lambda p: bool(copy.search(p.stem))):
        try:
            read = read_file(path, municipalities)
        except UnsafeDocument as exc:
            # credited to the municipality its name names: it did answer, even if the file is damaged
            result.refused.append(Refused(path.name, str(exc), municipalities_named(municipalities, path.stem)))
            continue
        if not read.municipalities:
            read.notes.append("nämner ingen av medlemskommunerna i filnamnet eller dokumentegenskaperna")
        elif len(read.municipalities) > 1:
            read.notes.append(f"filnamnet nämner flera kommuner ({', '.join(read.municipalities)}); räknas för alla")
        if read.digest in seen:
            read.notes.append(f"dubblett: samma innehåll som {seen[read.digest]}; räknas inte två gånger")
        else:
            seen[read.digest] = read.name
        result.files.append(read)
    return result


def place_in_round(result: Compilation, round_: Round) -> None:
    """Set the round the answers belong to, and note each copy from another year or an older draft.

    The latest draft is the year's draft in plan.yaml, or the newest a copy was sent as."""
    versions = [f.identity.version for f in result.files if f.identity and f.identity.year == round_.year]
    if versions and (round_.version is None or max(versions) > round_.version):
        round_.version = max(versions)
    result.round = round_
    for read in result.files:
        identity = read.identity
        if identity is not None and round_.year is not None and identity.year != round_.year:
            read.notes.append(f"exemplar av planen för {identity.year}, inte {round_.year}")
        elif identity is not None and round_.version is not None and identity.version < round_.version:
            read.notes.append(f"svar på utkast {identity.version}; det senaste utkastet är utkast "
                              f"{round_.version}: kontrollera att synpunkterna gäller den aktuella texten")


def overview(result: Compilation) -> list[list[str]]:
    """One row per member municipality and one for files naming none.

    Each municipality is in one of four states: answered (its files, comments and changes),
    answered but a file could not be read (which, why, and what to ask for), not yet answered,
    no answer in time."""
    rows = []
    for name in result.municipalities:
        files = [f for f in result.files if name in f.municipalities and not any("dubblett" in n for n in f.notes)]
        unreadable = [f for f in result.refused if name in f.municipalities]
        status = "svar" if files else result.round.silence()
        if unreadable:
            told = " ".join(f"{f.name} kunde inte läsas: {f.reason}" for f in unreadable)
            status = f"{'svar, men ' if not files else 'svar; '}{told} {unreadable[0].ask(name)}"
        if files or unreadable:
            rows.append([name, ", ".join([f.name for f in files] + [f.name for f in unreadable]),
                         str(sum(f.comments for f in files)), str(sum(f.changes for f in files)), status])
        else:
            rows.append([name, "", "0", "0", status])
    unknown = [f for f in result.files if not f.municipalities]
    if unknown:
        rows.append([UNKNOWN, ", ".join(f.name for f in unknown), str(sum(f.comments for f in unknown)),
                     str(sum(f.changes for f in unknown)), "ange kommunen i filnamnet"])
    return rows


def safe_cell(value: str) -> str:
    """Return a CSV cell that a spreadsheet shows as text, never runs as a formula."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def write_compilation(result: Compilation, out: Path, reference: Path) -> tuple[Path, Path]:
    """Write the compilation as DOCX (styled like the plan) and as CSV beside it."""
    document = docx.Document(str(reference))
    section = document.sections[0]  # landscape: the columns need the width
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = Cm(29.7), Cm(21.0)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Cm(2))
    remarks = result.remarks
    comments = sum(r.kind in ("kommentar", "svar") for r in remarks)
    document.add_heading("Remissammanställning", level=1)
    summary = (f"{counted(comments, 'kommentar eller svar', 'kommentarer och svar')} och "
               f"{counted(len(remarks) - comments, 'ändring', 'ändringar')} från {counted(len(result.files), 'fil', 'filer')}; "
               f"{counted(len(result.refused), 'fil', 'filer')} kunde inte läsas.")
    if result.round.answer_by is not None:
        summary += (f" Svar senast {long_date(result.round.answer_by)}; sammanställt "
                    f"{long_date(result.round.on)}.")
    document.add_paragraph(summary, style="Body Text")
    measure = TextWidth.of(document)
    document.add_heading("Översikt", level=2)
    _table(document, ["Kommun", "Filer", "Kommentarer", "Ändringar", "Status"], overview(result),
           [3.2, 9.2, 2.6, 2.6, 8.1], measure)
    document.add_heading("Filer", level=2)
    _table(document, ["Fil", "Kommun", "Kommentarer", "Ändringar", "Anmärkning"],
           [[f.name, ", ".join(f.municipalities) or UNKNOWN, str(f.comments), str(f.changes), "; ".join(f.notes)]
            for f in result.files], [6.5, 3.5, 2.6, 2.6, 10.5], measure)
    if result.refused:
        document.add_heading("Filer som inte kunde läsas", level=2)
        _table(document, ["Fil", "Kommun", "Orsak"],
               [[f.name, ", ".join(f.municipalities) or UNKNOWN, f.reason] for f in result.refused], [7, 3.5, 15.2],
               measure)
    chapters: dict[str, list[Remark]] = {}
    for remark in remarks:
        chapters.setdefault(remark.place.chapter, []).append(remark)
    for chapter, items in chapters.items():
        # the chapter once, as the heading of its table; each row says where in the chapter it is
        document.add_heading(chapter, level=2)
        _table(document, ["Kommun", "Plats", "Text i planen", "Kommentar eller ändring", "Författare", "Datum",
                          "Status"],
               # a reply stands under its comment: the place and the plan's text are the comment's
               [[r.municipality, "" if r.kind == "svar" else _place_in_chapter(r.place),
                 "" if r.kind == "svar" else r.text, _shown(r), r.author, r.date, "löst" if r.resolved else ""]
                for r in items], [2.4, 4.0, 6.2, 6.8, 2.6, 2.1, 1.6], measure)
    props = document.core_properties
    props.title, props.author, props.language = "Remissammanställning", "Södertörns kansli", "sv-SE"
    buffer = io.BytesIO()
    document.save(buffer)
    csv_path = out.with_suffix(".csv")
    text = io.StringIO()
    writer = csv.writer(text, delimiter=";", lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for r in remarks:
        writer.writerow([safe_cell(v) for v in (r.municipality, r.place.label(), r.kind, r.text, r.content, r.author,
                                                r.date, "löst" if r.resolved else "", r.thread, r.file)])
    for f in result.refused:
        writer.writerow([safe_cell(v) for v in (", ".join(f.municipalities), "", "kunde inte läsas", "", f.reason, "",
                                                "", "", "", f.name)])
    for row in overview(result):
        if row[4].startswith("inget svar"):
            writer.writerow([row[0], "", row[4], "", "", "", "", "", "", ""])
    write_atomic(out, finish_docx(buffer.getvalue()))
    write_atomic(csv_path, text.getvalue().encode("utf-8-sig"))
    return out, csv_path


def _shown(remark: Remark) -> str:
    if remark.kind == "svar":
        return f"↳ Svar: {remark.content}"
    if remark.kind == "kommentar":
        return remark.content
    return remark.content[:1].upper() + remark.content[1:]


def _place_in_chapter(place: Place) -> str:
    """The place within its chapter (the chapter is the table's heading): heading and table row."""
    label = Place(place.chapter, place.heading, place.row, place.row_label).label()
    within = label[len(place.chapter):].lstrip(", ")
    return within or "löptext"


CELL_MARGINS = 200        # twips: the table style's left and right cell margins together
SLACK = 60                # twips: what a word needs beyond its glyphs (rounding, justification)
PAGE_SHARE = 0.8          # a row taller than this share of the page may break (nothing else can hold it)


class TextWidth:
    """The width of text in the compilation's table styles, from the fonts LibreOffice will use.

    The theme's body font (Calibri) is found as fontconfig finds it (Carlito, metric-compatible);
    without fontTools or fontconfig, an average character width stands in.
    """

    AVERAGE = 0.53  # em per character of Calibri text, when the font cannot be read

    def __init__(self, fonts: dict[bool, object], size: float, page_height: int):
        self.fonts, self.size, self.page_height = fonts, size, page_height

    @classmethod
    def of(cls, document) -> "TextWidth":
        section = document.sections[0]
        height = int((section.page_height - section.top_margin - section.bottom_margin) / 635)  # EMU → twips
        name = "Calibri"
        for part in document.part.package.iter_parts():
            if part.partname.endswith("theme1.xml"):
                latin = etree.fromstring(part.blob).find(".//{http://schemas.openxmlformats.org/drawingml/2006/main}"
                                                          "minorFont/{http://schemas.openxmlformats.org/drawingml/"
                                                          "2006/main}latin")
                name = latin.get("typeface") if latin is not None and latin.get("typeface") else name
        size = 10.0
        style = document.styles["Tabelltext"].element.find(f"{W}rPr/{W}sz")
        if style is not None:
            size = int(style.get(f"{W}val")) / 2
        return cls({bold: _font(name, bold) for bold in (False, True)}, size, height)

    def word(self, word: str, bold: bool = False) -> int:
        """The width of one word, in twips."""
        font = self.fonts.get(bold)
        if font is None:
            return round(len(word) * self.AVERAGE * self.size * 20 * (1.05 if bold else 1))
        cmap, widths, em = font
        word = word.replace(NON_BREAKING_HYPHEN, "-").replace(WORD_JOINER, "")
        units = sum(widths.get(cmap.get(ord(c), ".notdef"), em // 2) for c in word)
        return round(units / em * self.size * 20)

    def lines(self, text: str, width: int) -> int:
        """How many lines `text` takes in a column `width` twips wide (words wrapped, none broken)."""
        space, inner, total = self.word(" "), max(width - CELL_MARGINS, 1), 0
        for paragraph in unbreakable(text).split("\n") or [""]:
            line, count = 0, 1
            for word in paragraph.split(" "):
                needed = self.word(word) + (space if line else 0)
                if line and line + needed > inner:
                    count, line = count + 1, self.word(word)
                else:
                    line += needed
            total += count
        return total


def _font(name: str, bold: bool):
    """(character map, advance widths, units per em) of the font fontconfig picks for `name`, or None."""
    try:
        from fontTools.ttLib import TTFont  # only when a compilation measures its columns
        found = subprocess.run(["fc-match", "-f", "%{file}", f"{name}:weight={200 if bold else 80}"],
                               capture_output=True, text=True, timeout=10).stdout.strip()
        font = TTFont(found, lazy=True)
        return font.getBestCmap(), {glyph: advance for glyph, (advance, _) in font["hmtx"].metrics.items()}, \
            font["head"].unitsPerEm
    except Exception:  # no fontTools, no fontconfig, no such font: the average width serves
        return None


def column_widths(header: list[str], rows: list[list[str]], preferred: list[float], total: int,
                  measure: TextWidth) -> list[int]:
    """Column widths (twips) summing to `total`: each at least as wide as its widest word, the rest in
    the proportions `preferred`."""
    minimum = []
    for c, label in enumerate(header):
        widest = max([measure.word(w, bold=True) for w in label.split(" ")]
                     + [measure.word(w) for row in rows for w in re.split(r"[ \n]", unbreakable(row[c]))], default=0)
        minimum.append(widest + CELL_MARGINS + SLACK)
    wanted = [round(total * p / sum(preferred)) for p in preferred]
    widths = [max(w, m) for w, m in zip(wanted, minimum)]
    while sum(widths) > total:
        spare = [w - m for w, m in zip(widths, minimum)]
        if sum(spare) <= 0:
            break  # the words alone are wider than the page: nothing more to give
        excess = sum(widths) - total
        widths = [w - min(s, max(1, round(excess * s / sum(spare)))) for w, s in zip(widths, spare)]
    widths[-1] += total - sum(widths) if sum(widths) < total else 0
    return widths


def _table(document, header: list[str], rows: list[list[str]], preferred: list[float], measure: TextWidth) -> None:
    section = document.sections[0]
    total = int((section.page_width - section.left_margin - section.right_margin) / 635)  # EMU → twips
    widths = column_widths(header, rows, preferred, total, measure)
    table = document.add_table(rows=1, cols=len(header))
    table.style = document.styles["Plantabell"]
    table.autofit = False
    for cell, label in zip(table.rows[0].cells, header):
        cell.paragraphs[0].text = label
        cell.paragraphs[0].style = document.styles["Tabellrubrik"]
    tr_pr = table.rows[0]._tr.get_or_add_trPr()
    tr_pr.append(OxmlElement("w:cantSplit"))
    tr_pr.append(OxmlElement("w:tblHeader"))
    line_height = measure.size * 20 * 1.22
    for values in rows:
        row = table.add_row()
        for cell, value in zip(row.cells, values):
            cell.paragraphs[0].text = unbreakable(value)  # amounts, dates and ranges stay on one line
            cell.paragraphs[0].style = document.styles["Tabelltext"]
        # a row is kept on one page, unless it is taller than a page could hold
        height = max(measure.lines(v, w) for v, w in zip(values, widths)) * line_height
        if height < PAGE_SHARE * measure.page_height:
            row._tr.get_or_add_trPr().append(OxmlElement("w:cantSplit"))
    for row in table.rows:
        for cell, width in zip(row.cells, widths):
            cell.width = Twips(width)
    for column, width in zip(table._tbl.tblGrid.findall(qn("w:gridCol")), widths):
        column.set(qn("w:w"), str(width))  # LibreOffice lays out by the grid


def run_comments(root: Path, files: list[Path], out: Path, year: str | None = None,
                 on: str | None = None) -> tuple[list[str], list[str], int]:
    """Compile the responses in `files` into `out` (.docx) and `out` .csv.

    `year` is the round's year when the files do not carry it; `on` the day of the compilation
    (ÅÅÅÅ-MM-DD, default today). Return (warnings about files refused, without a municipality or
    twice, lines about what was written, exit code: 0, or EXIT_SOME_UNREADABLE when a file could
    not be read).
    """
    if out.suffix.lower() != ".docx":
        raise PipelineError(f"{out}: utfilen ska sluta på .docx.")
    day = parse_day(on)
    if year is not None and not (str(year).isdigit() and len(str(year)) == 4):
        raise PipelineError(f"--år: '{year}' är inget årtal (skriv till exempel 2025).")
    names = load_shared_municipalities(root)
    result = compile_responses(files, names)
    # the round: the year the copies carry (most of them), or the one given
    years = [f.identity.year for f in result.files if f.identity]
    round_year = int(year) if year is not None else (max(set(years), key=years.count) if years else None)
    round_, warnings = round_of(root, round_year, day)
    place_in_round(result, round_)
    lines = warnings + [f"{f.name}: kunde inte läsas: {f.reason}" for f in result.refused]
    lines += [f"{f.name}: {note}" for f in result.files for note in f.notes]
    if not result.files:
        raise PipelineError("\n".join(lines + ["Ingen fil kunde läsas; ingen sammanställning skrevs."]))
    reference = reference_doc(root / "templates" / "verksamhetsplan.docx", root / "build" / ".cache")
    docx_path, csv_path = write_compilation(result, out, reference)
    remarks = result.remarks
    silent = [row[0] for row in overview(result) if row[4].startswith("inget svar")]
    answers = sum(r.kind in ("kommentar", "svar") for r in remarks)
    written = [f"Skrev {docx_path} ({counted(answers, 'kommentar eller svar', 'kommentarer och svar')}, "
               f"{counted(len(remarks) - answers, 'ändring', 'ändringar')}, från {counted(len(result.files), 'fil', 'filer')})",
               f"Skrev {csv_path}"]
    if silent:
        when = ""
        if result.round.answer_by is not None:
            passed = result.round.on > result.round.answer_by
            when = f" (svarstiden gick ut {long_date(result.round.answer_by)})" if passed else \
                f" ännu (svar senast {long_date(result.round.answer_by)})"
        written.append(f"Inget svar{when} från: {', '.join(silent)}.")
    damaged = [(name, ", ".join(f.name for f in result.refused if name in f.municipalities))
               for name in result.municipalities if any(name in f.municipalities for f in result.refused)]
    if damaged:
        written.append("Svar som inte kunde läsas från: " + ", ".join(f"{name} ({files})" for name, files in damaged)
                       + f"; be om {'filen' if len(damaged) == 1 else 'filerna'} igen.")
    return lines, written, EXIT_SOME_UNREADABLE if result.refused else 0


def parse_day(on: str | None) -> dt.date:
    """The day given as ÅÅÅÅ-MM-DD (--per), or today."""
    if on is None:
        return dt.date.today()
    try:
        return dt.date.fromisoformat(on.strip())
    except ValueError:
        raise PipelineError(f"--per: '{on}' är inget datum; skriv det ÅÅÅÅ-MM-DD, t.ex. 2025-11-30.") from None


def round_of(root: Path, year: int | None, on: dt.date) -> tuple[Round, list[str]]:
    """The round of `year` from its sources: the draft now in plan.yaml and remiss.yaml's answer date."""

    round_ = Round(year=year, on=on)
    if year is None:
        return round_, []
    problems: list[Problem] = []
    base = year_dir(root, year)
    for name, cls in (("plan.yaml", m.Plan), (ROUND_FILE, m.RoundFile)):
        path = base / name
        if not path.exists():
            continue
        source = read_yaml(path, display_path(path, root), problems)
        data = validate(source, cls, problems) if source is not None else None
        if isinstance(data, m.Plan) and data.status == "utkast":
            round_.version = data.version
        elif isinstance(data, m.RoundFile):
            round_.answer_by = data.answer_by
    warnings = [f"{p} (sammanställningen görs ändå, utan det som står i filen)" for p in problems]
    return round_, warnings
