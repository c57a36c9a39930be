"""Archive: the decided plan (and each follow-up) as an E-ARK information package, never overwritten.

`archive YEAR` writes, for a `beslutad` plan only, one information package by E-ARK CSIP 2.1.0 +
SIP 2.1.0 (= FGS Paketstruktur 2.0), built by archive/eark.py: the folder
archive/verksamhetsplan-ÅR-beslutad-DATUM/ (its OBJID) with METS.xml, the PDF/A and the web page
as two representations, Dublin Core, PREMIS (the git revision and SHA-256 of every source file
and template, the programs), schemas and documentation; and beside it
archive/verksamhetsplan-ÅR-beslutad-DATUM.sha256, every file's checksum for `sha256sum -c`.
`archive YEAR --uppföljning TILLFÄLLE` does the same for a follow-up. `--leverans zip|tar` also
writes the package as one file for delivery, build/leverans/OBJID.zip (or .tar).

What the archive promises is its content: exactly the files the package's METS files list, each
as written. The files are written read-only, but a read-only bit is not part of the promise (git
and most copies do not keep it), so it is not checked.

`verify-archive` checks every package against its own METS files (every listed file present with
its size and SHA-256, nothing unlisted, every METS file well formed), its descriptive record, its
PREMIS checksums and its .sha256 list, and (in a git checkout) archived files changed since they
were committed. Folders of the older format (archive/ÅR/ with metadata.json and SHA256SUMS, and
archive/ÅR-uppfoljning-TILLFÄLLE/) are still verified as they were; they are not rewritten.
A second `archive YEAR` first verifies what is archived, so that it tells a damaged archive
(restore it) apart from a plan whose sources changed after the decision (name the files).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import importlib.metadata
import io
import json
import os
import platform
import re
import shutil
import subprocess
import tempfile
import tomllib
from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path

import pikepdf

from pipeline.archive import eark
from pipeline.archive.delivery import Delivery, read_delivery
from pipeline.errors import PipelineError
from pipeline.content.formatting import counted
from pipeline.checks.run import check
from pipeline.documents.plan import build_outputs, make_html
from pipeline.infra.writer import write_atomic
from pipeline.documents.followup import make_follow_up
from pipeline.pdf.libreoffice import LibreOffice
import pipeline

SUMS = "SHA256SUMS"
METADATA = "metadata.json"
_SUM_LINE = re.compile(r"([0-9a-f]{64}) [ *](.+)")
PLAN_PACKAGE = re.compile(r"verksamhetsplan-(\d{4})-beslutad-\d{4}-\d{2}-\d{2}")
FOLLOW_UP_PACKAGE = re.compile(r"uppfoljning-(\d{4})-([a-zåäö]+)-\d{4}-\d{2}-\d{2}")
SIDECAR = ".sha256"
DELIVERY_FORMATS = ("zip", "tar")
# The libraries whose versions the PREMIS record names beside LibreOffice and Python.
LIBRARIES = ("python-docx", "docxtpl", "docxcompose", "pikepdf", "pypandoc-binary", "lxml")


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


NOT_IN_GIT = "okänd (inte en git-utcheckning): källfilerna kan inte spåras till en version"


@dataclass
class Trace:
    """Which version of its sources an archived document can be traced to (the package's PREMIS record)."""

    revision: str                                        # the commit, or why there is none
    uncommitted: list[str] = field(default_factory=list)  # archived anyway with these changes


def trace_sources(root: Path, files: list[str], what: str, anyway: bool) -> tuple[Trace, list[str]]:
    """Return the git version `files` (paths from `root`) are committed in, and lines to tell the user.

    Raise when some have changes not committed to git, naming each, unless `anyway`; then the
    trace says so. Outside git the document cannot be traced: said, and archived all the same.
    """
    def git(*args: str) -> subprocess.CompletedProcess | None:
        try:
            return subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True, timeout=60)
        except (OSError, subprocess.TimeoutExpired):
            return None
    head, top = git("rev-parse", "HEAD"), git("rev-parse", "--show-toplevel")
    if head is None or head.returncode != 0 or top is None or top.returncode != 0:
        return Trace(NOT_IN_GIT), ["Inte en git-utcheckning: det arkiverade dokumentet kan inte spåras till en "
                                   "version av källfilerna (paketets PREMIS-post säger det). Arkiverar ändå."]
    status = git("status", "--porcelain", "-z", "--untracked-files=all", "--", *files)
    toplevel = Path(top.stdout.strip()).resolve()
    changed: dict[str, str] = {}
    for entry in (status.stdout if status is not None else "").split("\0"):
        code, path = entry[:2], entry[3:]
        if len(entry) < 4 or "D" in code or not code.strip():
            continue
        shown = (toplevel / path).resolve().relative_to(root.resolve()).as_posix() \
            if (toplevel / path).resolve().is_relative_to(root.resolve()) else path
        changed[shown] = "ny, inte incheckad" if code == "??" else "ändrad"
    revision = head.stdout.strip()
    if not changed:
        return Trace(revision), []
    if not anyway:
        raise PipelineError("\n".join([
            f"{what} arkiveras inte: filer som den byggs av har ändringar som inte är incheckade i git, så det "
            f"arkiverade dokumentet kunde inte spåras till en version av dem:",
            *(f"  {path}: {how}" for path, how in sorted(changed.items())),
            "Checka in ändringarna (git add, git commit) och arkivera igen, eller arkivera ändå med "
            "--trots-ändringar (paketets PREMIS-post säger då att källfilerna inte var incheckade)."]))
    files_shown = sorted(changed)
    return Trace(revision, files_shown), [
        f"Arkiverar trots ändringar som inte är incheckade: {', '.join(files_shown)} (paketets PREMIS-post säger det)."]


