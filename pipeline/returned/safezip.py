"""Reading Word files that come from outside: bounded in size, no entities, no path tricks.

Returned drafts are untrusted. Every member is read through these limits, XML is parsed with
defusedxml (no DTDs, no entity expansion), and nothing is ever extracted to disk. A package is
read the way Word reads it: the main document is the part the package relationships name (Word
Online writes word/document2.xml), its comments, styles and other parts are found through its
own relationships, and ISO 29500 Strict files are read like Transitional ones. Files that are
not Word packages (.doc, .odt, encrypted) are refused with a reason that says what to do.
"""

from __future__ import annotations

import posixpath
import zipfile
import zlib
from pathlib import Path

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException

MAX_FILE_BYTES = 50 * 1024 * 1024       # a plan with pictures is a few MB
MAX_MEMBER_BYTES = 64 * 1024 * 1024
MAX_TOTAL_BYTES = 256 * 1024 * 1024
MAX_MEMBERS = 3000
MAX_RATIO = 200                          # uncompressed / compressed, per member

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
SAVE_AS_DOCX = ("öppna den i Word eller LibreOffice och spara den som Word-dokument (.docx) "
                "med samma filnamn")

PACKAGE_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
# ISO 29500 Strict namespaces and relationship types, and their Transitional equivalents.
STRICT = {
    b"http://purl.oclc.org/ooxml/wordprocessingml/main": b"http://schemas.openxmlformats.org/wordprocessingml/2006/main",
    b"http://purl.oclc.org/ooxml/officeDocument/relationships": b"http://schemas.openxmlformats.org/officeDocument/2006/relationships",
    b"http://purl.oclc.org/ooxml/drawingml/main": b"http://schemas.openxmlformats.org/drawingml/2006/main",
    b"http://purl.oclc.org/ooxml/officeDocument/sharedTypes": b"http://schemas.openxmlformats.org/officeDocument/2006/sharedTypes",
}
TRANSITIONAL_RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
STRICT_RELS = "http://purl.oclc.org/ooxml/officeDocument/relationships/"


class UnsafeDocument(Exception):
    """The file cannot be read safely; the message (Swedish) says why."""


