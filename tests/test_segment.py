import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from annotator.corpus.segment import blocks, segment

ROOT = Path(__file__).resolve().parent.parent


def split(text: str) -> list[str]:
    return [text[s:e] for b in segment(text) for s, e in b.sentences]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("M. Dupont est arrivé. Il a parlé.", ["M. Dupont est arrivé.", "Il a parlé."]),
        (
            "Mme Durand et le Dr Martin sont là. Ensuite on part.",
            ["Mme Durand et le Dr Martin sont là.", "Ensuite on part."],
        ),
        ("Il habite rue St. Jacques depuis 1990.", ["Il habite rue St. Jacques depuis 1990."]),
        (
            "Fondée en 52 av. J.-C. par les Romains, la ville prospère.",
            ["Fondée en 52 av. J.-C. par les Romains, la ville prospère."],
        ),
        (
            "La ville date de 700 avant J.-C. Elle fut détruite.",
            ["La ville date de 700 avant J.-C.", "Elle fut détruite."],
        ),
        ("Des pommes, des poires, etc. et des fraises.", ["Des pommes, des poires, etc. et des fraises."]),
        (
            "Le 5 sept. 2023, il pleuvait. Ils étaient sept. Puis huit.",
            ["Le 5 sept. 2023, il pleuvait.", "Ils étaient sept.", "Puis huit."],
        ),
        ("J. K. Rowling écrit. Elle publie.", ["J. K. Rowling écrit.", "Elle publie."]),
        ("Il hésite… Puis il part.", ["Il hésite…", "Puis il part."]),
        ("Il hésite... Puis il part.", ["Il hésite...", "Puis il part."]),
        ("Il hésite … c’était à prévoir.", ["Il hésite … c’était à prévoir."]),
        ("Il parle de « paix durable ». Moscou répond.", ["Il parle de « paix durable ».", "Moscou répond."]),
        (
            "« Nous partirons. Nous reviendrons », a-t-il dit. Fin.",
            ["« Nous partirons. Nous reviendrons », a-t-il dit.", "Fin."],
        ),
        (
            '"Nous partirons. Nous reviendrons", a-t-il dit.',
            ['"Nous partirons. Nous reviendrons", a-t-il dit.'],
        ),
        ("« Il est parti. » Elle est restée.", ["« Il est parti. »", "Elle est restée."]),
        (
            "  1. La cabale et sa clique. Fin du commentaire.",
            ["1. La cabale et sa clique.", "Fin du commentaire."],
        ),
        ("Le score est de 3.5 points. Voilà.", ["Le score est de 3.5 points.", "Voilà."]),
        ("Vraiment ? Oui ! Bien sûr.", ["Vraiment ?", "Oui !", "Bien sûr."]),
        ("Le 30 août 2023. Le 5 septembre suivant.", ["Le 30 août 2023.", "Le 5 septembre suivant."]),
        (
            "Titre sans point\nPremière phrase. Deuxième.",
            ["Titre sans point", "Première phrase.", "Deuxième."],
        ),
        ("Une « citation ouverte. Sans fin", ["Une « citation ouverte.", "Sans fin"]),
    ],
)
def test_french_boundaries(text, expected):
    assert split(text) == expected


def test_seeds_within_one_boundary_error():
    gold = json.loads((ROOT / "tests" / "fixtures" / "seed_sentences.json").read_text("utf-8"))
    errors = 0
    for name, sentences in gold.items():
        text = (ROOT / "seeds" / name).read_text("utf-8")
        predicted = {s for b in segment(text) for s, _ in b.sentences}
        expected, pos = set(), 0
        for sentence in sentences:
            pos = text.index(sentence, pos)
            expected.add(pos)
            pos += len(sentence)
        errors += len(expected ^ predicted)
    assert errors <= 1


def test_blocks_are_trimmed_non_empty_lines():
    text = "  titre \n\n\u00a0 \ncorps.\r"
    assert [(s, e, text[s:e]) for s, e in blocks(text)] == [(2, 7, "titre"), (13, 19, "corps.")]


_alphabet = st.sampled_from(
    list("abcXYZ éÉ.!?…«»\"“”()-’'1 \u00a0\n\t") + ["M.", "J.-C.", "etc.", "…", "..."]
)


@settings(max_examples=400, deadline=None)
@given(st.lists(_alphabet, max_size=80).map("".join) | st.text(max_size=200))
def test_sentences_tile_every_block(text):
    for block in segment(text):
        assert block.sentences[0][0] == block.start
        assert block.sentences[-1][1] == block.end
        for (s, e), (s2, _) in zip(block.sentences, block.sentences[1:], strict=False):
            assert s < e <= s2
            assert text[e:s2].isspace() or (e == s2 and block.cut)  # only whitespace between sentences
        for s, e in block.sentences:
            assert text[s:e] == text[s:e].strip() and s < e
        assert "\n" not in text[block.start : block.end]


@settings(max_examples=300, deadline=None)
@given(
    st.integers(1, 30),
    st.lists(st.sampled_from(["mot", "x" * 40, " ", "\u00a0", ".", " A", "«", "»"]), max_size=60),
)
def test_a_sentence_is_never_longer_than_the_limit(limit, pieces):
    """Text that runs on without a sentence end is cut at its last whitespace before the limit
    (at the limit when there is none); the pieces still tile the block."""
    from unittest import mock

    from annotator.corpus import segment as seg

    text = "".join(pieces)
    with mock.patch.object(seg, "MAX_SENTENCE", limit):
        capped = seg.segment(text)
    uncapped = seg.segment(text)
    assert [(b.start, b.end) for b in capped] == [(b.start, b.end) for b in uncapped]
    for block, whole in zip(capped, uncapped, strict=True):
        assert block.cut == len(block.sentences) - len(whole.sentences)
        for s, e in block.sentences:
            assert 0 < e - s <= limit and text[s:e] == text[s:e].strip()
        for (_, e), (s2, _) in zip(block.sentences, block.sentences[1:], strict=False):
            assert text[e:s2].isspace() or e == s2
            if e == s2:  # a cut without whitespace: none was within reach
                assert not any(c.isspace() for c in text[e - limit + 1 : e])
        uncut = {(s, e) for s, e in whole.sentences if e - s <= limit}
        assert uncut <= set(block.sentences)  # sentences within the limit are left alone
