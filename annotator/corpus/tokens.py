"""The word tokens of a sentence: the quote editor's cursor steps and the IOB export's tokens."""

from __future__ import annotations

import re
from dataclasses import dataclass

_TOKEN = re.compile(r"\w+(?:[-'’]\w+)*|[^\w\s]")


@dataclass(frozen=True, slots=True)
class Token:
    start: int
    end: int


def tokens(text: str) -> list[Token]:
    """Words (with inner hyphens and apostrophes) and single punctuation marks."""
    return [Token(m.start(), m.end()) for m in _TOKEN.finditer(text)]
