"""The fewest keys the screens' own bindings need to produce given labels (bench/keys.py).

Quote mode: every cursor motion is done by the editor itself (labelling/quotes.py) from every
word, which gives the cheapest way between any two words (Dijkstra over the motions, counts
included). A span is then assigned by one of the ways a selection is made (the word under the
cursor; `v` at one end and a move to the other; `t` and a move; `i` inside quotation marks), and
the spans of a quote are taken in the cheapest order (a search over the cursor and the set of
spans done). Editing an assigned span (`<` `>` `{` `}` `=`) is left out of the search: it never
beats making the selection first by more than a key, so the figures are an upper bound of the
optimum by at most that.

Key names are Textual's, as `Pilot.press` takes them, so a sequence can be replayed on the
real screen (tests/test_keystrokes.py).
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass
from functools import cached_property

from annotator.corpus.text import fold
from annotator.labelling.quotes import QuoteDraft, default_speaker, hint_labels, trim
from annotator.model import Quote, SentenceLabels

# The motions of quote mode before span-editing motions came (words, quotation marks, the
# sentence's ends), and all of them now (counts, clause edges, initials, jump labels, `t`).
BEFORE, NOW = "before", "now"


@dataclass(frozen=True, slots=True)
class Found:
    keys: tuple[str, ...]
    typed: int = 0  # of which characters typed into the speaker prompt

    def __add__(self, other: Found) -> Found:
        return Found(self.keys + other.keys, self.typed + other.typed)

    def __len__(self) -> int:
        return len(self.keys)


class Sentence:
    """One sentence's words and what each quote-mode key does from each of them."""

    def __init__(self, text: str, motions: str = NOW, document: str = "", offset: int = 0):
        self.text = text
        self.document = document  # the article, for the speaker the editor pre-fills
        self.offset = offset  # where the sentence starts in it
        self.motions = motions
        self.draft = QuoteDraft(text)
        self.n = len(self.draft.toks)

    def _at(self, cursor: int, anchor: int | None = None) -> QuoteDraft:
        d = self.draft
        d.cursor, d.anchor, d.pinned = cursor, anchor, None
        return d

    def edges(self, i: int) -> list[tuple[tuple[str, ...], int]]:
        """(keys, word reached) for every cursor motion from word i."""
        out: list[tuple[tuple[str, ...], int]] = []
        counts = range(1, 10) if self.motions == NOW else range(1, 2)
        for key, words in (("h", -1), ("l", 1)):
            for n in counts:
                self._at(i).move(words * n)
                out.append(((*((str(n),) if n > 1 else ()), key), self.draft.cursor))
        repeated = [("left_square_bracket", "to_mark", -1), ("right_square_bracket", "to_mark", 1)]
        if self.motions == NOW:
            repeated += [
                ("left_parenthesis", "to_clause_edge", -1),
                ("right_parenthesis", "to_clause_edge", 1),
            ]
        for key, method, direction in repeated:
            d = self._at(i)
            for n in range(1, 4 if self.motions == NOW else 2):
                getattr(d, method)(direction)
                out.append(((*((str(n),) if n > 1 else ()), key), d.cursor))
        out.append((("home",), 0))
        out.append((("end",), self.n - 1))
        if self.motions == NOW:
            for key, direction in (("f", 1), ("F", -1)):
                for initial in self.initials:
                    d = self._at(i)
                    if d.to_initial(initial, direction):
                        out.append(((key, initial), d.cursor))
            for j, label in enumerate(self.labels):
                out.append((("w", *label), j))
        return out

    @cached_property
    def initials(self) -> list[str]:
        """The letters and digits words start with, as typed (folded: `e` finds `État`)."""
        found = {fold(self.text[t.start])[:1] for t in self.draft.toks}
        return sorted(c for c in found if c.isascii() and c.isalnum())

    @cached_property
    def labels(self) -> list[str]:
        return hint_labels(self.n)

    @cached_property
    def paths(self) -> list[list[tuple[str, ...]]]:
        """paths[i][j]: the fewest keys that move the cursor from word i to word j."""
        edges = [self.edges(i) for i in range(self.n)]
        out = []
        for source in range(self.n):
            best: dict[int, tuple[str, ...]] = {source: ()}
            queue = [(0, source)]
            while queue:
                cost, i = heapq.heappop(queue)
                if cost > len(best[i]):
                    continue
                for keys, j in edges[i]:
                    if j not in best or cost + len(keys) < len(best[j]):
                        best[j] = best[i] + keys
                        heapq.heappush(queue, (len(best[j]), j))
            out.append([best[j] for j in range(self.n)])
        return out

    @cached_property
    def clause_ends(self) -> list[int]:
        """Where `t` from each word puts the cursor (the selection is anchored at the word)."""
        ends = []
        for i in range(self.n):
            d = self._at(i)
            d.select_to_clause_edge()
            ends.append(d.cursor)
        return ends

    @cached_property
    def inside(self) -> list[tuple[int, int] | None]:
        """What `i` selects from each word (inside the quotation marks around it), if anything."""
        out: list[tuple[int, int] | None] = []
        for i in range(self.n):
            d = self._at(i)
            out.append(d.pinned if d.select_inside_quotes() else None)
        return out

    def selections(self, span: tuple[int, int], keep_marks: bool) -> list[tuple[int, int]]:
        """The word ranges (first, last) whose selection the role key trims to `span`."""
        toks = self.draft.toks
        return [
            (a, b)
            for a in range(self.n)
            if toks[a].start <= span[0] + 3
            for b in range(a, self.n)
            if toks[b].end >= span[1] - 3
            and trim(self.text, toks[a].start, toks[b].end, keep_marks=keep_marks) == span
        ]

    def assign_ways(self, cursor: int, span: tuple[int, int], key: str) -> list[tuple[tuple[str, ...], int]]:
        """(keys, cursor after) of every way to assign `span` with the role key `key` from `cursor`."""
        keep = key == "C"
        move = self.paths[cursor]
        ways: list[tuple[tuple[str, ...], int]] = []
        for a, b in self.selections(span, keep):
            if a == b:
                ways.append(((*move[a], key), a))
            elif self.motions == NOW:  # a count before the role key: that many words
                ways.append(((*move[a], *str(b - a + 1), key), b))
            for x, y in ((a, b), (b, a)):
                ways.append(((*move[x], "v", *self.paths[x][y], key), y))
                if self.motions == NOW and x == a:
                    end = self.clause_ends[x]
                    ways.append(((*move[x], "t", *self.paths[end][y], key), y))
        for k, pinned in enumerate(self.inside):
            if pinned and trim(self.text, *pinned, keep_marks=keep) == span:
                ways.append(((*move[k], "i", key), k))
        return ways


