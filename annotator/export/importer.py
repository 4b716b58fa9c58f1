"""`annotator import`: export records back into the store, all or nothing."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import orjson
from pydantic import ValidationError

from annotator.corpus.text import shown
from annotator.errors import UserError
from annotator.model import SCHEMA_VERSION, ExportRecord, timestamp
from annotator.store import Store
from annotator.store.decisions import ImportStaging

MAX_REPORTED = 100


@dataclass
class ImportReport:
    records: int = 0
    changed: int = 0
    todo: int = 0


def _explain(exc: ValidationError) -> str:
    err = exc.errors()[0]
    where = ".".join(str(p) for p in err["loc"])
    return f"{where}: {err['msg']}" if where else err["msg"]


def _why(line: bytes, exc: ValidationError) -> str:
    """What is wrong with a line the model refused, in the words that help most."""
    try:
        obj = orjson.loads(line)
    except orjson.JSONDecodeError:
        return "not valid JSON (a truncated line?)"
    if (
        isinstance(obj, dict)
        and isinstance(obj.get("schema_version"), int)
        and obj["schema_version"] > SCHEMA_VERSION
    ):
        return f"schema_version {obj['schema_version']} is newer than this annotator reads ({SCHEMA_VERSION})"
    return _explain(exc)


def import_file(store: Store, path: Path, *, overwrite: bool = False) -> ImportReport:
    """Validate every line of `path` against the model and the store, then store all of it in one
    transaction; any bad line aborts the whole import with every error listed (the first 100).
    A record older than the store's decision of the same annotator on the same sentence is one
    such line, unless `overwrite`. The file is read line by line and its decisions staged on the
    store's connection, so memory does not grow with the file."""
    try:
        with open(path, "rb") as lines, store.import_staging() as staging:
            report = _check(store, path, lines, staging, overwrite)
            store.verify()
            report.changed = store.import_staged()
    except OSError as exc:
        raise UserError(f"{shown(path)}: cannot read ({exc.strerror})") from None
    return report


def _check(
    store: Store, path: Path, lines: Iterable[bytes], staging: ImportStaging, overwrite: bool
) -> ImportReport:
    """Every line checked and its decision staged; a UserError listing the bad lines (the first
    100) when there is one."""
    errors: list[str] = []
    count = 0
    report = ImportReport()

    def bad(n: int, message: str) -> None:
        nonlocal count
        count += 1
        if len(errors) < MAX_REPORTED:
            errors.append(f"{path}:{n}: {message}")

    for n, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        report.records += 1
        try:
            record = ExportRecord.model_validate_json(line)
        except ValidationError as exc:
            bad(n, _why(line, exc))
            continue
        if (
            record.status == "todo" or record.annotator is None
        ):  # the model gives a finished record an annotator
            report.todo += 1
            continue
        found = store.find_sentence(record.doc_id, record.start, record.end)
        if found is None:
            bad(n, f"no sentence {record.id} in the store (ingest the document first)")
            continue
        sentence, sha, cluster, lang = found
        if sha != record.doc_sha256:
            bad(
                n,
                f"document {record.doc_id} in the store has sha256 {sha[:12]}…, the record {record.doc_sha256[:12]}…",
            )
            continue
        if sentence.text != record.text:
            bad(n, f"sentence {record.id} text differs from the stored text")
            continue
        if not record.annotator.strip():
            bad(n, "annotator is empty")
            continue
        stored = {
            "block": sentence.block,
            "block_type": sentence.block_type,
            "cluster": cluster,
            "lang": lang,
        }
        differs = [
            f"{k} {getattr(record, k)!r} (the store: {v!r})"
            for k, v in stored.items()
            if getattr(record, k) != v
        ]
        if differs:
            bad(n, f"sentence {record.id} contradicts the store: {', '.join(differs)}")
            continue
        if record.origin == "adjudicated":
            sources = store.event_sources(record.derived_from or [])
            wrong = [
                e
                for e in record.derived_from or []
                if e not in sources or sources[e][0] != sentence.sid or sources[e][1] == record.annotator
            ]
            if not record.derived_from or wrong:
                what = f"events {wrong} are not" if wrong else "no event is named as"
                bad(
                    n,
                    f"adjudicated record {record.id}: {what} another annotator's decision on this sentence in the store",
                )
                continue
        newer = store.decided_at(sentence.sid, record.annotator)
        mine = timestamp(record.updated_at)
        if not overwrite and newer is not None and mine is not None and newer > mine:
            bad(
                n,
                f"the store holds a later decision by {record.annotator} on {record.id} (updated {newer}, "
                f"the record {mine}); --overwrite replaces it",
            )
            continue
        earlier = staging.add(
            n,
            sentence.sid,
            record.annotator,
            record.labels,
            record.status,
            record.origin,
            timestamp(record.created_at),
            mine,
            record.derived_from,
        )
        if earlier is not None:
            bad(n, f"sentence {record.id} by {record.annotator} already given on line {earlier}")
    if not report.records:
        raise UserError(f"{path}: no records")
    if count:
        more = count - len(errors)
        listed = errors + ([f"{path}: … and {more} more bad lines"] if more > 0 else [])
        raise UserError("\n".join(listed + [f"{path}: nothing imported ({count} bad lines)"]))
    return report
