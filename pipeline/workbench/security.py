"""Who may ask the workbench for what: the run's key, the Host it answers to, form tokens, reachable files.

As Jupyter Server does: the server listens on 127.0.0.1 only; a key made for this run is in the
address it prints and is swapped at once for an HttpOnly, SameSite=Strict cookie (the address
bar loses it); and a request whose Host header is not the server's own address is refused, so a
web page whose name is made to point at 127.0.0.1 (DNS rebinding) reaches nothing. As Datasette
does: every form carries a token, and a change is a POST with the token of the page its form
came from and an Origin (or Referer) of this very server. `Guard` checks all of it, in that
order, before a request reaches a page, and reads a POST's form itself (within a size limit), so
no page can forget a check.

A URL names a file by its path in the project; `inside` returns it only when it is a regular
file in one of the folders that URL may reach: no `..` or `.` segment (also when sent encoded,
%2e%2e: the server decodes before this check), no absolute path, no hidden file, and no symlink
that leads out of the folder.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import unicodedata
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

from starlette.datastructures import Headers, QueryParams
from starlette.formparsers import MultiPartException
from starlette.requests import Request, cookie_parser

KEY_PARAM = "nyckel"            # ?nyckel=... in the printed address
TOKEN_FIELD = "formularnyckel"   # the hidden field of every form
FORM_SCOPE_KEY = "vp.form"      # where Guard leaves a POST's parsed form for the page
MAX_REQUEST_BYTES = 120 * 1024 * 1024  # one upload of several returned files; each file is held to safezip's limit
MAX_UPLOAD_FILES = 40
MAX_FIELDS = 5000  # an editing form has a field for every value of its file (mal.yaml: a few hundred)

# A page that refuses: (status, title, message) -> HTML bytes.
Refusal = Callable[[int, str, str], bytes]


@dataclass
class Access:
    """The run's secrets and its address."""

    port: int
    key: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    secret: bytes = field(default_factory=lambda: secrets.token_bytes(32))

    @property
    def hosts(self) -> tuple[str, ...]:
        """The Host headers the server answers to: its own address, by number or by name."""
        return (f"127.0.0.1:{self.port}", f"localhost:{self.port}")

    @property
    def cookie(self) -> str:
        # Cookies do not keep ports apart: two workbenches on one machine each have their own name.
        return f"vp-arbetsbank-{self.port}"

    def address(self, path: str = "/") -> str:
        """The address to print: the start page with the key."""
        return f"http://127.0.0.1:{self.port}{path}?{urlencode({KEY_PARAM: self.key})}"

    def is_key(self, value: str | None) -> bool:
        return value is not None and hmac.compare_digest(value.encode(), self.key.encode())

    def token(self, action: str) -> str:
        """Return a new form token for a form that posts to `action` (a fresh one for every page shown)."""
        nonce = secrets.token_urlsafe(12)
        return f"{nonce}.{self._mac(nonce, action)}"

    def is_token(self, token: str | None, action: str) -> bool:
        if not token or token.count(".") != 1:
            return False
        nonce, mac = token.split(".")
        return hmac.compare_digest(mac.encode(), self._mac(nonce, action).encode())

    def _mac(self, nonce: str, action: str) -> str:
        return hmac.new(self.secret, f"{nonce}|{action}".encode(), hashlib.sha256).hexdigest()[:32]


class TooLarge(Exception):
    """The request's body is over MAX_REQUEST_BYTES."""


