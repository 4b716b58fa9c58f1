"""The corpus tables: documents and their earlier versions, blocks, sentences, near-duplicate
clusters and the engine's suggestions. Ingest writes them; analysis happens before (annotator/ingest.py).
"""

from __future__ import annotations

import os
import socket
import sqlite3
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import islice
from typing import TYPE_CHECKING

from annotator.assignment import share
from annotator.corpus.text import sentence_hash, shown
from annotator.errors import UserError
from annotator.processes import alive
from annotator.scheme import LABELLED_BLOCK_TYPES, sentence_id
from annotator.store import jsonsql
from annotator.store.connection import Connection, among
from annotator.store.rows import IngestReport, StoredDocument

# Imported where used: the labelling screen opens a store without loading the ingest code.
if TYPE_CHECKING:
    from annotator.corpus.clusters import ClusterIndex
    from annotator.corpus.pipeline import AnalysedDoc

_LABEL_COLUMNS = (
    "sid", "annotator", "status", "labels", "origin", "created_at", "updated_at", "derived_from", "seconds",
)  # fmt: skip
_BLOCK_COLUMNS = ("doc", "idx", "start", "end", "block_type", "lang", "duplicate_of")
_SENTENCE_COLUMNS = ("doc", "pos", "block", "start", "end", "text", "labelled", "skey", "share")
_INGEST_BATCH = 256  # documents stored per transaction, while the workers analyse the next ones
_GAP = 0.005  # seconds between two of an ingest's transactions (Connection._begin asks every 2 ms)


@dataclass
class _Run:
    """One ingest under way."""

    ingest: str  # its token in pending_documents
    at: str
    index: ClusterIndex
    report: IngestReport
    changed: list[tuple[int, int, AnalysedDoc]] = field(default_factory=list)  # (doc, version, new text)
    renamed: dict[str, str] = field(default_factory=dict)  # cluster merged → cluster it joined

    def resolve(self, cluster: str) -> str:
        while cluster in self.renamed:
            cluster = self.renamed[cluster]
        return cluster


def _ingest_token() -> str:
    return f"{socket.gethostname()} {os.getpid()} {uuid.uuid4().hex}"


def _running(ingest: str) -> bool:
    """Whether the ingest's process is alive (one on another machine is taken to be)."""
    host, pid, _ = ingest.split(" ")
    return host != socket.gethostname() or alive(int(pid))


