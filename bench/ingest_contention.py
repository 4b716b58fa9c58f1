"""Labelling and exporting while a large ingest runs on the same store.

    python bench/ingest_contention.py [--sentences 400000]

Generates a corpus (bench/corpus.py), starts `annotator ingest` on it in a process of its own (on
a store holding the seeds), and meanwhile records a decision every 50 ms on another connection,
as an annotator's screen does, and runs one export. Prints the decision latency (p50, p99, max)
during the ingest against the same measured on the idle store first, and the export's time.
Target: no decision waits a second (p99 and max < 1 s); the export succeeds.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from annotator.export.jsonl import export_jsonl  # noqa: E402
from annotator.ingest import bundled_seeds, ingest_paths  # noqa: E402
from annotator.model import SentenceLabels  # noqa: E402
from annotator.scheme import LABELLED_BLOCK_TYPES  # noqa: E402
from annotator.store import Store  # noqa: E402
from bench.corpus import write_corpus  # noqa: E402

LABELS = [SentenceLabels(mode="reporting", claim="none"), SentenceLabels(mode="commentary", claim="factual")]


def decide(store: Store, who: str, k: int, rows: list) -> float:
    """One decision as the screen makes it: find the next sentence to do and store its labels;
    once every seed sentence is done (the ingest's own stay hidden until it ends), change the
    decision on one of them, in turn."""
    t = time.perf_counter()
    row = store.next_unannotated(who)
    if row is None:
        row = rows[k % len(rows)]
    store.record(row.sid, who, LABELS[k % 2])
    return time.perf_counter() - t


def summary(latencies: list[float]) -> str:
    ms = sorted(x * 1000 for x in latencies)
    p99 = ms[min(len(ms) - 1, int(0.99 * len(ms)))]
    return f"p50 {statistics.median(ms):.1f} ms, p99 {p99:.1f} ms, max {ms[-1]:.1f} ms ({len(ms)} decisions)"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sentences", type=int, default=400_000)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="annotator-bench-") as tmp:
        work = Path(tmp)
        corpus = write_corpus(work / "corpus.jsonl", args.sentences)
        db = work / "s.db"
        with Store(db) as store:
            ingest_paths(store, [bundled_seeds()])
            rows = [r for r in store.sentences() if r.block_type in LABELLED_BLOCK_TYPES]
            idle = []
            for k in range(100):
                idle.append(decide(store, "idle", k, rows))
                time.sleep(0.05)
            exe = Path(sys.executable).with_name("annotator")
            t0 = time.perf_counter()
            ingest = subprocess.Popen(
                [str(exe), "--db", str(db), "ingest", str(corpus)], stdout=subprocess.PIPE
            )
            busy: list[float] = []
            exported: list[str] = []

            def export_midway() -> None:
                time.sleep(10)
                with Store(db) as other:
                    t = time.perf_counter()
                    manifest = export_jsonl(other, work / "export")
                    exported.append(f"{manifest.records} records in {time.perf_counter() - t:.1f} s")

            exporter = threading.Thread(target=export_midway)
            exporter.start()
            while ingest.poll() is None:
                busy.append(decide(store, "busy", len(busy), rows))
                time.sleep(0.05)
            wall = time.perf_counter() - t0
            exporter.join()
            out = ingest.communicate()[0].decode().strip()
            if ingest.returncode != 0:
                raise SystemExit(f"bench: ingest failed ({ingest.returncode})")
        print(f"ingest: {out} in {wall:.1f} s")
        print(f"decisions on the idle store:   {summary(idle)}")
        print(f"decisions during the ingest:   {summary(busy)} (target: p99 and max < 1000 ms)")
        print(f"export during the ingest: {exported[0] if exported else 'did not finish'}")


if __name__ == "__main__":
    main()
