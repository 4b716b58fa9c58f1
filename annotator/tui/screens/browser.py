"""The sentence browser: the store's sentences in corpus order with their labels, one row each,
filtered by keys; enter opens one on the labelling screen, and leaving it comes back here.

The list is a Line API widget over the rows labelling/browser.py loads by key, a few at a time:
never one widget per row, never the whole store.
"""

from __future__ import annotations

import asyncio
from functools import partial
from typing import ClassVar, cast

from rich.segment import Segment
from rich.style import Style
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.content import Content
from textual.screen import Screen
from textual.strip import Strip
from textual.widget import Widget
from textual.widgets import Static
from textual.worker import Worker

from annotator.corpus.text import shown, visible
from annotator.labelling.browser import Browser, same_json
from annotator.scheme import CLAIMS, FLAGS, MODES
from annotator.store import BrowseKey, BrowseRow, Store
from annotator.tui import bindings
from annotator.tui.service import READ_FAILURES, Host

# What each filter key cycles through (None: any).
CHOICES: dict[str, tuple[str | None, ...]] = {
    "status": (None, "todo", "done", "skipped"),
    "mode": (None, *MODES),
    "claim": (None, *CLAIMS),
    "flag": (None, *FLAGS),
    "origin": (None, "suggested", "manual", "projected", "adjudicated"),
}
SHORT = {  # label values as the narrow columns show them
    "reporting": "rep",
    "commentary": "comm",
    "none": "none",
    "factual": "fact",
    "checkworthy": "check",
    "suggested": "sugg",
    "manual": "manual",
    "projected": "proj",
    "adjudicated": "adjud",
}
FLAG_MARKS = {"uncertain": "!", "mt_noise": "t", "attribution_dropped": "a"}  # the labelling keys
STATUS_STYLES = {"done": Style(color="#98c379"), "skipped": Style(color="#e5c07b"), None: Style(dim=True)}


class SentenceTable(Widget):
    """The rows on screen, drawn line by line from the browser's window."""

    DEFAULT_CSS = "SentenceTable { height: 1fr; }"

    def __init__(self, browser: Browser, **kwargs):
        super().__init__(**kwargs)
        self.browser = browser
        self.loading = False
        self.unread = False  # the last step of loading failed (the next key tries again)

    @property
    def rows_shown(self) -> int:
        return max(1, self.size.height - 1)  # below the column names

    def on_resize(self) -> None:
        """Laid out anew (the key line below took another height): the cursor's row kept in view,
        and no blank rows under the list's end while rows above it are hidden."""
        self.browser.scroll(self.rows_shown)
        self.refresh()

    def columns(self, row: BrowseRow | None) -> list[tuple[str, int]]:
        """(text, width) of each column before the sentence's text."""
        wide = self.size.width >= 120
        doc = "document" if row is None else _cut(row.doc_id, 20 if wide else 12)
        cells = [
            (doc, 20 if wide else 12),
            ("#" if row is None else str(row.pos + 1), 4),
            ("status" if row is None else row.status or "todo", 7),
            ("mode" if row is None else SHORT.get(row.mode or "", "·"), 5),
            ("claim" if row is None else SHORT.get(row.claim or "", "·"), 5),
            ("q" if row is None else (str(row.quotes) if row.quotes else ""), 2),
            ("!ta" if row is None else "".join(FLAG_MARKS[f] for f in row.flags if f in FLAG_MARKS), 3),
            ("origin" if row is None else SHORT.get(row.origin or "", ""), 6),
        ]
        if wide or self.browser.filter.annotator is None:
            cells.append(("who" if row is None else _cut(row.annotator or "", 10), 10))
        return cells

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        b = self.browser
        if y == 0:
            return self._line(self.columns(None), "text", Style(bold=True, underline=True), width)
        i = b.top + y - 1
        if i >= len(b.rows):
            if i == len(b.rows) and (self.loading or self.unread or not b.rows):
                if self.loading:
                    what = f"looking… ({b.looked:,} sentences looked at)"
                elif self.unread:
                    what = "the rows could not be read (the next key tries again)"
                else:
                    what = "no sentence matches"
                return Strip([Segment(f"  {what}", Style(dim=True, italic=True))]).adjust_cell_length(width)
            return Strip.blank(width)
        row = b.rows[i]
        base = Style(reverse=True) if i == b.cursor else Style()
        if not row.labelled:
            base += Style(dim=True)
        strip = self._line(self.columns(row), visible(row.text).replace("\n", " "), base, width, row)
        return strip

    def _line(
        self, cells: list[tuple[str, int]], text: str, style: Style, width: int, row: BrowseRow | None = None
    ) -> Strip:
        mark = "▸" if row is not None and style.reverse else " "
        segments = [Segment(mark, style)]
        for n, (cell, w) in enumerate(cells):
            cell_style = style
            if row is not None and n == 2:
                cell_style = style + STATUS_STYLES.get(row.status, Style())
            segments.append(Segment(f"{cell:<{w}} "[: w + 1], cell_style))
        segments.append(Segment(text, style))
        return Strip(segments).crop(0, width).adjust_cell_length(width, style)


