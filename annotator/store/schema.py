"""The store's schema, its version and the named forward migrations.

`prepare()` creates a fresh store or migrates an older one (a copy of the file is kept first); a
store written by a newer version is refused. A migration is a function of a connection inside the
migration's transaction; MIGRATIONS lists them by the version they start from.
"""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Callable
from pathlib import Path

from annotator.corpus.text import shown
from annotator.errors import UserError
from annotator.store import tallies

STORE_VERSION = 8

# An ingest stores its documents in short transactions, each listed in `pending_documents` until
# one short last transaction publishes them all (store/corpus.py). Every read goes through these
# views, so no reader sees a document of an ingest under way (or of one that failed or was
# killed); writes name the tables, and a write to a view fails loudly.
VISIBLE = (
    "CREATE TABLE pending_documents (doc INTEGER PRIMARY KEY, ingest TEXT NOT NULL)",
    "CREATE VIEW documents AS SELECT * FROM all_documents WHERE doc NOT IN (SELECT doc FROM pending_documents)",
    "CREATE VIEW sentences AS SELECT * FROM all_sentences WHERE doc NOT IN (SELECT doc FROM pending_documents)",
)

SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE all_documents (           -- read through the view `documents` (see VISIBLE)
    doc INTEGER PRIMARY KEY,            -- ingest order
    doc_id TEXT NOT NULL UNIQUE,
    path TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    version INTEGER NOT NULL,
    cluster TEXT NOT NULL,
    fp_size INTEGER NOT NULL DEFAULT 0, -- how many sampled shingles its fingerprint has
    text TEXT NOT NULL,
    ingested_at TEXT NOT NULL
);
CREATE INDEX documents_cluster ON all_documents(cluster);
CREATE TABLE document_versions (        -- earlier texts of changed documents, kept
    doc_id TEXT NOT NULL, version INTEGER NOT NULL, sha256 TEXT NOT NULL, text TEXT NOT NULL,
    ingested_at TEXT NOT NULL, PRIMARY KEY (doc_id, version)
);
CREATE TABLE blocks (
    doc INTEGER NOT NULL, idx INTEGER NOT NULL, start INTEGER NOT NULL, end INTEGER NOT NULL,
    block_type TEXT NOT NULL, lang TEXT NOT NULL, duplicate_of INTEGER,
    PRIMARY KEY (doc, idx)
) WITHOUT ROWID;
CREATE TABLE all_sentences (           -- read through the view `sentences`
    sid INTEGER PRIMARY KEY AUTOINCREMENT,  -- never reused: labels and events point here
    doc INTEGER NOT NULL, pos INTEGER NOT NULL, block INTEGER NOT NULL,
    start INTEGER NOT NULL, end INTEGER NOT NULL, text TEXT NOT NULL,
    labelled INTEGER NOT NULL,          -- 1 when its block type is one that gets labels
    skey INTEGER                        -- sentence_hash(text): the same sentence in another copy
);
CREATE UNIQUE INDEX sentences_order ON all_sentences(doc, pos);
CREATE INDEX sentences_key ON all_sentences(skey, doc);
CREATE INDEX sentences_at ON all_sentences(doc, start);  -- a record's sentence, by its offsets (import)
CREATE TABLE labels (                   -- current state per (sentence, annotator)
    sid INTEGER NOT NULL, annotator TEXT NOT NULL, status TEXT NOT NULL, labels TEXT NOT NULL,
    origin TEXT, created_at TEXT NOT NULL, updated_at TEXT NOT NULL,
    derived_from TEXT,                  -- adjudicated labels: JSON list of the event ids they came from
    seconds INTEGER,                    -- time on screen before the decisions (NULL: not recorded)
    PRIMARY KEY (sid, annotator)
) WITHOUT ROWID;
CREATE INDEX labels_annotator ON labels(annotator, sid);
CREATE TABLE retired_labels (           -- labels of sentences a new document version dropped
    sentence_id TEXT NOT NULL, doc_version INTEGER NOT NULL, annotator TEXT NOT NULL,
    status TEXT NOT NULL, labels TEXT NOT NULL, origin TEXT, created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL, retired_at TEXT NOT NULL
);
CREATE TABLE events (                   -- append-only: the audit trail and the undo history
    event_id INTEGER PRIMARY KEY,
    sid INTEGER NOT NULL, sentence_id TEXT NOT NULL, annotator TEXT NOT NULL,
    action TEXT NOT NULL, status TEXT NOT NULL, labels TEXT NOT NULL, origin TEXT,
    before TEXT,                        -- the labels row this event replaced (JSON), or NULL
    undoes INTEGER, undone_by INTEGER, at TEXT NOT NULL,
    derived_from TEXT
);
CREATE INDEX events_annotator ON events(annotator, event_id);
CREATE TABLE suggestions (              -- the engine's labels, apart from any annotator's
    sid INTEGER PRIMARY KEY, engine TEXT NOT NULL, labels TEXT NOT NULL
);
CREATE TABLE splits (                   -- frozen train/dev/test assignment of clusters or documents
    unit TEXT NOT NULL, key TEXT NOT NULL, split TEXT NOT NULL, PRIMARY KEY (unit, key)
) WITHOUT ROWID;
CREATE TABLE shingles (hash INTEGER NOT NULL, doc INTEGER NOT NULL);
CREATE INDEX shingles_hash ON shingles(hash);
CREATE INDEX shingles_doc ON shingles(doc);
""" + "".join(f"{statement};" for statement in VISIBLE)


# SentenceLabels() as JSON; written out because building the model's validator at import would
# slow the labelling screen's start (a test holds the two equal)
EMPTY_LABELS = '{"mode":null,"claim":null,"quotes":[],"flags":[],"note":null,"block_type":null}'


def add_suggestions(db: sqlite3.Connection) -> None:
    """1 → 2: the engine's suggestions (empty until `suggest --refresh` or the next ingest)."""
    db.execute(
        "CREATE TABLE suggestions (sid INTEGER PRIMARY KEY, engine TEXT NOT NULL, labels TEXT NOT NULL)"
    )


