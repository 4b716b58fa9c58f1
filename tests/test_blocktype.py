import pytest

from annotator.corpus.blocktype import language, type_blocks
from annotator.corpus.segment import blocks
from tests.conftest import seed_text


def typed(name: str) -> dict[str, str]:
    text = seed_text(name)
    spans = blocks(text)
    kinds = type_blocks([text[s:e] for s, e in spans])
    return {text[s:e]: k.block_type for (s, e), k in zip(spans, kinds, strict=False)}


@pytest.mark.parametrize(
    ("seed", "start", "expected"),
    [
        ("000", "La Chine va envoyer des troupes", "headline"),
        ("000", "Pékin va envoyer des troupes", "body"),
        ("000", "Source :", "boilerplate"),
        ("000", "Leave a Reply", "boilerplate"),
        ("000", "1. La cabale", "comment"),
        ("000", "Laisser un commentaire", "boilerplate"),
        ("000", "Avatar", "boilerplate"),
        ("000", "Votre adresse e-mail ne sera pas publiée.", "boilerplate"),
        ("000", "Interview de Dmitri Medvedev", "teaser"),
        ("000", "«\u00a0C’est au-delà de l’imagination", "teaser"),
        ("001", "« Renforcer la capacité", "headline"),
        ("001", "Tension entre les Corées", "teaser"),
        ("003", "Transparenz: Redaktionell erstellt und geprüft.", "boilerplate"),
        ("003", "Veröffentlicht am", "boilerplate"),
        ("003", "Objectifs stratégiques courants", "headline"),
        ("003", "Préparation du sommet des BRICS", "headline"),
        ("004", "Aller au contenu principal", "boilerplate"),
        ("004", "Fermer", "boilerplate"),
        ("004", "Liens militaires Chine-Russie", "headline"),
        ("004", "information fournie par Boursorama", "boilerplate"),
        ("004", "Vladimir Poutine, à Novo-Ogaryovo", "caption"),
        ("004", "3 commentaires", "boilerplate"),
        ("004", "• 08 novembre", "boilerplate"),
        ("004", "qu' ils fassent leur affaires", "comment"),
        ("004", "Signaler le commentaire", "boilerplate"),
        ("004", "A lire aussi", "teaser"),
        ("004", "• Un travailleur du bâtiment", "teaser"),
        ("004", "La France suffoque", "teaser"),
        ("004", "La saga judiciaire autour des Shinawatra", "teaser"),
    ],
)
def test_obvious_seed_blocks(seed, start, expected):
    kinds = [k for text, k in typed(seed).items() if text.startswith(start)]
    assert kinds == [expected]


def test_four_afp_teasers_after_a_lire_aussi():
    kinds = typed("004")
    for lede in ("La France suffoque", "Malgré des appels", "Le mégaprojet", "La saga judiciaire"):
        assert [k for t, k in kinds.items() if t.startswith(lede)] == ["teaser"]


def test_repeated_block_is_marked_duplicate():
    text = seed_text("004")
    spans = blocks(text)
    kinds = type_blocks([text[s:e] for s, e in spans])
    captions = [i for i, k in enumerate(kinds) if k.block_type == "caption"]
    assert len(captions) == 2 and kinds[captions[1]].duplicate_of == captions[0]


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("Transparenz: Redaktionell erstellt und geprüft.", "de"),
        ("Leave a Reply", "en"),
        ("La Chine et la Russie entretiennent des liens étroits.", "fr"),
        ("Fermer", "und"),
        ("Source : rtbf.be", "und"),
    ],
)
def test_language(text, lang):
    assert language(text) == lang
