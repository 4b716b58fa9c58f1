"""Running tallies of the labels table, kept by triggers: what the dashboard, the report and
`stats --json` read, so none of them scans a million labels.

Every write to `labels` (a decision, an undo, an import, a review verdict, a retired sentence)
fires a trigger that takes the old row out of its cell and adds the new one, so the tallies are
the labels table grouped, always. A cell is one combination of:

- annotator, the hour of the last change (`updated_at`, to the hour), status, origin;
- the block type (the annotator's own, else the rules'), mode, claim, whether it has quotes;
- a bucket of the recorded seconds (-1: not recorded), with the exact sum of seconds beside it;
- `changed`: which fields differ from the engine's suggestion for the sentence as it stood when
  the decision was written ('-': there was none; '': none changed).

`tally_items` counts quote types and flags the same way. Cells that fall to zero stay (as zero).
"""

from __future__ import annotations

from annotator.store.jsonsql import Postgres, Sqlite

# Lower bounds of the seconds buckets (the screen caps a sentence's time at 180 s).
SECONDS_BUCKETS = (0, 5, 10, 15, 20, 30, 45, 60, 90, 120, 180)

# Fields compared with the suggestion: name -> SQL giving that field of a labels JSON `{L}`.
_QUOTE_FIELD = "(SELECT json_group_array(q.value -> '$.{f}') FROM json_each({L}, '$.quotes') q)"
COMPARED = {
    "mode": "({L} ->> '$.mode')",
    "claim": "({L} ->> '$.claim')",
    "quotes": "json_array_length({L}, '$.quotes')",
    "type": _QUOTE_FIELD.replace("{f}", "type"),
    "content": _QUOTE_FIELD.replace("{f}", "content"),
    "cue": _QUOTE_FIELD.replace("{f}", "cue"),
    "source": _QUOTE_FIELD.replace("{f}", "source"),
    "speaker": _QUOTE_FIELD.replace("{f}", "speaker"),
}

KEY = ("annotator", "hour", "status", "origin", "block_type", "mode", "claim", "quotes", "seconds", "changed")


# The suggestion comparison in PostgreSQL's words: its JSON has no equality, so arrays compare as text.
_PG_QUOTE_FIELD = (
    "(SELECT CAST(jsonb_agg(q.value -> '{f}') AS TEXT) FROM jsonb_array_elements({L} -> 'quotes') q)"
)
_PG_COMPARED = {
    "mode": "({L} ->> 'mode')",
    "claim": "({L} ->> 'claim')",
    "quotes": "jsonb_array_length({L} -> 'quotes')",
    **{f: _PG_QUOTE_FIELD.replace("{f}", f) for f in ("type", "content", "cue", "source", "speaker")},
}


class _Binary(Postgres):
    """PostgreSQL's tallies read labels cast to jsonb once per row (json is parsed again at every
    operator, and a cell reads a row's labels some twenty times)."""

    @staticmethod
    def length(labels: str, name: str) -> str:
        return f"jsonb_array_length({labels} -> '{name}')"

    @staticmethod
    def each(labels: str, name: str) -> str:
        return f"jsonb_array_elements({labels} -> '{name}')"


def _compared(j: type[Sqlite]) -> dict[str, str]:
    return _PG_COMPARED if j is _Binary else COMPARED


def _rules_block_type(row: str) -> str:
    """The rules' block type of a labels row's sentence, looked up."""
    return (
        "(SELECT b.block_type FROM all_sentences s JOIN blocks b ON b.doc = s.doc AND b.idx = s.block"
        f" WHERE s.sid = {row}.sid)"
    )


def _suggestion(row: str) -> str:
    """The suggestion of a labels row's sentence, looked up."""
    return f"(SELECT g.labels FROM suggestions g WHERE g.sid = {row}.sid)"


def _block_type(row: str, j: type[Sqlite] = Sqlite, rules: str | None = None) -> str:
    """The annotator's block type, else the rules' (`rules`: its SQL where a join has it)."""
    return f"coalesce({j.field(f'{row}.labels', 'block_type')}, {rules or _rules_block_type(row)}, '')"


def _changed(row: str, j: type[Sqlite] = Sqlite, suggestion: str | None = None) -> str:
    """The comma-joined names of the fields that differ from the sentence's suggestion
    (`suggestion`: its SQL where a join has it)."""
    suggestion = suggestion or _suggestion(row)
    parts = " || ".join(
        f"CASE WHEN {sql.format(L=f'{row}.labels')} {j.differs} {sql.format(L=suggestion)}"
        f" THEN ',{name}' ELSE '' END"
        for name, sql in _compared(j).items()
    )
    return f"CASE WHEN {suggestion} IS NULL THEN '-' ELSE ltrim({parts}, ',') END"


