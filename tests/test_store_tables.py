"""The one schema definition (store/tables.py) writes the SQLite store the hand-written schema did,
and PostgreSQL's DDL comes from the same definition."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sqlalchemy.dialects import postgresql

from annotator.store import Store, schema, tables

FIXTURES = Path(__file__).parent / "fixtures"


def shape(db: sqlite3.Connection) -> dict:
    """What a store's schema does, independent of how its DDL is spelled."""
    out: dict = {}
    for kind, name, sql in db.execute(
        "SELECT type, name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY name"
    ):
        if kind == "table":
            # a key column is NOT NULL in the definition (as PostgreSQL has it); SQLite's
            # hand-written keys left it implicit
            columns = [
                (row[1], row[2], row[3] or row[5] > 0, row[4], row[5])
                for row in db.execute(f"PRAGMA table_xinfo({name})")
            ]
            indexes = sorted(
                (row[2], row[3], tuple(c[2] for c in db.execute(f"PRAGMA index_info('{row[1]}')")))
                for row in db.execute(f"PRAGMA index_list({name})")
            )
            rowid = "WITHOUT ROWID" not in sql.upper()
            out[name] = (kind, columns, indexes, rowid, "AUTOINCREMENT" in sql.upper())
        elif kind in ("view", "trigger"):
            out[name] = (kind, " ".join(sql.split()))
        else:
            out[name] = (kind,)
    return out


def test_a_fresh_store_has_the_shape_of_the_hand_written_schema(tmp_path):
    with Store(tmp_path / "new.db") as s:
        new = shape(s.db)
    old = sqlite3.connect(tmp_path / "old.db")
    old.executescript((FIXTURES / "store_v8_schema.sql").read_text("utf-8"))
    schema.add_shares(old)  # 8 → 9
    assert new == shape(old)
    assert set(tables.TABLES) | {"documents", "sentences"} <= set(new)


def test_integer_keys_are_row_ids_that_number_themselves(tmp_path):
    """`doc`, `sid` and `event_id` are SQLite row ids: an insert without one gets the next."""
    with Store(tmp_path / "s.db") as s, s.write() as db:
        db.execute(
            "INSERT INTO all_documents (doc_id, path, sha256, version, cluster, text, ingested_at)"
            " VALUES ('a', 'a', '', 1, 'a', '', '')"
        )
        db.execute(
            "INSERT INTO all_sentences (doc, pos, block, start, end, text, labelled)"
            " VALUES (1, 0, 0, 0, 0, '', 1)"
        )
        assert db.execute("SELECT doc, rowid FROM all_documents").fetchall() == [(1, 1)]
        assert db.execute("SELECT sid, rowid FROM all_sentences").fetchall() == [(1, 1)]


def test_postgresql_ddl_comes_from_the_same_definition():
    statements = "\n".join(tables.ddl(postgresql.dialect()))
    assert "sid SERIAL NOT NULL" in statements  # numbered by the server
    assert "skey BIGINT" in statements and "hash BIGINT NOT NULL" in statements  # 64-bit hashes
    assert "CREATE UNIQUE INDEX sentences_order ON all_sentences (doc, pos)" in statements
    assert "WITHOUT ROWID" not in statements
    assert tables.row_order("labels") == ["sid", "annotator"]
    assert tables.row_order("shingles") == ["hash", "doc"]
