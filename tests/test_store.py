import sqlite3
import threading

import pytest

from annotator.corpus.reader import SourceDoc
from annotator.errors import UserError
from annotator.ingest import analyse, ingest_paths
from annotator.model import SentenceLabels
from annotator.store import Store
from tests.conftest import set_store_version

LABELS = SentenceLabels(mode="reporting", claim="factual")


def test_ingest_is_idempotent(fresh_location):
    from tests.conftest import SEEDS

    with Store(fresh_location) as store:
        first = ingest_paths(store, [SEEDS])
        assert len(first.added) == 5 and first.sentences > 100
        before = store.counts()
        report = ingest_paths(store, [SEEDS])
        assert len(report.unchanged) == 5 and not report.added and not report.updated
        assert store.counts() == before
        assert before["documents"] == 5 and before["blocks"]
        assert sum(1 for _ in store.sentences()) == first.sentences


def test_undo_after_a_retired_label_never_undoes_nothing(fresh_location):
    """The latest decision was on a sentence a new version of its document dropped: there is
    nothing left to revert on screen, so undo goes to the decision before it."""
    with Store(fresh_location) as s:
        s.ingest([analyse(SourceDoc("d", "d.txt", "Titre\nPremière phrase. Deuxième phrase."))])
        rows = {r.text: r for r in s.sentences("d")}
        s.record(rows["Première phrase."].sid, "alice", LABELS)
        s.record(rows["Deuxième phrase."].sid, "alice", LABELS)
        s.ingest([analyse(SourceDoc("d", "d.txt", "Titre\nPremière phrase. Autre chose."))])
        events = s.db.execute("SELECT count(*) FROM events").fetchone()[0]
        undone = s.undo("alice")
        assert undone is not None and s.sentence(undone.sid).text == "Première phrase."
        assert s.undo("alice") is None  # nothing else: the retired decision is not undone
        assert s.db.execute("SELECT count(*) FROM events").fetchone()[0] == events + 1


def test_changed_document_keeps_labels_of_unchanged_sentences(fresh_location):
    v1 = "Titre\nPremière phrase. Deuxième phrase. Troisième phrase."
    v2 = "Titre\nUne phrase ajoutée. Première phrase. Deuxième phrase modifiée. Troisième phrase."
    with Store(fresh_location) as s:
        s.ingest([analyse(SourceDoc("d", "d.txt", v1))])
        rows = {r.text: r for r in s.sentences("d")}
        for text in ("Première phrase.", "Deuxième phrase.", "Troisième phrase."):
            s.record(rows[text].sid, "alice", LABELS)
        report = s.ingest([analyse(SourceDoc("d", "d.txt", v2))])
        assert report.updated == ["d"] and report.labels_kept == 2 and report.labels_retired == 1
        kept = {r.text: s.labels(r.sid, "alice") for r in s.sentences("d")}
        assert kept["Première phrase."].labels == LABELS
        assert kept["Troisième phrase."].labels == LABELS
        assert kept["Deuxième phrase modifiée."] is None
        assert s.documents()[0][2] == 2  # version
        assert s.db.execute("SELECT count(*) FROM document_versions").fetchone()[0] == 1
        assert s.db.execute("SELECT sentence_id FROM retired_labels").fetchall() == [("d:23-39",)]
        # the first sentence moved: its id follows the new offsets, its label came along
        first = next(r for r in s.sentences("d") if r.text == "Première phrase.")
        assert first.id == "d:26-42"
        # the retired sentence's event stays as the audit trail, which the full check expects
        problems, _ = s.check()
        assert problems == []
        s.db.execute("UPDATE events SET sid = 999, sentence_id = 'other:0-5' WHERE sentence_id = 'd:23-39'")
        assert s.check()[0] == ["events: 1 rows point to no sentence"]


def test_record_undo_repeatedly_and_across_reopen(tmp_path, on_backend):
    path = tmp_path / "s.db"
    with Store(path) as s:
        s.ingest([analyse(SourceDoc("d", "d.txt", "Un. Deux. Trois."))])
    with on_backend(path) as s:
        sids = [r.sid for r in s.sentences()]
        s.record(sids[0], "alice", LABELS)
        s.record(sids[1], "alice", LABELS)
        s.record(sids[1], "alice", SentenceLabels(mode="commentary", claim="none"))
        s.record(sids[2], "bob", LABELS)
        where = s.location
    with Store(where) as s:  # the event log is the history: undo works after a restart
        assert s.undo("alice").sid == sids[1]
        assert s.labels(sids[1], "alice").labels == LABELS
        assert s.undo("alice").sid == sids[1]
        assert s.labels(sids[1], "alice") is None
        assert s.undo("alice").sid == sids[0]
        assert s.undo("alice") is None
        assert s.labels(sids[2], "bob").labels == LABELS  # undo is per annotator
        actions = [a for (a,) in s.db.execute("SELECT action FROM events ORDER BY event_id")]
        assert actions == ["label", "label", "label", "label", "undo", "undo", "undo"]


