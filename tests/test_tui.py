"""Pilot tests: press keys in the real app, assert on what the store holds and what is shown."""

from pathlib import Path

import pytest

from annotator.corpus.reader import SourceDoc
from annotator.errors import UserError
from annotator.ingest import analyse, ingest_paths
from annotator.store import Store
from annotator.tui.app import make_app
from annotator.tui.keymap import load_config
from tests.conftest import SEEDS

SIZE = (120, 36)


def one_document(tmp_path: Path, text: str, doc_id: str = "d") -> Path:
    """A store holding one document, without suggestions."""
    db = tmp_path / f"{doc_id}.db"
    with Store(db) as s:
        s.ingest([analyse(SourceDoc(doc_id, f"{doc_id}.txt", text), suggest=False)])
    return db


def labels_of(db: Path, annotator: str = "alice"):
    with Store(db) as s:
        return [(r.text, s.labels(r.sid, annotator)) for r in s.sentences() if s.labels(r.sid, annotator)]


def shown(app, selector: str) -> str:
    return str(app.screen.query_one(selector).render())


async def test_block_type_picker(seeds_db):
    app = make_app(seeds_db, "alice")
    async with app.run_test(size=SIZE) as pilot:
        assert "headline" in shown(app, "#panel")
        await pilot.press("T")
        await pilot.press("p")  # boilerplate: finished, on to the next sentence
        assert "Pékin va envoyer" in shown(app, "#sentence")
        await pilot.press("T", "escape")  # cancelled: nothing stored
    stored = labels_of(seeds_db)
    assert [(r.status, r.labels.block_type) for _, r in stored] == [("done", "boilerplate")]


async def test_block_type_picker_keys_are_remappable(seeds_db, tmp_path):
    keys = tmp_path / "keys.toml"
    keys.write_text('[keymap]\n"block_type.boilerplate" = "z"\n', "utf-8")
    app = make_app(seeds_db, "alice", load_config(keys))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("T")
        assert " z  ○ boilerplate" in str(app.screen.query("Static").last().render())
        await pilot.press("p")  # no longer bound in the picker
        await pilot.press("z")
    stored = labels_of(seeds_db)
    assert [(r.status, r.labels.block_type) for _, r in stored] == [("done", "boilerplate")]


async def test_palette_offers_the_screen_actions_with_their_keys(seeds_db):
    app = make_app(seeds_db, "alice")
    async with app.run_test(size=SIZE) as pilot:
        commands = {c.title: c for c in app.get_system_commands(app.screen)}
        toggle = commands["Toggle boilerplate"]
        assert toggle.help.endswith("(b)")
        await toggle.callback()
        await pilot.pause()
        assert app.screen.session.show_all


async def test_label_keys_store_and_advance(seeds_db):
    app = make_app(seeds_db, "alice")
    async with app.run_test(size=SIZE) as pilot:
        assert "La Chine va envoyer des troupes" in shown(app, "#sentence")
        await pilot.press("a", "r", "3")  # flag, mode, claim: complete, so it moves on
        assert "Pékin va envoyer" in shown(app, "#sentence")
        await pilot.press("c", "1", "x")  # commentary/no claim, then skip the third
        await pilot.press("enter")  # nothing set: refused, stays
    stored = labels_of(seeds_db)
    assert [(r.status, r.labels.mode, r.labels.claim, r.labels.flags) for _, r in stored] == [
        ("done", "reporting", "checkworthy", ["attribution_dropped"]),
        ("done", "commentary", "none", []),
        ("skipped", None, None, []),
    ]


async def test_a_key_waiting_for_the_store_never_stops_the_screen(seeds_db):
    """Another process holds the store's write lock for 1.5 s: the key's decision waits in a
    thread while the screen goes on drawing (a timer keeps ticking) and says that it is waiting;
    then the decision is stored and the screen moves on."""
    import sqlite3
    import threading
    import time

    other = sqlite3.connect(seeds_db, isolation_level=None, check_same_thread=False)
    app = make_app(seeds_db, "alice")
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        said: list[bool] = []
        real_waiting = screen.waiting

        def waiting(on: bool) -> None:
            said.append(on)
            real_waiting(on)
            if on:
                assert "waiting for another process" in shown(app, "#progress")

        screen.waiting = waiting
        await pilot.press("r")
        ticks: list[float] = []
        app.set_interval(0.05, lambda: ticks.append(time.monotonic()))
        other.execute("BEGIN IMMEDIATE")  # an ingest's transaction, say
        threading.Timer(1.5, lambda: other.execute("COMMIT")).start()
        t = time.monotonic()
        await pilot.press("3")
        assert time.monotonic() - t >= 1.4
        assert said == [True, False]
        assert len([x for x in ticks if x - t < 1.4]) >= 10  # the event loop ran all along
        assert "Pékin va envoyer" in shown(app, "#sentence")
        assert "waiting" not in shown(app, "#progress")
    other.close()
    assert [(r.labels.mode, r.labels.claim) for _, r in labels_of(seeds_db)] == [("reporting", "checkworthy")]


