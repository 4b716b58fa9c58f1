"""Quotation marks: the one table of mark characters and the one pairing routine.

Segmentation, the suggestion engine and the quote editor all pair marks with `pairs()`; they
differ only where their jobs differ, and say so through its options:
- segmentation also pairs parentheses, and lets pairs of different marks cross (a sentence is
  not cut inside any of them);
- the suggestion engine keeps marks left dangling: a mark that can only close, with nothing open,
  closes a quotation opened before the block, and a mark left open runs to the block's end;
- the quote editor takes the innermost pair around the cursor.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

PAIRS = {"«": "»", "“": "”", "‹": "›"}  # typographic marks: opening -> closing
CLOSERS = {v: k for k, v in PAIRS.items()}
STRAIGHT = '"'  # opens and closes alike: paired in order of appearance
OPENING = "«“‹" + STRAIGHT  # every mark that can open a quotation
CLOSING = "»”›" + STRAIGHT  # every mark that can close one
MARKS = "«»“”‹›" + STRAIGHT
# The straight apostrophe quotes on some sites ('Vostok'); only the quote editor trims it from a
# span's edges and stops on it: elsewhere it is an apostrophe (l'armée).
APOSTROPHE = "'"

MARK = re.compile(f"[{MARKS}]")
_BRACKETS = {"(": ")"}
_MARK_OR_BRACKET = re.compile(f"[{MARKS}()]")


@dataclass(frozen=True, slots=True)
class Pair:
    """A quotation: `open` is the opening mark's offset (None: opened before the text), `close`
    the closing mark's (None: still open at its end)."""

    open: int | None
    close: int | None

    def inner(self, length: int) -> tuple[int, int]:
        """What lies between the marks, in a text of `length` characters."""
        return (0 if self.open is None else self.open + 1), (length if self.close is None else self.close)


def _only_closes(text: str, i: int, start: int, end: int) -> bool:
    """A straight quote that can only close: punctuation or the end of the text after it, or a
    letter right before it and no word right after it."""
    rest = text[i + 1 : end].lstrip(" \u00a0")
    if not rest or rest[0] in ".,;:!?)]»”":
        return True
    before = text[i - 1] if i > start else " "
    return not before.isspace() and not text[i + 1].isalnum()


def pairs(
    text: str,
    start: int = 0,
    end: int | None = None,
    *,
    brackets: bool = False,
    crossing: bool = False,
    dangling: bool = False,
) -> list[Pair]:
    """The pairs of marks in text[start:end], in offsets of `text`.

    A closing mark closes the latest open mark of its kind. Without `crossing`, marks opened
    after that one are dropped (they were never closed inside it); with it they stay open.
    `brackets`: parentheses pair too. `dangling`: also the marks that found no partner, as
    pairs with one side None (see the module's docstring). Straight quotes pair in order."""
    end = len(text) if end is None else end
    opening = {**PAIRS, **_BRACKETS} if brackets else PAIRS
    closing = {v: k for k, v in opening.items()}
    found: list[Pair] = []
    stack: list[tuple[str, int]] = []
    straight: int | None = None
    for m in (_MARK_OR_BRACKET if brackets else MARK).finditer(text, start, end):
        i, ch = m.start(), m.group()
        if ch in opening:
            stack.append((ch, i))
        elif ch in closing:
            for k in range(len(stack) - 1, -1, -1):
                if stack[k][0] == closing[ch]:
                    found.append(Pair(stack[k][1], i))
                    del stack[k : k + 1 if crossing else len(stack)]
                    break
            else:
                if dangling and not stack and not found:
                    found.append(Pair(None, i))  # a quotation carried over from the previous paragraph
        elif straight is not None:
            found.append(Pair(straight, i))
            straight = None
        elif dangling and not found and _only_closes(text, i, start, end) and text[start:i].strip():
            found.append(Pair(None, i))
        else:
            straight = i
    if dangling:
        found.extend(Pair(o, None) for _, o in stack)
        if straight is not None:
            found.append(Pair(straight, None))
    return found


def closed(found: list[Pair]) -> list[tuple[int, int]]:
    """(open, close) of pairs asked for without `dangling`, which always have both sides."""
    return [(p.open, p.close) for p in found if p.open is not None and p.close is not None]


def outermost(found: list[Pair], length: int) -> list[Pair]:
    """The pairs no other pair contains, in order: an inner quotation belongs to the outer one."""
    spans = sorted(found, key=lambda s: (s.inner(length)[0], -s.inner(length)[1]))
    out: list[Pair] = []
    end = -1
    for s in spans:
        a, b = s.inner(length)
        if a >= end:
            out.append(s)
            end = b
    return out


def stretches(text: str) -> list[Pair]:
    """The outermost quotations of a block, dangling marks included (the suggestion engine's view)."""
    return outermost(pairs(text, dangling=True), len(text))


def innermost_around(text: str, pos: int) -> tuple[int, int] | None:
    """(open, close) offsets of the innermost pair of marks around `pos` (the quote editor's view)."""
    best: tuple[int, int] | None = None
    for o, c in closed(pairs(text)):
        if o < pos <= c and (best is None or o > best[0]):
            best = (o, c)
    return best
