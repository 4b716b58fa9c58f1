"""The connection under every store section: opening, transactions, and who is served what.

One file, WAL mode and a busy timeout so several annotators' processes can share it. Writes go
through `write()`: one `BEGIN IMMEDIATE` transaction, committed (synchronous=FULL) or rolled
back whole. Nothing is ever loaded whole: every query asks for the rows it needs.
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
        self.path = location.sqlite_file(path)
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
        self._plan: Assignment | None = None
        self._prepare()
        self._serve(self.assignment())

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

    # who is served what

    def assignment(self) -> Assignment | None:
        row = self.db.execute("SELECT value FROM meta WHERE key='assignment'").fetchone()
        return Assignment.from_json(row[0]) if row else None

    def assignment_in_force(self) -> Assignment | None:
        """The plan this connection serves by (read when the store was opened, or set since)."""
        return self._plan

    def set_assignment(self, plan: Assignment | None) -> None:
        """Store the plan every process on this store follows (None: everyone is served everything)."""
        with self.write() as db:
            db.execute("DELETE FROM meta WHERE key='assignment'")
            if plan is not None:
                db.execute("INSERT INTO meta VALUES ('assignment', ?)", (plan.to_json(),))
        self._serve(plan)

    def _serve(self, plan: Assignment | None) -> None:
        """`served(annotator, doc_id, start, end)` in SQL: whether the plan gives the sentence to the annotator."""
        self._plan = plan
        if plan:
            self.db.create_function("served", 4, plan.serves, deterministic=True)

    def _served(self, annotator_param: int, sentence: str = "s", document: str = "d") -> str:
        """The SQL condition that keeps the sentences served to the annotator (none without a plan),
        on the tables (or subquery) named `sentence` and `document`."""
        if not self._plan:
            return ""
        return f" AND served(?{annotator_param}, {document}.doc_id, {sentence}.start, {sentence}.end)"


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
