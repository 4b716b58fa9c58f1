"""Suggestions for a whole document: quotes per sentence, speakers across the article, hints.

`suggest_document` returns, for every sentence in document order, the suggested labels as the
JSON `SentenceLabels.model_dump_json` would write (or None when the engine has nothing to say):
built as plain data and written by orjson, a fifth of the cost of building the models on a
million sentences. A test holds the bytes to the model's own, and every reader validates them. Only French sentences of labelled blocks get quotes and
hints; reader comments get hints but never quotes (SCHEME §2).
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

import orjson

from annotator.corpus.blocktype import TypedBlock
from annotator.corpus.marks import MARK, Pair, stretches
from annotator.corpus.segment import BlockSpan
from annotator.scheme import LABELLED_BLOCK_TYPES
from annotator.suggest import hints
from annotator.suggest.lexicon import lexicon
from annotator.suggest.quotes import DETERMINERS, SUBJECT_PRONOUNS, Quoted, RawQuote, find_quotes

# A person's name: two or more capitalised words ("Ned Price", "Sergueï Choïgou", "M. Ménard").
# Every name starts with a capital: the look-ahead lets the scan skip everything else quickly.
_NAME = re.compile(
    r"(?=[A-ZÉÈ])(?:\b(?:M\.|Mme|Dr)[ \u00a0]+)?\b[A-ZÉÈ][\w’'-]+(?:[ \u00a0]+(?:de[ \u00a0]+|van[ \u00a0]+|von[ \u00a0]+)?[A-ZÉÈ][\w-]+)+"
)
_NOT_NAME_START = DETERMINERS | {
    "selon", "mais", "pour", "en", "dans", "depuis", "après", "avant", "alors", "car", "et", "il", "elle",
    "interrogé", "interview", "lire", "source", "a", "c'est", "si", "quand", "lors", "plus", "cette",
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class Suggested:
    block: int
    start: int
    end: int
    labels: str | None  # SentenceLabels as JSON


def names_in(text: str) -> list[tuple[int, str]]:
    """Person-like names in a text with their offsets, in order."""
    out = []
    for m in _NAME.finditer(text):
        words = m.group().split()
        while words and words[0].lower().strip("’'") in _NOT_NAME_START:
            words = words[1:]
        words = (
            words[-3:]
            if words[-3:-2] in (["M."], ["Mme"], ["Dr"]) or words[-2:-1] in (["de"], ["van"], ["von"])
            else words[-2:]
        )
        if len(words) >= 2 and not any(w.isupper() and len(w) > 3 for w in words):
            out.append((m.start(), " ".join(words)))
    return out


class _Speakers:
    """Who has spoken so far in the article, and who has been named."""

    def __init__(self, text: str):
        self.names = names_in(text)
        self.positions = [p for p, _ in self.names]
        self.last_person: str | None = None

    def named_before(self, pos: int, recent: int = 50) -> list[str]:
        """The names met before `pos` (the most recent ones: enough to resolve a surname)."""
        end = bisect.bisect_left(self.positions, pos)
        return [n for _, n in self.names[max(0, end - recent) : end]]

    def resolve(self, source: str | None, at: int) -> str | None:
        if not source:
            return None
        words = source.split()
        low = source.lower()
        known = self.named_before(at + len(source))
        if low in ("il", "elle", "lui"):
            return self.last_person or (known[-1] if known else None)
        if low in SUBJECT_PRONOUNS | {"eux"}:
            return None  # "ils", "on": a group nobody names here
        in_source = [n for _, n in names_in(source)]
        if in_source:
            return self._person(max(in_source, key=len))
        if len(words) == 1 and words[0][:1].isupper():
            for name in reversed(known):
                parts = name.split()
                if words[0] in (parts[0], parts[-1]):
                    return self._person(name)
            return words[0]
        if words[0].lower() in ("le", "la", "l'", "l’") and any(
            w in lexicon().title_nouns for w in low.split()
        ):
            return self.last_person  # "le ministre", "le président russe": the person last quoted
        if words[0].lower() in ("un", "une", "des", "certaines", "certains", "plusieurs"):
            return None
        head = source.split(" ", 1)[1] if words[0].lower() in DETERMINERS and len(words) > 1 else source
        return re.sub(r"^(l['’])", "", head)

    def _person(self, name: str) -> str:
        self.last_person = name
        return name


def resolve_speaker(document: str, source: str, at: int, last: str | None = None) -> str | None:
    """The speaker a source names at offset `at` of a document, as the engine resolves it (a
    name in the source, a surname or pronoun from the names before it, a title noun or a
    pronoun as `last`, the article's last speaker), for the quote editor's pre-filled speaker."""
    speakers = _Speakers(document)
    speakers.last_person = last
    return speakers.resolve(source, at)


def _quoted_in(text: str, block: BlockSpan, found: list[Pair]) -> list[list[Quoted]]:
    """The block's quoted stretches as each of its sentences sees them (both lists are in order
    and stretches do not overlap: one pass over each)."""
    length = block.end - block.start
    inner = [st.inner(length) for st in found]
    per_sentence = []
    first = 0
    for s, e in block.sentences:
        rel_s, rel_e = s - block.start, e - block.start
        while first < len(inner) and inner[first][1] <= rel_s:
            first += 1
        mine = []
        key = first
        while key < len(inner) and inner[key][0] < rel_e:
            a, b = inner[key]
            if b > rel_s:
                mine.append(
                    Quoted(
                        max(a, rel_s) - rel_s,
                        min(b, rel_e) - rel_s,
                        a < rel_s,
                        b > rel_e,
                        key,
                        found[key].close is None,
                    )
                )
            key += 1
        per_sentence.append(mine)
    return per_sentence


def _span(text: str, r: tuple[int, int] | None) -> dict | None:
    return {"start": r[0], "end": r[1], "text": text[r[0] : r[1]]} if r else None


def suggest_document(
    text: str, blocks: list[BlockSpan], types: list[TypedBlock], *, parser: bool = False
) -> list[Suggested]:
    """`parser`: repair the rules' quotes with a dependency parse (suggest/parser.py)."""
    lex = lexicon()
    speakers = _Speakers(text)
    out: list[Suggested] = []
    for block, typed in zip(blocks, types, strict=True):
        labelled = typed.block_type in LABELLED_BLOCK_TYPES and typed.lang in ("fr", "und")
        btext = text[block.start : block.end]
        found = stretches(btext) if labelled and MARK.search(btext) else []
        views = _quoted_in(text, block, found) if found else [[] for _ in block.sentences]
        raw_by_sentence: list[list[RawQuote]] = []
        for (s, e), quoted in zip(block.sentences, views, strict=True):
            sentence = text[s:e]
            quotes: list[RawQuote] = []
            if labelled and typed.block_type != "comment":
                if quoted or lex.may_attribute.search(sentence.lower()):
                    quotes = find_quotes(sentence, quoted, lex)
            raw_by_sentence.append(quotes)
        if parser and labelled and typed.block_type != "comment":
            _repair(text, block, raw_by_sentence, views)
        _resolve_speakers(text, block, raw_by_sentence, views, speakers)
        for (s, e), quoted, quotes in zip(block.sentences, views, raw_by_sentence, strict=True):
            out.append(
                Suggested(block.index, s, e, _labels(text[s:e], typed.block_type, labelled, quotes, quoted))
            )
    return out


