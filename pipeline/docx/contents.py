"""The DOCX's table of contents, filled in: readable at once in every program, still a Word field.

Word does not lay out a document it has not opened, so a contents field in a fresh DOCX holds only
its placeholder until someone updates it; asking Word to do that on open (w:updateFields) greets
every reader with a prompt, and Word on the web, phones and Google Docs never do it. The build
knows better: LibreOffice has laid the plan out for the PDF, and the proofread PDF says on which
page each heading stands. `fill_contents` writes the contents list into the field's result, as
Word itself would: one paragraph per heading of levels 1–3 (the field's \\o "1-3"), in the TOC 1–3
styles, a link to a bookmark on the heading, a dotted tab and the page number as a PAGEREF field.
The field stays a TOC field: "Uppdatera fält" in Word rebuilds it with Word's own page numbers.

Without a PDF (a DOCX-only build) the list has the headings without page numbers.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from lxml import etree

from pipeline.docx.ooxml import W, heading_level, paragraph_text, read_part, replace_parts, xml_bytes
from pipeline.docx.layout import text_width

LEVELS = 3                      # the template's field: TOC \o "1-3"
HEADING = re.compile(r"Heading([1-9])")
BOOKMARK_PREFIX = "_Toc"


def contents_headings(data: bytes) -> list[tuple[int, str]]:
    """(level, text) of every heading the contents list shows, in document order."""
    body = etree.fromstring(read_part(data, "word/document.xml")).find(f"{W}body")
    return [(level, text) for level, text, _ in _entries(body, _field(body))]


def fill_contents(data: bytes, pages: Sequence[int | None] | None = None) -> bytes:
    """Return the DOCX with its contents field's result listing the headings (with `pages`, one
    per heading of contents_headings, or none); unchanged if it has no contents field."""
    root = etree.fromstring(read_part(data, "word/document.xml"))
    body = root.find(f"{W}body")
    field = _field(body)
    if field is None:
        return data
    begin, separate, end = field
    entries = _entries(body, field)
    if pages is not None and len(pages) != len(entries):
        raise ValueError(f"{len(pages)} sidnummer för {len(entries)} rubriker")
    width = text_width(body.getparent())  # the document: its body's section properties
    next_id = max((int(b.get(f"{W}id")) for b in root.iter(f"{W}bookmarkStart")
                   if (b.get(f"{W}id") or "").lstrip("-").isdigit()), default=0) + 1
    paragraphs = []
    for number, (level, text, heading) in enumerate(entries):
        name = _bookmark(heading, next_id + number, f"{BOOKMARK_PREFIX}{number + 1:08d}")
        page = pages[number] if pages is not None else None
        paragraphs.append(_entry(level, text, name, page, width))
    _replace_result(begin, separate, end, paragraphs)
    begin.attrib.pop(f"{W}dirty", None)  # a dirty field is updated (with a prompt) when Word opens the file
    return replace_parts(data, {"word/document.xml": xml_bytes(root)})


def contents_pages(data: bytes) -> dict[str, int]:
    """heading text → page number, as the DOCX's filled contents list shows them."""
    body = etree.fromstring(read_part(data, "word/document.xml")).find(f"{W}body")
    out: dict[str, int] = {}
    for paragraph in body.iter(f"{W}p"):
        style = paragraph.find(f"{W}pPr/{W}pStyle")
        if style is None or not re.fullmatch(r"TOC\d", style.get(f"{W}val", "")):
            continue
        link = paragraph.find(f"{W}hyperlink")
        runs = link.findall(f"{W}r") if link is not None else []
        if runs and runs[-1].find(f"{W}fldChar") is not None:
            text = "".join(t.text or "" for t in runs[0].iter(f"{W}t"))
            number = "".join(t.text or "" for r in runs[1:] for t in r.iter(f"{W}t"))
            if text and number.isdigit():
                out[re.sub(r"\s+", " ", text).strip()] = int(number)
    return out


def clear_contents(data: bytes) -> bytes:
    """The DOCX with an empty contents list (before comparing two versions: page numbers differ)."""
    root = etree.fromstring(read_part(data, "word/document.xml"))
    field = _field(root.find(f"{W}body"))
    if field is None:
        return data
    paragraph = _el("p")
    etree.SubElement(etree.SubElement(paragraph, f"{W}pPr"), f"{W}pStyle", {f"{W}val": "TOC1"})
    _replace_result(*field, [paragraph])
    return replace_parts(data, {"word/document.xml": xml_bytes(root)})


def _field(body):
    """(begin, separate, end) fldChar elements of the body's TOC field, or None."""
    stack: list[list] = []
    for node in body.iter(f"{W}fldChar", f"{W}instrText"):
        if node.tag == f"{W}instrText":
            if stack:
                stack[-1][1].append(node.text or "")
            continue
        kind = node.get(f"{W}fldCharType")
        if kind == "begin":
            stack.append([node, [], None])
        elif kind == "separate" and stack:
            stack[-1][2] = node
        elif kind == "end" and stack:
            begin, instruction, separate = stack.pop()
            if re.match(r"\s*TOC\b", "".join(instruction)) and separate is not None:
                return begin, separate, node
    return None


def _paragraph_of(node):
    while node is not None and node.tag != f"{W}p":
        node = node.getparent()
    return node


