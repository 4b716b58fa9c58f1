"""The export kernel every format shares: which records (Selection), how they are checked
(every record passes the model), counted (the manifest's tables) and published (files first,
the manifest last, atomically)."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass

import orjson
from pydantic import TypeAdapter, ValidationError

from annotator import __version__
from annotator.errors import UserError
from annotator.export import splits
from annotator.export.atomic import Draft
from annotator.model import ExportRecord, Manifest, now
from annotator.store import Store

RECORDS = TypeAdapter(list[ExportRecord])


def count_records(counts: Counter, records: list[ExportRecord]) -> None:
    """Count records by every manifest dimension at once; expanded into tables at the end."""
    counts.update(
        (
            r.status,
            r.split,
            r.annotator,
            r.origin,
            r.block_type,
            r.labels.mode,
            r.labels.claim,
            tuple([q.type for q in r.labels.quotes]) if r.labels.quotes else (),
            tuple(r.labels.flags),
        )
        for r in records
    )


def count_tables(counts: Counter) -> dict[str, dict[str, int]]:
    tables: dict[str, Counter] = defaultdict(Counter)
    for (status, split, annotator, origin, block_type, mode, claim, quotes, flags), n in counts.items():
        for name, value in (
            ("status", status), ("split", split), ("annotator", annotator), ("origin", origin),
            ("block_type", block_type), ("mode", mode), ("claim", claim),
        ):  # fmt: skip
            tables[name][value or "none"] += n
        tables["quotes"]["sentences_with_quotes" if quotes else "sentences_without_quotes"] += n
        for q in quotes:
            tables["quotes"][q] += n
        for flag in flags:
            tables["flags"][flag] += n
    return {k: dict(sorted(v.items())) for k, v in sorted(tables.items())}


@dataclass(frozen=True)
class Selection:
    """Which records an export holds and how they are split."""

    split: str | None = None  # '80/10/10'
    seed: int = 0
    unit: splits.Unit = "cluster"
    stratify: splits.Stratify = "mode"
    resplit: bool = False
    include_all: bool = False  # unfinished and skipped sentences too
    annotator: str | None = None  # one annotator's layer
    adjudicated: bool = False  # the adjudicated layer

    def __post_init__(self) -> None:
        if self.annotator and self.adjudicated:
            raise UserError("--annotator and --adjudicated: choose one layer")

    def plan(self, store: Store) -> dict | None:
        """The frozen split plan (assigning new stories), or None without --split."""
        if not self.split:
            return None
        return splits.frozen(
            store, splits.parse_split(self.split), self.seed, self.unit, self.stratify, resplit=self.resplit
        )

    def query(self) -> dict:
        return {"include_all": self.include_all, "annotator": self.annotator, "adjudicated": self.adjudicated}


def records(store: Store, selection: Selection, plan: dict | None) -> Iterator[ExportRecord]:
    """The selected records, validated, in corpus order."""
    for rows in store.export_json(**selection.query(), split_unit=plan["unit"] if plan else None):
        yield from validated(array_of(rows))


def validated(array: str) -> list[ExportRecord]:
    """The records of a chunk from the store (`array_of` its rows), each checked by the model; a
    record that fails is reported by id, as a user error."""
    try:
        return RECORDS.validate_json(array)
    except ValidationError as exc:
        err = exc.errors()[0]
        bad = orjson.loads(array)[err["loc"][0]]
        where = ".".join(str(p) for p in err["loc"][1:])
        raise UserError(f"export: record {bad['id']} fails validation at {where}: {err['msg']}") from None


def array_of(rows: list[tuple[str, str | None]]) -> str:
    return "[" + ",".join(r for r, _ in rows) + "]"


def make_manifest(
    store: Store,
    selection: Selection,
    plan: dict | None,
    files: dict[str, str],
    records: int,
    tables: dict[str, dict[str, int]],
    fmt: str,
) -> Manifest:
    if not selection.include_all:
        tables.setdefault("status", {})["skipped_not_exported"] = store.skipped_count(
            selection.annotator, selection.adjudicated
        )
    return Manifest(
        tool_version=__version__,
        created_at=now(),
        format=fmt,
        files=files,
        records=records,
        counts=tables,
        split=plan["percentages"] if plan else None,
        seed=plan["seed"] if plan else None,
        unit=plan["unit"] if plan else None,
    )


def finish(store: Store, draft: Draft, manifest: Manifest) -> None:
    """Publish the draft with its manifest (the folder is swapped whole); then freeze the splits
    this export assigned (an export that failed froze nothing)."""
    draft.publish(orjson.dumps(manifest.model_dump(mode="json"), option=orjson.OPT_INDENT_2) + b"\n")
    store.commit_splits()
