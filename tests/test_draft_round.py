"""The draft round: draft marking, comment compilation, version comparison, archive."""

from __future__ import annotations

import csv
import subprocess
import zipfile
from pathlib import Path

import docx
import pytest

from conftest import make_draft, needs_libreoffice, run_cli
from drafts import add_comments
from test_docx import document_text


def header_texts(path: Path) -> str:
    with zipfile.ZipFile(path) as z:
        return " ".join(z.read(n).decode() for n in z.namelist() if n.startswith("word/header"))


def test_draft_docx_is_marked_on_title_page_and_in_the_header(project, tmp_path):
    make_draft(project)
    result = run_cli("build", "2024", "--docx-only", "--out", str(tmp_path), root=project)
    assert result.returncode == 0, result.stderr
    path = tmp_path / "verksamhetsplan-2024.docx"
    paras = [(p.style.name, p.text) for p in docx.Document(str(path)).paragraphs[:8]]
    assert ("Utkastmarkering", "UTKAST 3 – 16\u00a0januari\u00a02024") in paras
    assert "UTKAST 3 – 16\u00a0januari\u00a02024" in header_texts(path)
    assert "Beslutad av" not in document_text(path)


def test_decided_docx_has_no_draft_marking(docx_2024):
    assert "UTKAST" not in document_text(docx_2024).upper()
    assert "UTKAST" not in header_texts(docx_2024)
    assert "Beslutad av samarbetskommittén 16\u00a0januari\u00a02024" in document_text(docx_2024)


def _pdf_pages(path: Path) -> list[str]:
    return subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True).stdout.split("\f")[:-1]


@needs_libreoffice
def test_draft_pdf_shows_utkast_on_every_page_and_decided_on_none(draft_2024, build_2024):
    pages = _pdf_pages(draft_2024[1])
    assert pages and all("UTKAST 2 – 16 januari 2024" in page for page in pages)
    assert not any("UTKAST" in page for page in _pdf_pages(build_2024[1]))


@pytest.fixture
def returned(docx_2024, tmp_path) -> list[Path]:
    """Three returned drafts, a corrupt one, a non-DOCX and one too large."""
    folder = tmp_path / "svar"
    folder.mkdir()
    files = [
        add_comments(docx_2024, folder / "Tyresö-kommentarer.docx", [
            ("Verksamhetsplanen beslutas årligen", "Skriv varje år i stället.", "Anna Andersson"),
            ("Bevaka frågan om elförsörjning", "Lägg till vätgas.", "Anna Andersson")],
            replies=[(0, "Instämmer.", "Kansliet")]),
        add_comments(docx_2024, folder / "vp2024_botkyrka.docx", [
            ("Personalkostnader", "Varför ca?", "Bertil Berg"),
            ("§ 8 Avgift", "Avgiften är inaktuell.", "Bertil Berg")]),
        add_comments(docx_2024, folder / "synpunkter.docx", [
            ("Delta i StorSthlms expertgrupp", "Bra!", "Cecilia Ek")], title="Synpunkter från Nynäshamns kommun"),
        add_comments(docx_2024, folder / "okand.docx", [("Kansliet bemannas", "Oklart.", "Doris")]),
    ]
    (folder / "trasig.docx").write_bytes(docx_2024.read_bytes()[:5000])
    (folder / "anteckning.docx").write_text("Det här är ingen Word-fil.", encoding="utf-8")
    with (folder / "enorm.docx").open("wb") as handle:
        handle.truncate(60 * 1024 * 1024)
    return files + [folder / "trasig.docx", folder / "anteckning.docx", folder / "enorm.docx"]


