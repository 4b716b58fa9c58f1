"""Agreement: values equal scikit-learn's and the krippendorff package's; overlap assignment."""

from __future__ import annotations

import math
import warnings
from collections import Counter

import krippendorff
import numpy as np
import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.metrics import cohen_kappa_score

from annotator import agreement
from annotator.assignment import Assignment
from annotator.cli import main
from annotator.labelling.session import LabelSession
from annotator.model import Quote, SentenceLabels, Span
from annotator.store import Store
from tests.conftest import label_seeds

LABELS = st.sampled_from(["reporting", "commentary", "none"])


def same(ours: float | None, reference: float) -> bool:
    return (ours is None and math.isnan(reference)) or (
        ours is not None and math.isclose(ours, reference, abs_tol=1e-12)
    )


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(LABELS, LABELS), min_size=1, max_size=60))
def test_cohen_kappa_equals_scikit_learn(pairs):
    a, b = zip(*pairs, strict=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a single label: undefined, and scikit-learn says so
        reference = cohen_kappa_score(a, b)
    assert same(agreement.cohen_kappa(a, b), reference)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.lists(st.one_of(st.none(), st.integers(0, 3)), min_size=3, max_size=3), min_size=2, max_size=40
    )
)
def test_krippendorff_alpha_equals_the_krippendorff_package(units):
    """Three coders, nominal values, missing ones allowed."""
    pairable = [[v for v in u if v is not None] for u in units]
    if (
        sum(len(u) for u in pairable if len(u) >= 2) == 0
        or len({v for u in pairable if len(u) >= 2 for v in u}) < 2
    ):
        assert agreement.krippendorff_alpha(pairable) is None
        return
    data = np.array([[np.nan if v is None else v for v in u] for u in units], dtype=float).T
    reference = krippendorff.alpha(reliability_data=data, level_of_measurement="nominal")
    assert math.isclose(agreement.krippendorff_alpha(pairable), reference, abs_tol=1e-9)


def span(text: str, piece: str) -> Span:
    at = text.index(piece)
    return Span(start=at, end=at + len(piece), text=piece)


def test_quote_scores_on_a_hand_made_pair():
    text = "« Nous partons », a dit le ministre, qui a ajouté que tout irait bien."
    first = [
        Quote(
            type="direct",
            content=[span(text, "Nous partons")],
            cue=span(text, "a dit"),
            source=span(text, "le ministre"),
        ),
        Quote(type="indirect", content=[span(text, "tout irait bien")], cue=span(text, "a ajouté")),
    ]
    second = [
        Quote(
            type="direct",
            content=[span(text, "Nous partons")],
            cue=span(text, "a dit"),
            source=span(text, "ministre"),
        ),
        Quote(type="mixed", content=[span(text, "que tout irait bien")]),
    ]
    counts = agreement.SpanCounts()
    counts.add(first, second)
    s = counts.scores()
    assert s["content_exact"]["f1"] == 0.5  # one of two contents is identical
    assert s["content_overlap"]["f1"] == 1.0  # "tout irait bien" covers 15 of 19 characters
    assert s["cue"]["precision"] == 0.5 and s["cue"]["recall"] == 1.0
    assert s["source"]["f1"] == 0.0
    assert s["type_agreement"] == 0.5 and s["matched_quotes"] == 2


@pytest.fixture
def store(seeds_db, on_backend) -> Store:
    """The seeds on either backend: plans and agreement are one contract on both."""
    return on_backend(seeds_db)


@pytest.fixture
def two_annotators(store):
    plan = Assignment(("alice", "bob"), 0.2)
    store.set_assignment(plan)
    label_seeds(
        store, ["alice", "bob"], plan, noise=0.15, seed=1
    )  # a seed whose noise reaches quotes the two share
    return store


def test_twenty_percent_overlap_is_deterministic_and_covers_every_sentence(store):
    plan = Assignment(("alice", "bob"), 0.2)
    rows = [r for r in store.sentences() if r.block_type in ("headline", "body", "caption", "comment")]
    served = {
        name: {r.sid for r in rows if plan.serves(name, r.doc_id, r.start, r.end)} for name in plan.team
    }
    shared = served["alice"] & served["bob"]
    assert served["alice"] | served["bob"] == {r.sid for r in rows}
    assert 0.12 < len(shared) / len(rows) < 0.28
    again = Assignment(("alice", "bob"), 0.2)
    assert all(again.serves("alice", r.doc_id, r.start, r.end) == (r.sid in served["alice"]) for r in rows)
    assert plan.serves("carol", rows[0].doc_id, rows[0].start, rows[0].end)  # not in the team: everything

    by_document = Assignment(("alice", "bob"), 0.2, "document")
    for doc_id in {r.doc_id for r in rows}:
        verdicts = {by_document.serves("alice", r.doc_id, r.start, r.end) for r in rows if r.doc_id == doc_id}
        assert len(verdicts) == 1  # a document is served whole or not at all


