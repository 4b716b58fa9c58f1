"""The SQLite store: documents, blocks, sentences, an append-only event log and current labels.

One file, WAL mode and a busy timeout so several annotators' processes can share it. Every
decision is one `BEGIN IMMEDIATE` transaction that appends an event and updates the current-state
row for (sentence, annotator); the call returns only after the commit (synchronous=FULL).
Nothing is ever loaded whole: every query asks for the rows it needs.
"""

from __future__ import annotations

import shutil
import sqlite3
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING

import orjson

from annotator.assignment import Assignment
from annotator.errors import UserError
from annotator.scheme import LABELLED_BLOCK_TYPES, Status, sentence_id

# Imported where they are used: the labelling screen paints its first sentence from rows alone,
# before pydantic (models) is imported; ingest-only modules stay unimported for it.
if TYPE_CHECKING:
    from annotator.corpus import clusters
    from annotator.corpus.pipeline import AnalysedDoc
    from annotator.model import Event, SentenceLabels

STORE_VERSION = 4

_SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE documents (
    doc INTEGER PRIMARY KEY,            -- ingest order
    doc_id TEXT NOT NULL UNIQUE,
    path TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    version INTEGER NOT NULL,
    cluster TEXT NOT NULL,
    fp_size INTEGER NOT NULL DEFAULT 0, -- how many sampled shingles its fingerprint has
    text TEXT NOT NULL,
    ingested_at TEXT NOT NULL
);
CREATE INDEX documents_cluster ON documents(cluster);
CREATE TABLE document_versions (        -- earlier texts of changed documents, kept
    doc_id TEXT NOT NULL, version INTEGER NOT NULL, sha256 TEXT NOT NULL, text TEXT NOT NULL,
    ingested_at TEXT NOT NULL, PRIMARY KEY (doc_id, version)
);
CREATE TABLE blocks (
    doc INTEGER NOT NULL, idx INTEGER NOT NULL, start INTEGER NOT NULL, end INTEGER NOT NULL,
    block_type TEXT NOT NULL, lang TEXT NOT NULL, duplicate_of INTEGER,
    PRIMARY KEY (doc, idx)
) WITHOUT ROWID;
CREATE TABLE sentences (
    sid INTEGER PRIMARY KEY AUTOINCREMENT,  -- never reused: labels and events point here
    doc INTEGER NOT NULL, pos INTEGER NOT NULL, block INTEGER NOT NULL,
    start INTEGER NOT NULL, end INTEGER NOT NULL, text TEXT NOT NULL,
    labelled INTEGER NOT NULL           -- 1 when its block type is one that gets labels
);
CREATE UNIQUE INDEX sentences_order ON sentences(doc, pos);
CREATE TABLE labels (                   -- current state per (sentence, annotator)
    sid INTEGER NOT NULL, annotator TEXT NOT NULL, status TEXT NOT NULL, labels TEXT NOT NULL,
    origin TEXT, created_at TEXT NOT NULL, updated_at TEXT NOT NULL,
    derived_from TEXT,                  -- adjudicated labels: JSON list of the event ids they came from
    PRIMARY KEY (sid, annotator)
) WITHOUT ROWID;
CREATE INDEX labels_annotator ON labels(annotator, sid);
CREATE TABLE retired_labels (           -- labels of sentences a new document version dropped
    sentence_id TEXT NOT NULL, doc_version INTEGER NOT NULL, annotator TEXT NOT NULL,
    status TEXT NOT NULL, labels TEXT NOT NULL, origin TEXT, created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL, retired_at TEXT NOT NULL
);
CREATE TABLE events (                   -- append-only: the audit trail and the undo history
    event_id INTEGER PRIMARY KEY,
    sid INTEGER NOT NULL, sentence_id TEXT NOT NULL, annotator TEXT NOT NULL,
    action TEXT NOT NULL, status TEXT NOT NULL, labels TEXT NOT NULL, origin TEXT,
    before TEXT,                        -- the labels row this event replaced (JSON), or NULL
    undoes INTEGER, undone_by INTEGER, at TEXT NOT NULL,
    derived_from TEXT
);
CREATE INDEX events_annotator ON events(annotator, event_id);
CREATE TABLE suggestions (              -- the engine's labels, apart from any annotator's
    sid INTEGER PRIMARY KEY, engine TEXT NOT NULL, labels TEXT NOT NULL
);
CREATE TABLE splits (                   -- frozen train/dev/test assignment of clusters or documents
    unit TEXT NOT NULL, key TEXT NOT NULL, split TEXT NOT NULL, PRIMARY KEY (unit, key)
) WITHOUT ROWID;
CREATE TABLE shingles (hash INTEGER NOT NULL, doc INTEGER NOT NULL);
CREATE INDEX shingles_hash ON shingles(hash);
CREATE INDEX shingles_doc ON shingles(doc);
"""

# Forward migrations: MIGRATIONS[n] turns a version-n store into version n + 1.
MIGRATIONS: dict[int, Callable[[sqlite3.Connection], None]] = {
    # 1 → 2: suggestions (empty until `annotator suggest --refresh` or the next ingest)
    1: lambda db: db.execute(
        "CREATE TABLE suggestions (sid INTEGER PRIMARY KEY, engine TEXT NOT NULL, labels TEXT NOT NULL)"
    ),
    # 2 → 3: provenance of adjudicated labels, frozen splits
    2: lambda db: [
        db.execute(statement)
        for statement in (
            "ALTER TABLE labels ADD COLUMN derived_from TEXT",
            "ALTER TABLE events ADD COLUMN derived_from TEXT",
            "CREATE TABLE splits (unit TEXT NOT NULL, key TEXT NOT NULL, split TEXT NOT NULL,"
            " PRIMARY KEY (unit, key)) WITHOUT ROWID",
        )
    ],
    # 3 → 4: labels gain `block_type` (null), last, where the model now writes it
    3: lambda db: [
        db.execute(f"UPDATE {table} SET labels = json_set(labels, '$.block_type', NULL)")
        for table in ("labels", "suggestions", "retired_labels")
    ],
}

_INGEST_BATCH = 256  # documents stored at a time, while the workers analyse the next ones
# SentenceLabels() as JSON; written out because building the model's validator at import would
# slow the labelling screen's start (a test holds the two equal)
_EMPTY_LABELS = '{"mode":null,"claim":null,"quotes":[],"flags":[],"note":null,"block_type":null}'


@dataclass
class IngestReport:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    sentences: int = 0
    labels_kept: int = 0
    labels_retired: int = 0


@dataclass(frozen=True, slots=True)
class SentenceRow:
    sid: int
    doc_id: str
    pos: int
    block: int
    start: int
    end: int
    text: str
    block_type: str

    @property
    def id(self) -> str:
        return sentence_id(self.doc_id, self.start, self.end)


@dataclass(frozen=True, slots=True)
class Undone:
    sid: int
    status_before: str | None  # the sentence's status before the undo (None: no labels)
    status_after: str | None


@dataclass(frozen=True, slots=True)
class LabelRow:
    sid: int
    annotator: str
    status: Status
    labels: SentenceLabels
    origin: str | None
    created_at: str
    updated_at: str


class Store:
    def __init__(self, path: str | Path, *, create: bool = True):
        self.path = Path(path)
        if not create and not self.path.exists():
            raise UserError(f"{self.path}: no such store (run `annotator ingest` first)")
        try:
            self.db = sqlite3.connect(self.path, timeout=30.0, isolation_level=None, check_same_thread=False)
            self.db.execute("PRAGMA journal_mode=WAL")
        except sqlite3.OperationalError as exc:
            raise UserError(f"{self.path}: cannot open the store ({exc})") from None
        except sqlite3.DatabaseError as exc:
            raise UserError(f"{self.path}: not an annotator store ({exc})") from None
        self.db.execute("PRAGMA busy_timeout=30000")
        self.db.execute("PRAGMA synchronous=FULL")
        self._prepare()
        self._serve(self.assignment())

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # ---------------------------------------------------------------- schema and transactions

    def _prepare(self) -> None:
        with self.write() as db:
            has_meta = db.execute("SELECT 1 FROM sqlite_master WHERE name='meta'").fetchone()
            if not has_meta:
                if db.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]:
                    raise UserError(f"{self.path}: an SQLite file that is not an annotator store")
                for statement in _SCHEMA.split(";"):
                    if statement.strip():
                        db.execute(statement)
                db.execute("INSERT INTO meta VALUES ('schema_version', ?)", (str(STORE_VERSION),))
                return
            version = int(db.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()[0])
        if version > STORE_VERSION:
            raise UserError(
                f"{self.path}: written by a newer annotator (store version {version}, this one reads "
                f"up to {STORE_VERSION}); upgrade annotator"
            )
        if version < STORE_VERSION:
            self._migrate(version)

    def _migrate(self, version: int) -> None:
        backup = self.path.with_name(f"{self.path.name}.v{version}.bak")
        self.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        shutil.copy2(self.path, backup)
        with self.write() as db:
            while version < STORE_VERSION:
                MIGRATIONS[version](db)
                version += 1
            db.execute("UPDATE meta SET value=? WHERE key='schema_version'", (str(version),))

    @contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction: taken at once (no lock upgrade), committed or rolled back whole."""
        try:
            self.db.execute("BEGIN IMMEDIATE")
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
            raise UserError(f"{self.path}: {exc}; nothing was written") from None

    # ---------------------------------------------------------------- who is served what

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

    def _served(self, annotator_param: int) -> str:
        """The SQL condition that keeps the sentences served to the annotator (none without a plan)."""
        return f" AND served(?{annotator_param}, d.doc_id, s.start, s.end)" if self._plan else ""

    # ---------------------------------------------------------------- ingest

    def ingest(self, docs: Iterable[AnalysedDoc]) -> IngestReport:
        """Add documents in one transaction; unchanged texts are skipped, changed ones versioned.

        `docs` is consumed in batches as it comes, so storing overlaps the analysis of the next
        documents in the worker processes."""
        from annotator.corpus.clusters import ClusterIndex
        from annotator.model import now

        report = IngestReport()
        at = now()

        docs = iter(docs)
        index = ClusterIndex()  # kept across batches: each one loads only what it adds
        with self.write() as db:
            while batch := list(islice(docs, _INGEST_BATCH)):
                self._load_index(db, index, batch)
                self._ingest_batch(db, index, batch, at, report)
        return report

    def _ingest_batch(
        self,
        db: sqlite3.Connection,
        index: clusters.ClusterIndex,
        docs: list[AnalysedDoc],
        at: str,
        report: IngestReport,
    ) -> None:
        for doc in docs:
            row = db.execute(
                "SELECT doc, sha256, version FROM documents WHERE doc_id=?", (doc.doc_id,)
            ).fetchone()
            if row and row[1] == doc.sha256:
                report.unchanged.append(doc.doc_id)
                continue
            if row:
                self._replace(db, index, row[0], row[2], doc, at, report)
                report.updated.append(doc.doc_id)
            else:
                cur = db.execute(
                    "INSERT INTO documents (doc_id, path, sha256, version, cluster, text, ingested_at)"
                    " VALUES (?, ?, ?, 1, ?, ?, ?)",
                    (doc.doc_id, doc.source.path, doc.sha256, doc.doc_id, doc.text, at),
                )
                self._insert_parts(db, index, cur.lastrowid, doc)
                report.added.append(doc.doc_id)
            report.sentences += sum(1 for _ in doc.sentences())

    def _insert_parts(
        self, db: sqlite3.Connection, index: clusters.ClusterIndex, d: int, doc: AnalysedDoc
    ) -> list[int]:
        db.executemany(
            "INSERT INTO blocks VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                (d, b.index, b.start, b.end, t.block_type, t.lang, t.duplicate_of)
                for b, t in zip(doc.blocks, doc.types, strict=True)
            ],
        )
        text = doc.text
        labelled = [t.block_type in LABELLED_BLOCK_TYPES for t in doc.types]
        rows = [(d, pos, b, s, e, text[s:e], labelled[b]) for pos, (b, s, e) in enumerate(doc.sentences())]
        db.executemany(
            "INSERT INTO sentences (doc, pos, block, start, end, text, labelled) VALUES (?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
        self._assign_cluster(db, index, d, doc)
        sids = [sid for (sid,) in db.execute("SELECT sid FROM sentences WHERE doc=? ORDER BY pos", (d,))]
        if doc.suggestions:
            from annotator.suggest import ENGINE

            db.executemany(
                "INSERT INTO suggestions VALUES (?, ?, ?)",
                [(sid, ENGINE, js) for sid, js in zip(sids, doc.suggestions, strict=True) if js],
            )
        return sids

    def _load_index(
        self, db: sqlite3.Connection, index: clusters.ClusterIndex, docs: list[AnalysedDoc]
    ) -> None:
        """Load what this batch can match and the index lacks: the stored postings of hashes the
        index has not met yet (those it has met carry every document since), and those documents'
        sizes and clusters."""
        hashes = list({h for d in docs for h in d.fingerprint if h not in index.postings})
        known: set[int] = set()
        for i in range(0, len(hashes), 900):
            chunk = hashes[i : i + 900]
            for h, d in db.execute(
                f"SELECT hash, doc FROM shingles WHERE hash IN ({','.join('?' * len(chunk))})", chunk
            ):
                index.postings.setdefault(h, []).append(d)
                if d not in index.size:
                    known.add(d)
        wanted = list(known)
        for i in range(0, len(wanted), 900):
            chunk = wanted[i : i + 900]
            for d, size, cluster in db.execute(
                f"SELECT doc, fp_size, cluster FROM documents WHERE doc IN ({','.join('?' * len(chunk))})",
                chunk,
            ):
                index.size[d], index.cluster[d] = size, cluster

    def _assign_cluster(
        self, db: sqlite3.Connection, index: clusters.ClusterIndex, d: int, doc: AnalysedDoc
    ) -> None:
        cluster, merged, indexed = index.add(d, doc.doc_id, doc.fingerprint)
        for other in merged:
            db.execute("UPDATE documents SET cluster=? WHERE cluster=?", (cluster, other))
        db.execute(
            "UPDATE documents SET cluster=?, fp_size=? WHERE doc=?", (cluster, len(doc.fingerprint), d)
        )
        db.executemany("INSERT INTO shingles VALUES (?, ?)", [(h, d) for h in indexed])

    def _replace(
        self,
        db: sqlite3.Connection,
        index: clusters.ClusterIndex,
        d: int,
        version: int,
        doc: AnalysedDoc,
        at: str,
        report: IngestReport,
    ):
        """A changed text: keep the old version, re-segment, carry labels over by sentence text."""
        db.execute(
            "INSERT INTO document_versions SELECT doc_id, version, sha256, text, ingested_at FROM documents WHERE doc=?",
            (d,),
        )
        old = db.execute(
            "SELECT sid, text, start, end FROM sentences WHERE doc=? ORDER BY pos", (d,)
        ).fetchall()
        db.execute("DELETE FROM suggestions WHERE sid IN (SELECT sid FROM sentences WHERE doc=?)", (d,))
        db.execute("DELETE FROM sentences WHERE doc=?", (d,))
        db.execute("DELETE FROM blocks WHERE doc=?", (d,))
        db.execute("DELETE FROM shingles WHERE doc=?", (d,))
        index.forget(d)
        db.execute(
            "UPDATE documents SET path=?, sha256=?, version=?, text=?, ingested_at=? WHERE doc=?",
            (doc.source.path, doc.sha256, version + 1, doc.text, at, d),
        )
        new_sids = self._insert_parts(db, index, d, doc)
        by_text: dict[str, list[int]] = {}
        for (_, s, e), sid in zip(doc.sentences(), new_sids, strict=True):
            by_text.setdefault(doc.text[s:e], []).append(sid)
        for sid, text, start, end in old:
            n = db.execute("SELECT count(*) FROM labels WHERE sid=?", (sid,)).fetchone()[0]
            candidates = by_text.get(text)
            if candidates:
                new = candidates.pop(0)
                db.execute("UPDATE labels SET sid=? WHERE sid=?", (new, sid))
                db.execute("UPDATE events SET sid=? WHERE sid=?", (new, sid))
                report.labels_kept += n
            elif n:
                db.execute(
                    "INSERT INTO retired_labels SELECT ?, ?, annotator, status, labels, origin, created_at,"
                    " updated_at, ? FROM labels WHERE sid=?",
                    (sentence_id(doc.doc_id, start, end), version, at, sid),
                )
                db.execute("DELETE FROM labels WHERE sid=?", (sid,))
                report.labels_retired += n

    def refresh_suggestions(self) -> tuple[int, int]:
        """Recompute every document's suggestions with this engine; labels are not touched.
        Returns (sentences whose suggestion changed, documents)."""
        from annotator.corpus.pipeline import analyse_all
        from annotator.corpus.reader import SourceDoc
        from annotator.suggest import ENGINE

        docs = self.db.execute("SELECT doc, doc_id, path, text FROM documents ORDER BY doc").fetchall()
        changed = 0
        with self.write() as db:
            analysed = analyse_all([SourceDoc(doc_id, path, text) for _, doc_id, path, text in docs])
            for (d, *_), a in zip(docs, analysed, strict=True):
                stored = {
                    (start, end): (sid, old)
                    for sid, start, end, old in db.execute(
                        "SELECT s.sid, s.start, s.end, g.labels FROM sentences s "
                        "LEFT JOIN suggestions g ON g.sid = s.sid WHERE s.doc=?",
                        (d,),
                    )
                }
                for (_, start, end), js in zip(a.sentences(), a.suggestions, strict=True):
                    sid, old = stored.get((start, end), (None, None))
                    if sid is None:
                        continue
                    changed += old != js
                    db.execute("DELETE FROM suggestions WHERE sid=?", (sid,))
                    if js:
                        db.execute("INSERT INTO suggestions VALUES (?, ?, ?)", (sid, ENGINE, js))
        return changed, len(docs)

    def suggestion(self, sid: int) -> SentenceLabels | None:
        from annotator.model import SentenceLabels

        row = self.db.execute("SELECT labels FROM suggestions WHERE sid=?", (sid,)).fetchone()
        return SentenceLabels.model_validate_json(row[0]) if row else None

    # ---------------------------------------------------------------- reading

    _SENTENCE_SQL = (
        "SELECT s.sid, d.doc_id, s.pos, s.block, s.start, s.end, s.text, b.block_type "
        "FROM sentences s JOIN documents d ON d.doc = s.doc JOIN blocks b ON b.doc = s.doc AND b.idx = s.block "
    )

    def is_empty(self) -> bool:
        return self.db.execute("SELECT 1 FROM documents LIMIT 1").fetchone() is None

    def documents(self) -> list[tuple[str, str, int, str]]:
        """(doc_id, path, version, cluster) in ingest order (a small table: one row per document)."""
        return self.db.execute("SELECT doc_id, path, version, cluster FROM documents ORDER BY doc").fetchall()

    def document_text(self, doc_id: str) -> str:
        row = self.db.execute("SELECT text FROM documents WHERE doc_id=?", (doc_id,)).fetchone()
        if row is None:
            raise KeyError(doc_id)
        return row[0]

    def sentence(self, sid: int) -> SentenceRow | None:
        row = self.db.execute(self._SENTENCE_SQL + "WHERE s.sid=?", (sid,)).fetchone()
        return SentenceRow(*row) if row else None

    def sentences(self, doc_id: str | None = None) -> Iterator[SentenceRow]:
        """Sentences in corpus order, streamed."""
        if doc_id is None:
            cur = self.db.execute(self._SENTENCE_SQL + "ORDER BY s.doc, s.pos")
        else:
            cur = self.db.execute(self._SENTENCE_SQL + "WHERE d.doc_id=? ORDER BY s.pos", (doc_id,))
        for row in cur:
            yield SentenceRow(*row)

    def window(self, sid: int, before: int = 2, after: int = 2) -> list[SentenceRow]:
        """The sentence and its neighbours in the same document."""
        doc, pos = self.db.execute("SELECT doc, pos FROM sentences WHERE sid=?", (sid,)).fetchone()
        rows = self.db.execute(
            self._SENTENCE_SQL + "WHERE s.doc=? AND s.pos BETWEEN ? AND ? ORDER BY s.pos",
            (doc, pos - before, pos + after),
        ).fetchall()
        return [SentenceRow(*r) for r in rows]

    def step(self, sid: int, direction: int, *, labelled_only: bool = True) -> SentenceRow | None:
        """The next (direction=1) or previous (-1) sentence in corpus order."""
        doc, pos = self.db.execute("SELECT doc, pos FROM sentences WHERE sid=?", (sid,)).fetchone()
        cmp, order = (">", "ASC") if direction > 0 else ("<", "DESC")
        only = "AND s.labelled " if labelled_only else ""
        row = self.db.execute(
            self._SENTENCE_SQL
            + f"WHERE (s.doc, s.pos) {cmp} (?, ?) {only}ORDER BY s.doc {order}, s.pos {order} LIMIT 1",
            (doc, pos),
        ).fetchone()
        return SentenceRow(*row) if row else None

    def first(self, doc_id: str | None = None, *, labelled_only: bool = True) -> SentenceRow | None:
        """The first sentence of a document, or of the corpus."""
        only = "s.labelled AND " if labelled_only else ""
        if doc_id is None:
            row = self.db.execute(
                self._SENTENCE_SQL + f"WHERE {only}1 ORDER BY s.doc, s.pos LIMIT 1"
            ).fetchone()
        else:
            row = self.db.execute(
                self._SENTENCE_SQL + f"WHERE {only}d.doc_id = ? ORDER BY s.pos LIMIT 1", (doc_id,)
            ).fetchone()
        return SentenceRow(*row) if row else None

    def step_document(self, sid: int, direction: int, *, labelled_only: bool = True) -> SentenceRow | None:
        """The first sentence of the next (1) or previous (-1) document that has one."""
        (doc,) = self.db.execute("SELECT doc FROM sentences WHERE sid=?", (sid,)).fetchone()
        cmp, order = (">", "ASC") if direction > 0 else ("<", "DESC")
        only = "AND s.labelled " if labelled_only else ""
        found = self.db.execute(
            f"SELECT s.doc FROM sentences s WHERE s.doc {cmp} ? {only}ORDER BY s.doc {order} LIMIT 1", (doc,)
        ).fetchone()
        if found is None:
            return None
        row = self.db.execute(
            self._SENTENCE_SQL + f"WHERE s.doc = ? {only}ORDER BY s.pos LIMIT 1", (found[0],)
        ).fetchone()
        return SentenceRow(*row) if row else None

    def search(self, needle: str, after_sid: int | None = None) -> SentenceRow | None:
        """The next sentence containing `needle` (case-insensitive for ASCII letters), wrapping around."""
        start = (0, -1)
        if after_sid is not None:
            start = self.db.execute("SELECT doc, pos FROM sentences WHERE sid=?", (after_sid,)).fetchone()
        sql = self._SENTENCE_SQL + (
            "WHERE (s.doc, s.pos) > (?, ?) AND instr(lower(s.text), lower(?)) ORDER BY s.doc, s.pos LIMIT 1"
        )
        row = self.db.execute(sql, (*start, needle)).fetchone()
        if row is None and after_sid is not None:
            row = self.db.execute(sql, (0, -1, needle)).fetchone()
        return SentenceRow(*row) if row else None

    def progress(self, annotator: str) -> tuple[int, int]:
        """(finished, total) labelled-type sentences served to the annotator: one pass, at session start."""
        return self.db.execute(
            "SELECT count(l.sid), count(*) FROM sentences s JOIN documents d ON d.doc = s.doc "
            "LEFT JOIN labels l ON l.sid = s.sid AND l.annotator = ?1 AND l.status != 'todo' "
            "WHERE s.labelled" + self._served(1),
            (annotator,),
        ).fetchone()

    def document_progress(self, doc_id: str, annotator: str) -> tuple[int, int]:
        """(finished, total) labelled-type sentences of one document served to the annotator."""
        return self.db.execute(
            "SELECT count(l.sid), count(*) FROM sentences s JOIN documents d ON d.doc = s.doc "
            "LEFT JOIN labels l ON l.sid = s.sid AND l.annotator = ?1 AND l.status != 'todo' "
            "WHERE d.doc_id = ?2 AND s.labelled" + self._served(1),
            (annotator, doc_id),
        ).fetchone()

    def document_info(self, doc_id: str) -> tuple[str, int, str | None]:
        """(cluster, documents in that cluster, headline text or None)."""
        doc, cluster = self.db.execute(
            "SELECT doc, cluster FROM documents WHERE doc_id=?", (doc_id,)
        ).fetchone()
        size = self.db.execute("SELECT count(*) FROM documents WHERE cluster=?", (cluster,)).fetchone()[0]
        headline = self.db.execute(
            "SELECT s.text FROM sentences s JOIN blocks b ON b.doc = s.doc AND b.idx = s.block "
            "WHERE s.doc = ? AND b.block_type = 'headline' ORDER BY s.pos LIMIT 1",
            (doc,),
        ).fetchone()
        return cluster, size, headline[0] if headline else None

    def find_documents(self, query: str, annotator: str, limit: int = 200) -> list[tuple[str, int, int]]:
        """(doc_id, finished, total labelled-type sentences) of documents whose id contains `query`."""
        docs = self.db.execute(
            "SELECT doc_id FROM documents WHERE instr(lower(doc_id), lower(?)) ORDER BY doc LIMIT ?",
            (query, limit),
        ).fetchall()
        return [(doc_id, *self.document_progress(doc_id, annotator)) for (doc_id,) in docs]

    def speakers(self, doc_id: str, annotator: str) -> list[str]:
        """Speakers the annotator has already named in this document, most recent first."""
        rows = self.db.execute(
            "SELECT l.labels FROM labels l JOIN sentences s ON s.sid = l.sid JOIN documents d ON d.doc = s.doc "
            "WHERE d.doc_id = ? AND l.annotator = ? ORDER BY s.pos DESC",
            (doc_id, annotator),
        ).fetchall()
        names: dict[str, None] = {}
        for (labels,) in rows:
            for quote in orjson.loads(labels)["quotes"]:
                if quote.get("speaker"):
                    names.setdefault(quote["speaker"])
        return list(names)

    def next_unannotated(self, annotator: str, after_sid: int | None = None) -> SentenceRow | None:
        """The first labelled-type sentence served to the annotator (after `after_sid`, wrapping
        around) that they have not decided."""
        start = (0, -1)
        if after_sid is not None:
            start = self.db.execute("SELECT doc, pos FROM sentences WHERE sid=?", (after_sid,)).fetchone()
        sql = (
            self._SENTENCE_SQL + "WHERE s.labelled AND (s.doc, s.pos) > (?1, ?2) AND NOT EXISTS "
            "(SELECT 1 FROM labels l WHERE l.sid = s.sid AND l.annotator = ?3 AND l.status != 'todo') "
            + self._served(3)
            + " ORDER BY s.doc, s.pos LIMIT 1"
        )
        row = self.db.execute(sql, (*start, annotator)).fetchone()
        if row is None and after_sid is not None:
            row = self.db.execute(sql, (0, -1, annotator)).fetchone()
        return SentenceRow(*row) if row else None

    def labels(self, sid: int, annotator: str) -> LabelRow | None:
        row = self.db.execute(
            "SELECT sid, annotator, status, labels, origin, created_at, updated_at FROM labels WHERE sid=? AND annotator=?",
            (sid, annotator),
        ).fetchone()
        if row is None:
            return None
        from annotator.model import SentenceLabels

        return LabelRow(row[0], row[1], row[2], SentenceLabels.model_validate_json(row[3]), *row[4:])

    # ---------------------------------------------------------------- decisions

    def record(
        self,
        sid: int,
        annotator: str,
        labels: SentenceLabels,
        *,
        status: Status = "done",
        origin: str | None = "manual",
        action: str = "label",
        created_at: str | None = None,
        updated_at: str | None = None,
        derived_from: list[int] | None = None,
    ) -> int:
        """Store one decision durably (one transaction) and return its event id. `derived_from`:
        the events (other annotators' decisions) an adjudicated decision was made from."""
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
            cur = db.execute(
                "INSERT INTO events (sid, sentence_id, annotator, action, status, labels, origin, before, at,"
                " derived_from) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (sid, sentence.id, annotator, action, status, payload, origin, before, at, derived),
            )
            created = created_at or (orjson.loads(before)["created_at"] if before else at)
            self._put(db, sid, annotator, status, payload, origin, created, updated_at or at, derived)
            return cur.lastrowid

    @staticmethod
    def _put(db: sqlite3.Connection, *row) -> None:
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
                "SELECT event_id, sid, sentence_id, before FROM events WHERE annotator=? AND action != 'undo' "
                "AND undone_by IS NULL ORDER BY event_id DESC LIMIT 1",
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
                status, labels, origin = None, _EMPTY_LABELS, None
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
            cur = db.execute(
                "INSERT INTO events (sid, sentence_id, annotator, action, status, labels, origin, before, undoes, at)"
                " VALUES (?, ?, ?, 'undo', ?, ?, ?, NULL, ?, ?)",
                (sid, text_id, annotator, status or "todo", labels, origin, event_id, now()),
            )
            db.execute("UPDATE events SET undone_by=? WHERE event_id=?", (cur.lastrowid, event_id))
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

    def status(self, sid: int, annotator: str) -> Status | None:
        """The status of the annotator's decision on a sentence (None: undecided), without
        reading the labels."""
        row = self.db.execute(
            "SELECT status FROM labels WHERE sid=? AND annotator=?", (sid, annotator)
        ).fetchone()
        return row[0] if row else None

    def last_position(self, annotator: str) -> int | None:
        """The sentence of the annotator's latest event: where to resume."""
        row = self.db.execute(
            "SELECT sid FROM events WHERE annotator=? ORDER BY event_id DESC LIMIT 1", (annotator,)
        ).fetchone()
        return row[0] if row else None

    # ---------------------------------------------------------------- export and import

    def export_json(
        self,
        *,
        include_all: bool = False,
        annotator: str | None = None,
        adjudicated: bool = False,
        split_unit: str | None = None,
        chunk: int = 5000,
    ) -> Iterator[list[tuple[str, str | None]]]:
        """Chunks of (JSON object, split), one per export record, in corpus order, built by SQLite: decided sentences
        (done; skipped and todo too with `include_all`), one per (sentence, annotator), of one
        annotator or only the adjudicated layer when asked. With `split_unit` ('cluster' or
        'document'), each record carries the split frozen for its cluster or document."""
        from annotator.model import SCHEMA_VERSION

        record = (
            f"json_object('schema_version', {SCHEMA_VERSION}, 'id', d.doc_id || ':' || s.start || '-' || s.end,"
            " 'doc_id', d.doc_id, 'doc_sha256', d.sha256, 'cluster', d.cluster, 'block', s.block,"
            " 'block_type', b.block_type, 'lang', b.lang, 'start', s.start, 'end', s.end, 'text', s.text,"
            " 'labels', json(coalesce(l.labels, ?)), 'status', coalesce(l.status, 'todo'),"
            " 'annotator', l.annotator, 'origin', l.origin, 'created_at', l.created_at,"
            " 'updated_at', l.updated_at, 'derived_from', json(l.derived_from), 'split', x.split), x.split"
        )
        key = {"cluster": "d.cluster", "document": "d.doc_id", None: "NULL"}[split_unit]
        joins = (
            "JOIN documents d ON d.doc = s.doc JOIN blocks b ON b.doc = s.doc AND b.idx = s.block "
            f"LEFT JOIN splits x ON x.unit = ? AND x.key = {key}"
        )
        who, params = self._layer(annotator, adjudicated)
        args = (_EMPTY_LABELS, split_unit, *params)
        # Driven by the sentence order index, so no sort is needed.
        if include_all:
            sql = f"SELECT {record} FROM sentences s {joins} LEFT JOIN labels l ON l.sid = s.sid{who}"
        else:
            sql = f"SELECT {record} FROM sentences s CROSS JOIN labels l ON l.sid = s.sid {joins} WHERE l.status = 'done'{who}"
        cursor = self.db.execute(sql + " ORDER BY s.doc, s.pos, l.annotator", args)
        while rows := cursor.fetchmany(chunk):
            yield rows

    @staticmethod
    def _layer(annotator: str | None, adjudicated: bool) -> tuple[str, tuple]:
        """The SQL condition on `l` that keeps one annotator's labels, or the adjudicated layer."""
        if annotator:
            return " AND l.annotator = ?", (annotator,)
        if adjudicated:
            return " AND l.origin = 'adjudicated'", ()
        return "", ()

    def export_size(
        self, *, include_all: bool = False, annotator: str | None = None, adjudicated: bool = False
    ) -> int:
        """How many records `export_json` will yield."""
        who, params = self._layer(annotator, adjudicated)
        if include_all:
            sql = "SELECT count(*) FROM sentences s LEFT JOIN labels l ON l.sid = s.sid" + who
        else:
            sql = "SELECT count(*) FROM labels l WHERE l.status = 'done'" + who
        return self.db.execute(sql, params).fetchone()[0]

    def finished_decisions(self, annotators=None) -> Iterator[tuple[int, str, str, str, str]]:
        """(sid, doc_id, annotator, the rules' block type, labels JSON) of every finished decision in
        the annotators' own layers (adjudicated ones left out), optionally only of some annotators."""
        sql = (
            "SELECT l.sid, d.doc_id, l.annotator, b.block_type, l.labels FROM labels l "
            "JOIN sentences s ON s.sid = l.sid JOIN documents d ON d.doc = s.doc "
            "JOIN blocks b ON b.doc = s.doc AND b.idx = s.block "
            "WHERE l.status = 'done' AND l.origin IS NOT 'adjudicated'"
        )
        if annotators:
            sql += f" AND l.annotator IN ({','.join('?' * len(annotators))})"
        yield from self.db.execute(sql + " ORDER BY s.doc, s.pos", tuple(annotators or ()))

    def has_own_labels(self, annotator: str) -> bool:
        """Whether the annotator labelled anything themselves (adjudicated verdicts aside)."""
        return (
            self.db.execute(
                "SELECT 1 FROM labels WHERE annotator = ? AND origin IS NOT 'adjudicated' LIMIT 1",
                (annotator,),
            ).fetchone()
            is not None
        )

    def versions(
        self, sid: int, reviewer: str, annotators: list[str] | None = None
    ) -> list[tuple[str, SentenceLabels, int]]:
        """(annotator, labels, id of the event that made them) of every finished own-layer decision
        on a sentence but the reviewer's, by annotator name."""
        from annotator.model import SentenceLabels

        sql = (
            "SELECT l.annotator, l.labels, (SELECT max(e.event_id) FROM events e WHERE e.sid = l.sid"
            " AND e.annotator = l.annotator) FROM labels l WHERE l.sid = ? AND l.annotator != ?"
            " AND l.status = 'done' AND l.origin IS NOT 'adjudicated'"
        )
        if annotators:
            sql += f" AND l.annotator IN ({','.join('?' * len(annotators))})"
        rows = self.db.execute(sql + " ORDER BY l.annotator", (sid, reviewer, *(annotators or ()))).fetchall()
        return [(a, SentenceLabels.model_validate_json(labels), event) for a, labels, event in rows]

    def finished_texts(self) -> Iterator[tuple[str, str | None, str | None]]:
        """(sentence text, mode, claim) of every finished decision: what a model learns from."""
        yield from self.db.execute(
            "SELECT s.text, json_extract(l.labels, '$.mode'), json_extract(l.labels, '$.claim') "
            "FROM labels l JOIN sentences s ON s.sid = l.sid WHERE l.status = 'done'"
        )

    def unlabelled(self, annotator: str, limit: int) -> list[tuple[int, str]]:
        """(sid, text) of the first `limit` sentences served to the annotator that they have not decided."""
        return self.db.execute(
            "SELECT s.sid, s.text FROM sentences s JOIN documents d ON d.doc = s.doc WHERE s.labelled AND NOT EXISTS "
            "(SELECT 1 FROM labels l WHERE l.sid = s.sid AND l.annotator = ?1 AND l.status != 'todo')"
            + self._served(1)
            + " ORDER BY s.doc, s.pos LIMIT ?2",
            (annotator, limit),
        ).fetchall()

    # ---------------------------------------------------------------- splits

    def split_groups(self, unit: str, field: str) -> dict[str, tuple[Counter, int]]:
        """Per cluster or document: the finished values of `field` (mode, claim) and its number of
        sentences to label; what a stratified split is made from."""
        key = "d.cluster" if unit == "cluster" else "d.doc_id"
        groups: dict[str, tuple[Counter, int]] = {}
        for k, n in self.db.execute(
            f"SELECT {key}, count(*) FROM sentences s JOIN documents d ON d.doc = s.doc WHERE s.labelled GROUP BY 1"
        ):
            groups[k] = (Counter(), n)
        for k, value, n in self.db.execute(
            f"SELECT {key}, json_extract(l.labels, '$.{field}'), count(*) FROM labels l "
            "JOIN sentences s ON s.sid = l.sid JOIN documents d ON d.doc = s.doc "
            "WHERE l.status = 'done' AND s.labelled GROUP BY 1, 2"
        ):
            if k in groups and value is not None:
                groups[k][0][value] += n
        return groups

    def frozen_splits(self) -> tuple[dict | None, dict[str, str]]:
        """The split plan stored by the first split export (or None) and its assignments."""
        row = self.db.execute("SELECT value FROM meta WHERE key='split_plan'").fetchone()
        if row is None:
            return None, {}
        plan = orjson.loads(row[0])
        return plan, dict(self.db.execute("SELECT key, split FROM splits WHERE unit=?", (plan["unit"],)))

    def freeze_splits(self, plan: dict, assigned: dict[str, str], *, replace: bool = False) -> None:
        """Keep the plan and new assignments (all of them afresh with `replace`)."""
        with self.write() as db:
            if replace:
                db.execute("DELETE FROM splits")
            db.execute("INSERT OR REPLACE INTO meta VALUES ('split_plan', ?)", (orjson.dumps(plan).decode(),))
            db.executemany(
                "INSERT INTO splits VALUES (?, ?, ?)", [(plan["unit"], k, v) for k, v in assigned.items()]
            )

    def skipped_count(self, annotator: str | None = None, adjudicated: bool = False) -> int:
        who, params = self._layer(annotator, adjudicated)
        return self.db.execute(
            "SELECT count(*) FROM labels l WHERE l.status = 'skipped'" + who, params
        ).fetchone()[0]

    def find_sentence(self, doc_id: str, start: int, end: int) -> tuple[SentenceRow, str] | None:
        """The sentence at these offsets of the current document version, with the document's sha256."""
        row = self.db.execute(
            self._SENTENCE_SQL.replace("SELECT ", "SELECT d.sha256, ", 1)
            + "WHERE d.doc_id=? AND s.start=? AND s.end=?",
            (doc_id, start, end),
        ).fetchone()
        return (SentenceRow(*row[1:]), row[0]) if row else None

    def import_labels(
        self,
        rows: list[tuple[int, str, SentenceLabels, Status, str | None, str | None, str | None, list | None]],
    ) -> int:
        """Store imported decisions (sid, annotator, labels, status, origin, created_at, updated_at,
        derived_from) in one transaction; a decision identical to the current one is not repeated.
        Returns how many changed something."""
        from annotator.model import now

        changed = 0
        at = now()
        with self.write() as db:
            for sid, annotator, labels, status, origin, created_at, updated_at, derived_from in rows:
                payload = orjson.dumps(labels.model_dump(mode="json")).decode()
                derived = orjson.dumps(derived_from).decode() if derived_from is not None else None
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
                text_id = db.execute(
                    "SELECT d.doc_id, s.start, s.end FROM sentences s JOIN documents d ON d.doc = s.doc WHERE s.sid=?",
                    (sid,),
                ).fetchone()
                db.execute(
                    "INSERT INTO events (sid, sentence_id, annotator, action, status, labels, origin, before, at,"
                    " derived_from) VALUES (?, ?, ?, 'import', ?, ?, ?, ?, ?, ?)",
                    (sid, sentence_id(*text_id), annotator, status, payload, origin, before, at, derived),
                )
                self._put(
                    db, sid, annotator, status, payload, origin, created_at or at, updated_at or at, derived
                )
                changed += 1
        return changed

    # ---------------------------------------------------------------- counts

    def counts(self) -> dict:
        q = self.db.execute
        labelled = q("SELECT count(*) FROM sentences WHERE labelled").fetchone()[0]
        per_annotator = {}
        for annotator, status, n in q(
            "SELECT l.annotator, l.status, count(*) FROM labels l JOIN sentences s ON s.sid = l.sid "
            "WHERE s.labelled AND l.status != 'todo' GROUP BY l.annotator, l.status ORDER BY l.annotator"
        ):
            per_annotator.setdefault(annotator, {"done": 0, "skipped": 0})[status] = n
        for annotator, entry in per_annotator.items():
            served = self.progress(annotator)[1] if self._plan and annotator in self._plan.team else labelled
            entry["remaining"] = served - entry["done"] - entry["skipped"]
            entry["per_hour"] = self._rate(annotator)
        return {
            "documents": q("SELECT count(*) FROM documents").fetchone()[0],
            "clusters": q("SELECT count(DISTINCT cluster) FROM documents").fetchone()[0],
            "sentences": q("SELECT count(*) FROM sentences").fetchone()[0],
            "to_label": labelled,
            "blocks": dict(
                q("SELECT block_type, count(*) FROM blocks GROUP BY block_type ORDER BY 2 DESC").fetchall()
            ),
            "annotated": q(
                "SELECT count(DISTINCT l.sid) FROM labels l JOIN sentences s ON s.sid = l.sid "
                "WHERE s.labelled AND l.status = 'done'"
            ).fetchone()[0],
            "labels": {
                field: dict(
                    q(
                        f"SELECT coalesce(json_extract(labels, '$.{field}'), 'unset'), count(*) FROM labels "
                        "WHERE status = 'done' GROUP BY 1 ORDER BY 2 DESC"
                    ).fetchall()
                )
                for field in ("mode", "claim")
            },
            "quotes": q(
                "SELECT coalesce(sum(json_array_length(labels, '$.quotes')), 0) FROM labels WHERE status = 'done'"
            ).fetchone()[0],
            "annotators": per_annotator,
        }

    def _rate(self, annotator: str) -> float | None:
        """Decisions per hour of active time (pauses over five minutes are not counted)."""
        from datetime import datetime

        times = [
            datetime.fromisoformat(t)
            for (t,) in self.db.execute(
                "SELECT at FROM events WHERE annotator=? AND action IN ('label', 'skip') ORDER BY event_id",
                (annotator,),
            )
        ]
        active = sum(
            gap for a, b in zip(times, times[1:], strict=False) if (gap := (b - a).total_seconds()) <= 300
        )
        if active < 60:
            return None  # too little time to say
        return round((len(times) - 1) * 3600 / active, 1)
