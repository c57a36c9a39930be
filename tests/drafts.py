"""Make returned drafts as the municipalities send them: the plan with Word comments and replies."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import docx

from pipeline.content.formatting import plain

W14 = "http://schemas.microsoft.com/office/word/2010/wordml"
W15 = "http://schemas.microsoft.com/office/word/2012/wordml"


def _paragraphs(document):
    yield from document.paragraphs
    for table in document.tables:
        for row in table.rows:
            for cell in row.cells:
                yield from cell.paragraphs


def add_comments(source: Path, target: Path, comments: list[tuple[str, str, str]],
                 replies: list[tuple[int, str, str]] = (), title: str | None = None) -> Path:
    """Write `target`: `source` with comments [(text to comment, comment, author)] and
    replies [(index of the comment answered, reply, author)]."""
    document = docx.Document(str(source))
    made = []
    for needle, text, author in comments:
        paragraph = next(p for p in _paragraphs(document) if needle in plain(p.text) and p.runs)
        made.append((document.add_comment(paragraph.runs, text=text, author=author,
                                          initials=author[:2]), paragraph))
    reply_ids = []
    for index, text, author in replies:
        comment, paragraph = made[index]
        reply = document.add_comment(paragraph.runs, text=text, author=author, initials=author[:2])
        reply_ids.append((comment.comment_id, reply.comment_id))
    if title is not None:
        document.core_properties.title = title
    buffer = io.BytesIO()
    document.save(buffer)
    data = _link_replies(buffer.getvalue(), reply_ids) if reply_ids else buffer.getvalue()
    target.write_bytes(data)
    return target


def _link_replies(data: bytes, pairs: list[tuple[int, int]]) -> bytes:
    """Give comment paragraphs w14:paraIds and write commentsExtended.xml (Word's reply links)."""
    src = zipfile.ZipFile(io.BytesIO(data))
    comments = src.read("word/comments.xml").decode("utf-8")
    counter = iter(range(0x10000000, 0x20000000))
    para_of: dict[int, str] = {}

    def add_ids(match):
        cid = int(match.group(1))
        body = match.group(2)

        def tag(p):
            pid = f"{next(counter):08X}"
            para_of[cid] = pid
            return f'<w:p w14:paraId="{pid}"' + p.group(1)
        return match.group(0).replace(body, re.sub(r"<w:p(\s|>)", tag, body))

    comments = re.sub(r'<w:comment [^>]*w:id="(\d+)"[^>]*>(.*?)</w:comment>', add_ids, comments, flags=re.S)
    if "xmlns:w14=" not in comments:
        comments = comments.replace("<w:comments ", f'<w:comments xmlns:w14="{W14}" ', 1)
    parent = {reply: original for original, reply in pairs}
    entries = "".join(
        f'<w15:commentEx w15:paraId="{pid}"'
        + (f' w15:paraIdParent="{para_of[parent[cid]]}"' if cid in parent else "") + ' w15:done="0"/>'
        for cid, pid in para_of.items())
    extended = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
                f'<w15:commentsEx xmlns:w15="{W15}" xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006">'
                f"{entries}</w15:commentsEx>")
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            blob = src.read(info.filename)
            if info.filename == "word/comments.xml":
                blob = comments.encode("utf-8")
            elif info.filename == "[Content_Types].xml":
                blob = blob.replace(b"</Types>", b'<Override PartName="/word/commentsExtended.xml" '
                                    b'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.'
                                    b'commentsExtended+xml"/></Types>')
            elif info.filename == "word/_rels/document.xml.rels":
                blob = blob.replace(b"</Relationships>", b'<Relationship Id="rIdCex" Type="http://schemas.'
                                    b'microsoft.com/office/2011/relationships/commentsExtended" '
                                    b'Target="commentsExtended.xml"/></Relationships>')
            dst.writestr(info, blob)
        dst.writestr("word/commentsExtended.xml", extended)
    return out.getvalue()


