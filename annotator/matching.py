"""Matching quotes of two label sets by content overlap: shared by agreement and the suggestion scores."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from annotator.model import Quote, Span

OVERLAP = 0.5  # content that shares at least this fraction of characters (Jaccard) matches


def overlap(a: Sequence[Span], b: Sequence[Span]) -> float:
    """Characters shared over characters covered by either (0..1)."""
    sa = {i for s in a for i in range(s.start, s.end)}
    sb = {i for s in b for i in range(s.start, s.end)}
    return len(sa & sb) / len(sa | sb) if sa | sb else 0.0


def coverage(a: Sequence[Span], b: Sequence[Span]) -> float:
    """Characters shared over the larger of the two (0..1): at 0.8, each covers at least 80 % of the
    other. The Gender Gap Tracker's French quote extractor is scored at 0.3 and 0.8 this way."""
    sa = {i for s in a for i in range(s.start, s.end)}
    sb = {i for s in b for i in range(s.start, s.end)}
    return len(sa & sb) / max(len(sa), len(sb)) if sa or sb else 0.0


def match_quotes(
    a: Sequence[Quote],
    b: Sequence[Quote],
    threshold: float = OVERLAP,
    measure: Callable[[Sequence[Span], Sequence[Span]], float] = overlap,
) -> list[tuple[int, int]]:
    """Greedy one-to-one pairs (i, j) of quotes whose content scores at least `threshold` by
    `measure` (overlap, Jaccard, unless told), best first."""
    scored = sorted(
        ((measure(x.content, y.content), i, j) for i, x in enumerate(a) for j, y in enumerate(b)),
        key=lambda t: (-t[0], t[1], t[2]),
    )
    used_a: set[int] = set()
    used_b: set[int] = set()
    pairs = []
    for score, i, j in scored:
        if score < threshold or score == 0:
            break
        if i not in used_a and j not in used_b:
            used_a.add(i)
            used_b.add(j)
            pairs.append((i, j))
    return pairs
