"""Editing the sources in the workbench (issue 30): forms built from the model, saved through ruamel.yaml's
round trip so that only the edited lines change, refused when they would make a problem or when the file
changed on disk, undone; the Markdown editor; and the same in Chromium, with the plan built afterwards.

The round trip is tested in-process on every source file of the project; the forms on one real server
(as tests/test_workbench.py starts it) on a copy of the project, submitted as a browser submits them.
"""

from __future__ import annotations

import difflib
import re
import shutil
from pathlib import Path
from urllib.parse import quote

import pytest

from conftest import ROOT, copy_project, run_cli
from form_reader import read_form, with_values
from pipeline.pdf.libreoffice import libreoffice_status
from pipeline.workbench.editing import kept_lines
from pipeline.workbench.yamledit import Document, set_value
from workbench_driver import Workbench

YEAR = "2024"
BROWSER_MISSING = not (shutil.which("chromium") and shutil.which("node")
                       and (ROOT / "tests/browser/node_modules/axe-core").is_dir())
SOURCE_FILES = sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "sources").rglob("*")
                      if p.suffix in (".yaml", ".md") and p.is_file())


def changed_lines(before: str, after: str) -> list[str]:
    return [line for line in difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm="", n=0)
            if line[:1] in "+-" and not line.startswith(("+++", "---"))]


# --- in-process: the round trip ----------------------------------------------------------------------------

@pytest.mark.parametrize("name", [n for n in SOURCE_FILES if n.endswith(".yaml")])
def test_every_yaml_source_read_and_written_unchanged_is_the_same_bytes(name):
    text = (ROOT / name).read_text(encoding="utf-8")
    assert Document(text).dump() == text
    crlf = text.replace("\n", "\r\n")
    assert Document(crlf).dump() == crlf  # a file saved on Windows keeps its line endings


def test_two_amounts_changed_change_those_two_lines_and_nothing_else():
    text = (ROOT / "sources" / YEAR / "budget.yaml").read_text(encoding="utf-8")
    document = Document(text)
    lines = document.data["kostnader"]["poster"]
    set_value(lines[1], "belopp", 120000)
    set_value(lines[3], "belopp", 630000)
    assert changed_lines(text, document.dump()) == ["-      belopp: 100000", "-      belopp: 650000",
                                                    "+      belopp: 120000", "+      belopp: 630000"] or \
        changed_lines(text, document.dump()) == ["-      belopp: 100000", "+      belopp: 120000",
                                                 "-      belopp: 650000", "+      belopp: 630000"]


def test_a_key_added_at_the_end_of_an_item_goes_before_the_blank_line_after_it():
    text = (ROOT / "sources" / YEAR / "kalendarium.yaml").read_text(encoding="utf-8")
    document = Document(text)
    set_value(document.data["organ"][0]["möten"][4], "plats", "Haninge kommunhus")
    after = document.dump()
    assert changed_lines(text, after) == ["+        plats: Haninge kommunhus"]
    assert "      - datum: 2024-11-07\n        plats: Haninge kommunhus\n\n  - namn: Ledningsgruppen" in after


def test_an_emptied_optional_field_loses_its_key_and_the_blank_line_after_the_item_stays():
    from pipeline.workbench import forms
    text = (ROOT / "sources" / YEAR / "kalendarium.yaml").read_text(encoding="utf-8")
    document = Document(text)
    control = forms.Control(("organ", 0, "möten", 0, "notering"), "notering", "text")
    forms._put(document.data, control, None)
    after = document.dump()
    assert changed_lines(text, after) == ["-        notering: Obs tisdag"]
    text = text.replace("      - datum: 2024-11-07\n", "      - datum: 2024-11-07\n        plats: Haninge\n")
    document = Document(text)
    forms._put(document.data, forms.Control(("organ", 0, "möten", 4, "plats"), "plats", "text"), None)
    assert changed_lines(text, document.dump()) == ["-        plats: Haninge"]


def test_a_file_ruamel_would_write_differently_keeps_every_line_not_edited():
    # an indentation ruamel cannot keep for both lists, and a comment set off oddly: the edit alone shows
    text = "a:\n  - x: 1\n    y: 2\nb:\n    - 3\n    - 4\nc:   5    # sist\n"
    document = Document(text)
    set_value(document.data["a"][0], "y", 7)
    assert changed_lines(text, document.dump()) == ["-    y: 2", "+    y: 7"]


def test_a_text_from_a_text_area_keeps_the_files_line_endings_and_every_untouched_line():
    original = "\r\n# Rubrik\r\n\r\nFörsta stycket.  \r\nAndra raden.\r\n"
    typed = "\n# Rubrik\n\nFörsta stycket.  \nAndra raden, ändrad.\n".replace("\n", "\r\n")
    assert kept_lines(original, typed) == "\r\n# Rubrik\r\n\r\nFörsta stycket.  \r\nAndra raden, ändrad.\r\n"
    mixed = "a\nb\r\nc"  # no newline at the end: none added
    assert kept_lines(mixed, "a\r\nb\r\nc") == mixed
    assert kept_lines(mixed, "a\r\nB\r\nc") == "a\nB\nc"


