"""What real consumers check: Word opens every DOCX cleanly, archives accept every PDF.

Every DOCX the project writes is validated against the ISO/IEC 29500 Transitional schemas (jing)
and Word's package rules (conformance/ooxml.py); every PDF against every rule of veraPDF's
PDF/A-2b and PDF/UA-1 profiles (conformance/pdfrules.py), and against the screen-reader faults
LibreOffice 7.4 leaves. Each check is also run on files broken on purpose, to show it looks.
"""

from __future__ import annotations

import re
import subprocess
import sys
import zipfile
from pathlib import Path

import docx
import pikepdf
import pytest

from conformance.ooxml import docx_problems, jing_available, uncovered_parts
from conformance.pdfrules import Doc, pdf_violations, profile_rules, unchecked_rules
from conftest import ROOT, needs_libreoffice, run_cli
from drafts import add_comments
from pipeline.pdf.marks import page_marks
from pipeline.pdf.tags import walk

needs_jing = pytest.mark.skipif(not jing_available(), reason="jing saknas (make system-deps installerar det)")


# --- DOCX ----------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def compilation(docx_2024, tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("remiss")
    returned = add_comments(docx_2024, folder / "Huddinge.docx", [
        ("Verksamhetsplanen beslutas årligen", "En kommentar.", "Kim")], replies=[(0, "Ett svar.", "Kansliet")])
    result = run_cli("comments", str(returned), "--out", str(folder / "remiss.docx"))
    assert result.returncode == 0, result.stderr
    return folder / "remiss.docx"


