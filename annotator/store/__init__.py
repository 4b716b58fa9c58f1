"""The store: documents, blocks, sentences, an append-only event log and current labels, in one
SQLite file (WAL mode, a busy timeout, synchronous=FULL) or in a PostgreSQL database (server.py);
`db copy` moves a project between them (transfer.py).

`Store` is the one façade every command and the screens use; its sections live in their own
modules, each building on the connection:

- connection.py  opening, transactions (`write()`), who is served what (overlap plans)
- server.py      the PostgreSQL connection: the same SQL, the writer lock, a lost server
- jsonsql.py     the JSON SQL SQLite and PostgreSQL spell differently
- tables.py      the tables, defined once for SQLite and PostgreSQL (SQLAlchemy Core)
- schema.py      creating a store from them, the store version, named forward migrations
- corpus.py      ingest writes: documents and their versions, blocks, sentences, clusters, suggestions
- reading.py     sentences in order, stepping, search, progress, current labels
- decisions.py   the decision log: record, undo, history, import
- reports.py     export records, splits, agreement and review rows, training rows, counts
- tallies.py     running tallies of the labels, kept by triggers
- figures.py     the dashboard's reads: the tallies, shared sentences
- browsing.py    the sentence browser's reads: filtered pages in corpus order, by key
- maintenance.py a full check of the store (`db check`) and a consistent copy (`db backup`)
- rows.py        the typed rows reads return
- location.py    where a store is: a path, sqlite:///path or postgresql://…
- transfer.py    db copy between backends (verified, all or nothing) and db info
"""

from __future__ import annotations

from annotator.store.browsing import BrowseFilter, Browsing
from annotator.store.corpus import CorpusWrites
from annotator.store.decisions import DecisionLog
from annotator.store.figures import Figures
from annotator.store.maintenance import Maintenance
from annotator.store.rows import (
    BrowseKey,
    BrowseRow,
    DocumentInfo,
    DocumentProgress,
    DocumentRow,
    FinishedDecision,
    IngestReport,
    LabelRow,
    Located,
    OpenSentence,
    SentenceRow,
    StoredDocument,
    Tally,
    TallyCell,
    TrainingRow,
    Undone,
    Version,
)
from annotator.store.schema import STORE_VERSION


class Store(CorpusWrites, DecisionLog, Figures, Maintenance, Browsing):
    """One open store (one connection): every read and write the tool makes."""


__all__ = [
    "BrowseFilter",
    "BrowseKey",
    "BrowseRow",
    "STORE_VERSION",
    "DocumentInfo",
    "DocumentProgress",
    "DocumentRow",
    "FinishedDecision",
    "IngestReport",
    "LabelRow",
    "Located",
    "OpenSentence",
    "SentenceRow",
    "Store",
    "StoredDocument",
    "Tally",
    "TallyCell",
    "TrainingRow",
    "Undone",
    "Version",
]
