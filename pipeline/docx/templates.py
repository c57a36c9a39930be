"""The Word template, as its communicator leaves it: prepared for the build, and checked.

The template is the communicator's file, restyled and saved by Word, LibreOffice or another
office program. Programs keep style *names* but may rewrite style *ids* (LibreOffice writes
`TextBody` for "Body Text", `ContentsHeading` for "TOC Heading", `Mlformulering` for
"Målformulering"), wrap the contents field in a content control, drop settings, and split
placeholders across runs. So the build never uses the template as it is: `prepare_template`

1. finds every style the code, pandoc and docxcompose rely on by its *name* (as Word and
   LibreOffice show it, English or Swedish, in any case) and gives it the id the code uses,
   everywhere the package refers to it;
2. sets what the build needs (Swedish as the document language, Word 2013+ compatibility)
   instead of demanding it from the template;
3. checks what is left to check: every style by name, the contents field (a plain field or
   inside a content control), the page-number fields, a repeated table header, and every
   placeholder: each part as docxtpl prepares it for Jinja, read by Jinja2's own parser (its
   blocks, `{%p set %}`, the names it uses), each problem named with where it is
   ("i dokumentet, stycke 41: ...").

The prepared copy lives in the build cache, keyed by the template's content.
"""

from __future__ import annotations

import copy
import difflib
import hashlib
import io
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

from jinja2 import Environment, TemplateSyntaxError, meta, nodes
from jinja2 import TemplateError as JinjaError
from jinja2.parser import Parser
from lxml import etree

from pipeline.content.context import CONTEXT_NAMES, FOLLOW_UP_NAMES, LETTER_NAMES
from pipeline.docx.ooxml import NS, replace_parts, TEXT_PARTS, W, xml_bytes
from pipeline.errors import TemplateError
from pipeline.infra.writer import write_cache
from pipeline.docx.layout import child
from pipeline.docx.wordlib import DocxTemplate


# (id the code uses, name as stored in the file, name in Swedish Word). Paragraph, character and
# table styles the rendering code, the layout stage, pandoc's output and the Markdown texts
# (custom-style) refer to.
STYLES = [
    ("Title", "Title", "Rubrik"),
    *((f"Heading{n}", f"heading {n}", f"Rubrik {n}") for n in range(1, 7)),
    ("BodyText", "Body Text", "Brödtext"),
    ("FirstParagraph", "First Paragraph", "Första stycket"),
    ("Compact", "Compact", "Kompakt"),
    ("TOCHeading", "TOC Heading", "Innehållsförteckningsrubrik"),
    *((f"TOC{n}", f"toc {n}", f"Innehåll {n}") for n in range(1, 4)),
    ("Header", "header", "Sidhuvud"),
    ("Footer", "footer", "Sidfot"),
    ("Emphasis", "Emphasis", "Betoning"),
    ("Strong", "Strong", "Stark"),
    ("Caption", "Caption", "Beskrivning"),
    ("Plantabell", "Plantabell", "Plantabell"),
    ("Tabellrubrik", "Tabellrubrik", "Tabellrubrik"),
    ("Tabelltext", "Tabelltext", "Tabelltext"),
    ("Tabellfotnot", "Tabellfotnot", "Tabellfotnot"),
    ("Malformulering", "Målformulering", "Målformulering"),
    ("Ansvar", "Ansvar", "Ansvar"),
    ("Kalenderorgan", "Kalender organ", "Kalender organ"),
    ("Kalenderpost", "Kalender post", "Kalender post"),
    ("Underskrift", "Underskrift", "Underskrift"),  # custom-style of the signature block in the appendix texts
]
REQUIRED_STYLES = {sid: name for sid, name, _ in STYLES}

# Placeholders that must appear in the template (document body, header or footer).
REQUIRED_PLACEHOLDERS = [
    "{{ titel }}", "{{ organisation }}", "{{ datum }}", "{{ status }}", "{{ markering }}",
    "for kap in kapitel", "{{p kap.text }}", "for s in mål", "kansliet.aktiviteter",
    "for o in kalendarium", "budget.intäkter", "budget.kostnader", "kommunikationsplan.aktiviteter",
    "for b in bilagor", "{{p b.text }}",
]


