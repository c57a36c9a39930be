"""PDF stage: DOCX → PDF/A-2b + PDF/UA through LibreOffice, via the UNO helper process.

`LibreOffice` is one session: the helper (Debian's python3 with uno) starts soffice with a
private profile as soon as the session opens, so LibreOffice boots while Python renders the
DOCX, and several documents in one run share it. A request that takes longer than the timeout
kills the helper and soffice (their whole process group) and says so; a crash is retried once
in a fresh session. A running LibreOffice is used instead when the user points at it
(`--soffice-url` or VP_SOFFICE_URL); it is never stopped by us. A session opened with a `pipe`
name lets other sessions share its soffice (`soffice_url=session.connect_url`): the workbench
keeps one LibreOffice warm for all its work that way.
"""

from __future__ import annotations

import json
import os
import selectors
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import ContextManager, TypeVar

from pipeline.errors import ConversionError

HELPER = Path(__file__).with_name("uno_convert.py")
UNO_PYTHON = os.environ.get("VP_UNO_PYTHON", "/usr/bin/python3")
DEFAULT_TIMEOUT = 50.0  # a normal conversion takes 1–3 s; VP_LO_TIMEOUT overrides
# A LibreOffice profile set up by an earlier session, copied into each new private profile.
PROFILE_TEMPLATE = Path(tempfile.gettempdir()) / f"vp-lo-profilmall-{os.getuid()}"
UNO_PATHS = ("/usr/lib/python3/dist-packages", "/usr/lib/libreoffice/program")
INSTALL_HINT = ("Installera LibreOffice med 'make system-deps' (som root) eller "
                "'sudo apt-get install libreoffice-writer-nogui python3-uno'.")


T = TypeVar("T")
M = TypeVar("M")


class LibreOfficeMissing(ConversionError):
    """LibreOffice or its Python bridge is not installed."""


class _Crashed(Exception):
    """The helper or soffice died; the message says what it last reported."""


def libreoffice_status() -> str | None:
    """Return None when LibreOffice can be used, else a Swedish reason."""
    soffice = os.environ.get("VP_SOFFICE") or shutil.which("soffice")
    if not soffice or not Path(soffice).exists():
        return "LibreOffice (soffice) är inte installerat."
    if not Path(UNO_PYTHON).exists():
        return f"{UNO_PYTHON} saknas (behövs för LibreOffice-bryggan python3-uno)."
    if any(Path(p, "uno.py").exists() for p in UNO_PATHS):
        return None  # Debian's python3-uno: no need to pay for a trial import
    probe = subprocess.run([UNO_PYTHON, "-c", "import uno"], capture_output=True, timeout=30)
    if probe.returncode != 0:
        return "LibreOffice-bryggan python3-uno är inte installerad."
    return None


def open_session(soffice_url: str | None = None) -> "LibreOffice | LibreOfficeMissing":
    """Return a started session, or the reason there can be none (raise it where a PDF is needed)."""
    try:
        return LibreOffice(soffice_url)
    except LibreOfficeMissing as exc:
        return exc


class _Converting:
    """What every session offers on top of `submit`: one conversion, and many in turn."""

    def submit(self, docx: bytes) -> Callable[[], bytes]:
        raise NotImplementedError

    def convert(self, docx: bytes) -> bytes:
        """Return the PDF/A made from `docx`."""
        return self.submit(docx)()

    def convert_in_turn(self, drafts: Iterable[tuple[T, bytes]], meanwhile: Callable[[T, bytes], M],
                        settle: Callable[[T, bytes, bytes, Callable[[bytes], bytes]], tuple[bytes, bytes]],
                        guard: Callable[[T, bytes], ContextManager]) -> Iterator[tuple[T, bytes, M, bytes]]:
        """Convert each (item, DOCX) of `drafts`, keeping LibreOffice busy; yield (item, DOCX, made meanwhile, PDF).

        The next draft is asked for (so rendered) while LibreOffice converts the one before;
        `meanwhile(item, docx)` runs while the item's own PDF is made; `settle(item, docx, pdf, convert)`
        runs on each PDF before the next document goes to LibreOffice (a document laid out again from its
        PDF converts again there) and returns the DOCX and PDF yielded; and each is yielded only once the
        next document is in LibreOffice, so what the caller does with it runs while LibreOffice works.
        `guard(item, docx)` is a context around each item's conversion (the plan keeps its DOCX when no
        PDF can be made).
        """
        pending = None  # (item, docx, made meanwhile, waiting function) of the document in LibreOffice
        for item, docx in drafts:
            done = self._settled(pending, settle, guard) if pending is not None else None
            with guard(item, docx):
                waiting = self.submit(docx)
            pending = (item, docx, meanwhile(item, docx), waiting)
            if done is not None:
                yield done
        if pending is not None:
            yield self._settled(pending, settle, guard)

    def _settled(self, pending: tuple, settle, guard) -> tuple:
        item, docx, made, waiting = pending
        with guard(item, docx):
            docx, pdf = settle(item, docx, waiting(), self.convert)
        return item, docx, made, pdf


