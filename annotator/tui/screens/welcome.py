"""The first screen of a served session: who is labelling, and whether they label or review.
(A browser passes no identity; a link bound to a name fixes it.)"""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Footer, Input, Static

from annotator.corpus.text import visible
from annotator.names import name_problem
from annotator.tui import bindings
from annotator.tui.service import Host


class WelcomeScreen(Screen):
    BINDINGS: ClassVar[list[BindingType]] = [*bindings.WELCOME]

    def __init__(self, store_name: str, name: str | None = None):
        super().__init__()
        self.store_name = store_name
        self.fixed = name  # a link bound to this name: it cannot be changed here

    @property
    def host(self) -> Host:
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        with Vertical(id="welcome-dialog"):
            yield Static(Content.assemble(("annotator", "bold"), f" · {visible(self.store_name)}"))
            yield Static(
                "Your name, as the project knows you (your decisions are stored under it, and you"
                " resume where you stopped). Then ⏎ to label sentences, or ctrl+r to review where"
                " annotators disagree.",
                id="welcome-text",
            )
            yield Input(
                value=self.fixed or "", placeholder="your name", id="welcome-name", disabled=bool(self.fixed)
            )
            yield Static(id="welcome-error")
        yield Footer()

    def on_mount(self) -> None:
        if not self.fixed:
            self.query_one("#welcome-name", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_begin(False)

    def action_begin(self, review: bool) -> None:
        name = self.fixed or self.query_one("#welcome-name", Input).value.strip()
        problem = name_problem(name) or self.host.begin(name, review)
        if problem:
            self.query_one("#welcome-error", Static).update(Content.styled(problem, "bold #e06c75"))
