"""Live state: the sources as they are on disk now, checked, and the preview, PDF and DOCX made from them.

    save → watchfiles → render thread: check (what `check ÅR` prints) → web page (what `build` writes)
                      → documents thread: DOCX and proofread PDF/A (what `build` writes), in the warm LibreOffice

Every result carries the digest of the source files it was made from, taken before they were
read; a result is current only while the files on disk still have that digest. So the preview
can stay (marked out of date) while the sources have problems, and a PDF made from older
sources is never handed out as the current one: `documents_now` looks at the files itself and
waits for the PDF of what they hold now.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import sys
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

import watchfiles

from . import steps
from .office import WarmOffice
from .security import Outside, inside


def field_id(key: str) -> str:
    """The id of the editing form's field named `key` (forms.Control.id)."""
    import re
    return "falt-" + re.sub(r"[^\w-]", "-", key)

# What an editor leaves beside a file while saving (swap files, backups) is no source.
_IGNORED = watchfiles.DefaultFilter()
WAITING, WORKING, DONE, FAILED, NO_OFFICE = "väntar", "arbetar", "klar", "fel", "saknas"
UNEXPECTED = ("Ett oväntat fel i arbetsbänken (en bugg; detaljerna står i terminalen där den startades). "
              "Kör 'make check-ÅR' eller 'make plan-ÅR' på kommandoraden för att se om felet finns där också.")


@dataclass(frozen=True)
class ProblemView:
    """One problem as `check` prints it, with where it is: its file (a link to it), line and key path.

    The key path is what the editing forms (issue 30) name their fields by, so that a problem and
    its field find each other.
    """

    text: str                 # the line `check` prints
    place: str                # "sources/2024/budget.yaml:31", the part that links to the file
    file: str
    line: int | None
    key: str
    message: str
    href: str | None          # the read-only view of the file at the line, when the file may be shown

    @property
    def rest(self) -> str:
        """What the printed line says after its place."""
        return self.text[len(self.place):]


@dataclass
class Documents:
    """The DOCX and PDF of one state of the sources, or why there are none."""

    digest: str | None = None
    state: str = WAITING
    docx: bytes | None = None
    pdf: bytes | None = None
    lines: list[str] = field(default_factory=list)
    made: dt.datetime | None = None


