"""veraPDF's rules for PDF/A-2b and PDF/UA-1, checked in Python on a real PDF.

The rules are those of veraPDF's own validation profiles (`verapdf/PDFA-2B.xml`,
`verapdf/PDFUA-1.xml`, copied from veraPDF-validation-profiles): every rule there has a check
here, registered under its clause and test number, and `unchecked_rules()` lists any that has
none (the tests require it to be empty). veraPDF itself (Java) cannot be installed from the
registries this project reaches, so its test expressions are implemented over pikepdf (objects,
content streams) and fontTools (font programs).

Where veraPDF models an object this module does not (JPEG 2000 code streams, DeviceN colour,
Type 1 and CFF font programs, signatures, forms, embedded files ...), the check is the stronger
condition that no such object occurs: a file that has one fails with "kan inte kontrolleras här",
never passes unexamined. `pdf_violations(path)` returns every failure as a `Violation`.
"""

from __future__ import annotations

import decimal
import functools
import io
import logging
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Iterator

import pikepdf
from lxml import etree

logging.getLogger("fontTools").setLevel(logging.ERROR)  # subset fonts carry zero timestamps

PROFILE_DIR = Path(__file__).with_name("verapdf")
PROFILES = {"PDF/A-2b": "PDFA-2B.xml", "PDF/UA-1": "PDFUA-1.xml"}
VP = "{http://www.verapdf.org/ValidationProfile}"


@dataclass(frozen=True)
class Rule:
    profile: str
    id: str            # clause-testNumber, e.g. "6.6.2.3.1-1"
    object: str        # veraPDF's object type the test applies to
    description: str

    @property
    def key(self) -> str:
        return f"{self.profile} {self.id}"


@dataclass(frozen=True)
class Violation:
    rule: Rule
    where: str

    def __str__(self) -> str:
        return f"{self.rule.key} [{self.rule.object}] {self.where}: {self.rule.description[:160]}"


@functools.cache
def profile_rules() -> tuple[Rule, ...]:
    """Return every rule of both profiles, in profile order."""
    rules = []
    for profile, name in PROFILES.items():
        for rule in ET.parse(PROFILE_DIR / name).getroot().iter(f"{VP}rule"):
            ident = rule.find(f"{VP}id")
            rules.append(Rule(profile, f"{ident.get('clause')}-{ident.get('testNumber')}", rule.get("object"),
                              " ".join(rule.find(f"{VP}description").text.split())))
    return tuple(rules)


Check = Callable[["Doc"], Iterable[str]]
CHECKS: dict[str, Check] = {}


def rule(*keys: str) -> Callable[[Check], Check]:
    """Register a check for rules given as 'A 6.1.2-1' (PDF/A-2b) or 'UA 7.1-1' (PDF/UA-1)."""
    def register(function: Check) -> Check:
        for key in keys:
            short, ident = key.split()
            profile = "PDF/A-2b" if short == "A" else "PDF/UA-1"
            full = f"{profile} {ident}"
            assert full not in CHECKS, full
            CHECKS[full] = function
        return function
    return register


def unchecked_rules() -> list[Rule]:
    return [r for r in profile_rules() if r.key not in CHECKS]


def pdf_violations(path: Path | bytes, profiles: Iterable[str] = tuple(PROFILES)) -> list[Violation]:
    """Return every rule of the profiles that the PDF breaks, with where it breaks it."""
    doc = Doc(path.read_bytes() if isinstance(path, Path) else path)
    wanted = set(profiles)
    found = []
    results: dict[Check, list[str]] = {}  # a check registered for several rules runs once
    for r in profile_rules():
        if r.profile not in wanted:
            continue
        check = CHECKS.get(r.key)
        if check is None:
            found.append(Violation(r, "ingen kontroll finns för regeln"))
            continue
        if check not in results:
            results[check] = list(dict.fromkeys(check(doc)))
        found += [Violation(r, where) for where in results[check]]
    return found


NOT_MODELLED = "kan inte kontrolleras här (objekttypen förekommer i filen)"


# --- the document and what is derived from it ----------------------------------------------------

def _objgen(obj) -> tuple[int, int]:
    return obj.objgen if getattr(obj, "is_indirect", False) else (0, id(obj))


@dataclass
class MarkedContext:
    """The marked-content sequences that enclose a painting operator, outermost first."""

    tags: tuple[tuple[str, int | None], ...]

    @property
    def tagged(self) -> bool:
        return any(mcid is not None for _, mcid in self.tags)

    @property
    def artifact(self) -> bool:
        return any(tag == "/Artifact" for tag, _ in self.tags)


@dataclass
class Painting:
    kind: str                 # text, path, image, shading, inline-image
    where: str
    context: MarkedContext


@dataclass
class TextShow:
    font: object              # the font dictionary
    data: bytes
    render_mode: int
    where: str


@dataclass
class Stream:
    """A content stream with the resources it is interpreted with."""

    owner: object             # page dictionary, form XObject, pattern, appearance stream, Type 3 glyph
    resources: object | None
    where: str
    kind: str                 # page, form, pattern, appearance, charproc


@dataclass
class Interpretation:
    paintings: list[Painting] = field(default_factory=list)
    texts: list[TextShow] = field(default_factory=list)
    operators: set[str] = field(default_factory=set)
    max_q_depth: int = 0
    inline_images: list = field(default_factory=list)
    device_spaces: dict[str, list[str]] = field(default_factory=dict)   # DeviceRGB → where
    missing_resources: list[str] = field(default_factory=list)
    mcids: dict[tuple, set[int]] = field(default_factory=dict)           # (page objgen) → MCIDs in content


OPERATORS = set("""b B b* B* BDC BI BMC BT BX c cm CS cs d d0 d1 Do DP EI EMC ET EX f F f* G g gs h i ID j J K k l m
M MP n q Q re RG rg ri s S SC sc SCN scn sh T* Tc Td TD Tf TJ Tj TL Tm Tr Ts Tw Tz v w W W* y ' \"""".split())
PATH_PAINT = {"S", "s", "f", "F", "f*", "B", "B*", "b", "b*"}
TEXT_SHOW = {"Tj", "TJ", "'", '"'}


class Doc:
    """A PDF opened for checking: pikepdf's objects, the raw bytes, and what the rules derive."""

    def __init__(self, data: bytes):
        self.raw = data
        self.pdf = pikepdf.open(io.BytesIO(data))
        self.root = self.pdf.Root

    # -- objects ---------------------------------------------------------------------------------
    @functools.cached_property
    def objects(self) -> list:
        return [o for o in self.pdf.objects if o is not None and not isinstance(o, type(None))]

    def values(self) -> list[tuple[object, str]]:
        """Return every value in every indirect object, with where it is (direct values recursed)."""
        return self._values

    @functools.cached_property
    def _values(self) -> list[tuple[object, str]]:
        return [item for obj in self.objects for item in self._walk(obj, f"objekt {obj.objgen[0]}", top=True)]

    def _walk(self, value, where: str, top: bool = False) -> Iterator[tuple[object, str]]:
        if not top and getattr(value, "is_indirect", False):
            return
        yield value, where
        if isinstance(value, pikepdf.Stream):
            for key, item in value.stream_dict.items():
                yield pikepdf.Name(key), where
                yield from self._walk(item, where)
        elif isinstance(value, pikepdf.Dictionary):
            for key, item in value.items():
                yield pikepdf.Name(key), where
                yield from self._walk(item, where)
        elif isinstance(value, pikepdf.Array):
            for item in value:
                yield from self._walk(item, where)

    def dictionaries(self, type_: str | None = None, subtype: str | None = None) -> Iterator[object]:
        """Yield every dictionary (direct ones included) with the given /Type and /Subtype."""
        for value, _ in self.values():
            if isinstance(value, (pikepdf.Dictionary, pikepdf.Stream)):
                d = value.stream_dict if isinstance(value, pikepdf.Stream) else value
                if (type_ is None or d.get("/Type") == type_) and (subtype is None or d.get("/Subtype") == subtype):
                    yield value

    @functools.cached_property
    def streams(self) -> list:
        return [o for o in self.objects if isinstance(o, pikepdf.Stream)]

    @functools.cached_property
    def pages(self) -> list:
        return [p.obj for p in self.pdf.pages]

    @functools.cached_property
    def annotations(self) -> list[tuple[object, int]]:
        return [(a, i) for i, page in enumerate(self.pages, start=1) for a in page.get("/Annots", [])]

    # -- metadata ------------------------------------------------------------------------------------
    @functools.cached_property
    def xmp_bytes(self) -> bytes | None:
        meta = self.root.get("/Metadata")
        return meta.read_bytes() if meta is not None else None

    @functools.cached_property
    def xmp(self):
        if self.xmp_bytes is None:
            return None
        try:
            return etree.fromstring(self.xmp_bytes)
        except etree.XMLSyntaxError:
            return None

    @functools.cached_property
    def xmp_properties(self) -> list[tuple[str, str, etree._Element | str]]:
        """(namespace, local name, element or attribute value) of every top-level XMP property."""
        props = []
        if self.xmp is None:
            return props
        for description in self.xmp.iter(f"{{{RDF}}}Description"):
            if description.getparent() is None or description.getparent().tag != f"{{{RDF}}}RDF":
                continue
            for name, value in description.attrib.items():
                q = etree.QName(name)
                if q.namespace not in (RDF, None):
                    props.append((q.namespace, q.localname, value))
            for child in description:
                if isinstance(child.tag, str):
                    q = etree.QName(child)
                    props.append((q.namespace, q.localname, child))
        return props

    # -- structure --------------------------------------------------------------------------------
    @functools.cached_property
    def struct_root(self):
        return self.root.get("/StructTreeRoot")

    @functools.cached_property
    def role_map(self) -> dict[str, str]:
        rm = self.struct_root.get("/RoleMap", {}) if self.struct_root is not None else {}
        return {str(k): str(v) for k, v in rm.items()}

    def standard_type(self, element) -> str:
        """Return the standard structure type of an element, following the role map."""
        name = str(element.get("/S"))
        seen = set()
        while name not in STANDARD_TYPES and name in self.role_map and name not in seen:
            seen.add(name)
            name = self.role_map[name]
        return name.lstrip("/")

    @functools.cached_property
    def elements(self) -> list:
        """Every structure element, in document order (depth first)."""
        out = []
        if self.struct_root is None:
            return out

        def walk(kids):
            for kid in kids if isinstance(kids, pikepdf.Array) else [kids]:
                if isinstance(kid, pikepdf.Dictionary) and "/S" in kid and kid.get("/Type") not in ("/MCR", "/OBJR"):
                    out.append(kid)
                    if "/K" in kid:
                        walk(kid.K)
        if "/K" in self.struct_root:
            walk(self.struct_root.K)
        return out

    def kids(self, element) -> list:
        """Return the structure-element children of an element."""
        k = element.get("/K")
        items = k if isinstance(k, pikepdf.Array) else ([k] if k is not None else [])
        return [c for c in items if isinstance(c, pikepdf.Dictionary) and "/S" in c
                and c.get("/Type") not in ("/MCR", "/OBJR")]

    def kids_types(self, element) -> list[str]:
        return [self.standard_type(c) for c in self.kids(element)]

    def parent_type(self, element) -> str | None:
        parent = element.get("/P")
        if parent is None or "/S" not in parent:
            return None
        return self.standard_type(parent)

    def describe(self, element) -> str:
        page = element.get("/Pg")
        number = next((i for i, p in enumerate(self.pages, start=1) if page is not None and p.objgen == page.objgen), None)
        return f"{element.get('/S')}" + (f" på sidan {number}" if number else "")

    # -- content streams ---------------------------------------------------------------------------
    @functools.cached_property
    def interpretation(self) -> Interpretation:
        result = Interpretation()
        for number, page in enumerate(self.pages, start=1):
            self._interpret(page, page.get("/Resources"), f"sidan {number}", MarkedContext(()), result, set(),
                            page_key=page.objgen)
            for annot in page.get("/Annots", []):
                for stream in _appearance_streams(annot):
                    # appearance streams are drawn outside the page's marked content
                    self._interpret(stream, stream.get("/Resources"), f"annotering på sidan {number}",
                                    MarkedContext((("/Artifact", None),)), result, set(), page_key=None)
        return result

    def _interpret(self, owner, resources, where: str, outer: MarkedContext, result: Interpretation,
                   active: set, page_key) -> None:
        key = _objgen(owner)
        if key in active:
            return
        active = active | {key}
        try:
            ops = pikepdf.parse_content_stream(owner)
        except pikepdf.PdfError:
            result.paintings.append(Painting("oläsbar", where, outer))
            return
        stack: list[tuple[str, int | None]] = list(outer.tags)
        depth = 0
        font = None
        render_mode = 0
        res = resources if resources is not None else pikepdf.Dictionary()
        for instruction in ops:
            if isinstance(instruction, pikepdf.ContentStreamInlineImage):
                result.inline_images.append((instruction.iimage, where))
                result.paintings.append(Painting("inline-image", where, MarkedContext(tuple(stack))))
                result.operators.add("BI")
                continue
            op = str(instruction.operator)
            operands = instruction.operands
            result.operators.add(op)
            if op == "q":
                depth += 1
                result.max_q_depth = max(result.max_q_depth, depth)
            elif op == "Q":
                depth -= 1
            elif op in ("BMC", "BDC"):
                tag = str(operands[0])
                mcid = None
                if op == "BDC":
                    props = operands[1]
                    if isinstance(props, pikepdf.Name):
                        props = res.get("/Properties", {}).get(str(props))
                    if isinstance(props, pikepdf.Dictionary) and "/MCID" in props:
                        mcid = int(props.MCID)
                        if page_key is not None:
                            result.mcids.setdefault(page_key, set()).add(mcid)
                stack.append((tag, mcid))
            elif op == "EMC":
                if len(stack) > len(outer.tags):
                    stack.pop()
            elif op == "Tf":
                font = res.get("/Font", {}).get(str(operands[0]))
                if font is None:
                    result.missing_resources.append(f"{where}: typsnittet {operands[0]}")
            elif op == "Tr":
                render_mode = int(operands[0])
            elif op in TEXT_SHOW:
                context = MarkedContext(tuple(stack))
                result.paintings.append(Painting("text", where, context))
                if font is not None:
                    for data in _text_operands(op, operands):
                        result.texts.append(TextShow(font, data, render_mode, where))
            elif op in PATH_PAINT:
                result.paintings.append(Painting("path", where, MarkedContext(tuple(stack))))
            elif op == "sh":
                result.paintings.append(Painting("shading", where, MarkedContext(tuple(stack))))
            elif op == "Do":
                xobject = res.get("/XObject", {}).get(str(operands[0]))
                if xobject is None:
                    result.missing_resources.append(f"{where}: XObject {operands[0]}")
                    continue
                if xobject.get("/Subtype") == "/Image":
                    result.paintings.append(Painting("image", where, MarkedContext(tuple(stack))))
                elif xobject.get("/Subtype") == "/Form":
                    inner = xobject.get("/Resources")
                    if inner is None:
                        result.missing_resources.append(f"{where}: formulär-XObject {operands[0]} utan egna resurser")
                    self._interpret(xobject, inner if inner is not None else res, f"{where} (XObject {operands[0]})",
                                    MarkedContext(tuple(stack)), result, active, page_key)
            elif op in ("cs", "CS"):
                name = str(operands[0])
                if name in ("/DeviceRGB", "/DeviceCMYK", "/DeviceGray"):
                    result.device_spaces.setdefault(name, []).append(where)
            elif op in ("rg", "RG"):
                result.device_spaces.setdefault("/DeviceRGB", []).append(where)
            elif op in ("k", "K"):
                result.device_spaces.setdefault("/DeviceCMYK", []).append(where)
            elif op in ("g", "G"):
                result.device_spaces.setdefault("/DeviceGray", []).append(where)

    # -- fonts ----------------------------------------------------------------------------------------
    @functools.cached_property
    def fonts(self) -> list:
        found = {}
        for value in self.dictionaries("/Font"):
            if value.get("/Subtype") in ("/CIDFontType0", "/CIDFontType2"):
                continue  # descendants are checked through their Type 0 font
            found[_objgen(value)] = value
        return list(found.values())

    @functools.cache
    def font_info(self, font) -> "FontInfo":
        return FontInfo(font)

    @functools.cached_property
    def glyph_uses(self) -> list[tuple["FontInfo", int, int, str]]:
        """(font, code, rendering mode, where) of every distinct glyph shown."""
        seen = {}
        for show in self.interpretation.texts:
            info = self.font_info_for(show.font)
            for code in info.codes(show.data):
                key = (id(info), code, show.render_mode == 3)
                if key not in seen:
                    seen[key] = (info, code, show.render_mode, show.where)
        return list(seen.values())

    def font_info_for(self, font) -> "FontInfo":
        key = _objgen(font)
        cache = self.__dict__.setdefault("_fonts", {})
        if key not in cache:
            cache[key] = FontInfo(font)
        return cache[key]


