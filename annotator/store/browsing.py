"""The sentence browser's reads: the store's sentences in corpus order beside one annotator's
decisions (or everyone's, a row per decision), filtered, a page at a time.

Pages are found by key (`BrowseKey`: document, position, annotator), never by OFFSET, and each
call looks at no more than `scan` sentences: a filter few sentences match never holds a key up,
the caller asks again from where the last call stopped.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import orjson

from annotator.scheme import sentence_id
from annotator.store.connection import origin_not
from annotator.store.reading import Reading, containing
from annotator.store.rows import BrowseKey, BrowseRow

# Before every key of a sentence (an undecided row has annotator "") and after every one.
FIRST_NAME, LAST_NAME = "", "\U0010ffff"
END = (1 << 62, 0, LAST_NAME)  # after every sentence of the store


@dataclass(frozen=True, slots=True)
class BrowseFilter:
    """What the browser lists. Every condition set must hold."""

    annotator: str | None  # whose decisions are shown; None: everyone's, a row per decision
    status: str | None = None  # "todo" (no decision, or a pending one), "done" or "skipped"
    mode: str | None = None
    claim: str | None = None
    flag: str | None = None
    origin: str | None = None
    quotes: bool = False  # only decisions with a quote
    disagreement: bool = False  # only sentences two annotators finished differently
    text: str = ""  # only sentences containing it (folded as search folds)
    every_block: bool = False  # teasers and boilerplate too


# label fields as SQL over the decision row `l`
_FIELDS = (
    "l.labels ->> 'mode', l.labels ->> 'claim', coalesce(json_array_length(l.labels -> 'quotes'), 0),"
    " l.labels ->> 'flags'"
)


class Browsing(Reading):
    _disagreeing_at: tuple | None = (
        None  # the connection and change mark `disagreeing` was filled at (server)
    )

    def browse(
        self,
        f: BrowseFilter,
        key: BrowseKey,
        direction: int = 1,
        *,
        limit: int = 100,
        scan: int = 5000,
        inclusive: bool = False,
        same: Callable[[str, str], bool] | None = None,
    ) -> tuple[list[BrowseRow], BrowseKey | None]:
        """Up to `limit` rows after `key` (direction 1) or before it (-1), nearest first, among
        the next `scan` sentences; and the key to go on from (None: the end of the store that
        way was reached). `same` compares two decisions' labels (JSON), for `disagreement`."""
        if self._nothing_matches(f):
            return [], None
        forward = direction > 0
        cmp = (">=" if inclusive else ">") if forward else ("<=" if inclusive else "<")
        order = "ASC" if forward else "DESC"
        only = "" if f.every_block else " AND s.labelled = 1"
        conditions, params = self._conditions(f, same)
        names = "l.annotator = :annotator" if f.annotator is not None else "1 = 1"
        sql = (
            "SELECT w.doc, w.pos, coalesce(l.annotator, ''), w.sid, d.doc_id, w.start, w.end, w.text,"
            f" w.labelled, l.status, l.origin, {_FIELDS} FROM"
            " (SELECT s.sid, s.doc, s.pos, s.start, s.end, s.text, s.labelled FROM sentences s"
            f"  WHERE (s.doc, s.pos) {cmp[0]}= (:doc, :pos){only} ORDER BY s.doc {order}, s.pos {order}"
            "  LIMIT :scan + 1) w"  # the sentence at the key itself, and `scan` more
            f" JOIN documents d ON d.doc = w.doc LEFT JOIN labels l ON l.sid = w.sid AND {names}"
            f" WHERE (w.doc, w.pos, coalesce(l.annotator, '')) {cmp} (:doc, :pos, :name){conditions}"
            f" ORDER BY w.doc {order}, w.pos {order}, coalesce(l.annotator, '') {order} LIMIT :limit"
        )
        values = {
            "doc": key[0],
            "pos": key[1],
            "name": key[2],
            "scan": scan,
            "limit": limit,
            "annotator": f.annotator,
            **params,
        }
        rows = [_row(r) for r in self.db.execute(sql, values)]
        if len(rows) == limit:
            return rows, rows[-1].key
        # fewer than asked: the whole stretch was looked at; go on after its last sentence
        last = self.db.execute(
            f"SELECT s.doc, s.pos FROM sentences s WHERE (s.doc, s.pos) {cmp[0]}= (:doc, :pos){only}"
            f" ORDER BY s.doc {order}, s.pos {order} LIMIT 1 OFFSET :scan",
            values,
        ).fetchone()
        if last is None:
            return rows, None
        return rows, (last[0], last[1], LAST_NAME if forward else FIRST_NAME)

    def browse_count(self, f: BrowseFilter, same: Callable[[str, str], bool] | None = None) -> int | None:
        """How many rows the filter lists: a pass over the store (the browser runs it in a worker);
        None when `interrupt()` stopped it."""
        with self.interruptible():  # around every read: a stop may come at any of them
            if self._nothing_matches(f):
                return 0
            only = "" if f.every_block else " AND w.labelled = 1"
            conditions, params = self._conditions(f, same)
            names = "l.annotator = :annotator" if f.annotator is not None else "1 = 1"
            return self.db.execute(  # the sentences named `w`, as the conditions name them
                "SELECT count(*) FROM sentences w"
                f" LEFT JOIN labels l ON l.sid = w.sid AND {names} WHERE 1 = 1{only}{conditions}",
                {"annotator": f.annotator, **params},
            ).fetchone()[0]
        return None

    def _nothing_matches(self, f: BrowseFilter) -> bool:
        """Whether the running tallies (tallies.py) show that no decision has what the filter
        asks of one: then no page has to look at a single sentence (a filter on labels nobody
        gave would otherwise read the whole store to find nothing)."""
        if not (f.mode or f.claim or f.flag or f.origin or f.quotes or f.status in ("done", "skipped")):
            return False  # a sentence without a decision may match
        # a decision is needed; "todo" is then a pending one
        asked: dict[str, object] = {"status": f.status, "origin": f.origin, "annotator": f.annotator}
        if f.flag:  # flag counts are kept without mode, claim and quotes: a bound, which is enough
            table, asked = "tally_items", {**asked, "kind": "flag", "value": f.flag}
        else:
            table = "tallies"
            asked |= {"mode": f.mode, "claim": f.claim, "quotes": 1 if f.quotes else None}
        where = " AND ".join(f"{name} = :{name}" for name, value in asked.items() if value is not None)
        n = self.db.execute(f"SELECT coalesce(sum(n), 0) FROM {table} WHERE {where}", asked).fetchone()[0]
        return n == 0

    def _conditions(self, f: BrowseFilter, same: Callable[[str, str], bool] | None) -> tuple[str, dict]:
        sql: list[str] = []
        params: dict[str, object] = {}
        if f.status == "todo":
            sql.append("(l.status IS NULL OR l.status = 'todo')")
        elif f.status:
            sql.append("l.status = :status")
            params["status"] = f.status
        for field in ("mode", "claim"):
            if getattr(f, field):
                sql.append(f"l.labels ->> '{field}' = :{field}")
                params[field] = getattr(f, field)
        if f.flag:  # a flag is a word of the scheme: its JSON string appears as is in the list's
            sql.append("l.labels ->> 'flags' LIKE :flag ESCAPE '!'")
            params["flag"] = containing(orjson.dumps(f.flag).decode())
        if f.origin:
            sql.append("l.origin = :origin")
            params["origin"] = f.origin
        if f.quotes:
            sql.append("json_array_length(l.labels -> 'quotes') > 0")
        if f.disagreement:
            if same is None:
                raise ValueError("the disagreement filter needs a comparison of labels")
            sql.append(self._disagreeing(same))
        if f.text:
            from annotator.corpus.text import fold

            self._folding()
            sql.append("fold(w.text) LIKE :text ESCAPE '!'")
            params["text"] = containing(fold(f.text))
        return "".join(f" AND {c}" for c in sql), params

    # two annotators' own finished versions (not a verdict) of a sentence
    _PAIRS = (
        "FROM labels a JOIN labels b ON b.sid = a.sid AND b.annotator > a.annotator"
        " WHERE a.status = 'done' AND b.status = 'done'"
        f" AND {origin_not('a', 'adjudicated')} AND {origin_not('b', 'adjudicated')}"
    )

    def _disagreeing(self, same: Callable[[str, str], bool]) -> str:
        """The condition on `w` that two annotators' versions of it differ (`same`, Python). SQLite
        calls `same` from SQL; on PostgreSQL the sentences are found once per change of the store
        (change_mark) and kept in a table of the session."""
        if not self.on_server:
            self.db.create_function("same_labels", 2, same, deterministic=True)
            return (
                f"EXISTS (SELECT 1 {self._PAIRS} AND a.sid = w.sid AND NOT same_labels(a.labels, b.labels))"
            )
        mark = (id(self.db.connection()), self.change_mark())  # type: ignore[attr-defined]
        if self._disagreeing_at != mark:
            found = {
                sid
                for sid, a, b in self.db.execute(f"SELECT a.sid, a.labels, b.labels {self._PAIRS}")
                if not same(a, b)
            }
            self.db.execute("CREATE TEMP TABLE IF NOT EXISTS disagreeing (sid INTEGER PRIMARY KEY)")
            self.db.execute("DELETE FROM disagreeing")
            if found:
                self.db.execute("INSERT INTO disagreeing VALUES (:sid)", [{"sid": sid} for sid in found])
            self._disagreeing_at = mark
        return "w.sid IN (SELECT sid FROM disagreeing)"

    def locate(self, where: str, near: str | None = None) -> BrowseKey | None:
        """The key of a sentence named by its id (`DOC:START-END`), by its document and number
        (`DOC 4`, counting from 1 as the screens do), or by its number alone in document `near`."""
        doc_id, _, rest = where.strip().rpartition(":")
        if doc_id and "-" in rest:
            start, _, end = rest.partition("-")
            if not (start.isdigit() and end.isdigit()):
                return None
            row = self.db.execute(
                "SELECT s.doc, s.pos FROM sentences s JOIN documents d ON d.doc = s.doc"
                " WHERE d.doc_id = :doc_id AND s.start = :start AND s.end = :end",
                {"doc_id": doc_id, "start": int(start), "end": int(end)},
            ).fetchone()
            return (row[0], row[1], FIRST_NAME) if row else None
        words = where.replace("#", " ").split()
        if len(words) == 1 and near is not None:
            words.insert(0, near)
        if len(words) != 2 or not words[1].isdigit():
            return None
        row = self.db.execute(
            "SELECT s.doc, s.pos FROM sentences s JOIN documents d ON d.doc = s.doc"
            " WHERE d.doc_id = :doc_id ORDER BY s.pos LIMIT 1 OFFSET :skip",
            {"doc_id": words[0], "skip": max(int(words[1]) - 1, 0)},
        ).fetchone()
        return (row[0], row[1], FIRST_NAME) if row and int(words[1]) > 0 else None

    def change_mark(self) -> tuple[int, int]:
        """Changes when a decision or a document is added (the last event and the last document):
        a count made under the same mark still holds."""
        return self.db.execute(
            "SELECT (SELECT coalesce(max(event_id), 0) FROM events), (SELECT coalesce(max(doc), 0) FROM all_documents)"
        ).fetchone()

    def names(self) -> list[str]:
        """Everyone with a decision in the store (reviewers too), from the tallies: no scan."""
        return [
            name
            for (name,) in self.db.execute(
                "SELECT DISTINCT annotator FROM tallies WHERE n != 0 ORDER BY annotator"
            )
        ]


def _row(r: tuple) -> BrowseRow:
    doc, pos, name, sid, doc_id, start, end, text, labelled, status, origin, mode, claim, quotes, flags = r
    return BrowseRow(
        (doc, pos, name),
        sid,
        sentence_id(doc_id, start, end),
        doc_id,
        pos,
        text,
        bool(labelled),
        name or None,
        status,
        origin,
        mode,
        claim,
        quotes,
        tuple(orjson.loads(flags)) if flags else (),
    )
