"""Orchestrator: load and check everything first, then render, convert, proofread and write.

    sources → load → checks → context → render (DOCX) → pdf (LibreOffice) → normalize → proofread → writer
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from pipeline.checks.rules import plan_problems
from pipeline.errors import ConversionError, SourceErrors
from pipeline.docx.contents import contents_headings, fill_contents
from pipeline.content.context import build_context
from pipeline.content.figures import Figure, make_figure
from pipeline.sources.load import PlanSources, read_plan
from pipeline.paths import display_path, html_path, output_paths
from pipeline.docx.render import add_pictures, render_docx
from pipeline.docx.templates import prepare_template
from pipeline.infra.uptodate import inputs_digest, remember
from pipeline.infra.writer import write_atomic

WORKERS = 4  # Graphviz and pandoc processes run at once


def check(root: Path, year: int | str, follow_ups: bool = True, round_file: bool = True) -> PlanSources:
    """Return the validated sources of `year`; raise SourceErrors listing every problem of every file.

    Without `follow_ups`, the year's follow-up files are not held against it: the plan (its build, its
    round, its archive) does not depend on them, and a follow-up being written must not stop it.
    Without `round_file`, neither is the round file (remiss.yaml): only `round` needs it.
    """
    from pipeline.checks.rules import follow_up_problems, round_problems
    sources = read_plan(root, year)
    problems = sources.problems + plan_problems(sources)
    if round_file:
        problems += round_problems(sources)
    if follow_ups:
        problems += follow_up_problems(sources)
    if problems or not sources.complete:
        raise SourceErrors(problems)
    return sources


def make_docx(root: Path, sources: PlanSources, template: Path | None = None) -> bytes:
    """Return the plan's DOCX bytes (its contents list without page numbers: no PDF was laid out)."""
    data, figures = render_plan(root, sources, template)
    return fill_contents(add_pictures(data, parts(figures)))


def with_contents(data: bytes, actual) -> bytes:
    """The DOCX with its contents list filled in from the proofread PDF: headings and their pages."""
    from pipeline.pdf.proofread import heading_pages
    return fill_contents(data, heading_pages(contents_headings(data), actual))


def make_html(root: Path, sources: PlanSources, figures: dict[str, list[Figure]] | None = None) -> bytes:
    """Return the plan's web page (html.py): the same context, its own template, figures inline
    (those `render_plan` made, or made here)."""
    from pipeline.web.html import render_html
    if figures is None:
        figures = make_figures(sources, root / "build" / ".cache")
    return render_html(root, sources, figures)


def parts(figures: dict[str, list[Figure]]) -> list[Figure]:
    """Every rendered part of every figure, for add_pictures."""
    return [part for drawn in figures.values() for part in drawn]


def render_plan(root: Path, sources: PlanSources,
                template: Path | None = None) -> tuple[bytes, dict[str, list[Figure]]]:
    """Return the plan's DOCX with stand-ins for its figures' PNGs, and the figures by name (see add_pictures).

    LibreOffice draws the figures from their SVG, so it can convert this DOCX while the PNGs
    that older Word versions need are still being rendered.
    """
    original = template or root / "templates" / "verksamhetsplan.docx"
    cache = root / "build" / ".cache"
    template = prepare_template(original, cache, display_path(original, root))  # styles found by name, settings set, placeholders checked
    plan = sources.plan
    properties = {"title": plan.title, "subject": f"Verksamhetsplan och budget {plan.year}",
                  "author": plan.organisation, "date": plan.date,
                  "keywords": f"verksamhetsplan; budget; Södertörn; {plan.year}",
                  "category": "Beslutad" if plan.status == "beslutad" else f"Utkast {plan.version}"}
    figures = make_figures(sources, cache)
    data = render_docx(build_context(sources), template, properties, cache, figures,
                       shown=display_path(original, root))
    return data, figures


def make_figures(sources: PlanSources, cache: Path) -> dict[str, list[Figure]]:
    """Return every figure the plan's texts refer to, rendered (one Figure per part).

    Graphviz runs for several figures at once (threads waiting on processes): a clean build
    renders all of them while LibreOffice starts.
    """
    from concurrent.futures import ThreadPoolExecutor
    from pipeline.content.markdown_tree import figure_names
    names = sorted({name for text in sources.texts.values() for name in figure_names(text, cache)})
    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        return dict(zip(names, pool.map(lambda name: make_figure(name, sources, cache), names)))


def build_outputs(root: Path, sources: PlanSources, soffice_url: str | None = None,
                  office=None) -> tuple[bytes, bytes]:
    """Return the DOCX and the normalised PDF of checked `sources` (nothing written).

    `office` is a LibreOffice session the caller holds; without one, one is started here.
    """
    from contextlib import nullcontext

    from pipeline.pdf.normalize import normalise_pdf
    from pipeline.pdf.libreoffice import LibreOffice
    with nullcontext(office) if office is not None else LibreOffice(soffice_url) as office:  # boots while the DOCX is rendered
        data, figures = render_plan(root, sources)
        data = add_pictures(data, parts(figures))
        raw = office.convert(data)
    target = display_path(output_paths(root, sources.year)[1], root)
    shown: list = []
    pdf = normalise_pdf(raw, sources.plan, docx=data, target=target, shown=shown)
    return with_contents(data, shown[0]), pdf


