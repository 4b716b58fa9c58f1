"""The project's figures (dashboard, report, `stats --json`) against hand-computed values, and the
running tallies they read against a recount of the labels."""

from datetime import UTC, datetime
from pathlib import Path

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from annotator.cli import main
from annotator.corpus.reader import SourceDoc
from annotator.ingest import analyse
from annotator.model import Quote, SentenceLabels, Span
from annotator.stats import figures as figures_module
from annotator.stats.figures import figures
from annotator.store import Store, tallies

TEXT = "Titre de l’article\n\nPremière phrase ici. Deuxième phrase là, dit-il. Troisième phrase encore."
TODAY = datetime(2026, 11, 3, 12, 0, tzinfo=UTC)


@pytest.fixture
def fixed_now(monkeypatch):
    monkeypatch.setattr(figures_module, "now", lambda: TODAY)


def small_store(path: Path) -> tuple[Store, list]:
    """Four sentences to label (a headline, three body sentences), suggestions on the first two."""
    store = Store(path)
    store.ingest([analyse(SourceDoc("d", "d.txt", TEXT), suggest=False)])
    rows = list(store.sentences())
    suggested = {
        rows[0].sid: SentenceLabels(mode="reporting", claim="none"),
        rows[1].sid: SentenceLabels(mode="reporting", claim="factual"),
    }
    with store.write() as db:
        db.executemany(
            "INSERT INTO suggestions VALUES (?, 'test', ?)",
            [(sid, labels.model_dump_json()) for sid, labels in suggested.items()],
        )
    return store, rows


def quote_on(text: str) -> Quote:
    start = text.index("Deuxième")
    content = text[start : text.index(",")]
    cue = text.index("dit")
    return Quote(
        type="indirect",
        content=[Span(start=start, end=start + len(content), text=content)],
        cue=Span(start=cue, end=cue + 3, text="dit"),
    )


def label_small(store: Store, rows: list) -> None:
    """alice: the headline (as suggested), a body sentence, a skip, the quote sentence with a flag;
    bob: the first two, one of them untimed."""
    s1, s2, s4, s3 = rows  # s4 is the sentence with "dit-il"
    at = "2026-11-0{}T{:02d}:00:00Z".format
    store.record(
        s1.sid,
        "alice",
        SentenceLabels(mode="reporting", claim="none"),
        origin="suggested",
        updated_at=at(1, 10),
        seconds=10,
    )
    store.record(
        s2.sid, "alice", SentenceLabels(mode="commentary", claim="factual"), updated_at=at(1, 11), seconds=20
    )
    store.record(s3.sid, "alice", SentenceLabels(), status="skipped", updated_at=at(2, 9), seconds=5)
    store.record(
        s4.sid,
        "alice",
        SentenceLabels(
            mode="reporting", claim="checkworthy", quotes=[quote_on(s4.text)], flags=["uncertain"]
        ),
        updated_at=at(2, 10),
        seconds=40,
    )
    store.record(s1.sid, "bob", SentenceLabels(mode="reporting", claim="none"), updated_at=at(2, 12))
    store.record(
        s2.sid, "bob", SentenceLabels(mode="reporting", claim="factual"), updated_at=at(2, 13), seconds=30
    )


def test_the_figures_are_the_hand_computed_ones(tmp_path, fixed_now):
    store, rows = small_store(tmp_path / "s.db")
    assert [r.block_type for r in rows] == ["headline", "body", "body", "body"]
    label_small(store, rows)
    f = figures(store)
    assert f["to_label"] == 4 and f["annotators"] == ["alice", "bob"] and f["reviewers"] == {}

    p = f["progress"]
    assert p["per_day"] == {"alice": {"2026-11-01": 2, "2026-11-02": 2}, "bob": {"2026-11-02": 2}}
    assert p["annotators"]["alice"] == {
        "finished": 4,
        "served": 4,
        "remaining": 0,
        "pace_per_day": 2.0,
        "finish": "2026-11-02",
    }
    # bob: 2 left at 2 a day, from 2026-11-03
    assert p["annotators"]["bob"] == {
        "finished": 2,
        "served": 4,
        "remaining": 2,
        "pace_per_day": 2.0,
        "finish": "2026-11-04",
    }
    assert p["project_finish"] == "2026-11-04"

    alice, bob = f["speed"]["alice"], f["speed"]["bob"]
    assert alice["per_hour"] == 192.0  # 4 sentences in 75 s
    assert alice["with_quotes"]["mean_seconds"] == 40.0 and alice["with_quotes"]["histogram"]["30"] == 1
    assert alice["with_quotes"]["median_seconds"] == 37.5  # half way into the 30–45 s bucket
    assert (
        alice["without_quotes"]["mean_seconds"] == 11.7 and alice["without_quotes"]["median_seconds"] == 12.5
    )
    assert bob["per_hour"] is None  # under a minute of recorded time
    assert bob["without_quotes"]["sentences"] == 2 and bob["without_quotes"]["timed"] == 1

    labels = f["labels"]
    assert labels["sentences"] == 5 and labels["quotes"] == 1
    assert labels["mode"]["overall"] == {"commentary": 1, "reporting": 4}
    assert labels["claim"]["overall"] == {"checkworthy": 1, "factual": 2, "none": 2}
    assert labels["mode"]["by_block_type"] == {
        "body": {"commentary": 1, "reporting": 2},
        "headline": {"reporting": 2},
    }
    assert labels["mode"]["by_annotator"]["bob"] == {"reporting": 2}
    assert labels["quote_type"]["overall"] == {"indirect": 1}
    assert labels["flag"]["by_annotator"] == {"alice": {"uncertain": 1}}

    s = f["suggestions"]
    assert (s["with_suggestion"], s["accepted"], s["acceptance"]) == (4, 3, 0.75)
    assert s["changed"] == {
        "mode": 1,
        "claim": 0,
        "quotes": 0,
        "type": 0,
        "content": 0,
        "cue": 0,
        "source": 0,
        "speaker": 0,
    }
    assert s["by_origin"]["overall"] == {"manual": 4, "suggested": 1}

    a = f["agreement"]
    assert a["sentences_compared"] == 2
    assert a["over_time"] == [
        {
            "day": "2026-11-02",
            "sentences": 2,
            "mode_alpha": a["labels"]["mode"]["alpha"],
            "claim_alpha": a["labels"]["claim"]["alpha"],
            "quote_f1": None,
        }
    ]
    assert a["documents"] == [
        {"doc_id": "d", "title": "Titre de l’article", "compared": 2, "disagreements": 1}
    ]
    store.close()


