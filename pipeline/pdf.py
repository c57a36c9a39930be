"""PDF stage: DOCX → PDF/A-2b + PDF/UA through LibreOffice, via the UNO helper process.

LibreOffice is started per run with a private profile (two builds at once do not collide),
killed when it hangs past the timeout, and retried once after a crash. A running LibreOffice
is used instead when the user points at it (`--soffice-url` or VP_SOFFICE_URL).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

from .errors import ConversionError

HELPER = Path(__file__).with_name("uno_convert.py")
UNO_PYTHON = os.environ.get("VP_UNO_PYTHON", "/usr/bin/python3")
DEFAULT_TIMEOUT = 180.0
INSTALL_HINT = ("Installera LibreOffice med 'make system-deps' (som root) eller "
                "'sudo apt-get install libreoffice-writer-nogui python3-uno'; "
                "DOCX-filen är byggd ändå.")


class LibreOfficeMissing(ConversionError):
    """LibreOffice or its Python bridge is not installed."""


def libreoffice_status() -> str | None:
    """Return None when LibreOffice can be used, else a Swedish reason."""
    soffice = os.environ.get("VP_SOFFICE") or shutil.which("soffice")
    if not soffice or not Path(soffice).exists():
        return "LibreOffice (soffice) är inte installerat."
    if not Path(UNO_PYTHON).exists():
        return f"{UNO_PYTHON} saknas (behövs för LibreOffice-bryggan python3-uno)."
    probe = subprocess.run([UNO_PYTHON, "-c", "import uno"], capture_output=True, timeout=30)
    if probe.returncode != 0:
        return "LibreOffice-bryggan python3-uno är inte installerad."
    return None


def convert_to_pdf(docx: bytes, soffice_url: str | None = None, timeout: float | None = None) -> bytes:
    """Return the PDF made by LibreOffice from `docx`; raise ConversionError with a clear reason."""
    return convert_many([docx], soffice_url=soffice_url, timeout=timeout)[0]


def convert_many(documents: list[bytes], soffice_url: str | None = None,
                 timeout: float | None = None) -> list[bytes]:
    """Return one PDF per DOCX, converted by a single LibreOffice process."""
    reason = libreoffice_status()
    if reason:
        raise LibreOfficeMissing(f"PDF kan inte skapas: {reason} {INSTALL_HINT}")
    url = soffice_url or os.environ.get("VP_SOFFICE_URL") or None
    timeout = timeout or float(os.environ.get("VP_LO_TIMEOUT", DEFAULT_TIMEOUT))
    with tempfile.TemporaryDirectory(prefix="vp-pdf-") as work:
        pairs = []
        for i, data in enumerate(documents):
            source = Path(work) / f"dokument-{i}.docx"
            source.write_bytes(data)
            pairs += [str(source), str(source.with_suffix(".pdf"))]
        last_error = ""
        for attempt in (1, 2):
            profile = Path(work) / f"profil-{attempt}"
            code, stderr = _run_helper(pairs, url, timeout, profile)
            if code == 0 and all(Path(p).exists() for p in pairs[1::2]):
                return [Path(p).read_bytes() for p in pairs[1::2]]
            if code == "timeout":
                raise ConversionError(f"LibreOffice svarade inte inom {timeout:.0f} sekunder och "
                                      "stoppades. Försök igen; om det upprepas, starta om datorn "
                                      "eller öka VP_LO_TIMEOUT.")
            last_error = stderr.strip().splitlines()[-1] if stderr.strip() else f"slutkod {code}"
            for p in pairs[1::2]:
                Path(p).unlink(missing_ok=True)
        raise ConversionError(f"LibreOffice kunde inte skapa PDF (två försök): {last_error}")


def compare_documents(old: bytes, new: bytes, soffice_url: str | None = None,
                      timeout: float | None = None) -> bytes:
    """Return NEW as a DOCX with tracked changes against OLD, made by LibreOffice's comparison."""
    reason = libreoffice_status()
    if reason:
        raise LibreOfficeMissing(f"Jämförelsen kräver LibreOffice: {reason} {INSTALL_HINT}")
    url = soffice_url or os.environ.get("VP_SOFFICE_URL") or None
    timeout = timeout or float(os.environ.get("VP_LO_TIMEOUT", DEFAULT_TIMEOUT))
    with tempfile.TemporaryDirectory(prefix="vp-jmf-") as work:
        old_path, new_path, out_path = (Path(work) / n for n in ("gammal.docx", "ny.docx", "jamforelse.docx"))
        old_path.write_bytes(old)
        new_path.write_bytes(new)
        for attempt in (1, 2):
            code, stderr = _run_helper([str(old_path), str(new_path), str(out_path)], url, timeout,
                                       Path(work) / f"profil-{attempt}", extra=["--compare"])
            if code == 0 and out_path.exists():
                return out_path.read_bytes()
            if code == "timeout":
                raise ConversionError(f"LibreOffice svarade inte inom {timeout:.0f} sekunder och stoppades.")
        last = stderr.strip().splitlines()[-1] if stderr.strip() else f"slutkod {code}"
        raise ConversionError(f"LibreOffice kunde inte jämföra dokumenten (två försök): {last}")


def _run_helper(pairs: list[str], url: str | None, timeout: float,
                profile: Path, extra: list[str] = ()) -> tuple[int | str, str]:
    """Run the UNO helper in its own process group; kill the whole group on timeout."""
    args = [UNO_PYTHON, str(HELPER), "--profile", str(profile), *extra]
    if url:
        args += ["--connect", url]
    soffice = os.environ.get("VP_SOFFICE")
    if soffice:
        args += ["--soffice", soffice]
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    proc = subprocess.Popen(args + pairs, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True, env=env)
    try:
        _, stderr = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill_group(proc)
        return "timeout", ""
    except BaseException:
        _kill_group(proc)
        raise
    return proc.returncode, stderr


def _kill_group(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.communicate()