def build(root: Path, years: list[int | str], out_dir: Path | None = None, docx_only: bool = False,
          soffice_url: str | None = None, office=None, digests: dict | None = None) -> Iterator[str]:
    """Build the plans of `years`; yield one Swedish progress line per written file.

    All years are checked before anything is written. One LibreOffice session serves every
    PDF of the run: it boots while the first DOCX is rendered, and converts each document
    while the next one is rendered and the previous one is normalised and written. `office`
    is a session (or the reason there is none) that the caller opened early and closes itself.
    `digests` are the inputs' digests taken before the build (see uptodate); they are recorded
    with the outputs.
    """
    from pipeline.pdf.libreoffice import open_session
    own = office is None and not docx_only
    if own:
        office = open_session(soffice_url)
    out_dir = out_dir if len(years) == 1 else None
    try:
        digests = digests or {str(year): inputs_digest(root, year) for year in years}
        checked = check_all(root, years, follow_ups=False, round_file=False)
        if docx_only:
            for sources in checked:
                docx_path, _ = output_paths(root, sources.year, out_dir)
                write_atomic(docx_path, make_docx(root, sources))
                remember(sources.year, [docx_path], digests[str(sources.year)])
                yield f"Skrev {display_path(docx_path, root)}"
            return
        pending = None  # (sources, docx bytes, web page, waiting function) of the document in LibreOffice
        for sources in checked + [None]:
            rendered = render_plan(root, sources) if sources is not None else None
            # Collect the previous PDF, hand LibreOffice the next document at once, and only
            # then normalise and write the previous one, so that LibreOffice never waits for us.
            done = _collect(root, pending, out_dir) if pending is not None else None
            pending = None
            if sources is not None:
                draft, figures = rendered
                with _docx_kept_if_no_pdf(root, output_paths(root, sources.year, out_dir)[0],
                                          lambda: fill_contents(add_pictures(draft, parts(figures)))):
                    if isinstance(office, Exception):
                        raise office
                    wait = office.submit(draft)
                # the figures' PNGs and the web page are made while LibreOffice converts
                pending = (sources, add_pictures(draft, parts(figures)), make_html(root, sources, figures), wait)
            if done is not None:
                yield from _write(root, *done, out_dir, digests)
    finally:
        if own and not isinstance(office, Exception):
            office.close()


@contextmanager
def _docx_kept_if_no_pdf(root: Path, docx_path: Path, data: bytes | Callable[[], bytes]) -> Iterator[None]:
    """On a failed PDF, write the DOCX (complete and valid) and say that no PDF was made."""
    try:
        yield
    except ConversionError as exc:
        write_atomic(docx_path, data() if callable(data) else data)
        raise ConversionError(f"Skrev {display_path(docx_path, root)}, men ingen ny PDF: {exc}") from exc


def _collect(root: Path, pending, out_dir: Path | None) -> tuple:
    """Wait for a submitted document's PDF; return (sources, docx bytes, web page, raw PDF bytes)."""
    from pipeline.pdf import normalize  # noqa: F401  (pikepdf and the PDF stages load while LibreOffice works)
    sources, data, page, wait = pending
    with _docx_kept_if_no_pdf(root, output_paths(root, sources.year, out_dir)[0], lambda: fill_contents(data)):
        return sources, data, page, wait()


def _write(root: Path, sources: PlanSources, data: bytes, page: bytes, pdf: bytes, out_dir: Path | None,
           digests: dict) -> Iterator[str]:
    """Write a document's DOCX, normalised PDF and web page, once the PDF has been proofread against the DOCX."""
    from pipeline.pdf.normalize import normalise_pdf  # pikepdf: not imported by DOCX-only builds
    docx_path, pdf_path = output_paths(root, sources.year, out_dir)
    shown: list = []
    with _docx_kept_if_no_pdf(root, docx_path, lambda: fill_contents(data)):
        # a ProofreadError is not a ConversionError: a discrepancy writes nothing at all
        pdf = normalise_pdf(pdf, sources.plan, docx=data, target=display_path(pdf_path, root), shown=shown)
    page_path = html_path(root, sources.year, out_dir)
    write_atomic(docx_path, with_contents(data, shown[0]))
    write_atomic(pdf_path, pdf)
    write_atomic(page_path, page)
    remember(sources.year, [docx_path, pdf_path, page_path], digests[str(sources.year)])
    yield f"Skrev {display_path(docx_path, root)}"
    yield f"Skrev {display_path(pdf_path, root)}"
    yield f"Skrev {display_path(page_path, root)}"


def check_all(root: Path, years: list[int | str], follow_ups: bool = True,
              round_file: bool = True) -> list[PlanSources]:
    """Return the checked sources of every year, or raise with the problems of all of them."""
    checked, problems = [], []
    for year in years:
        try:
            checked.append(check(root, year, follow_ups, round_file))
        except SourceErrors as exc:
            problems += exc.problems
    if problems:
        raise SourceErrors(problems)
    return checked
