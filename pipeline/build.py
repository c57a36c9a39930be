"""Orchestrator: load and check everything first, then render, convert and write.

    sources → load → checks → context → render (DOCX) → pdf (LibreOffice) → normalize → writer
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from .checks import check_plan
from .errors import ConversionError, SourceErrors
from .context import build_context
from .figures import Figure, build_graph, referenced_figures, render_figure
from .load import PlanSources, load_plan
from .paths import display_path, output_paths
from .render import render_docx
from .templates import lint_template
from .uptodate import inputs_digest, remember
from .writer import write_atomic


def check(root: Path, year: int | str) -> PlanSources:
    """Return the validated sources of `year`; raise SourceErrors listing every problem."""
    sources = load_plan(root, year)
    check_plan(sources)
    return sources


def make_docx(root: Path, sources: PlanSources, template: Path | None = None) -> bytes:
    """Return the plan's DOCX bytes."""
    template = template or root / "templates" / "verksamhetsplan.docx"
    lint_template(template)
    plan = sources.plan
    properties = {"title": plan.title, "subject": f"Verksamhetsplan och budget {plan.year}",
                  "author": plan.organisation, "date": plan.date,
                  "keywords": f"verksamhetsplan; budget; Södertörn; {plan.year}",
                  "category": "Beslutad" if plan.status == "beslutad" else f"Utkast {plan.version}"}
    cache = root / "build" / ".cache"
    return render_docx(build_context(sources), template, properties, cache,
                       make_figures(sources, cache))


def make_figures(sources: PlanSources, cache: Path) -> dict[str, Figure]:
    """Return every figure the plan's texts refer to, rendered."""
    names = {name for text in sources.texts.values() for _, name in referenced_figures(text)}
    return {name: render_figure(build_graph(name, sources), cache) for name in sorted(names)}


def build_outputs(root: Path, sources: PlanSources, soffice_url: str | None = None) -> tuple[bytes, bytes]:
    """Return the DOCX and the normalised PDF of checked `sources` (nothing written)."""
    from .normalize import normalise_pdf
    from .pdf import LibreOffice
    with LibreOffice(soffice_url) as office:  # boots while the DOCX is rendered
        data = make_docx(root, sources)
        return data, normalise_pdf(office.convert(data), sources.plan)


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
    from .pdf import open_session
    own = office is None and not docx_only
    if own:
        office = open_session(soffice_url)
    out_dir = out_dir if len(years) == 1 else None
    try:
        digests = digests or {str(year): inputs_digest(root, year) for year in years}
        checked = _check_all(root, years)
        if docx_only:
            for sources in checked:
                docx_path, _ = output_paths(root, sources.year, out_dir)
                write_atomic(docx_path, make_docx(root, sources))
                remember(sources.year, [docx_path], digests[str(sources.year)])
                yield f"Skrev {display_path(docx_path, root)}"
            return
        pending = None  # (sources, docx bytes, waiting function) of the document in LibreOffice
        for sources in checked + [None]:
            data = make_docx(root, sources) if sources is not None else None
            # Collect the previous PDF, hand LibreOffice the next document at once, and only
            # then normalise and write the previous one, so that LibreOffice never waits for us.
            done = _collect(root, pending, out_dir) if pending is not None else None
            pending = None
            if sources is not None:
                with _docx_kept_if_no_pdf(root, output_paths(root, sources.year, out_dir)[0], data):
                    if isinstance(office, Exception):
                        raise office
                    pending = (sources, data, office.submit(data))
            if done is not None:
                yield from _write(root, *done, out_dir, digests)
    finally:
        if own and not isinstance(office, Exception):
            office.close()


@contextmanager
def _docx_kept_if_no_pdf(root: Path, docx_path: Path, data: bytes) -> Iterator[None]:
    """On a failed PDF, write the DOCX (complete and valid) and say that no PDF was made."""
    try:
        yield
    except ConversionError as exc:
        write_atomic(docx_path, data)
        raise ConversionError(f"Skrev {display_path(docx_path, root)}, men ingen ny PDF: {exc}") from exc


def _collect(root: Path, pending, out_dir: Path | None) -> tuple:
    """Wait for a submitted document's PDF; return (sources, docx bytes, raw PDF bytes)."""
    sources, data, wait = pending
    with _docx_kept_if_no_pdf(root, output_paths(root, sources.year, out_dir)[0], data):
        return sources, data, wait()


def _write(root: Path, sources: PlanSources, data: bytes, pdf: bytes, out_dir: Path | None,
           digests: dict) -> Iterator[str]:
    """Write a document's DOCX and normalised PDF."""
    from .normalize import normalise_pdf  # pikepdf: not imported by DOCX-only builds
    docx_path, pdf_path = output_paths(root, sources.year, out_dir)
    with _docx_kept_if_no_pdf(root, docx_path, data):
        pdf = normalise_pdf(pdf, sources.plan)
    write_atomic(docx_path, data)
    write_atomic(pdf_path, pdf)
    remember(sources.year, [docx_path, pdf_path], digests[str(sources.year)])
    yield f"Skrev {display_path(docx_path, root)}"
    yield f"Skrev {display_path(pdf_path, root)}"


def _check_all(root: Path, years: list[int | str]) -> list[PlanSources]:
    """Return the checked sources of every year, or raise with the problems of all of them."""
    checked, problems = [], []
    for year in years:
        try:
            checked.append(check(root, year))
        except SourceErrors as exc:
            problems += exc.problems
    if problems:
        raise SourceErrors(problems)
    return checked