class Unavailable(_Converting):
    """Stands in for a session when LibreOffice cannot be used: every conversion raises the reason."""

    def __init__(self, reason: LibreOfficeMissing):
        self.reason = reason

    def submit(self, docx: bytes) -> Callable[[], bytes]:
        raise self.reason


class LibreOffice(_Converting):
    """A LibreOffice session for any number of conversions and comparisons."""

    def __init__(self, soffice_url: str | None = None, timeout: float | None = None, pipe: str | None = None):
        reason = libreoffice_status()
        if reason:
            raise LibreOfficeMissing(f"{reason} {INSTALL_HINT}")
        self.url = soffice_url or os.environ.get("VP_SOFFICE_URL") or None
        self.pipe = pipe  # the name the soffice we start listens on (other sessions may connect to it)
        self.timeout = timeout or float(os.environ.get("VP_LO_TIMEOUT", DEFAULT_TIMEOUT))
        self.work = Path(tempfile.mkdtemp(prefix="vp-lo-"))
        self.proc: subprocess.Popen | None = None
        self.ready = False
        self.starts = 0
        self.documents = 0
        self._start()

    @property
    def connect_url(self) -> str | None:
        """The address another session can share this session's soffice by (None without a `pipe`)."""
        return self.url or (f"pipe,name={self.pipe}" if self.pipe else None)

    def __enter__(self) -> "LibreOffice":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _start(self) -> None:
        self.starts += 1
        # A private profile per start, outside the work folder: the helper removes it when it
        # has stopped soffice, which may be after we have returned (close(wait=False)). It starts
        # as a copy of a profile LibreOffice has set up before (PROFILE_TEMPLATE): a first start
        # with an empty profile costs LibreOffice about 0.15 s more. A restart after a crash
        # begins empty, in case the copy was the cause.
        self.profile = Path(tempfile.mkdtemp(prefix="vp-lo-profil-"))
        args = [UNO_PYTHON, str(HELPER), "--profile", str(self.profile)]
        if self.starts == 1 and PROFILE_TEMPLATE.is_dir():
            shutil.copytree(PROFILE_TEMPLATE, self.profile, dirs_exist_ok=True)
        elif not PROFILE_TEMPLATE.exists():
            args += ["--keep-profile-as", str(PROFILE_TEMPLATE)]
        if self.url:
            args += ["--connect", self.url]
        elif self.pipe:
            args += ["--pipe", self.pipe]
        if os.environ.get("VP_SOFFICE"):
            args += ["--soffice", os.environ["VP_SOFFICE"]]
        env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
        self.stderr = (self.work / f"fel-{self.starts}.txt").open("w+")
        self.proc = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.stderr,
                                     text=True, start_new_session=True, env=env, bufsize=1)
        self.ready = False

    def _read(self, deadline: float) -> dict:
        """Return the helper's next answer; kill everything when the deadline passes."""
        with selectors.DefaultSelector() as selector:
            selector.register(self.proc.stdout, selectors.EVENT_READ)
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not selector.select(timeout=remaining):
                self._kill()
                raise ConversionError(f"LibreOffice svarade inte inom {self.timeout:.0f} sekunder och "
                                      "stoppades. Försök igen; om det upprepas, öka VP_LO_TIMEOUT.")
        line = self.proc.stdout.readline()
        if not line:
            self.stderr.seek(0)
            detail = self.stderr.read().strip().splitlines()
            raise _Crashed(detail[-1] if detail else f"LibreOffice avslutades (kod {self.proc.wait()})")
        return json.loads(line)

    def _request(self, payload: dict) -> None:
        deadline = time.monotonic() + self.timeout
        self._send(payload, deadline)
        self._receive(deadline)

    def _send(self, payload: dict, deadline: float) -> None:
        if not self.ready:
            first = self._read(deadline)
            if "error" in first:
                raise _Crashed(first["error"])
            self.ready = True
        try:
            self.proc.stdin.write(json.dumps(payload) + "\n")
            self.proc.stdin.flush()
        except (BrokenPipeError, OSError) as exc:
            raise _Crashed("LibreOffice avslutades") from exc

    def _receive(self, deadline: float) -> None:
        answer = self._read(deadline)
        if "error" in answer:
            raise _Crashed(answer["error"])

    def _run(self, payload: dict, what: str) -> None:
        """Send one request; after a crash, retry once in a fresh session."""
        try:
            self._request(payload)
        except _Crashed:
            self._retry(payload, what)

    def _retry(self, payload: dict, what: str) -> None:
        """Start a fresh session and send `payload` again; a second crash is the user's error."""
        self._kill()
        self._start()
        try:
            self._request(payload)
        except _Crashed as second:
            self._kill()
            raise ConversionError(f"LibreOffice kunde inte {what} (två försök): {second}") from second

    def submit(self, docx: bytes) -> Callable[[], bytes]:
        """Start converting `docx` and return a function that waits for and returns the PDF.

        LibreOffice works in its own process meanwhile, so the caller can render the next
        document; a crash found while waiting is retried once, as in `convert`.
        """
        self.documents += 1
        source = self.work / f"dokument-{self.documents}.docx"
        target = source.with_suffix(".pdf")
        source.write_bytes(vector_figures(docx))
        payload = {"convert": [str(source), str(target)]}
        deadline = time.monotonic() + self.timeout
        try:
            self._send(payload, deadline)
            waiting = True
        except _Crashed:
            self._retry(payload, "skapa PDF")
            waiting = False

        def result() -> bytes:
            if waiting:
                try:
                    self._receive(deadline)
                except _Crashed:
                    self._retry(payload, "skapa PDF")
            if not target.exists():
                raise ConversionError("LibreOffice skapade ingen PDF.")
            data = target.read_bytes()
            source.unlink()
            target.unlink()
            return data
        return result

    def compare(self, old: bytes, new: bytes) -> bytes:
        """Return NEW as DOCX with tracked changes against OLD."""
        self.documents += 1
        paths = [self.work / f"jamforelse-{self.documents}-{n}.docx" for n in ("gammal", "ny", "resultat")]
        paths[0].write_bytes(old)
        paths[1].write_bytes(new)
        self._run({"compare": [str(p) for p in paths]}, "jämföra dokumenten")
        if not paths[2].exists():
            raise ConversionError("LibreOffice skapade ingen jämförelse.")
        return paths[2].read_bytes()

    def _kill(self) -> None:
        if self.proc is None:
            return
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.proc.wait()
        self.proc = None
        shutil.rmtree(self.profile, ignore_errors=True)

    def close(self, wait: bool = True) -> None:
        """Stop the helper, which stops the soffice it started and removes its profile.

        With wait=False the helper finishes that on its own after we return (the command
        line does not make the user wait for LibreOffice to shut down).
        """
        if self.proc is not None:
            try:
                self.proc.stdin.close()
                if wait:
                    self.proc.wait(timeout=30)
            except (subprocess.TimeoutExpired, OSError):
                self._kill()
            if wait:
                self._kill()
            else:
                self.proc.returncode = 0  # detached: it exits by itself; no zombie warning
                self.proc = None
        self.stderr.close()
        shutil.rmtree(self.work, ignore_errors=True)


