"""From a source document to everything the store keeps about it: blocks, types, sentences."""

from __future__ import annotations

import os
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

from annotator.corpus.blocktype import TypedBlock, type_blocks
from annotator.corpus.clusters import ARTICLE_TYPES, fingerprint
from annotator.corpus.reader import SourceDoc
from annotator.corpus.segment import BlockSpan, segment
from annotator.corpus.text import sha256

_PARALLEL_FROM = 200  # documents; below this, starting worker processes costs more than it saves


@dataclass(frozen=True, slots=True)
class AnalysedDoc:
    source: SourceDoc
    sha256: str
    blocks: list[BlockSpan]
    types: list[TypedBlock]
    fingerprint: frozenset[int]
    suggestions: list[str | None]  # per sentence: the engine's labels as JSON, or None

    @property
    def doc_id(self) -> str:
        return self.source.doc_id

    @property
    def text(self) -> str:
        return self.source.text

    def sentences(self):
        """(block index, start, end) of every sentence, in document order."""
        for b in self.blocks:
            for s, e in b.sentences:
                yield b.index, s, e


def _parts(
    text: str, suggest: bool = True
) -> tuple[str, list[BlockSpan], list[TypedBlock], frozenset[int], list[str | None]]:
    spans = segment(text)
    types = type_blocks([text[b.start : b.end] for b in spans])
    article = [
        text[b.start : b.end] for b, t in zip(spans, types, strict=True) if t.block_type in ARTICLE_TYPES
    ]
    suggestions: list[str | None] = []
    if suggest:
        from annotator.suggest.engine import suggest_document

        suggestions = [s.labels for s in suggest_document(text, spans, types)]
    return sha256(text), spans, types, fingerprint(article), suggestions


def analyse(doc: SourceDoc, *, suggest: bool = True) -> AnalysedDoc:
    return AnalysedDoc(doc, *_parts(doc.text, suggest))


def analyse_all(docs: list[SourceDoc], *, suggest: bool = True) -> Iterator[AnalysedDoc]:
    """Analyse many documents (suggestions included), in order, on every core when there are
    enough of them."""
    workers = min(os.cpu_count() or 1, 8)
    if workers < 2 or len(docs) < _PARALLEL_FROM:
        yield from (analyse(d, suggest=suggest) for d in docs)
        return
    with ProcessPoolExecutor(workers) as pool:
        # Only the texts travel to the workers and only the analysis comes back.
        for doc, parts in zip(
            docs, pool.map(_parts, (d.text for d in docs), [suggest] * len(docs), chunksize=64), strict=True
        ):
            yield AnalysedDoc(doc, *parts)