def _entries(body, field) -> list[tuple[int, str, object]]:
    """(level, text, paragraph) of each heading after the contents field, levels 1–LEVELS."""
    inside = set()
    if field is not None:
        first, last = _paragraph_of(field[0]), _paragraph_of(field[2])
        node = first
        while node is not None:
            inside.add(node)
            if node is last:
                break
            node = _following_paragraph(node)
    out = []
    for paragraph in body.iter(f"{W}p"):
        if paragraph in inside:
            continue
        level = heading_level(paragraph)
        text = re.sub(r"\s+", " ", paragraph_text(paragraph)).strip()
        if level is not None and level <= LEVELS and text:
            out.append((level, text, paragraph))
    return out


def _following_paragraph(paragraph):
    found = False
    for node in paragraph.getroottree().iter(f"{W}p"):
        if found:
            return node
        found = node is paragraph
    return None


def _bookmark(heading, bookmark_id: int, name: str) -> str:
    """The name of a bookmark around the heading's text, added if the heading has none."""
    for start in heading.findall(f"{W}bookmarkStart"):
        if (start.get(f"{W}name") or "").startswith(BOOKMARK_PREFIX):
            return start.get(f"{W}name")
    start = etree.Element(f"{W}bookmarkStart", {f"{W}id": str(bookmark_id), f"{W}name": name})
    end = etree.Element(f"{W}bookmarkEnd", {f"{W}id": str(bookmark_id)})
    props = heading.find(f"{W}pPr")
    if props is not None:
        props.addnext(start)
    else:
        heading.insert(0, start)
    heading.append(end)
    return name


def _run(*children, hidden: bool = False):
    run = etree.Element(f"{W}r")
    if hidden:
        etree.SubElement(etree.SubElement(run, f"{W}rPr"), f"{W}webHidden")
    for child in children:
        run.append(child)
    return run


def _el(tag: str, text: str | None = None, **attrs):
    element = etree.Element(f"{W}{tag}", {f"{W}{k}": v for k, v in attrs.items()})
    if text is not None:
        element.text = text
        if text != text.strip():
            element.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
    return element


def _entry(level: int, text: str, bookmark: str, page: int | None, width: int):
    """One line of the contents list, as Word writes it."""
    paragraph = _el("p")
    props = etree.SubElement(paragraph, f"{W}pPr")
    etree.SubElement(props, f"{W}pStyle", {f"{W}val": f"TOC{level}"})
    tabs = etree.SubElement(props, f"{W}tabs")
    etree.SubElement(tabs, f"{W}tab", {f"{W}val": "right", f"{W}leader": "dot", f"{W}pos": str(width)})
    link = etree.SubElement(paragraph, f"{W}hyperlink", {f"{W}anchor": bookmark, f"{W}history": "1"})
    link.append(_run(_el("t", text)))
    if page is not None:
        link.append(_run(_el("tab"), hidden=True))
        link.append(_run(_el("fldChar", fldCharType="begin"), hidden=True))
        link.append(_run(_el("instrText", f" PAGEREF {bookmark} \\h "), hidden=True))
        link.append(_run(_el("fldChar", fldCharType="separate"), hidden=True))
        link.append(_run(_el("t", str(page)), hidden=True))
        link.append(_run(_el("fldChar", fldCharType="end"), hidden=True))
    return paragraph


def _replace_result(begin, separate, end, entries: list) -> None:
    """Put `entries` between the field's separate and end marks, replacing what was there."""
    first = _paragraph_of(begin)
    last = _paragraph_of(end)
    begin_runs = _runs_up_to(first, _run_of(separate))          # begin, instruction, separate
    end_run = _run_of(end)
    # paragraphs strictly between the first and the last go; so do the old result's runs
    if last is not first:
        between = []
        node = _following_paragraph(first)
        while node is not None and node is not last:
            between.append(node)
            node = _following_paragraph(node)
        if node is last:  # never remove anything when the end mark is not after the start
            for paragraph in between:
                paragraph.getparent().remove(paragraph)
    if not entries:
        entries = [_el("p")]
    if entries[0].find(f"{W}pPr") is None:
        entries[0].insert(0, _el("pPr"))
    anchor = entries[0].find(f"{W}pPr")
    for run in begin_runs:
        run.getparent().remove(run)
        anchor.addnext(run)
        anchor = run
    if last is not first:
        # the last paragraph of the old result: its content up to the end mark goes too
        holder = end_run
        while holder.getparent() is not last:
            holder = holder.getparent()
        for child in list(last):
            if child is holder:
                break
            if child.tag != f"{W}pPr":
                last.remove(child)
    end_run.getparent().remove(end_run)
    if last is not first and holder is not end_run and holder.getparent() is last:
        last.remove(holder)  # the end mark sat inside a link of the old result
    entries[-1].append(end_run)
    if last is not first and not any(t.text for t in last.iter(f"{W}t")):
        last.getparent().remove(last)  # nothing of its own after the end mark
    parent = first.getparent()
    index = parent.index(first)
    parent.remove(first)
    for offset, paragraph in enumerate(entries):
        parent.insert(index + offset, paragraph)


def _run_of(node):
    while node is not None and node.tag != f"{W}r":
        node = node.getparent()
    return node


def _runs_up_to(paragraph, last_run) -> list:
    """The runs of the field's start in its paragraph: from the begin mark to the separate mark."""
    runs = []
    collecting = False
    for run in paragraph.iter(f"{W}r"):
        if not collecting and any(f.get(f"{W}fldCharType") == "begin" for f in run.iter(f"{W}fldChar")):
            collecting = True
        if collecting:
            runs.append(run)
        if run is last_run:
            break
    return runs
