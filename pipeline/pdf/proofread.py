"""Proofreading stage: the PDF read back and compared with the DOCX it was made from.

LibreOffice lays the plan out; nothing else guarantees that what it printed is what the plan
says. Before anything is written, the built PDF's tagged structure and page content are read
back (pdf_content) and compared with the DOCX:

- every paragraph, table cell and heading is there, with its text, in the document's order;
- every footnote shows its own text under its own number, on the page of its reference;
- every figure is tagged with its alt text, lies wholly inside its page, and prints its text
  no smaller than figures.MIN_TEXT_PT;
- every line of the table of contents names a heading and the page it stands on;
- no page but the title page and the last holds a stray tail of MIN_LINES - 1 lines or fewer
  (a page with a figure aside): docx/layout.py keeps such tails with what comes before them.

A discrepancy is a `ProofreadError` naming the element and the page in Swedish. It is the
safety net for layout faults nobody has thought of yet.
"""

from __future__ import annotations

import difflib
import io
import re
import unicodedata
from dataclasses import dataclass, field

import pikepdf
from lxml import etree

from pipeline.errors import ProofreadError
from pipeline.content.figures import MIN_TEXT_PT
from pipeline.content.formatting import counted
from pipeline.docx.ooxml import NS, W, paragraph_text, read_part
from pipeline.pdf.marks import Mark, document_marks
from pipeline.pdf.tags import kids_of, is_element
from pipeline.docx.layout import pieces_between_page_breaks, Styles

HEADING_STYLES = re.compile(r"Heading\d|Title|TOCHeading")
# Structure types that hold a paragraph's text; everything else is a container (or left out).
PARAGRAPHS = {"P", "H", "H1", "H2", "H3", "H4", "H5", "H6", "Caption", "BlockQuote", "Code"}
SKIPPED = {"TOC", "Note", "Figure", "Lbl", "Artifact"}
MAX_SHOWN = 70
MIN_LINES = 4          # the fewest lines of text a page may hold, but the title page, the last and a figure's
SAME_LINE_PT = 4.0     # text drawn this close in height stands on one line (a table row's cells, a footnote number)


def normalise(text: str) -> str:
    """Return text as compared: no whitespace, no invisible joiners, one kind of hyphen."""
    text = unicodedata.normalize("NFKC", text)
    text = text.replace("\u2011", "-").replace("\u2010", "-").replace("\u00ad", "").replace("\u2060", "")
    return re.sub(r"\s+", "", text)


def shown(text: str) -> str:
    text = re.sub(r"\s+", " ", text.replace("\u2060", "")).strip()
    return text if len(text) <= MAX_SHOWN else text[: MAX_SHOWN - 1] + "…"


# --- what the DOCX says ------------------------------------------------------------------------

@dataclass
class Block:
    text: str
    heading: bool = False
    context: str = ""       # the nearest heading before it, for messages
    page: int | None = None


@dataclass
class Expected:
    blocks: list[Block] = field(default_factory=list)
    footnotes: dict[int, str] = field(default_factory=dict)
    figures: list[str] = field(default_factory=list)      # alt texts, in document order
    page_starts: set[str] = field(default_factory=set)    # the text that begins a page after each page break


def _paragraph_text(paragraph) -> str:
    """A DOCX paragraph's text as the PDF is read: "-" for a non-breaking hyphen, footnote numbers."""
    return paragraph_text(paragraph, hyphen="-", footnotes=True)


def expected_from_docx(docx: bytes) -> Expected:
    """Return the paragraphs, footnotes and figures of the DOCX, in document order."""
    document = etree.fromstring(read_part(docx, "word/document.xml"))
    expected = Expected()
    context = ""

    def visit(element) -> None:
        nonlocal context
        for child in element:
            tag = child.tag
            if tag == f"{W}p":
                style = child.find(f"{W}pPr/{W}pStyle")
                style_id = style.get(f"{W}val") if style is not None else ""
                text = _paragraph_text(child)
                for prop in child.iter(f"{{{NS['wp']}}}docPr"):
                    expected.figures.append(prop.get("descr", ""))
                if normalise(text) and not re.fullmatch(r"TOC\d", style_id or ""):  # contents: see below
                    heading = bool(HEADING_STYLES.fullmatch(style_id or ""))
                    expected.blocks.append(Block(text, heading, context))
                    if heading:
                        context = text
            elif tag == f"{W}sdt":
                gallery = child.find(f"{W}sdtPr/{W}docPartObj/{W}docPartGallery")
                if gallery is not None and gallery.get(f"{W}val") == "Table of Contents":
                    # LibreOffice rebuilds the contents (checked against the headings); its heading stays
                    for paragraph in child.iter(f"{W}p"):
                        style = paragraph.find(f"{W}pPr/{W}pStyle")
                        if style is not None and style.get(f"{W}val") == "TOCHeading":
                            expected.blocks.append(Block(_paragraph_text(paragraph), True, context))
                    continue
                content = child.find(f"{W}sdtContent")
                if content is not None:
                    visit(content)
            elif tag in (f"{W}tbl", f"{W}tr", f"{W}tc", f"{W}body", f"{W}sdtContent", f"{W}customXml"):
                visit(child)
    visit(document.find(f"{W}body"))
    expected.page_starts = _page_starts(docx, document)
    try:
        notes = etree.fromstring(read_part(docx, "word/footnotes.xml"))
    except KeyError:
        notes = None
    if notes is not None:
        for note in notes.findall(f"{W}footnote"):
            if note.get(f"{W}type") in (None, "normal"):
                expected.footnotes[int(note.get(f"{W}id"))] = " ".join(
                    _paragraph_text(p) for p in note.findall(f"{W}p"))
    return expected