@dataclass(frozen=True)
class TemplateSpec:
    """What the code needs of one Word template: its styles, placeholders and fields."""

    key: str                    # part of the prepared copy's cache name
    data: str                   # whose data the placeholders name, in messages ("planens data")
    styles: tuple               # (id the code uses, name as stored, name in Swedish Word)
    placeholders: tuple         # placeholders that must appear
    names: tuple                # the names the template may use (content.context)
    contents: bool = True       # a contents list (TOC field) and a repeated table header row


PLAN = TemplateSpec("plan", "planens data", tuple(STYLES), tuple(REQUIRED_PLACEHOLDERS), CONTEXT_NAMES)
# The cover letter of a draft round (missiv, see documents/letter.py): headings, body text, one table.
LETTER = TemplateSpec(
    "missiv", "missivets data",
    tuple(s for s in STYLES if s[0] in {"Title", "Heading1", "Heading2", "Heading3", "BodyText", "Header", "Footer",
                                          "Plantabell", "Tabellrubrik", "Tabelltext"})
    + (("ListBullet", "List Bullet", "Punktlista"),),  # the list of changes since the draft sent before
    ("{{ titel }}", "{{ svar_senast }}", "for f in fråga", "for k in kommuner", "{{ kontakt.namn }}",
     "for rad in del.rader"),
    LETTER_NAMES, contents=False)
# The follow-up (uppföljning, see documents/followup.py): the plan's headings and tables, no contents list.
FOLLOW_UP = TemplateSpec(
    "uppfoljning", "uppföljningens data",
    tuple(s for s in STYLES if s[0] in {"Title", *(f"Heading{n}" for n in range(1, 7)), "BodyText", "Header",
                                          "Footer", "Caption", "Emphasis", "Plantabell", "Tabellrubrik",
                                          "Tabelltext", "Malformulering", "Ansvar"}),
    ("{{ titel }}", "for r in sammanfattning", "{{p figur }}", "for s in mål", "for a in kansliet",
     "for a in kommunikationsplan", "budget.kostnader"),
    FOLLOW_UP_NAMES, contents=False)

# Attributes that name a style: every place a package refers to one.
STYLE_REFERENCES = {f"{W}{tag}" for tag in ("pStyle", "rStyle", "tblStyle", "basedOn", "next", "link",
                                            "numStyleLink", "styleLink")}
XML_PART = re.compile(r"word/[^/]+\.xml")


def spec_for(template: Path) -> TemplateSpec:
    """The spec of a template file, by its name: missiv…, uppfoljning…, or else the plan's."""
    name = template.name.lower()
    return LETTER if name.startswith("missiv") else FOLLOW_UP if name.startswith("uppfoljning") else PLAN


def prepare_template(template: Path, cache_dir: Path, shown: Path | str | None = None,
                     spec: TemplateSpec = PLAN) -> Path:
    """Return the template prepared for the build (see the module's doc); raise TemplateError naming problems.

    `shown` is the template's name in messages (its path from the project's folder); `spec` says
    what the code needs of it (the plan's template, or the cover letter's).
    """
    data = _read(template)
    # keyed by the template and by this module, so that a changed preparation prepares again
    digest = hashlib.sha256(data + spec.key.encode() + Path(__file__).read_bytes()).hexdigest()[:16]
    target = cache_dir / f"mall-{digest}.docx"
    if target.exists():
        return target
    prepared = prepared_bytes(shown or template, data, spec)
    return write_cache(target, prepared)


def lint_template(path: Path, spec: TemplateSpec = PLAN) -> Path:
    """Return `path` if the template can be prepared for a build; raise TemplateError naming what is wrong."""
    prepared_bytes(path, _read(path), spec)
    return path


def _read(path: Path) -> bytes:
    if not path.is_file():
        raise TemplateError(path, "mallen saknas.")
    return path.read_bytes()


