"""Model-ready exports load in Hugging Face datasets and spaCy; splits keep stories whole and stay frozen."""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

import orjson
import pytest

from annotator.assignment import Assignment
from annotator.cli import main
from annotator.corpus.reader import SourceDoc
from annotator.errors import UserError
from annotator.export import docbin, splits
from annotator.export.formats import export
from annotator.export.hf import CLASSES
from annotator.export.records import Selection
from annotator.ingest import analyse
from annotator.model import SentenceLabels
from tests.conftest import label_seeds


@pytest.fixture
def labelled(store):
    label_seeds(store, ["alice", "bob"], Assignment(("alice", "bob"), 0.2))
    first = store.first()
    store.record(first.sid, "carol", SentenceLabels(), status="skipped", action="skip")
    return store


def jsonl(path: Path) -> list[dict]:
    return [orjson.loads(line) for line in path.read_bytes().splitlines() if line]


def canonical(store, tmp_path, **selection) -> dict[str, dict]:
    export(store, tmp_path / "canonical", "jsonl", Selection(**selection))
    return {
        f"{r['id']}|{r['annotator']}": r for f in (tmp_path / "canonical").glob("*.jsonl") for r in jsonl(f)
    }


def test_hf_folder_loads_with_declared_class_labels(labelled, tmp_path):
    datasets = pytest.importorskip("datasets")
    out = tmp_path / "hf"
    manifest = export(labelled, out, "hf", Selection(split="80/10/10", annotator="alice"))
    ds = datasets.load_dataset(str(out), cache_dir=str(tmp_path / "cache"))
    assert set(ds) == {"train", "validation", "test"}
    assert sum(len(ds[s]) for s in ds) == manifest.records == sum(manifest.counts["split"].values())
    features = ds["train"].features
    for field in ("mode", "claim", "block_type"):
        assert isinstance(features[field], datasets.ClassLabel)
        assert features[field].names == list(CLASSES[field])
    assert features["quotes"].feature["type"].names == ["direct", "indirect", "mixed"]
    reference = canonical(labelled, tmp_path, split="80/10/10", annotator="alice")
    for split in ds:
        for row in ds[split]:
            r = reference[f"{row['id']}|alice"]
            assert features["mode"].int2str(row["mode"]) == r["labels"]["mode"]
            assert features["claim"].int2str(row["claim"]) == r["labels"]["claim"]
            assert [q["content"][0]["text"] for q in row["quotes"]] == [
                q["content"][0]["text"] for q in r["labels"]["quotes"]
            ]
            assert {"train": "train", "validation": "dev", "test": "test"}[split] == r["split"]
    ds.save_to_disk(str(tmp_path / "arrow"))  # the README's way to a load_from_disk folder
    again = datasets.load_from_disk(str(tmp_path / "arrow"))
    assert again["train"].features == features and len(again["test"]) == len(ds["test"])
    card = (out / "README.md").read_text("utf-8")
    assert "## Agreement" in card and "Krippendorff" in card and "license" in card
    assert manifest.files["README.md"] and manifest.format == "hf"