# --- the server ------------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def bench(tmp_path_factory) -> Workbench:
    if libreoffice_status() is not None:
        pytest.skip(f"LibreOffice saknas: {libreoffice_status()}")
    work = tmp_path_factory.mktemp("redigering")
    project = copy_project(work / "projekt")
    if (ROOT / "build" / ".cache").is_dir():
        shutil.copytree(ROOT / "build" / ".cache", project / "build" / ".cache")
    server = Workbench(project, work)
    yield server
    server.stop()


@pytest.fixture
def restored(bench):
    """Put every source file back as it was after the test."""
    files = {p: p.read_bytes() for p in (bench.root / "sources").rglob("*") if p.is_file()}
    yield
    for path, data in files.items():
        path.write_bytes(data)
    for path in (bench.root / "sources").rglob("*"):
        if path.is_file() and path not in files:
            path.unlink()


def edit_page(bench: Workbench, relative: str) -> tuple[str, dict]:
    status, _, body = bench.get(f"/redigera/{quote(relative)}")
    assert status == 200, (relative, status)
    page = body.decode("utf-8")
    return page, read_form(page, f"/redigera/{quote(relative)}")


def submit(bench: Workbench, relative: str, form: dict, changes: dict, button=("_åtgärd", "spara")):
    fields = with_values(form, changes, button)
    status, headers, body = bench.post(f"/redigera/{quote(relative)}", fields, token=None)
    return status, headers, body.decode("utf-8")


def test_every_source_file_has_a_form_and_saving_it_unchanged_writes_nothing(bench, restored):
    status, _, body = bench.get("/")
    start = body.decode("utf-8")
    for name in ("plan.yaml", "mal.yaml", "kansliet.yaml", "organisation.yaml", "kalendarium.yaml", "budget.yaml",
                 "kommunikationsplan.yaml", "uppfoljning-helar.yaml", "text/1-om-verksamhetsplanen.md"):
        relative = f"sources/{YEAR}/{name}"
        assert f'<a href="/redigera/{quote(relative)}">{name}</a>' in start
    for relative in SOURCE_FILES:
        before = (bench.root / relative).read_bytes()
        page, form = edit_page(bench, relative)
        status, _, answer = submit(bench, relative, form, {})
        assert status == 200 and "Inga ändringar att spara" in answer, relative
        assert (bench.root / relative).read_bytes() == before, relative
    # the controls follow the model
    page, _ = edit_page(bench, f"sources/{YEAR}/budget.yaml")
    assert re.search(r'<input type="text" id="falt-kostnader-poster-1--belopp" name="kostnader.poster\[1\].belopp" '
                     r'value="100 000" inputmode="numeric"', page)
    assert 'type="date" id="falt-avgiftsbeslut-datum" name="avgiftsbeslut.datum" value="2017-02-02"' in page
    assert 'name="intäkter.poster[0].avgifter" value="true" checked' in page
    assert "heltal i kronor" in page  # the header comment's help for belopp
    page, _ = edit_page(bench, f"sources/{YEAR}/mal.yaml")
    level = re.search(r'<select id="falt-fokusområden-0--mål-0--nivå"[^>]*>(.*?)</select>', page, re.S).group(1)
    assert re.findall(r"<option[^>]*>([^<]+)</option>", level) == ["övergripande mål", "långsiktigt mål", "delmål"]
    network = re.search(r'<select id="falt-fokusområden-0--mål-0--ansvar"[^>]*>(.*?)</select>', page, re.S).group(1)
    assert "<option selected>rufs</option>" in network and "<option>trafik</option>" in network
    page, _ = edit_page(bench, f"sources/{YEAR}/uppfoljning-helar.yaml")
    status_field = re.search(r'<select id="falt-aktiviteter-m-0f3dbc-status"[^>]*>(.*?)</select>', page, re.S).group(1)
    assert re.findall(r"<option[^>]*>([^<]+)</option>", status_field) == [
        "genomförd", "pågår", "försenad", "ej påbörjad", "struken"]


def test_two_amounts_saved_in_the_form_change_two_lines(bench, restored):
    relative = f"sources/{YEAR}/budget.yaml"
    before = (bench.root / relative).read_text(encoding="utf-8")
    _, form = edit_page(bench, relative)
    status, headers, _ = submit(bench, relative, form, {"kostnader.poster[1].belopp": "120 000",
                                                        "kostnader.poster[3].belopp": "630 000 kr"})
    assert status == 303 and headers["location"].startswith(f"/redigera/{quote(relative)}?sparat=")
    after = (bench.root / relative).read_text(encoding="utf-8")
    assert sorted(changed_lines(before, after)) == sorted(["-      belopp: 100000", "+      belopp: 120000",
                                                           "-      belopp: 650000", "+      belopp: 630000"])
    status, _, body = bench.get(headers["location"].split("#")[0])
    assert "Sparat kl" in body.decode("utf-8") and "2 rader ändrades" in body.decode("utf-8")
    assert not list((bench.root / "sources" / YEAR).glob(".*"))  # the atomic write left no work file


