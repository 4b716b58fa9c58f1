"""The annotation scheme's vocabulary (SCHEME.md): label values, block types, sentence ids.

Plain Python, importable without pydantic: the labelling screen paints its first sentence with
these alone, and model.py builds the records on them.
"""

from __future__ import annotations

from typing import Literal

BlockType = Literal["headline", "body", "caption", "comment", "teaser", "boilerplate"]
Mode = Literal["reporting", "commentary", "none"]
Claim = Literal["none", "factual", "checkworthy"]
QuoteType = Literal["direct", "indirect", "mixed"]
Flag = Literal["mt_noise", "attribution_dropped", "uncertain"]
Origin = Literal["manual", "suggested", "adjudicated"]
Status = Literal["done", "skipped", "todo"]
Split = Literal["train", "dev", "test"]

# Block types whose sentences are annotated (SCHEME.md §2); the others are skipped when stepping.
LABELLED_BLOCK_TYPES: tuple[BlockType, ...] = ("headline", "body", "caption", "comment")


def sentence_id(doc_id: str, start: int, end: int) -> str:
    return f"{doc_id}:{start}-{end}"
