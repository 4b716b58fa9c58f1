"""The review screen: the labelling screen over the disagreements, with every annotator's version
side by side (differences in red) and one key to take a version."""

from __future__ import annotations

from functools import partial
from string import ascii_uppercase
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Horizontal
from textual.content import Content
from textual.widgets import Static

from annotator.agreement import quote_key
from annotator.corpus.text import visible
from annotator.labelling.review import ReviewSession
from annotator.scheme import CLAIM_NAMES, FLAG_NAMES, MODE_NAMES
from annotator.tui import bindings, render
from annotator.tui.screens.label import LabelScreen

COLUMNS = bindings.REVIEW_COLUMNS  # versions shown side by side
DIFFERS = "bold #e06c75"
AGREES = "dim"


class ReviewScreen(LabelScreen):
    # the labelling keys are inherited: the reviewer can edit as well as take
    BINDINGS: ClassVar[list[BindingType]] = [*bindings.REVIEW]

    session: ReviewSession
    reviewing = True

    def below_sentence(self) -> ComposeResult:
        with Horizontal(id="versions"):
            for i in range(COLUMNS):
                yield Static(classes="version", id=f"version-{i}")

    def count(self) -> None:
        """The queue's counts are known already: no counting pass over the corpus."""

    def draw_empty(self) -> None:
        self.query_one("#sentence", Static).update(
            "Nothing to review: no sentence was finished by two annotators who disagree "
            "(`annotator review --all` shows the ones they agree on)."
        )
        for i in range(COLUMNS):
            self.query_one(f"#version-{i}", Static).display = False

    def draw_labelled(self) -> None:
        s = self.session
        shared = s.shared_quotes()
        for i in range(COLUMNS):
            column = self.query_one(f"#version-{i}", Static)
            column.display = i < len(s.versions)
            if i < len(s.versions):
                column.update(self.version(i, shared))

    def work_done(self, done: int, skipped: int) -> str:
        return (
            f"Every disagreement in the queue has a verdict ({done} verdicts, {skipped} skipped).\n\n"
            "Next: `annotator export --adjudicated --out exports/` writes the verdicts; "
            "`annotator agree` reports agreement."
        )

    def topbar(self, ctx) -> Content:
        return Content.assemble(("REVIEW", "bold reverse"), " ", super().topbar(ctx).append(" (reviewer)"))

    def version(self, i: int, shared: set[tuple]) -> Content:
        s = self.session
        v = s.versions[i]
        labels = v.labels

        def line(name: str, value: str, field: str) -> tuple[str, str]:
            return (f"{name} {value}\n", DIFFERS if s.differs(field) else AGREES)

        parts: list = [
            (f"{self.key(f'review.take_{ascii_uppercase[i].lower()}')} ", "bold reverse"),
            (f" {visible(v.annotator)}\n", "bold"),
            line("block", labels.block_type or s.here.block_type, "block_type"),
            line("mode", MODE_NAMES[labels.mode] if labels.mode else "—", "mode"),
            line("claim", CLAIM_NAMES[labels.claim] if labels.claim else "—", "claim"),
            line("flags", ", ".join(FLAG_NAMES[f] for f in labels.flags) or "none", "flags"),
        ]
        for n, q in enumerate(labels.quotes, start=1):
            style = AGREES if quote_key(q) in shared else DIFFERS
            text = " … ".join(c.text for c in q.content)
            short = text if len(text) <= 30 else text[:28] + "…"
            detail = ", ".join(
                d
                for d in (f"cue {q.cue.text}" if q.cue else "", f"source {q.source.text}" if q.source else "")
                if d
            )
            parts.append(
                (
                    f"{n}. {q.type}: «{visible(short)}»" + (f" ({visible(detail)})" if detail else "") + "\n",
                    style,
                )
            )
        if not labels.quotes:
            parts.append(("no quotes\n", DIFFERS if s.differs_quotes() else AGREES))
        # the sentence with this version's spans last: a small terminal cuts it, not the labels
        parts += ["\n", render.sentence(s.here.text, labels.quotes)]
        return Content.assemble(*parts)

    async def action_take(self, index: int) -> None:
        if index >= len(self.session.versions):
            self.notify(f"There is no version {ascii_uppercase[index]} here.", severity="warning")
            return
        await self.decide(partial(self.session.take, index))
