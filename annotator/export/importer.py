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


def import_file(store: Store, path: Path) -> ImportReport:
    """Validate every line of `path` against the model and the store, then store all of it in one
    transaction; any bad line aborts the whole import with every error listed (the first 100)."""
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
        sentence, sha = found
        if sha != record.doc_sha256:
            bad(
                n,
                f"document {record.doc_id} in the store has sha256 {sha[:12]}…, the record {record.doc_sha256[:12]}…",
            )
            continue
        if sentence.text != record.text:
            bad(n, f"sentence {record.id} text differs from the stored text")
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
    report.changed = store.import_labels(rows)
    return report
