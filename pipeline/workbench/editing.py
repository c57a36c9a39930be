"""Editing the year's source files in the workbench: forms for the YAML files, an editor for the texts.

    GET  /redigera/FIL   the form (YAML, built from the model: forms.py) or the text editor (Markdown)
    POST /redigera/FIL   the form sent: a button that adds, removes or moves an item shows the form again
                         with the change (nothing written yet); "Spara" checks and writes
    POST /angra          undo the last save of this session
    GET  /redigera-visning/N   a preview of the plan with a text as typed (the editor's live preview)

A save is tried first on a copy of the sources (the same `check` the command line runs, on the year's
and the shared files with the edited one replaced): a save that would make a problem is refused and
nothing is written; the form is shown again as typed, each problem on its field. The form carries
the hash of the file as it was when the form was opened: when the file on disk has changed since
(another editor, `git pull`, a second tab), the save is refused and both versions are shown. The file
is written through yamledit (ruamel.yaml's round trip; only the edited lines change) and atomically:
a hidden work file beside it, flushed, then renamed over it.
"""

from __future__ import annotations

import base64
import datetime as dt
import difflib
import hashlib
import shutil
import tempfile
import threading
import zlib
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from . import forms, steps
from .security import FORM_SCOPE_KEY, PREVIEW_HEADERS, Outside, inside
from .yamledit import Document, YAMLError, merged

FOLLOW_UP_OR_ROUND = ("remiss.yaml", "uppfoljning-")


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def pack(text: str) -> str:
    return base64.urlsafe_b64encode(zlib.compress(text.encode("utf-8"), 9)).decode("ascii")


def unpack(value: str) -> str | None:
    try:
        return zlib.decompress(base64.urlsafe_b64decode(value.encode("ascii"))).decode("utf-8")
    except (ValueError, zlib.error, UnicodeDecodeError):
        return None


@dataclass
class Save:
    number: int
    at: dt.datetime
    file: str                 # as the project shows it: sources/2024/budget.yaml
    before: bytes
    after: bytes
    lines: int                # lines changed
    undone: bool = False
    elsewhere: list = None    # new problems of a follow-up or the round file it made (told, not refused)


@dataclass
class Outcome:
    """What a save would do: the problems it would make (refused), and those it makes elsewhere."""

    refused: list            # steps.Problem
    elsewhere: list          # new problems in a follow-up or the round file (told, not refused)
    in_file: list            # every problem of the edited file after the save


