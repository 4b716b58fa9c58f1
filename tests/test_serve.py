"""`annotator serve`: the access layer (tokens, links bound to a name, 401 before any process),
the limits, the first screen of a served session, and the whole thing in a real headless
browser (Debian's chromium driven by Playwright)."""

import asyncio
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer

from annotator.cli import main
from annotator.store import Store
from annotator.tui import serve
from annotator.tui.app import make_app
from annotator.tui.serve import COOKIE, Access, AnnotatorServer, Grant

SECRET = "s3cret-for-the-whole-team"
CHROMIUM = shutil.which("chromium")


class FakeAppService:
    """Stands for an app process: records what was started, starts nothing."""

    started: list[str] = []

    def __init__(self, command, **_):
        self.command = command

    async def start(self, width, height):
        FakeAppService.started.append(self.command)

    async def stop(self):
        pass

    async def send_bytes(self, data):
        pass

    async def set_terminal_size(self, width, height):
        pass


@pytest.fixture
def fake_apps(monkeypatch):
    FakeAppService.started = []
    monkeypatch.setattr(serve, "AppService", FakeAppService)
    return FakeAppService.started


async def client_for(db: Path, secret: str | None, **limits) -> TestClient:
    server = AnnotatorServer(db, Access(secret), **limits)
    client = TestClient(TestServer(await server._make_app()))
    await client.start_server()
    client.annotator_server = server  # type: ignore[attr-defined]
    return client


# ------------------------------------------------------------------------ access


def test_tokens():
    access = Access(SECRET)
    assert access.check(SECRET) == Grant(None)  # the secret: any name
    link = access.link_token("alice")
    assert access.check(link) == Grant("alice")
    encoded, mac = link.split(".")
    bob = Access(SECRET).link_token("bob").split(".")[0]
    assert access.check(f"{bob}.{mac}") is None  # alice's signature on bob's name
    assert access.check("wrong") is None and access.check(None) is None and access.check("") is None
    assert Access("another-secret-of-16").check(link) is None
    assert Access(None).check(None) == Grant(None)  # an open server


async def test_no_token_is_401_and_starts_no_process(seeds_db, fake_apps):
    client = await client_for(seeds_db, SECRET)
    try:
        for path in ("/", "/ws", "/static/js/textual.js"):
            response = await client.get(path)
            assert response.status == 401, path
            assert "needs an access link" in await response.text()
        response = await client.get("/", headers={"Authorization": "Bearer nope"})
        assert response.status == 401
        response = await client.get("/?token=nope")
        assert response.status == 401
        assert fake_apps == []
    finally:
        await client.close()


async def test_a_link_sets_a_cookie_and_binds_the_name(seeds_db, fake_apps):
    client = await client_for(seeds_db, SECRET)
    try:
        link = Access(SECRET).link_token("alice")
        response = await client.get(f"/?token={link}&fontsize=18", allow_redirects=False)
        assert response.status == 303
        assert response.headers["Location"] == "/?fontsize=18"  # the token leaves the address bar
        assert (
            "HttpOnly" in response.headers["Set-Cookie"]
            and "SameSite=Strict" in response.headers["Set-Cookie"]
        )
        client.session.cookie_jar.update_cookies({COOKIE: link})
        assert (await client.get("/")).status == 200
        ws = await client.ws_connect("/ws?width=80&height=24")
        await asyncio.sleep(0.1)
        await ws.close()
        assert len(fake_apps) == 1 and fake_apps[0].endswith("served --annotator alice")
    finally:
        await client.close()


async def test_the_secret_lets_the_annotator_choose(seeds_db, fake_apps):
    client = await client_for(seeds_db, SECRET)
    try:
        assert (await client.get("/", headers={"Authorization": f"Bearer {SECRET}"})).status == 200
        ws = await client.ws_connect("/ws", headers={"Authorization": f"Bearer {SECRET}"})
        await asyncio.sleep(0.1)
        await ws.close()
        assert fake_apps[0].endswith(" served")  # no name given: the first screen asks
    finally:
        await client.close()


