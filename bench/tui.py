"""The labelling screen on stores of 1 k and 1 M sentences, against a bare Textual app.

    python bench/tui.py [--big 1000000] [--keep bench/out]

Each measurement runs in a fresh process, headless through Textual's Pilot:
- start: from process start (before any import) to the first sentence painted (and to its labels
  panel painted, which follows once the models are imported); the baseline is a
  bare Textual app that paints one line, measured the same way, the runs taking turns (median of
  9 runs each).
  Target: ≤ 1.5× the baseline.
- keys: 300 × `j` (next sentence) and 150 × (`!`, `!`, `x`: a flag set and cleared, then a
  skip that moves on: three durable decisions), each timed from the key event until the first
  frame painted after the screen changed (Pilot's own `press` waits for two idle periods of
  20 ms, so keys are posted directly and frames counted at the app's display call).
  Target: p99 < 50 ms, and the 1 M / 1 k p99 ratio ≤ 1.3. The stores take turns for 3 rounds
  and each figure is the median of the rounds' figures (one p99 of 300 keys is its 3rd slowest
  key, which the shared machine moves by ±15 ms from run to run).
- the end of a project: the same on copies of the 1 M store where the annotator has finished
  99 % of the sentences (every hundredth left open) and all of them, where "next to do" has the
  least to find. Same targets.
- memory: peak resident set size of the process on the 1 M store. Target: < 300 MB.
- the sentence list (`L`) on the 1 M stores: `L` to its rows painted (15 times), 300 × `j`,
  60 × `pgdn`, the filter keys `s` `m` `c` `o` to painted and to their rows on screen. Target:
  opening within the start target, key p99 < 50 ms.
- the dashboard (`annotator dashboard`): from process start to its figures drawn, on the 1 M
  store and on the one where every sentence is done. Target: < 1 s.
"""

from __future__ import annotations

import argparse
import compileall
import json
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

START = """
import time; t0 = time.perf_counter()
import asyncio, json, sys
from pathlib import Path
MODE, DB = sys.argv[1], sys.argv[2]
if MODE == "bare":
    from textual.app import App
    from textual.widgets import Static

    class Bare(App):
        def compose(self):
            yield Static("Une ligne.", id="line")
else:
    from annotator.tui.app import make_app
t_imported = time.perf_counter()

async def main():
    app = Bare() if MODE == "bare" else make_app(DB, "bench")
    t_app = time.perf_counter()
    loop = asyncio.get_running_loop()
    # the first paint showing the sentence, then the first showing its labels panel too
    painted, complete = loop.create_future(), loop.create_future()
    display = app._display

    def shown(target):
        try:
            return str(app.screen.query_one(target).render()).strip()
        except Exception:
            return ""

    def first_paint(screen, renderable):
        display(screen, renderable)
        if renderable is None:
            return
        if not painted.done() and shown("#line" if MODE == "bare" else "#sentence"):
            painted.set_result(time.perf_counter())
        if painted.done() and not complete.done() and (MODE == "bare" or shown("#panel")):
            complete.set_result(time.perf_counter())

    app._display = first_paint
    async with app.run_test(size=(120, 36)):
        t_paint = await painted
        t_complete = await complete
    return {
        "process": t_paint - t0, "app": t_paint - t_app, "imports": t_imported - t0, "labels": t_complete - t0
    }

print(json.dumps(asyncio.run(main())))
"""

DASHBOARD = """
import time; t0 = time.perf_counter()
import asyncio, json, sys
from pathlib import Path
from annotator.tui.app import make_app

async def main():
    app = make_app(sys.argv[1], "bench-lead", dashboard=True)
    loop = asyncio.get_running_loop()
    drawn = loop.create_future()
    display = app._display

    def watch(screen, renderable):
        display(screen, renderable)
        if renderable is not None and not drawn.done() and getattr(app.screen, "figures", None):
            drawn.set_result(time.perf_counter())

    app._display = watch
    async with app.run_test(size=(120, 36)):
        t = await drawn
    return {"drawn": t - t0}

print(json.dumps(asyncio.run(main())))
"""

