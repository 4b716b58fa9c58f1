"""Quality of the suggestion engine on the hand-annotated sets, and the keys it saves.

    python bench/suggestions.py

Sets: tests/fixtures/suggest_eval (502 UD French dev sentences chosen by bench/eval_set.py's fixed
rule, each read as a document of its own, plus three pages written for the purpose with navigation,
teasers, captions and comments), split once into a tuning part and a held-out part (`part` in
gold.jsonl); and the seeds. Figures on the tuning part and the seeds are a regression bar: the
rules were written while reading them. The held-out part is the measurement.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from annotator.suggest import ENGINE  # noqa: E402
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
    "mode precision": 0.9,
}


def main() -> None:
    rows = {}
    scored = {}
    for name, (gold, docs) in SETS.items():
        items = pairs(gold, docs)
        if name == "eval":
            for part in PARTS:
                scored[f"eval {part}"] = score([p for p in items if p.part == part])
        else:
            scored[name] = score(items)
    for name, sc in scored.items():
        rows[name] = {
            "sentences (labelled)": f"{sc.blocks} ({sc.sentences})",
            "gold quotes": str(sc.content.gold),
            "content P/R/F1 (IoU ≥ 0.5)": f"{sc.content.precision:.2f} / {sc.content.recall:.2f} / {sc.content.f1:.2f}",
            "content P/R/F1 (cov ≥ 0.3)": f"{sc.content_03.precision:.2f} / {sc.content_03.recall:.2f} / {sc.content_03.f1:.2f}",
            "content P/R/F1 (cov ≥ 0.8)": f"{sc.content_08.precision:.2f} / {sc.content_08.recall:.2f} / {sc.content_08.f1:.2f}",
            "cue P/R/F1": f"{sc.cue.precision:.2f} / {sc.cue.recall:.2f} / {sc.cue.f1:.2f}",
            "source P/R/F1": f"{sc.source.precision:.2f} / {sc.source.recall:.2f} / {sc.source.f1:.2f}",
            "type P/R/F1": f"{sc.type.precision:.2f} / {sc.type.recall:.2f} / {sc.type.f1:.2f}",
            "block accuracy": f"{sc.block_accuracy:.3f}",
            "mode precision (coverage)": f"{sc.mode.precision:.2f} ({sc.mode.pred / sc.mode.gold:.0%})",
            "claim precision (coverage)": f"{sc.claim.precision:.2f} ({sc.claim.pred / sc.claim.gold:.0%})",
            "keys/sentence without → with": f"{sc.keys_without / sc.sentences:.2f} → {sc.keys_with / sc.sentences:.2f}"
            f" ({1 - sc.keys_with / sc.keys_without:.0%} saved)",
        }
    print(f"engine {ENGINE}")
    width = max(map(len, next(iter(rows.values()))))
    print(f"{'':{width}}  " + "  ".join(f"{n:>22}" for n in rows))
    for key in next(iter(rows.values())):
        print(f"{key:{width}}  " + "  ".join(f"{rows[n][key]:>22}" for n in rows))
    print("targets: " + ", ".join(f"{k} ≥ {v}" for k, v in TARGETS.items()))


if __name__ == "__main__":
    main()
