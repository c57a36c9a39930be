"""Yearly step: a draft round (remiss) – what each municipality gets, and how they answer.

    sources/ÅR/plan.yaml (status: utkast) + sources/ÅR/remiss.yaml
        → build/ÅR/remiss-utkast-N/
             Botkyrka-verksamhetsplan-ÅR-utkast-N.docx, … (one copy per member municipality,
                 its identity in the document properties, see docx/copy_identity.py)
             verksamhetsplan-ÅR-utkast-N.pdf      (the draft for reading)
             missiv-ÅR-utkast-N.docx and .pdf    (the cover letter, templates/missiv.docx)
             mottagare.csv                        (whom to send what, for the sending)
        → build/ÅR/remiss-utkast-N-källor/sources/  (the sources sent: the next draft's letter says
                                                       what changed since them)
        → git tag remiss-ÅR-utkast-N                 (when the sources sent are committed)

The round file must belong to the draft (`utkast: N` = plan.yaml's version) and its answer date
must lie ahead on the day it is sent (`--per`, default today). A draft after the first says in
its cover letter what changed since the draft sent before it: found as the latest earlier
round's sources (its folder, else its git tag), or named with --från.

Everything is made in memory first and the folder is replaced in one step, so a failed round
leaves the previous one as it was. The same sources give the same bytes.
"""

from __future__ import annotations

import copy
import csv
import io
import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

from pipeline.checks.rules import check_round_sending
from pipeline.checks.run import check
from pipeline.content.formatting import counted, long_date
from pipeline.documents.letter import letter_document
from pipeline.documents.plan import plan_document
from pipeline.documents.stages import make
from pipeline.docx.copy_identity import CopyIdentity, with_identity
from pipeline.docx.ooxml import q, read_part, replace_parts, xml_bytes
from pipeline.errors import OutputError, PipelineError, SourceErrors
from pipeline.paths import display_path, year_dir
from pipeline.pdf.libreoffice import LibreOffice
from pipeline.returned.comments import parse_day, safe_cell
from pipeline.sources.load import read_plan
from pipeline.yearly.changes import describe, plan_changes, version
CSV_COLUMNS = ["Kommun", "Kommunnamn", "E-post", "Bifoga", "Svar senast", "Svar till"]


def round_folder(root: Path, year: int | str, version: int) -> Path:
    return root / "build" / str(year) / f"remiss-utkast-{version}"


def copy_name(municipality: str, year: int, version: int) -> str:
    """The file a municipality gets (and is asked to send back under the same name)."""
    return f"{municipality}-verksamhetsplan-{year}-utkast-{version}.docx"


def sources_folder(root: Path, year: int | str, version: int) -> Path:
    """Where a round keeps the sources it sent (a project folder: `changes --from` reads it too)."""
    return root / "build" / str(year) / f"remiss-utkast-{version}-källor"


def round_tag(year: int | str, version: int | str) -> str:
    return f"remiss-{year}-utkast-{version}"


