"""Every key (as remapped) and a short version of the annotation guideline."""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Static

from annotator.scheme import GUIDELINE
from annotator.tui import bindings


class HelpScreen(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [*bindings.HELP]

    def __init__(self, key_for: Callable[[str], str], *, reviewing: bool = False):
        super().__init__()
        self.key_for = key_for  # the keys as remapped
        self.reviewing = reviewing  # the review screen's keys too

    def compose(self) -> ComposeResult:
        parts: list = [("Labelling keys\n", "bold underline")]
        for b in bindings.LABEL:
            parts += [(f" {self.key_for(bindings.id_of(b)):>14} ", "bold"), f"{b.description}\n"]
        parts += [(f" {'ctrl+p':>14} ", "bold"), "Command palette: export, statistics, switch annotator\n"]
        parts += [(f" {'ctrl+q':>14} ", "bold"), "Quit (every decision is already stored)\n"]
        if self.reviewing:
            parts.append(("\nReview keys\n", "bold underline"))
            for b in bindings.REVIEW:
                parts += [
                    (f" {self.key_for(bindings.id_of(b)):>14} ", "bold"),
                    f"{b.description}'s version as the verdict\n",
                ]
        parts.append(("\nQuote mode keys\n", "bold underline"))
        for b in bindings.QUOTE:
            if not bindings.id_of(b).startswith("quote.count_"):
                parts += [(f" {self.key_for(bindings.id_of(b)):>14} ", "bold"), f"{b.description}\n"]
        parts += [
            (f" {'0–9':>14} ", "bold"),
            "A count before a motion repeats it (5l: five words right); before c, C, r or s it takes that many words (2r)\n",
        ]
        parts.append(("\nSentence list keys\n", "bold underline"))
        for b in bindings.BROWSER:
            parts += [(f" {self.key_for(bindings.id_of(b)):>14} ", "bold"), f"{b.description}\n"]
        parts.append(("\nGuideline (SCHEME v1, short)\n", "bold underline"))
        parts.append(GUIDELINE)
        with VerticalScroll(id="help-dialog"):
            yield Static(Content.assemble(*parts), id="help-text")

    def action_close(self) -> None:
        self.dismiss(None)
