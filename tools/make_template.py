"""Create templates/verksamhetsplan.docx, the Word template of the plan (run once).

The template is the communicator's file from then on: restyle it in Word. This script only
documents how the first version was made; re-running it overwrites changes made in Word.
It starts from pandoc's reference document (so pandoc's paragraph styles exist), sets Swedish
as the language, Calibri as the typeface, adds the plan's own styles, a header and footer with
"Sida X av Y", a table of contents field and the docxtpl placeholders.
"""

from __future__ import annotations

import re
import subprocess
import sys
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

import pypandoc

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "templates" / "verksamhetsplan.docx"

W_NS = ('xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" '
        'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"')
# Every namespace that inserted content (pandoc's figures and lists, via subdocuments) may use:
# docxtpl pastes subdocument XML as text, so the prefixes must be declared on the root.
DOC_NS = (W_NS + ' xmlns:m="http://schemas.openxmlformats.org/officeDocument/2006/math"'
          ' xmlns:o="urn:schemas-microsoft-com:office:office"'
          ' xmlns:v="urn:schemas-microsoft-com:vml"'
          ' xmlns:w10="urn:schemas-microsoft-com:office:word"'
          ' xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main"'
          ' xmlns:pic="http://schemas.openxmlformats.org/drawingml/2006/picture"'
          ' xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing"')


# --- body building blocks -------------------------------------------------------------

def run(text: str, style: str | None = None) -> str:
    rpr = f'<w:rPr><w:rStyle w:val="{style}"/></w:rPr>' if style else ""
    return f'<w:r>{rpr}<w:t xml:space="preserve">{escape(text)}</w:t></w:r>'


def para(style: str, *runs: str, extra_ppr: str = "") -> str:
    body = "".join(r if r.startswith("<w:") else run(r) for r in runs)
    return f'<w:p><w:pPr><w:pStyle w:val="{style}"/>{extra_ppr}</w:pPr>{body}</w:p>'


def tag(text: str) -> str:
    """A paragraph holding only a docxtpl block tag ({%p ... %})."""
    return f'<w:p>{run(text)}</w:p>'


def cell(width: int, *paragraphs: str) -> str:
    return (f'<w:tc><w:tcPr><w:tcW w:w="{width}" w:type="dxa"/></w:tcPr>'
            + "".join(paragraphs) + '</w:tc>')


def row(*cells: str, header: bool = False) -> str:
    trpr = '<w:trPr><w:tblHeader/><w:cantSplit/></w:trPr>' if header else '<w:trPr><w:cantSplit/></w:trPr>'
    return f'<w:tr>{trpr}{"".join(cells)}</w:tr>'


def tag_row(text: str, columns: int) -> str:
    """A table row holding only a docxtpl row tag ({%tr ... %})."""
    cells = [cell(1000, para("Tabelltext", text))] + [cell(1000, para("Tabelltext"))] * (columns - 1)
    return f'<w:tr>{"".join(cells)}</w:tr>'


def table(widths: list[int], header: list[str], body_rows: list[str], style: str = "Plantabell") -> str:
    grid = "".join(f'<w:gridCol w:w="{w}"/>' for w in widths)
    head = row(*[cell(w, para("Tabellrubrik", *([h] if isinstance(h, str) else h)))
                 for w, h in zip(widths, header)], header=True)
    return (f'<w:tbl><w:tblPr><w:tblStyle w:val="{style}"/><w:tblW w:w="5000" w:type="pct"/>'
            f'<w:tblLayout w:type="fixed"/><w:tblLook w:val="04A0" w:firstRow="1" w:lastRow="0" '
            f'w:firstColumn="0" w:lastColumn="0" w:noHBand="0" w:noVBand="1"/></w:tblPr>'
            f'<w:tblGrid>{grid}</w:tblGrid>{head}{"".join(body_rows)}</w:tbl>')


def activity_table(var: str) -> str:
    """The Aktivitet | Kommentar table over `var` (a list of activities)."""
    widths = [4300, 4772]
    body = [
        tag_row(f"{{%tr for a in {var} %}}", 2),
        row(cell(widths[0], para("Tabelltext", "{{ a.aktivitet }}{% if a.fotnot %} {{ a.fotnot }}{% endif %}")),
            cell(widths[1],
                 tag("{%p for k in a.kommentar %}"), para("Tabelltext", "{{ k }}"), tag("{%p endfor %}"),
                 tag("{%p if a.bilaga %}"), para("Tabelltext", run("{{ a.bilaga }}", "Emphasis")),
                 tag("{%p endif %}"))),
        tag_row("{%tr endfor %}", 2),
    ]
    return table(widths, ["Aktivitet", "Kommentar"], body)