async def test_a_label_key_on_a_suggestion_changes_it_and_the_panel_says_what_enter_stores(tmp_path):
    db = tmp_path / "s.db"
    with Store(db) as s:
        ingest_paths(s, [SEEDS])  # with the engine's suggestions
    app = make_app(db, "alice")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("c")
        assert "⏎ needs a claim" in shown(app, "#panel")
        await pilot.press("3")  # the last empty label, the other set by hand: finished, moves on
        assert "Pékin va envoyer" in shown(app, "#sentence")
        assert "⏎ stores: reporting · check-worthy" in shown(app, "#panel")  # the suggestion
        await pilot.press("q")  # the suggested quote is not counted as saved
        assert "New quote (1 suggested, not saved)" in str(app.screen.query_one("#quote-title").render())
        await pilot.press("escape")
        await pilot.press("c")  # changes the mode only, and stays
        assert "Pékin va envoyer" in shown(app, "#sentence")
        assert "⏎ stores: commentary · check-worthy" in shown(app, "#panel")
        await pilot.press("enter")
        assert "Pékin va envoyer" not in shown(app, "#sentence")
    stored = [(r.status, r.labels.mode, r.labels.claim, r.origin) for _, r in labels_of(db)]
    assert stored == [
        ("done", "commentary", "checkworthy", "manual"),
        ("done", "commentary", "checkworthy", "manual"),
    ]


async def test_finishing_the_last_sentence_shows_the_end_of_work(tmp_path):
    from annotator.tui.screens.prompt import MessageScreen

    app = make_app(one_document(tmp_path, "Titre du jour\nUne phrase. Une autre."), "alice")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("r", "1", "x", "c")
        assert not isinstance(app.screen, MessageScreen)
        await pilot.press("2")  # the last open sentence
        assert isinstance(app.screen, MessageScreen)
        text = " ".join(str(w.render()) for w in app.screen.query("Static"))
        assert "All done" in text and "2 done, 1 skipped" in text and "annotator export" in text
        assert "Set the mode" not in " ".join(str(n.message) for n in app._notifications)
        await pilot.press("escape")
        assert not isinstance(app.screen, MessageScreen) and "Une autre." in shown(app, "#sentence")


async def test_the_speaker_prompt_completes_with_tab_and_lists_every_known_speaker(tmp_path):
    from textual.widgets import Input

    from annotator.model import Quote, SentenceLabels, Span
    from annotator.tui.screens.prompt import PromptScreen

    db = one_document(tmp_path, "Titre\n" + " ".join(f"Phrase {k}, a dit quelqu’un." for k in range(12)))
    with Store(db) as s:
        rows = [r for r in s.sentences() if r.text.startswith("Phrase")]
        names = [f"Orateur {k}" for k in range(10)] + ["Xi Jinping"]
        for name, row in zip(names, rows[1:], strict=True):
            quote = Quote(type="indirect", content=[Span(start=0, end=6, text=row.text[:6])], speaker=name)
            s.record(row.sid, "alice", SentenceLabels(mode="reporting", claim="none", quotes=[quote]))
    app = make_app(db, "alice")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("j", "q", "p")
        assert isinstance(app.screen, PromptScreen)
        known = str(app.screen.query_one("#prompt-known").render())
        assert all(name in known for name in names)  # all of them, not the first eight
        await pilot.press("X", "i", "tab")
        assert app.screen.query_one(Input).value == "Xi Jinping"
        await pilot.press("enter")
        assert "speaker Xi Jinping" in str(app.screen.query_one("#draft-fields").render())


