"""`annotator import`: export records back into the store, all or nothing."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import orjson
from pydantic import ValidationError

from annotator.errors import UserError
from annotator.model import SCHEMA_VERSION, ExportRecord, timestamp
from annotator.store import Store
from annotator.store.decisions import ImportRow

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


def import_file(store: Store, path: Path, *, overwrite: bool = False) -> ImportReport:
    """Validate every line of `path` against the model and the store, then store all of it in one
    transaction; any bad line aborts the whole import with every error listed (the first 100).
    A record older than the store's decision of the same annotator on the same sentence is one
    such line, unless `overwrite`."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise UserError(f"{path}: cannot read ({exc.strerror})") from None
    errors: list[str] = []
    rows: list[ImportRow] = []
    seen: dict[tuple[int, str], int] = {}
    report = ImportReport()

    def bad(n: int, message: str) -> None:
        errors.append(f"{path}:{n}: {message}")

    for n, line in enumerate(data.split(b"\n"), start=1):
        if not line.strip():
            continue
        report.records += 1
        try:
            obj = orjson.loads(line)
        except orjson.JSONDecodeError:
            bad(n, "not valid JSON (a truncated line?)")
            continue
        if (
            isinstance(obj, dict)
            and isinstance(obj.get("schema_version"), int)
            and obj["schema_version"] > SCHEMA_VERSION
        ):
            bad(
                n,
                f"schema_version {obj['schema_version']} is newer than this annotator reads ({SCHEMA_VERSION})",
            )
            continue
        try:
            record = ExportRecord.model_validate(obj)
        except ValidationError as exc:
            bad(n, _explain(exc))
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
        key = (sentence.sid, record.annotator)
        if key in seen:
            bad(n, f"sentence {record.id} by {record.annotator} already given on line {seen[key]}")
            continue
        seen[key] = n
        rows.append(
            (
                sentence.sid,
                record.annotator,
                record.labels,
                record.status,
                record.origin,
                timestamp(record.created_at),
                timestamp(record.updated_at),
                record.derived_from,
            )
        )
    if not report.records:
        raise UserError(f"{path}: no records")
    if errors:
        more = len(errors) - MAX_REPORTED
        shown = errors[:MAX_REPORTED] + ([f"{path}: … and {more} more bad lines"] if more > 0 else [])
        raise UserError("\n".join(shown + [f"{path}: nothing imported ({len(errors)} bad lines)"]))
    store.verify()
    report.changed = store.import_labels(rows)
    return report