def prepared_bytes(template: Path | str, data: bytes, spec: TemplateSpec = PLAN) -> bytes:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            names = z.namelist()
            xml = {n: etree.fromstring(z.read(n)) for n in names if XML_PART.fullmatch(n)}
    except (zipfile.BadZipFile, etree.XMLSyntaxError, OSError) as exc:
        raise TemplateError(template, f"mallen är ingen giltig Word-fil ({exc}).") from exc
    if "word/styles.xml" not in xml or "word/document.xml" not in xml:
        raise TemplateError(template, "mallen är ingen giltig Word-fil (formatmallarna eller dokumentet saknas).")
    for name in [n for n in xml if TEXT_PARTS.fullmatch(n)]:
        xml[name] = _with_namespaces(xml[name])
    _page_breaks_out_of_tag_paragraphs(xml["word/document.xml"])
    problems = _canonical_style_ids(xml, spec.styles)
    _set_language(xml["word/styles.xml"])
    if "word/settings.xml" in xml:  # every office program writes one
        _set_settings(xml["word/settings.xml"])
    problems += _structure_problems(xml, spec.contents)
    problems += _picture_problems(xml["word/document.xml"])
    problems += placeholder_problems(xml, spec)
    if problems:
        raise TemplateError(template, "; ".join(problems) + ". Se templates/README.md.")
    return replace_parts(data, {name: xml_bytes(root) for name, root in xml.items()})


# The prefixes the build's own XML (pictures, SVG, math) uses, declared where Word declares them:
# on the part's root. LibreOffice declares them only where they are used.
ROOT_NAMESPACES = {
    "w": NS["w"],
    "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
    "a": "http://schemas.openxmlformats.org/drawingml/2006/main",
    "pic": "http://schemas.openxmlformats.org/drawingml/2006/picture",
    "wp": "http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing",
    "m": "http://schemas.openxmlformats.org/officeDocument/2006/math",
    "v": "urn:schemas-microsoft-com:vml",
    "o": "urn:schemas-microsoft-com:office:office",
    "w10": "urn:schemas-microsoft-com:office:word",
}


def _with_namespaces(root):
    """The part's root with ROOT_NAMESPACES declared (a prefix the part already binds is kept)."""
    missing = {p: uri for p, uri in ROOT_NAMESPACES.items() if p not in root.nsmap and uri not in root.nsmap.values()}
    if not missing:
        return root
    new = etree.Element(root.tag, attrib=dict(root.attrib), nsmap={**root.nsmap, **missing})
    new.text = root.text
    for child in list(root):
        new.append(child)
    return new


# --- styles by name ------------------------------------------------------------------------------

def _fold(name: str) -> str:
    return re.sub(r"\s+", " ", name).strip().casefold()


def _canonical_style_ids(xml: dict, wanted_styles=STYLES) -> list[str]:
    """Give each style the code needs the id the code uses; return the styles that are missing."""
    styles = xml["word/styles.xml"]
    by_name: dict[str, str] = {}
    ids = set()
    for style in styles.iter(f"{W}style"):
        sid = style.get(f"{W}styleId")
        ids.add(sid)
        name = style.find(f"{W}name")
        aliases = style.find(f"{W}aliases")
        for label in ([name.get(f"{W}val")] if name is not None else []) + \
                     ((aliases.get(f"{W}val") or "").split(",") if aliases is not None else []):
            by_name.setdefault(_fold(label), sid)
    mapping: dict[str, str] = {}
    missing = []
    for wanted, name, swedish in wanted_styles:
        found = by_name.get(_fold(name)) or by_name.get(_fold(swedish))
        if found is None:
            missing.append(f"formatmallen '{name}' ({swedish} i svenskt Word) saknas")
        elif found != wanted:
            mapping[found] = wanted
    # A style that already has an id the code needs, but another name, makes room.
    taken = set(mapping.values())
    for sid in ids:
        if sid in taken and sid not in mapping:
            free = next(f"{sid}{n}" for n in range(2, 1000) if f"{sid}{n}" not in ids and f"{sid}{n}" not in taken)
            mapping[sid] = free
    if mapping:
        for root in xml.values():
            for node in root.iter(f"{W}style"):
                sid = node.get(f"{W}styleId")
                if sid in mapping:
                    node.set(f"{W}styleId", mapping[sid])
            for node in root.iter(*STYLE_REFERENCES):
                value = node.get(f"{W}val")
                if value in mapping:
                    node.set(f"{W}val", mapping[value])
    return missing


