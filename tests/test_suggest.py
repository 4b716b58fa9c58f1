"""The suggestion engine: SCHEME §5 examples, lexicon entries, quality on the gold sets, the
`suggest` command, and suggestions in the store and the labelling session."""

from pathlib import Path

import orjson
import pytest

from annotator.cli import main
from annotator.corpus.reader import SourceDoc, read_inputs
from annotator.ingest import analyse, analyse_all, ingest_paths
from annotator.labelling.session import LabelSession
from annotator.model import SentenceLabels, SuggestionLine
from annotator.store import Store
from annotator.suggest.evaluate import pairs, score
from annotator.suggest.lexicon import lexicon, lines, parse_verb
from tests.conftest import SEEDS

ROOT = Path(__file__).resolve().parent.parent
EVAL = ROOT / "tests" / "fixtures" / "suggest_eval"
EVAL_DOCS = [*sorted(EVAL.glob("*.txt")), EVAL / "ud_dev.jsonl"]


def suggestions(path: Path) -> dict[str, SentenceLabels]:
    a = analyse(read_inputs([path])[0])
    return {
        a.text[s:e]: SentenceLabels.model_validate_json(js) if js else SentenceLabels()
        for (_, s, e), js in zip(a.sentences(), a.suggestions, strict=True)
    }


def one(sugg: dict[str, SentenceLabels], start: str) -> SentenceLabels:
    return next(v for k, v in sugg.items() if k.startswith(start))


def spans(q):
    return (
        q.type,
        [c.text for c in q.content],
        q.cue.text if q.cue else None,
        q.source.text if q.source else None,
    )


@pytest.fixture(scope="module")
def seed_002():
    return suggestions(SEEDS / "002_89538b8c11680e57.txt")


def test_scheme_example_2_mixed_quote_with_inverted_cue(seed_002):
    (q,) = one(seed_002, "Pékin va envoyer").quotes
    assert (
        q.type == "mixed"
        and q.cue.text == "a annoncé"
        and q.source.text == "le ministère chinois de la Défense"
    )
    assert q.content[0].text.startswith("Pékin") and q.content[0].text.endswith("armées")


def test_scheme_example_3_two_selon_quotes_and_vostok_is_a_name(seed_002):
    first, second = one(seed_002, "Selon un communiqué").quotes
    assert spans(first) == (
        "indirect",
        [
            "la Chine va participer aux exercices annuels « Vostok »",
            "dans le cadre de sa coopération avec la Russie",
        ],
        "Selon",
        "un communiqué diffusé mercredi",
    )
    assert spans(second) == ("indirect", ["prévus du 30 août au 5 septembre"], "selon", "Moscou")
    assert not any(q.content[0].text == "Vostok" for q in one(seed_002, "Selon un communiqué").quotes)


def test_scheme_example_4_agentless_passive(seed_002):
    (q,) = one(seed_002, "La Chine et l’Inde ont été accusées").quotes
    assert (q.type, q.cue.text, q.source, q.speaker) == ("indirect", "ont été accusées", None, None)


def test_scheme_example_5_pronoun_source_resolved_to_the_previous_speaker(seed_002):
    previous = one(seed_002, "Interrogé sur").quotes[0]
    assert previous.source.text == "le porte-parole du département d’Etat, Ned Price"
    (q,) = one(seed_002, "« La plupart").quotes
    assert (q.type, q.cue.text, q.source.text, q.speaker) == ("direct", "déclaré", "il", "Ned Price")


def test_scheme_examples_6_and_7():
    s001 = suggestions(SEEDS / "001_106029bdbed4721f.txt")
    (q,) = one(s001, "Le ministre avait également").quotes
    assert (q.cue.text, q.source.text, q.speaker) == (
        "avait également mis l’accent",
        "Le ministre",
        "Wang Yi",
    )
    s004 = suggestions(SEEDS / "004_ea7b43bf03d6d809.txt")
    first, second = one(s004, "La coopération militaire entre la Russie").quotes
    assert (first.type, first.cue.text, first.source.text) == (
        "mixed",
        "s'est réjoui",
        "le président Vladimir Poutine",
    )
    assert (second.type, second.cue.text, second.speaker) == ("indirect", "assurant", "Vladimir Poutine")


