"""Normalise stage: make LibreOffice's PDF reproducible and its metadata the document's own.

LibreOffice stamps the conversion time into /Info, the XMP packet and the sRGB colour profile,
and derives /ID from the time. Here they become the document's date and a content hash, so the
same sources give the same bytes; title, author, subject and language are asserted as well,
the PDF/UA identification gets the extension schema PDF/A requires, and the structure tree is
repaired for screen readers (pdf.tags). Proofreading is a stage of its own (pdf.proofread) that
reads the same open document before it is saved (documents.stages).
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterator
from contextlib import contextmanager

import pikepdf
from lxml import etree

from pipeline.errors import ConversionError
from pipeline.pdf.tags import repair_tags

ICC_DATE = slice(24, 36)  # dateTimeNumber in the ICC profile header


@contextmanager
def opened(data: bytes) -> Iterator[pikepdf.Pdf]:
    """Open LibreOffice's PDF for the stages that change and read it (normalise, proofread)."""
    try:
        pdf = pikepdf.open(io.BytesIO(data))
    except pikepdf.PdfError as exc:
        raise ConversionError(f"LibreOffice skrev en trasig PDF ({exc}).") from exc
    with pdf:
        yield pdf


def normalise(pdf: pikepdf.Pdf, properties: dict) -> list:
    """Give the open PDF fixed dates, the document's metadata and a repaired tag tree; return its pages' marks.

    `properties` are the document's own (title, author, subject, date: the same as its DOCX's). The
    marks are the pages' marked content as the repairs read it (pdf.marks), for the proofreading.
    """
    stamp = dt.datetime.combine(properties["date"], dt.time(0, 0), tzinfo=dt.timezone.utc)
    pdf_date = stamp.strftime("D:%Y%m%d%H%M%SZ")
    pdf.docinfo["/CreationDate"] = pdf_date
    pdf.docinfo["/ModDate"] = pdf_date
    pdf.docinfo["/Title"] = properties["title"]
    pdf.docinfo["/Author"] = properties["author"]
    pdf.docinfo["/Subject"] = properties["subject"]
    pdf.Root.Lang = pikepdf.String("sv-SE")
    if "/DocChecksum" in pdf.trailer:  # LibreOffice's checksum of the time-stamped file
        del pdf.trailer["/DocChecksum"]
    if "/ID" in pdf.trailer:  # LibreOffice derives it from the time; rebuilt from content when saved
        del pdf.trailer["/ID"]
    marks = repair_tags(pdf)  # the bookmarks too: one per tagged heading
    iso = stamp.strftime("%Y-%m-%dT%H:%M:%SZ")
    with pdf.open_metadata(set_pikepdf_as_editor=False, update_docinfo=False) as xmp:
        xmp["xmp:CreateDate"] = iso
        xmp["xmp:ModifyDate"] = iso
        xmp["xmp:MetadataDate"] = iso
        xmp["dc:title"] = properties["title"]
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
    return marks


def saved(pdf: pikepdf.Pdf) -> bytes:
    """Return the open PDF's bytes: the same document gives the same bytes (/ID from its content)."""
    out = io.BytesIO()
    pdf.save(out, deterministic_id=True, compress_streams=True, object_stream_mode=pikepdf.ObjectStreamMode.preserve)
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