async def test_undo_and_navigation_keys(seeds_db):
    app = make_app(seeds_db, "alice")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("r", "2", "r", "2")
        await pilot.press("u")  # each key was one decision: undo the claim, then the mode
        assert "Pékin va envoyer" in shown(app, "#sentence")  # the undone sentence is shown again
        await pilot.press("backspace")
        assert "Pékin va envoyer" in shown(app, "#sentence")
        await pilot.press("u", "u")
        assert "La Chine va envoyer" in shown(app, "#sentence")
        await pilot.press("J")
        assert app.screen.session.current.doc_id.startswith("001")
        await pilot.press("K", "j", "k", "n")
        assert app.screen.session.current.doc_id.startswith("000")
    assert labels_of(seeds_db) == []


async def test_quote_mode_without_mouse(seeds_db):
    """SCHEME example 2, built with the keyboard only."""
    app = make_app(seeds_db, "alice")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("j", "q")
        await pilot.press("v", "right_square_bracket", "right_square_bracket", *["l"] * 4, "c")
        await pilot.press("l", "l", "v", "l", "r")
        await pilot.press("l", "v", *["l"] * 5, "s", "m", "p")
        await pilot.press(*"Ministère", "enter")
        await pilot.press("enter")  # save the quote
        assert "1. mixed" in shown(app, "#panel")
        await pilot.press("r", "3")
    ((text, row),) = labels_of(seeds_db)
    (quote,) = row.labels.quotes
    assert quote.type == "mixed" and quote.speaker == "Ministère"
    assert quote.content[0].text.endswith("entre les deux armées")
    assert (quote.cue.text, quote.source.text) == ("a annoncé", "le ministère chinois de la Défense")
    assert row.status == "done"


async def test_quote_delete_and_escape(seeds_db):
    app = make_app(seeds_db, "alice")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("q", "v", "l", "l", "c", "enter")  # a quote on the headline
        await pilot.press("q", "escape")  # open and cancel: nothing changes
        await pilot.press("q", "x", "escape")  # delete the quote under the cursor
    ((_, row),) = labels_of(seeds_db)
    assert row.labels.quotes == [] and row.status == "todo"


async def test_two_quotes_on_one_word_are_chosen_never_guessed(seeds_db):
    """Two quotes share the first word: `x` asks which, `e` picks one and again the next, `x`
    deletes the one picked. The dialog counts only what is saved."""
    app = make_app(seeds_db, "alice")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("q")
        assert "New quote (0 saved)" in str(app.screen.query_one("#quote-title").render())
        await pilot.press("v", "l", "c", "enter")  # quote 1: the first two words
        await pilot.press("q", "v", "l", "l", "c", "enter")  # quote 2: the first three
        await pilot.press("q")
        assert "New quote (2 saved)" in str(app.screen.query_one("#quote-title").render())
        await pilot.press("x")  # two quotes under the cursor: not a guess
        assert any("2 quotes here" in str(n.message) for n in app._notifications)
        await pilot.press("e", "e")  # quote 1, then quote 2
        assert "Edit quote 2" in str(app.screen.query_one("#quote-title").render())
        await pilot.press("x", "escape")
    ((_, row),) = labels_of(seeds_db)
    assert [q.content[0].text for q in row.labels.quotes] == ["La Chine"]


async def test_mouse_click_places_cursor(seeds_db):
    app = make_app(seeds_db, "alice")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("q")
        draft = app.screen.draft
        await pilot.click(
            "#draft", offset=(4 + 3, 2)
        )  # the "Chine" of "La Chine…", inside border and padding
        assert draft.text[draft.toks[draft.cursor].start : draft.toks[draft.cursor].end] == "Chine"


async def test_markup_and_escapes_are_shown_literally(tmp_path):
    odd = "Il a écrit [bold]gras[/bold] et [/sic] puis \x1b[31mrouge\x1b[0m, tab\tici, [@click=app.quit]x[/]."
    app = make_app(one_document(tmp_path, odd, "odd"), "alice")
    async with app.run_test(size=SIZE):
        text = shown(app, "#sentence")
        assert "[bold]gras[/bold]" in text and "[/sic]" in text and "␛[31mrouge␛[0m" in text
        assert "[@click=app.quit]x[/]" in text
        assert app.is_running