def _text_operands(op: str, operands) -> list[bytes]:
    if op == "TJ":
        return [bytes(item) for item in operands[0] if isinstance(item, pikepdf.String)]
    if op == '"':
        return [bytes(operands[2])]
    return [bytes(operands[0])]


def _appearance_streams(annot) -> list:
    ap = annot.get("/AP")
    if not isinstance(ap, pikepdf.Dictionary):
        return []
    out = []
    for key in ("/N", "/R", "/D"):
        value = ap.get(key)
        if isinstance(value, pikepdf.Stream):
            out.append(value)
        elif isinstance(value, pikepdf.Dictionary):
            out += [v for v in value.values() if isinstance(v, pikepdf.Stream)]
    return out


# --- fonts ----------------------------------------------------------------------------------------

class FontInfo:
    """What the font rules need of one font: codes, glyphs, widths, Unicode mapping."""

    def __init__(self, font):
        self.font = font
        self.subtype = str(font.get("/Subtype"))
        self.name = str(font.get("/BaseFont", font.get("/Name", "?")))
        self.descendant = None
        if self.subtype == "/Type0":
            kids = font.get("/DescendantFonts")
            self.descendant = kids[0] if kids else None
        self.descriptor = (self.descendant if self.descendant is not None else font).get("/FontDescriptor")
        self.program_kind, self.program_stream = self._program()
        self.to_unicode = _parse_to_unicode(font.get("/ToUnicode"))
        self._tt = None

    def _program(self):
        if self.descriptor is None:
            return None, None
        for key, kind in (("/FontFile2", "TrueType"), ("/FontFile", "Type1"), ("/FontFile3", "FontFile3")):
            if key in self.descriptor:
                stream = self.descriptor[key]
                if kind == "FontFile3":
                    kind = str(stream.get("/Subtype", "")).lstrip("/")
                return kind, stream
        return None, None

    @property
    def symbolic(self) -> bool:
        return bool(int(self.descriptor.get("/Flags", 0)) & 4) if self.descriptor is not None else False

    @property
    def truetype(self):
        """The embedded TrueType program (fontTools), or None."""
        if self._tt is None and self.program_kind == "TrueType":
            from fontTools.ttLib import TTFont
            self._tt = TTFont(io.BytesIO(self.program_stream.read_bytes()), lazy=True)
        return self._tt

    def codes(self, data: bytes) -> list[int]:
        if self.subtype == "/Type0":
            encoding = self.font.get("/Encoding")
            if encoding in ("/Identity-H", "/Identity-V"):
                return [int.from_bytes(data[i:i + 2], "big") for i in range(0, len(data) - 1, 2)]
            return [int.from_bytes(data[i:i + 2], "big") for i in range(0, len(data) - 1, 2)]
        return list(data)

    def gid(self, code: int) -> int | None:
        """The glyph id a code selects in the embedded TrueType program (None: not modelled)."""
        tt = self.truetype
        if tt is None:
            return None
        if self.subtype == "/Type0":
            cid_to_gid = self.descendant.get("/CIDToGIDMap", pikepdf.Name.Identity)
            if isinstance(cid_to_gid, pikepdf.Stream):
                table = cid_to_gid.read_bytes()
                return int.from_bytes(table[2 * code:2 * code + 2], "big") if 2 * code + 2 <= len(table) else 0
            return code
        cmap = tt["cmap"]
        order = tt.getGlyphOrder()
        if self.symbolic:
            for platform, encoding, base in ((3, 0, 0xF000), (3, 0, 0), (1, 0, 0)):
                table = cmap.getcmap(platform, encoding)
                if table is not None and (base + code) in table.cmap:
                    return order.index(table.cmap[base + code])
            return 0
        table = cmap.getcmap(3, 1) or cmap.getcmap(1, 0)
        if table is None:
            return 0
        unicode = self.to_unicode.get(code)
        if unicode and len(unicode) == 1 and ord(unicode) in table.cmap and table.platformID == 3:
            return order.index(table.cmap[ord(unicode)])
        return order.index(table.cmap[code]) if code in table.cmap else 0

    def glyph_count(self) -> int:
        return self.truetype["maxp"].numGlyphs

    def program_width(self, gid: int) -> float:
        tt = self.truetype
        name = tt.getGlyphOrder()[gid]
        return tt["hmtx"][name][0] * 1000.0 / tt["head"].unitsPerEm

    def dictionary_width(self, code: int) -> float | None:
        if self.subtype == "/Type0":
            return _cid_width(self.descendant, code)
        first = self.font.get("/FirstChar")
        widths = self.font.get("/Widths")
        if first is None or widths is None:
            return None
        index = code - int(first)
        if 0 <= index < len(widths):
            return float(widths[index])
        missing = self.descriptor.get("/MissingWidth") if self.descriptor is not None else None
        return float(missing) if missing is not None else 0.0

    def glyph_name(self, gid: int) -> str:
        return self.truetype.getGlyphOrder()[gid]


def _cid_width(cidfont, cid: int) -> float:
    w = cidfont.get("/W")
    if w is not None:
        i = 0
        items = list(w)
        while i < len(items):
            first = int(items[i])
            if isinstance(items[i + 1], pikepdf.Array):
                widths = items[i + 1]
                if first <= cid < first + len(widths):
                    return float(widths[cid - first])
                i += 2
            else:
                last, width = int(items[i + 1]), float(items[i + 2])
                if first <= cid <= last:
                    return width
                i += 3
    return float(cidfont.get("/DW", 1000))


def _parse_to_unicode(stream) -> dict[int, str]:
    """Return code → text from a ToUnicode CMap (bfchar and bfrange)."""
    if not isinstance(stream, pikepdf.Stream):
        return {}
    text = stream.read_bytes().decode("latin-1")
    mapping: dict[int, str] = {}

    def unicode(hexstring: str) -> str:
        data = bytes.fromhex(hexstring)
        return data.decode("utf-16-be", errors="replace")

    for block in re.findall(r"beginbfchar(.*?)endbfchar", text, re.S):
        for src, dst in re.findall(r"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]*)>", block):
            mapping[int(src, 16)] = unicode(dst)
    for block in re.findall(r"beginbfrange(.*?)endbfrange", text, re.S):
        for low, high, rest in re.findall(r"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*(\[[^\]]*\]|<[0-9A-Fa-f]*>)", block):
            lo, hi = int(low, 16), int(high, 16)
            if rest.startswith("["):
                for offset, dst in enumerate(re.findall(r"<([0-9A-Fa-f]*)>", rest)):
                    mapping[lo + offset] = unicode(dst)
            else:
                start = bytes.fromhex(rest[1:-1])
                for offset in range(hi - lo + 1):
                    value = int.from_bytes(start, "big") + offset
                    mapping[lo + offset] = value.to_bytes(len(start), "big").decode("utf-16-be", errors="replace")
    return mapping


