"""The fewest keys the screens' own bindings need to label the project's gold sets.

    python bench/keys.py

Quotes: for every gold quote of the seeds gold and the evaluation set, the keys quote mode needs
to build it from scratch (from `q` to `enter`, the speaker prompt included), found by a
shortest-path search over the cursor and selection states (annotator/labelling/keystrokes.py,
every motion done by the editor itself), with the motions quote mode had before span editing
(h l [ ] home end, v, i) and with all of them now (counts, clause edges, f/F, jump labels, t).
Target: median ≤ 10 and p90 ≤ 18 keys now.

Sentences: for every sentence the labelling screen serves, the keys from arriving to moving on
with the gold labels stored: from scratch, from the engine's suggestions, and from the
suggestions plus the labels carried from an identical sentence finished earlier in another
copy of the story (projection). Target: a mean ≤ 2.0 keys per seed sentence with suggestions
and projection.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from annotator.corpus.text import sentence_key  # noqa: E402
from annotator.ingest import ingest_paths  # noqa: E402
from annotator.labelling.keystrokes import BEFORE, NOW, Sentence, quote_keys, sentence_keys, summary  # noqa: E402
from annotator.labelling.projection import rebase  # noqa: E402
from annotator.model import SentenceLabels  # noqa: E402
from annotator.scheme import LABELLED_BLOCK_TYPES  # noqa: E402
from annotator.store import Store  # noqa: E402
from annotator.suggest.evaluate import Pair, pairs  # noqa: E402

SETS = {
    "seeds": (ROOT / "tests/fixtures/seeds_gold.jsonl", sorted((ROOT / "seeds").glob("*.txt"))),
    "eval": (
        ROOT / "tests/fixtures/suggest_eval/gold.jsonl",
        [
            *sorted((ROOT / "tests/fixtures/suggest_eval").glob("*.txt")),
            ROOT / "tests/fixtures/suggest_eval/ud_dev.jsonl",
        ],
    ),
}


def clusters(docs: list[Path]) -> dict[str, str]:
    """Each document's story cluster, as ingest finds them."""
    with tempfile.TemporaryDirectory() as folder, Store(Path(folder) / "c.db") as store:
        ingest_paths(store, docs, suggest=False)
        return {d.doc_id: d.cluster for d in store.documents()}


def speakers(labels: SentenceLabels) -> list[str]:
    return [q.speaker for q in labels.quotes if q.speaker]


def quote_figures(items: list[Pair]) -> dict[str, list[tuple[int, int]]]:
    """(keys, typed characters) per gold quote built from scratch, before and now."""
    out: dict[str, list[tuple[int, int]]] = {BEFORE: [], NOW: []}
    named: dict[str, list[str]] = {}  # the speakers named so far in each document, latest first
    for item in items:
        if item.gold is None:
            continue
        known = named.setdefault(item.doc_id, [])
        for motions in (BEFORE, NOW):
            sentence = Sentence(item.text, motions, item.document, item.start)
            for q in item.gold.quotes:
                found = quote_keys(sentence, q, list(known))
                out[motions].append((len(found), found.typed))
        for name in speakers(item.gold):
            known[:] = [name, *(k for k in known if k != name)]
    return out


def sentence_figures(items: list[Pair], cluster_of: dict[str, str]) -> dict[str, list[int]]:
    """Keys per served sentence from scratch, with suggestions, and with projection too."""
    out: dict[str, list[int]] = {
        "from scratch": [],
        "with suggestions": [],
        "with suggestions and projection": [],
        "the same, quotes aside": [],
    }
    named: dict[str, list[str]] = {}
    finished: dict[tuple[str, int], tuple[str, str, SentenceLabels]] = {}  # (cluster, key) -> doc, text, gold
    suggested = {doc: [n for i in items if i.doc_id == doc for n in speakers(i.pred)] for doc in cluster_of}
    for item in items:
        if item.pred_block not in LABELLED_BLOCK_TYPES:
            continue  # not served: the screen steps over teasers and boilerplate
        if item.gold is None:  # served, but gold says it gets no labels: the block-type picker
            for name in out:
                out[name].append(2)
            continue
        known = named.setdefault(item.doc_id, [])
        sentence = Sentence(item.text, NOW, item.document, item.start)
        key = (cluster_of[item.doc_id], sentence_key(item.text))
        earlier = finished.get(key)
        carried = None
        if earlier is not None and earlier[0] != item.doc_id:
            carried = rebase(earlier[2], earlier[1], item.text)
        for name, shown, speakers_known in (
            ("from scratch", SentenceLabels(), known),
            ("with suggestions", item.pred, known + suggested[item.doc_id]),
            ("with suggestions and projection", carried or item.pred, known + suggested[item.doc_id]),
            # what the labels alone cost: the shown quotes as gold has them
            (
                "the same, quotes aside",
                (carried or item.pred).model_copy(update={"quotes": item.gold.quotes}),
                [],
            ),
        ):
            found, _ = sentence_keys(sentence, item.gold, shown, list(dict.fromkeys(speakers_known)))
            out[name].append(len(found))
        finished.setdefault(key, (item.doc_id, item.text, item.gold))
        for who in speakers(item.gold):
            known[:] = [who, *(k for k in known if k != who)]
    return out


def main() -> None:
    quotes: dict[str, list[tuple[int, int]]] = {BEFORE: [], NOW: []}
    sentences: dict[str, dict[str, list[int]]] = {}
    for name, (gold, docs) in SETS.items():
        items = pairs(gold, docs)
        for motions, values in quote_figures(items).items():
            quotes[motions] += values
        sentences[name] = sentence_figures(items, clusters(docs))
    print(
        f"Keys to build one gold quote from scratch ({len(quotes[NOW])} quotes of the seeds and evaluation sets):"
    )
    for motions, label in ((BEFORE, "motions before (h l [ ] home end v i)"), (NOW, "every motion now")):
        mean, median, p90 = summary([k for k, _ in quotes[motions]])
        typed = sum(t for _, t in quotes[motions]) / len(quotes[motions])
        print(
            f"  {label:<40} mean {mean:5.2f}  median {median:4.1f}  p90 {p90:3d}"
            f"  (of which {typed:.2f} characters typed for the speaker, on average)"
        )
    print("  target now: median ≤ 10, p90 ≤ 18")
    print("Keys per served sentence, from arriving to moving on with the gold labels stored:")
    for name, figures in sentences.items():
        for how, values in figures.items():
            mean, median, p90 = summary(values)
            print(
                f"  {name:<6} {how:<33} mean {mean:5.2f}  median {median:4.1f}  p90 {p90:3d}  ({len(values)} sentences)"
            )
    print("  target: seeds with suggestions and projection, mean ≤ 2.0")


if __name__ == "__main__":
    main()