def plan_files(root: Path, sources, follow_up: str | None = None) -> list[str]:
    """The files (paths from `root`) a plan, or its follow-up `follow_up`, is built from: its sources,
    the templates it uses, and the program when it lies in the project's folder."""
    keep = {"remiss", *(f"uppfoljning-{o}" for o in sources.follow_ups if o != follow_up)}
    files = [f.display for name, f in sources.files.items() if name not in keep] + list(sources.text_paths.values())
    kind = "uppfoljning" if follow_up else "verksamhetsplan"
    files += [p.relative_to(root).as_posix() for p in sorted((root / "templates").glob("*"))
              if p.is_file() and p.suffix != ".md" and not p.name.startswith("missiv")
              and (p.name.startswith((kind, "webbsida")) or p.name == "verksamhetsplan.css")]
    program = Path(pipeline.__file__).resolve().parent
    if program.is_relative_to(root.resolve()):
        files.append(program.relative_to(root.resolve()).as_posix())
        if (program.parent / "pyproject.toml").is_file() and program.parent.is_relative_to(root.resolve()):
            files.append((program.parent / "pyproject.toml").relative_to(root.resolve()).as_posix())
    return sorted(set(files))


def source_files(root: Path, year: int | str) -> dict[str, str]:
    """SHA-256 of every file the plan of `year` is made from: its sources, the shared data, the templates."""
    out = {}
    for folder in (root / "sources" / str(year), root / "sources" / "gemensamt", root / "templates"):
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            out[path.relative_to(root).as_posix()] = sha256(path.read_bytes())
    return out


# --- archiving ----------------------------------------------------------------------------------

def archive(root: Path, year: int | str, soffice_url: str | None = None, anyway: bool = False,
            delivery: str | None = None) -> list[str]:
    """Build and archive the decided plan of `year` as an information package; return Swedish report lines.

    Refused when a file the plan is made from has changes not committed to git, unless `anyway`."""
    sources = check(root, year, follow_ups=False, round_file=False)
    plan = sources.plan
    if plan.status != "beslutad":
        raise PipelineError(f"Planen för {year} är ett utkast (version {plan.version}); bara en beslutad plan "
                            f"arkiveras. Sätt 'status: beslutad' och 'beslutsdatum' i sources/{year}/plan.yaml.")
    objid = f"verksamhetsplan-{year}-beslutad-{plan.decided_on.isoformat()}"
    settings = read_delivery(root, plan.organisation)
    folder = _archived(root, f"verksamhetsplan-{year}-beslutad-", str(year))
    trace, told = (Trace(""), []) if folder is not None else \
        trace_sources(root, plan_files(root, sources), f"Planen för {year}", anyway)
    if folder is not None:
        damage = verify_folder(root, folder)
        if damage:
            raise PipelineError("\n".join([f"archive/{folder.name} är skadat; det är arkivet som har ändrats, inte planen:",
                                 *damage, "Arkivet skrivs aldrig om. Återställ mappen från säkerhetskopian eller git "
                                 f"(git checkout -- archive/{folder.name}) och kör verify-archive."]))
    _, pdf = build_outputs(root, sources, soffice_url=soffice_url)
    digest = sha256(pdf)
    page = make_html(root, sources)
    if folder is not None:
        return _already_archived(root, year, folder, digest) + _deliver(root, folder, delivery)
    doc = _document(root, year, plan, objid, pdf, page, settings, trace, kind="Verksamhetsplan och budget",
                    title=plan.title, date=plan.decided_on, status="beslutad")
    files = _write_package(root, str(year), doc)
    return [*told, f"Arkiverade {plan.title} som informationspaket (E-ARK, FGS Paketstruktur 2.0) i archive/{objid}/",
            f"PDF:en: archive/{objid}/{_pdf_path(doc)}", f"SHA-256: {digest}",
            f"Kontrollsummor för sha256sum -c: archive/{objid}{SIDECAR} ({counted(len(files), 'fil', 'filer')})"] \
        + _deliver(root, root / "archive" / objid, delivery)


