"""The year's steps as the workbench offers them: what each form asks, what its job runs, in Swedish.

Each step is the command of the same name (README: "Remissrundan, steg för steg"), called through
steps.py with the workbench's warm LibreOffice. A form's values are checked here before any job
starts; a value that names a file is a path from the project root, reached only through
security.inside.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from . import steps
from .jobs import Job, Jobs
from .office import WarmOffice
from .security import Outside, inside


class FormError(Exception):
    """A form's value is wrong; the message (Swedish) says what to do. `field` is the field's name."""

    def __init__(self, message: str, field: str = ""):
        super().__init__(message)
        self.field = field


@dataclass
class Context:
    """What a step needs to run: the project, the year, LibreOffice and the job runner."""

    root: Path
    year: str
    office: WarmOffice
    jobs: Jobs

    @property
    def out(self) -> Path:
        return self.root / "build" / self.year

    @property
    def answers(self) -> Path:
        """Where uploaded answers are kept."""
        return self.out / "remissvar"

    @property
    def compilation(self) -> Path:
        return self.out / f"remissammanstallning-{self.year}.docx"


@dataclass(frozen=True)
class Task:
    slug: str          # its address: /steg/SLUG
    short: str         # in the menu
    title: str         # the page's heading
    button: str
    about: str         # what it does, one paragraph
    command: str       # the same on the command line
    run: Callable[[Context, Job, dict], None]
    values: Callable[[Context, dict], dict]  # the form's values, checked (raise FormError)
    upload: bool = False


def _no_values(ctx: Context, form: dict) -> dict:
    return {}


# --- build ------------------------------------------------------------------------------------------

def _build_values(ctx: Context, form: dict) -> dict:
    return {"force": form.get("bygg_anda") == "ja"}


def _build(ctx: Context, job: Job, values: dict) -> None:
    with ctx.office.exclusive(job.title):
        for line in steps.build_plan(ctx.root, ctx.year, ctx.office.url, force=values["force"]):
            ctx.jobs.say(job, line)


# --- round ------------------------------------------------------------------------------------------

def _round(ctx: Context, job: Job, values: dict) -> None:
    with ctx.office.exclusive(job.title):
        for line in steps.send_round(ctx.root, ctx.year, ctx.office.url):
            ctx.jobs.say(job, line)


# --- compiling the answers ---------------------------------------------------------------------------

def stored_answers(ctx: Context) -> list[Path]:
    """The returned files uploaded so far (build/ÅR/remissvar/)."""
    if not ctx.answers.is_dir():
        return []
    return sorted(p for p in ctx.answers.iterdir() if p.is_file() and not p.name.startswith(".")
                  and p.suffix.lower() in (".docx", ".docm"))


def _compile(ctx: Context, job: Job, values: dict) -> None:
    files = stored_answers(ctx)
    if not files:
        raise steps.PipelineError("Det finns inga remissvar att sammanställa: välj kommunernas Word-filer i "
                                  "formuläret och ladda upp dem.")
    ctx.jobs.say(job, f"Läser {len(files)} filer …")
    warnings, written, code = steps.compile_answers(ctx.root, ctx.year, files, ctx.compilation)
    job.warnings = code != 0 or bool(warnings)
    for line in warnings + written:
        ctx.jobs.say(job, line)
    job.tables = steps.compilation_tables(ctx.compilation)


# --- compare ---------------------------------------------------------------------------------------------

def versions(ctx: Context) -> list[str]:
    """The Word files there are to compare: the plan, the round's copies, answers, earlier comparisons."""
    bases = [ctx.out, ctx.root / "archive"]
    out = []
    for base in bases:
        if base.is_dir():
            out += sorted((p.relative_to(ctx.root).as_posix() for p in base.rglob("*.docx")
                           if not any(part.startswith(".") for part in p.relative_to(ctx.root).parts)),
                          key=lambda s: (s.count("/"), s))
    return out


