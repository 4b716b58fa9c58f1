"""The sentence browser: keyset pages against a plain listing, the window's loading and
trimming, and the screen through Pilot (filters, jump, open and back, revisiting skipped)."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from annotator.agreement import same
from annotator.corpus.text import fold
from annotator.ingest import ingest_paths
from annotator.labelling import browser as browser_module
from annotator.labelling.browser import Browser, same_json
from annotator.model import SentenceLabels
from annotator.scheme import CLAIMS, FLAGS, MODES
from annotator.store import BrowseFilter, Store
from annotator.store.browsing import END
from annotator.tui.app import make_app
from tests.conftest import SEEDS, seeds_gold

NAMES = ("alice", "bob")


@pytest.fixture(scope="module")
def labelled(tmp_path_factory) -> Path:
    """The seeds with two annotators' decisions of every kind (seeded): statuses, modes,
    claims, flags, origins, the reference quotes, and disagreements."""
    db = tmp_path_factory.mktemp("browse") / "store.db"
    rng = random.Random(7)
    gold = seeds_gold()
    with Store(db) as s:
        ingest_paths(s, [SEEDS], suggest=False)
        for row in list(s.sentences()):
            reference = gold.get((row.doc_id, row.text))
            for name in NAMES:
                if rng.random() < 0.3:
                    continue  # no decision
                labels = SentenceLabels(
                    mode=rng.choice(MODES),
                    claim=rng.choice(CLAIMS),
                    flags=sorted(rng.sample(FLAGS, rng.randrange(2))),
                    quotes=reference.quotes if reference and rng.random() < 0.8 else [],
                )
                s.record(
                    row.sid,
                    name,
                    labels,
                    status=rng.choice(("done", "done", "skipped", "todo")),
                    origin=rng.choice(("manual", "suggested", "projected")),
                )
    return db


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def labelled_on(request, labelled) -> str:
    """The labelled store on either backend: its file, or a PostgreSQL copy's URL."""
    if request.param == "sqlite":
        return str(labelled)
    from annotator.store import location, transfer

    url = request.getfixturevalue("pg_server").database()
    transfer.copy(location.parse(labelled), location.parse(url))
    return url


def plain(s: Store, f: BrowseFilter) -> list[tuple]:
    """The rows a filter lists, worked out the slow way: every sentence, every decision."""
    docs = {d.doc_id: n for n, d in enumerate(s.documents(), start=1)}
    out = []
    for row in s.sentences():
        labelled = s.db.execute(
            "SELECT labelled FROM sentences WHERE sid = :sid", {"sid": row.sid}
        ).fetchone()[0]
        if not (labelled or f.every_block):
            continue
        if f.text and fold(f.text) not in fold(row.text):
            continue
        decisions = {n: s.labels(row.sid, n) for n in NAMES}
        finished = [d.labels for d in decisions.values() if d and d.status == "done"]
        if f.disagreement and not (len(finished) == 2 and not same(*finished)):
            continue
        names = [f.annotator] if f.annotator else [n for n in NAMES if decisions[n]] or [None]
        decisions["carol"] = None  # a name without a decision
        for name in names:
            d = decisions.get(name) if name else None
            status = d.status if d else None
            if f.status == "todo" and status not in (None, "todo"):
                continue
            if f.status in ("done", "skipped") and status != f.status:
                continue
            if f.mode and (not d or d.labels.mode != f.mode):
                continue
            if f.claim and (not d or d.labels.claim != f.claim):
                continue
            if f.flag and (not d or f.flag not in d.labels.flags):
                continue
            if f.origin and (not d or d.origin != f.origin):
                continue
            if f.quotes and (not d or not d.labels.quotes):
                continue
            out.append((docs[row.doc_id], row.pos, (name if d else None) or ""))
    return out


