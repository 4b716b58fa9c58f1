"""The lexicons of the suggestion engine, read from data files and turned into lookups.

Reporting verbs are listed once by lemma; the third-person forms and participles of regular
verbs are generated here (SCHEME §4: "a annoncé", "indique", "s'est réjoui", "estimant").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib import resources


def lines(name: str) -> list[str]:
    data = resources.files("annotator.suggest").joinpath(f"data/{name}").read_text("utf-8")
    return [line.strip() for line in data.splitlines() if line.strip() and not line.lstrip().startswith("#")]


@dataclass(frozen=True, slots=True)
class Verb:
    lemma: str
    reflexive: bool
    tail: tuple[str, ...]  # words that follow every form: ("l'accent",) for "mettre l'accent"
    finite: frozenset[str]  # third-person forms of the simple tenses
    participles: frozenset[str]  # past participles (compound tenses, passives)
    gerunds: frozenset[str]  # present participles ("estimant", "tout en assurant")
    introducers: frozenset[str]  # what else opens its content: "de", "à", "sur", "obj" (an object)


def _er_forms(lemma: str) -> tuple[set[str], set[str], set[str]]:
    stem = lemma[:-2]
    # before a and o: annoncer → annonçait, juger → jugeait
    soft = stem[:-1] + "ç" if stem.endswith("c") else stem + "e" if stem.endswith("g") else stem
    # é in the last syllable opens to è where the ending is mute: répéter → répète
    open_stem = re.sub(r"é([^aeiouyéèêë]+)$", r"è\1", stem)
    finite = {
        open_stem + "e", open_stem + "ent",
        soft + "ait", soft + "aient", soft + "a", stem + "èrent",
        lemma + "a", lemma + "ont", lemma + "ait", lemma + "aient",
        open_stem + "era", open_stem + "erait", open_stem + "eront", open_stem + "eraient",
    }  # fmt: skip
    participles = {stem + "é", stem + "ée", stem + "és", stem + "ées"}
    return finite, participles, {soft + "ant"}


def _ir_forms(lemma: str) -> tuple[set[str], set[str], set[str]]:
    stem = lemma[:-2]
    finite = {
        stem + "it", stem + "issent", stem + "issait", stem + "issaient", stem + "irent",
        lemma + "a", lemma + "ont", lemma + "ait", lemma + "aient",
    }  # fmt: skip
    return finite, {stem + "i", stem + "ie", stem + "is", stem + "ies"}, {stem + "issant"}


def parse_verb(line: str) -> Verb:
    """One line of reporting_verbs.txt."""
    line, _, introducers = line.partition(">")
    head, *groups = [part.strip() for part in line.split("|")]
    reflexive = head.startswith(("se ", "s'", "s’"))
    if reflexive:
        head = head[3:] if head.startswith("se ") else head[2:]
    lemma, _, tail = head.partition(" + ")
    lemma = lemma.strip()
    if groups:
        if len(groups) != 3:
            raise ValueError(f"{lemma!r}: an irregular verb lists FINITE | PARTICIPLES | PRESENT PARTICIPLE")
        finite, participles, gerunds = (set(g.split()) for g in groups)
    elif lemma.endswith("er"):
        finite, participles, gerunds = _er_forms(lemma)
    elif lemma.endswith("ir"):
        finite, participles, gerunds = _ir_forms(lemma)
    else:
        raise ValueError(f"{lemma!r}: list the forms of a verb that is not a regular -er or -ir verb")
    return Verb(
        lemma,
        reflexive,
        tuple(tail.replace("’", "'").split()),
        frozenset(finite),
        frozenset(participles),
        frozenset(gerunds),
        frozenset(introducers.split()),
    )


@dataclass(frozen=True, slots=True)
class Lexicon:
    finite: dict[str, tuple[Verb, ...]]
    participles: dict[str, tuple[Verb, ...]]
    gerunds: dict[str, tuple[Verb, ...]]
    infinitives: dict[str, tuple[Verb, ...]]  # "n'a cessé d'affirmer", "durent convenir"
    passive: frozenset[str]  # participles of verbs whose passive is an agentless attribution
    adverbs: frozenset[str]
    source_nouns: frozenset[str]
    title_nouns: frozenset[str]
    naming_nouns: frozenset[str]
    criteria_nouns: frozenset[str]  # "selon les critères": no attribution
    relays: re.Pattern[str]
    author_clauses: re.Pattern[str]  # ", malgré …": where a quote's content stops
    evaluative: WordList
    checkworthy: WordList
    event_verbs: WordList
    words: frozenset[str]  # every finite form, participle and present participle that can be a cue
    # a cue form, "selon" or "après" as a word: a sentence with none (and no quotation marks)
    # needs no quote search
    may_attribute: re.Pattern[str]


def _index(verbs: list[Verb], attr: str) -> dict[str, tuple[Verb, ...]]:
    out: dict[str, tuple[Verb, ...]] = {}
    for verb in verbs:
        for form in getattr(verb, attr):
            out[form] = (*out.get(form, ()), verb)
    return out


_WORD = re.compile(r"\w+")


class WordList:
    """A word list where "stem*" matches any ending, compiled into one pattern. Words share their
    beginnings in the pattern (a trie), so a sentence is scanned once whatever the list's size."""

    def __init__(self, entries: list[str]):
        words = [e.lower() for e in entries]
        exact = [w for w in words if not w.endswith("*") and " " not in w]
        stems = [w[:-1] for w in words if w.endswith("*") and " " not in w]
        phrases = [
            r"\s+".join(re.escape(w[:-1]) + r"\w*" if w.endswith("*") else re.escape(w) for w in e.split())
            for e in words
            if " " in e
        ]
        alternatives = [f"{trie(exact)}(?!\\w)" if exact else "", trie(stems)]
        alternatives += [f"(?:{p})(?!\\w)" for p in phrases]
        alternatives = [a for a in alternatives if a]
        # a class of the first letters first: the scan skips positions no entry starts at
        firsts = re.escape("".join(sorted({w[0] for w in words if w})))
        self.pattern = re.compile(
            f"(?=[{firsts}])(?<!\\w)(?:" + "|".join(alternatives) + ")" if alternatives else "(?!)"
        )

    def search(self, text: str) -> bool:
        return self.pattern.search(text.lower()) is not None

    def count(self, text: str) -> int:
        return sum(1 for _ in self.pattern.finditer(text.lower()))


