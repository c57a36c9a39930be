"""Reading a PDF page back: what each marked-content sequence says and where it is drawn.

The PDF stages (tag repairs, proofreading) need the text of each marked-content id (MCID) and
the area it covers, for pages that LibreOffice wrote: simple TrueType and Type 0 fonts with
ToUnicode maps, paths, images and form XObjects. `page_marks` interprets one page's content
stream with pikepdf (qpdf parses it) and returns a `Mark` per MCID, and one for the untagged
and artifact content. Positions are in PDF points, origin at the bottom left of the page.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal

import pikepdf

Matrix = tuple[float, float, float, float, float, float]
IDENTITY: Matrix = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)
PATH_PAINT = {"S", "s", "f", "F", "f*", "B", "B*", "b", "b*"}
NUMBERS = {int, float, Decimal}  # how pikepdf gives the numbers of a TJ array


def multiply(m: Matrix, n: Matrix) -> Matrix:
    """Return m × n (m applied first, as PDF concatenates matrices)."""
    a, b, c, d, e, f = m
    a2, b2, c2, d2, e2, f2 = n
    return (a * a2 + b * c2, a * b2 + b * d2, c * a2 + d * c2, c * b2 + d * d2,
            e * a2 + f * c2 + e2, e * b2 + f * d2 + f2)


def apply(m: Matrix, x: float, y: float) -> tuple[float, float]:
    a, b, c, d, e, f = m
    return a * x + c * y + e, b * x + d * y + f


@dataclass
class Mark:
    """The content of one marked-content id on a page (or the untagged rest, mcid None)."""

    mcid: int | None
    tag: str
    text: str = ""
    box: list[float] | None = None            # [x0, y0, x1, y1] of everything drawn
    font_sizes: list[float] = field(default_factory=list)   # effective size of each text run, points
    kinds: set[str] = field(default_factory=set)            # text, path, image

    def extend(self, x0: float, y0: float, x1: float, y1: float) -> None:
        if self.box is None:
            self.box = [x0, y0, x1, y1]
        else:
            self.box = [min(self.box[0], x0), min(self.box[1], y0), max(self.box[2], x1), max(self.box[3], y1)]


class Font:
    """Codes, widths and Unicode of one font dictionary."""

    def __init__(self, font):
        self.type0 = font.get("/Subtype") == "/Type0"
        self._measured: dict[bytes, tuple[float, int, int, str]] = {}
        self.unicode = to_unicode_map(font.get("/ToUnicode"))
        if self.type0:
            descendant = font.DescendantFonts[0]
            self.default_width = float(descendant.get("/DW", 1000))
            self.widths = _cid_widths(descendant.get("/W"))
            descriptor = descendant.get("/FontDescriptor", {})
        else:
            first = int(font.get("/FirstChar", 0))
            self.widths = {first + i: float(w) for i, w in enumerate(font.get("/Widths", []))}
            self.default_width = 0.0
            descriptor = font.get("/FontDescriptor", {})
        bbox = descriptor.get("/FontBBox", [0, -250, 1000, 900]) if descriptor is not None else [0, -250, 1000, 900]
        self.descent = min(float(bbox[1]), -200.0) / 1000
        self.ascent = max(float(bbox[3]), 700.0) / 1000

    def codes(self, data: bytes) -> list[int]:
        if self.type0:
            return [int.from_bytes(data[i:i + 2], "big") for i in range(0, len(data) - 1, 2)]
        return list(data)

    def width(self, code: int) -> float:
        return self.widths.get(code, self.default_width) / 1000

    def measure(self, data: bytes) -> tuple[float, int, int, str]:
        """Return (width in 1/1000 em, number of codes, word spaces, text) of a string (cached)."""
        found = self._measured.get(data)
        if found is None:
            codes = self.codes(data)
            found = (sum(self.widths.get(c, self.default_width) for c in codes), len(codes),
                     0 if self.type0 else codes.count(32), "".join(self.unicode.get(c, "") for c in codes))
            self._measured[data] = found
        return found


def _cid_widths(w) -> dict[int, float]:
    out: dict[int, float] = {}
    if w is None:
        return out
    items = list(w)
    i = 0
    while i < len(items):
        first = int(items[i])
        if isinstance(items[i + 1], pikepdf.Array):
            for offset, width in enumerate(items[i + 1]):
                out[first + offset] = float(width)
            i += 2
        else:
            for cid in range(first, int(items[i + 1]) + 1):
                out[cid] = float(items[i + 2])
            i += 3
    return out


def to_unicode_map(stream) -> dict[int, str]:
    """Return code → text of a ToUnicode CMap (bfchar and bfrange entries)."""
    if not isinstance(stream, pikepdf.Stream):
        return {}
    text = stream.read_bytes().decode("latin-1")
    mapping: dict[int, str] = {}

    def decode(hexstring: str) -> str:
        return bytes.fromhex(hexstring).decode("utf-16-be", errors="replace")

    for block in re.findall(r"beginbfchar(.*?)endbfchar", text, re.S):
        for source, target in re.findall(r"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]*)>", block):
            mapping[int(source, 16)] = decode(target)
    for block in re.findall(r"beginbfrange(.*?)endbfrange", text, re.S):
        for low, high, rest in re.findall(r"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*(\[[^\]]*\]|<[0-9A-Fa-f]*>)", block):
            lo, hi = int(low, 16), int(high, 16)
            if rest.startswith("["):
                for offset, target in enumerate(re.findall(r"<([0-9A-Fa-f]*)>", rest)):
                    mapping[lo + offset] = decode(target)
            else:
                start = bytes.fromhex(rest[1:-1])
                first = int.from_bytes(start, "big")
                for offset in range(hi - lo + 1):
                    mapping[lo + offset] = (first + offset).to_bytes(len(start), "big").decode("utf-16-be", "replace")
    return mapping


@dataclass
class _State:
    ctm: Matrix = IDENTITY
    font: Font | None = None
    size: float = 0.0
    char_spacing: float = 0.0
    word_spacing: float = 0.0
    scale: float = 1.0
    leading: float = 0.0
    rise: float = 0.0

    def copy(self) -> "_State":
        return _State(**self.__dict__)


class _Interpreter:
    def __init__(self, fonts: dict | None = None):
        self.marks: dict[int | None, Mark] = {}
        self.fonts: dict[tuple, Font] = fonts if fonts is not None else {}
        self.order: list[int | None] = []

    def mark(self, stack: list[tuple[str, int | None]]) -> Mark:
        mcid = next((m for _, m in reversed(stack) if m is not None), None)
        artifact = any(tag == "/Artifact" for tag, _ in stack)
        key = None if mcid is None else mcid
        if artifact and mcid is None:
            key = None
        if key not in self.marks:
            tag = next((t for t, m in reversed(stack) if m == mcid), stack[-1][0] if stack else "")
            self.marks[key] = Mark(key, "/Artifact" if key is None else tag)
            self.order.append(key)
        return self.marks[key]

    def font(self, font) -> Font:
        key = font.objgen if font.is_indirect else (0, id(font))
        if key not in self.fonts:
            self.fonts[key] = Font(font)
        return self.fonts[key]

    def run(self, owner, resources, state: _State, stack: list, depth: int = 0) -> None:
        if depth > 12:
            return
        resources = resources if resources is not None else pikepdf.Dictionary()
        states: list[_State] = []
        text_matrix = line_matrix = IDENTITY
        path: list[tuple[float, float]] = []
        base = len(stack)
        for instruction in pikepdf.parse_content_stream(owner):
            if isinstance(instruction, pikepdf.ContentStreamInlineImage):
                self._unit_square(self.mark(stack), state.ctm, "image")
                continue
            op = str(instruction.operator)
            args = instruction.operands
            if op == "q":
                states.append(state.copy())
            elif op == "Q":
                if states:
                    state = states.pop()
            elif op == "cm":
                state.ctm = multiply(tuple(float(v) for v in args), state.ctm)
            elif op in ("BMC", "BDC"):
                mcid = None
                if op == "BDC":
                    props = args[1]
                    if isinstance(props, pikepdf.Name):
                        props = resources.get("/Properties", {}).get(str(props))
                    if isinstance(props, pikepdf.Dictionary) and "/MCID" in props:
                        mcid = int(props.MCID)
                stack.append((str(args[0]), mcid))
            elif op == "EMC":
                if len(stack) > base:
                    stack.pop()
            elif op == "BT":
                text_matrix = line_matrix = IDENTITY
            elif op == "Tf":
                font = resources.get("/Font", {}).get(str(args[0]))
                state.font = self.font(font) if font is not None else None
                state.size = float(args[1])
            elif op == "Tc":
                state.char_spacing = float(args[0])
            elif op == "Tw":
                state.word_spacing = float(args[0])
            elif op == "Tz":
                state.scale = float(args[0]) / 100
            elif op == "TL":
                state.leading = float(args[0])
            elif op == "Ts":
                state.rise = float(args[0])
            elif op in ("Td", "TD"):
                if op == "TD":
                    state.leading = -float(args[1])
                line_matrix = multiply((1, 0, 0, 1, float(args[0]), float(args[1])), line_matrix)
                text_matrix = line_matrix
            elif op == "Tm":
                line_matrix = text_matrix = tuple(float(v) for v in args)
            elif op == "T*":
                line_matrix = multiply((1, 0, 0, 1, 0, -state.leading), line_matrix)
                text_matrix = line_matrix
            elif op in ("Tj", "TJ", "'", '"'):
                if op in ("'", '"'):
                    if op == '"':
                        state.word_spacing, state.char_spacing = float(args[0]), float(args[1])
                    line_matrix = multiply((1, 0, 0, 1, 0, -state.leading), line_matrix)
                    text_matrix = line_matrix
                items = args[0] if op == "TJ" else [args[-1]]
                text_matrix = self._show(items, state, text_matrix, self.mark(stack))
            elif op in ("m", "l"):
                path.append(apply(state.ctm, float(args[0]), float(args[1])))
            elif op == "c":
                path += [apply(state.ctm, float(args[i]), float(args[i + 1])) for i in (0, 2, 4)]
            elif op in ("v", "y"):
                path += [apply(state.ctm, float(args[i]), float(args[i + 1])) for i in (0, 2)]
            elif op == "re":
                x, y, w, h = (float(v) for v in args)
                path += [apply(state.ctm, x, y), apply(state.ctm, x + w, y + h),
                         apply(state.ctm, x + w, y), apply(state.ctm, x, y + h)]
            elif op in PATH_PAINT or op in ("n", "W", "W*"):
                if op in PATH_PAINT and path:
                    mark = self.mark(stack)
                    xs, ys = [p[0] for p in path], [p[1] for p in path]
                    mark.extend(min(xs), min(ys), max(xs), max(ys))
                    mark.kinds.add("path")
                if op not in ("W", "W*"):
                    path = []
            elif op == "Do":
                xobject = resources.get("/XObject", {}).get(str(args[0]))
                if xobject is None:
                    continue
                if xobject.get("/Subtype") == "/Image":
                    self._unit_square(self.mark(stack), state.ctm, "image")
                elif xobject.get("/Subtype") == "/Form":
                    inner = state.copy()
                    matrix = xobject.get("/Matrix")
                    if matrix is not None:
                        inner.ctm = multiply(tuple(float(v) for v in matrix), inner.ctm)
                    self.run(xobject, xobject.get("/Resources", resources), inner, stack, depth + 1)
        del stack[base:]

    def _show(self, items, state: _State, text_matrix: Matrix, mark: Mark) -> Matrix:
        """Add a text-showing operator's text and box to `mark`; return the text matrix after it."""
        font = state.font
        if font is None:
            return text_matrix
        size, scale = state.size, state.scale
        advance = 0.0  # along the baseline, in text space
        texts = []
        for item in items:
            if type(item) in NUMBERS:  # cheaper than isinstance(item, pikepdf.String), 30 000 times a plan
                advance -= float(item) / 1000 * size * scale
                continue
            width, count, spaces, text = font.measure(bytes(item))
            if not count:
                continue
            advance += (width / 1000 * size + state.char_spacing * count + state.word_spacing * spaces) * scale
            texts.append(text)
        if texts:
            mark.text += "".join(texts)
            matrix = multiply(text_matrix, state.ctm)
            mark.font_sizes.append(abs(size) * (matrix[2] ** 2 + matrix[3] ** 2) ** 0.5)
            mark.kinds.add("text")
            low, high = font.descent * size + state.rise, font.ascent * size + state.rise
            corners = [apply(matrix, x, y) for x in (0.0, advance) for y in (low, high)]
            xs, ys = [p[0] for p in corners], [p[1] for p in corners]
            mark.extend(min(xs), min(ys), max(xs), max(ys))
        return multiply((1, 0, 0, 1, advance, 0), text_matrix)

    @staticmethod
    def _unit_square(mark: Mark, ctm: Matrix, kind: str) -> None:
        corners = [apply(ctm, x, y) for x, y in ((0, 0), (1, 0), (0, 1), (1, 1))]
        xs, ys = [p[0] for p in corners], [p[1] for p in corners]
        mark.extend(min(xs), min(ys), max(xs), max(ys))
        mark.kinds.add(kind)


def page_marks(page, fonts: dict | None = None) -> dict[int | None, Mark]:
    """Return the page's marked content by MCID (None: untagged and artifact content), in drawing order.

    `fonts` is a cache shared between pages of one document (see `document_marks`).
    """
    interpreter = _Interpreter(fonts)
    page_obj = page.obj if hasattr(page, "obj") else page
    interpreter.run(page_obj, page_obj.get("/Resources"), _State(), [])
    return {key: interpreter.marks[key] for key in interpreter.order}


def document_marks(pdf: pikepdf.Pdf, fonts: dict | None = None) -> list[dict[int | None, Mark]]:
    """Return `page_marks` of every page, in page order, reading each font once (into `fonts`)."""
    fonts = fonts if fonts is not None else {}
    return [page_marks(page, fonts) for page in pdf.pages]
