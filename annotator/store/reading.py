"""Reading the corpus and one annotator's place in it: sentences in order, stepping, search,
progress, the current labels and the suggestions. No read loads more than the rows it returns.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import orjson

from annotator.scheme import Status
from annotator.store.connection import Connection, among, origin_not
from annotator.store.rows import DocumentInfo, DocumentProgress, DocumentRow, LabelRow, SentenceRow, Tally

# The models (pydantic) are imported by the reads that build them: the labelling screen paints its
# first sentence from rows alone.
if TYPE_CHECKING:
    from annotator.model import SentenceLabels


class Reading(Connection):
    def is_empty(self) -> bool:
        return self.db.execute("SELECT 1 FROM documents LIMIT 1").fetchone() is None

    def documents(self) -> list[DocumentRow]:
        """Every document in ingest order (a small table: one row per document)."""
        return [
            DocumentRow(*row)
            for row in self.db.execute("SELECT doc_id, path, version, cluster FROM documents ORDER BY doc")
        ]

    def document_text(self, doc_id: str) -> str:
        row = self.db.execute(
            "SELECT text FROM documents WHERE doc_id = :doc_id", {"doc_id": doc_id}
        ).fetchone()
        if row is None:
            raise KeyError(doc_id)
        return row[0]

    def sentence(self, sid: int) -> SentenceRow | None:
        row = self.db.execute(self.SENTENCE_SQL + "WHERE s.sid = :sid", {"sid": sid}).fetchone()
        return SentenceRow(*row) if row else None

    def sentences(self, doc_id: str | None = None) -> Iterator[SentenceRow]:
        """Sentences in corpus order, streamed."""
        if doc_id is None:
            cur = self.db.execute(self.SENTENCE_SQL + "ORDER BY s.doc, s.pos")
        else:
            cur = self.db.execute(
                self.SENTENCE_SQL + "WHERE d.doc_id = :doc_id ORDER BY s.pos", {"doc_id": doc_id}
            )
        for row in cur:
            yield SentenceRow(*row)

    def window(self, sid: int, before: int = 2, after: int = 2) -> list[SentenceRow]:
        """The sentence and its neighbours in the same document."""
        doc, pos = self._place(sid)
        rows = self.db.execute(
            self.SENTENCE_SQL + "WHERE s.doc = :doc AND s.pos BETWEEN :low AND :high ORDER BY s.pos",
            {"doc": doc, "low": pos - before, "high": pos + after},
        ).fetchall()
        return [SentenceRow(*r) for r in rows]

    def finished_among(self, sids: list[int], annotator: str) -> set[int]:
        """Which of these sentences the annotator has finished (done or skipped)."""
        if not sids:
            return set()
        marks, params = among("sid", sids)
        return {
            sid
            for (sid,) in self.db.execute(
                f"SELECT sid FROM labels WHERE annotator = :annotator{marks} AND status IN ('done', 'skipped')",
                {"annotator": annotator, **params},
            )
        }

    def step(self, sid: int, direction: int, *, labelled_only: bool = True) -> SentenceRow | None:
        """The next (direction=1) or previous (-1) sentence in corpus order."""
        doc, pos = self._place(sid)
        cmp, order = (">", "ASC") if direction > 0 else ("<", "DESC")
        only = "AND s.labelled = 1 " if labelled_only else ""
        row = self.db.execute(
            self.SENTENCE_SQL
            + f"WHERE (s.doc, s.pos) {cmp} (:doc, :pos) {only}ORDER BY s.doc {order}, s.pos {order} LIMIT 1",
            {"doc": doc, "pos": pos},
        ).fetchone()
        return SentenceRow(*row) if row else None

    def first(self, doc_id: str | None = None, *, labelled_only: bool = True) -> SentenceRow | None:
        """The first sentence of a document, or of the corpus."""
        only = "s.labelled = 1 AND " if labelled_only else ""
        if doc_id is None:
            row = self.db.execute(
                self.SENTENCE_SQL + f"WHERE {only}1 = 1 ORDER BY s.doc, s.pos LIMIT 1"
            ).fetchone()
        else:
            row = self.db.execute(
                self.SENTENCE_SQL + f"WHERE {only}d.doc_id = :doc_id ORDER BY s.pos LIMIT 1",
                {"doc_id": doc_id},
            ).fetchone()
        return SentenceRow(*row) if row else None

    def step_document(self, sid: int, direction: int, *, labelled_only: bool = True) -> SentenceRow | None:
        """The first sentence of the next (1) or previous (-1) document that has one."""
        doc, _ = self._place(sid)
        cmp, order = (">", "ASC") if direction > 0 else ("<", "DESC")
        only = "AND s.labelled = 1 " if labelled_only else ""
        found = self.db.execute(
            f"SELECT s.doc FROM sentences s WHERE s.doc {cmp} :doc {only}ORDER BY s.doc {order} LIMIT 1",
            {"doc": doc},
        ).fetchone()
        if found is None:
            return None
        row = self.db.execute(
            self.SENTENCE_SQL + f"WHERE s.doc = :doc {only}ORDER BY s.pos LIMIT 1", {"doc": found[0]}
        ).fetchone()
        return SentenceRow(*row) if row else None

    def search(
        self, needle: str, after_sid: int | None = None, *, labelled_only: bool = True
    ) -> SentenceRow | None:
        """The next sentence containing `needle` as search compares texts (corpus.text.fold: case,
        accents, apostrophes and spaces folded), wrapping around; with `labelled_only`, never a
        teaser or boilerplate sentence (the screen hides them)."""
        from annotator.corpus.text import fold

        doc, pos = self._place(after_sid) if after_sid is not None else (0, -1)
        self._folding()
        only = "s.labelled = 1 AND " if labelled_only else ""
        sql = self.SENTENCE_SQL + (
            f"WHERE {only}(s.doc, s.pos) > (:doc, :pos) AND fold(s.text) LIKE :pattern ESCAPE '!'"
            " ORDER BY s.doc, s.pos LIMIT 1"
        )
        pattern = containing(fold(needle))
        row = self.db.execute(sql, {"doc": doc, "pos": pos, "pattern": pattern}).fetchone()
        if row is None and after_sid is not None:
            row = self.db.execute(sql, {"doc": 0, "pos": -1, "pattern": pattern}).fetchone()
        return SentenceRow(*row) if row else None

    def _place(self, sid: int) -> tuple[int, int]:
        """(doc, pos) of a sentence: where it stands in corpus order."""
        doc, pos = self.db.execute("SELECT doc, pos FROM sentences WHERE sid = :sid", {"sid": sid}).fetchone()
        return doc, pos

    def _folding(self) -> None:
        """`fold(text)` in SQL, as search compares texts: a Python function on SQLite; on
        PostgreSQL the store's own (tables.POSTGRES_FUNCTIONS)."""
        if not self.on_server:
            from annotator.corpus.text import fold

            self.db.create_function("fold", 1, fold, deterministic=True)

    def progress(self, annotator: str) -> Tally:
        """Finished and total labelled-type sentences served to the annotator: one pass, at session start."""
        return Tally(
            *self.db.execute(
                "SELECT count(l.sid), count(*) FROM sentences s JOIN documents d ON d.doc = s.doc "
                "LEFT JOIN labels l ON l.sid = s.sid AND l.annotator = :annotator AND l.status != 'todo' "
                "WHERE s.labelled = 1" + self._served(),
                {"annotator": annotator, **self._serving(annotator)},
            ).fetchone()
        )

    def status_counts(self, annotator: str) -> dict[str, int]:
        """The annotator's decisions by status (done, skipped, todo)."""
        return dict(
            self.db.execute(
                "SELECT l.status, count(*) FROM labels l JOIN sentences s ON s.sid = l.sid"
                " WHERE l.annotator = :annotator GROUP BY l.status",
                {"annotator": annotator},
            ).fetchall()
        )

    def document_progress(self, doc_id: str, annotator: str) -> Tally:
        """Finished and total labelled-type sentences of one document served to the annotator."""
        return Tally(
            *self.db.execute(
                "SELECT count(l.sid), count(*) FROM sentences s JOIN documents d ON d.doc = s.doc "
                "LEFT JOIN labels l ON l.sid = s.sid AND l.annotator = :annotator AND l.status != 'todo' "
                "WHERE d.doc_id = :doc_id AND s.labelled = 1" + self._served(),
                {"annotator": annotator, "doc_id": doc_id, **self._serving(annotator)},
            ).fetchone()
        )

    def document_info(self, doc_id: str) -> DocumentInfo:
        doc, cluster = self.db.execute(
            "SELECT doc, cluster FROM documents WHERE doc_id = :doc_id", {"doc_id": doc_id}
        ).fetchone()
        size = self.db.execute(
            "SELECT count(*) FROM documents WHERE cluster = :cluster", {"cluster": cluster}
        ).fetchone()[0]
        return DocumentInfo(cluster, size, self._title(doc))

    # The article's title: its first headline block (GUIDELINES B2), never a later intertitle.
    _TITLE = (
        "(SELECT s.text FROM sentences s JOIN blocks b ON b.doc = s.doc AND b.idx = s.block"
        " WHERE s.doc = {doc} AND b.block_type = 'headline' ORDER BY s.pos LIMIT 1)"
    )

    def _title(self, doc: int) -> str | None:
        return self.db.execute("SELECT " + self._TITLE.format(doc=":doc"), {"doc": doc}).fetchone()[0]

    def find_documents(self, query: str, annotator: str, limit: int = 200) -> list[DocumentProgress]:
        """Documents whose id or title contains `query` (folded as search folds), with their
        finished and total labelled-type sentences and their title."""
        from annotator.corpus.text import fold

        self._folding()
        docs = self.db.execute(
            f"SELECT doc_id, title FROM (SELECT d.doc, d.doc_id, {self._TITLE.format(doc='d.doc')} AS title"
            " FROM documents d) found WHERE fold(doc_id) LIKE :pattern ESCAPE '!'"
            " OR fold(coalesce(title, '')) LIKE :pattern ESCAPE '!' ORDER BY doc LIMIT :limit",
            {"pattern": containing(fold(query)), "limit": limit},
        ).fetchall()
        return [
            DocumentProgress(doc_id, *self.document_progress(doc_id, annotator), title)
            for doc_id, title in docs
        ]

    def cluster_decisions(self, sid: int, annotator: str, limit: int = 5) -> list[tuple[str, int, str, str]]:
        """(doc_id, pos, text, labels) of the annotator's finished decisions on sentences with the
        same key (`skey`) in the other documents of this sentence's story cluster, the first
        `limit` in corpus order."""
        return self.db.execute(
            # the cluster's other documents first (mostly none), then in each the sentences of the
            # same key (index on skey, doc), then the annotator's row of each by its key: never
            # all of an annotator's labels, nor every document's copy of a stock phrase
            "SELECT d.doc_id, s.pos, s.text, l.labels FROM sentences here"
            " CROSS JOIN documents h CROSS JOIN documents d CROSS JOIN sentences s CROSS JOIN labels l"
            " WHERE here.sid = :sid AND h.doc = here.doc AND d.cluster = h.cluster AND d.doc != h.doc"
            " AND s.skey = here.skey AND s.doc = d.doc AND l.sid = s.sid AND l.annotator = :annotator"
            f" AND l.status = 'done' AND {origin_not('l', 'adjudicated')}"
            " ORDER BY s.doc, s.pos LIMIT :limit",
            {"sid": sid, "annotator": annotator, "limit": limit},
        ).fetchall()

    def unseen_in_clusters(self, annotator: str) -> list[int]:
        """Sentences to label, in documents that share their story cluster with another, that the
        annotator has no decision on (what `project-labels` looks at)."""
        return [
            sid
            for (sid,) in self.db.execute(
                "SELECT s.sid FROM sentences s JOIN documents d ON d.doc = s.doc"
                " WHERE s.labelled = 1"
                " AND d.cluster IN (SELECT cluster FROM documents GROUP BY cluster HAVING count(*) > 1)"
                " AND NOT EXISTS (SELECT 1 FROM labels l WHERE l.sid = s.sid AND l.annotator = :annotator)"
                " ORDER BY s.doc, s.pos",
                {"annotator": annotator},
            )
        ]

    def speakers(self, doc_id: str, annotator: str) -> list[str]:
        """Every speaker of this document: the ones the annotator has named (most recent first),
        then the ones the engine's suggestions name."""
        rows = (
            self.db.execute(
                "SELECT l.labels FROM labels l JOIN sentences s ON s.sid = l.sid JOIN documents d ON d.doc = s.doc "
                "WHERE d.doc_id = :doc_id AND l.annotator = :annotator ORDER BY s.pos DESC",
                {"doc_id": doc_id, "annotator": annotator},
            ).fetchall()
            + self.db.execute(
                "SELECT g.labels FROM suggestions g JOIN sentences s ON s.sid = g.sid JOIN documents d ON d.doc = s.doc "
                "WHERE d.doc_id = :doc_id ORDER BY s.pos",
                {"doc_id": doc_id},
            ).fetchall()
        )
        names: dict[str, None] = {}
        for (labels,) in rows:
            for quote in orjson.loads(labels)["quotes"]:
                if quote.get("speaker"):
                    names.setdefault(quote["speaker"])
        return list(names)

    def next_unannotated(
        self, annotator: str, after_sid: int | None = None, *, within: int | None = None
    ) -> SentenceRow | None:
        """The first labelled-type sentence served to the annotator (after `after_sid`, wrapping
        around) that they have not decided; with `within`, only among the next `within`
        sentences, without wrapping (a bounded look, where a full one would scan a finished corpus)."""
        doc, pos = self._place(after_sid) if after_sid is not None else (0, -1)
        if within is not None:
            # the window holds bare sentence rows; only the one found is joined to its document
            found = self.db.execute(
                "SELECT w.sid FROM (SELECT s.sid, s.doc, s.share FROM sentences s WHERE s.labelled = 1"
                " AND (s.doc, s.pos) > (:doc, :pos) ORDER BY s.doc, s.pos LIMIT :within) w"
                + (" JOIN documents d ON d.doc = w.doc" if self._plan else "")
                + " WHERE NOT EXISTS (SELECT 1 FROM labels l WHERE l.sid = w.sid AND l.annotator = :annotator"
                " AND l.status != 'todo')" + self._served("w", "d") + " LIMIT 1",
                {
                    "doc": doc,
                    "pos": pos,
                    "annotator": annotator,
                    "within": within,
                    **self._serving(annotator),
                },
            ).fetchone()
            return self.sentence(found[0]) if found else None
        sql = (
            self.SENTENCE_SQL + "WHERE s.labelled = 1 AND (s.doc, s.pos) > (:doc, :pos) AND NOT EXISTS "
            "(SELECT 1 FROM labels l WHERE l.sid = s.sid AND l.annotator = :annotator AND l.status != 'todo') "
            + self._served()
            + " ORDER BY s.doc, s.pos LIMIT 1"
        )
        serving = self._serving(annotator)
        row = self.db.execute(sql, {"doc": doc, "pos": pos, "annotator": annotator, **serving}).fetchone()
        if row is None and after_sid is not None:
            row = self.db.execute(sql, {"doc": 0, "pos": -1, "annotator": annotator, **serving}).fetchone()
        return SentenceRow(*row) if row else None

    def next_skipped(self, annotator: str, after_sid: int | None = None) -> SentenceRow | None:
        """The annotator's next skipped sentence in corpus order (after `after_sid`, wrapping
        around), found from their own decisions."""
        doc, pos = self._place(after_sid) if after_sid is not None else (0, -1)
        sql = (
            "SELECT s.sid FROM labels l CROSS JOIN sentences s WHERE s.sid = l.sid AND l.annotator = :annotator"
            " AND l.status = 'skipped' AND (s.doc, s.pos) > (:doc, :pos) ORDER BY s.doc, s.pos LIMIT 1"
        )
        found = self.db.execute(sql, {"annotator": annotator, "doc": doc, "pos": pos}).fetchone()
        if found is None and after_sid is not None:
            found = self.db.execute(sql, {"annotator": annotator, "doc": 0, "pos": -1}).fetchone()
        return self.sentence(found[0]) if found else None

    def labels(self, sid: int, annotator: str) -> LabelRow | None:
        row = self.db.execute(
            "SELECT sid, annotator, status, labels, origin, created_at, updated_at, derived_from FROM labels"
            " WHERE sid = :sid AND annotator = :annotator",
            {"sid": sid, "annotator": annotator},
        ).fetchone()
        if row is None:
            return None
        from annotator.model import SentenceLabels

        sid, annotator, status, labels, origin, created_at, updated_at, derived = row
        return LabelRow(
            sid,
            annotator,
            status,
            SentenceLabels.model_validate_json(labels),
            origin,
            created_at,
            updated_at,
            orjson.loads(derived) if derived else None,
        )

    def suggestion(self, sid: int) -> SentenceLabels | None:
        from annotator.model import SentenceLabels

        row = self.db.execute("SELECT labels FROM suggestions WHERE sid = :sid", {"sid": sid}).fetchone()
        return SentenceLabels.model_validate_json(row[0]) if row else None

    def status(self, sid: int, annotator: str) -> Status | None:
        """The status of the annotator's decision on a sentence (None: undecided), without
        reading the labels."""
        row = self.db.execute(
            "SELECT status FROM labels WHERE sid = :sid AND annotator = :annotator",
            {"sid": sid, "annotator": annotator},
        ).fetchone()
        return row[0] if row else None

    def last_position(self, annotator: str) -> int | None:
        """The sentence of the annotator's latest event: where to resume."""
        row = self.db.execute(
            "SELECT sid FROM events WHERE annotator = :annotator ORDER BY event_id DESC LIMIT 1",
            {"annotator": annotator},
        ).fetchone()
        return row[0] if row else None


def containing(folded: str) -> str:
    """A LIKE pattern for texts that contain `folded` (`!` escapes LIKE's wildcards)."""
    escaped = folded.replace("!", "!!").replace("%", "!%").replace("_", "!_")
    return f"%{escaped}%"