class SafeDocx:
    """A Word package (.docx, .docm, Strict or Transitional) opened for reading with limits."""

    def __init__(self, path: Path):
        self.path = path
        try:
            size = path.stat().st_size
        except FileNotFoundError as exc:
            raise UnsafeDocument("filen finns inte.") from exc
        except OSError as exc:
            raise UnsafeDocument(f"filen kan inte läsas ({exc.strerror}).") from exc
        if path.is_dir():
            raise UnsafeDocument("är en mapp, inte en Word-fil.")
        if size > MAX_FILE_BYTES:
            raise UnsafeDocument(f"filen är för stor för att vara en plan ({size // (1024 * 1024)} MB, "
                                 f"högst {MAX_FILE_BYTES // (1024 * 1024)} MB).")
        try:
            with path.open("rb") as handle:
                head = handle.read(min(size, 1 << 20))
        except OSError as exc:
            raise UnsafeDocument("filen kan inte läsas (saknar läsrättighet?).") from exc
        if head.startswith(OLE_MAGIC):
            if "EncryptedPackage".encode("utf-16-le") in head or "EncryptionInfo".encode("utf-16-le") in head:
                raise UnsafeDocument("filen är krypterad (lösenordsskyddad); be om en kopia utan lösenord, "
                                     "sparad som .docx.")
            raise UnsafeDocument(f"filen är ett äldre Word-dokument (.doc) eller krypterad; {SAVE_AS_DOCX}.")
        try:
            self.zip = zipfile.ZipFile(path)
        except (zipfile.BadZipFile, OSError, ValueError) as exc:
            raise UnsafeDocument("filen är inte en Word-fil (.docx) eller är trasig.") from exc
        infos = self.zip.infolist()
        if len(infos) > MAX_MEMBERS:
            raise UnsafeDocument("filen innehåller orimligt många delar.")
        total = 0
        for info in infos:
            name = info.filename
            if name.startswith(("/", "\\")) or ".." in name.replace("\\", "/").split("/") or ":" in name:
                raise UnsafeDocument(f"filen innehåller en otillåten sökväg ({name!r}).")
            if info.flag_bits & 0x1:
                raise UnsafeDocument("filen är krypterad; spara den utan lösenord.")
            total += info.file_size
            if info.file_size > MAX_MEMBER_BYTES or total > MAX_TOTAL_BYTES:
                raise UnsafeDocument("filen packas upp till orimligt mycket data (zip-bomb?).")
            if info.compress_size and info.file_size / info.compress_size > MAX_RATIO and info.file_size > 1_000_000:
                raise UnsafeDocument("filen packas upp till orimligt mycket data (zip-bomb?).")
        self.names = set(self.zip.namelist())
        if "mimetype" in self.names and b"opendocument" in self.read("mimetype"):
            raise UnsafeDocument(f"filen är ett OpenDocument-dokument (.odt); {SAVE_AS_DOCX}.")
        self.strict = False
        self.main = self._main_part()

    def _main_part(self) -> str:
        """The part that the package relationships name as the main document."""
        if "_rels/.rels" not in self.names:
            if "word/document.xml" in self.names:
                return "word/document.xml"
            raise UnsafeDocument("filen är ingen Word-fil (paketets relationer saknas).")
        for rel in self.xml("_rels/.rels"):
            kind = rel.get("Type", "")
            if kind.endswith("/officeDocument") and rel.get("TargetMode") != "External":
                self.strict = kind.startswith(STRICT_RELS)
                target = rel.get("Target", "").lstrip("/")
                if target in self.names:
                    return target
        raise UnsafeDocument("filen är ingen Word-fil (inget huvuddokument).")

    def __enter__(self) -> "SafeDocx":
        return self

    def __exit__(self, *exc) -> None:
        self.zip.close()

    def has(self, name: str) -> bool:
        return name in self.names

    def read(self, name: str) -> bytes:
        """Return a member's bytes, never more than its declared size allows."""
        info = self.zip.getinfo(name)
        try:
            with self.zip.open(info) as member:
                data = member.read(min(info.file_size, MAX_MEMBER_BYTES) + 1)
        except (zipfile.BadZipFile, EOFError, OSError, RuntimeError, NotImplementedError, zlib.error) as exc:
            raise UnsafeDocument(f"filen är trasig ({name} kan inte läsas).") from exc
        if len(data) > info.file_size:
            raise UnsafeDocument(f"filen är trasig ({name} är större än den uppger).")
        return data

    def xml(self, name: str):
        """Return a member parsed as XML (Strict namespaces read as Transitional), refusing DTDs and entities."""
        data = self.read(name)
        for strict, transitional in STRICT.items():
            data = data.replace(strict, transitional)
        try:
            return SafeET.fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
        except DefusedXmlException as exc:
            raise UnsafeDocument(f"filen innehåller otillåten XML ({name}: entiteter eller DTD).") from exc
        except SafeET.ParseError as exc:
            raise UnsafeDocument(f"filen är trasig ({name} är inte giltig XML).") from exc

    def related(self, kind: str, source: str | None = None) -> str | None:
        """Return the part that `source` (the main document by default) relates to with type `kind`
        (the last segment of the type URI, e.g. "comments"; Strict and Transitional alike)."""
        source = self.main if source is None else source
        folder, name = posixpath.split(source)
        rels = posixpath.join(folder, "_rels", name + ".rels")
        if rels not in self.names:
            return None
        for rel in self.xml(rels):
            if rel.get("Type", "").rsplit("/", 1)[-1] == kind and rel.get("TargetMode") != "External":
                target = rel.get("Target", "")
                path = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join(folder, target))
                return path if path in self.names else None
        return None