def _page_starts(docx: bytes, document) -> set[str]:
    """The text (normalised) of the first paragraph after each page break, and of the document's first."""
    try:
        styles = etree.fromstring(read_part(docx, "word/styles.xml"))
    except KeyError:
        styles = None
    starts = set()
    for piece in pieces_between_page_breaks(document.find(f"{W}body"), Styles(styles)):
        texts = [normalise(_paragraph_text(p)) for element in piece
                 for p in ([element] if element.tag == f"{W}p" else element.iter(f"{W}p"))]
        first = next((t for t in texts if t), None)
        if first:
            starts.add(first)
    return starts


# --- what the PDF shows ----------------------------------------------------------------------------

@dataclass
class Actual:
    blocks: list[Block] = field(default_factory=list)
    notes: list[tuple[str, str, int | None]] = field(default_factory=list)   # (number, text, page)
    references: dict[str, int] = field(default_factory=dict)                  # footnote number → page
    figures: list[tuple[str, int | None, Mark | None]] = field(default_factory=list)  # (alt, page, drawing)
    toc: list[tuple[str, int, int | None]] = field(default_factory=list)    # (heading, printed page, link page)
    headings: list[tuple[str, int | None]] = field(default_factory=list)     # (text, page) of H1–H3


class _Reader:
    def __init__(self, pdf: pikepdf.Pdf, marks: list | None = None):
        self.pdf = pdf
        root = pdf.Root.StructTreeRoot
        self.role_map = {str(k): str(v) for k, v in root.get("/RoleMap", {}).items()}
        self.pages = {page.objgen: number for number, page in enumerate(pdf.pages, start=1)}
        self.marks = marks if marks is not None else document_marks(pdf)

    def standard(self, element) -> str:
        name = str(element.get("/S"))
        for _ in range(10):
            if name not in self.role_map:
                break
            name = self.role_map[name]
        return name.lstrip("/")

    def page_of(self, element) -> int | None:
        page = element.get("/Pg")
        return self.pages.get(page.objgen) if page is not None else None

    def content(self, element, page: int | None, skip_figures: bool = True) -> tuple[str, int | None]:
        """Return the text of an element's marked content (children included) and its first page."""
        parts, first = self.pieces(element, page, skip_figures)
        return "".join(parts), first

    def pieces(self, element, page: int | None, skip_figures: bool = True) -> tuple[list[str], int | None]:
        """Return the text of each marked-content sequence of an element, in order, and its first page."""
        page = self.page_of(element) or page
        parts: list[str] = []
        first = None
        for kid in kids_of(element):
            if isinstance(kid, int):
                mark = self.marks[page - 1].get(int(kid)) if page else None
                if mark is not None:
                    parts.append(mark.text)
                    first = first or page
            elif isinstance(kid, pikepdf.Dictionary) and kid.get("/Type") == "/MCR":
                kid_page = self.pages.get(kid.Pg.objgen) if "/Pg" in kid else page
                mark = self.marks[kid_page - 1].get(int(kid.MCID)) if kid_page else None
                if mark is not None:
                    parts.append(mark.text)
                    first = first or kid_page
            elif is_element(kid):
                if skip_figures and self.standard(kid) in ("Figure", "Lbl"):
                    continue
                texts, kid_first = self.pieces(kid, page, skip_figures)
                parts += texts
                first = first or kid_first
        return parts, first

    def mcid_marks(self, element) -> list[tuple[int, Mark]]:
        page = self.page_of(element)
        out = []
        for kid in kids_of(element):
            if isinstance(kid, int) and page:
                mark = self.marks[page - 1].get(int(kid))
                if mark is not None:
                    out.append((page, mark))
        return out


