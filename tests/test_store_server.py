"""What a PostgreSQL store does besides the contract both backends share (tests marked by the
`on_backend` fixture run that): its tallies' trigger keeps the cells SQLite's triggers keep, its
search folds texts as Python does, a lost server is said in one line and found again, and the
labelling screen says when the server is gone and stores the decision when it is back."""

from __future__ import annotations

import asyncio
import os

import orjson
import pytest

from annotator.assignment import Assignment
from annotator.corpus.text import fold
from annotator.errors import UserError
from annotator.ingest import ingest_paths
from annotator.model import Quote, SentenceLabels, Span
from annotator.store import STORE_VERSION, Store, location, transfer
from annotator.store.server import Unreachable
from tests.conftest import SEEDS


@pytest.fixture
def suggested_db(tmp_path):
    """The seeds with the engine's suggestions (what the tallies compare decisions with)."""
    db = tmp_path / "s.db"
    with Store(db) as s:
        ingest_paths(s, [SEEDS])
    return db


def _on_server(pg_server, db) -> str:
    url = pg_server.database()
    transfer.copy(location.parse(db), location.parse(url))
    return url


def _label(store: Store) -> None:
    """Decisions of every kind the tallies count: statuses, modes, claims, quotes, flags, origins,
    seconds, block types, kept and changed suggestions, rewrites and undos."""
    rows = [r for r in store.sentences() if store.status(r.sid, "alice") is None][:40]
    for i, row in enumerate(rows):
        name = ("alice", "bob")[i % 2]
        suggestion = store.suggestion(row.sid)
        if suggestion is not None and i % 3 == 0:
            store.record(row.sid, name, suggestion, origin="suggested", seconds=i)
            continue
        quotes = []
        if i % 4 == 1:
            quotes = [Quote(type="indirect", content=[Span(start=0, end=4, text=row.text[:4])])]
        labels = SentenceLabels(
            mode=("reporting", "commentary", None)[i % 3],
            claim=("none", "factual", "checkworthy")[i % 3] if i % 5 else None,
            quotes=quotes,
            flags=["uncertain"] if i % 6 == 0 else [],
            block_type="teaser" if i % 7 == 3 else None,
        )
        store.record(
            row.sid, name, labels, status=("done", "skipped", "todo")[i % 3], seconds=None if i % 2 else 3 * i
        )
        if i % 8 == 0:
            store.record(row.sid, name, labels.model_copy(update={"note": "again"}), seconds=200)
    assert store.undo("alice") is not None
    assert store.undo("bob") is not None


def _cells(store: Store) -> tuple[list, list]:
    return sorted(c._replace(hour="") for c in store.tallies()), sorted(store.tally_items())


def test_the_server_keeps_the_tallies_sqlite_keeps(suggested_db, tmp_path, pg_server):
    url = _on_server(pg_server, suggested_db)
    with Store(suggested_db) as s:
        _label(s)
        expected = _cells(s)
    with Store(url) as s:
        _label(s)
        assert _cells(s) == expected
    # and a recount of the labels agrees with them once the project is back in a file
    back = tmp_path / "back.db"
    transfer.copy(location.parse(url), location.parse(back))
    with Store(back) as s:
        assert s.check()[0] == []


@pytest.mark.parametrize(
    "text",
    [
        "L’ÉTÉ\u00a0 là",
        "Pékin a « approfondi » la COOPÉRATION",
        "Ça s'est passé à Moscou\u202fhier\t et\n aujourd'hui",
        "ŒUVRE, Ærø, façade, naïve, Noël",
        "Путин встретился с Си Цзиньпином",
        "Ελληνικά ΣΟΦΙΑ",
        "ﬁnal ﬂux ①",
    ],
)
def test_search_on_the_server_folds_as_python_does(suggested_db, pg_server, text):
    url = _on_server(pg_server, suggested_db)
    with Store(url) as s:
        assert s.db.execute("SELECT fold(:t)", {"t": text}).fetchone()[0] == fold(text)


