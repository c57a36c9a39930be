"""The Word template as its communicator leaves it: saved again by other programs, restyled, broken.

The template is saved again by LibreOffice (style ids rewritten, the contents field in a content
control, settings dropped, page breaks moved), by python-docx, and with its placeholders split
across runs as Word does when it spell-checks; each still builds the same plan. A restyle shows
in the built DOCX and PDF. A placeholder broken by hand gets a Swedish message naming it and
where it is.
"""

from __future__ import annotations

import random
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import docx
import pytest
from docx.shared import Cm, RGBColor
from lxml import etree

from conftest import ROOT, copy_project, needs_libreoffice, run_cli
from drafts import rewrite_parts
from test_docx import paragraphs
from pipeline.errors import TemplateError
from pipeline.docx.templates import REQUIRED_STYLES, STYLES, lint_template

TEMPLATE = ROOT / "templates" / "verksamhetsplan.docx"
W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def _rewrite(source: Path, target: Path, part: str, change) -> Path:
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == part:
                data = change(data.decode("utf-8")).encode("utf-8")
            dst.writestr(info, data)
    return target


def _project_with(template: Path, tmp_path: Path) -> Path:
    project = copy_project(tmp_path / "projekt")
    shutil.copy(template, project / "templates" / "verksamhetsplan.docx")
    return project


def _folded(paras: list[tuple[str, str]]) -> list[tuple[str, str]]:
    return [(style.casefold(), text) for style, text in paras]


def _pdf_text(path: Path) -> str:
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    return " ".join(re.sub(r"\.{3,}", " ", text).split())


# --- the shipped template -------------------------------------------------------------------------

def test_shipped_template_passes():
    assert lint_template(TEMPLATE) == TEMPLATE
    result = run_cli("lint-templates")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "templates/verksamhetsplan.docx: mallen har alla formatmallar och platshållare som koden använder.",
        "templates/missiv.docx: mallen har alla formatmallar och platshållare som koden använder för missivet.",
        "templates/uppfoljning.docx: mallen har alla formatmallar och platshållare som koden använder för "
        "uppföljningen."]


def test_the_cover_letter_template_is_checked_against_the_letter_s_own_data(tmp_path):
    letter = tmp_path / "missiv.docx"
    shutil.copy(ROOT / "templates" / "missiv.docx", letter)
    rewrite_parts(letter, letter, lambda parts: parts.update({"word/document.xml": parts["word/document.xml"]
                                                              .replace(b"{{ kontakt.namn }}", b"{{ kansliet }}")}))
    result = run_cli("lint-templates", "--template", str(letter))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "platshållaren {{ kontakt.namn }} saknas" in result.stderr
    assert "platshållaren {{ kansliet }} pekar på 'kansliet', som inte finns i missivets data" in result.stderr


def test_every_required_style_is_in_the_template_under_its_name():
    styles = etree.fromstring(zipfile.ZipFile(TEMPLATE).read("word/styles.xml"))
    names = {n.get(f"{{{W}}}val").casefold() for n in styles.iter(f"{{{W}}}name")}
    for _, name, _ in STYLES:
        assert name.casefold() in names, name
    assert set(REQUIRED_STYLES) == {sid for sid, _, _ in STYLES}


# --- saved again by other programs ---------------------------------------------------------------

@pytest.fixture(scope="module")
def saved_by_libreoffice(tmp_path_factory) -> Path:
    """The template opened and saved again by LibreOffice as Word 2007–365, nothing changed by hand."""
    from pipeline.pdf.libreoffice import libreoffice_status
    if libreoffice_status():
        pytest.skip(libreoffice_status())
    folder = tmp_path_factory.mktemp("lo-mall")
    subprocess.run(["soffice", "--headless", f"-env:UserInstallation=file://{folder}/profil", "--convert-to",
                    "docx:MS Word 2007 XML", "--outdir", str(folder / "ut"), str(TEMPLATE)],
                   capture_output=True, check=True, timeout=300)
    return folder / "ut" / "verksamhetsplan.docx"


@needs_libreoffice
def test_libreoffice_really_rewrites_the_template(saved_by_libreoffice):
    """What this module guards against is what LibreOffice does (if it stops, the test says so)."""
    with zipfile.ZipFile(saved_by_libreoffice) as z:
        styles, document = z.read("word/styles.xml").decode(), z.read("word/document.xml").decode()
        settings = z.read("word/settings.xml").decode()
    assert 'w:styleId="TextBody"' in styles and 'w:styleId="BodyText"' not in styles
    assert 'w:styleId="Mlformulering"' in styles
    assert "<w:updateFields" not in settings
    assert "<w:pageBreakBefore" not in document  # moved into the paragraph before, as a break


