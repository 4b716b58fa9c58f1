"""The store's tables, defined once (SQLAlchemy Core) for every backend: SQLite's DDL and
PostgreSQL's are both generated from `METADATA`.

Imported only where a store is created, migrated or copied: the screens open a store without it.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    Double,
    Index,
    Integer,
    MetaData,
    Table,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.schema import CreateIndex, CreateTable
from sqlalchemy.sql.ddl import DDLElement
from sqlalchemy.types import UserDefinedType

from annotator.corpus.text import APOSTROPHES, COMBINING_MARKS
from annotator.store.tallies import KEY as TALLY_KEY

METADATA = MetaData()


def _int(name: str, *, nullable: bool = False, **kw) -> Column:
    return Column(name, Integer, nullable=nullable, **kw)


def _big(name: str, *, nullable: bool = False) -> Column:
    """A 64-bit hash (SQLite's INTEGER holds 64 bits, PostgreSQL's holds 32)."""
    return Column(name, BigInteger().with_variant(Integer, "sqlite"), nullable=nullable)


def _share() -> Column:
    """Its point of an overlap plan (assignment.share of its id): who is served it, in SQL."""
    return Column("share", Double, nullable=True)


def _text(name: str, *, nullable: bool = False, **kw) -> Column:
    return Column(name, Text, nullable=nullable, **kw)


class _Json(UserDefinedType):
    """PostgreSQL's `json`: the text as written (unlike `jsonb`), which its JSON operators read.
    No conversion on the way in or out: the store writes and reads the JSON text itself."""

    cache_ok = True

    def get_col_spec(self, **kw) -> str:
        return "JSON"


def _json(name: str) -> Column:
    """Labels as JSON text: TEXT on SQLite (whose JSON functions read text), json on PostgreSQL."""
    return Column(name, Text().with_variant(_Json(), "postgresql"), nullable=False)


Table("meta", METADATA, _text("key", primary_key=True), _text("value"))

Table(  # read through the view `documents` (see VIEWS)
    "all_documents",
    METADATA,
    _int("doc", primary_key=True, autoincrement=True),  # ingest order
    _text("doc_id"),
    _text("path"),
    _text("sha256"),
    _int("version"),
    _text("cluster"),
    _int("fp_size", server_default=text("0")),  # how many sampled shingles its fingerprint has
    _text("text"),
    _text("ingested_at"),
    _share(),
    UniqueConstraint("doc_id"),
    Index("documents_cluster", "cluster"),
)

Table(  # earlier texts of changed documents, kept
    "document_versions",
    METADATA,
    _text("doc_id", primary_key=True),
    _int("version", primary_key=True, autoincrement=False),
    _text("sha256"),
    _text("text"),
    _text("ingested_at"),
)

Table(
    "blocks",
    METADATA,
    _int("doc", primary_key=True, autoincrement=False),
    _int("idx", primary_key=True, autoincrement=False),
    _int("start"),
    _int("end"),
    _text("block_type"),
    _text("lang"),
    _int("duplicate_of", nullable=True),
    sqlite_with_rowid=False,
)

Table(  # read through the view `sentences`
    "all_sentences",
    METADATA,
    _int("sid", primary_key=True, autoincrement=True),  # never reused: labels and events point here
    _int("doc"),
    _int("pos"),
    _int("block"),
    _int("start"),
    _int("end"),
    _text("text"),
    _int("labelled"),  # 1 when its block type is one that gets labels
    _big("skey", nullable=True),  # sentence_hash(text): the same sentence in another copy
    _share(),
    Index("sentences_order", "doc", "pos", unique=True),
    Index("sentences_key", "skey", "doc"),
    Index("sentences_at", "doc", "start"),  # a record's sentence, by its offsets (import)
    sqlite_autoincrement=True,
)

Table(  # current state per (sentence, annotator)
    "labels",
    METADATA,
    _int("sid", primary_key=True, autoincrement=False),
    _text("annotator", primary_key=True),
    _text("status"),
    _json("labels"),
    _text("origin", nullable=True),
    _text("created_at"),
    _text("updated_at"),
    _text("derived_from", nullable=True),  # adjudicated labels: JSON list of the event ids they came from
    _int("seconds", nullable=True),  # time on screen before the decisions (NULL: not recorded)
    Index("labels_annotator", "annotator", "sid"),
    sqlite_with_rowid=False,
)

Table(  # labels of sentences a new document version dropped
    "retired_labels",
    METADATA,
    _text("sentence_id"),
    _int("doc_version"),
    _text("annotator"),
    _text("status"),
    _text("labels"),
    _text("origin", nullable=True),
    _text("created_at"),
    _text("updated_at"),
    _text("retired_at"),
)

Table(  # append-only: the audit trail and the undo history
    "events",
    METADATA,
    _int("event_id", primary_key=True, autoincrement=True),
    _int("sid"),
    _text("sentence_id"),
    _text("annotator"),
    _text("action"),
    _text("status"),
    _json("labels"),
    _text("origin", nullable=True),
    _text("before", nullable=True),  # the labels row this event replaced (JSON), or NULL
    _int("undoes", nullable=True),
    _int("undone_by", nullable=True),
    _text("at"),
    _text("derived_from", nullable=True),
    Index("events_annotator", "annotator", "event_id"),
)

Table(  # the engine's labels, apart from any annotator's
    "suggestions",
    METADATA,
    _int("sid", primary_key=True, autoincrement=False),
    _text("engine"),
    _json("labels"),
)

Table(  # frozen train/dev/test assignment of clusters or documents
    "splits",
    METADATA,
    _text("unit", primary_key=True),
    _text("key", primary_key=True),
    _text("split"),
    sqlite_with_rowid=False,
)

Table(
    "shingles",
    METADATA,
    _big("hash"),
    _int("doc"),
    Index("shingles_hash", "hash"),
    Index("shingles_doc", "doc"),
)

# An ingest stores its documents in short transactions, each listed here until one short last
# transaction publishes them all (store/corpus.py).
Table(
    "pending_documents",
    METADATA,
    _int("doc", primary_key=True, autoincrement=False),
    _text("ingest"),
)

Table(  # the labels grouped, kept by triggers (tallies.py); the triggers insert by position
    "tallies",
    METADATA,
    *(
        _int(k, primary_key=True, autoincrement=False)
        if k in ("quotes", "seconds")
        else _text(k, primary_key=True)
        for k in TALLY_KEY
    ),
    _int("n"),
    _int("quote_n"),
    _int("seconds_sum"),
    _int("timed"),
    sqlite_with_rowid=False,
)

Table(
    "tally_items",
    METADATA,
    *(_text(k, primary_key=True) for k in ("annotator", "status", "origin", "block_type", "kind", "value")),
    _int("n"),
    sqlite_with_rowid=False,
)

# Every read goes through these views, so no reader sees a document of an ingest under way (or of
# one that failed or was killed); writes name the tables, and a write to a view fails loudly.
VIEWS = (
    "CREATE VIEW documents AS SELECT * FROM all_documents WHERE doc NOT IN (SELECT doc FROM pending_documents)",
    "CREATE VIEW sentences AS SELECT * FROM all_sentences WHERE doc NOT IN (SELECT doc FROM pending_documents)",
)


# What a PostgreSQL store has besides: search's folding (corpus.text.fold, which SQLite calls in
# Python), written from the same marks and apostrophes. lower() under ICU's root collation folds
# case as casefold() does, but for casefold's ß → ss and its one sigma (ICU writes a word's last
# as ς), made here.
def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


_TRANSLATED = {**APOSTROPHES, "ς": "σ"}
POSTGRES_FUNCTIONS = (
    "CREATE FUNCTION fold(t text) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE RETURN"
    " regexp_replace(translate(replace(lower("
    f"regexp_replace(normalize(t, NFKD), {_literal(COMBINING_MARKS + '+')}, '', 'g')"
    " COLLATE \"und-x-icu\"), 'ß', 'ss'),"
    f" {_literal(''.join(_TRANSLATED))}, {_literal(''.join(_TRANSLATED.values()))}),"
    r" '\s+', ' ', 'g')",
)

# The tables in the order a copy fills them, and what orders their rows (a digest reads them so).
TABLES = list(METADATA.tables)


def row_order(name: str) -> list[str]:
    """The columns that order a table's rows the same on every backend: its primary key, else
    all its columns."""
    table = METADATA.tables[name]
    return [c.name for c in table.primary_key.columns] or [c.name for c in table.columns]


def create_postgres(conn, *, triggers: bool) -> None:
    """Every table, view and function of a store in an empty PostgreSQL database (an SQLAlchemy
    connection, in the caller's transaction); the tallies' trigger too, unless the caller fills
    the tallies itself first (db copy)."""
    from annotator.store.tallies import POSTGRES_TRIGGERS

    METADATA.create_all(conn)
    for statement in (*VIEWS, *POSTGRES_FUNCTIONS, *(POSTGRES_TRIGGERS if triggers else ())):
        conn.execute(text(statement))


def ddl(dialect, names: list[str] | None = None) -> list[str]:
    """CREATE TABLE and CREATE INDEX statements of the tables named (all by default) for a dialect."""
    statements: list[DDLElement] = []
    for name in names or TABLES:
        table = METADATA.tables[name]
        statements.append(CreateTable(table))
        statements.extend(CreateIndex(index) for index in sorted(table.indexes, key=lambda i: str(i.name)))
    return [str(statement.compile(dialect=dialect)).strip() for statement in statements]
