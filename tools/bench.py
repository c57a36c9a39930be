"""Benchmark: per-stage medians and the speed ratios of issues 9, 14 and 29, measured in one run.

    make bench            (or: .venv/bin/python tools/bench.py [--runs N] [--arbetsbank])

--arbetsbank measures only the workbench (issue 29): from a saved source file to the new text in the
open preview (in Chromium), and to the PDF at the preview's link holding the change.

Prints a Markdown report; docs/prestanda.md holds the figures recorded on the project's machine.
Not a test: nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from pipeline.checks.run import check  # noqa: E402
from pipeline.documents.plan import make_docx, make_figures, plan_document  # noqa: E402
from pipeline.docx.markdown import markdown_to_docx, reference_doc  # noqa: E402
from pipeline.documents.stages import pdf_stages  # noqa: E402
from pipeline.pdf.normalize import normalise, opened, saved  # noqa: E402
from pipeline.pdf.libreoffice import LibreOffice  # noqa: E402

PY = sys.executable
WEEKDAYS = ["måndag", "tisdag", "onsdag", "torsdag", "fredag", "lördag", "söndag"]


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def median_of(runs: int, fn) -> float:
    return statistics.median(timed(fn) for _ in range(runs))


def paired(runs: int, first, second) -> tuple[float, float]:
    """Medians of two commands timed in turn, so that both meet the machine in the same state."""
    a, b = [], []
    for _ in range(runs):
        a.append(timed(first))
        b.append(timed(second))
    return statistics.median(a), statistics.median(b)


def run(*args: str, cwd: Path = ROOT) -> None:
    result = subprocess.run(list(args), cwd=cwd, capture_output=True, text=True)
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(args)} misslyckades:\n{result.stderr}")


def stage_times(runs: int) -> dict[str, float]:
    """Median seconds of each stage, in this process (LibreOffice started cold each time)."""
    sources = check(ROOT, 2024)
    cache = ROOT / "build" / ".cache"
    make_docx(ROOT, sources)  # warm the pandoc and figure caches, as after a first build
    template = ROOT / "templates" / "verksamhetsplan.docx"
    figures = make_figures(sources, cache)
    appendix_texts = [sources.texts[a.text] for a in sources.plan.appendices if a.text]

    def appendices_cold():
        with tempfile.TemporaryDirectory() as tmp:
            ref = reference_doc(template, Path(tmp))
            for text in appendix_texts:
                markdown_to_docx(text, ref, Path(tmp), figures=figures)

    docx = make_docx(ROOT, sources)
    holder = {}

    def convert():
        with LibreOffice() as office:
            holder["pdf"] = office.convert(docx)

    times = {
        "läsa och kontrollera källorna": median_of(runs, lambda: check(ROOT, 2024)),
        "DOCX (mall, text, figurer; pandoc-cache varm)": median_of(runs, lambda: make_docx(ROOT, sources)),
        "bilagor 2–3 genom pandoc (kall cache)": median_of(runs, appendices_cold),
        "PDF-konvertering (LibreOffice kallstartad)": median_of(runs, convert),
    }
    document = plan_document(ROOT, sources, web_page=False)

    def normalised() -> bytes:
        with opened(holder["pdf"]) as pdf:
            normalise(pdf, document.properties)
            return saved(pdf)

    times["PDF-normalisering och taggrättning (pikepdf)"] = median_of(runs, normalised)
    times["samma, med korrekturläsning av PDF:en mot DOCX (så som bygget gör)"] = median_of(
        runs, lambda: pdf_stages(document, docx, holder["pdf"]))
    return times


def edited_and_clean(tmp: Path, runs: int) -> tuple[float, float, float, float]:
    """Medians of a rebuild after an edit (caches warm) and of a clean build (no build/ folder), each
    paired with a bare conversion of the same DOCX timed in turn with it."""
    root = tmp / "redigera"
    shutil.copytree(ROOT / "sources", root / "sources")
    shutil.copytree(ROOT / "templates", root / "templates")
    run(PY, "-m", "pipeline", "--root", str(root), "build", "2024")  # warm caches
    source = root / "sources" / "2024" / "kansliet.yaml"
    original = source.read_text(encoding="utf-8")
    counter = iter(range(1000))

    def edit_and_build():
        source.write_text(original.replace("Första förslag ska tas fram", f"Första förslag ({next(counter)}) ska tas fram"),
                          encoding="utf-8")
        run(PY, "-m", "pipeline", "--root", str(root), "build", "2024")

    built = root / "build" / "2024" / "verksamhetsplan-2024.docx"
    edit_and_build()
    edited, bare_edited = paired(runs, edit_and_build, lambda: bare_once(built))

    def clean_build():
        shutil.rmtree(root / "build", ignore_errors=True)
        run(PY, "-m", "pipeline", "--root", str(root), "build", "2024")

    clean, bare_clean = paired(runs, clean_build, lambda: bare_once(built))
    return edited, bare_edited, clean, bare_clean


def bare_once(docx: Path) -> None:
    """A bare `soffice --convert-to pdf` of `docx`, with a fresh profile."""
    with tempfile.TemporaryDirectory() as tmp:
        run("soffice", "--headless", f"-env:UserInstallation=file://{tmp}/profil", "--convert-to", "pdf",
            "--outdir", tmp, str(docx))


DAYS_OFF = __import__("holidays").Sweden(years=range(2024, 2040), language="sv", include_sundays=False)


def fill_todos(root: Path, year: int) -> None:
    """Fill what new-year leaves to do: population, meetings on each body's weekday, reviewed texts."""
    budget = root / f"sources/{year}/budget.yaml"
    budget.write_text(re.sub(r"antal: .*", "antal: 520824", budget.read_text(encoding="utf-8")), encoding="utf-8")
    calendar = root / f"sources/{year}/kalendarium.yaml"
    text = calendar.read_text(encoding="utf-8")
    days = re.findall(r"veckodag: (\w+)", text)

    def meetings(match, counter=iter(range(100))):
        weekday = WEEKDAYS.index(days[next(counter)])
        dates = []
        for month in (3, 5, 9, 11):
            day = dt.date(year, month, 8)
            day += dt.timedelta(days=(weekday - day.weekday()) % 7)
            while day in DAYS_OFF:  # a holiday (Kristi himmelsfärd): the same weekday a week later
                day += dt.timedelta(days=7)
            dates.append(day)
        return "möten:" + "".join(f"\n      - datum: {d.isoformat()}" for d in dates)
    calendar.write_text(re.sub(r"möten: .*ATT GÖRA.*", meetings, text), encoding="utf-8")
    # the draft's date set, the mentions of last year reviewed, the unfinished activities kept, as a secretary would
    plan = root / f"sources/{year}/plan.yaml"
    plan.write_text(re.sub(r"datum: .*ange utkastets datum.*", f"datum: {year}-01-16", plan.read_text(encoding="utf-8")),
                    encoding="utf-8")
    for path in list((root / f"sources/{year}").rglob("*.yaml")) + list((root / f"sources/{year}").rglob("*.md")):
        path.write_text(re.sub(r"ATT GÖRA: (kontrollera årtal(et \d{4}|en \d{4} och \d{4})|behåll eller stryk \([^)]*\)) – ",
                               "", path.read_text(encoding="utf-8")), encoding="utf-8")


