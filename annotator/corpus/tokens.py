"""The word tokens of a sentence: the quote editor's cursor steps and the IOB export's tokens."""

from __future__ import annotations

import re
from dataclasses import dataclass

# A word keeps its inner hyphens and apostrophes, except before an inverted subject pronoun
# ("a-t-il", "dit-elle", "peut-on"): the pronoun is a word of its own, the source of a quote.
_INVERTED = r"(?:t-)?(?:ils?|elles?|on)\b"
_TOKEN = re.compile(rf"\w+(?:[-'’](?!{_INVERTED})\w+)*|[^\w\s]")


@dataclass(frozen=True, slots=True)
class Token:
    start: int
    end: int


def tokens(text: str) -> list[Token]:
    """Words (with inner hyphens and apostrophes, an inverted pronoun apart) and single
    punctuation marks."""
    return [Token(m.start(), m.end()) for m in _TOKEN.finditer(text)]
