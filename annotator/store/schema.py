"""Creating a store (its tables as store/tables.py defines them, the views, the tallies'
triggers), its version and the named forward migrations.

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

STORE_VERSION = 9

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
    from annotator.store import tables

    db.execute("ALTER TABLE documents RENAME TO all_documents")
    db.execute("ALTER TABLE sentences RENAME TO all_sentences")
    db.execute("CREATE INDEX sentences_at ON all_sentences(doc, start)")
    db.execute("CREATE TABLE pending_documents (doc INTEGER PRIMARY KEY, ingest TEXT NOT NULL)")
    for statement in tables.VIEWS:
        db.execute(statement)


def add_seconds(db: sqlite3.Connection) -> None:
    """5 → 6: the time an annotator spent on each sentence."""
    db.execute("ALTER TABLE labels ADD COLUMN seconds INTEGER")


# MIGRATIONS[n] turns a version-n store into version n + 1.
def add_tallies(db: sqlite3.Connection) -> None:
    """6 → 7: running tallies of the labels, kept by triggers (what the dashboard reads)."""
    _create(db, ["tallies", "tally_items"])
    tallies.fill_and_keep(db)


def add_sentence_keys(db: sqlite3.Connection) -> None:
    """7 → 8: every sentence's SCHEME §1 key, indexed (labels carried across near-duplicates)."""
    from annotator.corpus.text import sentence_hash

    db.create_function("sentence_hash", 1, sentence_hash, deterministic=True)
    db.execute("ALTER TABLE all_sentences ADD COLUMN skey INTEGER")
    db.execute("UPDATE all_sentences SET skey = sentence_hash(text)")
    db.execute("CREATE INDEX sentences_key ON all_sentences(skey, doc)")


def add_shares(db: sqlite3.Connection) -> None:
    """8 → 9: every document's and sentence's point of an overlap plan, stored, so that SQL on
    either backend tells who is served what (it was a Python function SQLite called per row)."""
    from annotator.assignment import share

    db.create_function("share", 1, share, deterministic=True)
    db.execute("ALTER TABLE all_documents ADD COLUMN share DOUBLE")
    db.execute("UPDATE all_documents SET share = share(doc_id)")
    db.execute("ALTER TABLE all_sentences ADD COLUMN share DOUBLE")
    db.execute(
        "UPDATE all_sentences SET share = share((SELECT d.doc_id FROM all_documents d"
        " WHERE d.doc = all_sentences.doc) || ':' || start || '-' || \"end\")"
    )


MIGRATIONS: dict[int, Callable[[sqlite3.Connection], None]] = {
    1: add_suggestions,
    2: add_provenance_and_splits,
    3: add_block_type_to_labels,
    4: add_pending_documents,
    5: add_seconds,
    6: add_tallies,
    7: add_sentence_keys,
    8: add_shares,
}


def add_shares_on_server(db) -> None:
    """8 → 9 on PostgreSQL (where version 8 was the first): the same columns, the shares
    computed here and written back, the views made again (PostgreSQL fixes a view's columns when
    it is made)."""
    from annotator.assignment import share
    from annotator.scheme import sentence_id
    from annotator.store import tables

    db.execute("DROP VIEW documents")
    db.execute("DROP VIEW sentences")
    for table in ("all_documents", "all_sentences"):
        db.execute(f"ALTER TABLE {table} ADD COLUMN share DOUBLE PRECISION")
    docs = db.execute("SELECT doc, doc_id FROM all_documents").fetchall()
    db.executemany(
        "UPDATE all_documents SET share = :share WHERE doc = :doc",
        [{"doc": doc, "share": share(doc_id)} for doc, doc_id in docs],
    )
    ids = dict(docs)
    rows = db.execute('SELECT sid, doc, start, "end" FROM all_sentences').fetchall()
    db.executemany(
        "UPDATE all_sentences SET share = :share WHERE sid = :sid",
        [{"sid": sid, "share": share(sentence_id(ids[doc], start, end))} for sid, doc, start, end in rows],
    )
    for statement in tables.VIEWS:
        db.execute(statement)
    # the events' labels are json, as the decisions' are: the server refuses what is not JSON
    db.execute("ALTER TABLE events ALTER COLUMN labels TYPE json USING CAST(labels AS json)")
    # a version-8 store was a copy, which nothing but db copy wrote: search's fold() and the
    # tallies' triggers come now that annotators write to it
    for statement in (*tables.POSTGRES_FUNCTIONS, *tallies.POSTGRES_TRIGGERS):
        db.execute(statement)


# SERVER_MIGRATIONS[n] turns a version-n PostgreSQL store into version n + 1.
SERVER_MIGRATIONS = {8: add_shares_on_server}


def create(db: sqlite3.Connection) -> None:
    from annotator.store import tables

    _create(db)
    for statement in tables.VIEWS:
        db.execute(statement)
    tallies.fill_and_keep(db)
    db.execute("INSERT INTO meta VALUES ('schema_version', ?)", (str(STORE_VERSION),))


def _create(db: sqlite3.Connection, names: list[str] | None = None) -> None:
    """The tables named (all by default), as store/tables.py defines them, in SQLite's DDL."""
    from sqlalchemy.dialects import sqlite

    from annotator.store import tables

    for statement in tables.ddl(sqlite.dialect(), names):
        db.execute(statement)


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


def check_readable(found: int, path: Path | str) -> None:
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
