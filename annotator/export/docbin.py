"""spaCy `DocBin` files, one per split: a Doc per sentence record (tokenised by spaCy's blank
French tokenizer, no model needed), its quotes in `doc.spans["quotes"]` labelled content, cue and
source, its mode and claim in `doc.cats`, and the record's ids in `doc.user_data`.

Offset policy: a span that does not fall on token boundaries is expanded to the tokens it touches
(`alignment_mode="expand"`); every such span is counted as snapped in the manifest."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from functools import cache

from annotator.errors import UserError
from annotator.files import StagedFile
from annotator.model import ExportRecord
from annotator.scheme import CLAIMS, MODES


@cache
def _nlp():
    try:
        import spacy
    except ImportError:
        raise UserError("--format spacy needs spaCy: pip install 'annotator[spacy]'") from None
    return spacy.blank("fr")


def cats(r: ExportRecord) -> dict[str, float]:
    """One-hot `mode=…` and `claim=…` categories (all zero for an unset label)."""
    out = {}
    for field, names in (("mode", MODES), ("claim", CLAIMS)):
        value = getattr(r.labels, field)
        for name in names:
            out[f"{field}={name}"] = 1.0 if value == name else 0.0
    return out


def doc(r: ExportRecord, counts: Counter):
    nlp = _nlp()
    d = nlp.make_doc(r.text)
    spans = []
    for q in r.labels.quotes:
        for role, s in q.spans():
            span = d.char_span(s.start, s.end, label=role, alignment_mode="expand")
            if span is None:  # nothing but whitespace: no token to hold it
                counts["dropped"] += 1
                continue
            counts["snapped" if (span.start_char, span.end_char) != (s.start, s.end) else "exact"] += 1
            spans.append(span)
    d.spans["quotes"] = spans
    d.cats = cats(r)
    d.user_data.update(
        {
            "id": r.id,
            "doc_id": r.doc_id,
            "cluster": r.cluster,
            "block_type": r.labels.block_type or r.block_type,
            "annotator": r.annotator,
        }
    )
    return d


def write(split: str, records: list[ExportRecord], stage: Callable[[str], StagedFile]) -> dict[str, Counter]:
    from spacy.tokens import DocBin

    counts: Counter = Counter()
    bin_ = DocBin(store_user_data=True)
    for r in records:
        bin_.add(doc(r, counts))
    f = stage(f"{split}.spacy")
    f.write(bin_.to_bytes())
    return {"spans": counts}
