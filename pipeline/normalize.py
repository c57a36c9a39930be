"""Normalise stage: make LibreOffice's PDF reproducible and its metadata the plan's own.

LibreOffice stamps the conversion time into /Info, the XMP packet and the sRGB colour profile,
and derives /ID from the time. Here they become the plan's date and a content hash, so the
same sources give the same bytes; title, author, subject and language are asserted as well.
Figures get their drawing as content (see `tag_figures`).
"""

from __future__ import annotations

import datetime as dt
import io

import pikepdf

from . import model as m
from .errors import ConversionError

ICC_DATE = slice(24, 36)  # dateTimeNumber in the ICC profile header
DRAWING = {"f", "F", "f*", "B", "B*", "b", "b*", "S", "s", "Do", "sh"}  # paints a picture, not a header


def normalise_pdf(data: bytes, plan: m.Plan) -> bytes:
    """Return the PDF with fixed dates, deterministic /ID and the plan's metadata."""
    stamp = dt.datetime.combine(plan.date, dt.time(0, 0), tzinfo=dt.timezone.utc)
    try:
        pdf = pikepdf.open(io.BytesIO(data))
    except pikepdf.PdfError as exc:
        raise ConversionError(f"LibreOffice skrev en trasig PDF ({exc}).") from exc
    with pdf:
        pdf_date = stamp.strftime("D:%Y%m%d%H%M%SZ")
        pdf.docinfo["/CreationDate"] = pdf_date
        pdf.docinfo["/ModDate"] = pdf_date
        pdf.docinfo["/Title"] = plan.title
        pdf.docinfo["/Author"] = plan.organisation
        pdf.docinfo["/Subject"] = f"Verksamhetsplan och budget {plan.year}"
        pdf.Root.Lang = pikepdf.String("sv-SE")
        if "/DocChecksum" in pdf.trailer:  # LibreOffice's checksum of the time-stamped file
            del pdf.trailer["/DocChecksum"]
        if "/ID" in pdf.trailer:  # LibreOffice derives it from the time; rebuilt from content below
            del pdf.trailer["/ID"]
        tag_figures(pdf)
        iso = stamp.strftime("%Y-%m-%dT%H:%M:%SZ")
        with pdf.open_metadata(set_pikepdf_as_editor=False, update_docinfo=False) as xmp:
            xmp["xmp:CreateDate"] = iso
            xmp["xmp:ModifyDate"] = iso
            xmp["xmp:MetadataDate"] = iso
            xmp["dc:title"] = plan.title
            xmp["dc:language"] = ["sv-SE"]
        for intent in pdf.Root.get("/OutputIntents", []):
            profile = intent.get("/DestOutputProfile")
            if profile is None:
                continue
            icc = bytearray(profile.read_bytes())
            if len(icc) >= 128:
                icc[ICC_DATE] = _icc_date(stamp)
                profile.write(bytes(icc))
        out = io.BytesIO()
        pdf.save(out, deterministic_id=True, compress_streams=True,
                 object_stream_mode=pikepdf.ObjectStreamMode.preserve)
    return out.getvalue()


def tag_figures(pdf: pikepdf.Pdf) -> int:
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
    if root is None or "/Nums" not in root.get("/ParentTree", {}):
        return 0
    nums = root.ParentTree.Nums
    parents = {int(nums[i]): nums[i + 1] for i in range(0, len(nums), 2)}
    done = 0
    for figure in _figures_without_content(root):
        caption = _caption_of(figure)
        if caption is None or "/Pg" not in figure or "/Pg" not in caption \
                or caption.Pg.objgen != figure.Pg.objgen:
            continue
        page = figure.Pg
        marked = parents.get(int(page.get("/StructParents", -1)))
        mcid = _first_mcid(caption)
        if not isinstance(marked, pikepdf.Array) or mcid is None:
            continue
        ops = list(pikepdf.parse_content_stream(page))
        start = _drawing_before(ops, mcid)
        if start is None:
            continue
        new = max([-1] + [m for m in map(_mcid, ops) if m is not None]) + 1
        while len(marked) < new:
            marked.append(None)
        marked.append(figure)
        ops[start] = pikepdf.ContentStreamInstruction(
            [pikepdf.Name("/Figure"), pikepdf.Dictionary(MCID=new)], pikepdf.Operator("BDC"))
        page.Contents = pdf.make_stream(pikepdf.unparse_content_stream(ops))
        figure.K = new
        done += 1
    return done


def _figures_without_content(node) -> list:
    found = []
    if isinstance(node, pikepdf.Dictionary):
        if node.get("/S") == "/Figure" and "/K" not in node:
            found.append(node)
        kids = node.get("/K")
        if kids is not None:
            found += _figures_without_content(kids)
    elif isinstance(node, pikepdf.Array):
        for kid in node:
            found += _figures_without_content(kid)
    return found


def _caption_of(figure):
    """Return the structure element after the figure (or after its only-child container)."""
    element = figure
    while True:
        parent = element.get("/P")
        kids = parent.get("/K") if parent is not None else None
        if not isinstance(kids, pikepdf.Array):
            return None
        index = next((i for i, kid in enumerate(kids)
                      if isinstance(kid, pikepdf.Dictionary) and kid.objgen == element.objgen), None)
        if index is None:
            return None
        if index + 1 < len(kids):
            return kids[index + 1]
        if len(kids) != 1:
            return None
        element = parent  # LibreOffice wraps the figure in its paragraph ("Captioned Figure")


def _first_mcid(element) -> int | None:
    kids = element.get("/K") if isinstance(element, pikepdf.Dictionary) else None
    for kid in kids if isinstance(kids, pikepdf.Array) else [kids]:
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


def _icc_date(stamp: dt.datetime) -> bytes:
    fields = (stamp.year, stamp.month, stamp.day, stamp.hour, stamp.minute, stamp.second)
    return b"".join(v.to_bytes(2, "big") for v in fields)
