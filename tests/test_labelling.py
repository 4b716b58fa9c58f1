"""The labelling screen's state logic, without Textual."""

from pathlib import Path

import pytest

from annotator.corpus.reader import SourceDoc
from annotator.corpus.text import visible
from annotator.corpus.tokens import tokens
from annotator.ingest import analyse
from annotator.labelling.quotes import QuoteDraft, inside_quotes, trim
from annotator.labelling.session import LabelSession
from annotator.model import Quote, SentenceLabels, Span
from annotator.store import Store

S2 = (
    "Pékin va envoyer des troupes en Russie pour participer à des exercices militaires conjoints à la fin du "
    "mois, afin « d’approfondir la coopération » entre les deux armées, a annoncé le ministère chinois de la Défense."
)


def test_visible_keeps_offsets_and_shows_controls():
    text = "a\x1b[31mb\tc\u202ed\u200be\x9bf"
    shown = visible(text)
    assert len(shown) == len(text)
    assert shown == "a␛[31mb c\ufffdd\ufffde\ufffdf"


def test_tokens_words_and_marks():
    """Inner hyphens and apostrophes stay in their word, but an inverted subject pronoun and an
    elided clitic are words of their own: the source "il" of "a-t-il" and the cue "accusez" of
    "m'accusez" can be selected (and tagged in IOB)."""
    text = "« L’objectif est d’approfondir », a-t-il dit, selon Jean-Claude ; peut-on, dit-elle, aujourd'hui."
    assert [text[t.start : t.end] for t in tokens(text)] == [
        "«", "L’", "objectif", "est", "d’", "approfondir", "»", ",", "a", "-", "t", "-", "il", "dit", ",",
        "selon", "Jean-Claude", ";", "peut", "-", "on", ",", "dit", "-", "elle", ",", "aujourd'hui", ".",
    ]  # fmt: skip
    text = "Vous m'accusez qu'il parte jusqu'au bout."
    assert [text[t.start : t.end] for t in tokens(text)] == [
        "Vous", "m'", "accusez", "qu'", "il", "parte", "jusqu'", "au", "bout", ".",
    ]  # fmt: skip


def test_trim_drops_outer_marks_unless_kept():
    text = "« Nous partirons »"
    assert text[slice(*trim(text, 0, len(text)))] == "Nous partirons"
    assert text[slice(*trim(text, 0, len(text), keep_marks=True))] == "« Nous partirons »"


def test_inside_quotes_innermost():
    text = "Il a dit « le mot “juste” ici » hier."
    assert text[slice(*inside_quotes(text, text.index("juste")))] == "juste"
    assert text[slice(*inside_quotes(text, text.index("mot")))] == "le mot “juste” ici"
    assert inside_quotes(text, text.index("hier")) is None


def select_words(d: QuoteDraft, first: str, last: str) -> None:
    words = [d.text[t.start : t.end] for t in d.toks]
    d.cursor = words.index(first)
    d.toggle_selection()
    d.cursor = words.index(last, d.cursor)


def test_draft_builds_scheme_example_2():
    d = QuoteDraft(S2)
    select_words(d, "Pékin", "armées")
    assert d.assign("content")
    select_words(d, "a", "annoncé")
    d.assign("cue")
    select_words(d, "le", "Défense")
    d.assign("source")
    d.type = "mixed"
    q = d.quote()
    assert q.content[0].text.startswith("Pékin") and q.content[0].text.endswith("armées")
    assert "« d’approfondir la coopération »" in q.content[0].text  # inner marks stay in mixed content
    assert (q.cue.text, q.source.text) == ("a annoncé", "le ministère chinois de la Défense")


def test_direct_content_drops_outer_marks_and_two_spans_around_an_incise():
    text = "« Nous partirons, a-t-il dit, et nous reviendrons »."
    d = QuoteDraft(text)
    select_words(d, "«", ",")
    d.assign("content")
    select_words(d, "et", "»")
    d.assign("content")
    assert [text[s:e] for s, e in d.content] == ["Nous partirons", "et nous reviendrons"]
    # insisting keeps the marks; a new span replaces the ones it overlaps
    select_words(d, "«", ",")
    d.assign("content", keep_marks=True)
    assert [text[s:e] for s, e in d.content] == ["« Nous partirons", "et nous reviendrons"]


