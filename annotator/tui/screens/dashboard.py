"""The dashboard: the project's figures (stats/figures.py) as plots (textual-plotext) and tables,
one section at a time, recomputed in a worker every REFRESH seconds while annotators work."""

from __future__ import annotations

from typing import ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.screen import Screen
from textual.widgets import ContentSwitcher, DataTable, Footer, Static
from textual_plotext import PlotextPlot

from annotator.corpus.text import shown, visible
from annotator.stats.figures import histograms
from annotator.tui import bindings
from annotator.tui.service import READ_FAILURES, Host

REFRESH = 15.0  # seconds between two readings of the figures
SECTIONS = bindings.DASHBOARD_SECTIONS


def _pct(x: float | None) -> str:
    return "—" if x is None else f"{x:.0%}"


def _num(x: float | None, digits: int = 2) -> str:
    return "—" if x is None else f"{x:.{digits}f}"


def _mix(counts: dict[str, int]) -> str:
    total = sum(counts.values())
    return " · ".join(f"{k} {v} ({v / total:.0%})" for k, v in counts.items()) if total else "—"


class DashboardScreen(Screen):
    BINDINGS: ClassVar[list[BindingType]] = [*bindings.DASHBOARD]

    def __init__(self, *, standalone: bool = False):
        super().__init__()
        self.standalone = standalone  # `annotator dashboard`: leaving it quits
        self.figures: dict | None = None
        self.unread: str | None = None  # why the last reading failed (read again every REFRESH)
        self.section = "progress"

    @property
    def host(self) -> Host:
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        yield Static("Dashboard · reading the store…", id="dashboard-bar")
        with ContentSwitcher(initial="progress", id="dashboard"):
            for section in SECTIONS:  # each: a plot, then its figures as text
                with Vertical(id=section):
                    yield PlotextPlot(id=f"{section}-plot")
                    yield Static(id=f"{section}-table", classes="figures")
                    if section == "agreement":
                        yield DataTable(id="agreement-documents", cursor_type="row")
        yield Footer()

    def on_mount(self) -> None:
        self.read()
        self.set_interval(REFRESH, self.read)

    # ------------------------------------------------------------------ reading

    @work(thread=True, exclusive=True, group="figures", exit_on_error=False)
    def read(self) -> None:
        """The figures on the worker's own connection, then drawn on the UI thread."""
        from annotator.stats.figures import figures

        try:
            with self.host.service.worker() as store:
                found = figures(store)
        except READ_FAILURES as exc:  # the last figures stay, the bar says why they are not newer
            self.app.call_from_thread(self.not_read, shown(exc))
            return
        self.app.call_from_thread(self.draw, found)

    def not_read(self, why: str) -> None:
        self.unread = why
        self.draw_bar()

    def draw(self, figures: dict) -> None:
        self.figures, self.unread = figures, None
        self.draw_bar()
        self.draw_progress(figures)
        self.draw_speed(figures)
        self.draw_labels(figures)
        self.draw_suggestions(figures)
        self.draw_agreement(figures)

    def draw_bar(self) -> None:
        f = self.figures
        tabs = " ".join(
            f"[b reverse]{i} {name.title()}[/]" if name == self.section else f"{i} {name.title()}"
            for i, name in enumerate(SECTIONS, start=1)
        )
        head = f"read {f['generated_at'][11:19]} UTC" if f else "reading the store…"
        bar = Content.from_markup(f"[b]Dashboard[/] {tabs} · {head}")
        if self.unread:
            bar += Content.styled(f" · not read again: {self.unread}", "bold #e06c75")
        self.query_one("#dashboard-bar", Static).update(bar)

    # ------------------------------------------------------------------ sections

    def fresh_plot(self, section: str, title: str, empty: bool) -> PlotextPlot:
        """A section's plot cleared for new figures, its title saying when there are none yet."""
        plot = self.query_one(f"#{section}-plot", PlotextPlot)
        plot.plt.clear_data()
        plot.plt.clear_figure()
        plot.plt.title(f"{title} — nothing to show yet" if empty else title)
        return plot

    def draw_progress(self, f: dict) -> None:
        per_day = f["progress"]["per_day"]
        days = sorted({d for counts in per_day.values() for d in counts})
        plot = self.fresh_plot("progress", "Sentences finished, cumulative, per annotator", not days)
        plt = plot.plt
        if days:
            for name, counts in per_day.items():
                total, ys = 0, []
                for d in days:
                    total += counts.get(d, 0)
                    ys.append(total)
                plt.plot(list(range(len(days))), ys, label=visible(name), marker="braille")
            plt.hline(f["to_label"], color="red")
            plt.ylim(0, f["to_label"] * 1.05)
            plt.xticks(list(range(len(days))), [d[5:] for d in days])
        plot.refresh()
        rows = [f"{'annotator':<16}{'finished':>9}{'served':>9}{'left':>9}{'per day':>9}  finish"]
        for name, a in f["progress"]["annotators"].items():
            rows.append(
                f"{visible(name)[:15]:<16}{a['finished']:>9}{a['served']:>9}{a['remaining']:>9}"
                f"{a['pace_per_day']:>9}  {a['finish'] or '—'}"
            )
        finish = f["progress"]["project_finish"]
        rows.append(
            f"project finish at the current pace: {finish or '— (no pace yet)'} "
            f"(red line: {f['to_label']} sentences to label)"
        )
        self.query_one("#progress-table", Static).update("\n".join(rows))

    def draw_speed(self, f: dict) -> None:
        buckets, series = histograms(f["speed"])
        timed = any(any(v) for v in series.values())
        title = "Seconds per sentence: how many sentences took so long, with and without quotes"
        plot = self.fresh_plot("speed", title, not timed)
        if timed:
            plot.plt.multiple_bar(buckets, list(series.values()), labels=[visible(n) for n in series])  # type: ignore[call-arg]  # the stub says label
        plot.refresh()
        rows = [f"{'annotator':<16}{'per hour':>9}{'median s, quotes':>18}{'median s, none':>16}{'timed':>8}"]
        for name, s in f["speed"].items():
            w, wo = s["with_quotes"], s["without_quotes"]
            rows.append(
                f"{visible(name)[:15]:<16}{_num(s['per_hour'], 1):>9}{_num(w['median_seconds'], 1):>18}"
                f"{_num(wo['median_seconds'], 1):>16}{w['timed'] + wo['timed']:>8}"
            )
        self.query_one("#speed-table", Static).update("\n".join(rows))

    def draw_labels(self, f: dict) -> None:
        labels = f["labels"]
        categories = [f"mode {k}" for k in labels["mode"]["overall"]] + [
            f"claim {k}" for k in labels["claim"]["overall"]
        ]
        names = sorted(labels["mode"]["by_annotator"])
        plot = self.fresh_plot("labels", "Mode and claim, per annotator", not (categories and names))
        plt = plot.plt
        if categories and names:
            series = [
                [labels["mode"]["by_annotator"][n].get(c[5:], 0) for c in categories if c.startswith("mode")]
                + [
                    labels["claim"]["by_annotator"][n].get(c[6:], 0)
                    for c in categories
                    if c.startswith("claim")
                ]
                for n in names
            ]
            plt.multiple_bar(categories, series, labels=[visible(n) for n in names])  # type: ignore[call-arg]
        plot.refresh()
        rows = [
            f"{labels['sentences']} sentences done, {labels['quotes']} quotes",
            f"mode         {_mix(labels['mode']['overall'])}",
            f"claim        {_mix(labels['claim']['overall'])}",
            f"quote types  {_mix(labels['quote_type']['overall'])}",
            f"flags        {_mix(labels['flag']['overall'])}",
            "per block type:",
        ]
        for block, counts in labels["mode"]["by_block_type"].items():
            rows.append(
                f"  {block:<12} mode {_mix(counts)}; claim {_mix(labels['claim']['by_block_type'][block])}"
            )
        self.query_one("#labels-table", Static).update("\n".join(rows))

    def draw_suggestions(self, f: dict) -> None:
        s = f["suggestions"]
        title = "Fields changed from the suggestion (finished sentences that had one)"
        plot = self.fresh_plot("suggestions", title, not any(s["changed"].values()))
        if any(s["changed"].values()):
            plot.plt.bar(list(s["changed"]), list(s["changed"].values()))
        plot.refresh()
        rows = [
            f"accepted unchanged: {s['accepted']} of {s['with_suggestion']} sentences with a suggestion "
            f"({_pct(s['acceptance'])})",
        ]
        for who, origins in s["by_origin"].items():
            rows.append(f"  {visible(who)[:15]:<16}" + " · ".join(f"{k} {v}" for k, v in origins.items()))
        self.query_one("#suggestions-table", Static).update("\n".join(rows))

    def draw_agreement(self, f: dict) -> None:
        a = f["agreement"]
        points = a["over_time"]
        plot = self.fresh_plot(
            "agreement", "Agreement as shared sentences accumulate (alpha; quote F1)", not points
        )
        plt = plot.plt
        if points:
            xs = [float(i) for i in range(len(points))]
            for key, name in (("mode_alpha", "mode α"), ("claim_alpha", "claim α"), ("quote_f1", "quote F1")):
                ys = [p[key] if p[key] is not None else 0.0 for p in points]
                plt.plot(xs, ys, label=name, marker="braille")
            plt.ylim(-0.2, 1.0)
            plt.xticks(xs, [f"{p['day'][5:]} ({p['sentences']})" for p in points])
        plot.refresh()
        labels = a["labels"]
        self.query_one("#agreement-table", Static).update(
            f"{a['sentences_compared']} sentences finished by two annotators or more · "
            f"alpha: mode {_num(labels['mode']['alpha'])}, claim {_num(labels['claim']['alpha'])}, "
            f"block type {_num(labels['block_type']['alpha'])} · quote F1 {_num(a['quote_f1'])}\n"
            "Most disagreements (⏎ reviews the document):"
        )
        table = self.query_one("#agreement-documents", DataTable)
        if not table.columns:
            table.add_columns("document", "title", "compared", "disagree")
        table.clear()
        for d in a["documents"]:
            table.add_row(
                visible(d["doc_id"]),
                visible(d["title"] or "")[:30],
                d["compared"],
                d["disagreements"],
                key=d["doc_id"],
            )

    # ------------------------------------------------------------------ actions

    def action_show(self, section: str) -> None:
        self.section = section
        self.query_one("#dashboard", ContentSwitcher).current = section
        if section == "agreement":
            self.query_one("#agreement-documents", DataTable).focus()
        self.draw_bar()

    def action_cycle(self, step: int) -> None:
        self.action_show(SECTIONS[(SECTIONS.index(self.section) + step) % len(SECTIONS)])

    def action_refresh(self) -> None:
        self.read()

    def action_leave(self) -> None:
        if self.standalone:
            self.app.exit()
        else:
            self.dismiss()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        """Review the disagreements of the chosen document (as this user, who reviews)."""
        if event.row_key.value is not None:
            self.host.review_document(event.row_key.value)
