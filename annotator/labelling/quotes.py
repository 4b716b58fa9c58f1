"""The quote editor without Textual: a word cursor over the sentence, a selection, and the
quote being built (SCHEME.md §4 boundary rules: outer marks and joining punctuation trimmed)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from annotator.corpus import marks
from annotator.corpus.tokens import Token, tokens
from annotator.scheme import QuoteType

# The models (pydantic) are imported where a quote is made: the screen paints before they load.
if TYPE_CHECKING:
    from annotator.model import Quote

# The marks the editor trims from a span's edges and stops on (the straight apostrophe included).
EDGE_MARKS = marks.OPENING + marks.CLOSING + marks.APOSTROPHE
# Where a clause ends: the punctuation the clause motions stop on (quotation marks and dashes too).
CLAUSE_EDGES = ",;:–—" + marks.OPENING + marks.CLOSING


def trim(text: str, start: int, end: int, *, keep_marks: bool = False) -> tuple[int, int]:
    """Shrink a span off surrounding spaces and, unless kept, the outer quotation marks and the
    commas or colons that join it to an incise."""
    strip = " \u00a0\u202f\t,;:" + ("" if keep_marks else EDGE_MARKS)
    while start < end and text[start] in strip:
        start += 1
    while end > start and text[end - 1] in strip:
        end -= 1
    return start, end


def inside_quotes(text: str, pos: int) -> tuple[int, int] | None:
    """The stretch inside the innermost pair of quotation marks around `pos`, marks excluded."""
    found = marks.innermost_around(text, pos)
    if found is None:
        return None
    return trim(text, found[0] + 1, found[1], keep_marks=True)


# Sources that name nobody themselves: the speaker is the article's last one.
PRONOUNS = frozenset(
    ["il", "elle", "ils", "elles", "qui", "on", "celui-ci", "celle-ci", "ce dernier", "cette dernière"]
)


def default_speaker(source: str, known: list[str], document: str = "", at: int = 0) -> str | None:
    """The speaker a source names (GUIDELINES Q14), as the engine resolves it: the name in it
    ("le ministre russe de la Défense Sergueï Choïgou" → "Sergueï Choïgou"), a surname or a
    pronoun from the names printed before `at` in `document`, else the noun phrase without its
    determiner; a pronoun or a title noun alone is the article's last speaker (`known`, most
    recent first). None when there is none."""
    from annotator.suggest.engine import resolve_speaker

    words = " ".join(source.split())
    if words.casefold() in PRONOUNS and known:
        return known[0]
    return resolve_speaker(document, words, at, last=known[0] if known else None)


HINT_LETTERS = "asdfghjklqwertyuiopzxcvbnm"  # the home row first


def hint_labels(n: int) -> list[str]:
    """One label per word to jump to (as easymotion or vimium do), no label the start of
    another: single letters while they last; in a longer sentence the first words keep single
    letters and the letters left over start two-letter labels for the rest."""
    k = len(HINT_LETTERS)
    if n <= k:
        return list(HINT_LETTERS[:n])
    singles = max(0, (k * k - n) // (k - 1))  # as many as leave enough two-letter labels
    prefixes = HINT_LETTERS[singles:]
    return [*HINT_LETTERS[:singles], *(a + b for a in prefixes for b in HINT_LETTERS)][:n]


@dataclass
class QuoteDraft:
    """The quote being edited over one sentence."""

    text: str
    type: QuoteType = "direct"
    content: list[tuple[int, int]] = field(default_factory=list)
    cue: tuple[int, int] | None = None
    source: tuple[int, int] | None = None
    speaker: str | None = None
    cursor: int = 0  # token index
    anchor: int | None = None  # token index where the selection started
    pinned: tuple[int, int] | None = None  # a character selection (inside quotes, or the mouse)
    typed: bool = False  # the annotator chose the type: no longer inferred from the content

    def __post_init__(self) -> None:
        self.toks = tokens(self.text) or [Token(0, len(self.text))]

    @classmethod
    def from_quote(cls, text: str, quote: Quote) -> QuoteDraft:
        span = lambda s: (s.start, s.end) if s else None  # noqa: E731
        return cls(
            text,
            quote.type,
            [(s.start, s.end) for s in quote.content],
            span(quote.cue),
            span(quote.source),
            quote.speaker,
        )

    # motions
    def move(self, words: int) -> None:
        self.cursor = max(0, min(len(self.toks) - 1, self.cursor + words))
        self.pinned = None

    def _seek(self, direction: int, found: Callable[[str], bool]) -> bool:
        """Put the cursor on the next (1) or previous (-1) word whose text `found` accepts;
        False (the cursor stays) when there is none that way."""
        i = self.cursor + direction
        while 0 <= i < len(self.toks):
            if found(self.text[self.toks[i].start : self.toks[i].end]):
                self.cursor = i
                self.pinned = None
                return True
            i += direction
        return False

    def to_mark(self, direction: int) -> None:
        """Jump to the next (1) or previous (-1) quotation mark."""
        self._seek(direction, lambda word: word[0] in EDGE_MARKS)

    def to_clause_edge(self, direction: int) -> None:
        """Jump to the next (1) or previous (-1) punctuation that ends a clause: a comma, colon,
        semicolon, dash or quotation mark; past the last one, the sentence's last (or first) word."""
        if not self._seek(direction, lambda word: word[0] in CLAUSE_EDGES):
            self.move(direction * len(self.toks))

    def to_initial(self, char: str, direction: int) -> bool:
        """Jump to the next (1) or previous (-1) word starting with `char` (case and accents
        folded, as search folds); False when there is none."""
        from annotator.corpus.text import fold

        want = fold(char)
        return self._seek(direction, lambda word: fold(word[0]) == want)

    def select_to_clause_edge(self) -> None:
        """Select from the cursor to the last word before the next clause edge, in one key."""
        start = self.cursor
        i = start
        while i + 1 < len(self.toks) and self.text[self.toks[i + 1].start] not in CLAUSE_EDGES:
            i += 1
        self.anchor, self.cursor, self.pinned = start, i, None

    def select_words(self, n: int) -> None:
        """Select n words from the cursor on (the cursor ends on the last)."""
        self.anchor, self.pinned = self.cursor, None
        self.cursor = min(len(self.toks) - 1, self.cursor + max(1, n) - 1)

    def place(self, offset: int) -> None:
        """Put the cursor on the token at a character offset (a mouse click)."""
        for i, t in enumerate(self.toks):
            if t.start <= offset < t.end or offset < t.start:
                self.cursor = i
                break
        else:
            self.cursor = len(self.toks) - 1
        self.pinned = None

    def toggle_selection(self) -> None:
        self.anchor = None if self.anchor is not None else self.cursor
        self.pinned = None

    def select_inside_quotes(self) -> bool:
        found = inside_quotes(self.text, self.toks[self.cursor].start)
        if found and found[0] < found[1]:
            self.pinned = found
            self.anchor = None
            return True
        return False

    def select_chars(self, start: int, end: int) -> None:
        """A selection made with the mouse, snapped to whole tokens."""
        first = next((i for i, t in enumerate(self.toks) if t.end > start), 0)
        last = max((i for i, t in enumerate(self.toks) if t.start < end), default=first)
        self.pinned = (self.toks[first].start, self.toks[max(first, last)].end)
        self.anchor = None

    def selection(self) -> tuple[int, int]:
        """Characters selected: the pinned stretch, the tokens from anchor to cursor, or the cursor's token."""
        if self.pinned:
            return self.pinned
        a = self.cursor if self.anchor is None else self.anchor
        lo, hi = sorted((a, self.cursor))
        return self.toks[lo].start, self.toks[hi].end

    # editing a span in place
    def span_here(self) -> tuple[str, int] | None:
        """The span of this quote under the cursor: ('content', index), ('cue', 0) or ('source', 0)."""
        at = self.toks[self.cursor].start
        for i, (s, e) in enumerate(self.content):
            if s <= at < e:
                return "content", i
        for role in ("cue", "source"):
            span = getattr(self, role)
            if span and span[0] <= at < span[1]:
                return role, 0
        return None

    def _set(self, where: tuple[str, int], span: tuple[int, int]) -> None:
        role, i = where
        if role == "content":
            self.content[i] = span
            self.content.sort()
            if not self.typed:
                self.type = self.inferred_type()
        else:
            setattr(self, role, span)

    def _get(self, where: tuple[str, int]) -> tuple[int, int]:
        role, i = where
        return self.content[i] if role == "content" else getattr(self, role)

    def move_edge(self, start: bool, words: int) -> bool:
        """Move the start (or the end) of the span under the cursor by `words` words (negative:
        left), keeping at least one word and the boundary rules; False when there is no span here."""
        where = self.span_here()
        if where is None:
            return False
        s, e = self._get(where)
        first = next(i for i, t in enumerate(self.toks) if t.end > s)
        last = max(i for i, t in enumerate(self.toks) if t.start < e)
        step = 1 if words > 0 else -1
        for _ in range(abs(words)):
            # a step onto a quotation mark or a comma, which the boundary rules trim, goes on to the next word
            while True:
                if start:
                    first = max(0, min(last, first + step))
                else:
                    last = min(len(self.toks) - 1, max(first, last + step))
                moved = trim(self.text, self.toks[first].start, self.toks[last].end)
                at_limit = (first in (0, last)) if start else (last in (len(self.toks) - 1, first))
                if moved != (s, e) or at_limit:
                    break
            s, e = moved
        if s >= e:
            return False
        self._set(where, (s, e))
        return True

    def snap(self) -> bool:
        """Fit the span under the cursor to the quotation marks around it, else to its clause
        (between the clause edges around it); False when there is no span here."""
        where = self.span_here()
        if where is None:
            return False
        s, _ = self._get(where)
        inside = inside_quotes(self.text, s)
        if inside and inside[0] < inside[1]:
            self._set(where, inside)
            return True
        lo = s
        while lo > 0 and self.text[lo - 1] not in CLAUSE_EDGES:
            lo -= 1
        hi = s
        while hi < len(self.text) and self.text[hi] not in CLAUSE_EDGES:
            hi += 1
        new = trim(self.text, lo, hi)
        if new[0] >= new[1]:
            return False
        self._set(where, new)
        return True

    # assignments
    def assign(self, role: str, *, keep_marks: bool = False) -> bool:
        start, end = trim(self.text, *self.selection(), keep_marks=keep_marks)
        if start >= end:
            return False
        if role == "content":
            kept = [(s, e) for s, e in self.content if e <= start or s >= end]  # a new span replaces overlaps
            self.content = sorted([*kept, (start, end)])
            if not self.typed:
                self.type = self.inferred_type()
        elif role == "cue":
            self.cue = (start, end)
        elif role == "source":
            self.source = (start, end)
        self.anchor = None
        self.pinned = None
        return True

    def inferred_type(self) -> QuoteType:
        """The type the content says (SCHEME §4): every span inside quotation marks → direct,
        none → indirect, some (or a span that holds marks) → mixed."""
        inside = []
        for start, end in self.content:
            pair = marks.innermost_around(self.text, start)
            within = pair is not None and pair[0] < start and end <= pair[1]
            inside.append(
                within and not any(c in marks.OPENING + marks.CLOSING for c in self.text[start:end])
            )
        if inside and all(inside):
            return "direct"
        span_marks = any(c in marks.OPENING + marks.CLOSING for s, e in self.content for c in self.text[s:e])
        return "mixed" if any(inside) or span_marks else "indirect"

    def quote(self) -> Quote:
        """The finished quote; raises ValueError when it has no content."""
        from annotator.model import Quote, Span

        if not self.content:
            raise ValueError("a quote needs content: select it and press the content key")
        span = lambda se: Span(start=se[0], end=se[1], text=self.text[se[0] : se[1]]) if se else None  # noqa: E731
        return Quote(
            type=self.type,
            content=[span(c) for c in self.content],
            cue=span(self.cue),
            source=span(self.source),
            speaker=(self.speaker or "").strip() or None,
        )