def test_the_server_folds_every_letter_and_mark_of_the_european_scripts_as_python_does(pg_server):
    """Each character of Latin, Greek, Cyrillic and the punctuation blocks, between two letters
    (a fold may differ at a word's end): the server's fold() and Python's give the same text."""
    import unicodedata

    blocks = [(0x20, 0x250), (0x370, 0x530), (0x1E00, 0x2070), (0xFB00, 0xFB07)]
    texts = [
        f"a{chr(c)}b"
        for start, end in blocks
        for c in range(start, end)
        if unicodedata.category(chr(c))[0] != "C"
    ]
    with Store(pg_server.database()) as s:
        folded = s.db.execute(
            "SELECT fold(t) FROM unnest(CAST(:texts AS text[])) WITH ORDINALITY x(t, i) ORDER BY i",
            {"texts": texts},
        )
        differ = [(t[1], got) for t, (got,) in zip(texts, folded, strict=True) if got != fold(t)]
    assert not differ


def test_search_on_the_server_finds_what_sqlite_finds(suggested_db, pg_server):
    url = _on_server(pg_server, suggested_db)
    with Store(suggested_db) as a, Store(url) as b:
        texts = [r.text for r in a.sentences()]
        for needle in ("chine", "PEKIN", "l'armee", "d’« approfondir", "100%", "a_b", "zzz"):
            after = None
            for _ in range(3):  # wrapping around as well
                x, y = a.search(needle, after), b.search(needle, after)
                assert (x and x.sid) == (y and y.sid)
                after = x.sid if x else None
        assert [d.doc_id for d in a.find_documents("chine", "alice")] == [
            d.doc_id for d in b.find_documents("chine", "alice")
        ]
        assert texts


def test_a_lost_server_is_one_line_and_the_next_call_finds_it_again(suggested_db, pg_server):
    url = _on_server(pg_server, suggested_db)
    with Store(url) as s:
        first = s.first()
        assert first is not None
        s.record(first.sid, "alice", SentenceLabels(mode="reporting"))
        with pg_server.down():
            with pytest.raises(Unreachable) as lost:
                s.record(first.sid, "alice", SentenceLabels(mode="commentary"))
            message = str(lost.value)
            assert "\n" not in message and "nothing was written" in message
            assert "throwaway-test-password" not in message and "***" in message
            with pytest.raises(Unreachable):
                s.progress("alice")
        s.record(first.sid, "alice", SentenceLabels(mode="commentary"))  # connected again
        assert s.labels(first.sid, "alice").labels.mode == "commentary"
        assert [e.labels.mode for e in s.history("alice")] == ["commentary", "reporting"]


def test_a_database_without_a_store_a_foreign_one_and_a_newer_store(suggested_db, pg_server):
    from annotator.store.server import ServerSession

    empty = pg_server.database()
    with pytest.raises(UserError, match="no annotator store in this database; `annotator ingest` makes one"):
        Store(empty, create=False)
    with Store(empty) as s:  # what ingest opens: a new store
        assert s.is_empty() and s.db.execute("SELECT value FROM meta").fetchone()[0] == str(STORE_VERSION)
    foreign = pg_server.database()
    session = ServerSession(location.parse(foreign))
    session.execute("CREATE TABLE stranger (x int)")
    session.close()
    with pytest.raises(UserError, match="the database holds other tables"):
        Store(foreign)
    url = _on_server(pg_server, suggested_db)
    with Store(url) as s:
        s.db.execute("UPDATE meta SET value = :v WHERE key = 'schema_version'", {"v": str(STORE_VERSION + 1)})
    with pytest.raises(UserError, match="written by a newer annotator"):
        Store(url)


@pytest.mark.parametrize("unit", ["sentence", "document"])
def test_an_overlap_plan_serves_on_the_server_what_it_serves_from_the_file(suggested_db, pg_server, unit):
    """Who is served what, in SQL over the stored shares, on both backends: what
    Assignment.serves says, sentence by sentence."""
    plan = Assignment(("alice", "bob", "carol"), 0.3, unit)
    with Store(suggested_db) as s:
        s.set_assignment(plan)
    url = _on_server(pg_server, suggested_db)
    with Store(suggested_db) as a, Store(url) as b:
        for name in ("alice", "bob", "carol", "reviewer"):
            expected = [
                r.sid
                for r in a.sentences()
                if r.block_type in ("headline", "body", "caption", "comment")
                and plan.serves(name, r.doc_id, r.start, r.end)
            ]
            for store in (a, b):
                walk, row = [], store.next_unannotated(name)
                while row is not None and row.sid not in walk:
                    walk.append(row.sid)
                    row = store.next_unannotated(name, row.sid)
                assert walk == expected
                assert store.progress(name) == (0, len(expected))
                assert [sid for sid, _ in store.unlabelled(name, 10_000)] == expected


