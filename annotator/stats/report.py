"""`annotator report`: the dashboard's figures as one self-contained HTML file a lead can mail.

The charts are SVG drawn by matplotlib and inlined: the file needs no script, no font and no
network to be read, prints as it shows, and mail clients that keep HTML keep it. (A Vega-Lite
report would need its JavaScript runtime, about 1 MB, inlined into every file.) The figures
themselves are embedded too, as the JSON `annotator stats --json` prints under `figures`, in a
`<script type="application/json" id="figures">` block that a machine can read back.
"""

from __future__ import annotations

import html
import io
from collections.abc import Mapping, Sequence
from pathlib import Path

import orjson

from annotator.errors import UserError
from annotator.files import StagedFile
from annotator.stats.figures import figures as compute
from annotator.stats.figures import histograms

COLOURS = ["#4c72b0", "#dd8452", "#55a868", "#c44e52", "#8172b3", "#937860", "#da8bc3", "#8c8c8c"]


def _matplotlib():
    try:
        import matplotlib
    except ImportError:
        raise UserError(
            "the report draws its charts with matplotlib: pip install 'annotator[report]'"
        ) from None
    return matplotlib


def write_report(store, out: Path) -> Path:
    """Write the report to `out` (whole or not at all) and return its path."""
    if out.is_dir():
        raise UserError(f"{out}: a folder; name the report file (say {out / 'report.html'})")
    if not out.parent.is_dir():
        raise UserError(f"{out.parent}: no such folder")
    page = render(compute(store), title=f"annotator report · {store.path.name}")
    try:
        staged = StagedFile.of(out, page.encode("utf-8"))
        staged.commit()
    except OSError as exc:
        raise UserError(f"{out}: cannot write the report ({exc.strerror or exc})") from None
    return out


def render(f: dict, title: str) -> str:
    sections = [
        ("Progress", _progress(f)),
        ("Speed", _speed(f)),
        ("Label mix", _labels(f)),
        ("Suggestions", _suggestions(f)),
        ("Agreement", _agreement(f)),
    ]
    data = orjson.dumps(f).decode().replace("</", "<\\/")
    body = "".join(f"<section><h2>{name}</h2>{content}</section>" for name, content in sections)
    return (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>{html.escape(title)}</title><style>{STYLE}</style></head><body>"
        f"<h1>{html.escape(title)}</h1><p class='meta'>{f['to_label']} sentences to label · "
        f"generated {html.escape(f['generated_at'])}</p>{body}"
        f"<script type='application/json' id='figures'>{data}</script></body></html>"
    )


STYLE = (
    "body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#222}"
    "h1{font-size:1.5rem}h2{font-size:1.2rem;border-bottom:1px solid #ccc;padding-bottom:.2rem;margin-top:2rem}"
    "table{border-collapse:collapse;margin:.5rem 0}td,th{padding:.2rem .6rem;border-bottom:1px solid #eee;"
    "text-align:right}td:first-child,th:first-child{text-align:left}.meta{color:#666}svg{max-width:100%;height:auto}"
)


# ------------------------------------------------------------------------ pieces


def _e(x: object) -> str:
    return html.escape("—" if x is None else str(x))


def _table(header: list[str], rows: list[list[object]]) -> str:
    head = "".join(f"<th>{_e(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{_e(c)}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _num(x: float | None, digits: int = 2) -> str | None:
    return None if x is None else f"{x:.{digits}f}"


def _chart(draw) -> str:
    """An inline SVG of what `draw(axes)` puts on one set of axes."""
    matplotlib = _matplotlib()
    from matplotlib.figure import Figure

    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "annotator", "font.size": 9}):
        fig = Figure(figsize=(8, 3.2), layout="constrained")
        ax = fig.add_subplot()
        if not draw(ax):
            return "<p class='meta'>Nothing to show yet.</p>"
        ax.spines[["top", "right"]].set_visible(False)
        buf = io.StringIO()
        fig.savefig(buf, format="svg", metadata={"Date": None})
    svg = buf.getvalue()
    return svg[svg.index("<svg") :]  # without the XML prologue, inside HTML


def _bars(ax, categories: list[str], series: Mapping[str, Sequence[float]]) -> bool:
    if not categories or not any(any(v) for v in series.values()):
        return False
    width = 0.8 / max(len(series), 1)
    for i, (name, values) in enumerate(series.items()):
        ax.bar(
            [x + i * width for x in range(len(categories))],
            values,
            width,
            label=name,
            color=COLOURS[i % len(COLOURS)],
        )
    ax.set_xticks([x + 0.4 - width / 2 for x in range(len(categories))], categories)
    if len(series) > 1:
        _legend(ax)
    return True


def _legend(ax) -> None:
    """Beside the axes, in small type: it never hides the data, however many annotators."""
    ax.legend(frameon=False, loc="upper left", bbox_to_anchor=(1.01, 1), fontsize=7)