class Editor:
    """The editing of one workbench: its saves this session, their undo, the previews of typed texts."""

    def __init__(self, bench):
        self.bench = bench
        self.root: Path = bench.root
        self.year: str = bench.year
        self.saves: list[Save] = []
        self.lock = threading.Lock()
        self.previews: dict[str, bytes] = {}
        self.seen: dict[str, bytes] = {}  # each file as a form was opened on it, by its hash (for a conflict)
        self._preview_count = 0

    # --- which files --------------------------------------------------------------------------------

    def files(self) -> list[tuple[str, str]]:
        """(path from the project root, its name as shown) of every file that can be edited here."""
        out = []
        for relative in self.bench.live.source_files():
            name = relative.rsplit("/", 1)[-1]
            if relative.endswith(".md") or (relative.endswith(".yaml") and steps.source_model(name) is not None):
                shown = relative.split("/", 2)[2] if relative.startswith(f"sources/{self.year}/") else \
                    relative.removeprefix("sources/")
                out.append((relative, shown))
        return out

    def path(self, relative: str) -> Path:
        path = inside(self.root, relative, self.bench.live.viewable)
        name = path.name
        if not (name.endswith(".md") or (name.endswith(".yaml") and steps.source_model(name) is not None)):
            raise Outside(relative)
        return self.root / relative

    # --- trying a save on a copy of the sources --------------------------------------------------------

    def years(self, relative: str) -> list[str]:
        """The years a save of `relative` must keep as they are: this one, and for a shared file every year."""
        if not relative.startswith("sources/gemensamt/"):
            return [str(self.year)]
        others = sorted(p.name for p in (self.root / "sources").iterdir()
                        if p.is_dir() and p.name.isdigit() and len(p.name) == 4 and p.name != str(self.year))
        return [str(self.year)] + others

    def problems_now(self, relative: str | None = None) -> list:
        if relative is None:
            return steps.check_sources(self.root, self.year).problems
        return [p for year in self.years(relative) for p in steps.check_sources(self.root, year).problems]

    def trial(self, relative: str, data: bytes):
        """The check of the sources with `relative` holding `data`: (problems, sources or None).

        A shared file (sources/gemensamt/) is checked with every year that uses it, not only this one."""
        years = self.years(relative)
        with tempfile.TemporaryDirectory(prefix="vp-redigering-") as work:
            copy = Path(work)
            for folder in [f"sources/{year}" for year in years] + ["sources/gemensamt"]:
                if (self.root / folder).is_dir():
                    shutil.copytree(self.root / folder, copy / folder, symlinks=True,
                                    ignore=shutil.ignore_patterns(".*"))
            (copy / "templates").symlink_to(self.root / "templates")
            cache = self.root / "build" / ".cache"
            cache.mkdir(parents=True, exist_ok=True)
            (copy / "build").mkdir()
            (copy / "build" / ".cache").symlink_to(cache)
            (copy / relative).write_bytes(data)
            checked = steps.check_sources(copy, self.year)
            problems = checked.problems + [p for year in years[1:] for p in steps.check_sources(copy, year).problems]
            page = None
            if checked.sources is not None and relative.endswith(".md"):
                try:
                    page = steps.preview(copy, checked.sources)
                except steps.PipelineError:
                    page = None
            return problems, page

    def outcome(self, relative: str, data: bytes) -> tuple[Outcome, bytes | None]:
        before = {(p.file, p.key, p.message) for p in self.problems_now(relative)}
        after, page = self.trial(relative, data)
        new = [p for p in after if (p.file, p.key, p.message) not in before]
        elsewhere = [p for p in new if p.file != relative and _apart(p.file)]
        refused = [p for p in new if p not in elsewhere]
        return Outcome(refused, elsewhere, [p for p in after if p.file == relative]), page

    def write(self, relative: str, before: bytes, after: bytes) -> Save:
        steps.write_atomic(self.root / relative, after, keep_mode=True)  # raises OutputError, file untouched
        matcher = difflib.SequenceMatcher(None, before.decode("utf-8", "replace").splitlines(),
                                          after.decode("utf-8", "replace").splitlines(), autojunk=False)
        changed = sum(max(i2 - i1, j2 - j1) for tag, i1, i2, j1, j2 in matcher.get_opcodes() if tag != "equal")
        save = Save(len(self.saves) + 1, dt.datetime.now().astimezone(), relative, before, after, changed)
        self.saves.append(save)
        self.bench.live.touch()
        return save

    def last_save(self) -> Save | None:
        return next((s for s in reversed(self.saves) if not s.undone), None)

    def store_preview(self, page: bytes) -> str:
        self._preview_count += 1
        key = str(self._preview_count)
        self.previews[key] = page
        for old in list(self.previews)[:-8]:
            del self.previews[old]
        return key


def _apart(file: str) -> bool:
    name = file.rsplit("/", 1)[-1]
    return name == FOLLOW_UP_OR_ROUND[0] or name.startswith(FOLLOW_UP_OR_ROUND[1])


# --- the forms' context: choices and help ------------------------------------------------------------------

def _read(path: Path):
    try:
        return Document(path.read_text(encoding="utf-8")).data
    except (OSError, UnicodeDecodeError, YAMLError, ValueError):
        return None


