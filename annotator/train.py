"""A baseline that proves the exports feed models: character n-gram TF-IDF + logistic regression
for mode and for claim (scikit-learn, the `train` extra), trained on an export's train split and
scored on dev and test; and the same model ranking unlabelled sentences by how unsure it is
(uncertainty sampling for the labelling screen)."""

from __future__ import annotations

import pickle
from collections.abc import Sequence
from pathlib import Path

import orjson
from pydantic import ValidationError

from annotator.corpus.text import shown
from annotator.errors import UserError
from annotator.files import StagedFile
from annotator.model import ExportRecord

RANKED_STORE = "ANNOTATOR_RANKED_STORE"  # how the ranking process is told which store to read

FIELDS = ("mode", "claim")
MIN_EXAMPLES = 10  # below this, or with a single class, there is nothing to learn


def _sklearn():
    try:
        import sklearn  # noqa: F401
    except ImportError:
        raise UserError("training needs scikit-learn: pip install 'annotator[train]'") from None


def make_pipeline():
    _sklearn()
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline

    return Pipeline(
        [
            ("tfidf", TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True, min_df=1)),
            ("lr", LogisticRegression(max_iter=2000, class_weight="balanced")),
        ]
    )


def fit(texts: Sequence[str], labels: Sequence[str]):
    """A fitted pipeline, or None when the examples cannot teach anything (too few, one class)."""
    if len(texts) < MIN_EXAMPLES or len(set(labels)) < 2:
        return None
    model = make_pipeline()
    model.fit(list(texts), list(labels))
    return model


def read_export(folder: Path) -> dict[str, list[ExportRecord]]:
    """The finished records of a JSONL export folder, by split (an unsplit export is all train)."""
    try:
        fmt = orjson.loads((folder / "manifest.json").read_bytes()).get("format", "jsonl")
    except (OSError, orjson.JSONDecodeError, AttributeError):
        fmt = "jsonl"  # no manifest: the files speak for themselves
    if fmt != "jsonl":
        raise UserError(
            f"{folder}: a {fmt} export; train reads the canonical one (`annotator export --format jsonl`)"
        )
    files = {s: folder / f"{s}.jsonl" for s in ("train", "dev", "test")}
    if not files["train"].exists():
        if (folder / "annotations.jsonl").exists():
            files = {"train": folder / "annotations.jsonl"}
        else:
            raise UserError(
                f"{folder}: no train.jsonl (run `annotator export --split 80/10/10 --out {folder}`)"
            )
    out: dict[str, list[ExportRecord]] = {}
    for split, path in files.items():
        records = []
        if path.exists():
            for n, line in enumerate(path.read_bytes().splitlines(), start=1):
                if not line.strip():
                    continue
                try:
                    r = ExportRecord.model_validate_json(line)
                except ValidationError as exc:
                    err = exc.errors()[0]
                    where = ".".join(str(p) for p in err["loc"])
                    raise UserError(
                        f"{path}:{n}: {where}: {err['msg']}" if where else f"{path}:{n}: {err['msg']}"
                    ) from None
                if r.status == "done":
                    records.append(r)
        out[split] = records
    return out


def train(folder: Path, model_path: Path) -> dict:
    """Fit one model per field on the train split, score it on dev and test, pickle both models.
    Returns the scores (classification reports) per field and split."""
    _sklearn()
    from sklearn.metrics import classification_report

    data = read_export(folder)
    report: dict = {"examples": {s: len(r) for s, r in data.items()}, "fields": {}}
    models = {}
    for field in FIELDS:
        pairs = [(r.text, getattr(r.labels, field)) for r in data["train"] if getattr(r.labels, field)]
        model = fit([t for t, _ in pairs], [y for _, y in pairs])
        if model is None:
            raise UserError(
                f"{folder}: the train split has {len(pairs)} {field} labels in {len({y for _, y in pairs})} "
                f"classes; at least {MIN_EXAMPLES} in two classes are needed"
            )
        models[field] = model
        scores = {}
        for split in ("dev", "test"):
            examples = [
                (r.text, getattr(r.labels, field)) for r in data.get(split, []) if getattr(r.labels, field)
            ]
            if examples:
                predicted = model.predict([t for t, _ in examples])
                scores[split] = classification_report(
                    [y for _, y in examples], predicted, output_dict=True, zero_division=0
                )
        report["fields"][field] = scores
    _write_atomically(model_path, pickle.dumps({"fields": models, "trained_on": str(folder)}))
    return report


