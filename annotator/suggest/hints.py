"""Mode and claim hints (SCHEME §3). Conservative: no opinion (None) rather than a wrong one.

What quotes attribute belongs to their speakers; the hints read what is left, the author's text.
"""

from __future__ import annotations

import re

from annotator.scheme import Claim, Mode
from annotator.suggest.lexicon import Lexicon, trie

_DATE_OR_NUMBER = re.compile(
    r"\d|\b"
    + trie(
        "lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche|janvier|février|mars|avril|mai|juin|"
        "juillet|août|septembre|octobre|novembre|décembre|hier|deux|trois|quatre|cinq|dix|cent|mille|"
        "million|millions|milliard|milliards"
    )
    + r"\b",
    re.I,
)
_QUESTION_END = r"\?[\s\u00a0»”\"]*$"
_QUESTION = re.compile(_QUESTION_END)
# the author speaking: the first person, an exclamation, a question
_OWN_VOICE = re.compile(r"(?<!\w)(?:(?:je|moi|à mon avis)(?!\w)|j['’])|!|" + _QUESTION_END, re.I)


def author_text(text: str, attributed: list[tuple[int, int]], quoted: list[tuple[int, int]]) -> str:
    """The sentence with attributed and quoted stretches blanked out."""
    if not attributed and not quoted:
        return text
    chars = list(text)
    for a, b in [*attributed, *quoted]:
        chars[a:b] = " " * (b - a)
    return "".join(chars)


def mode_hint(block_type: str, own: str, has_attribution: bool, lex: Lexicon) -> Mode | None:
    if block_type == "comment":
        return "commentary"  # reader comments are the readers' own views
    if lex.evaluative.search(own) or _OWN_VOICE.search(own):
        return "commentary"
    if has_attribution:
        return "reporting"
    if block_type == "body" and own.rstrip().endswith(".") and _DATE_OR_NUMBER.search(own):
        return "reporting"  # a dated or counted statement of fact
    return None


def claim_hint(block_type: str, text: str, own: str, mode: Mode | None, lex: Lexicon) -> Claim | None:
    if mode == "commentary":
        if block_type == "comment" and not _DATE_OR_NUMBER.search(text):
            return "none"
        if _QUESTION.search(own):
            return "none"
        return None
    if mode != "reporting":
        return None
    if lex.checkworthy.search(text):
        return "checkworthy"
    if _DATE_OR_NUMBER.search(text) and lex.event_verbs.search(text):
        return "factual"
    return None