def rewrite_parts(source: Path, target: Path, change) -> Path:
    """Write `target`: `source` with its parts passed through change(parts) (a dict name → bytes)."""
    with zipfile.ZipFile(source) as src:
        parts = {info.filename: src.read(info.filename) for info in src.infolist()}
    change(parts)
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as dst:
        for name, data in parts.items():
            dst.writestr(name, data)
    return target


def add_tracked_changes(source: Path, target: Path, changes: list[tuple[str, str, str]]) -> Path:
    """Write `target` with Word tracked changes: [(old text, new text, author)], each in its paragraph.

    The first run that holds `old` is split into the text before, a deletion of `old`, an
    insertion of `new` (either may be empty) and the text after.
    """
    def change(parts):
        xml = parts["word/document.xml"].decode("utf-8")
        for number, (old, new, author) in enumerate(changes):
            match = re.search(r"<w:r>(<w:rPr>(?:(?!</w:rPr>).)*</w:rPr>)?<w:t(?: [^>]*)?>([^<]*?)"
                              + re.escape(old) + r"([^<]*)</w:t></w:r>", xml)
            assert match, old
            rpr = match.group(1) or ""
            before, after = match.group(2), match.group(3)
            stamp = f'w:author="{author}" w:date="2024-02-0{number % 9 + 1}T10:00:00Z"'
            pieces = f'<w:r>{rpr}<w:t xml:space="preserve">{before}</w:t></w:r>'
            if old:
                pieces += (f'<w:del w:id="{900 + 2 * number}" {stamp}><w:r>{rpr}<w:delText xml:space="preserve">'
                           f'{old}</w:delText></w:r></w:del>')
            if new:
                pieces += (f'<w:ins w:id="{901 + 2 * number}" {stamp}><w:r>{rpr}<w:t xml:space="preserve">{new}'
                           f'</w:t></w:r></w:ins>')
            pieces += f'<w:r>{rpr}<w:t xml:space="preserve">{after}</w:t></w:r>'
            xml = xml[: match.start()] + pieces + xml[match.end():]
        parts["word/document.xml"] = xml.encode("utf-8")
    return rewrite_parts(source, target, change)


def resolve_comment(source: Path, target: Path, index: int = 0) -> Path:
    """Write `target` with comment number `index` marked resolved (w15:done="1"), as Word does."""
    def change(parts):
        extended = parts["word/commentsExtended.xml"].decode("utf-8")
        entries = re.findall(r'<w15:commentEx [^>]*/>', extended)
        extended = extended.replace(entries[index], entries[index].replace('w15:done="0"', 'w15:done="1"'))
        parts["word/commentsExtended.xml"] = extended.encode("utf-8")
    return rewrite_parts(source, target, change)


STRICT_MAP = {b"http://schemas.openxmlformats.org/wordprocessingml/2006/main": b"http://purl.oclc.org/ooxml/wordprocessingml/main",
              b"http://schemas.openxmlformats.org/officeDocument/2006/relationships": b"http://purl.oclc.org/ooxml/officeDocument/relationships"}


def as_strict(source: Path, target: Path) -> Path:
    """Write `target`: `source` in ISO 29500 Strict namespaces and relationship types."""
    def change(parts):
        for name, data in list(parts.items()):
            if name.endswith((".xml", ".rels")) and not name.startswith("[Content_Types]"):
                for transitional, strict in STRICT_MAP.items():
                    data = data.replace(transitional, strict)
                parts[name] = data
    return rewrite_parts(source, target, change)


def with_main_part(source: Path, target: Path, name: str = "word/document2.xml") -> Path:
    """Write `target` with the main document stored as `name`, as Word Online does."""
    def change(parts):
        parts[name] = parts.pop("word/document.xml")
        rels = parts.pop("word/_rels/document.xml.rels")
        parts[f"word/_rels/{name.rsplit('/', 1)[1]}.rels"] = rels
        parts["_rels/.rels"] = parts["_rels/.rels"].replace(b"word/document.xml", name.encode())
        parts["[Content_Types].xml"] = parts["[Content_Types].xml"].replace(b"/word/document.xml", b"/" + name.encode())
    return rewrite_parts(source, target, change)
