"""The connection under every store section: opening, transactions, and who is served what.

A store is an SQLite file (WAL mode and a busy timeout, so several annotators' processes share
it) or a PostgreSQL database (server.py). `self.db` runs the sections' SQL on either: one text,
named parameters. Writes go through `write()`: one transaction, taken at once (SQLite's
`BEGIN IMMEDIATE`, the server's writer lock), committed (synchronous) or rolled back whole.
Nothing is ever loaded whole: every query asks for the rows it needs.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType
from typing import Self

from annotator.assignment import Assignment
from annotator.errors import UserError
from annotator.store import location, schema

BUSY_SECONDS = 30  # how long a write waits for another process's write before it gives up


class Connection:
    """An open store: the connection, its transactions and the overlap plan it serves by."""

    # A sentence row (rows.SentenceRow) as every read selects it.
    SENTENCE_SQL = (
        "SELECT s.sid, d.doc_id, s.pos, s.block, s.start, s.end, s.text, b.block_type "
        "FROM sentences s JOIN documents d ON d.doc = s.doc JOIN blocks b ON b.doc = s.doc AND b.idx = s.block "
    )

    def __init__(self, path: str | Path, *, create: bool = True):
        where = location.parse(path)
        self.name = where.shown()  # what messages call the store
        self.title = where.title()  # what the first screen calls it
        # what opens it again, in another process and from any folder
        self.location = where.url or str(where.path.resolve())  # type: ignore[union-attr]
        self.on_server = where.is_postgres
        self._plan: Assignment | None = None
        if where.url is not None:
            self._open_server(where, create)
            return
        assert where.path is not None
        self.path = where.path
        if not create and not self.path.exists():
            raise UserError(f"{self.path}: no such store (run `annotator ingest` first)")
        self._check_wal()
        try:
            self.db = sqlite3.connect(
                self.path, timeout=BUSY_SECONDS, isolation_level=None, check_same_thread=False
            )
            self.db.execute("PRAGMA journal_mode=WAL")
        except sqlite3.OperationalError as exc:
            raise UserError(f"{self.path}: cannot open the store ({_why(exc)})") from None
        except sqlite3.DatabaseError as exc:
            raise UserError(f"{self.path}: not an annotator store ({exc})") from None
        self.db.execute(f"PRAGMA busy_timeout={BUSY_SECONDS * 1000}")
        self.db.execute("PRAGMA synchronous=FULL")
        self._prepare()
        self._serve(self.assignment())

    def _open_server(self, where: location.Location, create: bool) -> None:
        """A store in a PostgreSQL database: made in an empty one (`create`), migrated when
        older, refused when newer than this annotator."""
        from annotator.store.server import ServerSession

        self.db = ServerSession(where)  # type: ignore[assignment]
        try:
            if not self._has_meta():
                if not create:
                    raise UserError(
                        f"{self.name}: no annotator store in this database; `annotator ingest` makes one,"
                        f" `annotator db copy FILE {self.name}` puts a project there"
                    )
                self._create_server()
            row = self.db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
            if row is None:
                raise UserError(f"{self.name}: the store's version row is missing; restore a backup")
            found = int(row[0])
            schema.check_readable(found, self.name)
            if found < schema.STORE_VERSION:
                self._migrate_server(found)
            self._serve(self.assignment())
        except BaseException:
            self.db.close()
            raise

    def _create_server(self) -> None:
        """The store's tables, views, functions and triggers in an empty database, in one
        transaction under the writer lock (another process may be making it too)."""
        from annotator.store import tables

        with self.write() as db:
            if self._has_meta():
                return
            others = db.execute(
                "SELECT count(*) FROM information_schema.tables WHERE table_schema = current_schema()"
            ).fetchone()[0]
            if others:
                raise UserError(
                    f"{self.name}: the database holds other tables; an annotator store needs a database"
                    " of its own (createdb NAME)"
                )
            tables.create_postgres(db.connection(), triggers=True)  # type: ignore[attr-defined]
            db.execute("INSERT INTO meta VALUES ('schema_version', :v)", {"v": str(schema.STORE_VERSION)})

    def _migrate_server(self, found: int) -> None:
        """Run the server's migrations from `found` up, in one transaction (PostgreSQL's DDL is
        transactional: a failed migration leaves the store as it was). Keep a copy first
        (`annotator db copy URL FILE`): a server store is not copied aside as a file is."""
        with self.write() as db:
            found = int(db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()[0])
            while found < schema.STORE_VERSION:  # again under the lock: another process may have done it
                step = schema.SERVER_MIGRATIONS.get(found)
                if step is None:
                    raise UserError(f"{self.name}: store version {found} has no migration on a server")
                step(db)
                found += 1
            db.execute(
                "UPDATE meta SET value = :version WHERE key = 'schema_version'", {"version": str(found)}
            )

    def _has_meta(self) -> bool:
        return bool(
            self.db.execute(
                "SELECT count(*) FROM information_schema.tables"
                " WHERE table_schema = current_schema() AND table_name = 'meta'"
            ).fetchone()[0]
        )

    def close(self) -> None:
        self.db.close()

    def _check_wal(self) -> None:
        """Refuse a store whose -wal was lost: SQLite would open it without the transactions the
        -wal held and say nothing. While processes use a store both files exist; the last one to
        close removes the -wal and then the -shm, so a -shm alone is looked at again before."""
        wal, shm = Path(f"{self.path}-wal"), Path(f"{self.path}-shm")
        for _ in range(3):
            if wal.exists() or not shm.exists():
                return
            time.sleep(0.1)
        raise UserError(
            f"{self.path}: its {wal.name} file is missing but its {shm.name} is there, so the last "
            f"decisions written may be missing (the -wal holds them until they are copied into the "
            f"store): put {wal.name} back, or delete {shm.name} to open the store without them"
        )

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def _prepare(self) -> None:
        """Create a fresh store, or migrate an older one after keeping a copy of it. A store of this
        version is opened with a read alone: a long write elsewhere (an ingest) does not stop
        anyone from opening it."""
        found = self._read_version()
        if found is None:
            with self.write() as db:
                found = schema.version(
                    db, self.path
                )  # again, under the lock: another process may have made it
                if found is None:
                    schema.create(db)
                    return
        schema.check_readable(found, self.path)
        if found < schema.STORE_VERSION:
            schema.backup(self.db, self.path, found)
            with self.write() as db:
                schema.migrate(db, found)

    def _read_version(self) -> int | None:
        try:
            return schema.version(self.db, self.path)
        except sqlite3.OperationalError as exc:
            raise UserError(f"{self.path}: cannot read the store ({_why(exc)})") from None

    @contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction: taken at once (no lock upgrade), committed or rolled back whole."""
        if self.on_server:
            with self.db.transaction() as db:  # type: ignore[attr-defined]
                yield db
            return
        try:
            self._begin()
            try:
                yield self.db
            except BaseException:
                if self.db.in_transaction:
                    self.db.execute("ROLLBACK")
                raise
            self.db.execute("COMMIT")
        except sqlite3.OperationalError as exc:
            if self.db.in_transaction:
                self.db.execute("ROLLBACK")
            raise UserError(f"{self.path}: {_why(exc)}; nothing was written") from None

    def _begin(self) -> None:
        """Take the write lock, asking for it every 2 ms for up to BUSY_SECONDS. SQLite's own
        busy handler asks every 100 ms once it has waited a while, and so misses the short gaps
        between an ingest's transactions again and again; asked this often, a decision gets in
        at the next gap."""
        deadline = time.monotonic() + BUSY_SECONDS
        self.db.execute("PRAGMA busy_timeout=0")
        try:
            while True:
                try:
                    self.db.execute("BEGIN IMMEDIATE")
                    return
                except sqlite3.OperationalError as exc:
                    if getattr(exc, "sqlite_errorname", "") != "SQLITE_BUSY" or time.monotonic() > deadline:
                        raise
                time.sleep(0.002)
        finally:
            self.db.execute(f"PRAGMA busy_timeout={BUSY_SECONDS * 1000}")

    @contextmanager
    def snapshot(self) -> Iterator[None]:
        """One read transaction: every read in the block sees one state of the store (ended at
        the block's end, or before by end_snapshot())."""
        if self.on_server:
            self.db.begin_read()  # type: ignore[attr-defined]
        else:
            self.db.execute("BEGIN")
        try:
            yield
        finally:
            self.end_snapshot()

    def end_snapshot(self) -> None:
        if self.on_server:
            self.db.end_read()  # type: ignore[attr-defined]
        elif self.db.in_transaction:
            self.db.execute("COMMIT")

    def _bulk(self, db, table: str, columns: tuple[str, ...], rows: list[tuple]) -> None:
        """Many rows into one table, in the caller's transaction: executemany on SQLite; on
        PostgreSQL COPY FROM STDIN (bench/server_ingest_export.py measures it)."""
        if not rows:
            return
        if self.on_server:
            db.copy_rows(table, columns, rows)
            return
        names = ", ".join(f'"{c}"' for c in columns)
        db.executemany(f"INSERT INTO {table} ({names}) VALUES ({', '.join('?' * len(columns))})", rows)

    def _stream(self, sql: str, params: dict, chunk: int) -> Iterator[list]:
        """A long read's rows, `chunk` at a time, never all held at once (on PostgreSQL a
        server-side cursor, in one read-only transaction: one snapshot, as SQLite's one statement)."""
        if self.on_server:
            yield from self.db.stream(sql, params, chunk)  # type: ignore[attr-defined]
            return
        cursor = self.db.execute(sql, params)
        while rows := cursor.fetchmany(chunk):
            yield rows

    def interrupt(self) -> None:
        """Stop the read under way on this connection (from another thread); see interruptible()."""
        try:
            self.db.interrupt()
        except sqlite3.ProgrammingError:
            pass  # closed: the read has just finished

    @contextmanager
    def interruptible(self) -> Iterator[None]:
        """Around a long read that interrupt() may stop: the stop is swallowed, and the block's
        caller goes on after it (to return that nothing was read)."""
        from annotator.store.server import Interrupted

        try:
            yield
        except sqlite3.OperationalError as exc:
            if "interrupt" not in str(exc):
                raise
        except Interrupted:
            pass

    # who is served what

    def assignment(self) -> Assignment | None:
        row = self.db.execute("SELECT value FROM meta WHERE key = 'assignment'").fetchone()
        return Assignment.from_json(row[0]) if row else None

    def assignment_in_force(self) -> Assignment | None:
        """The plan this connection serves by (read when the store was opened, or set since)."""
        return self._plan

    def set_assignment(self, plan: Assignment | None) -> None:
        """Store the plan every process on this store follows (None: everyone is served everything)."""
        with self.write() as db:
            db.execute("DELETE FROM meta WHERE key = 'assignment'")
            if plan is not None:
                db.execute("INSERT INTO meta VALUES ('assignment', :plan)", {"plan": plan.to_json()})
        self._serve(plan)

    def _serve(self, plan: Assignment | None) -> None:
        self._plan = plan

    def _served(self, sentence: str = "s", document: str = "d") -> str:
        """The SQL condition that keeps the sentences served to the annotator (none without a
        plan), on the tables (or subquery) named `sentence` and `document`, with the parameters
        `_serving(annotator)` gives. Assignment.owner in SQL, on the stored share of the
        sentence or document: `x` falls in the annotator's k-th part exactly when k <= x < k + 1
        (the last part takes x up to the end), the arithmetic Python does, in the same doubles."""
        plan = self._plan
        if not plan or plan.overlap >= 1:  # every share is < 1: everything is shared
            return ""
        point = f"{document}.share" if plan.unit == "document" else f"{sentence}.share"
        x = f"(({point} - :plan_overlap) / (1 - :plan_overlap) * :plan_n)"
        return (
            f" AND (:plan_member = 0 OR {point} < :plan_overlap"
            f" OR ({x} >= :plan_k AND ({x} < :plan_k + 1 OR :plan_k = :plan_n - 1)))"
        )

    def _serving(self, annotator: str) -> dict:
        """The parameters of `_served` for one annotator (someone outside the team, a reviewer
        or a guest, is served everything)."""
        plan = self._plan
        if not plan:
            return {}
        member = annotator in plan.team
        return {
            "plan_overlap": float(plan.overlap),
            "plan_n": len(plan.team),
            "plan_k": plan.team.index(annotator) if member else 0,
            "plan_member": int(member),
        }


def origin_not(label: str, *origins: str) -> str:
    """The condition that the labels row named `label` has none of these origins (a NULL origin,
    a plain decision, has none), in one spelling for both backends."""
    listed = ", ".join(f"'{o}'" for o in origins)
    return f"({label}.origin IS NULL OR {label}.origin NOT IN ({listed}))"


def among(column: str, values: list | None) -> tuple[str, dict]:
    """` AND column IN (…)` with a named parameter per value (nothing for no list)."""
    if not values:
        return "", {}
    params = {f"v{i}": v for i, v in enumerate(values)}
    return f" AND {column} IN ({', '.join(f':{k}' for k in params)})", params


def _why(exc: sqlite3.Error) -> str:
    """SQLite's message, with what it means for a store where SQLite's own words do not say."""
    name = getattr(exc, "sqlite_errorname", "")
    if name.startswith("SQLITE_READONLY"):
        return (
            "the store is read-only here: writing needs permission on the file and on its folder "
            "(for its -wal and -shm files)"
        )
    if name.startswith("SQLITE_CANTOPEN"):
        return f"{exc}: the store and its -wal and -shm files must be readable, and creatable in its folder"
    return str(exc)
