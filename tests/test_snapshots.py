"""SVG snapshots of the screens at a fixed size (pytest-textual-snapshot).

Update after a deliberate change with `pytest tests/test_snapshots.py --snapshot-update`, then
look at the SVGs in tests/__snapshots__/ before committing them.
"""

import pytest

from annotator.corpus.reader import SourceDoc
from annotator.ingest import analyse, ingest_paths
from annotator.model import Quote, SentenceLabels, Span
from annotator.store import Store
from annotator.tui.app import make_app
from tests.conftest import SEEDS

SIZE = (120, 36)


async def settled(pilot) -> None:
    """Deterministic frames: the progress count runs in a worker."""
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


@pytest.fixture
def app(tmp_path):
    db = tmp_path / "seeds.db"
    with Store(db) as s:
        ingest_paths(s, [SEEDS], suggest=False)
        first = s.next_unannotated("alice")
        s.record(
            first.sid,
            "alice",
            SentenceLabels(mode="reporting", claim="checkworthy", flags=["attribution_dropped"]),
        )
        row = s.next_unannotated("alice", first.sid)
        t = row.text
        cut, cue = t.index(", a annoncé"), t.index("a annoncé")
        quote = Quote(
            type="mixed",
            content=[Span(start=0, end=cut, text=t[:cut])],
            cue=Span(start=cue, end=cue + 9, text="a annoncé"),
            source=Span(start=cue + 10, end=len(t) - 1, text=t[cue + 10 : -1]),
            speaker="ministère chinois de la Défense",
        )
        s.record(row.sid, "alice", SentenceLabels(quotes=[quote]), status="todo")
    return make_app(db, "alice")


SIZES = [SIZE, (80, 24), (200, 60)]


@pytest.mark.parametrize("size", SIZES)
def test_main_screen(snap_compare, app, size):
    assert snap_compare(app, terminal_size=size, run_before=settled)


@pytest.mark.parametrize("size", SIZES)
def test_quote_mode(snap_compare, app, size):
    assert snap_compare(
        app, terminal_size=size, run_before=settled, press=["q", "right_square_bracket", "v", "l", "l", "l"]
    )


@pytest.mark.parametrize("size", SIZES)
def test_help(snap_compare, app, size):
    assert snap_compare(app, terminal_size=size, run_before=settled, press=["question_mark"])


def test_markup_like_text(snap_compare, tmp_path):
    db = tmp_path / "odd.db"
    odd = (
        "Titre [bold]piégé[/bold]\n"
        "Il a écrit [bold]gras[/bold], [/sic], [@click=app.quit]clic[/] et \x1b[31mrouge\x1b[0m, "
        "tab\tici, un mot_très_long_sans_espace_aucun_qui_déborde_de_la_ligne_prévue_pour_lui, "
        "שלום עולם, \u202eà l’envers\u202c et des émojis 🇫🇷🎉."
    )
    with Store(db) as s:
        s.ingest([analyse(SourceDoc("odd", "odd.txt", odd), suggest=False)])
    app = make_app(db, "alice")
    assert snap_compare(app, terminal_size=SIZE, run_before=settled, press=["j"])


def test_wide_characters_at_80x24(snap_compare, tmp_path):
    """East Asian wide characters and emoji (a family joined by U+200D, a flag) take two cells:
    the sentence box and the side panel stay aligned."""
    db = tmp_path / "wide.db"
    wide = (
        "北京与莫斯科 : une déclaration\n"
        "Le communiqué « 中俄联合军演 » a été partagé avec 👨\u200d👩\u200d👧 et 🇨🇳🇷🇺 par des internautes."
    )
    with Store(db) as s:
        s.ingest([analyse(SourceDoc("wide", "wide.txt", wide), suggest=False)])
    app = make_app(db, "alice")
    assert snap_compare(app, terminal_size=(80, 24), run_before=settled, press=["j"])


@pytest.mark.parametrize("size", [SIZE, (80, 24)])
def test_sentence_list(snap_compare, app, size):
    """The list at the labelling screen's sentence, filtered to the finished ones; its rows,
    count and keys fit an 80×24 terminal."""

    async def open_list(pilot) -> None:
        await settled(pilot)
        await pilot.press("L", "k", "s", "s")  # one row up; status: todo, then done
        await settled(pilot)

    assert snap_compare(app, terminal_size=size, run_before=open_list)
