"""Markdown as pandoc reads it: the document tree of a text, its footnotes and images, with lines.

pandoc prints the texts, so pandoc's reader decides what a text holds: its JSON document tree
(the same reader and format as the DOCX and the web page) says which footnote references are
references, which images there are and where a figure stands, and its log names the footnote
definitions nobody uses or that are defined twice, with their lines. pandoc's markdown reader
gives no line numbers for the rest, so markdown-it (with the footnote rule and no link
validation) finds them: it locates what pandoc found, it never decides what a text holds.
Nothing here looks at a text with regular expressions; code is code to both parsers.

The trees are cached by content (pandoc's version and the format are part of the key), so an
unchanged text costs no pandoc run for the check, the DOCX or the web page.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import tempfile
import threading
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator
from urllib.parse import unquote

from markdown_it import MarkdownIt
from mdit_py_plugins.footnote import footnote_plugin

from pipeline.errors import PipelineError
from pipeline.infra.writer import write_cache

# Raw HTML and TeX are read as text: a "<" in a source must come out as written.
PANDOC_FORMAT = "markdown-raw_html-raw_tex-raw_attribute-citations-smart"
FIGURE_SCHEME = "figur:"
TREE_FORMAT = "tree-v1"  # part of the cache key: change it when the cached record changes

_memory: dict[str, "Tree"] = {}
_lock = threading.Lock()


@dataclass(frozen=True)
class Image:
    """An image pandoc reads in a text: its target, whether it is a figure block of its own, its line."""

    url: str
    alone: bool             # the only content of a paragraph, with a caption: a figure (pandoc's Figure)
    captioned: bool
    line: int | None

    @property
    def figure(self) -> str | None:
        """The figure's name for `figur:NAMN`, else None."""
        return self.url[len(FIGURE_SCHEME):].strip() if self.url.startswith(FIGURE_SCHEME) else None


@dataclass(frozen=True)
class FootnoteProblem:
    """A footnote pandoc cannot print as written: what is wrong (`kind`), its label, its line."""

    kind: str               # "ingen-text", "oanvänd", "dubbel", "i-fotnot", "läses-inte"
    label: str
    line: int | None
    first_line: int | None = None  # "dubbel": the line of the first definition


@dataclass
class Tree:
    """A text as pandoc reads it: the JSON document tree and pandoc's log messages."""

    document: dict[str, Any]
    log: list[dict[str, Any]] = field(default_factory=list)


def read(text: str, cache_dir: Path | None = None, store: bool = True) -> Tree:
    """Return pandoc's tree of `text`, cached in memory and, with `cache_dir`, on disk.

    `store=False` only reads the disk cache (`check` writes nothing, not even a cache).
    """
    import pypandoc  # 0.1 s to load: `check` of texts read before pays nothing

    key = hashlib.sha256(f"{pypandoc.get_pandoc_version()}\0{PANDOC_FORMAT}\0{TREE_FORMAT}\0{text}"
                         .encode("utf-8")).hexdigest()[:24]
    target = cache_dir / f"tree-{key}.json" if cache_dir is not None else None
    with _lock:
        tree = _memory.get(key)
    if tree is None and target is not None and target.exists():
        try:
            record = json.loads(target.read_text(encoding="utf-8"))
            tree = Tree(record["document"], record["log"])
        except (OSError, ValueError, KeyError):
            tree = None
    if tree is None:
        tree = _run_pandoc(text, pypandoc.get_pandoc_path())
    if store and target is not None and not target.exists():
        try:
            write_cache(target, json.dumps({"document": tree.document, "log": tree.log},
                                           ensure_ascii=False).encode("utf-8"))
        except PipelineError:
            pass  # a cache that cannot be written costs a pandoc run next time, nothing else
    with _lock:
        _memory[key] = tree
    return tree


def read_all(texts, cache_dir: Path | None = None, store: bool = True) -> None:
    """Read every text not yet read, several pandoc runs at once (threads waiting on processes)."""
    texts = list(dict.fromkeys(texts))
    if len(texts) > 1:
        with ThreadPoolExecutor(max_workers=4) as pool:
            list(pool.map(lambda text: read(text, cache_dir, store), texts))


def _run_pandoc(text: str, pandoc: str) -> Tree:
    with tempfile.TemporaryDirectory() as work:
        log = Path(work) / "log.json"
        try:
            result = subprocess.run([pandoc, "--from", PANDOC_FORMAT, "--to", "json", f"--log={log}"],
                                    input=text.encode("utf-8"), capture_output=True, timeout=120)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise PipelineError(f"pandoc kunde inte läsa en Markdown-text: {exc}") from exc
        if result.returncode != 0:
            raise PipelineError("pandoc kunde inte läsa en Markdown-text: "
                                + result.stderr.decode("utf-8", "replace").strip())
        try:
            messages = json.loads(log.read_text(encoding="utf-8")) if log.exists() else []
        except ValueError:
            messages = []
    return Tree(json.loads(result.stdout.decode("utf-8")), messages)