def test_no_quote_for_names_and_scare_quotes():
    text = (
        "Les salariés ont baptisé leur campement « Le Fort ».\n\n"
        "La Chine participe aux exercices « Vostok ».\n\n"
        "Cette orientation « économique » dérange Paris."
    )
    a = analyse(SourceDoc("x", "x", text))
    assert all(js is None or not orjson.loads(js)["quotes"] for js in a.suggestions)


def test_unbalanced_mark_stops_at_the_cue():
    text = "L'objectif est de \"renforcer le partenariat stratégique, a ajouté Andrey Belousov."
    (q,) = SentenceLabels.model_validate_json(analyse(SourceDoc("x", "x", text)).suggestions[0]).quotes
    assert (q.type, q.cue.text, q.source.text) == ("mixed", "a ajouté", "Andrey Belousov")
    assert q.content[0].text == "L'objectif est de \"renforcer le partenariat stratégique"


@pytest.mark.parametrize("line", lines("reporting_verbs.txt"))
def test_every_reporting_verb_is_recognised(line):
    """Each lexicon entry, in a compound tense and in a simple one, is found as a cue."""
    verb = parse_verb(line)
    tail = " " + " ".join(verb.tail) if verb.tail else ""
    refl = "s'est " if verb.reflexive else "a "
    pp = sorted(verb.participles)[0]
    compound = f"Le ministre {refl}{pp}{tail} que la situation était grave."
    q = SentenceLabels.model_validate_json(analyse(SourceDoc("x", "x", compound)).suggestions[0]).quotes
    assert q and q[0].cue.text == f"{refl}{pp}{tail}".strip(), compound
    finite = sorted(f for f in verb.finite if f.endswith("e") or f.endswith("t")) or sorted(verb.finite)
    inverted = f"« La situation est grave », {finite[0]}{tail} le ministre."
    if verb.reflexive:
        inverted = f"« La situation est grave », se {finite[0]}{tail} le ministre."
    q = SentenceLabels.model_validate_json(analyse(SourceDoc("x", "x", inverted)).suggestions[0]).quotes
    assert q and q[0].cue and q[0].source.text == "le ministre", inverted


def test_lexicon_loads_and_generates_regular_forms():
    lex = lexicon()
    assert {"annonçait", "annonce", "annoncé", "annonçant"} <= lex.words
    assert "répète" in lex.finite and "réjoui" in lex.participles and "accusées" in lex.passive


@pytest.fixture(scope="module")
def eval_pairs():
    return pairs(EVAL / "gold.jsonl", EVAL_DOCS)


def test_the_evaluation_set_has_a_held_out_part(eval_pairs):
    ud = {p.doc_id for p in eval_pairs if "/dev/" in p.doc_id}  # one UD sentence per document
    assert len(ud) >= 500
    assert sum(p.part == "heldout" for p in eval_pairs) >= 200


