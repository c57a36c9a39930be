"""Measure comparison engines on the same set of edits: which redline matches the edits made?

    .venv/bin/python tools/compare_engines.py [--keep FOLDER]

Builds draft 1 of the 2024 plan, makes draft 2 by editing the *sources* the way the secretariat
does between two drafts (a reworded sentence, an added sentence, a deleted activity, a moved
activity, a new and a changed Bilaga 1 row, two budget amounts, a moved meeting), builds it, and
compares the two DOCX files with every engine this machine has: LibreOffice's comparison (through
UNO), Open-XML-PowerTools' WmlComparer and Docxodus (both from the PyPI package python-redlines).

For each engine it reports, against the ideal word-level difference of the two documents' texts:
whether accepting all changes gives draft 2 and rejecting them gives draft 1; how many words are
marked inserted and deleted (ideal: the words that really changed); the number of tables (a table
compared as a whole appears twice); whether the new row is an inserted row; the seconds taken.
Not a test: it prints a Markdown table; docs/jämförelse.md records the figures and the choice.
"""

from __future__ import annotations

import argparse
import difflib
import io
import re
import shutil
import sys
import tempfile
import time
import zipfile
from pathlib import Path

from ruamel.yaml import YAML

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipeline.checks.run import check  # noqa: E402
from pipeline.documents.plan import make_docx  # noqa: E402
from pipeline.returned.compare import ENGINES, changes_by_place, redline, sign_revisions  # noqa: E402
from pipeline.docx.package import finish_docx  # noqa: E402

sys.path.insert(0, str(ROOT / "tests"))
from conformance.ooxml import docx_problems, jing_available  # noqa: E402
from pipeline.pdf.libreoffice import LibreOffice  # noqa: E402

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def _yaml() -> YAML:
    yaml = YAML()
    yaml.preserve_quotes = True
    yaml.width = 4096
    return yaml


def edit_yaml(path: Path, change) -> None:
    yaml = _yaml()
    data = yaml.load(path.read_text(encoding="utf-8"))
    change(data)
    with path.open("w", encoding="utf-8") as handle:
        yaml.dump(data, handle)