def _set_language(styles) -> None:
    """Swedish as the language of the document's default run properties."""
    defaults = styles.find(f"{W}docDefaults")
    if defaults is None:
        defaults = etree.Element(f"{W}docDefaults")
        styles.insert(0, defaults)
    rpr_default = defaults.find(f"{W}rPrDefault")
    if rpr_default is None:
        rpr_default = etree.Element(f"{W}rPrDefault")
        defaults.insert(0, rpr_default)
    rpr = rpr_default.find(f"{W}rPr")
    if rpr is None:
        rpr = etree.SubElement(rpr_default, f"{W}rPr")
    lang = rpr.find(f"{W}lang")
    if lang is None:
        lang = etree.SubElement(rpr, f"{W}lang")
    lang.set(f"{W}val", "sv-SE")


# Child order of w:settings (ISO 29500 CT_Settings), for inserting what the build sets.
SETTINGS_ORDER = (
    "writeProtection view zoom removePersonalInformation removeDateAndTime doNotDisplayPageBoundaries "
    "displayBackgroundShape printPostScriptOverText printFractionalCharacterWidth printFormsData embedTrueTypeFonts "
    "embedSystemFonts saveSubsetFonts saveFormsData mirrorMargins alignBordersAndEdges bordersDoNotSurroundHeader "
    "bordersDoNotSurroundFooter gutterAtTop hideSpellingErrors hideGrammaticalErrors activeWritingStyle proofState "
    "formsDesign attachedTemplate linkStyles stylePaneFormatFilter stylePaneSortMethod documentType mailMerge "
    "revisionView trackRevisions doNotTrackMoves doNotTrackFormatting documentProtection autoFormatOverride "
    "styleLockTheme styleLockQFSet defaultTabStop autoHyphenation consecutiveHyphenLimit hyphenationZone "
    "doNotHyphenateCaps showEnvelope summaryLength clickAndTypeStyle defaultTableStyle evenAndOddHeaders "
    "bookFoldRevPrinting bookFoldPrinting bookFoldPrintingSheets drawingGridHorizontalSpacing "
    "drawingGridVerticalSpacing displayHorizontalDrawingGridEvery displayVerticalDrawingGridEvery "
    "doNotUseMarginsForDrawingGridOrigin drawingGridHorizontalOrigin drawingGridVerticalOrigin doNotShadeFormData "
    "noPunctuationKerning characterSpacingControl printTwoOnOne strictFirstAndLastChars noLineBreaksAfter "
    "noLineBreaksBefore savePreviewPicture doNotValidateAgainstSchema saveInvalidXml ignoreMixedContent "
    "alwaysShowPlaceholderText doNotDemarcateInvalidXml saveXmlDataOnly useXSLTWhenSaving saveThroughXslt "
    "showXMLTags alwaysMergeEmptyNamespace updateFields hdrShapeDefaults footnotePr endnotePr compat docVars rsids "
    "mathPr attachedSchema themeFontLang clrSchemeMapping doNotIncludeSubdocsInStats doNotAutoCompressPictures "
    "forceUpgrade captions readModeInkLockDown smartTagType schemaLibrary shapeDefaults doNotEmbedSmartTags "
    "decimalSymbol listSeparator").split()


def _setting(settings, name: str):
    """The child `name` of w:settings, created where the schema's sequence puts it."""
    return child(settings, name, SETTINGS_ORDER)


def _set_settings(settings) -> None:
    """What the build needs, whatever the template's program kept: no updating of fields on open
    (Word would ask every reader; the build fills the contents list itself, see docx/contents.py),
    Swedish as the theme's language, Word 2013+ layout (compatibility mode 15)."""
    for update in settings.findall(f"{W}updateFields"):
        settings.remove(update)
    _setting(settings, "themeFontLang").set(f"{W}val", "sv-SE")
    compat = _setting(settings, "compat")
    for setting in compat.findall(f"{W}compatSetting"):
        if setting.get(f"{W}name") == "compatibilityMode":
            setting.set(f"{W}val", "15")
            return
    etree.SubElement(compat, f"{W}compatSetting", {f"{W}name": "compatibilityMode",
                                                    f"{W}uri": "http://schemas.microsoft.com/office/word",
                                                    f"{W}val": "15"})


