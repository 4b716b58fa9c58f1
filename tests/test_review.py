"""Adjudication: the queue of disagreements, taking a version, editing, provenance, the screen."""

from __future__ import annotations

import orjson
import pytest

from annotator.assignment import Assignment
from annotator.cli import main
from annotator.errors import UserError
from annotator.export.formats import export
from annotator.export.records import Selection
from annotator.labelling.review import ReviewSession, review_queue, same
from annotator.model import SentenceLabels
from annotator.store import Store
from annotator.tui.app import make_app
from tests.conftest import label_seeds

SIZE = (140, 40)


@pytest.fixture
def store(seeds_db, on_backend) -> Store:
    """The seeds on either backend: review is one contract on both."""
    return on_backend(seeds_db)


@pytest.fixture
def disputed(store):
    plan = Assignment(("alice", "bob"), 0.3)
    label_seeds(store, ["alice", "bob"], plan, noise=0.3)
    return store


def test_the_queue_holds_exactly_the_disagreements(disputed):
    store = disputed
    shared = {}
    for sid, _, annotator, _, labels in store.finished_decisions():
        shared.setdefault(sid, {})[annotator] = SentenceLabels.model_validate_json(labels)
    both = {sid: d for sid, d in shared.items() if len(d) == 2}
    disagreeing = [sid for sid, d in both.items() if not same(d["alice"], d["bob"])]
    assert review_queue(store) == disagreeing and 0 < len(disagreeing) < len(both)
    assert review_queue(store, everything=True) == list(both)


def test_taking_a_version_makes_an_adjudicated_record_with_its_sources(disputed, tmp_path):
    store = disputed
    session = ReviewSession(store, "rita")
    assert session.progress().done == 0 and session.progress().total == len(session.queue)
    sid = session.current.sid
    assert sid == session.queue[0]
    assert [v.annotator for v in session.versions] == ["alice", "bob"]
    taken = session.versions[1]
    assert session.take(1)
    row = store.labels(sid, "rita")
    assert row.origin == "adjudicated" and row.status == "done" and same(row.labels, taken.labels)
    assert session.current.sid == session.queue[1]  # on to the next disagreement
    # edit instead of taking: mode and claim keys on the reviewer's own labels
    second = session.current.sid
    session.set_label("mode", "none")
    session.set_label("claim", "none")
    edited = store.labels(second, "rita")
    assert (edited.labels.mode, edited.labels.claim, edited.origin) == ("none", "none", "adjudicated")
    assert edited.status == "todo"  # the claim both versions gave was there already: enter finishes
    assert session.accept()
    assert session.progress().done == 2

    export(store, tmp_path / "adj", "jsonl", Selection(adjudicated=True))
    records = [
        orjson.loads(line) for line in (tmp_path / "adj" / "annotations.jsonl").read_bytes().splitlines()
    ]
    assert [r["annotator"] for r in records] == ["rita", "rita"]
    assert all(r["origin"] == "adjudicated" for r in records)
    first = next(r for r in records if r["id"] == store.sentence(sid).id)
    events = dict(
        store.db.execute(
            "SELECT event_id, annotator FROM events WHERE sid = :sid AND annotator IN ('alice', 'bob')",
            {"sid": sid},
        ).fetchall()
    )
    assert sorted(events[e] for e in first["derived_from"]) == ["alice", "bob"]
    # the adjudicated layer survives an export → import round trip into another store
    assert main(["--db", store.location, "import", str(tmp_path / "adj" / "annotations.jsonl")]) == 0


def test_a_resumed_review_starts_at_the_first_open_disagreement(disputed):
    s1 = ReviewSession(disputed, "rita")
    s1.take(0)
    s2 = ReviewSession(disputed, "rita")
    assert s2.current.sid == s1.queue[1] and s2.progress().done == 1


def test_an_annotator_cannot_review_under_their_own_name(disputed):
    with pytest.raises(UserError, match="review under another name"):
        ReviewSession(disputed, "alice")


def test_nothing_to_review(store):
    session = ReviewSession(store, "rita")
    assert session.current is None and session.queue == []


async def test_the_review_screen_says_when_there_is_nothing_to_review(store):
    app = make_app(store.location, "rita", review={"everything": False, "annotators": None})
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert "Nothing to review" in str(app.screen.query_one("#sentence").render())
        assert not app.screen.query_one("#version-0").display
        await pilot.press("j", "r", "enter")  # keys on an empty queue do nothing, and break nothing
        assert "Nothing to review" in str(app.screen.query_one("#sentence").render())


async def test_review_screen_takes_a_version_with_one_key(disputed):
    store = disputed
    queue = review_queue(store)
    app = make_app(store.location, "rita", review={"everything": False, "annotators": None})
    async with app.run_test(size=SIZE) as pilot:
        assert "REVIEW" in str(app.screen.query_one("#topbar").render())
        assert "alice" in str(app.screen.query_one("#version-0").render())
        assert "bob" in str(app.screen.query_one("#version-1").render())
        assert not app.screen.query_one("#version-2").display
        await pilot.press("B")
        await pilot.press("A")
    with Store(store.location) as s:
        taken = [s.labels(sid, "rita") for sid in queue[:2]]
        bob = s.labels(queue[0], "bob").labels
        alice = s.labels(queue[1], "alice").labels
    assert same(taken[0].labels, bob) and same(taken[1].labels, alice)


@pytest.mark.parametrize("size", [SIZE, (80, 24), (200, 60)])
def test_review_snapshot(snap_compare, seeds_db, size):
    with Store(seeds_db) as store:  # the screen as drawn, once: from a file
        label_seeds(store, ["alice", "bob"], Assignment(("alice", "bob"), 0.3), noise=0.3)
    app = make_app(seeds_db, "rita", review={"everything": False, "annotators": None})
    assert snap_compare(app, terminal_size=size)