@needs_libreoffice
def test_a_template_saved_by_libreoffice_builds_the_same_plan(saved_by_libreoffice, build_2024, tmp_path):
    assert lint_template(saved_by_libreoffice)
    project = _project_with(saved_by_libreoffice, tmp_path)
    result = run_cli("build", "2024", "--out", str(tmp_path / "ut"), root=project)
    assert result.returncode == 0, result.stderr
    built = tmp_path / "ut" / "verksamhetsplan-2024.docx"
    # same text in the same styles (LibreOffice writes "TOC 1" where Word writes "toc 1")
    assert _folded(paragraphs(built)) == _folded(paragraphs(build_2024[0]))
    assert _pdf_text(tmp_path / "ut" / "verksamhetsplan-2024.pdf") == _pdf_text(build_2024[1])


def test_a_template_saved_by_python_docx_builds_the_same_plan(docx_2024, tmp_path):
    docx.Document(str(TEMPLATE)).save(str(tmp_path / "mall.docx"))
    project = _project_with(tmp_path / "mall.docx", tmp_path)
    result = run_cli("build", "2024", "--docx-only", "--out", str(tmp_path / "ut"), root=project)
    assert result.returncode == 0, result.stderr
    assert paragraphs(tmp_path / "ut" / "verksamhetsplan-2024.docx") == paragraphs(docx_2024)


def _split_runs(xml: str) -> str:
    """Split every run holding a placeholder into runs of a few characters, as Word's spell-check
    and revision ids do: each with its own rsid, proofing marks in between."""
    root = etree.fromstring(xml.encode("utf-8"))
    chance = random.Random(2024)
    w = f"{{{W}}}"
    for run in list(root.iter(f"{w}r")):
        text = run.find(f"{w}t")
        if text is None or not text.text or not re.search(r"\{[{%]|[}%]\}", text.text):
            continue
        pieces, rest = [], text.text
        while rest:
            cut = chance.randint(1, 4)
            pieces.append(rest[:cut])
            rest = rest[cut:]
        parent, index = run.getparent(), run.getparent().index(run)
        parent.remove(run)
        for n, piece in enumerate(pieces):
            if n % 3 == 1:
                parent.insert(index, etree.Element(f"{w}proofErr", {f"{w}type": "spellStart"}))
                index += 1
            new = etree.fromstring(etree.tostring(run))
            new.set(f"{w}rsidR", f"00{chance.randint(100000, 999999)}")
            new.find(f"{w}t").text = piece
            new.find(f"{w}t").set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
            parent.insert(index, new)
            index += 1
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True).decode("utf-8")


def test_placeholders_split_across_runs_build_the_same_plan(docx_2024, tmp_path):
    split = _rewrite(TEMPLATE, tmp_path / "mall.docx", "word/document.xml", _split_runs)
    assert "{{ titel }}" not in zipfile.ZipFile(split).read("word/document.xml").decode()  # really split
    project = _project_with(split, tmp_path)
    result = run_cli("build", "2024", "--docx-only", "--out", str(tmp_path / "ut"), root=project)
    assert result.returncode == 0, result.stderr
    assert paragraphs(tmp_path / "ut" / "verksamhetsplan-2024.docx") == paragraphs(docx_2024)


# --- a restyle shows --------------------------------------------------------------------------------

