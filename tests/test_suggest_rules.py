"""The engine's rule families on sentences written for these tests (none of them is in a gold
set): sources, cues, selon, content boundaries, noun-phrase objects, mode hints; and the
scorer's anchors and coverage thresholds."""

import pytest

from annotator.corpus.reader import SourceDoc
from annotator.errors import UserError
from annotator.ingest import analyse
from annotator.matching import coverage, match_quotes
from annotator.model import Quote, SentenceLabels, Span
from annotator.suggest import hints
from annotator.suggest.evaluate import _span
from annotator.suggest.lexicon import lexicon


def quotes(text: str) -> list[tuple[list[str], str | None, str | None]]:
    """(content, cue, source) of every quote the engine suggests for a one-sentence document."""
    a = analyse(SourceDoc("t", "t.txt", text))
    out = []
    for js in a.suggestions:
        labels = SentenceLabels.model_validate_json(js) if js else SentenceLabels()
        for q in labels.quotes:
            out.append(
                (
                    [c.text for c in q.content],
                    q.cue.text if q.cue else None,
                    q.source.text if q.source else None,
                )
            )
    return out


# ------------------------------------------------------------------------------------- sources


def test_a_relative_pronoun_is_the_source():
    assert quotes("Le syndicat, qui affirme que la grève sera reconduite, a été reçu hier.") == [
        (["que la grève sera reconduite"], "affirme", "qui")
    ]


def test_a_subject_keeps_its_apposition_and_skips_a_circumstance():
    (q,) = quotes("Jean Dupont, successeur du maire, a déclaré que le budget serait voté.")
    assert q[2] == "Jean Dupont, successeur du maire"
    (q,) = quotes("La préfète, dans un communiqué publié lundi, affirme que la route rouvrira.")
    assert q[2] == "La préfète"
    (q,) = quotes("Le comité d'éthique (CCNE) a estimé que la loi devait changer.")
    assert q[2] == "Le comité d'éthique (CCNE)"


def test_a_time_or_a_gerund_before_the_subject_is_not_its_apposition():
    (q,) = quotes("Mercredi, le préfet a indiqué que la route était fermée.")
    assert q[2] == "le préfet"


def test_a_second_coordinated_verb_shares_the_subject():
    got = quotes("Mardi, la ministre a reçu les syndicats et a ajouté que le projet continuait.")
    assert got == [(["que le projet continuait"], "a ajouté", "la ministre")]


def test_two_noun_phrases_before_a_comma_are_a_subject_not_content():
    got = quotes(
        "Le favori des sondages, le maire sortant Paul Martin, a réitéré ses accusations de fraude électorale."
    )
    assert got == [
        (
            ["ses accusations de fraude électorale"],
            "a réitéré",
            "Le favori des sondages, le maire sortant Paul Martin",
        )
    ]


def test_a_postposed_subject_keeps_an_apposition_that_ends_the_sentence():
    (q,) = quotes("« Nous restons ici », a déclaré Marie Durand, déléguée syndicale du site.")
    assert q[2] == "Marie Durand, déléguée syndicale du site"
    first, second = quotes(
        "« Nous restons ici », a déclaré Marie Durand, ajoutant que la lutte continuerait."
    )
    assert first[2] == "Marie Durand" and second[1] == "ajoutant"


def test_the_object_of_a_request_is_not_its_source():
    got = quotes("Il rencontre la maire et lui demande de rouvrir l'école.")
    assert got == [(["de rouvrir l'école"], "demande", None)]


# ------------------------------------------------------------------------------------- cues


def test_forms_both_finite_and_participle_are_cues_without_an_auxiliary():
    assert quotes("Le rapport écrit que la dette a doublé.") == [
        (["que la dette a doublé"], "écrit", "Le rapport")
    ]


def test_an_elided_que_before_a_quotation_mark():
    (q,) = quotes("Il a écrit qu'« aucune preuve n'existe ».")
    assert q[:2] == (["qu'« aucune preuve n'existe »"], "a écrit")


def test_se_dire_takes_an_attribute():
    assert quotes("Le maire se dit prêt à démissionner.") == [(["prêt à démissionner"], "se dit", "Le maire")]


def test_de_opens_an_infinitive_for_verbs_that_take_one():
    assert quotes("Le juge demande des comptes au ministre.") == []
    assert quotes("Le juge demande au ministre de démissionner.") == [
        (["de démissionner"], "demande", "Le juge")
    ]


def test_volition_and_an_adjectival_participle_are_no_cues():
    assert quotes("Le ministre souhaite que la réforme passe.") == []
    assert quotes("Les documents détaillant que la dette a doublé ont disparu.") == []


def test_a_content_never_opens_past_another_reporting_verb():
    got = quotes("Elle ne lui écrit plus et elle pense donc qu'il est parti.")
    assert [q[1] for q in got] == ["pense"]


# ------------------------------------------------------------------------------------- Q2