PAGE_BREAK_BEFORE = "<w:pageBreakBefore/>"


def toc_block() -> str:
    """A w:sdt table of contents with a TOC field over Heading 1–3 and a placeholder result."""
    instr = ' TOC \\o "1-3" \\h \\z \\u '
    return (
        '<w:sdt><w:sdtPr><w:docPartObj><w:docPartGallery w:val="Table of Contents"/>'
        '<w:docPartUnique/></w:docPartObj></w:sdtPr><w:sdtContent>'
        + para("TOCHeading", "Innehållsförteckning")
        + '<w:p><w:pPr><w:pStyle w:val="TOC1"/><w:tabs><w:tab w:val="right" w:leader="dot" w:pos="9062"/></w:tabs></w:pPr>'
          '<w:r><w:fldChar w:fldCharType="begin" w:dirty="true"/></w:r>'
          f'<w:r><w:instrText xml:space="preserve">{escape(instr)}</w:instrText></w:r>'
          '<w:r><w:fldChar w:fldCharType="separate"/></w:r>'
          '<w:r><w:t xml:space="preserve">Innehållsförteckningen uppdateras när dokumentet öppnas '
          '(i Word: högerklicka och välj Uppdatera fält).</w:t></w:r>'
          '<w:r><w:fldChar w:fldCharType="end"/></w:r></w:p>'
        + '</w:sdtContent></w:sdt>')


