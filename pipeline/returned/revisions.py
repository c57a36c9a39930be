"""Reading a Word file's body as the plan it is: places, comment ranges and tracked changes.

Shared by the comment compilation (returned/comments.py: what the municipalities sent back) and the version
comparison (returned/compare.py: what changed between two drafts). A place is the chapter or appendix
(Heading 1), the nearest lower heading and, in a table, the row ("Bilaga 1 ..., tabellrad 6").
Tracked changes are merged per paragraph ("”årligen” → ”varje år”"); a whole inserted, deleted
or moved table row is one change.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from pipeline.content.formatting import plain
from pipeline.docx.ooxml import W, heading_level, paragraph_text
from pipeline.returned.safezip import SafeDocx

NO_CHAPTER = "(före första kapitlet)"


@dataclass(frozen=True)
class Place:
    """Where in the plan a remark sits."""

    chapter: str = NO_CHAPTER       # the Heading 1 text: "1. Om verksamhetsplanen 2024", "Bilaga 1 ..."
    heading: str = ""               # the nearest lower heading, if any
    row: int | None = None          # table row (after the header row) when in a table
    row_label: str = ""             # the row's first cell ("6" in Bilaga 1)
    order: tuple = ()               # (chapter index, heading index, position) for sorting

    def label(self) -> str:
        parts = [self.chapter]
        if self.heading and self.heading != self.chapter:
            parts.append(self.heading)
        if self.row is not None:
            if re.fullmatch(r"\d{1,3}", self.row_label):  # a numbered table such as Bilaga 1
                parts.append(f"tabellrad {self.row_label}")
            else:
                first = self.row_label if len(self.row_label) <= 30 else self.row_label[:29].rstrip() + "…"
                parts.append(f"tabellrad {self.row} ({first})" if first else f"tabellrad {self.row}")
        return ", ".join(parts)


def text_of(element, view: str = "all") -> str:
    """The element's text as compared (docx.ooxml.paragraph_text, without layout characters): "old" as
    the older version had it (without tracked insertions), "new" as the newer one has it (without
    tracked deletions), "all" both."""
    return plain(paragraph_text(element, view))


def words_of(body, view: str = "all") -> list[str]:
    """The words of a document body as the older ("old") or newer ("new") version reads, paragraph
    by paragraph: `text_of`, and a table row inserted (or deleted) as a whole is left out of the
    older (or newer) version."""
    row_mark = {"old": f"{W}ins", "new": f"{W}del"}.get(view)
    words: list[str] = []

    def walk(node) -> None:
        if node.tag == f"{W}tr" and row_mark and node.find(f"{W}trPr/{row_mark}") is not None:
            return
        if node.tag == f"{W}p":
            words.extend(text_of(node, view).split())
            return
        for child in node:
            walk(child)
    walk(body)
    return words


def style_names(doc: SafeDocx) -> dict[str, tuple[str, int | None]]:
    """style id → (name, outline level) from the package's styles part."""
    part = doc.related("styles")
    return styles_from_xml(doc.xml(part)) if part else {}


def styles_from_xml(styles) -> dict[str, tuple[str, int | None]]:
    out: dict[str, tuple[str, int | None]] = {}
    for style in styles.iter(f"{W}style"):
        name = style.find(f"{W}name")
        level = style.find(f"{W}pPr/{W}outlineLvl")
        out[style.get(f"{W}styleId")] = ((name.get(f"{W}val") if name is not None else "") or "",
                                         int(level.get(f"{W}val")) if level is not None else None)
    return out


@dataclass
class Change:
    """One tracked change, merged per paragraph: "”årligen” → ”varje år”", or a whole table row."""

    kind: str            # infogat, borttaget, ändrat, flyttat hit/härifrån, formatändring, rad infogad, ...
    author: str
    date: str
    place: Place
    text: str            # the paragraph (or row) as the older version had it
    new_text: str        # ... and as the newer version has it
    content: str         # the change: "”årligen” → ”varje år”", "infogat: ”...”", "rad infogad: a | b"
    position: int        # in document order
    paragraph: int       # which paragraph (or row) it is in: changes of one paragraph share it


