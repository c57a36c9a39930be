"""The workbench's pages: routes, what each shows, and the events that keep an open page up to date.

Pages are rendered on the server from Jinja templates (templates/), so each works without
script; static/arbetsbank.js only improves them: it listens to /handelser (server-sent events)
and swaps in the parts that changed, and lets returned files be dropped on the upload form.
Every request has passed security.Guard before it reaches a function here.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import functools
import json
import mimetypes
import shutil
import sys
import tempfile
import threading
import traceback
from contextlib import asynccontextmanager
from pathlib import Path
from urllib.parse import quote

import jinja2
from starlette.applications import Starlette
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse, Response, StreamingResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.concurrency import run_in_threadpool

from . import editing, steps
from .jobs import BUSY, RUNNING, STARTED, Jobs
from .live import DONE, FAILED, NO_OFFICE, WAITING, Live
from .office import WarmOffice
from .security import FORM_SCOPE_KEY, PREVIEW_HEADERS, Access, Guard, Outside, inside, upload_name
from .tasks import BY_SLUG, TASKS, Context, FormError, existing, occasions, stored_answers, versions

HERE = Path(__file__).parent
PAGE_HEADERS = {"cache-control": "no-store"}


class Broadcast:
    """Wakes every open page's event stream when something changed (from any thread)."""

    def __init__(self) -> None:
        self._queues: set[tuple[asyncio.AbstractEventLoop, asyncio.Queue]] = set()
        self._lock = threading.Lock()

    def subscribe(self) -> tuple[asyncio.AbstractEventLoop, asyncio.Queue]:
        entry = (asyncio.get_running_loop(), asyncio.Queue(maxsize=1))
        with self._lock:
            self._queues.add(entry)
        return entry

    def unsubscribe(self, entry) -> None:
        with self._lock:
            self._queues.discard(entry)

    def publish(self) -> None:
        with self._lock:
            entries = list(self._queues)
        for loop, queue in entries:
            try:
                loop.call_soon_threadsafe(_wake, queue)
            except RuntimeError:  # its loop has closed
                pass


def _wake(queue: asyncio.Queue) -> None:
    if queue.empty():
        queue.put_nowait(None)


class Workbench:
    """One year's workbench: its key, its LibreOffice, its live state, its jobs and its pages."""

    def __init__(self, root: Path, year: str, access: Access):
        self.root, self.year, self.access = root, year, access
        self.broadcast = Broadcast()
        self.stopping = threading.Event()
        self.office = WarmOffice()
        self.live = Live(root, year, self.office, self.broadcast.publish)
        self.jobs = Jobs(root, [root / "build" / year, root / "build" / "leverans", root / "archive"], self.broadcast.publish)
        self.context = Context(root, year, self.office, self.jobs)
        self.env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(HERE / "templates")), autoescape=True,
                                      undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
        self.env.globals.update(year=year, tasks=TASKS, time=_time, plural=_plural, quote=quote,
                                existing=lambda slug: existing(self.context, slug), max_bytes=steps.MAX_FILE_BYTES)
        self.env.filters["år"] = lambda text: text.replace("ÅR", year)
        self.editor = editing.Editor(self)
        self.env.globals.update(editor=self.editor)

    def not_found(self) -> HTMLResponse:
        return _not_found(self)

    def start(self) -> None:
        self.office.start()
        self.live.start()

    def stop(self) -> None:
        """Stop the watcher and the event streams, then LibreOffice (the server stops the rest)."""
        self.stopping.set()
        self.live.stop()
        self.broadcast.publish()
        self.office.close()

    # --- rendering ---------------------------------------------------------------------------------

    def page(self, name: str, status: int = 200, **context) -> HTMLResponse:
        context.setdefault("token", self.access.token)
        context.setdefault("signed_in", True)
        context.setdefault("active", "")
        return HTMLResponse(self.env.get_template(name).render(bench=self, **context), status_code=status,
                            headers=PAGE_HEADERS)

    def refusal(self, status: int, title: str, message: str) -> bytes:
        return self.env.get_template("fel.html").render(bench=self, title=title, message=message, status=status,
                                                         signed_in=False, active="").encode("utf-8")

    def fragments(self, token) -> dict[str, str]:
        """The parts of the pages that change by themselves, rendered as the pages render them (`token`
        gives their forms' tokens: one per event stream, so an unchanged part renders the same)."""
        out = {"lage": self._part("lage.html"), "markering": self._part("markering.html"),
               "dokument": self._part("dokument.html"),
               "problem": self._part("problem.html"), "jobbstatus": self._part("jobbstatus.html")}
        for task in TASKS:
            out[f"jobb-{task.slug}"] = self._part("jobb.html", task=task, job=self.jobs.last.get(task.slug))
            out[f"filer-{task.slug}"] = self._part("filer.html", task=task)
        out["svarsfiler"] = self._part("svarsfiler.html", stored=self.stored(), token=token)
        return out

    def _part(self, name: str, **context) -> str:
        return self.env.get_template(f"delar/{name}").render(bench=self, **context)

    def stored(self) -> list[str]:
        return [p.name for p in stored_answers(self.context)]

    def state(self) -> dict:
        """The live state as data (for scripts and tests)."""
        live = self.live
        running = self.jobs.running
        return {"year": self.year, "preview_version": live.version, "current": live.current,
                "problems": [p.text for p in live.problems], "failures": live.failures,
                "documents": self.documents_state(), "office_pipe": self.office.pipe,
                "office_missing": self.office.missing,
                "job": None if running is None else {"step": running.step, "number": running.number},
                "jobs": {slug: {"number": job.number, "running": job.running, "errors": job.errors,
                                "lines": job.lines, "files": job.files, "tables": job.tables}
                         for slug, job in self.jobs.last.items()}}

    def documents_state(self) -> str:
        """What the PDF and DOCX links hold now, as one word: väntar (nothing read yet), källfel (the sources
        have problems), arbetar, klar, fel (not made or not proofread), saknas (no LibreOffice)."""
        live = self.live
        if live.digest is None:
            return WAITING
        if not live.buildable or live.failures:
            return "källfel"
        if live.docs.digest != live.digest:
            return "arbetar"
        return {DONE: "klar", FAILED: "fel", NO_OFFICE: "saknas"}.get(live.docs.state, "arbetar")