def body_xml() -> str:
    parts: list[str] = []
    add = parts.append
    # Title page
    add(para("Titelsidaorganisation", "{{ organisation }}"))
    add(para("Title", "{{ titel }}"))
    add(para("Titelsidadatum", "{{ datum }}"))
    add(para("Titelsidastatus", "{{ status }}"))
    add(tag("{%p if markering %}"))
    add(para("Utkastmarkering", "{{ markering }}"))
    add(tag("{%p endif %}"))
    # Table of contents and list of appendices
    add(para("Normal", '<w:r><w:br w:type="page"/></w:r>'))
    add(toc_block())
    add(tag("{%p if bilagor %}"))
    add(para("Bilageforteckningsrubrik", "Bilagor"))
    add(tag("{%p for b in bilagor %}"))
    add(para("Bilageforteckning", "Bilaga {{ b.nr }}", '<w:r><w:tab/></w:r>', "{{ b.rubrik }}"))
    add(tag("{%p endfor %}"))
    add(tag("{%p endif %}"))
    add(para("Normal", '<w:r><w:br w:type="page"/></w:r>'))
    # Chapters
    add(tag("{%p for kap in kapitel %}"))
    add(para("Heading1", "{{ kap.nr }}. {{ kap.rubrik }}"))
    add(tag("{%p if kap.text %}"))
    add("<w:p>" + run("{{p kap.text }}") + "</w:p>")
    add(tag("{%p endif %}"))
    # Chapter content: goals and activities
    add(tag("{%p if kap.innehåll == 'mål' %}"))
    add(tag("{%p for s in mål %}"))
    add(tag("{%p if s.nivå == 2 %}"))
    add(para("Heading2", "{{ s.rubrik }}"))
    add(tag("{%p elif s.nivå == 3 %}"))
    add(para("Heading3", "{{ s.rubrik }}"))
    add(tag("{%p elif s.nivå == 4 %}"))
    add(para("Heading4", "{{ s.rubrik }}"))
    add(tag("{%p elif s.nivå == 5 %}"))
    add(para("Heading5", "{{ s.rubrik }}"))
    add(tag("{%p else %}"))
    add(para("Heading6", "{{ s.rubrik }}"))
    add(tag("{%p endif %}"))
    add(tag("{%p if s.formulering %}"))
    add(para("Malformulering", "{{ s.formulering }}"))
    add(tag("{%p endif %}"))
    add(tag("{%p if s.ansvar %}"))
    add(para("Ansvar", "Ansvar: {{ s.ansvar }}"))
    add(tag("{%p endif %}"))
    add(tag("{%p if s.aktiviteter %}"))
    add(activity_table("s.aktiviteter"))
    add(tag("{%p endif %}"))
    add(tag("{%p for f in s.fotnoter %}"))
    add(para("Tabellfotnot", "{{ f.tecken }}{{ f.text }}"))
    add(tag("{%p endfor %}"))
    add(tag("{%p endfor %}"))
    add(tag("{%p endif %}"))
    # Chapter content: the secretariat's assignments
    add(tag("{%p if kap.innehåll == 'kansliet' %}"))
    add(activity_table("kansliet.aktiviteter"))
    add(tag("{%p endif %}"))
    # Chapter content: organisation
    add(tag("{%p if kap.innehåll == 'organisation' %}"))
    add(para("BodyText", "Ordförande i samarbetskommittén {{ år }} är {{ organisation_uppgifter.ordförande }} "
                         "och vice ordförande {{ organisation_uppgifter.vice_ordförande }}."))
    add(para("BodyText", "Ordförande i ledningsgruppen är {{ organisation_uppgifter.lg_ordförande }}, "
                         "{{ organisation_uppgifter.lg_kommun }}."))
    add(tag("{%p endif %}"))
    # Chapter content: calendar
    add(tag("{%p if kap.innehåll == 'kalendarium' %}"))
    add(tag("{%p for o in kalendarium %}"))
    add(para("Kalenderorgan", run("{{ o.namn }}", "Strong"),
             " ({{ o.veckodagar }} {{ o.tid }}{% if o.plats %} i {{ o.plats }} om inte annat anges{% endif %})"))
    add(tag("{%p for mote in o.möten %}"))
    add(para("Kalenderpost", "{{ mote }}"))
    add(tag("{%p endfor %}"))
    add(tag("{%p endfor %}"))
    add(tag("{%p endif %}"))
    # Chapter content: budget
    add(tag("{%p if kap.innehåll == 'budget' %}"))
    add(para("BodyText",
             "Kommunernas avgift för Södertörnssamarbetet är {{ budget.avgift }} kronor per invånare och år "
             "enligt beslut av {{ budget.beslutsorgan }} {{ budget.beslutsdatum }}. "
             "Åtagandet bekräftas genom beslut om respektive kommuns budget för {{ år }}. "
             "Den {{ budget.invånardatum }} var invånarantalet totalt {{ budget.invånare }} på Södertörn."))
    for key, label in (("intäkter", "Intäkter"), ("kostnader", "Kostnader")):
        add(para("Heading2", label))
        widths = [6072, 3000]
        rows = [tag_row(f"{{%tr for r in budget.{key} %}}", 2),
                row(cell(widths[0], para("Tabelltext", "{{ r.post }}{% if r.fotnot %}{{ r.fotnot }}{% endif %}")),
                    cell(widths[1], para("Tabellbelopp", "{{ r.belopp }}"))),
                tag_row("{%tr endfor %}", 2),
                row(cell(widths[0], para("Tabellsumma", "Summa")),
                    cell(widths[1], para("Tabellsummabelopp", f"{{{{ budget.{key}_summa }}}}")))]
        add(table(widths, ["Post", "Belopp"], rows))
    add(tag("{%p for f in budget.fotnoter %}"))
    add(para("Tabellfotnot", "{{ f.tecken }}{{ f.text }}"))
    add(tag("{%p endfor %}"))
    add(tag("{%p endif %}"))
    add(tag("{%p endfor %}"))
    # Appendices, in the order of plan.yaml: from data (the communication plan) or from Markdown
    add(tag("{%p for b in bilagor %}"))
    add(para("Heading1", "Bilaga {{ b.nr }} {{ b.rubrik }}", extra_ppr=PAGE_BREAK_BEFORE))
    add(tag("{%p if b.innehåll == 'kommunikationsplan' %}"))
    add(tag("{%p for a in kommunikationsplan.avsnitt %}"))
    add(para("Heading2", "{{ a.rubrik }}"))
    add(tag("{%p for t in a.text %}"))
    add(para("BodyText", "{{r t }}"))
    add(tag("{%p endfor %}"))
    add(tag("{%p endfor %}"))
    widths = [600, 3372, 2600, 2500]  # Kostnad wide enough for "ca 80 000-125 000 kr." on one line
    rows = [tag_row("{%tr for i in kommunikationsplan.aktiviteter %}", 4),
            row(cell(widths[0], para("Tabelltext", "{{ i.nr }}")),
                *[cell(w, tag(f"{{%p for t in i.{k} %}}"), para("Tabelltext", "{{r t }}"), tag("{%p endfor %}"))
                  for w, k in zip(widths[1:], ("aktivitet", "när", "kostnad"))]),
            tag_row("{%tr endfor %}", 4)]
    add(table(widths, ["Nr", "Aktivitet", "När",
                       ["Kostnad", "{% if kommunikationsplan.kostnad_fotnot %} {{ kommunikationsplan.kostnad_fotnot }}{% endif %}"]],
              rows))
    add(tag("{%p for f in kommunikationsplan.fotnoter %}"))
    add(para("Tabellfotnot", "{{ f.nr }} ", "{{r f.text }}"))
    add(tag("{%p endfor %}"))
    add(tag("{%p endif %}"))
    add(tag("{%p if b.text %}"))
    add("<w:p>" + run("{{p b.text }}") + "</w:p>")
    add(tag("{%p endif %}"))
    add(tag("{%p endfor %}"))
    sect = ('<w:sectPr><w:headerReference w:type="default" r:id="rIdHeader1"/>'
            '<w:footerReference w:type="default" r:id="rIdFooter1"/>'
            '<w:pgSz w:w="11906" w:h="16838"/>'
            '<w:pgMar w:top="1418" w:right="1418" w:bottom="1418" w:left="1418" w:header="709" '
            'w:footer="709" w:gutter="0"/><w:titlePg/></w:sectPr>')
    return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<w:document {DOC_NS}><w:body>'
            + "".join(parts) + sect + '</w:body></w:document>')


