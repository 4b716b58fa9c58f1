"""From a source document to everything the store keeps about it: blocks, types, sentences."""

from __future__ import annotations

from dataclasses import dataclass

from annotator.corpus.blocktype import TypedBlock, type_blocks
from annotator.corpus.clusters import ARTICLE_TYPES, fingerprint
from annotator.corpus.reader import SourceDoc
from annotator.corpus.segment import BlockSpan, segment
from annotator.corpus.text import sha256


@dataclass(frozen=True, slots=True)
class AnalysedDoc:
    source: SourceDoc
    sha256: str
    blocks: list[BlockSpan]
    types: list[TypedBlock]
    fingerprint: frozenset[int]

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


def analyse(doc: SourceDoc) -> AnalysedDoc:
    text = doc.text
    spans = segment(text)
    types = type_blocks([text[b.start : b.end] for b in spans])
    article = [
        text[b.start : b.end] for b, t in zip(spans, types, strict=True) if t.block_type in ARTICLE_TYPES
    ]
    return AnalysedDoc(doc, sha256(text), spans, types, fingerprint(article))
