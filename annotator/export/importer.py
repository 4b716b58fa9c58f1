"""`annotator import`: export records back into the store, all or nothing."""

from __future__ import annotations

import gc
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import orjson
from pydantic import ValidationError

from annotator.corpus.text import shown
from annotator.errors import UserError
from annotator.model import SCHEMA_VERSION, ExportRecord
from annotator.store import Store
from annotator.store.decisions import Conflict, ImportRow

MAX_REPORTED = 100
_SERIALISER = ExportRecord.__pydantic_serializer__


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


_CHUNK = 5000  # lines validated and staged at a time
# What the store keeps of a record in its canonical (exported) form, in one serialiser call.
_CANONICAL = {"labels", "created_at", "updated_at", "derived_from"}


@dataclass
class Checked:
    """A chunk of lines after the model: rows to stage, bad lines, how many records and todos."""

    rows: list[ImportRow]
    errors: list[tuple[int, str]]
    records: int = 0
    todo: int = 0


def import_file(store: Store, path: Path, *, overwrite: bool = False) -> ImportReport:
    """Validate every line of `path` against the model and the store, then store all of it in one
    transaction; any bad line aborts the whole import with every error listed (the first 100).
    A record older than the store's decision of the same annotator on the same sentence is one
    such line, unless `overwrite`.

    The file is read in chunks of lines, validated by the model and staged in a temporary table on
    the store's connection, so memory does not grow with the file; the store's checks then run on
    all staged lines at once, in SQL."""
    gc_was_enabled = gc.isenabled()
    gc.disable()  # millions of short-lived models, freed by their reference counts
    try:
        with open(path, "rb") as lines, store.import_staging() as staging:
            report = ImportReport()
            errors: list[tuple[int, str]] = []
            bad = 0
            for first, chunk in _chunks(lines):
                checked = _check(first, chunk)
                report.records += checked.records
                report.todo += checked.todo
                bad += len(checked.errors)
                if len(errors) < MAX_REPORTED:
                    errors += checked.errors[: MAX_REPORTED - len(errors)]
                staging.add(checked.rows)
            if not report.records:
                raise UserError(f"{path}: no records")
            conflicts, refused = staging.conflicts(overwrite=overwrite, limit=MAX_REPORTED)
            errors += [(c.line, _conflict(store, c)) for c in conflicts]
            if bad or refused:
                _refuse(path, sorted(errors)[:MAX_REPORTED], bad + refused)
            store.verify()
            report.changed = store.import_staged()
    except OSError as exc:
        raise UserError(f"{shown(path)}: cannot read ({exc.strerror})") from None
    finally:
        if gc_was_enabled:
            gc.enable()
    return report


def _refuse(path: Path, errors: list[tuple[int, str]], count: int) -> None:
    listed = [f"{path}:{n}: {message}" for n, message in errors]
    if count > len(listed):
        listed.append(f"{path}: … and {count - len(listed)} more bad lines")
    raise UserError("\n".join([*listed, f"{path}: nothing imported ({count} bad lines)"]))


def _chunks(lines: Iterable[bytes]) -> Iterator[tuple[int, list[bytes]]]:
    """(number of the first line, the lines) of every _CHUNK lines."""
    chunk: list[bytes] = []
    first = 1
    for n, line in enumerate(lines, start=1):
        if not chunk:
            first = n
        chunk.append(line)
        if len(chunk) == _CHUNK:
            yield first, chunk
            chunk = []
    if chunk:
        yield first, chunk


def _check(first: int, lines: list[bytes]) -> Checked:
    """The model's verdict on each line, and the staged row of each finished record."""
    checked = Checked([], [])
    rows, errors = checked.rows, checked.errors
    for n, line in enumerate(lines, start=first):
        if not line.strip():
            continue
        checked.records += 1
        try:
            r = ExportRecord.model_validate_json(line)
        except ValidationError as exc:
            errors.append((n, _why(line, exc)))
            continue
        if r.status == "todo" or r.annotator is None:  # the model gives a finished record an annotator
            checked.todo += 1
            continue
        if not r.annotator.strip():
            errors.append((n, "annotator is empty"))
            continue
        canonical = _SERIALISER.to_python(r, mode="json", include=_CANONICAL)
        rows.append(
            (
                n,
                r.doc_id,
                r.start,
                r.end,
                r.doc_sha256,
                r.text,
                r.block,
                r.block_type,
                r.cluster,
                r.lang,
                r.annotator,
                r.status,
                orjson.dumps(canonical["labels"]).decode(),
                r.origin,
                canonical["created_at"],
                canonical["updated_at"],
                None if r.derived_from is None else orjson.dumps(r.derived_from).decode(),
                r.seconds,
            )
        )
    return checked


def _conflict(store: Store, c: Conflict) -> str:
    """The message for a line the store refuses."""
    sha, block, block_type, cluster, lang, decided, earlier = c.stored
    doc_sha, *given, updated, annotator, derived = c.given
    if c.problem == "missing":
        return f"no sentence {c.record_id} in the store (ingest the document first)"
    if c.problem == "version":
        doc_id = c.record_id.rsplit(":", 1)[0]
        return f"document {doc_id} in the store has sha256 {sha[:12]}…, the record {doc_sha[:12]}…"
    if c.problem == "text":
        return f"sentence {c.record_id} text differs from the stored text"
    if c.problem == "contradicts":
        names = ("block", "block_type", "cluster", "lang")
        differs = [
            f"{k} {g!r} (the store: {v!r})"
            for k, g, v in zip(names, given, (block, block_type, cluster, lang), strict=True)
            if g != v
        ]
        return f"sentence {c.record_id} contradicts the store: {', '.join(differs)}"
    if c.problem == "sources":
        named = orjson.loads(derived) if derived else []
        sid = store.find_sentence(*_offsets(c.record_id))
        sources = store.event_sources(named)
        wrong = [
            e
            for e in named
            if e not in sources or sid is None or sources[e][0] != sid[0].sid or sources[e][1] == annotator
        ]
        what = f"events {wrong} are not" if wrong else "no event is named as"
        return f"adjudicated record {c.record_id}: {what} another annotator's decision on this sentence in the store"
    if c.problem == "newer":
        return (
            f"the store holds a later decision by {annotator} on {c.record_id} (updated {decided}, "
            f"the record {updated}); --overwrite replaces it"
        )
    return f"sentence {c.record_id} by {annotator} already given on line {earlier}"


def _offsets(record_id: str) -> tuple[str, int, int]:
    doc_id, span = record_id.rsplit(":", 1)
    start, end = span.split("-")
    return doc_id, int(start), int(end)
