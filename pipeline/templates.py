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
   placeholder, with the Jinja structure of `{%p for %}` … `{%p endfor %}` and `{%p if %}` …
   `{%p endif %}`, each problem named with where it is ("i dokumentet, stycke 41: ...").

The prepared copy lives in the build cache, keyed by the template's content.
"""

from __future__ import annotations

import difflib
import hashlib
import io
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from .errors import TemplateError

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
W = f"{{{W_NS}}}"

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
    names: Callable[[], tuple]  # the context's names (imported when needed)
    contents: bool = True       # a contents list (TOC field) and a repeated table header row


def _plan_names() -> tuple:
    from .context import CONTEXT_NAMES
    return CONTEXT_NAMES


def _follow_up_names() -> tuple:
    from .followup import CONTEXT_NAMES as names
    return names


def _letter_names() -> tuple:
    from .round import LETTER_NAMES
    return LETTER_NAMES


PLAN = TemplateSpec("plan", "planens data", tuple(STYLES), tuple(REQUIRED_PLACEHOLDERS), _plan_names)
# The cover letter of a draft round (missiv, see round.py): headings, body text, one table.
LETTER = TemplateSpec(
    "missiv", "missivets data",
    tuple(s for s in STYLES if s[0] in {"Title", "Heading1", "Heading2", "Heading3", "BodyText", "Header", "Footer",
                                          "Plantabell", "Tabellrubrik", "Tabelltext"})
    + (("ListBullet", "List Bullet", "Punktlista"),),  # the list of changes since the draft sent before
    ("{{ titel }}", "{{ svar_senast }}", "for f in fråga", "for k in kommuner", "{{ kontakt.namn }}",
     "for rad in del.rader"),
    _letter_names, contents=False)
# The follow-up (uppföljning, see followup.py): the plan's headings and tables, no contents list.
FOLLOW_UP = TemplateSpec(
    "uppfoljning", "uppföljningens data",
    tuple(s for s in STYLES if s[0] in {"Title", *(f"Heading{n}" for n in range(1, 7)), "BodyText", "Header",
                                          "Footer", "Caption", "Emphasis", "Plantabell", "Tabellrubrik",
                                          "Tabelltext", "Malformulering", "Ansvar"}),
    ("{{ titel }}", "for r in sammanfattning", "{{p figur }}", "for s in mål", "for a in kansliet",
     "for a in kommunikationsplan", "budget.kostnader"),
    _follow_up_names, contents=False)

# Attributes that name a style: every place a package refers to one.
STYLE_REFERENCES = {f"{W}{tag}" for tag in ("pStyle", "rStyle", "tblStyle", "basedOn", "next", "link",
                                            "numStyleLink", "styleLink")}
XML_PART = re.compile(r"word/[^/]+\.xml")
TEXT_PART = re.compile(r"word/(document\d*|header\d+|footer\d+|footnotes|endnotes)\.xml")


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
    from .writer import write_cache
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
    from lxml import etree

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            names = z.namelist()
            xml = {n: etree.fromstring(z.read(n)) for n in names if XML_PART.fullmatch(n)}
    except (zipfile.BadZipFile, etree.XMLSyntaxError, OSError) as exc:
        raise TemplateError(template, f"mallen är ingen giltig Word-fil ({exc}).") from exc
    if "word/styles.xml" not in xml or "word/document.xml" not in xml:
        raise TemplateError(template, "mallen är ingen giltig Word-fil (formatmallarna eller dokumentet saknas).")
    for name in [n for n in xml if TEXT_PART.fullmatch(n)]:
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
    from .ooxml import replace_parts, xml_bytes
    return replace_parts(data, {name: xml_bytes(root) for name, root in xml.items()})


# The prefixes the build's own XML (pictures, SVG, math) uses, declared where Word declares them:
# on the part's root. LibreOffice declares them only where they are used.
ROOT_NAMESPACES = {
    "w": W_NS,
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
    from lxml import etree

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
    from lxml import etree

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
    from .layout import child
    return child(settings, name, SETTINGS_ORDER)


def _set_settings(settings) -> None:
    """What the build needs, whatever the template's program kept: no updating of fields on open
    (Word would ask every reader; the build fills the contents list itself, see contents.py),
    Swedish as the theme's language, Word 2013+ layout (compatibility mode 15)."""
    from lxml import etree

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
    from lxml import etree

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
            from .layout import child
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
    out = []
    for name, root in sorted(xml.items(), key=lambda item: (item[0] != "word/document.xml", item[0])):
        if not TEXT_PART.fullmatch(name):
            continue
        part = {"word/document.xml": "i dokumentet", "word/footnotes.xml": "i fotnoterna",
                "word/endnotes.xml": "i slutnoterna"}.get(name)
        if part is None:
            part = "i sidhuvudet" if "header" in name else "i sidfoten"
        before = ""
        for number, paragraph in enumerate(root.iter(f"{W}p"), 1):
            text = "".join(t.text or "" for t in paragraph.iter(f"{W}t"))
            after = f" (efter ”{_short(before, 40)}”)" if before else ""
            out.append(_Paragraph(f"{part}, stycke {number}{after}", text))
            plain_text = TAG.sub("", text).strip()
            if plain_text:
                before = plain_text
    return out


