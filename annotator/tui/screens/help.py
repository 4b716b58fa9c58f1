"""Every key (as remapped) and a short version of the annotation guideline."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Static

GUIDELINE = """\
Mode — who is evaluating?
  reporting: events, states, background as fact, or content attributed to someone
             (evaluative words inside quotes or attributed clauses belong to their speaker).
  commentary: at least one unattributed evaluation, motive, speculation, prediction,
              exhortation, irony, rhetorical question or loaded characterisation.
  no proposition: a bare noun-phrase heading, a fragment, text MT made meaningless.
Claim — is there something to check? (judge what was said, not the act of saying)
  no claim: opinions, goals, wishes, calls, questions.   factual: verifiable, little interest.
  check-worthy: verifiable and the public would want it checked (accusations, troop
                movements, record figures, contested facts).
Quotes — every attribution: content (without the outer quotation marks), cue (the
  reporting verb group, "selon"), source (the mention: "il", "Pékin", a full noun phrase),
  speaker (the canonical name). direct: all inside marks; indirect: none; mixed: partly.
  A name in quotation marks that nobody says («Vostok») is not a quote.
Block type — T corrects the rules' type for this sentence; teaser and boilerplate need no
  other label (SCHEME §2). Confirming is implicit: labelling a sentence keeps the type shown.
Flags — uncertain (second look), MT noise, attribution dropped (a headline states as
  fact what the body attributes)."""


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