def test_the_evaluation_set_is_rebuilt_by_its_rule(tmp_path):
    """bench/eval_set.py's fixed rule and seeded split give exactly the committed sentences, and
    the gold's parts are the split it prints."""
    import subprocess
    import sys

    if not (ROOT.parent / "shared/data/ud-fr-sentences/dev.jsonl").exists():
        pytest.skip("the UD dev sentences (../shared/data) are not next to this checkout")
    out = tmp_path / "ud.jsonl"
    run = subprocess.run(
        [sys.executable, str(ROOT / "bench/eval_set.py"), "--out", str(out)],
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.read_bytes() == (EVAL / "ud_dev.jsonl").read_bytes()
    printed = dict(line.split()[::-1] for line in run.stderr.splitlines())
    gold = {}
    for raw in (EVAL / "gold.jsonl").read_bytes().splitlines():
        line = orjson.loads(raw)
        if "/dev/" in line["doc"]:
            gold[line["doc"]] = line["part"]
    assert gold == printed


@pytest.mark.parametrize("part", ["tune", "seeds"])
def test_quality_targets_hold_where_the_rules_were_tuned(part, eval_pairs):
    """A regression bar: the rules were written while reading these sentences."""
    items = (
        [p for p in eval_pairs if p.part == "tune"]
        if part == "tune"
        else pairs(ROOT / "tests/fixtures/seeds_gold.jsonl", sorted(SEEDS.glob("*.txt")))
    )
    sc = score(items)
    assert sc.blocks >= 120 and sc.content.gold >= 50
    assert sc.content.f1 >= 0.85 and sc.cue.f1 >= 0.85 and sc.source.f1 >= 0.75
    assert sc.block_accuracy >= 0.95 and sc.mode.precision >= 0.95
    assert sc.keys_with < sc.keys_without / 2


def test_held_out_figures_do_not_fall(eval_pairs):
    """The held-out part measures the engine on sentences no rule was written against. Its
    targets (content and cue F1 0.85, source 0.75, mode precision 0.95) are not reached yet
    (README, Suggestions): this holds the figures measured, so that a change that loses ground
    on unseen text fails."""
    sc = score([p for p in eval_pairs if p.part == "heldout"])
    assert sc.content.f1 >= 0.67 and sc.content_03.f1 >= 0.74 and sc.content_08.f1 >= 0.59
    assert sc.cue.f1 >= 0.69 and sc.source.f1 >= 0.61
    assert sc.mode.precision >= 0.87


def test_every_seed_boilerplate_and_teaser_line_is_typed():
    items = pairs(ROOT / "tests/fixtures/seeds_gold.jsonl", sorted(SEEDS.glob("*.txt")))
    furniture = [p for p in items if p.gold_block in ("teaser", "boilerplate")]
    assert len(furniture) >= 30
    assert [p.text for p in furniture if p.pred_block != p.gold_block] == []


def test_suggest_command_prints_validated_lines(capsys):
    assert main(["suggest", str(SEEDS / "002_89538b8c11680e57.txt")]) == 0
    lines_ = capsys.readouterr().out.splitlines()
    records = [SuggestionLine.model_validate_json(line) for line in lines_]
    text = (SEEDS / "002_89538b8c11680e57.txt").read_text("utf-8")
    assert all(text[r.start : r.end] == r.text for r in records)
    assert records[0].quotes[0].cue.text == "a annoncé" and records[0].lang == "fr"


def test_suggest_without_files_is_a_usage_error(capsys):
    assert main(["suggest"]) == 1
    assert "--refresh" in capsys.readouterr().err


def test_ingest_stores_suggestions_and_accepting_records_their_origin(tmp_path):
    with Store(tmp_path / "s.db") as store:
        ingest_paths(store, [SEEDS / "002_89538b8c11680e57.txt"])
        session = LabelSession(store, "alice")
        first = session.current
        assert session.suggested and session.labels.quotes and session.complete
        assert session.accept()
        saved = store.labels(first.sid, "alice")
        assert saved.origin == "suggested" and saved.labels == store.suggestion(first.sid)
        # on the next sentence, one key corrects the mode: the record is manual
        second = session.current
        suggested = store.suggestion(second.sid)
        other = "commentary" if suggested.mode != "commentary" else "reporting"
        session.set_label("mode", other)
        assert store.labels(second.sid, "alice").origin == "manual"
        assert store.labels(second.sid, "alice").labels.quotes == suggested.quotes


def test_refresh_keeps_human_labels(tmp_path, capsys):
    db = tmp_path / "s.db"
    assert main(["--db", str(db), "ingest", str(SEEDS)]) == 0
    with Store(db) as store:
        sid = store.first().sid
        store.record(sid, "bob", SentenceLabels(mode="none", claim="none"))
        store.db.execute("DELETE FROM suggestions")
    capsys.readouterr()
    assert main(["--db", str(db), "suggest", "--refresh"]) == 0
    assert "5 documents" in capsys.readouterr().out
    with Store(db) as store:
        assert store.labels(sid, "bob").labels.mode == "none"
        assert store.db.execute("SELECT count(*) FROM suggestions").fetchone()[0] > 50


def test_engine_writes_the_models_own_json():
    """The engine writes its labels as plain data: every line must be what SentenceLabels itself
    would write, and its spans must point into the sentence."""
    hostile = SourceDoc(
        "hostile",
        "x",
        "Titre\n« Il faut \x1b[31mpartir\x07 », a déclaré M. Dupont\u202e à l'AFP.\n"
        'Selon "la source" \\ anonyme, tout va bien\u200b, a-t-il ajouté. 😀 « Non » !',
    )
    docs = [*read_inputs(sorted(SEEDS.glob("*.txt"))), *read_inputs(EVAL_DOCS), hostile]
    checked = 0
    for a in analyse_all(docs):
        for (_, start, end), js in zip(a.sentences(), a.suggestions, strict=True):
            if js is None:
                continue
            labels = SentenceLabels.model_validate_json(js)
            assert labels.model_dump_json() == js
            labels.check(a.text[start:end])
            checked += 1
    assert checked > 150