def form_context(editor: Editor, relative: str, data, text: str) -> forms.Context:
    root, year = editor.root, editor.year
    base, shared = root / "sources" / year, root / "sources" / "gemensamt"
    name = relative.rsplit("/", 1)[-1]

    def own_or_shared(filename: str):
        if relative.endswith(filename) and data is not None:
            return data
        return _read(base / filename if (base / filename).exists() else shared / filename)

    municipalities = [str(m.get("namn")) for m in ((own_or_shared("kommuner.yaml") or {}).get("kommuner") or [])
                      if isinstance(m, dict) and m.get("namn")]
    networks = [str(n.get("id")) for n in ((own_or_shared("natverk.yaml") or {}).get("natverk") or [])
                if isinstance(n, dict) and n.get("id")]
    goals = data if name == "mal.yaml" else _read(base / "mal.yaml")
    levels = [str(x) for x in ((goals or {}).get("nivåer") or []) if isinstance(x, str)]
    activities: dict[str, str] = {}  # identity → what the activity says, for the follow-up's choice
    for filename in ("mal.yaml", "kansliet.yaml", "kommunikationsplan.yaml"):
        doc = data if name == filename else _read(base / filename)
        activities.update(steps.activities_written(doc))
    ids = list(activities)
    budget = _read(base / "budget.yaml") or {}
    labels = [str(line.get("post")) for part in ("intäkter", "kostnader")
              for line in ((budget.get(part) or {}).get("poster") or []) if isinstance(line, dict)]
    choices = {("Goal", "nivå"): levels, ("Goal", "ansvar"): networks,
               ("Committee", "ordförande"): municipalities, ("Committee", "vice_ordförande"): municipalities,
               ("Person", "kommun"): municipalities, ("OutcomeLine", "post"): labels,
               ("map", "aktiviteter"): ids, ("map", "mottagare"): municipalities}
    cls = steps.source_model(name)
    help_texts = forms.help_texts(forms.header_comment(text), cls) if cls else {}
    return forms.Context(name, choices, help_texts, set(ids), year, labels=activities)


# --- the pages ----------------------------------------------------------------------------------------------

def routes(bench) -> list[Route]:
    editor = bench.editor

    async def edit(request: Request) -> Response:
        from starlette.concurrency import run_in_threadpool
        relative = request.path_params["path"]
        try:
            path = editor.path(relative)
        except Outside:
            return bench.not_found()
        if request.method == "POST":
            form = request.scope[FORM_SCOPE_KEY]
            return await run_in_threadpool(_post, bench, editor, relative, path, form,
                                           request.query_params.get("js") == "1")
        saved = request.query_params.get("sparat", "")
        return await run_in_threadpool(_get, bench, editor, relative, path, saved,
                                       request.query_params.get("angrat", "")[:400])

    async def undo(request: Request) -> Response:
        from starlette.concurrency import run_in_threadpool
        form = request.scope[FORM_SCOPE_KEY]
        back = str(form.get("tillbaka") or "/")
        if not back.startswith("/") or back.startswith("//"):
            back = "/"
        message = await run_in_threadpool(_undo, editor, str(form.get("sparning") or ""))
        return RedirectResponse(f"{back.split('?')[0]}?angrat={quote(message)}#sparade", status_code=303)

    async def shown_preview(request: Request) -> Response:
        page = editor.previews.get(request.path_params["key"])
        if page is None:
            return bench.not_found()
        return Response(page, media_type="text/html; charset=utf-8",
                        headers={**PREVIEW_HEADERS, "cache-control": "no-store"})

    return [Route("/redigera/{path:path}", edit, methods=["GET", "HEAD", "POST"]),
            Route("/angra", undo, methods=["POST"]),
            Route("/redigera-visning/{key:str}", shown_preview)]


def _undo(editor: Editor, number: str) -> str:
    with editor.lock:
        save = editor.last_save()
        if save is None or str(save.number) != number:
            return "Det finns ingen sådan sparning att ångra (bara den senaste kan ångras)."
        path = editor.root / save.file
        now = path.read_bytes() if path.exists() else b""
        if now != save.after:
            return (f"{save.file} har ändrats sedan sparningen kl {save.at:%H.%M.%S}; den ångrades inte, så att "
                    "ingenting går förlorat. Öppna filen och ändra tillbaka för hand.")
        try:
            steps.write_atomic(path, save.before, keep_mode=True)
        except steps.PipelineError as exc:
            return f"Sparningen ångrades inte: {exc}"
        save.undone = True
        editor.bench.live.touch()
        return f"Sparningen kl {save.at:%H.%M.%S} av {save.file} är ångrad: filen är som den var före."