# --- XMP ------------------------------------------------------------------------------------------

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
PDFAID = "http://www.aiim.org/pdfa/ns/id/"
PDFUAID = "http://www.aiim.org/pdfua/ns/id/"
PDFA_EXTENSION = "http://www.aiim.org/pdfa/ns/extension/"
PDFA_SCHEMA = "http://www.aiim.org/pdfa/ns/schema#"
PDFA_PROPERTY = "http://www.aiim.org/pdfa/ns/property#"
PDFA_TYPE = "http://www.aiim.org/pdfa/ns/type#"
PDFA_FIELD = "http://www.aiim.org/pdfa/ns/field#"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"

# The schemas of XMP Specification 2005 (and the PDF/A identification schema), property → value type.
PREDEFINED: dict[str, dict[str, str]] = {
    "http://purl.org/dc/elements/1.1/": {
        "contributor": "Bag", "coverage": "Text", "creator": "Seq", "date": "Seq", "description": "LangAlt",
        "format": "Text", "identifier": "Text", "language": "Bag", "publisher": "Bag", "relation": "Bag",
        "rights": "LangAlt", "source": "Text", "subject": "Bag", "title": "LangAlt", "type": "Bag"},
    "http://ns.adobe.com/xap/1.0/": {
        "Advisory": "Bag", "BaseURL": "URL", "CreateDate": "Date", "CreatorTool": "Text", "Identifier": "Bag",
        "Label": "Text", "MetadataDate": "Date", "ModifyDate": "Date", "Nickname": "Text", "Rating": "Real",
        "Thumbnails": "Alt"},
    "http://ns.adobe.com/xap/1.0/rights/": {
        "Certificate": "URL", "Marked": "Boolean", "Owner": "Bag", "UsageTerms": "LangAlt", "WebStatement": "URL"},
    "http://ns.adobe.com/xap/1.0/mm/": {
        "DerivedFrom": "Struct", "DocumentID": "URI", "History": "Seq", "ManagedFrom": "Struct",
        "Manager": "Text", "ManageTo": "URI", "ManageUI": "URI", "ManagerVariant": "Text",
        "InstanceID": "URI", "OriginalDocumentID": "Text", "RenditionClass": "Text", "RenditionParams": "Text",
        "VersionID": "Text", "Versions": "Seq", "LastURL": "URL", "RenditionOf": "Struct", "SaveID": "Integer"},
    "http://ns.adobe.com/xap/1.0/bj/": {"JobRef": "Bag"},
    "http://ns.adobe.com/xap/1.0/t/pg/": {"MaxPageSize": "Struct", "NPages": "Integer", "Fonts": "Bag",
                                          "Colorants": "Seq", "PlateNames": "Seq"},
    "http://ns.adobe.com/pdf/1.3/": {"Keywords": "Text", "PDFVersion": "Text", "Producer": "Text",
                                     "Trapped": "Text"},
    "http://ns.adobe.com/photoshop/1.0/": {
        "AuthorsPosition": "Text", "CaptionWriter": "Text", "Category": "Text", "City": "Text", "Country": "Text",
        "Credit": "Text", "DateCreated": "Date", "Headline": "Text", "Instructions": "Text", "Source": "Text",
        "State": "Text", "SupplementalCategories": "Bag", "TransmissionReference": "Text", "Urgency": "Integer"},
    PDFAID: {"part": "Integer", "conformance": "Text", "amd": "Text", "corr": "Text"},
}
SIMPLE_TYPES = {"Text", "Date", "Integer", "Real", "Boolean", "URI", "URL", "AgentName", "MIMEType", "Locale",
                "RenditionClass", "ProperName", "GUID", "XPath", "Part", "Rational"}
ARRAY_TYPES = {"Bag": "Bag", "Seq": "Seq", "Alt": "Alt", "LangAlt": "Alt"}


def _extension_schemas(doc: Doc) -> list[etree._Element]:
    """Return the rdf:li entries of every pdfaExtension:schemas bag."""
    out = []
    for ns, name, value in doc.xmp_properties:
        if ns == PDFA_EXTENSION and name == "schemas" and isinstance(value, etree._Element):
            bag = value.find(f"{{{RDF}}}Bag")
            if bag is not None:
                out += bag.findall(f"{{{RDF}}}li")
    return out


def _field(element: etree._Element, ns: str, name: str):
    """Return a field of a struct (child element, or attribute of the li or its Description)."""
    holders = [element] + element.findall(f"{{{RDF}}}Description")
    for holder in holders:
        child = holder.find(f"{{{ns}}}{name}")
        if child is not None:
            return child
        if holder.get(f"{{{ns}}}{name}") is not None:
            return holder.get(f"{{{ns}}}{name}")
    return None