def test_a_save_that_would_make_a_problem_is_refused_with_the_message_on_its_field(bench, restored):
    relative = f"sources/{YEAR}/budget.yaml"
    before = (bench.root / relative).read_bytes()
    _, form = edit_page(bench, relative)
    status, _, page = submit(bench, relative, form, {"kostnader.summa": "2 083 297", "invånare.antal": "520 824"})
    assert status == 422 and (bench.root / relative).read_bytes() == before
    field = re.search(r'<input[^>]*name="kostnader.summa"[^>]*>', page).group(0)
    assert 'aria-invalid="true"' in field and 'value="2 083 297"' in field  # what was typed stays
    described = re.search(r'aria-describedby="([^"]+)"', field).group(1).split()
    message = re.search(r'<p class="faltfel" id="' + re.escape(described[-1]) + r'"><span>(.*?)</span>', page).group(1)
    assert message.startswith("Fel: posterna summerar till") and "Ändra summan" in message
    assert "Filen sparades inte" in page and 'href="#falt-kostnader-summa"' in page
    # a value that is no amount: the check's own message, the text kept
    _, form = edit_page(bench, relative)
    status, _, page = submit(bench, relative, form, {"kostnader.poster[0].belopp": "en miljon"})
    assert status == 422 and (bench.root / relative).read_bytes() == before
    assert "ska vara ett heltal" in page and 'value="en miljon"' in page


def test_a_file_changed_on_disk_since_the_form_was_opened_is_not_overwritten(bench, restored):
    relative = f"sources/{YEAR}/kansliet.yaml"
    path = bench.root / relative
    _, first_tab = edit_page(bench, relative)
    _, second_tab = edit_page(bench, relative)
    status, _, _ = submit(bench, relative, first_tab, {"aktiviteter[3].aktivitet": "Delta i expertgruppen"})
    assert status == 303
    saved = path.read_bytes()
    status, _, page = submit(bench, relative, second_tab, {"aktiviteter[0].kommentar": "Min text i andra fliken"})
    assert status == 409 and path.read_bytes() == saved  # the first tab's save stands
    assert "Filen har ändrats sedan du öppnade den" in page
    assert "Delta i expertgruppen" in page and "Min text i andra fliken" in page  # both versions shown
    assert re.search(r'name="aktiviteter\[0\].kommentar"[^>]*>\nMin text i andra fliken</textarea>', page)
    # the two changed different lines: both can be saved together, with one more click
    together = read_form(page.split('id="krock"')[1], f"/redigera/{quote(relative)}")
    status, _, _ = bench.post(f"/redigera/{quote(relative)}", [tuple(f) for f in together["fields"]] + [("_åtgärd", "spara")], token=None)
    assert status == 303
    both = path.read_text(encoding="utf-8")
    assert changed_lines(saved.decode("utf-8"), both) == [
        "-    kommentar: En analys om hemsidan bör ha en annan hemvist långsiktigt behöver genomföras med anledning "
        "av de tekniska problem och brister i åtkomst som uppstod under 2023. Denna översyn görs ihop med Huddinge "
        "kommunikationsavdelning.", "+    kommentar: Min text i andra fliken"]
    assert "Delta i expertgruppen" in both
    # another editor (or git pull) changed the line this form changes too: no saving together
    _, form = edit_page(bench, relative)
    path.write_text(both.replace("Delta i expertgruppen", "Delta i StorSthlms expertgrupp"), encoding="utf-8")
    status, _, page = submit(bench, relative, form, {"aktiviteter[3].aktivitet": "Delta i två expertgrupper"})
    assert status == 409 and "Delta i StorSthlms expertgrupp" in path.read_text(encoding="utf-8")
    assert "Spara mina ändringar i versionen på disken" not in page and "Delta i två expertgrupper" in page


def test_the_last_save_can_be_undone(bench, restored):
    relative = f"sources/{YEAR}/organisation.yaml"
    path = bench.root / relative
    before = path.read_bytes()
    _, form = edit_page(bench, relative)
    status, _, _ = submit(bench, relative, form, {"ledningsgruppen.ordförande.namn": "Anna Andersson"})
    assert status == 303 and b"namn: Anna Andersson" in path.read_bytes()
    status, _, body = bench.get("/")
    page = body.decode("utf-8")
    assert "organisation.yaml" in page and "Ångra den senaste sparningen" in page
    form = read_form(page, "/angra")
    status, headers, _ = bench.post("/angra", [tuple(f) for f in form["fields"]], token=None)
    assert status == 303 and path.read_bytes() == before
    status, _, body = bench.get(headers["location"].split("#")[0])
    assert "är ångrad" in body.decode("utf-8")


