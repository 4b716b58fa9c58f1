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
    "(SELECT CAST(json_agg(q.value -> '{f}') AS TEXT) FROM json_array_elements({L} -> 'quotes') q)"
)
_PG_COMPARED = {
    "mode": "({L} ->> 'mode')",
    "claim": "({L} ->> 'claim')",
    "quotes": "json_array_length({L} -> 'quotes')",
    **{f: _PG_QUOTE_FIELD.replace("{f}", f) for f in ("type", "content", "cue", "source", "speaker")},
}


def _compared(j: type[Sqlite]) -> dict[str, str]:
    return _PG_COMPARED if j is Postgres else COMPARED


def _block_type(row: str, j: type[Sqlite] = Sqlite) -> str:
    return (
        f"coalesce({j.field(f'{row}.labels', 'block_type')}, (SELECT b.block_type FROM all_sentences s"
        f" JOIN blocks b ON b.doc = s.doc AND b.idx = s.block WHERE s.sid = {row}.sid), '')"
    )


def _changed(row: str, j: type[Sqlite] = Sqlite) -> str:
    """The comma-joined names of the fields that differ from the sentence's suggestion."""
    suggestion = f"(SELECT g.labels FROM suggestions g WHERE g.sid = {row}.sid)"
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


def _cell(row: str, j: type[Sqlite] = Sqlite) -> list[str]:
    """The cell of one labels row, named `row`: the expressions of KEY."""
    return [
        f"{row}.annotator",
        f"substr({row}.updated_at, 1, 13)",
        f"{row}.status",
        f"coalesce({row}.origin, '')",
        _block_type(row, j),
        f"coalesce({j.field(f'{row}.labels', 'mode')}, '')",
        f"coalesce({j.field(f'{row}.labels', 'claim')}, '')",
        j.boolean(f"coalesce({j.length(f'{row}.labels', 'quotes')}, 0) > 0"),
        _seconds_bucket(row),
        _changed(row, j),
    ]


def _measures(row: str, j: type[Sqlite] = Sqlite) -> list[str]:
    """What one labels row adds to its cell: n, quote_n, seconds_sum, timed."""
    return [
        "1",
        f"coalesce({j.length(f'{row}.labels', 'quotes')}, 0)",
        f"coalesce({row}.seconds, 0)",
        j.boolean(f"{row}.seconds IS NOT NULL"),
    ]


def _item_cell(row: str, j: type[Sqlite] = Sqlite) -> list[str]:
    return [f"{row}.annotator", f"{row}.status", f"coalesce({row}.origin, '')", _block_type(row, j)]


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
    """Statements adding (`sign` '+') or taking out ('-') one labels row, named `row`."""
    measures = ", ".join(f"{sign}({m})" for m in _measures(row, j))
    add_tally, add_item = (_ADD_TALLY_PG, _ADD_ITEM_PG) if j is Postgres else (_ADD_TALLY, _ADD_ITEM)
    return [
        f"INSERT INTO tallies VALUES ({', '.join(_cell(row, j))}, {measures}){add_tally}",
        f"INSERT INTO tally_items SELECT {', '.join(_item_cell(row, j))}, i.kind, i.value, {sign}count(*)"
        f" FROM ({_items(row, j)}) i GROUP BY i.kind, i.value{add_item}",
    ]


def _trigger(name: str, event: str, statements: list[str]) -> str:
    return f"CREATE TRIGGER {name} AFTER {event} ON labels BEGIN {'; '.join(statements)}; END"


TRIGGERS = (
    _trigger("tally_insert", "INSERT", _add("NEW", "+")),
    _trigger("tally_delete", "DELETE", _add("OLD", "-")),
    _trigger("tally_update", "UPDATE", _add("OLD", "-") + _add("NEW", "+")),
)

# PostgreSQL's: one trigger function for the three events (PL/pgSQL), the same statements.
POSTGRES_TRIGGERS = (
    "CREATE FUNCTION tally_labels() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
    " IF TG_OP IN ('DELETE', 'UPDATE') THEN "
    + "; ".join(_add("OLD", "-", Postgres))
    + "; END IF; IF TG_OP IN ('INSERT', 'UPDATE') THEN "
    + "; ".join(_add("NEW", "+", Postgres))
    + "; END IF; RETURN NULL; END $$",
    "CREATE TRIGGER tally AFTER INSERT OR UPDATE OR DELETE ON labels FOR EACH ROW EXECUTE FUNCTION tally_labels()",
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