async def test_the_screen_says_when_the_server_is_gone_and_stores_when_it_is_back(
    suggested_db, pg_server, monkeypatch
):
    import asyncio

    from annotator.tui import service
    from annotator.tui.app import make_app

    monkeypatch.setattr(service, "RETRY_EVERY", 0.2)
    url = _on_server(pg_server, suggested_db)
    app = make_app(url, "alice")
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        first = app.store.first()
        assert first is not None
        await pilot.press("r")
        await pilot.pause()
        with pg_server.down():
            # the key that finishes the sentence, while the server is down (its handler waits)
            key = asyncio.create_task(pilot.press("2"))
            for _ in range(50):
                await asyncio.sleep(0.1)
                if "cannot be reached" in str(app.screen.query_one("#progress").render()):
                    break
            progress = str(app.screen.query_one("#progress").render())
            assert "The server cannot be reached: trying again" in progress
            assert app.screen.session.current.sid == first.sid  # not moved on: nothing stored
        for _ in range(100):  # the server is back: the retry stores it and the screen moves on
            await asyncio.sleep(0.1)
            if app.screen.session.current.sid != first.sid:
                break
        assert app.screen.session.current.sid != first.sid
        await key
    with Store(url) as s:
        row = s.labels(first.sid, "alice")
        assert row is not None and row.status == "done" and row.labels.claim == "factual"