def prepare_round(root: Path, year: int | str, soffice_url: str | None = None, on: str | None = None,
                  earlier: str | None = None) -> list[str]:
    """Make the draft round of `year`; return Swedish lines saying what was written.

    `on` is the day it is sent (ÅÅÅÅ-MM-DD, default today); `earlier` the version of the sources the
    draft sent before this one was made from (a folder or a git revision), when it cannot be found.
    """
    today = parse_day(on)
    sources = check(root, year, follow_ups=False)
    plan, round_file = sources.plan, sources.round
    where = display_path(year_dir(root, year), root)
    problems = []
    if plan.status != "utkast":
        problems.append(f"{where}/plan.yaml: planen är beslutad; en remiss skickar ut ett utkast. Sätt "
                        f"status: utkast och version: N för att skicka ut ett nytt utkast.")
    if round_file is None:
        problems.append(f"{where}/remiss.yaml saknas: den talar om vad kommunerna ska svara på, när och till "
                        f"vem. Se docs/remiss.md för hur filen ser ut.")
    if problems:
        raise PipelineError("\n".join(problems))
    late = list(check_round_sending(sources, round_file, today))
    if late:
        raise SourceErrors(late)
    before = earlier_round(root, plan.year, plan.version, earlier)
    changes = changes_since(root, sources, before) if before is not None else None
    folder = round_folder(root, plan.year, plan.version)
    municipalities = sources.municipalities.municipalities
    stem = f"verksamhetsplan-{plan.year}-utkast-{plan.version}"
    copies = {m.name: copy_name(m.name, plan.year, plan.version) for m in municipalities}
    with LibreOffice(soffice_url) as office:
        # the letter is rendered while LibreOffice converts the plan
        made_plan, made_letter = make([plan_document(root, sources, web_page=False),
                                       letter_document(root, sources, copies, f"{stem}.pdf", changes)], office)
    plan_docx, plan_pdf = made_plan.docx, made_plan.pdf
    files: dict[str, bytes] = {}
    for municipality in municipalities:
        identity = CopyIdentity(municipality.name, plan.year, plan.version, round_file.answer_by)
        files[copy_name(municipality.name, plan.year, plan.version)] = \
            with_identity(marked_copy(plan_docx, municipality.official_name, round_file.answer_by), identity)
    files[f"{stem}.pdf"] = plan_pdf
    files[f"missiv-{plan.year}-utkast-{plan.version}.docx"] = made_letter.docx
    files[f"missiv-{plan.year}-utkast-{plan.version}.pdf"] = made_letter.pdf
    files["mottagare.csv"] = recipients_csv(sources, stem)
    sent = sent_sources(root, plan.year)
    write_folder(folder, files)
    write_folder(sources_folder(root, plan.year, plan.version), sent)
    shown = display_path(folder, root)
    lines = [f"Skrev {shown}/ ({len(municipalities)} kommunexemplar, missiv som DOCX och PDF, utkastet som PDF "
             f"och mottagare.csv).",
             f"Svar senast {long_date(round_file.answer_by)}. Skicka varje kommun dess egen DOCX, missivets PDF och "
             f"utkastets PDF (se mottagare.csv)."]
    if before is not None:
        count = sum(len(section["rader"]) for section in changes["ändringar"])
        lines.append(f"Missivet säger vad som har ändrats sedan {changes['tidigare']} ({counted(count, 'ändring', 'ändringar')}; "
                     f"jämfört med {before.label}).")
    elif plan.version > 1:
        lines.append(f"Inget tidigare utskick av utkastet hittades ({display_path(sources_folder(root, plan.year, 1).parent, root)}"
                     f"/remiss-utkast-*-källor eller git-taggen {round_tag(plan.year, '*')}), så missivet säger inte "
                     f"vad som har ändrats. Skickades ett tidigare utkast på annat sätt: ange dess källfiler med "
                     f"--från VERSION (en mapp eller en version i git).")
    lines.append(f"Källfilerna som skickades: {display_path(sources_folder(root, plan.year, plan.version), root)}/.")
    lines += tag_round(root, plan.year, plan.version)
    return lines


@dataclass(frozen=True)
class EarlierRound:
    """The sources of the draft sent before this one: a folder or a git revision (changes.version)."""

    spec: str
    label: str          # as the report names it


def earlier_round(root: Path, year: int, version: int, given: str | None = None) -> EarlierRound | None:
    """Return the sources of the latest round sent before draft `version` (its folder, else its git tag)."""
    if given is not None:
        return EarlierRound(given, given)
    found: list[tuple[int, int, EarlierRound]] = []
    base = root / "build" / str(year)
    for path in base.glob("remiss-utkast-*-källor") if base.is_dir() else []:
        match = re.fullmatch(r"remiss-utkast-(\d+)-källor", path.name)
        if match and int(match.group(1)) < version and (path / "sources").is_dir():
            found.append((int(match.group(1)), 1, EarlierRound(str(path), display_path(path, root))))
    for tag in _git(root, "tag", "--list", round_tag(year, "*")).split():
        match = re.fullmatch(rf"remiss-{year}-utkast-(\d+)", tag)
        if match and int(match.group(1)) < version:
            found.append((int(match.group(1)), 0, EarlierRound(tag, f"git-taggen {tag}")))
    return max(found, key=lambda f: f[:2])[2] if found else None


def changes_since(root: Path, sources, before: EarlierRound) -> dict:
    """What changed in the content since the earlier round (yearly/changes.py), for the cover letter."""
    with version(root, before.spec) as (old_root, label):
        old = read_plan(old_root, sources.year)
    if old.plan is None:
        details = "; ".join(str(p) for p in old.problems[:3])
        raise PipelineError(f"Källfilerna för det tidigare utkastet ({before.label}) kunde inte läsas, så missivet "
                            f"kan inte säga vad som har ändrats: {details}")
    name = f"utkast {old.plan.version}" if old.plan.status == "utkast" else describe(old)
    sections = [{"rubrik": s.title, "rader": list(s.lines)} for s in plan_changes(old, sources) if s.lines]
    return {"tidigare": name, "ändringar": sections}


def sent_sources(root: Path, year: int) -> dict[str, bytes]:
    """The year's sources and the shared ones, as the round sends them (name → bytes, under sources/)."""
    out = {}
    for folder in (year_dir(root, year), root / "sources" / "gemensamt"):
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            out[path.relative_to(root).as_posix()] = path.read_bytes()
    return out


