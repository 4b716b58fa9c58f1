"""Looking after the file: a full check of the store, and a consistent copy of it."""

from __future__ import annotations

import hashlib
import os
import sqlite3
from pathlib import Path

from annotator.corpus.text import shown
from annotator.errors import UserError
from annotator.files import fsync_path, new_file
from annotator.store import jsonsql, tallies
from annotator.store.reading import Reading


class Maintenance(Reading):
    def check(self) -> tuple[list[str], dict[str, int]]:
        """(problems, what was checked): SQLite's own integrity check, then the store's: every
        sentence is the slice of its document it claims, every document matches its sha256, and
        no decision, event or suggestion points to a sentence that is not there, and the running
        tallies match the labels."""
        q = self.db.execute
        problems = []
        if not self.on_server:  # a server looks after its own pages
            problems = [f"SQLite: {row[0]}" for row in q("PRAGMA integrity_check") if row[0] != "ok"]
        if problems:  # the rest would read a damaged file
            return problems, {}
        counts = {
            "documents": q("SELECT count(*) FROM documents").fetchone()[0],
            "sentences": q("SELECT count(*) FROM sentences").fetchone()[0],
            "decisions": q("SELECT count(*) FROM labels").fetchone()[0],
            "events": q("SELECT count(*) FROM events").fetchone()[0],
        }
        for doc_id, sha, text in q("SELECT doc_id, sha256, text FROM documents ORDER BY doc"):
            if hashlib.sha256(text.encode("utf-8")).hexdigest() != sha:
                problems.append(f"document {shown(doc_id)}: its text does not match its sha256")
        for sid, doc_id, start, end in q(
            "SELECT s.sid, d.doc_id, s.start, s.end FROM sentences s JOIN documents d ON d.doc = s.doc "
            f"WHERE substr(d.text, s.start + 1, s.end - s.start) {jsonsql.spelling(self.on_server).differs} s.text"
            " ORDER BY s.sid LIMIT 20"
        ):
            problems.append(
                f"sentence {shown(doc_id)}:{start}-{end} (sid {sid}): not the text at its offsets"
            )
        # the events of a sentence a new document version dropped stay, as the audit trail
        retired = (
            " AND NOT EXISTS (SELECT 1 FROM document_versions v"
            " WHERE substr(t.sentence_id, 1, length(v.doc_id) + 1) = v.doc_id || ':')"
        )
        for table in ("labels", "events", "suggestions"):
            (n,) = q(
                f"SELECT count(*) FROM {table} t WHERE sid NOT IN (SELECT sid FROM sentences)"
                + (retired if table == "events" else "")
            ).fetchone()
            if n:
                problems.append(f"{table}: {n} rows point to no sentence")
        for table in ("labels", "events", "suggestions") if not self.on_server else ():  # json columns there
            (n,) = q(f"SELECT count(*) FROM {table} WHERE NOT json_valid(labels)").fetchone()
            if n:
                problems.append(f"{table}: {n} rows hold labels that are not JSON")
        if not problems and (n := tallies.mismatches(self.db, jsonsql.spelling(self.on_server))):
            problems.append(
                f"tallies: {n} cells do not match the labels (the dashboard's counts would be wrong)"
            )
        return problems, counts

    def verify(self) -> None:
        """Refuse to write into a damaged file (SQLite's quick check: every page and index, not the
        texts): a write would spread the damage. A PostgreSQL server looks after its own pages."""
        if self.on_server:
            return
        found = [row[0] for row in self.db.execute("PRAGMA quick_check")]
        if found != ["ok"]:
            raise UserError(
                f"{shown(self.path)}: the store is damaged ({found[0]}); nothing was written"
                " (`annotator db check` says more; restore a backup)"
            )

    def backup(self, target: Path) -> None:
        """A consistent copy of the whole store in one file (SQLite's backup API: the write-ahead
        log included, annotators may go on labelling meanwhile), written under a temporary name
        and renamed into place."""
        if target.exists():
            raise UserError(f"{shown(target)}: already exists; name a new file")
        tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
        try:
            new_file(tmp)
            copy = sqlite3.connect(tmp)
            try:
                self.db.backup(copy)
            finally:
                copy.close()
            fsync_path(tmp)
            os.replace(tmp, target)
        except FileExistsError:
            raise UserError(f"{shown(tmp)}: already exists; remove it or name another copy") from None
        except (OSError, sqlite3.Error) as exc:
            Path(tmp).unlink(missing_ok=True)
            raise UserError(f"{shown(target)}: cannot write the copy ({exc})") from None