async def test_the_screens_readings_say_when_the_server_is_gone(suggested_db, pg_server):
    """What the screens read in workers (the progress count, statistics, the dashboard's figures)
    says in one line that the server cannot be reached, instead of never coming; the dashboard
    keeps its last figures and reads again once the server is back."""
    from annotator.tui.app import make_app
    from annotator.tui.screens.dashboard import DashboardScreen

    app = make_app(_on_server(pg_server, suggested_db), "alice")
    async with app.run_test(size=(100, 30)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        label = app.screen
        app.show_dashboard()
        await app.workers.wait_for_complete()
        await pilot.pause()
        dashboard = app.screen
        assert isinstance(dashboard, DashboardScreen)
        bar = str(dashboard.query_one("#dashboard-bar").render())
        assert "· read " in bar
        with pg_server.down():
            app._notifications.clear()
            label.count()
            app.statistics()
            dashboard.read()
            await app.workers.wait_for_complete()
            await pilot.pause()
            said = [str(n.message) for n in app._notifications]
            assert any(m.startswith("The progress could not be counted:") for m in said), said
            assert any(m.startswith("The statistics could not be read:") for m in said), said
            assert all("cannot be reached" in m and "password" not in m for m in said), said
            bar = str(dashboard.query_one("#dashboard-bar").render())
            assert "· read " in bar and "not read again: " in bar and "cannot be reached" in bar
        dashboard.read()
        await app.workers.wait_for_complete()
        await pilot.pause()
        bar = str(dashboard.query_one("#dashboard-bar").render())
        assert "· read " in bar and "not read again" not in bar


async def test_the_sentence_list_while_the_server_is_gone_says_so_and_reads_again_after(
    suggested_db, pg_server
):
    from annotator.tui.app import make_app
    from tests.test_browser import table

    app = make_app(_on_server(pg_server, suggested_db), "alice")
    async with app.run_test(size=(100, 30)) as pilot:
        await app.workers.wait_for_complete()
        with pg_server.down():  # the list cannot be opened: said, and the sentence stays
            await pilot.press("L")
            await pilot.pause()
            said = [str(n.message) for n in app._notifications]
            assert said and said[-1].startswith("Not done: ") and "cannot be reached" in said[-1], said
            assert type(app.screen).__name__ == "LabelScreen"
        app._notifications.clear()
        await pilot.press("L")
        await app.workers.wait_for_complete()
        await pilot.pause()
        top = app.screen.query_one("#browser-top")
        assert "no filter · 83 rows" in str(top.render())
        with pg_server.down():
            await pilot.press("s")  # the filter changes, its rows cannot be read
            await app.workers.wait_for_complete()
            await pilot.pause()
            said = [str(n.message) for n in app._notifications]
            assert any(m.startswith("The rows could not be read: ") for m in said), said
            assert any(m.startswith("The rows could not be counted: ") for m in said), said
            assert all("cannot be reached" in m for m in said), said
            assert app.is_running and type(app.screen).__name__ == "BrowserScreen"
            assert "status todo · counting…" in str(top.render())
            assert "the rows could not be read (the next key tries again)" in table(app)[1]
        await pilot.press("s")  # done: the list reads the server again
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert "status done · 0 rows" in str(top.render())


async def test_the_document_finder_while_the_server_is_gone_says_so_and_finds_again_after(
    suggested_db, pg_server
):
    from annotator.tui.app import make_app

    app = make_app(_on_server(pg_server, suggested_db), "alice")
    async with app.run_test(size=(100, 30)) as pilot:
        await app.workers.wait_for_complete()
        with pg_server.down():
            await pilot.press("g")  # opened: its list cannot be read
            await pilot.press("c", "h")  # typing reads again, and cannot either
            await pilot.pause()
            assert app.is_running and type(app.screen).__name__ == "DocumentPicker"
            said = [str(n.message) for n in app._notifications]
            assert said and all(
                m.startswith("The documents could not be read: ") and "cannot be reached" in m for m in said
            ), said
            assert len(said) == 1  # said once, not at every character
        await pilot.press("i")  # "chi": read again, the server is back
        await pilot.pause()
        options = app.screen.query_one("OptionList")
        assert options.option_count > 0
        await pilot.press("enter")
        await pilot.pause()
        assert type(app.screen).__name__ == "LabelScreen"


def test_stats_on_the_server_are_the_ones_of_the_file(tmp_path, pg_server, capsys):
    """Counts and the dashboard's figures (tallies, shared sentences, agreement, speed) read the
    same from a project on the server as from its file."""
    from annotator.cli import main
    from tests.conftest import simulate_project

    db = simulate_project(tmp_path / "p.db")
    url = _on_server(pg_server, db)
    assert main(["--db", str(db), "stats", "--json"]) == 0
    local = orjson.loads(capsys.readouterr().out)
    assert main(["--db", url, "stats", "--json"]) == 0
    served = orjson.loads(capsys.readouterr().out)
    for figures in (local["figures"], served["figures"]):  # the clock, a second apart at times
        figures.pop("generated_at")
    assert served == local
    assert local["annotators"]["alice"]["done"] > 0 and local["figures"]


def test_uncertainty_sampling_ranks_from_the_server(suggested_db, pg_server):
    """`label --order uncertain` fits and ranks in a process of its own, handed the server's URL."""
    from annotator.train import rank_in_subprocess
    from tests.conftest import label_seeds

    with Store(suggested_db) as s:
        label_seeds(s, ["alice"], Assignment(("alice",), 0.0), noise=0.0)
    url = _on_server(pg_server, suggested_db)
    with Store(url) as s:
        open_sids = {sid for sid, _ in s.unlabelled("bob", 10_000)}
    ranked = rank_in_subprocess(url, "bob")
    assert ranked is not None and set(ranked) == open_sids


async def test_the_screens_export_writes_the_servers_project(suggested_db, pg_server, tmp_path, monkeypatch):
    from annotator.tui.app import make_app

    with Store(suggested_db) as s:
        first = s.first()
        assert first is not None
        s.record(first.sid, "alice", SentenceLabels(mode="reporting", claim="none"))
    app = make_app(_on_server(pg_server, suggested_db), "alice")
    monkeypatch.chdir(tmp_path)  # the screen exports into exports/ here
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        app.export()
        await app.workers.wait_for_complete()
        await pilot.pause()
        said = [n.message for n in app._notifications]
    assert "Exported 1 records to exports/" in said
    assert len((tmp_path / "exports" / "annotations.jsonl").read_bytes().splitlines()) == 1


@pytest.mark.parametrize("fmt", ["jsonl", "hf", "spacy", "iob"])
def test_an_export_from_the_server_is_the_export_of_the_file(tmp_path, pg_server, fmt):
    """Every format, with frozen splits, from a project on the server: the same files, byte for
    byte, as from the project's file; the split plan it freezes is the file's."""
    import hashlib

    from annotator.cli import main
    from tests.conftest import simulate_project

    db = simulate_project(tmp_path / "p.db")
    url = _on_server(pg_server, db)
    for where, out in ((str(db), tmp_path / "local"), (url, tmp_path / "served")):
        args = [
            "--db",
            where,
            "export",
            "--format",
            fmt,
            "--out",
            str(out),
            "--split",
            "80/10/10",
            "--seed",
            "3",
        ]
        assert main(args) == 0
    local = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in (tmp_path / "local").iterdir()}
    served = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in (tmp_path / "served").iterdir()}
    manifests = [orjson.loads((tmp_path / d / "manifest.json").read_bytes()) for d in ("local", "served")]
    for m in manifests:
        m.pop("created_at", None)
    assert manifests[0] == manifests[1]
    assert {k: v for k, v in local.items() if k != "manifest.json"} == {
        k: v for k, v in served.items() if k != "manifest.json"
    }
    with Store(db) as a, Store(url) as b:
        assert a.frozen_splits() == b.frozen_splits()


