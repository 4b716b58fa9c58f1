"""The baseline model trains and scores in seconds, against reading the export in the same run.

    python bench/train.py [--sentences 20000]

Generates a corpus (bench/corpus.py), labels every sentence (setup), exports it with an
80/10/10 split, then times `annotator train` (fit mode and claim, score dev and test, write the
model) against the floor of reading and validating the same export (`read_export`). Then ranks
the open sentences for uncertainty sampling (`unsure_first`) after labelling a tenth of them.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from annotator.export.formats import export  # noqa: E402
from annotator.export.records import Selection  # noqa: E402
from annotator.ingest import ingest_paths  # noqa: E402
from annotator.store import Store  # noqa: E402
from annotator.train import read_export, train, unsure_first  # noqa: E402
from bench.corpus import write_corpus  # noqa: E402
from bench.ingest_export import label_everything  # noqa: E402


def timed(fn):
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sentences", type=int, default=20_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        corpus = write_corpus(work / "corpus.jsonl", args.sentences)
        with Store(work / "b.db") as store:
            ingest_paths(store, [corpus], suggest=False)
            labelled = label_everything(store)
            export(store, work / "export", "jsonl", Selection(split="80/10/10"))
        floor, data = timed(lambda: read_export(work / "export"))
        took, report = timed(lambda: train(work / "export", work / "model.pkl"))
        print(
            f"{labelled} labelled sentences; train {len(data['train'])}, dev {len(data['dev'])}, test {len(data['test'])}"
        )
        print(f"read + validate the export (floor)   {floor:6.2f} s")
        print(f"train mode and claim, score, save    {took:6.2f} s   ({took / floor:.1f}× the floor)")
        with Store(work / "b.db") as store:
            store.db.execute("DELETE FROM labels WHERE sid % 10 != 0")
            took, ranked = timed(lambda: unsure_first(store, "bob"))
        print(f"refit on a tenth and rank {len(ranked)} open sentences   {took:6.2f} s")


if __name__ == "__main__":
    main()