def four_years(tmp: Path) -> Path:
    root = tmp / "fyra"
    shutil.copytree(ROOT / "sources", root / "sources")
    shutil.copytree(ROOT / "templates", root / "templates")
    for year in (2025, 2026, 2027):
        run(PY, "-m", "pipeline", "--root", str(root), "new-year", str(year))
        fill_todos(root, year)
    return root


def workbench_times(tmp: Path, runs: int) -> tuple[list[float], list[float], list[float]]:
    """The workbench on a copy of the project: seconds from saving a source file to the new text in the open
    preview (Chromium), and from saving to the PDF at the preview's link holding the change, each PDF paired
    with a bare `soffice --convert-to pdf` of the same DOCX."""
    from workbench_driver import Workbench
    root = tmp / "arbetsbank"
    shutil.copytree(ROOT / "sources", root / "sources")
    shutil.copytree(ROOT / "templates", root / "templates")
    if (ROOT / "build" / ".cache").is_dir():
        shutil.copytree(ROOT / "build" / ".cache", root / "build" / ".cache")
    source = root / "sources" / "2024" / "kansliet.yaml"
    original = source.read_text(encoding="utf-8")
    sentence = "Första förslag ska tas fram"
    server = Workbench(root, tmp / "arbetsbank-körning")
    try:
        server.wait_ready()
        plan = []
        for n in range(max(runs, 5) * 2):  # the preview is cheap: more saves give a steadier median
            marked = f"Första förslag (förhandsvisning {n}) ska tas fram"
            plan += [{"write": str(source), "text": original.replace(sentence, marked)},
                     {"frame_text": marked, "label": "förhandsvisning"}]
        preview = [r["ms"] / 1000 for r in server.browser(plan)["results"] if r.get("label") == "förhandsvisning"]
        pdf, bare = [], []
        docx = tmp / "arbetsbank.docx"
        for n in range(runs):
            server.wait_ready()
            marked = f"Första förslag (PDF {n}) ska tas fram"
            source.write_text(original.replace(sentence, marked), encoding="utf-8")
            start = time.perf_counter()
            status, _, data = server.get("/pdf/verksamhetsplan-2024.pdf")
            pdf.append(time.perf_counter() - start)
            shown = subprocess.run(["pdftotext", "-", "-"], input=data, capture_output=True).stdout.decode()
            if status != 200 or marked not in " ".join(shown.split()):
                raise SystemExit(f"PDF:en vid länken saknar ändringen (status {status}).")
            docx.write_bytes(server.get("/docx/verksamhetsplan-2024.docx")[2])
            bare.append(timed(lambda: bare_once(docx)))
    finally:
        server.stop()
    return preview, pdf, bare


