"""Tag repairs: LibreOffice 7.4's tagged PDF as PDF/UA-1 and a screen reader need it.

LibreOffice writes a structure tree, but with faults that a reader meets on every page:

- a figure is an empty Figure element and its drawing an untagged artifact (`tag_figures`);
- each table-of-contents line is two Link elements for one link annotation, announced twice,
  and the link's description holds a tab ("Nätverken<TAB>17") (`merge_split_links`,
  `describe_links`);
- the annotations on a page are listed bottom to top, against the reading order
  (`annotations_in_reading_order`), and /Tabs is the string (S), not the name /S;
- a list item's bullet is part of its body, with no Lbl element (`label_list_items`);
- a footnote (Note) has no ID, and the link from a footnote back to its reference is untagged
  (`tag_footnotes`);
- the title page's title, "Innehållsförteckning" and "Bilagor" are plain paragraphs, so heading
  navigation starts at chapter 1 (`HEADING_ROLES`); empty paragraphs are tagged as P;
- the bookmarks are made from the Word outline levels, not from the tags, so the headings of
  `HEADING_ROLES` have none and a reader of the bookmark panel and a screen-reader user moving
  by headings meet two outlines (`bookmarks_from_headings` makes the one from the other).

Each repair keeps the parent tree (MCID → element, annotation → element) consistent.
"""

from __future__ import annotations

import re

import pikepdf

from pipeline.content.formatting import plain
from pipeline.pdf.marks import document_marks, page_marks

DRAWING = {"f", "F", "f*", "B", "B*", "b", "b*", "S", "s", "Do", "sh"}  # paints a picture, not a header
# Paragraph styles that are headings to a reader (LibreOffice tags paragraphs by style name).
HEADING_ROLES = {"/Title": "/H1", "/Contents Heading": "/H2", "/Bilageförteckning rubrik": "/H2"}
LIST_LABEL = re.compile(r"[\u2022\u25e6\u25aa\u25cf\u2013\u2014\-\uf0b7]|\(?\w{1,4}[.)]")
CONTAINERS = {"/Document", "/Part", "/Sect", "/Div", "/Art"}
# Elements left out when they hold nothing (an empty heading would be an empty bookmark as well)
EMPTY_DROPPED = {"/P", "/Span", "/H1", "/H2", "/H3", "/H4", "/H5", "/H6"} | CONTAINERS


def repair_tags(pdf: pikepdf.Pdf) -> list:
    """Apply every repair of this module to a PDF written by LibreOffice; return the pages' content.

    The content (pdf_content.document_marks) is read once, after the only repair that changes
    it (tag_figures), for the repairs that read the pages and for whoever reads it next.
    """
    root = pdf.Root.get("/StructTreeRoot")
    if root is None:
        return document_marks(pdf)
    tree = ParentTree(root)
    elements = list(walk(root))  # the tree as LibreOffice wrote it; each repair below reads it once
    tag_figures(pdf, tree, elements)
    marks = document_marks(pdf)
    merge_split_links(root, tree, elements)
    tag_footnotes(pdf, root, tree, elements, marks)
    describe_links(pdf)
    label_list_items(pdf, root, tree, elements, marks)
    drop_empty_paragraphs(root, elements)
    role_map = root.get("/RoleMap")
    if role_map is not None:
        for name, role in HEADING_ROLES.items():
            if name in role_map:
                role_map[name] = pikepdf.Name(role)
    tree.save()
    annotations_in_reading_order(pdf, root)
    bookmarks_from_headings(pdf, root, marks)
    return marks