def test_comments_are_compiled_with_municipality_and_heading(returned, tmp_path):
    out = tmp_path / "remiss.docx"
    result = run_cli("comments", *map(str, returned), "--out", str(out))
    assert result.returncode == 2, result.stderr  # written; some files could not be read
    assert "Traceback" not in result.stderr
    for name in ("trasig.docx", "anteckning.docx", "enorm.docx"):
        assert f"{name}: kunde inte läsas" in result.stderr
    assert "för stor för att vara en plan" in result.stderr
    assert "okand.docx: nämner ingen av medlemskommunerna" in result.stderr
    with (tmp_path / "remiss.csv").open(encoding="utf-8-sig") as handle:
        rows = list(csv.DictReader(handle, delimiter=";"))
    comments = [r for r in rows if r["Typ"] in ("kommentar", "svar")]
    found = {(r["Kommun"], r["Plats"], r["Kommentar eller ändring"]) for r in comments}
    assert found == {
        ("Tyresö", "1. Om verksamhetsplanen 2024", "Skriv varje år i stället."),
        ("Tyresö", "1. Om verksamhetsplanen 2024", "Instämmer."),
        ("Tyresö", "2. Utvecklingsaktiviteter, Delmål: Heltäckande och god laddinfrastruktur på Södertörn, "
                   "tabellrad 3 (Bevaka frågan om elförsörjnin…)", "Lägg till vätgas."),
        ("Botkyrka", "6. Budget, Kostnader, tabellrad 1 (Personalkostnader*)", "Varför ca?"),
        ("Botkyrka", "Bilaga 2 Samarbetskommitténs samarbetsavtal, 2010-08-18, § 8 Avgift", "Avgiften är inaktuell."),
        ("Nynäshamn", "3. Kansliets uppdrag, tabellrad 4 (Delta i StorSthlms expertgrup…)", "Bra!"),
        ("okänd kommun", "Bilaga 3 Södertörns utvecklingsprogram 2023-2026, SUP 2040, Kansliet", "Oklart."),
    }
    reply = next(r for r in comments if r["Kommentar eller ändring"] == "Instämmer.")
    assert reply["Typ"] == "svar" and reply["Tråd"] == "Skriv varje år i stället." and reply["Författare"] == "Kansliet"
    table_cell = next(r for r in comments if r["Kommentar eller ändring"] == "Bra!")
    assert table_cell["Text i planen"] == "Delta i StorSthlms expertgrupp kopplat till infrastrukturfrågor"
    # the plan's order: chapter 1 before chapter 2 before the budget before the appendices
    order = [r["Plats"] for r in comments]
    assert order.index("1. Om verksamhetsplanen 2024") < order.index("6. Budget, Kostnader, tabellrad 1 (Personalkostnader*)") \
        < order.index("Bilaga 2 Samarbetskommitténs samarbetsavtal, 2010-08-18, § 8 Avgift")
    assert len([r for r in rows if r["Typ"] == "kunde inte läsas"]) == 3

    document = docx.Document(str(out))
    headings = [p.text for p in document.paragraphs if p.style.name == "Heading 2"]
    assert headings[:3] == ["Översikt", "Filer", "Filer som inte kunde läsas"]
    assert headings[3:] == ["1. Om verksamhetsplanen 2024", "2. Utvecklingsaktiviteter", "3. Kansliets uppdrag",
                            "6. Budget", "Bilaga 2 Samarbetskommitténs samarbetsavtal, 2010-08-18",
                            "Bilaga 3 Södertörns utvecklingsprogram 2023-2026, SUP 2040"]
    for table in document.tables:
        assert table.rows[0]._tr.find(
            "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}trPr/"
            "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}tblHeader") is not None
    assert [c.text for c in document.tables[3].rows[0].cells] == [
        "Kommun", "Plats", "Text i planen", "Kommentar eller ändring", "Författare", "Datum", "Status"]
    first = [c.text for c in document.tables[3].rows[1].cells]
    assert first[:2] == ["Tyresö", "löptext"] and first[3] == "Skriv varje år i stället."  # the chapter heads the table


def test_comments_with_no_readable_file_is_an_error(tmp_path):
    bad = tmp_path / "x.docx"
    bad.write_bytes(b"inte en zip")
    result = run_cli("comments", str(bad), "--out", str(tmp_path / "ut.docx"))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "x.docx: kunde inte läsas" in result.stderr
    assert not (tmp_path / "ut.docx").exists()


@needs_libreoffice
def test_compare_gives_tracked_insertions_and_deletions(docx_2024, tmp_path):
    new = tmp_path / "ny.docx"
    document = docx.Document(str(docx_2024))
    for paragraph in document.paragraphs:
        if paragraph.text.startswith("Verksamhetsplanen beslutas årligen"):
            for run in paragraph.runs:
                run.text = run.text.replace("årligen", "varje år")
    document.save(str(new))
    out = tmp_path / "jamforelse.docx"
    result = run_cli("compare", str(docx_2024), str(new), "--out", str(out))
    assert result.returncode == 0, result.stderr
    with zipfile.ZipFile(out) as z:
        xml = z.read("word/document.xml").decode()
    assert "<w:ins " in xml and "<w:del " in xml
    assert "årligen" in xml.split("<w:del ", 1)[1].split("</w:del>", 1)[0]


def test_a_draft_is_not_archived(project):
    make_draft(project)
    result = run_cli("archive", "2024", root=project)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "är ett utkast (version 3); bara en beslutad plan arkiveras" in result.stderr
    assert not (project / "archive").exists()
