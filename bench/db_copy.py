"""`db copy` between backends, against an SQLite → SQLite copy measured in the same run.

    python bench/db_copy.py [--sentences 100000] [--repeats 3]

Builds a store of generated articles (bench/corpus.py) with the rules' suggestions and a
decision on every labelled sentence, starts a throwaway PostgreSQL server on loopback
(tests/postgres.py: Debian's postgresql, or ANNOTATOR_TEST_PG), then times, taking turns:
SQLite → new SQLite file (the baseline), SQLite → empty PostgreSQL database, and PostgreSQL →
new SQLite file. Every copy is the full verified copy `annotator db copy` makes (the read-back
included). Prints seconds (median), rows per second and the ratio to the baseline.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from annotator.ingest import ingest_paths  # noqa: E402
from annotator.store import Store, location, transfer  # noqa: E402
from bench.corpus import write_corpus  # noqa: E402
from bench.ingest_export import label_everything  # noqa: E402
from tests import postgres  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sentences", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    server = postgres.for_bench("bench/db_copy.py")
    try:
        with tempfile.TemporaryDirectory() as tmp:
            work = Path(tmp)
            corpus = work / "corpus.jsonl"
            write_corpus(corpus, args.sentences)
            source = work / "source.db"
            with Store(source) as store:
                ingest_paths(store, [corpus])
                labelled = label_everything(store)
            rows = sum(
                c.rows
                for c in transfer.copy(location.parse(str(source)), location.parse(str(work / "warm.db")))
            )
            print(f"store: {args.sentences} sentences, {labelled} decisions, {rows} rows in all")
            times: dict[str, list[float]] = {
                "sqlite → sqlite": [],
                "sqlite → postgresql": [],
                "postgresql → sqlite": [],
            }
            for turn in range(args.repeats):
                pg = server.database()
                for name, src, dst in (
                    ("sqlite → sqlite", str(source), str(work / f"copy{turn}.db")),
                    ("sqlite → postgresql", str(source), pg),
                    ("postgresql → sqlite", pg, str(work / f"back{turn}.db")),
                ):
                    start = time.perf_counter()
                    transfer.copy(location.parse(src), location.parse(dst))
                    times[name].append(time.perf_counter() - start)
            base = statistics.median(times["sqlite → sqlite"])
            print(f"{'copy':<22}{'seconds':>9}{'rows/s':>10}{'ratio':>8}   (medians of {args.repeats})")
            for name, taken in times.items():
                t = statistics.median(taken)
                print(f"{name:<22}{t:>9.2f}{rows / t:>10.0f}{t / base:>7.2f}×")
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