def _time(moment: dt.datetime | None) -> str:
    return moment.strftime("%H.%M.%S") if moment else ""


def _plural(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


# --- the routes -----------------------------------------------------------------------------------------

def create_app(bench: Workbench) -> Guard:
    """Return the workbench's ASGI app, guarded."""

    @asynccontextmanager
    async def lifespan(app):
        bench.start()
        try:
            yield
        finally:
            await run_in_threadpool(bench.stop)

    async def start(request: Request) -> Response:
        return bench.page("start.html", active="start", undone=request.query_params.get("angrat", "")[:400])

    async def preview(request: Request) -> Response:
        page = bench.live.preview
        if page is None:
            page = bench.env.get_template("forhandsvisning-saknas.html").render(bench=bench).encode("utf-8")
        return Response(page, media_type="text/html; charset=utf-8", headers={**PREVIEW_HEADERS, **PAGE_HEADERS})

    async def state(request: Request) -> Response:
        return JSONResponse(bench.state(), headers=PAGE_HEADERS)

    async def events(request: Request) -> Response:
        entry = bench.broadcast.subscribe()

        token = functools.lru_cache(maxsize=None)(bench.access.token)

        async def stream():
            try:
                yield "retry: 1000\n\n"
                last = None
                while not bench.stopping.is_set():
                    data = json.dumps({"version": bench.live.version, "current": bench.live.current,
                                       "fragments": bench.fragments(token)}, ensure_ascii=False)
                    if data != last:
                        yield f"event: lage\ndata: {data}\n\n"
                        last = data
                    try:
                        # a running step's page shows its time: one beat a second, else one in a while
                        await asyncio.wait_for(entry[1].get(), timeout=1 if bench.jobs.running else 15)
                    except (asyncio.TimeoutError, TimeoutError):
                        if not bench.jobs.running:
                            yield ": vaken\n\n"
            finally:
                bench.broadcast.unsubscribe(entry)
        return StreamingResponse(stream(), media_type="text/event-stream",
                                 headers={"cache-control": "no-store", "x-accel-buffering": "no"})

    async def source_file(request: Request) -> Response:
        relative = request.path_params["path"]
        try:
            path = inside(bench.root, relative, bench.live.viewable)
        except Outside:
            return _not_found(bench)
        if path.suffix.lower() not in (".yaml", ".yml", ".md", ".csv", ".txt"):
            return _not_found(bench)
        text = path.read_text(encoding="utf-8", errors="replace")
        shown = relative
        problems = bench.live.problems_in(shown)
        marked: dict[int, list] = {}
        for p in problems:
            if p.line:
                marked.setdefault(p.line, []).append(p)
        return bench.page("fil.html", active="fil", shown=shown, lines=text.splitlines() or [""],
                          problems=problems, marked=marked)

    async def document(request: Request) -> Response:
        kind = request.url.path.split("/")[1]  # /pdf/... or /docx/...
        expected = f"verksamhetsplan-{bench.year}.{kind}"
        if request.path_params["name"] != expected:
            return _not_found(bench)
        result = await run_in_threadpool(bench.live.documents_now)
        if result == FAILED:
            return bench.page("dokument-saknas.html", status=409, active="", kind=kind, reason="källfel")
        if result == WAITING:
            return bench.page("dokument-saknas.html", status=503, active="", kind=kind, reason="väntar")
        if result.state != DONE:
            return bench.page("dokument-saknas.html", status=409, active="", kind=kind,
                              reason="saknas" if result.state == NO_OFFICE else "fel", lines=result.lines)
        data = result.pdf if kind == "pdf" else result.docx
        media = "application/pdf" if kind == "pdf" else \
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
        disposition = "inline" if kind == "pdf" else "attachment"
        return Response(data, media_type=media, headers={
            **PAGE_HEADERS, "content-disposition": f'{disposition}; filename="{expected}"',
            "x-content-type-options": "nosniff"})

    async def download(request: Request) -> Response:
        relative = request.path_params["path"]
        try:
            path = inside(bench.root, relative, [bench.root / "build", bench.root / "archive"])
        except Outside:
            return _not_found(bench)
        media = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        disposition = "inline" if path.suffix.lower() == ".pdf" else "attachment"
        return FileResponse(path, media_type=media, headers={
            **PAGE_HEADERS, "content-disposition": f"{disposition}; filename*=UTF-8''{quote(path.name)}",
            "content-security-policy": "sandbox; default-src 'none'", "x-content-type-options": "nosniff"})

    async def step(request: Request) -> Response:
        task = BY_SLUG.get(request.path_params["slug"])
        if task is None:
            return _not_found(bench)
        if request.method != "POST":
            notice = {"pagar": "Steget pågår redan; det startades inte en gång till.",
                      "upptaget": "Ett annat steg pågår; vänta tills det är klart och försök sedan igen.",
                      "startat": ""}.get(request.query_params.get("meddelande", ""), "")
            return _step_page(bench, task, notice=notice)
        form = request.scope[FORM_SCOPE_KEY]
        busy = bench.jobs.busy(task.slug)
        if busy:
            return RedirectResponse(f"/steg/{task.slug}?meddelande={'pagar' if busy == RUNNING else 'upptaget'}",
                                    status_code=303)
        try:
            values = task.values(bench.context, form)
            if task.upload:
                stored = await run_in_threadpool(_store_uploads, bench, form.getlist("filer"))
                if stored:
                    values["stored"] = stored
        except FormError as exc:
            return _step_page(bench, task, status=400, error=exc, form=form)
        job, how = bench.jobs.start(task.slug, task.title, lambda job: task.run(bench.context, job, values))
        message = {STARTED: "startat", RUNNING: "pagar", BUSY: "upptaget"}[how]
        return RedirectResponse(f"/steg/{task.slug}?meddelande={message}#resultat", status_code=303)

    async def remove_answer(request: Request) -> Response:
        task = BY_SLUG["svar"]
        form = request.scope[FORM_SCOPE_KEY]
        if bench.jobs.busy(task.slug) == RUNNING:
            return RedirectResponse("/steg/svar?meddelande=pagar", status_code=303)
        name = form.get("fil") or ""
        try:
            path = inside(bench.root, f"build/{bench.year}/remissvar/{name}", [bench.context.answers])
        except Outside:
            return _step_page(bench, task, status=400, error=FormError("Filen finns inte bland de uppladdade svaren.",
                                                                       "fil"))
        path.unlink()
        bench.broadcast.publish()
        return RedirectResponse("/steg/svar#uppladdade", status_code=303)

    async def bug(request: Request, exc: Exception) -> Response:
        traceback.print_exception(exc, file=sys.stderr)
        return bench.page("fel.html", status=500, title="Ett oväntat fel",
                          message="Sidan kunde inte visas på grund av ett fel i arbetsbänken (en bugg; detaljerna står i "
                                  "terminalen där den startades). Försök igen, eller starta om arbetsbänken.")

    async def not_found(request: Request, exc: HTTPException) -> Response:
        if exc.status_code == 404:
            return _not_found(bench)
        return bench.page("fel.html", status=exc.status_code, title="Något gick fel",
                          message="Begäran kunde inte besvaras.", signed_in=True)

    routes = [
        Route("/", start),
        Route("/forhandsvisning", preview),
        Route("/lage", state),
        Route("/handelser", events),
        Route("/fil/{path:path}", source_file),
        Route("/pdf/{name:str}", document),
        Route("/docx/{name:str}", document),
        Route("/hamta/{path:path}", download),
        Route("/steg/svar/ta-bort", remove_answer, methods=["POST"]),
        Route("/steg/{slug:str}", step, methods=["GET", "HEAD", "POST"]),
        *editing.routes(bench),
        Mount("/statisk", StaticFiles(directory=str(HERE / "static")), name="statisk"),
    ]
    app = Starlette(routes=routes, lifespan=lifespan, exception_handlers={HTTPException: not_found, Exception: bug})
    return Guard(app, bench.access, bench.refusal)


def _not_found(bench: Workbench) -> HTMLResponse:
    return bench.page("fel.html", status=404, title="Sidan finns inte",
                      message="Sidan eller filen finns inte, eller får inte visas i arbetsbänken (den visar bara "
                              f"källfilerna för {bench.year} och gemensamt, och filerna i build/ och archive/).",
                      signed_in=True)


def _step_page(bench: Workbench, task, status: int = 200, notice: str = "", error: FormError | None = None,
               form=None) -> HTMLResponse:
    ctx = bench.context
    return bench.page("steg.html", status=status, active=task.slug, task=task, notice=notice, error=error,
                      form=form or {}, job=bench.jobs.last.get(task.slug), versions=versions(ctx),
                      occasions=occasions(ctx), stored=bench.stored(),
                      default_old=_default_old(bench), default_new=f"build/{bench.year}/verksamhetsplan-{bench.year}.docx")


def _default_old(bench: Workbench) -> str:
    """The version to compare against by default: the latest draft sent out, if any."""
    drafts = [v for v in versions(bench.context) if "/remiss-utkast-" in v]
    return drafts[-1] if drafts else ""


def _store_uploads(bench: Workbench, uploads: list) -> list[str]:
    """Check every uploaded file as `comments` reads it; only when all are Word files within the limit,
    store them in build/ÅR/remissvar/. Raise FormError (nothing written) otherwise."""
    files = [u for u in uploads if isinstance(u, UploadFile) and (u.filename or u.size)]
    if not files:
        if stored_answers(bench.context):
            return []  # compile what is there again
        raise FormError("Välj minst en Word-fil (.docx) att ladda upp.", "filer")
    limit = steps.MAX_FILE_BYTES
    names: list[str] = []
    with tempfile.TemporaryDirectory(prefix="vp-uppladdning-") as work:
        checked = []
        for n, upload in enumerate(files):
            shown = upload.filename or "filen"
            name = upload_name(shown)
            if name is None:
                raise FormError(f"{shown}: är ingen Word-fil (.docx eller .docm); ingenting sparades. Spara filen "
                                "som Word-dokument och ladda upp den igen.", "filer")
            if (upload.size or 0) > limit:
                raise FormError(f"{shown}: filen är för stor ({(upload.size or 0) // (1024 * 1024)} MB, högst "
                                f"{limit // (1024 * 1024)} MB); ingenting sparades.", "filer")
            copy = Path(work) / f"{n}-{name}"
            upload.file.seek(0)
            with copy.open("wb") as handle:
                shutil.copyfileobj(upload.file, handle, 1 << 20)
            try:
                steps.verify_word_file(copy)
            except steps.UnsafeDocument as exc:
                raise FormError(f"{shown}: {exc} Ingenting sparades.", "filer") from None
            checked.append((name, copy))
        folder = bench.context.answers
        folder.mkdir(parents=True, exist_ok=True)
        for name, copy in checked:
            steps.write_atomic(folder / name, copy.read_bytes())
            names.append(name)
    return names
