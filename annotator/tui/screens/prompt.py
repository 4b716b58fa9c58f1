"""A one-line question: a note, a search, a speaker (with completion), an annotator name."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.suggester import SuggestFromList
from textual.widgets import Input, Static


class PromptScreen(ModalScreen[str | None]):
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="prompt.cancel")]

    def __init__(self, title: str, value: str = "", suggestions: list[str] | None = None):
        super().__init__()
        self.title_text = title
        self.value = value
        self.suggestions = suggestions or []

    def compose(self) -> ComposeResult:
        with Vertical(id="prompt-dialog"):
            yield Static(self.title_text, id="prompt-title", markup=False)
            suggester = SuggestFromList(self.suggestions, case_sensitive=False) if self.suggestions else None
            yield Input(self.value, suggester=suggester, id="prompt-input")
            if self.suggestions:
                yield Static("Known: " + ", ".join(self.suggestions[:8]), id="prompt-known", markup=False)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.dismiss(event.value)

    def action_cancel(self) -> None:
        self.dismiss(None)


class MessageScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,enter,q", "close", "Close", id="message.close")]

    def __init__(self, title: str, text: str):
        super().__init__()
        self.title_text = title
        self.text = text

    def compose(self) -> ComposeResult:
        with Vertical(id="prompt-dialog"):
            yield Static(self.title_text, id="prompt-title", markup=False)
            yield Static(self.text, markup=False)

    def action_close(self) -> None:
        self.dismiss(None)


class ChoiceScreen(ModalScreen[str | None]):
    """Pick one of a few values with one key each (the block type, say); esc cancels."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="choice.cancel")]

    def __init__(self, title: str, options: list[tuple[str, str, str]], current: str | None = None):
        super().__init__()
        self.title_text = title
        self.options = options  # (key, value, label)
        self.current = current

    def compose(self) -> ComposeResult:
        lines = [
            f" {key}  {'●' if value == self.current else '○'} {label}" for key, value, label in self.options
        ]
        with Vertical(id="prompt-dialog"):
            yield Static(self.title_text, id="prompt-title", markup=False)
            yield Static("\n".join(lines), markup=False)

    def on_key(self, event) -> None:
        for key, value, _ in self.options:
            if event.key == key:
                event.stop()
                self.dismiss(value)
                return

    def action_cancel(self) -> None:
        self.dismiss(None)
