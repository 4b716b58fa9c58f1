"""The one pairing routine for quotation marks, with the options its three users need."""

from annotator.corpus.marks import Pair, closed, innermost_around, pairs, stretches


def test_nested_marks_pair_inside_out():
    text = "« Il a dit “ oui ” hier »"
    assert sorted(closed(pairs(text))) == [(0, 24), (11, 17)]


def test_crossing_pairs_are_kept_only_when_asked():
    text = "« a “ b » c ”"
    assert closed(pairs(text)) == [(0, 8)]  # “ was opened inside « » and never closed there
    assert sorted(closed(pairs(text, crossing=True))) == [(0, 8), (4, 12)]


def test_brackets_pair_only_when_asked():
    text = "Il (le ministre) a « parlé »."
    assert closed(pairs(text)) == [(19, 27)]
    assert sorted(closed(pairs(text, brackets=True))) == [(3, 15), (19, 27)]


def test_straight_quotes_pair_in_order():
    assert closed(pairs('"a" et "b"')) == [(0, 2), (7, 9)]


def test_dangling_marks_mark_carried_over_and_open_quotations():
    assert pairs("la suite », dit-il.", dangling=True) == [Pair(None, 9)]  # opened in an earlier block
    assert pairs("Il dit : « ça continue", dangling=True) == [Pair(9, None)]
    assert pairs('fin de citation", a-t-il dit.', dangling=True) == [Pair(None, 15)]
    assert pairs("la suite », dit-il.") == []


def test_a_range_of_the_text_and_offsets_into_the_whole():
    text = "« x » | « y »"
    assert closed(pairs(text, 8, len(text))) == [(8, 12)]


def test_the_engine_sees_outermost_stretches_and_the_editor_the_innermost():
    text = "« Il a dit “ oui ” hier »"
    assert stretches(text) == [Pair(0, 24)]
    assert innermost_around(text, 13) == (11, 17)
    assert innermost_around(text, 3) == (0, 24)
    assert innermost_around("sans guillemets", 3) is None
