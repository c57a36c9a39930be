"""Layout stage: the rules of a well-set plan that a Word template cannot express by itself.

Applied to the rendered DOCX, whatever the plan's shape:

- amounts, dates, times and ranges never break inside themselves (formatting.unbreakable, on
  every text run of the body, headers, footers and footnotes);
- a short list (a meeting body's dates) stays on the page of the heading that introduces it;
- tables from the Markdown texts get the plan's table style, a repeated header row and column
  widths sized by their content, instead of pandoc's even or header-driven split.
"""

from __future__ import annotations

import io
import re
import zipfile

from .formatting import WORD_JOINER, unbreakable
from .ooxml import NS, read_part, replace_parts, xml_bytes

W = f"{{{NS['w']}}}"
TEXT_PARTS = re.compile(r"word/(document|header\d+|footer\d+|footnotes|endnotes)\.xml")
KEEP_TOGETHER = {"Kalenderpost"}   # list styles kept with the paragraph that introduces them
MAX_KEPT = 12                      # a longer list may break, its heading stays with its first items
PLAN_TABLE = "Plantabell"
HEADER_CELL, BODY_CELL = "Tabellrubrik", "Tabelltext"
CHAR_TWIPS = 105                   # the average width of a character of 10 pt table text
CELL_MARGINS = 230                 # left and right cell margins together


def lay_out(package: bytes) -> bytes:
    """Return the DOCX with the layout rules of this module applied."""
    from lxml import etree

    with zipfile.ZipFile(io.BytesIO(package)) as z:
        names = [n for n in z.namelist() if TEXT_PARTS.fullmatch(n)]
    parts = {}
    for name in names:
        root = etree.fromstring(read_part(package, name))
        _keep_numbers_together(root)
        if name == "word/document.xml":
            _keep_short_lists_with_heading(root)
            _size_markdown_tables(root)
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
    from lxml import etree

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
    from lxml import etree

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
    from lxml import etree

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
    from lxml import etree

    found = parent.find(f"{W}{tag}")
    if found is None:
        found = etree.Element(f"{W}{tag}")
        parent.insert(0, found)
    return found
