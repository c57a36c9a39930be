"""Two versions of the plan: the Word redline shows each real change once, where it is, and the
content summary lists what changed in the sources (for the cover letter of the next draft).

Draft 1 → draft 2 is made the way the secretariat works: by editing the sources (a reworded and an
added sentence, a deleted and a moved assignment, a new and a changed Bilaga 1 row, two budget
amounts, a moved meeting), and both drafts are built as a user builds them.
"""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import zipfile
from pathlib import Path
from xml.etree import ElementTree

import pytest
from ruamel.yaml import YAML

from conftest import copy_project, make_draft, run_cli
from helpers import replace_in
from pipeline.returned.revisions import words_of

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def edit_yaml(path: Path, change) -> None:
    yaml = YAML()
    yaml.preserve_quotes = True
    yaml.width = 4096
    data = yaml.load(path.read_text(encoding="utf-8"))
    change(data)
    with path.open("w", encoding="utf-8") as handle:
        yaml.dump(data, handle)


def draft_two(project: Path) -> None:
    """The secretariat's edits between draft 1 and draft 2."""
    replace_in(project, "2024/plan.yaml", "version: 1", "version: 2")
    replace_in(project, "2024/plan.yaml", "datum: 2024-01-16", "datum: 2024-01-20")
    text = "2024/text/1-om-verksamhetsplanen.md"
    replace_in(project, text, "Verksamhetsplanen beslutas årligen av", "Verksamhetsplanen beslutas varje år av")
    replace_in(project, text, "kansliet uppdrag samt kalendarium och budget.",
               "kansliet uppdrag samt kalendarium och budget. Planen följs upp två gånger per år.")

    def secretariat(data):
        items = data["aktiviteter"]
        del items[next(i for i, a in enumerate(items) if a["aktivitet"].startswith("Delta i StorSthlms expertgrupp"))]
        items.append(items.pop(0))
    edit_yaml(project / "sources/2024/kansliet.yaml", secretariat)

    def commplan(data):
        next(i for i in data["aktiviteter"] if i["nr"] == 6)["kostnad"] = "Ingen extra kostnad"
        data["aktiviteter"].append({"nr": 10, "aktivitet": "Nyhetsbrev till kommunernas förtroendevalda",
                                    "när": "Maj och november", "kostnad": "-"})
    edit_yaml(project / "sources/2024/kommunikationsplan.yaml", commplan)
    replace_in(project, "2024/budget.yaml", "belopp: 100000", "belopp: 120000")
    replace_in(project, "2024/budget.yaml", "belopp: 650000", "belopp: 630000")
    replace_in(project, "2024/kalendarium.yaml", "datum: 2024-05-02", "datum: 2024-05-16")


@pytest.fixture(scope="module")
def drafts(tmp_path_factory) -> tuple[Path, Path, Path]:
    """(project at draft 2 in git with draft 1 as the previous commit, draft 1 DOCX, draft 2 DOCX)."""
    work = tmp_path_factory.mktemp("versioner")
    project = copy_project(work / "projekt")
    make_draft(project, version=1)
    git = ["git", "-C", str(project), "-c", "user.name=Kansliet", "-c", "user.email=kansliet@example.org"]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "sources", "templates"], check=True)
    subprocess.run([*git, "commit", "-q", "-m", "Utkast 1"], check=True)
    subprocess.run([*git, "tag", "utkast-1"], check=True)
    built = []
    for number in (1, 2):
        if number == 2:
            draft_two(project)
            subprocess.run([*git, "commit", "-q", "-a", "-m", "Utkast 2"], check=True)
        out = work / f"utkast-{number}"
        result = run_cli("build", "2024", "--docx-only", "--out", str(out), root=project)
        assert result.returncode == 0, result.stderr
        built.append(shutil.copy(out / "verksamhetsplan-2024.docx", work / f"utkast-{number}.docx"))
    return project, Path(built[0]), Path(built[1])


def _body(path_or_bytes) -> ElementTree.Element:
    data = path_or_bytes.read_bytes() if isinstance(path_or_bytes, Path) else path_or_bytes
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return ElementTree.fromstring(z.read("word/document.xml")).find(f"{W}body")


def words(path: Path, view: str) -> list[str]:
    """The document's words with every change accepted ("new") or rejected ("old")."""
    return words_of(_body(path), view)