async def test_remapped_keys(seeds_db, tmp_path):
    keys = tmp_path / "keys.toml"
    keys.write_text('[keymap]\n"mode.reporting" = "f5"\n"claim.checkworthy" = "w"\n', "utf-8")

    config = load_config(keys)
    app = make_app(seeds_db, "alice", config)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f5", "w")
        assert "f5" in shown(app, "#panel")
    ((_, row),) = labels_of(seeds_db)
    assert (row.labels.mode, row.labels.claim) == ("reporting", "checkworthy")


def test_bad_keymap_files(tmp_path):
    f = tmp_path / "keys.toml"
    f.write_text('[keymap]\n"mode.reporting" = \n', "utf-8")
    with pytest.raises(UserError, match=r"keys.toml: .*line 2"):
        load_config(f)
    f.write_text('[keymap]\n"nope" = "x"\n', "utf-8")
    with pytest.raises(UserError, match="unknown binding id 'nope'"):
        load_config(f)


def test_a_key_bound_to_two_actions_of_one_screen_is_refused(tmp_path):
    f = tmp_path / "keys.toml"
    f.write_text('[keymap]\n"mode.commentary" = "r"\n', "utf-8")
    with pytest.raises(
        UserError,
        match="keys.toml: r is bound to both mode.reporting and mode.commentary in the labelling screen",
    ):
        load_config(f)
    f.write_text('[keymap]\n"review.take_a" = "x"\n', "utf-8")  # the review screen has the labelling keys too
    with pytest.raises(UserError, match="x is bound to both skip and review.take_a in the review screen"):
        load_config(f)
    # moving one binding away first is fine, and so is a key that two screens use apart
    f.write_text('[keymap]\n"mode.reporting" = "R"\n"mode.commentary" = "r"\n"quote.cue" = "r"\n', "utf-8")
    assert load_config(f).keymap == {"mode.reporting": "R", "mode.commentary": "r", "quote.cue": "r"}


def test_auto_advance_is_a_setting(tmp_path):
    f = tmp_path / "keys.toml"
    assert load_config(None).auto_advance is True
    f.write_text("[labelling]\nauto_advance = false\n", "utf-8")
    assert load_config(f).auto_advance is False
    f.write_text('[labelling]\nauto_advance = "no"\n', "utf-8")
    with pytest.raises(UserError, match="keys.toml: auto_advance must be true or false"):
        load_config(f)
    f.write_text("[labelling]\nautoadvance = false\n", "utf-8")
    with pytest.raises(UserError, match="keys.toml: unknown setting 'autoadvance' in \\[labelling\\]"):
        load_config(f)


async def test_help_note_search_and_documents(seeds_db):
    app = make_app(seeds_db, "alice")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("question_mark")
        assert "Guideline" in shown(app, "#help-text") and "Reporting" in shown(app, "#help-text")
        await pilot.press("escape", "m", *"voir", "enter")
        await pilot.press("slash", *"NED  PRICE", "enter")  # case and spaces folded
        assert "Ned Price" in shown(app, "#sentence")
        from annotator.tui.render import FOUND

        content = app.screen.query_one("#sentence").render()
        text = str(content)
        assert [text[sp.start : sp.end] for sp in content.spans if str(sp.style) == FOUND] == ["Ned Price"]
        await pilot.press("g", *"004", "enter")
        assert app.screen.session.current.doc_id.startswith("004")
    ((_, row),) = labels_of(seeds_db)
    assert row.labels.note == "voir"


async def test_switch_annotator_from_palette(seeds_db):
    app = make_app(seeds_db, "alice")
    async with app.run_test(size=SIZE) as pilot:
        app.switch_annotator()
        await pilot.pause()
        await pilot.press("ctrl+a", "ctrl+k", *"bob", "enter")
        await pilot.pause()
        await pilot.press("r", "2")
    assert labels_of(seeds_db, "alice") == [] and len(labels_of(seeds_db, "bob")) == 1


async def test_mouse_drag_selects_words(seeds_db):
    app = make_app(seeds_db, "alice")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("q")
        await pilot.mouse_down("#draft", offset=(4 + 3, 2))  # "Chine"
        await pilot.mouse_up("#draft", offset=(4 + 17, 2))  # "envoyer"
        await pilot.press("c", "enter")
    ((_, row),) = labels_of(seeds_db)
    assert row.labels.quotes[0].content[0].text == "Chine va envoyer"