def test_a_noun_phrase_object_is_content_only_when_it_carries_the_message():
    assert quotes("Le maire a annoncé la fermeture de l'usine.") == [
        (["la fermeture de l'usine"], "a annoncé", "Le maire")
    ]
    assert quotes("Le maire a révélé l'information.") == []
    assert quotes("La finale confirme cette impression.") == []
    assert quotes("Le maire a critiqué un projet « ruineux ».") == [
        (["un projet « ruineux »"], "a critiqué", "Le maire")
    ]


# ------------------------------------------------------------------------------------- selon


def test_selon_a_criterion_is_no_attribution():
    assert quotes("Selon les cas, la peine varie de un à trois ans.") == []
    assert quotes("Le tarif change selon la saison.") == []


def test_selon_without_a_comma_before_a_subject_pronoun():
    assert quotes("Selon la police il y avait trois cents manifestants.") == [
        (["il y avait trois cents manifestants"], "Selon", "la police")
    ]


def test_a_long_selon_source_at_the_end_keeps_its_participle_phrase():
    (q,) = quotes("Le taux a baissé, selon une étude publiée mardi par l'Insee.")
    assert q[2] == "une étude publiée mardi par l'Insee"


def test_a_coordinated_cue_ends_the_first_content():
    got = quotes(
        "Selon le maire, la route sera fermée, et le préfet a ajouté que les écoles resteront ouvertes."
    )
    assert got == [
        (["la route sera fermée"], "Selon", "le maire"),
        (["que les écoles resteront ouvertes"], "a ajouté", "le préfet"),
    ]


def test_a_closing_mark_of_a_quotation_opened_earlier_is_not_content():
    (q,) = quotes("Nous ne céderons pas », a affirmé le délégué.")
    assert q[0] == ["Nous ne céderons pas"]


# ------------------------------------------------------------------------------------- mode


@pytest.mark.parametrize(
    "own,attributed,expected",
    [
        ("Je pense que cette réforme est une erreur.", False, "commentary"),
        ("Il faudrait revoir entièrement ce projet.", False, "commentary"),
        ("Le conseil a voté la loi le 3 mars.", False, "reporting"),
        ("Le conseil a voté la loi.", True, "reporting"),
        ("Pourquoi le conseil a-t-il voté la loi le 3 mars ?", False, None),  # a question alone
        ("Une décision absurde, selon le maire.", True, None),  # an attribution and an evaluative word
        ("Une décision absurde.", False, None),  # one evaluative word alone
    ],
)
def test_mode_hints_abstain_where_the_signals_are_weak_or_disagree(own, attributed, expected):
    assert hints.mode_hint("body", own, attributed, lexicon()) == expected


# ------------------------------------------------------------------------------------- scoring


def test_a_gold_piece_that_stands_twice_needs_its_place():
    text = "il a dit qu'il viendrait."
    with pytest.raises(UserError, match=r"stands 2 times.*\['il', N\]"):
        _span(text, "il", "gold.jsonl:3")
    assert _span(text, ["il", 2], "gold.jsonl:3") == Span(start=12, end=14, text="il")
    with pytest.raises(UserError, match="not 3"):
        _span(text, ["il", 3], "gold.jsonl:3")
    with pytest.raises(UserError, match="a piece is a string or"):
        _span(text, ["il"], "gold.jsonl:3")


def test_coverage_thresholds_match_a_short_prediction_at_0_3_but_not_0_8():
    gold = [Quote(type="indirect", content=[Span(start=0, end=100, text="x" * 100)])]
    short = [Quote(type="indirect", content=[Span(start=0, end=40, text="x" * 40)])]
    assert coverage(gold[0].content, short[0].content) == 0.4
    assert match_quotes(gold, short, 0.3, coverage) == [(0, 0)]
    assert match_quotes(gold, short, 0.8, coverage) == []
    assert match_quotes(gold, short) == []  # IoU 0.4 < 0.5


def test_a_noun_that_is_also_a_verb_form_stays_in_the_subject():
    (q,) = quotes(
        "Le juge d'instruction Paul Roux, successeur du juge Martin, écrit que l'enquête est close."
    )
    assert q[2] == "Le juge d'instruction Paul Roux, successeur du juge Martin"


def test_a_subject_pronoun_right_before_the_cue_is_the_source():
    got = quotes("Il ne lui écrit plus depuis des mois et elle pense donc qu'il est parti.")
    assert got == [(["qu'il est parti"], "pense", "elle")]


def test_a_gerund_shares_the_subject_of_a_speech_event_without_message():
    got = quotes("Il critique le projet en soulignant que le coût a doublé.")
    assert got == [(["que le coût a doublé"], "soulignant", "Il")]


def test_a_note_call_ends_no_content():
    (q,) = quotes("Le témoin a affirmé que la lettre était fausse [3].")
    assert q[0] == ["que la lettre était fausse"]


