"""Starting and stopping the workbench: `python -m pipeline serve ÅR`.

uvicorn serves the app on 127.0.0.1 only, on the port asked for or a free one. The address with
this run's key is printed as one line as soon as the port is open (flushed, also into a file),
and the default browser opens it. Ctrl-C or SIGTERM stops the server, then LibreOffice, then
every process the workbench started that still runs, with its process group: LibreOffice's
helpers run in sessions of their own, so a plain signal to our group would miss them.
"""

from __future__ import annotations

import os
import signal
import socket
import sys
import threading
import time
import webbrowser
from pathlib import Path

import uvicorn

from . import steps
from .app import Workbench, create_app
from .security import Access


class _Server(uvicorn.Server):
    """uvicorn's server, which also tells the workbench at once when a signal asks it to stop, so
    that open event streams end and the server need not wait for them."""

    def __init__(self, config: uvicorn.Config, bench: Workbench):
        super().__init__(config)
        self.bench = bench

    def handle_exit(self, sig, frame) -> None:
        self.bench.stopping.set()
        self.bench.broadcast.publish()
        super().handle_exit(sig, frame)


def serve(root: Path, year: str, port: int = 0, browser: bool = True) -> int:
    """Run the workbench for `year` until Ctrl-C or SIGTERM; return the exit code."""
    if not (year.isdigit() and len(year) == 4):
        raise steps.PipelineError(f"'{year}' är inget årtal; skriv till exempel: python -m pipeline serve 2025")
    if not steps.year_dir(root, year).is_dir():
        raise steps.PipelineError(f"sources/{year}: mappen saknas: det finns inga källfiler för {year} "
                                  f"(skapa dem med python -m pipeline new-year {year}).")
    sock = _listen(port)
    access = Access(sock.getsockname()[1])
    bench = Workbench(root, year, access)
    config = uvicorn.Config(create_app(bench), log_level="warning", access_log=False, lifespan="on",
                            timeout_graceful_shutdown=3, ws="none", http="h11", loop="asyncio")
    server = _Server(config, bench)
    print(f"Arbetsbänken för {year}: {access.address()}  (Ctrl-C stänger den)", flush=True)
    if browser:
        _open_browser(access.address())
    try:
        server.run(sockets=[sock])
    except KeyboardInterrupt:
        pass  # uvicorn has stopped; the signal it passes on lands here
    finally:
        try:
            bench.stop()
        finally:
            stop_processes()
            sock.close()
    print("Arbetsbänken är stängd; LibreOffice och allt den startade är stoppat.", file=sys.stderr, flush=True)
    return 0


def _listen(port: int) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(("127.0.0.1", port))
    except OSError as exc:
        sock.close()
        raise steps.PipelineError(f"--port {port}: porten kan inte användas ({exc.strerror}); välj en annan, eller "
                                  "utelämna --port så väljs en ledig.") from exc
    sock.listen(128)  # connections wait in line while the server starts
    sock.set_inheritable(False)
    return sock


def _open_browser(url: str) -> None:
    if sys.platform.startswith("linux") and not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        # no screen: a text browser would take over the terminal the server prints to
        print("Ingen grafisk skärm hittades; öppna adressen ovan i en webbläsare.", file=sys.stderr, flush=True)
        return
    threading.Thread(target=webbrowser.open, args=(url,), name="webbläsare", daemon=True).start()


# --- stopping every process we started -------------------------------------------------------------------

def stop_processes(grace: float = 3.0) -> None:
    """Stop every process this one started and its process group: SIGTERM, then SIGKILL after `grace`.

    A step that is stopped mid-way may start a new helper as it fails; the loop stops those too.
    """
    started = time.monotonic()
    while True:
        children = _children()
        if not children:
            return
        hard = time.monotonic() - started > grace
        for pid in children:
            _signal(pid, signal.SIGKILL if hard else signal.SIGTERM)
        time.sleep(0.1)
        _reap(children)
        if time.monotonic() - started > grace + 5:
            return  # nothing more that signals can do


def _children() -> list[int]:
    """The processes whose parent is this one (from /proc), zombies reaped."""
    me = os.getpid()
    out = []
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as handle:
                stat = handle.read().decode("utf-8", "replace")
        except OSError:
            continue
        fields = stat[stat.rfind(")") + 2:].split()
        if len(fields) > 1 and int(fields[1]) == me:
            pid = int(entry.name)
            if fields[0] == "Z":
                _reap([pid])
            else:
                out.append(pid)
    return out


def _signal(pid: int, sig: int) -> None:
    try:
        group = os.getpgid(pid)
        if group != os.getpgrp():
            os.killpg(group, sig)  # a helper in its own session, with the soffice it started
        else:
            os.kill(pid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def _reap(pids: list[int]) -> None:
    for pid in pids:
        try:
            os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            pass
