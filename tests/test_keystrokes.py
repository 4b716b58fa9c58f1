"""The keystroke search (labelling/keystrokes.py): the keys it finds, pressed on the real screens
through Pilot, store exactly the gold labels."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.keys import _character_to_key

from annotator.ingest import ingest_paths
from annotator.labelling.keystrokes import BEFORE, NOW, Sentence, quote_key, quote_keys, sentence_keys
from annotator.model import Quote, SentenceLabels, Span
from annotator.store import Store
from annotator.tui.app import make_app
from tests.conftest import SEEDS, seeds_gold

SIZE = (120, 36)


def key_names(keys: tuple[str, ...]) -> list[str]:
    """The keys as Pilot presses them (a typed character by its key name)."""
    return [k if len(k) > 1 else _character_to_key(k) for k in keys]


def gold_sentences(db: Path) -> list[tuple[int, SentenceLabels]]:
    gold = seeds_gold()
    with Store(db) as s:
        return [(r.sid, gold[r.doc_id, r.text]) for r in s.sentences() if (r.doc_id, r.text) in gold]


def sentence(store: Store, sid: int, motions: str = NOW) -> Sentence:
    row = store.sentence(sid)
    return Sentence(row.text, motions, store.document_text(row.doc_id), row.start)


async def replay(db: Path, sid: int, keys: list[str]) -> None:
    app = make_app(db, "alice")
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        screen.session.open(sid)
        screen.show()
        await pilot.press(*keys)
        await pilot.pause()


def test_a_quote_inside_a_word_cannot_be_built_and_says_so():
    with pytest.raises(ValueError, match="no selection"):
        text = "Le porte-parole a parlé."
        quote_keys(Sentence(text), Quote(type="indirect", content=[Span(start=3, end=7, text="port")]), [])


def test_every_gold_quote_can_be_built_and_the_motions_help(tmp_path):
    db = tmp_path / "s.db"
    with Store(db) as s:
        ingest_paths(s, [SEEDS], suggest=False)
        before = now = 0
        for sid, gold in gold_sentences(db):
            for q in gold.quotes:
                b = len(quote_keys(sentence(s, sid, BEFORE), q, []))
                n = len(quote_keys(sentence(s, sid), q, []))
                assert n <= b
                before, now = before + b, now + n
    assert now < before * 0.9


@pytest.mark.parametrize("which", [0, 7, 19, 33])
async def test_the_keys_found_store_the_gold_quote(tmp_path, which):
    db = tmp_path / "s.db"
    with Store(db) as s:
        ingest_paths(s, [SEEDS], suggest=False)
    quotes = [(sid, q) for sid, gold in gold_sentences(db) for q in gold.quotes]
    sid, gold = quotes[which]
    with Store(db) as s:
        found = quote_keys(sentence(s, sid), gold, s.speakers(s.sentence(sid).doc_id, "alice"))
    await replay(db, sid, key_names(found.keys))
    with Store(db) as s:
        stored = s.labels(sid, "alice").labels.quotes
    assert [quote_key(q) for q in stored] == [quote_key(gold)], " ".join(found.keys)


async def test_the_keys_found_from_suggestions_store_the_gold_sentence(tmp_path):
    """Sentences where the fewest keys edit a suggested quote (`e`) or drop one (`d`): the whole
    sentence replayed from arriving, labels and quotes as gold has them, and done."""
    db = tmp_path / "s.db"
    with Store(db) as s:
        ingest_paths(s, [SEEDS])
    replayed = 0
    for sid, gold in gold_sentences(db):
        with Store(db) as s:
            shown = s.suggestion(sid) or SentenceLabels()
            found, _ = sentence_keys(
                sentence(s, sid), gold, shown, s.speakers(s.sentence(sid).doc_id, "alice")
            )
        if "e" not in found.keys and "d" not in found.keys[:1]:
            continue
        await replay(db, sid, key_names(found.keys))
        with Store(db) as s:
            row = s.labels(sid, "alice")
        assert row.status == "done", " ".join(found.keys)
        assert (row.labels.mode, row.labels.claim) == (gold.mode, gold.claim)
        assert sorted(map(quote_key, row.labels.quotes)) == sorted(map(quote_key, gold.quotes)), " ".join(
            found.keys
        )
        replayed += 1
    assert replayed >= 3
