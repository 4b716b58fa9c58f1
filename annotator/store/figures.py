"""What the dashboard, the report and `stats --json` read: the running tallies (tallies.py) and
the sentences two annotators share, never a scan of every label."""

from __future__ import annotations

from collections.abc import Iterator

from annotator.store.connection import origin_not
from annotator.store.reports import Reports
from annotator.store.rows import FinishedDecision, TallyCell


class Figures(Reports):
    def tallies(self) -> Iterator[TallyCell]:
        """Every non-empty tally cell (see tallies.py)."""
        for row in self.db.execute("SELECT * FROM tallies WHERE n != 0"):
            yield TallyCell(*row)

    def tally_items(self) -> list[tuple[str, str, str, str, str, str, int]]:
        """(annotator, status, origin, block type, kind, value, n) of quote types and flags."""
        return self.db.execute("SELECT * FROM tally_items WHERE n != 0").fetchall()

    def to_label(self) -> int:
        return self.db.execute("SELECT count(*) FROM sentences WHERE labelled = 1").fetchone()[0]

    def served_count(self, annotator: str, to_label: int) -> int:
        """How many of the `to_label` sentences the annotator is served (all without a plan)."""
        if self._plan and annotator in self._plan.team:
            return self.progress(annotator)[1]
        return to_label

    def shared_decisions(self) -> Iterator[tuple[FinishedDecision, str]]:
        """The finished own-layer decisions on sentences that two annotators or more finished
        (projected ones left out, as `agree` does), each with the time it was last changed."""
        for row in self.db.execute(
            "SELECT l.sid, d.doc_id, l.annotator, b.block_type, l.labels, l.updated_at FROM"
            f" (SELECT sid FROM labels WHERE status = 'done' AND {origin_not('labels', 'adjudicated', 'projected')}"
            " GROUP BY sid HAVING count(*) >= 2) shared"
            " JOIN labels l ON l.sid = shared.sid JOIN sentences s ON s.sid = l.sid"
            " JOIN documents d ON d.doc = s.doc JOIN blocks b ON b.doc = s.doc AND b.idx = s.block"
            f" WHERE l.status = 'done' AND {origin_not('l', 'adjudicated', 'projected')}"
            " ORDER BY l.sid"
        ):
            yield FinishedDecision(*row[:5]), row[5]

    def titles(self, doc_ids: list[str]) -> dict[str, str | None]:
        """The title of each of these documents (its first headline)."""
        out: dict[str, str | None] = {}
        for doc_id in doc_ids:
            row = self.db.execute(
                f"SELECT {self._TITLE.format(doc='d.doc')} FROM documents d WHERE d.doc_id = :doc_id",
                {"doc_id": doc_id},
            ).fetchone()
            out[doc_id] = row[0] if row else None
        return out
