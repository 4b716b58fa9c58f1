"""The canonical export: one validated JSON line per sentence record, plus manifest.json."""

from __future__ import annotations

import gc
from collections import Counter, defaultdict
from collections.abc import Iterator
from pathlib import Path

import orjson
from pydantic import TypeAdapter, ValidationError

from annotator import __version__
from annotator.errors import UserError
from annotator.export import splits
from annotator.export.atomic import StagedFile, publish
from annotator.model import ExportRecord, Manifest, now
from annotator.store import Store

MANIFEST = "manifest.json"
ALL_IN_ONE = "annotations.jsonl"
_CHUNK = 5000
_RECORDS = TypeAdapter(list[ExportRecord])
_to_json = ExportRecord.__pydantic_serializer__.to_json

_FIELDS = ("doc_id", "doc_sha256", "cluster", "block", "block_type", "lang", "start", "end", "text")


def _dicts(rows, split_of) -> Iterator[dict]:
    loads = orjson.loads
    for row in rows:
        doc_id, _sha, cluster, _block, _bt, _lang, start, end = row[:8]
        labels, status, annotator, origin, created, updated = row[9:]
        record = dict(zip(_FIELDS, row[:9], strict=True))
        record["id"] = f"{doc_id}:{start}-{end}"
        record["labels"] = loads(labels) if labels is not None else {}
        record["status"] = status or "todo"
        record["annotator"] = annotator
        record["origin"] = origin
        record["created_at"] = created
        record["updated_at"] = updated
        record["split"] = split_of(cluster) if split_of else None
        yield record


def _count(counts: dict[str, Counter], r: ExportRecord) -> None:
    counts["status"][r.status] += 1
    counts["split"][r.split or "none"] += 1
    counts["annotator"][r.annotator or "none"] += 1
    counts["origin"][r.origin or "none"] += 1
    counts["block_type"][r.block_type] += 1
    labels = r.labels
    counts["mode"][labels.mode or "none"] += 1
    counts["claim"][labels.claim or "none"] += 1
    counts["quotes"]["sentences_with_quotes" if labels.quotes else "sentences_without_quotes"] += 1
    for q in labels.quotes:
        counts["quotes"][q.type] += 1
    for flag in labels.flags:
        counts["flags"][flag] += 1


def export_jsonl(
    store: Store,
    out: Path,
    *,
    split: str | None = None,
    seed: int = 0,
    include_all: bool = False,
    annotator: str | None = None,
) -> Manifest:
    """Write the export atomically into `out` and return its manifest."""
    percentages = splits.parse_split(split) if split else None
    split_of = None
    if percentages:
        cache: dict[str, str] = {}

        def split_of(cluster: str) -> str:
            if cluster not in cache:
                cache[cluster] = splits.assign(cluster, seed, percentages)
            return cache[cluster]

    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UserError(f"{out}: cannot create the export folder ({exc.strerror})") from None
    names = [f"{s}.jsonl" for s in splits.SPLIT_NAMES] if percentages else [ALL_IN_ONE]
    staged: dict[str, StagedFile] = {}
    counts: dict[str, Counter] = defaultdict(Counter)
    total = 0
    gc_was_enabled = gc.isenabled()
    gc.disable()  # a million short-lived records: the collector would triple the time
    try:
        for name in names:
            staged[name] = StagedFile(out / name)
        batch: list[dict] = []
        for record in _dicts(store.export_rows(include_all=include_all, annotator=annotator), split_of):
            batch.append(record)
            if len(batch) == _CHUNK:
                total += _write(batch, staged, counts, percentages)
                batch = []
        total += _write(batch, staged, counts, percentages)
        for f in staged.values():
            f.finish()
        if not include_all:
            counts["status"]["skipped_not_exported"] = store.skipped_count(annotator)
        manifest = Manifest(
            tool_version=__version__,
            created_at=now(),
            files={name: f.sha256 for name, f in staged.items()},
            records=total,
            counts={k: dict(sorted(v.items())) for k, v in sorted(counts.items())},
            split=percentages,
            seed=seed if percentages else None,
        )
        body = orjson.dumps(manifest.model_dump(mode="json"), option=orjson.OPT_INDENT_2) + b"\n"
        previous = _previous_files(out / MANIFEST)
        publish(out, list(staged.values()), StagedFile.of(out / MANIFEST, body), stale=previous)
        return manifest
    except OSError as exc:
        for f in staged.values():
            f.discard()
        raise UserError(
            f"{out}: export failed, previous export left as it was ({exc.strerror or exc})"
        ) from None
    except BaseException:
        for f in staged.values():
            f.discard()
        raise
    finally:
        if gc_was_enabled:
            gc.enable()


def _write(batch: list[dict], staged: dict[str, StagedFile], counts, percentages) -> int:
    if not batch:
        return 0
    try:
        records = _RECORDS.validate_python(batch)
    except ValidationError as exc:
        err = exc.errors()[0]
        bad = batch[err["loc"][0]]
        raise UserError(f"export: record {bad['id']} fails validation: {err['msg']}") from None
    for r in records:
        _count(counts, r)
        staged[f"{r.split}.jsonl" if percentages else ALL_IN_ONE].write(_to_json(r) + b"\n")
    return len(records)


def _previous_files(manifest: Path) -> list[str]:
    try:
        return list(orjson.loads(manifest.read_bytes()).get("files", {}))
    except (OSError, orjson.JSONDecodeError, AttributeError):
        return []