class Guard:
    """ASGI middleware: refuse a request unless its Host, key, method, origin and form token are right."""

    def __init__(self, app, access: Access, refusal: Refusal, limit: int = MAX_REQUEST_BYTES):
        self.app = app
        self.access = access
        self.refusal = refusal
        self.limit = limit

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] == "lifespan":
            await self.app(scope, receive, send)
            return
        if scope["type"] != "http":  # no websockets here
            await send({"type": "websocket.close", "code": 1008})
            return
        headers = Headers(scope=scope)
        host = headers.get("host", "")
        if host not in self.access.hosts:
            await self._refuse(send, 400, "Fel adress",
                               "Arbetsbänken svarar bara på sin egen adress, http://127.0.0.1:PORT/. Öppna adressen "
                               "som skrevs ut när arbetsbänken startade.")
            return
        method = scope["method"]
        if method not in ("GET", "HEAD", "POST"):
            await self._refuse(send, 405, "Otillåten begäran", "Arbetsbänken tar bara emot GET och POST.",
                               extra=[(b"allow", b"GET, HEAD, POST")])
            return
        query = QueryParams(scope.get("query_string", b"").decode("latin-1"))
        cookies = cookie_parser(headers.get("cookie", ""))
        if KEY_PARAM in query:
            if method != "GET" or not self.access.is_key(query.get(KEY_PARAM)):
                await self._refuse(send, 403, "Åtkomst nekad", _SIGN_IN)
                return
            await self._sign_in(scope, send, query)
            return
        if not self.access.is_key(cookies.get(self.access.cookie)):
            await self._refuse(send, 403, "Åtkomst nekad", _SIGN_IN)
            return
        send = _with_headers(send)
        if method != "POST":
            await self.app(scope, receive, send)
            return
        if not same_origin(headers, host):
            await self._refuse(send, 403, "Ändringen nekades",
                               "Formuläret skickades inte från arbetsbänkens egen sida. Öppna sidan i arbetsbänken "
                               "och skicka formuläret därifrån.")
            return
        length = headers.get("content-length")
        if length is not None and length.isdigit() and int(length) > self.limit:
            await self._refuse(send, 413, "För stor uppladdning", _too_large(self.limit))
            return
        form = None
        try:
            form = await Request(scope, _limited(receive, self.limit)).form(
                max_files=MAX_UPLOAD_FILES, max_fields=MAX_FIELDS)
            if not self.access.is_token(_text(form.get(TOKEN_FIELD)), scope["path"]):
                await self._refuse(send, 403, "Ändringen nekades",
                                   "Formuläret saknar sin nyckel eller kommer från en äldre körning av arbetsbänken. "
                                   "Ladda om sidan och skicka formuläret igen.")
                return
            scope[FORM_SCOPE_KEY] = form
            await self.app(scope, receive, send)
        except TooLarge:
            await self._refuse(send, 413, "För stor uppladdning", _too_large(self.limit))
        except MultiPartException:
            await self._refuse(send, 400, "Formuläret kunde inte läsas",
                               f"Formuläret kunde inte läsas (högst {MAX_UPLOAD_FILES} filer på en gång). "
                               "Ingenting sparades.")
        finally:
            if form is not None:
                await form.close()

    async def _sign_in(self, scope, send, query: QueryParams) -> None:
        """Swap the key in the address for the cookie, and show the same address without it."""
        rest = urlencode([(k, v) for k, v in query.multi_items() if k != KEY_PARAM])
        location = scope["path"] + (f"?{rest}" if rest else "")
        cookie = f"{self.access.cookie}={self.access.key}; HttpOnly; SameSite=Strict; Path=/"
        await send({"type": "http.response.start", "status": 303,
                    "headers": [(b"location", location.encode("utf-8")), (b"set-cookie", cookie.encode()),
                                (b"cache-control", b"no-store"), (b"referrer-policy", b"no-referrer"),
                                (b"content-length", b"0")]})
        await send({"type": "http.response.body", "body": b""})

    async def _refuse(self, send, status: int, title: str, message: str, extra: list | None = None) -> None:
        body = self.refusal(status, title, message)
        await send({"type": "http.response.start", "status": status,
                    "headers": [(b"content-type", b"text/html; charset=utf-8"),
                                (b"content-length", str(len(body)).encode()), (b"cache-control", b"no-store"),
                                *SECURITY_HEADERS, *(extra or [])]})
        await send({"type": "http.response.body", "body": body})