def _page_breaks_out_of_tag_paragraphs(document) -> None:
    """A page break in a `{%p ... %}` paragraph is a page break before the next paragraph.

    LibreOffice saves "page break before" on a heading as a break at the end of the paragraph
    before it; when that paragraph is a `{%p for ... %}` line, which the build removes, the break
    would go with it (the appendices would no longer start on a new page).
    """
    for paragraph in list(document.iter(f"{W}p")):
        text = "".join(t.text or "" for t in paragraph.iter(f"{W}t"))
        if not re.search(r"\{%-?\s*p\s", text):
            continue
        breaks = [br for br in paragraph.iter(f"{W}br") if br.get(f"{W}type") == "page"]
        if not breaks:
            continue
        for br in breaks:
            br.getparent().remove(br)
        following = paragraph.getnext()
        while following is not None and following.tag != f"{W}p":
            following = following.getnext()
        if following is None:
            continue
        ppr = following.find(f"{W}pPr")
        if ppr is None:
            ppr = etree.Element(f"{W}pPr")
            following.insert(0, ppr)
        if ppr.find(f"{W}pageBreakBefore") is None:
            child(ppr, "pageBreakBefore", PPR_ORDER)


# Child order of w:pPr (ISO 29500 CT_PPrBase), for inserting pageBreakBefore.
PPR_ORDER = ["pStyle", "keepNext", "keepLines", "pageBreakBefore", "framePr", "widowControl", "numPr",
             "suppressLineNumbers", "pBdr", "shd", "tabs", "suppressAutoHyphens", "kinsoku", "wordWrap",
             "overflowPunct", "topLinePunct", "autoSpaceDE", "autoSpaceDN", "bidi", "adjustRightInd", "snapToGrid",
             "spacing", "ind", "contextualSpacing", "mirrorIndents", "suppressOverlap", "jc", "textDirection",
             "textAlignment", "textboxTightWrap", "outlineLvl", "divId", "cnfStyle", "rPr", "sectPr", "pPrChange"]


def _structure_problems(xml: dict, contents: bool = True) -> list[str]:
    """The contents field, the page-number fields and a repeated table header."""
    body = xml["word/document.xml"]
    instructions = _field_instructions(body)
    problems = []
    if contents and not any(re.match(r"\s*TOC\b", i) for i in instructions):
        problems.append("innehållsförteckningsfältet (TOC) saknas")
    footer_fields = [i for name, root in xml.items() if re.fullmatch(r"word/(footer|header)\d+\.xml", name)
                     for i in _field_instructions(root)] + instructions
    if not any(re.match(r"\s*PAGE\b", i) for i in footer_fields) or \
            not any(re.match(r"\s*NUMPAGES\b", i) for i in footer_fields):
        problems.append("sidfotens fält PAGE och NUMPAGES (\"Sida X av Y\") saknas")
    if contents and body.find(f".//{W}tblHeader") is None:
        problems.append("tabellerna saknar upprepad rubrikrad (w:tblHeader)")
    return problems


WP = "{http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing}"


def _picture_problems(document) -> list[str]:
    """A picture in the document (a logo on the title page) needs a text alternative for PDF/UA."""
    problems = []
    for number, paragraph in enumerate(document.iter(f"{W}p"), 1):
        for doc_pr in paragraph.iter(f"{WP}docPr"):
            if not (doc_pr.get("descr") or "").strip():
                name = doc_pr.get("name") or "bilden"
                problems.append(f"bilden '{name}' i dokumentet, stycke {number}, saknar alternativtext, som den "
                                f"tillgängliga PDF:en kräver: högerklicka på bilden i Word och välj Visa "
                                f"alternativtext (i LibreOffice: Egenskaper > Alternativ text) och skriv vad den "
                                f"visar, t.ex. 'Södertörns logotyp'")
    return problems


def _field_instructions(root) -> list[str]:
    """Every field's instruction text, joined across the runs Word splits it into."""
    out = [node.get(f"{W}instr") or "" for node in root.iter(f"{W}fldSimple")]
    current: list[str] | None = None
    for node in root.iter(f"{W}fldChar", f"{W}instrText"):
        if node.tag == f"{W}fldChar":
            kind = node.get(f"{W}fldCharType")
            if kind == "begin":
                current = []
            elif kind == "separate" and current is not None:
                out.append("".join(current))
                current = None
        elif current is not None:
            current.append(node.text or "")
    return out


# --- placeholders -------------------------------------------------------------------------------

@dataclass
class _Paragraph:
    where: str      # "i dokumentet, stycke 41", "i sidhuvudet"
    text: str