def _compare_values(ctx: Context, form: dict) -> dict:
    chosen = {}
    for name, label in (("gammal", "den äldre versionen"), ("ny", "den nyare versionen")):
        value = form.get(name) or ""
        if not value:
            raise FormError(f"Välj {label}.", name)
        try:
            path = inside(ctx.root, value, [ctx.out, ctx.root / "archive"])
        except Outside:
            raise FormError(f"Välj {label} i listan: {value} är ingen Word-fil under build/{ctx.year} eller "
                            "archive/.", name) from None
        if path.suffix.lower() != ".docx":
            raise FormError(f"Välj {label} i listan: {value} är ingen Word-fil (.docx).", name)
        chosen[name] = path
    if chosen["gammal"] == chosen["ny"]:
        raise FormError("Välj två olika versioner: den äldre och den nyare är samma fil.", "ny")
    return chosen


def comparison_path(ctx: Context, old: Path, new: Path) -> Path:
    def short(path: Path) -> str:
        return re.sub(r"[^\w-]+", "-", path.stem)[:60].strip("-") or "version"
    return ctx.out / "jamforelser" / f"jamforelse-{short(old)}-mot-{short(new)}.docx"


def _compare(ctx: Context, job: Job, values: dict) -> None:
    out = comparison_path(ctx, values["gammal"], values["ny"])
    out.parent.mkdir(parents=True, exist_ok=True)
    ctx.jobs.say(job, f"Jämför {steps.display_path(values['gammal'], ctx.root)} med "
                      f"{steps.display_path(values['ny'], ctx.root)} …")
    for line in steps.compare_versions(values["gammal"], values["ny"], out):
        ctx.jobs.say(job, line)


# --- archive ---------------------------------------------------------------------------------------------

def occasions(ctx: Context) -> list[str]:
    """The follow-up occasions of the year (uppfoljning-helar.yaml → helar)."""
    folder = ctx.root / "sources" / ctx.year
    return sorted(p.stem.removeprefix("uppfoljning-") for p in folder.glob("uppfoljning-*.yaml"))


def _archive_values(ctx: Context, form: dict) -> dict:
    what = form.get("vad") or "planen"
    delivery = form.get("leverans") or None
    if delivery not in (None, "zip", "tar"):
        raise FormError("Välj en leveransfil i listan (zip eller tar), eller ingen.", "leverans")
    options = {"anyway": form.get("trots") == "ja", "delivery": delivery}
    if what == "planen":
        return {"occasion": None, **options}
    occasion = what.removeprefix("uppfoljning-")
    if what.startswith("uppfoljning-") and occasion in occasions(ctx):
        return {"occasion": occasion, **options}
    raise FormError("Välj vad som ska arkiveras: planen eller en av uppföljningarna i listan.", "vad")


def _archive(ctx: Context, job: Job, values: dict) -> None:
    options = {"anyway": values["anyway"], "delivery": values["delivery"]}
    with ctx.office.exclusive(job.title):
        lines = (steps.archive_the_follow_up(ctx.root, ctx.year, values["occasion"], ctx.office.url, **options)
                 if values["occasion"] else steps.archive_plan(ctx.root, ctx.year, ctx.office.url, **options))
    for line in lines:
        ctx.jobs.say(job, line)


# --- follow-up ------------------------------------------------------------------------------------------

def _follow_up_values(ctx: Context, form: dict) -> dict:
    occasion = form.get("tillfalle") or ""
    if occasion and occasion not in occasions(ctx):
        raise FormError("Välj ett tillfälle i listan (eller alla).", "tillfalle")
    return {"occasion": occasion or None}


def _follow_up(ctx: Context, job: Job, values: dict) -> None:
    with ctx.office.exclusive(job.title):
        lines = steps.follow_up(ctx.root, ctx.year, values["occasion"], ctx.office.url)
    for line in lines:
        ctx.jobs.say(job, line)


