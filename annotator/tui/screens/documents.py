"""Jump to a document: type part of its title or id, pick from the matches (never the whole corpus
at once)."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from annotator.corpus.text import shown, visible
from annotator.labelling.session import LabelSession
from annotator.tui import bindings
from annotator.tui.service import READ_FAILURES

LIMIT = 200


class DocumentPicker(ModalScreen[str | None]):
    BINDINGS: ClassVar[list[BindingType]] = [*bindings.DOCUMENTS]

    def __init__(self, session: LabelSession):
        super().__init__()
        self.session = session
        self.failing = False  # the last reading failed (and said so)

    def compose(self) -> ComposeResult:
        with Vertical(id="documents-dialog"):
            yield Static(f"Go to document (type to filter; the first {LIMIT} matches)", markup=False)
            yield Input(placeholder="part of a title or a document id", id="documents-filter")
            yield OptionList(id="documents-list")

    def on_mount(self) -> None:
        self.fill("")

    def fill(self, query: str) -> None:
        options = self.query_one(OptionList)
        options.clear_options()
        try:
            found = self.session.documents(query, LIMIT)
        except READ_FAILURES as exc:  # the list stays empty; the next character typed reads again
            if not self.failing:  # said once, not at every character
                self.notify(f"The documents could not be read: {shown(exc)}", severity="error", markup=False)
            self.failing = True
            return
        self.failing = False
        options.add_options(
            # an id and a title are data, not markup
            Option(
                Content(f"{done:>4}/{total:<4} {visible(title or '(no title)')}  · {visible(doc_id)}"),
                id=doc_id,
            )
            for doc_id, done, total, title in found
        )
        if options.option_count:
            options.highlighted = 0

    def on_input_changed(self, event: Input.Changed) -> None:
        self.fill(event.value)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        options = self.query_one(OptionList)
        if options.option_count:
            self.dismiss(options.get_option_at_index(options.highlighted or 0).id)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_focus_list(self) -> None:
        self.query_one(OptionList).focus()

    def action_cancel(self) -> None:
        self.dismiss(None)