def test_select_inside_quotes_and_mark_motion():
    text = "Il parle d’une coopération « de plus en plus importante », dit-il."
    d = QuoteDraft(text)
    d.to_mark(+1)
    assert text[d.toks[d.cursor].start] == "«"
    d.move(+2)
    assert d.select_inside_quotes()
    d.assign("content")
    assert [text[s:e] for s, e in d.content] == ["de plus en plus importante"]


def test_mouse_selection_snaps_to_words():
    d = QuoteDraft("Pékin a indiqué vouloir porter les relations")
    d.select_chars(2, 12)  # from inside "Pékin" to inside "indiqué"
    assert d.text[slice(*d.selection())] == "Pékin a indiqué"
    d.place(d.text.index("porter") + 2)
    assert d.text[slice(*d.selection())] == "porter"


def test_quote_without_content_is_refused():
    with pytest.raises(ValueError, match="needs content"):
        QuoteDraft("Un texte.").quote()


@pytest.fixture
def small_db(tmp_path) -> Path:
    """Two short documents, in an SQLite file."""
    text = "Titre du jour\nPhrase une. Phrase deux. Phrase trois.\nFermer\nPhrase quatre, dit-il."
    other = "Autre titre\nAutre phrase."
    with Store(tmp_path / "s.db") as store:
        store.ingest(
            [
                analyse(SourceDoc("d1", "d1.txt", text), suggest=False),
                analyse(SourceDoc("d2", "d2.txt", other), suggest=False),
            ]
        )
    return tmp_path / "s.db"


@pytest.fixture
def small(small_db, on_backend):
    """The two short documents, on either backend."""
    return on_backend(small_db)


def test_one_key_per_label_stores_and_advances_when_complete(small):
    s = LabelSession(small, "alice")
    first = s.current
    assert first.text == "Titre du jour"
    assert not s.set_label("mode", "reporting")  # stored, not complete: stays
    assert small.labels(first.sid, "alice").status == "todo"
    assert s.current.sid == first.sid
    assert s.set_label("claim", "none")  # complete: stored as done, moved on
    assert small.labels(first.sid, "alice").status == "done"
    assert s.current.text == "Phrase une."


def test_a_label_key_changes_only_that_label_on_a_suggested_sentence(small):
    """`c` on a sentence suggested reporting / check-worthy changes the mode and stays: the claim
    was never chosen on this visit. `enter` stores what is shown and moves on."""
    s = LabelSession(small, "alice")
    first = s.current
    s.suggestion = s.labels = SentenceLabels(mode="reporting", claim="checkworthy")
    assert not s.set_label("mode", "commentary")
    assert s.current.sid == first.sid
    row = small.labels(first.sid, "alice")
    assert (row.status, row.labels.mode, row.labels.claim) == ("todo", "commentary", "checkworthy")
    assert not s.set_label("claim", "factual")  # chosen by hand now, but it was not empty
    assert s.current.sid == first.sid
    assert s.accept()
    row = small.labels(first.sid, "alice")
    assert (row.status, row.labels.mode, row.labels.claim) == ("done", "commentary", "factual")
    assert s.current.text == "Phrase une."


def test_the_last_empty_label_advances_only_when_the_others_were_set_by_hand(small):
    s = LabelSession(small, "alice")
    first = s.current
    s.suggestion = s.labels = SentenceLabels(mode="reporting")  # the engine's mode, no claim
    assert not s.set_label("claim", "none")  # fills the last empty label; the mode was not chosen here
    assert not s.set_label("mode", "reporting")  # chosen now, but it was not empty
    assert s.current.sid == first.sid and small.labels(first.sid, "alice").status == "todo"
    assert s.accept() and s.current.text == "Phrase une."
    assert not s.set_label("claim", "factual")
    assert s.set_label("mode", "commentary")  # every other label set by hand, this one was empty
    assert s.current.text == "Phrase deux."