def _archived(root: Path, prefix: str, old_name: str) -> Path | None:
    """The folder that archives a document already: a package whose name starts with `prefix`, or the older format's."""
    base = root / "archive"
    packages = sorted(p for p in base.glob(f"{prefix}*") if p.is_dir()) if base.is_dir() else []
    if packages:
        return packages[0]
    return base / old_name if (base / old_name).is_dir() else None


def _document(root: Path, year: int | str, plan, objid: str, pdf: bytes, page: bytes, delivery: Delivery,
              trace: Trace, **about) -> eark.Document:
    """What the package of `objid` holds and says (eark.Document), from the plan and the built files."""
    producer = pdf_producer(pdf)
    representations = (
        eark.Representation("pdf", f"{objid}.pdf", pdf, "application/pdf", "PDF/A", "2b", "fmt/476",
                            "PDF/A-2b, taggad (PDF/UA-1), svenska: dokumentet", producer),
        eark.Representation("html", f"{objid}.html", page, "text/html", "HTML", "5", "fmt/471",
                            "webbsida i en fil, svenska", f"{eark.SOFTWARE_NAME} {software_version()}"))
    return eark.Document(
        objid=objid, organisation=plan.organisation, decided_by=plan.organisation, year=plan.year,
        representations=representations, revision=trace.revision, uncommitted=tuple(trace.uncommitted),
        sources=source_files(root, year),
        programs=program_versions(producer), software_version=software_version(),
        creator=eark.Agent(delivery.creator_name, delivery.creator_code),
        submitter=eark.Agent(delivery.submitter_name, delivery.submitter_code),
        submission_agreement=delivery.submission_agreement, reference_code=delivery.reference_code, **about)


def _pdf_path(doc: eark.Document) -> str:
    return f"representations/pdf/data/{doc.representations[0].filename}"


def pdf_producer(pdf: bytes) -> str:
    """The program that wrote the PDF, as the PDF says (/Producer, e.g. "LibreOffice 7.4")."""
    try:
        with pikepdf.open(io.BytesIO(pdf)) as document:
            return str(document.docinfo.get("/Producer", "okänt program"))
    except pikepdf.PdfError:
        return "okänt program"


def software_version() -> str:
    """This program's version (pyproject.toml beside the code)."""
    try:
        with open(Path(__file__).parents[2] / "pyproject.toml", "rb") as file:
            return str(tomllib.load(file)["project"]["version"])
    except (OSError, KeyError, tomllib.TOMLDecodeError):
        return "okänd"


def program_versions(producer: str) -> dict[str, str]:
    """The programs the document was made with, and their versions."""
    name, _, version = producer.partition(" ")
    versions = {name: version or "okänd", "Python": platform.python_version()}
    for library in LIBRARIES:
        try:
            versions[library] = importlib.metadata.version(library)
        except importlib.metadata.PackageNotFoundError:
            continue
    return versions


def _write_package(root: Path, year: str, doc: eark.Document) -> dict[str, bytes]:
    """Write archive/OBJID/ in one rename, read-only, and its .sha256 list beside it; return its files."""
    files = eark.package_files(doc)
    base = root / "archive"
    base.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{year}-", dir=base))
    sidecar = base / f"{doc.objid}{SIDECAR}"
    try:
        for path, data in files.items():
            target = work / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
            os.chmod(target, 0o444)
        (work / SIDECAR).write_bytes(eark.checksum_list(doc.objid, files))
        for folder in sorted((p for p in work.rglob("*") if p.is_dir()), reverse=True):
            os.chmod(folder, 0o755)
        os.chmod(work, 0o755)
        os.rename(work, base / doc.objid)
        os.rename(base / doc.objid / SIDECAR, sidecar)
        os.chmod(sidecar, 0o444)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return files


