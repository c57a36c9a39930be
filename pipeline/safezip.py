"""Reading DOCX files that come from outside: bounded in size, no entities, no path tricks.

Returned drafts are untrusted. Every member is read through these limits, XML is parsed with
defusedxml (no DTDs, no entity expansion), and nothing is ever extracted to disk.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException

MAX_FILE_BYTES = 50 * 1024 * 1024       # a plan with pictures is a few MB
MAX_MEMBER_BYTES = 64 * 1024 * 1024
MAX_TOTAL_BYTES = 256 * 1024 * 1024
MAX_MEMBERS = 3000
MAX_RATIO = 200                          # uncompressed / compressed, per member

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


class UnsafeDocument(Exception):
    """The file cannot be read safely; the message (Swedish) says why."""


class SafeDocx:
    """A DOCX opened for reading with limits; use as a context manager."""

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
                head = handle.read(8)
        except OSError as exc:
            raise UnsafeDocument("filen kan inte läsas (saknar läsrättighet?).") from exc
        if head == OLE_MAGIC:
            raise UnsafeDocument("filen är krypterad (lösenordsskyddad) eller en gammal .doc-fil; "
                                 "spara den som en vanlig .docx utan lösenord.")
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
        if "word/document.xml" not in self.zip.namelist():
            raise UnsafeDocument("filen är ingen Word-fil (word/document.xml saknas).")

    def __enter__(self) -> "SafeDocx":
        return self

    def __exit__(self, *exc) -> None:
        self.zip.close()

    def has(self, name: str) -> bool:
        return name in self.zip.namelist()

    def read(self, name: str) -> bytes:
        """Return a member's bytes, never more than its declared size allows."""
        info = self.zip.getinfo(name)
        try:
            with self.zip.open(info) as member:
                data = member.read(min(info.file_size, MAX_MEMBER_BYTES) + 1)
        except (zipfile.BadZipFile, EOFError, OSError, RuntimeError, NotImplementedError) as exc:
            raise UnsafeDocument(f"filen är trasig ({name} kan inte läsas).") from exc
        if len(data) > info.file_size:
            raise UnsafeDocument(f"filen är trasig ({name} är större än den uppger).")
        return data

    def xml(self, name: str):
        """Return a member parsed as XML, refusing DTDs and entities."""
        try:
            return SafeET.fromstring(self.read(name), forbid_dtd=True, forbid_entities=True,
                                     forbid_external=True)
        except DefusedXmlException as exc:
            raise UnsafeDocument(f"filen innehåller otillåten XML ({name}: entiteter eller DTD).") from exc
        except SafeET.ParseError as exc:
            raise UnsafeDocument(f"filen är trasig ({name} är inte giltig XML).") from exc
