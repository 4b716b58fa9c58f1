"""The dashboard screen (Pilot and snapshots) and the HTML report (in a real headless browser),
on the seeds labelled by two simulated annotators; every figure shown is `stats --json`'s."""

import re
import shutil
import sys
from datetime import UTC, datetime
from pathlib import Path

import orjson
import pytest

from annotator.cli import main
from annotator.model import SentenceLabels
from annotator.stats import figures as figures_module
from annotator.store import Store
from annotator.tui.app import make_app
from tests.conftest import simulate_project

NOW = datetime(2026, 11, 3, 18, 0, tzinfo=UTC)
CHROMIUM = shutil.which("chromium")


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    return simulate_project(tmp_path_factory.mktemp("project") / "p.db")


@pytest.fixture
def db(project, tmp_path, monkeypatch) -> Path:
    monkeypatch.setattr(figures_module, "now", lambda: NOW)
    copy = tmp_path / "p.db"
    shutil.copy(project, copy)
    return copy


def stats_json(db: Path, capsys) -> dict:
    assert main(["--db", str(db), "stats", "--json"]) == 0
    return orjson.loads(capsys.readouterr().out)["figures"]


def text_of(app, selector: str) -> str:
    return str(app.screen.query_one(selector).render())


async def test_the_dashboard_shows_the_figures_of_stats_json(db, capsys):
    expected = stats_json(db, capsys)
    app = make_app(db, "lead", dashboard=True)
    async with app.run_test(size=(120, 36)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.screen.figures == expected
        progress = text_of(app, "#progress-table")
        for name, a in expected["progress"]["annotators"].items():
            assert re.search(
                rf"{name}\s+{a['finished']}\s+{a['served']}\s+{a['remaining']}\s+{a['pace_per_day']}",
                progress,
            )
        assert f"project finish at the current pace: {expected['progress']['project_finish']}" in progress
        await pilot.press("2")
        assert app.screen.query_one("#dashboard").current == "speed"
        speed = text_of(app, "#speed-table")
        assert f"{expected['speed']['alice']['per_hour']}" in speed
        await pilot.press("tab")  # the next section
        assert "mode " in text_of(app, "#labels-table") and str(expected["labels"]["quotes"]) in text_of(
            app, "#labels-table"
        )
        await pilot.press("tab")
        s = expected["suggestions"]
        assert f"accepted unchanged: {s['accepted']} of {s['with_suggestion']}" in text_of(
            app, "#suggestions-table"
        )
        await pilot.press("5")
        table = app.screen.query_one("#agreement-documents")
        assert [table.get_row_at(i)[0] for i in range(table.row_count)] == [
            d["doc_id"] for d in expected["agreement"]["documents"]
        ]
        assert f"{expected['agreement']['sentences_compared']} sentences finished by two" in text_of(
            app, "#agreement-table"
        )


async def test_a_document_opens_its_review(db):
    from annotator.tui.screens.review import ReviewScreen

    app = make_app(db, "lead", dashboard=True)
    async with app.run_test(size=(120, 36)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        await pilot.press("5", "enter")  # the document with the most disagreements
        assert isinstance(app.screen, ReviewScreen)
        top = app.screen.session
        docs = {top.store.sentence(sid).doc_id for sid in top.queue}
        assert docs == {"003_622de18bb6f3ec2b"} and len(top.queue) == 16
        await pilot.press("escape")


async def test_an_annotator_is_told_to_review_under_another_name(db):
    from annotator.tui.screens.dashboard import DashboardScreen

    app = make_app(db, "alice", dashboard=True)
    async with app.run_test(size=(120, 36)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        await pilot.press("5", "enter")
        assert isinstance(app.screen, DashboardScreen)
        said = " | ".join(str(n.message) for n in app._notifications)
        assert "alice has labels of their own; review under another name" in said


async def test_the_dashboard_opens_from_the_labelling_screen_and_reads_again(db):
    from annotator.tui.screens.dashboard import DashboardScreen
    from annotator.tui.screens.label import LabelScreen

    app = make_app(db, "carol")
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.press("P")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert isinstance(app.screen, DashboardScreen)
        assert "carol" not in app.screen.figures["annotators"]
        with Store(db) as store:  # carol finishes a sentence meanwhile (another process, say)
            store.record(store.first().sid, "carol", SentenceLabels(mode="reporting", claim="none"))
        await pilot.press("R")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.screen.figures["progress"]["annotators"]["carol"]["finished"] == 1
        assert "carol" in text_of(app, "#progress-table")
        await pilot.press("escape")
        assert isinstance(app.screen, LabelScreen)


@pytest.mark.parametrize("size", [(120, 36), (80, 24)])
@pytest.mark.parametrize("section", ["1", "5"])
def test_dashboard_snapshot(snap_compare, db, size, section):
    async def settled(pilot) -> None:
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()

    app = make_app(db, "lead", dashboard=True)
    assert snap_compare(app, terminal_size=size, run_before=settled, press=[section])


# ------------------------------------------------------------------------ the report


def embedded(page: str) -> dict:
    found = re.search(r"<script type='application/json' id='figures'>(.*?)</script>", page, re.S)
    assert found
    return orjson.loads(found.group(1).replace("<\\/", "</"))


def test_the_report_is_self_contained_and_holds_the_figures(db, tmp_path, capsys):
    expected = stats_json(db, capsys)
    out = tmp_path / "report.html"
    assert main(["--db", str(db), "report", "--out", str(out)]) == 0
    assert "the project report" in capsys.readouterr().out
    page = out.read_text("utf-8")
    assert embedded(page) == expected
    assert page.count("<svg") == 7  # progress, speed, mode, claim, quote types, suggestions, agreement
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:|//)""", page)  # nothing fetched
    assert f"<b>{expected['progress']['project_finish']}</b>" in page


def test_report_refusals_are_one_line(db, tmp_path, capsys, monkeypatch):
    assert main(["--db", str(db), "report", "--out", str(tmp_path)]) == 1
    assert "a folder; name the report file" in capsys.readouterr().err
    assert main(["--db", str(db), "report", "--out", str(tmp_path / "nope" / "r.html")]) == 1
    assert "no such folder" in capsys.readouterr().err
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # not installed
    assert main(["--db", str(db), "report", "--out", str(tmp_path / "r.html")]) == 1
    err = capsys.readouterr().err
    assert "pip install 'annotator[report]'" in err and "Traceback" not in err
    assert not (tmp_path / "r.html").exists()  # nothing partial
    assert not list(tmp_path.glob(".r.html.*"))


@pytest.mark.skipif(CHROMIUM is None, reason="no chromium here (Debian: apt-get install chromium)")
def test_the_report_in_a_real_browser(db, tmp_path):
    """Opened in headless chromium with every network request refused: the charts draw, the
    tables fill, and a screenshot is taken (tests/__snapshots__/report.png is the README's)."""
    pytest.importorskip("playwright", reason="the test extra installs playwright")
    from playwright.sync_api import sync_playwright

    out = tmp_path / "report.html"
    assert main(["--db", str(db), "report", "--out", str(out)]) == 0
    requested = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            page = browser.new_page(viewport={"width": 1100, "height": 900})
            page.route("**/*", lambda route: (requested.append(route.request.url), route.continue_())[1])
            page.goto(out.as_uri())
            assert page.title() == "annotator report · p.db"
            svgs = page.locator("svg")
            assert svgs.count() == 7
            assert all(svgs.nth(i).bounding_box()["height"] > 100 for i in range(svgs.count()))
            assert page.locator("table").first.locator("tbody tr").count() == 2  # alice, bob
            page.screenshot(path=str(tmp_path / "report.png"), full_page=True)
        finally:
            browser.close()
    assert requested == [out.as_uri()]  # the page itself, nothing else
    assert (tmp_path / "report.png").stat().st_size > 10_000


async def test_a_store_without_decisions_says_there_is_nothing_yet(tmp_path):
    from annotator.ingest import ingest_paths
    from tests.conftest import SEEDS

    db = tmp_path / "fresh.db"
    with Store(db) as store:
        ingest_paths(store, [SEEDS], suggest=False)
    app = make_app(db, "lead", dashboard=True)
    async with app.run_test(size=(120, 36)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        for key, section in enumerate(("progress", "speed", "labels", "suggestions", "agreement"), start=1):
            await pilot.press(str(key))  # a section is drawn when shown
            assert "nothing to show yet" in str(app.screen.query_one(f"#{section}-plot").render()), section
        assert "project finish at the current pace: — (no pace yet)" in text_of(app, "#progress-table")
