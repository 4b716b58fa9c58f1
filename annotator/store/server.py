"""A store on a PostgreSQL server, as the store's sections use it: the same SQL text they run on
SQLite (named parameters, `:name`), through SQLAlchemy's `text()` on one psycopg connection.

The connection runs in autocommit: every read sees the latest committed state, as a read on
SQLite's WAL does. `transaction()` is the write path: an explicit transaction that first takes
the store's one writer lock (a transaction-level advisory lock), so writers take turns as they
do on SQLite under `BEGIN IMMEDIATE`, and the lock goes with the transaction however it ends.

A lost connection (the server restarted, the network went) is `Unreachable`, a UserError said
in one line; the next call connects again. A write that fails so was rolled back by the server,
or never reached it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache

from sqlalchemy import TextClause, create_engine, event, text
from sqlalchemy.engine import Connection, CursorResult
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlalchemy.pool import NullPool

from annotator.errors import UserError
from annotator.store.location import Location

# The advisory lock every write transaction holds: one writer at a time, as on SQLite.
WRITER_LOCK = 0x616E6E6F  # "anno"
LOCK_WAIT = "30s"  # how long a write waits for another's before it gives up (SQLite's BUSY_SECONDS)


class Unreachable(UserError):
    """The server cannot be reached (or stopped answering): nothing was written, unless
    `maybe_stored` (the connection went during a commit, which may have landed)."""

    def __init__(self, message: str, *, maybe_stored: bool = False):
        super().__init__(message)
        self.maybe_stored = maybe_stored


class Interrupted(Exception):
    """A read stopped by interrupt() (the server cancelled it)."""


@lru_cache(maxsize=512)
def _statement(sql: str) -> TextClause:
    return text(sql)


class ServerSession:
    """One connection to a store's PostgreSQL database, opened at first use and again after a loss."""

    def __init__(self, where: Location):
        self.where = where
        self.in_transaction = False
        self._conn: Connection | None = None
        try:
            import psycopg  # noqa: F401  (the driver SQLAlchemy loads)
        except ImportError:
            raise UserError(
                f"{where.shown()}: PostgreSQL needs its driver: pip install 'annotator[postgres]'"
            ) from None
        self._engine = create_engine(where.sqlalchemy_url(), poolclass=NullPool, isolation_level="AUTOCOMMIT")
        event.listen(self._engine, "connect", as_sqlite_reads)

    def connection(self) -> Connection:
        if self._conn is None:
            try:
                self._conn = self._engine.connect()
                self._conn.exec_driver_sql(f"SET lock_timeout = '{LOCK_WAIT}'")
            except SQLAlchemyError as exc:
                self._conn = None
                raise self._said(exc) from None
        return self._conn

    def execute(self, sql: str, params: dict | list[dict] | None = None) -> CursorResult:
        try:
            return self.connection().execute(_statement(sql), params or {})
        except DBAPIError as exc:
            if exc.connection_invalidated or _is_lost(exc):
                self._lost()
                raise self._said(exc) from None
            if _sqlstate(exc) == "57014":  # query_canceled
                raise Interrupted() from None
            if _sqlstate(exc) == "55P03":  # lock_not_available: another writer held on
                raise UserError(
                    f"{self.where.shown()}: another process held the store's write lock for"
                    f" {LOCK_WAIT}; nothing was written"
                ) from None
            raise

    def executemany(self, sql: str, rows: list[dict]) -> None:
        """The statement once per row (sqlite3's executemany, with named parameters)."""
        if rows:
            self.execute(sql, rows)

    def copy_rows(self, table: str, columns: tuple[str, ...], rows: list[tuple]) -> None:
        """Rows into a table by COPY FROM STDIN, on this connection (in its transaction)."""
        import psycopg

        names = ", ".join(f'"{c}"' for c in columns)
        try:
            with self.connection().connection.driver_connection.cursor() as cursor:  # type: ignore[union-attr]
                with cursor.copy(f'COPY "{table}" ({names}) FROM STDIN') as copy:
                    for row in rows:
                        copy.write_row(row)
        except psycopg.OperationalError as exc:
            if exc.sqlstate is None or exc.sqlstate.startswith("08"):
                self._lost()
                raise self._said(exc) from None
            raise

    def begin_read(self) -> None:
        """A read transaction: one snapshot of the store until end_read()."""
        self.execute("BEGIN ISOLATION LEVEL REPEATABLE READ")
        self.in_transaction = True

    def end_read(self) -> None:
        if self.in_transaction and self._conn is not None:
            self.execute("COMMIT")
        self.in_transaction = False

    def stream(self, sql: str, params: dict, chunk: int) -> Iterator[list]:
        """A long read's rows `chunk` at a time, from a server-side cursor in one read-only
        transaction (a cursor needs one), ended however the reader stops."""
        self.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        self.in_transaction = True
        try:
            try:
                result = self.connection().execute(
                    _statement(sql),
                    params,
                    execution_options={"stream_results": True, "max_row_buffer": chunk},
                )
                while rows := result.fetchmany(chunk):
                    yield list(rows)
            except DBAPIError as exc:
                if exc.connection_invalidated or _is_lost(exc):
                    self._lost()
                    raise self._said(exc) from None
                raise
            self.execute("COMMIT")
            self.in_transaction = False
        finally:
            self._roll_back()  # the reader stopped early, or the read failed

    @contextmanager
    def transaction(self) -> Iterator[ServerSession]:
        """One write transaction under the writer lock: committed, or rolled back whole."""
        self.execute("BEGIN")
        self.in_transaction = True
        try:
            self.execute("SELECT pg_advisory_xact_lock(:key)", {"key": WRITER_LOCK})
            yield self
        except BaseException:
            self._roll_back()
            raise
        try:
            self.execute("COMMIT")
        except Unreachable as exc:  # the commit may have landed before the connection went
            raise Unreachable(
                str(exc).replace("nothing was written", "the last write may or may not be stored"),
                maybe_stored=True,
            ) from None
        finally:
            self.in_transaction = False

    def _roll_back(self) -> None:
        if self.in_transaction and self._conn is not None:
            try:
                self.execute("ROLLBACK")
            except UserError:
                pass  # the connection is gone, and the server dropped the transaction with it
        self.in_transaction = False

    def interrupt(self) -> None:
        """Cancel the statement under way (from another thread), as sqlite3's interrupt() does."""
        conn = self._conn
        if conn is not None and not conn.closed:
            conn.connection.driver_connection.cancel_safe()  # type: ignore[union-attr]

    def _lost(self) -> None:
        self.in_transaction = False
        if self._conn is not None:
            try:
                self._conn.invalidate()
                self._conn.close()
            except SQLAlchemyError:
                pass
        self._conn = None

    def _said(self, exc: BaseException) -> Unreachable:
        cause = exc.orig if isinstance(exc, DBAPIError) and exc.orig else exc
        lines = [line.strip() for line in str(cause).splitlines() if line.strip()]
        return Unreachable(
            f"{self.where.shown()}: the server cannot be reached"
            f" ({lines[0] if lines else type(cause).__name__}); nothing was written"
        )

    def close(self) -> None:
        if self._conn is not None:
            try:
                self._conn.close()
            except SQLAlchemyError:
                pass
            self._conn = None
        self._engine.dispose()


def as_sqlite_reads(dbapi_connection, record) -> None:
    """JSON columns come back as the text stored, as SQLite gives them (psycopg would parse them)."""
    from psycopg.types.string import TextLoader

    dbapi_connection.adapters.register_loader("json", TextLoader)


def _sqlstate(exc: DBAPIError) -> str:
    return getattr(exc.orig, "sqlstate", None) or ""


def _is_lost(exc: DBAPIError) -> bool:
    """Errors that mean the connection is gone: class 08 (connection exception), 57P01–57P03
    (the server shut down or is starting), or a closed connection psycopg reports itself."""
    import psycopg

    state = _sqlstate(exc)
    return (
        state.startswith("08")
        or state in ("57P01", "57P02", "57P03")
        or isinstance(exc.orig, psycopg.OperationalError)
        and exc.orig.sqlstate is None
    )
