"""Every key (as remapped) and a short version of the annotation guideline."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Static

from annotator.scheme import GUIDELINE


class HelpScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,question_mark,q", "close", "Close", id="help.close")]

    def compose(self) -> ComposeResult:
        from annotator.tui.screens.label import BINDINGS as LABEL
        from annotator.tui.screens.quote import BINDINGS as QUOTE

        parts: list = [("Labelling keys\n", "bold underline")]
        for b in LABEL:
            parts += [(f" {self.app.key_for(b.id):>14} ", "bold"), f"{b.description}\n"]
        parts += [(f" {'ctrl+p':>14} ", "bold"), "Command palette: export, statistics, switch annotator\n"]
        parts += [(f" {'ctrl+q':>14} ", "bold"), "Quit (every decision is already stored)\n"]
        if getattr(self.app, "review", None) is not None:
            from annotator.tui.screens.review import BINDINGS as REVIEW

            parts.append(("\nReview keys\n", "bold underline"))
            for b in REVIEW:
                parts += [
                    (f" {self.app.key_for(b.id):>14} ", "bold"),
                    f"{b.description}'s version as the verdict\n",
                ]
        parts.append(("\nQuote mode keys\n", "bold underline"))
        for b in QUOTE:
            parts += [(f" {self.app.key_for(b.id):>14} ", "bold"), f"{b.description}\n"]
        parts.append(("\nGuideline (SCHEME v1, short)\n", "bold underline"))
        parts.append(GUIDELINE)
        with VerticalScroll(id="help-dialog"):
            yield Static(Content.assemble(*parts), id="help-text")

    def action_close(self) -> None:
        self.dismiss(None)
