"""The canonical export: one validated JSON line per sentence record, plus manifest.json.

The store builds each record's JSON; this module checks every chunk against the model (on every
core for a large export) and writes the lines as built.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import threading
from collections import Counter, defaultdict, deque
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from pathlib import Path
from queue import Empty, Queue

from annotator.export.atomic import StagedFile, staging
from annotator.export.records import (
    Selection,
    array_of,
    count_records,
    count_tables,
    finish,
    make_folder,
    make_manifest,
    validated,
)
from annotator.model import Manifest
from annotator.scheme import SPLITS
from annotator.store import Store

ALL_IN_ONE = "annotations.jsonl"
_CHUNK = 5000
_PARALLEL_FROM = 50_000  # records; below this, starting worker processes costs more than it saves


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


def _check(array: str) -> Counter:
    """Validate a chunk of records and count them. Runs in worker processes for large exports:
    one string travels, not thousands."""
    counts: Counter = Counter()
    count_records(counts, validated(array))
    return counts


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