class Live:
    """The workbench's view of one year's sources, kept up to date by threads of its own."""

    def __init__(self, root: Path, year: str, office: WarmOffice, changed: Callable[[], None]):
        self.root = root
        self.year = year
        self.office = office
        self.changed = changed
        self.folders = [root / "sources" / year, root / "sources" / "gemensamt", root / "templates"]
        self.viewable = self.folders[:2]   # what a problem's link may show
        self.digest: str | None = None     # the sources the state below describes
        self.checked_at: dt.datetime | None = None
        self.problems: list[ProblemView] = []
        self.failures: list[str] = []      # the page could not be made (a template, pandoc)
        self.buildable = False             # the plan's sources passed the checks
        self.preview: bytes | None = None  # the last good web page
        self.preview_digest: str | None = None
        self.preview_made: dt.datetime | None = None
        self.version = 0                   # counts the previews made
        self.docs = Documents()
        self._cond = threading.Condition()
        self._dirty = True
        self._wanted: tuple[str, steps.PlanSources] | None = None
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    # --- what the pages read ----------------------------------------------------------------------

    @property
    def current(self) -> bool:
        """Whether the preview shows the sources as they were at the last look."""
        return self.preview is not None and self.preview_digest == self.digest

    def source_files(self) -> list[str]:
        """The files of the year's sources and the shared ones that may be shown, as paths from the project root."""
        out = []
        for path in _files(self.viewable):
            relative = path.relative_to(self.root).as_posix()
            try:
                inside(self.root, relative, self.viewable)
                out.append(relative)
            except Outside:
                pass  # a symlink leading out of the sources
        return out

    def problems_in(self, file: str) -> list[ProblemView]:
        return [p for p in self.problems if p.file == file]

    def documents_now(self, timeout: float = 180.0) -> Documents | str:
        """Wait for the DOCX and PDF of the sources as they are on disk now; return them (made or
        failed), or "fel" when the sources have problems, or "väntar" when `timeout` passed."""
        deadline = time.monotonic() + timeout
        while True:
            digest = sources_digest(self.folders)
            with self._cond:
                if digest != self.digest:
                    self._dirty = True  # not seen yet (the watcher may be a moment behind)
                    self._cond.notify_all()
                elif not self.buildable or self.failures:
                    return FAILED
                elif self.office.missing:
                    return Documents(digest, NO_OFFICE, lines=[self.office.missing])
                elif self.docs.digest == digest and self.docs.state in (DONE, FAILED):
                    return self.docs
                remaining = deadline - time.monotonic()
                if remaining <= 0 or self._stop.is_set():
                    return WAITING
                self._cond.wait(min(remaining, 0.2))

    # --- the threads ----------------------------------------------------------------------------------

    def start(self) -> None:
        for name, target in (("bevakning", self._watch), ("förhandsvisning", self._render_loop),
                             ("dokument", self._documents_loop)):
            thread = threading.Thread(target=target, name=name, daemon=True)
            thread.start()
            self._threads.append(thread)

    def stop(self) -> None:
        self._stop.set()
        with self._cond:
            self._cond.notify_all()

    def touch(self) -> None:
        """Look at the sources again (a file was saved)."""
        with self._cond:
            self._dirty = True
            self._cond.notify_all()

    def _watch(self) -> None:
        # step: how long to wait for more changes after one (an editor writes a file in steps);
        # short, since the median from saving to the new text on screen should be well under a second.
        while not self._stop.is_set():
            try:
                for _ in watchfiles.watch(*[f for f in self.folders if f.is_dir()], watch_filter=_IGNORED,
                                          debounce=400, step=20, stop_event=self._stop, raise_interrupt=False,
                                          rust_timeout=500, yield_on_timeout=False):
                    self.touch()
            except Exception:  # a watched folder removed and made anew (git checkout): watch it again
                traceback.print_exc(file=sys.stderr)
                self._stop.wait(1.0)
                self.touch()

    def _render_loop(self) -> None:
        while True:
            with self._cond:
                while not self._dirty and not self._stop.is_set():
                    self._cond.wait()
                if self._stop.is_set():
                    return
                self._dirty = False
            try:
                self._refresh()
            except Exception:
                traceback.print_exc(file=sys.stderr)
                with self._cond:
                    self.failures = [UNEXPECTED]
                    self._cond.notify_all()
                self.changed()

    def _refresh(self) -> None:
        """Check the sources and render the preview, unless the files hold what they held last time."""
        digest = sources_digest(self.folders)  # before reading: a save meanwhile makes this state old
        if digest == self.digest:
            return
        checked = steps.check_sources(self.root, self.year)
        page, failures = None, []
        if checked.sources is not None:
            try:
                page = steps.preview(self.root, checked.sources)
            except steps.PipelineError as exc:
                failures = exc.lines()
        problems = [self._view(p) for p in checked.problems]
        now = dt.datetime.now().astimezone()
        with self._cond:
            self.digest, self.checked_at = digest, now
            self.problems, self.failures = problems, failures
            self.buildable = checked.sources is not None
            if page is not None:
                if page != self.preview:  # a new page to show (a Word template's change shows only in the PDF)
                    self.version += 1
                self.preview, self.preview_digest, self.preview_made = page, digest, now
            if page is not None and self.docs.digest != digest:
                self._wanted = (digest, checked.sources)
                self.docs = Documents(digest, WORKING)
            self._cond.notify_all()
        self.changed()

    def _documents_loop(self) -> None:
        while True:
            with self._cond:
                while self._wanted is None and not self._stop.is_set():
                    self._cond.wait()
                if self._stop.is_set():
                    return
            result = self._make_documents()
            with self._cond:
                if result is not None and self.docs.digest == result.digest:  # else newer sources are on the way
                    self.docs = result
                self._cond.notify_all()
            self.changed()

    def _make_documents(self) -> Documents | None:
        with self._cond:
            digest = self._wanted[0] if self._wanted is not None else None
            if self.office.missing:
                self._wanted = None
                return Documents(digest, NO_OFFICE, lines=[self.office.missing])
        try:
            with self.office.exclusive("förhandsvisningens PDF") as session:
                with self._cond:  # the newest sources, also when they changed while a step held LibreOffice
                    if self._wanted is None:
                        return None
                    digest, sources = self._wanted
                    self._wanted = None
                docx, pdf = steps.documents(self.root, sources, session)
            return Documents(digest, DONE, docx, pdf, made=dt.datetime.now().astimezone())
        except steps.PipelineError as exc:  # a proofreading mismatch, LibreOffice failing
            return Documents(digest, FAILED, lines=exc.lines(), made=dt.datetime.now().astimezone())
        except Exception:
            traceback.print_exc(file=sys.stderr)
            return Documents(digest, FAILED, lines=[UNEXPECTED])

    def _view(self, problem: steps.Problem) -> ProblemView:
        text = str(problem)
        place = problem.file + (f":{problem.line}" if problem.line is not None else "")
        href = None
        try:
            inside(self.root, problem.file, self.viewable)
            href = f"/fil/{quote(problem.file)}" + (f"#rad-{problem.line}" if problem.line else "")
            if problem.file.endswith(".md"):
                href = f"/redigera/{quote(problem.file)}#text"
            elif problem.file.endswith(".yaml") and problem.key:  # the editing form, at the problem's field
                href = f"/redigera/{quote(problem.file)}#{field_id(problem.key)}"
            # (a problem of the file as a whole, a YAML syntax error: the file line by line, at its line)
        except Outside:
            pass
        return ProblemView(text, place if text.startswith(place) else "", problem.file, problem.line,
                           problem.key, problem.message, href)


def _files(folders: list[Path]) -> list[Path]:
    """The files in `folders` that are sources, not an editor's leftovers, sorted."""
    out = []
    for folder in folders:
        if folder.is_dir():
            out += sorted(p for p in folder.rglob("*") if p.is_file() and _IGNORED(watchfiles.Change.modified, str(p))
                          and not any(part.startswith(".") for part in p.relative_to(folder).parts))
    return out


def sources_digest(folders: list[Path]) -> str:
    """A digest of every source file's name and content (a few milliseconds for a year's sources)."""
    digest = hashlib.sha256()
    for path in _files(folders):
        try:
            digest.update(str(path).encode() + b"\0" + path.read_bytes() + b"\0")
        except OSError:
            digest.update(str(path).encode() + b"\0?\0")  # removed while we looked: the next look sees it
    return digest.hexdigest()
