"""The year's steps as jobs: one at a time, each in a thread of its own, its progress and result kept.

A step takes seconds (LibreOffice, Docxodus): it runs beside the server, so the preview and every
page keep answering, and its lines appear on its page as it writes them. A second click while a
step runs starts nothing; it is told what runs. What a step wrote is found by looking: the files
under build/ÅR and archive/ that are new or changed when it is done.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
import threading
import traceback
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from . import steps

STARTED, RUNNING, BUSY = "startat", "pågår", "upptaget"


@dataclass
class Job:
    """One run of one step."""

    step: str
    title: str
    number: int
    started: dt.datetime = field(default_factory=lambda: dt.datetime.now().astimezone())
    finished: dt.datetime | None = None
    lines: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)   # why it stopped (nothing else was written)
    warnings: bool = False                            # done, with lines to heed (a file not read)
    files: list[str] = field(default_factory=list)    # what it wrote, as paths from the project root
    tables: dict[str, list[list[str]]] = field(default_factory=dict)

    @property
    def running(self) -> bool:
        return self.finished is None

    @property
    def seconds(self) -> float:
        end = self.finished or dt.datetime.now().astimezone()
        return (end - self.started).total_seconds()


class Jobs:
    """The steps run so far in this run of the workbench, and the one running now."""

    def __init__(self, root: Path, watched: Iterable[Path], changed: Callable[[], None]):
        self.root = root
        self.watched = list(watched)     # where a step writes: build/ÅR, build/leverans, archive/
        self.changed = changed
        self.running: Job | None = None
        self.last: dict[str, Job] = {}
        self._count = 0
        self._lock = threading.Lock()

    def busy(self, step: str) -> str | None:
        """Return RUNNING when `step` runs, BUSY when another step does, else None."""
        with self._lock:
            if self.running is None:
                return None
            return RUNNING if self.running.step == step else BUSY

    def start(self, step: str, title: str, work: Callable[[Job], None]) -> tuple[Job, str]:
        """Start `work` as the job of `step` unless a step runs; return the job (the running one) and
        STARTED, RUNNING (this step already runs) or BUSY (another one does)."""
        with self._lock:
            if self.running is not None:
                return self.running, RUNNING if self.running.step == step else BUSY
            self._count += 1
            job = Job(step, title, self._count)
            self.running = job
            self.last[step] = job
        threading.Thread(target=self._run, args=(job, work), name=f"steg-{step}", daemon=True).start()
        self.changed()
        return job, STARTED

    def say(self, job: Job, line: str) -> None:
        """Add a progress line to a running job's page (paths as from the project root, as the command shows them)."""
        job.lines.append(line.replace(f"{self.root}{os.sep}", ""))
        self.changed()

    def _run(self, job: Job, work: Callable[[Job], None]) -> None:
        before = self._files()
        try:
            work(job)
        except steps.PipelineError as exc:
            job.errors = [line.replace(f"{self.root}{os.sep}", "") for line in exc.lines()]
        except Exception:  # a bug: its traceback goes to the terminal, the page says what happened
            traceback.print_exc(file=sys.stderr)
            job.errors = ["Steget stoppades av ett oväntat fel i arbetsbänken (en bugg; detaljerna står i terminalen "
                          "där den startades). Kör gärna samma steg på kommandoraden och rapportera felet."]
        finally:
            after = self._files()
            job.files = sorted(p for p, stamp in after.items() if before.get(p) != stamp)
            job.finished = dt.datetime.now().astimezone()
            with self._lock:
                self.running = None
            self.changed()

    def _files(self) -> dict[str, tuple[int, int]]:
        """Every visible file where steps write, with its modification time and size."""
        out = {}
        for folder in self.watched:
            if not folder.is_dir():
                continue
            for path in folder.rglob("*"):
                relative = path.relative_to(self.root)
                if any(part.startswith(".") for part in relative.parts) or not path.is_file():
                    continue
                stat = path.stat()
                out[relative.as_posix()] = (stat.st_mtime_ns, stat.st_size)
        return out
