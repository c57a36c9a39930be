"""Any year, any shape: new-year, to-dos, and a plan of another shape built from sources alone."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import docx
import pytest
import yaml

from conftest import ROOT, needs_libreoffice, run_cli
from helpers import problems
from test_docx import document_text, paragraphs

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "annan-form"


def _load(root: Path, relative: str):
    return yaml.safe_load((root / "sources" / relative).read_text(encoding="utf-8"))


def test_new_year_creates_a_draft_with_clear_todos(project):
    result = run_cli("new-year", "2025", root=project)
    assert result.returncode == 0, result.stderr
    plan = _load(project, "2025/plan.yaml")
    assert plan["år"] == 2025 and plan["status"] == "utkast" and plan["version"] == 1
    assert "beslutsdatum" not in plan
    assert plan["titel"] == "Verksamhetsplan och budget 2025"
    assert plan["kapitel"][0]["rubrik"] == "Om verksamhetsplanen 2025"
    # goals, structure and texts carried over
    goals_2024, goals_2025 = _load(project, "2024/mal.yaml"), _load(project, "2025/mal.yaml")
    assert goals_2025["vision"] == goals_2024["vision"] and goals_2025["nivåer"] == goals_2024["nivåer"]
    assert len(goals_2025["fokusområden"][0]["mål"][0]["mål"]) == 2
    # texts carried over; each line that names 2024 (or 2023, the year before it) is marked for review
    marker = "ATT GÖRA: kontrollera årtalet 2024 – "
    text_2025 = (project / "sources/2025/text/1-om-verksamhetsplanen.md").read_text(encoding="utf-8")
    assert re.sub(r"ATT GÖRA: kontrollera årtal(et|en) [^–]* – ", "", text_2025) == \
        (project / "sources/2024/text/1-om-verksamhetsplanen.md").read_text(encoding="utf-8")
    assert text_2025.startswith(marker + "Verksamhetsplanen för 2024 har sin utgångspunkt")
    # comments are kept, their year updated
    assert (project / "sources/2025/kalendarium.yaml").read_text(encoding="utf-8").startswith(
        "# Kalendarium för möten 2025")

    check = run_cli("check", "2025", root=project)
    assert check.returncode == 1 and "Traceback" not in check.stderr
    lines = check.stderr.strip().splitlines()
    marked = int(re.search(r"(\d+) ställen i texterna nämner 2024", result.stdout).group(1))
    carried = int(re.search(r"(\d+) aktiviteter som inte blev klara", result.stdout).group(1))
    assert lines[-1] == f"{4 + marked + carried} fel i källfilerna."  # the date, the population, two bodies' meetings
    assert len([line for line in lines if "behåll eller stryk" in line]) == carried
    assert any(re.fullmatch(r"sources/2025/budget\.yaml:\d+: invånare\.antal: att göra: ange antalet invånare "
                            r"på Södertörn den 31 december 2024", line) for line in lines)
    assert any(re.fullmatch(r"sources/2025/kalendarium\.yaml:\d+: organ\[0\]\.möten: att göra: ange "
                            r"mötena 2025 för Samarbetskommittén \(datum: ÅÅÅÅ-MM-DD\)", line) for line in lines)
    assert any(line.startswith("sources/2025/kalendarium.yaml:") and "organ[1].möten: att göra" in line
               for line in lines)
    assert any(re.fullmatch(r"sources/2025/plan\.yaml:\d+: datum: att göra: ange utkastets datum \(ÅÅÅÅ-MM-DD\)", line)
               for line in lines)
    assert len([line for line in lines if re.search("kontrollera årtal(et|en) ", line)]) == marked


def test_new_year_brings_forward_bilaga_1_items_for_the_new_year(project):
    (project / "sources/2024/uppfoljning-helar.yaml").unlink()  # by their years alone (see test_followup.py)
    assert run_cli("new-year", "2025", root=project).returncode == 0
    items = _load(project, "2025/kommunikationsplan.yaml")["aktiviteter"]
    assert [i["nr"] for i in items] == list(range(1, 8))
    assert all(2025 in i.get("år", [2025]) for i in items)
    assert [i["aktivitet"] for i in items if "Annonsbilaga" in str(i["aktivitet"])]
    assert not [i for i in items if "Presentationsmaterial OM RUFSS" in str(i["aktivitet"])]
    assert {n["nr"] for n in _load(project, "2025/kommunikationsplan.yaml")["fotnoter"]} == {1, 2, 3}
    goals = (project / "sources/2025/mal.yaml").read_text(encoding="utf-8")
    # both 2024 links pointed at items planned for 2024 only
    assert not re.search(r"^\s+bilaga1: \d", goals, re.M)


def test_filled_in_new_year_builds(project, tmp_path):
    assert run_cli("new-year", "2025", root=project).returncode == 0
    budget = project / "sources/2025/budget.yaml"
    text = budget.read_text(encoding="utf-8")
    budget.write_text(re.sub(r'antal: .*', "antal: 520824", text), encoding="utf-8")
    calendar = project / "sources/2025/kalendarium.yaml"
    text = calendar.read_text(encoding="utf-8")
    meetings = iter(["\n      - datum: 2025-03-20\n      - datum: 2025-05-08",
                     "\n      - datum: 2025-02-14\n      - datum: 2025-04-11"])
    text = re.sub(r"möten: .*ATT GÖRA.*", lambda m: "möten:" + next(meetings), text)
    calendar.write_text(text, encoding="utf-8")
    plan = project / "sources/2025/plan.yaml"
    plan.write_text(re.sub(r"datum: .*ATT GÖRA.*", "datum: 2024-12-12", plan.read_text(encoding="utf-8")),
                    encoding="utf-8")
    for path in list((project / "sources/2025").rglob("*.yaml")) + list((project / "sources/2025").rglob("*.md")):
        path.write_text(re.sub(r"ATT GÖRA: (kontrollera årtal(et|en) [^–]*|behåll eller stryk \([^)]*\)) – ", "",
                               path.read_text(encoding="utf-8")), encoding="utf-8")  # reviewed, as a secretary would
    assert problems(project, 2025) == []
    result = run_cli("build", "2025", "--docx-only", "--out", str(tmp_path), root=project)
    assert result.returncode == 0, result.stderr
    body = document_text(tmp_path / "verksamhetsplan-2025.docx")
    assert "UTKAST 1" in body and "Verksamhetsplan och budget 2025" in body


def test_new_year_refuses_an_existing_year(project):
    assert run_cli("new-year", "2025", root=project).returncode == 0
    marker = project / "sources/2025/plan.yaml"
    before = marker.read_bytes()
    again = run_cli("new-year", "2025", root=project)
    assert again.returncode == 1 and "Traceback" not in again.stderr
    assert "sources/2025 finns redan" in again.stderr
    assert marker.read_bytes() == before


def test_new_year_refuses_from_broken_sources_and_leaves_nothing(project):
    (project / "sources/2024/budget.yaml").write_text("avgift_per_invånare: [\n", encoding="utf-8")
    result = run_cli("new-year", "2025", root=project)
    assert result.returncode == 1 and "sources/2024/budget.yaml:" in result.stderr
    assert sorted(p.name for p in (project / "sources").iterdir()) == ["2024", "gemensamt"]


def test_make_targets_work_for_any_year_with_sources():
    result = subprocess.run(["make", "-n", "plan-2031", "check-2031", "docx-2031"], cwd=ROOT,
                            capture_output=True, text=True)
    assert result.returncode == 0
    assert "pipeline build 2031" in result.stdout and "pipeline check 2031" in result.stdout
    check = subprocess.run(["make", "--no-print-directory", "check-2024"], cwd=ROOT, capture_output=True, text=True)
    assert check.returncode == 0 and "allt stämmer" in check.stdout


@pytest.fixture
def other_shape(tmp_path: Path) -> Path:
    root = tmp_path / "annan"
    shutil.copytree(FIXTURE / "sources", root / "sources")
    shutil.copytree(ROOT / "templates", root / "templates")
    return root


def test_a_plan_of_another_shape_checks_clean(other_shape):
    assert problems(other_shape, 2031) == []


def test_a_plan_of_another_shape_builds_into_docx(other_shape, tmp_path):
    result = run_cli("build", "2031", "--docx-only", "--out", str(tmp_path), root=other_shape)
    assert result.returncode == 0, result.stderr
    path = tmp_path / "verksamhetsplan-2031.docx"
    paras = paragraphs(path)
    h1 = [t for s, t in paras if s == "Heading 1"]
    assert h1 == ["1. Inledning", "2. Mål och aktiviteter", "3. Möten", "4. Ekonomi", "5. Vem leder arbetet",
                  "Bilaga 1 Avtalet", "Bilaga 2 Kommunikationsinsatser", "Bilaga 3 Programmet SUP 2035"]
    h2 = [t for s, t in paras if s == "Heading 2"]
    assert [t for t in h2 if t.startswith("Fokusområde")] == [
        "Fokusområde infrastruktur", "Fokusområde utbildning", "Fokusområde näringsliv",
        "Fokusområde funktionell samordning"]
    text = document_text(path)
    assert "Delmål" not in text
    assert "Kommunikatörsnätverket (onsdagar kl\u00a010.00–\u206012.00 i Digitalt om inte annat anges)" in text
    assert "10\u00a0december, kl\u00a013.00–\u206016.00 (Obs onsdag)" in text
    assert "Aktiviteten finns med i bilaga 2" in text  # the communication plan is Bilaga 2 here
    assert "Avtalet gäller samverkan mellan kommunerna & regionen <testtext>." in text
    assert "UTKAST 2 – 20\u00a0november\u00a02030" in text
    document = docx.Document(str(path))
    appendix_table = [t for t in document.tables if t.rows[0].cells[0].text == "Nr"][0]
    assert len(appendix_table.rows) == 13
    assert [c.text for c in appendix_table.rows[0].cells] == ["Nr", "Aktivitet", "När", "Kostnad"]
    cost = [t for t in document.tables if t.rows[0].cells[0].text == "Post"][1]
    assert len(cost.rows) == 10  # header, eight lines, Summa
    assert len(document.inline_shapes) == 4


def test_a_year_can_carry_its_own_shared_data_and_appendix_versions(other_shape, tmp_path):
    own = other_shape / "sources/2031/natverk.yaml"
    data = yaml.safe_load((other_shape / "sources/gemensamt/natverk.yaml").read_text(encoding="utf-8"))
    data["natverk"][0]["namn"] = "Nätverket för transporter"
    own.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    result = run_cli("build", "2031", "--docx-only", "--out", str(tmp_path), root=other_shape)
    assert result.returncode == 0, result.stderr
    text = document_text(tmp_path / "verksamhetsplan-2031.docx")
    assert "Ansvar: Nätverket för transporter (Infranätverket)" in text
    assert "Programmet har fyra fokusområden." in text  # the appendix version named by the plan


@needs_libreoffice
def test_a_plan_of_another_shape_builds_into_pdf(other_shape_build):
    pdf = other_shape_build[1]
    pages = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True).stdout.split("\f")[:-1]
    assert all("UTKAST 2" in page for page in pages)
    assert "Kommunikationsinsats nummer 12" in "".join(pages)