def tag_round(root: Path, year: int, version: int) -> list[str]:
    """Tag the sources sent in git (remiss-ÅR-utkast-N), when they are committed; return what was done."""
    if not _git(root, "rev-parse", "--verify", "--quiet", "HEAD"):
        return []  # not a git checkout: the sources folder is the record
    tag = round_tag(year, version)
    paths = [display_path(year_dir(root, year), root), "sources/gemensamt"]
    dirty = [line[3:] for line in _git(root, "status", "--porcelain", "--", *paths).splitlines() if line.strip()]
    if dirty:
        return [f"Ingen git-tagg sattes: källfilerna har ändringar som inte är incheckade ({', '.join(dirty)}). "
                f"Checka in dem och kör 'git tag {tag}', så att nästa utkast kan jämföras med det här även "
                f"utan mappen i build/."]
    head = _git(root, "rev-parse", "HEAD").strip()
    existing = _git(root, "rev-parse", "--verify", "--quiet", f"refs/tags/{tag}^{{commit}}").strip()
    if existing == head:
        return [f"Git-taggen {tag} finns redan på den här versionen av källfilerna."]
    if existing:
        return [f"Git-taggen {tag} finns redan på en annan version ({existing[:10]}) och flyttas inte; mappen "
                f"{display_path(sources_folder(root, year, version), root)}/ har källfilerna som skickades nu."]
    _git(root, "tag", tag, head)
    return [f"Satte git-taggen {tag} på källfilerna som skickades."]


def _git(root: Path, *args: str) -> str:
    """Return git's output in `root`, or "" when git is missing, this is no checkout, or the command fails."""
    try:
        result = subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return ""
    return result.stdout if result.returncode == 0 else ""


def marked_copy(data: bytes, official_name: str, answer_by) -> bytes:
    """The draft with "Remissexemplar för X kommun – svar senast ..." under its draft marking."""
    document = etree.fromstring(read_part(data, "word/document.xml"))
    styles = etree.fromstring(read_part(data, "word/styles.xml"))
    marking = {s.get(q("w", "styleId")) for s in styles.iter(q("w", "style"))
               if (s.find(q("w", "name")) is not None and s.find(q("w", "name")).get(q("w", "val")) == "Utkastmarkering")}
    for paragraph in document.iter(q("w", "p")):
        style = paragraph.find(f"{q('w', 'pPr')}/{q('w', 'pStyle')}")
        if style is not None and style.get(q("w", "val")) in marking:
            line = copy.deepcopy(paragraph)
            for child in [c for c in line if c.tag != q("w", "pPr")]:
                line.remove(child)
            run = etree.SubElement(line, q("w", "r"))
            text = etree.SubElement(run, q("w", "t"))
            text.text = f"Remissexemplar för {official_name} – svar senast {long_date(answer_by)}"
            paragraph.addnext(line)
            break
    return replace_parts(data, {"word/document.xml": xml_bytes(document)})


def recipients_csv(sources, stem: str) -> bytes:
    """One row per member municipality: its address (remiss.yaml) and the files to attach."""
    plan, round_file = sources.plan, sources.round
    text = io.StringIO()
    writer = csv.writer(text, delimiter=";", lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    letter = f"missiv-{plan.year}-utkast-{plan.version}.pdf"
    for m in sources.municipalities.municipalities:
        attach = [copy_name(m.name, plan.year, plan.version), letter, f"{stem}.pdf"]
        writer.writerow([safe_cell(v) for v in (m.name, m.official_name, round_file.recipients.get(m.name, ""),
                                                 ", ".join(attach), round_file.answer_by.isoformat(),
                                                 round_file.answer_to or round_file.contact.email)])
    return text.getvalue().encode("utf-8-sig")


def write_folder(folder: Path, files: dict[str, bytes]) -> None:
    """Replace `folder` with exactly `files`, in one rename; on failure the old folder is untouched."""
    try:
        folder.parent.mkdir(parents=True, exist_ok=True)
        work = Path(tempfile.mkdtemp(prefix=f".{folder.name}-", dir=folder.parent))
    except OSError as exc:
        raise OutputError(f"{folder.parent}: kan inte skriva i mappen ({exc.strerror}); inget skrevs.") from exc
    old = None
    try:
        for name, data in files.items():
            (work / name).parent.mkdir(parents=True, exist_ok=True)
            (work / name).write_bytes(data)
            os.chmod(work / name, 0o644)
        for path in [work, *(p for p in work.rglob("*") if p.is_dir())]:
            os.chmod(path, 0o755)
        if folder.exists():
            old = folder.with_name(f".{folder.name}-gammal-{os.getpid()}")
            os.rename(folder, old)
        os.rename(work, folder)
    except OSError as exc:
        if old is not None and not folder.exists():
            os.rename(old, folder)
            old = None
        raise OutputError(f"{folder}: kunde inte skrivas ({exc.strerror}); den tidigare omgången är orörd.") from exc
    finally:
        shutil.rmtree(work, ignore_errors=True)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