def actual_from_pdf(pdf: pikepdf.Pdf, marks: list | None = None) -> Actual:
    """Return the paragraphs, footnotes, figures and contents lines of a tagged PDF, in reading order.

    `marks` is pdf_content.document_marks(pdf), when the caller has read the pages already.
    """
    reader = _Reader(pdf, marks)
    actual = Actual()
    annotations = {a.objgen: (a, number) for number, page in enumerate(pdf.pages, start=1)
                   for a in page.obj.get("/Annots", []) if a.is_indirect}

    def annotation_of(element):
        for kid in kids_of(element):
            if isinstance(kid, pikepdf.Dictionary) and kid.get("/Type") == "/OBJR" and "/Obj" in kid:
                return annotations.get(kid.Obj.objgen)
        return None

    def visit(element, page: int | None) -> None:
        kind = reader.standard(element)
        page = reader.page_of(element) or page
        if kind == "Figure":
            marks = reader.mcid_marks(element)
            actual.figures.append((str(element.get("/Alt", "")), marks[0][0] if marks else page,
                                   marks[0][1] if marks else None))
            return
        if kind == "Note":
            label, body = "", []
            for kid in kids_of(element):
                if is_element(kid) and reader.standard(kid) == "Link":
                    label = reader.content(kid, page)[0]
                elif is_element(kid):
                    body.append(reader.content(kid, page))
            text = "".join(t for t, _ in body)
            first = next((p for _, p in body if p), page)
            if not label and re.match(r"\d+", text):  # the number not separated from the text
                label = re.match(r"\d+", text).group(0)
                text = text[len(label):]
            actual.notes.append((label.strip(), text, first))
            return
        if kind == "TOC":
            for item in [k for k in kids_of(element) if is_element(k)]:
                pieces, _ = reader.pieces(item, page)  # the heading, then the page number on its own
                link = next((e for e in _elements(item) if reader.standard(e) == "Link"), None)
                found = annotation_of(link) if link is not None else None
                target = _destination_page(found[0], reader.pages) if found else None
                number = pieces[-1].strip(" .\u2026\t") if pieces else ""
                if number.isdigit():
                    actual.toc.append(("".join(pieces[:-1]).strip(" .\u2026\t"), int(number), target))
                else:
                    actual.toc.append(("".join(pieces), 0, target))
            return
        if kind == "Link":
            found = annotation_of(element)
            number = re.fullmatch(r"Fotnot (\d+)", str(found[0].get("/Contents", ""))) if found else None
            if number:
                actual.references.setdefault(number.group(1), found[1])
        if kind in PARAGRAPHS:
            text, first = reader.content(element, page)
            if normalise(text):
                heading = kind.startswith("H")
                actual.blocks.append(Block(text, heading, page=first))
                if str(element.get("/S")) in ("/H1", "/H2", "/H3"):  # LibreOffice's outline levels 1–3
                    actual.headings.append((text, first))
            for kid in _elements(element):  # inside a paragraph: footnote references and figures
                if kid is not element and reader.standard(kid) == "Link":
                    visit_link(kid)
                elif kid is not element and reader.standard(kid) == "Figure":
                    visit(kid, page)
            return
        for kid in kids_of(element):
            if is_element(kid):
                visit(kid, page)

    def visit_link(element) -> None:
        found = annotation_of(element)
        number = re.fullmatch(r"Fotnot (\d+)", str(found[0].get("/Contents", ""))) if found else None
        if number:
            actual.references.setdefault(number.group(1), found[1])

    for kid in kids_of(pdf.Root.StructTreeRoot):
        if is_element(kid):
            visit(kid, None)
    return actual


def _elements(element) -> list:
    out = [element]
    for kid in kids_of(element):
        if is_element(kid):
            out += _elements(kid)
    return out


def _destination_page(annotation, pages: dict) -> int | None:
    destination = annotation.get("/Dest")
    action = annotation.get("/A")
    if destination is None and isinstance(action, pikepdf.Dictionary):
        destination = action.get("/D")
    if isinstance(destination, pikepdf.Array) and len(destination) and isinstance(destination[0], pikepdf.Dictionary):
        return pages.get(destination[0].objgen)
    return None


# --- comparison --------------------------------------------------------------------------------------

def proofread(docx: bytes, pdf: bytes, target: str = "PDF:en") -> None:
    """Raise ProofreadError listing every way the PDF (its bytes) differs from the DOCX it was made from."""
    with pikepdf.open(io.BytesIO(pdf)) as document:
        check_document(docx, document, None, target)