class ParentTree:
    """The parent tree as a dict: key → element (annotations) or array of elements (pages)."""

    def __init__(self, root):
        self.root = root
        self.entries: dict[int, object] = {}
        node = root.get("/ParentTree")
        if node is not None:
            self._read(node)

    def _read(self, node) -> None:
        nums = node.get("/Nums")
        if nums is not None:
            for i in range(0, len(nums), 2):
                self.entries[int(nums[i])] = nums[i + 1]
        for kid in node.get("/Kids", []):
            self._read(kid)

    def page_array(self, page) -> pikepdf.Array | None:
        value = self.entries.get(int(page.get("/StructParents", -1)))
        return value if isinstance(value, pikepdf.Array) else None

    def set_mcid(self, page, mcid: int, element) -> None:
        array = self.page_array(page)
        if array is None:
            return
        while len(array) <= mcid:
            array.append(None)
        array[mcid] = element

    def save(self) -> None:
        """Write the entries back as one flat number tree (keys in ascending order)."""
        nums = pikepdf.Array()
        for key in sorted(self.entries):
            nums.append(key)
            nums.append(self.entries[key])
        self.root.ParentTree = self.root.get("/ParentTree") or pikepdf.Dictionary()
        node = self.root.ParentTree
        node.Nums = nums
        if "/Kids" in node:
            del node["/Kids"]


def kids_of(element) -> list:
    k = element.get("/K")
    if k is None:
        return []
    return list(k) if isinstance(k, pikepdf.Array) else [k]


def set_kids(element, kids: list) -> None:
    if not kids:
        if "/K" in element:
            del element["/K"]
    else:
        element.K = pikepdf.Array(kids)


def is_element(value) -> bool:
    return isinstance(value, pikepdf.Dictionary) and "/S" in value and value.get("/Type") not in ("/MCR", "/OBJR")


def walk(node):
    """Yield every structure element below `node`, depth first, in document order."""
    for kid in kids_of(node):
        if is_element(kid):
            yield kid
            yield from walk(kid)


def _same(a, b) -> bool:
    return a.is_indirect and b.is_indirect and a.objgen == b.objgen


# --- figures -------------------------------------------------------------------------------------

def tag_figures(pdf: pikepdf.Pdf, tree: ParentTree | None = None, elements: list | None = None) -> set[int]:
    """Make each figure's drawing the content of its Figure structure element; return the pages changed.

    LibreOffice 7.4 writes a Figure element (with the alt text) for a picture anchored as a
    character, but draws the picture itself as an untagged Artifact and gives the Figure no
    content, so assistive technology finds an empty figure and a drawing it must skip. The
    drawing is the Artifact block (one that paints paths or images) just before the first
    marked content of the figure's caption (the element after the Figure) on the same page.
    That block becomes `/Figure <</MCID n>> BDC`, the page's entry in the parent tree gets n,
    and the Figure gets n as its content. A figure laid out otherwise is left as it was.
    """
    root = pdf.Root.get("/StructTreeRoot")
    if root is None:
        return set()
    tree = tree or ParentTree(root)
    numbers = {page.objgen: index for index, page in enumerate(pdf.pages)}
    changed: set[int] = set()
    elements = elements if elements is not None else list(walk(root))
    for figure in [e for e in elements if e.get("/S") == "/Figure" and "/K" not in e]:
        caption = _caption_of(figure)
        if caption is None or "/Pg" not in figure or "/Pg" not in caption or not _same(caption.Pg, figure.Pg):
            continue
        page = figure.Pg
        marked = tree.page_array(page)
        mcid = _first_mcid(caption)
        if marked is None or mcid is None:
            continue
        ops = list(pikepdf.parse_content_stream(page))
        start = _drawing_before(ops, mcid)
        if start is None:
            continue
        new = max([-1] + [m for m in map(_mcid, ops) if m is not None]) + 1
        tree.set_mcid(page, new, figure)
        ops[start] = pikepdf.ContentStreamInstruction(
            [pikepdf.Name("/Figure"), pikepdf.Dictionary(MCID=new)], pikepdf.Operator("BDC"))
        page.Contents = pdf.make_stream(pikepdf.unparse_content_stream(ops))
        figure.K = new
        changed.add(numbers[page.objgen])
    tree.save()
    return changed