def _targets(spans: list[tuple[tuple[int, int], str]]) -> list[tuple[tuple[int, int], tuple[str, ...]]]:
    """(span, the role keys that can assign it): content by `c` or `C` (marks kept)."""
    return [
        (span, ("c", "C") if role == "content" else ("r",) if role == "cue" else ("s",))
        for span, role in spans
    ]


def assign_keys(
    sentence: Sentence, spans: list[tuple[tuple[int, int], str]], cursor: int
) -> tuple[tuple[str, ...], int]:
    """The fewest keys that assign every (span, role) from `cursor`, in the cheapest order (a
    search over the spans done and the cursor), and where the cursor ends."""
    targets = _targets(spans)
    full = (1 << len(targets)) - 1
    best: dict[tuple[int, int], tuple[str, ...]] = {(0, cursor): ()}
    queue = [(0, 0, cursor)]
    while queue:
        cost, done, at = heapq.heappop(queue)
        if cost > len(best[done, at]):
            continue
        if done == full:
            return best[done, at], at
        for t, (span, keys) in enumerate(targets):
            if done & (1 << t):
                continue
            for key in keys:
                for way, after in sentence.assign_ways(at, span, key):
                    state = (done | (1 << t), after)
                    path = best[done, at] + way
                    if state not in best or len(path) < len(best[state]):
                        best[state] = path
                        heapq.heappush(queue, (len(path), *state))
    raise ValueError(f"no selection gives the spans {spans} in {sentence.text!r}")