def test_editing_a_finished_sentence_never_advances(small):
    s = LabelSession(small, "alice")
    s.set_label("mode", "reporting")
    assert s.set_label("claim", "none")
    s.step(-1)
    assert not s.set_label("claim", "factual")
    assert not s.set_label("mode", "commentary")
    row = small.labels(s.current.sid, "alice")
    assert s.current.text == "Titre du jour"
    assert (row.status, row.labels.mode, row.labels.claim) == ("done", "commentary", "factual")


def test_auto_advance_can_be_turned_off(small):
    s = LabelSession(small, "alice", auto_advance=False)
    first = s.current
    assert not s.set_label("mode", "reporting")
    assert not s.set_label("claim", "none")
    assert s.current.sid == first.sid and small.labels(first.sid, "alice").status == "todo"
    assert s.accept() and small.labels(first.sid, "alice").status == "done"
    assert s.current.text == "Phrase une."


def test_block_type_is_corrected_per_annotator(small):
    s = LabelSession(small, "alice")
    s.step(+1)
    row = s.current
    assert (row.text, s.block_type) == ("Phrase une.", "body")
    # a teaser or boilerplate sentence takes no other label: finished, and the session moves on
    assert s.set_block_type("boilerplate")
    saved = small.labels(row.sid, "alice")
    assert (saved.status, saved.labels.block_type, saved.labels.mode) == ("done", "boilerplate", None)
    assert s.current.text == "Phrase deux."
    # back to the rules' type: stored as confirmed (null), and no longer finished without mode and claim
    s.go(row)
    assert not s.set_block_type("body")
    saved = small.labels(row.sid, "alice")
    assert (saved.status, saved.labels.block_type) == ("todo", None)
    # a labelled type is recorded and waits for mode and claim
    assert not s.set_block_type("caption")
    assert s.set_label("mode", "reporting") is False and s.set_label("claim", "none")
    assert small.labels(row.sid, "alice").labels.block_type == "caption"
    assert small.labels(row.sid, "bob") is None  # per annotator


def test_accept_needs_mode_and_claim(small):
    s = LabelSession(small, "alice")
    assert not s.accept()
    s.set_label("mode", "none")
    s.go(small.sentence(s.current.sid))
    s.labels = s.labels.model_copy(update={"claim": "none"})
    assert s.accept()


def test_flags_notes_quotes_keep_status(small):
    s = LabelSession(small, "alice")
    s.set_label("mode", "reporting")
    s.set_label("claim", "factual")
    s.step(-1)
    s.toggle_flag("uncertain")
    s.set_note("à revoir")
    row = small.labels(s.current.sid, "alice")
    assert row.status == "done" and row.labels.flags == ["uncertain"] and row.labels.note == "à revoir"
    s.toggle_flag("uncertain")
    assert small.labels(s.current.sid, "alice").labels.flags == []


def test_skip_boilerplate_when_stepping_unless_shown(small):
    s = LabelSession(small, "alice")
    texts = [s.current.text]
    while s.step(+1):
        texts.append(s.current.text)
    assert "Fermer" not in texts and texts[-1] == "Autre phrase."
    s.show_all = True
    s.jump("d1")
    texts = [s.current.text]
    while s.step(+1):
        texts.append(s.current.text)
    assert "Fermer" in texts


def test_undo_repeatedly_and_across_sessions(small):
    s = LabelSession(small, "alice")
    for _ in range(3):
        s.set_label("mode", "reporting")
        s.set_label("claim", "none")
    assert s.progress().done == 3
    s2 = LabelSession(small, "alice")  # a restart
    assert s2.current.text == "Phrase trois."  # resume where they stopped
    assert s2.undo() and s2.current.text == "Phrase deux."
    assert s2.labels.mode == "reporting" and s2.labels.claim is None
    assert s2.progress().done == 2
    assert s2.undo() and s2.labels.mode is None
    assert s2.progress().done == 2


def test_two_annotators_are_separate(small):
    a, b = LabelSession(small, "alice"), LabelSession(small, "bob")
    a.set_label("mode", "commentary")
    a.set_label("claim", "none")
    assert b.current.text == "Titre du jour" and b.labels.mode is None
    assert b.progress().done == 0 and a.progress().done == 1


