"""Pairs of quotation marks in a block: « », “ ”, ‹ › and straight quotes.

Straight quotes are paired in order within the block; a mark that can only close (a letter before
it, a space after it) with nothing open closes a quote opened before the block, and a mark left
open runs to the end of the block. Only outermost stretches are returned: an inner quote belongs
to the content of the outer one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

PAIRS = {"«": "»", "“": "”", "‹": "›"}
CLOSERS = {v: k for k, v in PAIRS.items()}

MARK = re.compile('[«»“”‹›"]')  # every quotation mark


@dataclass(frozen=True, slots=True)
class Stretch:
    """Quoted text in block offsets: `open` is the opening mark (None: opened before the block),
    `close` the closing mark (None: still open at the end of the block)."""

    open: int | None
    close: int | None

    def inner(self, length: int) -> tuple[int, int]:
        return (0 if self.open is None else self.open + 1), (length if self.close is None else self.close)


def _closes(text: str, i: int) -> bool:
    """A straight quote that can only close: punctuation or the end of the block after it, or a
    letter right before it and no word right after it."""
    rest = text[i + 1 :].lstrip(" \u00a0")
    if not rest or rest[0] in ".,;:!?)]»”":
        return True
    before = text[i - 1] if i else " "
    return not before.isspace() and not text[i + 1].isalnum()


def stretches(text: str) -> list[Stretch]:
    found: list[Stretch] = []
    stack: list[tuple[str, int]] = []
    straight: int | None = None
    for m in MARK.finditer(text):
        i, ch = m.start(), m.group()
        if ch in PAIRS:
            stack.append((ch, i))
        elif ch in CLOSERS:
            for k in range(len(stack) - 1, -1, -1):
                if stack[k][0] == CLOSERS[ch]:
                    found.append(Stretch(stack[k][1], i))
                    del stack[k:]
                    break
            else:
                if not stack and not found:
                    found.append(Stretch(None, i))  # a quote carried over from the previous paragraph
        elif ch == '"':
            if straight is not None:
                found.append(Stretch(straight, i))
                straight = None
            elif not found and _closes(text, i) and text[:i].strip():
                found.append(Stretch(None, i))
            else:
                straight = i
    found.extend(Stretch(o, None) for _, o in stack)
    if straight is not None:
        found.append(Stretch(straight, None))
    return outermost(found, len(text))


def outermost(found: list[Stretch], length: int) -> list[Stretch]:
    spans = sorted(found, key=lambda s: (s.inner(length)[0], -s.inner(length)[1]))
    out: list[Stretch] = []
    end = -1
    for s in spans:
        a, b = s.inner(length)
        if a >= end:
            out.append(s)
            end = b
    return out
