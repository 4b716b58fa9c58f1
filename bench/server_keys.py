"""The labelling screen on a PostgreSQL store of 1 k and 1 M sentences, against the same stores in
SQLite files, measured in the same run.

    python bench/server_keys.py [--big 1000000] [--keep bench/out]

Builds the stores as bench/tui.py does (kept and reused with --keep), copies each to its own
database on a throwaway PostgreSQL server on loopback (tests/postgres.py, or ANNOTATOR_TEST_PG),
then runs bench/tui.py's key measurement on all four, taking turns for 3 rounds: 300 × `j` (next
sentence) and 150 × (`!`, `!`, `x`: three durable decisions), each from the key event to the
frame painted after it. Every figure is the median of the rounds'.
Targets on PostgreSQL: key → next sentence painted p99 < 50 ms at 1 M, and the 1 M / 1 k p99
ratio ≤ 1.3; decision keys (a commit each) p99 < 50 ms.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from annotator.store import location, transfer  # noqa: E402
from bench.tui import KEYS, ROUNDS, build_store, run, spread, summary  # noqa: E402
from tests import postgres  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--small", type=int, default=1_000)
    ap.add_argument("--big", type=int, default=1_000_000)
    ap.add_argument("--keep", type=Path, help="keep (and reuse) the SQLite stores in this folder")
    args = ap.parse_args()
    server = postgres.for_bench("bench/server_keys.py")
    folder = args.keep or Path(tempfile.mkdtemp(prefix="annotator-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    try:
        stores: dict[str, str] = {}
        for n in (args.small, args.big):
            path = folder / f"tui-{n}.db"
            if not path.exists():
                build_store(path, n)
            url = server.database()
            transfer.copy(location.parse(path), location.parse(url))
            stores[f"SQLite {n:,}"] = str(path)
            stores[f"PostgreSQL {n:,}"] = url
        rounds: dict[str, list] = {name: [] for name in stores}
        for _ in range(ROUNDS):
            for name, where in stores.items():
                rounds[name].append(run(KEYS, where))
        p99 = {}
        for name in stores:
            keys = summary(rounds[name])
            step, label = keys["step"], keys["label"]
            p99[name] = step[0.99]
            print(
                f"{name:>20} sentences: next sentence p50 {step[0.5] * 1000:.1f} ms p99 {step[0.99] * 1000:.1f} ms;"
                f" decision key p50 {label[0.5] * 1000:.1f} ms p99 {label[0.99] * 1000:.1f} ms"
                f" (p99s of the rounds {spread(rounds[name], 'step')} / {spread(rounds[name], 'label')})"
            )
        for backend in ("SQLite", "PostgreSQL"):
            ratio = p99[f"{backend} {args.big:,}"] / p99[f"{backend} {args.small:,}"]
            print(
                f"{backend}: {args.big:,} / {args.small:,} next-sentence p99 ratio {ratio:.2f} (target ≤ 1.3)"
            )
        big = p99[f"PostgreSQL {args.big:,}"] / p99[f"SQLite {args.big:,}"]
        print(f"PostgreSQL / SQLite next-sentence p99 at {args.big:,}: {big:.2f}×")
    finally:
        server.stop()
        if not args.keep:
            shutil.rmtree(folder)
    return 0


if __name__ == "__main__":
    sys.exit(main())
