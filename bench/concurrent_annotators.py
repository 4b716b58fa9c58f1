"""Annotators labelling one store at the same time: decisions per second and commit latency, on
SQLite and on PostgreSQL.

    python bench/concurrent_annotators.py [--annotators 8] [--seconds 60] [--sentences 20000]
                                          [--same-name] [--backend both|sqlite|postgresql]

Builds a store of generated articles (bench/corpus.py) in an SQLite file, and copies it to a
throwaway PostgreSQL server on loopback (tests/postgres.py, or ANNOTATOR_TEST_PG). On each
backend it starts one process per annotator. Each records decisions on random labelled
sentences as fast as the store takes them (an undo after every fifth) for the given time, timing
every call from the call to its return, which is after the commit. Prints, for all of them
together, decisions per second, the commit latency's median and 99th percentile, and the calls
that failed (a lock error would be one); first for one annotator alone on SQLite, the baseline
measured in the same run, whose decisions per second the other rows are a ratio of.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from annotator.ingest import ingest_paths  # noqa: E402
from annotator.store import Store, location, transfer  # noqa: E402
from bench.corpus import write_corpus  # noqa: E402

ANNOTATOR = """
import random, sys, time
from annotator.errors import UserError
from annotator.model import SentenceLabels
from annotator.store import Store
db, name, seconds, seed = sys.argv[1], sys.argv[2], float(sys.argv[3]), int(sys.argv[4])
store = Store(db, create=False)
sids = [sid for (sid,) in store.db.execute("SELECT sid FROM sentences WHERE labelled = 1")]
rng = random.Random(seed)
modes = ["reporting", "commentary"]
taken, failed, n = [], 0, 0
end = time.monotonic() + seconds
while time.monotonic() < end:
    n += 1
    start = time.perf_counter()
    try:
        if n % 5 == 0:
            store.undo(name)
        else:
            store.record(rng.choice(sids), name, SentenceLabels(mode=rng.choice(modes)))
    except UserError:
        failed += 1
        continue
    taken.append(time.perf_counter() - start)
print(failed, " ".join(f"{t:.6f}" for t in taken))
"""


def run(db: str, names: list[str], seconds: float) -> tuple[int, float, list[float], int]:
    """(decisions, seconds, latencies, failed calls) of annotators labelling together."""
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", ANNOTATOR, db, name, str(seconds), str(i)],
            stdout=subprocess.PIPE,
            text=True,
            cwd=ROOT,
        )
        for i, name in enumerate(names)
    ]
    latencies: list[float] = []
    failed = 0
    for p in procs:
        out, _ = p.communicate(timeout=seconds + 120)
        if p.returncode != 0:
            raise SystemExit(f"an annotator process failed (exit {p.returncode})")
        first, _, rest = out.strip().partition(" ")
        failed += int(first)
        latencies += [float(t) for t in rest.split()]
    return len(latencies), seconds, latencies, failed


def _p(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=1000)[int(q * 1000) - 1] if len(values) > 1 else values[0]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--annotators", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--sentences", type=int, default=20_000)
    parser.add_argument("--same-name", action="store_true", help="every process labels as the same annotator")
    parser.add_argument("--backend", choices=("both", "sqlite", "postgresql"), default="both")
    args = parser.parse_args()
    server = None
    if args.backend != "sqlite":
        from tests import postgres

        server = postgres.for_bench("bench/concurrent_annotators.py")
    try:
        with tempfile.TemporaryDirectory() as tmp:
            corpus = Path(tmp) / "corpus.jsonl"
            write_corpus(corpus, args.sentences)
            db = Path(tmp) / "s.db"
            with Store(db) as store:
                ingest_paths(store, [corpus], suggest=False)
            stores = {}
            if args.backend != "postgresql":
                stores["SQLite"] = str(db)
            if server is not None:
                url = server.database()
                transfer.copy(location.parse(db), location.parse(url))
                stores["PostgreSQL"] = url
            names = (
                ["same"] * args.annotators if args.same_name else [f"a{i}" for i in range(args.annotators)]
            )
            print(
                f"store of {args.sentences} sentences; {args.seconds:.0f} s per run; PostgreSQL on loopback"
            )
            print(
                f"{'backend':<12}{'annotators':<12}{'decisions/s':>12}{'ratio':>7}{'p50 ms':>9}{'p99 ms':>9}{'failed':>8}"
            )
            baseline = None
            for backend, where in stores.items():
                for label, who in (
                    ("1", ["alone"]),
                    (f"{args.annotators}" + (" same" if args.same_name else ""), names),
                ):
                    n, seconds, latencies, failed = run(where, who, args.seconds)
                    rate = n / seconds
                    baseline = baseline or rate
                    print(
                        f"{backend:<12}{label:<12}{rate:>12.0f}{rate / baseline:>6.2f}×"
                        f"{1000 * _p(latencies, 0.5):>9.2f}{1000 * _p(latencies, 0.99):>9.2f}{failed:>8}"
                    )
    finally:
        if server is not None:
            server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
