"""Adjudication: a reviewer steps through the sentences annotators disagree on (or every shared
one), sees each annotator's version, and takes one with a key or edits their own. The result is
the adjudicated layer: the reviewer's labels with origin `adjudicated` and the event ids of the
versions they were made from."""

from __future__ import annotations

from annotator.agreement import quote_key, same
from annotator.errors import UserError
from annotator.labelling.session import LabelSession
from annotator.model import SentenceLabels
from annotator.store import SentenceRow, Store, Version


def review_queue(store: Store, *, everything: bool = False, annotators: list[str] | None = None) -> list[int]:
    """Sentences (corpus order) finished by two or more annotators who disagree, or all such
    sentences with `everything`."""
    return list(_queue(store, everything, annotators))


def _queue(
    store: Store, everything: bool, annotators: list[str] | None, document: str | None = None
) -> dict[int, str]:
    """The review queue as sentence -> document id, in corpus order (of one document, if given)."""
    by_sid: dict[int, tuple[str, list[SentenceLabels]]] = {}
    for sid, doc_id, _, _, labels in store.finished_decisions(annotators):
        if document is not None and doc_id != document:
            continue
        by_sid.setdefault(sid, (doc_id, []))[1].append(SentenceLabels.model_validate_json(labels))
    return {
        sid: doc_id
        for sid, (doc_id, versions) in by_sid.items()
        if len(versions) >= 2 and (everything or any(not same(versions[0], v) for v in versions[1:]))
    }


class ReviewSession(LabelSession):
    """The labelling session of a reviewer: the queue is the disagreements, every decision is
    adjudicated and remembers the versions it came from."""

    def __init__(
        self,
        store: Store,
        reviewer: str,
        *,
        everything: bool = False,
        annotators: list[str] | None = None,
        document: str | None = None,
    ):
        if store.has_own_labels(reviewer):
            # verdicts are stored as the reviewer's labels: they would overwrite their own
            raise UserError(
                f"{reviewer} has labels of their own; review under another name (say {reviewer}-review)"
            )
        self._doc_of = _queue(store, everything, annotators, document)
        self.queue = list(self._doc_of)
        self._where = {sid: i for i, sid in enumerate(self.queue)}
        self.only = annotators
        self.versions: list[Version] = []
        super().__init__(store, reviewer, count=False)
        done = sum(1 for sid in self.queue if store.status(sid, reviewer) == "done")
        self.set_totals(done, len(self.queue))

    # where we are: the queue, not the corpus
    def resume(self) -> None:
        self.go(self._first_open(0) or (self.store.sentence(self.queue[0]) if self.queue else None))

    def _first_open(self, start: int) -> SentenceRow | None:
        """The first sentence from queue position `start` on (wrapping) not yet adjudicated."""
        n = len(self.queue)
        for k in range(n):
            sid = self.queue[(start + k) % n]
            if self.store.status(sid, self.annotator) != "done":
                return self.store.sentence(sid)
        return None

    def go(self, row: SentenceRow | None) -> bool:
        if not super().go(row):
            return False
        self.versions = self.store.versions(self.here.sid, self.annotator, self.only)
        self.suggestion = None  # a review starts from the annotators' versions, not the engine
        if self.saved is None:
            self.labels = self.agreed()
        return True

    def agreed(self) -> SentenceLabels:
        """What every version says: the fields they agree on (the others stay open), the flags
        and the quotes they all have."""
        if not self.versions:
            return SentenceLabels()
        first = self.versions[0].labels
        shared = self.shared_quotes()
        common_flags = set.intersection(*(set(v.labels.flags) for v in self.versions))
        return SentenceLabels(
            mode=None if self.differs("mode") else first.mode,
            claim=None if self.differs("claim") else first.claim,
            block_type=None if self.differs("block_type") else first.block_type,
            flags=[f for f in first.flags if f in common_flags],
            quotes=[q for q in first.quotes if quote_key(q) in shared],
        )

    def _position(self) -> int:
        return self._where.get(self.current.sid, -1) if self.current else -1

    def _next_to_do(self) -> SentenceRow | None:
        if not self.queue:
            return None
        return self._first_open(self._position() + 1)

    def step(self, direction: int) -> bool:
        i = self._position() + direction
        return 0 <= i < len(self.queue) and self.go(self.store.sentence(self.queue[i]))

    def step_document(self, direction: int) -> bool:
        doc = self.here.doc_id
        i = self._position() + direction
        while 0 <= i < len(self.queue):
            row = self.store.sentence(self.queue[i])
            if row is not None and row.doc_id != doc:
                return self.go(row)
            i += direction
        return False

    def document_progress(self) -> tuple[int, int]:
        """Verdicts / disagreements in the current document."""
        in_doc = [sid for sid in self.queue if self._doc_of[sid] == self.here.doc_id]
        done = sum(1 for sid in in_doc if self.store.status(sid, self.annotator) == "done")
        return done, len(in_doc)

    # decisions
    def _provenance(self, labels: SentenceLabels) -> dict:
        return {"origin": "adjudicated", "derived_from": [v.event_id for v in self.versions]}

    def take(self, index: int) -> bool:
        """Adopt version `index` as the adjudicated labels and move on; False when there is none."""
        if not 0 <= index < len(self.versions):
            return False
        self._store(self.versions[index].labels, "done")
        self.advance()
        return True

    # what differs
    def differs(self, field: str) -> bool:
        values = {
            tuple(getattr(v.labels, field)) if field == "flags" else getattr(v.labels, field)
            for v in self.versions
        }
        return len(values) > 1

    def differs_quotes(self) -> bool:
        return len({tuple(sorted(map(quote_key, v.labels.quotes))) for v in self.versions}) > 1

    def shared_quotes(self) -> set[tuple]:
        """Quotes every version has."""
        keys = [set(map(quote_key, v.labels.quotes)) for v in self.versions]
        return set.intersection(*keys) if keys else set()
