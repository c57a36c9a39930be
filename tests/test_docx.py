"""The built DOCX: content in reading order, styles, tables, properties, escaping, reproducibility."""

from __future__ import annotations

import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import docx
import pypandoc
from docx.oxml.ns import qn

import reference
from conftest import needs_libreoffice, run_cli
from helpers import replace_in

ROOT = Path(__file__).resolve().parent.parent


def paragraphs(path: Path) -> list[tuple[str, str]]:
    """Return (style name, text) of every paragraph in body order, table cells included."""
    document = docx.Document(str(path))
    styles = {s.style_id: s.name for s in document.styles}
    out = []
    for p in document.element.body.iter(qn("w:p")):
        style = p.find(f"{qn('w:pPr')}/{qn('w:pStyle')}")
        name = styles.get(style.get(qn("w:val")), "") if style is not None else "Normal"
        out.append((name, "".join(t.text or "" for t in p.iter(qn("w:t")))))
    return out


def document_text(path: Path, contents: bool = True) -> str:
    """Return the text of every paragraph; without the filled-in contents list if `contents` is False."""
    return "\n".join(text for style, text in paragraphs(path)
                     if contents or not style.lower().startswith(("toc ", "contents ")))


def test_every_reference_unit_is_present(docx_2024):
    text = document_text(docx_2024)
    parts = ["chapters", "bilaga1", "bilaga2", "bilaga3"]
    total = sum(len(reference.units(p)) for p in parts)
    missing = reference.missing_units(text, parts)
    # "Personalkostnader* ca 1 277 000 kr" is one line in the reference and two table cells here.
    assert missing == ["personalkostnader ca 1 277 000 kr"], missing
    assert total > 380


def test_units_come_in_reading_order(docx_2024):
    text = reference.normalise(document_text(docx_2024, contents=False))
    positions = [text.find(h) for h in reference.heading_units()]
    assert -1 not in positions
    # Headings appear twice (the list of appendices, then the appendix itself): look after the TOC.
    start = text.find("1. om verksamhetsplanen 2024")
    ordered = []
    for heading in reference.heading_units():
        ordered.append(text.find(heading, ordered[-1] + 1 if ordered else start))
    assert ordered == sorted(ordered) and -1 not in ordered
    # Every unit of a part lies between that part's heading and the next one.
    bounds = {"chapters": (ordered[0], ordered[6]), "bilaga1": (ordered[6], ordered[7]),
              "bilaga2": (ordered[7], ordered[8]), "bilaga3": (ordered[8], len(text))}
    for part, (low, high) in bounds.items():
        for unit in reference.units(part):
            pos = text.find(unit, low)
            assert pos == -1 or pos < high, f"{unit!r} står utanför {part}"


def test_no_unrendered_template_syntax(docx_2024):
    with zipfile.ZipFile(docx_2024) as z:
        for name in z.namelist():
            if name.endswith(".xml"):
                xml = z.read(name).decode("utf-8")
                assert "{{" not in xml and "{%" not in xml, name


def test_headings_use_heading_styles(docx_2024):
    paras = paragraphs(docx_2024)
    h1 = [reference.normalise(t) for s, t in paras if s == "Heading 1"]
    assert h1 == reference.heading_units()
    h2 = [t for s, t in paras if s == "Heading 2"]
    h3 = [t for s, t in paras if s == "Heading 3"]
    assert "Inspel och underlag till verksamhetsplanen" in h2
    assert "Övergripande mål för fokusområde infrastruktur" in h2
    assert "Långsiktigt mål: Omställning" in h3 and "Långsiktigt mål: Tillgänglighet" in h3
    assert "Intäkter" in h2 and "Kostnader" in h2
    assert "Samarbetsavtal om Södertörnskommunernas samarbetskommitté" in h2
    assert "§\u00a01 Syfte" in h3  # no-break space: "§ 1" never splits (layout.py)
    assert ("Title", "Verksamhetsplan och budget 2024") in paras


def test_every_table_has_a_repeating_header_row(docx_2024):
    document = docx.Document(str(docx_2024))
    tables = document.tables
    assert len(tables) >= 7
    for table in tables:
        first = table.rows[0]._tr
        assert first.find(f"{qn('w:trPr')}/{qn('w:tblHeader')}") is not None
        assert table.style.name == "Plantabell"
    headers = [[c.text for c in t.rows[0].cells] for t in tables]
    assert ["Aktivitet", "Kommentar"] in headers
    assert ["Nr", "Aktivitet", "När", "Kostnad 1)"] in headers


def test_swedish_typography(docx_2024):
    text = document_text(docx_2024)
    assert "2\u00a0083\u00a0296\u00a0kr" in text
    assert "ca\u00a0650\u00a0000\u00a0kr" in text
    assert "16\u00a0januari\u00a02024" in text
    assert "29–\u206030\u00a0augusti, planeringskonferens, plats ej bestämd" in text
    assert "(torsdagar kl\u00a013.00–\u206015.00)" in text
    assert "16\u00a0januari, planeringskonferens, Körunda, Nynäshamn (Obs tisdag)" in text
    assert "Tidigare konferenser har kostat ca\u00a080\u00a0000\u2011125\u00a0000\u00a0kr." in text
    assert "invånarantalet totalt 520\u00a0824 på Södertörn" in text