def _spans(q: Quote) -> list[tuple[tuple[int, int], str]]:
    return [((s.start, s.end), role) for role, s in q.spans()]


def _finish(draft: QuoteDraft, gold: Quote, known: list[str]) -> Found:
    """The type key if the draft's type is not gold's, the speaker if it differs, and enter."""
    out = Found(())
    if draft.type != gold.type:
        out += Found(({"direct": "d", "indirect": "n", "mixed": "m"}[gold.type],))
    if (draft.speaker or None) != (gold.speaker or None):
        out += speaker_keys(draft.speaker, gold.speaker, known)
    return out + Found(("enter",))


def _pre_filled(sentence: Sentence, draft: QuoteDraft, known: list[str]) -> None:
    """The speaker the editor fills in when a source is assigned to a quote without one."""
    if draft.source and not draft.speaker:
        s, e = draft.source
        draft.speaker = default_speaker(sentence.text[s:e], known, sentence.document, sentence.offset + s)


def quote_keys(sentence: Sentence, gold: Quote, known: list[str]) -> Found:
    """The fewest keys from `q` to `enter` that build `gold` in quote mode, the article's
    speakers so far being `known` (most recent first: the prompt completes from them)."""
    keys, _ = assign_keys(sentence, _spans(gold), 0)
    draft = QuoteDraft(
        sentence.text,
        content=[(c.start, c.end) for c in gold.content],
        source=(gold.source.start, gold.source.end) if gold.source else None,
    )
    draft.type = draft.inferred_type()
    _pre_filled(sentence, draft, known)
    return Found(("q", *keys)) + _finish(draft, gold, known)


def edit_keys(
    sentence: Sentence, gold: Quote, shown: list[Quote], index: int, known: list[str]
) -> Found | None:
    """The fewest keys that turn the shown quote `index` into `gold` in quote mode (`q`, the
    cursor onto it, `e` until it is the one edited, its wrong spans assigned again, `enter`);
    None when editing cannot get there (a span gold does not have cannot be taken away)."""
    quote = shown[index]
    have = {span for span, _ in _spans(quote)}
    wrong = [(span, role) for span, role in _spans(gold) if span not in have]
    new_content = [span for span, role in wrong if role == "content"]
    kept = [
        (c.start, c.end)
        for c in quote.content
        if not any(c.start < e and s < c.end for s, e in new_content)  # a new span replaces what it overlaps
    ]
    if sorted(kept + new_content) != [(c.start, c.end) for c in gold.content]:
        return None
    for role in ("cue", "source"):
        if getattr(quote, role) is not None and getattr(gold, role) is None:
            return None
    draft = QuoteDraft.from_quote(sentence.text, quote)
    for span, role in wrong:
        draft.cursor, draft.anchor, draft.pinned = 0, None, span  # the span, as assigned
        draft.assign(role)
    _pre_filled(sentence, draft, known)
    best: Found | None = None
    for k, tok in enumerate(sentence.draft.toks):
        under = [i for i, q in enumerate(shown) if any(s.start <= tok.start < s.end for _, s in q.spans())]
        if index not in under:
            continue
        presses = ("e",) * (under.index(index) + 1)
        keys, _ = assign_keys(sentence, wrong, k) if wrong else ((), k)
        found = Found(("q", *sentence.paths[0][k], *presses, *keys)) + _finish(draft, gold, known)
        if best is None or len(found) < len(best):
            best = found
    return best