def _write_atomically(path: Path, data: bytes) -> None:
    """The model file, whole or not at all (on a full disk, nothing is left behind)."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        staged = StagedFile.of(path, data)
        try:
            staged.commit()
        except BaseException:
            staged.discard()
            raise
    except OSError as exc:
        raise UserError(f"{shown(path)}: cannot write the model ({exc.strerror})") from None


def format_report(report: dict) -> str:
    lines = ["examples " + ", ".join(f"{s} {n}" for s, n in report["examples"].items())]
    for field, by_split in report["fields"].items():
        for split, scores in by_split.items():
            lines += [
                "",
                f"{field} on {split}",
                f"{'class':<14}{'precision':>10}{'recall':>8}{'F1':>7}{'support':>9}",
            ]
            for name, s in scores.items():
                if isinstance(s, dict):
                    lines.append(
                        f"{name:<14}{s['precision']:>10.2f}{s['recall']:>8.2f}{s['f1-score']:>7.2f}{int(s['support']):>9}"
                    )
            lines.append(f"{'accuracy':<14}{scores['accuracy']:>25.2f}")
        if not by_split:
            lines += ["", f"{field}: no dev or test examples to score on"]
    return "\n".join(lines)


# ------------------------------------------------------------------------ uncertainty sampling


def unsure_first(store, annotator: str, limit: int = 20_000) -> list[int] | None:
    """The annotator's next unlabelled sentences (up to `limit`), least confident first, by models
    fitted on every finished label in the store; None while there is too little to learn from."""
    texts: dict[str, list[str]] = {f: [] for f in FIELDS}
    labels: dict[str, list[str]] = {f: [] for f in FIELDS}
    for text, mode, claim in store.finished_texts():
        for field, value in (("mode", mode), ("claim", claim)):
            if value:
                texts[field].append(text)
                labels[field].append(value)
    models = [m for f in FIELDS if (m := fit(texts[f], labels[f])) is not None]
    if not models:
        return None
    candidates = store.unlabelled(annotator, limit)
    if not candidates:
        return []
    sids = [sid for sid, _ in candidates]
    batch = [t for _, t in candidates]
    unsure = [0.0] * len(batch)
    for model in models:
        for i, p in enumerate(model.predict_proba(batch)):
            unsure[i] += 1.0 - float(p.max())  # least confidence, summed over the fields
    return [sid for _, sid in sorted(zip(unsure, sids, strict=True), key=lambda t: -t[0])]


def rank_in_subprocess(db: str, annotator: str) -> list[int] | None:
    """`unsure_first` in a process of its own: fitting is CPU-bound Python, and in the labelling
    screen's process it would hold the interpreter lock the keys need. `db`: the store's location
    (Connection.location: an absolute path or a URL), handed over in the environment (a URL's
    password stays out of the process list)."""
    import os
    import subprocess
    import sys

    import orjson

    # -P: the current folder is not put first on the import path (an ./annotator/ there is not run)
    done = subprocess.run(
        [sys.executable, "-P", "-m", "annotator.train", annotator],
        capture_output=True,
        check=False,
        stdin=subprocess.DEVNULL,
        env={**os.environ, RANKED_STORE: db},
    )
    if done.returncode != 0:
        raise UserError(
            f"ranking for uncertainty sampling failed: {done.stderr.decode(errors='replace')[-300:]}"
        )
    return orjson.loads(done.stdout)


if __name__ == "__main__":
    # $ANNOTATOR_RANKED_STORE=DB python -m annotator.train ANNOTATOR: the ranking as JSON
    import os
    import sys

    import orjson

    from annotator.store import Store

    with Store(os.environ[RANKED_STORE], create=False) as _store:
        sys.stdout.buffer.write(orjson.dumps(unsure_first(_store, sys.argv[1])))
