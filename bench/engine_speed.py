"""The suggestion engine's time per sentence against an earlier version, in the same run.

    python bench/engine_speed.py [--against 7106939] [--docs 1500] [--rounds 3]

Checks the earlier revision out into a temporary git worktree, then times `suggest_document` of
this checkout and of that revision on the same generated articles (bench/corpus.py), each in its
own process, taking turns (the machine is shared: turns spread its changes of speed over both).
Prints microseconds per sentence for each and the ratio of the medians. The default revision is
the engine before the rules of GUIDELINES v1.1 (`rules-1`).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

_TIMER = r"""
import sys, time
import orjson
sys.path.insert(0, sys.argv[1])  # the tree to time comes before the installed one
from annotator.corpus.pipeline import analyse
from annotator.corpus.reader import SourceDoc
from annotator.suggest.engine import suggest_document
docs = [analyse(SourceDoc(r["id"], "x", r["text"])) for r in map(orjson.loads, open(sys.argv[2], "rb"))]
sentences = sum(len(list(a.sentences())) for a in docs)
best = float("inf")
for _ in range(3):
    start = time.perf_counter()
    for a in docs:
        suggest_document(a.text, a.blocks, a.types)
    best = min(best, time.perf_counter() - start)
print(best / sentences * 1e6)
"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--against", default="7106939", help="the earlier revision (default: the rules-1 engine)")
    ap.add_argument(
        "--docs", type=int, default=1500, help="generated articles (default 1500, about 35 k sentences)"
    )
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    sys.path.insert(0, str(ROOT))
    from bench.corpus import write_corpus

    with tempfile.TemporaryDirectory(prefix="annotator-engine-") as tmp:
        work = Path(tmp)
        corpus = write_corpus(work / "corpus.jsonl", args.docs * 23)
        earlier = work / "earlier"
        subprocess.run(
            ["git", "-C", str(ROOT), "worktree", "add", "-q", "--detach", str(earlier), args.against],
            check=True,
        )
        try:
            times: dict[str, list[float]] = {"this checkout": [], args.against: []}
            for _ in range(args.rounds):
                for name, tree in (("this checkout", ROOT), (args.against, earlier)):
                    out = subprocess.run(
                        [sys.executable, "-c", _TIMER, str(tree), str(corpus)],
                        capture_output=True,
                        text=True,
                        check=True,
                    )
                    times[name].append(float(out.stdout))
        finally:
            subprocess.run(
                ["git", "-C", str(ROOT), "worktree", "remove", "--force", str(earlier)], check=True
            )
    now, before = (statistics.median(v) for v in times.values())
    for name, v in times.items():
        print(
            f"{name}: {statistics.median(v):.1f} µs per sentence (turns: {', '.join(f'{x:.1f}' for x in v)})"
        )
    print(f"ratio this / {args.against}: {now / before:.2f} (target: no slower, <= 1.0)")


if __name__ == "__main__":
    main()