def test_review_needs_a_terminal(disputed, capsys):
    assert main(["--db", str(disputed.location), "review"]) == 1
    assert "needs a terminal" in capsys.readouterr().err


def test_a_verdict_starts_from_what_the_versions_agree_on(store):
    """Alice and Bob agree on the claim and the quote, not on the mode: the verdict starts with
    the claim and the quote, the mode open; a mode key changes the mode only."""
    from annotator.model import Quote, Span

    row = next(r for r in store.sentences() if "«" in r.text and "»" in r.text and r.block_type == "body")
    i = row.text.index("«") + 2
    j = row.text.index("»", i) - 1
    quote = Quote(type="direct", content=[Span(start=i, end=j, text=row.text[i:j])])
    store.record(
        row.sid,
        "alice",
        SentenceLabels(mode="reporting", claim="factual", quotes=[quote], flags=["uncertain"]),
    )
    store.record(row.sid, "bob", SentenceLabels(mode="commentary", claim="factual", quotes=[quote]))
    session = ReviewSession(store, "rita")
    assert session.current.sid == row.sid
    assert (session.labels.mode, session.labels.claim) == (None, "factual")
    assert session.labels.quotes == [quote] and session.labels.flags == []
    session.set_label("mode", "reporting")
    verdict = store.labels(row.sid, "rita")
    assert (verdict.labels.mode, verdict.labels.claim, verdict.labels.quotes) == (
        "reporting",
        "factual",
        [quote],
    )
    assert verdict.status == "todo" and session.current.sid == row.sid  # the claim was not chosen here
    session.accept()
    assert store.labels(row.sid, "rita").status == "done"


async def test_the_last_verdict_shows_the_end_of_the_review(store):
    from annotator.tui.screens.prompt import MessageScreen

    row = next(r for r in store.sentences() if r.block_type == "body")
    store.record(row.sid, "alice", SentenceLabels(mode="reporting", claim="factual"))
    store.record(row.sid, "bob", SentenceLabels(mode="commentary", claim="factual"))
    app = make_app(store.location, "rita", review={"everything": False, "annotators": None})
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("B")
        assert isinstance(app.screen, MessageScreen)
        text = " ".join(str(w.render()) for w in app.screen.query("Static"))
        assert "Every disagreement in the queue has a verdict (1 verdicts" in text
        assert "--adjudicated" in text
    assert store.labels(row.sid, "rita").labels.mode == "commentary"


def test_verdicts_are_a_layer_of_their_own(store, tmp_path, capsys):
    """The default export (every format) holds the annotators' layers; the verdicts only with
    --adjudicated; stats lists the reviewer apart; every IOB sentence names its annotator."""
    rows = [r for r in store.sentences() if r.block_type == "body"][:2]
    for row in rows:
        store.record(row.sid, "alice", SentenceLabels(mode="reporting", claim="factual"))
        store.record(row.sid, "bob", SentenceLabels(mode="commentary", claim="factual"))
    session = ReviewSession(store, "rita")
    session.take(0)
    for fmt in ("jsonl", "iob"):
        export(store, tmp_path / f"default-{fmt}", fmt, Selection())
        export(store, tmp_path / f"adjudicated-{fmt}", fmt, Selection(adjudicated=True))
    default = [
        orjson.loads(x) for x in (tmp_path / "default-jsonl" / "annotations.jsonl").read_bytes().splitlines()
    ]
    adjudicated = [
        orjson.loads(x)
        for x in (tmp_path / "adjudicated-jsonl" / "annotations.jsonl").read_bytes().splitlines()
    ]
    assert sorted({r["annotator"] for r in default}) == ["alice", "bob"] and len(default) == 4
    assert [(r["annotator"], r["origin"]) for r in adjudicated] == [("rita", "adjudicated")]
    iob = (tmp_path / "default-iob" / "train.iob").read_text("utf-8")
    assert iob.count("# annotator = alice") == 2 and iob.count("# annotator = bob") == 2 and "rita" not in iob
    assert "# annotator = rita" in (tmp_path / "adjudicated-iob" / "train.iob").read_text("utf-8")
    counts = store.counts()
    assert sorted(counts["annotators"]) == ["alice", "bob"] and list(counts["reviewers"]) == ["rita"]
    assert counts["reviewers"]["rita"]["verdicts"] == 1
    assert main(["--db", store.location, "stats"]) == 0
    out = capsys.readouterr().out
    assert "reviewed\n  rita" in out and "verdicts 1" in out


async def test_both_versions_labels_are_on_screen_at_80x24(store):
    """A long sentence in dispute: each version's labels are drawn first, so a small terminal
    cuts the repeated sentence below them, not the labels."""
    row = next(r for r in store.sentences() if r.block_type == "body" and len(r.text) > 200)
    store.record(row.sid, "alice", SentenceLabels(mode="reporting", claim="factual"))
    store.record(row.sid, "bob", SentenceLabels(mode="commentary", claim="factual"))
    app = make_app(store.location, "rita", review={"everything": False, "annotators": None})
    async with app.run_test(size=(80, 24)):
        for i in range(2):
            column = app.screen.query_one(f"#version-{i}")
            rows = [str(line) for line in column.render().wrap(column.content_region.width)]
            last = max(
                k for k, row in enumerate(rows) if row.startswith(("mode", "claim", "no quotes", "1."))
            )
            assert column.content_region.y + last < 22  # drawn inside the screen, above the progress line