def test_quotes_saved_sorted_and_speakers_completion(small):
    s = LabelSession(small, "alice")
    s.jump("d1")
    while "dit-il" not in s.current.text:
        s.step(+1)
    text = s.current.text
    quote = Quote(type="indirect", content=[Span(start=0, end=13, text=text[:13])], speaker="Ned Price")
    s.save_quote(quote)
    assert s.speakers() == ["Ned Price"]
    s.delete_quote(0)
    assert small.labels(s.current.sid, "alice").labels.quotes == []


def test_search_jump_document_progress(small):
    s = LabelSession(small, "alice")
    assert s.search("phrase DEUX") and s.current.text == "Phrase deux."
    assert s.step_document(+1) and s.current.doc_id == "d2"
    assert not s.step_document(+1)
    assert s.jump("d1") and s.current.text == "Titre du jour"
    p = s.progress()
    assert (p.doc_done, p.doc_total, p.done, p.total) == (0, 5, 0, 7)
    assert [d[0] for d in s.documents("2")] == ["d2"]


def test_search_folds_case_accents_apostrophes_and_spaces_and_skips_hidden_blocks(store):
    s = LabelSession(store, "alice")
    assert s.search("BOUEE DE  SAUVETAGE")
    assert s.current.text[slice(*s.found)] == "bouée de sauvetage"
    assert s.search("D'APPROFONDIR")  # ’ in the text, ' typed
    assert s.current.text[slice(*s.found)] == "d’approfondir"
    assert not s.search("A lire aussi")  # a teaser: hidden, so not found
    s.show_all = True
    assert s.search("a lire aussi") and s.current.block_type == "teaser"
    s.step(+1)
    assert s.found is None  # the match belongs to the sentence where it was found


@pytest.mark.parametrize(
    ("text", "needle", "found"),
    [
        ("La bouée d’été\u00a0est là", "BOUÉE", "bouée"),
        ("La bouée d’été\u00a0est là", "d'ete est", "d’été\u00a0est"),
        ("Straße  und  mehr", "strasse und", "Straße  und"),
        ("Rien ici", "ailleurs", None),
    ],
)
def test_find_folded_maps_the_match_back_to_the_text(text, needle, found):
    from annotator.corpus.text import find_folded

    at = find_folded(text, needle)
    assert (text[slice(*at)] if at else None) == found


def test_context_is_the_article_around_block_by_block(small):
    from annotator.tui import render

    s = LabelSession(small, "alice")
    s.set_label("mode", "reporting")
    s.set_label("claim", "none")  # the title, finished
    s.search("Phrase deux")
    ctx = s.context()
    assert ctx.title == "Titre du jour"
    assert [(p.block, p.block_type, p.text, p.finished) for p in ctx.before] == [
        (0, "headline", "Titre du jour", True),
        (1, "body", "Phrase une.", False),
    ]
    assert [(p.block, p.block_type, p.text) for p in ctx.after] == [
        (1, "body", "Phrase trois."),
        (2, "boilerplate", "Fermer"),
        (3, "body", "Phrase quatre, dit-il."),
    ]
    # drawn block by block: paragraphs apart, a hidden block as one line, finished sentences marked
    assert str(render.context(ctx.before, show_all=False)) == "✓ Titre du jour\n\nPhrase une."
    assert str(render.context(ctx.after, show_all=False)) == (
        "Phrase trois.\n\n⋯ boilerplate hidden (b shows it)\n\nPhrase quatre, dit-il."
    )
    assert "\n\nFermer\n\n" in str(render.context(ctx.after, show_all=True))


def test_nothing_left_needs_no_scan(small, monkeypatch):
    s = LabelSession(small, "alice")
    while s.progress().done < s.progress().total:
        s.set_label("mode", "reporting")
        s.set_label("claim", "none")
        if s.current.text == "Autre phrase." and s.saved and s.saved.status == "done":
            break
    assert s.progress().done == s.progress().total

    def no_scan(*args):
        raise AssertionError("scanned the store although the counts say nothing is left")

    monkeypatch.setattr(small, "next_unannotated", no_scan)
    assert not s.next_unannotated()
    s.undo()  # one sentence to do again: the store is asked once more
    monkeypatch.undo()
    assert s.next_unannotated() and s.saved.status == "todo"