def _deliver(root: Path, folder: Path, kind: str | None) -> list[str]:
    """With `kind` (zip or tar), write the archived package as one file in build/leverans/; return report lines."""
    if kind is None:
        return []
    if not (folder / eark.METS).is_file() or not _is_package(folder.name):
        raise PipelineError(f"archive/{folder.name} har arkivets äldre form (inte ett E-ARK-paket) och kan inte "
                            f"levereras som informationspaket.")
    files = {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}
    date = _package_date(folder.name)
    data = (eark.zip_bytes if kind == "zip" else eark.tar_bytes)(folder.name, files, date)
    target = write_atomic(root / "build" / "leverans" / f"{folder.name}.{kind}", data)
    return [f"Leveransfil: {target.relative_to(root).as_posix()} (packas upp till mappen {folder.name}/), "
            f"SHA-256: {sha256(data)}"]


def _package_date(name: str) -> dt.date:
    return dt.date.fromisoformat(name[-10:])


def _is_package(name: str) -> bool:
    return bool(PLAN_PACKAGE.fullmatch(name) or FOLLOW_UP_PACKAGE.fullmatch(name))


FOLLOW_UP_FOLDER = re.compile(r"(\d{4})-uppfoljning-([a-zåäö]+)")


def archive_follow_up(root: Path, year: int | str, occasion: str, soffice_url: str | None = None,
                      anyway: bool = False, delivery: str | None = None) -> list[str]:
    """Archive the follow-up `occasion` of the decided plan of `year` as archive/uppfoljning-ÅR-TILLFÄLLE-DATUM/."""
    sources = check(root, year, round_file=False)
    plan = sources.plan
    if plan.status != "beslutad":
        raise PipelineError(f"Planen för {year} är ett utkast; bara uppföljningen av en beslutad plan arkiveras.")
    follow_up = sources.follow_ups.get(occasion)
    if follow_up is None:
        raise PipelineError(f"sources/{year}/uppfoljning-{occasion}.yaml finns inte; inget att arkivera.")
    objid = f"uppfoljning-{year}-{occasion}-{follow_up.date.isoformat()}"
    settings = read_delivery(root, plan.organisation)
    folder = _archived(root, f"uppfoljning-{year}-{occasion}-", f"{year}-uppfoljning-{occasion}")
    trace, told = (Trace(""), []) if folder is not None else \
        trace_sources(root, plan_files(root, sources, occasion), f"Uppföljningen {occasion} av {year}", anyway)
    if folder is not None:
        damage = verify_folder(root, folder)
        if damage:
            raise PipelineError("\n".join([f"archive/{folder.name} är skadat:", *damage,
                                            "Arkivet skrivs aldrig om. Återställ mappen och kör verify-archive."]))
    with LibreOffice(soffice_url) as office:
        _, pdf, page = make_follow_up(root, sources, occasion, office)
    digest = sha256(pdf)
    if folder is not None:
        same = "identisk med den som byggs nu, så inget behöver göras" if _recorded(folder)[0] == digest else \
            "inte densamma som den som byggs nu (källfiler, mall eller program har ändrats); den arkiverade gäller"
        return [f"archive/{folder.name} finns redan och skrivs inte över; den arkiverade PDF:en är {same}."] \
            + _deliver(root, folder, delivery)
    doc = _document(root, year, plan, objid, pdf, page, settings, trace, kind="Uppföljning",
                    title=f"Uppföljning av {plan.title[:1].lower()}{plan.title[1:]}, {follow_up.occasion}",
                    date=follow_up.date, status="uppföljning", occasion=follow_up.occasion,
                    relates_to=f"verksamhetsplan-{year}-beslutad-{plan.decided_on.isoformat()}")
    files = _write_package(root, str(year), doc)
    return [*told, f"Arkiverade uppföljningen ({follow_up.occasion}) som informationspaket i archive/{objid}/",
            f"PDF:en: archive/{objid}/{_pdf_path(doc)}", f"SHA-256: {digest}",
            f"Kontrollsummor för sha256sum -c: archive/{objid}{SIDECAR} ({counted(len(files), 'fil', 'filer')})"] \
        + _deliver(root, root / "archive" / objid, delivery)


def _recorded(folder: Path) -> tuple[str | None, dict | None, str]:
    """What an intact archive folder records: the PDF's SHA-256, the source files' checksums, the git revision."""
    if _is_package(folder.name):
        provenance = eark.read_provenance((folder / eark.PRESERVATION).read_bytes())
        pdfs = [digest for path, digest in provenance.files.items() if path.startswith("representations/pdf/")]
        return (pdfs[0] if pdfs else None), provenance.sources, provenance.revision or ""
    metadata = json.loads((folder / METADATA).read_text(encoding="utf-8"))
    sources = metadata.get("källfiler")
    return metadata.get("sha256"), sources if isinstance(sources, dict) else None, str(metadata.get("källversion", ""))