def _caption_of(figure):
    """Return the structure element after the figure (or after its only-child container)."""
    element = figure
    while True:
        parent = element.get("/P")
        kids = kids_of(parent) if parent is not None else []
        index = next((i for i, kid in enumerate(kids) if is_element(kid) and _same(kid, element)), None)
        if index is None:
            return None
        if index + 1 < len(kids):
            return kids[index + 1]
        if len(kids) != 1:
            return None
        element = parent  # LibreOffice wraps the figure in its paragraph ("Captioned Figure")


def _first_mcid(element) -> int | None:
    for kid in kids_of(element) if isinstance(element, pikepdf.Dictionary) else []:
        if isinstance(kid, int):
            return int(kid)
        if isinstance(kid, pikepdf.Dictionary) and "/MCID" in kid:
            return int(kid.MCID)
    return None


def _mcid(op) -> int | None:
    """Return the MCID that a content-stream instruction opens, if it opens one."""
    if str(op.operator) == "BDC" and isinstance(op.operands[1], pikepdf.Dictionary) and "/MCID" in op.operands[1]:
        return int(op.operands[1].MCID)
    return None


def _drawing_before(ops, mcid: int) -> int | None:
    """Return the index of the `/Artifact BMC` that paints and closes just before marked content `mcid`."""
    end = next((i for i, op in enumerate(ops) if _mcid(op) == mcid), None)
    if not end or str(ops[end - 1].operator) != "EMC":
        return None
    depth = 0
    for start in range(end - 1, -1, -1):
        name = str(ops[start].operator)
        depth += (name == "EMC") - (name in ("BMC", "BDC"))
        if depth == 0:
            break
    else:
        return None
    is_artifact = str(ops[start].operator) == "BMC" and ops[start].operands[0] == pikepdf.Name("/Artifact")
    paints = any(str(op.operator) in DRAWING for op in ops[start:end])
    return start if is_artifact and paints else None


# --- links ------------------------------------------------------------------------------------------

def _annotation_of(element):
    return next((k.Obj for k in kids_of(element) if _is_objr(k) and "/Obj" in k), None)


def _is_objr(value) -> bool:
    return isinstance(value, pikepdf.Dictionary) and value.get("/Type") == "/OBJR"


def _link_annotation(element):
    """The annotation of a Link element, or None for anything else."""
    if is_element(element) and element.get("/S") == "/Link":
        return _annotation_of(element)
    return None


def merge_split_links(root, tree: ParentTree, elements: list | None = None) -> int:
    """Merge the Link elements of a parent that stand for one annotation into one Link; return how many.

    LibreOffice tags a table-of-contents line as two Link elements (text, page number), each
    with a reference to the same annotation, and leaves a no-break space between them outside
    both ("§", space, "1 Syfte", "11"). The first Link takes everything from itself to the last
    Link of the same annotation, in order, and one reference; the parent tree points the moved
    MCIDs at it.
    """
    merged = 0
    for parent in [root] + (elements if elements is not None else list(walk(root))):
        kids = kids_of(parent)
        keep: list = []
        i = 0
        while i < len(kids):
            kid = kids[i]
            annotation = _link_annotation(kid)
            last = max((j for j in range(i + 1, len(kids)) if annotation is not None
                        and _link_annotation(kids[j]) is not None and _same(_link_annotation(kids[j]), annotation)),
                       default=None)
            if last is None:
                keep.append(kid)
                i += 1
                continue
            content = [k for k in kids_of(kid) if not _is_objr(k)]
            for other in kids[i + 1:last + 1]:
                moved = [k for k in kids_of(other) if not _is_objr(k)] if _link_annotation(other) is not None else [other]
                for item in moved:
                    _repoint(tree, item, other if is_element(other) else kid, kid)
                content += moved
                merged += _link_annotation(other) is not None
            set_kids(kid, content + [k for k in kids_of(kid) if _is_objr(k)])
            if "/StructParent" in annotation:
                tree.entries[int(annotation.StructParent)] = kid
            keep.append(kid)
            i = last + 1
        if len(keep) != len(kids):
            set_kids(parent, keep)
    return merged