def field(instr: str, placeholder: str) -> str:
    return ('<w:r><w:fldChar w:fldCharType="begin"/></w:r>'
            f'<w:r><w:instrText xml:space="preserve"> {instr} </w:instrText></w:r>'
            '<w:r><w:fldChar w:fldCharType="separate"/></w:r>'
            f'<w:r><w:t>{placeholder}</w:t></w:r><w:r><w:fldChar w:fldCharType="end"/></w:r>')


def header_xml() -> str:
    return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<w:hdr {W_NS}>'
            + para("Header", "{{ titel }}", '<w:r><w:tab/></w:r>', "{{ markering }}")
            + '</w:hdr>')


def footer_xml() -> str:
    return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<w:ftr {W_NS}>'
            + para("Footer", "{{ organisation }}", '<w:r><w:tab/></w:r>',
                   "Sida ", field("PAGE", "1"), " av ", field("NUMPAGES", "1"))
            + '</w:ftr>')


# --- styles -----------------------------------------------------------------------------

def pstyle(style_id: str, name: str, based_on: str = "Normal", ppr: str = "", rpr: str = "",
           next_style: str | None = None, custom: bool = True) -> str:
    nxt = f'<w:next w:val="{next_style}"/>' if next_style else ""
    c = ' w:customStyle="1"' if custom else ""
    return (f'<w:style w:type="paragraph"{c} w:styleId="{style_id}"><w:name w:val="{name}"/>'
            f'<w:basedOn w:val="{based_on}"/>{nxt}<w:qFormat/><w:pPr>{ppr}</w:pPr><w:rPr>{rpr}</w:rPr></w:style>')


COLOR = "1F4E79"

