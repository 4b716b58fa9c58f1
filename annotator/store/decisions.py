"""The decision log: every decision appends one event (the audit trail and the undo history) and
sets the current-state row of (sentence, annotator), in one transaction that is committed before
the call returns. `_append` is the one place an event is written.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import orjson

from annotator.scheme import Origin, Status, sentence_id
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
    ) -> LabelRow:
        """Store one decision durably (one transaction) and return the current-state row it
        wrote. `derived_from`: the events (other annotators' decisions) an adjudicated decision
        was made from."""
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
            self._put(db, sid, annotator, status, payload, origin, created, updated_at or at, derived)
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
        cur = db.execute(
            "INSERT INTO events (sid, sentence_id, annotator, action, status, labels, origin, before, undoes,"
            " at, derived_from) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (sid, text_id, annotator, action, status, labels, origin, before, undoes, at, derived),
        )
        assert cur.lastrowid is not None
        return cur.lastrowid

    @staticmethod
    def _put(db: sqlite3.Connection, *row: object) -> None:
        """The current-state row of (sid, annotator, status, labels, origin, created_at, updated_at, derived_from)."""
        db.execute(
            "INSERT OR REPLACE INTO labels (sid, annotator, status, labels, origin, created_at, updated_at,"
            " derived_from) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            row,
        )

    @staticmethod
    def _row_json(db: sqlite3.Connection, sid: int, annotator: str) -> str | None:
        row = db.execute(
            "SELECT status, labels, origin, created_at, updated_at, derived_from FROM labels"
            " WHERE sid=? AND annotator=?",
            (sid, annotator),
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
                "SELECT event_id, sid, sentence_id, before FROM events WHERE annotator=? AND action != 'undo' "
                "AND undone_by IS NULL AND sid IN (SELECT sid FROM sentences) ORDER BY event_id DESC LIMIT 1",
                (annotator,),
            ).fetchone()
            if row is None:
                return None
            event_id, sid, text_id, before = row
            current = db.execute(
                "SELECT status FROM labels WHERE sid=? AND annotator=?", (sid, annotator)
            ).fetchone()
            if before is None:
                db.execute("DELETE FROM labels WHERE sid=? AND annotator=?", (sid, annotator))
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
            db.execute("UPDATE events SET undone_by=? WHERE event_id=?", (undo, event_id))
            return Undone(sid, current[0] if current else None, status)

    def history(self, annotator: str, limit: int = 50) -> list[Event]:
        """The annotator's latest events, newest first."""
        from annotator.model import Event

        rows = self.db.execute(
            "SELECT event_id, sentence_id, annotator, action, status, labels, origin, undoes, at FROM events "
            "WHERE annotator=? ORDER BY event_id DESC LIMIT ?",
            (annotator, limit),
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
        when the import ends."""
        self.db.execute("DROP TABLE IF EXISTS temp.import_rows")
        self.db.execute(
            "CREATE TEMP TABLE import_rows (line INTEGER NOT NULL, sid INTEGER NOT NULL, annotator TEXT NOT NULL,"
            " status TEXT NOT NULL, labels TEXT NOT NULL, origin TEXT, created_at TEXT, updated_at TEXT,"
            " derived_from TEXT, UNIQUE (sid, annotator))"
        )
        # One read transaction for the whole check: the file is checked against one state of the
        # store, and the staged rows are not committed one by one.
        self.db.execute("BEGIN")
        try:
            yield ImportStaging(self.db)
        finally:
            if self.db.in_transaction:
                self.db.execute("COMMIT")
            self.db.execute("DROP TABLE IF EXISTS temp.import_rows")

    def import_staged(self) -> int:
        """Store the staged decisions in one transaction; a decision identical to the current one
        is not repeated. Returns how many changed something."""
        from annotator.model import now

        changed = 0
        at = now()
        if self.db.in_transaction:
            self.db.execute("COMMIT")  # the check's read transaction (import_staging)
        with self.write() as db:
            staged = db.execute(
                "SELECT r.sid, r.annotator, r.status, r.labels, r.origin, r.created_at, r.updated_at,"
                " r.derived_from, d.doc_id, s.start, s.end FROM temp.import_rows r"
                " JOIN sentences s ON s.sid = r.sid JOIN documents d ON d.doc = s.doc ORDER BY r.line"
            )
            for sid, annotator, status, payload, origin, created_at, updated_at, derived, *text_id in staged:
                before = self._row_json(db, sid, annotator)
                if before:
                    b = orjson.loads(before)
                    same = (b["status"], orjson.loads(b["labels"]), b["origin"], b["derived_from"]) == (
                        status,
                        orjson.loads(payload),
                        origin,
                        derived,
                    )
                    if (
                        same
                        and b["created_at"] == (created_at or b["created_at"])
                        and b["updated_at"] == (updated_at or b["updated_at"])
                    ):
                        continue
                self._append(
                    db,
                    sid,
                    sentence_id(*text_id),
                    annotator,
                    "import",
                    status,
                    payload,
                    origin,
                    before,
                    at,
                    derived,
                )
                self._put(
                    db, sid, annotator, status, payload, origin, created_at or at, updated_at or at, derived
                )
                changed += 1
        return changed


class ImportStaging:
    """The staged decisions of one import (see DecisionLog.import_staging)."""

    def __init__(self, db: sqlite3.Connection):
        self.db = db

    def add(
        self,
        line: int,
        sid: int,
        annotator: str,
        labels: SentenceLabels,
        status: Status,
        origin: Origin | None,
        created_at: str | None,
        updated_at: str | None,
        derived_from: list[int] | None,
    ) -> int | None:
        """Stage one decision; when the file already gave this annotator's decision on this
        sentence, nothing is staged and the earlier line is returned."""
        payload = orjson.dumps(labels.model_dump(mode="json")).decode()
        derived = orjson.dumps(derived_from).decode() if derived_from is not None else None
        try:
            self.db.execute(
                "INSERT INTO temp.import_rows VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (line, sid, annotator, status, payload, origin, created_at, updated_at, derived),
            )
        except sqlite3.IntegrityError:
            (earlier,) = self.db.execute(
                "SELECT line FROM temp.import_rows WHERE sid = ? AND annotator = ?", (sid, annotator)
            ).fetchone()
            return int(earlier)
        return None