# The key timing the keys and the sentence-list measurements share (see the docstring).
TIMED = """
import asyncio, json, sys, time
from pathlib import Path
from textual import events
from annotator.tui.app import make_app

def timing(app, state):
    # key(k): the time from posting k to the first frame painted after state() changed; with
    # `ready`, once ready() holds too (and if no frame comes within 0.1 s then, because what was
    # read changed nothing shown, the time ready() came to hold)
    frames = [0]
    display = app._display

    def counting_display(screen, renderable):
        if renderable is not None:
            frames[0] += 1
        display(screen, renderable)

    app._display = counting_display

    async def key(k, ready=None):
        before = state()
        t = time.perf_counter()
        app._driver.send_message(events.Key(k, k))
        while state() == before:
            if time.perf_counter() - t > 5:
                raise SystemExit(f"key {k!r} changed nothing (end of the store?)")
            await asyncio.sleep(0)
        if ready is not None:
            while not ready():
                await asyncio.sleep(0)
        done, seen = time.perf_counter(), frames[0]
        while frames[0] == seen and (ready is None or time.perf_counter() - done < 0.1):
            await asyncio.sleep(0)
        return (time.perf_counter() if frames[0] != seen else done) - t

    return key
"""

KEYS = (
    TIMED
    + """
async def main():
    # a fresh annotator starts at the top; the end-of-project stores name the one who finished them
    app = make_app(sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else f"bench-{time.time_ns()}")

    def state():
        s = app.screen.session
        return s.current.sid, s.saved.status if s.saved else None, s.labels

    key = timing(app, state)
    out = {"step": [], "label": []}
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        for _ in range(300):
            out["step"].append(await key("j"))
        for _ in range(150):
            for k in ("exclamation_mark", "exclamation_mark", "x"):
                out["label"].append(await key(k))
    # VmHWM, not ru_maxrss: Linux carries ru_maxrss over exec, from the parent that built the corpus.
    status = Path("/proc/self/status").read_text()
    out["rss_mb"] = int(next(l for l in status.splitlines() if l.startswith("VmHWM")).split()[1]) / 1024
    return out

print(json.dumps(asyncio.run(main())))
"""
)


BROWSE = (
    TIMED
    + """
async def main():
    app = make_app(sys.argv[1], sys.argv[2])

    def state():
        screen = app.screen
        b = getattr(screen, "browser", None)
        if type(screen).__name__ != "BrowserScreen":
            return (type(screen).__name__,)
        return (b.filter, b.cursor, b.top, len(b.rows))

    def filled():
        # the rows on screen are there: the screen is full, or nothing more is to be found
        tables = app.screen.query("SentenceTable")
        if not tables:
            return False  # not composed yet
        table = tables.first()
        b = table.browser
        return not table.loading or (b.after is None and b.before is None) or (
            len(b.rows) - b.top >= table.rows_shown
        )

    async def settled():
        while app.screen.table.loading:
            await asyncio.sleep(0)

    key = timing(app, state)
    out = {"open": [], "j": [], "page": [], "filter": [], "filter_rows": []}
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        for _ in range(15):  # open the list, back to the labelling screen
            out["open"].append(await key("L", filled))
            await key("escape")
        await key("L", filled)
        for _ in range(300):
            out["j"].append(await key("j"))
        for _ in range(60):
            out["page"].append(await key("pagedown"))
        for k in ("s", "m", "c", "o") * 4:  # each cycles through its values and back to any
            out["filter"].append(await key(k))
            await settled()
        for k in ("s", "m", "c", "o") * 4:
            out["filter_rows"].append(await key(k, filled))
            await settled()
    return out

print(json.dumps(asyncio.run(main())))
"""
)