NEW_STYLES = [
    pstyle("Header", "header", ppr='<w:tabs><w:tab w:val="right" w:pos="9070"/></w:tabs><w:spacing w:after="0"/>',
           rpr='<w:color w:val="595959"/><w:sz w:val="18"/>', custom=False),
    pstyle("Footer", "footer", ppr='<w:tabs><w:tab w:val="right" w:pos="9070"/></w:tabs><w:spacing w:after="0"/>',
           rpr='<w:color w:val="595959"/><w:sz w:val="18"/>', custom=False),
    pstyle("TOC1", "toc 1", ppr='<w:tabs><w:tab w:val="right" w:leader="dot" w:pos="9062"/></w:tabs><w:spacing w:before="50" w:after="0"/>',
           rpr='<w:b/><w:sz w:val="20"/>', next_style="Normal", custom=False),
    pstyle("TOC2", "toc 2", ppr='<w:tabs><w:tab w:val="right" w:leader="dot" w:pos="9062"/></w:tabs><w:spacing w:after="0"/><w:ind w:left="240"/>',
           rpr='<w:sz w:val="19"/>', next_style="Normal", custom=False),
    pstyle("TOC3", "toc 3", ppr='<w:tabs><w:tab w:val="right" w:leader="dot" w:pos="9062"/></w:tabs><w:spacing w:after="0"/><w:ind w:left="480"/>',
           rpr='<w:sz w:val="19"/>', next_style="Normal", custom=False),
    pstyle("Titelsidaorganisation", "Titelsida organisation", ppr='<w:spacing w:before="2400" w:after="240"/>',
           rpr=f'<w:b/><w:color w:val="{COLOR}"/><w:sz w:val="32"/>'),
    pstyle("Titelsidadatum", "Titelsida datum", ppr='<w:spacing w:before="480" w:after="120"/>',
           rpr='<w:sz w:val="28"/>'),
    pstyle("Titelsidastatus", "Titelsida status", ppr='<w:spacing w:after="120"/>', rpr='<w:sz w:val="24"/>'),
    pstyle("Utkastmarkering", "Utkastmarkering", ppr='<w:spacing w:before="480"/>',
           rpr='<w:b/><w:color w:val="C00000"/><w:sz w:val="32"/>'),
    pstyle("Bilageforteckningsrubrik", "Bilageförteckning rubrik", ppr='<w:keepNext/><w:spacing w:before="240" w:after="80"/>',
           rpr=f'<w:b/><w:color w:val="{COLOR}"/><w:sz w:val="26"/>'),
    pstyle("Bilageforteckning", "Bilageförteckning", ppr='<w:keepNext/><w:keepLines/><w:tabs><w:tab w:val="left" w:pos="1134"/></w:tabs><w:spacing w:after="20"/><w:ind w:left="1134" w:hanging="1134"/>'),
    pstyle("Malformulering", "Målformulering", based_on="BodyText", ppr='<w:keepNext/>', rpr='<w:i/>'),
    pstyle("Ansvar", "Ansvar", based_on="BodyText", ppr='<w:keepNext/><w:spacing w:before="60" w:after="120"/>', rpr='<w:i/>'),
    # Added to the template later (2026-11-26) by a targeted edit, as in Word: keeps a block of
    # signatures (ort, datum, "Undertecknat") on one page.
    pstyle("Underskrift", "Underskrift", based_on="BodyText", ppr='<w:keepNext/><w:keepLines/><w:spacing w:before="0" w:after="160"/>'),
    pstyle("Tabellrubrik", "Tabellrubrik", ppr='<w:keepNext/><w:spacing w:before="40" w:after="40"/>',
           rpr='<w:b/><w:color w:val="FFFFFF"/><w:sz w:val="20"/>'),
    pstyle("Tabelltext", "Tabelltext", ppr='<w:spacing w:before="20" w:after="20"/>', rpr='<w:sz w:val="20"/>'),
    pstyle("Tabellbelopp", "Tabellbelopp", based_on="Tabelltext", ppr='<w:jc w:val="right"/>'),
    pstyle("Tabellsumma", "Tabellsumma", based_on="Tabelltext", rpr='<w:b/><w:i/>'),
    pstyle("Tabellsummabelopp", "Tabellsumma belopp", based_on="Tabellsumma", ppr='<w:jc w:val="right"/>'),
    pstyle("Tabellfotnot", "Tabellfotnot", ppr='<w:spacing w:before="40" w:after="20"/>', rpr='<w:sz w:val="18"/>'),
    pstyle("Kalenderorgan", "Kalender organ", based_on="BodyText", ppr='<w:keepNext/><w:spacing w:before="240" w:after="80"/>'),
    pstyle("Kalenderpost", "Kalender post", ppr='<w:spacing w:after="40"/><w:ind w:left="284"/>'),
    pstyle("Figurtext", "Figurtext", based_on="Caption", rpr='<w:i/>'),
]

CHAR_STYLES = [
    '<w:style w:type="character" w:styleId="Emphasis"><w:name w:val="Emphasis"/><w:basedOn w:val="DefaultParagraphFont"/><w:qFormat/><w:rPr><w:i/><w:iCs/></w:rPr></w:style>',
    '<w:style w:type="character" w:styleId="Strong"><w:name w:val="Strong"/><w:basedOn w:val="DefaultParagraphFont"/><w:qFormat/><w:rPr><w:b/><w:bCs/></w:rPr></w:style>',
]

