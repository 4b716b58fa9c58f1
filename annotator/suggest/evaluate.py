"""Scoring the engine against hand-annotated gold (tests/fixtures): quote content, cue, source and
type, block type, mode and claim precision, and the keys an annotator types with and without
suggestions.

A gold file has one JSON line per sentence of its documents, in order: `doc`, `text`,
`block_type`, optionally `part` (`tune`, the default, or `heldout`), and for labelled blocks
`mode`, `claim` and `quotes` whose spans are written as the text they cover, where it stands as
whole words; a piece that stands more than once is written `["il", 2]` (its second place).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import orjson

from annotator import matching
from annotator.corpus.pipeline import analyse
from annotator.corpus.reader import read_inputs
from annotator.errors import UserError
from annotator.model import Quote, SentenceLabels, Span
from annotator.scheme import LABELLED_BLOCK_TYPES
from annotator.suggest.engine import suggest_document

PARTS = ("tune", "heldout")  # rules are tuned on the first only


@dataclass
class Pair:
    text: str
    gold_block: str
    pred_block: str
    gold: SentenceLabels | None  # None: a block that gets no labels
    pred: SentenceLabels
    doc_id: str = ""
    document: str = ""  # the document's text, which the sentence starts at `start` of
    start: int = 0
    part: str = "tune"


def _span(text: str, piece: str | list | None, where: str) -> Span | None:
    """The place `piece` stands in the sentence as whole words (a gold source "il" is never the
    end of "Flamanville"): the only one, or the n-th for `[piece, n]`; an ambiguous piece is
    refused, not resolved to its first place."""
    if piece is None:
        return None
    nth: int | None = None
    if isinstance(piece, list):
        if len(piece) != 2 or not isinstance(piece[0], str) or not isinstance(piece[1], int):
            raise UserError(f"{where}: a piece is a string or [string, place]; got {piece!r}")
        nth = piece[1]
        piece = piece[0]
    assert isinstance(piece, str)
    found = [at for at in _places(text, piece) if _whole_words(text, at, at + len(piece))]
    if not found:
        raise UserError(f"{where}: {piece!r} is not in the sentence as whole words")
    if nth is not None:
        if not 1 <= nth <= len(found):
            raise UserError(f"{where}: {piece!r} stands {len(found)} times in the sentence, not {nth}")
        at = found[nth - 1]
    elif len(found) > 1:
        raise UserError(f"{where}: {piece!r} stands {len(found)} times in the sentence; write [{piece!r}, N]")
    else:
        at = found[0]
    return Span(start=at, end=at + len(piece), text=piece)


def _places(text: str, piece: str) -> list[int]:
    out, at = [], text.find(piece)
    while at >= 0:
        out.append(at)
        at = text.find(piece, at + 1)
    return out


def _whole_words(text: str, start: int, end: int) -> bool:
    """Whether text[start:end] neither begins nor ends inside a word."""
    inside_before = start > 0 and text[start - 1].isalnum() and text[start].isalnum()
    inside_after = end < len(text) and text[end].isalnum() and text[end - 1].isalnum()
    return not (inside_before or inside_after)


def gold_labels(line: dict, where: str) -> SentenceLabels:
    text = line["text"]
    quotes = [
        Quote(
            type=q["type"],
            content=[_span(text, c, where) for c in q["content"]],
            cue=_span(text, q.get("cue"), where),
            source=_span(text, q.get("source"), where),
            speaker=q.get("speaker"),
        )
        for q in line["quotes"]
    ]
    return SentenceLabels(mode=line["mode"], claim=line["claim"], quotes=quotes)


def pairs(gold_file: Path, docs: list[Path], *, parser: bool = False) -> list[Pair]:
    """Gold and engine output side by side, sentence by sentence (`parser`: the engine with its
    dependency-parse repair)."""
    predicted: dict[str, list[tuple[str, str, SentenceLabels, int]]] = {}
    texts: dict[str, str] = {}
    for doc in read_inputs(docs):
        a = analyse(doc)
        suggested = suggest_document(a.text, a.blocks, a.types, parser=parser)
        texts[a.doc_id] = a.text
        predicted[a.doc_id] = [
            (
                a.text[s:e],
                a.types[b].block_type,
                SentenceLabels.model_validate_json(got.labels) if got.labels else SentenceLabels(),
                s,
            )
            for (b, s, e), got in zip(a.sentences(), suggested, strict=True)
        ]
    out = []
    cursor: Counter[str] = Counter()
    for n, raw in enumerate(gold_file.read_bytes().splitlines(), start=1):
        line = orjson.loads(raw)
        where = f"{gold_file}:{n}"
        sentences = predicted.get(line["doc"])
        if sentences is None:
            raise UserError(f"{where}: no document {line['doc']!r}")
        i = cursor[line["doc"]]
        if i >= len(sentences) or sentences[i][0] != line["text"]:
            raise UserError(f"{where}: the sentences of {line['doc']} no longer match the gold")
        cursor[line["doc"]] += 1
        text, block, pred, start = sentences[i]
        gold = gold_labels(line, where) if line["block_type"] in LABELLED_BLOCK_TYPES else None
        part = line.get("part", "tune")
        if part not in PARTS:
            raise UserError(f"{where}: part {part!r} is not one of {', '.join(PARTS)}")
        out.append(
            Pair(text, line["block_type"], block, gold, pred, line["doc"], texts[line["doc"]], start, part)
        )
    return out


# ------------------------------------------------------------------------------------ metrics


@dataclass
class PRF:
    tp: int = 0
    pred: int = 0
    gold: int = 0

    @property
    def precision(self) -> float:
        return self.tp / self.pred if self.pred else 1.0

    @property
    def recall(self) -> float:
        return self.tp / self.gold if self.gold else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def match_quotes(gold: list[Quote], pred: list[Quote]) -> list[tuple[Quote, Quote]]:
    return [(gold[i], pred[j]) for i, j in matching.match_quotes(gold, pred)]


def _match_spans(gold: list[Span], pred: list[Span], exact: bool) -> int:
    used, tp = set(), 0
    for p in pred:
        for gi, g in enumerate(gold):
            ok = (
                (g.start, g.end) == (p.start, p.end)
                if exact
                else matching.overlap([g], [p]) >= matching.OVERLAP
            )
            if gi not in used and ok:
                used.add(gi)
                tp += 1
                break
    return tp


@dataclass
class Scores:
    content: PRF = field(default_factory=PRF)  # IoU ≥ 0.5
    content_03: PRF = field(default_factory=PRF)  # coverage ≥ 0.3 (the Gender Gap Tracker's thresholds)
    content_08: PRF = field(default_factory=PRF)  # coverage ≥ 0.8
    cue: PRF = field(default_factory=PRF)
    source: PRF = field(default_factory=PRF)
    type: PRF = field(default_factory=PRF)
    blocks: int = 0
    blocks_right: int = 0
    mode: PRF = field(default_factory=PRF)  # tp = right where not null, pred = not null, gold = labelled
    claim: PRF = field(default_factory=PRF)
    sentences: int = 0  # labelled gold sentences
    keys_without: int = 0
    keys_with: int = 0

    @property
    def block_accuracy(self) -> float:
        return self.blocks_right / self.blocks if self.blocks else 1.0


QUOTE_KEYS = 2  # q to open the editor, enter to save
SPAN_KEYS = 4  # move to the start, v, move to the end, the role key (a lower bound)


def quote_keys(q: Quote) -> int:
    spans = len(q.content) + (q.cue is not None) + (q.source is not None)
    return QUOTE_KEYS + SPAN_KEYS * spans + (q.type != "direct")


def keys_with(gold: SentenceLabels, pred: SentenceLabels) -> int:
    """Keys to turn the suggestion into the gold labels (flags and notes left out of both)."""
    keys = 0
    matched = match_quotes(gold.quotes, pred.quotes)
    for g, p in matched:
        wrong = (
            ([(s.start, s.end) for s in g.content] != [(s.start, s.end) for s in p.content])
            + (g.cue != p.cue)
            + (g.source != p.source)
        )
        if wrong or g.type != p.type:
            keys += QUOTE_KEYS + SPAN_KEYS * wrong + (g.type != p.type)
    keys += sum(quote_keys(g) for g in gold.quotes if all(g is not m[0] for m in matched))
    keys += 3 * (len(pred.quotes) - len(matched))  # q, d, enter: delete a wrong quote
    fixes = (pred.mode != gold.mode) + (pred.claim != gold.claim)
    return keys + (fixes or 1)  # the last label key moves on; otherwise enter accepts


def keys_without(gold: SentenceLabels) -> int:
    return 2 + sum(quote_keys(q) for q in gold.quotes)


def score(items: list[Pair]) -> Scores:
    sc = Scores()
    for item in items:
        sc.blocks += 1
        sc.blocks_right += item.gold_block == item.pred_block
        if item.gold is None:
            continue
        gold, pred = item.gold, item.pred
        sc.sentences += 1
        matched = match_quotes(gold.quotes, pred.quotes)
        for prf, tp in (
            (sc.content, len(matched)),
            (sc.content_03, len(matching.match_quotes(gold.quotes, pred.quotes, 0.3, matching.coverage))),
            (sc.content_08, len(matching.match_quotes(gold.quotes, pred.quotes, 0.8, matching.coverage))),
            (sc.type, sum(g.type == p.type for g, p in matched)),
        ):
            prf.tp += tp
            prf.pred += len(pred.quotes)
            prf.gold += len(gold.quotes)
        for name, exact, prf in (("cue", True, sc.cue), ("source", False, sc.source)):
            g_spans = [getattr(q, name) for q in gold.quotes if getattr(q, name)]
            p_spans = [getattr(q, name) for q in pred.quotes if getattr(q, name)]
            prf.tp += _match_spans(g_spans, p_spans, exact)
            prf.pred += len(p_spans)
            prf.gold += len(g_spans)
        for name, prf in (("mode", sc.mode), ("claim", sc.claim)):
            p = getattr(pred, name)
            prf.gold += 1
            if p is not None:
                prf.pred += 1
                prf.tp += p == getattr(gold, name)
        sc.keys_without += keys_without(gold)
        sc.keys_with += keys_with(gold, pred)
    return sc