@pytest.fixture(scope="module")
def comparison(build_2024, tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("jamforelse")
    document = docx.Document(str(build_2024[0]))
    for paragraph in document.paragraphs:
        if paragraph.text.startswith("Verksamhetsplanen beslutas årligen"):
            paragraph.runs[0].text = paragraph.runs[0].text.replace("årligen", "varje år")
    document.save(str(folder / "ny.docx"))
    result = run_cli("compare", str(build_2024[0]), str(folder / "ny.docx"), "--out", str(folder / "jmf.docx"))
    assert result.returncode == 0, result.stderr
    return folder / "jmf.docx"


DOCX_OUTPUTS = ["plan 2024", "utkast 2024", "annan form 2031", "mallen", "missivmallen", "remissammanställning",
                "jämförelse", "kommunexemplar", "missiv", "missiv med ändringar", "uppföljningsmallen", "uppföljning"]
ROUND = "build/2024/remiss-utkast-2"


@pytest.fixture
def written_docx(request) -> Path:
    which = request.param
    if which == "plan 2024":
        return request.getfixturevalue("build_2024")[0]
    if which == "utkast 2024":
        return request.getfixturevalue("draft_2024")[0]
    if which == "annan form 2031":
        return request.getfixturevalue("other_shape_build")[0]
    if which == "mallen":
        return ROOT / "templates" / "verksamhetsplan.docx"
    if which == "uppföljningsmallen":
        return ROOT / "templates" / "uppfoljning.docx"
    if which == "uppföljning":
        return request.getfixturevalue("follow_up_2024")[0]
    if which == "missivmallen":
        return ROOT / "templates" / "missiv.docx"
    if which == "remissammanställning":
        return request.getfixturevalue("compilation")
    if which == "kommunexemplar":
        return request.getfixturevalue("round_2024") / ROUND / "Nynäshamn-verksamhetsplan-2024-utkast-2.docx"
    if which == "missiv":
        return request.getfixturevalue("round_2024") / ROUND / "missiv-2024-utkast-2.docx"
    if which == "missiv med ändringar":  # draft 2 after draft 1: its list of changes, a page break
        return request.getfixturevalue("second_round")[0] / ROUND / "missiv-2024-utkast-2.docx"
    return request.getfixturevalue("comparison")


@needs_jing
@needs_libreoffice
@pytest.mark.parametrize("written_docx", DOCX_OUTPUTS, indirect=True)
def test_every_docx_validates_against_the_transitional_schemas(written_docx):
    assert docx_problems(written_docx) == []
    assert uncovered_parts(written_docx) == []


@needs_libreoffice
@pytest.mark.parametrize("written_docx", ["plan 2024", "utkast 2024", "remissammanställning"], indirect=True)
def test_core_properties_read_back_in_a_process_that_imports_only_python_docx(written_docx):
    code = ("import sys, json, docx\n"
            "p = docx.Document(sys.argv[1]).core_properties\n"
            "print(json.dumps([p.title, p.author, p.last_modified_by, p.keywords, p.category, p.revision, "
            "p.language]))")
    out = subprocess.run([sys.executable, "-c", code, str(written_docx)], capture_output=True, text=True, check=True)
    title, author, modified_by, keywords, category, revision, language = __import__("json").loads(out.stdout)
    assert title and author and language == "sv-SE"
    if written_docx.name.startswith("verksamhetsplan"):
        assert modified_by == author == "Södertörnskommunernas samarbetskommitté"
        assert keywords == "verksamhetsplan; budget; Södertörn; 2024"
        assert category in ("Beslutad", "Utkast 2") and revision == 1
    with zipfile.ZipFile(written_docx) as z:
        core = z.read("docProps/core.xml").decode()
    assert "officeDocument/2006/custom-properties" not in core


def _rewrite(source: Path, target: Path, change) -> Path:
    with zipfile.ZipFile(source) as src:
        parts = {name: src.read(name) for name in src.namelist()}
    change(parts)
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as dst:
        for name, data in parts.items():
            dst.writestr(name, data)
    return target


CUSTOM = b"http://schemas.openxmlformats.org/officeDocument/2006/custom-properties"
DOCX_BREAKAGES = {
    "kärnegenskaper i fel namnrymd (docxcompose#101)": (
        lambda p: p.__setitem__("docProps/core.xml", p["docProps/core.xml"].replace(
            b"<cp:keywords>", b'<cp:keywords xmlns:cp="' + CUSTOM + b'">')),
        r'docProps/core.xml:.*"cp:keywords" not allowed'),
    "okänt element i brödtexten": (
        lambda p: p.__setitem__("word/document.xml", p["word/document.xml"].replace(
            b"<w:body>", b"<w:body><w:bogus/>", 1)),
        r'word/document.xml:.*"w:bogus" not allowed'),
    "samma bokmärkes-id två gånger": (
        lambda p: p.__setitem__("word/document.xml", p["word/document.xml"].replace(
            b"<w:body>", b'<w:body><w:p><w:bookmarkStart w:id="0" w:name="x"/><w:bookmarkEnd w:id="0"/>'
                         b'<w:bookmarkStart w:id="0" w:name="y"/><w:bookmarkEnd w:id="0"/></w:p>', 1)),
        r"bokmärkes-id 0 förekommer [23] gånger"),
    "formatmall baserad på en som saknas": (
        lambda p: p.__setitem__("word/styles.xml", re.sub(
            rb'(<w:style [^>]*w:styleId="Plantabell"[^>]*>\s*<w:name [^>]*/>)', rb'\1<w:basedOn w:val="Saknas"/>',
            p["word/styles.xml"]).replace(b'<w:basedOn w:val="Table"/>', b"", 1)),
        r"formatmallen Plantabell: basedOn Saknas finns inte"),
    "relation som inget använder": (
        lambda p: p.__setitem__("word/_rels/document.xml.rels", p["word/_rels/document.xml.rels"].replace(
            b"</Relationships>", b'<Relationship Id="rIdX" Type="http://schemas.openxmlformats.org/officeDocument/'
                                 b'2006/relationships/hyperlink" Target="http://example.com" TargetMode="External"/>'
                                 b"</Relationships>")),
        r"relationen rIdX \(hyperlink → http://example.com\) används inte"),
    "hänvisning till en relation som saknas": (
        lambda p: p.__setitem__("word/document.xml", p["word/document.xml"].replace(
            b"<w:body>", b'<w:body><w:p><w:hyperlink r:id="rIdSaknas"><w:r><w:t>x</w:t></w:r></w:hyperlink></w:p>',
            1)),
        r"hänvisar till relationen rIdSaknas, som inte finns"),
    "del utan innehållstyp": (
        lambda p: p.__setitem__("word/extra.bin", b"x"),
        r"word/extra.bin: delen har ingen innehållstyp"),
}


@needs_jing
@pytest.mark.parametrize("breakage", list(DOCX_BREAKAGES))
def test_the_docx_check_finds_a_file_broken_on_purpose(docx_2024, tmp_path, breakage):
    change, expected = DOCX_BREAKAGES[breakage]
    assert docx_problems(docx_2024) == []
    broken = _rewrite(docx_2024, tmp_path / "trasig.docx", change)
    problems = docx_problems(broken)
    assert any(re.search(expected, p) for p in problems), problems


def test_markup_compatibility_keeps_the_understood_branch():
    from lxml import etree
    from conformance.ooxml import process_markup_compatibility
    xml = etree.fromstring(
        b'<w:p xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" '
        b'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" '
        b'xmlns:w14="http://schemas.microsoft.com/office/word/2010/wordml" mc:Ignorable="w14" w14:paraId="1">'
        b'<mc:AlternateContent><mc:Choice Requires="w14"><w14:x/></mc:Choice>'
        b'<mc:Fallback><w:r/></mc:Fallback></mc:AlternateContent><w14:y/></w:p>')
    process_markup_compatibility(xml)
    assert etree.tostring(xml).count(b"w14:") == 0
    assert [etree.QName(c).localname for c in xml] == ["r"]


# --- PDF ------------------------------------------------------------------------------------

def test_every_rule_of_both_profiles_has_a_check():
    rules = profile_rules()
    assert len([r for r in rules if r.profile == "PDF/A-2b"]) == 144
    assert len([r for r in rules if r.profile == "PDF/UA-1"]) == 106
    assert unchecked_rules() == []


def _pdf(request, which: str) -> Path:
    if which == "uppföljning":
        return request.getfixturevalue("follow_up_2024")[1]
    if which == "missiv":
        return request.getfixturevalue("round_2024") / ROUND / "missiv-2024-utkast-2.pdf"
    if which == "missiv med ändringar":
        return request.getfixturevalue("second_round")[0] / ROUND / "missiv-2024-utkast-2.pdf"
    return request.getfixturevalue({"plan 2024": "build_2024", "utkast 2024": "draft_2024",
                                    "annan form 2031": "other_shape_build"}[which])[1]


@pytest.fixture
def written_pdf(request) -> Path:
    return _pdf(request, request.param)


PDF_OUTPUTS = ["plan 2024", "utkast 2024", "annan form 2031", "missiv", "missiv med ändringar", "uppföljning"]


@needs_libreoffice
@pytest.mark.parametrize("written_pdf", PDF_OUTPUTS, indirect=True)
def test_every_pdf_passes_every_rule_of_pdfa_2b_and_pdfua_1(written_pdf):
    assert [str(v) for v in pdf_violations(written_pdf)] == []


def _mutate_pdf(source: Path, target: Path, change) -> Path:
    with pikepdf.open(source) as pdf:
        change(pdf)
        pdf.save(target)
    return target


def _first(pdf, kind):
    return next(e for e in walk(pdf.Root.StructTreeRoot) if e.get("/S") == kind)


def _strip_extension_schema(pdf):
    data = pdf.Root.Metadata.read_bytes()
    pdf.Root.Metadata.write(re.sub(rb"<rdf:Description[^>]*>\s*<pdfaExtension:schemas>.*?</rdf:Description>", b"",
                                   data, flags=re.S))


def _untagged_text(pdf):
    page = pdf.pages[2]
    name = next(iter(page.Resources.Font.keys()))
    page.contents_add(pdf.make_stream(f"BT {name} 12 Tf 100 100 Td (x) Tj ET".encode()))


def _wrong_width(pdf):
    font = next(iter(pdf.pages[2].Resources.Font.values()))
    widths = font.Widths
    widths[5] = int(widths[5]) + 100


def _heading_skip(pdf):
    _first(pdf, "/H2").S = pikepdf.Name("/H4")


def _no_to_unicode(pdf):
    font = next(iter(pdf.pages[2].Resources.Font.values()))
    del font["/ToUnicode"]


PDF_BREAKAGES = {
    "pdfuaid utan tilläggsschema": (_strip_extension_schema, "PDF/A-2b 6.6.2.3.1-1"),
    "Tabs som sträng": (lambda pdf: setattr(pdf.pages[1].obj, "Tabs", pikepdf.String("S")), "PDF/UA-1 7.18.3-1"),
    "figur utan alternativtext": (lambda pdf: _first(pdf, "/Figure").__delitem__("/Alt"), "PDF/UA-1 7.3-1"),
    "otaggad text": (_untagged_text, "PDF/UA-1 7.1-3"),
    "fel glyfbredd": (_wrong_width, "PDF/A-2b 6.2.11.5-1"),
    "inget språk": (lambda pdf: pdf.Root.__delitem__("/Lang"), "PDF/UA-1 7.2-34"),
    "rubriknivå överhoppad": (_heading_skip, "PDF/UA-1 7.4.2-1"),
    "länk utan beskrivning": (lambda pdf: pdf.pages[1].obj.Annots[0].__delitem__("/Contents"), "PDF/UA-1 7.18.5-2"),
    "fel PDF/A-del": (lambda pdf: pdf.Root.Metadata.write(pdf.Root.Metadata.read_bytes().replace(
        b"<pdfaid:part>2</pdfaid:part>", b"<pdfaid:part>3</pdfaid:part>")), "PDF/A-2b 6.6.4-2"),
    "JavaScript-åtgärd": (lambda pdf: setattr(pdf.Root, "OpenAction", pikepdf.Dictionary(
        S=pikepdf.Name("/JavaScript"), JS=pikepdf.String("app.alert(1)"))), "PDF/A-2b 6.5.1-1"),
    "typsnitt utan ToUnicode": (_no_to_unicode, "PDF/UA-1 7.21.7-1"),
    "ingen dokumenttitel": (lambda pdf: pdf.Root.ViewerPreferences.__delitem__("/DisplayDocTitle"),
                            "PDF/UA-1 7.1-10"),
}


@needs_libreoffice
@pytest.mark.parametrize("breakage", list(PDF_BREAKAGES))
def test_the_pdf_check_finds_a_file_broken_on_purpose(build_2024, tmp_path, breakage):
    change, rule_key = PDF_BREAKAGES[breakage]
    broken = _mutate_pdf(build_2024[1], tmp_path / "trasig.pdf", change)
    found = {v.rule.key for v in pdf_violations(broken)}
    assert rule_key in found, found


@needs_libreoffice
def test_the_pdf_check_finds_data_after_the_end_of_file(build_2024, tmp_path):
    broken = tmp_path / "trasig.pdf"
    broken.write_bytes(build_2024[1].read_bytes() + "skräp efter slutet\n".encode())
    assert "PDF/A-2b 6.1.3-3" in {v.rule.key for v in pdf_violations(broken)}


# --- what a screen reader meets ------------------------------------------------------------------

@pytest.fixture(scope="module", params=PDF_OUTPUTS)
def reader_view(request) -> Doc:
    doc = Doc(_pdf(request, request.param).read_bytes())
    doc.name = request.param
    return doc


@needs_libreoffice
def test_each_link_is_one_link_element_with_a_clean_description(reader_view):
    doc = reader_view
    owners: dict = {}
    for element in doc.elements:
        for kid in element.get("/K") if isinstance(element.get("/K"), pikepdf.Array) else [element.get("/K")]:
            if isinstance(kid, pikepdf.Dictionary) and kid.get("/Type") == "/OBJR":
                owners.setdefault(kid.Obj.objgen, []).append(doc.standard_type(element))
    links = [a for a, _ in doc.annotations if a.get("/Subtype") == "/Link"]
    assert links or doc.name in ("missiv", "missiv med ändringar", "uppföljning")  # the plans have links
    for annot in links:
        assert owners.get(annot.objgen) == ["Link"], str(annot.get("/Contents"))
        assert "\t" not in str(annot.Contents) and str(annot.Contents).strip()
    if doc.name in ("missiv", "missiv med ändringar", "uppföljning"):
        return  # no contents list
    toc = next(e for e in doc.elements if doc.standard_type(e) == "TOC")
    entries = [e for e in doc.kids(toc) if doc.standard_type(e) == "TOCI"]
    toc_links = [e for t in entries for e in walk(t) if doc.standard_type(e) == "Link"]
    assert len(toc_links) == len(entries) > 10
    assert re.fullmatch(r".+, sidan \d+", str(_annotation(toc_links[0]).Contents))


def _annotation(element):
    kids = element.K if isinstance(element.K, pikepdf.Array) else [element.K]
    return next(k.Obj for k in kids if isinstance(k, pikepdf.Dictionary) and k.get("/Type") == "/OBJR")


@needs_libreoffice
def test_annotations_follow_the_reading_order(reader_view):
    doc = reader_view
    position = {}
    for index, element in enumerate(doc.elements):
        if doc.standard_type(element) == "Link":
            position[_annotation(element).objgen] = index
    for page in doc.pages:
        order = [position[a.objgen] for a in page.get("/Annots", [])]
        assert order == sorted(order)


@needs_libreoffice
def test_no_glyph_reads_as_a_private_use_character(reader_view):
    for info, code, _, where in reader_view.glyph_uses:
        text = info.to_unicode.get(code, "")
        assert not any(0xE000 <= ord(ch) <= 0xF8FF for ch in text), (info.name, where, text)


@needs_libreoffice
def test_every_list_item_has_its_bullet_as_a_label(reader_view):
    doc = reader_view
    items = [e for e in doc.elements if doc.standard_type(e) == "LI"]
    if not items:
        pytest.skip("planen har inga listor")
    marks = {}
    for item in items:
        label = next(k for k in doc.kids(item) if doc.standard_type(k) == "Lbl")
        page = label.Pg
        if page.objgen not in marks:
            marks[page.objgen] = page_marks(page)
        mcid = label.K if isinstance(label.K, int) else label.K.MCID
        assert marks[page.objgen][int(mcid)].text.strip() in ("•", "◦", "▪") or \
            re.fullmatch(r"\w{1,3}[.)]", marks[page.objgen][int(mcid)].text.strip())
        assert doc.kids_types(item)[-1] == "LBody"


@needs_libreoffice
def test_title_and_contents_are_headings_and_no_paragraph_is_empty(reader_view):
    doc = reader_view
    headings = [e for e in doc.elements if re.fullmatch(r"H\d", doc.standard_type(e))]
    assert doc.standard_type(headings[0]) == "H1" and str(headings[0].S) == "/Title"
    if doc.name == "missiv":  # the letter's sections are one level under its title
        assert {doc.standard_type(h) for h in headings[1:]} == {"H2"} and len(headings) == 6
    elif doc.name == "missiv med ändringar":  # and the parts of the plan that changed one further down
        assert [doc.standard_type(h) for h in headings[1:4]] == ["H2", "H2", "H2"]
        assert {doc.standard_type(h) for h in headings[4:]} == {"H2", "H3"} and len(headings) > 8
    elif doc.name == "uppföljning":  # like the plan's chapters, without a contents list
        assert [doc.standard_type(h) for h in headings[1:3]] == ["H1", "H1"] and len(headings) > 8
    else:
        assert str(headings[1].S) == "/Contents Heading" and doc.standard_type(headings[1]) == "H2"
    for element in doc.elements:
        if doc.standard_type(element) in ("P", "H1", "H2", "H3", "Span"):
            assert element.get("/K") is not None and (not isinstance(element.K, pikepdf.Array) or len(element.K)), \
                doc.describe(element)