async def test_palette_statistics_and_export(seeds_db, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    app = make_app(seeds_db, "alice")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("r", "2")
        app.statistics()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert "documents   5" in str(app.screen.query_one("MessageScreen Static:last-of-type").render())
        await pilot.press("escape")
        app.export()
        await app.workers.wait_for_complete()
    assert len((tmp_path / "exports" / "annotations.jsonl").read_bytes().splitlines()) == 1


FIRST_PAINT = """
import asyncio, json, sys
from pathlib import Path
from annotator.tui.app import make_app

async def main():
    app = make_app(Path(sys.argv[1]), "alice")
    seen = []
    display = app._display

    def paint(screen, renderable):
        display(screen, renderable)
        if renderable is not None:
            try:
                sentence = str(app.screen.query_one("#sentence").render()).strip()
                panel = str(app.screen.query_one("#panel").render())
            except Exception:
                return
            seen.append({"sentence": bool(sentence), "panel": "Mode" in panel, "models": "pydantic" in sys.modules})

    app._display = paint
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        await pilot.press("r")  # a key right at the start works on the labels read by then
        await pilot.pause()
    print(json.dumps(seen))

asyncio.run(main())
"""


def test_first_paint_shows_the_sentence_before_the_models_are_imported(seeds_db):
    """The sentence is painted before pydantic is imported; the labels panel follows."""
    import json
    import subprocess
    import sys

    out = subprocess.run(
        [sys.executable, "-c", FIRST_PAINT, str(seeds_db)], capture_output=True, text=True, check=True
    ).stdout
    paints = json.loads(out.strip().splitlines()[-1])
    first = next(p for p in paints if p["sentence"])
    assert first == {"sentence": True, "panel": False, "models": False}
    assert any(p["panel"] and p["models"] for p in paints)
    assert labels_of(seeds_db)[0][1].labels.mode == "reporting"


async def test_notices_say_what_a_key_did_and_help_works_in_quote_mode(seeds_db):
    from annotator.tui.screens.help import HelpScreen

    app = make_app(seeds_db, "alice")

    def said() -> str:
        return " | ".join(str(n.message) for n in app._notifications)

    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("r", "3")  # finished by the keys: no accept notice needed
        await pilot.press("c", "1")
        await pilot.press("u")  # back to the sentence, before its claim
        assert "Undone your last decision: this sentence is in progress again (it was done)." in said()
        await pilot.press("1", "enter")  # a new visit: the claim key stays, enter stores
        assert "Stored: commentary · no claim." in said()
        await pilot.press("x")
        assert "Skipped." in said()
        await pilot.press("J")
        assert "New document: « Renforcer la capacité des deux parties à préserver » la paix" in said()
        await pilot.press("q", "question_mark")
        assert isinstance(app.screen, HelpScreen)
        assert app.screen.query_one("#help-dialog").region.right <= 80  # fits the 80 columns


async def test_the_current_sentence_is_always_in_view_at_80x24(seeds_db):
    """Stepping through every seed sentence on an 80×24 terminal: the sentence box is inside the
    screen and shows the whole sentence, with the article above and below filling the rest."""
    app = make_app(seeds_db, "alice")
    async with app.run_test(size=(80, 24)) as pilot:
        seen = 0
        while True:
            box = app.screen.query_one("#sentence-scroll")
            sentence = app.screen.query_one("#sentence")
            assert box.region.y >= 1 and box.region.bottom <= 22, app.screen.session.current.text
            assert box.max_scroll_y == 0 and sentence.region.height > 0  # the whole sentence, no scrolling
            seen += 1
            before = app.screen.session.current.sid
            await pilot.press("j")
            if app.screen.session.current.sid == before:
                break
        assert seen == 83


@pytest.mark.parametrize("long", [False, True])
async def test_the_quote_dialog_fits_80x24(tmp_path, long):
    """Every line of the quote dialog, down to its keys, is inside the dialog at 80×24, for a
    short sentence and for a long one with a saved quote."""
    sentence = "« Nous renforcerons la coopération », a déclaré le ministre chinois de la Défense."
    if long:
        sentence = sentence[:-1] + (", lors d’une conférence de presse tenue à Pékin" * 5) + "."
    app = make_app(one_document(tmp_path, sentence), "alice")
    async with app.run_test(size=(80, 24)) as pilot:
        if long:  # a quote saved first, so the dialog lists it
            await pilot.press("q", "v", "l", "l", "c", "enter")
        await pilot.press("q")
        dialog = app.screen.query_one("#quote-dialog")
        fields = app.screen.query_one("#draft-fields")
        assert "esc close" in str(fields.render())
        assert ("1 saved" if long else "0 saved") in str(app.screen.query_one("#quote-title").render())
        assert fields.region.bottom <= dialog.region.bottom - 1  # above the dialog's bottom border
        assert fields.region.height == fields.virtual_size.height  # none of its lines cut


async def test_the_panel_labels_are_clickable(seeds_db):
    app = make_app(seeds_db, "alice")
    async with app.run_test(size=SIZE) as pilot:
        panel = app.screen.query_one("#panel")
        lines = str(panel.render()).splitlines()

        async def click(label: str) -> None:
            row = next(i for i, line in enumerate(lines) if line.endswith(label))
            await pilot.click("#panel", offset=(8, 1 + row))  # 1: the panel's padding
            await pilot.pause()

        await click("reporting")
        await click("check-worthy")  # the last empty label, both chosen here: stored, next
        assert "Pékin va envoyer" in shown(app, "#sentence")
    ((_, row),) = labels_of(seeds_db)
    assert (row.status, row.labels.mode, row.labels.claim) == ("done", "reporting", "checkworthy")


async def test_the_end_of_work_is_said_once_not_on_every_later_key(tmp_path):
    from annotator.tui.screens.prompt import MessageScreen

    app = make_app(one_document(tmp_path, "Titre du jour\nUne phrase."), "alice")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("r", "1", "o", "1")
        assert isinstance(app.screen, MessageScreen)
        await pilot.press("escape", "k", "x")  # skipping a finished sentence finishes nothing new
        assert not isinstance(app.screen, MessageScreen)


async def test_counts_initials_and_clause_edges_in_quote_mode(tmp_path):
    """`5l` moves five words, `f` + a letter jumps to the next word so starting, `t` selects to
    the clause edge, `2)` passes two clause edges; the type is read from the content."""
    text = (
        "Pékin va envoyer des troupes en Russie, afin d’« approfondir la coopération » entre les deux "
        "armées, a annoncé le ministère chinois de la Défense."
    )
    app = make_app(one_document(tmp_path, text), "alice")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("q", "5", "l")
        draft = app.screen.draft
        assert draft.cursor == 5  # "en"
        await pilot.press("f", "a", "f", "a")  # afin, then approfondir
        assert text[draft.toks[draft.cursor].start :].startswith("approfondir")
        await pilot.press("t", "c")  # select to the closing mark, as content
        assert [text[s:e] for s, e in draft.content] == ["approfondir la coopération"]
        assert draft.type == "direct" and "from the content" in str(
            app.screen.query_one("#draft-fields").render()
        )
        await pilot.press(
            "2", "right_parenthesis", "l", "v", "l", "r"
        )  # the cue: after the second clause edge
        assert text[slice(*draft.cue)] == "a annoncé"
        await pilot.press("f", "m", "v", "4", "l", "s")  # the source: « le ministère … Défense »
        assert draft.speaker == "ministère chinois de la Défense"  # pre-filled from the source
        await pilot.press("F", "z")  # no such word: said, and the cursor stays
        assert any("No word starting with 'z'" in str(n.message) for n in app._notifications)
        await pilot.press("enter")
    ((_, row),) = labels_of(tmp_path / "d.db")
    (quote,) = row.labels.quotes
    assert (quote.type, quote.content[0].text, quote.cue.text) == (
        "direct",
        "approfondir la coopération",
        "a annoncé",
    )


async def test_one_key_keeps_a_suggested_quote_and_one_drops_another(tmp_path):
    """A suggestion with two quotes: `y` keeps the first, `d` drops the second, `enter` stores
    the rest of the suggestion: three keys, no dialog."""
    from annotator.model import Quote, SentenceLabels, Span

    text = "« Nous coopérons », a dit Wang, et « rien ne change », a ajouté Li."
    db = one_document(tmp_path, text)

    def quote(content: str, cue: str) -> Quote:
        c, k = text.index(content), text.index(cue)
        return Quote(
            type="direct",
            content=[Span(start=c, end=c + len(content), text=content)],
            cue=Span(start=k, end=k + len(cue), text=cue),
        )

    suggested = SentenceLabels(
        mode="reporting",
        claim="factual",
        quotes=[quote("Nous coopérons", "a dit"), quote("rien ne change", "a ajouté")],
    )
    with Store(db) as s:
        with s.write() as w:
            w.execute(
                "INSERT INTO suggestions VALUES (?, 'test', ?)", (s.first().sid, suggested.model_dump_json())
            )
    app = make_app(db, "alice")
    async with app.run_test(size=SIZE) as pilot:
        assert "▸1. direct: «Nous coopérons»" in shown(app, "#panel")
        await pilot.press("y")
        assert "▸2. direct: «rien ne change»" in shown(app, "#panel")
        await pilot.press("d")
        assert any("Quote 2 dropped" in str(n.message) for n in app._notifications)
        await pilot.press("enter")
    ((_, row),) = labels_of(db)
    assert row.status == "done" and [q.content[0].text for q in row.labels.quotes] == ["Nous coopérons"]
    assert (row.labels.mode, row.labels.claim, row.origin) == ("reporting", "factual", "manual")


async def test_a_saved_span_is_edited_without_deleting_it(tmp_path):
    text = "« Nous coopérons avec Moscou », a dit le porte-parole."
    db = one_document(tmp_path, text)
    app = make_app(db, "alice")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("q", "l", "v", "l", "c", "enter")  # « Nous coopérons » saved, two words short
        await pilot.press("q", "l", "e")  # edit the quote under the cursor
        await pilot.press("2", "greater_than_sign")  # its end two words later
        assert [text[s:e] for s, e in app.screen.draft.content] == ["Nous coopérons avec Moscou"]
        await pilot.press("enter")
    ((_, row),) = labels_of(db)
    (quote,) = row.labels.quotes
    assert quote.content[0].text == "Nous coopérons avec Moscou" and quote.type == "direct"


async def test_a_count_before_a_role_key_takes_that_many_words(tmp_path):
    """`2r`: the cue is the word under the cursor and the next, as a count before an operator in vi."""
    db = one_document(tmp_path, "Moscou a confirmé la date des manœuvres, selon l’agence.", "c")
    app = make_app(db, "alice")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("q", "l", "2", "r", "home", "s", "f", "l", "5", "c")
        assert app.screen.count == 0 and app.screen.draft.anchor is None
        await pilot.press("enter")
    ((_, row),) = labels_of(db)
    (quote,) = row.labels.quotes
    assert (quote.cue.text, quote.source.text, quote.content[0].text) == (
        "a confirmé",
        "Moscou",
        "la date des manœuvres",  # five words from "la", the comma trimmed
    )
    assert (quote.type, quote.speaker) == ("indirect", "Moscou")


async def test_jump_labels_move_the_cursor_to_any_word(tmp_path):
    """`w` puts a label on every word; typing one moves there (in a long sentence the first
    words keep one letter, the others get two, and no label starts another)."""
    from annotator.labelling.quotes import hint_labels

    short = one_document(tmp_path, "Moscou a confirmé la date des manœuvres, selon l’agence.", "s")
    app = make_app(short, "alice")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("q", "w")
        draft = app.screen.draft
        labels = hint_labels(len(draft.toks))
        target = next(i for i, t in enumerate(draft.toks) if draft.text[t.start : t.end] == "manœuvres")
        assert labels[target] in str(app.screen.query_one("#draft").render())
        await pilot.press(labels[target])
        assert draft.cursor == target and app.screen.hints is None
        await pilot.press("w", "escape")  # labels away, nothing moved
        assert draft.cursor == target and app.screen.hints is None
    long = " ".join(f"mot{i}" for i in range(40)) + "."
    app = make_app(one_document(tmp_path, long, "l"), "alice")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("q", "w")
        labels = hint_labels(len(app.screen.draft.toks))
        assert len(set(labels)) == 41 and {len(label) for label in labels[:25]} == {1}
        assert not any(a != b and b.startswith(a) for a in labels for b in labels)
        assert len(labels[33]) == 2
        await pilot.press(*labels[33])
        assert long[slice(app.screen.draft.toks[33].start, app.screen.draft.toks[33].end)] == "mot33"
        assert app.screen.draft.cursor == 33
