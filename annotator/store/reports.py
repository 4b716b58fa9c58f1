"""Report queries: what exports, splits, agreement, review, training and statistics read.

Export records are built as JSON by SQLite itself (on a server, by orjson around the stored
labels), exactly as the model serialises them (tests hold them byte for byte to the model and to
each other); everything else returns typed rows.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

import orjson

from annotator.store.connection import among, origin_not
from annotator.store.reading import Reading
from annotator.store.rows import FinishedDecision, Located, OpenSentence, SentenceRow, TrainingRow, Version
from annotator.store.schema import EMPTY_LABELS


class Reports(Reading):
    def export_json(
        self,
        *,
        include_all: bool = False,
        annotator: str | None = None,
        adjudicated: bool = False,
        split_unit: str | None = None,
        chunk: int = 5000,
    ) -> Iterator[list[tuple[str, str | None]]]:
        """Chunks of (JSON object, split), one per export record, in corpus order: decided sentences
        (done; skipped and todo too with `include_all`), one per (sentence, annotator), of one
        annotator or only the adjudicated layer when asked. With `split_unit` ('cluster' or
        'document'), each record carries the split `stage_splits` gave its cluster or document.
        SQLite builds each record's JSON itself; PostgreSQL's rows are put together by orjson, the
        stored labels spliced in as they are (PostgreSQL's JSON functions space their output)."""
        if split_unit is not None and self._staged_unit != split_unit:
            raise ValueError(f"no splits by {split_unit} staged for this export")
        split = "NULL" if split_unit is None else "x.split"
        fields = _RECORD_FIELDS if self.on_server else _record_json(split)
        joins = "JOIN documents d ON d.doc = s.doc JOIN blocks b ON b.doc = s.doc AND b.idx = s.block "
        if split_unit is not None:
            key = {"cluster": "d.cluster", "document": "d.doc_id"}[split_unit]
            joins += f"LEFT JOIN staged_splits x ON x.key = {key}"
        who, params = self._layer(annotator, adjudicated)
        args = {"empty": EMPTY_LABELS, **params}
        # Driven by the sentence order index, so no sort is needed.
        if include_all:
            sql = (
                f"SELECT {fields}, {split} FROM sentences s {joins} LEFT JOIN labels l ON l.sid = s.sid{who}"
            )
        else:
            sql = (
                f"SELECT {fields}, {split} FROM sentences s CROSS JOIN labels l {joins}"
                f" WHERE l.sid = s.sid AND l.status = 'done'{who}"
            )
        chunks = self._stream(sql + " ORDER BY s.doc, s.pos, l.annotator", args, chunk)
        if not self.on_server:
            yield from chunks
            return
        from annotator.model import SCHEMA_VERSION

        for rows in chunks:
            yield [(_record(row, SCHEMA_VERSION), row[-1]) for row in rows]

    @staticmethod
    def _layer(annotator: str | None, adjudicated: bool) -> tuple[str, dict]:
        """The SQL condition on `l` that keeps one annotator's labels, the adjudicated layer (the
        reviewers' verdicts), or by default the annotators' layers (every label but a verdict)."""
        if annotator:
            return " AND l.annotator = :who", {"who": annotator}
        if adjudicated:
            return " AND l.origin = 'adjudicated'", {}
        return f" AND {origin_not('l', 'adjudicated')}", {}

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

    def finished_decisions(
        self, annotators: list[str] | None = None, *, projected: bool = True
    ) -> Iterator[FinishedDecision]:
        """Every finished decision in the annotators' own layers (adjudicated ones left out),
        optionally only of some annotators, without the projected ones if asked, in corpus order."""
        sql = (
            "SELECT l.sid, d.doc_id, l.annotator, b.block_type, l.labels FROM labels l "
            "JOIN sentences s ON s.sid = l.sid JOIN documents d ON d.doc = s.doc "
            "JOIN blocks b ON b.doc = s.doc AND b.idx = s.block "
            f"WHERE l.status = 'done' AND {origin_not('l', 'adjudicated')}"
            + ("" if projected else f" AND {origin_not('l', 'projected')}")
        )
        names, params = among("l.annotator", annotators)
        for row in self.db.execute(sql + names + " ORDER BY s.doc, s.pos", params):
            yield FinishedDecision(*row)

    def annotators(self) -> list[str]:
        """Everyone with a decision of their own (reviewers' verdicts aside), by name."""
        return [
            name
            for (name,) in self.db.execute(
                f"SELECT DISTINCT annotator FROM labels WHERE {origin_not('labels', 'adjudicated')}"
                " ORDER BY annotator"
            )
        ]

    def projected_count(self, annotators: list[str] | None = None) -> int:
        """Finished decisions carried from a near-duplicate and accepted as they were."""
        names, params = among("annotator", annotators)
        return self.db.execute(
            "SELECT count(*) FROM labels WHERE status = 'done' AND origin = 'projected'" + names, params
        ).fetchone()[0]

    def has_own_labels(self, annotator: str) -> bool:
        """Whether the annotator labelled anything themselves (adjudicated verdicts aside)."""
        return (
            self.db.execute(
                f"SELECT 1 FROM labels WHERE annotator = :annotator AND {origin_not('labels', 'adjudicated')}"
                " LIMIT 1",
                {"annotator": annotator},
            ).fetchone()
            is not None
        )

    def versions(self, sid: int, reviewer: str, annotators: list[str] | None = None) -> list[Version]:
        """Every finished own-layer decision on a sentence but the reviewer's, by annotator name."""
        from annotator.model import SentenceLabels

        sql = (
            "SELECT l.annotator, l.labels, (SELECT max(e.event_id) FROM events e WHERE e.sid = l.sid"
            " AND e.annotator = l.annotator) FROM labels l WHERE l.sid = :sid AND l.annotator != :reviewer"
            f" AND l.status = 'done' AND {origin_not('l', 'adjudicated')}"
        )
        names, params = among("l.annotator", annotators)
        rows = self.db.execute(
            sql + names + " ORDER BY l.annotator", {"sid": sid, "reviewer": reviewer, **params}
        ).fetchall()
        return [Version(a, SentenceLabels.model_validate_json(labels), event) for a, labels, event in rows]

    def finished_texts(self) -> Iterator[TrainingRow]:
        """The sentence text, mode and claim of every finished decision: what a model learns from."""
        for row in self.db.execute(
            "SELECT s.text, l.labels ->> 'mode', l.labels ->> 'claim' "
            "FROM labels l JOIN sentences s ON s.sid = l.sid WHERE l.status = 'done'"
        ):
            yield TrainingRow(*row)

    def unlabelled(self, annotator: str, limit: int) -> list[OpenSentence]:
        """The first `limit` sentences served to the annotator that they have not decided."""
        rows = self.db.execute(
            "SELECT s.sid, s.text FROM sentences s JOIN documents d ON d.doc = s.doc WHERE s.labelled = 1"
            " AND NOT EXISTS (SELECT 1 FROM labels l WHERE l.sid = s.sid AND l.annotator = :annotator"
            " AND l.status != 'todo')" + self._served() + " ORDER BY s.doc, s.pos LIMIT :limit",
            {"annotator": annotator, "limit": limit, **self._serving(annotator)},
        ).fetchall()
        return [OpenSentence(*row) for row in rows]

    def split_groups(self, unit: str, field: str) -> dict[str, tuple[Counter, int]]:
        """Per cluster or document: the finished values of `field` (mode, claim) and its number of
        sentences to label; what a stratified split is made from."""
        key = "d.cluster" if unit == "cluster" else "d.doc_id"
        groups: dict[str, tuple[Counter, int]] = {}
        for k, n in self.db.execute(
            f"SELECT {key}, count(*) FROM sentences s JOIN documents d ON d.doc = s.doc WHERE s.labelled = 1"
            " GROUP BY 1"
        ):
            groups[k] = (Counter(), n)
        for k, value, n in self.db.execute(
            f"SELECT {key}, l.labels ->> '{field}', count(*) FROM labels l "
            "JOIN sentences s ON s.sid = l.sid JOIN documents d ON d.doc = s.doc "
            "WHERE l.status = 'done' AND s.labelled = 1 GROUP BY 1, 2"
        ):
            if k in groups and value is not None:
                groups[k][0][value] += n
        return groups

    def frozen_splits(self) -> tuple[dict | None, dict[str, str]]:
        """The split plan stored by the first split export (or None) and its assignments."""
        row = self.db.execute("SELECT value FROM meta WHERE key = 'split_plan'").fetchone()
        if row is None:
            return None, {}
        plan = orjson.loads(row[0])
        return plan, dict(
            self.db.execute(
                "SELECT key, split FROM splits WHERE unit = :unit", {"unit": plan["unit"]}
            ).fetchall()
        )

    _staged_unit: str | None = None  # the unit of the splits staged for the export under way
    _pending_freeze: tuple[dict, dict[str, str], bool] | None = None

    def stage_splits(
        self, plan: dict, assigned: dict[str, str], new: dict[str, str] | None, *, replace: bool
    ) -> None:
        """The split of every group (`assigned`) for the export under way, on this connection only
        (a temporary table: nothing is written to the store yet); `commit_splits` freezes the
        plan and the `new` assignments (None: nothing to freeze) once the export is published,
        so a failed export freezes nothing."""
        self.db.execute(
            "CREATE TEMP TABLE IF NOT EXISTS staged_splits (key TEXT PRIMARY KEY, split TEXT NOT NULL)"
        )
        self.db.execute("DELETE FROM staged_splits")
        self.db.executemany(
            "INSERT INTO staged_splits VALUES (:key, :split)",
            [{"key": k, "split": v} for k, v in assigned.items()],
        )
        self._staged_unit = plan["unit"]
        self._pending_freeze = None if new is None else (plan, new, replace)

    def commit_splits(self) -> None:
        """Freeze what `stage_splits` staged (nothing when no split was asked for)."""
        if self._pending_freeze is not None:
            plan, new, replace = self._pending_freeze
            self.freeze_splits(plan, new, replace=replace)
            self._pending_freeze = None

    def freeze_splits(self, plan: dict, assigned: dict[str, str], *, replace: bool = False) -> None:
        """Keep the plan and new assignments (all of them afresh with `replace`)."""
        with self.write() as db:
            if replace:
                db.execute("DELETE FROM splits")
            db.execute(
                "INSERT INTO meta VALUES ('split_plan', :plan) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                {"plan": orjson.dumps(plan).decode()},
            )
            db.executemany(
                "INSERT INTO splits VALUES (:unit, :key, :split)",
                [{"unit": plan["unit"], "key": k, "split": v} for k, v in assigned.items()],
            )

    def skipped_count(self, annotator: str | None = None, adjudicated: bool = False) -> int:
        who, params = self._layer(annotator, adjudicated)
        return self.db.execute(
            "SELECT count(*) FROM labels l WHERE l.status = 'skipped'" + who, params
        ).fetchone()[0]

    def find_sentence(self, doc_id: str, start: int, end: int) -> Located | None:
        """The sentence at these offsets of the current document version, with its document's
        sha256 and cluster and its block's language."""
        row = self.db.execute(
            self.SENTENCE_SQL.replace("SELECT ", "SELECT d.sha256, d.cluster, b.lang, ", 1)
            + "WHERE d.doc_id = :doc_id AND s.start = :start AND s.end = :end",
            {"doc_id": doc_id, "start": start, "end": end},
        ).fetchone()
        return Located(SentenceRow(*row[3:]), *row[:3]) if row else None

    def event_sources(self, event_ids: list[int]) -> dict[int, tuple[int, str]]:
        """(sentence, annotator) of each of these events that exists."""
        found: dict[int, tuple[int, str]] = {}
        for i in range(0, len(event_ids), 900):
            chunk = event_ids[i : i + 900]
            marks, params = among("event_id", chunk)
            for event_id, sid, annotator in self.db.execute(
                f"SELECT event_id, sid, annotator FROM events WHERE 1 = 1{marks}", params
            ):
                found[event_id] = (sid, annotator)
        return found

    def counts(self) -> dict:
        q = self.db.execute
        labelled = q("SELECT count(*) FROM sentences WHERE labelled = 1").fetchone()[0]
        per_annotator: dict[str, dict] = {}
        for annotator, status, n in q(
            "SELECT l.annotator, l.status, count(*) FROM labels l JOIN sentences s ON s.sid = l.sid "
            f"WHERE s.labelled = 1 AND l.status != 'todo' AND {origin_not('l', 'adjudicated')}"
            " GROUP BY l.annotator, l.status ORDER BY l.annotator"
        ):
            per_annotator.setdefault(annotator, {"done": 0, "skipped": 0})[status] = n
        for annotator, n in q(
            "SELECT annotator, count(*) FROM labels WHERE origin = 'projected' GROUP BY annotator"
        ):
            if annotator in per_annotator:
                per_annotator[annotator]["projected"] = n
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
                q("SELECT block_type, count(*) FROM blocks GROUP BY block_type ORDER BY 2 DESC, 1").fetchall()
            ),
            "annotated": q(
                "SELECT count(DISTINCT l.sid) FROM labels l JOIN sentences s ON s.sid = l.sid "
                f"WHERE s.labelled = 1 AND l.status = 'done' AND {origin_not('l', 'adjudicated')}"
            ).fetchone()[0],
            "labels": {
                field: dict(
                    q(
                        f"SELECT coalesce(labels ->> '{field}', 'unset'), count(*) FROM labels WHERE status = 'done'"
                        f" AND {origin_not('labels', 'adjudicated')} GROUP BY 1 ORDER BY 2 DESC, 1"
                    ).fetchall()
                )
                for field in ("mode", "claim")
            },
            "quotes": q(
                "SELECT coalesce(sum(json_array_length(labels -> 'quotes')), 0) FROM labels"
                f" WHERE status = 'done' AND {origin_not('labels', 'adjudicated')}"
            ).fetchone()[0],
            "annotators": per_annotator,
            # the reviewers' verdicts, apart: a reviewer labels no sentence of their own
            "reviewers": {
                reviewer: {"verdicts": verdicts, "per_hour": self._rate(reviewer)}
                for reviewer, verdicts in q(
                    "SELECT annotator, count(*) FROM labels WHERE origin = 'adjudicated' AND status = 'done'"
                    " GROUP BY annotator ORDER BY annotator"
                )
            },
        }

    def _rate(self, annotator: str) -> float | None:
        """Sentences finished per hour of time spent on them (as recorded with the decisions;
        sentences without a recorded time are left out). None under a minute of recorded time."""
        n, seconds = self.db.execute(
            "SELECT count(*), sum(seconds) FROM labels WHERE annotator = :annotator"
            " AND status IN ('done', 'skipped') AND seconds IS NOT NULL",
            {"annotator": annotator},
        ).fetchone()
        if not seconds or seconds < 60:
            return None
        return round(n * 3600 / seconds, 1)