def test_selon_a_message_noun_is_the_cue_and_initials_stay_in_the_source():
    got = quotes("Selon le témoignage de F.L. Durand, la valeur n'excédait jamais mille francs.")
    assert got == [(["la valeur n'excédait jamais mille francs"], "Selon le témoignage", "F.L. Durand")]


def test_a_dateline_is_not_content():
    (q,) = quotes(
        "MOSCOU (AFP) - Le Kremlin a démenti toute livraison d'armes, a rapporté lundi l'agence Tass."
    )
    assert q[0] == ["Le Kremlin a démenti toute livraison d'armes"]


def test_an_addressee_may_stand_between_demander_and_its_infinitive():
    (q,) = quotes("Le roi demande à l'évêque de Toulouse de négocier la paix.")
    assert q == (["de négocier la paix"], "demande", "Le roi")


def test_an_adverb_after_the_subject_and_a_question_mark_are_left_out():
    (q,) = quotes("Qui donc a écrit que la guerre était finie ?")
    assert q == (["que la guerre était finie"], "a écrit", "Qui")


def test_an_incise_inside_a_quotation_splits_its_content():
    got = quotes("« Nous resterons jusqu'au bout, a-t-il dit, quoi qu'il arrive. »")
    assert got == [(["Nous resterons jusqu'au bout", "quoi qu'il arrive."], "dit", "il")]
    got = quotes("« Nous resterons, selon lui, jusqu'au bout », a ajouté le maire.")
    assert got == [(["Nous resterons", "jusqu'au bout"], "a ajouté", "le maire")]  # Q4: no second quote


def test_selon_before_a_colon_and_after_a_semicolon():
    assert quotes("Selon le maire : « Nous resterons jusqu'au bout. »") == [
        (["Nous resterons jusqu'au bout."], "Selon", "le maire")
    ]
    assert quotes("Les prix montent ; selon l'Insee, la hausse ralentira.") == [
        (["la hausse ralentira"], "selon", "l'Insee")
    ]


def test_a_comparison_or_a_relative_incise_after_the_subject():
    assert quotes("Le président, comme son prédécesseur, a affirmé que la réforme passerait.") == [
        (["que la réforme passerait"], "a affirmé", "Le président")
    ]
    assert quotes("Le maire, qui a longtemps hésité, a finalement annoncé qu'il se représenterait.") == [
        (["qu'il se représenterait"], "a finalement annoncé", "Le maire")
    ]
    assert quotes("Elle a dit qu'elle partirait.") == [(["qu'elle partirait"], "a dit", "Elle")]


def test_the_journalists_tail_and_a_pronoun_incise_in_the_cue():
    got = quotes("Le président a affirmé que la réforme passerait, donnant une nouvelle dynamique au débat.")
    assert got == [(["que la réforme passerait"], "a affirmé", "Le président")]
    assert quotes("Le ministre a, lui, estimé que la loi passerait.") == [
        (["que la loi passerait"], "estimé", "Le ministre")
    ]


def test_an_infinitive_cue_after_a_verb_of_aspect_and_a_circumstance_before_the_content():
    assert quotes("Le ministre n'a cessé d'affirmer que la paix était proche.") == [
        (["que la paix était proche"], "n'a cessé d'affirmer", "Le ministre")
    ]
    assert quotes("Qui peut encore croire que la paix est proche ?") == []  # modality says nothing was said
    assert quotes("Le gouvernement a annoncé, mercredi, que les impôts baisseraient.") == [
        (["que les impôts baisseraient"], "a annoncé", "Le gouvernement")
    ]


def test_appositions_chain_to_the_end_after_a_postposed_subject():
    (q,) = quotes("« Nous avons peur », explique Marie Dupont, 45 ans, habitante du quartier.")
    assert q[2] == "Marie Dupont, 45 ans, habitante du quartier"


def test_a_second_cue_after_et_or_avant_de_is_a_second_quote_with_the_same_source():
    assert quotes("Il estime que la loi est injuste et ajoute que le texte sera contesté.") == [
        (["que la loi est injuste"], "estime", "Il"),
        (["que le texte sera contesté"], "ajoute", "Il"),
    ]
    got = quotes(
        "Le président a rappelé que la France restait engagée, avant d'ajouter que l'aide continuerait."
    )
    assert got == [
        (["que la France restait engagée"], "a rappelé", "Le président"),
        (["que l'aide continuerait"], "ajouter", "Le président"),
    ]


def test_verbs_of_the_press_incise_report_only_in_an_incise_or_before_a_content():
    assert quotes("« Il faut agir », a lancé le maire.") == [(["Il faut agir"], "a lancé", "le maire")]
    assert quotes("« Rien n'est joué », poursuit-il.") == [(["Rien n'est joué"], "poursuit", "il")]
    assert quotes("La police a lancé une opération à Marseille.") == []
    assert quotes("Le maire poursuit son discours.") == []