def _already_archived(root: Path, year: int | str, folder: Path, digest: str) -> list[str]:
    """The archive of `year` is intact: say whether the plan built now is the one archived, and if not, why."""
    shown = f"archive/{folder.name}"
    archived, recorded, revision = _recorded(folder)
    if archived == digest:
        return [f"{shown} finns redan och skrivs inte över; den arkiverade PDF:en är identisk med "
                f"den som byggs nu (SHA-256 {digest[:12]}…), så inget behöver göras."]
    revision = revision.split(" ")[0]
    see = (f" Se vad som har ändrats i innehållet: python -m pipeline changes {year} --from {revision}"
           if re.fullmatch(r"[0-9a-f]{40}", revision) else "")
    if not isinstance(recorded, dict):
        raise PipelineError(f"{shown} är oskadat, men planen som byggs nu skiljer sig från den arkiverade "
                            f"(arkivet från före källfilernas kontrollsummor kan inte säga vilka filer som "
                            f"ändrats). Ett arkiverat dokument skrivs aldrig över.{see}")
    current = source_files(root, year)
    changed = sorted(p for p in recorded.keys() & current.keys() if recorded[p] != current[p])
    added = sorted(current.keys() - recorded.keys())
    removed = sorted(recorded.keys() - current.keys())
    described = ([f"{p}: ändrad" for p in changed] + [f"{p}: ny" for p in added]
                 + [f"{p}: borttagen" for p in removed])
    content = [d for d in described if d.startswith("sources/")]
    if content:
        raise PipelineError("\n".join([f"{shown} är oskadat, men planens källfiler har ändrats sedan beslutet:",
                             *(f"  {d}" for d in content),
                             f"Ett arkiverat dokument skrivs aldrig över. Ett nytt beslut är en ny plan; ångra "
                             f"ändringarna om de inte var meningen.{see}"]))
    if described:
        return [f"{shown} är oskadat och planens innehåll är detsamma som vid beslutet; bara mallen har "
                f"ändrats ({', '.join(described)}), så PDF:en ser annorlunda ut. Det arkiverade dokumentet gäller "
                f"och skrivs inte över."]
    return [f"{shown} är oskadat och källfilerna är desamma som vid beslutet, men PDF:en blir inte "
            f"byte för byte densamma: programmet eller LibreOffice har uppdaterats sedan arkiveringen. Det "
            f"arkiverade dokumentet gäller och skrivs inte över."]


# --- verifying ---------------------------------------------------------------------------------------

def _year_of(name: str) -> str | None:
    """The plan year an entry of archive/ belongs to (a package, its checksums, an older-format folder)."""
    found = re.search(r"(?<!\d)(\d{4})(?!\d)", name)
    return found.group(1) if found else None


def verify_archive(root: Path, years: Collection[str] = ()) -> list[str]:
    """Check every archived package (and older-format folder) for every kind of damage; raise naming each problem.

    With `years`, only what was archived for those plan years (the rest of archive/ is left unread)."""
    base = root / "archive"
    if not base.is_dir() or not any(base.iterdir()):
        return ["Arkivet är tomt: det finns inget att kontrollera."]
    entries = sorted(base.iterdir())
    if years:
        entries = [e for e in entries if _year_of(e.name) in years]
        if not entries:
            return [f"Inget är arkiverat för {' och '.join(years)}: det finns inget att kontrollera."]
    problems: list[str] = []
    years_seen = 0
    files = 0
    for entry in entries:
        shown = f"archive/{entry.name}"
        if entry.name.startswith(".") and entry.is_dir() and re.fullmatch(r"\.\d{4}-.+", entry.name):
            problems.append(f"{shown}: en arkivering som avbröts; ta bort mappen (den är inte en del av arkivet).")
        elif entry.is_file() and entry.name.endswith(SIDECAR) and _is_package(entry.name.removesuffix(SIDECAR)):
            if not (base / entry.name.removesuffix(SIDECAR)).is_dir():
                problems.append(f"{shown}: kontrollsummorna för ett paket som inte finns "
                                f"(archive/{entry.name.removesuffix(SIDECAR)} saknas).")
        elif not entry.is_dir():
            problems.append(f"{shown}: en fil som inte hör till arkivet (arkivet har en mapp per paket och "
                            f"paketets kontrollsummor, PAKET{SIDECAR}, bredvid).")
        elif not _is_package(entry.name) and not re.fullmatch(r"\d{4}", entry.name) \
                and not FOLLOW_UP_FOLDER.fullmatch(entry.name):
            problems.append(f"{shown}: en mapp som inte hör till arkivet (arkivet har en mapp per arkiverat "
                            f"dokument, t.ex. archive/verksamhetsplan-2024-beslutad-2024-01-16 eller "
                            f"archive/uppfoljning-2024-helar-2025-01-24).")
        else:
            years_seen += 1
            found = verify_folder(root, entry)
            problems += found
            if not found:
                files += sum(1 for p in entry.rglob("*") if p.is_file())
    problems += [line for line in _changed_since_commit(root)
                 if not years or _year_of(line.split(":", 1)[0].removeprefix("archive/").split("/", 1)[0]) in years]
    if problems:
        raise PipelineError("\n".join(problems + [f"{len(problems)} fel i arkivet. Återställ det som har ändrats "
                                                  f"från säkerhetskopian eller git; ett arkiverat dokument ändras "
                                                  f"aldrig."]))
    return [f"Arkivet är oförändrat: {counted(files, 'fil', 'filer')} i {counted(years_seen, 'mapp', 'mappar')} stämmer "
            f"med sina kontrollsummor och "
            f"metadata."]


