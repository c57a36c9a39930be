"""Yearly step: a draft round (remiss) – what each municipality gets, and how they answer.

    sources/ÅR/plan.yaml (status: utkast) + sources/ÅR/remiss.yaml
        → build/ÅR/remiss-utkast-N/
             Botkyrka-verksamhetsplan-ÅR-utkast-N.docx, … (one copy per member municipality,
                 its identity in the document properties, see copy_identity.py)
             verksamhetsplan-ÅR-utkast-N.pdf      (the draft for reading)
             missiv-ÅR-utkast-N.docx and .pdf    (the cover letter, templates/missiv.docx)
             mottagare.csv                        (whom to send what, for the sending)

Everything is made in memory first and the folder is replaced in one step, so a failed round
leaves the previous one as it was. The same sources give the same bytes.
"""

from __future__ import annotations

import csv
import io
import os
import shutil
import tempfile
from pathlib import Path
from types import SimpleNamespace

from .errors import OutputError, PipelineError
from .copy_identity import CopyIdentity, with_identity
from .paths import display_path, year_dir

# The names the cover letter's template can use (templates/missiv.docx).
LETTER_NAMES = ("titel", "organisation", "år", "version", "utkastdatum", "datum", "svar_senast", "svar_till",
                "fråga", "kontakt", "kommuner", "mottagare", "pdf")
LETTER_TEMPLATE = "missiv.docx"
CSV_COLUMNS = ["Kommun", "Kommunnamn", "E-post", "Bifoga", "Svar senast", "Svar till"]


def round_folder(root: Path, year: int | str, version: int) -> Path:
    return root / "build" / str(year) / f"remiss-utkast-{version}"


def copy_name(municipality: str, year: int, version: int) -> str:
    """The file a municipality gets (and is asked to send back under the same name)."""
    return f"{municipality}-verksamhetsplan-{year}-utkast-{version}.docx"


def prepare_round(root: Path, year: int | str, soffice_url: str | None = None) -> list[str]:
    """Make the draft round of `year`; return Swedish lines saying what was written."""
    from .build import build_outputs, check
    from .pdf import LibreOffice

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
    folder = round_folder(root, plan.year, plan.version)
    with LibreOffice(soffice_url) as office:
        plan_docx, plan_pdf = build_outputs(root, sources, office=office)
        letter = render_letter(root, sources)
        letter_pdf = office.convert(letter)
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
    write_folder(folder, files)
    shown = display_path(folder, root)
    return [f"Skrev {shown}/ ({len(municipalities)} kommunexemplar, missiv som DOCX och PDF, utkastet som PDF "
            f"och mottagare.csv).",
            f"Svar senast {_long(round_file.answer_by)}. Skicka varje kommun dess egen DOCX, missivets PDF och "
            f"utkastets PDF (se mottagare.csv)."]


def _long(day) -> str:
    from .formatting import long_date
    return long_date(day)


def letter_context(sources) -> dict:
    """Return what templates/missiv.docx sees (LETTER_NAMES)."""
    from .formatting import long_date
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
    }


def _count(n: int) -> str:
    words = "noll en två tre fyra fem sex sju åtta nio tio elva tolv".split()
    return words[n] if n < len(words) else str(n)


def render_letter(root: Path, sources) -> bytes:
    """Return the cover letter's DOCX, from templates/missiv.docx."""
    from .render import render_docx
    from .templates import LETTER, prepare_template
    original = root / "templates" / LETTER_TEMPLATE
    cache = root / "build" / ".cache"
    shown = display_path(original, root)
    template = prepare_template(original, cache, shown, spec=LETTER)
    plan, round_file = sources.plan, sources.round
    properties = {"title": _letter_title(plan), "subject": f"Remiss av {plan.title}", "author": plan.organisation,
                  "date": round_file.sent_on or plan.date, "keywords": f"remiss; missiv; verksamhetsplan; {plan.year}",
                  "category": f"Utkast {plan.version}"}
    return render_docx(letter_context(sources), template, properties, cache, {}, shown=shown)


def _letter_title(plan) -> str:
    return f"Remiss: {plan.title}, utkast {plan.version}"


def _letter_pdf(raw: bytes, sources) -> bytes:
    from .normalize import normalise_pdf
    plan, round_file = sources.plan, sources.round
    meta = SimpleNamespace(title=_letter_title(plan), organisation=plan.organisation, year=plan.year,
                           date=round_file.sent_on or plan.date)
    return normalise_pdf(raw, meta, subject=f"Remiss av {plan.title}")


def marked_copy(data: bytes, official_name: str, answer_by) -> bytes:
    """The draft with "Remissexemplar för X kommun – svar senast ..." under its draft marking."""
    import copy

    from lxml import etree

    from .ooxml import q, read_part, replace_parts, xml_bytes
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
    from .comments import safe_cell
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
            (work / name).write_bytes(data)
            os.chmod(work / name, 0o644)
        os.chmod(work, 0o755)
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
