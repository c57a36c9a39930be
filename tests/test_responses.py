"""The municipalities' responses: nothing they send is lost, and the secretariat sees the whole round.

A corpus of returned files is made here from as many producers as this machine has: Word-like
files (python-docx's comments API with Word's reply links and resolved flags, Word tracked
changes), the same saved again by LibreOffice, ISO 29500 Strict, a main part named
document2.xml (Word Online), a .docm, a damaged compressed part, a .doc and an .odt (LibreOffice),
an encrypted container, a duplicate, a file named for two municipalities. What comes out is
counted against what went in.
"""

from __future__ import annotations

import csv
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import docx
import pikepdf
import pytest

from conftest import needs_libreoffice, run_cli
from drafts import (add_comments, add_tracked_changes, as_strict, resolve_comment, rewrite_parts,
                    with_main_part)


def _rows(csv_path: Path) -> list[dict]:
    with csv_path.open(encoding="utf-8-sig") as handle:
        return list(csv.DictReader(handle, delimiter=";"))


def _libreoffice(files: list[Path], target: str, folder: Path) -> None:
    """Save `files` again with LibreOffice (soffice --convert-to), into `folder`."""
    profile = folder.parent / "lo-profil"
    subprocess.run([shutil.which("soffice"), "--headless", f"-env:UserInstallation=file://{profile}",
                    "--convert-to", target, "--outdir", str(folder), *map(str, files)],
                   capture_output=True, timeout=300, check=True)


@pytest.fixture(scope="module")
def corpus(docx_2024, tmp_path_factory):
    """(folder, expected) where expected maps file name → (municipalities, comments, changes) or a reason."""
    work = tmp_path_factory.mktemp("svar")
    out = work / "in"
    out.mkdir()
    expected: dict = {}
    tyreso = add_comments(docx_2024, work / "t1.docx", [
        ("Verksamhetsplanen beslutas årligen", "Skriv varje år i stället.", "Anna Andersson"),
        ("Presentationsmaterial OM RUFSS", "Rad 6 behöver en kostnad.", "Anna Andersson"),
        ("Bevaka frågan om elförsörjning", "=SUMMA(A1)", "Anna Andersson")],
        replies=[(0, "Instämmer.", "Kansliet"), (0, "Jag också.", "Bo Berg")])
    resolve_comment(tyreso, out / "Tyresö-svar.docx", index=1)
    expected["Tyresö-svar.docx"] = (["Tyresö"], 5, 0)
    add_tracked_changes(docx_2024, out / "vp2024_botkyrka.docx", [
        ("årligen", "varje år", "Bertil Berg"), ("", " Nytt tillägg.", "Bertil Berg")])
    expected["vp2024_botkyrka.docx"] = (["Botkyrka"], 0, 2)
    huddinge = add_comments(docx_2024, work / "h.docx", [("Kansliet bemannas", "+1 från oss", "Hanna")])
    add_tracked_changes(huddinge, out / "Huddinge.docx", [("Kansliet samordnar", "", "Hanna")])
    expected["Huddinge.docx"] = (["Huddinge"], 1, 1)
    as_strict(add_comments(docx_2024, work / "s.docx", [("Delta i StorSthlms expertgrupp", "Strikt.", "Sven")]),
              out / "Salem-strict.docx")
    expected["Salem-strict.docx"] = (["Salem"], 1, 0)
    with_main_part(add_comments(docx_2024, work / "n.docx", [("Möten", "Online.", "Nora")]),
                   out / "Nynäshamn-online.docx")
    expected["Nynäshamn-online.docx"] = (["Nynäshamn"], 1, 0)
    shutil.copy(add_comments(docx_2024, work / "m.docx", [("Möten", "Med makron.", "Maja")]),
                out / "Haninge.docm")
    expected["Haninge.docm"] = (["Haninge"], 1, 0)
    add_comments(docx_2024, out / "Nykvarn-och-Södertälje.docx", [("Möten", "Gemensamt svar.", "Nils")])
    expected["Nykvarn-och-Södertälje.docx"] = (["Nykvarn", "Södertälje"], 1, 0)
    shutil.copy(out / "Huddinge.docx", out / "Huddinge (1).docx")
    expected["Huddinge (1).docx"] = "dubblett"
    same_ids = add_comments(docx_2024, work / "i.docx", [("Möten", "Första.", "Ida"), ("Kansliet bemannas", "Andra.", "Ida")])
    rewrite_parts(same_ids, out / "okand-ids.docx",
                  lambda p: p.__setitem__("word/comments.xml", p["word/comments.xml"].replace(b'w:id="1"', b'w:id="0"')))
    expected["okand-ids.docx"] = ([], 2, 0)

    def corrupt(parts):
        parts["word/comments.xml"] = parts["word/comments.xml"]  # stored deflated; damaged below
    broken = rewrite_parts(tyreso, work / "broken.docx", corrupt)
    data = bytearray(broken.read_bytes())
    with zipfile.ZipFile(broken) as z:
        info = z.getinfo("word/comments.xml")
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    for i in range(start + 5, start + 25):
        data[i] ^= 0x5A
    (out / "Södertälje-trasig.docx").write_bytes(bytes(data))
    expected["Södertälje-trasig.docx"] = "trasig"
    (out / "Botkyrka-krypterad.docx").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512
                                                   + "EncryptedPackage".encode("utf-16-le") + b"\x00" * 512)
    expected["Botkyrka-krypterad.docx"] = "krypterad"
    return out, expected, tyreso, work