def verify_folder(root: Path, folder: Path) -> list[str]:
    """Every problem of one archived folder: an E-ARK package, or a folder of the older format."""
    return verify_package(folder) if _is_package(folder.name) else verify_year(root, folder)


def verify_package(folder: Path) -> list[str]:
    """Every problem of one information package (empty when it is intact), each naming its file."""
    shown = f"archive/{folder.name}"
    present = {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file() or p.is_symlink()}
    problems: list[str] = []
    listed: dict[str, tuple[eark.ListedFile, str]] = {}  # path in the package → (entry, METS file listing it)
    unchecked: set[str] = set()  # files of a representation whose METS.xml cannot be read
    package = _listing(folder, eark.METS, shown, problems)
    if package is not None:
        if package.objid != folder.name:
            problems.append(f"{shown}/{eark.METS}: paketets identitet (OBJID) {package.objid!r} stämmer inte med "
                            f"mappens namn.")
        for entry in package.files:
            listed[entry.href] = (entry, eark.METS)
        for href in package.representations:
            rep_folder = href.rsplit("/", 1)[0] + "/" if "/" in href else ""
            representation = _listing(folder, href, shown, problems) if href in present else None
            if representation is None:  # its files cannot be checked; they are not extra either
                unchecked |= {p for p in present if p.startswith(rep_folder) and p != href}
            for entry in (representation.files if representation else []):
                listed[rep_folder + entry.href] = (entry, href)
    damaged = set()
    for path, (entry, mets) in sorted(listed.items()):
        problem = _file_problem(folder, path, entry, mets)
        if problem:
            damaged.add(path)
            problems.append(f"{shown}/{path}: {problem}")
    if package is not None:
        for extra in sorted(present - listed.keys() - unchecked - {eark.METS}):
            problems.append(f"{shown}/{extra}: en fil som inte hör till paketet (den står inte i "
                            f"{_listing_name(extra)}).")
    problems += _sidecar_problems(folder, present, damaged | (present - listed.keys() - unchecked - {eark.METS}))
    if eark.DESCRIPTION in present and eark.DESCRIPTION not in damaged:
        problems += _description_problems(folder, shown)
    elif package is not None and eark.DESCRIPTION not in listed:
        problems.append(f"{shown}/{eark.DESCRIPTION}: den beskrivande posten saknas i {eark.METS}.")
    if eark.PRESERVATION in present and eark.PRESERVATION not in damaged:
        problems += _provenance_problems(folder, shown, present, damaged)
    return problems


def _listing(folder: Path, href: str, shown: str, problems: list[str]) -> eark.MetsListing | None:
    """The files a METS file in the package lists, or None after naming why it cannot be read."""
    path = folder / href
    if not path.is_file():  # only the package METS gets here: a missing representation METS is a listed file
        problems.append(f"{shown}/{href}: filen saknas; utan den kan inget i paketet kontrolleras mot METS.")
        return None
    try:
        return eark.read_mets(path.read_bytes())
    except ValueError as exc:
        problems.append(f"{shown}/{href}: filen är skadad ({exc}).")
    except OSError as exc:
        problems.append(f"{shown}/{href}: filen kan inte läsas ({exc.strerror}).")
    return None


def _listing_name(path: str) -> str:
    parts = path.split("/")
    return f"representations/{parts[1]}/{eark.METS}" if parts[0] == "representations" and len(parts) > 2 \
        and parts[2] != eark.METS else eark.METS