def run(script: str, *args: str) -> object:
    result = subprocess.run(
        [sys.executable, "-c", script, *args], capture_output=True, text=True, cwd=ROOT, check=False
    )
    if result.returncode:
        raise SystemExit(result.stderr or f"benchmark step failed with exit code {result.returncode}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def build_store(path: Path, sentences: int) -> None:
    from annotator.corpus.reader import SourceDoc
    from annotator.ingest import ingest_docs
    from annotator.store import Store
    from bench.corpus import generate

    docs = [SourceDoc(d["id"], d["id"], d["text"]) for d in generate(sentences)]
    with Store(path) as store:
        ingest_docs(store, docs)


DONE_LABELS = '{"mode":"reporting","claim":"none","quotes":[],"flags":[],"note":null,"block_type":null}'


def finished_copy(source: Path, path: Path, every: int | None) -> None:
    """A copy of `source` where the annotator `bench` has finished every labelled sentence but
    one in `every` (None: all of them)."""
    shutil.copy(source, path)
    db = sqlite3.connect(path)
    keep_open = f"AND sid % {every} != 0" if every else ""
    db.execute(
        "INSERT INTO labels (sid, annotator, status, labels, origin, created_at, updated_at)"
        f" SELECT sid, 'bench', 'done', ?, 'manual', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z'"
        f" FROM all_sentences WHERE labelled {keep_open}",
        (DONE_LABELS,),
    )
    db.commit()
    db.close()


def percentile(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * p))]


ROUNDS = 3


def summary(runs: list[dict]) -> dict:
    """Per kind of key, the median over the runs of each run's p50 and p99; the largest RSS."""
    out: dict = {
        kind: {p: statistics.median(percentile(r[kind], p) for r in runs) for p in (0.5, 0.99)}
        for kind in ("step", "label")
    }
    out["rss_mb"] = max(r["rss_mb"] for r in runs)
    return out