# --- what pandoc reads ------------------------------------------------------------------------

def _children(node: Any):
    """Every element below `node` (lists and pandoc nodes alike), in document order."""
    if isinstance(node, dict):
        if "t" in node:
            yield from _children(node.get("c"))
        else:
            for value in node.values():
                yield from _children(value)
    elif isinstance(node, list):
        for item in node:
            yield item
            yield from _children(item)


def _figure_image(block: dict) -> dict | None:
    """The image of a pandoc Figure made of one image (an implicit figure), else None."""
    if block.get("t") != "Figure":
        return None
    body = block["c"][2]
    if len(body) == 1 and body[0].get("t") in ("Plain", "Para") and len(body[0]["c"]) == 1 \
            and body[0]["c"][0].get("t") == "Image":
        return body[0]["c"][0]
    return None


def _running_figures(blocks: list) -> Iterator[dict]:
    """The images of figure blocks in the running text: at the top, in block quotes and divs.

    A figure in a list item, a table or a footnote is not one the layout can place (and tag) on
    its page, so it counts as an image inside something else.
    """
    for block in blocks:
        image = _figure_image(block)
        if image is not None:
            yield image
        elif block.get("t") == "BlockQuote":
            yield from _running_figures(block["c"])
        elif block.get("t") == "Div":
            yield from _running_figures(block["c"][1])


def _pandoc_images(document: dict) -> list[tuple[str, bool, bool]]:
    """(target, a figure of its own in the running text, has a caption) of every image, metadata
    and notes included."""
    alone = {id(image) for image in _running_figures(document.get("blocks", []))}
    return [(node["c"][2][0], id(node) in alone, bool(node["c"][1]))
            for node in _children(document) if isinstance(node, dict) and node.get("t") == "Image"]


def _literal_references(document: dict) -> tuple[Counter, Counter]:
    """Labels of `[^x]` that pandoc prints as text: (outside footnotes, inside footnotes).

    pandoc leaves a reference it cannot resolve as text (no definition, or a reference inside a
    footnote's own text); this reads its Str runs, that is the printed text, never the source.
    """
    outside, inside = Counter(), Counter()

    def visit(node: Any, in_note: bool) -> None:
        if isinstance(node, list):
            run: list[str] = []
            for item in node:
                if isinstance(item, dict) and item.get("t") == "Str":
                    run.append(item["c"])
                    continue
                _count("".join(run), inside if in_note else outside)
                run = []
                visit(item, in_note)
            _count("".join(run), inside if in_note else outside)
        elif isinstance(node, dict):
            if node.get("t") in ("Code", "CodeBlock", "Math", "RawInline", "RawBlock"):
                return
            note = in_note or node.get("t") == "Note"
            visit(node.get("c") if "t" in node else list(node.values()), note)

    visit(document.get("blocks", []), False)
    return outside, inside


def _count(text: str, counter: Counter) -> None:
    start = text.find("[^")
    while start != -1:
        end = text.find("]", start + 2)
        if end == -1:
            return
        label = text[start + 2:end]
        if label and not any(c.isspace() or c in "[^" for c in label):
            counter[label] += 1
        start = text.find("[^", start + 1)


# --- where it is: markdown-it ---------------------------------------------------------------------

@dataclass
class _Located:
    images: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    in_order: list[int] = field(default_factory=list)  # the line of every image, in order
    references: list[tuple[str, int, bool]] = field(default_factory=list)  # (label, line, in a definition)
    definitions: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))


def _locator():
    md = MarkdownIt("commonmark", {"html": False}).enable("table")
    md.use(footnote_plugin, always_match_refs=True, move_to_end=False)
    md.validateLink = lambda url: True  # pandoc reads file: and data: images too; so must the locator
    return md


_md = None


def _locate(text: str) -> _Located:
    global _md
    if _md is None:
        _md = _locator()
    env: dict = {}
    tokens = _md.parse(text, env)
    found = _Located()
    notes = env.get("footnotes", {}).get("list", {})
    depth = 0
    for token in tokens:
        if token.type == "footnote_reference_open":
            depth += 1
            found.definitions[token.meta["label"]].append(token.map[0] + 1 if token.map else None)
        elif token.type == "footnote_reference_close":
            depth -= 1
        elif token.type == "inline" and token.map:
            _inline(token.children or [], token.map[0] + 1, depth > 0, notes, found)
    return found