def test_next_unannotated_skips_boilerplate_and_wraps(any_store):
    store = any_store
    first = store.next_unannotated("alice")
    assert first.block_type == "headline" and first.doc_id.startswith("000")
    store.record(first.sid, "alice", LABELS)
    second = store.next_unannotated("alice", first.sid)
    assert second.pos == first.pos + 1
    last = list(store.sentences())[-1]
    wrapped = store.next_unannotated("alice", last.sid)
    assert wrapped.sid == second.sid
    assert store.next_unannotated("bob").sid == first.sid  # annotators are separate


def test_step_and_window(any_store):
    store = any_store
    first = store.next_unannotated("alice")
    nxt = store.step(first.sid, +1)
    assert store.step(nxt.sid, -1).sid == first.sid
    # stepping skips teasers and boilerplate unless asked not to
    assert all(r.block_type in ("headline", "body", "caption", "comment") for r in _walk(store, first.sid))
    window = store.window(nxt.sid, 1, 1)
    assert [w.sid for w in window][1] == nxt.sid and len(window) == 3


def _walk(store, sid):
    row = store.sentence(sid)
    while row:
        yield row
        row = store.step(row.sid, +1)


def test_last_position_resumes(any_store):
    store = any_store
    assert store.last_position("alice") is None
    row = store.next_unannotated("alice")
    store.record(row.sid, "alice", LABELS)
    assert store.last_position("alice") == row.sid


def test_record_refuses_spans_outside_the_sentence(any_store):
    store = any_store
    from annotator.model import Quote, Span

    row = store.next_unannotated("alice")
    bad = SentenceLabels(quotes=[Quote(type="indirect", content=[Span(start=0, end=3, text="xyz")])])
    with pytest.raises(ValueError, match="quote 1 content"):
        store.record(row.sid, "alice", bad)
    assert store.labels(row.sid, "alice") is None


def test_two_connections_write_concurrently(tmp_path):
    path = tmp_path / "s.db"
    text = " ".join(f"Phrase {i}." for i in range(200))
    with Store(path) as s:
        s.ingest([analyse(SourceDoc("d", "d.txt", text))])
        sids = [r.sid for r in s.sentences()]
    errors = []

    def work(name):
        try:
            with Store(path) as s:
                for sid in sids:
                    s.record(sid, name, LABELS)
        except Exception as exc:  # pragma: no cover - the assertion below reports it
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in ("alice", "bob")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    with Store(path) as s:
        assert s.counts()["annotators"]["alice"]["done"] == 200
        assert s.counts()["annotators"]["bob"]["done"] == 200


def test_newer_store_is_refused(tmp_path):
    path = tmp_path / "s.db"
    Store(path).close()
    set_store_version(path, 99)
    with pytest.raises(UserError, match="written by a newer annotator"):
        Store(path)


def test_foreign_sqlite_file_is_refused(tmp_path):
    path = tmp_path / "other.db"
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE x (y)")
    db.commit()
    db.close()
    with pytest.raises(UserError, match="not an annotator store"):
        Store(path)
    (tmp_path / "junk.db").write_bytes(b"not a database at all" * 100)
    with pytest.raises(UserError, match="not an annotator store"):
        Store(tmp_path / "junk.db")


def test_history_is_validated_events(any_store):
    store = any_store
    row = store.next_unannotated("alice")
    store.record(row.sid, "alice", LABELS)
    store.record(row.sid, "alice", LABELS, status="skipped", action="skip")
    store.undo("alice")
    events = store.history("alice")
    assert [e.action for e in events] == ["undo", "skip", "label"]
    assert events[0].undoes == events[1].event_id and events[2].labels == LABELS
    assert all(e.sentence_id == row.id for e in events)


def test_counts_label_distribution(store):
    row = store.next_unannotated("alice")
    store.record(row.sid, "alice", LABELS)
    store.record(store.next_unannotated("alice", row.sid).sid, "alice", SentenceLabels(mode="commentary"))
    counts = store.counts()
    assert counts["labels"]["mode"] == {"reporting": 1, "commentary": 1}
    assert counts["labels"]["claim"] == {"factual": 1, "unset": 1}
    assert counts["quotes"] == 0


def test_unopenable_store_path(tmp_path):
    with pytest.raises(UserError, match="cannot open the store"):
        Store(tmp_path / "missing-folder" / "s.db")


def test_empty_labels_constant_is_the_model_default():
    from annotator.model import SentenceLabels
    from annotator.store import schema as store_module

    assert store_module.EMPTY_LABELS == SentenceLabels().model_dump_json()