def _repoint(tree: ParentTree, item, owner, new_parent) -> None:
    """Point a moved content item (MCID or MCR) at its new parent element; reparent a moved element."""
    if is_element(item):
        item.P = new_parent
        return
    mcid = item if isinstance(item, int) else item.get("/MCID") if isinstance(item, pikepdf.Dictionary) else None
    page = item.get("/Pg", owner.get("/Pg")) if isinstance(item, pikepdf.Dictionary) else owner.get("/Pg")
    if mcid is not None and page is not None:
        tree.set_mcid(page, int(mcid), new_parent)


def describe_links(pdf: pikepdf.Pdf) -> None:
    """Give each link a description without layout characters: "Nätverken, sidan 17", "Fotnot 2"."""
    for page in pdf.pages:
        for annot in page.obj.get("/Annots", []):
            if annot.get("/Subtype") != "/Link" or "/Contents" not in annot:
                continue
            text = str(annot.Contents)
            clean = re.sub(r"\s*\t+\s*(\d+)\s*$", r", sidan \1", plain(text))
            clean = re.sub(r"\s+", " ", clean).strip()
            if re.fullmatch(r"\d+", clean):  # a footnote reference (LibreOffice writes its number only)
                clean = f"Fotnot {clean}"
            if clean != text:
                annot.Contents = pikepdf.String(clean)


def tag_footnotes(pdf: pikepdf.Pdf, root, tree: ParentTree, elements: list | None = None,
                  marks: list | None = None) -> int:
    """Give every Note an ID, and tag each footnote's link back to its reference; return how many links.

    LibreOffice writes each footnote as a Note element without the /ID that PDF/UA requires,
    and draws the footnote's number as a link back to the reference with no structure element,
    so a screen reader meets an annotation outside the tree. The back link becomes a Link
    element at the start of its Note, holding the number's marked content when that is
    separate, and described as "Tillbaka till hänvisningen till fotnot N".
    """
    elements = elements if elements is not None else list(walk(root))
    notes = [e for e in elements if _standard(root, e) == "/Note"]
    for number, note in enumerate(notes, start=1):
        if "/ID" not in note:
            note.ID = pikepdf.String(f"fotnot-{number}")
    if not notes:
        return 0
    tagged = {k.Obj.objgen for e in elements for k in kids_of(e) if _is_objr(k) and "/Obj" in k}
    pages = list(pdf.pages)
    next_key = max(tree.entries, default=-1) + 1
    linked = 0
    for page in pages:
        loose = [a for a in page.obj.get("/Annots", []) if a.get("/Subtype") == "/Link"
                 and a.objgen not in tagged and "/StructParent" not in a]
        if not loose:
            continue
        on_page = [n for n in notes if "/Pg" in n and _same(n.Pg, page.obj)
                   or any(isinstance(k, pikepdf.Dictionary) and "/Pg" in k and _same(k.Pg, page.obj)
                          for k in kids_of(n))]
        on_marks = marks[pages.index(page)] if marks is not None else page_marks(page)
        for annot in loose:
            note, label = _note_at(annot, on_page, on_marks, root)
            if note is None:
                continue
            link = pdf.make_indirect(pikepdf.Dictionary(
                Type=pikepdf.Name("/StructElem"), S=pikepdf.Name("/Link"), P=note, Pg=page.obj))
            objr = pikepdf.Dictionary(Type=pikepdf.Name("/OBJR"), Obj=annot, Pg=page.obj)
            content = [label[1]] if label is not None else []
            link.K = pikepdf.Array(content + [objr])
            if label is not None:
                holder, mcid = label[0], label[1]
                set_kids(holder, [k for k in kids_of(holder) if not (isinstance(k, int) and int(k) == mcid)])
                tree.set_mcid(page.obj, mcid, link)
            set_kids(note, [link] + kids_of(note))
            annot.StructParent = next_key
            tree.entries[next_key] = link
            next_key += 1
            number = re.sub(r"\D", "", str(annot.get("/Contents", ""))) or str(notes.index(note) + 1)
            annot.Contents = pikepdf.String(f"Tillbaka till hänvisningen till fotnot {number}")
            linked += 1
    return linked