TABLE_STYLE = (
    '<w:style w:type="table" w:customStyle="1" w:styleId="Plantabell"><w:name w:val="Plantabell"/>'
    '<w:basedOn w:val="Table"/><w:tblPr><w:tblBorders>'
    '<w:top w:val="single" w:sz="4" w:space="0" w:color="A6A6A6"/>'
    '<w:left w:val="single" w:sz="4" w:space="0" w:color="A6A6A6"/>'
    '<w:bottom w:val="single" w:sz="4" w:space="0" w:color="A6A6A6"/>'
    '<w:right w:val="single" w:sz="4" w:space="0" w:color="A6A6A6"/>'
    '<w:insideH w:val="single" w:sz="4" w:space="0" w:color="A6A6A6"/>'
    '<w:insideV w:val="single" w:sz="4" w:space="0" w:color="A6A6A6"/></w:tblBorders>'
    '<w:tblCellMar><w:top w:w="40" w:type="dxa"/><w:left w:w="100" w:type="dxa"/>'
    '<w:bottom w:w="40" w:type="dxa"/><w:right w:w="100" w:type="dxa"/></w:tblCellMar></w:tblPr>'
    f'<w:tblStylePr w:type="firstRow"><w:tcPr><w:shd w:val="clear" w:color="auto" w:fill="{COLOR}"/></w:tcPr></w:tblStylePr>'
    '</w:style>')


def patch_styles(xml: str) -> str:
    xml = re.sub(r'<w:lang [^>]*/>', '<w:lang w:val="sv-SE" w:eastAsia="sv-SE" w:bidi="ar-SA"/>', xml)
    xml = xml.replace('<w:sz w:val="24" />\n        <w:szCs w:val="24" />',
                      '<w:sz w:val="22" />\n        <w:szCs w:val="22" />', 1)
    # Headings: the plan's colour and sizes (16/13/12/11 pt), bold for level 3 and 4.
    for level, size in ((1, 32), (2, 26), (3, 24), (4, 22)):
        bold = "<w:b/><w:bCs/>" if level >= 3 else ""
        rpr = (f'<w:rPr><w:rFonts w:asciiTheme="majorHAnsi" w:eastAsiaTheme="majorEastAsia" '
               f'w:hAnsiTheme="majorHAnsi" w:cstheme="majorBidi"/>{bold}<w:color w:val="{COLOR}"/>'
               f'<w:sz w:val="{size}"/><w:szCs w:val="{size}"/></w:rPr>')
        xml = re.sub(rf'(<w:style w:type="paragraph" w:styleId="Heading{level}">.*?)<w:rPr>.*?</w:rPr>',
                     lambda m: m.group(1) + rpr, xml, count=1, flags=re.S)
    # Title and subtitle left-aligned like the rest of the title page.
    xml = re.sub(r'(<w:style w:type="paragraph" w:styleId="(?:Title|Subtitle)">.*?)<w:jc w:val="center" />',
                 r'\1', xml, flags=re.S)
    for style_id in ("Header", "Footer", "TOC1", "TOC2", "TOC3", "Emphasis", "Strong"):
        xml = re.sub(rf'<w:style [^>]*w:styleId="{style_id}".*?</w:style>', "", xml, flags=re.S)
    return xml.replace("</w:styles>", "".join(NEW_STYLES + CHAR_STYLES) + TABLE_STYLE + "</w:styles>")