def _paragraphs(xml: dict) -> list[_Paragraph]:
    return [p for name, root in _text_parts(xml) for p in _part_paragraphs(name, root)]


def _text_parts(xml: dict) -> list[tuple[str, object]]:
    """The parts docxtpl renders (document first, then headers, footers and notes), in order."""
    return [(name, root) for name, root in sorted(xml.items(), key=lambda item: (item[0] != "word/document.xml", item[0]))
            if TEXT_PARTS.fullmatch(name)]


def _part_paragraphs(name: str, root) -> list[_Paragraph]:
    """Each paragraph of a part with where it is ("i dokumentet, stycke 41 (efter ”...”)")."""
    part = {"word/document.xml": "i dokumentet", "word/footnotes.xml": "i fotnoterna",
            "word/endnotes.xml": "i slutnoterna"}.get(name)
    if part is None:
        part = "i sidhuvudet" if "header" in name else "i sidfoten"
    out = []
    before = ""
    for number, paragraph in enumerate(root.iter(f"{W}p"), 1):
        text = "".join(t.text or "" for t in paragraph.iter(f"{W}t"))
        after = f" (efter ”{_short(before, 40)}”)" if before else ""
        out.append(_Paragraph(f"{part}, stycke {number}{after}", text))
        plain_text = TAG.sub("", text).strip()
        if plain_text:
            before = plain_text
    return out


# A tag as written in a paragraph, for showing it in a message (Jinja reads the structure).
TAG = re.compile(r"\{%-?\s*(?:(?:p|tr|tc|r)\s)?\s*(.*?)\s*-?%\}|\{\{-?\s*(?:(?:p|r|tc)\s)?\s*(.*?)\s*-?\}\}", re.S)


def placeholder_problems(xml: dict, spec: TemplateSpec = PLAN) -> list[str]:
    """Missing placeholders, and broken ones, each named with where it is."""
    paragraphs = _paragraphs(xml)
    everything = "\n".join(p.text for p in paragraphs)
    problems = [f"platshållaren {p} saknas" for p in spec.placeholders if p not in everything]
    known = set(spec.names) | {"loop"}
    for name, root in _text_parts(xml):
        problems += _part_problems(root, _part_paragraphs(name, root), known, spec)
    return problems


MARK = "{#vp-stycke:%d#}"  # a Jinja comment before each paragraph, row and cell: which paragraph a line is
MARKS = re.compile(r"\{#vp-stycke:(\d+)#\}")


def _part_problems(root, paragraphs: list[_Paragraph], known: set[str], spec: TemplateSpec) -> list[str]:
    """The part's placeholders as docxtpl and Jinja2 read them: the structure by Jinja's own parser.

    docxtpl turns the part into a Jinja template (its `{%p`, `{%tr`, `{%tc` and `{%r` tags take
    their paragraph, row, cell or run with them) and Jinja parses it. A mark before each
    paragraph becomes a line of its own, so that a line Jinja names is a paragraph here. A
    mistake is reported and its line left out, and the rest is parsed again: all at once.
    """

    problems: list[tuple[int, str]] = []  # (paragraph, message): reported in the part's order
    unreadable = set()
    for number, paragraph in enumerate(paragraphs):
        for opening, closing in (("{{", "}}"), ("{%", "%}")):
            if paragraph.text.count(opening) != paragraph.text.count(closing):
                unreadable.add(number)
                problems.append((number, f"{paragraph.where} (”{_short(paragraph.text)}”): en platshållare börjar "
                                         f"med {opening} men slutar inte med {closing} (eller tvärtom)"))
    lines, of_line = _jinja_lines(root, unreadable)
    env = Environment()

    def paragraph_of(line: int) -> int:
        return of_line[min(max(line, 1), len(of_line)) - 1]

    where = lambda line: paragraphs[paragraph_of(line)]  # noqa: E731
    template = None
    for _ in range(len(lines) + 1):
        parser = _Parser(env, "\n".join(lines))
        try:
            template = parser.parse()
            break
        except JinjaError as exc:
            problem, line, stand_in = _structure_problem(parser, exc, where)
            problems.append((paragraph_of(line), problem))
            if lines[line - 1] == stand_in:
                break
            lines[line - 1] = stand_in
    if template is not None:
        try:
            undeclared = meta.find_undeclared_variables(template) - known
        except JinjaError:
            undeclared = set()
        reported = set()
        for node in template.find_all(nodes.Name):
            if node.ctx != "load" or node.name not in undeclared or (node.lineno, node.name) in reported:
                continue
            reported.add((node.lineno, node.name))
            paragraph = where(node.lineno)
            tag = _tag_naming(paragraph.text, node.name) or f"{{{{ {node.name} }}}}"
            close = difflib.get_close_matches(node.name, sorted(known), n=1)
            hint = f" (menar du '{close[0]}'?)" if close else ""
            problems.append((paragraph_of(node.lineno), f"{paragraph.where}: platshållaren {tag} pekar på "
                                                        f"'{node.name}', som inte finns i {spec.data}{hint}"))
    return [message for _, message in sorted(problems, key=lambda item: item[0])]


