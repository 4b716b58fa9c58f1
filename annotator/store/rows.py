"""What the store's reads return: typed rows (frozen dataclasses and named tuples), never bare tuples.

The labels inside a row are pydantic models, imported only by the reads that make them (see
Store.labels): a row type itself needs no pydantic.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, NamedTuple

from annotator.scheme import BlockType, Origin, Status, sentence_id

if TYPE_CHECKING:
    from annotator.model import SentenceLabels


@dataclass(frozen=True, slots=True)
class SentenceRow:
    sid: int
    doc_id: str
    pos: int
    block: int
    start: int
    end: int
    text: str
    block_type: BlockType  # the rules' type of its block

    @property
    def id(self) -> str:
        return sentence_id(self.doc_id, self.start, self.end)


@dataclass(frozen=True, slots=True)
class LabelRow:
    """The current state of one annotator's decision on one sentence."""

    sid: int
    annotator: str
    status: Status
    labels: SentenceLabels
    origin: Origin | None
    created_at: str
    updated_at: str
    derived_from: list[int] | None = None  # adjudicated labels: the events they were made from


@dataclass(frozen=True, slots=True)
class Undone:
    sid: int
    status_before: Status | None  # the sentence's status before the undo (None: no labels)
    status_after: Status | None


@dataclass
class IngestReport:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    sentences: int = 0
    labels_kept: int = 0
    labels_retired: int = 0
    cut: dict[str, int] = field(default_factory=dict)  # per document: sentences cut at MAX_SENTENCE


class Tally(NamedTuple):
    """Finished and total sentences to label (of a document, or of the corpus)."""

    done: int
    total: int


class TallyCell(NamedTuple):
    """One cell of the running tallies of the labels (store/tallies.py)."""

    annotator: str
    hour: str  # YYYY-MM-DDTHH of the last change
    status: str
    origin: str  # '' when none
    block_type: str
    mode: str  # '' when unset
    claim: str
    quotes: int  # 1: has quotes
    seconds: int  # lower bound of the seconds bucket, -1: not recorded
    changed: str  # fields changed from the suggestion, comma-joined; '-': there was none
    n: int
    quote_n: int
    seconds_sum: int
    timed: int


class DocumentRow(NamedTuple):
    doc_id: str
    path: str
    version: int
    cluster: str


class StoredDocument(NamedTuple):
    doc_id: str
    path: str
    text: str


class DocumentInfo(NamedTuple):
    cluster: str
    cluster_size: int  # documents in the cluster
    headline: str | None  # the text of its first headline sentence


class DocumentProgress(NamedTuple):
    doc_id: str
    done: int
    total: int
    title: str | None  # the text of its first headline block (GUIDELINES B2)


class FinishedDecision(NamedTuple):
    """A finished decision in an annotator's own layer, labels as stored (JSON)."""

    sid: int
    doc_id: str
    annotator: str
    block_type: BlockType  # the rules' type
    labels: str


class Version(NamedTuple):
    """One annotator's finished labels on a sentence, as a reviewer sees them."""

    annotator: str
    labels: SentenceLabels
    event_id: int  # the event that left the annotator's labels as they are


class TrainingRow(NamedTuple):
    text: str
    mode: str | None
    claim: str | None


class OpenSentence(NamedTuple):
    sid: int
    text: str


class Located(NamedTuple):
    """A sentence found by its document and offsets, with what an imported record must agree on."""

    sentence: SentenceRow
    doc_sha256: str
    cluster: str
    lang: str


# A row of the sentence browser by its place: (document, position, annotator or "").
BrowseKey = tuple[int, int, str]


class BrowseRow(NamedTuple):
    """One row of the sentence browser: a sentence and one annotator's decision on it (if any)."""

    key: BrowseKey
    sid: int
    id: str  # the sentence id, DOC:START-END
    doc_id: str
    pos: int
    text: str
    labelled: bool  # its block gets labels (not a teaser or boilerplate)
    annotator: str | None
    status: str | None  # None: no decision
    origin: str | None
    mode: str | None
    claim: str | None
    quotes: int
    flags: tuple[str, ...]
