"""Blocks and sentence segmentation for French news text.

A block is a non-empty line, trimmed of surrounding whitespace; line breaks are hard boundaries.
Inside a block, a sentence ends after a run of `.`, `!`, `?`, `…` (plus closing quotation marks
and brackets) when whitespace and a sentence-starting character follow, except:
  - inside a pair of quotation marks (or parentheses) that closes later in the same block;
  - after an abbreviation (data/abbreviations.txt), an initial ("J. Dupont") or a dotted
    acronym ("J.-C.", "U.S.");
  - after the number of a list item at the start of a block ("1. La cabale…").
A sentence longer than MAX_SENTENCE characters (no real sentence is; a run of text without
punctuation can be) is cut at the last whitespace before the limit (or at the limit when there is
none); its block counts the cuts, and ingest reports them.
Sentences tile their block: consecutive sentences are separated only by whitespace.
"""

from __future__ import annotations

import heapq
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources

from annotator.corpus import marks

_TERMINAL = re.compile(r"[.!?…]+")
_LINE = re.compile(r"[^\n]+")
# Characters that may close a sentence after its final punctuation.
_CLOSERS = frozenset('»”’)]"')
# What may begin a sentence besides an upper-case letter or a digit.
_STARTERS = frozenset("«“\"(['‹—–-¿¡")
_ABSORBING = frozenset({"etc", "J.-C", "J-C"})
_DOTTED = re.compile(r"^(?:\w{1,2}\.-?)+\w{0,2}$")
MAX_SENTENCE = 5000  # characters
_SPACE = re.compile(r"\s")


@dataclass(frozen=True, slots=True)
class BlockSpan:
    index: int
    start: int
    end: int
    sentences: tuple[tuple[int, int], ...]
    cut: int = 0  # sentences cut at MAX_SENTENCE


def _lexicon(name: str) -> frozenset[str]:
    data = resources.files("annotator.corpus").joinpath(f"data/{name}").read_text("utf-8")
    return frozenset(line.strip() for line in data.splitlines() if line.strip() and not line.startswith("#"))


@cache
def abbreviations() -> frozenset[str]:
    return _lexicon("abbreviations.txt")


@cache
def month_abbreviations() -> frozenset[str]:
    return _lexicon("month_abbreviations.txt")


def blocks(text: str) -> list[tuple[int, int]]:
    """(start, end) of every non-empty line, trimmed of surrounding whitespace."""
    out = []
    for m in _LINE.finditer(text):
        start, end = m.span()
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        if start < end:
            out.append((start, end))
    return out


def _is_abbreviation(text: str, block_start: int, dot: int) -> bool:
    """Whether the single period at `dot` belongs to the token before it."""
    i = dot
    while i > block_start and not text[i - 1].isspace() and text[i - 1] not in "(«“\"'’":
        i -= 1
    token = text[i:dot]
    if not token:
        return False
    if token in abbreviations():
        return True
    before = i  # the last non-space character before the token (scanning back: blocks can be huge)
    while before > block_start and text[before - 1].isspace():
        before -= 1
    if token in month_abbreviations() and before > block_start and text[before - 1].isdigit():
        return True  # "le 5 sept. 2023"; "Ils sont sept." still ends a sentence
    if len(token) == 1 and token.isalpha() and token.isupper() and text[i - 1 : i] != "°":
        return True  # an initial: "J. Dupont"
    if token in _ABSORBING:
        return False  # "etc." and "J.-C." end a sentence when a capital follows: the period counts twice
    if "." in token and _DOTTED.match(token) and not token.replace(".", "").isdigit():
        return True  # "U.S", "a.m"
    if token.isdigit() and len(token) <= 3 and before == block_start:
        return True  # a list item number at the start of the block: "1. La cabale"
    return False


def _plain_word_before(text: str, block_start: int, m: re.Match) -> bool:
    """A lone period right after an ordinary word of 3+ letters ends a sentence even before a
    lower-case letter ("…de la Libye. promulgation"): such a word is never an abbreviation."""
    if m.group() != ".":
        return False
    dot = block_start + m.start()
    i = dot
    while i > block_start and text[i - 1].isalpha():
        i -= 1
    token = text[i:dot]
    ordinary = token not in abbreviations() and token not in _ABSORBING
    return len(token) >= 3 and ordinary and (i == block_start or text[i - 1].isspace())


def _starts_sentence(ch: str) -> bool:
    return ch.isupper() or ch.isdigit() or ch in _STARTERS


def sentences(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Sentence (start, end) offsets tiling the block text[start:end]."""
    block = text[start:end]
    # Quotations and parentheses that close in this block; pairs of different marks may cross.
    intervals = sorted(marks.closed(marks.pairs(text, start, end, brackets=True, crossing=True)))
    # Sweep: intervals opened before the candidate, by closing position (a block may hold thousands).
    opened: list[int] = []
    next_interval = 0
    closes = {c for _, c in intervals}
    cuts: list[int] = []
    for m in _TERMINAL.finditer(block):
        p_start = start + m.start()
        p = start + m.end()
        # Take closing quotation marks and brackets (with the French space before them).
        while p < end:
            ch = text[p]
            if ch in _CLOSERS:
                p += 1
            elif ch in " \u00a0\u202f" and p + 1 < end and text[p + 1] in '»”"' and p + 1 in closes:
                p += 2
            else:
                break
        if p >= end or not text[p].isspace():
            continue
        q = p
        while q < end and text[q].isspace():
            q += 1
        if q >= end:
            continue
        if not _starts_sentence(text[q]) and not (text[q].islower() and _plain_word_before(text, start, m)):
            continue
        while next_interval < len(intervals) and intervals[next_interval][0] < p_start:
            heapq.heappush(opened, intervals[next_interval][1])
            next_interval += 1
        while opened and opened[0] < p:
            heapq.heappop(opened)
        if opened:
            continue  # inside a quotation (or parenthesis) that closes later in this block
        if m.group() == "." and _is_abbreviation(text, start, p_start):
            continue
        cuts.append(q)
    out = []
    s = start
    for q in cuts:
        e = q
        while e > s and text[e - 1].isspace():
            e -= 1
        out.append((s, e))
        s = q
    out.append((s, end))
    return out


def capped(text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The sentences with every one longer than MAX_SENTENCE cut into pieces that are not."""
    if all(e - s <= MAX_SENTENCE for s, e in spans):
        return spans
    out = []
    for s, e in spans:
        while e - s > MAX_SENTENCE:
            cut = _last_space(text, s + 1, s + MAX_SENTENCE + 1) or s + MAX_SENTENCE
            piece_end = cut
            while piece_end > s and text[piece_end - 1].isspace():
                piece_end -= 1
            out.append((s, piece_end))
            s = cut
            while s < e and text[s].isspace():
                s += 1
        out.append((s, e))
    return out


def _last_space(text: str, lo: int, hi: int) -> int | None:
    space = text.rfind(" ", lo, hi)  # the common case, at C speed
    if space >= 0:
        return space
    last = None
    for m in _SPACE.finditer(text, lo, hi):
        last = m.start()
    return last


def segment(text: str) -> list[BlockSpan]:
    """Every block of the document with its sentences, in order."""
    out = []
    for i, (s, e) in enumerate(blocks(text)):
        found = sentences(text, s, e)
        kept = capped(text, found)
        out.append(BlockSpan(i, s, e, tuple(kept), len(kept) - len(found)))
    return out