def _jinja_lines(root, unreadable: set[int]) -> tuple[list[str], list[int]]:
    """The part as the Jinja source docxtpl makes of it, in lines, and the paragraph of each line."""


    part = copy.deepcopy(root)
    paragraphs = list(part.iter(f"{W}p"))
    first = {id(p): n for n, p in enumerate(paragraphs)}
    for number in unreadable:  # reported already; Jinja would only stumble over it
        for text in paragraphs[number].iter(f"{W}t"):
            text.text = ""
    for element in list(part.iter(f"{W}p", f"{W}tr", f"{W}tc")):
        inner = element if element.tag == f"{W}p" else next(element.iter(f"{W}p"), None)
        if inner is None:
            continue
        mark = MARK % first[id(inner)]
        previous = element.getprevious()
        if previous is not None:
            previous.tail = (previous.tail or "") + mark
        else:
            element.getparent().text = (element.getparent().text or "") + mark
    # DocxTemplate.patch_xml is docxtpl's own preparation of a part for Jinja; it reads no state
    source = DocxTemplate(None).patch_xml(etree.tostring(part, encoding="unicode"))
    lines, of_line, paragraph = [], [], 0
    for n, piece in enumerate(MARKS.split(source)):
        if n % 2:
            paragraph = int(piece)
            continue
        for line in piece.split("\n"):  # each mark begins a line: its paragraph's
            lines.append(line)
            of_line.append(paragraph)
    return lines, of_line


def _structure_problem(parser: _Parser, exc, where) -> tuple[str, int, str]:
    """The message for Jinja's syntax error `exc`, the line to replace before parsing again, and
    what to put there (nothing, or an opener of the same kind, so that its end tag still fits)."""
    stack = parser.statements
    current = parser.stream.current
    if stack and stack[-1] is current:  # a tag Jinja has no statement for
        name, line = current.value, current.lineno
        opened = [token for token in stack[:-1]]
        paragraph = where(line)
        tag = _tag_naming(paragraph.text, name, keyword=True) or f"{{% {name} %}}"
        if name in ("tr", "tc"):
            tag = next((m.group(0) for m in TAG.finditer(paragraph.text) if m.group(0).lstrip("{%- ").startswith(name)),
                       tag)
            return (f"{paragraph.where}: {tag} står inte i en tabell{'rad' if name == 'tr' else 'cell'}; "
                    f"{{%{name} ... %}} tar med sig den tabell{'rad' if name == 'tr' else 'cell'} den står i", line, "")
        if name in ("else", "elif"):
            return f"{paragraph.where}: {tag} står utanför ett {{%p if ... %}}", line, ""
        if name in KEYWORDS and name.startswith("end") and opened:
            opener = opened[-1]
            open_paragraph = where(opener.lineno)
            open_tag = _tag_naming(open_paragraph.text, opener.value, keyword=True) or f"{{% {opener.value} %}}"
            return (f"{open_paragraph.where}: {open_tag} saknar sitt {_end_tag(open_tag, opener.value)} "
                    f"(i stället kommer {tag} {paragraph.where})", opener.lineno, "")
        if name in KEYWORDS and name.startswith("end"):
            return f"{paragraph.where}: {tag} avslutar inget; {{%p {name[3:]} ... %}} saknas", line, ""
        close = difflib.get_close_matches(name, KEYWORDS, n=1)
        hint = f" (menar du '{close[0]}'?)" if close else ""
        return f"{paragraph.where}: okänd platshållare {tag}{hint}", line, ""
    if current.type == "eof" and stack:  # the template ends inside a block
        opener = stack[-1]
        paragraph = where(opener.lineno)
        tag = _tag_naming(paragraph.text, opener.value, keyword=True) or f"{{% {opener.value} %}}"
        return f"{paragraph.where}: {tag} saknar sitt {_end_tag(tag, opener.value)}", opener.lineno, ""
    line = getattr(exc, "lineno", None) or current.lineno
    paragraph = where(line)
    tag = _unreadable_tag(paragraph.text) or f"”{_short(paragraph.text)}”"
    # a block whose opening tag cannot be read is still a block: its end tag must find an opener
    stand_in = BLOCK_STAND_INS.get(stack[-1].value, "") if stack and stack[-1].lineno == line else ""
    return f"{paragraph.where}: platshållaren {tag} går inte att läsa", line, stand_in