@dataclass
class Walk:
    ranges: dict = field(default_factory=dict)    # comment id → (place, text, position)
    anchors: dict = field(default_factory=dict)   # comment id → (paragraph number, text): what it is on
    changes: list[Change] = field(default_factory=list)


def walk_document(document, styles: dict) -> Walk:
    """Walk the body once: headings, tables, comment ranges and tracked changes, with their places."""
    walker = _Walker(styles)
    walker.visit(document.find(f"{W}body") if document.find(f"{W}body") is not None else document)
    return walker.finished()


class _Walker:
    """One walk through a document body, in document order.

    `visit` follows the structure (tables, rows, paragraphs) and keeps the place: the chapter and heading
    last passed, the table row; `_changes_in` reads a paragraph's comment ranges and tracked changes.
    `position` counts the elements passed, so that everything found can be sorted in document order.
    """

    def __init__(self, styles: dict):
        self.styles = styles
        self.walk = Walk()
        self.chapter, self.heading, self.chapters, self.headings = NO_CHAPTER, "", 0, 0
        self.open_ranges: dict[str, list[str]] = {}
        self.position = 0
        self.paragraphs = 0
        self.starts: dict[str, int] = {}
        self.quiet: list = []  # rows changed as a whole: their paragraphs' changes are not listed again

    def place(self, row=None, row_label="") -> Place:
        return Place(self.chapter, self.heading, row, row_label, (self.chapters, self.headings, self.position))

    def visit(self, element, row=None, row_label="") -> None:
        for child in element:
            tag = child.tag
            if tag == f"{W}tbl":
                self._table(child)
            elif tag == f"{W}p":
                self._paragraph(child, row, row_label)
            elif tag in (f"{W}tr", f"{W}tc", f"{W}sdt", f"{W}sdtContent", f"{W}customXml", f"{W}body"):
                self.visit(child, row, row_label)
            self.position += 1

    def _table(self, table) -> None:
        """Each row is a place of its own (named by its first cell); a row changed as a whole is one change."""
        rows = table.findall(f"{W}tr")
        for r, tr in enumerate(rows):
            header = r == 0 and (tr.find(f"{W}trPr/{W}tblHeader") is not None or len(rows) > 1)
            first = tr.find(f"{W}tc")
            label = (text_of(first, view="new").strip() or text_of(first, view="old").strip()) if first is not None else ""
            marked = _row_change(tr)
            if marked:
                kind, author, date = marked
                cells = [tc for tc in tr.findall(f"{W}tc")]
                old_cells = " | ".join(text_of(tc, view="old").strip() for tc in cells)
                new_cells = " | ".join(text_of(tc, view="new").strip() for tc in cells)
                shown = new_cells if kind.endswith(("infogad", "hit")) else old_cells
                self.walk.changes.append(Change(kind, author, date, self.place(None if header else r, label),
                                                old_cells, new_cells, f"{kind}: {shown}", self.position,
                                                -1 - len(self.walk.changes)))
                self.quiet.append(tr)
            self.visit(tr, None if header else r, label)
            if marked:
                self.quiet.pop()

    def _paragraph(self, paragraph, row, row_label) -> None:
        """A heading outside a table moves the place on; every paragraph's changes are read."""
        level = heading_level(paragraph, self.styles)
        text = text_of(paragraph, view="new").strip()
        if level is not None and text and row is None:
            if level == 1:
                self.chapter, self.heading, self.chapters = text, "", self.chapters + 1
            else:
                self.heading = text
            self.headings += 1
        self._changes_in(paragraph, self.place(row, row_label), row, row_label)
        for parts in self.open_ranges.values():
            parts.append(" ")

    def _changes_in(self, paragraph, where: Place, row, row_label) -> None:
        self.paragraphs += 1
        pending: list = []  # (kind, author, date, text) of this paragraph's changes, and None for unchanged text
        self._scan(paragraph, False, pending, row, row_label)
        old_text, new_text = text_of(paragraph, view="old").strip(), text_of(paragraph, view="new").strip()
        for kind, author, date, content in ([] if self.quiet else _merge_changes(pending)):
            self.walk.changes.append(Change(kind, author, date, where, old_text, new_text, content, self.position,
                                            self.paragraphs))

    def _scan(self, node, inside: bool, pending: list, row, row_label) -> None:
        for child in node:
            tag = child.tag
            self.position += 1
            if tag == f"{W}commentRangeStart":
                cid = child.get(f"{W}id")
                self.open_ranges[cid] = []
                self.starts[cid] = self.paragraphs
                self.walk.ranges.setdefault(cid, (self.place(row, row_label), self.open_ranges[cid], self.position))
            elif tag == f"{W}commentRangeEnd":
                self.open_ranges.pop(child.get(f"{W}id"), None)
            elif tag == f"{W}commentReference":
                self.walk.ranges.setdefault(child.get(f"{W}id"), (self.place(row, row_label), [], self.position))
            elif tag in (f"{W}t", f"{W}delText") and child.text:
                for parts in self.open_ranges.values():
                    parts.append(plain(child.text))
                if not inside and child.text.strip():
                    pending.append(None)  # unchanged text between two changes keeps them apart
            elif tag in (f"{W}ins", f"{W}del", f"{W}moveFrom", f"{W}moveTo") and not inside:
                kind = {"ins": "infogat", "del": "borttaget", "moveFrom": "flyttat härifrån",
                        "moveTo": "flyttat hit"}[tag[len(W):]]
                text = text_of(child)
                if text.strip():
                    pending.append((kind, child.get(f"{W}author", ""), (child.get(f"{W}date") or "")[:10], text))
                self._scan(child, True, pending, row, row_label)
                continue
            elif tag in (f"{W}rPrChange", f"{W}pPrChange") and not any(pending):
                pending.append(("formatändring", child.get(f"{W}author", ""),
                                (child.get(f"{W}date") or "")[:10], ""))
                continue
            if tag not in (f"{W}pPr", f"{W}rPr"):
                self._scan(child, inside, pending, row, row_label)

    def finished(self) -> Walk:
        """The walk, each comment range's text joined and each comment's anchor paragraph noted."""
        walk = self.walk
        walk.ranges = {cid: (p, re.sub(r"\s+", " ", "".join(parts)).strip(), pos)
                       for cid, (p, parts, pos) in walk.ranges.items()}
        walk.anchors = {cid: (self.starts.get(cid), text) for cid, (_, text, _) in walk.ranges.items()}
        return walk