async def test_sessions_are_limited_and_idle_ones_closed(seeds_db, fake_apps):
    client = await client_for(seeds_db, None, max_sessions=2, idle=0.4)
    try:
        first = await client.ws_connect("/ws")
        second = await client.ws_connect("/ws")
        await asyncio.sleep(0.1)
        response = await client.get(
            "/ws",
            headers={
                "Connection": "Upgrade",
                "Upgrade": "websocket",
                "Sec-WebSocket-Version": "13",
                "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==",
            },
        )
        assert response.status == 503 and "2 sessions are open already" in await response.text()
        assert len(fake_apps) == 2
        message = await asyncio.wait_for(first.receive(), timeout=5)  # no key for 0.4 s: closed
        assert first.closed or message.type.name in ("CLOSE", "CLOSED", "CLOSING")
        await second.close()
    finally:
        await client.close()


def test_serve_refusals_are_one_line(seeds_db, tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("ANNOTATOR_SERVE_TOKEN", raising=False)
    assert main(["--db", str(seeds_db), "serve", "--host", "0.0.0.0"]) == 1
    assert "listening beyond this machine needs an access secret" in capsys.readouterr().err
    assert main(["--db", str(seeds_db), "serve", "--link", "alice"]) == 1
    assert "--link needs the access secret" in capsys.readouterr().err
    short = tmp_path / "short"
    short.write_text("abc\n")
    assert main(["--db", str(seeds_db), "serve", "--token-file", str(short)]) == 1
    assert "needs 16 characters or more" in capsys.readouterr().err
    token = tmp_path / "token"
    token.write_text(SECRET + "\n")
    assert main(["--db", str(seeds_db), "serve", "--token-file", str(token), "--link", "al\x1bice"]) == 1
    assert "no control or invisible characters" in capsys.readouterr().err
    assert (
        main(
            [
                "--db",
                str(seeds_db),
                "serve",
                "--token-file",
                str(token),
                "--public-url",
                "https://label.example.org/",
                "--link",
                "alice",
            ]
        )
        == 0
    )
    url = capsys.readouterr().out.strip()
    assert url.startswith("https://label.example.org/?token=")
    assert Access(SECRET).check(url.split("token=")[1]) == Grant("alice")


# ------------------------------------------------------------------------ the first screen


async def test_a_served_session_asks_who_labels(seeds_db):
    from annotator.tui.screens.label import LabelScreen

    app = make_app(seeds_db, "", welcome=True)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("enter")  # no name: said so, nothing started
        assert "a name is needed" in str(app.screen.query_one("#welcome-error").render())
        await pilot.press(*"alice", "enter")
        assert isinstance(app.screen, LabelScreen) and app.screen.session.annotator == "alice"
        await pilot.press("r", "3")
    with Store(seeds_db) as store:
        assert store.progress("alice").done == 1


async def test_a_name_bound_by_the_link_cannot_be_changed(seeds_db):
    from annotator.tui.screens.label import LabelScreen

    app = make_app(seeds_db, "alice", welcome=True, fixed_name=True)
    async with app.run_test(size=(100, 30)) as pilot:
        field = app.screen.query_one("#welcome-name")
        assert field.disabled and field.value == "alice"
        await pilot.press(*"bob", "enter")
        assert isinstance(app.screen, LabelScreen) and app.screen.session.annotator == "alice"
        assert "Switch annotator" not in [c.title for c in app.get_system_commands(app.screen)]


async def test_an_annotator_with_labels_cannot_review_under_their_name(seeds_db):
    from annotator.tui.screens.welcome import WelcomeScreen

    with Store(seeds_db) as store:
        from annotator.model import SentenceLabels

        store.record(store.first().sid, "alice", SentenceLabels(mode="reporting", claim="none"))
    app = make_app(seeds_db, "", welcome=True)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press(*"alice", "ctrl+r")
        assert isinstance(app.screen, WelcomeScreen)
        assert "review under another name" in str(app.screen.query_one("#welcome-error").render())


# ------------------------------------------------------------------------ in a browser


ANSI = re.compile(r"\x1b\[[0-9;?<>=]*[ -/]*[@-~]|\x1b[()][0-9A-Za-z]|\x1b[=>]|\x1b\][^\x07]*\x07")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.skipif(
    CHROMIUM is None, reason="needs Debian's chromium (apt-get install chromium; .ci/run installs it)"
)
def test_labelling_in_a_real_browser(seeds_db, tmp_path):
    """The served page in headless chromium: the first screen, a name, labelling keys; the store
    holds exactly those decisions; a reload resumes where the annotator stopped."""
    pytest.importorskip("playwright", reason="the test extra installs playwright")
    from playwright.sync_api import sync_playwright

    token = tmp_path / "token"
    token.write_text(SECRET)
    port = free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "annotator",
            "--db",
            str(seeds_db),
            "serve",
            "--port",
            str(port),
            "--token-file",
            str(token),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.time() + 20
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                assert time.time() < deadline and server.poll() is None, "the server did not start"
                time.sleep(0.1)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
            try:
                page = browser.new_page(viewport={"width": 1200, "height": 800})
                frames: list[str] = []
                sockets: list[str] = []

                def on_socket(ws) -> None:
                    sockets.append(ws.url)
                    ws.on(
                        "framereceived",
                        lambda data: frames.append(
                            data if isinstance(data, str) else data.decode("utf-8", "replace")
                        ),
                    )

                page.on("websocket", on_socket)

                def shown(text: str, timeout: float = 20) -> None:
                    end = time.time() + timeout
                    while text not in ANSI.sub("", "".join(frames)):
                        assert time.time() < end, f"the page never showed {text!r}"
                        page.wait_for_timeout(100)

                assert page.goto(f"http://127.0.0.1:{port}/").status == 401  # no link: no screen
                page.goto(f"http://127.0.0.1:{port}/?token={SECRET}")
                assert "token" not in page.url  # traded for a cookie
                shown("Your name")
                page.click("#terminal")
                page.keyboard.type("alice")
                page.keyboard.press("Enter")
                shown("La Chine va envoyer des troupes")
                page.keyboard.press("r")
                page.keyboard.press("3")  # the headline: reporting, check-worthy, next
                shown("Pékin va envoyer")
                page.keyboard.press("c")
                page.keyboard.press("1")  # commentary, no claim, next
                shown("Status")
                page.wait_for_timeout(500)
                page.screenshot(path=str(tmp_path / "served.png"))
                # what the terminal offers works here too: help, quote mode, the palette, the mouse, resizing
                frames.clear()
                page.keyboard.press("?")
                shown("Labelling keys")
                page.keyboard.press("Escape")
                page.wait_for_timeout(300)  # a lone escape, not the start of alt+key
                frames.clear()
                page.keyboard.press("q")
                shown("New quote (0 saved)")
                page.keyboard.press("Escape")
                page.wait_for_timeout(300)  # a lone escape, not the start of alt+key
                frames.clear()
                page.keyboard.press("Control+p")
                shown("Export")
                page.keyboard.press("Escape")
                page.wait_for_timeout(300)
                frames.clear()
                page.set_viewport_size({"width": 700, "height": 500})  # a narrower window: the panel narrows
                shown("Status")
                page.set_viewport_size({"width": 1200, "height": 800})
                page.wait_for_timeout(500)
                screen = page.locator(".xterm-screen").bounding_box()
                cols, rows = 133, 44  # what 1200×800 holds at the page's font size
                assert sockets and "width=133&height=44" in sockets[0]
                frames.clear()
                # a click on "reporting" in the side panel (row 7, from column 93 on) sets the mode
                page.mouse.click(
                    screen["x"] + 100.5 * screen["width"] / cols, screen["y"] + 7.5 * screen["height"] / rows
                )
                shown("in progress")
                frames.clear()
                page.reload()  # a new session: the same name resumes where alice stopped
                shown("Your name")
                page.click("#terminal")
                page.keyboard.type("alice")
                page.keyboard.press("Enter")
                shown("La Chine et la Russie entretiennent")
            finally:
                browser.close()
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=10)
    with Store(seeds_db) as store:
        decided = store.db.execute(
            "SELECT status, labels ->> 'mode', labels ->> 'claim' FROM labels WHERE annotator = 'alice' ORDER BY sid"
        ).fetchall()
    # the two sentences finished by keys, and the third's mode set by the click
    assert decided == [
        ("done", "reporting", "checkworthy"),
        ("done", "commentary", "none"),
        ("todo", "reporting", None),
    ]
    assert (tmp_path / "served.png").stat().st_size > 10_000