def spread(runs: list[dict], kind: str) -> str:
    return "–".join(
        f"{percentile(r[kind], 0.99) * 1000:.0f}"
        for r in sorted(runs, key=lambda r: percentile(r[kind], 0.99))
    )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--small", type=int, default=1_000)
    ap.add_argument("--big", type=int, default=1_000_000)
    ap.add_argument("--keep", type=Path, help="keep (and reuse) the stores in this folder")
    args = ap.parse_args()
    folder = args.keep or Path(tempfile.mkdtemp(prefix="annotator-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    stores = {}
    for n in (args.small, args.big):
        path = folder / f"tui-{n}.db"
        if not path.exists():
            build_store(path, n)
        stores[n] = path
    ends = {}
    for name, every in (("99 % done", 100), ("all done", None)):
        path = folder / f"tui-{args.big}-{every or 'all'}.db"
        if not path.exists():
            finished_copy(stores[args.big], path, every)
        ends[name] = path

    # Textual comes byte-compiled from its install; so does annotator from a regular install, but
    # an editable one run with PYTHONDONTWRITEBYTECODE would compile every module at every start.
    compileall.compile_dir(ROOT / "annotator", quiet=1)

    # Start: the bare app and the labelling screen on each store take turns, so a change in the
    # shared machine's speed during the run touches them alike; medians of 9.
    variants = {"bare": ("bare", ""), **{n: ("annotator", str(path)) for n, path in stores.items()}}
    runs: dict = {k: [] for k in variants}
    for _ in range(9):
        for k, argv in variants.items():
            runs[k].append(run(START, *argv))
    starts = {k: {m: statistics.median(r[m] for r in rs) for m in rs[0]} for k, rs in runs.items()}
    bare = starts["bare"]
    print(
        f"bare Textual app, first paint: {bare['process'] * 1000:.0f} ms from process start "
        f"({bare['imports'] * 1000:.0f} ms of imports), {bare['app'] * 1000:.0f} ms from app start (medians of 9)"
    )
    # Keys: the stores take turns for ROUNDS rounds and each figure is the median over the rounds,
    # since one p99 of 300 keys moves by ±15 ms on a shared machine (it is the 3rd slowest key).
    rounds: dict = {n: [] for n in stores}
    for _ in range(ROUNDS):
        for n, path in stores.items():
            rounds[n].append(run(KEYS, str(path)))
    p99 = {}
    for n in stores:
        ours, keys = starts[n], summary(rounds[n])
        step, label = keys["step"], keys["label"]
        p99[n] = step[0.99]
        print(
            f"{n:>9,} sentences: first sentence painted {ours['process'] * 1000:.0f} ms from process start "
            f"({ours['process'] / bare['process']:.2f}× bare; target ≤ 1.5), {ours['app'] * 1000:.0f} ms "
            f"from app start ({ours['app'] / bare['app']:.2f}× bare); labels panel painted "
            f"{ours['labels'] * 1000:.0f} ms ({ours['labels'] / bare['process']:.2f}× bare); "
            f"next sentence p50 {step[0.5] * 1000:.1f} ms p99 {p99[n] * 1000:.1f} ms; "
            f"label key p50 {label[0.5] * 1000:.1f} ms p99 {label[0.99] * 1000:.1f} ms "
            f"(target p99 < 50; medians of {ROUNDS} rounds, p99s {spread(rounds[n], 'step')} / "
            f"{spread(rounds[n], 'label')}); peak RSS {keys['rss_mb']:.0f} MB"
        )
    print(f"1 M / 1 k next-sentence p99 ratio: {p99[args.big] / p99[args.small]:.2f} (target ≤ 1.3)")
    for name, path in ends.items():  # the end of a project, for the annotator who got there
        start = statistics.median(run(START, "annotator", str(path))["process"] for _ in range(5))
        runs_end = [run(KEYS, str(path), "bench") for _ in range(ROUNDS)]
        keys = summary(runs_end)
        step, label = keys["step"], keys["label"]
        print(
            f"{args.big:>9,} sentences, {name}: first sentence painted {start * 1000:.0f} ms "
            f"({start / bare['process']:.2f}× bare); next sentence p50 {step[0.5] * 1000:.1f} ms "
            f"p99 {step[0.99] * 1000:.1f} ms ({step[0.99] / p99[args.small]:.2f}× the 1 k p99); "
            f"decision keys p50 {label[0.5] * 1000:.1f} ms p99 {label[0.99] * 1000:.1f} ms "
            f"(p99s {spread(runs_end, 'step')} / {spread(runs_end, 'label')})"
        )
    # The sentence browser (L) on the 1 M stores: opening it, scrolling, filtering.
    for name, path, who in (
        ("", stores[args.big], "bench-browse"),
        (", 99 % done", ends["99 % done"], "bench"),
    ):
        got = [run(BROWSE, str(path), who) for _ in range(ROUNDS)]
        med = {
            kind: {p: statistics.median(percentile(r[kind], p) for r in got) for p in (0.5, 0.99)}
            for kind in got[0]
        }
        print(
            f"{args.big:>9,} sentences{name}, sentence list: L → rows painted p50 "
            f"{med['open'][0.5] * 1000:.1f} ms p99 {med['open'][0.99] * 1000:.1f} ms; j p99 "
            f"{med['j'][0.99] * 1000:.1f} ms; page down p99 {med['page'][0.99] * 1000:.1f} ms; filter key → "
            f"painted p99 {med['filter'][0.99] * 1000:.1f} ms, → its rows on screen p50 "
            f"{med['filter_rows'][0.5] * 1000:.0f} ms p99 {med['filter_rows'][0.99] * 1000:.0f} ms "
            f"(target p99 < 50 for keys; medians of {ROUNDS} rounds)"
        )
    for name, path in (("", stores[args.big]), (", all done", ends["all done"])):
        drawn = statistics.median(run(DASHBOARD, str(path))["drawn"] for _ in range(5))
        print(
            f"{args.big:>9,} sentences{name}: dashboard drawn with its figures {drawn * 1000:.0f} ms "
            f"from process start (target < 1 s; median of 5)"
        )
    if not args.keep:
        shutil.rmtree(folder)  # the stores and whatever SQLite left beside them


if __name__ == "__main__":
    main()
