"""The workbench's one door into the pipeline: every pipeline function it calls, and nothing else.

The rest of the workbench imports the pipeline only through this module, so a move of the
pipeline's modules (issue 27) changes the imports here and nothing else. Each function is the
same call the command line makes for the step of the same name (pipeline/cli.py), so the
workbench writes what the command writes, byte for byte.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import docx as python_docx

from pipeline.archive.archiving import archive, archive_follow_up
from pipeline.checks.rules import activities_written
from pipeline.checks.run import check
from pipeline.content.formatting import amount
from pipeline.documents.followup import build_follow_up
from pipeline.documents.plan import build, build_outputs, make_html
from pipeline.errors import ConversionError, PipelineError, Problem, ProofreadError, SourceErrors
from pipeline.infra.uptodate import inputs_digest, is_current
from pipeline.infra.writer import write_atomic
from pipeline.paths import display_path, html_path, output_paths, year_dir
from pipeline.pdf.libreoffice import LibreOffice, LibreOfficeMissing
from pipeline.returned.comments import run_comments
from pipeline.returned.compare import DEFAULT_AUTHOR, DEFAULT_ENGINE, run_compare
from pipeline.returned.safezip import MAX_FILE_BYTES, SafeDocx, UnsafeDocument
from pipeline.sources import model as models
from pipeline.sources.load import CONTENT_FILES, FOLLOW_UP_PREFIX, ROUND_FILE, PlanSources
from pipeline.yearly.identities import ACTIVITY_FILES, new_identity as _activity_identity
from pipeline.yearly.round import prepare_round

__all__ = [
    "Checked", "ConversionError", "DEFAULT_AUTHOR", "LibreOffice", "LibreOfficeMissing", "MAX_FILE_BYTES",
    "PipelineError", "PlanSources", "Problem", "ProofreadError", "SourceErrors", "UnsafeDocument",
    "archive_plan", "archive_the_follow_up", "build_plan", "check_sources", "compare_versions",
    "compilation_tables", "compile_answers", "display_path", "documents", "follow_up", "inputs_digest",
    "output_paths", "preview", "send_round", "verify_word_file", "write_atomic", "year_dir",
    "ACTIVITY_FILES", "amount", "activities_written", "models", "new_identity", "source_model",
]


@dataclass
class Checked:
    """What `check ÅR` says about the sources, and the plan's sources when the plan can be built."""

    problems: list[Problem] = field(default_factory=list)
    sources: PlanSources | None = None


def check_sources(root: Path, year: str) -> Checked:
    """Return every problem `check ÅR` prints, and the sources the plan builds from (None if it cannot).

    The follow-up's and the round's problems are shown but do not stop the plan (as in `build`).
    """
    try:
        return Checked([], check(root, year))
    except SourceErrors as every:
        try:
            return Checked(every.problems, check(root, year, follow_ups=False, round_file=False))
        except SourceErrors:
            return Checked(every.problems, None)


def preview(root: Path, sources: PlanSources) -> bytes:
    """Return the plan's web page, the bytes `build` writes to build/ÅR/verksamhetsplan-ÅR.html."""
    return make_html(root, sources)


def documents(root: Path, sources: PlanSources, office: LibreOffice) -> tuple[bytes, bytes]:
    """Return the DOCX and the proofread PDF/A `build` writes (raise ProofreadError on a mismatch)."""
    return build_outputs(root, sources, office=office)


def build_plan(root: Path, year: str, soffice_url: str | None, force: bool = False) -> Iterator[str]:
    """Build the year's plan as `python -m pipeline build ÅR` (make plan-ÅR) does; yield its lines."""
    docx_path, pdf_path = output_paths(root, year)
    outputs = [docx_path, pdf_path, html_path(root, year)]
    digest = inputs_digest(root, year)
    if not force and is_current(year, outputs, digest):
        yield f"{year}: inget har ändrats sedan förra bygget ({display_path(outputs[-1], root)} är aktuell)."
        return
    yield from build(root, [year], soffice_url=soffice_url, digests={str(year): digest})


