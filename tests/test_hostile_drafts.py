"""Untrusted returned drafts: each hostile file is refused with a clear line, bounded and contained."""

from __future__ import annotations

import csv
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

from conftest import ROOT, run_cli
from drafts import add_comments


def _rezip(source: Path, target: Path, change=None, extra: dict[str, bytes] | None = None) -> Path:
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if change:
                data = change(info.filename, data)
            dst.writestr(info.filename, data)
        for name, data in (extra or {}).items():
            dst.writestr(name, data)
    return target


@pytest.fixture
def good(docx_2024, tmp_path) -> Path:
    return add_comments(docx_2024, tmp_path / "Salem.docx", [("Möten", "Fler möten.", "Sara")])


def hostile_files(good: Path, folder: Path) -> dict[str, str]:
    """Write the hostile corpus; return file name → expected reason fragment."""
    folder.mkdir(exist_ok=True)
    bomb = folder / "Huddinge-bomb.docx"
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "word/document.xml":
                data = data + b" " * (60 * 1024 * 1024)
            dst.writestr(info.filename, data)
    xxe = b'<?xml version="1.0"?><!DOCTYPE w [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
    _rezip(good, folder / "Haninge-xxe.docx",
           lambda n, d: xxe + d.split(b"?>", 1)[1] if n == "word/comments.xml" else d)
    laughs = (b'<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa">'
              + b"".join(f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">'.encode() for i in range(8))
              + b']><x>&i;</x>')
    _rezip(good, folder / "Nykvarn-skratt.docx", lambda n, d: laughs if n == "word/document.xml" else d)
    _rezip(good, folder / "Tyresö-sökväg.docx", extra={"../../utanfor.txt": b"x"})
    data = good.read_bytes()
    (folder / "Botkyrka-avklippt.docx").write_bytes(data[: len(data) * 6 // 10])
    (folder / "Södertälje-krypterad.docx").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 4096)
    (folder / "Nynäshamn-tom.docx").write_bytes(b"")
    return {"Huddinge-bomb.docx": "orimligt mycket data", "Haninge-xxe.docx": "otillåten XML",
            "Nykvarn-skratt.docx": "otillåten XML", "Tyresö-sökväg.docx": "otillåten sökväg",
            "Botkyrka-avklippt.docx": "inte en Word-fil", "Södertälje-krypterad.docx": "spara den som Word-dokument",
            "Nynäshamn-tom.docx": "inte en Word-fil"}


def test_each_hostile_draft_is_refused_and_the_good_one_compiled(good, tmp_path):
    expected = hostile_files(good, tmp_path / "svar")
    out = tmp_path / "ut" / "remiss.docx"
    out.parent.mkdir()
    files = [str(good)] + [str(tmp_path / "svar" / name) for name in expected]
    started = time.monotonic()
    result = run_cli("comments", *files, "--out", str(out))
    assert time.monotonic() - started < 60
    assert result.returncode == 2, result.stderr  # written, and some files could not be read
    assert "Traceback" not in result.stderr
    for name, reason in expected.items():
        line = next(l for l in result.stderr.splitlines() if l.startswith(f"{name}: kunde inte läsas"))
        assert reason in line, line
    with open(out.with_suffix(".csv"), encoding="utf-8-sig") as handle:
        rows = list(csv.DictReader(handle, delimiter=";"))
    assert [r["Kommentar eller ändring"] for r in rows if r["Kommun"] == "Salem"] == ["Fler möten."]
    assert sorted(p.name for p in out.parent.iterdir()) == ["remiss.csv", "remiss.docx"]
    assert not (tmp_path / "utanfor.txt").exists() and not (ROOT.parent / "utanfor.txt").exists()


def test_reading_a_zip_bomb_stays_within_bounded_memory(good, tmp_path):
    hostile_files(good, tmp_path / "svar")
    # VmHWM, the peak of this process's own memory: ru_maxrss would carry over the peak of the
    # pytest process it was forked from (Linux keeps it across exec).
    code = ("import re, sys; from pathlib import Path; from pipeline.returned.comments import compile_responses;"
            "r = compile_responses([Path(sys.argv[1])], ['Huddinge']);"
            "peak = re.search(r'VmHWM:\\s+(\\d+)', open('/proc/self/status').read()).group(1);"
            "print(peak, len(r.refused))")
    result = subprocess.run([sys.executable, "-c", code, str(tmp_path / "svar" / "Huddinge-bomb.docx")],
                            capture_output=True, text=True, cwd=ROOT, timeout=60)
    peak_kb, refused = map(int, result.stdout.split())
    assert refused == 1
    assert peak_kb < 250 * 1024  # the interpreter and its libraries; the 60 MB are never unpacked
