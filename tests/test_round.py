"""The draft round: each municipality's copy, the cover letter, the recipients, and whose answer is whose."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import docx
import pikepdf
import pytest
from lxml import etree

from conftest import ROUND_FILE, SENT, copy_project, make_round, needs_libreoffice, run_cli
from drafts import add_comments, rewrite_parts
from pipeline.docx.contents import contents_pages
from pipeline.docx.copy_identity import custom_properties, identity_of
from test_docx import document_text

MUNICIPALITIES = ["Botkyrka", "Haninge", "Huddinge", "Nykvarn", "Nynäshamn", "Salem", "Södertälje", "Tyresö"]
FOLDER = "build/2024/remiss-utkast-2"


def folder(project: Path) -> Path:
    return project / FOLDER


def identity(path: Path):
    with zipfile.ZipFile(path) as z:
        return identity_of(custom_properties(etree.fromstring(z.read("docProps/custom.xml"))))


def pdf_text(path: Path) -> str:
    return subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout


# --- what is sent -------------------------------------------------------------------------------

@needs_libreoffice
def test_the_round_folder_holds_exactly_what_is_sent(round_2024):
    names = sorted(p.name for p in folder(round_2024).iterdir())
    assert names == sorted([f"{m}-verksamhetsplan-2024-utkast-2.docx" for m in MUNICIPALITIES] + [
        "missiv-2024-utkast-2.docx", "missiv-2024-utkast-2.pdf", "mottagare.csv",
        "verksamhetsplan-2024-utkast-2.pdf"])
    assert not [p for p in folder(round_2024).parent.iterdir() if p.name.startswith(".")]  # no work folders


@needs_libreoffice
@pytest.mark.parametrize("municipality", MUNICIPALITIES)
def test_each_copy_carries_its_municipality_version_and_answer_date(round_2024, municipality):
    path = folder(round_2024) / f"{municipality}-verksamhetsplan-2024-utkast-2.docx"
    found = identity(path)
    assert (found.municipality, found.year, found.version, found.answer_by.isoformat()) == \
        (municipality, 2024, 2, "2024-02-09")
    official = {"Nykvarn": "Nykvarns kommun", "Nynäshamn": "Nynäshamns kommun", "Salem": "Salems kommun"}.get(
        municipality, f"{municipality} kommun")
    assert f"Remissexemplar för {official} – svar senast 9 februari 2024" in document_text(path)
    # the plan's own properties are untouched; python-docx alone reads them
    assert docx.Document(str(path)).core_properties.title == "Verksamhetsplan och budget 2024"


@needs_libreoffice
def test_each_copy_opens_without_a_prompt_and_shows_its_contents_with_page_numbers(round_2024):
    path = folder(round_2024) / "Salem-verksamhetsplan-2024-utkast-2.docx"
    with zipfile.ZipFile(path) as z:
        assert b"updateFields" not in z.read("word/settings.xml")
    pages = contents_pages(path.read_bytes())
    assert len(pages) >= 10, pages
    assert next(iter(pages)) == "1. Om verksamhetsplanen 2024"
    # the pages are those of the PDF sent beside it (the copy's one added line does not move a page)
    pdf = pdf_text(folder(round_2024) / "verksamhetsplan-2024-utkast-2.pdf").split("\f")
    def words(text: str) -> str:  # dashes, joiners and spaces as the PDF's text layer may have them
        return " ".join(re.findall(r"[^\W\d_]+", text))
    for heading, page in pages.items():
        assert words(heading) in words(pdf[page - 1]), (heading, page)


@needs_libreoffice
def test_the_cover_letter_says_what_is_asked_by_when_and_how(round_2024):
    letter = folder(round_2024) / "missiv-2024-utkast-2.docx"
    text = " ".join(document_text(letter).split())
    pdf = " ".join(pdf_text(letter.with_suffix(".pdf")).split())
    for words in ["Remiss: Verksamhetsplan och budget 2024, utkast 2",
                  "särskilt på utvecklingsaktiviteterna & budgeten",      # & survives (autoescape)
                  "Stämmer aktiviteterna med vad kommunen vill prioritera under året?",
                  "Svar senast den 9 februari 2024", "helene.olofsson2@huddinge.se", "08-535 300 00",
                  "kommentarer i Word", "behåll filnamnet", "verksamhetsplan-2024-utkast-2.pdf",
                  "Södertörns åtta medlemskommuner", "Nykvarns kommun"]:
        assert words in text.replace("\u00a0", " ").replace("\u2011", "-"), words
        # pdftotext drops a hyphen where a line breaks after it ("verksamhetsplan-⏎2024-…")
        assert words.replace("-", "") in pdf.replace("\u00a0", " ").replace("-", ""), words
    for municipality in MUNICIPALITIES:
        assert f"{municipality}-verksamhetsplan-2024-utkast-2.docx" in text
        assert f"{municipality}verksamhetsplan2024utkast2.docx" in pdf.replace("-", "")
    with pikepdf.open(letter.with_suffix(".pdf")) as pdf_file:
        assert str(pdf_file.docinfo["/Title"]) == "Remiss: Verksamhetsplan och budget 2024, utkast 2"
        assert str(pdf_file.Root.Lang) == "sv-SE"
        meta = pdf_file.open_metadata()
        assert meta["pdfaid:part"] == "2" and meta["pdfuaid:part"] == "1"


@needs_libreoffice
def test_the_recipients_list_names_each_municipality_its_address_and_its_files(round_2024):
    with (folder(round_2024) / "mottagare.csv").open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter=";"))
    assert [r["Kommun"] for r in rows] == MUNICIPALITIES
    by_name = {r["Kommun"]: r for r in rows}
    assert by_name["Botkyrka"]["E-post"] == "registrator@botkyrka.se"
    assert by_name["Haninge"]["E-post"] == ""            # not given: the secretariat fills it in
    assert by_name["Nynäshamn"]["Kommunnamn"] == "Nynäshamns kommun"
    for row in rows:
        attached = row["Bifoga"].split(", ")
        assert attached[0] == f"{row['Kommun']}-verksamhetsplan-2024-utkast-2.docx"
        assert all((folder(round_2024) / name).is_file() for name in attached)
        assert row["Svar senast"] == "2024-02-09" and row["Svar till"] == "helene.olofsson2@huddinge.se"


@needs_libreoffice
def test_the_same_sources_give_the_same_round_byte_for_byte(round_2024, tmp_path):
    project = copy_project(tmp_path / "igen")
    make_round(project)
    result = run_cli("round", "2024", "--per", SENT, root=project)
    assert result.returncode == 0, result.stderr

    def digests(root: Path) -> dict[str, str]:
        return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder(root).iterdir()}
    assert digests(project) == digests(round_2024)


def body_lines(pdf: Path) -> list[list[str]]:
    """The lines of text on each page of a cover letter, without its running header and footer."""
    pages = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True,
                           check=True).stdout.split("\f")[:-1]
    return [[line.strip() for line in page.splitlines() if line.strip() and not re.search(r"Sida \d+ av \d+", line)
             and not (line.strip().startswith("Remiss:") and "Svar senast" in line)] for page in pages]


@needs_libreoffice
def test_the_cover_letter_ends_with_more_than_a_stray_line_on_its_last_page(round_2024):
    pages = body_lines(folder(round_2024) / "missiv-2024-utkast-2.pdf")
    assert len(pages) == 1 or len(pages[-1]) > 3, pages[-1]
    assert "E-post: helene.olofsson2@huddinge.se, telefon 08-535 300 00" in pages[-1]
    # the copies: the draft sent beside them ends on a page with more than a stray line too
    plan = subprocess.run(["pdftotext", str(folder(round_2024) / "verksamhetsplan-2024-utkast-2.pdf"), "-"],
                          capture_output=True, text=True, check=True).stdout.split("\f")[:-1]
    assert len([line for line in plan[-1].splitlines() if line.strip()]) > 3


# --- what is refused -----------------------------------------------------------------------------

def test_a_round_needs_a_round_file_and_a_draft(project):
    result = run_cli("round", "2024", root=project)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "sources/2024/plan.yaml: planen är beslutad" in result.stderr
    (project / "sources" / "2024" / "remiss.yaml").write_text(ROUND_FILE, encoding="utf-8")
    result = run_cli("round", "2024", root=project)
    assert result.returncode == 1 and "planen är beslutad" in result.stderr
    (project / "sources" / "2024" / "remiss.yaml").unlink()
    make_round(project)
    (project / "sources" / "2024" / "remiss.yaml").unlink()
    result = run_cli("round", "2024", root=project)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "sources/2024/remiss.yaml saknas" in result.stderr
    assert not (project / "build").exists()


def test_every_mistake_in_the_round_file_is_reported_by_check_in_one_run(project):
    # a malformed address under mottagare (and one for the contact) hides none of the file's other mistakes
    make_round(project, text=ROUND_FILE.replace("svar_senast: 2024-02-09", "svar_senast: 2024-02-10")
               .replace("e-post: helene.olofsson2@huddinge.se", "e-post: helene.olofsson2")
               .replace("  Botkyrka: registrator@botkyrka.se", "  Botkyrk: registrator@botkyrka.se")
               .replace("  Nynäshamn: kommun@nynashamn.se", "  Nynäshamn: kommun(at)nynashamn.se")
               .replace("skickas: 2024-01-17", "skickas: 2024-02-30"))
    result = run_cli("check", "2024", root=project)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if "remiss.yaml" in line]
    assert lines == [
        "sources/2024/remiss.yaml:3: skickas: ska vara ett datum skrivet ÅÅÅÅ-MM-DD, inte '2024-02-30'. "
        "Den dagen finns inte; kontrollera dag och månad.",
        "sources/2024/remiss.yaml:4: svar_senast: svarsdagen 2024-02-10 är en lördag; välj en vardag.",
        "sources/2024/remiss.yaml:11: kontakt.e-post: 'helene.olofsson2' är ingen e-postadress (skriv den "
        "som namn@kommun.se).",
        "sources/2024/remiss.yaml:14: mottagare.Botkyrk: 'Botkyrk' är ingen av medlemskommunerna i "
        "kommuner.yaml. Menade du 'Botkyrka'?",
        "sources/2024/remiss.yaml:15: mottagare.Nynäshamn: 'kommun(at)nynashamn.se' är ingen e-postadress "
        "(skriv den som namn@kommun.se).",
    ], result.stderr
    make_round(project, text=ROUND_FILE.replace("svar_senast: 2024-02-09", "svar_senast: 2024-01-10"))
    lines = run_cli("check", "2024", root=project).stderr.splitlines()
    assert "sources/2024/remiss.yaml:4: svar_senast: svarsdagen 2024-01-10 ska komma efter skickas (2024-01-17)." \
        in lines


# --- the dates of the draft being sent --------------------------------------------------------

STALE = ("sources/2024/remiss.yaml:2: utkast: filen gäller utkast 1 (skickas 2024-01-17, svar senast "
         "2024-02-09), men planen är nu utkast 2 (version i plan.yaml). Skriv utkast: 2 och datumen för det "
         "nya utskicket: skickas (tidigast utkastets datum, 2024-01-16) och svar_senast (en vardag efter "
         "skickas).")


def test_the_round_file_of_the_draft_sent_before_is_refused_but_does_not_stop_the_plan(project, tmp_path):
    # draft 1 went out with this file; the secretariat set version: 2 in plan.yaml and runs the round again
    make_round(project, version=2, text=ROUND_FILE.replace("utkast: 2", "utkast: 1"))
    result = run_cli("round", "2024", "--per", SENT, root=project)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert STALE in result.stderr.splitlines(), result.stderr
    assert "1 fel i källfilerna." in result.stderr  # one mistake, one message: not also each date
    assert not (project / "build" / "2024" / "remiss-utkast-2").exists()
    assert STALE in run_cli("check", "2024", root=project).stderr.splitlines()
    # the plan does not need the round: it is built all the same
    built = run_cli("build", "2024", "--docx-only", "--out", str(tmp_path), root=project)
    assert built.returncode == 0, built.stderr
    # a round file that does not say which draft it sends is asked for it
    make_round(project, text=ROUND_FILE.replace("utkast: 2\n", ""))
    assert ("sources/2024/remiss.yaml:2: utkast: ange vilket utkast remissen skickar ut: skriv utkast: 2 "
            "(versionen i plan.yaml) överst i filen.") in run_cli("check", "2024", root=project).stderr.splitlines()


def test_the_dates_must_fit_the_draft_and_the_answer_date_must_be_ahead_when_it_is_sent(project):
    make_round(project, text=ROUND_FILE.replace("skickas: 2024-01-17", "skickas: 2024-01-10"))
    lines = run_cli("check", "2024", root=project).stderr.splitlines()
    assert ("sources/2024/remiss.yaml:3: skickas: utkastet skickas 2024-01-10, före sitt eget datum 2024-01-16 "
            "(datum i plan.yaml). Skriv skickas: 2024-01-16 eller senare, eller ta bort raden (då gäller "
            "utkastets datum).") in lines, lines
    # an answer date that has passed is no mistake in the sources, but the draft cannot be sent with it
    make_round(project)
    assert run_cli("check", "2024", root=project).returncode == 0
    for day, when in ((dt.date.today().isoformat(), "har redan passerat"), ("2024-02-09", "är i dag")):
        result = run_cli("round", "2024", *(["--per", day] if day != dt.date.today().isoformat() else []),
                         root=project)
        assert result.returncode == 1 and "Traceback" not in result.stderr
        assert (f"sources/2024/remiss.yaml:4: svar_senast: svarsdagen 2024-02-09 {when} (i dag är {day}); "
                f"skriv en ny svarsdag, en vardag efter skickas, innan utkastet skickas.") in result.stderr, \
            result.stderr
    assert not (project / "build" / "2024" / "remiss-utkast-2").exists()
    result = run_cli("round", "2024", "--per", "1 februari", root=project)
    assert result.returncode == 1 and "--per: '1 februari' är inget datum" in result.stderr


def test_a_decided_plan_with_its_round_file_left_checks_and_builds_clean(project, tmp_path):
    (project / "sources" / "2024" / "remiss.yaml").write_text(ROUND_FILE, encoding="utf-8")  # the round is over
    result = run_cli("check", "2024", root=project)
    assert result.returncode == 0, result.stderr
    assert run_cli("build", "2024", "--docx-only", "--out", str(tmp_path), root=project).returncode == 0


def test_a_broken_round_file_is_listed_by_check_but_does_not_stop_the_build(project, tmp_path):
    make_round(project, text=ROUND_FILE.replace("e-post: helene.olofsson2@huddinge.se", "e-post: helene"))
    assert "kontakt.e-post: 'helene' är ingen e-postadress" in run_cli("check", "2024", root=project).stderr
    result = run_cli("build", "2024", "--docx-only", "--out", str(tmp_path), root=project)
    assert result.returncode == 0, result.stderr


@needs_libreoffice
def test_a_failed_round_leaves_the_previous_one_as_it_was(round_2024, tmp_path):
    project = copy_project(tmp_path / "p")
    shutil.copytree(folder(round_2024), folder(project))
    before = {p.name: p.read_bytes() for p in folder(project).iterdir()}
    make_round(project)
    broken = project / "templates" / "missiv.docx"
    rewrite_parts(broken, broken, lambda parts: parts.update({"word/document.xml": parts["word/document.xml"]
                                                              .replace(b"{{ svar_senast }}", b"{{ svar_senats }}", 1)}))
    result = run_cli("round", "2024", "--per", SENT, root=project)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "templates/missiv.docx" in result.stderr and "svar_senats" in result.stderr
    assert "menar du 'svar_senast'" in result.stderr
    assert {p.name: p.read_bytes() for p in folder(project).iterdir()} == before
    assert not [p for p in folder(project).parent.iterdir() if p.name.startswith(".")]


# --- whose answer is whose -----------------------------------------------------------------------

@pytest.fixture(scope="module")
def answers(round_2024, tmp_path_factory) -> dict[str, Path]:
    """Returned copies as they come back: renamed, misnamed, saved by LibreOffice, from an older draft."""
    sent = folder(round_2024)
    back = tmp_path_factory.mktemp("svar")
    out = {}
    out["renamed"] = add_comments(sent / "Botkyrka-verksamhetsplan-2024-utkast-2.docx", back / "svar.docx", [
        ("Verksamhetsplanen beslutas årligen", "Skriv varje år.", "Bertil Berg")])
    out["misnamed"] = add_comments(sent / "Haninge-verksamhetsplan-2024-utkast-2.docx",
                                   back / "Huddinge-synpunkter.docx", [
                                       ("Bevaka frågan om elförsörjning", "Och vätgas.", "Hanna Holm")])
    commented = add_comments(sent / "Salem-verksamhetsplan-2024-utkast-2.docx", back / "salem-tmp.docx", [
        ("Kansliet bemannas", "Hur många?", "Sara Sund")])
    lo = back / "lo"
    subprocess.run(["soffice", "--headless", f"-env:UserInstallation=file://{back}/profil", "--convert-to",
                    "docx:MS Word 2007 XML", "--outdir", str(lo), str(commented)],
                   check=True, capture_output=True, timeout=180)
    out["libreoffice"] = (lo / "salem-tmp.docx").rename(back / "Dokument1.docx")
    commented.unlink()
    older = add_comments(sent / "Tyresö-verksamhetsplan-2024-utkast-2.docx", back / "Tyresö.docx", [
        ("Personalkostnader", "Varför ca?", "Tove Tyr")])
    out["older"] = rewrite_parts(older, older, lambda parts: parts.update({"docProps/custom.xml": parts[
        "docProps/custom.xml"].replace(b'name="Remiss utkast"><vt:i4>2</vt:i4>', b'name="Remiss utkast"><vt:i4>1</vt:i4>')}))
    return out


@needs_libreoffice
def test_libreoffice_keeps_the_identity_when_it_saves_a_copy(answers):
    found = identity(answers["libreoffice"])
    assert (found.municipality, found.year, found.version) == ("Salem", 2024, 2)


@needs_libreoffice
def test_the_compilation_knows_each_answer_by_the_identity_inside_it(round_2024, answers, tmp_path):
    out = tmp_path / "sammanstallning.docx"
    result = run_cli("comments", *map(str, answers.values()), "--out", str(out), "--per", "2024-02-12",
                     root=round_2024)
    assert result.returncode == 0, result.stderr
    warnings = result.stderr
    assert ("Huddinge-synpunkter.docx: filnamnet nämner Huddinge, men filen är Haninges remissexemplar "
            "(dokumentegenskapen); räknas för Haninge") in warnings
    assert ("Tyresö.docx: svar på utkast 1; det senaste utkastet är utkast 2: kontrollera att synpunkterna "
            "gäller den aktuella texten") in warnings
    assert "svar.docx" not in warnings and "Dokument1.docx" not in warnings  # recognised, nothing to say
    with (out.with_suffix(".csv")).open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter=";"))
    by_file = {r["Fil"]: r["Kommun"] for r in rows if r["Fil"]}
    assert by_file == {"svar.docx": "Botkyrka", "Huddinge-synpunkter.docx": "Haninge",
                       "Dokument1.docx": "Salem", "Tyresö.docx": "Tyresö"}
    silent = {r["Kommun"]: r["Typ"] for r in rows if r["Typ"].startswith("inget svar")}
    assert silent == {m: "inget svar (svarstiden gick ut 9 februari 2024)"
                      for m in ["Huddinge", "Nykvarn", "Nynäshamn", "Södertälje"]}
    assert "Inget svar (svarstiden gick ut 9 februari 2024) från: Huddinge, Nykvarn, Nynäshamn, " \
           "Södertälje." in result.stdout
    text = " ".join(document_text(out).split())
    assert "Svar senast 9 februari 2024; sammanställt 12 februari 2024." in text


@needs_libreoffice
def test_before_the_answer_date_the_silent_are_not_yet_late(round_2024, answers, tmp_path):
    out = tmp_path / "tidigt.docx"
    result = run_cli("comments", str(answers["renamed"]), "--out", str(out), "--per", "2024-02-01",
                     root=round_2024)
    assert result.returncode == 0, result.stderr
    assert "Inget svar ännu (svar senast 9 februari 2024) från: Haninge, Huddinge" in result.stdout
    result = run_cli("comments", str(answers["renamed"]), "--out", str(out), "--per", "1 februari",
                     root=round_2024)
    assert result.returncode == 1 and "--per: '1 februari' är inget datum" in result.stderr


@needs_libreoffice
def test_every_municipality_is_accounted_for_and_an_unreadable_answer_is_not_silence(round_2024, answers, tmp_path):
    damaged = tmp_path / "Salem-svar.docx"
    damaged.write_bytes(answers["renamed"].read_bytes()[:4000])  # cut off on the way: no Word file any more
    out = tmp_path / "sammanstallning.docx"
    result = run_cli("comments", str(answers["renamed"]), str(answers["misnamed"]), str(damaged), "--out", str(out),
                     "--per", "2024-02-12", root=round_2024)
    assert result.returncode == 2, result.stderr  # written; one file could not be read
    document = docx.Document(str(out))
    from pipeline.content.formatting import plain  # the DOCX keeps dates on one line (no-break spaces)
    overview = {row.cells[0].text: [plain(c.text) for c in row.cells[1:]] for row in document.tables[0].rows[1:]}
    assert set(overview) == set(MUNICIPALITIES)
    assert overview["Botkyrka"] == ["svar.docx", "1", "0", "svar"]
    assert overview["Salem"][0] == "Salem-svar.docx"
    assert overview["Salem"][-1] == ("svar, men Salem-svar.docx kunde inte läsas: filen är inte en Word-fil (.docx) "
                                     "eller är trasig. Be Salem skicka filen igen, sparad som Word-dokument (.docx).")
    for silent in ("Huddinge", "Nykvarn", "Nynäshamn", "Södertälje", "Tyresö"):
        assert overview[silent][-1] == "inget svar (svarstiden gick ut 9 februari 2024)", silent
    refused = document.tables[2]
    assert [c.text for c in refused.rows[0].cells] == ["Fil", "Kommun", "Orsak"]
    assert [c.text for c in refused.rows[1].cells][:2] == ["Salem-svar.docx", "Salem"]
    assert ("Inget svar (svarstiden gick ut 9 februari 2024) från: Huddinge, Nykvarn, Nynäshamn, Södertälje, "
            "Tyresö.") in result.stdout
    assert "Svar som inte kunde läsas från: Salem (Salem-svar.docx); be om filen igen." in result.stdout
    with out.with_suffix(".csv").open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter=";"))
    assert [(r["Kommun"], r["Typ"]) for r in rows if r["Fil"] == "Salem-svar.docx"] == [("Salem", "kunde inte läsas")]
    assert not [r for r in rows if r["Kommun"] == "Salem" and r["Typ"].startswith("inget svar")]


def test_new_year_keeps_the_round_file_with_its_dates_to_fill_in(project):
    (project / "sources" / "2024" / "remiss.yaml").write_text(ROUND_FILE, encoding="utf-8")
    result = run_cli("new-year", "2025", root=project)
    assert result.returncode == 0, result.stderr
    lines = [line for line in run_cli("check", "2025", root=project).stderr.splitlines() if "remiss.yaml" in line]
    # the new plan is draft 1, and so is its round; its dates are to do
    assert lines == [
        "sources/2025/remiss.yaml:3: skickas: att göra: ange dagen då utkastet till 2025 skickas ut (ÅÅÅÅ-MM-DD)",
        "sources/2025/remiss.yaml:4: svar_senast: att göra: ange sista svarsdagen för utkastet till 2025 "
        "(ÅÅÅÅ-MM-DD)"], lines
    text = (project / "sources" / "2025" / "remiss.yaml").read_text("utf-8")
    assert "\nutkast: 1\n" in text and "helene.olofsson2@huddinge.se" in text
    # a round file without 'utkast' (written before it was asked for) gets one
    (project / "sources" / "2025").rename(project / "sources" / "2025-först")
    (project / "sources" / "2024" / "remiss.yaml").write_text(ROUND_FILE.replace("utkast: 2\n", ""), encoding="utf-8")
    assert run_cli("new-year", "2025", root=project).returncode == 0
    text = (project / "sources" / "2025" / "remiss.yaml").read_text("utf-8")
    assert text.splitlines()[1] == "utkast: 1", text


def test_file_names_addresses_and_links_keep_their_hyphens():
    from pipeline.content.formatting import unbreakable
    assert unbreakable("Botkyrka-verksamhetsplan-2024-utkast-2.docx") == "Botkyrka-verksamhetsplan-2024-utkast-2.docx"
    assert unbreakable("skriv till a-2@b.se eller se www.x.se/plan-2024") == \
        "skriv till a-2@b.se eller se www.x.se/plan-2024"
    assert unbreakable("80 000-125 000 kr") == "80\u00a0000\u2011125\u00a0000\u00a0kr"


# --- draft after draft ------------------------------------------------------------------------------

def _paragraphs(path: Path) -> list[tuple[str, str]]:
    return [(p.style.name, p.text) for p in docx.Document(str(path)).paragraphs]


@needs_libreoffice
def test_draft_two_is_refused_with_the_round_file_of_draft_one(second_round):
    project, first, stale, _ = second_round
    assert "Satte git-taggen remiss-2024-utkast-1 på källfilerna som skickades." in first.stdout
    assert stale.returncode == 1 and "Traceback" not in stale.stderr
    assert ("sources/2024/remiss.yaml:2: utkast: filen gäller utkast 1 (skickas 2024-01-17, svar senast 2024-02-09), "
            "men planen är nu utkast 2 (version i plan.yaml). Skriv utkast: 2 och datumen för det nya utskicket: "
            "skickas (tidigast utkastets datum, 2024-01-20) och svar_senast (en vardag efter skickas).") \
        in stale.stderr.splitlines(), stale.stderr


@needs_libreoffice
def test_the_cover_letter_of_draft_two_says_what_changed_since_draft_one(second_round):
    project, first, _, second = second_round
    letter = project / "build/2024/remiss-utkast-2/missiv-2024-utkast-2.docx"
    paragraphs = _paragraphs(letter)
    assert ("Heading 2", "Ändringar sedan utkast 1") in paragraphs
    listed = [text.replace("\u00a0", " ") for style, text in paragraphs if style == "List Bullet"]
    # the same content list `changes` writes, found without naming draft 1
    expected = run_cli("changes", "2024", "--from", "remiss-2024-utkast-1", root=project)
    assert expected.returncode == 0, expected.stderr
    assert listed == [line[2:] for line in expected.stdout.replace("\u00a0", " ").splitlines()
                      if line.startswith("- ")]
    for words in ["kostnader: Möten ca 100 000 kr → ca 120 000 kr", "Samarbetskommittén: mötet 2 maj flyttat till 16 maj",
                  "meningen ”Planen följs upp två gånger per år.” tillagd",
                  "rad 2: aktiviteten ”Ledningsgruppen genomför möten med externa",
                  "uppdraget borttaget: ”Delta i StorSthlms expertgrupp kopplat till infrastrukturfrågor”"]:
        assert any(words in line for line in listed), (words, listed)
    assert not any(line.startswith(("ny rad 2", "rad 2 borttagen")) for line in listed)  # one row, reworded
    headings = [text for style, text in paragraphs if style == "Heading 3"]
    assert headings == ["Texterna", "Kansliets uppdrag", "Kalendarium", "Budget", "Bilaga 1 (kommunikationsplanen)"]
    pdf = " ".join(pdf_text(letter.with_suffix(".pdf")).split()).replace("-", "")
    for line in listed:
        assert " ".join(line.split()).replace("-", "") in pdf, line
    # the first draft's letter has no such list, and neither letter ends with a stray line
    assert not any("Ändringar sedan" in text for _, text in _paragraphs(
        project / "build/2024/remiss-utkast-1/missiv-2024-utkast-1.docx"))
    titles = {text for style, text in paragraphs if style.startswith("Heading")}
    for number in (1, 2):
        pages = body_lines(project / f"build/2024/remiss-utkast-{number}/missiv-2024-utkast-{number}.pdf")
        assert len(pages) == 1 or len(pages[-1]) > 3, (number, pages[-1])
        assert not [page[-1] for page in pages[:-1] if page[-1] in titles]  # no heading ends a page
    assert f"Missivet säger vad som har ändrats sedan utkast 1 ({len(listed)} ändringar; jämfört med " \
           f"build/2024/remiss-utkast-1-källor)." in second.stdout
    assert "Ingen git-tagg sattes: källfilerna har ändringar som inte är incheckade" in second.stdout


@needs_libreoffice
def test_the_draft_sent_before_is_found_by_its_git_tag_when_its_folder_is_gone(second_round, tmp_path):
    from pipeline.sources.load import read_plan
    from pipeline.yearly.round import changes_since, earlier_round
    project, *_ = second_round
    folder_changes = changes_since(project, read_plan(project, 2024), earlier_round(project, 2024, 2))
    kept = project / "build/2024/remiss-utkast-1-källor"
    shutil.move(kept, tmp_path / "källor")
    try:
        before = earlier_round(project, 2024, 2)
        assert before.label == "git-taggen remiss-2024-utkast-1"
        assert changes_since(project, read_plan(project, 2024), before) == folder_changes
        assert earlier_round(project, 2024, 1) is None  # the first draft has none before it
    finally:
        shutil.move(tmp_path / "källor", kept)
