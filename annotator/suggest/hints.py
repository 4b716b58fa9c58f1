"""Mode and claim hints (SCHEME §3). Conservative: no opinion (None) rather than a wrong one.

What quotes attribute belongs to their speakers; the hints read what is left, the author's text.
"""

from __future__ import annotations

import re

from annotator.scheme import Claim, Mode
from annotator.suggest.lexicon import Lexicon, trie

# Patterns read lowercased text and open on a character class: the scan skips every position
# that cannot start a match (a case-insensitive pattern with look-behinds costs four times more).
_NUMBER_WORDS = (
    "lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche|janvier|février|mars|avril|mai|juin|"
    "juillet|août|septembre|octobre|novembre|décembre|hier|deux|trois|quatre|cinq|dix|cent|mille|"
    "million|millions|milliard|milliards"
)
_DATE_OR_NUMBER = re.compile(
    rf"(?=[\d{''.join(sorted({w[0] for w in _NUMBER_WORDS.split('|')}))}])(?:\d|\b{trie(_NUMBER_WORDS)}\b)"
)
# the author speaking: the first person, an exclamation
_FIRST_PERSON = "je|moi|à mon avis"
_OWN_VOICE = re.compile(rf"(?=[!jmà])(?:!|(?<!\w)(?:(?:{_FIRST_PERSON})(?!\w)|j['’]))")
# the author speaking, judging, predicting or prescribing (GUIDELINES S2): the first person, an
# exclamation, modal and normative verbs. One scan of every sentence; _OWN_VOICE tells which.
_STANCE = r"devrai(?:t|ent)|pourrai(?:t|ent)|il faut|il faudrait|c['’]est pourquoi"
_COMMENTARY = re.compile(rf"(?=[!jmàdpic])(?:!|(?<!\w)(?:(?:{_FIRST_PERSON}|{_STANCE})(?!\w)|j['’]))")


def _question(own: str) -> bool:
    return own.rstrip(' \t\n\u00a0»”"').endswith("?")


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
    low = own.lower()
    voiced = _COMMENTARY.search(low) is not None
    own_voice = voiced and _OWN_VOICE.search(low) is not None
    evaluative = lex.evaluative.count(low) if lex.evaluative.search(low) else 0
    question = _question(own)
    commentary = voiced or evaluative >= 2 or evaluative == 1 and question
    reporting = has_attribution or (
        block_type == "body" and own.rstrip().endswith(".") and _DATE_OR_NUMBER.search(low) is not None
    )
    if commentary and not (reporting and not own_voice):
        return "commentary"
    if reporting and not commentary and not evaluative and not question:
        return "reporting"
    return None


def claim_hint(block_type: str, text: str, own: str, mode: Mode | None, lex: Lexicon) -> Claim | None:
    if mode == "commentary":
        if block_type == "comment" and not _DATE_OR_NUMBER.search(text.lower()):
            return "none"
        if _question(own):
            return "none"
        return None
    if mode != "reporting":
        return None
    if lex.checkworthy.search(text):
        return "checkworthy"
    if _DATE_OR_NUMBER.search(text.lower()) and lex.event_verbs.search(text):
        return "factual"
    return None
