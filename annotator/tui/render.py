"""Content for the screens: corpus text is data, always shown through `visible()` and never parsed
as markup; highlights are spans laid over it."""

from __future__ import annotations

from itertools import groupby
from typing import TYPE_CHECKING

from textual.content import Content
from textual.style import Style

from annotator.corpus.text import visible
from annotator.scheme import LABELLED_BLOCK_TYPES

# Types only: the labelling screen paints before the quote editor (or the models) are loaded.
if TYPE_CHECKING:
    from annotator.labelling.quotes import QuoteDraft
    from annotator.labelling.session import Piece, Progress
    from annotator.model import Quote

ROLE_STYLES = {
    "content": "underline #e5c07b",
    "cue": "bold #c678dd",
    "source": "bold #56b6c2",
}
SUGGESTED = " italic"  # added to a role's style when the labels are an unconfirmed suggestion
CURSOR = "reverse"
SELECTION = "on #3e4451"
FOUND = "black on #e5c07b"


def sentence(
    text: str, quotes: list[Quote], *, suggested: bool = False, found: tuple[int, int] | None = None
) -> Content:
    """The current sentence with every quote's content, cue and source highlighted, and where a
    search matched it."""
    content = Content(visible(text), strip_control_codes=False)
    for quote in quotes:
        for role, span in quote.spans():
            content = content.stylize(
                ROLE_STYLES[role] + (SUGGESTED if suggested else ""), span.start, span.end
            )
    if found is not None:
        content = content.stylize(FOUND, *found)
    return content


def draft(d: QuoteDraft, others: list[Quote]) -> Content:
    """The quote editor's view: other quotes dimmed, the draft's spans, the selection and cursor.
    Every token carries its index (meta) so the mouse can place the cursor and select."""
    content = Content(visible(d.text), strip_control_codes=False)
    for quote in others:
        for _, span in quote.spans():
            content = content.stylize("dim", span.start, span.end)
    for i, tok in enumerate(d.toks):
        content = content.stylize(Style.from_meta({"token": i}), tok.start, tok.end)
    roles = [("content", s) for s in d.content] + [("cue", d.cue), ("source", d.source)]
    for role, chars in roles:
        if chars:
            content = content.stylize(ROLE_STYLES[role], *chars)
    start, end = d.selection()
    content = content.stylize(SELECTION, start, end)
    tok = d.toks[d.cursor]
    return content.stylize(CURSOR, tok.start, tok.end)


def hinted(d: QuoteDraft, labels: list[str], typed: str) -> Content:
    """The sentence with a jump label before every word (the letters typed so far dimmed in
    the labels that still match; the others hidden)."""
    parts: list[str | tuple[str, str]] = []
    at = 0
    for tok, label in zip(d.toks, labels, strict=True):
        parts.append(visible(d.text[at : tok.start]))
        if label.startswith(typed):
            parts.append((label[len(typed) :], "bold reverse #e5c07b"))
        parts.append(visible(d.text[tok.start : tok.end]))
        at = tok.end
    parts.append(visible(d.text[at:]))
    return Content.assemble(*parts)


BLOCK_STYLES = {"headline": "bold", "caption": "italic", "comment": "italic"}
COMMENT_MARK = ("▌ reader comment ", "bold #61afef")
FINISHED_MARK = ("✓ ", "#98c379")


def context(pieces: list[Piece], *, show_all: bool) -> Content:
    """The sentences around the current one, block by block: a blank line between blocks,
    intertitles bold, captions in italics, a reader comment marked as one, a teaser or
    boilerplate block as one dim line (unless shown), ✓ before each sentence already finished."""
    parts: list[str | tuple[str, str]] = []
    for _, group in groupby(pieces, key=lambda p: p.block):
        block = list(group)
        kind = block[0].block_type
        if parts:
            parts.append("\n\n")
        if kind not in LABELLED_BLOCK_TYPES and not show_all:
            parts.append((f"⋯ {kind} hidden (b shows it)", "dim italic"))
            continue
        if kind == "comment":
            parts.append(COMMENT_MARK)
        for k, piece in enumerate(block):
            if k:
                parts.append(" ")
            if piece.finished:
                parts.append(FINISHED_MARK)
            parts.append((visible(piece.text), BLOCK_STYLES.get(kind, "")))
    return Content.assemble(*parts)


def bar(done: int, total: int, width: int = 16) -> str:
    filled = round(width * done / total) if total else 0
    return "█" * filled + "░" * (width - filled)


def duration(hours: float) -> str:
    minutes = round(hours * 60)
    if minutes < 60:
        return f"{minutes} min"
    return f"{minutes // 60} h {minutes % 60:02d}" if minutes < 48 * 60 else f"{minutes / 1440:.0f} days"


def progress_line(p: Progress) -> Content:
    rate = f" · {p.per_hour:.0f} sentences/h" if p.per_hour else ""
    if p.per_hour and p.done is not None and p.total is not None and p.total > p.done:
        rate += f" · about {duration((p.total - p.done) / p.per_hour)} left"
    overall = (
        f"overall {p.done}/{p.total} {bar(p.done, p.total)}"
        if p.done is not None and p.total is not None
        else "overall counting…"
    )
    return Content(f"document {p.doc_done}/{p.doc_total} {bar(p.doc_done, p.doc_total)}   {overall}{rate}")
