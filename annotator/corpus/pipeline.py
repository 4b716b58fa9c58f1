"""From a document's text to what the corpus knows about it: blocks, types, sentences, fingerprint.

The suggestion engine's labels are added above this floor (annotator/ingest.py); `AnalysedDoc`
carries both to the store.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from annotator.corpus.blocktype import TypedBlock, type_blocks
from annotator.corpus.clusters import ARTICLE_TYPES, fingerprint
from annotator.corpus.reader import SourceDoc
from annotator.corpus.segment import BlockSpan, segment
from annotator.corpus.text import sha256

Parts = tuple[str, list[BlockSpan], list[TypedBlock], frozenset[int]]


@dataclass(frozen=True, slots=True)
class AnalysedDoc:
    source: SourceDoc
    sha256: str
    blocks: list[BlockSpan]
    types: list[TypedBlock]
    fingerprint: frozenset[int]
    suggestions: list[str | None] = field(default_factory=list)  # per sentence: labels JSON, or None
    engine: str | None = None  # the engine version that made the suggestions

    @property
    def doc_id(self) -> str:
        return self.source.doc_id

    @property
    def text(self) -> str:
        return self.source.text

    def sentences(self) -> Iterator[tuple[int, int, int]]:
        """(block index, start, end) of every sentence, in document order."""
        for b in self.blocks:
            for s, e in b.sentences:
                yield b.index, s, e


def parts(text: str) -> Parts:
    """(sha256, blocks with their sentences, block types, near-duplicate fingerprint)."""
    spans = segment(text)
    types = type_blocks([text[b.start : b.end] for b in spans])
    article = [
        text[b.start : b.end] for b, t in zip(spans, types, strict=True) if t.block_type in ARTICLE_TYPES
    ]
    return sha256(text), spans, types, fingerprint(article)


def analyse(doc: SourceDoc) -> AnalysedDoc:
    """The corpus analysis of one document, without suggestions."""
    return AnalysedDoc(doc, *parts(doc.text))