def add_provenance_and_splits(db: sqlite3.Connection) -> None:
    """2 → 3: provenance of adjudicated labels, frozen splits."""
    db.execute("ALTER TABLE labels ADD COLUMN derived_from TEXT")
    db.execute("ALTER TABLE events ADD COLUMN derived_from TEXT")
    db.execute(
        "CREATE TABLE splits (unit TEXT NOT NULL, key TEXT NOT NULL, split TEXT NOT NULL,"
        " PRIMARY KEY (unit, key)) WITHOUT ROWID"
    )


def add_block_type_to_labels(db: sqlite3.Connection) -> None:
    """3 → 4: labels gain `block_type` (null), last, where the model now writes it."""
    for table in ("labels", "suggestions", "retired_labels"):
        db.execute(f"UPDATE {table} SET labels = json_set(labels, '$.block_type', NULL)")


def add_pending_documents(db: sqlite3.Connection) -> None:
    """4 → 5: documents and sentences are read through views that hide an ingest under way;
    sentences are found by their offsets."""
    db.execute("ALTER TABLE documents RENAME TO all_documents")
    db.execute("ALTER TABLE sentences RENAME TO all_sentences")
    db.execute("CREATE INDEX sentences_at ON all_sentences(doc, start)")
    for statement in VISIBLE:
        db.execute(statement)


def add_seconds(db: sqlite3.Connection) -> None:
    """5 → 6: the time an annotator spent on each sentence."""
    db.execute("ALTER TABLE labels ADD COLUMN seconds INTEGER")


# MIGRATIONS[n] turns a version-n store into version n + 1.
def add_tallies(db: sqlite3.Connection) -> None:
    """6 → 7: running tallies of the labels, kept by triggers (what the dashboard reads)."""
    tallies.create(db)


def add_sentence_keys(db: sqlite3.Connection) -> None:
    """7 → 8: every sentence's SCHEME §1 key, indexed (labels carried across near-duplicates)."""
    from annotator.corpus.text import sentence_hash

    db.create_function("sentence_hash", 1, sentence_hash, deterministic=True)
    db.execute("ALTER TABLE all_sentences ADD COLUMN skey INTEGER")
    db.execute("UPDATE all_sentences SET skey = sentence_hash(text)")
    db.execute("CREATE INDEX sentences_key ON all_sentences(skey, doc)")


MIGRATIONS: dict[int, Callable[[sqlite3.Connection], None]] = {
    1: add_suggestions,
    2: add_provenance_and_splits,
    3: add_block_type_to_labels,
    4: add_pending_documents,
    5: add_seconds,
    6: add_tallies,
    7: add_sentence_keys,
}


def create(db: sqlite3.Connection) -> None:
    for statement in SCHEMA.split(";"):
        if statement.strip():
            db.execute(statement)
    tallies.create(db)
    db.execute("INSERT INTO meta VALUES ('schema_version', ?)", (str(STORE_VERSION),))


def version(db: sqlite3.Connection, path: Path) -> int | None:
    """The store version of an open file (None: an empty file, to be created)."""
    if not db.execute("SELECT 1 FROM sqlite_master WHERE name='meta'").fetchone():
        if db.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]:
            raise UserError(f"{path}: an SQLite file that is not an annotator store")
        return None
    row = db.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
    try:
        return int(row[0])
    except (TypeError, ValueError):
        raise UserError(
            f"{shown(path)}: the store's version row is damaged ({row[0] if row else 'missing'!r});"
            " restore a backup"
        ) from None


def check_readable(found: int, path: Path) -> None:
    if found > STORE_VERSION:
        raise UserError(
            f"{path}: written by a newer annotator (store version {found}, this one reads "
            f"up to {STORE_VERSION}); upgrade annotator"
        )


def backup(db: sqlite3.Connection, path: Path, found: int) -> Path:
    """A copy of the whole store (the write-ahead log folded in first), kept beside it."""
    kept = path.with_name(f"{path.name}.v{found}.bak")
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    shutil.copy2(path, kept)
    return kept


def migrate(db: sqlite3.Connection, found: int) -> None:
    """Run every migration from version `found` up (inside the caller's transaction)."""
    while found < STORE_VERSION:
        MIGRATIONS[found](db)
        found += 1
    db.execute("UPDATE meta SET value=? WHERE key='schema_version'", (str(found),))
