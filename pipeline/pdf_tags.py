"""Tag repairs: LibreOffice 7.4's tagged PDF as PDF/UA-1 and a screen reader need it.

LibreOffice writes a structure tree, but with faults that a reader meets on every page:

- a figure is an empty Figure element and its drawing an untagged artifact (`tag_figures`);
- each table-of-contents line is two Link elements for one link annotation, announced twice,
  and the link's description holds a tab ("Nätverken<TAB>17") (`merge_split_links`,
  `describe_links`);
- the annotations on a page are listed bottom to top, against the reading order
  (`annotations_in_reading_order`), and /Tabs is the string (S), not the name /S;
- a list item's bullet is part of its body, with no Lbl element (`label_list_items`);
- the title page's title, "Innehållsförteckning" and "Bilagor" are plain paragraphs, so heading
  navigation starts at chapter 1 (`HEADING_ROLES`); empty paragraphs are tagged as P.

Each repair keeps the parent tree (MCID → element, annotation → element) consistent.
"""

from __future__ import annotations

import re

import pikepdf

from .pdf_content import page_marks

DRAWING = {"f", "F", "f*", "B", "B*", "b", "b*", "S", "s", "Do", "sh"}  # paints a picture, not a header
# Paragraph styles that are headings to a reader (LibreOffice tags paragraphs by style name).
HEADING_ROLES = {"/Title": "/H1", "/Contents Heading": "/H2", "/Bilageförteckning rubrik": "/H2"}
LIST_LABEL = re.compile(r"[\u2022\u25e6\u25aa\u25cf\u2013\u2014\-\uf0b7]|\(?\w{1,4}[.)]")
CONTAINERS = {"/Document", "/Part", "/Sect", "/Div", "/Art"}


def repair_tags(pdf: pikepdf.Pdf) -> None:
    """Apply every repair of this module to a PDF written by LibreOffice."""
    root = pdf.Root.get("/StructTreeRoot")
    if root is None:
        return
    tree = ParentTree(root)
    tag_figures(pdf, tree)
    merge_split_links(root, tree)
    describe_links(pdf)
    label_list_items(pdf, root, tree)
    drop_empty_paragraphs(root)
    role_map = root.get("/RoleMap")
    if role_map is not None:
        for name, role in HEADING_ROLES.items():
            if name in role_map:
                role_map[name] = pikepdf.Name(role)
    tree.save()
    annotations_in_reading_order(pdf, root)


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

def tag_figures(pdf: pikepdf.Pdf, tree: ParentTree | None = None) -> int:
    """Make each figure's drawing the content of its Figure structure element; return how many.

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
        return 0
    tree = tree or ParentTree(root)
    done = 0
    for figure in [e for e in walk(root) if e.get("/S") == "/Figure" and "/K" not in e]:
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
        done += 1
    if tree is not None:
        tree.save()
    return done


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


def merge_split_links(root, tree: ParentTree) -> int:
    """Merge sibling Link elements that stand for one annotation into one Link; return how many merged.

    LibreOffice tags a table-of-contents line as two Link elements (text, page number), each
    with a reference to the same annotation. The first keeps all the content and one reference;
    the parent tree points the moved MCIDs at it.
    """
    merged = 0
    for parent in [root] + list(walk(root)):
        kids = kids_of(parent)
        keep = []
        for kid in kids:
            previous = keep[-1] if keep else None
            annotation = _link_annotation(kid)
            earlier = _link_annotation(previous) if previous is not None else None
            if annotation is not None and earlier is not None and _same(earlier, annotation):
                content = [k for k in kids_of(kid) if not _is_objr(k)]
                own = kids_of(previous)
                set_kids(previous, [k for k in own if not _is_objr(k)] + content + [k for k in own if _is_objr(k)])
                for item in content:
                    mcid = item if isinstance(item, int) else item.get("/MCID") if isinstance(
                        item, pikepdf.Dictionary) else None
                    page = item.get("/Pg", kid.get("/Pg")) if isinstance(item, pikepdf.Dictionary) else kid.get("/Pg")
                    if mcid is not None and page is not None:
                        tree.set_mcid(page, int(mcid), previous)
                if "/StructParent" in annotation:
                    tree.entries[int(annotation.StructParent)] = previous
                merged += 1
                continue
            keep.append(kid)
        if len(keep) != len(kids):
            set_kids(parent, keep)
    return merged


def describe_links(pdf: pikepdf.Pdf) -> None:
    """Give each link a description without layout characters: "Nätverken, sidan 17"."""
    for page in pdf.pages:
        for annot in page.obj.get("/Annots", []):
            if annot.get("/Subtype") != "/Link" or "/Contents" not in annot:
                continue
            text = str(annot.Contents)
            clean = re.sub(r"\s*\t+\s*(\d+)\s*$", r", sidan \1", text)
            clean = re.sub(r"\s+", " ", clean).strip()
            if clean != text:
                annot.Contents = pikepdf.String(clean)


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

def label_list_items(pdf: pikepdf.Pdf, root, tree: ParentTree) -> int:
    """Move each list item's bullet or number out of its body into an Lbl element; return how many."""
    pages = {page.objgen: page for page in pdf.pages}
    texts: dict[tuple, dict] = {}
    labelled = 0
    for item in [e for e in walk(root) if _standard(root, e) == "/LI"]:
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
            texts[page.objgen] = page_marks(pages[page.objgen])
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


def drop_empty_paragraphs(root) -> int:
    """Remove elements with no content and no children (LibreOffice tags empty paragraphs)."""
    removed = 0
    for parent in [root] + list(walk(root)):
        kids = kids_of(parent)
        keep = [k for k in kids if not (is_element(k) and not kids_of(k) and str(k.S) not in ("/Figure",)
                                        and _standard(root, k) in {"/P", "/Span"} | CONTAINERS)]
        if len(keep) != len(kids):
            removed += len(kids) - len(keep)
            set_kids(parent, keep)
    return removed