def print_workbench(preview: list[float], pdf: list[float], bare: list[float]) -> None:
    p, b = statistics.median(pdf), statistics.median(bare)
    print("\n| arbetsbänken (#29) | tider (s) | kvot | mål |\n| --- | --- | ---: | --- |")
    print(f"| från sparad källfil till ny text i förhandsvisningen (Chromium), median av {len(preview)} "
          f"| {statistics.median(preview):.2f} (min {min(preview):.2f}, max {max(preview):.2f}) | | < 1 s |")
    print(f"| från sparad källfil till PDF:en vid länken med ändringen ÷ bar `soffice --convert-to pdf` av samma "
          f"DOCX | {p:.2f} / {b:.2f} | {p / b:.2f} | < 0,6 |")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--arbetsbank", action="store_true", help="mät bara arbetsbänken (#29)")
    arguments = parser.parse_args()
    runs = arguments.runs
    if arguments.arbetsbank:
        with tempfile.TemporaryDirectory(prefix="vp-bench-") as tmp_name:
            print_workbench(*workbench_times(Path(tmp_name), runs))
        return 0
    with tempfile.TemporaryDirectory(prefix="vp-bench-") as tmp_name:
        tmp = Path(tmp_name)
        stages = stage_times(runs)
        edited, bare_edited, clean, bare_clean = edited_and_clean(tmp, runs)
        out = tmp / "ut"
        run(PY, "-m", "pipeline", "build", "2024", "--force", "--out", str(out))
        full, bare = paired(runs, lambda: run(PY, "-m", "pipeline", "build", "2024", "--force", "--out", str(out)),
                            lambda: bare_once(out / "verksamhetsplan-2024.docx"))
        docx_only = median_of(runs, lambda: run(PY, "-m", "pipeline", "build", "2024", "--docx-only", "--force",
                                                "--out", str(tmp / "docx")))
        run("make", "--no-print-directory", "plan-2024")
        noop = median_of(runs, lambda: run("make", "--no-print-directory", "plan-2024"))
        noop_cli = median_of(runs, lambda: run(PY, "-m", "pipeline", "build", "2024", "--out", str(out)))
        root = four_years(tmp)
        years = ["2024", "2025", "2026", "2027"]
        run(PY, "-m", "pipeline", "--root", str(root), "build", *years)  # warm caches
        batch = median_of(max(1, runs // 2), lambda: run(PY, "-m", "pipeline", "--root", str(root), "build",
                                                        "--force", *years))
        singles = median_of(max(1, runs // 2), lambda: [run(PY, "-m", "pipeline", "--root", str(root), "build",
                                                            "--force", y) for y in years])
        workbench = workbench_times(tmp, runs)
    cores = os.cpu_count()
    print(f"# Prestandamätning {dt.date.today().isoformat()}\n")
    print(f"Dator: {platform.machine()}, {cores} kärnor, Python {platform.python_version()}, "
          f"{subprocess.run(['soffice', '--version'], capture_output=True, text=True).stdout.strip()}. "
          f"Median av {runs} körningar.\n")
    print("| steg | median (s) |\n| --- | ---: |")
    for name, seconds in stages.items():
        print(f"| {name} | {seconds:.2f} |")
    print("\n| jämförelse | tider (s) | kvot | mål |\n| --- | --- | ---: | --- |")
    print(f"| helt bygge (DOCX+PDF, kall LibreOffice) ÷ bar `soffice --convert-to pdf` av samma DOCX "
          f"| {full:.2f} / {bare:.2f} | {full / bare:.2f} | ≤ 1,3 |")
    print(f"| ombygge efter en ändring (källfil redigerad, cache varm, med korrekturläsning) ÷ bar "
          f"konvertering av samma DOCX | {edited:.2f} / {bare_edited:.2f} | {edited / bare_edited:.2f} | ≤ 1,1 |")
    print(f"| rent bygge (ingen build/-mapp) ÷ bar konvertering | {clean:.2f} / {bare_clean:.2f} "
          f"| {clean / bare_clean:.2f} | ≤ 1,3 |")
    print(f"| bara DOCX ÷ helt bygge | {docx_only:.2f} / {full:.2f} | {docx_only / full:.2f} | |")
    print(f"| ombygge utan ändringar (`make plan-2024`) ÷ helt bygge | {noop:.3f} / {full:.2f} "
          f"| {noop / full:.3f} | ≤ 0,05 |")
    print(f"| ombygge utan ändringar (`python -m pipeline build 2024`, innehållskontroll) ÷ helt bygge "
          f"| {noop_cli:.3f} / {full:.2f} | {noop_cli / full:.3f} | ≤ 0,05 |")
    print(f"| fyra planer i en körning ÷ fyra enskilda byggen | {batch:.2f} / {singles:.2f} "
          f"| {batch / singles:.2f} | ≤ 0,5 |")
    print_workbench(*workbench)
    return 0


if __name__ == "__main__":
    sys.exit(main())