def trie(words: list[str] | str) -> str:
    """A pattern matching exactly `words` (a list, or a string of words apart by "|"), branching
    only where they differ: a scan tries one branch per letter instead of every word."""
    if isinstance(words, str):
        words = words.split("|")
    if not words:
        return ""
    tree: dict = {}
    for w in words:
        node = tree
        for ch in w:
            node = node.setdefault(ch, {})
        node[""] = {}

    def emit(node: dict) -> str:
        branches = [re.escape(ch) + emit(sub) for ch, sub in sorted(node.items()) if ch]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        return f"(?:{body})?" if "" in node else body

    return emit(tree)


def _stems(name: str) -> WordList:
    return WordList(lines(name))


def _words_pattern(words: list[str]) -> re.Pattern[str]:
    """Any of `words` as a whole word of lowercased text, opening on a class of their first
    letters (the scan skips positions no word starts at)."""
    firsts = re.escape("".join(sorted({w[0] for w in words})))
    return re.compile(f"(?=[{firsts}])(?<!\\w)" + trie(words) + r"(?!\w)")


# forms of the verbs of aspect an infinitive cue hangs on ("n'a cessé d'affirmer", "finissent par
# considérer", "vient d'annoncer"); not modality ("peut affirmer" says nothing was said) or volition
ASPECT_FORMS = frozenset(
    "cesse cessent cessait cessaient cessa cessèrent cessé continue continuent continuait continuaient "
    "continua continué finit finissent finissait finissaient finirent fini vient viennent venait venaient "
    "vint venu venue commence commencent commençait commencé".split()
)


@cache
def lexicon() -> Lexicon:
    verbs = [parse_verb(line) for line in lines("reporting_verbs.txt")]
    passive_verbs = [v for v in verbs if v.lemma in set(lines("passive_cues.txt"))]
    passive_verbs += [
        parse_verb(lemma) for lemma in lines("passive_cues.txt") if lemma not in {v.lemma for v in verbs}
    ]
    finite, participles, gerunds = (_index(verbs, a) for a in ("finite", "participles", "gerunds"))
    infinitives: dict[str, tuple[Verb, ...]] = {}
    for verb in verbs:
        infinitives[verb.lemma] = (*infinitives.get(verb.lemma, ()), verb)
    words = frozenset(finite) | frozenset(participles) | frozenset(gerunds)
    return Lexicon(
        finite=finite,
        participles=participles,
        gerunds=gerunds,
        infinitives=infinitives,
        passive=frozenset(f for v in passive_verbs for f in v.participles),
        adverbs=frozenset(lines("adverbs.txt")),
        source_nouns=frozenset(lines("source_nouns.txt")),
        title_nouns=frozenset(lines("title_nouns.txt")),
        naming_nouns=frozenset(lines("naming_nouns.txt")),
        criteria_nouns=frozenset(lines("criteria_nouns.txt")),
        relays=re.compile("|".join(f"(?:{p})" for p in lines("relays.txt")), re.I),
        author_clauses=re.compile(
            r",[ \u00a0]+(?:" + "|".join(re.escape(p) for p in lines("author_clauses.txt")) + r")(?!\w)", re.I
        ),
        evaluative=_stems("evaluative.txt"),
        checkworthy=_stems("checkworthy.txt"),
        event_verbs=_stems("event_verbs.txt"),
        words=words,
        may_attribute=_words_pattern(
            sorted(w for w in words | ASPECT_FORMS | {"selon", "après"} if _WORD.fullmatch(w))
        ),
    )
