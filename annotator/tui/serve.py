"""`annotator serve`: the labelling screen in a browser, through textual-serve (one app process
per browser tab, drawn by xterm.js), behind an access check.

Access: on a loopback address the server is open to whoever can reach it (the people on this
machine). Anywhere else it needs a secret (`--token-file` or `$ANNOTATOR_SERVE_TOKEN`). A request
carries it as `?token=` (once: the server answers with a cookie and a redirect that drops it from
the address bar), as that cookie, or as `Authorization: Bearer`. A link made by `serve --link
NAME` carries a token bound to that name (an HMAC of the name under the secret): it opens the
screen as NAME and nobody else. A request without a valid token gets 401 and starts no process.

Limits: at most `max_sessions` app processes at once (503 beyond); a session without a key for
`idle` seconds is closed. Every decision is stored when it is made, so closing a tab loses
nothing, and the next session of the same name resumes where it stopped.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import ipaddress
import os
import shlex
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aiohttp import web
from textual_serve.app_service import AppService
from textual_serve.server import Server, to_int

from annotator.corpus.text import shown
from annotator.errors import UserError
from annotator.names import name_problem

COOKIE = "annotator_access"
IDLE_WATCH = web.AppKey("idle_watch", asyncio.Task)
MIN_SECRET = 16
TEMPLATES = Path(__file__).parent / "templates"  # textual-serve's page, without its web font from Google


# ------------------------------------------------------------------------ access


@dataclass(frozen=True, slots=True)
class Grant:
    """What a valid token allows: any name (None), or the one it is bound to."""

    name: str | None


GRANT = web.RequestKey("grant", Grant)  # what the request's token allows, set by the guard


class Access:
    def __init__(self, secret: str | None):
        self.secret = secret

    @property
    def open(self) -> bool:
        return self.secret is None

    def _mac(self, name: str) -> str:
        assert self.secret is not None
        return hmac.new(self.secret.encode(), f"name:{name}".encode(), hashlib.sha256).hexdigest()[:32]

    def link_token(self, name: str) -> str:
        """A token that opens the screen as `name` only."""
        if problem := name_problem(name):
            raise UserError(f"--link {shown(name)}: {problem}")
        encoded = base64.urlsafe_b64encode(name.encode()).decode().rstrip("=")
        return f"{encoded}.{self._mac(name)}"

    def check(self, token: str | None) -> Grant | None:
        """The grant a token gives, or None (no token, a wrong one)."""
        if self.secret is None:
            return Grant(None)
        if not token:
            return None
        if hmac.compare_digest(token.encode(), self.secret.encode()):
            return Grant(None)
        encoded, _, mac = token.partition(".")
        try:
            name = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)).decode()
        except (ValueError, UnicodeDecodeError):
            return None
        if name_problem(name) or not hmac.compare_digest(mac.encode(), self._mac(name).encode()):
            return None
        return Grant(name)


def read_secret(token_file: Path | None) -> str | None:
    """The access secret from `--token-file` or `$ANNOTATOR_SERVE_TOKEN` (None: neither)."""
    if token_file is not None:
        try:
            secret = token_file.read_text("utf-8").strip()
        except (OSError, UnicodeDecodeError) as exc:
            raise UserError(f"{shown(token_file)}: cannot read the token file ({exc})") from None
        where = shown(token_file)
    else:
        secret = os.environ.get("ANNOTATOR_SERVE_TOKEN", "").strip()
        where = "$ANNOTATOR_SERVE_TOKEN"
        if not secret:
            return None
    if len(secret) < MIN_SECRET or any(c.isspace() for c in secret):
        raise UserError(f"{where}: the access secret needs {MIN_SECRET} characters or more and no spaces")
    return secret


def loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


# ------------------------------------------------------------------------ the server


class AnnotatorServer(Server):
    def __init__(
        self,
        db: Path | str,
        access: Access,
        *,
        host: str = "127.0.0.1",
        port: int = 8000,
        public_url: str | None = None,
        max_sessions: int = 8,
        idle: float = 1800.0,
    ):
        from annotator.store import location

        where = location.parse(db)
        self.shown = where.shown()
        super().__init__(
            command="annotator",
            host=host,
            port=port,
            title=f"annotator · {where.title()}",
            public_url=public_url,
            templates_path=TEMPLATES,
        )
        self.db = db
        if where.url is not None:  # the sessions' processes find it in their environment, where
            os.environ["ANNOTATOR_DB"] = where.url  # a password stays out of the process list
        self.access = access
        self.max_sessions = max_sessions
        self.idle = idle
        self.sessions: dict[int, float] = {}  # id of a session's websocket -> its last key, monotonic

    def command_for(self, grant: Grant) -> str:
        """The app process of one session: the screen on this store, its first screen asking
        who labels (a name the grant binds is given, and fixed)."""
        on_file = isinstance(self.db, Path)
        argv = [sys.executable, "-m", "annotator", *(["--db", str(self.db)] if on_file else []), "served"]
        if grant.name is not None:
            argv += ["--annotator", grant.name]
        return shlex.join(argv)

    async def _make_app(self) -> web.Application:
        app = await super()._make_app()
        app.middlewares.append(self.guard)
        return app

    @web.middleware
    async def guard(self, request: web.Request, handler) -> web.StreamResponse:
        """Every request, static files and the websocket included, needs a valid token
        (except on an open server)."""
        query = request.query.get("token")
        token = query or request.cookies.get(COOKIE) or _bearer(request)
        grant = self.access.check(token)
        if grant is None:
            return web.Response(
                status=401,
                text="annotator: this server needs an access link; ask the project lead for yours.\n",
            )
        if query and not self.access.open:  # the token leaves the address bar for a cookie
            target = request.rel_url.with_query({k: v for k, v in request.query.items() if k != "token"})
            response = web.Response(status=303, headers={"Location": str(target)})
            response.set_cookie(COOKIE, query, httponly=True, samesite="Strict", secure=request.secure)
            return response
        request[GRANT] = grant
        return await handler(request)

    async def on_startup(self, app: web.Application) -> None:
        who = "anyone who can reach it" if self.access.open else "holders of an access link"
        self.console.print(f"annotator: serving {self.shown} on {self.public_url} to {who}")
        self.console.print("Press Ctrl+C to stop (every decision is already stored).")
        app[IDLE_WATCH] = asyncio.create_task(self._watch_idle())

    async def on_shutdown(self, app: web.Application) -> None:
        app[IDLE_WATCH].cancel()

    async def _watch_idle(self) -> None:
        while True:
            await asyncio.sleep(min(30.0, self.idle / 4))
            now = time.monotonic()
            for key, last in list(self.sessions.items()):
                if now - last > self.idle:
                    self.sessions[key] = float("inf")  # marked: its loop ends it

    async def handle_websocket(self, request: web.Request) -> web.WebSocketResponse:
        """One browser tab: one app process, within the limits (textual-serve's handler, with
        the command of the request's grant, a session limit and an idle timeout)."""
        websocket = web.WebSocketResponse(heartbeat=15)
        if len([t for t in self.sessions.values() if t != float("inf")]) >= self.max_sessions:
            raise web.HTTPServiceUnavailable(
                text=f"annotator: {self.max_sessions} sessions are open already; try again later.\n"
            )
        width = to_int(request.query.get("width", "80"), 80)
        height = to_int(request.query.get("height", "24"), 24)
        key = id(websocket)
        self.sessions[key] = time.monotonic()
        app_service: AppService | None = None

        async def close() -> None:
            await websocket.close()

        try:
            await websocket.prepare(request)
            app_service = AppService(
                self.command_for(request[GRANT]),
                write_bytes=websocket.send_bytes,
                write_str=websocket.send_str,
                close=close,
                download_manager=self.download_manager,
                debug=self.debug,
            )
            await app_service.start(width, height)
            reader = asyncio.create_task(self._process_messages(websocket, app_service, key))
            while not reader.done():
                await asyncio.wait({reader}, timeout=1.0)
                if self.sessions.get(key) == float("inf"):  # idle too long: closed
                    await websocket.close(message=b"idle")
                    reader.cancel()
                    break
        except asyncio.CancelledError:
            await websocket.close()
        finally:
            self.sessions.pop(key, None)
            if app_service is not None:
                await app_service.stop()
        return websocket

    async def _process_messages(
        self, websocket: web.WebSocketResponse, app_service: AppService, key: int | None = None
    ) -> None:
        """textual-serve's message loop; a key (stdin) keeps the session alive."""
        from aiohttp import WSMsgType

        async for message in websocket:
            if message.type != WSMsgType.TEXT:
                continue
            envelope = message.json()
            kind = envelope[0]
            data: Any = envelope[1] if len(envelope) > 1 else None
            if kind == "stdin":
                if key is not None and self.sessions.get(key) != float("inf"):
                    self.sessions[key] = time.monotonic()
                await app_service.send_bytes(data.encode("utf-8"))
            elif kind == "resize":
                await app_service.set_terminal_size(data["width"], data["height"])
            elif kind == "ping":
                await websocket.send_json(["pong", data])
            elif kind == "blur":
                await app_service.blur()
            elif kind == "focus":
                await app_service.focus()


def _bearer(request: web.Request) -> str | None:
    header = request.headers.get("Authorization", "")
    return header[7:].strip() if header.startswith("Bearer ") else None


def default_sessions() -> int:
    """Two app processes per core: on 2 cores, 4 sessions of fast annotators kept key p99 under
    100 ms and 8 did not (`python bench/serve.py`)."""
    return 2 * (os.cpu_count() or 1)