def existing(ctx: Context, slug: str) -> list[str]:
    """What a step's outputs are now (from this run or earlier ones), as paths from the project root."""
    year, out = ctx.year, ctx.out
    found: list[Path] = []
    if slug == "bygg":
        found = [out / f"verksamhetsplan-{year}.{ext}" for ext in ("docx", "pdf", "html")]
    elif slug == "remiss":
        found = sorted(p for folder in sorted(out.glob("remiss-utkast-*")) for p in folder.iterdir())
    elif slug == "svar":
        found = [ctx.compilation, ctx.compilation.with_suffix(".csv")]
    elif slug == "jamfor":
        found = sorted((out / "jamforelser").glob("*.docx"))
    elif slug == "arkiv":  # the year's information packages (and their .sha256 lists), the older year folders
        archive = ctx.root / "archive"
        named = [f"verksamhetsplan-{year}-*", f"uppfoljning-{year}-*", f"{year}", f"{year}-uppfoljning-*"]
        entries = sorted({p for pattern in named for p in archive.glob(pattern)})
        found = [f for p in entries for f in (sorted(q for q in p.rglob("*")) if p.is_dir() else [p])]
        found += sorted((ctx.root / "build" / "leverans").glob(f"*-{year}-*"))
    elif slug == "uppfoljning":
        found = sorted(out.glob(f"uppfoljning-{year}-*.*"))
    return [p.relative_to(ctx.root).as_posix() for p in found if p.is_file() and not p.name.startswith(".")]


TASKS = [
    Task("bygg", "Bygg", "Bygg planen", "Bygg planen",
         "Skriver planen som Word-fil, PDF (PDF/A, korrekturläst) och webbsida i build/ÅR/, precis som "
         "make plan-ÅR: samma filer, byte för byte. Har ingenting ändrats sedan förra bygget görs ingenting.",
         "make plan-ÅR", _build, _build_values),
    Task("remiss", "Remiss", "Skicka ut utkastet på remiss", "Gör remissen",
         "Skriver ett exemplar av utkastet per medlemskommun, missivet som Word och PDF, utkastet som PDF och "
         "mottagarlistan i build/ÅR/remiss-utkast-N/ (som make remiss-ÅR). Planen ska vara ett utkast "
         "(status: utkast) och sources/ÅR/remiss.yaml finnas; se docs/remiss.md.",
         "make remiss-ÅR", _round, _no_values),
    Task("svar", "Remissvar", "Sammanställ remissvaren", "Ladda upp och sammanställ",
         "Välj eller dra hit kommunernas återsända Word-filer, flera på en gång. De läses lika försiktigt som av "
         "kommandot comments, sparas i build/ÅR/remissvar/ och sammanställs med alla svar som redan finns där "
         "till en Word-fil och en CSV-fil, med en översikt över varje medlemskommun.",
         "comments build/ÅR/remissvar/*.docx --out build/ÅR/remissammanstallning-ÅR.docx", _compile, _no_values,
         upload=True),
    Task("jamfor", "Jämför", "Jämför två versioner", "Jämför",
         "Gör en Word-fil med den nyare versionens text och varje ändring mot den äldre som spårad ändring, "
         "i build/ÅR/jamforelser/ (som kommandot compare).",
         "compare GAMMAL.docx NY.docx --out UT.docx", _compare, _compare_values),
    Task("arkiv", "Arkiv", "Arkivera", "Arkivera",
         "Arkiverar den beslutade planen (eller en uppföljning) som ett informationspaket för e-arkivet (E-ARK, "
         "FGS Paketstruktur 2.0) i archive/: PDF/A, webbsida, beskrivning, proveniens och kontrollsummor. "
         "Källfilerna ska vara incheckade i git. Ett arkiverat dokument skrivs aldrig över; se docs/arkivpaket.md.",
         "archive ÅR [--uppföljning TILLFÄLLE] [--trots-ändringar] [--leverans zip]", _archive, _archive_values),
    Task("uppfoljning", "Uppföljning", "Bygg uppföljningen", "Bygg uppföljningen",
         "Skriver uppföljningen som Word-fil, PDF och webbsida i build/ÅR/ ur sources/ÅR/uppfoljning-*.yaml "
         "(som make uppfoljning-ÅR); se docs/uppfoljning.md.",
         "make uppfoljning-ÅR", _follow_up, _follow_up_values),
]
BY_SLUG = {task.slug: task for task in TASKS}
