"""The baseline model trains on an export and scores dev/test; uncertainty sampling orders the queue."""

from __future__ import annotations

import pickle

import orjson
import pytest

from annotator.assignment import Assignment
from annotator.cli import main
from annotator.errors import UserError
from annotator.export.formats import export
from annotator.export.records import Selection
from annotator.labelling.session import LabelSession
from annotator.model import SentenceLabels
from annotator.train import read_export, train, unsure_first
from annotator.tui.app import make_app
from tests.conftest import label_seeds

pytest.importorskip("sklearn")


@pytest.fixture
def exported(store, tmp_path):
    label_seeds(store, ["alice", "bob"], Assignment(("alice", "bob"), 0.2))
    out = tmp_path / "exports"
    export(store, out, "jsonl", Selection(split="60/20/20", seed=1))
    return out


def test_train_scores_dev_and_test_and_writes_a_model(exported, tmp_path, capsys):
    model = tmp_path / "models" / "baseline.pkl"
    assert main(["train", str(exported), "--model", str(model), "--json"]) == 0
    report = orjson.loads(capsys.readouterr().out)
    data = read_export(exported)
    assert report["examples"] == {s: len(r) for s, r in data.items()}
    for field in ("mode", "claim"):
        for split in ("dev", "test"):
            scores = report["fields"][field][split]
            gold = [getattr(r.labels, field) for r in data[split] if getattr(r.labels, field)]
            assert scores["macro avg"]["support"] == len(gold)
            for name in set(gold):
                assert 0 <= scores[name]["f1-score"] <= 1
    models = pickle.loads(model.read_bytes())["fields"]
    assert set(models) == {"mode", "claim"}
    assert models["mode"].predict(["Le ministre a déclaré que les exercices commenceraient lundi."])[0] in (
        "reporting",
        "commentary",
        "none",
    )
    assert main(["train", str(exported), "--model", str(model)]) == 0
    text = capsys.readouterr().out
    assert "mode on dev" in text and "precision" in text and "model written" in text


def test_train_reports_a_bad_line_with_its_number(exported, tmp_path):
    bad = exported / "train.jsonl"
    bad.write_bytes(bad.read_bytes() + b'{"id": "x"}\n')
    n = len(bad.read_bytes().splitlines())
    with pytest.raises(UserError, match=rf"train.jsonl:{n}: "):
        train(exported, tmp_path / "m.pkl")
    assert not (tmp_path / "m.pkl").exists()


def test_train_refuses_an_export_of_another_format(exported, store, tmp_path):
    export(store, tmp_path / "hf", "hf", Selection(split="60/20/20", seed=1))
    with pytest.raises(UserError, match="a hf export; train reads the canonical one"):
        train(tmp_path / "hf", tmp_path / "m.pkl")


def test_train_needs_two_classes(store, tmp_path):
    for row in list(store.sentences())[:20]:
        store.record(row.sid, "alice", SentenceLabels(mode="reporting", claim="none"))
    export(store, tmp_path / "e", "jsonl", Selection())
    with pytest.raises(UserError, match="at least 10 in two classes"):
        train(tmp_path / "e", tmp_path / "m.pkl")


def test_unsure_first_ranks_the_open_sentences(store):
    label_seeds(store, ["alice"], Assignment(("alice",), 0.0), noise=0.0)
    ranked = unsure_first(store, "bob")
    open_sids = {sid for sid, _ in store.unlabelled("bob", 10_000)}
    assert set(ranked) == open_sids and len(ranked) == len(open_sids)


def test_the_ranking_process_never_runs_code_from_the_current_folder(store, tmp_path, monkeypatch):
    from annotator.train import rank_in_subprocess

    label_seeds(store, ["alice"], Assignment(("alice",), 0.0), noise=0.0)
    planted = tmp_path / "cwd" / "annotator"
    planted.mkdir(parents=True)
    (planted / "__init__.py").write_text("", "utf-8")
    (planted / "train.py").write_text(f"open({str(tmp_path / 'ran')!r}, 'w').close()", "utf-8")
    monkeypatch.chdir(tmp_path / "cwd")
    ranked = rank_in_subprocess(store.location, "bob")
    assert ranked and not (tmp_path / "ran").exists()


def test_too_few_labels_keep_corpus_order(store):
    row = store.first()
    store.record(row.sid, "alice", SentenceLabels(mode="reporting", claim="none"))
    assert unsure_first(store, "alice") is None


def test_the_session_serves_the_ranked_sentences_first(store):
    label_seeds(store, ["alice"], Assignment(("alice",), 0.0), noise=0.0)
    session = LabelSession(store, "bob", uncertain_first=True, retrain_every=2)
    assert session.wants_ranking() and not session.wants_ranking()  # asked once per round
    ranked = unsure_first(store, "bob")
    session.set_priority(ranked)
    session.set_label("mode", "reporting")
    session.set_label("claim", "none")
    expected = ranked[0] if ranked[0] != store.first().sid else ranked[1]
    assert session.current.sid == expected
    assert session.wants_ranking()  # two decisions later: time to refit


async def test_the_screen_refits_in_a_worker_and_follows_the_model(store):
    label_seeds(store, ["alice"], Assignment(("alice",), 0.0), noise=0.0)
    app = make_app(store.path, "bob", ordering={"uncertain_first": True, "retrain_every": 2})
    async with app.run_test(size=(120, 36)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        session = app.screen.session
        assert session.priority  # the first ranking arrived
        top = session.priority[0]
        await pilot.press("r", "1")
        assert session.current.sid == top
