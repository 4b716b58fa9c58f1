"""The labelling screen's state, without Textual: what is shown, what a key does, what is stored.

`LabelSession` owns the store for one annotator. Every decision goes to the store before the
session moves on.
"""

from __future__ import annotations

import time
from collections import deque
from dataclasses import dataclass
from typing import TYPE_CHECKING

from annotator.scheme import LABELLED_BLOCK_TYPES, BlockType, Flag, Status
from annotator.store import DocumentInfo, DocumentProgress, LabelRow, SentenceRow, Store, Undone

# The models (pydantic) are imported where labels are first read or made: the screen paints a
# sentence before they are loaded.
if TYPE_CHECKING:
    from annotator.model import Quote, SentenceLabels


@dataclass(frozen=True, slots=True)
class Piece:
    """A sentence around the current one: its block and the block's type, its text, and whether
    this annotator has finished it."""

    block: int
    block_type: BlockType
    text: str
    finished: bool


@dataclass(frozen=True, slots=True)
class Context:
    """The article around the current sentence."""

    title: str | None  # the article's: its first headline block
    before: list[Piece]
    after: list[Piece]
    cluster: str
    cluster_size: int


@dataclass(frozen=True, slots=True)
class Progress:
    doc_done: int
    doc_total: int
    done: int | None  # None until the corpus-wide count is in
    total: int | None
    per_hour: float | None


CONTEXT = 12  # sentences read before and after the current one (the screen shows what fits)
RESUME_LOOKAHEAD = (
    1000  # sentences after the last decision looked at for an open one on opening (~1 ms on 1 M)
)
IDLE = 180  # seconds: a longer pause between two keys counts as this much time on the sentence


class _ReadOnUse:
    """A session attribute about the current sentence's labels, read from the store on first use."""

    def __set_name__(self, owner: type, name: str) -> None:
        self.slot = "_" + name

    def __get__(self, session: LabelSession | None, owner: type | None = None):
        if session is None:
            return self
        if not session._read:
            session._read_labels()
        return getattr(session, self.slot)

    def __set__(self, session: LabelSession, value) -> None:
        if not session._read:
            session._read_labels()
        setattr(session, self.slot, value)


