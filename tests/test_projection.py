"""Labels carried across near-duplicates: the same sentence (SCHEME §1 key) in another copy of the
story gets the annotator's decision, spans re-based, origin `projected`; anything else gets none."""

import re

import orjson
import pytest

from annotator.cli import main
from annotator.corpus.reader import SourceDoc
from annotator.ingest import ingest_docs
from annotator.labelling.projection import project_all, projection, rebase, sentence_key
from annotator.labelling.session import LabelSession
from annotator.model import Quote, SentenceLabels, Span
from annotator.store import Store
from annotator.tui.app import make_app
from tests.conftest import seed_text

A = "000_c843b81a56e173c2"
B = "002_89538b8c11680e57"


def quoted(text: str, content: str, cue: str) -> SentenceLabels:
    c, k = text.index(content), text.index(cue)
    return SentenceLabels(
        mode="reporting",
        claim="factual",
        quotes=[
            Quote(
                type="direct",
                content=[Span(start=c, end=c + len(content), text=content)],
                cue=Span(start=k, end=k + len(cue), text=cue),
                speaker="Wang Wenbin",
            )
        ],
    )


def test_the_key_folds_what_scheme_1_says():
    assert sentence_key("« L’armée  a\u00a0dit »") == sentence_key("« l'armée a dit »")
    assert sentence_key("Il a dit.") != sentence_key("Il a dit !")


def test_spans_are_rebased_onto_the_other_copy():
    source = "« Nous  coopérons », a\u00a0dit M. Wang."
    target = "« Nous coopérons », a dit M.\u00a0Wang."
    labels = quoted(source, "Nous  coopérons", "a\u00a0dit")
    moved = rebase(labels, source, target)
    assert moved is not None
    (q,) = moved.quotes
    assert (q.content[0].text, q.cue.text) == ("Nous coopérons", "a dit")
    moved.check(target)
    assert rebase(labels, source, source) is labels
    assert rebase(labels, source, "« Nous coopérons », a dit M. Li.") is None  # another sentence


@pytest.fixture
def copies(tmp_path):
    """Two copies of one story (one sentence differs inside its quote) and an unrelated one."""
    title, _, story = seed_text("000").partition("\n")  # long enough for a and b to make one story cluster
    same = "Pékin a confirmé l’envoi de troupes. « Nous coopérons », a dit le porte-parole."
    db = tmp_path / "s.db"
    with Store(db) as store:
        ingest_docs(
            store,
            [
                SourceDoc("a", "a.txt", f"{title}\n\n{same} « Rien de neuf », a-t-il ajouté.\n{story}"),
                SourceDoc("b", "b.txt", f"{title}\n\n{same} « Rien de nouveau », a-t-il ajouté.\n{story}"),
                SourceDoc("c", "c.txt", f"{seed_text('001')}\n\nPékin a confirmé l’envoi de troupes."),
            ],
            suggest=False,
        )
        assert len({store.document_info(d).cluster for d in "ab"}) == 1, "a and b are one story"
        for row in store.sentences("a"):
            labels = (
                quoted(row.text, "Nous coopérons", "a dit")
                if "coopérons" in row.text
                else SentenceLabels(mode="reporting", claim="none")
            )
            store.record(row.sid, "alice", labels)
    return db


def test_the_same_sentence_in_the_other_copy_is_projected(copies):
    with Store(copies) as store:
        b = list(store.sentences("b"))
        found = {r.text[:20]: projection(store, r.sid, "alice") for r in b}
        number = next(r.pos for r in store.sentences("a") if r.text.startswith("« Nous coopérons")) + 1
        assert found["« Nous coopérons », "].source == f"as in a, sentence {number}"
        assert found["« Nous coopérons », "].labels.quotes[0].content[0].text == "Nous coopérons"
        assert found["« Rien de nouveau »,"] is None  # differs inside the quote
        assert projection(store, b[0].sid, "bob") is None  # another annotator's decisions stay theirs
        assert sum(v is not None for v in found.values()) == len(b) - 1  # all but the one that differs
        (c,) = [r for r in store.sentences("c") if r.text.startswith("Pékin")]
        assert projection(store, c.sid, "alice") is None  # the same words in another story


def test_enter_accepts_a_projection_and_export_keeps_its_origin(copies, tmp_path):
    with Store(copies) as store:
        session = LabelSession(store, "alice")
        session.jump("b")
        for _ in range(60):
            if "coopérons" in session.here.text:
                break
            session.step(1)
        assert session.projected.startswith("as in a, sentence ") and session.suggested
        assert session.accept()
    out = tmp_path / "out"
    assert main(["--db", str(copies), "export", "--out", str(out)]) == 0
    records = [orjson.loads(line) for line in (out / "annotations.jsonl").read_bytes().splitlines()]
    projected = [r for r in records if r["origin"] == "projected"]
    assert [(r["doc_id"], r["labels"]["quotes"][0]["speaker"]) for r in projected] == [("b", "Wang Wenbin")]
    assert projected[0]["schema_version"] == 4


async def test_the_panel_says_where_the_labels_come_from(copies):
    app = make_app(copies, "alice")
    async with app.run_test(size=(120, 36)) as pilot:
        for _ in range(60):  # alice resumes in b, the first sentence she has not seen
            here = app.screen.session.here
            if here.doc_id == "b" and "coopérons" in here.text:
                break
            await pilot.press("j")
        else:
            raise AssertionError("never reached the sentence of b")
        panel = " ".join(str(app.screen.query_one("#panel").render()).split())
        assert re.search(r"as in a, sentence \d+ \(◆\)", panel) and "⏎ stores: reporting · factual" in panel
        await pilot.press("enter")
    with Store(copies) as store:
        (row,) = [r for r in store.sentences("b") if "coopérons" in r.text]
        assert store.labels(row.sid, "alice").origin == "projected"


def test_project_labels_prefills_pending_decisions_counted_apart(copies, capsys):
    with Store(copies) as store:
        n = sum(projection(store, sid, "alice") is not None for sid in store.unseen_in_clusters("alice"))
        assert n == len(store.unseen_in_clusters("alice")) - 1  # all of b but the sentence that differs
    assert main(["--db", str(copies), "--annotator", "alice", "project-labels"]) == 0
    assert f"alice: {n} sentences pre-filled from near-duplicates" in capsys.readouterr().out
    with Store(copies) as store:
        rows = store.db.execute(
            "SELECT status, origin FROM labels l JOIN sentences s ON s.sid = l.sid JOIN documents d ON d.doc = s.doc"
            " WHERE d.doc_id = 'b' AND annotator = 'alice'"
        ).fetchall()
        assert rows == [("todo", "projected")] * n  # pending until the annotator accepts
        assert project_all(store, "alice") == 0  # seen now: not again
        for row in store.sentences("b"):  # bob labels b by hand; alice accepts hers
            store.record(row.sid, "bob", SentenceLabels(mode="reporting", claim="none"))
            if store.labels(row.sid, "alice"):
                store.record(row.sid, "alice", store.labels(row.sid, "alice").labels, origin="projected")
    assert main(["--db", str(copies), "stats"]) == 0
    assert f"projected {n}" in capsys.readouterr().out
    assert main(["--db", str(copies), "agree", "--json"]) == 0
    report = orjson.loads(capsys.readouterr().out)
    assert report["projected_left_out"] == n and report["sentences_compared"] == 0