def test_spacy_docbins_carry_quotes_cats_and_count_snapped_spans(labelled, tmp_path):
    spacy = pytest.importorskip("spacy")
    from spacy.tokens import DocBin

    out = tmp_path / "spacy"
    manifest = export(labelled, out, "spacy", Selection(split="80/10/10"))
    nlp = spacy.blank("fr")
    reference = canonical(labelled, tmp_path, split="80/10/10")
    spans_seen = Counter()
    n = 0
    for split in ("train", "dev", "test"):
        docs = list(DocBin().from_bytes((out / f"{split}.spacy").read_bytes()).get_docs(nlp.vocab))
        n += len(docs)
        for doc in docs:
            r = reference[f"{doc.user_data['id']}|{doc.user_data['annotator']}"]
            assert r["split"] == split and doc.text == r["text"]
            assert doc.cats[f"mode={r['labels']['mode']}"] == 1.0
            assert sum(v for k, v in doc.cats.items() if k.startswith("claim=")) == 1.0
            want = [(role, s["start"], s["end"]) for q in r["labels"]["quotes"] for role, s in spans_of(q)]
            got = list(doc.spans["quotes"])
            assert [s.label_ for s in got] == [w[0] for w in want]
            for span, (_, start, end) in zip(got, want, strict=True):
                piece = doc.text[start:end]  # spaCy's tokens do not hold outer whitespace
                inner = (start + len(piece) - len(piece.lstrip()), end - len(piece) + len(piece.rstrip()))
                assert span.start_char <= inner[0] and inner[1] <= span.end_char  # expanded, never cut
                spans_seen["exact" if (span.start_char, span.end_char) == (start, end) else "snapped"] += 1
    assert n == manifest.records
    assert manifest.counts["spans"] == dict(sorted(spans_seen.items()))
    assert spans_seen["snapped"] > 0  # the seeds have spans inside words (l'armée, d'« …)


def spans_of(q: dict):
    for c in q["content"]:
        yield "content", c
    if q["cue"]:
        yield "cue", q["cue"]
    if q["source"]:
        yield "source", q["source"]


def test_iob_tags_match_the_spans(labelled, tmp_path):
    out = tmp_path / "iob"
    manifest = export(labelled, out, "iob", Selection(annotator="bob"))
    assert set(manifest.files) == {"train.iob"}
    text = (out / "train.iob").read_text("utf-8")
    sentences = [s for s in text.split("\n\n") if s.strip()]
    assert len(sentences) == manifest.records
    reference = canonical(labelled, tmp_path, annotator="bob")
    starts = Counter()
    for block in sentences:
        lines = block.splitlines()
        rid = lines[0].removeprefix("# id = ")
        r = reference[f"{rid}|bob"]
        assert lines[1] == f"# text = {r['text']}" and lines[2] == "# annotator = bob"
        rows = [line.split("\t") for line in lines[5:]]
        assert all(len(row) == 2 and row[0] and row[0] in r["text"] for row in rows)
        for i, (_, tag) in enumerate(rows):
            if tag.startswith("I-"):
                assert rows[i - 1][1][2:] == tag[2:]  # an inside tag continues its span
            if tag.startswith("B-"):
                starts[tag[2:].lower()] += 1
    spans = manifest.counts["spans"]
    assert sum(starts.values()) == spans["exact"] + spans["snapped"] - spans.get("overlapping", 0)


def test_splits_never_split_a_cluster_and_stay_frozen(labelled, tmp_path):
    first = export(labelled, tmp_path / "a", "jsonl", Selection(split="60/20/20", seed=4))
    where = {}
    for name in first.files:
        for r in jsonl(tmp_path / "a" / name):
            assert where.setdefault(r["cluster"], r["split"]) == r["split"]
    assert set(where.values()) == {"train", "dev", "test"}  # four stories: none of the splits is empty
    with pytest.raises(UserError, match="frozen as 60/20/20"):
        export(labelled, tmp_path / "b", "jsonl", Selection(split="80/10/10"))
    # a new story arrives: it gets a split, the old ones keep theirs
    labelled.ingest(
        [analyse(SourceDoc("zz_new", "zz_new", "Titre neuf\nUne phrase toute neuve sur autre chose."))]
    )
    again = export(labelled, tmp_path / "c", "hf", Selection(split="60/20/20", seed=4))
    plan, frozen = labelled.frozen_splits()
    assert {k: v for k, v in frozen.items() if k in where} == where and "zz_new" in frozen
    assert again.split == {"train": 60, "dev": 20, "test": 20} and again.unit == "cluster"
    # --resplit starts over, by document this time
    export(labelled, tmp_path / "d", "jsonl", Selection(split="80/10/10", unit="document", resplit=True))
    plan, frozen = labelled.frozen_splits()
    assert plan["unit"] == "document" and set(frozen) == {d[0] for d in labelled.documents()}