def _cut(text: str, width: int) -> str:
    text = visible(text)
    return text if len(text) <= width else text[: width - 1] + "…"


class BrowserScreen(Screen[int | None]):
    """Dismissed with the sentence to open (its sid), or None."""

    BINDINGS: ClassVar[list[BindingType]] = [*bindings.BROWSER]

    def __init__(self, browser: Browser):
        super().__init__()
        self.browser = browser
        self.total: int | None = None  # rows the filter lists (None: not counted yet)
        self._counts: dict[tuple, int] = {}  # by filter and the store's change mark
        self._counting: Store | None = None  # the connection of the count under way
        self._wanted: BrowseKey | None = None  # the sentence asked for by `jump`, until loaded
        self._visits = 0
        self._loader: Worker | None = None
        self._shown: dict[str, Content] = {}  # what each line above and below the list shows

    def compose(self) -> ComposeResult:
        yield Static(id="browser-top")
        yield SentenceTable(self.browser, id="browser-table")
        yield Static(id="browser-current")
        # the keys, as a line of text: a Footer is built again each time the screen is shown
        yield Static(id="browser-keys")

    def keys_line(self, width: int = 0) -> Content:
        """Each shown key with what it does, broken into lines between two keys, never inside one."""
        parts: list = []
        used = 0
        for b in bindings.BROWSER:
            if b.show:
                key = self.host.key_for(bindings.id_of(b)).split(",")[0]
                item = len(key) + 1 + len(b.description)
                if used and width and used + 2 + item > width:
                    parts.append("\n")
                    used = 0
                elif used:
                    parts.append("  ")
                    used += 2
                parts += [(key, "bold"), f" {b.description}"]
                used += item
        return Content.assemble(*parts)

    @property
    def host(self) -> Host:
        return cast(Host, self.app)

    @property
    def table(self) -> SentenceTable:
        return self.query_one(SentenceTable)

    def on_mount(self) -> None:
        self.changed(count=True)

    def on_screen_resume(self) -> None:
        """Shown again (the screen is kept between visits): the rows as they are now, from the
        same place."""
        if self._visits:
            self.browser.refresh()
            self.changed(count=True)
        self._visits += 1

    def on_resize(self) -> None:
        keys = self.query_one("#browser-keys", Static)
        keys.update(self.keys_line(keys.content_size.width or self.size.width - 2))
        self.changed()

    # ------------------------------------------------------------------ drawing and loading

    def changed(self, *, count: bool = False) -> None:
        """Redraw, load what the screen lacks (a step at a time, between keys), and with `count`
        count the filter's rows again (in a worker)."""
        if count:
            self.count()
        self.browser.scroll(self.table.rows_shown)
        self.draw()
        if not self.browser.settled(self.table.rows_shown):
            self.table.loading = True
            if self._loader is None or self._loader.is_finished:  # a running one reads the new state
                self._loader = self.run_worker(self._load(), group="load")

    async def _load(self) -> None:
        b, table = self.browser, self.table
        table.unread = False
        while direction := b.wants(table.rows_shown):
            try:
                b.load(direction, table.rows_shown)
            except READ_FAILURES as exc:  # the rows stay as they are; the next key reads again
                self.notify(f"The rows could not be read: {shown(exc)}", severity="error", markup=False)
                table.unread = True
                break
            b.scroll(table.rows_shown)
            self.draw()
            await asyncio.sleep(0)  # keys get in between steps
        table.loading = False
        self.draw()
        if self._wanted is not None and not b.on(self._wanted):
            self.notify(
                f"That sentence is not in the list as filtered ({self.host.key_for('browser.clear')} clears the filters).",
                severity="warning",
            )
        self._wanted = None

    def count(self) -> None:
        """Count the filter's rows in a worker, one count at a time: a count under way for
        another filter is interrupted, and a count the store has not changed since is kept."""
        self.total = None
        try:
            key = (self.browser.filter, self.browser.store.change_mark())
            self.total = self._counts.get(key)
            if self.total is not None:
                return
            if self._counting is not None:
                self.interrupt_count()  # it reports back, and the next count starts then
                return
            self._counting = self.host.service.connect()
        except READ_FAILURES as exc:
            self._not_counted(str(exc))
            return
        self.run_worker(
            partial(self._count, self._counting, key), thread=True, exit_on_error=False, group="count"
        )

    def _count(self, store: Store, key: tuple) -> None:
        total: int | None = None
        failed: str | None = "the count stopped on an error"  # whatever escapes below
        try:  # None: interrupted (the filter changed, the screen was left)
            total = store.browse_count(key[0], same_json)
            failed = None
        except READ_FAILURES as exc:
            failed = str(exc)
        finally:  # always reports back: until it does, no other count starts
            store.close()
            self.app.call_from_thread(self._counted, key, total, failed)

    def _counted(self, key: tuple, total: int | None, failed: str | None = None) -> None:
        self._counting = None
        current = key[0] == self.browser.filter
        if failed and current:  # said once; the list itself does not need the count
            self._not_counted(failed)
            return
        if total is not None:
            self._counts[key] = total
        if current:
            self.total = total
            self.draw_top()
        if self.total is None and self.is_current:
            self.count()

    def _not_counted(self, why: str) -> None:
        self.notify(f"The rows could not be counted: {shown(why)}", severity="warning", markup=False)

    def on_screen_suspend(self) -> None:
        self.interrupt_count()

    def interrupt_count(self) -> None:
        if self._counting is not None:
            self._counting.interrupt()

    def draw(self) -> None:
        self.table.refresh()
        self.draw_top()
        row = self.browser.current
        self.put(
            "#browser-current",
            Content.assemble((row.id, "bold"), "  ", visible(row.text)) if row else Content(""),
        )

    def put(self, where: str, content: Content) -> None:
        """Update a line only when it changes: an update lays the screen out again."""
        if self._shown.get(where) != content:
            self._shown[where] = content
            self.query_one(where, Static).update(content)

    def draw_top(self) -> None:
        f = self.browser.filter
        whose = "everyone's decisions" if f.annotator is None else f"{visible(f.annotator)}'s decisions"
        active = [
            f"{name} {getattr(f, name)}"
            for name in ("status", "mode", "claim", "flag", "origin")
            if getattr(f, name)
        ]
        active += [name for name in ("quotes", "disagreement") if getattr(f, name)]
        if f.text:
            active.append(f"text “{visible(f.text)}”")
        if f.every_block:
            active.append("every block")
        counted = "counting…" if self.total is None else f"{self.total:,} row{'s' * (self.total != 1)}"
        self.put(
            "#browser-top",
            Content.assemble(
                ("Sentences", "bold"),
                f" · {whose} · ",
                (" · ".join(active) if active else "no filter", "bold #e5c07b" if active else "dim"),
                f" · {counted}",
            ),
        )

    # ------------------------------------------------------------------ keys

    def action_move(self, n: int) -> None:
        self.browser.move(n, self.table.rows_shown)
        self.changed()

    def action_page(self, direction: int) -> None:
        self.action_move(direction * self.table.rows_shown)

    def action_home(self) -> None:
        self.browser.home()
        self.changed()

    def action_end(self) -> None:
        self.browser.end()
        self.changed()

    def action_open(self) -> None:
        row = self.browser.current
        if row is not None:
            self.dismiss(row.sid)

    def action_leave(self) -> None:
        self.dismiss(None)

    def action_help(self) -> None:
        from annotator.tui.screens.help import HelpScreen

        self.app.push_screen(HelpScreen(self.host.key_for))

    def action_cycle(self, name: str) -> None:
        choices = CHOICES[name]
        now = getattr(self.browser.filter, name)
        self.browser.set_filter(**{name: choices[(choices.index(now) + 1) % len(choices)]})
        self.changed(count=True)

    def action_switch(self, name: str) -> None:
        self.browser.set_filter(**{name: not getattr(self.browser.filter, name)})
        self.changed(count=True)

    def action_cycle_annotator(self) -> None:
        """Whose decisions: the browsing annotator's, each other one's, everyone's."""
        names = [
            self.browser.annotator,
            *(n for n in self.browser.store.names() if n != self.browser.annotator),
        ]
        choices: list[str | None] = [*names, None]
        now = self.browser.filter.annotator
        self.browser.set_filter(annotator=choices[(choices.index(now) + 1) % len(choices)])
        self.changed(count=True)

    def action_clear(self) -> None:
        self.browser.set_filter(
            status=None,
            mode=None,
            claim=None,
            flag=None,
            origin=None,
            quotes=False,
            disagreement=False,
            text="",
        )
        self.changed(count=True)

    def action_text(self) -> None:
        from annotator.tui.screens.prompt import PromptScreen

        def done(text: str | None) -> None:
            if text is not None:
                self.browser.set_filter(text=text.strip())
                self.changed(count=True)

        self.app.push_screen(
            PromptScreen("Only sentences containing (empty: any)", self.browser.filter.text), done
        )

    def action_jump(self) -> None:
        from annotator.tui.screens.prompt import PromptScreen

        def done(where: str | None) -> None:
            if not where:
                return
            self._wanted = self.browser.jump(where)
            if self._wanted is not None:
                self.changed()
            else:
                self.notify(
                    f"No sentence {visible(where)!r}: give an id (DOC:START-END), a document and a "
                    "number (DOC 4), or a number in this document.",
                    severity="warning",
                    markup=False,
                )

        self.app.push_screen(PromptScreen("Go to sentence (DOC:START-END, DOC 4, or 4)", ""), done)
