"""A digest of everything the analysis produces, to tell whether a change altered any output.

    python bench/digest.py [--sentences 60000]

Segments, types and suggests a generated corpus (bench/corpus.py), the seeds and the evaluation
pages, and prints one sha256 over every sentence's document, block, offsets, block type,
language and suggested labels (JSON). Run it before and after a change that should not change
behaviour: the two lines must be equal.
"""

from __future__ import annotations

import argparse
import hashlib
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from annotator.corpus.reader import read_inputs  # noqa: E402
from annotator.ingest import analyse_all  # noqa: E402
from bench.corpus import write_corpus  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sentences", type=int, default=60_000)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="annotator-digest-") as tmp:
        corpus = write_corpus(Path(tmp) / "corpus.jsonl", args.sentences)
        docs = read_inputs(
            [corpus, ROOT / "seeds", ROOT / "tests" / "fixtures" / "suggest_eval"], lambda _: None
        )
        digest, n = hashlib.sha256(), 0
        for a in analyse_all(docs):
            for (block, start, end), labels in zip(a.sentences(), a.suggestions, strict=True):
                typed = a.types[block]
                digest.update(
                    f"{a.doc_id}|{block}|{start}|{end}|{typed.block_type}|{typed.lang}|{labels}\n".encode()
                )
                n += 1
    print(f"{n} sentences: {digest.hexdigest()}")


if __name__ == "__main__":
    main()