def replace(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, (path, old)
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def make_version(root: Path, version: int, date: str) -> None:
    plan = root / "sources/2024/plan.yaml"
    text = plan.read_text(encoding="utf-8")
    text = re.sub(r"status: beslutad\nbeslutsdatum: [0-9-]+", f"status: utkast\nversion: {version}", text)
    text = re.sub(r"version: \d+", f"version: {version}", text)
    text = re.sub(r"datum: \d{4}-\d\d-\d\d", f"datum: {date}", text, count=1)
    plan.write_text(text, encoding="utf-8")


EDITS = [
    "omformulerad mening (kapitel 1)", "tillagd mening (kapitel 1)", "borttagen aktivitet (kansliet)",
    "flyttad aktivitet (kansliet, först → sist)", "ny rad i bilaga 1 (nr 10)", "ändrad cell i bilaga 1 (rad 6)",
    "två budgetbelopp", "flyttat möte (2 maj → 16 maj)",
]


def edit_sources(root: Path) -> None:
    """Draft 1 → draft 2, the edits of EDITS."""
    year = root / "sources/2024"
    text = year / "text/1-om-verksamhetsplanen.md"
    replace(text, "Verksamhetsplanen beslutas årligen av", "Verksamhetsplanen beslutas varje år av")
    replace(text, "kansliet uppdrag samt kalendarium och budget.",
            "kansliet uppdrag samt kalendarium och budget. Planen följs upp två gånger per år.")

    def secretariat(data):
        items = data["aktiviteter"]
        gone = next(i for i, a in enumerate(items) if a["aktivitet"].startswith("Delta i StorSthlms expertgrupp"))
        del items[gone]
        items.append(items.pop(0))
    edit_yaml(year / "kansliet.yaml", secretariat)

    def commplan(data):
        items = data["aktiviteter"]
        row = next(i for i in items if i["nr"] == 6)
        row["kostnad"] = "Ingen extra kostnad"
        items.append({"nr": 10, "aktivitet": "Nyhetsbrev till kommunernas förtroendevalda två gånger per år",
                      "när": "Maj och november", "kostnad": "-"})
    edit_yaml(year / "kommunikationsplan.yaml", commplan)

    budget = year / "budget.yaml"
    replace(budget, "belopp: 100000", "belopp: 120000")
    replace(budget, "belopp: 650000", "belopp: 630000")
    replace(year / "kalendarium.yaml", "datum: 2024-05-02", "datum: 2024-05-16")


def build(root: Path, out: Path) -> Path:
    sources = check(root, 2024)
    out.write_bytes(make_docx(root, sources))
    return out


# --- reading a redline ---------------------------------------------------------------------------

def _words(texts) -> list[str]:
    return " ".join(texts).split()


def document_words(data: bytes, view: str) -> list[str]:
    """The words of a DOCX as it reads with all changes accepted ("new") or rejected ("old")."""
    from xml.etree import ElementTree

    from pipeline.returned.revisions import words_of
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return words_of(ElementTree.fromstring(z.read("word/document.xml")).find(f"{W}body"), view)


def marked_words(data: bytes) -> tuple[int, int]:
    """Words inside insertions and deletions (moves counted on both sides)."""
    from xml.etree import ElementTree
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        body = ElementTree.fromstring(z.read("word/document.xml"))
    inserted = deleted = 0
    for tag, counter in ((f"{W}ins", "i"), (f"{W}moveTo", "i"), (f"{W}del", "d"), (f"{W}moveFrom", "d")):
        for node in body.iter(tag):
            words = len(_words(t.text or "" for t in node.iter() if t.tag in (f"{W}t", f"{W}delText")))
            if counter == "i":
                inserted += words
            else:
                deleted += words
    return inserted, deleted


def table_facts(data: bytes) -> tuple[int, int]:
    from xml.etree import ElementTree
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        body = ElementTree.fromstring(z.read("word/document.xml"))
    tables = len(body.findall(f".//{W}tbl"))
    inserted_rows = sum(1 for tr in body.iter(f"{W}tr") if tr.find(f"{W}trPr/{W}ins") is not None)
    return tables, inserted_rows


def ideal(old: list[str], new: list[str]) -> tuple[int, int]:
    matcher = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
    inserted = deleted = 0
    for op, a1, a2, b1, b2 in matcher.get_opcodes():
        if op in ("replace", "delete"):
            deleted += a2 - a1
        if op in ("replace", "insert"):
            inserted += b2 - b1
    return inserted, deleted


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", type=Path, default=None, help="keep the drafts and redlines in this folder")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="jamforelse-"))
    try:
        project = work / "projekt"
        shutil.copytree(ROOT / "sources", project / "sources")
        shutil.copytree(ROOT / "templates", project / "templates")
        make_version(project, 1, "2023-11-01")
        old = build(project, work / "utkast-1.docx")
        make_version(project, 2, "2023-12-01")
        edit_sources(project)
        new = build(project, work / "utkast-2.docx")
        old_words = document_words(old.read_bytes(), "new")
        new_words = document_words(new.read_bytes(), "new")
        best_ins, best_del = ideal(old_words, new_words)
        print(f"Ändringar: {len(EDITS)} ({'; '.join(EDITS)})")
        print(f"Ideal (ordnivå, difflib): {best_ins} ord infogade, {best_del} ord borttagna; "
              f"{table_facts(new.read_bytes())[0]} tabeller i utkast 2\n")
        print(f"Väntat i rapporten: {len(EDITS) + 1 + 3} ändringar (de {len(EDITS)} ovan, budgeten två, och "
              f"titelsidans version och datum i tre stycken)\n")
        print("| motor | godkänn alla = utkast 2 | avvisa alla = utkast 1 | ord infogade | ord borttagna "
              "| tabeller | infogade rader | ändringar i rapporten | schemafel | sekunder |")
        print("| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
        with LibreOffice() as office:
            for name in ENGINES:
                start = time.perf_counter()
                try:
                    result = redline(name, old.read_bytes(), new.read_bytes(), office=office, raw=True)
                except Exception as exc:  # noqa: BLE001 - a report of what each engine does
                    print(f"| {name} | misslyckades: {exc} | | | | | | |")
                    continue
                seconds = time.perf_counter() - start
                if args.keep:
                    args.keep.mkdir(parents=True, exist_ok=True)
                    (args.keep / f"{name}.docx").write_bytes(result)
                accepted = document_words(result, "new") == new_words
                rejected = document_words(result, "old") == old_words
                inserted, deleted = marked_words(result)
                tables, rows = table_facts(result)
                finished = finish_docx(sign_revisions(result, "Södertörns kansli", "2023-12-01T00:00:00Z"))
                reported = len(changes_by_place(finished))
                (work / "f.docx").write_bytes(finished)
                errors = len(docx_problems(work / "f.docx")) if jing_available() else "–"
                print(f"| {name} | {'ja' if accepted else 'nej'} | {'ja' if rejected else 'nej'} | {inserted} "
                      f"| {deleted} | {tables} | {rows} | {reported} | {errors} | {seconds:.1f} |")
        if args.keep:
            shutil.copy(old, args.keep / old.name)
            shutil.copy(new, args.keep / new.name)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