def _row_change(tr) -> tuple[str, str, str] | None:
    """(kind, author, date) when the table row as a whole is inserted, deleted or moved."""
    marks = tr.find(f"{W}trPr")
    if marks is None:
        return None
    for tag, kind, moved in ((f"{W}ins", "rad infogad", "rad flyttad hit"),
                             (f"{W}del", "rad borttagen", "rad flyttad härifrån")):
        mark = marks.find(tag)
        if mark is not None:
            move = f"{W}moveTo" if tag == f"{W}ins" else f"{W}moveFrom"
            is_move = any(True for _ in tr.iter(move))
            return (moved if is_move else kind), mark.get(f"{W}author", ""), (mark.get(f"{W}date") or "")[:10]
    return None


def _merge_changes(pending: list) -> list[tuple[str, str, str, str]]:
    """Join a paragraph's adjacent insertions and deletions by one author into one change each.

    `pending` holds (kind, author, date, text) per revision and None for unchanged text between
    revisions; a deletion next to an insertion is one change, "”old” → ”new”".
    """
    merged: list = []
    for item in pending:
        last = merged[-1] if merged else None
        if item is None:
            if last is not None:
                merged.append(None)
            continue
        kind, author, date, text = item
        if last and last[1] == author and last[0] == kind:
            last[3] += text
        else:
            merged.append([kind, author, date, text])
    out = []
    i = 0
    while i < len(merged):
        if merged[i] is None:
            i += 1
            continue
        kind, author, date, text = merged[i]
        nxt = merged[i + 1] if i + 1 < len(merged) else None
        if nxt is not None and {kind, nxt[0]} == {"borttaget", "infogat"} and nxt[1] == author:
            removed, added = (text, nxt[3]) if kind == "borttaget" else (nxt[3], text)
            out.append(("ändrat", author, date, f"”{removed.strip()}” → ”{added.strip()}”"))
            i += 2
            continue
        out.append((kind, author, date, f"{kind}: ”{text.strip()}”" if text.strip() else kind))
        i += 1
    return out