def _record_json(split: str) -> str:
    """SQLite's export record: built by json_object exactly as the model serialises it."""
    from annotator.model import SCHEMA_VERSION

    return (
        f"json_object('schema_version', {SCHEMA_VERSION}, 'id', d.doc_id || ':' || s.start || '-' || s.end,"
        " 'doc_id', d.doc_id, 'doc_sha256', d.sha256, 'cluster', d.cluster, 'block', s.block,"
        " 'block_type', b.block_type, 'lang', b.lang, 'start', s.start, 'end', s.end, 'text', s.text,"
        " 'labels', json(coalesce(l.labels, :empty)), 'status', coalesce(l.status, 'todo'),"
        " 'annotator', l.annotator, 'origin', l.origin, 'created_at', l.created_at,"
        f" 'updated_at', l.updated_at, 'derived_from', json(l.derived_from), 'seconds', l.seconds,"
        f" 'split', {split})"
    )


# PostgreSQL's export row: the fields of a record, in its order, for _record.
_RECORD_FIELDS = (
    "d.doc_id, d.sha256, d.cluster, s.block, b.block_type, b.lang, s.start, s.end, s.text,"
    " coalesce(CAST(l.labels AS TEXT), :empty), coalesce(l.status, 'todo'), l.annotator, l.origin,"
    " l.created_at, l.updated_at, l.derived_from, l.seconds"
)


def _record(row: tuple, schema_version: int) -> str:
    """One export record from a _RECORD_FIELDS row (and its split, last), as the model serialises
    it: the stored JSON (written by orjson, compact) spliced in as it is."""
    doc_id, sha256, cluster, block, block_type, lang, start, end, text, labels, status = row[:11]
    annotator, origin, created_at, updated_at, derived, seconds, split = row[11:]
    return orjson.dumps(
        {
            "schema_version": schema_version,
            "id": f"{doc_id}:{start}-{end}",
            "doc_id": doc_id,
            "doc_sha256": sha256,
            "cluster": cluster,
            "block": block,
            "block_type": block_type,
            "lang": lang,
            "start": start,
            "end": end,
            "text": text,
            "labels": orjson.Fragment(labels),
            "status": status,
            "annotator": annotator,
            "origin": origin,
            "created_at": created_at,
            "updated_at": updated_at,
            "derived_from": orjson.Fragment(derived) if derived is not None else None,
            "seconds": seconds,
            "split": split,
        }
    ).decode()