def test_labels_are_read_on_first_use_and_per_sentence(store):
    """Arriving at a sentence reads no labels (the screen paints it first); the first use does,
    and moving on starts over. Resuming skips a finished sentence by its status alone."""
    session = LabelSession(store, "alice")
    first = session.current.sid
    assert not session.labels_read
    assert session.labels.mode is None and session.labels_read
    session.set_label("mode", "reporting")
    session.set_label("claim", "factual")  # complete: stored, on to the next sentence
    assert session.current.sid != first and not session.labels_read
    session.go(store.sentence(first))
    assert session.saved.status == "done" and session.labels.claim == "factual"
    assert store.status(first, "alice") == "done" and store.status(first, "bob") is None
    resumed = LabelSession(store, "alice")
    assert resumed.current.sid != first and not resumed.labels_read


def test_time_on_each_sentence_is_recorded_exported_and_paces_the_progress(small_db, tmp_path, monkeypatch):
    """Seconds from arriving at a sentence (or its last decision) to each decision, a pause over
    three minutes counted as three; exported with the record; the pace is sentences finished per
    hour of that time, and the progress line says how long is left."""
    import orjson

    from annotator.export.jsonl import export_jsonl
    from annotator.labelling import session as session_module
    from annotator.tui.render import progress_line

    clock = [1000.0]
    monkeypatch.setattr(session_module.time, "monotonic", lambda: clock[0])
    small = Store(small_db)  # export and counts read SQLite
    s = LabelSession(small, "alice")
    first = s.current
    clock[0] += 12
    s.set_label("mode", "reporting")
    clock[0] += 3600  # away for an hour: counts as three minutes
    s.set_label("claim", "none")  # finished, on to the next
    assert small.labels(first.sid, "alice") is not None
    assert small.db.execute("SELECT seconds FROM labels WHERE sid = ?", (first.sid,)).fetchone() == (192,)
    clock[0] += 48
    s.skip()
    export_jsonl(small, tmp_path / "e")
    lines = (tmp_path / "e" / "annotations.jsonl").read_bytes().splitlines()
    assert {orjson.loads(x)["text"]: orjson.loads(x)["seconds"] for x in lines} == {"Titre du jour": 192}
    p = s.progress()
    assert p.per_hour == round(2 * 3600 / 240, 1)  # 2 sentences in 4 minutes: 30 an hour
    assert small.counts()["annotators"]["alice"]["per_hour"] == 30.0
    left = (p.total - p.done) / p.per_hour
    assert f"about {round(left * 60)} min left" in str(progress_line(p))


def test_opening_a_finished_corpus_looks_only_a_bounded_way_for_open_work(small, monkeypatch):
    """On opening, the look for an open sentence after the last decision is bounded (a finished
    corpus of a million sentences would otherwise be scanned before the first paint)."""
    from annotator.labelling import session as session_module

    s = LabelSession(small, "alice")
    while (
        s.current is not None and s.set_label("mode", "reporting") is False and s.set_label("claim", "none")
    ):
        pass
    monkeypatch.setattr(session_module, "RESUME_LOOKAHEAD", 1)
    calls = []
    real = small.next_unannotated
    monkeypatch.setattr(small, "next_unannotated", lambda *a, **k: calls.append(k) or real(*a, **k))
    reopened = LabelSession(small, "alice", count=False)
    assert reopened.current is not None and calls and all(k.get("within") == 1 for k in calls)
    row = small.next_unannotated("bob", within=2)
    assert row is not None and row.text == "Titre du jour"
    assert small.next_unannotated("bob", small.first().sid, within=1).text == "Phrase une."


# ------------------------------------------------------------------------ fewer keys in quote mode

AFP = (
    "Pékin va envoyer des troupes en Russie, afin d’« approfondir la coopération » entre les deux "
    "armées, a annoncé le ministère chinois de la Défense."
)


