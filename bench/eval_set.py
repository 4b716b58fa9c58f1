"""Build the UD part of the suggestion evaluation set from the UD French dev sentences.

    python bench/eval_set.py [--data ../shared/data/ud-fr-sentences/dev.jsonl] [--out FILE]

Writes tests/fixtures/suggest_eval/ud_dev.jsonl: one record `{"id", "text"}` per chosen sentence,
so the engine reads each sentence as a document of its own (GSD shuffles its sentences, so a
rebuilt paragraph would join unrelated ones), and prints the part each sentence belongs to.

The rule is fixed and does not depend on the engine (its lexicons change; this set must not):
- every sentence with a quotation signal: a quotation mark, "selon", "d'après", or a word that
  starts like a common French speech or judgement verb (SIGNAL below, written once, before any
  rule was tuned on this set);
- every 15th of the other sentences, in file order;
- the sentences of the earlier set (ud_dev_earlier.lst: chosen by an older rule, the rules were
  already read against them), which always stay in the tuning part.

The held-out part is chosen once by a seeded hash of the sentence id (HELDOUT_SEED), never by
looking at the sentences: tune on `tune`, report `heldout`. Never tune on test.jsonl.
"""

from __future__ import annotations

import argparse
import hashlib
import re
import sys
from pathlib import Path

import orjson

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "tests/fixtures/suggest_eval/ud_dev.jsonl"
EARLIER = OUT.parent / "ud_dev_earlier.lst"  # not .txt: the pages of the set are its .txt files
OTHERS_EVERY = 15
HELDOUT_SEED = "heldout-2026-11-30"
HELDOUT_SHARE = 0.55  # of the sentences not in the earlier set

_VERB_STARTS = (
    "dire dit disent disait déclar affirm annonc expliqu estim ajout indiqu assur soulign précis "
    "confirm rappel reconn répond racont jug pens consid dénonc critiqu promet promis avou admet "
    "admis insist observ prévien prévenu réclam regrett déplor inquièt accus dément démenti "
    "reproch révél signal martel répét conclu avanc évoqu témoign confi rapport écri qualifi"
).split()
SIGNAL = re.compile(r"[«»“”\"]|\bselon\b|\bd['’]après\b|\b(?:" + "|".join(_VERB_STARTS) + ")", re.IGNORECASE)


def sentences(data: Path) -> list[tuple[str, str]]:
    out = []
    for raw in data.read_bytes().splitlines():
        rec = orjson.loads(raw)
        for n, (start, end) in enumerate(rec["sentences"]):
            out.append((f"{rec['id']}-{n}", rec["text"][start:end]))
    return out


def heldout(sentence_id: str) -> bool:
    digest = hashlib.sha256(f"{HELDOUT_SEED}:{sentence_id}".encode()).digest()
    return int.from_bytes(digest[:4]) / 2**32 < HELDOUT_SHARE


def choose(all_sentences: list[tuple[str, str]], earlier: set[str]) -> list[tuple[str, str, str]]:
    """(id, text, part) of every chosen sentence, in file order."""
    chosen, others = [], 0
    for sid, text in all_sentences:
        if sid in earlier:
            chosen.append((sid, text, "tune"))
            continue
        if not SIGNAL.search(text):
            others += 1
            if others % OTHERS_EVERY:
                continue
        chosen.append((sid, text, "heldout" if heldout(sid) else "tune"))
    return chosen


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared/data/ud-fr-sentences/dev.jsonl")
    ap.add_argument("--out", type=Path, default=OUT, help=f"where to write (default {OUT.relative_to(ROOT)})")
    args = ap.parse_args()
    earlier = {line for line in EARLIER.read_text("utf-8").splitlines() if line and not line.startswith("#")}
    chosen = choose(sentences(args.data), earlier)
    args.out.write_bytes(b"".join(orjson.dumps({"id": sid, "text": text}) + b"\n" for sid, text, _ in chosen))
    parts = [part for *_, part in chosen]
    print(
        f"{args.out}: {len(chosen)} sentences, tune {parts.count('tune')}, heldout {parts.count('heldout')}"
    )
    for sid, _, part in chosen:
        print(part, sid, file=sys.stderr)


if __name__ == "__main__":
    main()
