"""Inter-annotator agreement: Cohen's kappa per pair, Krippendorff's alpha over everyone, span
precision/recall/F1 for quotes, confusion tables, per document.

Only finished (`done`) decisions count, and only the annotators' own layers: adjudicated labels
are the reviewer's verdict, not a further opinion. A pair is compared on the sentences both
finished; alpha takes every sentence at least two annotators finished (missing values allowed).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from itertools import combinations

from annotator.matching import OVERLAP, match_quotes
from annotator.model import Quote, SentenceLabels
from annotator.scheme import BLOCK_TYPES, CLAIMS, MODES

# The nominal labels compared sentence by sentence, each with its categories in a fixed order.
FIELDS: dict[str, tuple[str, ...]] = {
    "block_type": BLOCK_TYPES,
    "mode": MODES,
    "claim": CLAIMS,
}


@dataclass(frozen=True, slots=True)
class Decision:
    """One annotator's finished labels on one sentence, with the rules' block type (which a
    finished decision without a block type of its own confirms)."""

    doc_id: str
    annotator: str
    block_type: str
    labels: SentenceLabels

    def value(self, field: str) -> str | None:
        if field == "block_type":
            return self.labels.block_type or self.block_type
        return getattr(self.labels, field)


# sentence -> annotator -> decision
Table = dict[int, dict[str, Decision]]


def quote_key(q: Quote) -> tuple:
    """What makes two quotes the same quote (the speaker's spelling aside)."""
    return (
        q.type,
        tuple((s.start, s.end) for s in q.content),
        (q.cue.start, q.cue.end) if q.cue else None,
        (q.source.start, q.source.end) if q.source else None,
    )


def same(a: SentenceLabels, b: SentenceLabels) -> bool:
    """Agreement as the review sees it: block type, mode, claim, flags and quotes (notes are not compared)."""
    return (a.block_type, a.mode, a.claim, tuple(a.flags), sorted(map(quote_key, a.quotes))) == (
        b.block_type,
        b.mode,
        b.claim,
        tuple(b.flags),
        sorted(map(quote_key, b.quotes)),
    )


# ------------------------------------------------------------------------ coefficients


def cohen_kappa(a: Sequence[Hashable], b: Sequence[Hashable]) -> float | None:
    """Cohen's kappa of two annotators' labels on the same items; None when chance agreement is
    total (both always gave one and the same label), where kappa is undefined."""
    n = len(a)
    if n == 0 or n != len(b):
        return None
    observed = sum(x == y for x, y in zip(a, b, strict=True)) / n
    ca, cb = Counter(a), Counter(b)
    expected = sum(ca[k] * cb[k] for k in ca) / (n * n)
    if expected == 1:
        return None
    return (observed - expected) / (1 - expected)


def krippendorff_alpha(units: Sequence[Sequence[Hashable]]) -> float | None:
    """Krippendorff's alpha for nominal data. `units` holds, per item, the values the annotators
    gave (missing ones left out); items with fewer than two values are not pairable and ignored.
    None when there is no disagreement to expect (a single value throughout)."""
    coincidences: dict[tuple[Hashable, Hashable], float] = defaultdict(float)
    for values in units:
        m = len(values)
        if m < 2:
            continue
        counts = Counter(values)
        for c, nc in counts.items():
            for k, nk in counts.items():
                pairs = nc * (nk - 1) if c == k else nc * nk
                coincidences[c, k] += pairs / (m - 1)
    totals: dict[Hashable, float] = defaultdict(float)
    for (c, _), v in coincidences.items():
        totals[c] += v
    n = sum(totals.values())
    if n <= 1:
        return None
    observed = sum(v for (c, k), v in coincidences.items() if c != k)
    expected = sum(totals[c] * totals[k] for c in totals for k in totals if c != k) / (n - 1)
    if expected == 0:
        return None
    return 1 - observed / expected


def confusion(a: Sequence[str], b: Sequence[str], categories: Sequence[str]) -> list[list[int]]:
    """Rows: the first annotator's label; columns: the second's."""
    index = {c: i for i, c in enumerate(categories)}
    matrix = [[0] * len(categories) for _ in categories]
    for x, y in zip(a, b, strict=True):
        matrix[index[x]][index[y]] += 1
    return matrix


# ------------------------------------------------------------------------ quotes


class SpanCounts:
    """True positives and sizes of each side, per quote part, for one annotator against another."""

    PARTS = ("content_exact", "content_overlap", "cue", "source")

    def __init__(self) -> None:
        self.tp: Counter[str] = Counter()
        self.a: Counter[str] = Counter()
        self.b: Counter[str] = Counter()
        self.matched = 0
        self.same_type = 0

    def add(self, qa: Sequence[Quote], qb: Sequence[Quote]) -> None:
        def spans(qs: Sequence[Quote], part: str) -> Counter:
            if part == "content_exact":
                return Counter(tuple((s.start, s.end) for s in q.content) for q in qs)
            return Counter((s.start, s.end) for q in qs if (s := getattr(q, part)) is not None)

        for part in ("content_exact", "cue", "source"):
            sa, sb = spans(qa, part), spans(qb, part)
            self.tp[part] += sum((sa & sb).values())
            self.a[part] += sum(sa.values())
            self.b[part] += sum(sb.values())
        pairs = match_quotes(qa, qb)
        self.tp["content_overlap"] += len(pairs)
        self.a["content_overlap"] += len(qa)
        self.b["content_overlap"] += len(qb)
        self.matched += len(pairs)
        self.same_type += sum(qa[i].type == qb[j].type for i, j in pairs)

    def merge(self, other: SpanCounts) -> None:
        self.tp.update(other.tp)
        self.a.update(other.a)
        self.b.update(other.b)
        self.matched += other.matched
        self.same_type += other.same_type

    def scores(self) -> dict:
        out: dict = {}
        for part in self.PARTS:
            tp, na, nb = self.tp[part], self.a[part], self.b[part]
            p = tp / na if na else None
            r = tp / nb if nb else None
            f1 = 2 * tp / (na + nb) if na + nb else None
            out[part] = {"precision": p, "recall": r, "f1": f1, "matched": tp, "first": na, "second": nb}
        out["type_agreement"] = self.same_type / self.matched if self.matched else None
        out["matched_quotes"] = self.matched
        return out


# ------------------------------------------------------------------------ the report


def _pair_key(a: str, b: str) -> str:
    return f"{a} | {b}"


def units(table: Table, field: str) -> list[list[str]]:
    """Per sentence, the values the annotators gave for `field` (unset ones left out): alpha's input."""
    return [
        [v for d in decisions.values() if (v := d.value(field)) is not None] for decisions in table.values()
    ]


def _field_report(table: Table, annotators: list[str], field: str) -> dict:
    categories = FIELDS[field]
    pairs = {}
    kappas = []
    total = [[0] * len(categories) for _ in categories]
    for a, b in combinations(annotators, 2):
        xs, ys = [], []
        for decisions in table.values():
            if a in decisions and b in decisions:
                x, y = decisions[a].value(field), decisions[b].value(field)
                if x is not None and y is not None:
                    xs.append(x)
                    ys.append(y)
        if not xs:
            continue
        kappa = cohen_kappa(xs, ys)
        matrix = confusion(xs, ys, categories)
        for i, row in enumerate(matrix):
            for j, v in enumerate(row):
                total[i][j] += v
        if kappa is not None:
            kappas.append(kappa)
        pairs[_pair_key(a, b)] = {
            "items": len(xs),
            "observed_agreement": sum(x == y for x, y in zip(xs, ys, strict=True)) / len(xs),
            "kappa": kappa,
            "confusion": matrix,
        }
    pairable = [u for u in units(table, field) if len(u) >= 2]
    return {
        "categories": list(categories),
        "items": len(pairable),
        "alpha": krippendorff_alpha(pairable),
        "mean_kappa": sum(kappas) / len(kappas) if kappas else None,
        "pairs": pairs,
        "confusion": total,
    }


def _quote_report(table: Table, annotators: list[str]) -> dict:
    overall = SpanCounts()
    pairs = {}
    for a, b in combinations(annotators, 2):
        counts = SpanCounts()
        shared = 0
        for decisions in table.values():
            if a in decisions and b in decisions:
                shared += 1
                counts.add(decisions[a].labels.quotes, decisions[b].labels.quotes)
        if shared:
            pairs[_pair_key(a, b)] = {"items": shared, **counts.scores()}
            overall.merge(counts)
    return {"overall": overall.scores(), "pairs": pairs}


def report(table: Table) -> dict:
    """Everything `annotator agree` prints, as plain data (the `--json` output)."""
    compared = {sid: d for sid, d in table.items() if len(d) >= 2}
    annotators = sorted({a for d in table.values() for a in d})
    out: dict = {
        "annotators": annotators,
        "sentences_compared": len(compared),
        "labels": {field: _field_report(compared, annotators, field) for field in FIELDS},
        "quotes": _quote_report(compared, annotators),
        "documents": {},
    }
    by_doc: dict[str, Table] = {}
    for sid, decisions in compared.items():
        doc_id = next(iter(decisions.values())).doc_id
        by_doc.setdefault(doc_id, {})[sid] = decisions
    for doc_id, sub in sorted(by_doc.items()):
        quotes = _quote_report(sub, annotators)["overall"]
        out["documents"][doc_id] = {
            "sentences": len(sub),
            **{field: krippendorff_alpha(units(sub, field)) for field in FIELDS},
            "quote_content_f1": quotes["content_overlap"]["f1"],
        }
    return out


def load(store, annotators: Sequence[str] | None = None) -> Table:
    """The finished decisions of the annotators' own layers (adjudicated labels left out, and
    projected ones: copies of a decision on a near-duplicate are not a further judgement)."""
    table: Table = {}
    names = list(annotators) if annotators else None
    for sid, doc_id, annotator, block_type, labels in store.finished_decisions(names, projected=False):
        table.setdefault(sid, {})[annotator] = Decision(
            doc_id, annotator, block_type, SentenceLabels.model_validate_json(labels)
        )
    return table


# ------------------------------------------------------------------------ the table in the terminal


def _num(x: float | None, digits: int = 3) -> str:
    return "—" if x is None else f"{x:.{digits}f}"


def format_report(r: dict) -> str:
    if not r["sentences_compared"]:
        who = ", ".join(r["annotators"]) or "nobody"
        return (
            f"No sentence has been finished by two annotators yet (annotators: {who}).\n"
            "Serve shared sentences with `annotator label --overlap 0.2 --team A,B`."
        )
    lines = [
        f"Agreement of {', '.join(r['annotators'])} on {r['sentences_compared']} sentences finished by "
        "two or more of them",
        *(
            [f"({r['projected_left_out']} projected decisions, carried from near-duplicates, left out)"]
            if r.get("projected_left_out")
            else []
        ),
        "",
        f"{'label':<12}{'items':>7}{'alpha':>9}{'mean κ':>9}   pairs (κ, observed agreement)",
    ]
    for field, f in r["labels"].items():
        pairs = "; ".join(
            f"{k}: {_num(p['kappa'])}, {_num(p['observed_agreement'], 2)}" for k, p in f["pairs"].items()
        )
        lines.append(f"{field:<12}{f['items']:>7}{_num(f['alpha']):>9}{_num(f['mean_kappa']):>9}   {pairs}")
    q = r["quotes"]["overall"]
    lines += ["", f"{'quotes':<18}{'precision':>10}{'recall':>8}{'F1':>7}{'matched':>9}"]
    names = {
        "content_exact": "content (exact)",
        "content_overlap": f"content (≥{OVERLAP:g})",
        "cue": "cue",
        "source": "source",
    }
    for part, name in names.items():
        s = q[part]
        lines.append(
            f"{name:<18}{_num(s['precision']):>10}{_num(s['recall']):>8}{_num(s['f1']):>7}{s['matched']:>9}"
        )
    lines.append(
        f"{'type agreement':<18}{_num(q['type_agreement']):>10} on {q['matched_quotes']} matched quotes"
    )
    for field, f in r["labels"].items():
        if not f["items"]:
            continue
        cats = f["categories"]
        width = max(len(c) for c in cats) + 2
        lines += ["", f"confusion: {field} (rows: first of each pair, columns: second)"]
        lines.append(" " * width + "".join(f"{c[:10]:>12}" for c in cats))
        for c, row in zip(cats, f["confusion"], strict=True):
            if any(row) or any(r2[cats.index(c)] for r2 in f["confusion"]):
                lines.append(f"{c:<{width}}" + "".join(f"{v:>12}" for v in row))
    lines += [
        "",
        f"{'document':<36}{'sent.':>6}" + "".join(f"{'α ' + k:>14}" for k in FIELDS) + f"{'quote F1':>10}",
    ]
    for doc_id, d in r["documents"].items():
        lines.append(
            f"{doc_id[:35]:<36}{d['sentences']:>6}"
            + "".join(f"{_num(d[k]):>14}" for k in FIELDS)
            + f"{_num(d['quote_content_f1']):>10}"
        )
    return "\n".join(lines)