def test_document_properties(docx_2024):
    props = docx.Document(str(docx_2024)).core_properties
    assert props.title == "Verksamhetsplan och budget 2024"
    assert props.author == "Södertörnskommunernas samarbetskommitté"
    assert props.subject == "Verksamhetsplan och budget 2024"
    assert props.language == "sv-SE"
    assert props.created.date().isoformat() == "2024-01-16"
    assert props.modified.date().isoformat() == "2024-01-16"
    with zipfile.ZipFile(docx_2024) as z:
        for name in z.namelist():
            assert b"python-docx" not in z.read(name), name
        styles = z.read("word/styles.xml").decode()
    assert re.search(r'<w:rPrDefault>.*?<w:lang w:val="sv-SE"', styles, re.S)


def test_title_page_toc_and_footer(docx_2024):
    with zipfile.ZipFile(docx_2024) as z:
        body = z.read("word/document.xml").decode()
        footers = "".join(z.read(n).decode() for n in z.namelist() if n.startswith("word/footer"))
    assert 'w:docPartGallery w:val="Table of Contents"' in body
    assert 'TOC \\o "1-3"' in body
    assert "PAGE" in footers and "NUMPAGES" in footers and "Sida " in footers


def test_two_builds_are_byte_identical(docx_2024, tmp_path):
    result = run_cli("build", "2024", "--docx-only", "--out", str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "verksamhetsplan-2024.docx").read_bytes() == docx_2024.read_bytes()


def test_the_faster_subdocument_composer_gives_docxtpls_own_result(monkeypatch):
    """render._Subdoc adds styles in one pass; docxtpl's new_subdoc must give the same bytes."""
    from pipeline.docx import render
    from pipeline.checks.run import check
    from pipeline.documents.plan import make_docx
    for root, year in ((ROOT, 2024), (ROOT / "tests" / "fixtures" / "annan-form", 2031)):
        sources = check(root, year)
        ours = make_docx(ROOT, sources)
        with monkeypatch.context() as patch:
            patch.setattr(render, "_Subdoc", lambda tpl, path: tpl.new_subdoc(str(path)))
            assert make_docx(ROOT, sources) == ours, year


def test_reads_back_in_python_docx_and_pandoc(docx_2024):
    assert len(docx.Document(str(docx_2024)).paragraphs) > 100
    markdown = pypandoc.convert_file(str(docx_2024), "markdown")
    assert "Kansliets uppdrag" in markdown and "§\u00a010 Kommitténs upplösande" in markdown


SPECIAL = "Rock & <roll> \"citat\" 'apostrof' {{ x }} {% if y %}z{% endif %} åäö ÅÄÖ 🚆"


def test_special_characters_come_out_literally(project, tmp_path):
    yaml_text = SPECIAL.replace('"', '\\"')
    replace_in(project, "2024/kansliet.yaml",
               "    aktivitet: Delta i StorSthlms expertgrupp kopplat till infrastrukturfrågor",
               f'    aktivitet: "{yaml_text}"')
    replace_in(project, "2024/kommunikationsplan.yaml", "aktivitet: Debattartiklar, öppet brev mm",
               f'aktivitet: "{yaml_text}"')
    replace_in(project, "2024/text/1-om-verksamhetsplanen.md", "fastslagits i utvecklingsprogrammet.",
               f"fastslagits i utvecklingsprogrammet. {SPECIAL}")
    replace_in(project, "2024/plan.yaml", "titel: Verksamhetsplan och budget 2024",
               'titel: "Verksamhetsplan & budget <2024>"')
    result = run_cli("build", "2024", "--docx-only", "--out", str(tmp_path), root=project)
    assert result.returncode == 0, result.stderr
    path = tmp_path / "verksamhetsplan-2024.docx"
    text = document_text(path)
    assert text.count(SPECIAL) == 3
    assert "Verksamhetsplan & budget <2024>" in text
    assert docx.Document(str(path)).core_properties.title == "Verksamhetsplan & budget <2024>"
    pypandoc.convert_file(str(path), "plain")  # the XML stays valid


@needs_libreoffice
def test_libreoffice_converts_the_docx(docx_2024, tmp_path):
    profile = tmp_path / "profil"
    result = subprocess.run([shutil.which("soffice"), "--headless", f"-env:UserInstallation=file://{profile}",
                             "--convert-to", "pdf", "--outdir", str(tmp_path), str(docx_2024)],
                            capture_output=True, text=True, timeout=180)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "verksamhetsplan-2024.pdf").stat().st_size > 50_000


def test_markdown_footnotes_reach_the_docx(project, tmp_path):
    path = project / "sources/2024/text/3-kansliets-uppdrag.md"
    path.write_text(path.read_text(encoding="utf-8") + "\nEn mening med fotnot.[^1]\n\n[^1]: Fotnotens text.\n",
                    encoding="utf-8")
    result = run_cli("build", "2024", "--docx-only", "--out", str(tmp_path), root=project)
    assert result.returncode == 0, result.stderr
    with zipfile.ZipFile(tmp_path / "verksamhetsplan-2024.docx") as z:
        notes = z.read("word/footnotes.xml").decode()
        body = z.read("word/document.xml").decode()
    assert "Fotnotens text." in notes and "Footnote Text" not in notes
    assert "<w:footnoteReference" in body