def word(d: QuoteDraft) -> str:
    t = d.toks[d.cursor]
    return d.text[t.start : t.end]


def test_clause_motions_and_initials():
    d = QuoteDraft(AFP)
    d.to_clause_edge(1)
    assert word(d) == ","
    d.to_clause_edge(1)
    assert word(d) == "«"
    d.to_clause_edge(-1)
    assert word(d) == ","
    assert d.to_initial("A", 1) and word(d) == "afin"  # case folded
    assert d.to_initial("a", 1) and word(d) == "approfondir"
    assert d.to_initial("e", -1) and word(d) == "en"
    assert not d.to_initial("z", 1) and word(d) == "en"  # nothing that way: the cursor stays
    assert d.to_initial("d", 1) and word(d) == "d"  # the d of d’
    accents = QuoteDraft("Il a été élu hier.")
    assert accents.to_initial("e", 1) and word(accents) == "été"  # accents folded, as search folds
    assert accents.to_initial("E", 1) and word(accents) == "élu"
    d3 = QuoteDraft(AFP)
    assert d3.to_initial("d", 1) and word(d3) == "des"


def test_select_to_the_clause_edge_in_one_key():
    d = QuoteDraft(AFP)
    d.select_to_clause_edge()
    assert AFP[slice(*d.selection())] == "Pékin va envoyer des troupes en Russie"
    d.to_initial("a", 1)  # afin
    d.to_initial("a", 1)  # approfondir
    d.select_to_clause_edge()
    assert AFP[slice(*d.selection())] == "approfondir la coopération"


def test_the_type_follows_the_content_until_chosen():
    d = QuoteDraft(AFP)
    d.select_to_clause_edge()
    d.assign("content")
    assert d.type == "indirect"  # no quotation marks
    d.to_initial("a", 1)
    d.to_initial("a", 1)
    d.select_inside_quotes()
    d.assign("content")  # a second span, inside « »: partly quoted
    assert d.type == "mixed"
    only = QuoteDraft(AFP)
    only.to_initial("a", 1)
    only.to_initial("a", 1)
    only.select_inside_quotes()
    only.assign("content")
    assert only.type == "direct"
    only.type, only.typed = "indirect", True  # the annotator's choice stays
    only.assign("content")
    assert only.type == "indirect"


def test_the_speaker_defaults_to_what_the_source_names():
    from annotator.labelling.quotes import default_speaker

    assert default_speaker("le ministère chinois de la Défense", []) == "ministère chinois de la Défense"
    assert default_speaker("Wang  Wenbin", []) == "Wang Wenbin"
    assert default_speaker("l’ambassadeur", []) == "ambassadeur"
    assert default_speaker("Il", ["Wang Wenbin", "Poutine"]) == "Wang Wenbin"  # the article's last speaker
    assert default_speaker("elle", []) is None


def test_a_span_is_edited_in_place():
    d = QuoteDraft(AFP)
    d.to_initial("a", 1)
    d.to_initial("a", 1)  # approfondir
    d.assign("content")  # one word
    assert d.move_edge(False, 2)  # the end two words later
    assert [AFP[s:e] for s, e in d.content] == ["approfondir la coopération"]
    assert d.move_edge(False, 1)  # past the closing mark: the mark is trimmed, the word is in
    assert [AFP[s:e] for s, e in d.content] == ["approfondir la coopération » entre"]
    assert d.type == "mixed"  # the type follows the content
    assert d.snap()  # back to the quotation marks around it
    assert [AFP[s:e] for s, e in d.content] == ["approfondir la coopération"] and d.type == "direct"
    assert d.move_edge(True, -3)  # the start three words earlier: « d’ afin
    assert AFP[slice(*d.content[0])].startswith("afin")
    d.to_initial("P", -1)  # Pékin: no span of the quote there
    assert not d.move_edge(False, 1) and not d.snap()
    d.select_to_clause_edge()
    d.assign("source")
    d.move_edge(True, 3)  # the source's start three words later
    assert AFP[slice(*d.source)] == "des troupes en Russie"
    d.snap()  # to its clause
    assert AFP[slice(*d.source)] == "Pékin va envoyer des troupes en Russie"