def _inline(children, line: int, in_definition: bool, notes: dict, found: _Located) -> int:
    for token in children:
        if token.type in ("softbreak", "hardbreak"):
            line += 1
        elif token.type == "image":
            found.images[_same_url(token.attrs.get("src", ""))].append(line)
            found.in_order.append(line)
        elif token.type == "footnote_ref" and "label" in token.meta:
            found.references.append((token.meta["label"], line, in_definition))
        elif token.type == "footnote_ref":  # an inline note ^[...]: its words are parsed apart
            note = notes.get(token.meta.get("id"), {})
            line = _inline(note.get("tokens") or [], line, in_definition, notes, found)
    return line


def _same_url(url: str) -> str:
    return unquote(url).strip()


# --- the facts the check needs ----------------------------------------------------------------------

def images(text: str, cache_dir: Path | None = None, store: bool = True) -> list[Image]:
    """Every image pandoc reads in `text` (each occurrence), with its line where markdown-it finds it."""
    tree = read(text, cache_dir, store)
    located = _locate(text)
    found = _pandoc_images(tree.document)
    in_order = located.in_order if len(located.in_order) == len(found) else []
    used: Counter = Counter()
    out = []
    for n, (url, alone, captioned) in enumerate(found):
        key = _same_url(url)
        lines = located.images.get(key, [])
        # by target; else (a target the two read differently) by position, when both count the same
        line = lines[min(used[key], len(lines) - 1)] if lines else in_order[n] if in_order else None
        used[key] += 1
        out.append(Image(url, alone, captioned, line))
    return out


def figure_names(text: str, cache_dir: Path | None = None) -> list[str]:
    """The figures `figur:NAMN` that pandoc reads in `text`, in order, each once."""
    names = [image.figure for image in images(text, cache_dir) if image.figure]
    return list(dict.fromkeys(names))


def footnote_problems(text: str, cache_dir: Path | None = None, store: bool = True) -> list[FootnoteProblem]:
    """Footnotes that do not print as written, by pandoc's reading, each at its line."""
    tree = read(text, cache_dir, store)
    located = _locate(text)
    problems = []
    for message in tree.log:
        if message.get("type") == "NoteDefinedButNotUsed":
            problems.append(FootnoteProblem("oanvänd", message.get("key", ""), message.get("line")))
        elif message.get("type") == "DuplicateNoteReference":
            label, line = message.get("contents", ""), message.get("line")
            earlier = [n for n in located.definitions.get(label, []) if n is not None and line and n < line]
            problems.append(FootnoteProblem("dubbel", label, line, earlier[0] if earlier else None))
    outside, inside = _literal_references(tree.document)
    for label in sorted(set(outside) | set(inside)):
        top = [line for name, line, in_def in located.references if name == label and not in_def]
        nested = [line for name, line, in_def in located.references if name == label and in_def]
        defined = [n for n in located.definitions.get(label, []) if n is not None]
        if outside[label] and top and outside[label] >= len(top):  # pandoc resolves none of them
            if defined:  # markdown-it sees a definition that pandoc reads as running text
                problems.append(FootnoteProblem("läses-inte", label, defined[0]))
            else:
                problems += [FootnoteProblem("ingen-text", label, line) for line in top]
        if inside[label] and nested:
            kind = "i-fotnot" if defined else "ingen-text"
            problems += [FootnoteProblem(kind, label, line) for line in nested[: inside[label]]]
    return problems


# --- changing the tree: figures in, other images out ------------------------------------------------

def with_figures(text: str, cache_dir: Path | None, replace: Callable[[str, dict], list[dict] | None]) -> dict:
    """Return pandoc's tree of `text` with each figure block `figur:NAMN` replaced by `replace(name, figure)`.

    `replace` returns the blocks that stand for the figure (None: leave it). Every other image,
    and a figure marker that is not a figure block of its own, becomes its description as text:
    no image but a figure reaches a document, whatever the syntax (the check reports them first).
    """
    document = read(text, cache_dir).document

    def walk(node: Any) -> Any:
        if isinstance(node, dict):
            return {key: walk(value) for key, value in node.items()}
        if not isinstance(node, list):
            return node
        out = []
        for item in node:
            image = _figure_image(item) if isinstance(item, dict) else None
            url = image["c"][2][0] if image is not None else ""
            if url.startswith(FIGURE_SCHEME):
                replaced = replace(url[len(FIGURE_SCHEME):].strip(), item)
                if replaced is not None:
                    out.extend(replaced)
                    continue
            out.append(_without_image(walk(item)))
        return out

    return walk(document)


def _without_image(node: Any) -> Any:
    """An Image as a Span of its description (its words stay, its file does not come in)."""
    if isinstance(node, dict) and node.get("t") == "Image":
        return {"t": "Span", "c": [["", [], []], node["c"][1]]}
    return node


def words(text: str) -> list[dict]:
    """`text` as pandoc inlines (words and spaces), for captions the build writes."""
    out: list[dict] = []
    for n, word in enumerate(text.split()):
        if n:
            out.append({"t": "Space"})
        out.append({"t": "Str", "c": word})
    return out
