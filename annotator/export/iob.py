"""CoNLL-style IOB files, one per split: a token and its tag per line (B-/I- CONTENT, CUE,
SOURCE, or O), a blank line between sentences, `# id`, `# text`, `# mode` and `# claim` comments.

Tokens are the labelling screen's words and punctuation marks. Offset policy (as for spaCy): a
token that a span touches takes the span's tag (expand); a span that does not fall on token
boundaries is counted as snapped; where two spans claim one token (nested quotes), the first
keeps it and the overlap is counted."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

from annotator.corpus.tokens import tokens
from annotator.files import StagedFile
from annotator.model import ExportRecord


def tagged(r: ExportRecord, counts: Counter) -> list[tuple[str, str]]:
    toks = tokens(r.text)
    tags = ["O"] * len(toks)
    for q in r.labels.quotes:
        for role, s in q.spans():
            covered = [i for i, t in enumerate(toks) if t.start < s.end and s.start < t.end]
            if not covered:
                counts["dropped"] += 1
                continue
            first, last = toks[covered[0]], toks[covered[-1]]
            counts["snapped" if (first.start, last.end) != (s.start, s.end) else "exact"] += 1
            if any(tags[i] != "O" for i in covered):
                counts["overlapping"] += 1
                continue
            for n, i in enumerate(covered):
                tags[i] = f"{'B' if n == 0 else 'I'}-{role.upper()}"
    return [(r.text[t.start : t.end], tag) for t, tag in zip(toks, tags, strict=True)]


def _comment(value: str | None) -> str:
    """A value on one comment line: a newline (in a text, or in an id from a file name) would
    start a line the reader takes for a token."""
    return (value or "").replace("\n", " ").replace("\r", " ")


def write(split: str, records: list[ExportRecord], stage: Callable[[str], StagedFile]) -> dict[str, Counter]:
    counts: Counter = Counter()
    out = []
    for r in records:
        out.append(
            f"# id = {_comment(r.id)}\n# text = {_comment(r.text)}\n# annotator = {_comment(r.annotator)}\n"
        )
        out.append(f"# mode = {r.labels.mode or '_'}\n# claim = {r.labels.claim or '_'}\n")
        out.extend(f"{tok}\t{tag}\n" for tok, tag in tagged(r, counts))
        out.append("\n")
    stage(f"{split}.iob").write("".join(out).encode())
    return {"spans": counts}