def test_an_edit_and_an_undo_move_a_decision_between_cells(tmp_path, fixed_now):
    store, rows = small_store(tmp_path / "s.db")
    store.record(
        rows[1].sid,
        "alice",
        SentenceLabels(mode="commentary", claim="none"),
        updated_at="2026-11-01T10:00:00Z",
    )
    store.record(
        rows[1].sid,
        "alice",
        SentenceLabels(mode="reporting", claim="factual"),
        updated_at="2026-11-02T10:00:00Z",
    )
    f = figures(store)
    assert f["labels"]["mode"]["overall"] == {"reporting": 1}
    assert f["progress"]["per_day"] == {"alice": {"2026-11-02": 1}}
    assert f["suggestions"]["accepted"] == 1  # the edit brought it back to the suggestion
    store.undo("alice")
    assert figures(store)["labels"]["mode"]["overall"] == {"commentary": 1}
    store.undo("alice")
    assert figures(store)["labels"]["sentences"] == 0
    assert tallies.mismatches(store.db) == 0
    store.close()


LABELS = st.builds(
    SentenceLabels,
    mode=st.sampled_from([None, "reporting", "commentary", "none"]),
    claim=st.sampled_from([None, "none", "factual", "checkworthy"]),
    flags=st.sampled_from([[], ["uncertain"], ["mt_noise", "uncertain"]]),
)
OPS = st.lists(
    st.tuples(
        st.sampled_from(["alice", "bob", "carol"]),
        st.integers(0, 3),
        st.sampled_from(["record", "record", "undo"]),
        LABELS,
        st.sampled_from(["done", "skipped", "todo"]),
        st.one_of(st.none(), st.integers(0, 200)),
        st.integers(1, 5),
    ),
    max_size=25,
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=OPS)
def test_the_tallies_always_match_a_recount_of_the_labels(tmp_path_factory, ops):
    """Whatever decisions, edits and undos come, the kept tallies equal a recount (and `db check` passes)."""
    store, rows = small_store(tmp_path_factory.mktemp("t") / "s.db")
    for annotator, i, op, labels, status, seconds, day in ops:
        if op == "undo":
            store.undo(annotator)
        else:
            store.record(
                rows[i].sid,
                annotator,
                labels,
                status=status,
                seconds=seconds,
                updated_at=f"2026-11-0{day}T10:00:00Z",
            )
    assert tallies.mismatches(store.db) == 0
    assert store.check()[0] == []
    store.close()


def test_db_check_finds_tallies_that_drifted(tmp_path):
    store, rows = small_store(tmp_path / "s.db")
    store.record(rows[0].sid, "alice", SentenceLabels(mode="reporting", claim="none"))
    with store.write() as db:
        db.execute("UPDATE tallies SET n = n + 1")
    problems, _ = store.check()
    assert problems == ["tallies: 1 cells do not match the labels (the dashboard's counts would be wrong)"]
    store.close()


def test_stats_json_gives_the_same_figures(tmp_path, capsys, fixed_now):
    from tests.conftest import simulate_project

    db = simulate_project(tmp_path / "p.db")
    assert main(["--db", str(db), "stats", "--json"]) == 0
    printed = orjson.loads(capsys.readouterr().out)
    with Store(db) as store:
        assert printed["figures"] == figures(store)
    assert printed["figures"]["annotators"] == ["alice", "bob"]
    assert printed["figures"]["agreement"]["sentences_compared"] == 73