BLOCK_STAND_INS = {"for": "{% for _ in () %}", "if": "{% if true %}", "with": "{% with %}",
                   "filter": "{% filter string %}", "autoescape": "{% autoescape true %}"}


# Jinja's tags, for "menar du ...?" after an unknown one.
KEYWORDS = ["for", "endfor", "if", "elif", "else", "endif", "set", "endset", "with", "endwith", "macro",
            "endmacro", "call", "endcall", "filter", "endfilter", "block", "endblock", "autoescape", "endautoescape"]


class _Parser(Parser):
    """Jinja2's parser, keeping the statements it is inside (their first token), for messages."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.statements: list = []

    def parse_statement(self):
        self.statements.append(self.stream.current)
        result = super().parse_statement()  # on an error the statement stays on the list
        self.statements.pop()
        return result


def _tag_naming(text: str, name: str, keyword: bool = False) -> str:
    """The tag in a paragraph's text whose keyword (or a name in which) is `name`, as written, or ""."""
    for match in TAG.finditer(text):
        if keyword:
            words = (match.group(1) or "").split()
            if words and words[0] == name:
                return match.group(0)
        elif re.search(rf"(?<![\w.]){re.escape(name)}(?!\w)", match.group(1) or match.group(2) or ""):
            return match.group(0)
    return ""


def _unreadable_tag(text: str) -> str:
    """The first tag in a paragraph's text that Jinja cannot read on its own, as written, or ""."""

    env = Environment()
    tags = list(TAG.finditer(text))
    for match in tags:
        if match.group(2) is not None:
            source = "{{ " + match.group(2) + " }}"
        else:
            words = match.group(1).split()
            keyword = words[0] if words else ""
            expression = match.group(1)[len(keyword):]
            if keyword == "for":
                expression = expression.split(" in ", 1)[-1] if " in " in expression else ""
            if keyword in ("if", "elif", "for") and not expression.strip():
                return match.group(0)
            if not expression.strip() or keyword in ("set", "with", "macro", "call", "filter"):
                continue
            source = "{{ " + expression + " }}"
        try:
            env.parse(source)
        except TemplateSyntaxError:
            return match.group(0)
    return tags[0].group(0) if len(tags) == 1 else ""


def _end_tag(tag: str, name: str) -> str:
    """The end tag of block `name` in the opener's own kind: {%p endfor %}, {%tr endfor %}."""
    kind = re.match(r"\{%-?\s*(p|tr|tc|r)\s", tag)
    return f"{{%{kind.group(1) if kind else ''} end{name} %}}"


def _short(text: str, limit: int = 60) -> str:
    text = re.sub(r"\s+", " ", text).strip()
    return text if len(text) <= limit else text[: limit - 1] + "…"


def placeholder_location(template: Path, name: str) -> str:
    """Where the template uses variable `name` ("i dokumentet, stycke 3: {{ titl }}"), or ""."""
    try:
        with zipfile.ZipFile(template) as z:
            xml = {n: etree.fromstring(z.read(n)) for n in z.namelist() if TEXT_PARTS.fullmatch(n)}
    except (zipfile.BadZipFile, etree.XMLSyntaxError, OSError):
        return ""
    for paragraph in _paragraphs(xml):
        for match in TAG.finditer(paragraph.text):
            if re.search(rf"(?<![\w.]){re.escape(name)}(?![\w])", match.group(0)):
                return f"{paragraph.where}: {match.group(0)}"
    return ""
