"""The canonical export: one validated JSON line per sentence record, plus manifest.json."""

from __future__ import annotations

import gc
import multiprocessing
import os
import threading
from collections import Counter, defaultdict, deque
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from queue import Empty, Queue

import orjson
from pydantic import TypeAdapter, ValidationError

from annotator import __version__
from annotator.errors import UserError
from annotator.export import splits
from annotator.export.atomic import StagedFile, publish, staging
from annotator.model import ExportRecord, Manifest, now
from annotator.scheme import SPLITS
from annotator.store import Store

MANIFEST = "manifest.json"
ALL_IN_ONE = "annotations.jsonl"
_CHUNK = 5000
_PARALLEL_FROM = 50_000  # records; below this, starting worker processes costs more than it saves
_RECORDS = TypeAdapter(list[ExportRecord])


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
            tuple(q.type for q in r.labels.quotes),
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


def make_folder(out: Path) -> None:
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UserError(f"{out}: cannot create the export folder ({exc.strerror})") from None


def export_jsonl(store: Store, out: Path, selection: Selection = Selection()) -> Manifest:  # noqa: B008 - frozen
    """Write the export atomically into `out` and return its manifest."""
    plan = selection.plan(store)
    make_folder(out)
    names = [f"{s}.jsonl" for s in SPLITS] if plan else [ALL_IN_ONE]
    counts: Counter = Counter()
    total = 0
    gc_was_enabled = gc.isenabled()
    gc.disable()  # a million short-lived records: the collector would triple the time
    try:
        with staging(out) as staged:
            for name in names:
                staged[name] = StagedFile(out / name)
            expected = store.export_size(**selection.query())
            chunks = store.export_json(
                **selection.query(), split_unit=plan["unit"] if plan else None, chunk=_CHUNK
            )
            # The store builds each record's JSON exactly as pydantic serialises it (a test holds
            # it to that), so a line is written as built, once its chunk has passed the model.
            for rows, chunk_counts in _checked(chunks, parallel=expected >= _PARALLEL_FROM):
                if len(staged) == 1:
                    (target,) = staged.values()
                    target.write("\n".join(r for r, _ in rows).encode() + b"\n")
                else:
                    by_split: dict[str, list[str]] = defaultdict(list)
                    for record, split_name in rows:
                        by_split[split_name].append(record)
                    for split_name, lines in by_split.items():
                        staged[f"{split_name}.jsonl"].write("\n".join(lines).encode() + b"\n")
                counts.update(chunk_counts)
                total += len(rows)
            for f in staged.values():
                f.finish()
            manifest = make_manifest(store, selection, plan, staged, total, count_tables(counts), "jsonl")
            finish(out, staged, manifest)
            return manifest
    finally:
        if gc_was_enabled:
            gc.enable()


def make_manifest(
    store: Store,
    selection: Selection,
    plan: dict | None,
    staged: dict[str, StagedFile],
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
        files={name: f.sha256 for name, f in staged.items()},
        records=records,
        counts=tables,
        split=plan["percentages"] if plan else None,
        seed=plan["seed"] if plan else None,
        unit=plan["unit"] if plan else None,
    )


def finish(out: Path, staged: dict[str, StagedFile], manifest: Manifest) -> None:
    """Put the staged files and the manifest in place, the manifest last."""
    body = orjson.dumps(manifest.model_dump(mode="json"), option=orjson.OPT_INDENT_2) + b"\n"
    previous = _previous_files(out / MANIFEST)
    publish(out, list(staged.values()), StagedFile.of(out / MANIFEST, body), stale=previous)


def prefetch(chunks: Iterator, depth: int = 3) -> Iterator:
    """Run the store query in a thread: SQLite builds the next chunks (without the GIL) while
    this thread validates the current one."""
    queue: Queue = Queue(depth)
    done = object()
    stop = threading.Event()

    def produce() -> None:
        try:
            for item in chunks:
                if stop.is_set():
                    break
                queue.put(item)
        except BaseException as exc:  # handed to the consumer, which raises it
            queue.put(exc)
        queue.put(done)

    thread = threading.Thread(target=produce, name="export-query", daemon=True)
    thread.start()
    try:
        while (item := queue.get()) is not done:
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        while thread.is_alive():  # unblock a producer waiting on a full queue
            try:
                queue.get_nowait()
            except Empty:
                thread.join(0.01)


def validated(array: str) -> list[ExportRecord]:
    """The records of a chunk from the store (`array_of` its rows), each checked by the model; a
    record that fails is reported by id, as a user error."""
    try:
        return _RECORDS.validate_json(array)
    except ValidationError as exc:
        err = exc.errors()[0]
        bad = orjson.loads(array)[err["loc"][0]]
        where = ".".join(str(p) for p in err["loc"][1:])
        raise UserError(f"export: record {bad['id']} fails validation at {where}: {err['msg']}") from None


def _check(array: str) -> Counter:
    """Validate a chunk of records and count them. Runs in worker processes for large exports:
    one string travels, not thousands."""
    counts: Counter = Counter()
    count_records(counts, validated(array))
    return counts


def array_of(rows: list[tuple[str, str | None]]) -> str:
    return "[" + ",".join(r for r, _ in rows) + "]"


def _checked(chunks: Iterator[list[tuple[str, str | None]]], *, parallel: bool):
    """(chunk, counts) in order, each chunk only once it passed validation. A large export
    validates on every core while this process runs the query (in a thread) and writes."""
    workers = min(os.cpu_count() or 1, 4)
    if not parallel or workers < 2:
        for rows in prefetch(chunks):
            yield rows, _check(array_of(rows))
        return
    # forkserver: workers must not be forked from a process whose query thread holds locks.
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("forkserver")) as pool:
        pending: deque[tuple[list, Future]] = deque()
        for rows in prefetch(chunks):
            pending.append((rows, pool.submit(_check, array_of(rows))))
            if len(pending) > 2 * workers:
                rows, future = pending.popleft()
                yield rows, future.result()
        while pending:
            rows, future = pending.popleft()
            yield rows, future.result()


def _previous_files(manifest: Path) -> list[str]:
    try:
        return list(orjson.loads(manifest.read_bytes()).get("files", {}))
    except (OSError, orjson.JSONDecodeError, AttributeError):
        return []
