"""The view's ASGI application: the page, its static files and the JSON API, all behind an access
token. A request carries the token as `?token=`, an `X-Guild-Token` header or the cookie the page
sets; without it: 403 and nothing else. Unknown runs and files outside a run are 404.

    GET /                                   the page (single-page app in static/)
    GET /static/PATH                        its scripts, styles and the vendored charting library
    GET /api/runs?filter=&sort=&desc=&offset=&limit=
    GET /api/runs/ID                        flags, attributes, scalars, files, source code
    GET /api/runs/ID/scalars                every logged value, by scalar
    GET /api/runs/ID/output?offset=N        output from byte N (a live tail)
    GET /api/runs/ID/files/PATH             a file of the run
    GET /api/compare?ids=ID,ID              the compare table

Work that reads run files runs in a thread, so a slow read never stalls other requests."""

from __future__ import annotations

import asyncio
import hmac
import json
import os
from urllib.parse import parse_qs, unquote

from guild.view import data

TYPE_CHECKING = False
if TYPE_CHECKING:  # annotations are strings; importing typing costs start-up time
    from typing import Any, Callable

STATIC = os.path.join(os.path.dirname(os.path.abspath(__file__)), "static")
COOKIE = "guild_view_token"
_TYPES = {".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8",
          ".css": "text/css; charset=utf-8", ".svg": "image/svg+xml", ".png": "image/png"}


class ViewApp:
    def __init__(self, source: data.Source, token: str):
        self.source = source
        self.token = token

    async def __call__(self, scope: dict, receive: Callable, send: Callable) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        if scope["type"] != "http":
            return
        path = scope.get("path") or "/"
        query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
        if not self._authorized(scope, query):
            await _send(send, 403, b"forbidden: open the URL that was printed (it carries the access token)\n",
                        "text/plain; charset=utf-8")
            return
        if scope.get("method") not in ("GET", "HEAD"):
            await _send(send, 405, b"method not allowed\n", "text/plain")
            return
        try:
            status, body, ctype, headers = await self._route(path, query)
        except data.NotFound:
            status, body, ctype, headers = 404, _json({"error": "not found"}), "application/json", []
        except data.BadRequest as e:
            status, body, ctype, headers = 400, _json({"error": str(e)}), "application/json", []
        if "token" in query:  # the page's own requests carry the cookie from now on
            headers = [*headers, (b"set-cookie", f"{COOKIE}={self.token}; Path=/; HttpOnly; SameSite=Strict".encode())]
        await _send(send, status, b"" if scope.get("method") == "HEAD" else body, ctype, headers)

    def _authorized(self, scope: dict, query: dict) -> bool:
        given = (query.get("token") or [None])[0]
        for name, value in scope.get("headers") or []:
            if name == b"x-guild-token":
                given = given or value.decode("latin-1")
            elif name == b"cookie":
                for part in value.decode("latin-1").split(";"):
                    key, _, val = part.strip().partition("=")
                    if key == COOKIE:
                        given = given or val
        return given is not None and hmac.compare_digest(given, self.token)

    async def _route(self, path: str, query: dict) -> tuple[int, bytes, str, list]:
        q = {k: v[-1] for k, v in query.items()}
        if path in ("/", "/index.html"):
            return self._static("index.html")
        if path.startswith("/static/"):
            return self._static(path[len("/static/"):])
        if path == "/api/runs":
            return _ok(await _thread(data.runs_page, self.source, expr=q.get("filter") or None,
                                     sort=q.get("sort") or "started", desc=q.get("desc", "1") != "0",
                                     offset=_int(q.get("offset"), 0), limit=_int(q.get("limit"), 100)))
        if path == "/api/compare":
            ids = [i for i in (q.get("ids") or "").split(",") if i]
            return _ok(await _thread(data.compare, self.source, ids))
        if path.startswith("/api/runs/"):
            run_id, _, rest = path[len("/api/runs/"):].partition("/")
            if not rest:
                return _ok(await _thread(data.run_detail, self.source, run_id))
            if rest == "scalars":
                return _ok(await _thread(data.scalar_series, self.source, run_id))
            if rest == "output":
                return _ok(await _thread(data.output, self.source, run_id, _int(q.get("offset"), 0)))
            if rest.startswith("files/"):
                body, ctype = await _thread(data.file_content, self.source, run_id, unquote(rest[len("files/"):]))
                return 200, body, ctype, [(b"x-content-type-options", b"nosniff")]
        raise data.NotFound(path)

    def _static(self, rel: str) -> tuple[int, bytes, str, list]:
        path = os.path.normpath(os.path.join(STATIC, rel))
        if not path.startswith(STATIC + os.sep) or not os.path.isfile(path):
            raise data.NotFound(rel)
        with open(path, "rb") as f:
            body = f.read()
        return 200, body, _TYPES.get(os.path.splitext(path)[1], "application/octet-stream"), [
            (b"cache-control", b"no-cache")]


async def _thread(fn, *args, **kw):
    return await asyncio.to_thread(fn, *args, **kw)


def _int(text: str | None, default: int) -> int:
    try:
        return int(text) if text is not None else default
    except ValueError:
        raise data.BadRequest(f"not a number: {text}") from None


def _json(value: Any) -> bytes:
    return json.dumps(value, allow_nan=False, default=str).encode()


def _ok(value: Any) -> tuple[int, bytes, str, list]:
    return 200, _json(value), "application/json", []


async def _send(send: Callable, status: int, body: bytes, ctype: str, headers: list | None = None) -> None:
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", ctype.encode()), (b"content-length", str(len(body)).encode()),
                            *(headers or [])]})
    await send({"type": "http.response.body", "body": body})