def test_assignment_is_stratified_when_the_groups_allow():
    # 40 stories of mostly-commentary and 40 of mostly-reporting, 10 sentences each
    groups = {f"c{i}": (Counter(commentary=8, reporting=2), 10) for i in range(40)}
    groups |= {f"r{i}": (Counter(reporting=9, none=1), 10) for i in range(40)}
    got = splits.assign(groups, {"train": 50, "dev": 25, "test": 25}, seed=1)
    for prefix in ("c", "r"):
        per = Counter(v for k, v in got.items() if k.startswith(prefix))
        assert per == {"train": 20, "dev": 10, "test": 10}
    assert got == splits.assign(groups, {"train": 50, "dev": 25, "test": 25}, seed=1)
    assert got != splits.assign(groups, {"train": 50, "dev": 25, "test": 25}, seed=2)


def test_licence_and_stratified_label_are_the_users_choice(labelled, tmp_path, capsys):
    db = str(labelled.path)
    args = ["--db", db, "export", "--format", "hf", "--split", "60/20/20", "--stratify", "claim"]
    assert main([*args, "--licence", "cc-by-4.0", "--out", str(tmp_path / "h")]) == 0
    assert '"license":"cc-by-4.0"' in (tmp_path / "h" / "README.md").read_text("utf-8")
    plan, _ = labelled.frozen_splits()
    assert plan["stratify"] == "claim"
    # the frozen plan holds: stratifying on another label is a different plan, refused
    assert main(["--db", db, "export", "--split", "60/20/20", "--out", str(tmp_path / "j")]) == 1
    assert "stratified on claim" in capsys.readouterr().err


def test_only_finished_sentences_are_examples_and_skipped_ones_are_counted(labelled, tmp_path):
    for fmt in ("jsonl", "hf", "iob"):
        m = export(labelled, tmp_path / fmt, fmt, Selection())
        assert m.counts["status"] == {"done": m.records, "skipped_not_exported": 1}


def test_spacy_missing_is_a_clear_error(labelled, tmp_path, monkeypatch):
    docbin._nlp.cache_clear()
    monkeypatch.setitem(sys.modules, "spacy", None)
    with pytest.raises(UserError, match=r"pip install 'annotator\[spacy\]'"):
        export(labelled, tmp_path / "s", "spacy", Selection())
    docbin._nlp.cache_clear()
    assert not (tmp_path / "s" / "manifest.json").exists()


def test_export_format_on_the_command_line(labelled, tmp_path, capsys):
    db = str(labelled.path)
    assert (
        main(["--db", db, "export", "--format", "iob", "--out", str(tmp_path / "o"), "--annotator", "alice"])
        == 0
    )
    assert "records" in capsys.readouterr().out
    assert (
        main(["--db", db, "export", "--annotator", "alice", "--adjudicated", "--out", str(tmp_path / "x")])
        == 1
    )
    assert "choose one layer" in capsys.readouterr().err


def test_spacy_format_without_spacy_is_one_line_and_makes_no_folder(labelled, tmp_path, monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "spacy", None)  # as if it were not installed
    out = tmp_path / "never"
    assert main(["--db", str(labelled.path), "export", "--format", "spacy", "--out", str(out)]) == 1
    err = capsys.readouterr().err
    assert (
        err
        == "annotator: --format spacy needs spacy, which is not installed: pip install 'annotator[spacy]'\n"
    )
    assert not out.exists()


def test_a_failed_first_export_leaves_no_empty_folder(labelled, tmp_path, monkeypatch):
    from annotator.export import atomic

    def broken(self, manifest):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(atomic.Draft, "publish", broken)
    out = tmp_path / "first"
    with pytest.raises(UserError, match="No space left on device"):
        export(labelled, out, "iob")
    assert not out.exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []
