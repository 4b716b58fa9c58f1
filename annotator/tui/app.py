"""The App: opens the store for one annotator and shows the labelling (or review) screen."""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterable, Mapping
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from textual.actions import ActionParseResult
from textual.app import App, SystemCommand
from textual.dom import DOMNode
from textual.screen import Screen

from annotator.corpus.text import shown, visible
from annotator.errors import UserError
from annotator.labelling.session import LabelSession
from annotator.store import Store
from annotator.tui import bindings
from annotator.tui.keymap import Config
from annotator.tui.service import READ_FAILURES, Decided, StoreService, T

if TYPE_CHECKING:
    from annotator.tui.screens.label import LabelScreen


class AnnotatorApp(App):
    CSS_PATH = "annotator.tcss"
    TITLE = "annotator"
    ENABLE_COMMAND_PALETTE = True

    def __init__(
        self,
        service: StoreService,
        annotator: str,
        config: Config | None = None,
        review: dict | None = None,
        ordering: dict | None = None,
        dashboard: bool = False,
        welcome: bool = False,
        fixed_name: bool = False,
    ):
        super().__init__()
        self.dashboard = dashboard  # open the dashboard alone (`annotator dashboard`)
        self.welcome = welcome  # a served session: ask who is labelling first
        self.fixed_name = fixed_name  # a name given by the server (a link bound to it): never changed here
        self.config = config or Config()
        self.ordering = ordering or {}  # LabelSession options: uncertain_first, retrain_every
        self.service = service
        self.annotator = annotator
        self.keymap = self.config.keymap
        self.review = review  # ReviewSession options: the app opens the review screen instead

    @property
    def store(self) -> Store:
        """The screen's connection (see StoreService)."""
        return self.service.store

    def on_mount(self) -> None:
        self.set_keymap(self.keymap)
        self.push_screen(self._first_screen())
        # Everything alive now lives as long as the app: keep it out of the collector's passes,
        # which otherwise show up as key-latency spikes.
        self.call_after_refresh(gc.freeze)

    def _first_screen(self) -> Screen:
        if self.welcome:
            from annotator.tui.screens.welcome import WelcomeScreen

            return WelcomeScreen(self.service.store.title, self.annotator if self.fixed_name else None)
        if self.dashboard:
            from annotator.tui.screens.dashboard import DashboardScreen

            return DashboardScreen(standalone=True)
        if self.review is not None:
            from annotator.labelling.review import ReviewSession
            from annotator.tui.screens.review import ReviewScreen

            return ReviewScreen(ReviewSession(self.store, self.annotator, **self.review))
        from annotator.tui.screens.label import LabelScreen

        return LabelScreen(
            LabelSession(
                self.store,
                self.annotator,
                count=False,
                auto_advance=self.config.auto_advance,
                **self.ordering,
            )
        )

    async def run_action(
        self,
        action: str | ActionParseResult,
        default_namespace: DOMNode | None = None,
        namespaces: Mapping[str, DOMNode] | None = None,
    ) -> bool:
        """A store that fails a key's read (a server gone, say) is reported, never a crash, and the
        next key tries again. (Decisions go through decide(), which says "Not saved".)"""
        try:
            return await super().run_action(action, default_namespace, namespaces)
        except UserError as exc:
            self.notify(f"Not done: {shown(exc)}", severity="error", timeout=15, markup=False)
            return False

    async def decide(self, work: Callable[[], T]) -> Decided[T]:
        screen = self._label_screen()
        waiting = screen.waiting if screen is not None else _not_shown
        try:
            return Decided(True, await self.service.decide(work, waiting))
        except UserError as exc:
            self.notify(f"Not saved: {shown(exc)}", severity="error", timeout=15, markup=False)
            return Decided(False)

    def begin(self, name: str, review: bool) -> str | None:
        """From the first screen of a served session: label or review as `name`."""
        self.annotator = name
        if review:
            from annotator.labelling.review import ReviewSession
            from annotator.tui.screens.review import ReviewScreen

            try:
                self.switch_screen(ReviewScreen(ReviewSession(self.store, name)))
            except UserError as exc:
                return shown(exc)
            return None
        from annotator.tui.screens.label import LabelScreen

        self.switch_screen(
            LabelScreen(LabelSession(self.store, name, count=False, auto_advance=self.config.auto_advance))
        )
        return None

    def show_dashboard(self) -> None:
        from annotator.tui.screens.dashboard import DashboardScreen

        self.push_screen(DashboardScreen())

    def review_document(self, doc_id: str) -> None:
        from annotator.labelling.review import ReviewSession
        from annotator.tui.screens.review import ReviewScreen

        try:
            session = ReviewSession(self.store, self.annotator, document=doc_id)
        except UserError as exc:
            self.notify(shown(exc), severity="error", markup=False)
            return
        self.push_screen(ReviewScreen(session))

    def key_for(self, binding_id: str) -> str:
        """The keys of a binding as the user sees them (after remapping)."""
        return bindings.keys_of(binding_id, self.keymap)

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        yield SystemCommand("Export", "Write validated JSONL and manifest.json to exports/", self.export)
        yield SystemCommand("Statistics", "Corpus, progress and label counts", self.statistics)
        if not self.fixed_name:
            yield SystemCommand(
                "Switch annotator", "Label as someone else on the same store", self.switch_annotator
            )
        label_screen = self._label_screen()
        if label_screen is not None:  # its own actions, as its keys run them
            for binding_id, title, help in bindings.PALETTE:
                binding = next(b for b in bindings.LABEL if b.id == binding_id)
                yield SystemCommand(
                    title,
                    f"{help} ({self.key_for(binding_id)})",
                    partial(self.run_action, binding.action, label_screen),
                )

    def _label_screen(self) -> LabelScreen | None:
        from annotator.tui.screens.label import LabelScreen

        return next((s for s in reversed(self.screen_stack) if isinstance(s, LabelScreen)), None)

    def export(self) -> None:
        self.notify("Exporting…")
        self.run_worker(self._export, thread=True, exclusive=True, exit_on_error=False, group="export")

    def _export(self) -> None:
        from annotator.export.jsonl import export_jsonl

        try:
            with self.service.worker() as store:
                manifest = export_jsonl(store, Path("exports"))
        except UserError as exc:
            self.call_from_thread(self.notify, shown(exc), severity="error", markup=False)
            return
        self.call_from_thread(self.notify, f"Exported {manifest.records} records to exports/")

    def statistics(self) -> None:
        self.run_worker(self._statistics, thread=True, exclusive=True, exit_on_error=False, group="stats")

    def _statistics(self) -> None:
        """Counting is a pass over the store: in a worker, on its own connection."""
        from annotator.stats import format_stats
        from annotator.tui.screens.prompt import MessageScreen

        try:
            with self.service.worker() as store:
                text = format_stats(store.counts())
        except READ_FAILURES as exc:
            self.call_from_thread(
                self.notify, f"The statistics could not be read: {shown(exc)}", severity="error", markup=False
            )
            return
        self.call_from_thread(self.push_screen, MessageScreen("Statistics", text))

    def switch_annotator(self) -> None:
        from annotator.tui.screens.label import LabelScreen
        from annotator.tui.screens.prompt import PromptScreen

        def done(name: str | None) -> None:
            name = (name or "").strip()
            if name and name != self.annotator:
                self.annotator = name
                self.switch_screen(LabelScreen(LabelSession(self.store, name, count=False)))
                self.notify(f"Labelling as {visible(name)}.", markup=False)

        self.push_screen(PromptScreen("Annotator name", self.annotator), done)


def make_app(
    db: str | Path,
    annotator: str,
    config: Config | None = None,
    review: dict | None = None,
    ordering: dict | None = None,
    dashboard: bool = False,
    welcome: bool = False,
    fixed_name: bool = False,
) -> AnnotatorApp:
    """The one factory the CLI and the tests use (`config`: the settings file's keys and
    settings; `review`: open the review screen with these options; `ordering`: how the labelling
    screen picks the next sentence; `dashboard`: open the dashboard alone; `welcome`: a served
    session, which asks who is labelling first, unless `fixed_name` fixes `annotator`)."""
    # What the imports made (modules, classes, functions) lives as long as the process: out of the
    # collector's reach, the passes that starting the screen triggers stay short (about 20 ms
    # less before the first sentence is painted).
    gc.freeze()
    return AnnotatorApp(StoreService(db), annotator, config, review, ordering, dashboard, welcome, fixed_name)


def _not_shown(on: bool, why: str | None = None) -> None:
    """Waiting, where no labelling screen shows it."""
