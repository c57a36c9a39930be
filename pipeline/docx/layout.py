"""Layout stage: the rules of a well-set plan that a Word template cannot express by itself.

Applied to the rendered DOCX, whatever the plan's shape:

- amounts, dates, times and ranges never break inside themselves (formatting.unbreakable, on
  every text run of the body, headers, footers and footnotes);
- a short list (a meeting body's dates) stays on the page of the heading that introduces it;
- what stands last before a page break (a chapter's or an appendix's end: the notes under a
  table, a table's last rows, the calendar) is kept together over TAIL_LINES lines or more,
  so that no page holds a stray tail of a few lines before the break (proofread reports one);
- tables from the Markdown texts get the plan's table style, a repeated header row and column
  widths sized by their content, instead of pandoc's even or header-driven split.
"""

from __future__ import annotations

import io
import zipfile

from lxml import etree

from pipeline.content.formatting import WORD_JOINER, unbreakable
from pipeline.docx.ooxml import TEXT_PARTS, W, read_part, replace_parts, xml_bytes

KEEP_TOGETHER = {"Kalenderpost"}   # list styles kept with the paragraph that introduces them
MAX_KEPT = 12                      # a longer list may break, its heading stays with its first items
PLAN_TABLE = "Plantabell"
HEADER_CELL, BODY_CELL = "Tabellrubrik", "Tabelltext"
CHAR_TWIPS = 105                   # the average width of a character of 10 pt table text
CELL_MARGINS = 230                 # left and right cell margins together


def lay_out(package: bytes) -> bytes:
    """Return the DOCX with the layout rules of this module applied."""
    with zipfile.ZipFile(io.BytesIO(package)) as z:
        names = [n for n in z.namelist() if TEXT_PARTS.fullmatch(n)]
        styles = etree.fromstring(z.read("word/styles.xml")) if "word/styles.xml" in z.namelist() else None
    parts = {}
    for name in names:
        root = etree.fromstring(read_part(package, name))
        _keep_numbers_together(root)
        if name == "word/document.xml":
            _keep_short_lists_with_heading(root)
            _size_markdown_tables(root)
            _keep_tails_before_page_breaks(root, Styles(styles))
        parts[name] = xml_bytes(root)
    return replace_parts(package, parts)


def _keep_numbers_together(root) -> None:
    """Apply `unbreakable` to each paragraph's text as a whole, across its runs.

    A placeholder split across runs (as Word saves it after a spell-check) renders "4" and
    " kronor" into two runs; the rule must still see "4 kronor".
    """
    for paragraph in root.iter(f"{W}p"):
        texts = [t for t in paragraph.iter(f"{W}t") if _paragraph_of(t) is paragraph and t.text]
        whole = "".join(t.text for t in texts)
        kept = unbreakable(whole)
        if kept == whole:
            continue
        owner = [n for n, t in enumerate(texts) for _ in t.text]
        pieces: list[list[str]] = [[] for _ in texts]
        i = 0
        for char in kept:
            if char == WORD_JOINER and (i >= len(whole) or whole[i] != WORD_JOINER):
                pieces[owner[max(i - 1, 0)]].append(char)  # inserted after the dash, in its run
            else:
                pieces[owner[i]].append(char)
                i += 1
        for text, piece in zip(texts, pieces):
            text.text = "".join(piece)


def _paragraph_of(node):
    parent = node.getparent()
    while parent is not None and parent.tag != f"{W}p":
        parent = parent.getparent()
    return parent


def _style(paragraph) -> str | None:
    style = paragraph.find(f"{W}pPr/{W}pStyle")
    return style.get(f"{W}val") if style is not None else None


def _keep_next(paragraph) -> None:
    ppr = _first_child(paragraph, "pPr")
    if ppr.find(f"{W}keepNext") is None:
        keep = etree.Element(f"{W}keepNext")
        style = ppr.find(f"{W}pStyle")
        ppr.insert(1 if style is not None else 0, keep)  # keepNext follows pStyle in CT_PPr


def _keep_short_lists_with_heading(root) -> None:
    body = root.find(f"{W}body")
    run: list = []
    for element in list(body) + [None]:
        style = _style(element) if element is not None and element.tag == f"{W}p" else None
        if style in KEEP_TOGETHER and (not run or _style(run[0]) == style):
            run.append(element)
            continue
        if 1 < len(run) <= MAX_KEPT:
            for paragraph in run[:-1]:
                _keep_next(paragraph)
        run = [element] if style in KEEP_TOGETHER else []


