"""The screens' one door to the store.

The screen's own connection serves its keys: each key's session call runs through `decide()`, in
a thread and one at a time, and is committed before the screen moves on, while the screen keeps
drawing (and says so if another process's write keeps it waiting). Slow work (counting, exports,
statistics) runs in worker threads, each on a connection of its own from `worker()`, so a long
query never holds the connection the keys need.
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Generic, Protocol, TypeVar

from annotator.errors import UserError
from annotator.store import Store

T = TypeVar("T")
# What a worker's reading says in one line rather than raises: the store refused, or a server
# cannot be reached (store.server.Unreachable is a UserError).
READ_FAILURES = (sqlite3.Error, UserError)
WAIT_SHOWN = 0.3  # seconds a key waits for the store before the screen says it is waiting
RETRY_EVERY, RETRY_FOR = 1.0, 30.0  # seconds: how a key tries an unreachable server again


class Waiting(Protocol):
    """Told when a key starts (True, and why when it is not another process's write) and stops waiting."""

    def __call__(self, on: bool, why: str | None = None) -> None: ...


@dataclass(frozen=True, slots=True)
class Decided(Generic[T]):
    """What a session call returned, or that it was not saved (the screen said why)."""

    saved: bool
    value: T | None = None


class StoreService:
    def __init__(self, path: str | Path):
        self.path = path  # an SQLite file, or a PostgreSQL URL
        self.store = Store(path, create=False)
        self._one_at_a_time = asyncio.Lock()

    async def decide(self, work: Callable[[], T], waiting: Waiting) -> T:
        """Run a session call (which may write) off the UI thread, in the order the keys came;
        `waiting(True)` when it has waited WAIT_SHOWN seconds (another process holds the write
        lock), `waiting(False)` after. A server that cannot be reached is tried again every
        RETRY_EVERY seconds for RETRY_FOR, the screen saying so (`waiting(True, why)`), when the
        call wrote nothing; a commit whose fate is unknown is not tried again. Errors (a
        UserError: not saved) reach the caller."""
        from annotator.store.server import Unreachable

        async with self._one_at_a_time:
            fired = False

            def say() -> None:
                nonlocal fired
                fired = True
                waiting(True)

            timer = asyncio.get_running_loop().call_later(WAIT_SHOWN, say)
            deadline = time.monotonic() + RETRY_FOR
            try:
                while True:
                    try:
                        return await asyncio.to_thread(work)
                    except Unreachable as exc:
                        if exc.maybe_stored or time.monotonic() > deadline:
                            raise
                        fired = True
                        waiting(
                            True,
                            "The server cannot be reached: trying again… (nothing is stored until it answers)",
                        )
                        await asyncio.sleep(RETRY_EVERY)
            finally:
                timer.cancel()
                if fired:
                    waiting(False)

    @contextmanager
    def worker(self) -> Iterator[Store]:
        """A connection for one worker's job, closed when the job ends."""
        with self.connect() as store:
            yield store

    def connect(self) -> Store:
        """A connection of its own (the caller closes it)."""
        return Store(self.path, create=False)

    def close(self) -> None:
        self.store.close()


class Host(Protocol):
    """What the screens ask of the App that shows them: the store service and the keys as
    remapped. (The App module imports the screens; the screens name this, not the App.)"""

    service: StoreService
    annotator: str

    def key_for(self, binding_id: str) -> str: ...

    def show_dashboard(self) -> None: ...

    def begin(self, name: str, review: bool) -> str | None:
        """Start labelling (or reviewing) as `name`; why not, when it cannot."""
        ...

    def review_document(self, doc_id: str) -> None:
        """Open the review of one document's disagreements (a refusal is a notice)."""
        ...

    def decide(self, work: Callable[[], T]) -> Awaitable[Decided[T]]:
        """Run a key's session call through the service; a store that cannot write is reported
        ("Not saved") and the call counts as not made."""
        ...
