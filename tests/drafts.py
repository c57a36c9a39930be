"""Make returned drafts as the municipalities send them: the plan with Word comments and replies."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import docx

from pipeline.formatting import plain

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