@pytest.fixture(scope="module")
def corpus_with_libreoffice(corpus):
    out, expected, tyreso, work = corpus
    from pipeline.pdf.libreoffice import libreoffice_status
    if libreoffice_status():
        pytest.skip(libreoffice_status())
    lo = work / "lo"
    lo.mkdir()
    source = shutil.copy(tyreso, lo / "Tyresö-lo.docx")
    changed = add_tracked_changes(source, lo / "Haninge-lo.docx", [("årligen", "varje år", "Harald")])
    _libreoffice([source, changed], "docx:MS Word 2007 XML", out)
    expected["Tyresö-lo.docx"] = (["Tyresö"], 5, 0)
    expected["Haninge-lo.docx"] = (["Haninge"], 5, 1)
    _libreoffice([source], "odt", out)
    (out / "Tyresö-lo.odt").rename(out / "Tyresö.odt")
    expected["Tyresö.odt"] = ".odt"
    _libreoffice([source], "doc:MS Word 97", out)
    (out / "Tyresö-lo.doc").rename(out / "Tyresö.doc")
    expected["Tyresö.doc"] = ".doc"
    return out, expected


@needs_libreoffice
def test_every_comment_and_change_of_every_readable_file_is_compiled(corpus_with_libreoffice, tmp_path):
    folder, expected = corpus_with_libreoffice
    result = run_cli("comments", *map(str, sorted(folder.glob("*.*"))), "--out", str(tmp_path / "remiss.docx"))
    assert result.returncode == 2, result.stderr  # written, but some files could not be read
    assert "Traceback" not in result.stderr
    rows = _rows(tmp_path / "remiss.csv")
    for name, want in expected.items():
        mine = [r for r in rows if r["Fil"] == name]
        if isinstance(want, str):
            if want == "dubblett":
                assert not mine and f"{name}: dubblett" in result.stderr
            else:
                assert [r["Typ"] for r in mine] == ["kunde inte läsas"], name
                assert want in mine[0]["Kommentar eller ändring"] and f"{name}: kunde inte läsas" in result.stderr
            continue
        municipalities, comments, changes = want
        kinds = [r["Typ"] for r in mine]
        assert sum(k in ("kommentar", "svar") for k in kinds) == comments, (name, kinds)
        assert sum(k not in ("kommentar", "svar") for k in kinds) == changes, (name, kinds)
        assert all(r["Kommun"] == (", ".join(municipalities) or "okänd kommun") for r in mine), name