def test_items_are_added_removed_and_moved_and_a_new_activity_gets_its_id(bench, restored):
    relative = f"sources/{YEAR}/kansliet.yaml"
    path = bench.root / relative
    before = path.read_text(encoding="utf-8")
    page, form = edit_page(bench, relative)
    status, _, page = submit(bench, relative, form, {}, ("_åtgärd", "ny|aktiviteter"))
    assert status == 200 and "Inte sparat än" in page and path.read_text(encoding="utf-8") == before
    form = read_form(page, f"/redigera/{quote(relative)}")
    status, _, page = submit(bench, relative, form, {"aktiviteter[4].aktivitet": "Ta fram en ny rapport"},
                             ("_åtgärd", "upp|aktiviteter[4]"))
    form = read_form(page, f"/redigera/{quote(relative)}")
    status, _, _ = submit(bench, relative, form, {})
    assert status == 303
    after = path.read_text(encoding="utf-8")
    added = changed_lines(before, after)
    assert len(added) == 2 and re.fullmatch(r"\+  - id: k-[0-9a-f]{6}", added[0])
    assert added[1] == "+    aktivitet: Ta fram en ny rapport"
    assert after.index("Ta fram en ny rapport") < after.index("k-b16564")  # moved up before the last
    # Bilaga 1: a row with the next number, and its footnotes
    relative = f"sources/{YEAR}/kommunikationsplan.yaml"
    _, form = edit_page(bench, relative)
    _, _, page = submit(bench, relative, form, {}, ("_åtgärd", "ny|aktiviteter"))
    assert 'name="aktiviteter[9].nr" value="10"' in page
    # a goal below a goal, at the level below
    relative = f"sources/{YEAR}/mal.yaml"
    _, form = edit_page(bench, relative)
    _, _, page = submit(bench, relative, form, {}, ("_åtgärd", "ny|fokusområden[0].mål[0].mål[1].mål"))
    level = re.search(r'<select id="falt-fokusområden-0--mål-0--mål-1--mål-0--nivå"[^>]*>(.*?)</select>', page, re.S)
    assert level and "<option selected>delmål</option>" in level.group(1)
    # removing an item
    relative = f"sources/{YEAR}/kalendarium.yaml"
    before = (bench.root / relative).read_text(encoding="utf-8")
    _, form = edit_page(bench, relative)
    _, _, page = submit(bench, relative, form, {}, ("_åtgärd", "bort|organ[1].möten[3]"))
    status, _, _ = submit(bench, relative, read_form(page, f"/redigera/{quote(relative)}"), {})
    assert status == 303
    assert changed_lines(before, (bench.root / relative).read_text(encoding="utf-8")) == [
        "-      - datum: 2024-08-29", "-        slutdatum: 2024-08-30", "-        beskrivning: planeringskonferens",
        "-        plats: plats ej bestämd"]


def test_a_markdown_text_is_edited_with_its_line_endings_kept(bench, restored):
    relative = f"sources/{YEAR}/text/3-kansliets-uppdrag.md"
    path = bench.root / relative
    original = path.read_text(encoding="utf-8")
    crlf = ("\n" + original).replace("\n", "\r\n")  # a leading blank line, and Windows line endings
    path.write_bytes(crlf.encode("utf-8"))
    page, form = edit_page(bench, relative)
    text = dict(form["fields"])["text"]
    assert text.replace("\r\n", "\n") == crlf.replace("\r\n", "\n")  # the leading newline survives the text area
    first = original.split("\n", 1)[0]
    status, _, _ = submit(bench, relative, form, {"text": text.replace(first, first + " Ändrat.", 1)})
    assert status == 303
    after = path.read_bytes().decode("utf-8")
    assert after == crlf.replace(first, first + " Ändrat.", 1)
    # a text that breaks a rule of check is refused
    _, form = edit_page(bench, relative)
    status, _, page = submit(bench, relative, form, {"text": dict(form["fields"])["text"] + "\r\n![Bild](bild.png)\r\n"})
    assert status == 422 and path.read_bytes().decode("utf-8") == after
    assert "bilden &#39;bild.png&#39; kan inte användas" in page and 'aria-invalid="true"' in page
    # changed on disk meanwhile, on another line: refused, then both changes saved together, CRLF kept
    _, form = edit_page(bench, relative)
    last = [line for line in after.split("\r\n") if line.strip()][-1]
    path.write_bytes(after.replace(last, last + " (på disken)").encode("utf-8"))
    status, _, page = submit(bench, relative, form, {"text": dict(form["fields"])["text"].replace(
        first + " Ändrat.", first + " Ändrat igen.")})
    assert status == 409 and "(på disken)" in path.read_text(encoding="utf-8")
    together = read_form(page.split('id="krock"')[1], f"/redigera/{quote(relative)}")
    status, _, _ = bench.post(f"/redigera/{quote(relative)}", [tuple(f) for f in together["fields"]]
                              + [("_åtgärd", "spara")], token=None)
    assert status == 303
    assert path.read_bytes().decode("utf-8") == after.replace(last, last + " (på disken)").replace(
        first + " Ändrat.", first + " Ändrat igen.")


