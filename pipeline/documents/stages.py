"""The document pipeline: the plan, the follow-up and the cover letter go through the same stages.

    Document   what a document is made from and where it goes (plan.py, followup.py, letter.py describe theirs)
    render     the DOCX, with stand-ins for the figures' PNGs (docx.render)
    convert    LibreOffice makes the PDF; meanwhile the PNGs go in and the web page is made
    normalise  the PDF's dates, identity, metadata and tags made its own (pdf.normalize)
    proofread  the PDF read against the DOCX (pdf.proofread); the contents list gets its page numbers
    write      the files written (infra.writer), a progress line each

`make` runs the stages for any number of documents with one LibreOffice session, which keeps
LibreOffice busy: each document is converted while the next is rendered and the previous one is
normalised, proofread and written (LibreOffice.convert_in_turn). Nothing is written until a
document has passed every stage.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline.content.figures import Figure
from pipeline.docx.contents import contents_headings, fill_contents
from pipeline.docx.render import add_pictures, render_docx
from pipeline.errors import ConversionError
from pipeline.infra.writer import write_atomic
from pipeline.paths import display_path


@dataclass(frozen=True)
class Document:
    """One document to make: its template, context, properties, figures and outputs."""

    root: Path                       # the project: the cache lies in it, messages show paths from it
    key: str                         # which one of its kind ("2024", "helar"): the up-to-date record's key
    template: Path                   # the prepared Word template (docx.templates.prepare_template)
    shown: str                       # the original template as messages name it
    context: dict[str, Any]          # what the template sees (plain data)
    properties: dict[str, Any]       # title, subject, author, date, keywords, category: the DOCX's and the PDF's
    figures: dict[str, list[Figure]] = field(default_factory=dict)  # by name, one Figure per part
    outputs: tuple[Path, ...] = ()   # the DOCX, the PDF and (with `page`) the web page, for `write`
    target: str = "PDF:en"           # the PDF as the proofreading's messages name it
    page: Callable[[], bytes] | None = None  # the web page, made while LibreOffice converts
    contents: bool = False           # a contents list, its page numbers read from the PDF
    proofread: bool = True           # read the PDF against the DOCX before anything is written
    # A layout that needs the PDF read back (the cover letter): (DOCX, PDF, convert) → (DOCX, PDF).
    fit: Callable[[bytes, bytes, Callable[[bytes], bytes]], tuple[bytes, bytes]] | None = None

    @property
    def cache(self) -> Path:
        return self.root / "build" / ".cache"


@dataclass(frozen=True)
class Made:
    """A document through every stage: its DOCX, its PDF and its web page (None without one)."""

    document: Document
    docx: bytes
    pdf: bytes
    page: bytes | None


def parts(figures: dict[str, list[Figure]]) -> list[Figure]:
    """Every rendered part of every figure, for add_pictures."""
    return [part for drawn in figures.values() for part in drawn]


def render(document: Document) -> bytes:
    """Render stage: the template filled with the context; the figures' PNGs are stand-ins (see add_pictures).

    LibreOffice draws the figures from their SVG, so it can convert this DOCX while the PNGs that
    older Word versions need are still being rendered.
    """
    return render_docx(document.context, document.template, document.properties, document.cache,
                       document.figures, shown=document.shown)


def with_pictures(document: Document, draft: bytes) -> bytes:
    """The rendered DOCX with its figures' PNGs in place of the stand-ins."""
    return add_pictures(draft, parts(document.figures))


def convert_meanwhile(document: Document, draft: bytes) -> tuple[bytes, bytes | None]:
    """What is made while LibreOffice converts `draft`: the DOCX with its PNGs, and the web page.

    The PDF stages (pikepdf) load here too, while LibreOffice works, not after it (see pdf_stages).
    """
    docx, page = with_pictures(document, draft), document.page() if document.page is not None else None
    import pipeline.pdf.normalize  # noqa: F401
    import pipeline.pdf.proofread  # noqa: F401
    return docx, page


def pdf_stages(document: Document, docx: bytes, raw: bytes):
    """Normalise, then proofread, LibreOffice's PDF of `docx`; return the PDF's bytes and what the proofreading
    read (pdf.proofread.Actual; None for a document not proofread).

    Both stages work on one open document, so its pages are read once: normalising returns the marks it
    read while repairing the tags, and proofreading reads them against the DOCX before the PDF is saved.
    """
    # pikepdf and the PDF stages are imported when a PDF is made (convert_meanwhile has loaded them while
    # LibreOffice converted): a DOCX-only build never loads them.
    from pipeline.pdf.normalize import normalise, opened, saved
    from pipeline.pdf.proofread import check_document
    with opened(raw) as pdf:
        marks = normalise(pdf, document.properties)
        actual = check_document(docx, pdf, marks, document.target) if document.proofread else None
        return saved(pdf), actual


def with_contents(docx: bytes, actual) -> bytes:
    """The DOCX with its contents list filled in from the proofread PDF: headings and their pages."""
    from pipeline.pdf.proofread import heading_pages  # loaded by pdf_stages already (see there)
    return fill_contents(docx, heading_pages(contents_headings(docx), actual))


def make(documents: Iterable[Document], office, keep_docx: bool = False) -> Iterator[Made]:
    """Yield each of `documents` made through every stage, in order; nothing is written.

    `documents` is asked for its next one (described, so rendered) while LibreOffice converts the one
    before. `office` is the LibreOffice session (pdf.libreoffice); with `keep_docx`, a document whose PDF
    cannot be made has its DOCX written (complete and valid) and the error says so.
    """
    guard = _docx_kept_if_no_pdf if keep_docx else _no_guard
    drafts = ((document, render(document)) for document in documents)
    for document, draft, (docx, page), raw in office.convert_in_turn(drafts, convert_meanwhile, _fitted, guard):
        if document.fit is not None:  # laid out again after its PDF was read back: the fitted draft's DOCX
            docx = with_pictures(document, draft)
        with guard(document, draft):
            # a ProofreadError is not a ConversionError: a discrepancy writes nothing at all
            pdf, actual = pdf_stages(document, docx, raw)
        yield Made(document, with_contents(docx, actual) if document.contents else docx, pdf, page)


def write(made: Made) -> list[str]:
    """Write stage: the document's DOCX, PDF and web page; return a Swedish progress line per file."""
    document = made.document
    for path, data in zip(document.outputs, (made.docx, made.pdf, made.page)):
        write_atomic(path, data)
    return [f"Skrev {display_path(path, document.root)}" for path in document.outputs]


def _fitted(document: Document, draft: bytes, pdf: bytes, convert: Callable[[bytes], bytes]):
    """The draft and its PDF after the document's own layout (Document.fit), or as they are."""
    return (draft, pdf) if document.fit is None else document.fit(draft, pdf, convert)


@contextmanager
def _docx_kept_if_no_pdf(document: Document, draft: bytes) -> Iterator[None]:
    """On a failed PDF, write the DOCX (complete and valid) and say that no PDF was made."""
    try:
        yield
    except ConversionError as exc:
        docx = with_pictures(document, draft)
        write_atomic(document.outputs[0], fill_contents(docx) if document.contents else docx)
        raise ConversionError(f"Skrev {display_path(document.outputs[0], document.root)}, men ingen ny PDF: "
                              f"{exc}") from exc


@contextmanager
def _no_guard(document: Document, draft: bytes) -> Iterator[None]:
    yield
