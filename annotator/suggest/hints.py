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
# the author speaking: the first person, an exclamation
_OWN_VOICE = re.compile(r"(?<!\w)(?:(?:je|moi|à mon avis)(?!\w)|j['’])|!", re.I)
# the author judging, predicting or prescribing (GUIDELINES S2): modal and normative verbs
_STANCE = re.compile(
    r"(?<!\w)(?:devrait|devraient|pourrait|pourraient|il faut|il faudrait|"
    r"c'est pourquoi|c’est pourquoi)(?!\w)",
    re.I,
)


def author_text(text: str, attributed: list[tuple[int, int]], quoted: list[tuple[int, int]]) -> str:
    """The sentence with attributed and quoted stretches blanked out."""
    if not attributed and not quoted:
        return text
    chars = list(text)
    for a, b in [*attributed, *quoted]:
        chars[a:b] = " " * (b - a)
    return "".join(chars)


def mode_hint(block_type: str, own: str, has_attribution: bool, lex: Lexicon) -> Mode | None:
    """Commentary when the author's own words judge, speak in the first person or prescribe;
    reporting when they attribute or state a dated or counted fact; no opinion when the signals
    disagree or only a weak one is there (a question mark, one evaluative word)."""
    if block_type == "comment":
        return "commentary"  # reader comments are the readers' own views
    own_voice = bool(_OWN_VOICE.search(own))
    evaluative = lex.evaluative.count(own)
    commentary = own_voice or evaluative >= 2 or bool(_STANCE.search(own)) or evaluative and _QUESTION.search(own)
    reporting = has_attribution or (
        block_type == "body" and own.rstrip().endswith(".") and bool(_DATE_OR_NUMBER.search(own))
    )
    if commentary and not (reporting and not own_voice):
        return "commentary"
    if reporting and not commentary and not evaluative and not _QUESTION.search(own):
        return "reporting"
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