# --- the end before a page break ------------------------------------------------------------------

TAIL_LINES = 5       # lines kept together: one more than a page may hold at least (proofread.MIN_LINES), as
                     # the lines are estimated
MAX_KEPT_LINES = 15  # a longer paragraph or row may still break: keeping it whole would leave a large gap
EM_PER_CHAR = 0.37   # a character's width in em, on the narrow side: lines are rather under- than overcounted


class Styles:
    """What the layout needs of the paragraph styles: font size and whether a page break comes before."""

    def __init__(self, styles):
        self.by_id = {}
        self.default_size = 22  # half-points
        if styles is None:
            return
        size = styles.find(f"{W}docDefaults/{W}rPrDefault/{W}rPr/{W}sz")
        if size is not None:
            self.default_size = int(size.get(f"{W}val"))
        for style in styles.findall(f"{W}style"):
            if style.get(f"{W}type") == "paragraph":
                self.by_id[style.get(f"{W}styleId")] = style

    def _chain(self, style_id: str | None):
        seen = set()
        while style_id in self.by_id and style_id not in seen:
            seen.add(style_id)
            style = self.by_id[style_id]
            yield style
            based = style.find(f"{W}basedOn")
            style_id = based.get(f"{W}val") if based is not None else None
        default = next((s for s in self.by_id.values() if s.get(f"{W}default") in ("1", "true")), None)
        if default is not None and default.get(f"{W}styleId") not in seen:
            yield default

    def font_pt(self, style_id: str | None) -> float:
        for style in self._chain(style_id):
            size = style.find(f"{W}rPr/{W}sz")
            if size is not None:
                return int(size.get(f"{W}val")) / 2
        return self.default_size / 2

    def breaks_before(self, style_id: str | None) -> bool:
        for style in self._chain(style_id):
            found = style.find(f"{W}pPr/{W}pageBreakBefore")
            if found is not None:
                return _on(found)
        return False


def _on(flag) -> bool:
    return flag.get(f"{W}val", "true") not in ("0", "false", "off")


def _keep_tails_before_page_breaks(root, styles: Styles) -> None:
    """Keep the last TAIL_LINES lines (or more) before each page break together.

    The body is cut at every page break (a paragraph with "page break before", a page-break
    character, a section that starts a new page); of each piece, the last paragraphs and table
    rows that hold TAIL_LINES lines or more are kept whole and with each other, so if they do not
    fit on the page they move to the next one together: that page then holds at least as many
    lines, never a stray two or three. The document's end is left as it falls: there LibreOffice
    7.4 broke such a chain in trials (a letter's "Frågor" heading stayed behind alone). The lines
    are estimated from the text and the width it has, rather too few than too many.
    """
    width = text_width(root)
    for piece in pieces_between_page_breaks(root.find(f"{W}body"), styles)[:-1]:  # the end may be short
        _keep_tail(piece, styles, width)


def pieces_between_page_breaks(body, styles: Styles) -> list[list]:
    """The body's paragraphs and tables, cut at every page break: each piece starts a page."""
    pieces: list[list] = [[]]
    for element in _blocks(body):
        if element.tag == f"{W}p":
            ppr = element.find(f"{W}pPr")
            flag = ppr.find(f"{W}pageBreakBefore") if ppr is not None else None
            if flag is not None and _on(flag) or flag is None and styles.breaks_before(_style(element)):
                pieces.append([])
            if any(br.get(f"{W}type") == "page" for br in element.iter(f"{W}br")):
                pieces.append([])  # the paragraph holding the break usually holds nothing else
                continue
            pieces[-1].append(element)
            section = ppr.find(f"{W}sectPr") if ppr is not None else None
            if section is not None:
                kind = section.find(f"{W}type")
                if kind is None or kind.get(f"{W}val") not in ("continuous",):
                    pieces.append([])
        elif element.tag == f"{W}tbl":
            pieces[-1].append(element)
    return [piece for piece in pieces if piece]


def _blocks(body):
    """The body's paragraphs and tables in order (content controls opened)."""
    for element in body:
        if element.tag == f"{W}sdt":
            content = element.find(f"{W}sdtContent")
            if content is not None:
                yield from _blocks(content)
        elif element.tag in (f"{W}p", f"{W}tbl"):
            yield element


