"""The canonical export: one validated JSON line per sentence record, plus manifest.json.

The store builds each record's JSON; this module checks every chunk against the model (on every
core for a large export) and writes the lines as built.
"""

from __future__ import annotations

import gc
import os
import threading
from collections import Counter, defaultdict, deque
from collections.abc import Iterator
from concurrent.futures import Future
from pathlib import Path
from queue import Empty, Queue

from annotator.export.atomic import drafting
from annotator.export.records import (
    Selection,
    count_records,
    count_tables,
    finish,
    make_manifest,
    validated,
)
from annotator.model import Manifest
from annotator.processes import worker_pool
from annotator.scheme import SPLITS
from annotator.store import Store

ALL_IN_ONE = "annotations.jsonl"
_CHUNK = 5000
_PARALLEL_FROM = 50_000  # records; below this, starting worker processes costs more than it saves


def export_jsonl(store: Store, out: Path, selection: Selection = Selection()) -> Manifest:  # noqa: B008 - frozen
    """Write the export atomically into `out` and return its manifest."""
    plan = selection.plan(store)
    names = [f"{s}.jsonl" for s in SPLITS] if plan else [ALL_IN_ONE]
    counts: Counter = Counter()
    total = 0
    gc_was_enabled = gc.isenabled()
    gc.disable()  # a million short-lived records: the collector would triple the time
    try:
        with drafting(out) as draft:
            for name in names:
                draft.stage(name)
            expected = store.export_size(**selection.query())
            chunks = store.export_json(
                **selection.query(), split_unit=plan["unit"] if plan else None, chunk=_CHUNK
            )
            # The store builds each record's JSON exactly as pydantic serialises it (a test holds
            # it to that), so a line is written as built, once its chunk has passed the model.
            for parts, n, chunk_counts in _checked(
                chunks, split=plan is not None, parallel=expected >= _PARALLEL_FROM
            ):
                for split_name, lines in parts.items():
                    target = draft.files[ALL_IN_ONE if split_name is None else f"{split_name}.jsonl"]
                    target.write(lines.encode() + b"\n")
                counts.update(chunk_counts)
                total += n
            for f in draft.files.values():
                f.finish()
            manifest = make_manifest(
                store, selection, plan, draft.hashes(), total, count_tables(counts), "jsonl"
            )
            finish(store, draft, manifest)
            return manifest
    finally:
        if gc_was_enabled:
            gc.enable()


def prefetch(chunks: Iterator, depth: int = 3) -> Iterator:
    """Run the store query in a thread: the store builds the next chunks (SQLite without the GIL;
    a server's rows arrive over the network) while this thread validates the current one."""
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


# A chunk's records as the files get them: split name (None: unsplit) -> JSON lines.
Parts = dict[str | None, str]


def _parts(rows: list[tuple[str, str | None]], split: bool) -> Parts:
    if not split:
        return {None: "\n".join(r for r, _ in rows)}
    by_split: dict[str | None, list[str]] = defaultdict(list)
    for record, split_name in rows:
        by_split[split_name].append(record)
    return {name: "\n".join(lines) for name, lines in by_split.items()}


def _check(lines: list[str]) -> Counter:
    """Validate a chunk of records (JSON lines) and count them. Runs in worker processes for
    large exports: a few strings travel, not thousands. A record's JSON holds no raw newline
    (JSON escapes it), so the lines become an array by replacing the newlines."""
    counts: Counter = Counter()
    count_records(counts, validated("[" + ",".join(part.replace("\n", ",") for part in lines) + "]"))
    return counts


def _checked(
    chunks: Iterator[list[tuple[str, str | None]]], *, split: bool, parallel: bool
) -> Iterator[tuple[Parts, int, Counter]]:
    """(the chunk's lines by split, its size, its counts) in order, each chunk only once it passed
    validation. A large export validates on every core while this process runs the query (in a
    thread) and writes; the lines are joined once, for both."""
    workers = min(os.cpu_count() or 1, 4)
    if not parallel or workers < 2:
        for rows in prefetch(chunks):
            parts = _parts(rows, split)
            yield parts, len(rows), _check(list(parts.values()))
        return
    with worker_pool(workers) as pool:
        pending: deque[tuple[Parts, int, Future]] = deque()
        for rows in prefetch(chunks):
            parts = _parts(rows, split)
            pending.append((parts, len(rows), pool.submit(_check, list(parts.values()))))
            if len(pending) > 2 * workers:
                parts, n, future = pending.popleft()
                yield parts, n, future.result()
        while pending:
            parts, n, future = pending.popleft()
            yield parts, n, future.result()