TAG = re.compile(r"\{%-?\s*(?:(?:p|tr|tc|r)\s)?\s*(.*?)\s*-?%\}|\{\{-?\s*(?:(?:p|r|tc)\s)?\s*(.*?)\s*-?\}\}", re.S)
OPENERS = {"for": "endfor", "if": "endif"}


def placeholder_problems(xml: dict, spec: TemplateSpec = PLAN) -> list[str]:
    """Missing placeholders, and broken ones, each named with where it is."""
    from jinja2 import Environment, TemplateSyntaxError, meta

    paragraphs = _paragraphs(xml)
    everything = "\n".join(p.text for p in paragraphs)
    problems = [f"platshållaren {p} saknas" for p in spec.placeholders if p not in everything]
    env = Environment()
    stack: list[tuple[str, str, str]] = []  # (keyword, tag, where)
    loop_names = set(re.findall(r"\{%-?\s*(?:(?:p|tr|tc|r)\s)?\s*for\s+([\w\s,]+?)\s+in\s", everything))
    known = set(spec.names()) | {"loop"} | {n.strip() for names in loop_names for n in names.split(",")}
    for paragraph in paragraphs:
        text = paragraph.text
        shown = _short(text)
        for opening, closing in (("{{", "}}"), ("{%", "%}")):
            if text.count(opening) != text.count(closing):
                problems.append(f"{paragraph.where} (”{shown}”): en platshållare börjar med {opening} men slutar "
                                f"inte med {closing} (eller tvärtom)")
        for match in TAG.finditer(text):
            tag = match.group(0)
            if match.group(1) is not None:
                words = match.group(1).split()
                keyword = words[0] if words else ""
                expression = match.group(1)[len(keyword):]
                if keyword == "for":
                    expression = expression.split(" in ", 1)[-1]
                if keyword in OPENERS:
                    stack.append((keyword, tag, paragraph.where))
                elif keyword in ("elif", "else"):
                    if not stack or stack[-1][0] != "if":
                        problems.append(f"{paragraph.where}: {tag} står utanför ett {{%p if ... %}}")
                elif keyword in ("endfor", "endif"):
                    opener = keyword[3:]
                    if not stack:
                        problems.append(f"{paragraph.where}: {tag} avslutar inget; {{%p {opener} ... %}} saknas")
                    elif stack[-1][0] != opener:
                        kind, open_tag, open_where = stack.pop()
                        problems.append(f"{open_where}: {open_tag} saknar sitt {{%p {OPENERS[kind]} %}} "
                                        f"(i stället kommer {tag} {paragraph.where})")
                        if stack and stack[-1][0] == opener:
                            stack.pop()  # the tag closes the block before the unclosed one
                    else:
                        stack.pop()
                    continue
                else:
                    problems.append(f"{paragraph.where}: okänd platshållare {tag}")
                    continue
                if keyword == "else" or not expression.strip():
                    continue
            else:
                expression = match.group(2)
            try:
                names = meta.find_undeclared_variables(env.parse("{{ " + expression + " }}"))
            except TemplateSyntaxError:
                problems.append(f"{paragraph.where}: platshållaren {tag} går inte att läsa")
                continue
            for name in sorted(names - known):
                close = difflib.get_close_matches(name, sorted(known), n=1)
                hint = f" (menar du '{close[0]}'?)" if close else ""
                problems.append(f"{paragraph.where}: platshållaren {tag} pekar på '{name}', som inte finns i "
                                f"{spec.data}{hint}")
    for kind, tag, where in stack:
        problems.append(f"{where}: {tag} saknar sitt {{%p {OPENERS[kind]} %}}")
    return problems


def _short(text: str, limit: int = 60) -> str:
    text = re.sub(r"\s+", " ", text).strip()
    return text if len(text) <= limit else text[: limit - 1] + "…"


def placeholder_location(template: Path, name: str) -> str:
    """Where the template uses variable `name` ("i dokumentet, stycke 3: {{ titl }}"), or ""."""
    from lxml import etree
    try:
        with zipfile.ZipFile(template) as z:
            xml = {n: etree.fromstring(z.read(n)) for n in z.namelist() if TEXT_PART.fullmatch(n)}
    except (zipfile.BadZipFile, etree.XMLSyntaxError, OSError):
        return ""
    for paragraph in _paragraphs(xml):
        for match in TAG.finditer(paragraph.text):
            if re.search(rf"(?<![\w.]){re.escape(name)}(?![\w])", match.group(0)):
                return f"{paragraph.where}: {match.group(0)}"
    return ""