def _file_problem(folder: Path, path: str, entry: eark.ListedFile, mets: str) -> str | None:
    """What is wrong with one listed file (missing, other size, other checksum), or None."""
    target = folder / path
    if not target.is_file():
        return "filen saknas."
    data = target.read_bytes()
    if entry.checksum_type != "SHA-256" or not entry.checksum:
        return f"{mets} anger ingen SHA-256 för filen."
    if entry.size is not None and entry.size != len(data):
        return f"innehållet har ändrats (storleken är {len(data)} byte, {mets} anger {entry.size})."
    if sha256(data) != entry.checksum.lower():
        return f"innehållet har ändrats (kontrollsumman stämmer inte med {mets})."
    return None


def _sidecar_problems(folder: Path, present: set[str], known_bad: set[str]) -> list[str]:
    """The package's .sha256 list beside it: there, readable, and agreeing with files the METS files vouch for."""
    sidecar = folder.parent / f"{folder.name}{SIDECAR}"
    shown = f"archive/{sidecar.name}"
    if not sidecar.is_file():
        return [f"{shown}: filen saknas (paketets kontrollsummor för sha256sum -c)."]
    try:
        lines = sidecar.read_bytes().decode("utf-8").splitlines()
    except UnicodeDecodeError:
        return [f"{shown}: filen är skadad (inte läsbar text)."]
    problems: list[str] = []
    named: set[str] = set()
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        match = _SUM_LINE.fullmatch(line.rstrip("\r"))
        if not match or not match.group(2).startswith(f"{folder.name}/"):
            problems.append(f"{shown}, rad {number}: raden är skadad (väntade 'kontrollsumma  {folder.name}/fil').")
            continue
        path = match.group(2).removeprefix(f"{folder.name}/")
        named.add(path)
        if path in present and path not in known_bad and sha256((folder / path).read_bytes()) != match.group(1):
            problems.append(f"{shown}, rad {number}: kontrollsumman för {path} stämmer inte med filen.")
    if not named and not problems:
        problems.append(f"{shown}: filen är tom.")
    elif not problems:
        for path in sorted(present - named - known_bad):
            problems.append(f"{shown}: {path} står inte i filen.")
    return problems


def _description_problems(folder: Path, shown: str) -> list[str]:
    """The Dublin Core record: readable, and about this package (identifier, year, date)."""
    where = f"{shown}/{eark.DESCRIPTION}"
    try:
        record = eark.read_description((folder / eark.DESCRIPTION).read_bytes())
    except (ValueError, OSError) as exc:
        return [f"{where}: filen är skadad ({getattr(exc, 'msg', None) or exc})."]
    problems = []
    if folder.name not in record.get("identifier", []):
        problems.append(f"{where}: posten beskriver inte paketet {folder.name} (dc:identifier).")
    year = folder.name.split("-")[1]
    if record.get("coverage", [year]) != [year]:
        problems.append(f"{where}: året {', '.join(record.get('coverage', []))} stämmer inte med paketet {folder.name}.")
    if record.get("date", [folder.name[-10:]]) != [folder.name[-10:]]:
        problems.append(f"{where}: datumet {', '.join(record.get('date', []))} stämmer inte med paketet {folder.name}.")
    if not record.get("title"):
        problems.append(f"{where}: titeln (dc:title) saknas.")
    return problems


def _provenance_problems(folder: Path, shown: str, present: set[str], damaged: set[str]) -> list[str]:
    """The PREMIS record: readable, and its checksums agree with the representations' files."""
    where = f"{shown}/{eark.PRESERVATION}"
    try:
        provenance = eark.read_provenance((folder / eark.PRESERVATION).read_bytes())
    except (ValueError, OSError) as exc:
        return [f"{where}: filen är skadad ({getattr(exc, 'msg', None) or exc})."]
    problems = []
    for path, digest in sorted(provenance.files.items()):
        if path not in present:
            problems.append(f"{where}: filen {path} som posten beskriver finns inte i paketet.")
        elif path not in damaged and sha256((folder / path).read_bytes()) != digest:
            problems.append(f"{where}: kontrollsumman för {path} stämmer inte med filen (metadata och fil hör "
                            f"inte ihop).")
    if not provenance.files:
        problems.append(f"{where}: posten beskriver inga filer i paketet.")
    return problems