@pytest.mark.skipif(BROWSER_MISSING, reason="Chromium, Node.js eller npm-paketen saknas (make test installerar dem)")
def test_the_forms_in_chromium_and_the_plan_built_afterwards(bench, restored, tmp_path):
    budget = f"/redigera/{quote(f'sources/{YEAR}/budget.yaml')}"
    kansliet_file = bench.root / "sources" / YEAR / "kansliet.yaml"
    kansliet = f"/redigera/{quote(f'sources/{YEAR}/kansliet.yaml')}"
    text = f"/redigera/{quote(f'sources/{YEAR}/text/1-om-verksamhetsplanen.md')}"
    budget_before = (bench.root / "sources" / YEAR / "budget.yaml").read_text(encoding="utf-8")
    kansliet_before = kansliet_file.read_text(encoding="utf-8")
    save = "button[name='_åtgärd'][value='spara']"
    plan = [
        {"goto": budget}, {"axe": "budget"},
        {"fill": "[name='kostnader.poster[1].belopp']", "value": "120 000"},
        {"fill": "[name='kostnader.poster[3].belopp']", "value": "630 000"},
        {"click": save}, {"text": "2 rader ändrades", "in": "#meddelande"},
        # refused: the sum no longer adds up
        {"fill": "[name='kostnader.summa']", "value": "2 000 000"}, {"click": save},
        {"text": "Filen sparades inte", "in": "#vagran"},
        {"eval": "document.querySelector(\"[name='kostnader.summa']\").getAttribute('aria-invalid')"},
        {"eval": "document.querySelector(\"[name='kostnader.summa']\").value"},
        {"axe": "vägrad"},
        {"viewport": 320}, {"axe": "vägrad 320"}, {"viewport": 1280},
        # an activity added, then another removed
        {"goto": kansliet}, {"click": "button[value='ny|aktiviteter']"},
        {"fill": "[name='aktiviteter[4].aktivitet']", "value": "Ta fram en rapport om resvanor"},
        {"click": save}, {"text": "Sparat kl", "in": "#meddelande"},
        {"click": "button[value='bort|aktiviteter[3]']"}, {"text": "togs bort", "in": "#meddelande"},
        {"click": save}, {"text": "Sparat kl", "in": "#meddelande"},
        # by keyboard alone: a new activity, the keyboard in its text
        {"goto": kansliet}, {"tab_to": "button[value='ny|aktiviteter']", "max": 150}, {"press": "Enter"},
        {"eval": "document.activeElement.name"},
        # a conflict: the file changes on disk while the form is open
        {"goto": kansliet},
        {"write": str(kansliet_file), "text": "__KONFLIKT__"},
        {"fill": "[name='aktiviteter[0].kommentar']", "value": "Min ändring"}, {"click": save},
        {"text": "Filen har ändrats sedan du öppnade den", "in": "#krock"},
        {"eval": "document.querySelector(\"[name='aktiviteter[0].kommentar']\").value"},
        {"axe": "krock"}, {"viewport": 320}, {"axe": "krock 320"}, {"viewport": 1280},
        # the Markdown editor, its preview beside it
        {"goto": text}, {"axe": "text"},
        {"fill": "#text", "value": "__TEXT__"},
        {"until": "((d) => !!d && !!d.body && d.body.textContent.includes('Den här verksamhetsplanen för 2024'))"
                  "(document.getElementById('textvisning').contentDocument)", "label": "textvisning"},
        {"click": save}, {"text": "Sparat kl", "in": "#meddelande"},
        {"viewport": 320}, {"axe": "text 320"}, {"viewport": 1280},
    ]
    md = bench.root / "sources" / YEAR / "text" / "1-om-verksamhetsplanen.md"
    md_before = md.read_text(encoding="utf-8")
    after_removal = None
    for step in plan:
        if step.get("value") == "__TEXT__":
            step["value"] = md_before.replace("Verksamhetsplanen för 2024", "Den här verksamhetsplanen för 2024", 1)
    # the conflict's other version: the file as it will be after the two saves, with one more change
    result = None
    conflict_index = next(i for i, s in enumerate(plan) if s.get("text") == "__KONFLIKT__")
    first, rest = plan[:conflict_index], plan[conflict_index:]
    result = bench.browser(first)["results"]
    after_removal = kansliet_file.read_text(encoding="utf-8")
    rest[0]["text"] = after_removal.replace("En analys om hemsidan", "En ny analys om hemsidan")
    result += bench.browser([{"goto": kansliet}] + rest)["results"]
    budget_after = (bench.root / "sources" / YEAR / "budget.yaml").read_text(encoding="utf-8")
    assert sorted(changed_lines(budget_before, budget_after)) == sorted([
        "-      belopp: 100000", "+      belopp: 120000", "-      belopp: 650000", "+      belopp: 630000"])
    evaluated = [r["value"] for r in result if "eval" in r]
    assert evaluated[0] == "true" and evaluated[1] == "2 000 000"
    assert evaluated[2] == "aktiviteter[4].aktivitet"  # after the id, which is not to be changed
    assert evaluated[3] == "Min ändring"
    tabs = [r for r in result if "tab_to" in r]
    assert tabs and all(t["reached"] and t["outline"] for t in tabs), tabs
    for check in (r for r in result if "axe" in r):
        assert check["violations"] == [] and check["scrollWidth"] <= check["clientWidth"], check
    kansliet_changes = changed_lines(kansliet_before, after_removal)
    assert any(line.startswith("+  - id: k-") for line in kansliet_changes)
    assert "+    aktivitet: Ta fram en rapport om resvanor" in kansliet_changes
    assert "-  - id: k-b16564" in kansliet_changes  # the fourth activity removed
    assert "En ny analys om hemsidan" in kansliet_file.read_text(encoding="utf-8")  # the other editor's version stands
    assert "Min ändring" not in kansliet_file.read_text(encoding="utf-8")
    assert changed_lines(md_before, md.read_text(encoding="utf-8")) == [
        "-" + md_before.split("\n", 1)[0], "+" + md_before.split("\n", 1)[0].replace(
            "Verksamhetsplanen för 2024", "Den här verksamhetsplanen för 2024", 1)]
    # the plan built afterwards holds the edits
    built = run_cli("build", YEAR, root=bench.root)
    assert built.returncode == 0, built.stderr
    html = (bench.root / "build" / YEAR / f"verksamhetsplan-{YEAR}.html").read_text(encoding="utf-8")
    assert "Ta fram en rapport om resvanor" in html and "Den här verksamhetsplanen för 2024" in html
    assert "120\xa0000" in html and "Delta i StorSthlms expertgrupp" not in html