def _seconds_bucket(row: str) -> str:
    cases = " ".join(
        f"WHEN {row}.seconds < {upper} THEN {lower}"
        for lower, upper in zip(SECONDS_BUCKETS, SECONDS_BUCKETS[1:], strict=False)
    )
    return f"CASE WHEN {row}.seconds IS NULL THEN -1 {cases} ELSE {SECONDS_BUCKETS[-1]} END"


def _cell(row: str, j: type[Sqlite] = Sqlite, joined: bool = False) -> list[str]:
    """The cell of one labels row, named `row`: the expressions of KEY (`joined`: the rules'
    block type and the suggestion come from the joins of _JOINS)."""
    return [
        f"{row}.annotator",
        f"substr({row}.updated_at, 1, 13)",
        f"{row}.status",
        f"coalesce({row}.origin, '')",
        _block_type(row, j, "b.block_type" if joined else None),
        f"coalesce({j.field(f'{row}.labels', 'mode')}, '')",
        f"coalesce({j.field(f'{row}.labels', 'claim')}, '')",
        j.boolean(f"coalesce({j.length(f'{row}.labels', 'quotes')}, 0) > 0"),
        _seconds_bucket(row),
        _changed(row, j, "g.labels" if joined else None),
    ]


def _measures(row: str, j: type[Sqlite] = Sqlite) -> list[str]:
    """What one labels row adds to its cell: n, quote_n, seconds_sum, timed."""
    return [
        "1",
        f"coalesce({j.length(f'{row}.labels', 'quotes')}, 0)",
        f"coalesce({row}.seconds, 0)",
        j.boolean(f"{row}.seconds IS NOT NULL"),
    ]


def _item_cell(row: str, j: type[Sqlite] = Sqlite, joined: bool = False) -> list[str]:
    block_type = _block_type(row, j, "b.block_type" if joined else None)
    return [f"{row}.annotator", f"{row}.status", f"coalesce({row}.origin, '')", block_type]


def _items(row: str, j: type[Sqlite]) -> str:
    """The quote types and flags of a labels row, as (kind, value) rows."""
    return (
        f"SELECT 'quote' AS kind, {j.field('j.value', 'type')} AS value FROM {j.each(f'{row}.labels', 'quotes')} j"
        f" UNION ALL SELECT 'flag', {j.text_value('j.value')} FROM {j.each(f'{row}.labels', 'flags')} j"
    )


_ADD_TALLY = (
    " ON CONFLICT DO UPDATE SET n = n + excluded.n, quote_n = quote_n + excluded.quote_n,"
    " seconds_sum = seconds_sum + excluded.seconds_sum, timed = timed + excluded.timed"
)
_ADD_ITEM = " ON CONFLICT DO UPDATE SET n = n + excluded.n"
# PostgreSQL names the key an upsert conflicts on, and the table of the column it adds to
_ADD_TALLY_PG = (
    f" ON CONFLICT ({', '.join(KEY)}) DO UPDATE SET n = tallies.n + excluded.n,"
    " quote_n = tallies.quote_n + excluded.quote_n,"
    " seconds_sum = tallies.seconds_sum + excluded.seconds_sum, timed = tallies.timed + excluded.timed"
)
_ADD_ITEM_PG = " ON CONFLICT (annotator, status, origin, block_type, kind, value) DO UPDATE SET n = tally_items.n + excluded.n"


def _add(row: str, sign: str, j: type[Sqlite] = Sqlite) -> list[str]:
    """SQLite's statements adding (`sign` '+') or taking out ('-') one labels row, named `row`."""
    measures = ", ".join(f"{sign}({m})" for m in _measures(row, j))
    return [
        f"INSERT INTO tallies VALUES ({', '.join(_cell(row, j))}, {measures}){_ADD_TALLY}",
        f"INSERT INTO tally_items SELECT {', '.join(_item_cell(row, j))}, i.kind, i.value, {sign}count(*)"
        f" FROM ({_items(row, j)}) i GROUP BY i.kind, i.value{_ADD_ITEM}",
    ]


def _trigger(name: str, event: str, statements: list[str]) -> str:
    return f"CREATE TRIGGER {name} AFTER {event} ON labels BEGIN {'; '.join(statements)}; END"


TRIGGERS = (
    _trigger("tally_insert", "INSERT", _add("NEW", "+")),
    _trigger("tally_delete", "DELETE", _add("OLD", "-")),
    _trigger("tally_update", "UPDATE", _add("OLD", "-") + _add("NEW", "+")),
)

