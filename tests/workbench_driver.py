"""Start the workbench as a user does and drive it: the printed address, plain HTTP with its cookie, and
Chromium through tests/browser/arbetsbank.mjs. Used by tests/test_workbench.py, tools/bench.py and
tools/workbench_screenshots.py."""

from __future__ import annotations

import http.client
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
BROWSER = ROOT / "tests" / "browser"
ADDRESS = re.compile(r"^Arbetsbänken för (\d{4}): (http://127\.0\.0\.1:(\d+)/\?nyckel=([\w-]+))  \(Ctrl-C stänger den\)$")


class Workbench:
    """One running `python -m pipeline serve ÅR`, its output going to files (as into a log)."""

    def __init__(self, root: Path, work: Path, year: str = "2024", port: int = 0):
        self.root, self.work, self.year = root, work, year
        self.tmp = work / "tmp"   # TMPDIR of the server: every LibreOffice profile it makes lies here
        self.tmp.mkdir(parents=True, exist_ok=True)
        self.out_path, self.err_path = work / "utdata.txt", work / "fel.txt"
        env = {**os.environ, "TMPDIR": str(self.tmp)}
        env.pop("DISPLAY", None)
        with self.out_path.open("w") as out, self.err_path.open("w") as err:
            args = [sys.executable, "-m", "pipeline", "--root", str(root), "serve", year, "--no-browser"]
            if port:
                args += ["--port", str(port)]
            self.proc = subprocess.Popen(args, stdout=out, stderr=err, stdin=subprocess.DEVNULL, cwd=ROOT, env=env)
        self.line = self._first_line()
        match = ADDRESS.match(self.line)
        assert match, self.line
        self.url, self.port, self.key = match.group(2), int(match.group(3)), match.group(4)
        self.origin = f"http://127.0.0.1:{self.port}"
        self.cookie = f"vp-arbetsbank-{self.port}={self.key}"

    def _first_line(self, timeout: float = 60) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            text = self.out_path.read_text(encoding="utf-8")
            if "\n" in text:
                return text.split("\n", 1)[0]
            if self.proc.poll() is not None:
                raise AssertionError(f"arbetsbänken avslutades: {self.err_path.read_text(encoding='utf-8')}")
            time.sleep(0.05)
        raise AssertionError("ingen adress skrevs ut")

    # --- HTTP ---------------------------------------------------------------------------------------

    def request(self, method: str, path: str, body: bytes | None = None, headers: dict | None = None,
                cookie: bool = True, host: str | None = None, timeout: float = 200) -> tuple[int, dict, bytes]:
        """Send one request with `path` exactly as given (no normalisation); return status, headers, body."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            connection.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
            connection.putheader("Host", host if host is not None else f"127.0.0.1:{self.port}")
            if cookie:
                connection.putheader("Cookie", self.cookie)
            for name, value in (headers or {}).items():
                connection.putheader(name, value)
            if body is not None:
                connection.putheader("Content-Length", str(len(body)))
            connection.endheaders(body)
            response = connection.getresponse()
            return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
        finally:
            connection.close()

    def get(self, path: str, **kw) -> tuple[int, dict, bytes]:
        return self.request("GET", path, **kw)

    def token(self, page: str, action: str | None = None) -> str:
        """The form token of the form posting to `action` (default: `page`) on `page`."""
        status, _, body = self.get(page)
        assert status == 200, (page, status)
        text = body.decode("utf-8")
        action = action or page.split("?")[0]
        form = re.search(r'<form method="post" action="' + re.escape(action) + r'"[^>]*>\s*<input type="hidden" '
                         r'name="formularnyckel" value="([^"]+)"', text)
        assert form, f"inget formulär till {action} på {page}"
        return form.group(1)

    def post(self, path: str, fields: dict | list | None = None, files: list[tuple[str, str, bytes]] = (),
             token: str | None = "hämta", origin: str | None = "egen", headers: dict | None = None,
             **kw) -> tuple[int, dict, bytes]:
        """POST a form as the page's own form does (multipart when there are files)."""
        items = list(fields.items()) if isinstance(fields, dict) else list(fields or [])
        if token == "hämta":
            token = self.token(path)
        if token is not None:
            items.insert(0, ("formularnyckel", token))
        extra = dict(headers or {})
        if origin == "egen":
            extra["Origin"] = self.origin
        elif origin is not None:
            extra["Origin"] = origin
        if files:
            boundary = uuid.uuid4().hex
            parts = []
            for name, value in items:
                parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
            for name, filename, data in files:
                parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
                             f'Content-Type: application/octet-stream\r\n\r\n'.encode() + data + b"\r\n")
            body = b"".join(parts) + f"--{boundary}--\r\n".encode()
            extra["Content-Type"] = f"multipart/form-data; boundary={boundary}"
        else:
            from urllib.parse import urlencode
            body = urlencode(items).encode()
            extra["Content-Type"] = "application/x-www-form-urlencoded"
        return self.request("POST", path, body=body, headers=extra, **kw)

    def state(self) -> dict:
        status, _, body = self.get("/lage")
        assert status == 200, status
        return json.loads(body)

    def wait(self, condition, timeout: float = 180, what: str = "") -> dict:
        """Wait until `condition(state)` holds; return the state."""
        deadline = time.monotonic() + timeout
        while True:
            state = self.state()
            if condition(state):
                return state
            if time.monotonic() > deadline:
                raise AssertionError(f"väntade förgäves på {what or condition}: {state}")
            time.sleep(0.1)

    def wait_ready(self, timeout: float = 240) -> dict:
        """Wait until the preview is current and the PDF and DOCX are made (or failed)."""
        return self.wait(lambda s: s["current"] and s["documents"] in ("klar", "fel", "källfel", "saknas"),
                         timeout, "en aktuell förhandsvisning och PDF")

    def wait_job(self, step: str, number: int | None = None, timeout: float = 300) -> dict:
        state = self.wait(lambda s: step in s["jobs"] and not s["jobs"][step]["running"]
                          and (number is None or s["jobs"][step]["number"] >= number), timeout, f"steget {step}")
        return state["jobs"][step]

    # --- Chromium -------------------------------------------------------------------------------------

    def browser(self, plan: list[dict], timeout: float = 400) -> dict:
        """Run the steps in Chromium (tests/browser/arbetsbank.mjs); return its results."""
        with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False, dir=self.work) as handle:
            json.dump(plan, handle, ensure_ascii=False)
        run = subprocess.run(["node", str(BROWSER / "arbetsbank.mjs"), self.url, handle.name], capture_output=True,
                             text=True, timeout=timeout, cwd=BROWSER)
        assert run.returncode == 0, run.stderr
        result = json.loads(run.stdout)
        errors = [r["error"] for r in result["results"] if "error" in r]
        assert not errors, f"{errors[0]}\nefter stegen: {[{k: v for k, v in r.items() if k != 'text'} for r in result['results'][-4:]]}"

        return result

    # --- stopping ----------------------------------------------------------------------------------------

    def descendants(self) -> list[int]:
        """Every process started by the server, however deep (LibreOffice's helpers start sessions of their own)."""
        children: dict[int, list[int]] = {}
        for entry in os.scandir("/proc"):
            if entry.name.isdigit():
                try:
                    stat = Path(f"/proc/{entry.name}/stat").read_text()
                except OSError:
                    continue
                ppid = int(stat[stat.rfind(")") + 2:].split()[1])
                children.setdefault(ppid, []).append(int(entry.name))
        out, todo = [], [self.proc.pid]
        while todo:
            pid = todo.pop()
            for child in children.get(pid, []):
                out.append(child)
                todo.append(child)
        return out

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 60) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                raise AssertionError("arbetsbänken stannade inte")
        return self.proc.returncode

    def stderr(self) -> str:
        return self.err_path.read_text(encoding="utf-8")


def alive(pids: list[int]) -> list[int]:
    """The processes among `pids` that still run (not zombies)."""
    out = []
    for pid in pids:
        try:
            state = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            continue
        if state[state.rfind(")") + 2:].split()[0] != "Z":
            out.append(pid)
    return out


def pgrep(pattern: str) -> list[str]:
    """pgrep -af PATTERN, without pgrep itself."""
    run = subprocess.run(["pgrep", "-af", pattern], capture_output=True, text=True)
    return [line for line in run.stdout.splitlines() if "pgrep" not in line]


def same_path(url: str) -> str:
    return urlsplit(url).path
