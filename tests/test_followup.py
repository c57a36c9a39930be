"""The follow-up: from the plan's own activities, checked, built like the plan, and feeding next year."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess

import lxml.html
import pytest
from lxml import etree

from conftest import ROOT, copy_project, needs_libreoffice, run_cli
from test_docx import document_text
from test_html import BROWSER, needs_browser, needs_java

FOLLOW_UP = "2024/uppfoljning-helar.yaml"


def pdf_text(path) -> str:
    return " ".join(subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True,
                                   check=True).stdout.split())


# --- what it holds --------------------------------------------------------------------------------

@needs_libreoffice
def test_the_follow_up_holds_summary_goals_assignments_bilaga_1_and_budget(follow_up_2024):
    docx, pdf, page = follow_up_2024
    text = " ".join(document_text(docx).split()).replace("\u2011", "-").replace("\u2060", "")
    printed = pdf_text(pdf).replace("\u2060", "")
    for words in ["Uppföljning av verksamhetsplan och budget 2024", "Helår, januari–december 2024",
                  "Planen har 23 aktiviteter: 11 genomförda, 7 pågår, 2 försenade, 1 ej påbörjad och 2 strukna.",
                  "Övergripande mål för fokusområde infrastruktur", "Kansliets uppdrag",
                  "Kommunikationsaktiviteter (bilaga 1 i planen)", "Budget och utfall",
                  "Remissvaret beslutades av samarbetskommittén i mars.",
                  "Resultat: Trafikverket tog med två av Södertörns synpunkter."]:
        assert words in text, words
        assert words in printed, words
    # status in words and with a symbol, never by colour alone
    for status in ["✓ Genomförd", "→ Pågår", "! Försenad", "○ Ej påbörjad", "✕ Struken"]:
        assert status in text and status in printed
    # budget against outcome, per line and in total, with the sign of the deviation
    for amounts in ["Personalkostnader 1 277 000 kr 1 198 400 kr −78 600 kr",
                    "Hemsidan, IT stöd mm 56 296 kr 71 900 kr +15 604 kr",
                    "Summa 2 083 296 kr 1 868 550 kr −214 746 kr"]:
        assert amounts in text.replace("\u00a0", " "), amounts
        assert all(amount in printed.replace("\u00a0", " ") for amount in re.findall(r"[−+]?[\d ]+ kr", amounts))


@needs_libreoffice
def test_the_summary_is_a_table_and_a_figure_with_a_text_alternative(follow_up_2024):
    docx, _, page = follow_up_2024
    import zipfile
    with zipfile.ZipFile(docx) as z:
        document = etree.fromstring(z.read("word/document.xml"))
    alts = [d.get("descr") for d in document.iter("{http://schemas.openxmlformats.org/drawingml/2006/"
                                                  "wordprocessingDrawing}docPr")]
    assert alts == ["Stapeldiagram över aktiviteternas status per område och totalt. Fokusområde infrastruktur: 5 genomförda, "
                    "3 pågår, 1 försenad, 1 ej påbörjad; Kansliets uppdrag: 2 genomförda, 1 pågår, 1 struken; "
                    "Kommunikation (bilaga 1): 4 genomförda, 3 pågår, 1 försenad, 1 struken; Totalt: 11 genomförda, 7 pågår, "
                    "2 försenade, 1 ej påbörjad, 2 strukna."]
    doc = lxml.html.parse(str(page)).getroot()
    assert doc.xpath("//svg/title")[0].text == alts[0]
    rows = [[c.text_content() for c in tr.xpath("./th|./td")] for tr in doc.xpath("(//table)[1]//tr")]
    assert rows[0] == ["Område", "✓ Genomförd", "→ Pågår", "! Försenad", "○ Ej påbörjad", "✕ Struken", "Totalt"]
    assert rows[-1] == ["Totalt", "11", "7", "2", "1", "2", "23"]


@needs_libreoffice
def test_the_same_sources_give_the_same_follow_up(follow_up_2024, tmp_path):
    result = run_cli("follow-up", "2024", "--tillfälle", "helar", "--out", str(tmp_path))
    assert result.returncode == 0, result.stderr
    for built in follow_up_2024:
        again = tmp_path / built.name
        assert hashlib.sha256(again.read_bytes()).digest() == hashlib.sha256(built.read_bytes()).digest(), built.name


@needs_libreoffice
@needs_browser
def test_the_follow_up_web_page_passes_axe_and_reflows(follow_up_2024, tmp_path):
    run = subprocess.run(["node", str(BROWSER / "prova.mjs"), str(follow_up_2024[2]), str(tmp_path),
                          "--utan-bilder"], capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    result = json.loads(run.stdout)
    assert result["requests"] == [] and all(w["axe"] == [] for w in result["widths"].values())
    assert result["widths"]["320"]["scrollWidth"] <= 320


@needs_libreoffice
@needs_java
def test_the_follow_up_web_page_is_valid_html(follow_up_2024):
    run = subprocess.run(["java", "-jar", str(BROWSER / "node_modules/vnu-jar/build/dist/vnu.jar"), "--errors-only",
                          "--format", "json", str(follow_up_2024[2])], capture_output=True, text=True, timeout=300)
    assert json.loads(run.stderr or run.stdout)["messages"] == []


# --- what the check says -----------------------------------------------------------------------------

def test_every_mistake_in_a_follow_up_is_reported_at_once(project):
    path = project / "sources" / FOLLOW_UP
    text = path.read_text(encoding="utf-8")
    text = text.replace("  m-ee0009:\n    status: försenad\n    kommentar: Arbetet väntar på regionens reviderade "
                        "tidplan för RUFS.\n", "")                                           # a status missing
    text = text.replace("  k-b16564:\n    status: pågår\n", "  k-b16565:\n    status: pågår\n")  # a typo
    text = text.replace("      - post: Möten\n        utfall: 86250\n", "      - post: Möte\n        utfall: 86250\n")
    text = text.replace("    summa: 1868550", "    summa: 1869550")
    path.write_text(text, encoding="utf-8")
    result = run_cli("check", "2024", root=project)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    lines = result.stderr.splitlines()

    def line_of(needle: str) -> int:
        return text[: text.index(needle)].count("\n") + 1
    expected = [
        f"sources/{FOLLOW_UP}:{line_of(chr(10) + 'aktiviteter:') + 1}: aktiviteter: aktiviteten m-ee0009 (”Ta fram en presentation "
        f"om RUFS som också innehåller delar…”, sources/2024/mal.yaml) saknar status; "
        f"lägg till 'm-ee0009: {{status: …}}'.",
        f"sources/{FOLLOW_UP}:{line_of('k-b16565')}: aktiviteter.k-b16565: 'k-b16565' är ingen aktivitet i planen "
        f"för 2024. Menade du 'k-b16564'?",
        f"sources/{FOLLOW_UP}:{line_of('post: Möte')}: budget.kostnader.poster[1].post: 'Möte' är ingen post under "
        f"kostnader i budgeten. Menade du 'Möten'?",
        f"sources/{FOLLOW_UP}:{line_of('summa: 1869550')}: budget.kostnader.summa: summan 1\u00a0869\u00a0550 "
        f"stämmer inte med posterna, som blir 1\u00a0868\u00a0550.",
    ]
    for line in expected:
        assert line in lines, (line, lines)
    # one mistake, one message: a misspelt identity or line is not also missing
    assert not any("utfallet för 'Möten' saknas" in line or "aktiviteten k-b16564" in line for line in lines)
    assert lines[-1] == "4 fel i källfilerna."


def test_an_unknown_status_and_an_activity_without_identity_are_reported(project):
    path = project / "sources" / FOLLOW_UP
    path.write_text(path.read_text(encoding="utf-8").replace("status: ej påbörjad", "status: vilande"),
                    encoding="utf-8")
    kansliet = project / "sources/2024/kansliet.yaml"
    kansliet.write_text(re.sub(r"id: k-b16564\n *", "", kansliet.read_text(encoding="utf-8")), encoding="utf-8")
    lines = run_cli("check", "2024", root=project).stderr.splitlines()
    assert any(re.fullmatch(r"sources/2024/uppfoljning-helar\.yaml:\d+: aktiviteter\.m-779874\.status: ska vara "
                            r"genomförd, pågår, försenad, ej påbörjad eller struken, inte 'vilande'\.", line)
               for line in lines), lines
    # the id was lost where the follow-up still has it: one mistake, one message, that says which id it was
    assert any(re.fullmatch(r"sources/2024/kansliet\.yaml:\d+: aktiviteter\[3\]: aktiviteten har ingen identitet "
                            r"\(id\), så uppföljningen kan inte ange dess status\. sources/2024/uppfoljning-helar\.yaml "
                            r"\(rad \d+\) har 'k-b16564', som ingen aktivitet i planen har: är det den, skriv "
                            r"'id: k-b16564' här; annars kör 'python -m pipeline ids 2024'\.", line) for line in lines), lines
    assert not any("'k-b16564' är ingen aktivitet" in line for line in lines), lines
    assert lines[-1] == "2 fel i källfilerna."


# --- next year -------------------------------------------------------------------------------------

def test_new_year_offers_what_was_not_finished_and_leaves_the_finished(project):
    result = run_cli("new-year", "2025", root=project)
    assert result.returncode == 0, result.stderr
    assert ("Enligt uppföljningen helår 2024: 9 aktiviteter som inte blev klara är med och markerade "
            "'ATT GÖRA: behåll eller stryk'; 11 genomförda eller strukna togs inte med.") in result.stdout
    import yaml
    goals = (project / "sources/2025/mal.yaml").read_text(encoding="utf-8")
    assert "Lämna in ett Södertörns-gemensamt yttrande" not in goals                      # genomförd
    assert "ATT GÖRA: behåll eller stryk (försenad enligt uppföljningen helår 2024) – Ta fram en presentation" \
        in goals
    secretariat = yaml.safe_load((project / "sources/2025/kansliet.yaml").read_text(encoding="utf-8"))
    assert [a["id"] for a in secretariat["aktiviteter"]] == ["k-b16564"]                    # pågår, with its id
    comm = yaml.safe_load((project / "sources/2025/kommunikationsplan.yaml").read_text(encoding="utf-8"))
    assert "b-095bd6" not in {i["id"] for i in comm["aktiviteter"]}                         # struken
    assert [i["nr"] for i in comm["aktiviteter"]] == list(range(1, len(comm["aktiviteter"]) + 1))
    assert not list((project / "sources/2025").glob("uppfoljning-*.yaml"))                # last year's stays
    lines = run_cli("check", "2025", root=project).stderr.splitlines()
    assert len([line for line in lines if "behåll eller stryk" in line]) == 9


def test_no_follow_up_is_a_clear_message(project):
    (project / "sources" / FOLLOW_UP).unlink()
    result = run_cli("follow-up", "2024", root=project)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "sources/2024: det finns ingen uppföljning (uppfoljning-helar.yaml eller uppfoljning-delar.yaml)" \
        in result.stderr


@needs_libreoffice
def test_a_plan_of_another_shape_gets_its_mid_year_follow_up(tmp_path):
    root = tmp_path / "projekt"
    shutil.copytree(ROOT / "tests/fixtures/annan-form/sources", root / "sources")
    shutil.copytree(ROOT / "templates", root / "templates")
    result = run_cli("follow-up", "2031", root=root)
    assert result.returncode == 0, result.stderr
    docx = root / "build/2031/uppfoljning-2031-delar.docx"
    text = " ".join(document_text(docx).split())
    assert "Delår, januari–juni 2031" in text.replace("\u2060", "")
    assert "Kansliets uppdrag" not in text  # this plan has no such chapter
    assert "Planen har 22 aktiviteter: 5 genomförda, 8 pågår, 2 försenade, 5 ej påbörjade och 2 strukna." in text
    assert (root / "build/2031/uppfoljning-2031-delar.pdf").stat().st_size > 20_000


@needs_libreoffice
def test_the_follow_up_of_the_decided_plan_is_archived_and_verified(tmp_path):
    from lxml import etree

    from eark_check import findings, mets_schema, validate
    project = copy_project(tmp_path / "projekt")
    result = run_cli("archive", "2024", "--uppföljning", "helar", root=project)
    assert result.returncode == 0, result.stderr
    objid = "uppfoljning-2024-helar-2025-01-24"
    package = project / "archive" / objid
    assert sorted(p.name for p in (project / "archive").iterdir()) == [objid, f"{objid}.sha256"]
    assert (package / f"representations/pdf/data/{objid}.pdf").is_file()
    assert (package / f"representations/html/data/{objid}.html").is_file()
    record = (package / "metadata/descriptive/dc.xml").read_text(encoding="utf-8")
    assert "<dc:date>2025-01-24</dc:date>" in record and "<dc:coverage>2024</dc:coverage>" in record
    assert "Uppföljning av verksamhetsplan och budget 2024, helår" in record
    assert "<dc:relation>verksamhetsplan-2024-beslutad-2024-01-16</dc:relation>" in record  # the plan's OBJID
    assert "sources/2024/uppfoljning-helar.yaml" in (package / "metadata/preservation/premis.xml").read_text()
    assert mets_schema(package / "schemas").validate(etree.parse(str(package / "METS.xml")))
    # SIP14 is eark-validator 1.1.3's own error (see tests/test_archive.py); nothing else is one.
    assert {rule for rule, _ in findings(validate(package), "Error")} == {"SIP14"}
    verify = run_cli("verify-archive", root=project)
    assert verify.returncode == 0 and "filer i 1 mapp" in verify.stdout
    again = run_cli("archive", "2024", "--uppföljning", "helar", root=project)
    assert "finns redan och skrivs inte över; den arkiverade PDF:en är identisk" in again.stdout
    pdf = package / f"representations/pdf/data/{objid}.pdf"
    pdf.chmod(0o644)
    data = bytearray(pdf.read_bytes())
    data[len(data) // 2] ^= 1
    pdf.write_bytes(bytes(data))
    broken = run_cli("verify-archive", root=project)
    assert broken.returncode == 1
    assert f"archive/{objid}/representations/pdf/data/{objid}.pdf: innehållet har ändrats" in broken.stderr


def test_a_follow_up_being_written_does_not_stop_the_plan(project, tmp_path):
    path = project / "sources" / FOLLOW_UP
    path.write_text(path.read_text(encoding="utf-8").replace("status: ej påbörjad", "status: halvklar"),
                    encoding="utf-8")
    built = run_cli("build", "2024", "--docx-only", "--out", str(tmp_path), root=project)
    assert built.returncode == 0, built.stderr                    # the plan does not depend on it
    checked = run_cli("check", "2024", root=project)
    assert checked.returncode == 1 and "inte 'halvklar'" in checked.stderr   # but check reports it
    followed = run_cli("follow-up", "2024", root=project)
    assert followed.returncode == 1 and "inte 'halvklar'" in followed.stderr