def _text(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if len(value):
        return None
    return value.text or ""


def _struct_fields(element: etree._Element) -> list[tuple[str, str]]:
    holders = [element] + element.findall(f"{{{RDF}}}Description")
    fields = []
    for holder in holders:
        for child in holder:
            if isinstance(child.tag, str) and child.tag != f"{{{RDF}}}Description":
                q = etree.QName(child)
                fields.append((q.namespace, q.localname))
        for name in holder.attrib:
            q = etree.QName(name)
            if q.namespace not in (RDF, None, "http://www.w3.org/XML/1998/namespace"):
                fields.append((q.namespace, q.localname))
    return fields


def _defined_properties(doc: Doc) -> dict[str, dict[str, str]]:
    """namespace URI → property → value type, from the package's extension schemas."""
    defined: dict[str, dict[str, str]] = {}
    for li in _extension_schemas(doc):
        uri = _text(_field(li, PDFA_SCHEMA, "namespaceURI"))
        props = _field(li, PDFA_SCHEMA, "property")
        if uri is None or not isinstance(props, etree._Element):
            continue
        seq = props.find(f"{{{RDF}}}Seq")
        for item in seq.findall(f"{{{RDF}}}li") if seq is not None else []:
            name = _text(_field(item, PDFA_PROPERTY, "name"))
            kind = _text(_field(item, PDFA_PROPERTY, "valueType"))
            if name:
                defined.setdefault(uri, {})[name] = kind or ""
    return defined


def _value_type_ok(value, kind: str) -> bool:
    if kind in ARRAY_TYPES or kind.startswith(("bag ", "seq ", "alt ", "Bag ", "Seq ", "Alt ")):
        container = ARRAY_TYPES.get(kind, kind.split()[0].capitalize())
        if isinstance(value, str):
            return False
        arrays = [c for c in value if isinstance(c.tag, str)]
        if len(arrays) != 1 or arrays[0].tag != f"{{{RDF}}}{container}":
            return False
        items = arrays[0].findall(f"{{{RDF}}}li")
        if kind == "LangAlt":
            return all(li.get(XML_LANG) for li in items)
        return True
    if kind in SIMPLE_TYPES:
        text = _text(value)
        if text is None:
            return False
        if kind == "Integer":
            return re.fullmatch(r"[+-]?\d+", text.strip()) is not None
        if kind == "Date":
            return re.fullmatch(r"\d{4}(-\d{2}(-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?)?)?)?",
                                text.strip()) is not None
        if kind == "Boolean":
            return text.strip() in ("True", "False")
        if kind == "Real":
            return re.fullmatch(r"[+-]?(\d+\.?\d*|\.\d+)", text.strip()) is not None
        return True
    return True  # structured types: accepted as written


# --- PDF/A-2b: file structure (6.1) ------------------------------------------------------------------

@rule("A 6.1.2-1", "UA 6.1-1")
def _header(doc: Doc):
    first = doc.raw.split(b"\n", 1)[0].split(b"\r", 1)[0]
    if not re.fullmatch(rb"%PDF-1\.[0-7]", first):
        yield f"filhuvudet är {first[:20]!r}"


@rule("A 6.1.2-2")
def _binary_comment(doc: Doc):
    match = re.match(rb"%PDF-1\.\d(?:\r\n|\r|\n)%(....)", doc.raw, re.S)
    if not match or any(b <= 127 for b in match.group(1)):
        yield "andra raden saknar fyra byte över 127"


@rule("A 6.1.3-1")
def _trailer_id(doc: Doc):
    ident = doc.pdf.trailer.get("/ID")
    if ident is None or len(ident) == 0 or not len(bytes(ident[0])):
        yield "trailern saknar /ID"


@rule("A 6.1.3-2")
def _not_encrypted(doc: Doc):
    if "/Encrypt" in doc.pdf.trailer or doc.pdf.is_encrypted:
        yield "filen är krypterad"


@rule("A 6.1.3-3")
def _nothing_after_eof(doc: Doc):
    end = doc.raw.rfind(b"%%EOF")
    if end < 0 or doc.raw[end + 5:] not in (b"", b"\n", b"\r\n", b"\r"):
        yield f"{len(doc.raw) - end - 5} byte efter sista %%EOF"


@rule("A 6.1.4-2")
def _xref_eol(doc: Doc):
    for match in re.finditer(rb"(?:^|[\r\n])xref(.{0,3})", doc.raw, re.S):
        after = match.group(1)
        if not (after.startswith(b"\r\n") or after.startswith(b"\n") or after.startswith(b"\r")) \
                or after.startswith(b"\r\r") or after.startswith(b"\n\n"):
            yield f"xref-nyckelordet vid byte {match.start()} följs inte av ett radslut"
    for match in re.finditer(rb"[\r\n]xref(?:\r\n|\r|\n)(\d+) (\d+)([^\r\n]?)", doc.raw):
        if match.group(3) not in (b"",):
            yield f"xref-avsnittets huvud vid byte {match.start()} följs inte av ett radslut"


def _body_spans(doc: Doc) -> list[tuple[int, int, int, int, int]]:
    """(object number, generation, start, end of 'obj' line, end of 'endobj') of each indirect object."""
    spans = []
    for match in re.finditer(rb"(\d+)(\s+)(\d+)(\s+)obj\b", doc.raw):
        end = doc.raw.find(b"endobj", match.end())
        if end < 0:
            continue
        spans.append((int(match.group(1)), int(match.group(3)), match.start(), match.end(), end))
    return spans


def _outside_streams(doc: Doc) -> bytes:
    """The file with stream data blanked out (so that syntax rules see only objects)."""
    raw = bytearray(doc.raw)
    for match in re.finditer(rb"stream(\r\n|\n|\r)", doc.raw):
        end = doc.raw.find(b"endstream", match.end())
        if end > 0:
            raw[match.end():end] = b" " * (end - match.end())
    return bytes(raw)


@rule("A 6.1.6-1", "A 6.1.6-2")
def _hex_strings(doc: Doc):
    body = _outside_streams(doc)
    # hex strings: < not followed by < and not preceded by <
    for match in re.finditer(rb"(?<![<\\])<(?!<)([^<>]*)>", body):
        content = re.sub(rb"\s", b"", match.group(1))
        if not re.fullmatch(rb"[0-9A-Fa-f]*", content):
            yield f"hexsträng med andra tecken än 0-9 A-F vid byte {match.start()}"
        elif len(content) % 2:
            yield f"hexsträng med udda antal siffror vid byte {match.start()}"
    for stream in doc.streams:
        if stream.get("/Type") == "/XRef":
            continue


@rule("A 6.1.7.1-1", "A 6.1.7.1-2")
def _stream_lengths(doc: Doc):
    for number, generation, start, obj_end, end in _body_spans(doc):
        segment = doc.raw[obj_end:end]
        keyword = re.search(rb">>\s*stream(\r\n|\n|\r)?", segment)
        if keyword is None:
            continue
        if keyword.group(1) in (None, b"\r"):
            yield f"objekt {number}: 'stream' följs inte av CRLF eller LF"
            continue
        data_start = obj_end + keyword.end()
        stop = doc.raw.rfind(b"endstream", data_start, end)
        if stop < 0:
            yield f"objekt {number}: 'endstream' saknas"
            continue
        if doc.raw[stop - 1:stop] not in (b"\n", b"\r"):
            yield f"objekt {number}: 'endstream' föregås inte av ett radslut"
        try:
            obj = doc.pdf.get_object(number, generation)
            declared = int(obj.stream_dict.Length)
        except (pikepdf.PdfError, AttributeError, KeyError, TypeError, ValueError):
            continue
        real = stop - data_start
        eol = 2 if doc.raw[stop - 2:stop] == b"\r\n" else 1
        # before 'endstream' an end of line: CRLF, or LF after data that may itself end with CR
        if declared not in (real, real - eol, real - 1):
            yield f"objekt {number}: /Length {declared}, men strömmen är {real - eol} byte"


@rule("A 6.1.7.1-3")
def _no_external_streams(doc: Doc):
    for stream in doc.streams:
        if any(k in stream.stream_dict for k in ("/F", "/FFilter", "/FDecodeParms")):
            yield f"objekt {stream.objgen[0]}: extern ström (F, FFilter eller FDecodeParms)"


ALLOWED_FILTERS = {"/ASCIIHexDecode", "/ASCII85Decode", "/FlateDecode", "/RunLengthDecode", "/CCITTFaxDecode",
                   "/JBIG2Decode", "/DCTDecode", "/JPXDecode"}


def _filters(value) -> list[str]:
    if value is None:
        return []
    return [str(f) for f in value] if isinstance(value, pikepdf.Array) else [str(value)]


@rule("A 6.1.7.2-1")
def _stream_filters(doc: Doc):
    for stream in doc.streams:
        for name in _filters(stream.stream_dict.get("/Filter")):
            if name == "/Crypt":
                parms = stream.stream_dict.get("/DecodeParms")
                if not (isinstance(parms, pikepdf.Dictionary) and parms.get("/Name") == "/Identity"):
                    yield f"objekt {stream.objgen[0]}: filtret Crypt"
            elif name not in ALLOWED_FILTERS:
                yield f"objekt {stream.objgen[0]}: filtret {name}"


@rule("A 6.1.8-1")
def _names_utf8(doc: Doc):
    body = _outside_streams(doc)
    for match in re.finditer(rb"/([^\s/\[\]<>(){}%]+)", body):
        raw = re.sub(rb"#([0-9A-Fa-f]{2})", lambda m: bytes([int(m.group(1), 16)]), match.group(1))
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError:
            yield f"namnet /{match.group(1)[:40].decode('latin-1')} är inte giltig UTF-8"


@rule("A 6.1.9-1")
def _object_spacing(doc: Doc):
    for match in re.finditer(rb"(\d+)(\s+)(\d+)(\s+)obj\b", doc.raw):
        if match.group(2) != b" " or match.group(4) != b" ":
            yield f"objekt {int(match.group(1))}: fel mellanrum i objekthuvudet"
        before = doc.raw[match.start() - 1:match.start()] if match.start() else b"\n"
        after = doc.raw[match.end():match.end() + 1]
        if before not in (b"\n", b"\r") or after not in (b"\n", b"\r"):
            yield f"objekt {int(match.group(1))}: 'obj' står inte på en egen rad"
    for match in re.finditer(rb"endobj", doc.raw):
        before = doc.raw[match.start() - 1:match.start()]
        after = doc.raw[match.end():match.end() + 1]
        if before not in (b"\n", b"\r") or after not in (b"\n", b"\r", b""):
            yield f"'endobj' vid byte {match.start()} står inte på en egen rad"


INLINE_FILTERS = {"/ASCIIHexDecode", "/ASCII85Decode", "/FlateDecode", "/RunLengthDecode", "/CCITTFaxDecode",
                  "/DCTDecode", "/AHx", "/A85", "/Fl", "/RL", "/CCF", "/DCT"}


@rule("A 6.1.10-1")
def _inline_filters(doc: Doc):
    for image, where in doc.interpretation.inline_images:
        for name in _filters(image.obj.get("/Filter", image.obj.get("/F"))):
            if name not in INLINE_FILTERS:
                yield f"{where}: inbäddad bild med filtret {name}"


@rule("A 6.1.12-1", "A 6.1.12-2")
def _permissions(doc: Doc):
    perms = doc.root.get("/Perms")
    if perms is not None:
        for key in perms.keys():
            if key not in ("/UR3", "/DocMDP"):
                yield f"/Perms innehåller {key}"
        if "/DocMDP" in perms:
            yield f"/Perms med DocMDP (signaturer) {NOT_MODELLED}"


@rule("A 6.1.13-1", "A 6.1.13-2", "A 6.1.13-3", "A 6.1.13-4", "A 6.1.13-5")
def _limits(doc: Doc):
    def check(value, where):
        if isinstance(value, pikepdf.Name):
            if len(str(value)) - 1 > 127:
                yield f"{where}: namn längre än 127 byte"
        elif isinstance(value, pikepdf.String):
            if len(bytes(value)) >= 32768:
                yield f"{where}: sträng längre än 32767 byte"
        elif isinstance(value, bool):
            return
        elif isinstance(value, int):
            if not -2147483648 <= value <= 2147483647:
                yield f"{where}: heltal utanför 32 bitar"
        elif isinstance(value, (float, decimal.Decimal)):
            real = float(value)
            if abs(real) > 3.403e38:
                yield f"{where}: reellt tal för stort"
            if real != 0.0 and abs(real) < 1.175e-38:
                yield f"{where}: reellt tal för nära noll"
    for value, where in doc.values():
        yield from check(value, where)
    for page_number, page in enumerate(doc.pages, start=1):
        for instruction in pikepdf.parse_content_stream(page):
            for operand in getattr(instruction, "operands", []):
                yield from check(operand, f"sidan {page_number}")


@rule("A 6.1.13-7")
def _indirect_count(doc: Doc):
    if len(doc.objects) > 8388607:
        yield f"{len(doc.objects)} indirekta objekt"


@rule("A 6.1.13-8")
def _q_nesting(doc: Doc):
    if doc.interpretation.max_q_depth > 28:
        yield f"q nästlat {doc.interpretation.max_q_depth} nivåer"


def _color_spaces(doc: Doc) -> Iterator[tuple[object, str]]:
    """Yield every colour space array or name found in resources and images."""
    for value, where in doc.values():
        if isinstance(value, pikepdf.Dictionary) and "/ColorSpace" in value:
            spaces = value.ColorSpace
            if isinstance(spaces, pikepdf.Dictionary):
                for space in spaces.values():
                    yield space, where
        elif isinstance(value, pikepdf.Stream) and "/ColorSpace" in value.stream_dict:
            yield value.stream_dict.ColorSpace, where


def _family(space) -> str:
    if isinstance(space, pikepdf.Array) and len(space):
        return str(space[0])
    return str(space)


@rule("A 6.1.13-9", "A 6.2.4.4-1", "A 6.2.4.4-2")
def _devicen(doc: Doc):
    for space, where in _color_spaces(doc):
        if _family(space) in ("/DeviceN", "/Separation", "/NChannel"):
            yield f"{where}: färgrymden {_family(space)} {NOT_MODELLED}"


@rule("A 6.1.13-10", "A 6.2.11.3.3-2", "UA 7.21.3.3-2")
def _embedded_cmaps(doc: Doc):
    for font in doc.fonts:
        encoding = font.get("/Encoding")
        if font.get("/Subtype") == "/Type0" and isinstance(encoding, pikepdf.Stream):
            yield f"typsnittet {font.get('/BaseFont')}: inbäddad CMap {NOT_MODELLED}"


@rule("A 6.1.13-11")
def _bbox(doc: Doc):
    for number, page in enumerate(doc.pages, start=1):
        for key in ("/MediaBox", "/CropBox", "/BleedBox", "/TrimBox", "/ArtBox"):
            box = page.get(key)
            if box is None:
                continue
            width, height = abs(float(box[2]) - float(box[0])), abs(float(box[3]) - float(box[1]))
            if not (3 <= width <= 14400 and 3 <= height <= 14400):
                yield f"sidan {number}: {key} {width:.0f} × {height:.0f}"


# --- PDF/A-2b: graphics (6.2) ---------------------------------------------------------------------

@rule("A 6.2.2-1")
def _operators(doc: Doc):
    for op in sorted(doc.interpretation.operators - OPERATORS):
        yield f"okänd operator {op}"


@rule("A 6.2.2-2")
def _own_resources(doc: Doc):
    yield from doc.interpretation.missing_resources


def _icc_header(stream) -> tuple[str, str, float]:
    data = stream.read_bytes()[:128]
    major, minor = data[8], data[9] >> 4
    return data[12:16].decode("latin-1"), data[16:20].decode("latin-1"), major + minor / 10


@rule("A 6.2.3-1", "A 6.2.3-2", "A 6.2.3-3")
def _output_intents(doc: Doc):
    intents = list(doc.root.get("/OutputIntents", []))
    profiles = {intent.DestOutputProfile.objgen for intent in intents if "/DestOutputProfile" in intent}
    if len(profiles) > 1:
        yield "flera OutputIntents med olika profiler"
    for intent in intents:
        if intent.get("/S") == "/GTS_PDFX" and "/DestOutputProfileRef" in intent:
            yield "GTS_PDFX med DestOutputProfileRef"
        if "/DestOutputProfile" in intent:
            device, space, version = _icc_header(intent.DestOutputProfile)
            if device not in ("prtr", "mntr") or space not in ("RGB ", "CMYK", "GRAY") or version >= 5.0:
                yield f"utdataprofilen är {device!r} {space!r} version {version}"


def _output_space(doc: Doc) -> str | None:
    for intent in doc.root.get("/OutputIntents", []):
        if intent.get("/S") == "/GTS_PDFA1" and "/DestOutputProfile" in intent:
            return _icc_header(intent.DestOutputProfile)[1]
    return None


@rule("A 6.2.4.2-1", "A 6.2.4.2-2")
def _icc_based(doc: Doc):
    for space, where in _color_spaces(doc):
        if _family(space) == "/ICCBased":
            device, colour, version = _icc_header(space[1])
            if device not in ("prtr", "mntr", "scnr", "spac") or colour not in ("RGB ", "CMYK", "GRAY", "Lab ") \
                    or version >= 5.0:
                yield f"{where}: ICC-profil {device!r} {colour!r} version {version}"
            if colour == "CMYK":
                yield f"{where}: ICCBased CMYK (övertryck) {NOT_MODELLED}"


@rule("A 6.2.4.3-2", "A 6.2.4.3-3", "A 6.2.4.3-4")
def _device_spaces(doc: Doc):
    intent = _output_space(doc)
    used = dict(doc.interpretation.device_spaces)
    for space, where in _color_spaces(doc):
        if str(space) in ("/DeviceRGB", "/DeviceCMYK", "/DeviceGray"):
            used.setdefault(str(space), []).append(where)
    for space, places in used.items():
        if space == "/DeviceRGB" and intent != "RGB ":
            yield f"{places[0]}: DeviceRGB utan RGB-utdataprofil"
        if space == "/DeviceCMYK" and intent != "CMYK":
            yield f"{places[0]}: DeviceCMYK utan CMYK-utdataprofil"
        if space == "/DeviceGray" and intent is None:
            yield f"{places[0]}: DeviceGray utan utdataprofil"


@rule("A 6.2.5-1", "A 6.2.5-2", "A 6.2.5-3", "A 6.2.5-4", "A 6.2.5-5", "A 6.2.5-6")
def _extgstate(doc: Doc):
    for value, where in doc.values():
        if not isinstance(value, pikepdf.Dictionary):
            continue
        if value.get("/Type") == "/ExtGState" or any(k in value for k in ("/TR", "/TR2", "/HTP", "/HT")) \
                and ("/LW" in value or "/ca" in value or "/CA" in value or value.get("/Type") == "/ExtGState"):
            if "/TR" in value:
                yield f"{where}: ExtGState med TR"
            if "/TR2" in value and value.TR2 != "/Default":
                yield f"{where}: ExtGState med TR2"
            if "/HTP" in value:
                yield f"{where}: ExtGState med HTP"
            if "/HT" in value and value.HT != "/Default":
                yield f"{where}: rastrering (HT) {NOT_MODELLED}"
        if value.get("/Type") == "/Halftone":
            yield f"{where}: rastreringsordbok {NOT_MODELLED}"


INTENTS = {"/RelativeColorimetric", "/AbsoluteColorimetric", "/Perceptual", "/Saturation"}


@rule("A 6.2.6-1")
def _rendering_intents(doc: Doc):
    for value, where in doc.values():
        d = value.stream_dict if isinstance(value, pikepdf.Stream) else value
        if isinstance(d, pikepdf.Dictionary):
            for key in ("/RI", "/Intent"):
                if key in d and str(d[key]) not in INTENTS and d.get("/Type") != "/OutputIntent":
                    yield f"{where}: återgivningsavsikt {d[key]}"
    for page_number, page in enumerate(doc.pages, start=1):
        for instruction in pikepdf.parse_content_stream(page):
            if str(getattr(instruction, "operator", "")) == "ri" and str(instruction.operands[0]) not in INTENTS:
                yield f"sidan {page_number}: återgivningsavsikt {instruction.operands[0]}"


@rule("A 6.2.8-1", "A 6.2.8-2", "A 6.2.8-3", "A 6.2.8-4", "A 6.2.8-5")
def _images(doc: Doc):
    for stream in doc.streams:
        d = stream.stream_dict
        if d.get("/Subtype") != "/Image":
            continue
        where = f"bild, objekt {stream.objgen[0]}"
        if "/Alternates" in d:
            yield f"{where}: Alternates"
        if "/OPI" in d:
            yield f"{where}: OPI"
        if bool(d.get("/Interpolate", False)):
            yield f"{where}: Interpolate true"
        mask = bool(d.get("/ImageMask", False))
        bpc = d.get("/BitsPerComponent")
        if not mask and bpc is not None and int(bpc) not in (1, 2, 4, 8, 16):
            yield f"{where}: BitsPerComponent {bpc}"
        if mask and bpc is not None and int(bpc) != 1:
            yield f"{where}: bildmask med BitsPerComponent {bpc}"
    for image, where in doc.interpretation.inline_images:
        if bool(image.obj.get("/Interpolate", image.obj.get("/I", False))):
            yield f"{where}: inbäddad bild med Interpolate"


@rule("A 6.2.8.3-1", "A 6.2.8.3-2", "A 6.2.8.3-3", "A 6.2.8.3-4", "A 6.2.8.3-5")
def _jpeg2000(doc: Doc):
    for stream in doc.streams:
        if "/JPXDecode" in _filters(stream.stream_dict.get("/Filter")):
            yield f"JPEG 2000-bild, objekt {stream.objgen[0]}, {NOT_MODELLED}"


@rule("A 6.2.9-1", "A 6.2.9-2", "A 6.2.9-3", "UA 7.20-1")
def _forms_postscript(doc: Doc):
    for stream in doc.streams:
        d = stream.stream_dict
        where = f"XObject, objekt {stream.objgen[0]}"
        if d.get("/Subtype") == "/PS" or d.get("/Subtype2") == "/PS" or "/PS" in d:
            yield f"{where}: PostScript"
        if d.get("/Subtype") == "/Form":
            if "/OPI" in d:
                yield f"{where}: OPI"
            if "/Ref" in d:
                yield f"{where}: referens-XObject (Ref)"


BLEND_MODES = {"/Normal", "/Compatible", "/Multiply", "/Screen", "/Overlay", "/Darken", "/Lighten", "/ColorDodge",
               "/ColorBurn", "/HardLight", "/SoftLight", "/Difference", "/Exclusion", "/Hue", "/Saturation",
               "/Color", "/Luminosity"}


@rule("A 6.2.10-1", "A 6.2.10-2")
def _transparency(doc: Doc):
    for value, where in doc.values():
        if isinstance(value, pikepdf.Dictionary) and "/BM" in value:
            modes = value.BM if isinstance(value.BM, pikepdf.Array) else [value.BM]
            for mode in modes:
                if str(mode) not in BLEND_MODES:
                    yield f"{where}: blandningsläget {mode}"
    if _output_space(doc) is None:
        for number, page in enumerate(doc.pages, start=1):
            group = page.get("/Group")
            if group is None or "/CS" not in group:
                yield f"sidan {number}: genomskinlighet utan utdataprofil {NOT_MODELLED}"


# --- fonts (6.2.11 and 7.21) --------------------------------------------------------------------

FONT_SUBTYPES = {"/Type1", "/MMType1", "/TrueType", "/Type3", "/Type0", "/CIDFontType0", "/CIDFontType2"}
STANDARD_14 = {"/Times-Roman", "/Times-Bold", "/Times-Italic", "/Times-BoldItalic", "/Helvetica", "/Helvetica-Bold",
               "/Helvetica-Oblique", "/Helvetica-BoldOblique", "/Courier", "/Courier-Bold", "/Courier-Oblique",
               "/Courier-BoldOblique", "/Symbol", "/ZapfDingbats"}


@rule("A 6.2.11.2-1", "A 6.2.11.2-2", "A 6.2.11.2-3")
def _font_dictionaries(doc: Doc):
    for value in doc.dictionaries():
        if value.get("/Type") == "/Font" or (value.get("/Subtype") in FONT_SUBTYPES and "/BaseFont" in value):
            name = value.get("/BaseFont", value.get("/Name"))
            if value.get("/Type") != "/Font":
                yield f"typsnittet {name}: /Type är inte /Font"
            if value.get("/Subtype") not in FONT_SUBTYPES:
                yield f"typsnittet {name}: /Subtype {value.get('/Subtype')}"
            if value.get("/Subtype") != "/Type3" and "/BaseFont" not in value:
                yield "ett typsnitt saknar /BaseFont"


@rule("A 6.2.11.2-4", "A 6.2.11.2-5", "A 6.2.11.2-6")
def _simple_font_widths(doc: Doc):
    for font in doc.fonts:
        if font.get("/Subtype") in ("/Type1", "/MMType1", "/TrueType", "/Type3"):
            standard = font.get("/BaseFont") in STANDARD_14 and font.get("/Subtype") == "/Type1" \
                and "/FontDescriptor" not in font
            if standard:
                continue
            for key in ("/FirstChar", "/LastChar"):
                if key not in font:
                    yield f"typsnittet {font.get('/BaseFont')}: {key} saknas"
            if "/FirstChar" in font and "/LastChar" in font:
                expected = int(font.LastChar) - int(font.FirstChar) + 1
                if "/Widths" not in font or len(font.Widths) != expected:
                    yield f"typsnittet {font.get('/BaseFont')}: /Widths har fel längd"


@rule("A 6.2.11.2-7")
def _font_file_subtypes(doc: Doc):
    for font in doc.fonts:
        info = doc.font_info_for(font)
        if info.descriptor is not None and "/FontFile3" in info.descriptor:
            subtype = info.descriptor.FontFile3.get("/Subtype")
            if subtype not in ("/Type1C", "/CIDFontType0C", "/OpenType"):
                yield f"typsnittet {info.name}: FontFile3 av typen {subtype}"


@rule("A 6.2.11.3.1-1", "UA 7.21.3.1-1")
def _cid_system_info(doc: Doc):
    for font in doc.fonts:
        if font.get("/Subtype") != "/Type0":
            continue
        if font.get("/Encoding") not in ("/Identity-H", "/Identity-V"):
            yield f"typsnittet {font.get('/BaseFont')}: kodningen {font.get('/Encoding')} {NOT_MODELLED}"


@rule("A 6.2.11.3.2-1", "UA 7.21.3.2-1")
def _cid_to_gid(doc: Doc):
    for font in doc.fonts:
        if font.get("/Subtype") == "/Type0":
            cid = font.DescendantFonts[0]
            if cid.get("/Subtype") == "/CIDFontType2" and "/CIDToGIDMap" not in cid \
                    and "/FontFile2" in cid.get("/FontDescriptor", {}):
                yield f"typsnittet {font.get('/BaseFont')}: CIDToGIDMap saknas"


PREDEFINED_CMAPS = {"/Identity-H", "/Identity-V"}


@rule("A 6.2.11.3.3-1", "A 6.2.11.3.3-3", "UA 7.21.3.3-1", "UA 7.21.3.3-3")
def _cmaps(doc: Doc):
    for font in doc.fonts:
        if font.get("/Subtype") == "/Type0":
            encoding = font.get("/Encoding")
            if isinstance(encoding, pikepdf.Name) and str(encoding) not in PREDEFINED_CMAPS:
                yield f"typsnittet {font.get('/BaseFont')}: CMap {encoding} {NOT_MODELLED}"


@rule("A 6.2.11.4.1-1", "UA 7.21.4.1-1")
def _fonts_embedded(doc: Doc):
    for font in doc.fonts:
        info = doc.font_info_for(font)
        if info.subtype in ("/Type3", "/Type0") and info.subtype == "/Type3":
            continue
        if info.program_kind is None:
            used_visibly = any(u[0] is info and u[2] != 3 for u in doc.glyph_uses)
            if used_visibly or info.subtype != "/Type0":
                yield f"typsnittet {info.name} är inte inbäddat"


def _modelled(info: FontInfo) -> bool:
    return info.program_kind == "TrueType"


@rule("A 6.2.11.4.1-2", "UA 7.21.4.1-2")
def _glyphs_present(doc: Doc):
    for info, code, mode, where in doc.glyph_uses:
        if mode == 3:
            continue
        if not _modelled(info):
            if info.subtype != "/Type3":
                yield f"typsnittet {info.name} ({info.program_kind}) {NOT_MODELLED}"
            continue
        gid = info.gid(code)
        if gid is None or gid >= info.glyph_count():
            yield f"{where}: typsnittet {info.name} saknar glyfen för kod {code}"


@rule("A 6.2.11.4.2-1", "A 6.2.11.4.2-2", "UA 7.21.4.2-1", "UA 7.21.4.2-2")
def _charset_cidset(doc: Doc):
    for font in doc.fonts:
        info = doc.font_info_for(font)
        if info.descriptor is None:
            continue
        if "/CharSet" in info.descriptor and info.subtype in ("/Type1", "/MMType1"):
            yield f"typsnittet {info.name}: CharSet {NOT_MODELLED}"
        if "/CIDSet" in info.descriptor:
            yield f"typsnittet {info.name}: CIDSet {NOT_MODELLED}"


@rule("A 6.2.11.5-1", "UA 7.21.5-1")
def _glyph_widths(doc: Doc):
    for info, code, mode, where in doc.glyph_uses:
        if mode == 3 or not _modelled(info):
            continue
        gid = info.gid(code)
        if gid is None or gid >= info.glyph_count():
            continue
        declared = info.dictionary_width(code)
        actual = info.program_width(gid)
        if declared is not None and abs(declared - actual) > 1:
            yield f"{where}: typsnittet {info.name}, kod {code}: bredden {declared:g} i ordboken, {actual:g} i typsnittet"


@rule("A 6.2.11.6-1", "A 6.2.11.6-4", "UA 7.21.6-1", "UA 7.21.6-4")
def _truetype_cmaps(doc: Doc):
    for font in doc.fonts:
        info = doc.font_info_for(font)
        if info.program_kind != "TrueType" or info.subtype == "/Type0":
            continue
        tables = [(t.platformID, t.platEncID) for t in info.truetype["cmap"].tables]
        if info.symbolic:
            if len(tables) != 1 and (3, 0) not in tables:
                yield f"typsnittet {info.name}: symboliskt med {len(tables)} cmap-tabeller och ingen (3,0)"
        elif not tables or ((3, 0) in tables and len(tables) == 1):
            yield f"typsnittet {info.name}: saknar användbar cmap-tabell"


@rule("A 6.2.11.6-2", "A 6.2.11.6-3", "UA 7.21.6-2", "UA 7.21.6-3")
def _truetype_encodings(doc: Doc):
    for font in doc.fonts:
        if font.get("/Subtype") != "/TrueType":
            continue
        info = doc.font_info_for(font)
        encoding = font.get("/Encoding")
        if info.symbolic:
            if encoding is not None:
                yield f"typsnittet {info.name}: symboliskt men med /Encoding"
        else:
            base = encoding.get("/BaseEncoding") if isinstance(encoding, pikepdf.Dictionary) else encoding
            if str(base) not in ("/MacRomanEncoding", "/WinAnsiEncoding"):
                yield f"typsnittet {info.name}: kodningen {base}"
            if isinstance(encoding, pikepdf.Dictionary) and "/Differences" in encoding:
                yield f"typsnittet {info.name}: Differences {NOT_MODELLED}"


@rule("A 6.2.11.8-1", "UA 7.21.8-1")
def _notdef(doc: Doc):
    for info, code, mode, where in doc.glyph_uses:
        if not _modelled(info):
            continue
        gid = info.gid(code)
        if gid == 0 or (gid is not None and gid < info.glyph_count() and info.glyph_name(gid) == ".notdef"):
            yield f"{where}: typsnittet {info.name}, kod {code} visar .notdef"


@rule("UA 7.21.7-1", "UA 7.21.7-2")
def _to_unicode(doc: Doc):
    for info, code, mode, where in doc.glyph_uses:
        text = info.to_unicode.get(code)
        if text is None:
            if info.subtype in ("/TrueType",) and not info.symbolic and font_encoding_known(info):
                continue
            yield f"{where}: typsnittet {info.name}, kod {code} saknar Unicode (ToUnicode)"
        elif any(ch in text for ch in ("\u0000", "\ufffe", "\ufeff")):
            yield f"{where}: typsnittet {info.name}, kod {code} har Unicode {text!r}"


def font_encoding_known(info: FontInfo) -> bool:
    """A non-symbolic simple font with a standard encoding maps codes to Unicode without ToUnicode."""
    encoding = info.font.get("/Encoding")
    return isinstance(encoding, pikepdf.Name) and str(encoding) in ("/WinAnsiEncoding", "/MacRomanEncoding")


# --- annotations, forms, actions (6.3–6.5) --------------------------------------------------------

ANNOTATIONS = {"/Text", "/Link", "/FreeText", "/Line", "/Square", "/Circle", "/Polygon", "/PolyLine", "/Highlight",
               "/Underline", "/Squiggly", "/StrikeOut", "/Stamp", "/Caret", "/Ink", "/Popup", "/FileAttachment",
               "/Widget", "/PrinterMark", "/TrapNet", "/Watermark", "/Redact"}


@rule("A 6.3.1-1")
def _annotation_types(doc: Doc):
    for annot, page in doc.annotations:
        if annot.get("/Subtype") not in ANNOTATIONS:
            yield f"sidan {page}: annoteringen {annot.get('/Subtype')}"


@rule("A 6.3.2-1", "A 6.3.2-2")
def _annotation_flags(doc: Doc):
    for annot, page in doc.annotations:
        if annot.get("/Subtype") == "/Popup":
            continue
        if "/F" not in annot:
            yield f"sidan {page}: annoteringen {annot.get('/Subtype')} saknar /F"
            continue
        flags = int(annot.F)
        if flags & 1 or flags & 2 or not flags & 4 or flags & 32 or flags & 256:
            yield f"sidan {page}: annoteringen {annot.get('/Subtype')} har flaggorna {flags}"


@rule("A 6.3.3-1", "A 6.3.3-2", "A 6.3.3-3", "A 6.3.3-4")
def _appearances(doc: Doc):
    for annot, page in doc.annotations:
        subtype = annot.get("/Subtype")
        rect = annot.get("/Rect", [0, 0, 0, 0])
        width, height = abs(float(rect[2]) - float(rect[0])), abs(float(rect[3]) - float(rect[1]))
        ap = annot.get("/AP")
        if ap is None:
            if (width or height) and subtype not in ("/Popup", "/Link"):
                yield f"sidan {page}: annoteringen {subtype} saknar utseende (AP)"
            continue
        keys = set(ap.keys())
        if keys != {"/N"}:
            yield f"sidan {page}: annoteringen {subtype} har AP-nycklarna {sorted(keys)}"
        normal = ap.get("/N")
        if subtype == "/Widget" and annot.get("/FT") == "/Btn":
            if not isinstance(normal, pikepdf.Dictionary) or isinstance(normal, pikepdf.Stream):
                yield f"sidan {page}: knappens AP N är ingen ordbok"
        elif not isinstance(normal, pikepdf.Stream):
            yield f"sidan {page}: annoteringen {subtype}: AP N är ingen ström"


@rule("A 6.4.1-1", "A 6.4.1-2", "A 6.4.1-3", "A 6.4.2-1", "A 6.4.2-2", "UA 7.15-1", "UA 7.18.4-1", "UA 7.18.4-2",
      "UA 7.18.1-3", "UA 7.18.6.2-1")
def _forms(doc: Doc):
    if "/AcroForm" in doc.root:
        yield f"formulär (AcroForm) {NOT_MODELLED}"
    for annot, page in doc.annotations:
        if annot.get("/Subtype") in ("/Widget", "/Screen", "/Movie", "/Sound"):
            yield f"sidan {page}: annoteringen {annot.get('/Subtype')} {NOT_MODELLED}"
    if "/NeedsRendering" in doc.root and bool(doc.root.NeedsRendering):
        yield "NeedsRendering är true"


@rule("A 6.4.3-1", "A 6.4.3-2", "A 6.4.3-3")
def _signatures(doc: Doc):
    for value in doc.dictionaries("/Sig"):
        yield f"signatur {NOT_MODELLED}"
        break


ACTIONS = {"/GoTo", "/GoToR", "/GoToE", "/Thread", "/URI", "/Named", "/SubmitForm"}
NAMED = {"/NextPage", "/PrevPage", "/FirstPage", "/LastPage"}


def _actions(doc: Doc) -> Iterator[tuple[object, str]]:
    for value, where in doc.values():
        if isinstance(value, pikepdf.Dictionary) and "/S" in value and (value.get("/Type") == "/Action"
                                                                          or "/D" in value or "/URI" in value
                                                                          or "/N" in value or "/JS" in value
                                                                          or value.get("/S") in ACTIONS
                                                                          or str(value.get("/S")) in (
                                                                              "/Launch", "/JavaScript", "/Sound",
                                                                              "/Movie", "/ResetForm", "/ImportData",
                                                                              "/Hide", "/SetOCGState", "/Rendition",
                                                                              "/Trans", "/GoTo3DView", "/SetState",
                                                                              "/NOP")):
            if value.get("/Type") in ("/StructElem",) or "/P" in value and "/Pg" in value:
                continue
            yield value, where


@rule("A 6.5.1-1", "A 6.5.1-2")
def _action_types(doc: Doc):
    for action, where in _actions(doc):
        if value_is_struct(action):
            continue
        if str(action.S) not in ACTIONS:
            yield f"{where}: åtgärden {action.S}"
        elif action.S == "/Named" and str(action.get("/N")) not in NAMED:
            yield f"{where}: namngiven åtgärd {action.get('/N')}"


def value_is_struct(value) -> bool:
    return value.get("/Type") == "/StructElem" or ("/S" in value and "/K" in value and "/P" in value)


@rule("A 6.5.2-1", "A 6.5.2-2")
def _additional_actions(doc: Doc):
    if "/AA" in doc.root:
        yield "katalogen har /AA"
    for number, page in enumerate(doc.pages, start=1):
        if "/AA" in page:
            yield f"sidan {number} har /AA"


# --- metadata (6.6) ---------------------------------------------------------------------------------

@rule("A 6.6.2.1-1", "UA 7.1-8")
def _has_metadata(doc: Doc):
    if doc.xmp_bytes is None:
        yield "katalogen saknar /Metadata"


@rule("A 6.6.2.1-2", "A 6.6.2.1-3")
def _xpacket_header(doc: Doc):
    if doc.xmp_bytes is None:
        return
    header = re.search(rb"<\?xpacket begin=[^?]*\?>", doc.xmp_bytes)
    if header and b"bytes=" in header.group(0):
        yield "xpacket-huvudet har attributet bytes"
    if header and b"encoding=" in header.group(0):
        yield "xpacket-huvudet har attributet encoding"


@rule("A 6.6.2.1-4", "A 6.6.2.1-5")
def _xmp_serialisation(doc: Doc):
    if doc.xmp_bytes is None:
        return
    try:
        doc.xmp_bytes.decode("utf-8")
    except UnicodeDecodeError:
        yield "XMP är inte UTF-8"
    if doc.xmp is None:
        yield "XMP är inte välformad XML"


@rule("A 6.6.2.3.1-1")
def _xmp_properties_defined(doc: Doc):
    defined = _defined_properties(doc)
    for ns, name, _ in doc.xmp_properties:
        if ns == PDFA_EXTENSION:
            continue
        if name in PREDEFINED.get(ns, {}) or name in defined.get(ns, {}):
            continue
        yield f"XMP-egenskapen {name} ({ns}) är varken fördefinierad eller beskriven i ett tilläggsschema"


@rule("A 6.6.2.3.1-2")
def _xmp_value_types(doc: Doc):
    defined = _defined_properties(doc)
    for ns, name, value in doc.xmp_properties:
        kind = PREDEFINED.get(ns, {}).get(name) or defined.get(ns, {}).get(name)
        if kind and not _value_type_ok(value, kind):
            yield f"XMP-egenskapen {name} ({ns}) har inte värdetypen {kind}"


@rule("A 6.6.2.3.2-1", "A 6.6.2.3.3-1", "A 6.6.2.3.3-2", "A 6.6.2.3.3-3", "A 6.6.2.3.3-4", "A 6.6.2.3.3-5",
      "A 6.6.2.3.3-6", "A 6.6.2.3.3-7", "A 6.6.2.3.3-8", "A 6.6.2.3.3-9", "A 6.6.2.3.3-10", "A 6.6.2.3.3-11",
      "A 6.6.2.3.3-12", "A 6.6.2.3.3-13", "A 6.6.2.3.3-14", "A 6.6.2.3.3-15", "A 6.6.2.3.3-16",
      "A 6.6.2.3.3-17", "A 6.6.2.3.3-18")
def _extension_schema_validity(doc: Doc):
    for ns, name, value in doc.xmp_properties:
        if ns == PDFA_EXTENSION:
            if name != "schemas" or isinstance(value, str) or value.find(f"{{{RDF}}}Bag") is None:
                yield "pdfaExtension:schemas är ingen Bag"
    for li in _extension_schemas(doc):
        allowed = {(PDFA_SCHEMA, n) for n in ("schema", "namespaceURI", "prefix", "property", "valueType")}
        for field_ in _struct_fields(li):
            if field_ not in allowed:
                yield f"tilläggsschemat har det okända fältet {field_[1]} ({field_[0]})"
        for key in ("schema", "namespaceURI", "prefix"):
            if _text(_field(li, PDFA_SCHEMA, key)) in (None, ""):
                yield f"tilläggsschemat saknar pdfaSchema:{key}"
        for key, container, item_ns, fields in (
                ("property", "Seq", PDFA_PROPERTY, ("name", "valueType", "category", "description")),
                ("valueType", "Seq", PDFA_TYPE, ("type", "namespaceURI", "prefix", "description", "field"))):
            value = _field(li, PDFA_SCHEMA, key)
            if value is None:
                continue
            seq = value.find(f"{{{RDF}}}{container}") if isinstance(value, etree._Element) else None
            if seq is None:
                yield f"pdfaSchema:{key} är ingen {container}"
                continue
            for item in seq.findall(f"{{{RDF}}}li"):
                for field_ in _struct_fields(item):
                    if field_[0] != item_ns or field_[1] not in fields:
                        yield f"pdfaSchema:{key}: okänt fält {field_[1]} ({field_[0]})"
                required = fields[:4]
                for name in required:
                    if _text(_field(item, item_ns, name)) in (None, ""):
                        yield f"pdfaSchema:{key} saknar {name}"
                if key == "property":
                    category = _text(_field(item, item_ns, "category"))
                    if category not in ("internal", "external"):
                        yield f"pdfaProperty:category är {category!r}"
                    kind = _text(_field(item, item_ns, "valueType")) or ""
                    if kind not in SIMPLE_TYPES | set(ARRAY_TYPES) and not kind.split(" ")[0] in (
                            "bag", "seq", "alt", "Bag", "Seq", "Alt") and not _custom_type_defined(li, kind):
                        yield f"pdfaProperty:valueType {kind!r} är inte definierad"


def _custom_type_defined(li, kind: str) -> bool:
    value = _field(li, PDFA_SCHEMA, "valueType")
    if not isinstance(value, etree._Element):
        return False
    return any(_text(_field(item, PDFA_TYPE, "type")) == kind for item in value.iter(f"{{{RDF}}}li"))


def _identification(doc: Doc, namespace: str) -> dict[str, tuple[str | None, str]]:
    """name → (prefix used, value) of the identification properties in `namespace`."""
    found = {}
    if doc.xmp is None:
        return found
    for element in doc.xmp.iter():
        if not isinstance(element.tag, str):
            continue
        if etree.QName(element).namespace == namespace:
            found[etree.QName(element).localname] = (element.prefix, (element.text or "").strip())
        for name, value in element.attrib.items():
            if etree.QName(name).namespace == namespace:
                prefix = next((p for p, u in element.nsmap.items() if u == namespace), None)
                found[etree.QName(name).localname] = (prefix, value.strip())
    return found


@rule("A 6.6.4-1", "A 6.6.4-2", "A 6.6.4-3", "A 6.6.4-4", "A 6.6.4-5", "A 6.6.4-6", "A 6.6.4-7")
def _pdfa_identification(doc: Doc):
    ident = _identification(doc, PDFAID)
    if "part" not in ident:
        yield "XMP saknar pdfaid:part"
        return
    if ident["part"][1] != "2":
        yield f"pdfaid:part är {ident['part'][1]}"
    if ident.get("conformance", (None, ""))[1] not in ("A", "B", "U"):
        yield f"pdfaid:conformance är {ident.get('conformance', (None, ''))[1]!r}"
    for name, (prefix, _) in ident.items():
        if prefix not in (None, "pdfaid"):
            yield f"pdfaid:{name} har prefixet {prefix}"


@rule("UA 5-1", "UA 5-2", "UA 5-3", "UA 5-4", "UA 5-5")
def _pdfua_identification(doc: Doc):
    ident = _identification(doc, PDFUAID)
    if "part" not in ident:
        yield "XMP saknar pdfuaid:part"
        return
    if ident["part"][1] != "1":
        yield f"pdfuaid:part är {ident['part'][1]}"
    for name, (prefix, _) in ident.items():
        if prefix not in (None, "pdfuaid"):
            yield f"pdfuaid:{name} har prefixet {prefix}"


@rule("A 6.8-2", "A 6.8-5", "UA 7.11-1")
def _embedded_files(doc: Doc):
    for value in doc.dictionaries("/Filespec"):
        if "/EF" in value:
            yield f"inbäddad fil {NOT_MODELLED}"
    names = doc.root.get("/Names")
    if names is not None and "/EmbeddedFiles" in names:
        yield f"inbäddade filer {NOT_MODELLED}"


@rule("A 6.9-1", "A 6.9-2", "A 6.9-3", "A 6.9-4", "UA 7.10-1", "UA 7.10-2")
def _optional_content(doc: Doc):
    properties = doc.root.get("/OCProperties")
    if properties is None:
        return
    configs = [properties.get("/D")] + list(properties.get("/Configs", []))
    names = []
    for config in configs:
        if config is None:
            continue
        name = config.get("/Name")
        if name is None or not str(name):
            yield "en konfiguration för valfritt innehåll saknar /Name"
        names.append(str(name))
        if "/AS" in config:
            yield "en konfiguration för valfritt innehåll har /AS"
        order = {o.objgen for o in _flatten(config.get("/Order", []))}
        for group in properties.get("/OCGs", []):
            if group.objgen not in order:
                yield "en grupp för valfritt innehåll saknas i /Order"
    if len(names) != len(set(names)):
        yield "två konfigurationer för valfritt innehåll har samma namn"


def _flatten(items) -> list:
    out = []
    for item in items:
        if isinstance(item, pikepdf.Array):
            out += _flatten(item)
        elif isinstance(item, pikepdf.Dictionary):
            out.append(item)
    return out


@rule("A 6.10-1", "A 6.10-2")
def _presentations(doc: Doc):
    names = doc.root.get("/Names")
    if names is not None and "/AlternatePresentations" in names:
        yield "katalogen har AlternatePresentations"
    for number, page in enumerate(doc.pages, start=1):
        if "/PresSteps" in page:
            yield f"sidan {number} har PresSteps"


@rule("A 6.11-1")
def _requirements(doc: Doc):
    if "/Requirements" in doc.root:
        yield "katalogen har /Requirements"


# --- PDF/UA-1: tagged content (7.1) -------------------------------------------------------------

@rule("UA 6.2-1")
def _marked(doc: Doc):
    mark = doc.root.get("/MarkInfo")
    if mark is None or not bool(mark.get("/Marked", False)):
        yield "MarkInfo /Marked är inte true"


@rule("UA 7.1-1")
def _artifact_not_tagged(doc: Doc):
    for painting in doc.interpretation.paintings:
        tags = painting.context.tags
        for i, (tag, _) in enumerate(tags):
            if tag == "/Artifact" and any(mcid is not None for _, mcid in tags[:i]):
                yield f"{painting.where}: ett Artifact ligger inuti taggat innehåll"
                break


@rule("UA 7.1-2")
def _tagged_not_in_artifact(doc: Doc):
    for painting in doc.interpretation.paintings:
        tags = painting.context.tags
        for i, (tag, mcid) in enumerate(tags):
            if mcid is not None and any(t == "/Artifact" for t, _ in tags[:i]):
                yield f"{painting.where}: taggat innehåll inuti ett Artifact"
                break


@rule("UA 7.1-3")
def _content_tagged_or_artifact(doc: Doc):
    for painting in doc.interpretation.paintings:
        if not painting.context.tagged and not painting.context.artifact:
            yield f"{painting.where}: innehåll ({painting.kind}) som varken är taggat eller ett Artifact"


@rule("UA 7.1-4")
def _suspects(doc: Doc):
    mark = doc.root.get("/MarkInfo")
    if mark is not None and bool(mark.get("/Suspects", False)):
        yield "MarkInfo /Suspects är true"


STANDARD_TYPES = {f"/{t}" for t in (
    "Document Part Art Sect Div BlockQuote Caption TOC TOCI Index NonStruct Private P H H1 H2 H3 H4 H5 H6 L LI "
    "Lbl LBody Table TR TH TD THead TBody TFoot Span Quote Note Reference BibEntry Code Link Annot Ruby RB RT RP "
    "Warichu WT WP Figure Formula Form").split()}


@rule("UA 7.1-5", "UA 7.1-6")
def _role_mapping(doc: Doc):
    for element in doc.elements:
        name = str(element.get("/S"))
        if name in STANDARD_TYPES:
            continue
        seen, current = [], name
        while current not in STANDARD_TYPES:
            if current in seen:
                yield f"rollmappningen av {name} är cirkulär"
                break
            seen.append(current)
            if current not in doc.role_map:
                yield f"strukturtypen {name} är inte mappad till en standardtyp"
                break
            current = doc.role_map[current]


@rule("UA 7.1-7")
def _standard_not_remapped(doc: Doc):
    for name in doc.role_map:
        if name in STANDARD_TYPES:
            yield f"standardtypen {name} mappas om till {doc.role_map[name]}"


@rule("UA 7.1-9")
def _dc_title(doc: Doc):
    if not any(ns == "http://purl.org/dc/elements/1.1/" and name == "title" for ns, name, _ in doc.xmp_properties):
        yield "XMP saknar dc:title"


@rule("UA 7.1-10")
def _display_doc_title(doc: Doc):
    prefs = doc.root.get("/ViewerPreferences")
    if prefs is None or not bool(prefs.get("/DisplayDocTitle", False)):
        yield "ViewerPreferences /DisplayDocTitle är inte true"


@rule("UA 7.1-11")
def _struct_tree(doc: Doc):
    if doc.struct_root is None:
        yield "StructTreeRoot saknas"


@rule("UA 7.1-12")
def _parents(doc: Doc):
    for element in doc.elements:
        if "/P" not in element:
            yield f"{doc.describe(element)} saknar /P"


# --- PDF/UA-1: structure types (7.2–7.9) ----------------------------------------------------------

def _elements_of(doc: Doc, *types: str) -> Iterator[object]:
    for element in doc.elements:
        if doc.standard_type(element) in types:
            yield element


def _catalog_lang(doc: Doc) -> bool:
    return bool(str(doc.root.get("/Lang", "")))


@rule("UA 7.2-2")
def _outline_lang(doc: Doc):
    if "/Outlines" in doc.root and not _catalog_lang(doc):
        yield "bokmärken utan språk i katalogen"


@rule("UA 7.2-3", "UA 7.2-11", "UA 7.2-12", "UA 7.2-13", "UA 7.2-14", "UA 7.2-16", "UA 7.2-39")
def _table_kids(doc: Doc):
    for table in _elements_of(doc, "Table"):
        kinds = doc.kids_types(table)
        where = doc.describe(table)
        if any(k not in ("TR", "THead", "TBody", "TFoot", "Caption") for k in kinds):
            yield f"{where}: tabellen innehåller {sorted(set(kinds))}"
        if kinds.count("THead") > 1 or kinds.count("TFoot") > 1:
            yield f"{where}: mer än en THead eller TFoot"
        if ("TFoot" in kinds or "THead" in kinds) and "TBody" not in kinds:
            yield f"{where}: THead eller TFoot utan TBody"
        if "Caption" in kinds[1:-1] or kinds.count("Caption") > 1:
            yield f"{where}: Caption står inte först eller sist"


@rule("UA 7.2-4", "UA 7.2-5", "UA 7.2-6", "UA 7.2-7", "UA 7.2-8", "UA 7.2-9", "UA 7.2-10", "UA 7.2-36",
      "UA 7.2-37", "UA 7.2-38")
def _table_parts(doc: Doc):
    for element in doc.elements:
        kind = doc.standard_type(element)
        parent = doc.parent_type(element)
        where = doc.describe(element)
        if kind == "TR":
            if parent not in ("Table", "THead", "TBody", "TFoot"):
                yield f"{where}: TR under {parent}"
            if any(k not in ("TH", "TD") for k in doc.kids_types(element)):
                yield f"{where}: TR innehåller annat än TH och TD"
        elif kind in ("THead", "TBody", "TFoot"):
            if parent != "Table":
                yield f"{where}: {kind} under {parent}"
            if any(k != "TR" for k in doc.kids_types(element)):
                yield f"{where}: {kind} innehåller annat än TR"
        elif kind in ("TH", "TD") and parent != "TR":
            yield f"{where}: {kind} under {parent}"


def _attribute(element, key: str):
    attrs = element.get("/A")
    for attr in (attrs if isinstance(attrs, pikepdf.Array) else [attrs] if attrs is not None else []):
        if isinstance(attr, pikepdf.Dictionary) and key in attr:
            return attr[key]
    return None


def _table_grid(doc: Doc, table) -> tuple[list[list], list[str]]:
    """Lay the table's cells out on a grid (row and column spans); return (grid, problems)."""
    rows = []
    for kid in doc.kids(table):
        kind = doc.standard_type(kid)
        if kind == "TR":
            rows.append(kid)
        elif kind in ("THead", "TBody", "TFoot"):
            rows += [r for r in doc.kids(kid) if doc.standard_type(r) == "TR"]
    grid: list[list] = []
    for r, row in enumerate(rows):
        while len(grid) <= r:
            grid.append([])
        column = 0
        for cell in doc.kids(row):
            while column < len(grid[r]) and grid[r][column] is not None:
                column += 1
            rowspan = int(_attribute(cell, "/RowSpan") or 1)
            colspan = int(_attribute(cell, "/ColSpan") or 1)
            for dr in range(rowspan):
                while len(grid) <= r + dr:
                    grid.append([])
                target = grid[r + dr]
                while len(target) < column + colspan:
                    target.append(None)
                for dc in range(colspan):
                    target[column + dc] = cell
            column += colspan
    problems = []
    widths = {len(row) for row in grid}
    if len(widths) > 1:
        problems.append("raderna har olika antal kolumner")
    if len(grid) > len(rows):
        problems.append("radspann går utanför tabellen")
    return grid, problems


@rule("UA 7.2-15", "UA 7.2-41", "UA 7.2-42", "UA 7.2-43")
def _table_regular(doc: Doc):
    for table in _elements_of(doc, "Table"):
        _, problems = _table_grid(doc, table)
        for problem in problems:
            yield f"{doc.describe(table)}: {problem}"


@rule("UA 7.5-1", "UA 7.5-2")
def _table_headers(doc: Doc):
    for table in _elements_of(doc, "Table"):
        grid, _ = _table_grid(doc, table)
        ids = {bytes(e.ID) for e in doc.elements if "/ID" in e}
        for r, row in enumerate(grid):
            for c, cell in enumerate(row):
                if cell is None or doc.standard_type(cell) != "TD":
                    continue
                headers = _attribute(cell, "/Headers")
                if headers is not None:
                    if any(bytes(h) not in ids for h in headers):
                        yield f"{doc.describe(table)}: en cell hänvisar till en rubrik som inte finns"
                    continue
                column = [grid[i][c] for i in range(len(grid)) if c < len(grid[i])]
                if not any(x is not None and doc.standard_type(x) == "TH" for x in column + row):
                    yield f"{doc.describe(table)}: cellen på rad {r + 1}, kolumn {c + 1} har ingen rubrikcell"


@rule("UA 7.2-17", "UA 7.2-18", "UA 7.2-19", "UA 7.2-20", "UA 7.2-40")
def _lists(doc: Doc):
    for element in doc.elements:
        kind = doc.standard_type(element)
        where = doc.describe(element)
        if kind == "LI":
            if doc.parent_type(element) != "L":
                yield f"{where}: LI under {doc.parent_type(element)}"
            if any(k not in ("Lbl", "LBody") for k in doc.kids_types(element)):
                yield f"{where}: LI innehåller annat än Lbl och LBody"
        elif kind == "LBody" and doc.parent_type(element) != "LI":
            yield f"{where}: LBody under {doc.parent_type(element)}"
        elif kind == "L":
            kinds = doc.kids_types(element)
            if any(k not in ("L", "LI", "Caption") for k in kinds):
                yield f"{where}: listan innehåller {sorted(set(kinds))}"
            if "Caption" in kinds[1:]:
                yield f"{where}: Caption står inte först"


@rule("UA 7.2-26", "UA 7.2-27", "UA 7.2-28")
def _toc(doc: Doc):
    for element in doc.elements:
        kind = doc.standard_type(element)
        if kind == "TOCI" and doc.parent_type(element) != "TOC":
            yield f"{doc.describe(element)}: TOCI under {doc.parent_type(element)}"
        if kind == "TOC":
            kinds = doc.kids_types(element)
            if any(k not in ("TOC", "TOCI", "Caption") for k in kinds):
                yield f"{doc.describe(element)}: TOC innehåller {sorted(set(kinds))}"
            if "Caption" in kinds[1:]:
                yield f"{doc.describe(element)}: Caption står inte först"


LANGUAGE_TAG = re.compile(r"[a-zA-Z]{1,8}(-[a-zA-Z0-9]{1,8})*")


@rule("UA 7.2-21", "UA 7.2-22", "UA 7.2-23", "UA 7.2-24", "UA 7.2-25", "UA 7.2-30", "UA 7.2-31", "UA 7.2-32",
      "UA 7.2-33", "UA 7.2-34")
def _language_known(doc: Doc):
    if not _catalog_lang(doc):
        yield "katalogen saknar /Lang, så texten har inget känt språk"


@rule("UA 7.2-29")
def _language_tags(doc: Doc):
    for value, where in doc.values():
        if isinstance(value, pikepdf.Dictionary) and "/Lang" in value:
            if not LANGUAGE_TAG.fullmatch(str(value.Lang)):
                yield f"{where}: språkkoden {str(value.Lang)!r}"


@rule("UA 7.3-1")
def _figure_alt(doc: Doc):
    for figure in _elements_of(doc, "Figure"):
        if not str(figure.get("/Alt", "")) and "/ActualText" not in figure:
            yield f"{doc.describe(figure)}: figuren saknar alternativtext"


@rule("UA 7.7-1")
def _formula_alt(doc: Doc):
    for formula in _elements_of(doc, "Formula"):
        if not str(formula.get("/Alt", "")) and "/ActualText" not in formula:
            yield f"{doc.describe(formula)}: formeln saknar alternativtext"


@rule("UA 7.4.2-1")
def _heading_levels(doc: Doc):
    previous = 0
    for element in doc.elements:
        kind = doc.standard_type(element)
        if re.fullmatch(r"H[1-6]", kind):
            level = int(kind[1])
            if level > previous + 1:
                yield f"{doc.describe(element)}: {kind} efter H{previous}" if previous else \
                    f"{doc.describe(element)}: första rubriken är {kind}"
            previous = level


@rule("UA 7.4.4-1", "UA 7.4.4-2", "UA 7.4.4-3")
def _h_and_hn(doc: Doc):
    kinds = [doc.standard_type(e) for e in doc.elements]
    if "H" in kinds and any(re.fullmatch(r"H[1-6]", k) for k in kinds):
        yield "både H och H1–H6 används"
    for element in doc.elements:
        if doc.kids_types(element).count("H") > 1:
            yield f"{doc.describe(element)}: mer än ett H-element"


@rule("UA 7.9-1", "UA 7.9-2")
def _notes(doc: Doc):
    seen = set()
    for note in _elements_of(doc, "Note"):
        ident = note.get("/ID")
        if ident is None or not bytes(ident):
            yield f"{doc.describe(note)}: Note saknar /ID"
        elif bytes(ident) in seen:
            yield f"{doc.describe(note)}: Note-ID {bytes(ident)!r} förekommer två gånger"
        else:
            seen.add(bytes(ident))


@rule("UA 7.16-1")
def _encryption_permission(doc: Doc):
    encrypt = doc.pdf.trailer.get("/Encrypt")
    if encrypt is not None and not int(encrypt.get("/P", 0)) & 512:
        yield "krypteringen hindrar hjälpmedel från att läsa texten"


# --- PDF/UA-1: annotations (7.18) and XObjects (7.20) ---------------------------------------------

def _outside_crop(page, annot) -> bool:
    box = page.get("/CropBox", page.get("/MediaBox"))
    rect = annot.get("/Rect")
    if box is None or rect is None:
        return False
    x0, y0, x1, y1 = (float(v) for v in rect)
    return x1 < float(box[0]) or x0 > float(box[2]) or y1 < float(box[1]) or y0 > float(box[3])


def _struct_parent_of(doc: Doc, annot):
    """The structure element whose OBJR points at the annotation (through the parent tree)."""
    if "/StructParent" not in annot or doc.struct_root is None:
        return None
    return _parent_tree(doc).get(int(annot.StructParent))


def _parent_tree(doc: Doc) -> dict:
    cache = doc.__dict__.get("_parent_tree")
    if cache is None:
        cache = {}
        tree = doc.struct_root.get("/ParentTree") if doc.struct_root is not None else None

        def walk(node):
            if node is None:
                return
            nums = node.get("/Nums")
            if nums is not None:
                for i in range(0, len(nums), 2):
                    cache[int(nums[i])] = nums[i + 1]
            for kid in node.get("/Kids", []):
                walk(kid)
        walk(tree)
        doc.__dict__["_parent_tree"] = cache
    return cache


@rule("UA 7.18.1-1", "UA 7.18.1-2", "UA 7.18.2-1", "UA 7.18.5-1", "UA 7.18.5-2", "UA 7.18.8-1")
def _annotation_structure(doc: Doc):
    for annot, number in doc.annotations:
        page = doc.pages[number - 1]
        if _outside_crop(page, annot) or int(annot.get("/F", 0)) & 2:
            continue
        subtype = str(annot.get("/Subtype"))
        parent = _struct_parent_of(doc, annot)
        parent_type = doc.standard_type(parent) if isinstance(parent, pikepdf.Dictionary) else None
        where = f"sidan {number}: annoteringen {subtype}"
        if subtype == "/TrapNet":
            yield f"{where} är synlig"
            continue
        if subtype == "/PrinterMark":
            if parent is not None:
                yield f"{where} är taggad"
            continue
        if subtype == "/Link":
            if parent_type != "Link":
                yield f"{where} ligger inte i ett Link-element"
        elif subtype != "/Widget" and parent_type != "Annot":
            yield f"{where} ligger inte i ett Annot-element"
        if subtype != "/Widget" and not str(annot.get("/Contents", "")) and not str(annot.get("/Alt", "")):
            yield f"{where} saknar beskrivning (/Contents)"


@rule("UA 7.18.3-1")
def _tab_order(doc: Doc):
    for number, page in enumerate(doc.pages, start=1):
        if page.get("/Annots"):
            tabs = page.get("/Tabs")
            if not isinstance(tabs, pikepdf.Name) or tabs != "/S":
                yield f"sidan {number}: /Tabs är {tabs!r}, inte namnet /S"


@rule("UA 7.18.6.2-2")
def _media_clips(doc: Doc):
    for value in doc.dictionaries(subtype=None):
        if value.get("/S") == "/MCD":
            yield f"mediaklipp {NOT_MODELLED}"
            break


@rule("UA 7.20-2")
def _xobject_semantic_parent(doc: Doc):
    uses: dict[tuple, int] = {}
    for number, page in enumerate(doc.pages, start=1):
        for name, xobject in page.get("/Resources", {}).get("/XObject", {}).items():
            if xobject.get("/Subtype") == "/Form" and b"MCID" in xobject.read_bytes():
                uses[xobject.objgen] = uses.get(xobject.objgen, 0) + 1
    for objgen, count in uses.items():
        if count > 1:
            yield f"XObject {objgen[0]} med taggat innehåll används på flera ställen"
