"""Small dialogs: a one-line question (a note, a search, a speaker with completion, an annotator
name), a message, the block-type picker."""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar, TypeVar

from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.suggester import SuggestFromList
from textual.widgets import Input, Static

from annotator.scheme import BLOCK_TYPE_NAMES
from annotator.tui import bindings

ResultT = TypeVar("ResultT")


class PromptScreen(ModalScreen[str | None]):
    """One line of text; with suggestions, tab or → completes the typed start to the first known
    value it begins, and every known value is listed (scrolling)."""

    BINDINGS: ClassVar[list[BindingType]] = [*bindings.PROMPT]

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
                with VerticalScroll(id="prompt-known-scroll"):
                    yield Static("Known: " + ", ".join(self.suggestions), id="prompt-known", markup=False)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.dismiss(event.value)

    def action_complete(self) -> None:
        field = self.query_one(Input)
        field.action_end()
        field.action_cursor_right()  # at the end, → takes the suggestion

    def action_cancel(self) -> None:
        self.dismiss(None)


class _Said(ModalScreen[ResultT]):
    """A title and a text, and the keys that close it (each subclass's)."""

    keys_line = ""  # under the text: what the keys do

    def __init__(self, title: str, text: str):
        super().__init__()
        self.title_text = title
        self.text = text

    def compose(self) -> ComposeResult:
        with Vertical(id="prompt-dialog"):
            yield Static(self.title_text, id="prompt-title", markup=False)
            yield Static(f"{self.text}\n\n{self.keys_line}" if self.keys_line else self.text, markup=False)


class MessageScreen(_Said[None]):
    BINDINGS: ClassVar[list[BindingType]] = [*bindings.MESSAGE]

    def action_close(self) -> None:
        self.dismiss(None)


class ConfirmScreen(_Said[bool]):
    """A yes/no question: y or enter says yes, n or esc no."""

    BINDINGS: ClassVar[list[BindingType]] = [*bindings.CONFIRM]
    keys_line = "y / ⏎ yes · n / esc no"

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)


class BlockTypePicker(ModalScreen[str | None]):
    """The block type of a sentence, one key each (bindings.BLOCK_TYPE, remappable); esc cancels."""

    BINDINGS: ClassVar[list[BindingType]] = [*bindings.BLOCK_TYPE]

    def __init__(self, current: str | None, key_for: Callable[[str], str]):
        super().__init__()
        self.current = current
        self.key_for = key_for  # the keys as remapped

    def compose(self) -> ComposeResult:
        lines = [
            f" {self.key_for(f'block_type.{value}')}  {'●' if value == self.current else '○'} {name}"
            for value, name in BLOCK_TYPE_NAMES.items()
        ]
        with Vertical(id="prompt-dialog"):
            yield Static("Block type of this sentence", id="prompt-title", markup=False)
            yield Static("\n".join(lines), markup=False)

    def action_pick(self, value: str) -> None:
        self.dismiss(value)

    def action_cancel(self) -> None:
        self.dismiss(None)
