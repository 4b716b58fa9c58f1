"""Quote mode: a word cursor over the sentence, a selection, one key per role. No mouse needed."""

from __future__ import annotations

from functools import partial
from typing import ClassVar, cast

from textual import events
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Footer, Static

from annotator.corpus.text import visible
from annotator.labelling.quotes import QuoteDraft, default_speaker, hint_labels
from annotator.labelling.session import LabelSession
from annotator.scheme import QuoteType
from annotator.tui import bindings, render
from annotator.tui.service import Host


class DraftView(Static):
    """The sentence under edit; the mouse places the cursor (click) or selects (drag)."""

    def __init__(self, screen: QuoteScreen, **kwargs):
        super().__init__(**kwargs)
        self.owner = screen
        self._pressed: int | None = None

    def on_mouse_down(self, event: events.MouseDown) -> None:
        self._pressed = event.style.meta.get("token")

    def on_mouse_up(self, event: events.MouseUp) -> None:
        released = event.style.meta.get("token")
        if self._pressed is not None and released is not None:
            self.owner.mouse_select(self._pressed, released)
        self._pressed = None


class QuoteScreen(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [*bindings.QUOTE]

    def __init__(self, session: LabelSession):
        super().__init__()
        self.session = session
        self.draft = QuoteDraft(session.here.text)
        self.editing: int | None = None  # index of the quote being edited, None for a new one

    def compose(self) -> ComposeResult:
        with Vertical(id="quote-dialog"):
            yield Static("Quote", id="quote-title")
            yield DraftView(self, id="draft")
            yield Static(id="draft-fields")
        yield Footer()

    def on_mount(self) -> None:
        self.show()

    def on_resize(self, event: events.Resize) -> None:
        """A short terminal (24 lines) gets a dialog without its blank margins, so the key lines fit."""
        self.set_class(event.size.height < 30, "-short")

    def others(self):
        return [q for i, q in enumerate(self.session.labels.quotes) if i != self.editing]

    def show(self) -> None:
        d = self.draft
        self.query_one("#draft", DraftView).update(
            render.hinted(d, self.hints, self.typed_hint)
            if self.hints is not None
            else render.draft(d, self.others())
        )
        spans = lambda ss: " | ".join(visible(d.text[s:e]) for s, e in ss) if ss else "—"  # noqa: E731
        s = self.session
        if self.editing is not None:
            title = f"Edit quote {self.editing + 1}"
        elif s.suggested:
            title = f"New quote ({len(s.labels.quotes)} suggested, not saved)"
        else:
            title = f"New quote ({len(s.saved.labels.quotes) if s.saved else 0} saved)"
        self.query_one("#quote-title", Static).update(Content.assemble((title, "bold")))
        self.query_one("#draft-fields", Static).update(
            Content.assemble(
                ("type    ", "bold"),
                f"{d.type}   ({'chosen' if d.typed else 'from the content'}; d direct · n indirect · m mixed)"
                + (f"   count {self.count}" if self.count else "")
                + (
                    "   f: the initial?"
                    if self.finding == 1
                    else "   F: the initial?"
                    if self.finding == -1
                    else ""
                )
                + "\n",
                ("content ", "bold " + render.ROLE_STYLES["content"]),
                f"{spans(d.content)}\n",
                ("cue     ", "bold " + render.ROLE_STYLES["cue"]),
                f"{spans([d.cue] if d.cue else [])}\n",
                ("source  ", "bold " + render.ROLE_STYLES["source"]),
                f"{spans([d.source] if d.source else [])}\n",
                ("speaker ", "bold"),
                f"{visible(d.speaker) if d.speaker else '—'}\n",
                (
                    "←/→ word (5l: five; 2r: two words as the cue) · [ ] quotation mark · ( ) clause edge · f/F + letter: next/previous "
                    "word so · w jump labels · v select · t select to the clause edge · i inside quotes · c content · r cue · "
                    "s source · < > { } the span here: end / start by a word · = fit it · p speaker · "
                    "e edit / x delete the quote under the cursor · enter save · "
                    "esc close (what was saved or deleted stays)",
                    "dim",
                ),
            )  # fmt: skip
        )

    def mouse_select(self, a: int, b: int) -> None:
        d = self.draft
        if a == b:
            d.cursor = a
            d.pinned = None
        else:
            lo, hi = sorted((a, b))
            d.select_chars(d.toks[lo].start, d.toks[hi].end)
            d.cursor = b
        self.show()

    # ------------------------------------------------------------------ actions

    # A count typed before a motion repeats it (`5l`, `3]`), as in vi.
    count = 0
    finding: int | None = None  # `f` (1) or `F` (-1) pressed: the next character is the initial

    def take_count(self) -> int:
        n, self.count = max(1, self.count), 0
        return n

    def action_count(self, digit: int) -> None:
        if digit or self.count:  # a lone 0 counts nothing
            self.count = min(self.count * 10 + digit, 999)
            self.show()

    def action_move(self, words: int) -> None:
        self.draft.move(words * self.take_count())
        self.show()

    def action_edge(self, direction: int) -> None:
        self.count = 0
        self.draft.move(direction * len(self.draft.toks))
        self.show()

    def action_mark(self, direction: int) -> None:
        for _ in range(self.take_count()):
            self.draft.to_mark(direction)
        self.show()

    def action_clause(self, direction: int) -> None:
        for _ in range(self.take_count()):
            self.draft.to_clause_edge(direction)
        self.show()

    def action_span_edge(self, start: bool, words: int) -> None:
        if not self.draft.move_edge(start, words * self.take_count()):
            self.notify("No span of this quote under the cursor.")
        self.show()

    def action_snap(self) -> None:
        self.count = 0
        if not self.draft.snap():
            self.notify("No span of this quote under the cursor.")
        self.show()

    def action_till_clause(self) -> None:
        self.count = 0
        self.draft.select_to_clause_edge()
        self.show()

    def action_find(self, direction: int) -> None:
        self.finding = direction
        self.show()

    hints: list[str] | None = None  # the jump labels shown, while they are
    typed_hint = ""

    def action_hints(self) -> None:
        """Show a jump label on every word; typing one moves the cursor there."""
        self.count = 0
        self.hints, self.typed_hint = hint_labels(len(self.draft.toks)), ""
        self.show()

    def _hint_key(self, event: events.Key) -> None:
        labels = self.hints or []
        if event.key == "escape" or not event.character or not event.is_printable:
            self.hints = None
        else:
            self.typed_hint += event.character.lower()
            if self.typed_hint in labels:
                self.draft.cursor = labels.index(self.typed_hint)
                self.draft.pinned = None
                self.hints = None
            elif not any(label.startswith(self.typed_hint) for label in labels):
                self.notify(f"No word labelled {self.typed_hint!r}.")
                self.hints = None
        self.show()

    def on_key(self, event: events.Key) -> None:
        """After `f` / `F`, the next character is the initial to jump to; while jump labels show,
        the keys type a label (neither is a command)."""
        if self.hints is not None:
            event.stop()
            event.prevent_default()
            self._hint_key(event)
            return
        if self.finding is None:
            return
        event.stop()
        event.prevent_default()
        direction, self.finding = self.finding, None
        if event.key == "escape" or not event.is_printable or not event.character:
            self.count = 0
        else:
            times = self.take_count()
            found = all(self.draft.to_initial(event.character, direction) for _ in range(times))
            if not found:
                self.notify(f"No word starting with {event.character!r} that way.")
        self.show()

    def action_select(self) -> None:
        self.draft.toggle_selection()
        self.show()

    def action_inside(self) -> None:
        if not self.draft.select_inside_quotes():
            self.notify("The cursor is not inside quotation marks.")
        self.show()

    def action_assign(self, role: str, keep_marks: bool = False) -> None:
        """The selection becomes the role's span; after a count, the count's words from the
        cursor on (`2r`: the cue is this word and the next), as a count before an operator in vi."""
        d = self.draft
        if self.count:
            d.select_words(self.take_count())
        if not d.assign(role, keep_marks=keep_marks):
            self.notify("Nothing selected.")
        elif role == "source" and d.source and not d.speaker:  # pre-filled; p changes it
            row = self.session.here
            d.speaker = default_speaker(
                d.text[d.source[0] : d.source[1]],
                self.session.speakers(),
                self.session.store.document_text(row.doc_id),
                row.start + d.source[0],
            )
        self.show()

    def action_type(self, kind: QuoteType) -> None:
        self.draft.type = kind
        self.draft.typed = True
        self.show()

    def action_speaker(self) -> None:
        from annotator.tui.screens.prompt import PromptScreen

        def done(name: str | None) -> None:
            if name is not None:
                self.draft.speaker = name.strip() or None
                self.show()

        known = self.session.speakers()
        self.app.push_screen(PromptScreen("Speaker (tab completes)", self.draft.speaker or "", known), done)

    def _quotes_under_cursor(self) -> list[int]:
        offset = self.draft.toks[self.draft.cursor].start
        return [
            i
            for i, q in enumerate(self.session.labels.quotes)
            if any(s.start <= offset < s.end for _, s in q.spans())
        ]

    def action_edit(self) -> None:
        """Edit the quote under the cursor; where several quotes share the word, each press takes
        the next one."""
        here = self._quotes_under_cursor()
        if not here:
            self.notify("No quote under the cursor.")
            return
        index = here[(here.index(self.editing) + 1) % len(here)] if self.editing in here else here[0]
        cursor = self.draft.cursor
        self.draft = QuoteDraft.from_quote(self.session.here.text, self.session.labels.quotes[index])
        self.draft.cursor = cursor
        self.editing = index
        if len(here) > 1:
            self.notify(
                f"Quote {index + 1} ({len(here)} quotes here: {self.key('quote.edit')} again for the next)."
            )
        self.show()

    async def action_delete(self) -> None:
        """Delete the quote under the cursor; where several share the word, the one being edited
        (chosen with the edit key), never a guess."""
        here = self._quotes_under_cursor()
        if not here:
            self.notify("No quote under the cursor.")
            return
        if len(here) > 1 and self.editing not in here:
            self.notify(
                f"{len(here)} quotes here: pick one with {self.key('quote.edit')} (again for the next), "
                f"then {self.key('quote.delete')}.",
                severity="warning",
            )
            return
        index = self.editing if self.editing in here else here[0]
        if not (await cast(Host, self.app).decide(partial(self.session.delete_quote, index))).saved:
            return
        self.editing = None
        self.draft = QuoteDraft(self.session.here.text)
        self.notify(f"Quote {index + 1} deleted ({self.key('undo')} on the sentence brings it back).")
        self.show()

    def key(self, binding_id: str) -> str:
        return cast(Host, self.app).key_for(binding_id)

    async def action_save(self) -> None:
        try:
            quote = self.draft.quote()
        except ValueError as exc:
            self.notify(str(exc), severity="warning")
            return
        if (await cast(Host, self.app).decide(partial(self.session.save_quote, quote, self.editing))).saved:
            self.dismiss(None)

    def action_cancel(self) -> None:
        self.dismiss(None)

    def action_help(self) -> None:
        from annotator.tui.screens.help import HelpScreen

        self.app.push_screen(HelpScreen(self.key))