def vector_figures(docx: bytes) -> bytes:
    """Return `docx` with each picture that has an SVG drawn from the SVG itself.

    The plan's figures are stored as Word 2016 stores SVG pictures: a PNG blip carrying an
    `asvg:svgBlip` extension. LibreOffice 7.4 ignores the extension and would export the PNG
    (and spends most of its PDF export compressing those pixels); it reads an SVG blip
    directly, so the copy it converts points each such blip at its SVG. The PDF gets vector
    figures with real, embedded text. Documents without svgBlip come back unchanged.
    """
    # the session boots LibreOffice before the heavy libraries load: lxml and the DOCX helpers load here
    from lxml import etree

    from pipeline.docx.ooxml import q, read_part, replace_parts, xml_bytes

    document = read_part(docx, "word/document.xml")
    if b"svgBlip" not in document:
        return docx
    root = etree.fromstring(document)
    for svg in list(root.iter(q("asvg", "svgBlip"))):
        ext = svg.getparent()
        ext_list = ext.getparent()
        blip = ext_list.getparent()
        if blip.tag != q("a", "blip") or not svg.get(q("r", "embed")):
            continue
        blip.set(q("r", "embed"), svg.get(q("r", "embed")))
        ext_list.remove(ext)
        if len(ext_list) == 0:
            blip.remove(ext_list)
    return replace_parts(docx, {"word/document.xml": xml_bytes(root)})