def test_a_version_8_store_on_the_server_is_migrated_when_opened(suggested_db, pg_server):
    """Version 8 was the first on a server, a copy nothing else wrote: opening it with this
    annotator adds the shares an overlap plan is served by, search's fold() and the tallies'
    triggers (and makes the events' labels json), in one transaction."""
    from annotator.assignment import share
    from annotator.store import tables
    from annotator.store.server import ServerSession

    url = _on_server(pg_server, suggested_db)
    session = ServerSession(location.parse(url))
    with session.transaction() as db:  # back to what version 8 had
        db.execute("DROP VIEW documents")
        db.execute("DROP VIEW sentences")
        db.execute("ALTER TABLE all_documents DROP COLUMN share")
        db.execute("ALTER TABLE all_sentences DROP COLUMN share")
        db.execute("ALTER TABLE events ALTER COLUMN labels TYPE text")
        for event in ("insert", "update", "delete"):  # a version-8 copy had no triggers, no fold()
            db.execute(f"DROP TRIGGER tally_{event} ON labels")
            db.execute(f"DROP FUNCTION tally_{event}()")
        db.execute("DROP FUNCTION fold(text)")
        for statement in tables.VIEWS:
            db.execute(statement)
        db.execute("UPDATE meta SET value = '8' WHERE key = 'schema_version'")
    session.close()
    with Store(url) as s:
        assert s.db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()[0] == str(
            STORE_VERSION
        )
        rows = s.db.execute(
            "SELECT d.doc_id, s.start, s.end, s.share FROM sentences s JOIN documents d ON d.doc = s.doc"
        ).fetchall()
        assert rows and all(point == share(f"{doc_id}:{start}-{end}") for doc_id, start, end, point in rows)
        kind = s.db.execute(
            "SELECT data_type FROM information_schema.columns WHERE table_name = 'events' AND column_name = 'labels'"
        ).fetchone()[0]
        assert kind == "json"
        first = s.first()
        assert first is not None
        s.record(first.sid, "alice", SentenceLabels(mode="reporting"))  # the tallies follow it
        assert s.search("chine") is not None
        assert s.check()[0] == []


def test_db_backup_of_a_server_store_is_a_verified_file(suggested_db, pg_server, tmp_path, capsys):
    from annotator.cli import main

    url = _on_server(pg_server, suggested_db)
    target = tmp_path / "backup.db"
    assert main(["--db", url, "db", "backup", str(target)]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"{target}: a copy of postgresql://annotator:***@") and "throwaway" not in out
    with Store(target) as s, Store(url) as server:
        assert s.check()[0] == [] and s.counts() == server.counts()
    assert main(["--db", url, "db", "backup", str(target)]) == 1  # never over a file
    assert "already exists" in capsys.readouterr().err


async def test_serving_a_server_store_keeps_its_password_off_the_command_line(
    suggested_db, pg_server, monkeypatch
):
    """Each browser tab's process finds the store in its environment, not in its arguments
    (which every user of the machine can list)."""
    from aiohttp.test_utils import TestClient, TestServer

    from annotator.tui import serve
    from annotator.tui.serve import Access, AnnotatorServer
    from tests.test_serve import FakeAppService

    FakeAppService.started = []
    monkeypatch.setattr(serve, "AppService", FakeAppService)
    monkeypatch.setenv("ANNOTATOR_DB", "put back after the test")  # the server sets it
    url = _on_server(pg_server, suggested_db)
    server = AnnotatorServer(url, Access(None))
    client = TestClient(TestServer(await server._make_app()))
    await client.start_server()
    try:
        assert "throwaway-test-password" not in server.title and "***" in server.title
        ws = await client.ws_connect("/ws?width=80&height=24")
        await asyncio.sleep(0.1)
        await ws.close()
    finally:
        await client.close()
    started = FakeAppService.started
    assert len(started) == 1 and started[0].endswith("-m annotator served")
    assert "throwaway-test-password" not in started[0]
    assert os.environ["ANNOTATOR_DB"] == url
