"""Near-duplicate story detection by shingle containment, without all-pairs comparison.

Each document is reduced to the hashes of its word 5-grams over article blocks (headline, body,
caption), normalised (case, NBSP, apostrophes). A fixed 1-in-4 sample of hash values (the same
sample for every document) is indexed; two documents are candidates when they share sampled
hashes, and near-duplicates when the containment of the smaller sample in the larger is high.
Because the sample is chosen by hash value, containment on samples estimates the real one.
"""

from __future__ import annotations

import re
import zlib

SHINGLE = 5
SAMPLE_MODULUS = 4
MIN_SHARED = 3
THRESHOLD = 0.5
ARTICLE_TYPES = frozenset({"headline", "body", "caption"})

_WORD = re.compile(r"\w+")


def normalised_words(text: str) -> list[str]:
    return _WORD.findall(text.replace("\u00a0", " ").replace("’", "'").casefold())


def fingerprint(article_texts: list[str]) -> frozenset[int]:
    """Sampled shingle hashes of a document's article blocks."""
    out = set()
    for text in article_texts:
        words = normalised_words(text)
        for i in range(max(0, len(words) - SHINGLE + 1)):
            h = zlib.crc32(" ".join(words[i : i + SHINGLE]).encode("utf-8"))
            if h % SAMPLE_MODULUS == 0:
                out.add(h)
    return frozenset(out)


def containment(a: frozenset[int], b: frozenset[int]) -> float:
    if not a or not b:
        return 0.0
    return len(a & b) / min(len(a), len(b))


def is_near_duplicate(a: frozenset[int], b: frozenset[int]) -> bool:
    return len(a & b) >= MIN_SHARED and containment(a, b) >= THRESHOLD