@needs_libreoffice
def test_threads_places_resolution_and_changes(corpus_with_libreoffice, tmp_path):
    folder, _ = corpus_with_libreoffice
    files = [folder / n for n in ("Tyresö-svar.docx", "Tyresö-lo.docx", "vp2024_botkyrka.docx", "Huddinge.docx")]
    assert run_cli("comments", *map(str, files), "--out", str(tmp_path / "r.docx")).returncode == 0
    rows = _rows(tmp_path / "r.csv")
    for file in ("Tyresö-svar.docx", "Tyresö-lo.docx"):  # Word's reply links, and LibreOffice's shared anchor
        thread = [r for r in rows if r["Fil"] == file and r["Tråd"] == "Skriv varje år i stället."]
        assert [r["Kommentar eller ändring"] for r in thread] == ["Instämmer.", "Jag också."], file
        assert all(r["Typ"] == "svar" for r in thread)
        first = next(r for r in rows if r["Fil"] == file and r["Kommentar eller ändring"] == "Skriv varje år i stället.")
        assert rows.index(first) < rows.index(thread[0])  # the comment, then its replies
    resolved = next(r for r in rows if r["Kommentar eller ändring"] == "Rad 6 behöver en kostnad."
                    and r["Fil"] == "Tyresö-svar.docx")
    assert resolved["Status"] == "löst"
    assert resolved["Plats"].startswith("Bilaga 1 Aktivitetsplan") and resolved["Plats"].endswith("tabellrad 6")
    change = next(r for r in rows if r["Fil"] == "vp2024_botkyrka.docx" and r["Typ"] == "ändrat")
    assert change["Kommentar eller ändring"] == "”årligen” → ”varje år”" and change["Författare"] == "Bertil Berg"
    assert change["Plats"] == "1. Om verksamhetsplanen 2024"
    assert change["Text i planen"].startswith("Verksamhetsplanen beslutas årligen av")  # as the draft had it
    deletion = next(r for r in rows if r["Fil"] == "Huddinge.docx" and r["Typ"] == "borttaget")
    assert deletion["Kommentar eller ändring"] == "borttaget: ”Kansliet samordnar”"
    # rows in the plan's order: chapter 1 before chapter 3 before Bilaga 1
    places = [r["Plats"] for r in rows if r["Typ"] != "inget svar"]
    assert places.index("1. Om verksamhetsplanen 2024") < min(i for i, p in enumerate(places) if p.startswith("Bilaga 1"))


@needs_libreoffice
def test_spreadsheets_see_text_not_formulas(corpus, tmp_path):
    folder, *_ = corpus
    assert run_cli("comments", str(folder / "Tyresö-svar.docx"), str(folder / "Huddinge.docx"),
                   "--out", str(tmp_path / "r.docx")).returncode == 0
    text = (tmp_path / "r.csv").read_text(encoding="utf-8-sig")
    assert ";'=SUMMA(A1);" in text and ";'+1 från oss;" in text


