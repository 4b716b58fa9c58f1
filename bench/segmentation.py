"""Sentence-boundary precision/recall/F1 of annotator's segmenter, and its speed.

    python bench/segmentation.py [--data ../shared/data/ud-fr-sentences] [--split dev|test] [--errors N]

A boundary is the start offset of every sentence except the first of a record (data README).
Speed is characters per second over the whole split, segmenting 20 times, against a baseline
measured in the same run: one pass of a trivial regex (`[.!?]\\s+[A-Z]`) over the same text.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from annotator.corpus.segment import segment  # noqa: E402


def boundaries(text: str) -> set[int]:
    starts = [s for block in segment(text) for s, _ in block.sentences]
    return set(starts[1:])


def score(records: list[dict], show: int) -> tuple[float, float, float]:
    tp = fp = fn = 0
    shown = 0
    for r in records:
        gold = {s for s, _ in r["sentences"][1:]}
        pred = boundaries(r["text"])
        tp += len(gold & pred)
        fp += len(pred - gold)
        fn += len(gold - pred)
        for kind, where in (("FP", pred - gold), ("FN", gold - pred)):
            for b in sorted(where):
                if shown < show:
                    shown += 1
                    print(f"{kind} {r['id']}: …{r['text'][max(0, b - 60) : b]}‖{r['text'][b : b + 40]}…")
    p = tp / (tp + fp) if tp + fp else 1.0
    rc = tp / (tp + fn) if tp + fn else 1.0
    f = 2 * p * rc / (p + rc) if p + rc else 0.0
    return p, rc, f


def seeds_errors(gold_path: Path) -> int:
    gold = json.loads(gold_path.read_text("utf-8"))
    errors = 0
    for name, expected in gold.items():
        text = (ROOT / "seeds" / name).read_text("utf-8")
        predicted = {s for b in segment(text) for s, _ in b.sentences}
        errors += len(gold_starts(text, expected) ^ predicted)
    return errors


def gold_starts(text: str, sentences: list[str]) -> set[int]:
    """Start offsets of hand-checked sentence texts, found in order in the document."""
    out, pos = set(), 0
    for s in sentences:
        pos = text.index(s, pos)
        out.add(pos)
        pos += len(s)
    return out


def speed(records: list[dict]) -> tuple[float, float]:
    text = "\n".join(r["text"] for r in records)
    reps = 20
    t = time.perf_counter()
    for _ in range(reps):
        segment(text)
    ours = len(text) * reps / (time.perf_counter() - t)
    naive = re.compile(r"[.!?]\s+[A-Z]")
    t = time.perf_counter()
    for _ in range(reps):
        sum(1 for _ in naive.finditer(text))
    base = len(text) * reps / (time.perf_counter() - t)
    return ours, base


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data" / "ud-fr-sentences")
    ap.add_argument("--split", default="test", choices=["dev", "test"])
    ap.add_argument("--errors", type=int, default=0, help="print the first N boundary errors")
    args = ap.parse_args()
    records = [json.loads(line) for line in (args.data / f"{args.split}.jsonl").open(encoding="utf-8")]
    p, r, f = score(records, args.errors)
    print(
        f"UD French {args.split}: {len(records)} records, boundary precision {p:.4f} recall {r:.4f} F1 {f:.4f}"
    )
    print(f"seeds: {seeds_errors(ROOT / 'tests' / 'fixtures' / 'seed_sentences.json')} boundary errors")
    ours, base = speed(records)
    print(
        f"speed: {ours / 1e6:.2f} M chars/s (baseline regex scan {base / 1e6:.1f} M chars/s, ratio {ours / base:.3f})"
    )


if __name__ == "__main__":
    main()
