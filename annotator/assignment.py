"""Who is served which sentences: a shared fraction goes to every annotator of a team (so agreement
has data), the rest is divided among them. Deterministic: a hash of the sentence (or document) id
decides, so every process and every run agrees without storing a row per sentence."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Literal

import orjson

from annotator.errors import UserError
from annotator.scheme import sentence_id

Unit = Literal["sentence", "document"]


def share(key: str) -> float:
    """A stable point in [0, 1) for a key."""
    digest = hashlib.blake2b(key.encode(), digest_size=8, person=b"assign").digest()
    return int.from_bytes(digest, "big") / 2**64


@dataclass(frozen=True)
class Assignment:
    team: tuple[str, ...]
    overlap: float
    unit: Unit = "sentence"

    def __post_init__(self) -> None:
        if not 0 <= self.overlap <= 1:
            raise UserError(f"--overlap {self.overlap}: expected a fraction between 0 and 1")
        if not self.team:
            raise UserError("--team: name at least one annotator")
        if len(set(self.team)) != len(self.team):
            raise UserError(f"--team {','.join(self.team)}: a name is given twice")

    def owner(self, point: float) -> str | None:
        """None for the shared part, else the one annotator a point belongs to."""
        if point < self.overlap:
            return None
        rest = (point - self.overlap) / (1 - self.overlap)
        return self.team[min(int(rest * len(self.team)), len(self.team) - 1)]

    def serves(self, annotator: str, doc_id: str, start: int, end: int) -> bool:
        if annotator not in self.team:
            return True  # a reviewer or a guest sees everything
        key = doc_id if self.unit == "document" else sentence_id(doc_id, start, end)
        owner = self.owner(share(key))
        return owner is None or owner == annotator

    def describe(self) -> str:
        return (
            f"{self.overlap:.0%} of {self.unit}s to everyone of {', '.join(self.team)}, "
            "the rest divided among them"
        )

    def to_json(self) -> str:
        return orjson.dumps({"team": self.team, "overlap": self.overlap, "unit": self.unit}).decode()

    @classmethod
    def from_json(cls, raw: str) -> Assignment:
        d = orjson.loads(raw)
        return cls(tuple(d["team"]), d["overlap"], d["unit"])
