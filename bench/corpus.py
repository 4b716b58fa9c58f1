"""Generator of a large, realistic French news corpus for the benchmarks.

Articles recombine sentences of the seeds and of the UD French treebanks (../shared/data) with
what real pages carry: a headline, a byline with a timestamp, paragraphs with quotes in « »
(with NBSPs) and "…", a caption with a credit, reader comments, "A lire aussi" teasers.

    python bench/corpus.py --sentences 1000000 --out bench/out/corpus.jsonl
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from pathlib import Path

import orjson

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from annotator.corpus.segment import segment  # noqa: E402

UD = ROOT.parent / "shared" / "data" / "ud-fr-sentences"
SPEAKERS = [
    "le ministre chinois de la Défense",
    "Vladimir Poutine",
    "le porte-parole du Kremlin, Dmitri Peskov",
    "Ned Price",
    "l'agence Tass",
    "un communiqué officiel",
    "le président français",
]
CUES = ["a déclaré", "a affirmé", "a-t-il ajouté", "a indiqué", "a estimé", "a souligné", "a précisé"]
MONTHS = ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre"]
NBSP = "\u00a0"


def source_sentences() -> list[str]:
    out = []
    for f in sorted((ROOT / "seeds").glob("*.txt")):
        text = f.read_text("utf-8")
        out += [text[s:e] for b in segment(text) for s, e in b.sentences if e - s > 40]
    for split in ("dev", "test"):
        path = UD / f"{split}.jsonl"
        if path.exists():
            for line in path.open(encoding="utf-8"):
                r = json.loads(line)
                out += [r["text"][s:e] for s, e in r["sentences"] if e - s > 30]
    return out


def article(rng: random.Random, pool: list[str], n: int) -> str:
    """An article of roughly n sentences."""
    day, month, year = rng.randint(1, 28), rng.choice(MONTHS), rng.randint(2019, 2025)
    lines = [pool[rng.randrange(len(pool))].rstrip(" .")]
    lines.append(f"Publié le {day} {month} {year} à {rng.randint(6, 22)}:{rng.randint(0, 59):02d}")
    made = 1
    while made < n:
        para = []
        for _ in range(rng.randint(2, 5)):
            s = pool[rng.randrange(len(pool))]
            r = rng.random()
            if r < 0.2:
                s = f"«{NBSP}{s.rstrip('.')}{NBSP}», {rng.choice(CUES)} {rng.choice(SPEAKERS)}."
            elif r < 0.3:
                s = f"Selon {rng.choice(SPEAKERS)}, {s[0].lower()}{s[1:]}"
            elif r < 0.35:
                s = s.rstrip(".") + "…"
            para.append(s)
        made += len(para)
        lines.append(" ".join(para))
        if rng.random() < 0.1:
            lines.append(
                f"{rng.choice(SPEAKERS).capitalize()}, à Pékin, le {day} {month} {year} ( AFP / Jean DUPONT )"
            )
            made += 1
    if rng.random() < 0.3:
        lines += [
            "3 commentaires",
            f"• {day} {month}{NBSP}18:25",
            pool[rng.randrange(len(pool))],
            "Signaler le commentaire",
        ]
    lines += ["A lire aussi", pool[rng.randrange(len(pool))] + " ... Lire la suite"]
    return "\n\n".join(lines) + "\n"


def generate(sentences: int, seed: int = 1):
    """Yield {"id", "text"} articles until about `sentences` sentences are produced."""
    rng = random.Random(seed)
    pool = source_sentences()
    made, i = 0, 0
    while made < sentences:
        text = article(rng, pool, rng.randint(8, 30))
        made += sum(len(b.sentences) for b in segment(text))
        yield {"id": f"gen-{i:07d}", "text": text}
        i += 1


def write_corpus(path: Path, sentences: int, seed: int = 1) -> Path:
    """The generated corpus as a `.jsonl` file of {"id", "text"}, what `annotator ingest` reads."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as f:
        for doc in generate(sentences, seed):
            f.write(orjson.dumps(doc) + b"\n")
    return path


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sentences", type=int, default=1_000_000)
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "out" / "corpus.jsonl")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    write_corpus(args.out, args.sentences, args.seed)
    print(f"{args.out}: about {args.sentences} sentences")


if __name__ == "__main__":
    main()
