"""The decision log: every decision appends one event (the audit trail and the undo history) and
sets the current-state row of (sentence, annotator), in one transaction that is committed before
the call returns. `_append` is the one place an event is written.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, NamedTuple

import orjson

from annotator.scheme import Origin, Status
from annotator.store import jsonsql
from annotator.store.reading import Reading
from annotator.store.rows import LabelRow, Undone
from annotator.store.schema import EMPTY_LABELS

if TYPE_CHECKING:
    from annotator.model import Event, SentenceLabels


class DecisionLog(Reading):
    def record(
        self,
        sid: int,
        annotator: str,
        labels: SentenceLabels,
        *,
        status: Status = "done",
        origin: Origin | None = "manual",
        action: str = "label",
        created_at: str | None = None,
        updated_at: str | None = None,
        derived_from: list[int] | None = None,
        seconds: int | None = None,
    ) -> LabelRow:
        """Store one decision durably (one transaction) and return the current-state row it
        wrote. `derived_from`: the events (other annotators' decisions) an adjudicated decision
        was made from; `seconds`: time spent on the sentence since the last decision, added to
        what the row holds."""
        from annotator.model import now

        sentence = self.sentence(sid)
        if sentence is None:
            raise KeyError(sid)
        labels.check(sentence.text)
        payload = orjson.dumps(labels.model_dump(mode="json")).decode()
        derived = orjson.dumps(derived_from).decode() if derived_from is not None else None
        at = now()
        with self.write() as db:
            before = self._row_json(db, sid, annotator)
            self._append(
                db, sid, sentence.id, annotator, action, status, payload, origin, before, at, derived
            )
            created = created_at or (orjson.loads(before)["created_at"] if before else at)
            self._put(
                db, sid, annotator, status, payload, origin, created, updated_at or at, derived, seconds
            )
        return LabelRow(sid, annotator, status, labels, origin, created, updated_at or at, derived_from)

    @staticmethod
    def _append(
        db: sqlite3.Connection,
        sid: int,
        text_id: str,
        annotator: str,
        action: str,
        status: str,
        labels: str,
        origin: str | None,
        before: str | None,
        at: str,
        derived: str | None = None,
        undoes: int | None = None,
    ) -> int:
        """Append one event; returns its id. `before`: the current-state row it replaces (JSON)."""
        names = ("sid", "sentence_id", "annotator", "action", "status", "labels", "origin", "before")
        values = (sid, text_id, annotator, action, status, labels, origin, before)
        return db.execute(
            "INSERT INTO events (sid, sentence_id, annotator, action, status, labels, origin, before, undoes,"
            " at, derived_from) VALUES (:sid, :sentence_id, :annotator, :action, :status, :labels, :origin,"
            " :before, :undoes, :at, :derived_from) RETURNING event_id",
            {**dict(zip(names, values, strict=True)), "undoes": undoes, "at": at, "derived_from": derived},
        ).fetchone()[0]

    @staticmethod
    def _put(db: sqlite3.Connection, *row: object) -> None:
        """The current-state row of (sid, annotator, status, labels, origin, created_at, updated_at,
        derived_from[, seconds]): seconds are added to the row's (None adds nothing)."""
        names = ("sid", "annotator", "status", "labels", "origin", "created_at", "updated_at", "derived_from")
        db.execute(
            "INSERT INTO labels (sid, annotator, status, labels, origin, created_at, updated_at, derived_from,"
            " seconds) VALUES (:sid, :annotator, :status, :labels, :origin, :created_at, :updated_at,"
            " :derived_from, :seconds) ON CONFLICT (sid, annotator) DO UPDATE SET"
            " status = excluded.status, labels = excluded.labels, origin = excluded.origin,"
            " created_at = excluded.created_at, updated_at = excluded.updated_at,"
            " derived_from = excluded.derived_from, seconds = CASE WHEN excluded.seconds IS NULL"
            " THEN labels.seconds ELSE coalesce(labels.seconds, 0) + excluded.seconds END",
            {**dict(zip(names, row[:8], strict=True)), "seconds": row[8] if len(row) == 9 else None},
        )

    @staticmethod
    def _row_json(db: sqlite3.Connection, sid: int, annotator: str) -> str | None:
        row = db.execute(
            "SELECT status, labels, origin, created_at, updated_at, derived_from FROM labels"
            " WHERE sid = :sid AND annotator = :annotator",
            {"sid": sid, "annotator": annotator},
        ).fetchone()
        if row is None:
            return None
        keys = ("status", "labels", "origin", "created_at", "updated_at", "derived_from")
        return orjson.dumps(dict(zip(keys, row, strict=True))).decode()

    def undo(self, annotator: str) -> Undone | None:
        """Revert the annotator's latest decision that is not undone yet."""
        from annotator.model import SentenceLabels, now

        with self.write() as db:
            row = db.execute(
                # the sentence must still exist: a re-ingest may have retired the decision with it
                "SELECT event_id, sid, sentence_id, before FROM events WHERE annotator = :annotator"
                " AND action != 'undo' AND undone_by IS NULL AND sid IN (SELECT sid FROM sentences)"
                " ORDER BY event_id DESC LIMIT 1",
                {"annotator": annotator},
            ).fetchone()
            if row is None:
                return None
            event_id, sid, text_id, before = row
            mine = {"sid": sid, "annotator": annotator}
            current = db.execute(
                "SELECT status FROM labels WHERE sid = :sid AND annotator = :annotator", mine
            ).fetchone()
            if before is None:
                db.execute("DELETE FROM labels WHERE sid = :sid AND annotator = :annotator", mine)
                status, labels, origin = None, EMPTY_LABELS, None
            else:
                b = orjson.loads(before)
                status, origin = b["status"], b["origin"]
                # written as the model writes it today (a row saved by an older version may lack fields)
                labels = orjson.dumps(
                    SentenceLabels.model_validate_json(b["labels"]).model_dump(mode="json")
                ).decode()
                derived = b.get("derived_from")  # rows saved before store version 3 have none
                self._put(
                    db, sid, annotator, status, labels, origin, b["created_at"], b["updated_at"], derived
                )
            undo = self._append(
                db,
                sid,
                text_id,
                annotator,
                "undo",
                status or "todo",
                labels,
                origin,
                None,
                now(),
                undoes=event_id,
            )
            db.execute(
                "UPDATE events SET undone_by = :undo WHERE event_id = :event_id",
                {"undo": undo, "event_id": event_id},
            )
            return Undone(sid, current[0] if current else None, status)

    def history(self, annotator: str, limit: int = 50) -> list[Event]:
        """The annotator's latest events, newest first."""
        from annotator.model import Event

        rows = self.db.execute(
            "SELECT event_id, sentence_id, annotator, action, status, labels, origin, undoes, at FROM events "
            "WHERE annotator = :annotator ORDER BY event_id DESC LIMIT :limit",
            {"annotator": annotator, "limit": limit},
        ).fetchall()
        keys = (
            "event_id",
            "sentence_id",
            "annotator",
            "action",
            "status",
            "labels",
            "origin",
            "undoes",
            "at",
        )
        return [
            Event.model_validate(dict(zip(keys, (*r[:5], orjson.loads(r[5]), *r[6:]), strict=True)))
            for r in rows
        ]

    @contextmanager
    def import_staging(self) -> Iterator[ImportStaging]:
        """A place for the decisions of an import while its file is checked: a temporary table
        on this connection (no write lock, memory bounded whatever the file's size), dropped
        when the import ends. The whole check reads one state of the store (one read
        transaction)."""
        self.db.execute("DROP TABLE IF EXISTS import_rows")
        self.db.execute(f"CREATE TEMP TABLE import_rows ({', '.join(IMPORT_COLUMNS)})")
        try:
            with self.snapshot():
                yield ImportStaging(self.db, jsonsql.spelling(self.on_server))
        finally:
            self.db.execute("DROP TABLE IF EXISTS import_rows")

    def import_staged(self) -> int:
        """Store the staged decisions (checked by ImportStaging.conflicts) in one transaction, in
        the file's order; a decision identical to the current one is not repeated. Returns how
        many changed something."""
        from annotator.model import now

        j = jsonsql.spelling(self.on_server)
        at = now()
        self.end_snapshot()  # the check's read transaction (import_staging)
        with self.write() as db:
            db.execute(
                "CREATE TEMP TABLE import_changes AS SELECT r.line, s.sid, r.doc_id || ':' || s.start || '-' || s.end"
                " AS sentence_id, r.annotator, r.status, r.labels, r.origin, r.created_at, r.updated_at,"
                f" r.derived_from, r.seconds, l.status AS b_status, {j.as_text('l.labels')} AS b_labels,"
                " l.origin AS b_origin, l.created_at AS b_created, l.updated_at AS b_updated,"
                " l.derived_from AS b_derived"
                f" FROM import_rows r {_LOCATE} LEFT JOIN labels l ON l.sid = s.sid AND l.annotator = r.annotator"
                f" WHERE l.sid IS NULL OR l.status != r.status OR {j.as_text('l.labels')} != r.labels"
                f" OR l.origin {j.differs} r.origin OR l.derived_from {j.differs} r.derived_from"
                f" OR l.seconds {j.differs} r.seconds"
                " OR l.created_at != coalesce(r.created_at, l.created_at)"
                " OR l.updated_at != coalesce(r.updated_at, l.updated_at)"
            )
            before = j.object(
                "'status'", "b_status", "'labels'", "b_labels", "'origin'", "b_origin", "'created_at'", "b_created",
                "'updated_at'", "b_updated", "'derived_from'", "b_derived",
            )  # fmt: skip
            changed = db.execute(
                "INSERT INTO events (sid, sentence_id, annotator, action, status, labels, origin, before,"
                f" at, derived_from) SELECT sid, sentence_id, annotator, 'import', status, {j.as_labels('labels')}, origin,"
                f" CASE WHEN b_status IS NULL THEN NULL ELSE {j.as_text(before)} END, :at, derived_from"
                " FROM import_changes ORDER BY line",
                {"at": at},
            ).rowcount
            db.execute(
                "INSERT INTO labels (sid, annotator, status, labels, origin, created_at, updated_at,"
                f" derived_from, seconds) SELECT sid, annotator, status, {j.as_labels('labels')}, origin,"
                " coalesce(created_at, :at), coalesce(updated_at, :at), derived_from, seconds"
                " FROM import_changes WHERE true ON CONFLICT (sid, annotator) DO UPDATE SET"
                " status = excluded.status, labels = excluded.labels, origin = excluded.origin,"
                " created_at = excluded.created_at, updated_at = excluded.updated_at,"
                " derived_from = excluded.derived_from, seconds = excluded.seconds",
                {"at": at},
            )
            # in the transaction: a failed import takes the table away with everything else
            db.execute("DROP TABLE import_changes")
        return changed


# The staged decision of one line of an import: the record's fields the checks and the store need.
IMPORT_COLUMNS = (
    "line INTEGER PRIMARY KEY",
    "doc_id TEXT NOT NULL",
    "start INTEGER NOT NULL",
    '"end" INTEGER NOT NULL',
    "doc_sha256 TEXT NOT NULL",
    "text TEXT NOT NULL",
    "block INTEGER NOT NULL",
    "block_type TEXT NOT NULL",
    "cluster TEXT NOT NULL",
    "lang TEXT NOT NULL",
    "annotator TEXT NOT NULL",
    "status TEXT NOT NULL",
    "labels TEXT NOT NULL",
    "origin TEXT",
    "created_at TEXT",
    "updated_at TEXT",
    "derived_from TEXT",
    "seconds INTEGER",
)
ImportRow = tuple  # the values of IMPORT_COLUMNS, in order
_IMPORT_NAMES = [column.split()[0].strip('"') for column in IMPORT_COLUMNS]

# A staged row's sentence in the store (s), its document (d) and block (b), when there is one.
_LOCATE = (
    "LEFT JOIN documents d ON d.doc_id = r.doc_id"
    " LEFT JOIN sentences s ON s.doc = d.doc AND s.start = r.start AND s.end = r.end"
    " LEFT JOIN blocks b ON b.doc = s.doc AND b.idx = s.block"
)


class Conflict(NamedTuple):
    """A staged line the store refuses, with what the message needs."""

    line: int
    problem: str  # one of ImportStaging.PROBLEMS
    record_id: str
    stored: tuple  # the store's values the message quotes
    given: tuple  # the record's


class ImportStaging:
    """The staged decisions of one import (see DecisionLog.import_staging)."""

    def __init__(self, db: sqlite3.Connection, j: type[jsonsql.Sqlite]):
        self.db = db
        self.j = j

    def add(self, rows: list[ImportRow]) -> None:
        self.db.executemany(
            f"INSERT INTO import_rows VALUES ({', '.join(f':{n}' for n in _IMPORT_NAMES)})",
            [dict(zip(_IMPORT_NAMES, row, strict=True)) for row in rows],
        )

    def conflicts(self, *, overwrite: bool, limit: int) -> tuple[list[Conflict], int]:
        """The staged lines the store refuses, checked all at once (first `limit` by line, and
        how many there are): no such sentence, another document version, another text, fields
        that contradict the store, an adjudicated record whose sources are not other annotators'
        decisions on the sentence, an older decision than the store's (unless `overwrite`), a
        decision the file already gave."""
        j = self.j
        self.db.execute('CREATE INDEX import_rows_key ON import_rows (doc_id, start, "end", annotator, line)')
        problem = (
            "CASE WHEN s.sid IS NULL THEN 'missing'"
            " WHEN d.sha256 != r.doc_sha256 THEN 'version'"
            " WHEN s.text != r.text THEN 'text'"
            " WHEN s.block != r.block OR b.block_type != r.block_type OR d.cluster != r.cluster"
            " OR b.lang != r.lang THEN 'contradicts'"
            f" WHEN r.origin = 'adjudicated' AND (coalesce({j.list_length('r.derived_from')}, 0) = 0 OR EXISTS ("
            f"SELECT 1 FROM {j.list_items('r.derived_from')} j LEFT JOIN events e"
            " ON e.event_id = CAST(j.value AS INTEGER)"
            " WHERE e.event_id IS NULL OR e.sid != s.sid OR e.annotator = r.annotator)) THEN 'sources'"
            " WHEN NOT :overwrite AND l.updated_at > r.updated_at THEN 'newer'"
            " WHEN r.line > (SELECT min(r2.line) FROM import_rows r2 WHERE r2.doc_id = r.doc_id"
            " AND r2.start = r.start AND r2.end = r.end AND r2.annotator = r.annotator) THEN 'repeated'"
            " END"
        )
        found = (
            f"SELECT r.line, {problem} AS problem, r.doc_id || ':' || r.start || '-' || r.end,"
            " d.sha256, s.block, b.block_type, d.cluster, b.lang, l.updated_at,"
            " (SELECT min(r2.line) FROM import_rows r2 WHERE r2.doc_id = r.doc_id AND r2.start = r.start"
            " AND r2.end = r.end AND r2.annotator = r.annotator),"
            " r.doc_sha256, r.block, r.block_type, r.cluster, r.lang, r.updated_at, r.annotator, r.derived_from"
            f" FROM import_rows r {_LOCATE} LEFT JOIN labels l ON l.sid = s.sid AND l.annotator = r.annotator"
        )
        listed = [
            Conflict(line, problem, record_id, tuple(row[:7]), tuple(row[7:]))
            for line, problem, record_id, *row in self.db.execute(
                f"SELECT * FROM ({found}) found WHERE problem IS NOT NULL ORDER BY line LIMIT :limit",
                {"overwrite": overwrite, "limit": limit},
            )
        ]
        if len(listed) < limit:
            return listed, len(listed)
        (count,) = self.db.execute(
            f"SELECT count(*) FROM ({found}) found WHERE problem IS NOT NULL", {"overwrite": overwrite}
        ).fetchone()
        return listed, count
