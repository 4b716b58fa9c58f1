"""Block type and language pre-labelling with transparent rules (SCHEME.md §2).

The lexicons are data files in data/; the rules read a page top to bottom with a zone that
markers switch: the article, then reader comments ("Leave a Reply", "3 commentaires"), then
links to other articles ("A lire aussi", or whatever follows the comment form).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib import resources

from annotator.scheme import BlockType

_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?")
# "( AFP / Philippe LOPEZ )", "(Photo AFP)", "© Reuters": a photo credit closes a caption.
_CREDIT = re.compile(
    r"(\(\s*[\w.\- ]+\s*/\s*[^()]+\)|\(\s*(photo|crédit|credit)[^()]*\)|©\s*[\w .\-/]+)\s*$", re.I
)
# A final mark of sentence punctuation, possibly followed by closing quotes or brackets.
_FINAL_PUNCT = re.compile(r"[.!?:;…][»”\"’)\]\s\u00a0]*$")
_TRUNCATED = re.compile(r"(\w…|\w\.\.\.|lire la suite)$", re.I)
_MAX_HEADLINE_WORDS = 30


@dataclass(frozen=True, slots=True)
class TypedBlock:
    block_type: BlockType
    lang: str
    duplicate_of: int | None


def _lines(name: str) -> list[str]:
    data = resources.files("annotator.corpus").joinpath(f"data/{name}").read_text("utf-8")
    return [line.strip() for line in data.splitlines() if line.strip() and not line.startswith("#")]


@cache
def _pattern(name: str) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{p})" for p in _lines(name)), re.I)


_LANGS = ("fr", "de", "en")


@cache
def _stopwords() -> dict[str, str]:
    """Function word -> its language (a word listed for two languages is no evidence)."""
    owner: dict[str, str] = {}
    for lang in _LANGS:
        for word in _lines(f"stopwords_{lang}.txt"):
            owner[word] = "" if owner.get(word, lang) != lang else lang
    return {w: lang for w, lang in owner.items() if lang}


def _matches(name: str, text: str) -> bool:
    return _pattern(name).fullmatch(text.strip(" \u00a0•·-–")) is not None


def language(text: str) -> str:
    """'fr', 'de', 'en' by function words (and German letters); 'und' when there is no evidence."""
    owner = _stopwords()
    hits = dict.fromkeys(_LANGS, 0)
    for w in _WORD.findall(text.lower(), 0, 600):  # the start of a block is evidence enough
        lang = owner.get(w)
        if lang:
            hits[lang] += 1
    if any(c in text for c in "äöüß"):
        hits["de"] += 2
    if any(c in text for c in "éèàçêùœ"):
        hits["fr"] += 1
    best = max(hits, key=lambda lang: hits[lang])
    if list(hits.values()).count(hits[best]) > 1 or hits[best] < (1 if best == "fr" else 2):
        return "und"  # a lone foreign-looking word ("rtbf.be") is no evidence
    return best


def type_blocks(texts: list[str]) -> list[TypedBlock]:
    """Type every block of one document, in order."""
    out: list[TypedBlock] = []
    first_seen: dict[str, int] = {}
    zone = "article"
    for i, text in enumerate(texts):
        lang = language(text)
        dup = first_seen.setdefault(text, i)
        if dup != i:
            out.append(TypedBlock(out[dup].block_type, lang, dup))
            continue
        kind: BlockType
        if _matches("teaser_markers.txt", text):
            zone, kind = "teasers", "teaser"
        elif _matches("comment_markers.txt", text):
            zone, kind = "comments", "boilerplate"
        elif _matches("comment_end_markers.txt", text):
            zone, kind = "teasers", "boilerplate"
        elif _CREDIT.search(text) and len(text.split()) > 5 and zone == "article":
            kind = "caption"  # "Photo : la centrale (AFP / X)": the credit makes it a caption
        elif _matches("boilerplate.txt", text) or lang not in ("fr", "und"):
            kind = "boilerplate"
        elif zone == "teasers":
            kind = "teaser"
        elif zone == "comments":
            kind = "comment"
        elif _CREDIT.search(text):
            kind = "caption"
        elif i > 0 and _TRUNCATED.search(text, max(0, len(text) - 16)):  # it ends the block
            kind = "teaser"  # a cut-off excerpt of another article
        elif not _FINAL_PUNCT.search(text) and len(text.split()) <= _MAX_HEADLINE_WORDS:
            kind = "headline"
        else:
            kind = "body"
        out.append(TypedBlock(kind, lang, None))
    return out