class LabelSession:
    """One annotator's pass over the store, sentence by sentence."""

    labels = _ReadOnUse()  # what is shown and edited: saved labels, the suggestion, or empty ones
    saved = _ReadOnUse()  # the annotator's stored decision on the sentence (a LabelRow)
    suggestion = _ReadOnUse()  # the engine's labels (or a projection), shown until a decision
    projected = _ReadOnUse()  # where the suggestion was carried from ("as in 000…, sentence 4"), if it was

    def __init__(
        self,
        store: Store,
        annotator: str,
        *,
        count: bool = True,
        uncertain_first: bool = False,
        retrain_every: int = 25,
        auto_advance: bool = True,
    ):
        self.store = store
        self.annotator = annotator
        self.auto_advance = auto_advance  # see set_label
        self._by_hand: set[str] = set()  # the labels the annotator set on this visit
        self.all_done = False  # the last decision finished the last open sentence
        self._finished_one = False  # the last decision finished a sentence that was open
        self._info: tuple[str, DocumentInfo] | None = None  # the current document's cluster and title
        self.found: tuple[int, int] | None = None  # where a search matched the current sentence
        self.quote_focus = 0  # the quote `keep_quote` / `drop_quote` act on (reviewing a suggestion's quotes)
        self.undone: Undone | None = None  # what the last undo reverted
        # Uncertainty sampling: the sentences a model is least sure about come first. The screen
        # refits the model in a worker every `retrain_every` decisions and hands over the order.
        self.uncertain_first = uncertain_first
        self.retrain_every = retrain_every
        self.priority: deque[int] = deque()
        self._ranked_at: int | None = None  # decisions count when the last ranking was asked for
        self.show_all = False  # show (and step onto) teasers and boilerplate too
        self.revisiting = False  # everything else done: "next to do" goes through the skipped ones
        self.current: SentenceRow | None = None
        self._read = False  # whether the current sentence's labels are read (see _read_labels)
        self._saved: LabelRow | None = None
        self._suggestion: SentenceLabels | None = None
        self._projected: str | None = None
        self._labels: SentenceLabels | None = None
        self._since = time.monotonic()  # since arriving at the sentence, or its last decision
        self._seconds = 0  # time on sentences this session, as recorded with the decisions
        self._decisions = 0
        self._counted: tuple[int, int] | None = None  # (finished, total) when the session began
        self._delta = 0  # finished sentences gained (or lost) since
        if count:
            self.set_totals(*store.progress(annotator))
        self.resume()

    def set_totals(self, finished: int, total: int) -> None:
        """The corpus-wide counts: one pass over the store, which the screen runs in a worker."""
        self._counted = (finished, total)

    # where we are
    def resume(self) -> None:
        """Where the annotator stopped: the sentence of their last event, or the next one to do.
        The look for an open sentence is bounded: on a finished corpus a full one would scan every
        sentence before the first paint (`n` looks further)."""
        last = self.store.last_position(self.annotator)
        row = self.store.sentence(last) if last else None
        if row is not None and self.store.status(row.sid, self.annotator) in ("done", "skipped"):
            row = self.store.next_unannotated(self.annotator, row.sid, within=RESUME_LOOKAHEAD) or row
        self.go(
            row or self.store.next_unannotated(self.annotator, within=RESUME_LOOKAHEAD) or self.store.first()
        )

    def go(self, row: SentenceRow | None) -> bool:
        if row is None:
            return False
        self.current = row
        self._read = False
        self._by_hand = set()
        self._since = time.monotonic()  # the time on this sentence starts now
        self.found = None
        self.quote_focus = 0
        return True

    def _read_labels(self) -> None:
        """The annotator's saved labels, else their own decision on the same sentence in another
        copy of the story (projection.py), else the engine's suggestion, else none. Read when
        first asked for, not on arriving at a sentence: the screen paints the sentence first."""
        from annotator.labelling.projection import projection
        from annotator.model import SentenceLabels

        row = self.current
        self._saved = self.store.labels(row.sid, self.annotator) if row else None
        carried = projection(self.store, row.sid, self.annotator) if row and not self._saved else None
        self._projected = carried.source if carried else None
        if carried is not None:
            self._suggestion = carried.labels
        else:
            self._suggestion = self.store.suggestion(row.sid) if row and not self._saved else None
        self._labels = self._saved.labels if self._saved else (self._suggestion or SentenceLabels())
        self._read = True

    @property
    def here(self) -> SentenceRow:
        """The current sentence, for what needs one (the screen runs no action without one)."""
        if self.current is None:
            raise LookupError("no current sentence")
        return self.current

    @property
    def labels_read(self) -> bool:
        """Whether the current sentence's labels have been read from the store."""
        return self._read

    @property
    def suggested(self) -> bool:
        """Whether what is shown is the engine's suggestion, not yet confirmed by the annotator."""
        return self.suggestion is not None and self.labels == self.suggestion

    def step(self, direction: int) -> bool:
        return self.go(self.store.step(self.here.sid, direction, labelled_only=not self.show_all))

    def step_document(self, direction: int) -> bool:
        return self.go(self.store.step_document(self.here.sid, direction, labelled_only=not self.show_all))

    def next_unannotated(self) -> bool:
        return self.go(self._next_to_do())

    def _next_to_do(self) -> SentenceRow | None:
        """The next sentence to do; when the counts say nothing is left, the store's scan (the
        whole corpus, when nothing is left) is not run at all."""
        if self.revisiting:
            row = self.store.next_skipped(self.annotator, self.here.sid)
            return row if row is None or row.sid != self.here.sid else None
        if self._counted and self._counted[0] + self._delta >= self._counted[1]:
            return None
        while self.priority:
            sid = self.priority.popleft()
            if sid != self.here.sid and self.store.status(sid, self.annotator) in (None, "todo"):
                return self.store.sentence(sid)
        return self.store.next_unannotated(self.annotator, self.here.sid)

    def wants_ranking(self) -> bool:
        """Whether it is time to refit the model and rank again (the caller does it in a worker)."""
        if not self.uncertain_first:
            return False
        if self._ranked_at is None or self._decisions - self._ranked_at >= self.retrain_every:
            self._ranked_at = self._decisions
            return True
        return False

    def set_priority(self, sids: list[int] | None) -> None:
        """The model's order (None: too few labels yet, keep going in corpus order)."""
        self.priority = deque(sids or ())

    def open(self, sid: int) -> bool:
        """Go to one sentence (from the sentence list)."""
        return self.go(self.store.sentence(sid))

    def jump(self, doc_id: str) -> bool:
        return self.go(self.store.first(doc_id, labelled_only=not self.show_all))

    def search(self, needle: str) -> bool:
        """Go to the next sentence containing `needle` (case, accents, apostrophes and spaces
        folded), among the blocks shown; the match is in `found` until the session moves."""
        from annotator.corpus.text import find_folded

        if not self.go(self.store.search(needle, self.here.sid, labelled_only=not self.show_all)):
            return False
        self.found = find_folded(self.here.text, needle)
        return True

    @property
    def complete(self) -> bool:
        return complete(self.labels)

    @property
    def block_type(self) -> str:
        """The block type as the annotator sees it: theirs, else the rules'."""
        return self.labels.block_type or self.here.block_type

    # decisions: each is stored before anything moves
    def _store(self, labels: SentenceLabels, status: Status, action: str = "label") -> None:
        """Store a decision with the time spent on the sentence since arriving or since the last
        decision (a pause longer than IDLE counts as IDLE), then show what was stored."""
        before = self.saved.status if self.saved else None
        now = time.monotonic()
        seconds = round(min(now - self._since, IDLE))
        saved = self.store.record(
            self.here.sid,
            self.annotator,
            labels,
            status=status,
            action=action,
            seconds=seconds,
            **self._provenance(labels),
        )
        self._since = now
        self._seconds += seconds
        self._decisions += 1
        finished = ("done", "skipped")
        self._delta += (status in finished) - (before in finished)
        self._finished_one = status in finished and before not in finished
        self.labels = labels
        self.saved = saved
        self.suggestion = None
        self.projected = None

    def _provenance(self, labels: SentenceLabels) -> dict:
        """How a decision came about: `suggested` (or `projected`) when it keeps the suggestion
        (or the projection) as it is, else `manual`."""
        if self.suggestion is not None and labels == self.suggestion:
            return {"origin": "projected" if self.projected else "suggested"}
        if self.saved and self.saved.origin in ("suggested", "projected") and labels == self.labels:
            return {"origin": self.saved.origin}
        return {"origin": "manual"}

    def set_label(self, name: str, value: str) -> bool:
        """Set the mode or the claim and store it; the sentence stays (`accept` finishes it). With
        auto-advance, the key that fills the last empty label, when the annotator set every other
        one by hand on this visit, finishes the sentence and moves on; a finished sentence never
        moves by itself. Returns True when it advanced."""
        was_empty = getattr(self.labels, name) is None
        self._by_hand.add(name)
        labels = replace_labels(self.labels, **{name: value})
        finishing = (
            self.auto_advance
            and was_empty
            and not self._finished()
            and complete(labels)
            and self._by_hand.issuperset(("mode", "claim"))
        )
        self._store(labels, "done" if finishing else self._status())
        return finishing and self.advance()

    def set_block_type(self, value: str) -> bool:
        """Correct (or confirm) the block type. A teaser or boilerplate sentence needs no other
        label: choosing one finishes an open sentence and moves on (with auto-advance); returns
        True when it advanced."""
        labels = replace_labels(self.labels, block_type=None if value == self.here.block_type else value)
        finished = self._finished()
        finishing = (
            self.auto_advance and not finished and value not in LABELLED_BLOCK_TYPES and complete(labels)
        )
        self._store(labels, "done" if finishing or (finished and complete(labels)) else "todo")
        return finishing and self.advance()

    def toggle_flag(self, flag: Flag) -> None:
        flags = set(self.labels.flags) ^ {flag}
        self._store(replace_labels(self.labels, flags=sorted(flags)), self._status())

    def set_note(self, note: str) -> None:
        self._store(replace_labels(self.labels, note=note.strip() or None), self._status())

    def save_quote(self, quote: Quote, index: int | None = None) -> None:
        quotes = list(self.labels.quotes)
        if index is None:
            quotes.append(quote)
        else:
            quotes[index] = quote
        quotes.sort(key=lambda q: q.content[0].start)
        self._store(replace_labels(self.labels, quotes=quotes), self._status())

    def delete_quote(self, index: int) -> None:
        quotes = [q for i, q in enumerate(self.labels.quotes) if i != index]
        self._store(replace_labels(self.labels, quotes=quotes), self._status())

    def keep_quote(self) -> bool:
        """Keep the quote in focus (as `enter` will store it) and look at the next one; False
        when there is none left to look at."""
        if self.quote_focus >= len(self.labels.quotes):
            return False
        self.quote_focus += 1
        return True

    def drop_quote(self) -> int | None:
        """Remove the quote in focus (stored at once; undo brings it back); the next one takes
        its place in focus. Its number, or None when there is no quote in focus."""
        if self.quote_focus >= len(self.labels.quotes):
            return None
        dropped = self.quote_focus
        self.delete_quote(dropped)
        return dropped + 1

    def accept(self) -> bool:
        """Store what is shown as finished and move on; False (nothing stored) when the mode or
        the claim is still missing."""
        if not self.complete:
            return False
        self._store(self.labels, "done")
        self.advance()
        return True

    def skip(self) -> bool:
        self._store(self.labels, "skipped", action="skip")
        return self.advance()

    def undo(self) -> bool:
        """Revert the annotator's latest decision (wherever it was) and show its sentence."""
        undone = self.undone = self.store.undo(self.annotator)
        if undone is None:
            return False
        finished = ("done", "skipped")
        self._delta += (undone.status_after in finished) - (undone.status_before in finished)
        return self.go(self.store.sentence(undone.sid))

    def advance(self) -> bool:
        """On to the next sentence to do (else the next one); `all_done` says when the decision
        just made finished the last open sentence."""
        following = self._next_to_do()
        self.all_done = following is None and self._finished_one
        return self.go(following) or self.step(+1)

    def revisit_skipped(self) -> bool:
        """From now on "next to do" is the next skipped sentence: go to the first one."""
        self.revisiting = True
        return self.go(self.store.next_skipped(self.annotator, self.here.sid))

    def finished_counts(self) -> dict[str, int]:
        """How many sentences this annotator has done and skipped."""
        return self.store.status_counts(self.annotator)

    def _finished(self) -> bool:
        return self.saved is not None and self.saved.status in ("done", "skipped")

    def _status(self) -> Status:
        """Editing a finished sentence keeps it finished; an open one stays open."""
        return self.saved.status if self.saved and self._finished() else "todo"

    # what the screen shows
    def document_progress(self) -> tuple[int, int]:
        """(finished, total) in the current document."""
        return self.store.document_progress(self.here.doc_id, self.annotator)

    def progress(self) -> Progress:
        """Where the annotator is; the pace is sentences finished per hour of time on sentences
        this session (from its first minute on)."""
        doc_done, doc_total = self.document_progress()
        rate = (
            round(self._delta * 3600 / self._seconds, 1) if self._seconds >= 60 and self._delta > 0 else None
        )
        done, total = (self._counted[0] + self._delta, self._counted[1]) if self._counted else (None, None)
        return Progress(doc_done, doc_total, done, total, rate)

    def context(self, n: int = CONTEXT) -> Context:
        """Up to `n` sentences before and after the current one, in their document (the screen
        draws what fits)."""
        row = self.here
        window = self.store.window(row.sid, n, n)
        finished = self.store.finished_among([r.sid for r in window], self.annotator)
        pieces = [Piece(r.block, r.block_type, r.text, r.sid in finished) for r in window]
        i = next(k for k, r in enumerate(window) if r.sid == row.sid)
        if self._info is None or self._info[0] != row.doc_id:  # read once per document
            self._info = (row.doc_id, self.store.document_info(row.doc_id))
        cluster, size, title = self._info[1]
        return Context(title, pieces[:i], pieces[i + 1 :], cluster, size)

    def documents(self, query: str = "", limit: int = 200) -> list[DocumentProgress]:
        """Documents whose id contains `query`, with their progress."""
        return self.store.find_documents(query, self.annotator, limit)

    def speakers(self) -> list[str]:
        """Speakers already named in this article, for completion."""
        return self.store.speakers(self.here.doc_id, self.annotator)


def complete(labels: SentenceLabels) -> bool:
    """Mode and claim given, or a block type that takes no sentence labels (SCHEME §2)."""
    if labels.block_type is not None and labels.block_type not in LABELLED_BLOCK_TYPES:
        return True
    return labels.mode is not None and labels.claim is not None


def replace_labels(labels: SentenceLabels, **changes) -> SentenceLabels:
    from annotator.model import SentenceLabels

    return SentenceLabels.model_validate({**labels.model_dump(), **changes})
