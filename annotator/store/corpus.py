"""The corpus tables: documents and their earlier versions, blocks, sentences, near-duplicate
clusters and the engine's suggestions. Ingest writes them; analysis happens before (annotator/ingest.py).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from itertools import islice
from typing import TYPE_CHECKING

from annotator.scheme import LABELLED_BLOCK_TYPES, sentence_id
from annotator.store.connection import Connection
from annotator.store.rows import IngestReport, StoredDocument

# Imported where used: the labelling screen opens a store without loading the ingest code.
if TYPE_CHECKING:
    from annotator.corpus.clusters import ClusterIndex
    from annotator.corpus.pipeline import AnalysedDoc

_INGEST_BATCH = 256  # documents stored at a time, while the workers analyse the next ones


class CorpusWrites(Connection):
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
        index: ClusterIndex,
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
                assert cur.lastrowid is not None
                self._insert_parts(db, index, cur.lastrowid, doc)
                report.added.append(doc.doc_id)
            report.sentences += sum(1 for _ in doc.sentences())
            if cut := sum(b.cut for b in doc.blocks):
                report.cut[doc.doc_id] = cut

    def _insert_parts(
        self, db: sqlite3.Connection, index: ClusterIndex, d: int, doc: AnalysedDoc
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
            db.executemany(
                "INSERT INTO suggestions VALUES (?, ?, ?)",
                [(sid, doc.engine, js) for sid, js in zip(sids, doc.suggestions, strict=True) if js],
            )
        return sids

    def _load_index(self, db: sqlite3.Connection, index: ClusterIndex, docs: list[AnalysedDoc]) -> None:
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

    def _assign_cluster(self, db: sqlite3.Connection, index: ClusterIndex, d: int, doc: AnalysedDoc) -> None:
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
        index: ClusterIndex,
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

    def stored_documents(self) -> list[StoredDocument]:
        """Every document's current text, in ingest order (what `suggest --refresh` analyses again)."""
        return [
            StoredDocument(*row)
            for row in self.db.execute("SELECT doc_id, path, text FROM documents ORDER BY doc")
        ]

    def replace_suggestions(
        self, docs: Iterable[tuple[str, list[tuple[int, int, str | None]]]], engine: str
    ) -> int:
        """Replace the stored suggestions of documents, given as (doc_id, [(start, end, labels
        JSON or None)]), in one transaction; `docs` is consumed as it comes. Returns how many
        sentences' suggestions changed."""
        changed = 0
        with self.write() as db:
            for doc_id, suggestions in docs:
                stored = {
                    (start, end): (sid, old)
                    for sid, start, end, old in db.execute(
                        "SELECT s.sid, s.start, s.end, g.labels FROM sentences s "
                        "JOIN documents d ON d.doc = s.doc LEFT JOIN suggestions g ON g.sid = s.sid "
                        "WHERE d.doc_id=?",
                        (doc_id,),
                    )
                }
                for start, end, js in suggestions:
                    sid, old = stored.get((start, end), (None, None))
                    if sid is None:
                        continue
                    changed += old != js
                    db.execute("DELETE FROM suggestions WHERE sid=?", (sid,))
                    if js:
                        db.execute("INSERT INTO suggestions VALUES (?, ?, ?)", (sid, engine, js))
        return changed