# ------------------------------------------------------------------------ sections


def _progress(f: dict) -> str:
    per_day = f["progress"]["per_day"]
    days = sorted({d for counts in per_day.values() for d in counts})

    def draw(ax) -> bool:
        if not days:
            return False
        for i, (name, counts) in enumerate(per_day.items()):
            total, ys = 0, []
            for d in days:
                total += counts.get(d, 0)
                ys.append(total)
            ax.plot(days, ys, marker="o", label=name, color=COLOURS[i % len(COLOURS)])
        ax.axhline(f["to_label"], color="#c44e52", linestyle="--", label="to label")
        ax.set_ylim(0, f["to_label"] * 1.05)
        ax.set_ylabel("sentences finished")
        _legend(ax)
        return True

    rows = [
        [name, a["finished"], a["served"], a["remaining"], a["pace_per_day"], a["finish"]]
        for name, a in f["progress"]["annotators"].items()
    ]
    return (
        _chart(draw)
        + _table(["annotator", "finished", "served", "left", "per day", "finish"], rows)
        + f"<p>Project finish at the current pace: <b>{_e(f['progress']['project_finish'])}</b></p>"
    )


def _speed(f: dict) -> str:
    speed = f["speed"]

    def draw(ax) -> bool:
        ax.set_xlabel("seconds per sentence (at least)")
        return _bars(ax, *histograms(speed))

    rows = [
        [
            name,
            _num(s["per_hour"], 1),
            _num(s["with_quotes"]["median_seconds"], 1),
            _num(s["without_quotes"]["median_seconds"], 1),
            s["with_quotes"]["timed"] + s["without_quotes"]["timed"],
        ]
        for name, s in speed.items()
    ]
    return _chart(draw) + _table(
        ["annotator", "sentences per hour", "median s, with quotes", "median s, without", "timed"], rows
    )


def _labels(f: dict) -> str:
    labels = f["labels"]
    out = [f"<p>{labels['sentences']} sentences done, {labels['quotes']} quotes.</p>"]
    for field, heading in (
        ("mode", "Mode"),
        ("claim", "Claim"),
        ("quote_type", "Quote type"),
        ("flag", "Flags"),
    ):
        mix = labels[field]
        categories = list(mix["overall"])
        names = sorted(mix["by_annotator"])

        def draw(ax, mix=mix, categories=categories, names=names, heading=heading) -> bool:
            ax.set_title(heading, loc="left")
            return _bars(
                ax, categories, {n: [mix["by_annotator"][n].get(c, 0) for c in categories] for n in names}
            )

        out.append(_chart(draw))
        blocks = mix["by_block_type"]
        out.append(
            _table(
                [f"{heading.lower()} by block type", *categories],
                [[b, *(blocks[b].get(c, 0) for c in categories)] for b in blocks],
            )
        )
    return "".join(out)


def _suggestions(f: dict) -> str:
    s = f["suggestions"]

    def draw(ax) -> bool:
        ax.set_ylabel("finished sentences")
        return _bars(ax, list(s["changed"]), {"changed from the suggestion": list(s["changed"].values())})

    origins = sorted({o for counts in s["by_origin"].values() for o in counts})
    rate = "—" if s["acceptance"] is None else f"{s['acceptance']:.0%}"
    return (
        f"<p>Accepted unchanged: <b>{s['accepted']}</b> of {s['with_suggestion']} finished sentences that had a "
        f"suggestion ({rate}).</p>"
        + _chart(draw)
        + _table(
            ["decisions by origin", *origins],
            [[who, *(c.get(o, 0) for o in origins)] for who, c in s["by_origin"].items()],
        )
    )


def _agreement(f: dict) -> str:
    a = f["agreement"]
    points = a["over_time"]

    def draw(ax) -> bool:
        if not points:
            return False
        days = [p["day"] for p in points]
        for i, (key, name) in enumerate(
            (("mode_alpha", "mode α"), ("claim_alpha", "claim α"), ("quote_f1", "quote F1"))
        ):
            ax.plot(days, [p[key] for p in points], marker="o", label=name, color=COLOURS[i])
        ax.set_ylim(-0.2, 1.0)
        _legend(ax)
        return True

    labels = a["labels"]
    return (
        f"<p>{a['sentences_compared']} sentences finished by two annotators or more. Alpha: mode "
        f"{_e(_num(labels['mode']['alpha']))}, claim {_e(_num(labels['claim']['alpha']))}, block type "
        f"{_e(_num(labels['block_type']['alpha']))}; quote F1 {_e(_num(a['quote_f1']))}.</p>"
        + _chart(draw)
        + _table(
            ["document", "title", "compared", "disagreements"],
            [[d["doc_id"], d["title"], d["compared"], d["disagreements"]] for d in a["documents"]],
        )
    )
