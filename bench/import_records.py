"""Import at scale, against the model's own validation of the same lines in the same run.

    python bench/import_records.py [--sentences 1000000]

Generates a corpus (bench/corpus.py), ingests it without suggestions, labels every labelled-type
sentence, exports the records, then imports that file into a copy of the store whose labels
were removed (so every record is checked against the store and written). The import runs in a
process of its own, so its peak memory is its own. Baseline: `ExportRecord.model_validate_json`
on every line of the same file. Targets: import ≥ 100 k records/s, peak memory independent of
the file's size (< 300 MB for 10^6 lines).
"""

from __future__ import annotations

import argparse
import gc
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import orjson

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from annotator.export.jsonl import export_jsonl  # noqa: E402
from annotator.ingest import ingest_paths  # noqa: E402
from annotator.model import ExportRecord  # noqa: E402
from annotator.store import Store  # noqa: E402
from bench.corpus import write_corpus  # noqa: E402
from bench.ingest_export import label_everything  # noqa: E402

IMPORT = """
import json, sys, time
from pathlib import Path
from annotator.export.importer import import_file
from annotator.store import Store
t = time.perf_counter()
with Store(sys.argv[1]) as store:
    report = import_file(store, Path(sys.argv[2]))
elapsed = time.perf_counter() - t
status = Path("/proc/self/status").read_text()
rss = int(next(l for l in status.splitlines() if l.startswith("VmHWM")).split()[1]) / 1024
print(json.dumps({"seconds": elapsed, "records": report.records, "changed": report.changed, "rss_mb": rss}))
"""


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sentences", type=int, default=1_000_000)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="annotator-bench-") as tmp:
        work = Path(tmp)
        corpus = write_corpus(work / "corpus.jsonl", args.sentences)
        with Store(work / "s.db") as store:
            ingest_paths(store, [corpus], suggest=False)
            n = label_everything(store)
            export_jsonl(store, work / "export")
            store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        records = work / "export" / "annotations.jsonl"
        shutil.copy(work / "s.db", work / "empty.db")
        with Store(work / "empty.db") as store, store.write() as db:
            db.execute("DELETE FROM labels")
        lines = records.read_bytes().splitlines()
        gc.disable()
        t = time.perf_counter()
        for line in lines:
            ExportRecord.model_validate_json(line)
        baseline = time.perf_counter() - t
        gc.enable()
        del lines
        out = subprocess.run(
            [sys.executable, "-c", IMPORT, str(work / "empty.db"), str(records)],
            capture_output=True,
            text=True,
            cwd=ROOT,
            check=True,
        ).stdout
        result = orjson.loads(out.strip().splitlines()[-1])
        assert result["records"] == n == result["changed"], result
        size = records.stat().st_size / 2**20
        print(
            f"import: {n} records ({size:.0f} MB), {result['seconds']:.1f} s, {n / result['seconds']:,.0f} records/s; "
            f"baseline (model_validate_json, each line) {baseline:.1f} s, {n / baseline:,.0f} records/s; "
            f"ratio {result['seconds'] / baseline:.2f}; peak memory of the import process {result['rss_mb']:.0f} MB "
            "(targets: >= 100 k records/s, < 300 MB)"
        )


if __name__ == "__main__":
    main()
