"""Moving a project between backends: `db copy` (SQLite ↔ PostgreSQL, verified) and `db info`.

Both ends are SQLAlchemy Core connections over the one table definition (tables.py). A copy
reads the source in one snapshot (SQLite: one read transaction; PostgreSQL: REPEATABLE READ) and
writes the destination in one transaction: a new SQLite file is written under a temporary name
and renamed when verified; PostgreSQL's DDL is transactional, so a failed copy leaves the
database as it was. Verification reads the destination back inside that transaction: per
table, the row count and an order-free digest of the rows must equal the source's.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import orjson
from sqlalchemy import Connection, Engine, create_engine, event, func, insert, inspect, select, text
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlalchemy.pool import NullPool

from annotator.corpus.text import shown
from annotator.errors import UserError
from annotator.files import fsync_dir, fsync_path, new_file
from annotator.store import schema, tables, tallies
from annotator.store.location import Location

BATCH = 5000  # rows read and written at a time

# The columns the server numbers on PostgreSQL (SERIAL), set past the copied rows after a copy.
NUMBERED = {"all_documents": "doc", "all_sentences": "sid", "events": "event_id"}
# A sentence id is never reused (sids stay valid in old exports): its high-water mark is copied.
NEVER_REUSED = "all_sentences"


@dataclass(frozen=True)
class Copied:
    table: str
    rows: int
    digest: str  # order-free digest of the rows, equal on both ends


class Digest:
    """A digest of a multiset of rows: the sum of the rows' hashes, so the order rows come in
    (which differs between backends) does not matter."""

    MOD = 1 << 128

    def __init__(self) -> None:
        self.rows = 0
        self.total = 0

    def add(self, row: tuple) -> None:
        self.rows += 1
        self.total += int.from_bytes(hashlib.sha256(orjson.dumps(list(row))).digest()[:16], "big")

    def hex(self) -> str:
        return f"{self.total % self.MOD:032x}"


def open_engine(where: Location) -> Engine:
    """An engine for one end (no pool: one connection, closed with the command)."""
    if where.is_postgres:
        try:
            import psycopg  # noqa: F401  (the driver SQLAlchemy loads)
        except ImportError:
            raise UserError(
                f"{where.shown()}: PostgreSQL needs its driver: pip install 'annotator[postgres]'"
            ) from None
        from annotator.store.server import as_sqlite_reads

        engine = create_engine(where.sqlalchemy_url(), poolclass=NullPool)
        event.listen(engine, "connect", as_sqlite_reads)
        return engine
    path = where.path
    assert path is not None
    # by its path, not a URL: a file name may hold any character
    engine = create_engine("sqlite://", creator=lambda: sqlite3.connect(path, timeout=30), poolclass=NullPool)

    # SQLAlchemy's documented recipe for real SQLite transactions: the driver stays out of the
    # way and every transaction starts with BEGIN, so reads share one snapshot and DDL is undone
    # with the rest.
    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection, record) -> None:
        dbapi_connection.isolation_level = None

    @event.listens_for(engine, "begin")
    def _begin(conn: Connection) -> None:
        conn.exec_driver_sql("BEGIN")

    return engine


@contextmanager
def connected(where: Location, *, snapshot: bool = False) -> Iterator[Connection]:
    """One transaction on one end, a server's or driver's error said in one line."""
    engine = open_engine(where)
    try:
        with engine.connect() as conn:
            if snapshot and where.is_postgres:
                conn = conn.execution_options(isolation_level="REPEATABLE READ")
            with conn.begin():
                yield conn
    except SQLAlchemyError as exc:
        raise _said(where, exc) from None
    finally:
        engine.dispose()


def _said(where: Location, exc: BaseException, table: str | None = None) -> UserError:
    """A server's or driver's error as one line naming the end (and table) it came from."""
    cause = exc.orig if isinstance(exc, DBAPIError) and exc.orig else exc
    lines = [line.strip() for line in str(cause).splitlines() if line.strip()]
    at = f"table {table}: " if table else ""
    return UserError(
        f"{where.shown()}: {at}{lines[0] if lines else type(cause).__name__}; nothing was written"
    )


def store_version(conn: Connection, where: Location) -> int:
    """The store version of an open end, refusing what is not an annotator store, or one written
    by a newer annotator."""
    if not inspect(conn).has_table("meta"):
        raise UserError(f"{where.shown()}: not an annotator store (no `meta` table)")
    found = conn.execute(text("SELECT value FROM meta WHERE key = 'schema_version'")).scalar()
    try:
        version = int(found)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise UserError(f"{where.shown()}: the store's version row is damaged ({found!r})") from None
    schema.check_readable(version, where.shown())
    return version


def _prepare_source(src: Location) -> None:
    """An SQLite source is opened as every command opens it first: an older store is migrated
    (its backup kept), a lost -wal refused, the leftovers of a killed ingest removed."""
    if not src.is_postgres:
        from annotator.store import Store

        Store(src.path, create=False).close()  # type: ignore[arg-type]


def _check_source(conn: Connection, src: Location) -> None:
    version = store_version(conn, src)
    if version != schema.STORE_VERSION:
        raise UserError(
            f"{src.shown()}: store version {version}; open it with this annotator first to migrate it"
        )
    pending = conn.execute(text("SELECT count(*) FROM pending_documents")).scalar()
    if pending:
        raise UserError(
            f"{src.shown()}: an ingest is under way ({pending} documents); copy when it has ended"
        )


def _high_water(conn: Connection, where: Location) -> int:
    """The highest sentence id the store ever gave (sentences of a replaced version included)."""
    if where.is_postgres:
        sql = (
            "SELECT last_value FROM pg_sequences"
            " WHERE schemaname = current_schema() AND sequencename = 'all_sentences_sid_seq'"
        )
    else:
        sql = f"SELECT seq FROM sqlite_sequence WHERE name = '{NEVER_REUSED}'"
    return conn.execute(text(sql)).scalar() or 0


def _set_numbering(conn: Connection, where: Location, high_water: int) -> None:
    """Let the destination number new rows after the copied ones (and never reuse a sid)."""
    for table, column in NUMBERED.items():
        top = conn.execute(select(func.max(tables.METADATA.tables[table].c[column]))).scalar() or 0
        if table == NEVER_REUSED:
            top = max(top, high_water)
        if where.is_postgres:
            if top:
                conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', '{column}'), {top})"))
        elif table == NEVER_REUSED:
            conn.execute(text(f"DELETE FROM sqlite_sequence WHERE name = '{table}'"))
            conn.execute(text(f"INSERT INTO sqlite_sequence (name, seq) VALUES ('{table}', {top})"))


def _digest(conn: Connection, table: str) -> Digest:
    digest = Digest()
    result = conn.execute(select(tables.METADATA.tables[table]), execution_options={"yield_per": BATCH})
    for part in result.partitions():
        for row in part:
            digest.add(tuple(row))
    return digest


def _copy_table(source: Connection, src: Location, target: Connection, dst: Location, table: str) -> Digest:
    t = tables.METADATA.tables[table]
    names = [c.name for c in t.columns]
    digest = Digest()

    def parts() -> Iterator[list[tuple]]:
        try:
            result = source.execute(select(t), execution_options={"yield_per": BATCH})
            for part in result.partitions():
                rows = [tuple(row) for row in part]
                for row in rows:
                    digest.add(row)
                yield rows
        except SQLAlchemyError as exc:  # the source's, not the destination's (whose block runs this)
            raise _said(src, exc) from None

    if target.dialect.name == "postgresql":
        _copy_in(target, table, names, parts(), dst)
    else:
        for rows in parts():
            target.execute(insert(t), [dict(zip(names, row, strict=True)) for row in rows])
    return digest


def _copy_in(
    target: Connection, table: str, names: list[str], parts: Iterator[list[tuple]], dst: Location
) -> None:
    """PostgreSQL's bulk path: COPY FROM STDIN on the transaction's own connection, 2.8× the
    rows per second of batched INSERTs (bench/db_copy.py)."""
    import psycopg

    columns = ", ".join(f'"{n}"' for n in names)
    try:
        with target.connection.driver_connection.cursor() as cursor:  # type: ignore[union-attr]
            with cursor.copy(f'COPY "{table}" ({columns}) FROM STDIN') as copy:
                for rows in parts:
                    for row in rows:
                        copy.write_row(row)
    except psycopg.Error as exc:
        raise _said(dst, exc, table) from None


def _create_postgres(conn: Connection, dst: Location) -> None:
    """The tables and views on an empty PostgreSQL database (in the copy's transaction)."""
    found = sorted(set(inspect(conn).get_table_names()) & set(tables.TABLES))
    found += sorted(set(inspect(conn).get_view_names()) & {"documents", "sentences"})
    if found:
        raise UserError(
            f"{dst.shown()}: already holds {', '.join(found[:4])}{'…' if len(found) > 4 else ''};"
            " copy into an empty database (createdb NAME)"
        )
    tables.create_postgres(conn, triggers=False)  # added once the tallies are copied (_copy_all)


def copy(src: Location, dst: Location, progress: Callable[[str], None] | None = None) -> list[Copied]:
    """Copy a whole project from `src` to the new store `dst`, verified; the tables copied."""
    if src == dst:
        raise UserError(f"{dst.shown()}: the copy would overwrite its source")
    if not dst.is_postgres and dst.path is not None and dst.path.exists():
        raise UserError(f"{shown(dst.path)}: already exists; name a new file")
    _prepare_source(src)
    with connected(src, snapshot=True) as source:
        _check_source(source, src)
        if dst.is_postgres:
            with connected(dst) as target:
                _create_postgres(target, dst)
                return _copy_all(source, src, target, dst, progress)
        assert dst.path is not None
        return _copy_to_new_file(source, src, dst.path, progress)


def _copy_to_new_file(
    source: Connection, src: Location, path: Path, progress: Callable[[str], None] | None
) -> list[Copied]:
    """A new SQLite store, written under a temporary name, renamed into place when verified."""
    from annotator.store import Store

    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        new_file(tmp)
    except FileExistsError:
        raise UserError(f"{shown(tmp)}: already exists; remove it or name another copy") from None
    except OSError as exc:
        raise UserError(f"{shown(path)}: cannot write the copy ({exc})") from None
    try:
        Store(tmp).close()  # the schema, the views and the tallies' triggers
        tmp_at = Location(path=tmp)
        with connected(tmp_at) as target:
            # the fresh store's own version row, and the tallies the triggers will write while
            # labels are copied, give way to the source's
            target.execute(text("DELETE FROM meta"))
            copied = _copy_all(source, src, target, tmp_at, progress)
        fsync_path(tmp)
        os.replace(tmp, path)
        fsync_dir(path.parent)
        return copied
    except OSError as exc:
        raise UserError(f"{shown(path)}: cannot write the copy ({exc})") from None
    finally:
        for leftover in (tmp, Path(f"{tmp}-wal"), Path(f"{tmp}-shm")):
            leftover.unlink(missing_ok=True)


def _copy_all(
    source: Connection,
    src: Location,
    target: Connection,
    dst: Location,
    progress: Callable[[str], None] | None,
) -> list[Copied]:
    copied = []
    for table in tables.TABLES:
        if progress:
            progress(table)
        if table in ("tallies", "tally_items"):
            # kept by triggers on SQLite, which counted the labels as they were copied; the
            # source's cells are copied as they are (they compare each decision with the
            # suggestion of its day, which a recount cannot know)
            target.execute(tables.METADATA.tables[table].delete())
        sent = _copy_table(source, src, target, dst, table)
        got = _digest(target, table)
        if (got.rows, got.hex()) != (sent.rows, sent.hex()):
            raise UserError(
                f"{dst.shown()}: table {table} reads back {got.rows} rows (digest {got.hex()[:16]}), "
                f"not the {sent.rows} sent (digest {sent.hex()[:16]}); nothing was written"
            )
        copied.append(Copied(table, sent.rows, sent.hex()))
    if dst.is_postgres:  # from now on the triggers keep the copied tallies (on SQLite they did all along)
        for statement in tallies.POSTGRES_TRIGGERS:
            target.execute(text(statement))
    _set_numbering(target, dst, _high_water(source, src))
    return copied


def info(where: Location) -> dict:
    """What `db info` shows: the backend and its version, the store version, counts and size."""
    _prepare_source(where)
    with connected(where, snapshot=True) as conn:
        version = store_version(conn, where)
        if where.is_postgres:
            server = conn.execute(text("SHOW server_version")).scalar()
            size = conn.execute(text("SELECT pg_database_size(current_database())")).scalar()
        else:
            server = conn.execute(text("SELECT sqlite_version()")).scalar()
            assert where.path is not None
            size = sum(p.stat().st_size for p in (where.path, Path(f"{where.path}-wal")) if p.exists())
        count = {
            what: conn.execute(text(f"SELECT count(*) FROM {table}")).scalar()
            for what, table in (
                ("documents", "documents"),
                ("sentences", "sentences"),
                ("decisions", "labels"),
                ("events", "events"),
                ("suggestions", "suggestions"),
            )
        }
        count["annotators"] = conn.execute(text("SELECT count(DISTINCT annotator) FROM labels")).scalar()
    return {
        "store": where.shown(),
        "backend": where.backend,
        "server_version": str(server),
        "store_version": version,
        "reads_up_to": schema.STORE_VERSION,
        "bytes": int(size or 0),
        "counts": count,
    }