def _note_at(annot, notes: list, marks: dict, root):
    """Return (the Note whose content holds the annotation, (paragraph, MCID of the number) or None)."""
    x0, y0, x1, y1 = (float(v) for v in annot.Rect)
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    for note in notes:
        for holder in [note] + list(walk(note)):
            for kid in kids_of(holder):
                if not isinstance(kid, int):
                    continue
                mark = marks.get(int(kid))
                if mark is None or mark.box is None:
                    continue
                bx0, by0, bx1, by1 = mark.box
                if bx0 - 1 <= cx <= bx1 + 1 and by0 - 1 <= cy <= by1 + 1:
                    label = (holder, int(kid)) if re.fullmatch(r"\d+", mark.text.strip()) else None
                    return note, label
    return None, None


def annotations_in_reading_order(pdf: pikepdf.Pdf, root) -> None:
    """Order each page's /Annots as their elements stand in the structure tree; /Tabs /S."""
    order = {}
    for index, element in enumerate(walk(root)):
        annotation = _annotation_of(element)
        if annotation is not None and annotation.is_indirect:
            order.setdefault(annotation.objgen, index)
    for page in pdf.pages:
        annots = page.obj.get("/Annots")
        if not annots:
            continue
        items = list(annots)
        items.sort(key=lambda a: order.get(a.objgen, len(order)) if a.is_indirect else len(order))
        page.obj.Annots = pikepdf.Array(items)
        page.obj.Tabs = pikepdf.Name("/S")


# --- lists and paragraphs -------------------------------------------------------------------------------

def label_list_items(pdf: pikepdf.Pdf, root, tree: ParentTree, elements: list | None = None,
                     marks: list | None = None) -> int:
    """Move each list item's bullet or number out of its body into an Lbl element; return how many."""
    pages = {page.objgen: page for page in pdf.pages}
    numbers = {page.objgen: index for index, page in enumerate(pdf.pages)}
    texts: dict[tuple, dict] = {}
    labelled = 0
    elements = elements if elements is not None else list(walk(root))
    for item in [e for e in elements if _standard(root, e) == "/LI"]:
        kids = kids_of(item)
        if any(is_element(k) and _standard(root, k) == "/Lbl" for k in kids):
            continue
        body = next((k for k in kids if is_element(k) and _standard(root, k) == "/LBody"), None)
        holder = body
        while holder is not None:
            first = next(iter(kids_of(holder)), None)
            if is_element(first):
                holder = first
                continue
            break
        if holder is None:
            continue
        content = kids_of(holder)
        if not content:
            continue
        first = content[0]
        mcid = int(first) if isinstance(first, int) else int(first.MCID) if isinstance(
            first, pikepdf.Dictionary) and "/MCID" in first else None
        page = first.get("/Pg", holder.get("/Pg")) if isinstance(first, pikepdf.Dictionary) else holder.get("/Pg")
        if mcid is None or page is None or len(content) < 2 or page.objgen not in pages:
            continue
        if page.objgen not in texts:
            texts[page.objgen] = marks[numbers[page.objgen]] if marks is not None else page_marks(pages[page.objgen])
        mark = texts[page.objgen].get(mcid)
        if mark is None or not LIST_LABEL.fullmatch(mark.text.strip()):
            continue
        label = pdf.make_indirect(pikepdf.Dictionary(Type=pikepdf.Name("/StructElem"), S=pikepdf.Name("/Lbl"),
                                                     P=item, Pg=page, K=first))
        set_kids(holder, content[1:])
        set_kids(item, [label] + kids)
        tree.set_mcid(page, mcid, label)
        labelled += 1
    return labelled