@needs_libreoffice
def test_the_overview_names_every_municipality_and_who_did_not_answer(corpus, tmp_path):
    folder, *_ = corpus
    files = [folder / n for n in ("Tyresö-svar.docx", "Huddinge.docx", "Huddinge (1).docx", "okand-ids.docx",
                                  "Nykvarn-och-Södertälje.docx")]
    result = run_cli("comments", *map(str, files), "--out", str(tmp_path / "r.docx"))
    assert result.returncode == 0
    document = docx.Document(str(tmp_path / "r.docx"))
    overview = {row.cells[0].text: [c.text for c in row.cells[1:]] for row in document.tables[0].rows[1:]}
    assert set(overview) == {"Botkyrka", "Haninge", "Huddinge", "Nykvarn", "Nynäshamn", "Salem", "Södertälje",
                             "Tyresö", "okänd kommun"}
    assert overview["Botkyrka"][-1] == "inget svar" and overview["Salem"][-1] == "inget svar"
    assert overview["Huddinge"] == ["Huddinge.docx", "1", "1", "svar"]  # the copy is not counted twice
    assert overview["Nykvarn"][0] == overview["Södertälje"][0] == "Nykvarn-och-Södertälje.docx"
    assert "Inget svar från: Botkyrka, Haninge, Nynäshamn, Salem." in result.stdout
    files_table = {row.cells[0].text: row.cells[4].text for row in document.tables[1].rows[1:]}
    assert "dubblett" in files_table["Huddinge (1).docx"]
    assert "flera kommuner" in files_table["Nykvarn-och-Södertälje.docx"]
    assert "nämner ingen av medlemskommunerna" in files_table["okand-ids.docx"]
    rows = _rows(tmp_path / "r.csv")
    assert any("id 0 förekommer flera gånger" in r["Kommentar eller ändring"] for r in rows)


def test_no_readable_file_is_an_error_with_code_1(tmp_path):
    bad = tmp_path / "x.docx"
    bad.write_bytes(b"inte en zip")
    result = run_cli("comments", str(bad), "--out", str(tmp_path / "ut.docx"))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert not (tmp_path / "ut.docx").exists()


# --- the compilation on paper ----------------------------------------------------------------------

SENTENCES = [
    "Vi instämmer i inriktningen men vill se en tydligare tidplan.",
    "Kommunikationsaktiviteterna behöver samordnas med kommunernas egna kommunikatörer.",
    "Infrastrukturprioriteringarna bör förankras i respektive kommunstyrelse innan de kommuniceras externt.",
    "Samverkansformerna med regionen är viktiga för oss.",
    "Vem ansvarar för uppföljningen?",
    "Kostnaden verkar låg i förhållande till ambitionen.",
    "Förtydliga vad som menas med påverkansarbete i det här sammanhanget.",
    "Stockholmsregionens utvecklingsplan påverkar flera av våra detaljplaner.",
    "Detta stöds av kommunledningsförvaltningen.",
    "Vi föreslår att aktiviteten flyttas till nästa år.",
]


def _comment_text(rng, long: bool = False) -> str:
    if long:  # longer than a page in its column: the one row that may break
        return " ".join(rng.choice(SENTENCES) for _ in range(90))
    return " ".join(rng.choice(SENTENCES) for _ in range(rng.choice([1, 1, 2, 3, 5, 8])))


@pytest.fixture(scope="module")
def many_answers(docx_2024, tmp_path_factory):
    """Returned files from all eight municipalities, 20–25 comments each, all over the plan, some long."""
    import random

    from drafts import _paragraphs
    from pipeline.content.formatting import plain
    work = tmp_path_factory.mktemp("manga-svar")
    paragraphs = [plain(p.text) for p in _paragraphs(docx.Document(str(docx_2024))) if len(plain(p.text)) > 25 and p.runs]
    rng = random.Random(26)
    files = []
    for number, municipality in enumerate(["Botkyrka", "Haninge", "Huddinge", "Nykvarn", "Nynäshamn", "Salem",
                                           "Södertälje", "Tyresö"]):
        chosen = rng.sample(paragraphs, rng.randint(20, 25))
        comments = [(text[:40], _comment_text(rng, long=number == 3 and i == 4), f"Handläggare {municipality}")
                    for i, text in enumerate(chosen)]
        replies = [(i, _comment_text(rng), "Kansliet") for i in range(0, len(comments), 7)]
        files.append(add_comments(docx_2024, work / f"{municipality}-synpunkter.docx", comments, replies=replies))
    return files


