"""Archive: the decided plan's PDF/A with metadata and checksums, never overwritten.

`archive YEAR` writes archive/YEAR/ for a `beslutad` plan only:
- the PDF, named with year and decision date;
- metadata.json: title, body, year, decision date, the PDF's name and SHA-256, the git revision of
  the sources, and the SHA-256 of every source file and template the plan was built from;
- the web page (html.py), named as the PDF;
- SHA256SUMS: the checksums of the PDF, the web page and metadata.json (`sha256sum -c` reads it).

What the archive promises is its content: exactly these three files, each as written. The files
are written read-only, but a read-only bit is not part of the promise (git and most copies do
not keep it), so it is not checked.

`verify-archive` checks every year folder for every kind of damage: a changed, missing or extra
file, a missing or unreadable SHA256SUMS, a metadata.json that is not valid or disagrees with the
PDF or the folder, and (in a git checkout) archived files changed since they were committed.
A second `archive YEAR` first verifies the year's folder, so that it tells a damaged archive
(restore it) apart from a plan whose sources changed after the decision (name the files).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from .errors import PipelineError

SUMS = "SHA256SUMS"
METADATA = "metadata.json"
_SUM_LINE = re.compile(r"([0-9a-f]{64}) [ *](.+)")


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def source_revision(root: Path) -> str:
    """Return the git commit of the sources, marked when the work tree has changes."""
    try:
        head = subprocess.run(["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True,
                              text=True, timeout=30)
        if head.returncode != 0:
            return "okänd (inte en git-utcheckning)"
        dirty = subprocess.run(["git", "-C", str(root), "status", "--porcelain", "--", "sources", "templates"],
                               capture_output=True, text=True, timeout=30).stdout.strip()
        return head.stdout.strip() + (" (med ändringar som inte är incheckade)" if dirty else "")
    except (OSError, subprocess.TimeoutExpired):
        return "okänd (git saknas)"


def source_files(root: Path, year: int | str) -> dict[str, str]:
    """SHA-256 of every file the plan of `year` is made from: its sources, the shared data, the templates."""
    out = {}
    for folder in (root / "sources" / str(year), root / "sources" / "gemensamt", root / "templates"):
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            out[path.relative_to(root).as_posix()] = sha256(path.read_bytes())
    return out


# --- archiving ----------------------------------------------------------------------------------

def archive(root: Path, year: int | str, soffice_url: str | None = None) -> list[str]:
    """Build and archive the decided plan of `year`; return Swedish report lines."""
    from .build import build_outputs, check
    sources = check(root, year, follow_ups=False)
    plan = sources.plan
    if plan.status != "beslutad":
        raise PipelineError(f"Planen för {year} är ett utkast (version {plan.version}); bara en beslutad plan "
                            f"arkiveras. Sätt 'status: beslutad' och 'beslutsdatum' i sources/{year}/plan.yaml.")
    folder = root / "archive" / str(year)
    if folder.exists():
        damage = verify_year(root, folder)
        if damage:
            raise PipelineError("\n".join([f"archive/{year} är skadat; det är arkivet som har ändrats, inte planen:", *damage,
                                 "Arkivet skrivs aldrig om. Återställ mappen från säkerhetskopian eller git "
                                 f"(git checkout -- archive/{year}) och kör verify-archive."]))
    from .build import make_html
    _, pdf = build_outputs(root, sources, soffice_url=soffice_url)
    name = f"verksamhetsplan-{year}-beslutad-{plan.decided_on.isoformat()}.pdf"
    digest = sha256(pdf)
    page = make_html(root, sources)
    page_name = name.removesuffix(".pdf") + ".html"
    if folder.exists():
        return _already_archived(root, year, folder, digest)
    metadata = _metadata(root, year, {"titel": plan.title, "organ": plan.organisation, "år": plan.year,
                                      "beslutsdatum": plan.decided_on.isoformat()}, name, digest, page_name, page)
    _write_folder(folder, str(year), metadata, [(name, pdf), (page_name, page)])
    return [f"Arkiverade {plan.title} i archive/{year}/{name} (och webbsidan {page_name})", f"SHA-256: {digest}"]


def _metadata(root: Path, year: int | str, about: dict, name: str, digest: str, page_name: str,
              page: bytes) -> dict:
    """metadata.json of an archive folder: what the document is (`about`), its files and sources."""
    return {**about, "fil": name, "sha256": digest, "källversion": source_revision(root),
            "källfiler": source_files(root, year), "format": "PDF/A-2b, PDF/UA-1, språk sv-SE",
            "webbsida": {"fil": page_name, "sha256": sha256(page), "format": "HTML, en fil, språk sv"}}


def _write_folder(folder: Path, year: str, metadata: dict, documents: list[tuple[str, bytes]]) -> None:
    """Write an archive folder in one rename: the documents, metadata.json and SHA256SUMS, read-only."""
    meta_bytes = (json.dumps(metadata, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
    sums = "".join(f"{sha256(data)}  {name}\n" for name, data in documents + [(METADATA, meta_bytes)])
    folder.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{year}-", dir=folder.parent))
    try:
        for filename, data in documents + [(METADATA, meta_bytes), (SUMS, sums.encode("utf-8"))]:
            (work / filename).write_bytes(data)
            os.chmod(work / filename, 0o444)
        os.chmod(work, 0o755)
        os.rename(work, folder)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise


FOLLOW_UP_FOLDER = re.compile(r"(\d{4})-uppfoljning-([a-zåäö]+)")


def archive_follow_up(root: Path, year: int | str, occasion: str, soffice_url: str | None = None) -> list[str]:
    """Archive the follow-up `occasion` of the decided plan of `year` in archive/ÅR-uppfoljning-TILLFÄLLE/."""
    from .build import check
    from .followup import make_follow_up
    from .pdf import LibreOffice
    sources = check(root, year)
    plan = sources.plan
    if plan.status != "beslutad":
        raise PipelineError(f"Planen för {year} är ett utkast; bara uppföljningen av en beslutad plan arkiveras.")
    follow_up = sources.follow_ups.get(occasion)
    if follow_up is None:
        raise PipelineError(f"sources/{year}/uppfoljning-{occasion}.yaml finns inte; inget att arkivera.")
    folder = root / "archive" / f"{year}-uppfoljning-{occasion}"
    if folder.exists():
        damage = verify_year(root, folder)
        if damage:
            raise PipelineError("\n".join([f"archive/{folder.name} är skadat:", *damage,
                                            "Arkivet skrivs aldrig om. Återställ mappen och kör verify-archive."]))
    with LibreOffice(soffice_url) as office:
        _, pdf, page = make_follow_up(root, sources, occasion, office)
    name = f"uppfoljning-{year}-{occasion}-{follow_up.date.isoformat()}.pdf"
    digest = sha256(pdf)
    if folder.exists():
        recorded = json.loads((folder / METADATA).read_text(encoding="utf-8")).get("sha256")
        same = "identisk med den som byggs nu, så inget behöver göras" if recorded == digest else \
            "inte densamma som den som byggs nu (källfiler, mall eller program har ändrats); den arkiverade gäller"
        return [f"archive/{folder.name} finns redan och skrivs inte över; den arkiverade PDF:en är {same}."]
    page_name = name.removesuffix(".pdf") + ".html"
    metadata = _metadata(root, year, {
        "titel": f"Uppföljning av {plan.title[:1].lower()}{plan.title[1:]}, {follow_up.occasion}",
        "organ": plan.organisation, "år": plan.year, "tillfälle": follow_up.occasion,
        "datum": follow_up.date.isoformat()}, name, digest, page_name, page)
    _write_folder(folder, str(year), metadata, [(name, pdf), (page_name, page)])
    return [f"Arkiverade uppföljningen ({follow_up.occasion}) i archive/{folder.name}/{name} (och webbsidan "
            f"{page_name})", f"SHA-256: {digest}"]


def _already_archived(root: Path, year: int | str, folder: Path, digest: str) -> list[str]:
    """The archive of `year` is intact: say whether the plan built now is the one archived, and if not, why."""
    metadata = json.loads((folder / METADATA).read_text(encoding="utf-8"))
    if metadata.get("sha256") == digest:
        return [f"archive/{year} finns redan och skrivs inte över; den arkiverade PDF:en är identisk med "
                f"den som byggs nu (SHA-256 {digest[:12]}…), så inget behöver göras."]
    recorded = metadata.get("källfiler")
    revision = str(metadata.get("källversion", "")).split(" ")[0]
    see = (f" Se vad som har ändrats i innehållet: python -m pipeline changes {year} --from {revision}"
           if re.fullmatch(r"[0-9a-f]{40}", revision) else "")
    if not isinstance(recorded, dict):
        raise PipelineError(f"archive/{year} är oskadat, men planen som byggs nu skiljer sig från den arkiverade "
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
        raise PipelineError("\n".join([f"archive/{year} är oskadat, men planens källfiler har ändrats sedan beslutet:",
                             *(f"  {d}" for d in content),
                             f"Ett arkiverat dokument skrivs aldrig över. Ett nytt beslut är en ny plan; ångra "
                             f"ändringarna om de inte var meningen.{see}"]))
    if described:
        return [f"archive/{year} är oskadat och planens innehåll är detsamma som vid beslutet; bara mallen har "
                f"ändrats ({', '.join(described)}), så PDF:en ser annorlunda ut. Det arkiverade dokumentet gäller "
                f"och skrivs inte över."]
    return [f"archive/{year} är oskadat och källfilerna är desamma som vid beslutet, men PDF:en blir inte "
            f"byte för byte densamma: programmet eller LibreOffice har uppdaterats sedan arkiveringen. Det "
            f"arkiverade dokumentet gäller och skrivs inte över."]


# --- verifying ---------------------------------------------------------------------------------------

def verify_archive(root: Path) -> list[str]:
    """Check every archived year for every kind of damage; raise naming each problem."""
    base = root / "archive"
    if not base.is_dir() or not any(base.iterdir()):
        return ["Arkivet är tomt: det finns inget att kontrollera."]
    problems: list[str] = []
    years = 0
    files = 0
    for entry in sorted(base.iterdir()):
        shown = f"archive/{entry.name}"
        if entry.name.startswith(".") and entry.is_dir() and re.fullmatch(r"\.\d{4}-.+", entry.name):
            problems.append(f"{shown}: en arkivering som avbröts; ta bort mappen (den är inte en del av arkivet).")
        elif not entry.is_dir():
            problems.append(f"{shown}: en fil som inte hör till arkivet (arkivet har bara en mapp per år).")
        elif not re.fullmatch(r"\d{4}", entry.name) and not FOLLOW_UP_FOLDER.fullmatch(entry.name):
            problems.append(f"{shown}: en mapp som inte hör till arkivet (arkivet har en mapp per år, "
                            f"t.ex. archive/2024, och en per arkiverad uppföljning, t.ex. "
                            f"archive/2024-uppfoljning-helar).")
        else:
            years += 1
            found = verify_year(root, entry)
            problems += found
            if not found:
                files += sum(1 for _ in entry.iterdir())
    problems += _changed_since_commit(root)
    if problems:
        raise PipelineError("\n".join(problems + [f"{len(problems)} fel i arkivet. Återställ det som har ändrats "
                                                  f"från säkerhetskopian eller git; ett arkiverat dokument ändras "
                                                  f"aldrig."]))
    from .formatting import counted
    return [f"Arkivet är oförändrat: {counted(files, 'fil', 'filer')} i {counted(years, 'mapp', 'mappar')} stämmer "
            f"med sina kontrollsummor och "
            f"metadata."]


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