def test_compare_shows_each_change_once_where_it_is(drafts, tmp_path):
    _, old, new = drafts
    out = tmp_path / "jamforelse.docx"
    result = run_cli("compare", str(old), str(new), "--out", str(out))
    assert result.returncode == 0, result.stderr
    report = result.stdout
    # every edit once, with its place: text, table rows (moved, deleted, added, changed), budget, calendar
    expected = [
        ("1. Om verksamhetsplanen 2024:", "”årligen” → ”varje år”"),
        ("1. Om verksamhetsplanen 2024:", "infogat: ”Planen följs upp två gånger per år.”"),
        ("3. Kansliets uppdrag, tabellrad 1 (Översyn och uppdatering av in…):", "raden flyttad till tabellrad 5"),
        ("3. Kansliets uppdrag, tabellrad 4 (Delta i StorSthlms expertgrup…):", "rad borttagen: Delta i StorSthlms"),
        ("5. Kalendarium för möten:", "”2 maj” → ”16 maj”"),
        ("6. Budget, Kostnader, tabellrad 2 (Möten):", "”ca 100 000 kr” → ”ca 120 000 kr”"),
        ("tabellrad 6:", "”Mindre kostnad för powerpoint bilder” → ”Ingen extra kostnad”"),
        ("tabellrad 10:", "rad infogad: 10 | Nyhetsbrev till kommunernas förtroendevalda | Maj och november | -"),
        # the header of every page: the draft's marking
        ("Sidhuvud:", "”Verksamhetsplan och budget 2024 UTKAST 1 – 16 januari 2024” → ”Verksamhetsplan och budget "
                      "2024 UTKAST 2 – 20 januari 2024”"),
    ]
    lines = report.splitlines()
    under: list[tuple[str, str]] = []  # (place, change)
    current = ""
    for line in lines[1:]:
        if line.startswith("    "):
            under.append((current, line.strip()))
        else:
            current = line.strip()
    for place, change in expected:
        assert any(p.endswith(place) and change in c for p, c in under), (place, change, report)
    # the title page: version and date, three paragraphs; the header; nothing else is counted
    assert "med 13 ändringar (spårade ändringar av Södertörns kansli, daterade 2024-01-20)" in lines[0], lines[0]
    assert lines[-2:] == ["  Sidhuvud:", "    ”Verksamhetsplan och budget 2024 UTKAST 1 – 16 januari 2024” → "
                          "”Verksamhetsplan och budget 2024 UTKAST 2 – 20 januari 2024”"], lines
    # accepting every change gives draft 2, rejecting every change gives draft 1
    assert words(out, "new") == words(new, "new")
    assert words(out, "old") == words(new.parent / "utkast-1.docx", "new")
    body = _body(out)
    assert len(body.findall(f".//{W}tbl")) == len(_body(new).findall(f".//{W}tbl"))  # no table twice
    marks = [el for tag in ("ins", "del", "moveFrom", "moveTo") for el in body.iter(f"{W}{tag}")]
    assert marks and {m.get(f"{W}author") for m in marks} == {"Södertörns kansli"}
    assert {m.get(f"{W}date")[:10] for m in marks} == {"2024-01-20"}  # the newer version's date
    # the result's contents list: the newer version's headings, filled in (no prompt in Word)
    from pipeline.docx.contents import contents_headings
    toc = [p for p in body.iter(f"{W}p") if (p.find(f"{W}pPr/{W}pStyle") is not None
                                           and re.fullmatch(r"TOC\d", p.find(f"{W}pPr/{W}pStyle").get(f"{W}val")))]
    assert len(toc) == len(contents_headings(out.read_bytes())) > 10
    inserted_rows = [tr for tr in body.iter(f"{W}tr") if tr.find(f"{W}trPr/{W}ins") is not None]
    assert any("Nyhetsbrev" in "".join(t.text or "" for t in tr.iter(f"{W}t")) for tr in inserted_rows)


def test_compare_signs_with_the_name_given(drafts, tmp_path):
    _, old, new = drafts
    out = tmp_path / "j.docx"
    result = run_cli("compare", str(old), str(new), "--out", str(out), "--författare", "Anna Strateg")
    assert result.returncode == 0, result.stderr
    authors = {el.get(f"{W}author") for el in _body(out).iter(f"{W}ins")}
    assert authors == {"Anna Strateg"}


