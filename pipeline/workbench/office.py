"""The workbench's one LibreOffice: started with the workbench, kept warm, shared, stopped with it.

The live PDF converts in this session; every step that needs LibreOffice (build, round, archive,
follow-up) connects to the same soffice through its pipe (the steps' `soffice_url`), so no step
waits for LibreOffice to boot. LibreOffice converts one document at a time: `exclusive()` gives
one user at a time the whole of it, a step for as long as it runs, the live PDF for one conversion.
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from . import steps


class WarmOffice:
    """One LibreOffice session, or the Swedish reason there is none."""

    def __init__(self) -> None:
        self.pipe = f"vp-arbetsbank-{secrets.token_hex(8)}"
        self.session: steps.LibreOffice | None = None
        self.missing: str | None = None
        self.user = ""                 # who holds it now ("" when free), shown while the PDF waits
        self._lock = threading.Lock()
        self._closed = False

    def start(self) -> None:
        """Start LibreOffice's helper; soffice boots in the background while the workbench renders."""
        try:
            self.session = steps.LibreOffice(pipe=self.pipe)
        except steps.LibreOfficeMissing as exc:
            self.missing = str(exc)

    @property
    def url(self) -> str | None:
        """What a step passes as its soffice_url, to use this LibreOffice."""
        return self.session.connect_url if self.session is not None else None

    @contextmanager
    def exclusive(self, user: str) -> Iterator[steps.LibreOffice | None]:
        """Hold LibreOffice for `user` (a step's name, or the live PDF) until the block ends."""
        with self._lock:
            if self._closed:
                raise steps.ConversionError("Arbetsbänken stängs; LibreOffice är stoppad.")
            self.user = user
            try:
                yield self.session
            finally:
                self.user = ""

    def close(self, timeout: float = 5.0) -> None:
        """Stop LibreOffice: gently when nobody is converting, else its process group is killed."""
        if self._lock.acquire(timeout=timeout):
            try:
                self._closed = True
                if self.session is not None:
                    self.session.close(wait=True)
            finally:
                self._lock.release()
        else:
            self._closed = True  # a conversion hangs: the server's sweep stops its process group (server.py)