def send_round(root: Path, year: str, soffice_url: str | None) -> list[str]:
    """Make the draft round (`round ÅR`); return its lines."""
    return prepare_round(root, year, soffice_url=soffice_url)


def verify_word_file(path: Path) -> None:
    """Raise UnsafeDocument (a Swedish reason) unless `path` is a Word file the safe reader opens."""
    with SafeDocx(path):
        pass


def compile_answers(root: Path, year: str, files: list[Path], out: Path) -> tuple[list[str], list[str], int]:
    """Compile returned files as `comments FILER --out UT --år ÅR` does: (warnings, written, exit code)."""
    return run_comments(root, files, out, year=year)


def compilation_tables(path: Path) -> dict[str, list[list[str]]]:
    """Return the compilation's overview and file tables (rows with their header) as its DOCX shows them."""
    document = python_docx.Document(str(path))
    tables: dict[str, list[list[str]]] = {}
    heading = ""
    body = document.element.body
    for element in body.iterchildren():
        tag = element.tag.rsplit("}", 1)[-1]
        if tag == "p":  # the table's heading is the paragraph before it
            heading = "".join(element.xpath(".//w:t/text()")).strip() or heading
        elif tag == "tbl" and heading in ("Översikt", "Filer", "Filer som inte kunde läsas") and heading not in tables:
            tables[heading] = [["".join(cell.xpath(".//w:t/text()")) for cell in row.xpath("./w:tc")]
                               for row in element.xpath("./w:tr")]
    return tables


def compare_versions(old: Path, new: Path, out: Path) -> list[str]:
    """Compare two versions as `compare GAMMAL NY --out UT` does; return its lines."""
    return run_compare(old, new, out, engine=DEFAULT_ENGINE, author=DEFAULT_AUTHOR)


def archive_plan(root: Path, year: str, soffice_url: str | None, anyway: bool = False,
                 delivery: str | None = None) -> list[str]:
    """Archive the decided plan (`archive ÅR [--trots-ändringar] [--leverans zip|tar]`); return its lines."""
    return archive(root, year, soffice_url=soffice_url, anyway=anyway, delivery=delivery)


def archive_the_follow_up(root: Path, year: str, occasion: str, soffice_url: str | None, anyway: bool = False,
                          delivery: str | None = None) -> list[str]:
    """Archive a follow-up (`archive ÅR --uppföljning TILLFÄLLE ...`); return its lines."""
    return archive_follow_up(root, year, occasion, soffice_url=soffice_url, anyway=anyway, delivery=delivery)


def follow_up(root: Path, year: str, occasion: str | None, soffice_url: str | None) -> list[str]:
    """Build the follow-up (`follow-up ÅR [--tillfälle T]`); return its lines."""
    return build_follow_up(root, year, occasion, soffice_url=soffice_url)


# --- for the editing forms (issue 30) ---------------------------------------------------------------------

SHARED_MODELS = {"kommuner.yaml": models.MunicipalitiesFile, "natverk.yaml": models.NetworksFile,
                 "samverkan.yaml": models.CollaborationFile}


def source_model(name: str) -> type[models.Model] | None:
    """The model a YAML source file of this name is read as (None: no source file of the plan)."""
    if name == "plan.yaml":
        return models.Plan
    for filename, cls in CONTENT_FILES.values():
        if name == filename:
            return cls
    if name == ROUND_FILE:
        return models.RoundFile
    if name.startswith(FOLLOW_UP_PREFIX) and name.endswith(".yaml"):
        return models.FollowUpFile
    return SHARED_MODELS.get(name)


def new_identity(filename: str, seed: str, taken: set[str]) -> str | None:
    """A new activity identity (`id`) for an activity of `filename`, as `ids ÅR` gives one; None if the
    file holds no activities."""
    prefix = ACTIVITY_FILES.get(filename)
    return None if prefix is None else _activity_identity(prefix, seed, taken)