IMPOSSIBLE = ("den har ett värde som inte går att läsa (ett datum som inte finns, t.ex. 2024-02-30?). Rätta det "
              "i din textredigerare; felet står med rad i listan över fel.")
NOT_UTF8 = ("den är inte sparad som UTF-8, så å, ä och ö skulle gå förlorade om den sparades här. Spara om den "
            "som UTF-8 i din textredigerare (Spara som, kodning UTF-8).")


def _unreadable(bench, relative: str, reason: str, status: int = 200) -> Response:
    name = relative.rsplit("/", 1)[-1]
    return bench.page("redigera-fel.html", status=status, active="redigera", relative=relative,
                      title=f"Redigera {name}", reason=reason)


def _utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _get(bench, editor: Editor, relative: str, path: Path, saved: str, undone: str = "") -> Response:
    data = path.read_bytes()
    if not _utf8(data):
        return _unreadable(bench, relative, NOT_UTF8)
    notice = undone
    if saved.isdigit():
        save = next((s for s in editor.saves if str(s.number) == saved), None)
        if save is not None:
            notice = f"Sparat kl {save.at:%H.%M.%S}: {_lines(save.lines)} ändrades i {save.file}."
            if save.elsewhere:
                notice += (" Observera: ändringen ger nya fel i en annan fil, som inte hindrar planen: "
                           + " ".join(save.elsewhere))
    problems = [(p.key, p.message, p.line) for p in editor.problems_now() if p.file == relative]
    if relative.endswith(".md"):
        return _text_page(bench, editor, relative, data, data.decode("utf-8", "replace"), notice=notice,
                          problems=problems)
    return _form_page(bench, editor, relative, data, data.decode("utf-8", "replace"), notice=notice,
                      problems=[(k, m) for k, m, _ in problems])


def _lines(n: int) -> str:
    return "1 rad" if n == 1 else f"{n} rader"


def _form_page(bench, editor: Editor, relative: str, disk: bytes, pending: str, status: int = 200, notice: str = "",
               problems=(), refused=None, conflict=None, base: str | None = None, focus: str = "") -> Response:
    name = relative.rsplit("/", 1)[-1]
    cls = steps.source_model(name)
    try:
        document = Document(pending)
    except YAMLError:
        document = None
    except ValueError:  # a date that does not exist (2024-02-30): ruamel cannot construct it
        return _unreadable(bench, relative, IMPOSSIBLE, status)
    if document is None or not isinstance(document.data, dict):
        return _unreadable(bench, relative, "den är ingen läsbar YAML-fil just nu.", status)
    context = form_context(editor, relative, document.data, pending)
    tree = forms.build(cls, document.data, context)
    summary = forms.mark(tree, list(problems))
    editor.seen.setdefault(digest(disk), disk)
    return bench.page("redigera.html", focus=forms.focus_target(tree, focus) if focus else "", status=status, active="redigera", relative=relative, filename=name,
                      tree=tree, summary=summary, notice=notice, refused=refused, conflict=conflict,
                      base=base or digest(disk), draft=pack(pending),
                      header=forms.header_comment(pending), editor=editor, text_file=False)


def _text_page(bench, editor: Editor, relative: str, disk: bytes, typed: str, status: int = 200, notice: str = "",
               problems=(), refused=None, conflict=None, preview: str | None = None, base: str | None = None) -> Response:
    name = relative.rsplit("/", 1)[-1]
    editor.seen.setdefault(digest(disk), disk)
    return bench.page("redigera-text.html", heading=_chapter_of(editor, relative), status=status, active="redigera", relative=relative, filename=name,
                      typed=typed, notice=notice, problems=list(problems), refused=refused, conflict=conflict,
                      base=base or digest(disk), preview=preview, editor=editor, text_file=True)


