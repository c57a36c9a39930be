"""Yearly step: a draft round (remiss) – what each municipality gets, and how they answer.

    sources/ÅR/plan.yaml (status: utkast) + sources/ÅR/remiss.yaml
        → build/ÅR/remiss-utkast-N/
             Botkyrka-verksamhetsplan-ÅR-utkast-N.docx, … (one copy per member municipality,
                 its identity in the document properties, see copy_identity.py)
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

import csv
import io
import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace

from pipeline.errors import OutputError, PipelineError, SourceErrors
from pipeline.docx.copy_identity import CopyIdentity, with_identity
from pipeline.paths import display_path, year_dir

LETTER_TEMPLATE = "missiv.docx"
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
    from pipeline.documents.build import build_outputs, check
    from pipeline.checks.rules import check_round_sending
    from pipeline.returned.comments import parse_day
    from pipeline.pdf.libreoffice import LibreOffice

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
    with LibreOffice(soffice_url) as office:
        plan_docx, plan_pdf = build_outputs(root, sources, office=office)
        letter, letter_pdf = fitted_letter(render_letter(root, sources, changes), office)
    files: dict[str, bytes] = {}
    municipalities = sources.municipalities.municipalities
    for municipality in municipalities:
        identity = CopyIdentity(municipality.name, plan.year, plan.version, round_file.answer_by)
        files[copy_name(municipality.name, plan.year, plan.version)] = \
            with_identity(marked_copy(plan_docx, municipality.official_name, round_file.answer_by), identity)
    stem = f"verksamhetsplan-{plan.year}-utkast-{plan.version}"
    files[f"{stem}.pdf"] = plan_pdf
    files[f"missiv-{plan.year}-utkast-{plan.version}.docx"] = letter
    files[f"missiv-{plan.year}-utkast-{plan.version}.pdf"] = _letter_pdf(letter_pdf, sources)
    files["mottagare.csv"] = recipients_csv(sources, stem)
    sent = sent_sources(root, plan.year)
    write_folder(folder, files)
    write_folder(sources_folder(root, plan.year, plan.version), sent)
    shown = display_path(folder, root)
    lines = [f"Skrev {shown}/ ({len(municipalities)} kommunexemplar, missiv som DOCX och PDF, utkastet som PDF "
             f"och mottagare.csv).",
             f"Svar senast {_long(round_file.answer_by)}. Skicka varje kommun dess egen DOCX, missivets PDF och "
             f"utkastets PDF (se mottagare.csv)."]
    if before is not None:
        from pipeline.content.formatting import counted
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
    """What changed in the content since the earlier round (changes.py), for the cover letter."""
    from pipeline.yearly.changes import describe, plan_changes, version
    from pipeline.sources.load import read_plan
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


def _long(day) -> str:
    from pipeline.content.formatting import long_date
    return long_date(day)


def letter_context(sources, changes: dict | None = None) -> dict:
    """Return what templates/missiv.docx sees (LETTER_NAMES); `changes` from changes_since, for a later draft."""
    from pipeline.content.formatting import long_date
    plan, round_file = sources.plan, sources.round
    municipalities = sources.municipalities.municipalities
    names = [m.official_name for m in municipalities]
    contact = round_file.contact
    return {
        "titel": plan.title, "organisation": plan.organisation, "år": plan.year, "version": plan.version,
        "utkastdatum": long_date(plan.date), "datum": long_date(round_file.sent_on or plan.date),
        "svar_senast": long_date(round_file.answer_by), "svar_till": round_file.answer_to or contact.email,
        "fråga": list(round_file.question),
        "kontakt": {"namn": contact.name, "titel": contact.title or "", "epost": contact.email,
                    "telefon": contact.phone or ""},
        "kommuner": [{"namn": m.name, "kommunnamn": m.official_name,
                      "fil": copy_name(m.name, plan.year, plan.version)} for m in municipalities],
        "mottagare": (f"Södertörns {_count(len(names))} medlemskommuner: " + ", ".join(names[:-1]) + " och "
                      + names[-1]) if len(names) > 1 else names[0],
        "pdf": f"verksamhetsplan-{plan.year}-utkast-{plan.version}.pdf",
        "tidigare": (changes or {}).get("tidigare", ""),
        "ändringar": (changes or {}).get("ändringar", []),
    }


def _count(n: int) -> str:
    words = "noll en två tre fyra fem sex sju åtta nio tio elva tolv".split()
    return words[n] if n < len(words) else str(n)


def render_letter(root: Path, sources, changes: dict | None = None) -> bytes:
    """Return the cover letter's DOCX, from templates/missiv.docx."""
    from pipeline.docx.render import render_docx
    from pipeline.docx.templates import LETTER, prepare_template
    original = root / "templates" / LETTER_TEMPLATE
    cache = root / "build" / ".cache"
    shown = display_path(original, root)
    template = prepare_template(original, cache, shown, spec=LETTER)
    plan, round_file = sources.plan, sources.round
    properties = {"title": _letter_title(plan), "subject": f"Remiss av {plan.title}", "author": plan.organisation,
                  "date": round_file.sent_on or plan.date, "keywords": f"remiss; missiv; verksamhetsplan; {plan.year}",
                  "category": f"Utkast {plan.version}"}
    return render_docx(letter_context(sources, changes), template, properties, cache, {}, shown=shown)