def speaker_keys(shown: str | None, wanted: str | None, known: list[str]) -> Found:
    """`p`, then clear what the prompt holds, then type the fewest characters after which tab
    completes to the name (the prompt offers the first known name the typed start begins), or
    the whole name; enter."""
    keys: tuple[str, ...] = ("p", *(("ctrl+u",) if shown else ()))
    if not wanted:
        return Found((*keys, "enter"))
    typed = wanted
    for n in range(1, len(wanted)):
        prefix = wanted[:n].casefold()
        first = next((k for k in known if k.casefold().startswith(prefix)), None)
        if first == wanted:
            typed = wanted[:n]
            break
    completion = ("tab",) if typed != wanted else ()
    return Found((*keys, *typed, *completion, "enter"), typed=len(typed))


# ------------------------------------------------------------------ the labelling screen

PRESS = {  # the labelling screen's label keys (bindings.LABEL)
    "mode": {"reporting": "r", "commentary": "c", "none": "o"},
    "claim": {"none": "1", "factual": "2", "checkworthy": "3"},
}


def quote_key(q: Quote) -> tuple:
    """What a shown quote must have to be stored as the gold one."""
    span = lambda x: (x.start, x.end) if x else None  # noqa: E731
    return (q.type, tuple(span(c) for c in q.content), span(q.cue), span(q.source), q.speaker or None)


def sentence_keys(
    sentence: Sentence, gold: SentenceLabels, shown: SentenceLabels, known: list[str]
) -> tuple[Found, int]:
    """The fewest keys from arriving at a sentence showing `shown` (a suggestion, a projection,
    or nothing) to moving on with `gold` stored; and how many quotes were built in the dialog.

    A gold quote not shown is built in quote mode, or made by editing a shown quote that is not
    gold, whichever takes fewer keys; the shown quotes left are dropped first (`y` keeps the one
    in focus, `d` drops it). Labels: a wrong or missing mode or claim
    takes its key; `enter` stores, unless the last key filled the last empty label after the
    annotator set every other one by hand on this visit (auto-advance)."""
    wanted = {quote_key(q) for q in gold.quotes}
    have = {quote_key(q) for q in shown.quotes}
    # each gold quote not shown: built anew, or made from a shown quote that is not gold (edited)
    free = [i for i, q in enumerate(shown.quotes) if quote_key(q) not in wanted]
    work = Found(())
    built = 0
    for q in gold.quotes:
        if quote_key(q) in have:
            continue
        best, used = quote_keys(sentence, q, known), None
        for i in free:
            edited = edit_keys(sentence, q, shown.quotes, i, known)
            if edited is not None and len(edited) < len(best):
                best, used = edited, i
        if used is not None:
            free.remove(used)
        work += best
        built += 1
    # the shown quotes left over are dropped first, on the labelling screen: `y` keeps the one
    # in focus and moves on, `d` drops it
    keys = Found(())
    last = max(free, default=-1)
    for i in range(last + 1):
        keys += Found(("d",) if i in free else ("y",))
    keys += work
    fields = [(name, getattr(gold, name), getattr(shown, name)) for name in ("mode", "claim")]
    fixes = [name for name, g, s in fields if g != s]
    empty = any(s is None for _, _, s in fields)
    by_fixing = tuple(PRESS[name][getattr(gold, name)] for name in fixes) + ("enter",)
    # every label pressed, the empty one last: the last key moves on by itself
    order = sorted(fields, key=lambda f: f[2] is None)
    by_hand = tuple(PRESS[name][g] for name, g, _ in order)
    return keys + Found(by_hand if empty and len(by_hand) < len(by_fixing) else by_fixing), built


def summary(values: list[int]) -> tuple[float, float, int]:
    """Mean, median and 90th percentile."""
    if not values:
        return 0.0, 0.0, 0
    ordered = sorted(values)
    mid = len(ordered) // 2
    median = ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2
    return sum(values) / len(values), median, ordered[min(len(ordered) - 1, int(len(ordered) * 0.9))]