def _keep_tail(piece: list, styles: Styles, width: int) -> None:
    units = []  # (paragraphs of the unit, table row or None), from the end
    for element in reversed(piece):
        if element.tag == f"{W}tbl":
            rows = element.findall(f"{W}tr")
            units += [(list(row.iter(f"{W}p")), row) for row in reversed(rows)]
        else:
            units.append(([element], None))
    lines = 0
    for n, (paragraphs, row) in enumerate(units):
        if row is not None:
            if row.find(f"{W}trPr/{W}tblHeader") is not None:
                return  # the whole table is kept; its header row repeats anyway
            count = _row_lines(row, styles)
        else:
            if paragraphs[0].find(f".//{W}drawing") is not None:
                count = TAIL_LINES  # a figure: a page holding it is no stray tail
            else:
                count = _paragraph_lines(paragraphs[0], styles, width)
        if count > MAX_KEPT_LINES:
            return
        for paragraph in paragraphs:
            _keep_lines(paragraph)
            if n > 0:
                _keep_next(paragraph)
        if row is not None:
            _cant_split(row)
        lines += count
        if lines >= TAIL_LINES:
            return


def _paragraph_lines(paragraph, styles: Styles, width: int) -> int:
    """The lines a paragraph takes at `width` twips, estimated (0 for a paragraph without text)."""
    text = "".join(t.text or "" for t in paragraph.iter(f"{W}t"))
    if not text.strip():
        return 0
    per_line = max(1, int(width / 20 / (styles.font_pt(_style(paragraph)) * EM_PER_CHAR)))
    breaks = sum(1 for br in paragraph.iter(f"{W}br") if br.get(f"{W}type") in (None, "textWrapping"))
    return -(-len(text) // per_line) + breaks


def _row_lines(row, styles: Styles) -> int:
    heights = [0]
    for cell in row.findall(f"{W}tc"):
        width = cell.find(f"{W}tcPr/{W}tcW")
        twips = int(width.get(f"{W}w")) if width is not None and width.get(f"{W}type", "dxa") == "dxa" else 2000
        heights.append(sum(_paragraph_lines(p, styles, max(twips - CELL_MARGINS, 500))
                           for p in cell.findall(f"{W}p")))
    return max(heights)


def _keep_lines(paragraph) -> None:
    ppr = _first_child(paragraph, "pPr")
    if ppr.find(f"{W}keepLines") is None:
        keep = etree.Element(f"{W}keepLines")
        after = ppr.find(f"{W}keepNext")
        if after is None:
            after = ppr.find(f"{W}pStyle")
        if after is not None:
            after.addnext(keep)
        else:
            ppr.insert(0, keep)


def _cant_split(row) -> None:
    trpr = row.find(f"{W}trPr")
    if trpr is None:
        trpr = etree.Element(f"{W}trPr")
        row.insert(1 if row.find(f"{W}tblPrEx") is not None else 0, trpr)
    if trpr.find(f"{W}cantSplit") is None:
        trpr.insert(0, etree.Element(f"{W}cantSplit"))


def text_width(root) -> int:
    """The width between the page margins, in twips (from the body's section properties)."""
    sect = root.find(f"{W}body/{W}sectPr")
    size = sect.find(f"{W}pgSz") if sect is not None else None
    margins = sect.find(f"{W}pgMar") if sect is not None else None
    if size is None or margins is None:
        return 9070
    return int(size.get(f"{W}w")) - int(margins.get(f"{W}left")) - int(margins.get(f"{W}right"))


def _size_markdown_tables(root) -> None:
    """Give every table that is not the template's own the plan's style and content-sized columns."""
    width = text_width(root)
    for table in root.iter(f"{W}tbl"):
        props = table.find(f"{W}tblPr")
        style = props.find(f"{W}tblStyle") if props is not None else None
        if props is None or (style is not None and style.get(f"{W}val") == PLAN_TABLE):
            continue
        rows = table.findall(f"{W}tr")
        if not rows:
            continue
        columns = max(len(r.findall(f"{W}tc")) for r in rows)
        texts = [["".join(t.text or "" for t in cell.iter(f"{W}t")) for cell in row.findall(f"{W}tc")]
                 for row in rows]
        widths = column_widths(texts, columns, width)
        _restyle(table, props, rows, widths, width)


def column_widths(texts: list[list[str]], columns: int, total: int) -> list[int]:
    """Return column widths (twips) summing to `total`: by content, no column narrower than its longest word."""
    longest = [1] * columns
    shortest = [3] * columns
    for row in texts:
        for c, text in enumerate(row[:columns]):
            longest[c] = max(longest[c], min(len(text), 60))
            words = text.split()
            shortest[c] = max(shortest[c], min(max((len(w) for w in words), default=1), 22))
    minimum = [n * CHAR_TWIPS + CELL_MARGINS for n in shortest]
    if sum(minimum) >= total:
        return [round(total * m / sum(minimum)) for m in minimum]
    wanted = [n * CHAR_TWIPS + CELL_MARGINS for n in longest]
    if sum(wanted) <= total:  # everything fits on one line: share the rest out evenly
        spare = total - sum(wanted)
        return [w + spare // columns for w in wanted[:-1]] + [total - sum(w + spare // columns for w in wanted[:-1])]
    # columns longer than their minimum share what is left in proportion to their length
    free = total - sum(minimum)
    extra = [w - m for w, m in zip(wanted, minimum)]
    widths = [m + round(free * e / sum(extra)) for m, e in zip(minimum, extra)]
    widths[-1] += total - sum(widths)
    return widths


# Child order of the properties this module sets (ISO 29500 CT_TblPr, CT_TcPr, CT_PPr).
TBL_PR = ["tblStyle", "tblpPr", "tblOverlap", "bidiVisual", "tblStyleRowBandSize", "tblStyleColBandSize", "tblW",
          "jc", "tblCellSpacing", "tblInd", "tblBorders", "shd", "tblLayout", "tblCellMar", "tblLook", "tblCaption",
          "tblDescription"]
TC_PR = ["cnfStyle", "tcW", "gridSpan", "hMerge", "vMerge", "tcBorders", "shd", "noWrap", "tcMar", "textDirection",
         "tcFitText", "vAlign", "hideMark"]


def child(parent, tag: str, order: list[str]):
    """Return the child `tag` of `parent`, creating it where the schema's sequence puts it."""
    found = parent.find(f"{W}{tag}")
    if found is not None:
        return found
    found = etree.Element(f"{W}{tag}")
    later = [c for c in parent if etree.QName(c).localname in order[order.index(tag) + 1:]]
    if later:
        later[0].addprevious(found)
    else:
        parent.append(found)
    return found


def _restyle(table, props, rows, widths: list[int], total: int) -> None:
    child(props, "tblStyle", TBL_PR).set(f"{W}val", PLAN_TABLE)
    tbl_width = child(props, "tblW", TBL_PR)
    tbl_width.set(f"{W}w", str(total))
    tbl_width.set(f"{W}type", "dxa")
    child(props, "tblLayout", TBL_PR).set(f"{W}type", "fixed")
    grid = table.find(f"{W}tblGrid")
    if grid is not None:
        for column in list(grid):
            grid.remove(column)
        for w in widths:
            etree.SubElement(grid, f"{W}gridCol").set(f"{W}w", str(w))
    for r, row in enumerate(rows):
        if r == 0:
            trpr = row.find(f"{W}trPr")
            if trpr is None:
                trpr = etree.Element(f"{W}trPr")
                row.insert(1 if row.find(f"{W}tblPrEx") is not None else 0, trpr)
            if trpr.find(f"{W}tblHeader") is None:
                etree.SubElement(trpr, f"{W}tblHeader")
        for c, cell in enumerate(row.findall(f"{W}tc")):
            tcpr = _first_child(cell, "tcPr")
            tcw = child(tcpr, "tcW", TC_PR)
            tcw.set(f"{W}w", str(widths[c] if c < len(widths) else widths[-1]))
            tcw.set(f"{W}type", "dxa")
            for paragraph in cell.findall(f"{W}p"):
                ppr = _first_child(paragraph, "pPr")
                style = ppr.find(f"{W}pStyle")
                if style is None:
                    style = etree.Element(f"{W}pStyle")
                    ppr.insert(0, style)
                style.set(f"{W}val", HEADER_CELL if r == 0 else BODY_CELL)


def _first_child(parent, tag: str):
    """Return the child `tag` that the schema puts first (tcPr in a cell, pPr in a paragraph)."""
    found = parent.find(f"{W}{tag}")
    if found is None:
        found = etree.Element(f"{W}{tag}")
        parent.insert(0, found)
    return found
