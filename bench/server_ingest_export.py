"""Ingest and export on a PostgreSQL store against the same on an SQLite file, measured in the
same run.

    python bench/server_ingest_export.py [--sentences 1000000] [--repeats 3]

Generates a corpus (bench/corpus.py) and starts a throwaway PostgreSQL server on loopback
(tests/postgres.py, or ANNOTATOR_TEST_PG). Then:
1. `ingest` with the rules' suggestions into a new SQLite file and into an empty PostgreSQL
   database, taking turns (--repeats, default 3; a new store each time); medians.
   Target: PostgreSQL within 1.5× of SQLite.
2. Labels every labelled-type sentence of each (setup, not timed), then times `export` from
   each, and the floor bench/ingest_export.py uses (pydantic validate_python + dump_json on the
   same records, in memory), taking turns. Target: each export within 1.3× of the floor.
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

from annotator.export.jsonl import export_jsonl  # noqa: E402
from annotator.ingest import ingest_paths  # noqa: E402
from annotator.store import Store  # noqa: E402
from bench.corpus import write_corpus  # noqa: E402
from bench.ingest_export import floor, floor_rows, label_everything  # noqa: E402
from tests import postgres  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sentences", type=int, default=1_000_000)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--ingest-repeats", type=int, help="ingest turns (default: --repeats)")
    args = ap.parse_args()
    server = postgres.for_bench("bench/server_ingest_export.py")
    try:
        with tempfile.TemporaryDirectory(prefix="annotator-bench-") as tmp:
            work = Path(tmp)
            corpus = write_corpus(work / "corpus.jsonl", args.sentences)
            ingests: dict[str, list[float]] = {"SQLite": [], "PostgreSQL": []}
            stores: dict[str, str] = {}
            for k in range(args.ingest_repeats or args.repeats):
                for backend in ingests:
                    where = str(work / f"s{k}.db") if backend == "SQLite" else server.database()
                    t = time.perf_counter()
                    with Store(where) as store:
                        report = ingest_paths(store, [corpus])
                    ingests[backend].append(time.perf_counter() - t)
                    stores[backend] = where
            sqlite_s, server_s = (statistics.median(v) for v in ingests.values())
            print(
                f"ingest of {report.sentences:,} sentences ({len(report.added):,} documents, medians of"
                f" {args.ingest_repeats or args.repeats}): SQLite {sqlite_s:.1f} s, PostgreSQL {server_s:.1f} s,"
                f" {server_s / sqlite_s:.2f}× (target ≤ 1.5; turns {', '.join(f'{t:.0f}' for t in ingests['PostgreSQL'])}"
                f" / {', '.join(f'{t:.0f}' for t in ingests['SQLite'])} s)"
            )
            opened = {backend: Store(where) for backend, where in stores.items()}
            try:
                n = {backend: label_everything(store) for backend, store in opened.items()}
                rows = floor_rows(opened["SQLite"])
                exports: dict[str, list[float]] = {"SQLite": [], "PostgreSQL": []}
                floors: list[float] = []
                for k in range(args.repeats):
                    for backend, store in opened.items():
                        t = time.perf_counter()
                        manifest = export_jsonl(store, work / f"export-{backend}-{k}")
                        exports[backend].append(time.perf_counter() - t)
                        assert manifest.records == n[backend]
                    floors.append(floor(rows))
            finally:
                for store in opened.values():
                    store.close()
            floor_s = statistics.median(floors)
            for backend, times in exports.items():
                export_s = statistics.median(times)
                print(
                    f"export from {backend} of {n[backend]:,} records: {export_s:.1f} s, {export_s / floor_s:.2f}×"
                    f" the floor ({floor_s:.1f} s; target ≤ 1.3; medians of {args.repeats})"
                )
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