def test_the_round_file_and_a_follow_up_are_forms_too(bench, restored):
    relative = f"sources/{YEAR}/remiss.yaml"
    (bench.root / relative).write_text("# Remissrundan.\nutkast: 1\nsvar_senast: 2023-12-01\nfråga: Vad tycker ni?\n"
                                       "kontakt:\n  namn: Anna\n  e-post: anna@example.se\nmottagare:\n"
                                       "  Botkyrka: registrator@botkyrka.se\n", encoding="utf-8")
    before = (bench.root / relative).read_text(encoding="utf-8")
    page, form = edit_page(bench, relative)
    assert 'name="utkast" value="1"' in page  # a key named as the form's own fields would be: no clash
    _, _, page = submit(bench, relative, form, {}, ("_åtgärd", "nyckel|mottagare"))
    status, _, _ = submit(bench, relative, read_form(page, f"/redigera/{quote(relative)}"),
                          {"mottagare.Haninge": "registrator@haninge.se"})
    assert status == 303
    assert changed_lines(before, (bench.root / relative).read_text(encoding="utf-8")) == [
        "+  Haninge: registrator@haninge.se"]
    # a follow-up: a status chosen; a status taken away that the plan's activity needs is refused
    relative = f"sources/{YEAR}/uppfoljning-helar.yaml"
    before = (bench.root / relative).read_text(encoding="utf-8")
    _, form = edit_page(bench, relative)
    status, _, _ = submit(bench, relative, form, {"aktiviteter.m-0f3dbc.status": "pågår"})
    assert status == 303
    assert changed_lines(before, (bench.root / relative).read_text(encoding="utf-8")) == [
        "-    status: genomförd", "+    status: pågår"]
    _, form = edit_page(bench, relative)
    _, _, page = submit(bench, relative, form, {}, ("_åtgärd", "bort|aktiviteter.k-b16564"))
    saved = (bench.root / relative).read_bytes()
    status, _, page = submit(bench, relative, read_form(page, f"/redigera/{quote(relative)}"), {})
    assert status == 422 and "aktiviteten k-b16564" in page and "saknar status" in page
    assert (bench.root / relative).read_bytes() == saved
    # the last status removed and added again: the blank line before budget: stays where it was
    document = Document(saved.decode("utf-8"))
    from pipeline.workbench import forms
    tree = forms.build(forms.steps.models.FollowUpFile, document.data, forms.Context("uppfoljning-helar.yaml"))
    forms.act(tree, document.data, "bort|aktiviteter.b-9fe2ca", {}, None, forms.steps.models.FollowUpFile)
    assert changed_lines(saved.decode("utf-8"), document.dump()) == ["-  b-9fe2ca:", "-    status: pågår"]
    assert "    status: pågår\n\nbudget:" in document.dump()


def _leaves(node, path=()):
    """(container, key, line) of every single-line scalar of a round-trip document."""
    from ruamel.yaml.comments import CommentedMap, CommentedSeq
    if isinstance(node, CommentedMap):
        for key, value in node.items():
            if isinstance(value, (CommentedMap, CommentedSeq)):
                yield from _leaves(value, path + (key,))
            else:
                yield node, key, node.lc.key(key)[0]
    elif isinstance(node, CommentedSeq):
        for i, value in enumerate(node):
            if isinstance(value, (CommentedMap, CommentedSeq)):
                yield from _leaves(value, path + (i,))
            elif not (node.fa.flow_style()):
                yield node, i, node.lc.item(i)[0]


@pytest.mark.parametrize("name", [n for n in SOURCE_FILES if n.endswith(".yaml") and f"/{YEAR}/" in n])
def test_every_value_of_every_file_changed_alone_changes_its_own_line_alone(name):
    import datetime as dt
    text = (ROOT / name).read_text(encoding="utf-8")
    lines = text.splitlines()
    count = 0
    for n, (container, key, line) in enumerate(_leaves(Document(text).data)):
        document = Document(text)
        leaf = list(_leaves(document.data))[n]
        container, key = leaf[0], leaf[1]
        old = container[key]
        if isinstance(old, bool):
            new = not old
        elif isinstance(old, int):
            new = old + 1
        elif isinstance(old, dt.date):
            new = old + dt.timedelta(days=1)
        elif isinstance(old, str) and "\n" not in old:
            new = old + " ändrad"
        else:
            continue
        set_value(container, key, new)
        changed = changed_lines(text, document.dump())
        assert len(changed) == 2 and changed[0] == "-" + lines[line], (name, key, changed)
        count += 1
    assert count >= 4  # organisation.yaml has four values; the others many more


@pytest.mark.skipif(not (shutil.which("java") and (ROOT / "tests/browser/node_modules/vnu-jar").is_dir()),
                    reason="Java eller vnu-jar saknas (make test installerar dem)")
