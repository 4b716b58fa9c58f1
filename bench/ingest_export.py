"""Ingest and export at scale, against floors measured in the same run.

    python bench/ingest_export.py [--sentences 1000000] [--no-suggestions | --parser]

1. Generates a corpus (bench/corpus.py), then times `ingest` (read, decode, segment, type
   blocks, cluster, store) in sentences/s. Target: 1 M sentences in under 60 s (with the rules'
   suggestions; `--parser` adds the dependency-parse repair, far slower: give fewer sentences).
2. Labels every labelled-type sentence (setup, not timed), then times `export` (SQLite → records
   → validation → JSONL + manifest, atomic). Floor: pydantic `TypeAdapter(list[ExportRecord])`
   `.validate_python` + `.dump_json` on the same rows, already in memory as dicts, in the same
   chunks. Export and floor take turns (--repeats, default 3); the ratio is of their medians.
   Target: export within 1.3× of the floor.
"""

from __future__ import annotations

import argparse
import gc
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

import orjson

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from annotator.export.jsonl import _CHUNK, export_jsonl  # noqa: E402
from annotator.export.records import RECORDS  # noqa: E402
from annotator.ingest import ingest_paths  # noqa: E402
from annotator.model import now  # noqa: E402
from annotator.store import Store  # noqa: E402
from bench.corpus import write_corpus  # noqa: E402


def label_everything(store: Store) -> int:
    """Give every labelled-type sentence a decision, some with a quote (direct SQL: setup only)."""
    rng = random.Random(7)
    at = now()
    rows = []
    for sid, text in store.db.execute("SELECT sid, text FROM sentences WHERE labelled = 1").fetchall():
        quotes = []
        end = text.find("\u00a0»", 3)
        if text.startswith("«\u00a0") and end > 2:
            quotes = [
                {
                    "type": "direct",
                    "content": [{"start": 2, "end": end, "text": text[2:end]}],
                    "cue": None,
                    "source": None,
                    "speaker": None,
                }
            ]
        labels = {
            "mode": rng.choice(["reporting", "commentary"]),
            "claim": rng.choice(["none", "factual", "checkworthy"]),
            "quotes": quotes,
            "flags": [],
            "note": None,
        }
        rows.append((sid, "alice", "done", orjson.dumps(labels).decode(), "manual", at, at))
    columns = ("sid", "annotator", "status", "labels", "origin", "created_at", "updated_at")
    with store.write() as db:
        store._bulk(db, "labels", columns, rows)  # the store's bulk path (PostgreSQL: COPY), setup only
    return len(rows)


def query_latency(store: Store, label: str, n: int = 300) -> None:
    """p50/p99 (max when n < 100) of the calls the labelling screen makes per key, at n random sentences."""
    rng = random.Random(3)
    top = store.db.execute("SELECT max(sid) FROM sentences").fetchone()[0]
    sids = [rng.randint(1, top) for _ in range(n)]
    calls = {
        "step": lambda sid: store.step(sid, +1),
        "window": lambda sid: store.window(sid, 2, 2),
        "next_unannotated": lambda sid: store.next_unannotated("alice", sid),
        "labels": lambda sid: store.labels(sid, "alice"),
    }
    parts = []
    for name, call in calls.items():
        times = []
        for sid in sids:
            t = time.perf_counter()
            call(sid)
            times.append(time.perf_counter() - t)
        times.sort()
        high = ("p99", times[int(n * 0.99)]) if n >= 100 else ("max", times[-1])
        parts.append(f"{name} p50 {times[n // 2] * 1e3:.2f} ms {high[0]} {high[1] * 1e3:.2f} ms")
    print(f"store queries ({label}): " + "; ".join(parts))


def floor_rows(store: Store) -> list[list[dict]]:
    """The export's rows as dicts, in the export's chunk size (loaded once, not timed)."""
    batch_dicts = [orjson.loads(r) for chunk in store.export_json() for r, _ in chunk]
    return [batch_dicts[i : i + _CHUNK] for i in range(0, len(batch_dicts), _CHUNK)]


def floor(chunks: list[list[dict]]) -> float:
    """Seconds for validate_python + dump_json on the export's rows, already in memory."""
    gc.disable()
    t = time.perf_counter()
    for chunk in chunks:
        RECORDS.dump_json(RECORDS.validate_python(chunk))
    elapsed = time.perf_counter() - t
    gc.enable()
    return elapsed


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sentences", type=int, default=1_000_000)
    ap.add_argument("--no-suggestions", action="store_true", help="ingest without the suggestion engine")
    ap.add_argument("--parser", action="store_true", help="suggestions repaired by the dependency parse")
    ap.add_argument("--repeats", type=int, default=3, help="export and floor runs, taking turns (medians)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="annotator-bench-") as tmp:
        work = Path(tmp)
        corpus = write_corpus(work / "corpus.jsonl", args.sentences)
        print(f"corpus: {corpus.stat().st_size / 1e6:.0f} MB of JSONL")

        t = time.perf_counter()
        with Store(work / "s.db") as store:
            report = ingest_paths(store, [corpus], suggest=not args.no_suggestions, parser=args.parser)
        ingest_s = time.perf_counter() - t
        print(
            f"ingest: {report.sentences} sentences in {len(report.added)} documents, {ingest_s:.1f} s, "
            f"{report.sentences / ingest_s:,.0f} sentences/s"
            + (" with the parser" if args.parser else " (target: 1 M in < 60 s)")
        )

        with Store(work / "s.db") as store:
            query_latency(store, "nothing labelled")
            n = label_everything(store)
            # The worst case of "next unannotated": nothing is left, the whole corpus is scanned.
            query_latency(store, "everything labelled: the worst case", n=10)
            # Export and floor take turns, so a change in the shared machine's speed touches both.
            rows = floor_rows(store)
            exports, floors = [], []
            for k in range(args.repeats):
                t = time.perf_counter()
                manifest = export_jsonl(store, work / f"export{k}")
                exports.append(time.perf_counter() - t)
                assert manifest.records == n
                floors.append(floor(rows))
        ratios = ", ".join(f"{e / f:.2f}" for e, f in zip(exports, floors, strict=True))
        export_s, floor_s = statistics.median(exports), statistics.median(floors)
        print(
            f"export: {n} records, {export_s:.1f} s (median of {args.repeats}), {n / export_s:,.0f} records/s; "
            f"floor (pydantic validate_python + dump_json) {floor_s:.1f} s, {n / floor_s:,.0f} records/s; "
            f"ratio of medians {export_s / floor_s:.2f} (target <= 1.3); each turn {ratios}"
        )


if __name__ == "__main__":
    main()
