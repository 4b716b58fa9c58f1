"""The sentence browser's state, without Textual: the filter, the rows loaded around the cursor,
and how more are loaded when the cursor nears either end.

The rows are a window over the store's (filtered) sentences in corpus order, found by key
(store/browsing.py). Loading is done in small steps (`load()`), each timed so that one step
takes about STEP_SECONDS however sparse the filter: the screen runs steps between keys until
the rows around the cursor are there, so a key is never held up by a filter few sentences match.
"""

from __future__ import annotations

import dataclasses
import time

from annotator.agreement import same
from annotator.model import SentenceLabels
from annotator.store import BrowseFilter, BrowseKey, BrowseRow, Store
from annotator.store.browsing import END, FIRST_NAME

STEP_SECONDS = 0.008  # one load step's aim
KEEP = 2000  # rows kept around the cursor; farther ones are dropped and read again if needed
MARGIN = 100  # rows wanted loaded beyond the screen on the cursor's side


def same_json(a: str, b: str) -> bool:
    """Agreement as the review sees it (agreement.same), on two labels as stored."""
    return same(SentenceLabels.model_validate_json(a), SentenceLabels.model_validate_json(b))


class Browser:
    """A filtered, lazily loaded list of rows with a cursor."""

    def __init__(self, store: Store, annotator: str):
        self.store = store
        self.annotator = annotator  # who is browsing (the default whose decisions are shown)
        self.filter = BrowseFilter(annotator)
        self.rows: list[BrowseRow] = []
        self.cursor = 0  # index in rows
        self.top = 0  # the first row on screen
        self.looked = 0  # sentences looked at since the filter or place last changed
        self.reset(None)

    # ------------------------------------------------------------------ where the window is

    def reset(self, at: BrowseKey | None, offset: int = 0) -> None:
        """Start the window again at a key (None: the top of the store), the cursor on the first
        row from there on, `offset` rows below the top of the screen once rows above are read."""
        self.rows = []
        self.cursor = self.top = 0
        self._offset = offset
        self._place = at  # where the window was started, kept while no row is there
        self._scan = 400  # sentences one step looks at, adapted to take STEP_SECONDS
        self.looked = 0
        # the keys to go on from, each way (None: the store's end that way was reached)
        self.after: BrowseKey | None = at or (-1, -1, FIRST_NAME)
        self.before: BrowseKey | None = at if at is not None else None
        self._inclusive = at is not None  # the first step forward takes the sentence at `at` too

    @property
    def current(self) -> BrowseRow | None:
        return self.rows[self.cursor] if self.rows else None

    def anchor(self) -> BrowseKey | None:
        """Where the cursor is, to come back to (the same row, or the next one that still matches)."""
        row = self.current
        if row is None:
            return self._place
        return (row.key[0], row.key[1], FIRST_NAME)

    def wants(self, height: int) -> int:
        """Which way rows are missing for a screen `height` rows high: 1 below, -1 above, 0 none."""
        if self.after is not None and len(self.rows) - self.cursor < height + MARGIN:
            return 1
        if self.before is not None and self.cursor < MARGIN and self.rows:
            return -1
        if self.after is None and self.before is not None and not self.rows:
            return -1  # at the very end with nothing found forward: look back
        return 0

    def load(self, direction: int, height: int) -> int:
        """One step of loading that way; returns how many rows it added."""
        key = self.after if direction > 0 else self.before
        if key is None:
            return 0
        t = time.perf_counter()
        rows, further = self.store.browse(
            self.filter,
            key,
            direction,
            limit=height + MARGIN,
            scan=self._scan,
            inclusive=self._inclusive and direction > 0,
            same=same_json,
        )
        elapsed = time.perf_counter() - t
        self._scan = int(min(50_000, max(200, self._scan * STEP_SECONDS / max(elapsed, 1e-4))))
        self.looked += self._scan if len(rows) < height + MARGIN else len(rows)
        if direction > 0:
            self._inclusive = False
            self.after = further
            self.rows.extend(rows)
            if len(self.rows) > KEEP and self.cursor > KEEP // 2:
                drop = len(self.rows) - KEEP
                del self.rows[:drop]
                self.cursor -= drop
                self.top = max(0, self.top - drop)
                self.before = self.rows[0].key
        else:
            self.before = further
            rows.reverse()
            self.rows[:0] = rows
            self.cursor = max(0, min(self.cursor + len(rows), len(self.rows) - 1))
            if self._offset:  # the first rows read above a refreshed place: as it was on screen
                self.top, self._offset = max(0, self.cursor - self._offset), 0
            else:
                self.top += len(rows)
            if len(self.rows) > KEEP and self.cursor < KEEP // 2:
                del self.rows[KEEP:]
                self.after = self.rows[-1].key
        return len(rows)

    def settled(self, height: int) -> bool:
        return self.wants(height) == 0

    # ------------------------------------------------------------------ moving

    def move(self, n: int, height: int) -> None:
        """The cursor n rows down (up when negative), within what is loaded; the screen scrolls
        to keep it in view."""
        if not self.rows:
            return
        self.cursor = max(0, min(len(self.rows) - 1, self.cursor + n))
        self.scroll(height)

    def scroll(self, height: int) -> None:
        if self.after is None:  # nothing comes below: no empty screen under rows kept above
            self.top = max(0, min(self.top, len(self.rows) - height))
        if self.cursor < self.top:
            self.top = self.cursor
        elif self.cursor >= self.top + height:
            self.top = self.cursor - height + 1

    def home(self) -> None:
        self.reset(None)

    def end(self) -> None:
        """The last rows of the store: loaded backwards from its end."""
        self.reset(None)
        self.after = None
        self.before = END

    def jump(self, where: str) -> BrowseKey | None:
        """To a sentence by id, or by number (in the current row's document unless one is named):
        its key, or None when there is no such sentence. The cursor lands on it, or on the
        nearest row after it that the filter lists."""
        near = self.current.doc_id if self.current else None
        key = self.store.locate(where, near)
        if key is not None:
            self.reset(key)
        return key

    def on(self, key: BrowseKey) -> bool:
        """Whether the cursor is on that sentence."""
        return self.current is not None and self.current.key[:2] == key[:2]

    # ------------------------------------------------------------------ filtering

    def set_filter(self, **changes: object) -> None:
        """Change the filter; the cursor stays at the same place in the corpus (on the first row
        from there on that matches)."""
        at = self.anchor()
        self.filter = dataclasses.replace(self.filter, **changes)  # type: ignore[arg-type]
        self.reset(at)

    def refresh(self) -> None:
        """Read the rows again (after the labelling screen changed some), from the same place,
        the cursor's row where it was on the screen."""
        self.reset(self.anchor(), self.cursor - self.top)