def test_the_editing_pages_are_valid_html(bench, restored, tmp_path):
    import json
    import subprocess
    pages = []
    for name in ("budget.yaml", "mal.yaml", "kalendarium.yaml", "text/1-om-verksamhetsplanen.md"):
        page, _ = edit_page(bench, f"sources/{YEAR}/{name}")
        pages.append(page)
    relative = f"sources/{YEAR}/budget.yaml"
    _, form = edit_page(bench, relative)
    pages.append(submit(bench, relative, form, {"kostnader.summa": "1"})[2])  # refused
    relative = f"sources/{YEAR}/kansliet.yaml"
    _, form = edit_page(bench, relative)
    path = bench.root / relative
    path.write_text(path.read_text(encoding="utf-8").replace("Första förslag", "Ett första förslag"), encoding="utf-8")
    pages.append(submit(bench, relative, form, {"aktiviteter[3].aktivitet": "Delta"})[2])  # a conflict
    assert "Spara mina ändringar i versionen på disken" in pages[-1]
    files = []
    for n, page in enumerate(pages):
        files.append(tmp_path / f"sida-{n}.html")
        files[-1].write_text(page, encoding="utf-8")
    run = subprocess.run(["java", "-jar", str(ROOT / "tests/browser/node_modules/vnu-jar/build/dist/vnu.jar"),
                          "--errors-only", "--format", "json", *map(str, files)],
                         capture_output=True, text=True, timeout=300)
    messages = json.loads(run.stderr or run.stdout)["messages"]
    assert messages == [], messages[:5]


def test_dates_and_texts_the_file_quotes_stay_as_they_are(bench, restored):
    # tests/fixtures/stor-form writes its dates quoted ('2032-02-05'); YAML reads them as texts, the model as dates
    relative = f"sources/{YEAR}/kalendarium.yaml"
    path = bench.root / relative
    quoted = re.sub(r"datum: (\d{4}-\d\d-\d\d)", r"datum: '\1'", path.read_text(encoding="utf-8"))
    quoted = quoted.replace('start: "13:00"', 'start: "13:00"\n    plats: "4"', 1)
    path.write_text(quoted, encoding="utf-8")
    _, form = edit_page(bench, relative)
    status, _, answer = submit(bench, relative, form, {})
    assert status == 200 and "Inga ändringar att spara" in answer
    assert path.read_text(encoding="utf-8") == quoted
    _, form = edit_page(bench, relative)
    status, _, _ = submit(bench, relative, form, {"organ[0].möten[1].datum": "2024-03-28"})
    assert status == 303
    assert changed_lines(quoted, path.read_text(encoding="utf-8")) == [
        "-      - datum: '2024-03-21'", "+      - datum: '2024-03-28'"]


def test_texts_that_yaml_1_1_reads_as_something_else_are_quoted(bench, restored):
    relative = f"sources/{YEAR}/kalendarium.yaml"
    path = bench.root / relative
    for typed in ("yes", "Off", "12:30", "2024-05-01"):
        before = path.read_text(encoding="utf-8")
        _, form = edit_page(bench, relative)
        status, _, _ = submit(bench, relative, form, {"organ[0].möten[1].beskrivning": typed})
        assert status == 303, typed
        after = path.read_text(encoding="utf-8")
        assert changed_lines(before, after) == [f'+        beskrivning: "{typed}"'] or \
            changed_lines(before, after)[-1] == f'+        beskrivning: "{typed}"', changed_lines(before, after)
        assert run_cli("check", YEAR, root=bench.root).returncode == 0, typed
        path.write_text(before, encoding="utf-8")


def test_a_file_that_cannot_be_a_form_is_a_message_and_is_never_written(bench, restored):
    relative = f"sources/{YEAR}/kansliet.yaml"
    path = bench.root / relative
    latin1 = path.read_text(encoding="utf-8").encode("latin-1")
    _, form = edit_page(bench, relative)  # opened while it was UTF-8
    path.write_bytes(latin1)
    status, _, body = bench.get(f"/redigera/{quote(relative)}")
    assert status == 200 and "inte sparad som UTF-8" in body.decode("utf-8")
    status, _, body = submit(bench, relative, form, {"aktiviteter[0].kommentar": "Ny kommentar"})
    assert status == 409 and "inte sparad som UTF-8" in body and path.read_bytes() == latin1
    path.write_text((ROOT / relative).read_text(encoding="utf-8"), encoding="utf-8")
    relative = f"sources/{YEAR}/kalendarium.yaml"
    path = bench.root / relative
    path.write_text(path.read_text(encoding="utf-8").replace("datum: 2024-03-21", "datum: 2024-02-30"),
                    encoding="utf-8")
    status, _, body = bench.get(f"/redigera/{quote(relative)}")
    assert status == 200 and "ett datum som inte finns" in body.decode("utf-8")