def _post(bench, editor: Editor, relative: str, path: Path, form, js: bool) -> Response:
    base = str(form.get("_bas") or "")
    action = str(form.get("_åtgärd") or "spara")
    with editor.lock:
        disk = path.read_bytes()
        if not _utf8(disk):
            return _unreadable(bench, relative, NOT_UTF8, status=409)  # nothing is written
        if relative.endswith(".md"):
            return _post_text(bench, editor, relative, disk, form, base, action, js)
        pending = unpack(str(form.get("_utkast") or "")) or disk.decode("utf-8")
        name = relative.rsplit("/", 1)[-1]
        cls = steps.source_model(name)
        try:
            document = Document(pending)
        except YAMLError:
            return _unreadable(bench, relative, "den är ingen läsbar YAML-fil just nu.", 400)
        except ValueError:
            return _unreadable(bench, relative, IMPOSSIBLE, 400)
        context = form_context(editor, relative, document.data, pending)
        tree = forms.build(cls, document.data, context)
        forms.apply(tree, document.data, form)
        if action != "spara":
            done = forms.act(tree, document.data, action, form, context, cls)
            text = document.dump()
            message, focus = done or ("Knappen kunde inte användas på formuläret som det ser ut nu; ingenting "
                                      "ändrades.", "")
            return _form_page(bench, editor, relative, disk, text, notice=f"{message} (Inte sparat än.)",
                              problems=_problems_of(bench, relative), base=base or digest(disk), focus=focus)
        new = document.dump().encode("utf-8")
        if base != digest(disk):
            return _form_page(bench, editor, relative, disk, new.decode("utf-8"), status=409,
                              conflict=_conflict(editor, disk, new, relative, base), base=base)
        if new == disk:
            return _form_page(bench, editor, relative, disk, new.decode("utf-8"),
                              notice="Inga ändringar att spara: filen är som förut.",
                              problems=_problems_of(bench, relative))
        outcome, _ = editor.outcome(relative, new)
        if outcome.refused:
            here = [(p.key, p.message) for p in outcome.refused if p.file == relative]
            others = [p for p in outcome.refused if p.file != relative]
            return _form_page(bench, editor, relative, disk, new.decode("utf-8"), status=422,
                              refused={"here": here, "others": [str(p) for p in others]},
                              problems=[(p.key, p.message) for p in outcome.in_file], base=base)
        try:
            save = editor.write(relative, disk, new)
        except steps.PipelineError as exc:  # a full disk, a folder that cannot be written: the file is as it was
            return _form_page(bench, editor, relative, disk, new.decode("utf-8"), status=500, base=base,
                              notice=f"Filen sparades inte: {exc}")
        save.elsewhere = [str(p) for p in outcome.elsewhere]
    return RedirectResponse(f"/redigera/{quote(relative)}?sparat={save.number}#meddelande", status_code=303)


def _problems_of(bench, relative: str):
    """The file's problems as `check` finds them now (not the live state, which may be a moment behind)."""
    return [(p.key, p.message) for p in bench.editor.problems_now() if p.file == relative]


def _conflict(editor: Editor, disk: bytes, mine: bytes, relative: str, base: str) -> dict:
    """Both versions, their difference, and (when the file as the form was opened is known and the two
    changed different lines) both changes together, to be saved with one more click."""
    theirs = disk.decode("utf-8", "replace")
    ours = mine.decode("utf-8", "replace")
    diff = list(difflib.unified_diff(theirs.splitlines(), ours.splitlines(), "på disken", "din version",
                                     lineterm="", n=1))
    together = None
    opened = editor.seen.get(base)
    if opened is not None:
        together = merged(opened.decode("utf-8", "replace"), theirs, ours, strict=True)
        if together == theirs:
            together = None
    shown = list(difflib.unified_diff(theirs.splitlines(), together.splitlines(), lineterm="", n=0))[2:] \
        if together else []
    return {"disk": theirs, "mine": ours, "diff": diff[2:], "file": relative, "together": together,
            "together_diff": shown, "disk_hash": digest(disk),
            "together_packed": pack(together) if together else ""}