def test_the_labelling_session_serves_only_the_assigned_sentences(store):
    plan = Assignment(("alice", "bob"), 0.2)
    store.set_assignment(plan)
    labelled = sum(1 for r in store.sentences() if r.block_type in ("headline", "body", "caption", "comment"))
    session = LabelSession(store, "alice")
    done, total = store.progress("alice")
    assert done == 0 and 0.5 * labelled < total < 0.7 * labelled  # 20 % shared + half of the rest
    for _ in range(total):
        row = session.current
        assert plan.serves("alice", row.doc_id, row.start, row.end)
        session.set_label("mode", "reporting")
        if not session.set_label("claim", "none"):  # pre-filled from a copy of the story: enter
            assert session.accept()
    assert store.progress("alice") == (total, total)
    assert session.store.next_unannotated("alice") is None
    assert store.counts()["annotators"]["alice"]["remaining"] == 0  # of her share
    bob = store.progress("bob")[1]
    assert total + bob > labelled  # the shared part is served twice


def test_agree_equals_the_reference_implementations_on_two_annotators(two_annotators, capsys, tmp_path):
    store = two_annotators
    assert main(["--db", store.location, "agree", "--json"]) == 0
    got = orjson.loads(capsys.readouterr().out)
    table = agreement.load(store)
    both = [d for d in table.values() if len(d) == 2]
    assert got["sentences_compared"] == len(both) >= 15
    for field in ("block_type", "mode", "claim"):
        a = [d["alice"].value(field) for d in both]
        b = [d["bob"].value(field) for d in both]
        assert math.isclose(got["labels"][field]["pairs"]["alice | bob"]["kappa"], cohen_kappa_score(a, b))
        codes = {c: i for i, c in enumerate(agreement.FIELDS[field])}
        data = np.array([[codes[x] for x in a], [codes[y] for y in b]], dtype=float)
        assert math.isclose(
            got["labels"][field]["alpha"],
            krippendorff.alpha(reliability_data=data, level_of_measurement="nominal"),
        )
        matrix = got["labels"][field]["confusion"]
        assert sum(map(sum, matrix)) == len(both)
        assert sum(matrix[i][i] for i in range(len(matrix))) == sum(x == y for x, y in zip(a, b, strict=True))
    quotes = got["quotes"]["pairs"]["alice | bob"]
    assert 0.5 < quotes["content_overlap"]["f1"] < 1.0  # noise makes them disagree, not wildly
    assert quotes["content_exact"]["f1"] <= quotes["content_overlap"]["f1"]
    docs = got["documents"]
    assert sum(d["sentences"] for d in docs.values()) == len(both)

    assert main(["--db", store.location, "agree"]) == 0
    text = capsys.readouterr().out
    assert "alice | bob" in text and "confusion: mode" in text and "content (exact)" in text


def test_agree_with_three_annotators_and_missing_values(store, capsys):
    plan = Assignment(("alice", "bob", "carol"), 0.3)
    label_seeds(store, ["alice", "bob", "carol"], plan, noise=0.2, seed=3)
    # carol skips some shared sentences: missing values for alpha
    table = agreement.load(store)
    result = agreement.report(table)
    assert set(result["labels"]["mode"]["pairs"]) == {"alice | bob", "alice | carol", "bob | carol"}
    codes = {c: i for i, c in enumerate(agreement.FIELDS["claim"])}
    sids = [sid for sid, d in table.items() if len(d) >= 2]
    data = np.array(
        [
            [codes[table[s][n].value("claim")] if n in table[s] else np.nan for s in sids]
            for n in ("alice", "bob", "carol")
        ]
    )
    assert math.isclose(
        result["labels"]["claim"]["alpha"],
        krippendorff.alpha(reliability_data=data, level_of_measurement="nominal"),
    )


def test_adjudicated_labels_are_not_an_annotator(two_annotators):
    store = two_annotators
    before = agreement.report(agreement.load(store))
    sid = next(sid for sid, d in agreement.load(store).items() if len(d) == 2)
    store.record(
        sid, "rita", SentenceLabels(mode="none", claim="none"), origin="adjudicated", derived_from=[1, 2]
    )
    after = agreement.report(agreement.load(store))
    assert after["annotators"] == before["annotators"] == ["alice", "bob"]


def test_agree_without_shared_sentences_says_how_to_get_them(store, capsys):
    row = store.first()
    store.record(row.sid, "alice", SentenceLabels(mode="reporting", claim="none"))
    assert main(["--db", store.location, "agree"]) == 0
    assert "--overlap" in capsys.readouterr().out


def test_label_overlap_options_are_checked(store, capsys):
    db = store.location
    assert main(["--db", db, "label", "--overlap", "0.2"]) == 1
    # not a terminal: refused before anything is stored
    assert store.assignment() is None
    assert Counter(capsys.readouterr().err.splitlines()) == Counter(
        ["annotator: the labelling screen needs a terminal (stdin and stdout are not one)"]
    )
    with pytest.raises(Exception, match="between 0 and 1"):
        Assignment(("a",), 1.5)
