"""Normalise stage: make LibreOffice's PDF reproducible and its metadata the plan's own.

LibreOffice stamps the conversion time into /Info, the XMP packet and the sRGB colour profile,
and derives /ID from the time. Here they become the plan's date and a content hash, so the
same sources give the same bytes; title, author, subject and language are asserted as well,
the PDF/UA identification gets the extension schema PDF/A requires, and the structure tree is
repaired for screen readers (see pdf_tags).
"""

from __future__ import annotations

import datetime as dt
import io

import pikepdf

from pipeline.sources import model as m
from pipeline.errors import ConversionError
from pipeline.pdf.tags import repair_tags

ICC_DATE = slice(24, 36)  # dateTimeNumber in the ICC profile header


def normalise_pdf(data: bytes, plan: m.Plan, docx: bytes | None = None, target: str = "PDF:en",
                  shown: list | None = None, subject: str | None = None) -> bytes:
    """Return the PDF with fixed dates, deterministic /ID, the plan's metadata and a repaired tag tree.

    With `docx`, the repaired document is proofread against it before it is saved (see
    proofread); the pages' content is read once for the repairs and the proofreading. `shown`,
    if given, receives what the proofreading read (proofread.Actual: headings and their pages).
    """
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
        pdf.docinfo["/Subject"] = subject or f"Verksamhetsplan och budget {plan.year}"
        pdf.Root.Lang = pikepdf.String("sv-SE")
        if "/DocChecksum" in pdf.trailer:  # LibreOffice's checksum of the time-stamped file
            del pdf.trailer["/DocChecksum"]
        if "/ID" in pdf.trailer:  # LibreOffice derives it from the time; rebuilt from content below
            del pdf.trailer["/ID"]
        marks = repair_tags(pdf)  # the bookmarks too: one per tagged heading
        if docx is not None:
            from pipeline.pdf.proofread import check_document
            actual = check_document(docx, pdf, marks, target)
            if shown is not None:
                shown.append(actual)
        iso = stamp.strftime("%Y-%m-%dT%H:%M:%SZ")
        with pdf.open_metadata(set_pikepdf_as_editor=False, update_docinfo=False) as xmp:
            xmp["xmp:CreateDate"] = iso
            xmp["xmp:ModifyDate"] = iso
            xmp["xmp:MetadataDate"] = iso
            xmp["dc:title"] = plan.title
            xmp["dc:language"] = ["sv-SE"]
        describe_pdfua_schema(pdf)
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


PDFUA_EXTENSION = """<rdf:Description xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" rdf:about=""
   xmlns:pdfaExtension="http://www.aiim.org/pdfa/ns/extension/"
   xmlns:pdfaSchema="http://www.aiim.org/pdfa/ns/schema#"
   xmlns:pdfaProperty="http://www.aiim.org/pdfa/ns/property#">
  <pdfaExtension:schemas><rdf:Bag><rdf:li rdf:parseType="Resource">
    <pdfaSchema:schema>PDF/UA Universal Accessibility Schema</pdfaSchema:schema>
    <pdfaSchema:namespaceURI>http://www.aiim.org/pdfua/ns/id/</pdfaSchema:namespaceURI>
    <pdfaSchema:prefix>pdfuaid</pdfaSchema:prefix>
    <pdfaSchema:property><rdf:Seq><rdf:li rdf:parseType="Resource">
      <pdfaProperty:name>part</pdfaProperty:name>
      <pdfaProperty:valueType>Integer</pdfaProperty:valueType>
      <pdfaProperty:category>internal</pdfaProperty:category>
      <pdfaProperty:description>Indicates, which part of ISO 14289 standard is followed</pdfaProperty:description>
    </rdf:li></rdf:Seq></pdfaSchema:property>
  </rdf:li></rdf:Bag></pdfaExtension:schemas>
</rdf:Description>"""


def describe_pdfua_schema(pdf: pikepdf.Pdf) -> None:
    """Describe the pdfuaid schema in the XMP, as PDF/A requires of every schema it does not predefine.

    LibreOffice 7.4 writes pdfuaid:part without the extension schema (fixed in later versions),
    so the file fails PDF/A-2b (veraPDF rule 6.6.2.3.1-1).
    """
    from lxml import etree

    stream = pdf.Root.Metadata
    data = stream.read_bytes()
    if b"http://www.aiim.org/pdfua/ns/id/" not in data or b"pdfaExtension:schemas" in data:
        return
    start, end = data.index(b"<x:xmpmeta"), data.index(b"</x:xmpmeta>") + len(b"</x:xmpmeta>")
    xmp = etree.fromstring(data[start:end])
    rdf = xmp.find("{http://www.w3.org/1999/02/22-rdf-syntax-ns#}RDF")
    rdf.append(etree.fromstring(PDFUA_EXTENSION))
    stream.write(data[:start] + etree.tostring(xmp, encoding="utf-8") + data[end:])


def _icc_date(stamp: dt.datetime) -> bytes:
    fields = (stamp.year, stamp.month, stamp.day, stamp.hour, stamp.minute, stamp.second)
    return b"".join(v.to_bytes(2, "big") for v in fields)