def test_a_read_only_identity_is_not_taken_from_the_request_and_new_items_agree_in_gender(bench, restored):
    relative = f"sources/{YEAR}/kansliet.yaml"
    before = (bench.root / relative).read_text(encoding="utf-8")
    _, form = edit_page(bench, relative)
    fields = with_values(form, {"aktiviteter[0].id": "k-ny", "aktiviteter[0].kommentar": "Ny kommentar"})
    status, _, _ = bench.post(f"/redigera/{quote(relative)}", fields, token=None)
    assert status == 303
    assert changed_lines(before, (bench.root / relative).read_text(encoding="utf-8"))[-1] == \
        "+    kommentar: Ny kommentar"
    assert "k-ny" not in (bench.root / relative).read_text(encoding="utf-8")
    relative = f"sources/{YEAR}/kalendarium.yaml"
    _, form = edit_page(bench, relative)
    status, _, page = submit(bench, relative, form, {}, button=("_åtgärd", "ny|organ[0].möten"))
    assert status == 200 and "Ett nytt möte lades till" in page


def test_a_shared_file_is_checked_with_every_year_that_uses_it(bench, restored):
    other = bench.root / "sources" / "2023"
    shutil.copytree(bench.root / "sources" / YEAR, other)
    try:
        mine = bench.root / "sources" / YEAR / "mal.yaml"
        mine.write_text(mine.read_text(encoding="utf-8").replace("ansvar: trafik", "ansvar: klimat"),
                        encoding="utf-8")
        relative = "sources/gemensamt/natverk.yaml"
        before = (bench.root / relative).read_bytes()
        _, form = edit_page(bench, relative)
        status, _, page = submit(bench, relative, form, {"natverk[2].id": "trafiken"})
        assert status == 422 and (bench.root / relative).read_bytes() == before  # 2023 still says trafik
        assert "sources/2023/mal.yaml" in page and "trafik" in page
    finally:
        shutil.rmtree(other)


def test_a_literal_block_edited_keeps_its_header_and_its_final_line_break(bench, restored):
    relative = f"sources/{YEAR}/kansliet.yaml"
    path = bench.root / relative
    text = path.read_text(encoding="utf-8")
    first = re.search(r"\n    kommentar: (.+)\n", text)
    block = text.replace(first.group(0), "\n    kommentar: |\n      Första raden.\n      Andra raden.\n", 1)
    path.write_text(block, encoding="utf-8")
    _, form = edit_page(bench, relative)
    status, _, _ = submit(bench, relative, form, {"aktiviteter[0].kommentar": "Första raden.\nAndra raden, ändrad."})
    assert status == 303
    assert changed_lines(block, path.read_text(encoding="utf-8")) == [
        "-      Andra raden.", "+      Andra raden, ändrad."]


def test_a_new_activity_gets_its_follow_up_status_in_the_follow_up_form(bench, restored):
    relative = f"sources/{YEAR}/kansliet.yaml"
    _, form = edit_page(bench, relative)
    status, _, page = submit(bench, relative, form, {}, button=("_åtgärd", "ny|aktiviteter"))
    form = read_form(page, f"/redigera/{quote(relative)}")
    last = [f[0] for f in form["fields"] if f[0].endswith(".aktivitet")][-1]
    status, _, _ = submit(bench, relative, form, {last: "Ordna en studieresa för nätverken"})
    assert status == 303  # saved; the follow-up now lacks its status (told, not refused)
    assert run_cli("check", YEAR, root=bench.root).returncode == 1
    relative = f"sources/{YEAR}/uppfoljning-helar.yaml"
    page, form = edit_page(bench, relative)
    option = re.search(r'<option value="(k-[0-9a-f]+)">\1: Ordna en studieresa för nätverken</option>', page)
    assert option, "the new activity is offered by its wording"
    fields = with_values(form, {}, ("_åtgärd", "nyckel|aktiviteter"))
    fields = [f for f in fields if f[0] != "_ny-nyckel|aktiviteter"] + [("_ny-nyckel|aktiviteter", option.group(1))]
    status, _, page = bench.post(f"/redigera/{quote(relative)}", fields, token=None)
    form = read_form(page.decode("utf-8"), f"/redigera/{quote(relative)}")
    status, _, _ = submit(bench, relative, form, {f"aktiviteter.{option.group(1)}.status": "pågår"})
    assert status == 303
    assert run_cli("check", YEAR, root=bench.root).returncode == 0


def test_a_save_onto_a_full_disk_is_a_message_and_the_file_stays(tmp_path, monkeypatch):
    if libreoffice_status() is not None:
        pytest.skip(f"LibreOffice saknas: {libreoffice_status()}")
    project = copy_project(tmp_path / "projekt")
    monkeypatch.setenv("VP_FAULT", "disk-full")  # the writer's own fault switch (infra/writer.py), in the server
    server = Workbench(project, tmp_path)
    try:
        relative = f"sources/{YEAR}/budget.yaml"
        before = (project / relative).read_bytes()
        _, form = edit_page(server, relative)
        status, _, page = submit(server, relative, form, {"kostnader.poster[1].belopp": "120 000",
                                                          "kostnader.poster[3].belopp": "630 000"})
        assert status == 500 and "Filen sparades inte" in page and "disken är full" in page
        assert 'value="120 000"' in page  # what was typed stays
        assert (project / relative).read_bytes() == before
        assert "Traceback" not in server.stderr()
    finally:
        server.stop()


def test_a_checkbox_s_help_speaks_of_the_box_not_of_true(bench):
    page, _ = edit_page(bench, f"sources/{YEAR}/budget.yaml")
    assert "Ikryssad: skriver" in page
    assert page.count("true skriver") == 1  # only in the file's own header comment, shown as it is under "Om filen"