def check_document(docx: bytes, document: pikepdf.Pdf, marks: list | None, target: str = "PDF:en") -> Actual:
    """Raise ProofreadError listing every way an open PDF differs from the DOCX (normalize calls this
    on the finished document before saving it, with the pages it has read already); return what
    the PDF shows (its headings with their pages fill the DOCX's contents list)."""
    expected = expected_from_docx(docx)
    marks = marks if marks is not None else document_marks(document)
    actual = actual_from_pdf(document, marks)
    boxes = [tuple(float(v) for v in page.obj.get("/CropBox", page.obj.MediaBox)) for page in document.pages]
    problems = compare_text(expected.blocks, actual.blocks)
    problems += compare_footnotes(expected.footnotes, actual)
    problems += compare_figures(expected.figures, actual.figures, boxes)
    problems += compare_contents(expected.blocks, actual)
    problems += compare_page_fill(expected, actual, marks)
    if problems:
        raise ProofreadError(target, problems)
    return actual


def page_lines(marks: dict) -> int | None:
    """The lines of text a page holds (running header and footer aside), or None for a page with a figure."""
    centres: list[float] = []
    for mcid, mark in marks.items():
        if mcid is None:
            continue  # the running header and footer, page numbers, rules: artifacts
        if mark.tag == "/Figure":
            return None
        if mark.box is None or "text" not in mark.kinds or not mark.text.strip():
            continue
        centre = (mark.box[1] + mark.box[3]) / 2
        if not any(abs(centre - seen) < SAME_LINE_PT for seen in centres):
            centres.append(centre)
    return len(centres)


def compare_page_fill(expected: Expected, actual: Actual, marks: list) -> list[str]:
    """No page between the title page and the last holds only a few lines that run over from the page before.

    A page that a page break begins (a table of contents, an appendix) may be short: it is whole.
    """
    problems = []
    first_block = {}
    for block in actual.blocks:
        if block.page is not None:
            first_block.setdefault(block.page, normalise(block.text))
    for page in range(2, len(marks)):
        lines = page_lines(marks[page - 1])
        if lines is None or lines >= MIN_LINES or first_block.get(page) in expected.page_starts:
            continue
        heading = next((text for text, on in reversed(actual.headings) if on is not None and on <= page), "")
        where = f" (under rubriken '{shown(heading)}')" if heading else ""
        count = "ingen text" if lines == 0 else f"bara {counted(lines, 'rad', 'rader')} text"
        problems.append(f"Sidan {page}{where} har {count} före sidbrytningen; en så kort rest ska stå "
                        f"kvar på sidan före. Korta eller förläng texten före sidbrytningen något.")
    return problems


def heading_pages(headings: list[tuple[int, str]], actual: Actual) -> list[int | None]:
    """The page of each DOCX heading in the proofread PDF, matched in order by its text."""
    shown_headings = [(normalise(t), p) for t, p in actual.headings]
    pages: list[int | None] = []
    position = 0
    for _, text in headings:
        key = normalise(text)
        found = next((i for i in range(position, len(shown_headings)) if shown_headings[i][0] == key), None)
        if found is None:
            pages.append(None)
            continue
        pages.append(shown_headings[found][1])
        position = found + 1
    return pages


