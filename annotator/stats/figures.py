"""The project's figures as plain data: what the dashboard draws, the report prints and
`annotator stats --json` gives to machines, all from one `figures()` call.

Read from the running tallies of the labels (store/tallies.py) and the sentences two annotators
share; the corpus is never loaded. Definitions:

- finished: done or skipped, in the annotators' own layers (a reviewer's verdicts apart). A
  sentence counts on the day (hour) of its last change.
- pace: sentences finished per active day over the annotator's last 7 active days; their finish
  date is today plus their remaining sentences at that pace, and the project's is the latest of
  those (the day every annotator's queue is empty).
- speed: sentences finished per hour of recorded time; seconds per sentence from the recorded
  times (bucketed: SECONDS_BUCKETS), with and without quotes.
- suggestions: of the finished decisions on sentences that had a suggestion, how many kept it
  unchanged (accepted), and which fields were changed.
- agreement: Krippendorff's alpha for mode and claim and the quote F1 (content overlap) on the
  sentences two annotators finished, as they accumulated day by day.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from datetime import UTC, date, datetime, timedelta

from annotator import agreement
from annotator.model import SentenceLabels
from annotator.store.tallies import COMPARED, SECONDS_BUCKETS

PACE_DAYS = 7
TOP_DOCUMENTS = 10


def now() -> datetime:
    """When the figures are read (a function, so that tests can fix it)."""
    return datetime.now(UTC)


def figures(store) -> dict:
    at = now()
    today = at.date()
    cells = list(store.tallies())
    own = [c for c in cells if c.origin != "adjudicated"]
    finished = [c for c in own if c.status in ("done", "skipped")]
    done = [c for c in own if c.status == "done"]
    annotators = sorted({c.annotator for c in finished})
    to_label = store.to_label()
    return {
        "generated_at": at.isoformat(timespec="seconds"),
        "to_label": to_label,
        "annotators": annotators,
        "reviewers": _reviewers(cells),
        "progress": _progress(store, finished, annotators, to_label, today),
        "speed": _speed(finished, annotators),
        "labels": _labels(done, store.tally_items()),
        "suggestions": _suggestions(done),
        "agreement": _agreement(store),
    }


def _count(cells, key) -> dict[str, int]:
    out: Counter[str] = Counter()
    for c in cells:
        out[key(c)] += c.n
    return {k: v for k, v in sorted(out.items()) if v}


def _reviewers(cells) -> dict[str, int]:
    return _count(
        (c for c in cells if c.origin == "adjudicated" and c.status == "done"), lambda c: c.annotator
    )


def _progress(store, finished, annotators: list[str], to_label: int, today: date) -> dict:
    per_day: dict[str, dict[str, int]] = {}
    per_hour: dict[str, dict[str, int]] = {}
    for a in annotators:
        mine = [c for c in finished if c.annotator == a]
        per_day[a] = _count(mine, lambda c: c.hour[:10])
        per_hour[a] = _count(mine, lambda c: c.hour)
    out: dict = {"per_day": per_day, "per_hour": per_hour, "annotators": {}}
    finishes = []
    for a in annotators:
        served = store.served_count(a, to_label)
        total = sum(per_day[a].values())
        recent = sorted(per_day[a])[-PACE_DAYS:]
        pace = sum(per_day[a][d] for d in recent) / len(recent) if recent else 0.0
        remaining = max(served - total, 0)
        finish = None
        if remaining == 0:
            finish = max(per_day[a]) if per_day[a] else today.isoformat()
        elif pace > 0:
            finish = (today + timedelta(days=math.ceil(remaining / pace))).isoformat()
        finishes.append(finish)
        out["annotators"][a] = {
            "finished": total,
            "served": served,
            "remaining": remaining,
            "pace_per_day": round(pace, 1),
            "finish": finish,
        }
    known = [f for f in finishes if f is not None]
    out["project_finish"] = max(known) if known and len(known) == len(finishes) else None
    return out


def _seconds(cells) -> dict:
    histogram: Counter[int] = Counter()
    timed = seconds = 0
    for c in cells:
        if c.seconds >= 0:
            histogram[c.seconds] += c.timed
        timed += c.timed
        seconds += c.seconds_sum
    return {
        "sentences": sum(c.n for c in cells),
        "timed": timed,
        "mean_seconds": round(seconds / timed, 1) if timed else None,
        "median_seconds": _median(histogram, timed),
        "histogram": {str(b): histogram.get(b, 0) for b in SECONDS_BUCKETS},
    }


def _median(histogram: Counter, total: int) -> float | None:
    """The median from the bucket counts, interpolated inside its bucket."""
    if not total:
        return None
    half, seen = total / 2, 0
    for lower, upper in zip(SECONDS_BUCKETS, [*SECONDS_BUCKETS[1:], SECONDS_BUCKETS[-1]], strict=True):
        n = histogram.get(lower, 0)
        if n and seen + n >= half:
            return round(lower + (upper - lower) * (half - seen) / n, 1)
        seen += n
    return float(SECONDS_BUCKETS[-1])


def _speed(finished, annotators: list[str]) -> dict:
    out = {}
    for a in annotators:
        mine = [c for c in finished if c.annotator == a]
        timed = sum(c.timed for c in mine)
        seconds = sum(c.seconds_sum for c in mine)
        out[a] = {
            "per_hour": round(timed * 3600 / seconds, 1) if seconds >= 60 else None,
            "with_quotes": _seconds([c for c in mine if c.quotes]),
            "without_quotes": _seconds([c for c in mine if not c.quotes]),
        }
    return out


def _labels(done, items) -> dict:
    def mix(key) -> dict:
        return {
            "overall": _count(done, key),
            "by_annotator": {a: _count([c for c in done if c.annotator == a], key) for a in _names(done)},
            "by_block_type": {
                b: _count([c for c in done if c.block_type == b], key)
                for b in sorted({c.block_type for c in done})
            },
        }

    out = {
        "sentences": sum(c.n for c in done),
        "quotes": sum(c.quote_n for c in done),
        "mode": mix(lambda c: c.mode or "unset"),
        "claim": mix(lambda c: c.claim or "unset"),
    }
    own = [i for i in items if i[1] == "done" and i[2] != "adjudicated"]
    for kind, name in (("quote", "quote_type"), ("flag", "flag")):
        rows = [i for i in own if i[4] == kind]
        total: Counter[str] = Counter()
        by_annotator: dict[str, Counter[str]] = defaultdict(Counter)
        by_block: dict[str, Counter[str]] = defaultdict(Counter)
        for annotator, _, _, block_type, _, value, n in rows:
            total[value] += n
            by_annotator[annotator][value] += n
            by_block[block_type][value] += n
        out[name] = {
            "overall": dict(sorted(total.items())),
            "by_annotator": {a: dict(sorted(c.items())) for a, c in sorted(by_annotator.items())},
            "by_block_type": {b: dict(sorted(c.items())) for b, c in sorted(by_block.items())},
        }
    return out


def _names(cells) -> list[str]:
    return sorted({c.annotator for c in cells})


def _suggestions(done) -> dict:
    suggested = [c for c in done if c.changed != "-"]
    accepted = sum(c.n for c in suggested if c.changed == "")
    changed: Counter[str] = Counter()
    for c in suggested:
        for name in filter(None, c.changed.split(",")):
            changed[name] += c.n
    with_suggestion = sum(c.n for c in suggested)
    return {
        "by_origin": {
            "overall": _count(done, lambda c: c.origin or "unknown"),
            **{
                a: _count([c for c in done if c.annotator == a], lambda c: c.origin or "unknown")
                for a in _names(done)
            },
        },
        "with_suggestion": with_suggestion,
        "accepted": accepted,
        "acceptance": round(accepted / with_suggestion, 3) if with_suggestion else None,
        "changed": {name: changed.get(name, 0) for name in COMPARED},
    }


def _agreement(store) -> dict:
    table: agreement.Table = {}
    shared_on: dict[int, str] = {}  # the day each sentence's last decision came
    for d, updated_at in store.shared_decisions():
        table.setdefault(d.sid, {})[d.annotator] = agreement.Decision(
            d.doc_id, d.annotator, d.block_type, SentenceLabels.model_validate_json(d.labels)
        )
        shared_on[d.sid] = max(shared_on.get(d.sid, ""), updated_at[:10])
    report = agreement.report(table)
    over_time = []
    cumulative: agreement.Table = {}
    for day in sorted(set(shared_on.values())):
        cumulative.update({sid: table[sid] for sid, on in shared_on.items() if on == day})
        step = agreement.report(cumulative)
        over_time.append(
            {
                "day": day,
                "sentences": step["sentences_compared"],
                "mode_alpha": step["labels"]["mode"]["alpha"],
                "claim_alpha": step["labels"]["claim"]["alpha"],
                "quote_f1": step["quotes"]["overall"]["content_overlap"]["f1"],
            }
        )
    disagreements: Counter[str] = Counter()
    compared: Counter[str] = Counter()
    for decisions in table.values():
        doc_id = next(iter(decisions.values())).doc_id
        compared[doc_id] += 1
        disagreements[doc_id] += _disagree(list(decisions.values()))
    top = [doc for doc, n in sorted(disagreements.items(), key=lambda kv: (-kv[1], kv[0])) if n][
        :TOP_DOCUMENTS
    ]
    titles = store.titles(top)
    return {
        "sentences_compared": report["sentences_compared"],
        "labels": {
            field: {"alpha": r["alpha"], "mean_kappa": r["mean_kappa"], "items": r["items"]}
            for field, r in report["labels"].items()
        },
        "quote_f1": report["quotes"]["overall"]["content_overlap"]["f1"],
        "over_time": over_time,
        "documents": [
            {
                "doc_id": doc,
                "title": titles[doc],
                "compared": compared[doc],
                "disagreements": disagreements[doc],
            }
            for doc in top
        ],
    }


def _disagree(decisions: list[agreement.Decision]) -> bool:
    """Whether annotators differ on the sentence, as the review queue sees it."""
    return any(not agreement.same(decisions[0].labels, d.labels) for d in decisions[1:])


PER_ANNOTATOR_SERIES = 4  # more annotators than this: one series for everyone, their figures in tables


def histograms(speed: dict) -> tuple[list[str], dict[str, list[int]]]:
    """The seconds-per-sentence histograms to plot: (bucket labels, series by name), with and
    without quotes, per annotator when they are few, else summed over everyone."""
    buckets = [f"{b}s" for b in SECONDS_BUCKETS]
    series: dict[str, list[int]] = {}
    for kind in ("with_quotes", "without_quotes"):
        label = kind.replace("_", " ")
        if len(speed) <= PER_ANNOTATOR_SERIES:
            for name, s in speed.items():
                series[f"{name}, {label}"] = list(s[kind]["histogram"].values())
        else:
            series[f"everyone, {label}"] = [
                sum(s[kind]["histogram"][str(b)] for s in speed.values()) for b in SECONDS_BUCKETS
            ]
    return buckets, series