FIT_ATTEMPTS = 3   # conversions of the cover letter at most, each after one more page break
STRAY_LINES = 3    # a last page with this many lines or fewer is a stray tail


def fitted_letter(letter: bytes, office) -> tuple[bytes, bytes]:
    """Return the cover letter and its PDF, laid out so that no heading ends a page and its last page
    holds more than a stray line or three.

    The template keeps its headings and its last lines with what follows (keep with next), but
    LibreOffice lets that go when the next paragraph just fails to fit; so the PDF is read back,
    and a heading left at the foot of a page, or the heading that leads into a stray last page,
    starts a new page instead (in the DOCX too, so that both show the same pages).
    """
    pdf = office.convert(letter)
    for _ in range(FIT_ATTEMPTS - 1):
        heading = _heading_to_move(pdf)
        if heading is None:
            break
        letter = _page_break_before(letter, heading)
        pdf = office.convert(letter)
    return letter, pdf


def _heading_to_move(pdf: bytes) -> str | None:
    """The text of the heading that should start a new page, or None when the pages are right."""
    import pikepdf

    from pipeline.pdf.marks import document_marks
    from pipeline.pdf.proofread import actual_from_pdf
    with pikepdf.open(io.BytesIO(pdf)) as document:
        marks = document_marks(document)
        blocks = actual_from_pdf(document, marks).blocks
    for block, after in zip(blocks, blocks[1:]):
        if block.heading and block.page and after.page and after.page > block.page:
            return block.text  # a heading alone at the foot of its page
    last = len(marks)
    lines = {round(mark.box[3]) for mcid, mark in marks[-1].items() if mcid is not None and mark.box
             and mark.text.strip()}
    if last > 1 and len(lines) <= STRAY_LINES:
        earlier = [b for b in blocks if b.heading and b.page and b.page < last]
        if earlier:
            return earlier[-1].text  # the section before the stray lines goes over with them
    return None


def _page_break_before(letter: bytes, heading: str) -> bytes:
    """The letter with a page break before the (last) heading paragraph whose text is `heading`."""
    from lxml import etree

    from pipeline.docx.ooxml import q, read_part, replace_parts, xml_bytes
    from pipeline.pdf.proofread import normalise
    from pipeline.returned.revisions import text_of
    document = etree.fromstring(read_part(letter, "word/document.xml"))
    found = [p for p in document.iter(q("w", "p")) if normalise(text_of(p)) == normalise(heading)]
    if not found:
        return letter
    paragraph = found[-1]
    ppr = paragraph.find(q("w", "pPr"))
    if ppr is None:
        ppr = etree.Element(q("w", "pPr"))
        paragraph.insert(0, ppr)
    if ppr.find(q("w", "pageBreakBefore")) is None:
        brk = etree.Element(q("w", "pageBreakBefore"))
        after = [c for c in ppr if etree.QName(c).localname in ("pStyle", "keepNext", "keepLines")]
        ppr.insert(ppr.index(after[-1]) + 1 if after else 0, brk)  # CT_PPr's order
    return replace_parts(letter, {"word/document.xml": xml_bytes(document)})


def _letter_title(plan) -> str:
    return f"Remiss: {plan.title}, utkast {plan.version}"


def _letter_pdf(raw: bytes, sources) -> bytes:
    from pipeline.pdf.normalize import normalise_pdf
    plan, round_file = sources.plan, sources.round
    meta = SimpleNamespace(title=_letter_title(plan), organisation=plan.organisation, year=plan.year,
                           date=round_file.sent_on or plan.date)
    return normalise_pdf(raw, meta, subject=f"Remiss av {plan.title}")


def marked_copy(data: bytes, official_name: str, answer_by) -> bytes:
    """The draft with "Remissexemplar för X kommun – svar senast ..." under its draft marking."""
    import copy

    from lxml import etree

    from pipeline.docx.ooxml import q, read_part, replace_parts, xml_bytes
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
            text.text = f"Remissexemplar för {official_name} – svar senast {_long(answer_by)}"
            paragraph.addnext(line)
            break
    return replace_parts(data, {"word/document.xml": xml_bytes(document)})


def recipients_csv(sources, stem: str) -> bytes:
    """One row per member municipality: its address (remiss.yaml) and the files to attach."""
    from pipeline.returned.comments import safe_cell
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
