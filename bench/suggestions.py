"""Quality of the suggestion engine on the hand-annotated sets, and the keys it saves.

    python bench/suggestions.py [--parser]

Sets: tests/fixtures/suggest_eval (502 UD French dev sentences chosen by bench/eval_set.py's fixed
rule, each read as a document of its own, plus three pages written for the purpose with navigation,
teasers, captions and comments), split once into a tuning part and a held-out part (`part` in
gold.jsonl); and the seeds. Figures on the tuning part and the seeds are a regression bar: the
rules were written while reading them. The held-out part is the measurement, and the targets
apply to it.

--parser adds the same table for the engine with its dependency-parse repair (the `parser`
extra), and both engines' speed on these sets, measured in the same run.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from annotator.suggest import engine_name  # noqa: E402
from annotator.suggest.evaluate import PARTS, pairs, score  # noqa: E402

EVAL = ROOT / "tests/fixtures/suggest_eval"
SETS = {
    "eval": (EVAL / "gold.jsonl", [*sorted(EVAL.glob("*.txt")), EVAL / "ud_dev.jsonl"]),
    "seeds": (ROOT / "tests/fixtures/seeds_gold.jsonl", sorted((ROOT / "seeds").glob("*.txt"))),
}
TARGETS = {
    "content F1": 0.85,
    "cue F1": 0.85,
    "source F1": 0.75,
    "block accuracy": 0.95,
    "mode precision": 0.95,
}


def table(parser: bool) -> None:
    """Print the scores of one engine."""
    rows = {}
    scored = {}
    for name, (gold, docs) in SETS.items():
        items = pairs(gold, docs, parser=parser)
        if name == "eval":
            for part in PARTS:
                scored[f"eval {part}"] = score([p for p in items if p.part == part])
        else:
            scored[name] = score(items)
    for name, sc in scored.items():
        rows[name] = {
            "sentences (labelled)": f"{sc.blocks} ({sc.sentences})",
            "gold quotes": str(sc.content.gold),
            "content P/R/F1 (IoU ≥ 0.5)": _prf(sc.content),
            "content P/R/F1 (cov ≥ 0.3)": _prf(sc.content_03),
            "content P/R/F1 (cov ≥ 0.8)": _prf(sc.content_08),
            "cue P/R/F1": _prf(sc.cue),
            "source P/R/F1": _prf(sc.source),
            "type P/R/F1": _prf(sc.type),
            "block accuracy": f"{sc.block_accuracy:.3f}",
            "mode precision (coverage)": f"{sc.mode.precision:.2f} ({sc.mode.pred / sc.mode.gold:.0%})",
            "claim precision (coverage)": f"{sc.claim.precision:.2f} ({sc.claim.pred / sc.claim.gold:.0%})",
            "keys/sentence without → with": f"{sc.keys_without / sc.sentences:.2f} → {sc.keys_with / sc.sentences:.2f}"
            f" ({1 - sc.keys_with / sc.keys_without:.0%} saved)",
        }
    print(f"engine {engine_name(parser)}")
    width = max(map(len, next(iter(rows.values()))))
    print(f"{'':{width}}  " + "  ".join(f"{n:>22}" for n in rows))
    for key in next(iter(rows.values())):
        print(f"{key:{width}}  " + "  ".join(f"{rows[n][key]:>22}" for n in rows))


def _prf(prf) -> str:
    return f"{prf.precision:.2f} / {prf.recall:.2f} / {prf.f1:.2f}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--parser", action="store_true", help="also the engine with its dependency-parse repair")
    args = ap.parse_args()
    table(parser=False)
    print("targets (held-out part): " + ", ".join(f"{k} ≥ {v}" for k, v in TARGETS.items()))
    if args.parser:
        print()
        table(parser=True)  # loads the model, so the timings below are of the work alone
        rules, parsed = table_time(parser=False), table_time(parser=True)
        print(
            f"speed on these sets (analysis included): rules {rules:.2f} s, with the parser {parsed:.2f} s ({parsed / rules:.0f}x)"
        )


def table_time(parser: bool) -> float:
    t = time.perf_counter()
    for gold, docs in SETS.values():
        pairs(gold, docs, parser=parser)
    return time.perf_counter() - t


if __name__ == "__main__":
    main()