# PostgreSQL's: statement-level triggers over the statement's transition tables, so a bulk write
# (an import, an ingest's labels carried over) is counted in one grouped pass, with the same
# cells; the rules' block type and the suggestion are joined once, not looked up per field.
_JOINS = (
    " LEFT JOIN (SELECT sid, CAST(labels AS jsonb) AS labels FROM suggestions) g ON g.sid = x.sid"
    " LEFT JOIN all_sentences s ON s.sid = x.sid LEFT JOIN blocks b ON b.doc = s.doc AND b.idx = s.block"
)


def _grouped(rows: str, sign: str) -> list[str]:
    """Statements adding (`sign` '+') or taking out ('-') every labels row of a transition table."""
    j = _Binary
    labelled = f"(SELECT sid, annotator, status, CAST(labels AS jsonb) AS labels, origin, updated_at, seconds FROM {rows})"
    measures = ", ".join(f"sum({sign}({m}))" for m in _measures("x", j))
    keys = ", ".join(str(i + 1) for i in range(len(KEY)))
    return [
        f"INSERT INTO tallies SELECT {', '.join(_cell('x', j, joined=True))}, {measures} FROM {labelled} x{_JOINS}"
        f" GROUP BY {keys}{_ADD_TALLY_PG}",
        f"INSERT INTO tally_items SELECT {', '.join(_item_cell('x', j, joined=True))}, i.kind, i.value,"
        f" {sign}count(*) FROM {labelled} x{_JOINS} CROSS JOIN LATERAL ({_items('x', j)}) i"
        f" GROUP BY 1, 2, 3, 4, 5, 6{_ADD_ITEM_PG}",
    ]


def _pg_trigger(event: str, statements: list[str], tables: str) -> tuple[str, str]:
    name = f"tally_{event.lower()}"
    return (
        f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
        f" {'; '.join(statements)}; RETURN NULL; END $$",
        f"CREATE TRIGGER {name} AFTER {event} ON labels REFERENCING {tables} FOR EACH STATEMENT"
        f" EXECUTE FUNCTION {name}()",
    )


POSTGRES_TRIGGERS = (
    *_pg_trigger("INSERT", _grouped("new_rows", "+"), "NEW TABLE AS new_rows"),
    *_pg_trigger("DELETE", _grouped("old_rows", "-"), "OLD TABLE AS old_rows"),
    *_pg_trigger(
        "UPDATE",
        _grouped("old_rows", "-") + _grouped("new_rows", "+"),
        "OLD TABLE AS old_rows NEW TABLE AS new_rows",
    ),
)


def fill_and_keep(db) -> None:
    """Fill the tables (store/tables.py) from the labels already stored, then add the triggers
    that keep them."""
    keys = ", ".join(str(i + 1) for i in range(len(KEY)))
    db.execute(
        f"INSERT INTO tallies SELECT {', '.join(_cell('l'))}, {', '.join(f'sum({m})' for m in _measures('l'))}"
        f" FROM labels l WHERE true GROUP BY {keys}"
    )
    for kind, path, value in (("quote", "quotes", "j.value ->> '$.type'"), ("flag", "flags", "j.value")):
        db.execute(
            f"INSERT INTO tally_items SELECT {', '.join(_item_cell('l'))}, '{kind}', {value}, count(*)"
            f" FROM labels l, json_each(l.labels, '$.{path}') j WHERE true GROUP BY 1, 2, 3, 4, 6"
        )
    for statement in TRIGGERS:
        db.execute(statement)


# What a recount can check: every key but the suggestion comparison (`changed`), which holds for
# the suggestion as it was when the decision was written.
_CHECKED = [k for k in KEY if k != "changed"]


def mismatches(db, j: type[Sqlite] = Sqlite) -> int:
    """How many cells the kept tallies get wrong, against a recount of the labels table."""
    cell = dict(zip(KEY, _cell("l", j), strict=True))
    keys = ", ".join(_CHECKED)
    sums = "sum(n), sum(quote_n), sum(seconds_sum), sum(timed)"
    fresh = (
        f"SELECT {', '.join(f'{cell[k]} AS {k}' for k in _CHECKED)}, "
        + ", ".join(f"sum({m})" for m in _measures("l", j))
        + f" FROM labels l WHERE true GROUP BY {', '.join(str(i + 1) for i in range(len(_CHECKED)))}"
    )
    kept = f"SELECT {keys}, {sums} FROM tallies GROUP BY {keys} HAVING sum(n) != 0"
    differ = (
        f"SELECT * FROM (SELECT * FROM ({fresh}) f1 EXCEPT SELECT * FROM ({kept}) k1) a"
        f" UNION ALL SELECT * FROM (SELECT * FROM ({kept}) k2 EXCEPT SELECT * FROM ({fresh}) f2) b"
    )
    return db.execute(f"SELECT count(*) FROM (SELECT DISTINCT {keys} FROM ({differ}) d) c").fetchone()[0]
