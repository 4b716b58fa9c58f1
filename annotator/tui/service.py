"""The screens' one door to the store.

The screen's own connection serves its keys (each decision is committed before the screen moves
on); slow work (counting, exports, statistics) runs in worker threads, each on a connection of its
own from `worker()`, so a long query never holds the connection the keys need.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Protocol

from annotator.store import Store


class StoreService:
    def __init__(self, path: Path):
        self.path = path
        self.store = Store(path, create=False)

    @contextmanager
    def worker(self) -> Iterator[Store]:
        """A connection for one worker's job, closed when the job ends."""
        with Store(self.path, create=False) as store:
            yield store

    def close(self) -> None:
        self.store.close()


class Host(Protocol):
    """What the screens ask of the App that shows them: the store service and the keys as
    remapped. (The App module imports the screens; the screens name this, not the App.)"""

    service: StoreService

    def key_for(self, binding_id: str) -> str: ...