def test_changes_lists_what_changed_in_the_content(drafts):
    project, *_ = drafts
    result = run_cli("changes", "2024", "--from", "utkast-1", "--to", "HEAD", root=project)
    assert result.returncode == 0, result.stderr
    out = result.stdout.replace("\u00a0", " ")  # amounts and dates are written with no-break spaces
    assert out.startswith("Ändringar i verksamhetsplanen 2024: utkast 1 (16 januari 2024) → "
                          "utkast 2 (20 januari 2024)")
    for expected in [
        "meningen ”Verksamhetsplanen beslutas årligen av Södertörnssamverkans samarbetskommitté.” omformulerad "
        "till ”Verksamhetsplanen beslutas varje år av Södertörnssamverkans samarbetskommitté.”",
        "meningen ”Planen följs upp två gånger per år.” tillagd",
        "uppdraget borttaget: ”Delta i StorSthlms expertgrupp kopplat till infrastrukturfrågor”",
        "flyttat från plats 1 till plats 3",
        "Samarbetskommittén: mötet 2 maj flyttat till 16 maj",
        "kostnader: Möten ca 100 000 kr → ca 120 000 kr",
        "kostnader: Konsultstöd, påverkansaktiviteter ca 650 000 kr → ca 630 000 kr",
        "rad 6: kostnad ”Mindre kostnad för powerpoint bilder” → ”Ingen extra kostnad”",
        "ny rad 10: ”Nyhetsbrev till kommunernas förtroendevalda”",
    ]:
        assert expected in out, (expected, out)
    assert out.count("\n- ") == 9  # nothing else


def test_changes_compares_folders_and_the_working_copy(drafts, tmp_path):
    project, *_ = drafts
    older = tmp_path / "äldre"
    shutil.copytree(project / "sources", older / "sources")
    # goals and activities: a reworded activity, one moved to another goal, a renamed goal,
    # a new budget line, a new and a struck meeting, a removed Bilaga 1 row
    mal = "2024/mal.yaml"
    replace_in(project, mal, "Bevaka frågan om elförsörjning och elkapacitet.",
               "Bevaka frågan om elförsörjning och elkapacitet i regionen.")
    replace_in(project, mal, "namn: Heltäckande och god laddinfrastruktur på Södertörn",
               "namn: Heltäckande och mycket god laddinfrastruktur på Södertörn")

    def move(data):
        area = data["fokusområden"][0]["mål"][0]
        source = area["mål"][0]["mål"][0]["aktiviteter"]
        target = area["mål"][1]["aktiviteter"]
        target.append(source.pop(1))
    edit_yaml(project / "sources" / mal, move)
    replace_in(project, "2024/budget.yaml", "    - post: Möten\n      belopp: 120000",
               "    - post: Möten\n      belopp: 100000\n    - post: Resor\n      belopp: 20000")
    replace_in(project, "2024/kalendarium.yaml", "      - datum: 2024-09-12\n", "")
    edit_yaml(project / "sources/2024/kommunikationsplan.yaml",
              lambda d: d["aktiviteter"].remove(next(i for i in d["aktiviteter"] if i["nr"] == 8)))
    try:
        result = run_cli("changes", "2024", "--from", str(older), root=project)
        assert result.returncode == 0, result.stderr
        out = result.stdout.replace("\u00a0", " ")
        for expected in [
            "aktiviteten omformulerad (Delmål: Heltäckande och mycket god laddinfrastruktur på Södertörn): "
            "”Bevaka frågan om elförsörjning och elkapacitet.” → ”Bevaka frågan om elförsörjning och elkapacitet "
            "i regionen.”",
            "delmål omdöpt: ”Heltäckande och god laddinfrastruktur på Södertörn” → ”Heltäckande och mycket god "
            "laddinfrastruktur på Södertörn”",
            "flyttad från Delmål: Heltäckande och mycket god laddinfrastruktur på Södertörn till Långsiktigt mål: "
            "Tillgänglighet",
            "kostnader: ny post Resor, ca 20 000 kr",
            "kostnader: Möten ca 120 000 kr → 100 000 kr",
            "Samarbetskommittén: mötet 12 september struket",
            "rad 8 borttagen: ”Personliga möten med utsedda talespersoner”",
        ]:
            assert expected in out, (expected, out)
        written = run_cli("changes", "2024", "--from", str(older), "--out", str(tmp_path / "ändringar.md"),
                          root=project)
        assert (tmp_path / "ändringar.md").read_text(encoding="utf-8").strip() == written.stdout.strip()
    finally:
        subprocess.run(["git", "-C", str(project), "checkout", "-q", "--", "sources"], check=True)