@needs_libreoffice
def test_a_restyle_shows_in_the_docx_and_the_pdf(tmp_path):
    import pipeline.docx.wordlib  # noqa: F401  (python-docx writes the document properties right)
    from PIL import Image, ImageDraw

    logo = tmp_path / "logo.png"
    image = Image.new("RGB", (400, 120), "white")
    ImageDraw.Draw(image).rectangle([10, 10, 390, 110], outline=(0, 60, 120), width=8)
    image.save(logo)
    template = docx.Document(str(TEMPLATE))
    template.styles["Body Text"].font.name = "DejaVu Serif"
    template.styles["Heading 1"].font.color.rgb = RGBColor(0xC0, 0x00, 0x00)
    template.sections[0].header.paragraphs[0].add_run(" – Södertörns kansli informerar")
    run = template.paragraphs[0].insert_paragraph_before().add_run()
    run.add_picture(str(logo), width=Cm(5))
    doc_pr = run._r.find(".//{http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing}docPr")
    template.save(str(tmp_path / "mall-utan-alt.docx"))
    doc_pr.set("descr", "Södertörns logotyp")
    template.save(str(tmp_path / "mall.docx"))

    # a picture without a text alternative is named before anything is built
    project = _project_with(tmp_path / "mall-utan-alt.docx", tmp_path / "a")
    refused = run_cli("build", "2024", "--out", str(tmp_path / "a" / "ut"), root=project)
    assert refused.returncode == 1 and "Traceback" not in refused.stderr
    assert "i dokumentet, stycke 1, saknar alternativtext" in refused.stderr

    project = _project_with(tmp_path / "mall.docx", tmp_path / "b")
    result = run_cli("build", "2024", "--out", str(tmp_path / "ut"), root=project)
    assert result.returncode == 0, result.stderr
    built = docx.Document(str(tmp_path / "ut" / "verksamhetsplan-2024.docx"))
    assert built.styles["Body Text"].font.name == "DejaVu Serif"
    assert built.styles["Heading 1"].font.color.rgb == RGBColor(0xC0, 0x00, 0x00)
    assert "Södertörns kansli informerar" in built.sections[0].header.paragraphs[0].text
    assert len(built.inline_shapes) >= 1 and built.inline_shapes[0]._inline.docPr.get("descr") == "Södertörns logotyp"

    pdf = tmp_path / "ut" / "verksamhetsplan-2024.pdf"
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert "DejaVuSerif" in fonts
    page2 = subprocess.run(["pdftotext", "-f", "2", "-l", "2", str(pdf), "-"], capture_output=True, text=True).stdout
    assert "Södertörns kansli informerar" in page2
    images = subprocess.run(["pdfimages", "-list", "-f", "1", "-l", "1", str(pdf)], capture_output=True,
                            text=True, check=True).stdout
    assert re.search(r"^\s+1\s+\d+\s+image\s+400\s+120", images, re.M), images
    subprocess.run(["pdftoppm", "-png", "-r", "50", "-f", "3", "-l", "3", str(pdf), str(tmp_path / "sida")],
                   check=True)
    page3 = Image.open(next(tmp_path.glob("sida*.png"))).convert("RGB")
    pixels = page3.tobytes()
    red = sum(1 for i in range(0, len(pixels), 3) if pixels[i] > 150 and pixels[i + 1] < 60 and pixels[i + 2] < 60)
    assert red > 50  # the chapter heading prints in the new colour


# --- broken by hand ---------------------------------------------------------------------------------

def test_a_style_missing_under_every_name_is_named(tmp_path):
    broken = _rewrite(TEMPLATE, tmp_path / "mall.docx", "word/styles.xml",
                      lambda xml: xml.replace('w:val="Målformulering"', 'w:val="Annat namn"'))
    with pytest.raises(TemplateError, match="formatmallen 'Målformulering' \\(Målformulering i svenskt Word\\) saknas"):
        lint_template(broken)


def test_a_style_with_another_id_is_found_by_its_name(tmp_path):
    renamed = _rewrite(TEMPLATE, tmp_path / "mall.docx", "word/styles.xml",
                       lambda xml: xml.replace('w:styleId="Malformulering"', 'w:styleId="Annat"'))
    assert lint_template(renamed)


def test_missing_placeholder_is_named(tmp_path):
    broken = _rewrite(TEMPLATE, tmp_path / "mall.docx", "word/document.xml",
                      lambda xml: xml.replace("{{ datum }}", "Datum"))
    with pytest.raises(TemplateError, match=r"platshållaren \{\{ datum \}\} saknas"):
        lint_template(broken)


def _drop_endfor(xml: str) -> str:
    start = xml.index("{%p for b in bilagor %}")
    end = xml.index("{%p endfor %}", start)
    return xml[:end] + xml[end + len("{%p endfor %}"):]


@pytest.mark.parametrize("change, expected", [
    (lambda xml: xml.replace("{{ titel }}", "{{ titl }}", 1),
     "i dokumentet, stycke 2: platshållaren {{ titl }} pekar på 'titl', som inte finns i planens data "
     "(menar du 'titel'?)"),
    (_drop_endfor, "i dokumentet, stycke 13 (efter ”Bilagor”): {%p for b in bilagor %} saknar sitt {%p endfor %}"),
    (lambda xml: xml.replace("{{ kap.rubrik }}", "{{ kap.rubrik }", 1),
     "en platshållare börjar med {{ men slutar inte med }}"),
    (lambda xml: xml.replace("{%p endif %}", "{%p endiff %}", 1), "okänd platshållare {%p endiff %}"),
])
def test_a_broken_placeholder_is_named_with_where_it_is(project, change, expected):
    _rewrite(TEMPLATE, project / "templates" / "verksamhetsplan.docx", "word/document.xml", change)
    result = run_cli("build", "2024", "--docx-only", "--out", str(project / "ut"), root=project)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.startswith("templates/verksamhetsplan.docx: ")
    assert expected in result.stderr, result.stderr
    assert "jinja" not in result.stderr.lower()
    assert not (project / "ut").exists()