filters = st.builds(
    BrowseFilter,
    annotator=st.sampled_from((*NAMES, None, "carol")),
    status=st.sampled_from((None, "todo", "done", "skipped")),
    mode=st.sampled_from((None, *MODES)),
    claim=st.sampled_from((None, *CLAIMS)),
    flag=st.sampled_from((None, *FLAGS)),
    origin=st.sampled_from((None, "manual", "projected", "adjudicated")),
    quotes=st.booleans(),
    disagreement=st.booleans(),
    text=st.sampled_from(("", "chine", "PEKIN", "l'armee")),
    every_block=st.booleans(),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(f=filters, limit=st.integers(1, 12), scan=st.integers(1, 40))
def test_pages_by_key_list_what_a_plain_listing_does(labelled_on, f, limit, scan):
    with Store(labelled_on) as s:
        expected = plain(s, f)
        for direction, start in ((1, (-1, -1, "")), (-1, END)):
            got, key = [], start
            while key is not None:
                rows, key = s.browse(f, key, direction, limit=limit, scan=scan, same=same_json)
                got += [r.key for r in rows]
            assert got == (expected if direction > 0 else expected[::-1])
        assert s.browse_count(f, same_json) == len(expected)


def test_a_count_interrupted_at_any_read_says_it_was_not_counted(labelled):
    """The count's first read (the tallies' probe) is stopped as its main pass would be: the
    count reports nothing counted instead of failing, so the screen counts again."""
    f = BrowseFilter("alice", status="skipped")
    with Store(labelled) as s:
        s.db.set_progress_handler(lambda: 1, 1)  # every statement is interrupted at once
        assert s.browse_count(f, same_json) is None
        s.db.set_progress_handler(None, 1)
        assert s.browse_count(f, same_json) == len(plain(s, f))


def test_a_row_carries_the_decision(labelled_on):
    with Store(labelled_on) as s:
        rows, _ = s.browse(BrowseFilter("alice", quotes=True), (-1, -1, ""), limit=1)
        (row,) = rows
        decision = s.labels(row.sid, "alice")
        assert row.id == s.sentence(row.sid).id
        assert (row.status, row.origin, row.mode, row.claim, row.quotes, row.flags) == (
            decision.status,
            decision.origin,
            decision.labels.mode,
            decision.labels.claim,
            len(decision.labels.quotes),
            tuple(decision.labels.flags),
        )


def test_a_sentence_is_found_by_id_or_number(labelled_on):
    with Store(labelled_on) as s:
        sixth = list(s.sentences("002_89538b8c11680e57"))[5]
        doc = s.db.execute("SELECT doc FROM documents WHERE doc_id = '002_89538b8c11680e57'").fetchone()[0]
        key = (doc, sixth.pos, "")
        assert s.locate(sixth.id) == key
        assert s.locate("002_89538b8c11680e57 6") == key
        assert s.locate("002_89538b8c11680e57#6") == key
        assert s.locate("6", near="002_89538b8c11680e57") == key
        for wrong in ("002_89538b8c11680e57 0", "002_89538b8c11680e57 999", "nope 3", "6", "x:1-y", ""):
            assert s.locate(wrong) is None, wrong


def settle(b: Browser, height: int) -> None:
    while direction := b.wants(height):
        b.load(direction, height)
        b.scroll(height)


def test_the_window_scrolls_through_every_row_both_ways(labelled, monkeypatch):
    """Small windows, so rows are dropped at one end and read again at the other."""
    monkeypatch.setattr(browser_module, "KEEP", 30)
    monkeypatch.setattr(browser_module, "MARGIN", 4)
    with Store(labelled) as s:
        f = BrowseFilter(None, every_block=True)
        expected = plain(s, f)
        b = Browser(s, "alice")
        b.set_filter(annotator=None, every_block=True)
        seen = []
        for _ in range(len(expected)):
            settle(b, 5)
            seen.append(b.current.key)
            assert len(b.rows) <= 30 + 5 + 4
            b.move(1, 5)
        assert seen == expected
        back = []
        for _ in range(len(expected)):
            settle(b, 5)
            back.append(b.current.key)
            b.move(-1, 5)
        assert back == expected[::-1]


def test_a_filter_keeps_the_place_and_the_end_is_reached(labelled_on):
    with Store(labelled_on) as s:
        b = Browser(s, "alice")
        settle(b, 10)
        b.move(40, 10)
        settle(b, 10)
        here = b.current.key
        b.set_filter(status="done")
        settle(b, 10)
        assert b.current.key >= here and b.current.status == "done"
        assert all(r.key < b.current.key for r in b.rows[: b.cursor])
        b.set_filter(origin="adjudicated")  # nobody's: no row, the place kept
        settle(b, 10)
        assert b.current is None
        b.set_filter(origin=None)
        settle(b, 10)
        assert b.current.key[:2] == here[:2] or b.current.key > here
        b.end()
        settle(b, 10)
        assert b.current.key == plain(s, b.filter)[-1] and b.after is None
        b.home()
        settle(b, 10)
        assert b.current.key == plain(s, b.filter)[0]


# ---------------------------------------------------------------------------- the screen

SIZE = (100, 30)


def table(app) -> list[str]:
    t = app.screen.table
    return [t.render_line(y).text for y in range(t.size.height)]


async def settled(pilot) -> None:
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


async def test_open_a_skipped_sentence_from_the_list_and_come_back(seeds_db):
    app = make_app(seeds_db, "alice")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("x", "x", "x")  # three sentences skipped
        await pilot.press("L")
        await settled(pilot)
        assert type(app.screen).__name__ == "BrowserScreen"
        assert "83 rows" in str(app.screen.query_one("#browser-top").render())
        await pilot.press("s", "s", "s")  # any → todo → done → skipped
        await settled(pilot)
        assert "status skipped · 3 rows" in str(app.screen.query_one("#browser-top").render())
        await pilot.press("home", "j")
        await settled(pilot)
        second = app.screen.browser.current
        assert [line.split()[1:3] for line in table(app)[1:4]] == [
            ["1", "skipped"],
            ["2", "skipped"],
            ["3", "skipped"],
        ]
        await pilot.press("enter")
        assert type(app.screen).__name__ == "LabelScreen"
        assert app.screen.session.current.sid == second.sid
        await pilot.press("r", "1", "enter")  # labelled now: done
        await pilot.press("escape")
        await settled(pilot)
        assert type(app.screen).__name__ == "BrowserScreen"
        # the same place: the row after the one that left the filtered list
        assert "status skipped · 2 rows" in str(app.screen.query_one("#browser-top").render())
        assert app.screen.browser.current.pos == second.pos + 1
        await pilot.press("0")
        await settled(pilot)
        assert app.screen.browser.current.sid == second.sid + 1
        await pilot.press("k")
        assert app.screen.browser.current.status == "done"
    with Store(seeds_db) as s:
        assert s.labels(second.sid, "alice").status == "done"


@pytest.mark.parametrize("stop", ["sqlite", "server"])
async def test_the_list_is_counted_when_a_count_is_stopped_before_its_pass(seeds_db, monkeypatch, stop):
    """A filter changed while the count was still probing the tallies: the stopped count
    reports back whatever it raised, and the filter now shown is counted."""
    import sqlite3
    import threading

    from annotator.store.browsing import Browsing
    from annotator.store.server import Interrupted

    probe = Browsing._nothing_matches
    stops = [sqlite3.OperationalError("interrupted") if stop == "sqlite" else Interrupted()]

    def stopped_once(self, f):
        if stops and threading.current_thread() is not threading.main_thread():  # the count's
            raise stops.pop()
        return probe(self, f)

    app = make_app(seeds_db, "alice")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("x", "x")
        await pilot.press("L")
        await settled(pilot)
        monkeypatch.setattr(Browsing, "_nothing_matches", stopped_once)
        await pilot.press("s", "s", "s")  # any → todo → done → skipped
        await settled(pilot)
        await settled(pilot)
        assert not stops
        assert "status skipped · 2 rows" in str(app.screen.query_one("#browser-top").render())
        assert not any("could not be counted" in str(n.message) for n in app._notifications)


async def test_filters_combine_and_jump_finds_a_sentence(labelled, tmp_path):
    db = tmp_path / "copy.db"
    db.write_bytes(labelled.read_bytes())
    app = make_app(db, "alice")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("L")
        await settled(pilot)
        await pilot.press("m", "c", "c")  # reporting, factual
        await settled(pilot)
        with Store(db) as s:
            expected = plain(s, BrowseFilter("alice", mode="reporting", claim="factual"))
        assert [r.key for r in app.screen.browser.rows] == expected
        assert f"{len(expected)} rows" in str(app.screen.query_one("#browser-top").render())
        await pilot.press("a")  # bob's decisions
        await pilot.press("D")  # where alice and bob disagree
        await settled(pilot)
        with Store(db) as s:
            expected = plain(s, BrowseFilter("bob", mode="reporting", claim="factual", disagreement=True))
        assert [r.key for r in app.screen.browser.rows] == expected
        await pilot.press("0", "a", "a")  # no filter, everyone's decisions
        await pilot.press("colon", *"002_89538b8c11680e57 6", "enter")
        await settled(pilot)
        current = app.screen.browser.current
        assert (current.doc_id, current.pos) == ("002_89538b8c11680e57", 5)
        assert "002_89538b8c11680e57:" in str(app.screen.query_one("#browser-current").render())
        await pilot.press("colon", *"9", "enter")  # a number: in this document
        await settled(pilot)
        assert (app.screen.browser.current.doc_id, app.screen.browser.current.pos) == (
            "002_89538b8c11680e57",
            8,
        )
        await pilot.press("colon", *"nowhere 3", "enter")
        await pilot.pause()
        assert any("No sentence 'nowhere 3'" in str(n.message) for n in app._notifications)
        await pilot.press("slash", *"vostok", "enter")
        await settled(pilot)
        assert app.screen.browser.rows and all("vostok" in fold(r.text) for r in app.screen.browser.rows)
        await pilot.press("question_mark")
        assert "Sentence list keys" in str(app.screen.query_one("#help-text").render())


async def test_n_offers_the_skipped_sentences_when_everything_else_is_done(tmp_path):
    from annotator.corpus.reader import SourceDoc
    from annotator.ingest import analyse

    db = tmp_path / "three.db"
    with Store(db) as s:
        s.ingest([analyse(SourceDoc("d", "d.txt", "Un. Deux. Trois."), suggest=False)])
    app = make_app(db, "alice")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("x", "r", "1", "enter", "r", "1", "enter")  # the first skipped, the others done
        await pilot.press("n")
        assert type(app.screen).__name__ == "ConfirmScreen"
        await pilot.press("y")
        await pilot.pause()
        assert app.screen.session.current.text == "Un."
        await pilot.press("r", "1", "enter")
        await pilot.press("n")
        await pilot.pause()
        assert type(app.screen).__name__ == "LabelScreen"
        assert any("No skipped sentence left" in str(n.message) for n in app._notifications)
    with Store(db) as s:
        assert s.status_counts("alice") == {"done": 3}


async def test_a_reviewer_sees_everyones_disagreements_and_takes_a_version(seeds_db):
    with Store(seeds_db) as s:
        rows = list(s.sentences())[:3]
        for r in rows:
            s.record(r.sid, "alice", SentenceLabels(mode="reporting", claim="none"))
            s.record(
                r.sid,
                "bob",
                SentenceLabels(mode="commentary" if r is not rows[2] else "reporting", claim="none"),
            )
    app = make_app(seeds_db, "rev", review={})
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("L")
        await settled(pilot)
        assert "everyone's decisions · disagreement · 4 rows" in str(
            app.screen.query_one("#browser-top").render()
        )
        await pilot.press("j", "j", "enter")  # the second sentence, alice's row
        assert type(app.screen).__name__ == "ReviewScreen"
        assert app.screen.session.current.sid == rows[1].sid
        await pilot.press("A")  # alice's version is the verdict
        await pilot.press("escape")
        await settled(pilot)
        assert type(app.screen).__name__ == "BrowserScreen"
    with Store(seeds_db) as s:
        assert s.labels(rows[1].sid, "rev").labels.mode == "reporting"