class CorpusWrites(Connection):
    def ingest(self, docs: Iterable[AnalysedDoc]) -> IngestReport:
        """Add documents, all or nothing for every reader, without holding the write lock long.

        New documents are stored in short transactions, batch by batch as the worker processes
        hand them over, and listed as pending (the views hide them); one short last transaction
        publishes them, replaces the changed documents (kept aside until then) and applies the
        cluster merges they caused. A failure removes what was stored; an ingest that was killed
        is removed by the next one. Unchanged texts are skipped."""
        from annotator.corpus.clusters import ClusterIndex
        from annotator.model import now

        self._remove_dead_ingests()
        report = IngestReport()
        ingest = _ingest_token()
        run = _Run(ingest, now(), ClusterIndex(), report)
        docs = iter(docs)
        try:
            while batch := list(islice(docs, _INGEST_BATCH)):
                with self.write() as db:
                    self._load_index(db, run, batch)
                    self._ingest_batch(db, run, batch)
                time.sleep(_GAP)  # the write lock is free: a waiting decision takes it now
            with self.write() as db:
                self._publish(db, run)
        except BaseException:
            self._remove_ingest(ingest)
            raise
        return report

    def _ingest_batch(self, db: sqlite3.Connection, run: _Run, docs: list[AnalysedDoc]) -> None:
        """A batch of documents: the new ones stored (and listed as pending) in a few statements
        for the whole batch, the changed ones kept aside for the ingest's last transaction."""
        report = run.report
        marks, params = among("doc_id", [doc.doc_id for doc in docs])
        stored = {
            doc_id: (d, sha256, version)
            for d, doc_id, sha256, version in db.execute(
                f"SELECT doc, doc_id, sha256, version FROM documents WHERE 1 = 1{marks}", params
            )
        }
        new: list[AnalysedDoc] = []
        for doc in docs:
            row = stored.get(doc.doc_id)
            if row and row[1] == doc.sha256:
                report.unchanged.append(doc.doc_id)
                continue
            if row:
                run.changed.append((row[0], row[2], doc))  # replaced when the ingest publishes
                report.updated.append(doc.doc_id)
            else:
                new.append(doc)
                report.added.append(doc.doc_id)
            report.sentences += sum(1 for _ in doc.sentences())
            if cut := sum(b.cut for b in doc.blocks):
                report.cut[doc.doc_id] = cut
        if new:
            self._insert_new(db, run, new)

    def _insert_new(self, db: sqlite3.Connection, run: _Run, docs: list[AnalysedDoc]) -> None:
        """New documents (numbered in this order), listed as pending, and their parts."""
        columns = ("doc_id", "path", "sha256", "version", "cluster", "text", "ingested_at", "share")
        values: list[str] = []
        params: dict[str, object] = {}
        for i, doc in enumerate(docs):
            values.append(f"({', '.join(f':{c}{i}' for c in columns)})")
            row = (
                doc.doc_id,
                doc.source.path,
                doc.sha256,
                1,
                doc.doc_id,
                doc.text,
                run.at,
                share(doc.doc_id),
            )
            params |= {f"{c}{i}": v for c, v in zip(columns, row, strict=True)}
        numbered = dict(
            db.execute(
                f"INSERT INTO all_documents ({', '.join(columns)}) VALUES {', '.join(values)}"
                " ON CONFLICT (doc_id) DO NOTHING RETURNING doc_id, doc",
                params,
            ).fetchall()
        )
        for doc in docs:
            if doc.doc_id not in numbered:
                raise UserError(
                    f"{shown(doc.doc_id)}: another ingest under way is adding this document; "
                    "run this one when it is done"
                )
        self._bulk(
            db, "pending_documents", ("doc", "ingest"), [(numbered[d.doc_id], run.ingest) for d in docs]
        )
        self._insert_parts(db, run, {numbered[doc.doc_id]: doc for doc in docs})

    def _insert_parts(self, db: sqlite3.Connection, run: _Run, docs: dict[int, AnalysedDoc]) -> None:
        """Numbered documents' blocks, sentences, fingerprints and suggestions, in one statement
        per table (a bulk copy on PostgreSQL): new documents, or a changed one's new version."""
        blocks: list[tuple] = []
        sentences: list[tuple] = []
        shingles: list[tuple] = []
        clusters: list[dict] = []
        for d, doc in docs.items():
            blocks += _blocks(d, doc)
            sentences += _sentences(d, doc)
            cluster, indexed = self._cluster(run, d, doc)
            clusters.append({"cluster": cluster, "size": len(doc.fingerprint), "doc": d})
            shingles += [(h, d) for h in indexed]
        self._bulk(db, "blocks", _BLOCK_COLUMNS, blocks)
        self._bulk(db, "all_sentences", _SENTENCE_COLUMNS, sentences)
        self._bulk(db, "shingles", ("hash", "doc"), shingles)
        db.executemany(
            "UPDATE all_documents SET cluster = :cluster, fp_size = :size WHERE doc = :doc", clusters
        )
        suggested = {d: doc for d, doc in docs.items() if doc.suggestions}
        if suggested:
            marks, params = among("doc", list(suggested))
            suggestions = []
            for sid, d, pos in db.execute(
                f"SELECT sid, doc, pos FROM all_sentences WHERE 1 = 1{marks}", params
            ):
                doc = suggested[d]
                if labels := doc.suggestions[pos]:
                    suggestions.append((sid, doc.engine, labels))
            self._bulk(db, "suggestions", ("sid", "engine", "labels"), suggestions)

    def _publish(self, db: sqlite3.Connection, run: _Run) -> None:
        """The ingest's one short last transaction: what readers see changes here, at once."""
        for d, version, doc in run.changed:
            self._replace(db, run, d, version, doc)
        for merged, target in run.renamed.items():
            db.execute(
                "UPDATE all_documents SET cluster = :cluster WHERE cluster = :merged",
                {"cluster": run.resolve(target), "merged": merged},
            )
        db.execute("DELETE FROM pending_documents WHERE ingest = :ingest", {"ingest": run.ingest})

    def _remove_ingest(self, ingest: str) -> None:
        """Remove the documents an ingest stored, in short transactions; if this fails too (a
        full disk), they stay hidden and the next ingest removes them."""
        try:
            while docs := [
                d
                for (d,) in self.db.execute(
                    "SELECT doc FROM pending_documents WHERE ingest = :ingest LIMIT :n",
                    {"ingest": ingest, "n": _INGEST_BATCH},
                )
            ]:
                with self.write() as db:
                    marks, params = among("doc", docs)
                    db.execute(
                        f"DELETE FROM suggestions WHERE sid IN (SELECT sid FROM all_sentences WHERE 1 = 1{marks})",
                        params,
                    )
                    for table in (
                        "all_sentences",
                        "blocks",
                        "shingles",
                        "all_documents",
                        "pending_documents",
                    ):
                        db.execute(f"DELETE FROM {table} WHERE 1 = 1{marks}", params)
        except Exception:  # noqa: BLE001 - best effort: what stays is hidden, and removed next time
            pass

    def _remove_dead_ingests(self) -> None:
        """What ingests that were killed stored (their process is gone)."""
        rows = self.db.execute("SELECT DISTINCT ingest FROM pending_documents").fetchall()
        for (ingest,) in rows:
            if not _running(ingest):
                self._remove_ingest(ingest)

    def _load_index(self, db: sqlite3.Connection, run: _Run, docs: list[AnalysedDoc]) -> None:
        """Load what this batch can match and the index lacks: the stored postings of hashes the
        index has not met yet (those it has met carry every document since), and those documents'
        sizes and clusters (as this ingest's merges renamed them). Documents of other ingests
        under way are not there to match."""
        index = run.index
        hashes = list({h for d in docs for h in d.fingerprint if h not in index.postings})
        known: set[int] = set()
        for i in range(0, len(hashes), 900):
            marks, params = among("hash", hashes[i : i + 900])
            for h, d in db.execute(
                f"SELECT hash, doc FROM shingles WHERE doc NOT IN (SELECT doc FROM pending_documents){marks}",
                params,
            ):
                index.postings.setdefault(h, []).append(d)
                if d not in index.size:
                    known.add(d)
        wanted = list(known)
        for i in range(0, len(wanted), 900):
            marks, params = among("doc", wanted[i : i + 900])
            for d, size, cluster in db.execute(
                f"SELECT doc, fp_size, cluster FROM documents WHERE 1 = 1{marks}", params
            ):
                index.size[d], index.cluster[d] = size, run.resolve(cluster)

    def _cluster(self, run: _Run, d: int, doc: AnalysedDoc) -> tuple[str, list[int]]:
        """The document's cluster, and the fingerprint hashes to store for it."""
        cluster, merged, indexed = run.index.add(d, doc.doc_id, doc.fingerprint)
        for other in merged:  # renamed in every document when the ingest publishes
            run.renamed[other] = cluster
        return cluster, indexed

    def _replace(self, db: sqlite3.Connection, run: _Run, d: int, version: int, doc: AnalysedDoc) -> None:
        """A changed text: keep the old version, re-segment, carry labels over by sentence text."""
        at, report = run.at, run.report
        here = {"doc": d}
        db.execute(
            "INSERT INTO document_versions SELECT doc_id, version, sha256, text, ingested_at FROM all_documents"
            " WHERE doc = :doc",
            here,
        )
        old = db.execute(
            "SELECT sid, text, start, s.end FROM all_sentences s WHERE doc = :doc ORDER BY pos", here
        ).fetchall()
        # The labels leave while their sentences and blocks are still there, so the tallies'
        # triggers take them out of the cells they were counted in; kept ones come back below.
        held = db.execute(
            f"SELECT {', '.join(f'l.{c}' for c in _LABEL_COLUMNS)} FROM labels l"
            " JOIN all_sentences s ON s.sid = l.sid WHERE s.doc = :doc",
            here,
        ).fetchall()
        db.execute("DELETE FROM labels WHERE sid IN (SELECT sid FROM all_sentences WHERE doc = :doc)", here)
        db.execute(
            "DELETE FROM suggestions WHERE sid IN (SELECT sid FROM all_sentences WHERE doc = :doc)", here
        )
        for table in ("all_sentences", "blocks", "shingles"):
            db.execute(f"DELETE FROM {table} WHERE doc = :doc", here)
        run.index.forget(d)
        db.execute(
            "UPDATE all_documents SET path = :path, sha256 = :sha256, version = :version, text = :text,"
            " ingested_at = :at WHERE doc = :doc",
            {
                "path": doc.source.path,
                "sha256": doc.sha256,
                "version": version + 1,
                "text": doc.text,
                "at": at,
                **here,
            },
        )
        self._insert_parts(db, run, {d: doc})
        new_sids = [
            sid for (sid,) in db.execute("SELECT sid FROM all_sentences WHERE doc = :doc ORDER BY pos", here)
        ]
        by_text: dict[str, list[int]] = {}
        for (_, s, e), sid in zip(doc.sentences(), new_sids, strict=True):
            by_text.setdefault(doc.text[s:e], []).append(sid)
        labels_of: dict[int, list[tuple]] = {}
        for row in held:
            labels_of.setdefault(row[0], []).append(tuple(row))
        for sid, text, start, end in old:
            rows = labels_of.get(sid, [])
            candidates = by_text.get(text)
            if candidates:
                new = candidates.pop(0)
                db.executemany(
                    f"INSERT INTO labels ({', '.join(_LABEL_COLUMNS)}) VALUES ({', '.join(f':{c}' for c in _LABEL_COLUMNS)})",
                    [dict(zip(_LABEL_COLUMNS, (new, *row[1:]), strict=True)) for row in rows],
                )
                db.execute("UPDATE events SET sid = :new WHERE sid = :sid", {"new": new, "sid": sid})
                report.labels_kept += len(rows)
            elif rows:
                retired = ("annotator", "status", "labels", "origin", "created_at", "updated_at")
                db.executemany(  # annotator … updated_at of each row (_LABEL_COLUMNS[1:7])
                    "INSERT INTO retired_labels VALUES (:sentence_id, :version, :annotator, :status, :labels,"
                    " :origin, :created_at, :updated_at, :at)",
                    [
                        {
                            "sentence_id": sentence_id(doc.doc_id, start, end),
                            "version": version,
                            **dict(zip(retired, row[1:7], strict=True)),
                            "at": at,
                        }
                        for row in rows
                    ],
                )
                report.labels_retired += len(rows)

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
        j = jsonsql.spelling(self.on_server)
        with self.write() as db:
            for doc_id, suggestions in docs:
                stored = {
                    (start, end): (sid, old)
                    for sid, start, end, old in db.execute(
                        f"SELECT s.sid, s.start, s.end, {j.as_text('g.labels')} FROM sentences s "
                        "JOIN documents d ON d.doc = s.doc LEFT JOIN suggestions g ON g.sid = s.sid "
                        "WHERE d.doc_id = :doc_id",
                        {"doc_id": doc_id},
                    )
                }
                for start, end, js in suggestions:
                    sid, old = stored.get((start, end), (None, None))
                    if sid is None:
                        continue
                    changed += old != js
                    db.execute("DELETE FROM suggestions WHERE sid = :sid", {"sid": sid})
                    if js:
                        db.execute(
                            "INSERT INTO suggestions VALUES (:sid, :engine, :labels)",
                            {"sid": sid, "engine": engine, "labels": js},
                        )
        return changed


def _blocks(d: int, doc: AnalysedDoc) -> list[tuple]:
    """A document's blocks table rows (_BLOCK_COLUMNS)."""
    return [
        (d, b.index, b.start, b.end, t.block_type, t.lang, t.duplicate_of)
        for b, t in zip(doc.blocks, doc.types, strict=True)
    ]


def _sentences(d: int, doc: AnalysedDoc) -> list[tuple]:
    """A document's all_sentences rows (_SENTENCE_COLUMNS), in order."""
    text = doc.text
    labelled = [int(t.block_type in LABELLED_BLOCK_TYPES) for t in doc.types]
    return [
        (
            d,
            pos,
            b,
            s,
            e,
            text[s:e],
            labelled[b],
            sentence_hash(text[s:e]),
            share(sentence_id(doc.doc_id, s, e)),
        )
        for pos, (b, s, e) in enumerate(doc.sentences())
    ]