def _repair(
    text: str, block: BlockSpan, per_sentence: list[list[RawQuote]], views: list[list[Quoted]]
) -> None:
    """The parser's additions to the quotes of the block's sentences that have a quotation signal."""
    from annotator.suggest import parser

    lex = lexicon()
    todo = [
        i
        for i, ((s, e), quotes) in enumerate(zip(block.sentences, per_sentence, strict=True))
        if parser.wanted(text[s:e], quotes, lex)
    ]
    sentences = [text[slice(*block.sentences[i])] for i in todo]
    for i, sentence, doc in zip(todo, sentences, parser.parse(sentences), strict=True):
        per_sentence[i] = parser.repair(sentence, per_sentence[i], views[i], doc, lex)


def _resolve_speakers(
    text: str,
    block: BlockSpan,
    per_sentence: list[list[RawQuote]],
    views: list[list[Quoted]],
    speakers: _Speakers,
) -> None:
    by_stretch: dict[int, str] = {}
    for (s, e), quotes, quoted in zip(block.sentences, per_sentence, views, strict=True):
        sentence = text[s:e]
        previous: str | None = None
        for q in quotes:
            if q.kind == "gerund" and previous:
                q.speaker = previous
            elif q.source:
                q.speaker = speakers.resolve(sentence[q.source[0] : q.source[1]], s + q.source[0])
            previous = q.speaker or previous
            if q.speaker and q.kind == "inverted":
                # a quotation over several sentences: every part gets the speaker its cue names
                for part in quoted:
                    if any(part.start <= c0 + 1 and c1 <= part.end + 1 for c0, c1 in q.content):
                        by_stretch[part.key] = q.speaker
    last: str | None = None
    for quotes in per_sentence:
        for q in quotes:
            if q.kind == "marks" and q.speaker is None and q.stretch >= 0:
                q.speaker = by_stretch.get(q.stretch) or last
            last = q.speaker or last


def _labels(
    sentence: str, block_type: str, labelled: bool, quotes: list[RawQuote], quoted: list[Quoted]
) -> str | None:
    if not labelled:
        return None
    quotes = [q for q in quotes if q.content]  # speech events only name speakers
    lex = lexicon()
    attributed = [r for q in quotes for r in (*q.content, q.cue, q.source) if r]
    own = hints.author_text(sentence, attributed, [(q.start, q.end) for q in quoted])
    has_attribution = any(q.cue or q.source for q in quotes)
    mode = hints.mode_hint(block_type, own, has_attribution, lex)
    claim = hints.claim_hint(block_type, sentence, own, mode, lex)
    final = [
        {
            "type": q.type,
            "content": [_span(sentence, c) for c in q.content],
            "cue": _span(sentence, q.cue),
            "source": _span(sentence, q.source),
            "speaker": q.speaker,
        }
        for q in quotes
    ]
    if mode is None and claim is None and not final:
        return None
    # SentenceLabels' fields in their order
    labels = {"mode": mode, "claim": claim, "quotes": final, "flags": [], "note": None, "block_type": None}
    return orjson.dumps(labels).decode()
