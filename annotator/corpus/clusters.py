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
from collections import Counter
from itertools import chain

SHINGLE = 5
SAMPLE_MODULUS = 4
MIN_SHARED = 3
THRESHOLD = 0.5
# A sampled shingle indexed for this many documents is a stock phrase, not a story: it is not
# indexed further, which bounds the work per document however large the corpus grows.
DF_CAP = 20
ARTICLE_TYPES = frozenset({"headline", "body", "caption"})

_WORD = re.compile(r"\w+")


def normalised_words(text: str) -> list[str]:
    return _WORD.findall(text.replace("\u00a0", " ").replace("’", "'").casefold())


def fingerprint(article_texts: list[str]) -> frozenset[int]:
    """Sampled shingle hashes of a document's article blocks.

    A shingle is kept when the hash of its first word falls in the sample: a choice made by the
    shingle's own content, so the same shingle is kept or dropped in every document, and only a
    quarter of the shingles need hashing.
    """
    crc32 = zlib.crc32
    out = set()
    for text in article_texts:
        words = normalised_words(text)
        for i in range(len(words) - SHINGLE + 1):
            if crc32(words[i].encode()) % SAMPLE_MODULUS == 0:
                out.add(crc32(" ".join(words[i : i + SHINGLE]).encode()))
    return frozenset(out)


def containment(a: frozenset[int], b: frozenset[int]) -> float:
    if not a or not b:
        return 0.0
    return len(a & b) / min(len(a), len(b))


def is_near_duplicate(a: frozenset[int], b: frozenset[int]) -> bool:
    return len(a & b) >= MIN_SHARED and containment(a, b) >= THRESHOLD


class ClusterIndex:
    """Shingle postings, fingerprint sizes and clusters of the documents a batch can meet.

    The store loads it with the postings of the hashes a batch contains (nothing else can match),
    then `add`s each new document in order.
    """

    def __init__(self) -> None:
        self.postings: dict[int, list[int]] = {}
        self.size: dict[int, int] = {}
        self.cluster: dict[int, str] = {}

    def add(self, doc: int, name: str, fp: frozenset[int]) -> tuple[str, list[str], list[int]]:
        """Index a document; return its cluster, the clusters merged into it, the hashes indexed."""
        postings, size = self.postings, self.size
        lists = list(map(postings.get, fp))  # None for a hash never seen
        shared = Counter(chain.from_iterable(filter(None, lists)))
        # containment n / min(|fp|, |other|) >= THRESHOLD, without a division per candidate
        enough = THRESHOLD * len(fp)
        matches = sorted(
            {
                self.cluster[o]
                for o, n in shared.items()
                if n >= MIN_SHARED and (n >= enough or THRESHOLD * size[o] <= n)
            }
        )
        indexed = []
        for h, docs in zip(fp, lists, strict=True):  # a frozenset iterates in the same order twice
            if docs is None:
                postings[h] = [doc]
            elif len(docs) < DF_CAP:
                docs.append(doc)
            else:
                continue
            indexed.append(h)
        target = matches[0] if matches else name
        merged = matches[1:]
        if merged:  # this document joins stories seen apart so far
            gone = set(merged)
            for o, c in self.cluster.items():
                if c in gone:
                    self.cluster[o] = target
        self.size[doc] = len(fp)
        self.cluster[doc] = target
        return target, merged, indexed

    def forget(self, doc: int) -> None:
        """Drop a document (its text is being replaced)."""
        for docs in self.postings.values():
            if doc in docs:
                docs.remove(doc)
        self.size.pop(doc, None)
        self.cluster.pop(doc, None)
