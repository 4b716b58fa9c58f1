"""Labels carried across near-duplicates: a sentence whose normalised text (SCHEME §1: NBSP →
space, ’ → ', whitespace collapsed, casefolded) equals one the annotator finished in another
document of the same story cluster gets that decision, its spans re-based onto its own text, with
origin `projected`. Sentences that differ anywhere, even inside a quote, get nothing."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from annotator.corpus.text import collapsed, sentence_key

if TYPE_CHECKING:
    from annotator.model import SentenceLabels
    from annotator.store import Store


def rebase(labels: SentenceLabels, source: str, target: str) -> SentenceLabels | None:
    """`labels` of the sentence `source`, with every span moved onto the same words of `target`
    (a sentence of the same key); None when a span cannot be carried over exactly."""
    from annotator.model import Quote, Span

    if source == target:
        return labels
    src, src_at = collapsed(source)
    dst, dst_at = collapsed(target)
    if len(src) != len(dst) or src.casefold() != dst.casefold():
        return None
    src_index = {raw: k for k, raw in enumerate(src_at)}

    def moved(span: Span | None) -> Span | None:
        if span is None:
            return None
        first, last = src_index.get(span.start), src_index.get(span.end - 1)
        if first is None or last is None:
            return None  # a span that starts or ends on a collapsed space
        start, end = dst_at[first], dst_at[last] + 1
        return Span(start=start, end=end, text=target[start:end])

    quotes = []
    for q in labels.quotes:
        content = [moved(s) for s in q.content]
        cue, source_span = moved(q.cue), moved(q.source)
        if None in content or (q.cue and cue is None) or (q.source and source_span is None):
            return None
        quotes.append(Quote(type=q.type, content=content, cue=cue, source=source_span, speaker=q.speaker))
    out = labels.model_copy(update={"quotes": quotes})
    try:
        out.check(target)
    except ValueError:
        return None
    return out


@dataclass(frozen=True, slots=True)
class Projection:
    labels: SentenceLabels
    doc_id: str  # where the decision comes from
    number: int  # its sentence's number in that document, from 1

    @property
    def source(self) -> str:
        return f"as in {self.doc_id}, sentence {self.number}"


def projection(store: Store, sid: int, annotator: str) -> Projection | None:
    """The annotator's finished decision on the same sentence in another document of the story
    cluster, re-based onto this one; None when there is none."""
    from annotator.model import SentenceLabels

    here = store.sentence(sid)
    if here is None:
        return None
    key = sentence_key(here.text)
    for doc_id, pos, text, labels in store.cluster_decisions(sid, annotator):
        if sentence_key(text) == key:  # not only the same hash
            carried = rebase(SentenceLabels.model_validate_json(labels), text, here.text)
            if carried is not None:
                return Projection(carried, doc_id, pos + 1)
    return None


def project_all(store: Store, annotator: str) -> int:
    """Every sentence the annotator has not seen that has a projection gets it as a pending
    decision (status todo, origin projected); how many did."""
    done = 0
    for sid in store.unseen_in_clusters(annotator):
        found = projection(store, sid, annotator)
        if found is not None:
            store.record(sid, annotator, found.labels, status="todo", origin="projected", action="project")
            done += 1
    return done