def _standard(root, element) -> str:
    role_map = root.get("/RoleMap", {})
    name = str(element.get("/S"))
    for _ in range(10):
        if name not in role_map:
            break
        name = str(role_map[name])
    return name


def drop_empty_paragraphs(root, elements: list | None = None) -> int:
    """Remove elements with no content and no children (LibreOffice tags empty paragraphs and headings)."""
    removed = 0
    for parent in [root] + (elements if elements is not None else list(walk(root))):
        kids = kids_of(parent)
        keep = [k for k in kids if not (is_element(k) and not kids_of(k) and str(k.S) not in ("/Figure",)
                                        and _standard(root, k) in EMPTY_DROPPED)]
        if len(keep) != len(kids):
            removed += len(kids) - len(keep)
            set_kids(parent, keep)
    return removed


# --- bookmarks ------------------------------------------------------------------------------------

HEADING = re.compile(r"/H([1-6])")


def bookmarks_from_headings(pdf: pikepdf.Pdf, root, marks: list) -> int:
    """Replace the bookmarks with one per H1–H6 element, in tree order; return how many.

    Each bookmark has the heading's text as a screen reader reads it (without the layout
    characters that keep numbers together, formatting.plain), is a child of the bookmark of
    the nearest earlier heading of a higher level, points at the top of the heading's first
    line and names its element (/SE). The outline is open, as LibreOffice exported it
    (OpenBookmarkLevels=-1).
    """
    numbers = {page.objgen: index for index, page in enumerate(pdf.pages)}
    top_level: list[pikepdf.OutlineItem] = []
    above: list[tuple[int, pikepdf.OutlineItem]] = []  # (level, bookmark) of the headings this one is under
    made = 0
    for element in walk(root):
        match = HEADING.fullmatch(_standard(root, element))
        if match is None:
            continue
        level = int(match.group(1))
        pieces = _marked_content(root, element, numbers, marks, _page_index(element, numbers, None))
        text = plain(" ".join("".join(mark.text for _, mark in pieces).split()))
        item = pikepdf.OutlineItem(text, destination=_destination(pdf, element, pieces, numbers),
                                   structure_element=element)
        while above and above[-1][0] >= level:
            above.pop()
        (above[-1][1].children if above else top_level).append(item)
        above.append((level, item))
        made += 1
    with pdf.open_outline() as outline:
        outline.root[:] = top_level
    return made


def _page_index(item, numbers: dict, default: int | None) -> int | None:
    return numbers.get(item.Pg.objgen, default) if "/Pg" in item else default


def _marked_content(root, element, numbers: dict, marks: list, page: int | None) -> list:
    """Return (page index, Mark) of an element's marked content, its children's included, in order."""
    out = []
    for kid in kids_of(element):
        if isinstance(kid, int) and page is not None:
            mark = marks[page].get(int(kid))
            if mark is not None:
                out.append((page, mark))
        elif isinstance(kid, pikepdf.Dictionary) and kid.get("/Type") == "/MCR" and "/MCID" in kid:
            on = _page_index(kid, numbers, page)
            mark = marks[on].get(int(kid.MCID)) if on is not None else None
            if mark is not None:
                out.append((on, mark))
        elif is_element(kid) and _standard(root, kid) not in ("/Note", "/Figure"):
            out += _marked_content(root, kid, numbers, marks, _page_index(kid, numbers, page))
    return out


def _destination(pdf: pikepdf.Pdf, element, pieces: list, numbers: dict) -> pikepdf.Array:
    """The view of the heading's first line: its page, from its left edge and the top of its letters."""
    drawn = next(((page, mark.box) for page, mark in pieces if mark.box is not None), None)
    if drawn is not None:
        page, (left, _, _, top) = drawn
        return pikepdf.Array([pdf.pages[page].obj, pikepdf.Name.XYZ, round(left, 2), round(top, 2), 0])
    page = _page_index(element, numbers, pieces[0][0] if pieces else 0)
    return pikepdf.Array([pdf.pages[page].obj, pikepdf.Name.XYZ, None, None, 0])