def kept_lines(original: str, typed: str) -> str:
    """`typed` (from a text area: CRLF line endings) written with the original's line endings, every line
    that is not edited byte for byte as it was (its own line ending too)."""
    typed = typed.replace("\r\n", "\n").replace("\r", "\n")
    old = original.splitlines(keepends=True)
    bare = [line.rstrip("\r\n") for line in old]
    ending = "\r\n" if original.count("\r\n") * 2 > original.count("\n") else "\n"
    new = typed.split("\n")
    final = typed.endswith("\n")
    if final:
        new = new[:-1]
    out: list[str] = []
    matcher = difflib.SequenceMatcher(None, bare, new, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            out.extend(old[i1:i2])
        else:
            out.extend(line + ending for line in new[j1:j2])
    if out:
        stripped = out[-1].rstrip("\r\n")
        if not final:
            out[-1] = stripped
        elif stripped == out[-1]:
            out[-1] += ending
    return "".join(out)


def _chapter_of(editor: Editor, relative: str) -> str:
    """The heading of the chapter or appendix whose text `relative` is (plan.yaml), or ""."""
    plan = _read(editor.root / "sources" / editor.year / "plan.yaml") or {}
    target = (editor.root / relative).resolve()
    for part in ("kapitel", "bilagor"):
        for item in plan.get(part) or []:
            if isinstance(item, dict) and isinstance(item.get("text"), str):
                try:
                    if (editor.root / "sources" / editor.year / item["text"]).resolve() == target:
                        return str(item.get("rubrik") or "")
                except (OSError, ValueError):
                    continue
    return ""


def _post_text(bench, editor: Editor, relative: str, disk: bytes, form, base: str, action: str, js: bool) -> Response:
    original = disk.decode("utf-8", "replace")
    typed = str(form.get("text") or "")
    new_text = kept_lines(original, typed)
    new = new_text.encode("utf-8")
    if action == "forhandsgranska":
        outcome, page = editor.outcome(relative, new)
        key = editor.store_preview(page) if page is not None else None
        problems = [(p.key, p.message, p.line) for p in outcome.in_file]
        if js:
            return JSONResponse({"preview": f"/redigera-visning/{key}" if key else None,
                                 "problems": [f"rad {line}: {m}" if line else m for _, m, line in problems],
                                 "refused": [str(p) for p in outcome.refused]})
        return _text_page(bench, editor, relative, disk, typed, problems=problems,
                          preview=f"/redigera-visning/{key}" if key else None, base=base,
                          notice="Förhandsvisningen visar texten som du har skrivit den. (Inte sparat än.)")
    if base != digest(disk):
        return _text_page(bench, editor, relative, disk, typed, status=409, base=base,
                          conflict=_conflict(editor, disk, new, relative, base))
    if new == disk:
        return _text_page(bench, editor, relative, disk, typed, notice="Inga ändringar att spara: filen är som förut.")
    outcome, page = editor.outcome(relative, new)
    if outcome.refused:
        return _text_page(bench, editor, relative, disk, typed, status=422, base=base,
                          refused={"here": [(p.line, p.message) for p in outcome.refused if p.file == relative],
                                   "others": [str(p) for p in outcome.refused if p.file != relative]},
                          problems=[(p.key, p.message, p.line) for p in outcome.in_file])
    try:
        save = editor.write(relative, disk, new)
    except steps.PipelineError as exc:
        return _text_page(bench, editor, relative, disk, typed, status=500, base=base,
                          notice=f"Filen sparades inte: {exc}")
    save.elsewhere = [str(p) for p in outcome.elsewhere]
    return RedirectResponse(f"/redigera/{quote(relative)}?sparat={save.number}#meddelande", status_code=303)