def main() -> int:
    ref = subprocess.run([pypandoc.get_pandoc_path(), "--print-default-data-file", "reference.docx"],
                         check=True, capture_output=True).stdout
    src_path = OUT.with_suffix(".tmp.src")
    src_path.write_bytes(ref)
    tmp = OUT.with_suffix(".tmp")
    with zipfile.ZipFile(src_path) as src, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            name = info.filename
            data = src.read(name)
            if name in ("word/comments.xml", "docProps/custom.xml", "word/webSettings.xml"):
                continue
            if name == "word/document.xml":
                data = body_xml().encode()
            elif name == "word/footnotes.xml":
                # Keep the separators; drop pandoc's sample footnote.
                data = re.sub(rb'<w:footnote (?:(?!w:type=)[^>])*w:id="\d+"[^>]*>.*?</w:footnote>', b"", data, flags=re.S)
            elif name == "word/styles.xml":
                data = patch_styles(data.decode()).encode()
            elif name == "word/theme/theme1.xml":
                data = re.sub(rb'typeface="Aptos( Display)?"', b'typeface="Calibri"', data)
            elif name == "word/settings.xml":
                data = data.decode()
                data = re.sub(r'<w:updateFields[^>]*/>', '', data)
                # Word updates the TOC and page fields on opening; the schema wants this element
                # just before footnotePr.
                data = data.replace("<w:footnotePr>", '<w:updateFields w:val="true"/>\n  <w:footnotePr>', 1)
                data = data.replace('<w:decimalSymbol w:val="." />', '<w:decimalSymbol w:val="," />')
                data = data.replace('<w:listSeparator w:val="," />', '<w:listSeparator w:val=";" />')
                data = re.sub(r'<w:themeFontLang [^>]*/>', '<w:themeFontLang w:val="sv-SE"/>', data)
                data = data.encode()
            elif name == "word/_rels/document.xml.rels":
                data = data.decode()
                data = re.sub(r'<Relationship [^>]*(comments|webSettings)[^>]*/>', '', data)
                data = data.replace("</Relationships>",
                    '<Relationship Id="rIdHeader1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/header" Target="header1.xml"/>'
                    '<Relationship Id="rIdFooter1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/footer" Target="footer1.xml"/>'
                    "</Relationships>").encode()
            elif name == "[Content_Types].xml":
                data = data.decode()
                data = re.sub(r'<Override PartName="/(word/comments|docProps/custom|word/webSettings)[^>]*/>', '', data)
                data = data.replace("</Types>",
                    '<Override PartName="/word/header1.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.header+xml"/>'
                    '<Override PartName="/word/footer1.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.footer+xml"/>'
                    "</Types>").encode()
            elif name == "docProps/core.xml":
                data = re.sub(rb"<dc:title>.*?</dc:title>", b"<dc:title>Verksamhetsplan och budget</dc:title>", data)
                data = re.sub(rb"<dc:creator>.*?</dc:creator>", "<dc:creator>Södertörns kansli</dc:creator>".encode(), data)
                data = re.sub(rb'<dc:language>.*?</dc:language>', b'', data)
            elif name == "_rels/.rels":
                data = re.sub(rb'<Relationship [^>]*custom\.xml"[^>]*/>', b'', data)
            elif name == "docProps/app.xml":
                data = re.sub(rb"<Application>.*?</Application>", b"", data)
            dst.writestr(info, data)
        dst.writestr("word/header1.xml", header_xml())
        dst.writestr("word/footer1.xml", footer_xml())
    src_path.unlink()
    return finish(tmp, OUT)


def derive(out: Path, body, header: str, title: str, parts=None) -> int:
    """Write `out`: templates/verksamhetsplan.docx (styles, page, footer) with another body and header.

    `body(sect)` returns the new document.xml around the plan's section properties; `parts(parts)`,
    if given, changes any other part (a dict name → bytes) before it is written."""
    tmp = out.with_suffix(".tmp")
    with zipfile.ZipFile(OUT) as src:
        infos = src.infolist()
        data = {info.filename: src.read(info.filename) for info in infos}
    data["word/document.xml"] = body(re.search(r"<w:sectPr\b.*?</w:sectPr>", data["word/document.xml"].decode(),
                                               re.S).group(0)).encode()
    for name in data:
        if re.fullmatch(r"word/header\d+\.xml", name):
            data[name] = header.encode()
    data["docProps/core.xml"] = re.sub(rb"<dc:title>.*?</dc:title>", f"<dc:title>{title}</dc:title>".encode(),
                                       data["docProps/core.xml"])
    if parts is not None:
        parts(data)
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in infos:
            dst.writestr(info, data[info.filename])
    return finish(tmp, out)


def finish(tmp: Path, out: Path) -> int:
    """Package the work file as Word wants it, put it in place and say so."""
    sys.path.insert(0, str(ROOT))
    from pipeline.docx.package import finish_docx  # pandoc's unused hyperlink, Table based on TableNormal
    tmp.write_bytes(finish_docx(tmp.read_bytes()))
    tmp.replace(out)
    print(f"skrev {out.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
