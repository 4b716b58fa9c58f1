"""Pydantic models: the one source of truth for every record the tool reads or writes.

The JSON Schemas in schemas/ are generated from these models (`annotator schema`). The label
values and block types they use are the scheme's vocabulary, in scheme.py.
Offsets are 0-based, end-exclusive code-point indices (SCHEME.md §1). Spans inside labels are
relative to the sentence text; record `start`/`end` are offsets into the document text.

Mirrors: three hot paths write these records' JSON without building the models, for speed, and a
test holds each to the model's own bytes. The store builds export records in SQL
(`store/reports.py`, `Reports.export_json`; pinned by
`tests/test_export.py::test_lines_are_exactly_what_pydantic_serialises`, and every line still
passes the model before it is written); the store writes empty labels as a constant
(`store/schema.py`, `EMPTY_LABELS`; `tests/test_store.py::test_empty_labels_constant_is_the_model_default`);
the suggestion engine writes `SentenceLabels` JSON with orjson (`suggest/engine.py`;
`tests/test_suggest.py::test_engine_writes_the_models_own_json`). Add or reorder a field here and
those three tests say where else to change it.
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, model_validator

from annotator.scheme import BlockType, Claim, Flag, Mode, Origin, QuoteType, Split, Status, sentence_id

# 2: labels.block_type (an annotator's block type), derived_from, manifest format and unit.
# 3: seconds (the time an annotator spent on the sentence).
# 4: origin `projected` (a decision carried from the same sentence in another copy of the story).
# Older records still validate and import (the new fields take their defaults).
SCHEMA_VERSION: Literal[4] = 4

NonNegative = Annotated[int, Field(ge=0)]


class Record(BaseModel):
    # defer_build: a validator is built on first use, so starting the labelling screen does not pay
    # for the export and schema models it never touches.
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)


class Span(Record):
    """A stretch of text; `text` must equal the slice it points to."""

    start: NonNegative
    end: NonNegative
    text: str

    @model_validator(mode="after")
    def _consistent(self) -> Span:
        if self.end <= self.start:
            raise ValueError(f"span end {self.end} must be greater than start {self.start}")
        if len(self.text) != self.end - self.start:
            raise ValueError(f"span text has {len(self.text)} characters but covers {self.end - self.start}")
        return self

    def check(self, within: str, what: str) -> None:
        if self.end > len(within):
            raise ValueError(f"{what} {self.start}-{self.end} runs past the end of the text ({len(within)})")
        if within[self.start : self.end] != self.text:
            raise ValueError(
                f"{what} {self.start}-{self.end} is {within[self.start : self.end]!r}, not {self.text!r}"
            )


class Quote(Record):
    """One attribution (SCHEME.md §4): content spans, cue, source and the canonical speaker."""

    type: QuoteType
    content: list[Span] = Field(min_length=1)
    cue: Span | None = None
    source: Span | None = None
    speaker: str | None = None

    @model_validator(mode="after")
    def _ordered(self) -> Quote:
        for a, b in zip(self.content, self.content[1:], strict=False):
            if b.start < a.end:
                raise ValueError("content spans must be in order and must not overlap")
        return self

    def spans(self) -> list[tuple[str, Span]]:
        out = [("content", s) for s in self.content]
        if self.cue:
            out.append(("cue", self.cue))
        if self.source:
            out.append(("source", self.source))
        return out


class SentenceLabels(Record):
    """What an annotator says about one sentence (SCHEME.md §3)."""

    mode: Mode | None = None
    claim: Claim | None = None
    quotes: list[Quote] = Field(default_factory=list)
    flags: list[Flag] = Field(default_factory=list)
    note: str | None = None
    # Last, so that labels stored before it existed gain it where pydantic would write it.
    block_type: BlockType | None = Field(
        None,
        description="the annotator's block type when it differs from the rules' (null: confirmed as pre-filled)",
    )

    @model_validator(mode="after")
    def _flags_are_a_set(self) -> SentenceLabels:
        flags = self.flags
        if len(flags) > 1 and flags != sorted(set(flags)):  # none or one flag is a set already
            raise ValueError("flags must be sorted and unique")
        return self

    def check(self, text: str) -> None:
        """Raise ValueError when a span does not point into `text` (the sentence)."""
        for n, quote in enumerate(self.quotes):
            for role, span in quote.spans():
                span.check(text, f"quote {n + 1} {role}")


class Document(Record):
    doc_id: str = Field(min_length=1)
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    path: str
    version: int = Field(ge=1)
    cluster: str
    text: str


class Block(Record):
    doc_id: str
    index: NonNegative
    start: NonNegative
    end: NonNegative
    block_type: BlockType
    lang: str
    duplicate_of: NonNegative | None = None


class Sentence(Record):
    id: str
    doc_id: str
    block: NonNegative
    start: NonNegative
    end: NonNegative
    text: str


def _check_length(text: str, start: int, end: int) -> None:
    if len(text) != end - start:
        raise ValueError(f"text has {len(text)} characters but start-end covers {end - start}")


class SegmentLine(Record):
    """One line of `annotator segment`."""

    doc_id: str
    block: NonNegative
    block_type: BlockType
    start: NonNegative
    end: NonNegative
    text: str


class SuggestionLine(Record):
    """One line of `annotator suggest`: the engine's labels for a sentence (spans relative to
    `text`; `mode`/`claim` are null when the engine has no opinion)."""

    doc_id: str
    block: NonNegative
    block_type: BlockType
    lang: str
    start: NonNegative
    end: NonNegative
    text: str
    mode: Mode | None
    claim: Claim | None
    quotes: list[Quote]

    @model_validator(mode="after")
    def _consistent(self) -> SuggestionLine:
        _check_length(self.text, self.start, self.end)
        SentenceLabels(quotes=self.quotes).check(self.text)
        return self


class Event(Record):
    """One entry of the append-only event log: the audit trail and the undo history."""

    event_id: int
    sentence_id: str
    annotator: str
    action: Literal["label", "skip", "undo", "import"]
    status: Status
    labels: SentenceLabels
    origin: Origin | None
    undoes: int | None = None
    at: datetime


class ExportRecord(Record):
    """One sentence as exported (and imported): the training example."""

    schema_version: Literal[1, 2, 3, 4] = SCHEMA_VERSION
    id: str
    doc_id: str = Field(min_length=1)
    doc_sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    cluster: str
    block: NonNegative
    block_type: BlockType
    lang: str
    start: NonNegative
    end: NonNegative
    text: str
    labels: SentenceLabels
    status: Status
    annotator: str | None
    origin: Origin | None
    created_at: datetime | None
    updated_at: datetime | None
    derived_from: list[int] | None = Field(
        None,
        description="adjudicated records: the store's event ids of the annotators' decisions it was made from",
    )
    seconds: NonNegative | None = Field(
        None,
        description="time the annotator's screen showed the sentence before their decisions, in whole "
        "seconds, each pause between two keys counted up to 3 minutes (null: not recorded)",
    )
    split: Split | None = None

    @model_validator(mode="after")
    def _consistent(self) -> ExportRecord:
        if self.id != sentence_id(self.doc_id, self.start, self.end):
            raise ValueError(f"id {self.id!r} does not match doc_id, start and end")
        _check_length(self.text, self.start, self.end)
        if self.labels.quotes:
            self.labels.check(self.text)
        if self.status != "todo" and self.annotator is None:
            raise ValueError(f"a {self.status} record needs an annotator")
        return self


class Manifest(Record):
    schema_version: Literal[4] = SCHEMA_VERSION
    tool_version: str
    created_at: datetime
    format: Literal["jsonl", "hf", "spacy", "iob"] = "jsonl"
    files: dict[str, str] = Field(description="file name -> sha256 of its bytes")
    records: int
    counts: dict[str, dict[str, int]] = Field(
        description="per status, split, annotator, origin, block_type, mode, claim, quotes and flags"
    )
    split: dict[str, int] | None = Field(None, description="the split percentages in force, when split")
    seed: int | None = None
    unit: Literal["cluster", "document"] | None = Field(None, description="what a split keeps whole")


@cache
def _timestamps() -> TypeAdapter[datetime]:
    return TypeAdapter(datetime)  # built on first use: 27 ms that starting the screen does not need


def timestamp(value: datetime | None) -> str | None:
    """A time in the exact form exports serialise it, so that export → import → export is the identity."""
    return None if value is None else _timestamps().dump_python(value, mode="json")


def now() -> str:
    return _timestamps().dump_python(datetime.now(UTC), mode="json")


# The record types written to schemas/ (file name -> model).
SCHEMAS: dict[str, type[Record]] = {
    "document": Document,
    "block": Block,
    "sentence": Sentence,
    "segment_line": SegmentLine,
    "suggestion_line": SuggestionLine,
    "span": Span,
    "quote": Quote,
    "sentence_labels": SentenceLabels,
    "event": Event,
    "export_record": ExportRecord,
    "manifest": Manifest,
}