def compare_text(expected: list[Block], actual: list[Block]) -> list[str]:
    """Every paragraph, cell and heading of the DOCX, in order, with its text."""
    left = [normalise(b.text) for b in expected]
    right = [normalise(b.text) for b in actual]
    problems = []
    matcher = difflib.SequenceMatcher(None, left, right, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            continue
        if op in ("replace", "delete") and "".join(left[i1:i2]) == "".join(right[j1:j2]):
            continue  # the same text, cut into paragraphs differently
        if op == "replace" and i2 - i1 == j2 - j1 and all(
                sorted(left[i1 + k]) == sorted(right[j1 + k]) for k in range(i2 - i1)):
            # The same characters in another order: LibreOffice draws the glyphs of a fallback font
            # (an emoji, a symbol) after the rest of the line; the page shows them in place.
            continue
        for i in range(i1, i2):
            block = expected[i]
            what = "Rubriken" if block.heading else "Stycket"
            where = f" (under rubriken '{shown(block.context)}')" if block.context else ""
            close = max(range(j1, j2), key=lambda j: difflib.SequenceMatcher(None, left[i], right[j]).ratio(),
                        default=None)
            if close is not None and difflib.SequenceMatcher(None, left[i], right[close]).ratio() > 0.6:
                page = f" på sidan {actual[close].page}" if actual[close].page else ""
                problems.append(f"{what} '{shown(block.text)}'{where}{page} visar fel text: "
                                f"'{shown(actual[close].text)}'.")
            else:
                problems.append(f"{what} '{shown(block.text)}'{where} saknas i PDF:en.")
        if op == "insert" or (op == "replace" and j2 - j1 > i2 - i1):
            for j in range(j1 + (i2 - i1 if op == "replace" else 0), j2):
                page = f" på sidan {actual[j].page}" if actual[j].page else ""
                problems.append(f"PDF:en har text{page} som inte finns i Word-filen: '{shown(actual[j].text)}'.")
    return problems


def compare_footnotes(expected: dict[int, str], actual: Actual) -> list[str]:
    """Each footnote under its own number, with its own text, on the page of its reference."""
    problems = []
    if len(actual.notes) != len(expected):
        problems.append(f"Word-filen har {counted(len(expected), 'fotnot', 'fotnoter')} men PDF:en visar "
                        f"{len(actual.notes)}.")
    for number, (label, text, page) in enumerate(actual.notes, start=1):
        on = f" på sidan {page}" if page else ""
        if label != str(number):
            problems.append(f"Fotnot {number}{on} har numret '{label}'.")
        wanted = expected.get(number)
        if wanted is not None and normalise(wanted) != normalise(text):
            problems.append(f"Fotnot {number}{on} visar fel text: '{shown(text)}' i stället för '{shown(wanted)}'.")
        reference = actual.references.get(str(number))
        if reference is None:
            problems.append(f"Fotnot {number}{on} har ingen hänvisning i texten.")
        elif page is not None and page != reference:
            problems.append(f"Fotnot {number} står på sidan {page}, men hänvisningen till den står på sidan {reference}.")
    return problems


def compare_figures(expected: list[str], actual: list, boxes: list[tuple]) -> list[str]:
    """Every figure tagged with its alt text, inside its page, its text legible."""
    problems = []
    if [normalise(a) for a in expected] != [normalise(alt) for alt, _, _ in actual]:
        if len(expected) != len(actual):
            problems.append(f"Word-filen har {counted(len(expected), 'figur', 'figurer')} men PDF:en har {len(actual)}.")
        for number, (want, (alt, page, _)) in enumerate(zip(expected, actual), start=1):
            if normalise(want) != normalise(alt):
                problems.append(f"Figur {number} på sidan {page} har fel alternativtext: '{shown(alt)}'.")
    for number, (alt, page, mark) in enumerate(actual, start=1):
        name = f"Figur {number} ('{shown(alt)}')"
        if not alt.strip():
            problems.append(f"Figur {number} på sidan {page} saknar alternativtext (PDF/UA kräver en).")
        if mark is None or mark.box is None:
            problems.append(f"{name} på sidan {page} har ingen ritning i strukturträdet.")
            continue
        x0, y0, x1, y1 = boxes[page - 1]
        left, bottom, right, top = mark.box
        if left < x0 - 1 or bottom < y0 - 1 or right > x1 + 1 or top > y1 + 1:
            problems.append(f"{name} på sidan {page} går utanför sidan.")
        if mark.font_sizes and min(mark.font_sizes) < MIN_TEXT_PT - 0.05:
            problems.append(f"{name} på sidan {page} har text i {min(mark.font_sizes):.1f} punkter "
                            f"(minst {MIN_TEXT_PT:g}).")
    return problems


def compare_contents(expected: list[Block], actual: Actual) -> list[str]:
    """Every line of the table of contents: a heading of the document, and the page it stands on."""
    problems = []
    headings = [(normalise(t), p) for t, p in actual.headings]
    position = 0
    for text, printed, target in actual.toc:
        key = normalise(text)
        found = next((i for i in range(position, len(headings)) if headings[i][0] == key), None)
        if found is None:
            problems.append(f"Innehållsförteckningen har raden '{shown(text)}', men ingen sådan rubrik finns "
                            "(eller den står i en annan ordning).")
            continue
        position = found + 1
        page = headings[found][1]
        if printed != page:
            problems.append(f"Innehållsförteckningen anger sidan {printed} för '{shown(text)}', men rubriken "
                            f"står på sidan {page}.")
        elif target is not None and target != page:
            problems.append(f"Länken för '{shown(text)}' i innehållsförteckningen går till sidan {target}, "
                            f"men rubriken står på sidan {page}.")
    listed = {normalise(t) for t, _, _ in actual.toc}
    if actual.toc:
        for text, page in actual.headings:
            if normalise(text) not in listed:
                problems.append(f"Rubriken '{shown(text)}' på sidan {page} saknas i innehållsförteckningen.")
    return problems