# --- the Jinja structure, as Jinja2's own parser reads it -----------------------------------------

def _with_paragraphs(*texts: str):
    """A change of document.xml that adds paragraphs with `texts` at the end of the body."""
    from xml.sax.saxutils import escape
    added = "".join(f'<w:p><w:r><w:t xml:space="preserve">{escape(t)}</w:t></w:r></w:p>' for t in texts)
    return lambda xml: xml.replace("<w:sectPr", added + "<w:sectPr", 1)


@pytest.mark.parametrize("texts", [
    pytest.param(("{%p set antal = kapitel|length %}", "Planen har {{ antal }} kapitel."), id="set"),
    pytest.param(("{%p set rubriker %}", "{{ titel }}", "{%p endset %}", "{{ rubriker }}"), id="block-set"),
    pytest.param(("{%p for kap in kapitel %}", "{{ kap.rubrik }}", "{%p else %}", "Inga kapitel.", "{%p endfor %}"),
                 id="for-else"),
    pytest.param(("{%p with t = titel %}", "{{ t }} – {{ organisation }}", "{%p endwith %}"), id="with"),
    pytest.param(("{%p if status %}", "{{ status|upper }}", "{%p elif markering %}", "{{ markering }}",
                  "{%p else %}", "Ingen status.", "{%p endif %}"), id="if-elif-else"),
    pytest.param(("Status: {%r if status %}{{ status }}{%r else %}okänd{%r endif %}.",), id="run-tags"),
    pytest.param(("{# en kommentar för kommunikatören #}", "{%p for b in bilagor if b.text %}{{ loop.index }}",
                  "{%p endfor %}"), id="comment-loop-filter"),
])
def test_what_the_template_language_reads_passes(tmp_path, texts):
    template = _rewrite(TEMPLATE, tmp_path / "mall.docx", "word/document.xml", _with_paragraphs(*texts))
    assert lint_template(template) == template


@pytest.mark.parametrize("texts, expected", [
    pytest.param(("{%p set antal = kapitl|length %}",),
                 ["platshållaren {%p set antal = kapitl|length %} pekar på 'kapitl', som inte finns i planens "
                  "data (menar du 'kapitel'?)"], id="unknown-name-in-a-set"),
    pytest.param(("{%p endfor %}",), ["{%p endfor %} avslutar inget; {%p for ... %} saknas"], id="endfor-alone"),
    pytest.param(("{%p else %}",), ["{%p else %} står utanför ett {%p if ... %}"], id="else-alone"),
    pytest.param(("{%p for b in bilagor %}", "{%p if b.text %}", "{%p endfor %}"),
                 ["{%p if b.text %} saknar sitt {%p endif %} (i stället kommer {%p endfor %}"],
                 id="crossed-blocks"),
    pytest.param(("{%p sett x = 1 %}", "{{ titl }}", "{{ status ) }}"),
                 ["okänd platshållare {%p sett x = 1 %}",
                  "platshållaren {{ titl }} pekar på 'titl', som inte finns i planens data (menar du 'titel'?)",
                  "platshållaren {{ status ) }} går inte att läsa"],
                 id="every-mistake-at-once"),
    pytest.param(("{%p for in kapitel %}", "{{ titel }}", "{%p endfor %}"),
                 ["platshållaren {%p for in kapitel %} går inte att läsa. Se"], id="one-mistake-one-message"),
    pytest.param(("{%tr for r in kapitel %}",), ["{%tr for r in kapitel %} står inte i en tabellrad"],
                 id="row-tag-outside-a-table"),
    pytest.param(("{%p for k in kapitel %}", "{%p if k.text %}"),
                 ["{%p for k in kapitel %} saknar sitt {%p endfor %}; i dokumentet, stycke",
                  "{%p if k.text %} saknar sitt {%p endif %}"], id="two-unclosed-blocks-in-order"),
])
def test_what_the_template_language_cannot_read_is_named(tmp_path, texts, expected):
    template = _rewrite(TEMPLATE, tmp_path / "mall.docx", "word/document.xml", _with_paragraphs(*texts))
    with pytest.raises(TemplateError) as raised:
        lint_template(template)
    message = str(raised.value)
    for fragment in expected:
        assert fragment in message, message
    assert "i dokumentet, stycke" in message and "jinja" not in message.lower()
    assert "Encountered" not in message and "expected token" not in message