@needs_libreoffice
def test_the_compilation_reads_well_on_paper(many_answers, tmp_path):
    """Rows are never split across pages (but a comment longer than a page), no word is broken in a
    column too narrow for it, and each chapter stands once, as its table's heading."""
    from docx.text.paragraph import Paragraph

    from pipeline.pdf.libreoffice import LibreOffice
    out = tmp_path / "remiss.docx"
    result = run_cli("comments", *map(str, many_answers), "--out", str(out))
    assert result.returncode == 0, result.stderr
    document = docx.Document(str(out))
    tables = document.tables[2:]  # after the overview and the files: one table per chapter
    assert sum(len(t.rows) - 1 for t in tables) > 180
    with LibreOffice() as office:
        pdf = office.convert(out.read_bytes())
    (tmp_path / "remiss.pdf").write_bytes(pdf)
    # each chapter once, as the heading of its table; the rows' places say where within it
    headings = [p.text for p in document.paragraphs if p.style.name == "Heading 2"][2:]
    assert len(headings) == len(tables) == len(set(headings))
    for heading, table in zip(headings, tables):
        before = table._tbl.getprevious()
        assert before is not None and Paragraph(before, None).text == heading
        assert not [row.cells[1].text for row in table.rows[1:] if row.cells[1].text.startswith(heading)]
    # rows: every row of every table on one page, by the PDF's structure (TR elements and their pages)
    with pikepdf.open(tmp_path / "remiss.pdf") as opened:
        pages = {page.obj.objgen: n for n, page in enumerate(opened.pages, 1)}
        rows = []

        def visit(element, page):
            page = pages.get(element.Pg.objgen, page) if "/Pg" in element else page
            if element.get("/S") == "/TR":
                rows.append(_pages_of(element, page, pages))
                return
            for kid in _kids(element):
                if isinstance(kid, pikepdf.Dictionary) and "/S" in kid:
                    visit(kid, page)
        for kid in _kids(opened.Root.StructTreeRoot):
            visit(kid, None)
    texts = [" ".join(c.text for c in row.cells) for t in document.tables for row in t.rows]
    assert len(rows) == len(texts)
    split = [text[:80] for text, on in zip(texts, rows) if len(on) > 1]
    assert all(len(text) > 3000 for text, on in zip(texts, rows) if len(on) > 1), split
    assert len(split) <= 1  # the one comment longer than a page
    assert len(pikepdf.open(tmp_path / "remiss.pdf").pages) > 10
    # words: every word the PDF shows is a word of the DOCX (none cut in two by a narrow column)
    shown = subprocess.run(["pdftotext", str(tmp_path / "remiss.pdf"), "-"], capture_output=True, text=True,
                           check=True).stdout
    words = {w for p in _all_paragraphs(document) for w in _words(p.text)}
    pieces = words | {piece for w in words for piece in re.split(r"(?<=[-/])", w) if piece}
    broken = sorted({w for w in _words(shown) if w not in pieces and not re.fullmatch(r"\d+", w)})
    assert not broken, broken


def _kids(element) -> list:
    kids = element.get("/K")
    if kids is None:
        return []
    return list(kids) if isinstance(kids, pikepdf.Array) else [kids]


def _pages_of(element, page, pages) -> set:
    """The pages an element's marked content is drawn on."""
    found = set()
    for kid in _kids(element):
        if isinstance(kid, int):
            found.add(page)
        elif isinstance(kid, pikepdf.Dictionary):
            kid_page = pages.get(kid.Pg.objgen, page) if "/Pg" in kid else page
            if kid.get("/Type") == "/MCR":
                found.add(kid_page)
            elif "/S" in kid:
                found |= _pages_of(kid, kid_page, pages)
    return found


def _all_paragraphs(document):
    yield from document.paragraphs
    for table in document.tables:
        for row in table.rows:
            for cell in row.cells:
                yield from cell.paragraphs
    for section in document.sections:
        for part in (section.header, section.footer, section.first_page_header, section.first_page_footer):
            yield from part.paragraphs


def _words(text: str) -> list[str]:
    text = text.replace("\u00a0", " ").replace("\u2011", "-").replace("\u2060", "")
    return [w.strip(".,:;()”\"'?!↳") for w in text.split() if
            w.strip(".,:;()”\"'?!↳")]
