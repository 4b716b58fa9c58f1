"""Train/dev/test assignment by near-duplicate cluster, so a story never sits in two splits."""

from __future__ import annotations

import hashlib

from annotator.errors import UserError
from annotator.model import Split

SPLIT_NAMES: tuple[Split, ...] = ("train", "dev", "test")


def parse_split(spec: str) -> dict[str, int]:
    """'80/10/10' -> {'train': 80, 'dev': 10, 'test': 10}."""
    parts = spec.split("/")
    if len(parts) != 3 or not all(p.strip().isdigit() for p in parts):
        raise UserError(f"--split {spec!r}: expected three whole percentages like 80/10/10")
    values = [int(p) for p in parts]
    if sum(values) != 100:
        raise UserError(f"--split {spec!r}: the percentages add up to {sum(values)}, not 100")
    return dict(zip(SPLIT_NAMES, values, strict=True))


def assign(cluster: str, seed: int, percentages: dict[str, int]) -> Split:
    """A deterministic split for a cluster: the same cluster, seed and percentages give the same split."""
    digest = hashlib.blake2b(f"{seed}\x00{cluster}".encode(), digest_size=8).digest()
    point = int.from_bytes(digest, "big") / 2**64 * 100
    edge = 0.0
    for name in SPLIT_NAMES:
        edge += percentages[name]
        if point < edge:
            return name
    return SPLIT_NAMES[-1]