def verify_year(root: Path, folder: Path) -> list[str]:
    """Every problem of one archived year folder (empty when it is intact)."""
    shown = f"archive/{folder.name}"
    problems: list[str] = []
    sums_path = folder / SUMS
    listed: dict[str, str] = {}
    if not sums_path.is_file():
        problems.append(f"{shown}/{SUMS}: filen saknas; utan den kan inget i årgången kontrolleras.")
    else:
        try:
            lines = sums_path.read_bytes().decode("utf-8").splitlines()
        except UnicodeDecodeError:
            problems.append(f"{shown}/{SUMS}: filen är skadad (inte läsbar text).")
            lines = []
        except OSError as exc:
            problems.append(f"{shown}/{SUMS}: filen kan inte läsas ({exc.strerror}).")
            lines = []
        for number, line in enumerate(lines, 1):
            if not line.strip():
                continue
            match = _SUM_LINE.fullmatch(line.rstrip("\r"))
            if not match or "/" in match.group(2) or match.group(2) in (".", ".."):
                problems.append(f"{shown}/{SUMS}, rad {number}: raden är skadad (väntade 'kontrollsumma  filnamn').")
                continue
            listed[match.group(2)] = match.group(1)
        if not listed and not problems:
            problems.append(f"{shown}/{SUMS}: filen är tom.")
    actual = {}
    for name, expected in listed.items():
        path = folder / name
        if not path.is_file():
            problems.append(f"{shown}/{name}: filen saknas.")
            continue
        actual[name] = sha256(path.read_bytes())
        if actual[name] != expected:
            problems.append(f"{shown}/{name}: innehållet har ändrats (kontrollsumman stämmer inte).")
    for extra in sorted(p.name for p in folder.iterdir() if p.name != SUMS and p.name not in listed):
        problems.append(f"{shown}/{extra}: en fil som inte hör till arkivet (den står inte i {SUMS}).")
    if listed and METADATA not in listed:
        problems.append(f"{shown}/{SUMS}: {METADATA} står inte i filen.")
    meta_path = folder / METADATA
    if meta_path.is_file():
        problems += _metadata_problems(folder, meta_path, listed, actual)
    elif METADATA not in listed:
        problems.append(f"{shown}/{METADATA}: filen saknas.")
    return problems


def _metadata_problems(folder: Path, meta_path: Path, listed: dict, actual: dict) -> list[str]:
    shown = f"archive/{folder.name}/{METADATA}"
    try:
        metadata = json.loads(meta_path.read_bytes().decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return [f"{shown}: filen är skadad (inte giltig JSON)."]
    if not isinstance(metadata, dict):
        return [f"{shown}: filen är skadad (väntade ett JSON-objekt)."]
    problems = []
    name, digest = metadata.get("fil"), metadata.get("sha256")
    if not isinstance(name, str) or not name:
        problems.append(f"{shown}: uppgiften 'fil' saknas.")
    elif name not in listed:
        problems.append(f"{shown}: filen {name} som metadata beskriver står inte i {SUMS}.")
    elif name in actual and digest != actual[name]:
        problems.append(f"{shown}: kontrollsumman för {name} stämmer inte med filen (metadata och PDF "
                        f"hör inte ihop).")
    page = metadata.get("webbsida")
    page_name = page.get("fil") if isinstance(page, dict) else None
    if page is not None:
        if not isinstance(page_name, str) or not page_name:
            problems.append(f"{shown}: uppgiften 'webbsida.fil' saknas.")
        elif page_name not in listed:
            problems.append(f"{shown}: webbsidan {page_name} som metadata beskriver står inte i {SUMS}.")
        elif page_name in actual and page.get("sha256") != actual[page_name]:
            problems.append(f"{shown}: kontrollsumman för {page_name} stämmer inte med filen (metadata och "
                            f"webbsida hör inte ihop).")
    pdfs = [n for n in listed if n not in (METADATA, page_name)]
    if isinstance(name, str) and pdfs and pdfs != [name]:
        others = ", ".join(n for n in pdfs if n != name)
        if others:
            problems.append(f"{shown}: {SUMS} nämner fler filer än den arkiverade PDF:en ({others}).")
    if str(metadata.get("år", folder.name[:4])) != folder.name[:4]:
        problems.append(f"{shown}: året {metadata.get('år')} stämmer inte med mappen {folder.name}.")
    decided = metadata.get("beslutsdatum")
    if isinstance(name, str) and isinstance(decided, str) and decided not in name:
        problems.append(f"{shown}: beslutsdatumet {decided} stämmer inte med filnamnet {name}.")
    return problems


def _changed_since_commit(root: Path) -> list[str]:
    """Archived files that git has, changed or deleted in the work tree (empty outside git)."""
    try:
        status = subprocess.run(["git", "-C", str(root), "status", "--porcelain", "-z", "--", "archive"],
                                capture_output=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return []
    if status.returncode != 0:
        return []
    problems = []
    for entry in status.stdout.decode("utf-8", "replace").split("\0"):
        if len(entry) > 3 and entry[:2].strip() and not entry.startswith("??"):
            code, path = entry[:2], entry[3:]
            what = "borttagen" if "D" in code else "ändrad"
            problems.append(f"{path}: {what} sedan den checkades in i git (git diff -- {path} visar hur).")
    return problems
