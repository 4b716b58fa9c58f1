"""The word tokens of a sentence: the quote editor's cursor steps and the IOB export's tokens."""

from __future__ import annotations

import re
from dataclasses import dataclass

# A word keeps its inner hyphens and apostrophes ("aujourd'hui", "vis-à-vis"), except before an
# inverted subject pronoun ("a-t-il", "dit-elle", "peut-on": the pronoun is a word of its own, the
# source of a quote) and after an elided clitic ("m'accusez", "l'association", "qu'il": the verb
# or the noun is a word of its own, so "accusez" alone can be the cue).
_INVERTED = r"(?:t-)?(?:ils?|elles?|on)\b"
_ELIDED = r"(?:[cdjlmnst]|qu|jusqu|lorsqu|puisqu|quoiqu)['’](?=\w)"
_TOKEN = re.compile(rf"(?i:\b{_ELIDED})|\w+(?:[-'’](?!{_INVERTED})\w+)*|[^\w\s]")


@dataclass(frozen=True, slots=True)
class Token:
    start: int
    end: int


def tokens(text: str) -> list[Token]:
    """Words (with inner hyphens and apostrophes, an inverted pronoun and an elided clitic apart)
    and single punctuation marks."""
    return [Token(m.start(), m.end()) for m in _TOKEN.finditer(text)]