_SIGN_IN = ("Arbetsbänken släpper bara in den som har nyckeln för den här körningen. Öppna adressen som skrevs ut "
            "när arbetsbänken startade (den slutar på ?nyckel=...).")

# Every page: no framing by others, no guessing of content types, referrers only to ourselves.
SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"content-security-policy", b"default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                                 b"frame-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; "
                                 b"base-uri 'none'; object-src 'none'"),
    (b"x-frame-options", b"DENY"),
]
# The preview is the plan's own page: its style is inline, it runs nothing and posts nothing.
PREVIEW_HEADERS = {
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
    "content-security-policy": "default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
                               "frame-ancestors 'self'; base-uri 'none'; form-action 'none'",
    "x-frame-options": "SAMEORIGIN",
}


def _with_headers(send):
    """`send`, adding to each response the SECURITY_HEADERS it does not set itself."""
    async def sending(message: dict) -> None:
        if message["type"] == "http.response.start":
            present = {name.lower() for name, _ in message.get("headers", [])}
            message["headers"] = list(message.get("headers", [])) + [
                (name, value) for name, value in SECURITY_HEADERS if name not in present]
        await send(message)
    return sending


def same_origin(headers: Headers, host: str) -> bool:
    """Whether the request says it comes from a page of this server (Origin, or else Referer)."""
    expected = f"http://{host}"
    origin = headers.get("origin")
    if origin is not None:
        return origin == expected
    referer = headers.get("referer")
    return referer is not None and (referer == expected or referer.startswith(expected + "/"))


def _too_large(limit: int) -> str:
    return (f"Uppladdningen är för stor (högst {limit // (1024 * 1024)} MB på en gång). Ingenting sparades. "
            "Ladda upp färre filer åt gången.")


def _text(value) -> str | None:
    return value if isinstance(value, str) else None


def _limited(receive, limit: int) -> Callable[[], Awaitable[dict]]:
    """`receive`, raising TooLarge once the body has grown over `limit` bytes."""
    seen = 0

    async def limited() -> dict:
        nonlocal seen
        message = await receive()
        if message["type"] == "http.request":
            seen += len(message.get("body", b""))
            if seen > limit:
                raise TooLarge
        return message
    return limited


# --- files a URL may reach ------------------------------------------------------------------------

class Outside(Exception):
    """The path names no file that this URL may reach."""


def inside(root: Path, relative: str, bases: Iterable[Path]) -> Path:
    """Return the regular file that `relative` (a '/'-separated path from the project root) names inside
    one of `bases`, resolved; raise Outside for anything else (missing, `..`, absolute, hidden, a symlink
    leading out)."""
    if not relative or "\x00" in relative or "\\" in relative or relative.startswith("/"):
        raise Outside(relative)
    parts = relative.split("/")
    if any(part in ("", ".", "..") or part.startswith(".") for part in parts):
        raise Outside(relative)
    path = root.joinpath(*parts)
    try:
        real = path.resolve(strict=True)
    except (OSError, RuntimeError) as exc:
        raise Outside(relative) from exc
    if not real.is_file():
        raise Outside(relative)
    for base in bases:
        if path.is_relative_to(base) and real.is_relative_to(base.resolve()):
            return real
    raise Outside(relative)


def upload_name(filename: str) -> str | None:
    """Return the name to store an uploaded file under (its own name, made harmless), or None if it is
    not named as a Word file (.docx, .docm)."""
    name = unicodedata.normalize("NFC", (filename or "").replace("\\", "/").rsplit("/", 1)[-1]).strip()
    name = re.sub(r"[^\w .()+,-]", "_", name).lstrip(". ")
    stem, dot, suffix = name.rpartition(".")
    if not dot or suffix.lower() not in ("docx", "docm") or not stem.strip():
        return None
    return f"{stem[:120].rstrip()}.{suffix.lower()}"