@pytest.mark.parametrize("spec, message", [
    ("finns-inte", "finns-inte: varken en mapp eller en version i git"),
    ("/", "/: mappen har ingen sources/-mapp"),
])
def test_changes_names_a_version_it_cannot_find(drafts, spec, message):
    project, *_ = drafts
    result = run_cli("changes", "2024", "--from", spec, root=project)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert message in result.stderr


def test_no_changes_is_said_plainly(drafts):
    project, *_ = drafts
    result = run_cli("changes", "2024", "--from", "HEAD", root=project)
    assert result.returncode == 0 and "Inga ändringar i innehållet." in result.stdout


def test_changes_follow_rows_activities_and_goals_by_their_id(drafts):
    """A reworded item is one changed item, a moved one is moved, and only an id that is gone is a removal."""
    project, *_ = drafts

    def commplan(data):
        rows = data["aktiviteter"]
        next(r for r in rows if r["id"] == "b-9d79b6")["aktivitet"] = (
            "Ledningsgruppen träffar Trafikverket och Regionen för att föra fram Södertörns prioriteringar.")
        rows.append(rows.pop(next(i for i, r in enumerate(rows) if r["id"] == "b-095bd6")))  # Annonsbilaga last
        for number, row in enumerate(rows, 1):
            row["nr"] = number
    edit_yaml(project / "sources/2024/kommunikationsplan.yaml", commplan)
    mal = "2024/mal.yaml"
    replace_in(project, mal, "aktivitet: Lista pågående projekt, ÅVser, nätverk mm inom infrastrukturplanering.",
               "aktivitet: Sammanställ vilka planeringsprojekt kommunerna deltar i.")
    replace_in(project, mal, "namn: Omställning\n", "namn: Fossilfri region\n")
    replace_in(project, mal, "                  - id: m-20e0e7\n                    aktivitet: Stöd i samrådsprocessen för "
               "RUFs i klimatfrågor, elförsörjnings- och laddinfrastrukturfrågor etc.\n                    kommentar: "
               "Om behov av underlag efterfrågas tas dessa fram av klimatnätverket.\n", "")
    replace_in(project, "2024/kansliet.yaml", "aktivitet: Påbörja en förstudie om resvanor och resmönster i syfte att "
               "eventuellt senare (2025) uppdatera den tidigare genomförda systemanalysen avseende resmönster på "
               "Södertörn.", "aktivitet: Ta fram underlag om hur invånarna på Södertörn reser.")
    try:
        result = run_cli("changes", "2024", "--from", "HEAD", root=project)
        assert result.returncode == 0, result.stderr
        out = result.stdout.replace("\u00a0", " ")
        changes = [line[2:] for line in out.splitlines() if line.startswith("- ")]
        assert sorted(changes) == sorted([
            "rad 2: aktiviteten ”Ledningsgruppen genomför möten med externa i syfte att informera om Södertörns "
            "gemensamma och prioriterade frågor. Möten kan arrangeras med…” → ”Ledningsgruppen träffar Trafikverket "
            "och Regionen för att föra fram Södertörns prioriteringar.”",
            "raden ”Annonsbilaga i DI” flyttad från rad 4 till rad 10",
            "aktiviteten omformulerad (Långsiktigt mål: Tillgänglighet): ”Lista pågående projekt, ÅVser, nätverk mm "
            "inom infrastrukturplanering.” → ”Sammanställ vilka planeringsprojekt kommunerna deltar i.”",
            "långsiktigt mål omdöpt: ”Omställning” → ”Fossilfri region”",
            "aktiviteten borttagen (Delmål: Heltäckande och god laddinfrastruktur på Södertörn): ”Stöd i "
            "samrådsprocessen för RUFs i klimatfrågor, elförsörjnings- och laddinfrastrukturfrågor etc.”",
            "uppdraget omformulerat: ”Påbörja en förstudie om resvanor och resmönster i syfte att eventuellt senare "
            "(2025) uppdatera den tidigare genomförda systemanalysen avsee…” → ”Ta fram underlag om hur invånarna "
            "på Södertörn reser.”",
        ]), out
    finally:
        subprocess.run(["git", "-C", str(project), "checkout", "-q", "--", "sources"], check=True)
