"""The labelling screen: one sentence inside its article, one key per label."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, ClassVar, cast

from textual import events
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.reactive import reactive
from textual.screen import Screen
from textual.style import Style
from textual.widget import Widget
from textual.widgets import Footer, Static

from annotator.corpus.text import shown, visible
from annotator.labelling.session import LabelSession, complete
from annotator.scheme import CLAIM_NAMES, CLAIMS, FLAG_NAMES, MODE_NAMES, MODES, STATUS_NAMES, Flag
from annotator.tui import bindings, render

if TYPE_CHECKING:
    from annotator.labelling.browser import Browser
from annotator.tui.service import READ_FAILURES, Decided, Host

# Each label value's colour in the panel: the modes apart, the claims from grey to red.
COLOURS = {
    "reporting": "#61afef",
    "commentary": "#d19a66",
    "none": "#abb2bf",
    "claim.none": "#abb2bf",
    "claim.factual": "#56b6c2",
    "claim.checkworthy": "#e06c75",
}


class Above(Widget):
    """The article above the sentence: its last lines, as many as fit, so the text nearest the
    sentence is the text shown."""

    content: reactive[Content] = reactive(Content(""))

    def render(self) -> Content:
        width, height = self.size
        if not width or not height:
            return Content("")
        lines = self.content.wrap(width)[-height:]
        return Content("\n").join([Content("")] * (height - len(lines)) + lines)  # next to the sentence


class LabelScreen(Screen):
    BINDINGS: ClassVar[list[BindingType]] = [*bindings.LABEL]
    reviewing = False  # the review screen is this screen over the disagreements

    def __init__(self, session: LabelSession):
        super().__init__()
        self.session = session
        self.title: str | None = None  # the shown article's title (as last drawn)
        self.browser: Browser | None = None  # the sentence list's state, kept between visits
        self.from_list = False  # a sentence opened from the list: esc goes back to it

    def compose(self) -> ComposeResult:
        yield Static(id="topbar")
        with Horizontal(id="main"):
            with Vertical(id="article"):
                yield Above(id="before")
                with VerticalScroll(id="sentence-scroll"):
                    yield Static(id="sentence")
                yield from self.below_sentence()
                yield Static(id="after")
            yield Static(id="panel")
        yield Static(id="progress")
        yield Footer()

    # Hooks for screens built on this one (the review screen): the layout and drawing stay here,
    # a subclass fills in its own parts, never by overriding show().

    def below_sentence(self) -> ComposeResult:
        """Widgets between the sentence and the next ones (the review screen's versions)."""
        return ()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Without a sentence (an empty review queue) only help works: the footer shows no dead key."""
        if action == "back_to_list":
            return self.from_list
        return self.session.current is not None or action == "help"

    def draw_empty(self) -> None:
        """What the screen says when there is no sentence to show."""
        self.query_one("#sentence", Static).update("The store has no sentences: run `annotator ingest PATH`.")

    def draw_labelled(self) -> None:
        """Drawn with the labels panel, once the sentence's labels are read."""

    def on_mount(self) -> None:
        if self.session.labels_read:
            self.show()
        else:
            # The sentence in its article first, its labels one frame later: reading them needs
            # the models (pydantic), which take longer to import than the rest takes to start.
            self.show(labels=False)
            self.call_after_refresh(self.show)
        self.count()

    def on_resize(self, event: events.Resize) -> None:
        """A narrow terminal (80 columns) gets a narrower side panel: the article keeps room."""
        self.set_class(event.size.width < 110, "-narrow")

    def count(self) -> None:
        self.run_worker(self._count, thread=True, exit_on_error=False, group="count")

    def _count(self) -> None:
        """Corpus-wide progress is one pass over the store: off the UI thread, on its own connection."""
        try:
            with self.host.service.worker() as store:
                totals = store.progress(self.session.annotator)
        except READ_FAILURES as exc:  # the line keeps saying "counting…"
            self.app.call_from_thread(
                self.notify,
                f"The progress could not be counted: {shown(exc)}",
                severity="warning",
                markup=False,
            )
            return
        self.app.call_from_thread(self._counted, *totals)

    def _counted(self, finished: int, total: int) -> None:
        self.session.set_totals(finished, total)
        self.query_one("#progress", Static).update(render.progress_line(self.session.progress()))

    @property
    def host(self) -> Host:
        return cast(Host, self.app)

    def key(self, binding_id: str) -> str:
        """The keys of a binding as the user sees them (after remapping)."""
        return self.host.key_for(binding_id)

    # ------------------------------------------------------------------ drawing

    def show(self, *, labels: bool = True) -> None:
        """Draw the sentence in its article; with `labels`, its highlights and the labels panel."""
        s = self.session
        row = s.current
        if row is None:
            self.draw_empty()
            return
        ctx = s.context()
        self.title = ctx.title
        self.query_one("#topbar", Static).update(self.topbar(ctx))
        self.query_one("#before", Above).content = render.context(ctx.before, show_all=s.show_all)
        self.query_one("#sentence", Static).update(
            render.sentence(row.text, s.labels.quotes, suggested=s.suggested, found=s.found)
            if labels
            else render.sentence(row.text, [], found=s.found)
        )
        self.query_one("#after", Static).update(render.context(ctx.after, show_all=s.show_all))
        if labels:
            self.query_one("#panel", Static).update(self.panel())
            self.draw_labelled()
        self.query_one("#progress", Static).update(render.progress_line(s.progress()))
        if s.wants_ranking():
            self.run_worker(self._rank, thread=True, exit_on_error=False, group="rank", exclusive=True)

    def _rank(self) -> None:
        """Refit the model on every finished label and rank this annotator's open sentences, in
        another process; the screen keeps going in the old order meanwhile."""
        from annotator.errors import UserError
        from annotator.train import rank_in_subprocess

        try:
            ranked = rank_in_subprocess(self.session.store.location, self.session.annotator)
        except UserError as exc:
            self.app.call_from_thread(
                self.notify, f"{shown(exc)}; staying in corpus order", severity="warning", markup=False
            )
            return
        self.app.call_from_thread(self.session.set_priority, ranked)

    def topbar(self, ctx) -> Content:
        s = self.session
        row = s.here
        cluster = (
            f" · story cluster {ctx.cluster} ({ctx.cluster_size} documents)" if ctx.cluster_size > 1 else ""
        )
        plan = s.store.assignment_in_force()
        share = (
            f" · {plan.overlap:.0%} shared with {', '.join(n for n in plan.team if n != s.annotator)}"
            if plan and s.annotator in plan.team and len(plan.team) > 1
            else ""
        )
        title = f"{visible(ctx.title)} · " if ctx.title else ""
        return Content.assemble(
            (title, "bold"),
            (visible(row.doc_id), "bold" if not title else ""),
            f" · {row.block_type}{cluster} · annotator ",
            (visible(s.annotator), "bold"),
            visible(share),
        )

    def panel(self) -> Content:
        """The labels and their keys: first what the sentence's status is and what enter will
        store (what matters on a small terminal), then every label, each value in its colour
        and clickable."""
        s = self.session
        labels = s.labels
        parts: list = []
        status = STATUS_NAMES[s.saved.status if s.saved else None]
        origin = f", {s.saved.origin}" if s.saved and s.saved.origin else ""
        if s.suggested:
            origin = f", {visible(s.projected)} (◆)" if s.projected else ", suggested (◆)"
        parts.append(("Status ", "bold"))
        parts.append(f"{status}{origin}\n")
        parts.append(self.enter_stores())

        # an unconfirmed suggestion is shown in italics, marked ◆, until a key decides
        mark, emphasis = ("◆", "italic") if s.suggested else ("●", "bold")

        def choice(binding_id: str, name: str, chosen: bool, colour: str, action: str) -> None:
            click = Style.from_meta({"@click": f"screen.{action}"})
            parts.append((f" {self.key(binding_id):>3} ", Style.parse("bold") + click))
            style = Style.parse(f"{emphasis} {colour}") if chosen else Style()
            parts.append((f"{mark if chosen else '○'} {name}\n", style + click))

        mine = labels.block_type is not None
        parts.append((f"Block type ({self.key('block_type')})\n", "bold underline"))
        parts.append(
            (
                f" {s.block_type}" + (f" (rules: {s.here.block_type})" if mine else "") + "\n",
                "bold #e5c07b" if mine else "",
            )
        )
        parts.append(("Mode\n", "bold underline"))
        for mode in MODES:
            choice(
                f"mode.{mode}",
                MODE_NAMES[mode],
                labels.mode == mode,
                COLOURS[mode],
                f"set_label('mode', '{mode}')",
            )
        parts.append(("Claim\n", "bold underline"))
        for claim in CLAIMS:
            choice(
                f"claim.{claim}",
                CLAIM_NAMES[claim],
                labels.claim == claim,
                COLOURS[f"claim.{claim}"],
                f"set_label('claim', '{claim}')",
            )
        parts.append(("Flags\n", "bold underline"))
        for flag, name in FLAG_NAMES.items():
            choice(f"flag.{flag}", name, flag in labels.flags, "#e5c07b", f"flag('{flag}')")
        parts.append((f"Quotes ({self.key('quote')} to add or edit)\n", "bold underline"))
        if labels.quotes:
            parts.append(
                (f" {self.key('quote_keep')} keep · {self.key('quote_drop')} drop the one at ▸\n", "dim")
            )
        for n, q in enumerate(labels.quotes, start=1):
            text = " … ".join(c.text for c in q.content)
            short = text if len(text) <= 40 else text[:38] + "…"
            focus = "▸" if n - 1 == s.quote_focus else " "
            parts.append(f"{focus}{n}. {q.type}: «{visible(short)}»\n")
            detail = [
                f"cue {visible(q.cue.text)}" if q.cue else "",
                f"source {visible(q.source.text)}" if q.source else "",
            ]
            if q.speaker:
                detail.append(f"speaker {visible(q.speaker)}")
            if any(detail):
                parts.append((f"    {', '.join(d for d in detail if d)}\n", "dim"))
        if not labels.quotes:
            parts.append(("    none\n", "dim"))
        parts.append((f"Note ({self.key('note')})\n", "bold underline"))
        parts.append(f" {visible(labels.note)}\n" if labels.note else (" none\n", "dim"))
        parts.append(
            (
                f"\n{self.key('accept')} accept · {self.key('skip')} skip · {self.key('undo')} undo · ? help",
                "dim",
            )
        )
        return Content.assemble(*parts)

    def enter_stores(self) -> tuple[str, str]:
        """What the accept key will store, or what it still needs."""
        labels, key = self.session.labels, self.key("accept")
        if not complete(labels):
            missing = [name for name in ("mode", "claim") if getattr(labels, name) is None]
            return (f"{key} needs a {' and a '.join(missing)}\n", "#e5c07b")
        if labels.mode is None or labels.claim is None:
            return (f"{key} stores: {self.session.block_type}, no labels\n", "")
        return (f"{key} stores: {MODE_NAMES[labels.mode]} · {CLAIM_NAMES[labels.claim]}\n", "")

    # ------------------------------------------------------------------ actions

    async def decide(self, work: Callable[[], object]) -> Decided[object]:
        """Run a session call through the App (off the UI thread, one at a time), then redraw;
        when it finished the last open sentence, say so."""
        self.session.all_done = False
        before = self.session.current.doc_id if self.session.current else None
        decided = await self.host.decide(work)
        if decided.saved:
            self.show()
            if self.session.all_done:
                self.end_of_work()
            elif self.session.current is not None and self.session.current.doc_id != before:
                self.notify(
                    f"New document: {visible(self.title or self.session.current.doc_id)}",
                    timeout=3,
                    markup=False,
                )
        return decided

    def end_of_work(self) -> None:
        """Every sentence served is finished: what was done, and what next."""
        from annotator.tui.screens.prompt import MessageScreen

        counts = self.session.finished_counts()
        self.app.push_screen(
            MessageScreen(
                "All done",
                f"{self.work_done(counts.get('done', 0), counts.get('skipped', 0))}\n\n"
                f"{self.key('undo')} undoes the last decision; {self.key('previous')} and "
                f"{self.key('next')} step through the sentences.",
            )
        )

    def work_done(self, done: int, skipped: int) -> str:
        """What the end-of-work message says was done and comes next (a hook: the review screen's differs)."""
        return (
            f"Every sentence served to {visible(self.session.annotator)} is finished: {done} done, "
            f"{skipped} skipped.\n\nNext: `annotator export --out exports/` writes the labels; "
            "`annotator review` adjudicates where annotators disagree; `annotator stats` shows "
            "everyone's progress."
        )

    def waiting(self, on: bool, why: str | None = None) -> None:
        """Say that a key is waiting for the store (another process holds its write lock, or
        `why`: the server cannot be reached)."""
        self.query_one("#progress", Static).update(
            Content.styled(
                why or "Saving… waiting for another process that is writing to the store (an ingest?)",
                "bold #e5c07b",
            )
            if on
            else render.progress_line(self.session.progress())
        )

    async def action_set_label(self, name: str, value: str) -> None:
        await self.decide(partial(self.session.set_label, name, value))

    def action_block_type(self) -> None:
        from annotator.tui.screens.prompt import BlockTypePicker

        async def done(value: str | None) -> None:
            if value is not None:
                await self.decide(partial(self.session.set_block_type, value))

        self.app.push_screen(BlockTypePicker(self.session.block_type, self.key), done)

    async def action_flag(self, flag: Flag) -> None:
        await self.decide(partial(self.session.toggle_flag, flag))

    async def action_accept(self) -> None:
        labels = self.session.labels
        decided = await self.decide(self.session.accept)
        if decided.saved and decided.value:
            what = (
                f"{MODE_NAMES[labels.mode]} · {CLAIM_NAMES[labels.claim]}"
                if labels.mode and labels.claim
                else self.session.block_type
            )
            self.notify(f"Stored: {what}.", timeout=2)
        if decided.saved and not decided.value:
            self.notify(
                f"Set the mode ({self.key('mode.reporting')}/{self.key('mode.commentary')}/{self.key('mode.none')}) "
                f"and the claim ({self.key('claim.none')}/{self.key('claim.factual')}/{self.key('claim.checkworthy')}) first.",
                severity="warning",
            )

    async def action_skip(self) -> None:
        if (await self.decide(self.session.skip)).saved:
            self.notify("Skipped.", timeout=2)

    async def action_undo(self) -> None:
        decided = await self.decide(self.session.undo)
        if decided.saved and not decided.value:
            self.notify("Nothing to undo.")
        elif decided.saved and self.session.undone is not None:
            u = self.session.undone
            self.notify(
                f"Undone your last decision: this sentence is {STATUS_NAMES[u.status_after]} again "
                f"(it was {STATUS_NAMES[u.status_before]}).",
                timeout=3,
            )

    async def action_step(self, direction: int) -> None:
        decided = await self.decide(partial(self.session.step, direction))
        if decided.saved and not decided.value:
            self.notify("No more sentences this way.")

    async def action_step_document(self, direction: int) -> None:
        decided = await self.decide(partial(self.session.step_document, direction))
        if decided.saved and not decided.value:
            self.notify("No more documents this way.")

    async def action_next_unannotated(self) -> None:
        decided = await self.decide(self.session.next_unannotated)
        if not decided.saved or decided.value:
            return
        skipped = 0 if self.session.revisiting else self.session.finished_counts().get("skipped", 0)
        if not skipped:
            self.notify("No skipped sentence left." if self.session.revisiting else "Every sentence is done.")
            return
        from annotator.tui.screens.prompt import ConfirmScreen

        async def done(yes: bool | None) -> None:
            if yes:
                await self.decide(self.session.revisit_skipped)
                self.notify(
                    f"{self.key('next_unannotated')} now goes to the next skipped sentence.", timeout=3
                )

        self.app.push_screen(
            ConfirmScreen(
                "Every other sentence is done",
                f"You skipped {skipped} sentence{'s' * (skipped > 1)}. "
                f"Go through {'them' if skipped > 1 else 'it'} again?",
            ),
            done,
        )

    def action_toggle_all(self) -> None:
        self.session.show_all = not self.session.show_all
        self.notify(
            "Teasers and boilerplate shown." if self.session.show_all else "Teasers and boilerplate hidden."
        )
        self.show()

    def action_note(self) -> None:
        from annotator.tui.screens.prompt import PromptScreen

        async def done(note: str | None) -> None:
            if note is not None:
                await self.decide(partial(self.session.set_note, note))

        self.app.push_screen(PromptScreen("Note on this sentence", self.session.labels.note or ""), done)

    def action_search(self) -> None:
        from annotator.tui.screens.prompt import PromptScreen

        async def done(needle: str | None) -> None:
            if needle:
                decided = await self.decide(partial(self.session.search, needle))
                if decided.saved and not decided.value:
                    self.notify(f"No sentence contains {visible(repr(needle))}.", markup=False)

        self.app.push_screen(PromptScreen("Search sentences (from here on)", ""), done)

    def action_documents(self) -> None:
        from annotator.tui.screens.documents import DocumentPicker

        async def done(doc_id: str | None) -> None:
            if doc_id:
                await self.decide(partial(self.session.jump, doc_id))

        self.app.push_screen(DocumentPicker(self.session), done)

    def action_browse(self) -> None:
        """The sentence list: at the sentence shown the first time, where it was left after. One
        screen, kept (installed) between visits: opening it again draws it, never builds it."""
        from annotator.labelling.browser import Browser
        from annotator.tui.screens.browser import BrowserScreen

        if self.browser is None:  # kept only once installed: a failed read leaves nothing half made
            browser = Browser(self.session.store, self.session.annotator)
            if self.reviewing:  # a reviewer looks at everyone's decisions where they differ
                browser.set_filter(annotator=None, disagreement=True)
            if self.session.current is not None:
                browser.jump(self.session.current.id)
            self.app.install_screen(BrowserScreen(browser), self.list_name)
            self.browser = browser

        async def done(sid: int | None) -> None:
            if sid is not None and (await self.decide(partial(self.session.open, sid))).saved:
                self.from_list = True
                self.refresh_bindings()
                self.notify(f"Opened from the list: {self.key('back_to_list')} goes back to it.", timeout=3)

        self.app.push_screen(self.list_name, done)

    @property
    def list_name(self) -> str:
        return f"sentence-list-{id(self)}"

    def action_back_to_list(self) -> None:
        self.from_list = False
        self.refresh_bindings()
        self.action_browse()

    def action_quote(self) -> None:
        from annotator.tui.screens.quote import QuoteScreen

        self.app.push_screen(QuoteScreen(self.session), lambda _: self.show())

    def action_keep_quote(self) -> None:
        if not self.session.keep_quote():
            self.notify("No quote left to look at: ⏎ stores what is shown.")
        self.show()

    async def action_drop_quote(self) -> None:
        decided = await self.decide(self.session.drop_quote)
        if decided.saved and decided.value:
            self.notify(f"Quote {decided.value} dropped ({self.key('undo')} brings it back).", timeout=3)
        elif decided.saved:
            self.notify("No quote in focus.")

    def action_dashboard(self) -> None:
        self.host.show_dashboard()

    def action_help(self) -> None:
        from annotator.tui.screens.help import HelpScreen

        self.app.push_screen(HelpScreen(self.key, reviewing=self.reviewing))
