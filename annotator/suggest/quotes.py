"""Quotes in one French sentence: cues, sources and content by rule (SCHEME §4).

The sentence is read as tokens. A cue is a reporting verb group ("a annoncé", "a-t-il déclaré",
"s'est réjoui", "estimant"), a preposition ("selon", "d'après", "pour X, « »") or an agentless
passive ("ont été accusées de"). Where the cue stands decides the rest:
- after a comma or a closing mark ("…, a annoncé le ministère"): the content is the clause before
  it and the source the noun phrase after it;
- before its content ("Pékin assure que …"): the source is the subject before it and the content
  starts at "que", a colon, quotation marks, or what the verb takes ("de", "à", an object).
Dashes and parentheses make incises with their own quotes ("– prévus … selon Moscou –").
Quoted stretches no cue claims are quotes only when they look said (long, not a name or title).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from annotator.corpus.marks import CLOSING, MARK, MARKS, OPENING
from annotator.suggest.lexicon import ASPECT_FORMS, Lexicon, Verb

Range = tuple[int, int]

_TOKEN = re.compile(r"[^\W\d_]{1,7}['’](?=\w|[«“\"])|\w+(?:[-/.]\w+)*|\S")  # qu'« …: elided
_INVERTED = re.compile(r"^(\w+?)-(?:t-)?(il|elle|on|ils|elles)$", re.I)
_DASHES = "–—"
CLAUSE_MARKS = ";:()–—" + MARKS  # punctuation that closes a clause
_INCISE_MARKS = re.compile(r"[–—()]")

AUX_AVOIR = {
    "a",
    "ont",
    "avait",
    "avaient",
    "aura",
    "auront",
    "aurait",
    "auraient",
    "eut",
    "eurent",
    "ait",
    "aient",
}
AUX_ETRE = {
    "est",
    "sont",
    "était",
    "étaient",
    "sera",
    "seront",
    "serait",
    "seraient",
    "fut",
    "furent",
    "soit",
    "soient",
}
REFLEXIVE = {"se", "s'", "s’"}
SUBJECT_PRONOUNS = {"il", "elle", "ils", "elles", "on"}
FIRST_PERSON = {"je", "j'", "j’", "nous", "tu", "vous"}
DETERMINERS = {
    "le", "la", "les", "l'", "l’", "un", "une", "des", "du", "son", "sa", "ses", "leur", "leurs", "ce",
    "cet", "cette", "ces", "certains", "certaines", "plusieurs", "deux", "trois", "quelques", "aux", "au",
}  # fmt: skip
QUE = {"que", "qu'", "qu’"}
RELATIVES = {"qui", "lequel", "laquelle", "lesquels", "lesquelles"}
_INCISE_OPENERS = RELATIVES | {"comme"}  # "X, qui a hésité, a annoncé", "X, comme Y, a affirmé"
_OBJECT_CLITICS = {
    "lui",
    "leur",
    "me",
    "m'",
    "m’",
    "te",
    "t'",
    "t’",
    "le",
    "la",
    "les",
    "l'",
    "l’",
    "y",
    "en",
}
DE = {"de", "d'", "d’", "du", "des"}
A = {"à", "au", "aux"}
# Words that end a noun phrase read forward from a cue (an inverted subject, a "selon" source).
NP_STOP = {
    "qui", "que", "qu'", "qu’", "dont", "lors", "à", "au", "aux", "dans", "en", "pour", "devant", "sur",
    "avec", "selon", "comme", "pendant", "après", "avant", "depuis", "par", "lorsque", "alors", "tout",
    "cité", "citée", "cités", "citées", "et", "mais", "ou", "où", "lui-même", "elle-même", "quant",
}  # fmt: skip
# Words that end a subject read backwards from a cue.
CLAUSE_BOUNDARY = {
    "que",
    "qu'",
    "qu’",
    "et",
    "mais",
    "car",
    "où",
    "lorsque",
    "quand",
    "si",
    "puisque",
    "dont",
    "ou",
}
LEADING = {
    "mais", "et", "or", "ainsi", "puis", "enfin", "alors", "toutefois", "pourtant", "cependant", "aussi",
    "donc", "car", "d'ailleurs", "d’ailleurs", "également", "hier", "aujourd'hui",
}  # fmt: skip
ADVERBIAL_SEGMENTS = {
    "de son côté", "pour sa part", "quant à lui", "quant à elle", "lui aussi", "elle aussi", "toutefois",
    "en effet", "par ailleurs", "lui-même", "elle-même", "de leur côté", "pour leur part", "à son tour",
    "enfin", "lui", "elle", "eux", "cependant", "pourtant", "néanmoins", "de même", "en outre",
}  # fmt: skip
_EMPHATIC = {"lui", "elle", "eux", "elles"}  # "a, lui, estimé": between commas only
TIME_WORDS = {
    "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche", "hier", "aujourd'hui",
    "soir", "matin", "midi", "après-midi", "ce", "cette", "dernier", "dernière", "prochain", "janvier",
    "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre", "novembre",
    "décembre", "encore", "aussi", "également", "ensuite", "enfin", "déjà", "notamment", "plus", "tard",
    "tôt", "la", "veille", "semaine", "mois", "jour", "récemment", "toutefois", "d'ailleurs", "d’ailleurs",
}  # fmt: skip
PREPOSITIONS = {
    "sur",
    "dans",
    "lors",
    "devant",
    "à",
    "au",
    "aux",
    "en",
    "pendant",
    "après",
    "avant",
    "depuis",
    "auprès",
}
_SUBJECT_INCISES = PREPOSITIONS | _INCISE_OPENERS  # and "X, dans un communiqué, affirme"
CONTINUATION_STOP = NP_STOP | {
    "a",
    "ont",
    "avait",
    "ce",
    "cette",
    "il",
    "elle",
    "on",
    "ne",
    "n'",
    "n’",
    "y",
    "cela",
    "ça",
}


class Tok:
    """A token (a plain slotted class: a sentence makes dozens, a corpus millions)."""

    __slots__ = ("start", "end", "text", "low", "capital")

    def __init__(self, start: int, end: int, text: str):
        self.start, self.end, self.text = start, end, text
        self.low = text.lower()
        self.capital = text[:1].isupper()


def tokenize(text: str) -> list[Tok]:
    return [Tok(m.start(), m.end(), m.group()) for m in _TOKEN.finditer(text)]


@dataclass
class RawQuote:
    """A quote found in one sentence (sentence offsets); `speaker` is filled in per article."""

    cue: Range | None
    source: Range | None
    content: list[Range]
    type: str = "indirect"
    speaker: str | None = None
    kind: str = ""  # how it was found: inverted, preposed, preposition, gerund, passive, marks, event
    stretch: int = -1  # for a quote found by its marks alone: the stretch it is


@dataclass
class Quoted:
    """A quoted stretch as this sentence sees it: the text inside the marks (sentence offsets)."""

    start: int
    end: int
    opened_before: bool  # the quote began in an earlier sentence
    open_after: bool  # it goes on after this sentence
    key: int = -1  # the stretch's number in its block: sentences of one quotation share it
    unclosed: bool = False  # no closing mark anywhere in the block


@dataclass
class _Cue:
    kind: str  # finite, participle, gerund, passive, preposition
    first: int  # token index where the cue group starts (auxiliary, reflexive pronoun)
    last: int  # token index where it ends (tail included)
    span: Range
    verbs: tuple[Verb, ...] = ()
    pronoun: Range | None = None  # "il" in "a-t-il déclaré"
    inverted: bool = False


@dataclass
class _Sentence:
    text: str
    toks: list[Tok]
    quoted: list[Quoted]
    lex: Lexicon
    scopes: list[Range] = field(default_factory=list)
    boundaries: list[int] = field(default_factory=list)  # where the clause of a later cue starts
    spoken: list[RawQuote] = field(default_factory=list)  # quotes and speech events so far

    def in_quotes(self, pos: int) -> bool:
        return any(q.start <= pos < q.end for q in self.quoted)

    def unclosed_at(self, pos: int) -> Quoted | None:
        return next((q for q in self.quoted if q.unclosed and q.start <= pos < q.end), None)

    def scope(self, pos: int) -> Range:
        best = (0, len(self.text))
        for a, b in self.scopes:
            if a <= pos < b and b - a < best[1] - best[0]:
                best = (a, b)
        return best

    def index_at(self, pos: int) -> int:
        """The first token starting at or after `pos`."""
        for i, t in enumerate(self.toks):
            if t.start >= pos:
                return i
        return len(self.toks)


# ---------------------------------------------------------------------------------- incises


def _incises(text: str, quoted: list[Quoted]) -> list[Range]:
    """Dash pairs and parentheses outside quotation marks: (start, end) of the stretch between."""
    out: list[Range] = []
    marks = [
        (m.start(), m.group())
        for m in _INCISE_MARKS.finditer(text)
        if not any(q.start <= m.start() < q.end for q in quoted)
    ]
    dashes = [i for i, c in marks if c in _DASHES]
    for a, b in zip(dashes[::2], dashes[1::2], strict=False):
        out.append((a + 1, b))
    if len(dashes) % 2:
        out.append((dashes[-1] + 1, len(text)))
    stack = []
    for i, c in marks:
        if c == "(":
            stack.append(i)
        elif c == ")" and stack:
            out.append((stack.pop() + 1, i))
    return out


# ---------------------------------------------------------------------------------- cues


def _skip_adverbs(s: _Sentence, j: int, step: int) -> int:
    """Move over adverbs (and a ", lui," incise) from token j in direction step."""
    toks, adverbs = s.toks, s.lex.adverbs
    while 0 <= j < len(toks):
        low = toks[j].low
        if low == "une" and not (0 <= j + step < len(toks) and toks[j + step].low == "fois"):
            break  # "encore une fois", not "a soutenu une dictature"
        if low in adverbs or low.endswith("ment") and len(low) > 6 or low == ",":
            j += step
            continue
        break
    return j


def _tail_matches(s: _Sentence, verb: Verb, after: int) -> int | None:
    """Token index of the last word of the verb's tail starting at token `after`, or None."""
    if not verb.tail:
        return after - 1
    want = " ".join(verb.tail)
    got = ""
    j = after
    while j < len(s.toks) and len(got) < len(want):
        got = (got + ("" if got.endswith("'") or not got else " ") + s.toks[j].low.replace("’", "'")).strip()
        j += 1
    return j - 1 if got == want else None


def _with_tail(s: _Sentence, verbs: tuple[Verb, ...], i: int) -> tuple[tuple[Verb, ...], int] | None:
    """The verbs whose tail follows token i, and the last token of the group."""
    fits = [(v, end) for v in verbs if (end := _tail_matches(s, v, i + 1)) is not None]
    if not fits:
        return None
    longest = max(end for _, end in fits)
    return tuple(v for v, end in fits if end == longest), longest


def _find_cues(s: _Sentence) -> list[_Cue]:
    lex, toks = s.lex, s.toks
    words = lex.words
    # where a cue can start: a verb form, an inversion ("dit-il"), a preposition
    starts = [
        i
        for i, t in enumerate(toks)
        if (t.low in words or t.low in lex.infinitives or t.low in _PREPOSITIONS or "-" in t.low)
        and t.text[:1].isalpha()
    ]
    cues: list[_Cue] = []
    after = 0  # tokens before this belong to a cue already found
    for i in starts:
        if i < after:
            continue
        t = toks[i]
        unclosed = s.unclosed_at(t.start)
        incise = s.in_quotes(t.start) and not unclosed
        if incise and not (
            i and toks[i - 1].text == "," and any(_INVERTED.match(x.low) for x in toks[i : i + 3])
        ):
            continue  # inside a quotation only "« A, a-t-il dit, B »" is a cue: the author's incise
        cue = _verb_cue(s, i) or _preposition_cue(s, i)
        if cue is None or (unclosed or incise) and not cue.inverted:
            continue
        if unclosed:  # an unbalanced mark: the plausible quotation stops at the cue's comma
            unclosed.end = toks[cue.first - 1].start
        window = s.text[max(0, cue.span[0] - 16) : cue.span[1] + 12]
        if not (("comme" in window or "par" in window) and lex.relays.search(window)):
            cues.append(cue)
        after = cue.last + 1
    return cues


def _verb_cue(s: _Sentence, i: int) -> _Cue | None:
    lex, toks = s.lex, s.toks
    t = toks[i]
    low = t.low
    inv = _INVERTED.match(low)
    if inv:  # "estime-t-il", "a-t-il déclaré", "avait-il dit"
        head = inv.group(1)
        pron = (t.start + inv.start(2), t.start + inv.end(2))
        if head in lex.finite:
            fit = _with_tail(s, lex.finite[head], i)
            if fit:
                verbs, last = fit
                return _Cue("finite", i, last, (t.start, toks[last].end if last > i else t.start + len(head)),
                            verbs, pron, True)  # fmt: skip
        if head in AUX_AVOIR | AUX_ETRE:
            j = _skip_adverbs(s, i + 1, 1)
            if j < len(toks) and toks[j].low in lex.participles:
                fit = _with_tail(s, lex.participles[toks[j].low], j)
                if fit:
                    verbs, last = fit
                    return _Cue("participle", j, last, (toks[j].start, toks[last].end), verbs, pron, True)
        return None
    if low in lex.infinitives and low not in lex.finite and low not in lex.participles:
        return _infinitive_cue(s, i)
    if low in lex.participles:
        cue = _participle_cue(s, i)
        if cue is not None or low not in lex.finite:  # "écrit", "dit": also finite forms
            return cue
    if low in lex.finite:
        fit = _with_tail(s, lex.finite[low], i)
        if not fit:
            return None
        verbs, last = fit
        prev = toks[i - 1].low if i else ""
        reflexive = prev in REFLEXIVE
        verbs = tuple(v for v in verbs if v.reflexive == reflexive)
        if (
            not verbs
            or prev in FIRST_PERSON
            or prev in DETERMINERS
            or prev in DE
            or (i >= 2 and toks[i - 2].low in FIRST_PERSON and reflexive)
        ):
            return None
        first = i - 1 if reflexive else i
        cue = _Cue("finite", first, last, (toks[first].start, toks[last].end), verbs)
        cue.inverted = _inverted(s, cue)
        if not cue.inverted and not _introduced(s, cue):
            return None
        return cue
    if low in lex.gerunds:
        verbs = lex.gerunds[low]
        fit = _with_tail(s, verbs, i)
        if not fit:
            return None
        verbs, last = fit
        first = i - 1 if i and toks[i - 1].low in REFLEXIVE else i
        before = toks[first - 1] if first else None
        if before is not None and before.text not in ",;:–—(" and before.low not in ("en", "et", "tout"):
            return None  # "des documents détaillant", "le prétendant": an adjective or a noun
        cue = _Cue("gerund", first, last, (t.start, toks[last].end), verbs)
        if _content_start(s, cue, _GERUND_KINDS) is None:
            return None
        return cue
    return None


def _infinitive_cue(s: _Sentence, i: int) -> _Cue | None:
    """A cue verb in the infinitive after a verb of aspect: the group from its
    auxiliary (and negation) to the infinitive is the cue (GUIDELINES Q9: "n'a cessé d'affirmer")."""
    toks = s.toks
    j = i - 1
    if j >= 1 and toks[j].low in ("de", "d'", "d’") and toks[j - 1].low == "avant":
        fit = _with_tail(s, s.lex.infinitives[toks[i].low], i)
        if fit is None:
            return None
        verbs, last = fit  # "…, avant d'ajouter que …": its subject is the verb's before, as a gerund's
        cue = _Cue("gerund", j - 1, last, (toks[i].start, toks[last].end), verbs)
        return cue if _content_start(s, cue, _GERUND_KINDS) is not None else None
    if j >= 0 and toks[j].low in ("de", "d'", "d’", "à", "par"):
        j -= 1
    j = _skip_adverbs(s, j, -1) if j >= 0 and toks[j].low not in ASPECT_FORMS else j
    if j < 0 or toks[j].low not in ASPECT_FORMS:
        return None
    first = j
    k = _skip_adverbs(s, first - 1, -1)
    if k >= 0 and toks[k].low in AUX_AVOIR | AUX_ETRE:
        first = k
    if first >= 1 and toks[first - 1].low in ("n'", "n’", "ne"):
        first -= 1
    if first >= 1 and toks[first - 1].low in FIRST_PERSON:
        return None
    fit = _with_tail(s, s.lex.infinitives[toks[i].low], i)
    if not fit:
        return None
    verbs, last = fit
    cue = _Cue("finite", first, last, (toks[first].start, toks[last].end), verbs)
    return cue if _introduced(s, cue) else None


def _participle_cue(s: _Sentence, i: int) -> _Cue | None:
    lex, toks = s.lex, s.toks
    low = toks[i].low
    fit = _with_tail(s, lex.participles[low], i)
    if not fit:
        return None
    verbs, last = fit
    j = _skip_adverbs(s, i - 1, -1)
    passive = False
    if j >= 0 and toks[j].low == "été":  # "ont été accusées"
        passive = True
        j -= 1
    if j >= 0 and (toks[j].low in AUX_AVOIR or toks[j].low in AUX_ETRE):
        aux = toks[j].low
        reflexive = j >= 1 and toks[j - 1].low in REFLEXIVE
        if passive or (aux in AUX_ETRE and not reflexive):
            if low not in lex.passive:
                return None
            cue = _Cue("passive", j, last, (toks[j].start, toks[last].end), verbs)
            return cue if _content_start(s, cue, ("de",)) is not None else None
        verbs = tuple(v for v in verbs if v.reflexive == reflexive)
        if not verbs:
            return None
        first = j - 1 if reflexive else j
        if first >= 1 and toks[first - 1].low in FIRST_PERSON:
            return None
        # "a, lui, estimé": with a pronoun between, the participle alone is the cue (GUIDELINES Q9)
        shown = i if any(t.text == "," for t in toks[j:i]) else first
        cue = _Cue("participle", first, last, (toks[shown].start, toks[last].end), verbs)
        cue.inverted = _inverted(s, cue)
        if not cue.inverted and not _introduced(s, cue):
            return None
        return cue
    if low in lex.passive:  # "le président, accusé de …"
        cue = _Cue("passive", i, last, (toks[i].start, toks[last].end), verbs)
        return cue if _content_start(s, cue, ("de",)) is not None else None
    return None


def _after_comma(s: _Sentence, first: int) -> bool:
    """An inverted cue follows its content: a comma, a closing mark or the end of a quoted stretch."""
    if first == 0:
        return False
    prev = s.toks[first - 1]
    if prev.text in ",»”›" or prev.text == '"' and any(q.end == prev.start for q in s.quoted):
        return True
    return any(
        q.end <= prev.end and s.text[q.end : s.toks[first].start].strip(' \u00a0»”"›,') == ""
        for q in s.quoted
    )


def _inverted(s: _Sentence, cue: _Cue) -> bool:
    """After a comma, a verb is inverted ("…, a annoncé le ministère") unless the comma closes an
    incise around its subject ("Ned Price, porte-parole, a indiqué que") or content follows it."""
    if not _after_comma(s, cue.first):
        return False
    toks = s.toks
    k = _skip_adverbs(s, cue.last + 1, 1)
    if k < len(toks) and (toks[k].low in QUE or toks[k].text == ":"):
        return False
    if toks[cue.first - 1].text != ",":
        return True
    segs = _segments_back(s, cue.first - 1, 0)
    if not segs:
        return True
    a, b = segs[0]
    if _words(s, a, b) in ADVERBIAL_SEGMENTS:
        return False
    if (
        len(segs) == 2
        and toks[a].low in _INCISE_OPENERS
        and _np_like(s, *segs[1])
        and segs[1][1] - segs[1][0] <= 6
    ):
        return False  # "Le président, comme son prédécesseur, a affirmé": an incise after the subject
    if len(segs) > 1:
        pa, pb = segs[1]
        if toks[a].low in s.lex.title_nouns and _name_like(s, pa, pb):
            return False
        if _name_like(s, a, b) and toks[pa].low in DETERMINERS:
            return False
        if all(_np_like(s, x, y) for x, y in segs) and segs[-1][0] == 0:
            return False  # "Le favori des sondages, le gouverneur Rick Perry, a réitéré ses charges"
    return True


def _introduced(s: _Sentence, cue: _Cue) -> bool:
    return _content_start(s, cue, _introducers(cue)) is not None


def _introducers(cue: _Cue) -> tuple[str, ...]:
    """What may open a preposed cue's content: que, a colon, quotation marks, an infinitive, and
    what its verbs take ("de", "à", "sur", "obj")."""
    return tuple({"que", ":", "mark", "infinitive"} | {k for v in cue.verbs for k in v.introducers})


_NOT_ATTRIBUTE = DETERMINERS | DE | A | PREPOSITIONS  # what cannot open "se dit incapable"
_GERUND_KINDS = ("que", ":", "mark", "de-inf")  # "en soulignant que", "menaçant de partir"
_INFINITIVE = re.compile(r"^[a-zàâçéèêëîïôûùüÿœ]+(?:er|ir|re|oir)$")


def _content_start(s: _Sentence, cue: _Cue, kinds: tuple[str, ...]) -> int | None:
    """Offset where the content opens after a preposed cue, by what the verb takes."""
    toks = s.toks
    j = cue.last + 1
    scope_end = s.scope(cue.span[0])[1]
    near = _skip_adverbs(s, j, 1)
    for k in range(j, min(len(toks), j + 13)):
        t = toks[k]
        if t.start >= scope_end:
            break
        if t.low in QUE and "que" in kinds:
            return t.start
        if t.text == ":" and ":" in kinds:
            return toks[k + 1].start if k + 1 < len(toks) else None
        if t.text in OPENING and "mark" in kinds and k <= near + 1:
            return t.start
        if t.text in ".;!?" or k > j and t.low in s.lex.words and t.low not in QUE | DE | A:
            break  # a content never opens past another verb that reports
        if "de-inf" in kinds and t.low in DE and _infinitive_after(s, k):
            return t.start  # "demande à l'évêque de Toulouse de négocier": past the addressee
        if k - near > 3:
            continue
        if t.low in DE and "de" in kinds:
            return t.start
        if t.low in A and ("à" in kinds or "à-inf" in kinds and t.low == "à" and _infinitive_after(s, k)):
            return t.start
        for prep in ("sur", "pour", "contre"):
            if t.low == prep and prep in kinds:
                return t.start
        if k == near:
            if "infinitive" in kinds and _INFINITIVE.match(t.low) and t.low not in DETERMINERS:
                return t.start
            if "obj" in kinds and (t.low in DETERMINERS or t.capital) and t.low not in A:
                return t.start
            if "attr" in kinds and t.text[:1].islower() and t.low not in _NOT_ATTRIBUTE:
                return t.start  # "se dit incapable de répondre"
        if t.text == ",":
            # "a annoncé, mercredi, que …": a circumstance between commas, then the content
            close = next((m for m in range(k + 1, min(len(toks), k + 7)) if toks[m].text == ","), None)
            if close is not None and close + 1 < len(toks):
                after = toks[close + 1]
                if after.low in QUE and "que" in kinds or after.text in OPENING and "mark" in kinds:
                    return after.start
            break
    return None


def _infinitive_after(s: _Sentence, k: int) -> bool:
    """Whether "de" or "à" at token k opens an infinitive ("de produire", "de ne pas", "à s'y rendre")."""
    toks = s.toks
    j = k + 1
    while j < len(toks) and toks[j].low in (
        "ne",
        "n'",
        "n’",
        "pas",
        "plus",
        "jamais",
        "se",
        "s'",
        "s’",
        "y",
        "en",
        "le",
        "la",
        "les",
        "l'",
        "l’",
        "lui",
        "leur",
    ):
        j += 1
    return (
        j < len(toks)
        and _INFINITIVE.match(toks[j].low) is not None
        and toks[k].low in ("de", "d'", "d’", "à")
    )


_PREPOSITIONS = frozenset({"selon", "d'", "d’", "pour"})  # the tokens _preposition_cue starts from


def _preposition_cue(s: _Sentence, i: int) -> _Cue | None:
    toks = s.toks
    t = toks[i]
    if t.low == "selon" or (t.low in ("d'", "d’") and i + 1 < len(toks) and toks[i + 1].low == "après"):
        last = i if t.low == "selon" else i + 1
        # standing apart ("…, selon X." / "Selon X, …") any noun phrase is a source; inside a
        # clause only a speaker-like one ("selon les critères" is no attribution)
        apart = (
            i > 0
            and toks[i - 1].text in ",–—("
            or _np_then_comma(s, last + 1)
            or _np_then_subject(s, last + 1)
        )
        head = last + 2 if last + 2 < len(toks) and toks[last + 1].low in DETERMINERS else last + 1
        if head < len(toks) and {toks[head].low, toks[head].low[:-1]} & s.lex.criteria_nouns:
            return None  # "selon les époques", "selon les critères de l'Union": no attribution
        if head < len(toks) and toks[head].low in _MESSAGE_NOUNS and head + 2 < len(toks):
            after = head + 1
            while after < len(toks) and toks[after].low not in DE | {"par"} and after - head < 5:
                after += 1  # "selon les informations rendues publiques par X"
            if (
                after < len(toks)
                and toks[after].low in DE | {"par"}
                and _source_like(s, after + 1, loose=True)
            ):
                # GUIDELINES Q1: the nominal phrase is the cue, what follows "de" or "par" the source
                # ("du ministère": the article stays with the source)
                last = after if toks[after].low not in ("du", "des") else after - 1
                return _Cue("preposition", i, last, (t.start, toks[head].end))
        if _source_like(s, last + 1, loose=apart):
            return _Cue("preposition", i, last, (t.start, toks[last].end))
        return None
    if t.low == "pour" and _source_like(s, i + 1):
        # "Pour elle, « … »": only when a quotation opens right after the comma
        k = next((k for k in range(i + 1, min(len(toks), i + 12)) if toks[k].text == ","), None)
        if k is not None and k + 1 < len(toks) and toks[k + 1].text in OPENING:
            return _Cue("preposition", i, i, (t.start, t.end))
    return None


# what "selon" can name before its source: the message itself ("selon le témoignage de X")
_MESSAGE_NOUNS = frozenset(
    "témoignage témoignages information informations propos déclaration déclarations version "
    "estimation estimations aveux dires explications révélations".split()
)


def _np_then_comma(s: _Sentence, k: int) -> bool:
    """A short noun phrase from token k closed by a comma ("Selon la direction, …")."""
    for j in range(k, min(len(s.toks), k + 8)):
        if s.toks[j].text in ",:":
            return j > k
        if not s.toks[j].text[:1].isalnum() and s.toks[j].text not in "'’-":
            return False
    return False


def _np_then_subject(s: _Sentence, k: int) -> bool:
    """A short noun phrase from token k and then a subject pronoun ("Selon la légende elle a …")."""
    toks = s.toks
    if k >= len(toks) or toks[k].low not in DETERMINERS:
        return False
    return any(t.low in SUBJECT_PRONOUNS for t in toks[k + 2 : k + 5])


def _source_like(s: _Sentence, k: int, *, loose: bool = False) -> bool:
    """Whether tokens from k name someone who can say something; `loose` takes any noun phrase."""
    toks = s.toks
    if k >= len(toks):
        return False
    t = toks[k]
    if t.low in ("lui", "elle", "eux", "elles"):
        return True
    if (
        t.low in ("moi", "nous", "que", "qu'", "qu’")
        or t.low == "ce"
        and k + 1 < len(toks)
        and (toks[k + 1].low in QUE | RELATIVES or toks[k + 1].low == "faire")
    ):
        return False
    if t.capital and t.text[:1].isalpha():
        return True
    if t.low in DETERMINERS:
        if loose:
            return True
        for n in toks[k + 1 : k + 3]:
            if n.low in s.lex.source_nouns or n.low in s.lex.title_nouns:
                return True
    return False


# ---------------------------------------------------------------------------------- sources


_INITIALS = re.compile(r"^[A-Z](?:\.[A-Z])*$")
# a dispatch's dateline: "PEKIN--", "MOSCOU (AFP) -", "Paris, 3 mars (Reuters) –"
_DATELINE = re.compile(
    r"[ \u00a0]*[A-ZÉÈ][A-ZÉÈ' -]{2,}(?:[ \u00a0]*\([A-Za-z]+\))?[ \u00a0]*(?:--|[-–—])[ \u00a0]*"
)


def _np_forward(s: _Sentence, k: int, end: int, *, last_words: bool = False) -> Range | None:
    """The noun phrase from token k (an inverted subject, a "selon" source), with an apposition:
    one opened by a title noun, or (`last_words`, a subject after its cue) any that ends the
    sentence."""
    toks = s.toks
    # time and place before the subject: "mercredi 8 novembre", "hier sur les ondes de X,"
    while k < len(toks) and toks[k].start < end and (toks[k].low in TIME_WORDS or toks[k].text.isdigit()):
        if toks[k].low in ("la", "ce", "cette") and k + 1 < len(toks) and toks[k + 1].low not in TIME_WORDS:
            break
        k += 1
    if k < len(toks) and toks[k].low in PREPOSITIONS:
        comma = next((c for c in range(k, len(toks)) if toks[c].text in ",.;"), None)
        short = k + (2 if k + 1 < len(toks) and toks[k + 1].low in DETERMINERS else 1)
        if (
            toks[k].low in A
            and short + 1 < len(toks)
            and (toks[short + 1].capital or toks[short + 1].low in DETERMINERS)
        ):
            k = short + 1  # "à l'AFP Karim Benali": a short complement, then the subject
        elif comma is not None and toks[comma].text == "," and comma + 1 < len(toks):
            k = comma + 1  # "hier sur les ondes de la Chaîne III, Abdelmalek Sayah"
    if k >= len(toks) or toks[k].start >= end:
        return None
    first = toks[k]
    if not (first.low in DETERMINERS or first.capital or first.low in SUBJECT_PRONOUNS | {"lui", "eux"}):
        return None
    j = k
    while j + 1 < len(toks) and toks[j + 1].start < end:
        nxt = toks[j + 1]
        if nxt.text == "." and _INITIALS.match(toks[j].text) and j + 2 < len(toks) and toks[j + 2].capital:
            j += 1  # "F.L. Copperman", "M. Ménard"
            continue
        if nxt.low in NP_STOP or not (nxt.text[:1].isalnum() or nxt.text in "'’-"):
            break
        j += 1
    start, stop = first.start, toks[j].end
    # apposition: ", porte-parole du ministère" / ", directeur général de l'Office (ONLCDT)"
    if j + 2 < len(toks) and toks[j + 1].text == ",":
        a = j + 2 + (toks[j + 2].low in DETERMINERS and j + 3 < len(toks))
        e, last = _segment_end(s, a, end)
        if toks[a].low in s.lex.title_nouns:
            stop = toks[e].end
        elif last_words:
            # appositions that run to the end of the sentence: ", délégué CGT du site.",
            # ", 45 ans, habitante du quartier."
            while _apposition_word(s, a):
                if last:
                    stop = toks[e].end
                    break
                if toks[e + 1].text != "," or e + 2 >= len(toks):
                    break
                a = e + 2 + (toks[e + 2].low in DETERMINERS and e + 3 < len(toks))
                e, last = _segment_end(s, a, end)
    return start, stop


def _segment_end(s: _Sentence, a: int, end: int) -> tuple[int, bool]:
    """The last token of the comma-free stretch from token a, and whether the sentence (or the
    stretch up to `end`) ends after it."""
    toks = s.toks
    e = a
    while e + 1 < len(toks) and toks[e + 1].start < end and toks[e + 1].text not in ',.;:!?»”"–—':
        e += 1
    last = e + 1 >= len(toks) or toks[e + 1].start >= end or toks[e + 1].text in ".!?" and e + 2 >= len(toks)
    return e, last


def _apposition_word(s: _Sentence, a: int) -> bool:
    """Whether token a can open an apposition after a name: a lowercase noun or an age."""
    t = s.toks[a]
    low = t.low
    return (
        (t.text[:1].islower() or t.text.isdigit())
        and low not in CONTINUATION_STOP | RELATIVES | s.lex.words
        and not low.endswith("ant")
    )


def _segments_back(s: _Sentence, i: int, floor: int) -> list[tuple[int, int]]:
    """Comma-separated segments (token index ranges) before token i, nearest first, up to a clause
    boundary."""
    toks = s.toks
    out = []
    end = i
    j = i - 1
    while j >= 0 and toks[j].start >= floor:
        t = toks[j]
        if t.text == ")":  # "le comité (CHMP) a estimé": a parenthesis inside the subject
            opening = next((k for k in range(j - 1, max(-1, j - 12), -1) if toks[k].text in "()"), None)
            if opening is not None and toks[opening].text == "(" and toks[opening].start >= floor:
                j = opening - 1
                continue
        if t.text == ",":
            out.append((j + 1, end))
            end = j
        elif t.text in CLAUSE_MARKS or t.low in CLAUSE_BOUNDARY and (t.low != "et" or _long_before(s, j)):
            break
        j -= 1
    out.append((j + 1, end))
    return [(a, b) for a, b in out if a < b]


def _long_before(s: _Sentence, j: int) -> bool:
    """Whether "et" at token j joins two clauses (a long stretch before it) rather than two nouns
    ("La Chine et la Russie")."""
    k = j - 1
    while k >= 0 and s.toks[k].text not in ",;:" and s.toks[k].low not in CLAUSE_BOUNDARY:
        k -= 1
    return j - k > 5


def _words(s: _Sentence, a: int, b: int) -> str:
    return " ".join(t.low for t in s.toks[a:b])


def _name_like(s: _Sentence, a: int, b: int) -> bool:
    toks = s.toks[a:b]
    return bool(toks) and all(
        t.capital or t.low in ("de", "van", "von", "da", "el", "al", "ben", "m.", "mme") for t in toks
    )


def _subject_back(s: _Sentence, cue: _Cue, floor: int) -> Range | None:
    """The subject of a preposed cue: the nearest noun phrase before it in the clause."""
    toks = s.toks
    segs = _segments_back(s, cue.first, floor)
    if not segs:
        return None
    k = 0
    while k < len(segs) and (
        _words(s, *segs[k]) in ADVERBIAL_SEGMENTS
        and (_words(s, *segs[k]) not in _EMPHATIC or segs[k][0] > 0 and toks[segs[k][0] - 1].text == ",")
        or (
            k + 1 < len(segs)
            and toks[segs[k][0]].low in _SUBJECT_INCISES
            and segs[k][1] - segs[k][0] > 1  # "X, qui a hésité, a annoncé"; not "…, qui a confirmé"
        )
    ):
        k += 1  # ", lui," and ", de son côté," stand between subject and cue; "et elle pense" does not
    if k >= len(segs):
        return None
    a, b = segs[k]
    cleft = False
    if toks[b - 1].low in RELATIVES:
        if b - a > 3 and toks[a].low in ("c'", "c’") and toks[a + 1].low == "est":
            a, b, cleft = a + 2, b - 1, True  # "c'est le chef de la diplomatie qui a annoncé"
        else:
            return toks[b - 1].start, toks[b - 1].end  # "Taïwan, qui exige que" (GUIDELINES Q10)
    while a < b and (toks[a].low in LEADING or toks[a].text in MARKS):
        a += 1
    while (
        b > a
        and toks[b - 1].low in _OBJECT_CLITICS
        and (b - 1 > a or a > 0 and toks[a - 1].low in ("et", "mais"))
    ):
        b -= 1  # "et lui demande de": "lui" is who is asked, not who asks
    if a >= b or toks[b - 1].low in ("et", "mais"):
        return None  # a second coordinated verb: its subject is the first one's (_shared_subject)
    if b - a > 1 and toks[b - 1].low in SUBJECT_PRONOUNS:
        return toks[b - 1].start, toks[b - 1].end  # "… ne lui écrit plus et elle pense que"
    if toks[a].low in PREPOSITIONS or toks[a].low in ("selon", "alors", "bien", "si"):
        return None
    start = toks[a].start
    if k + 1 < len(segs) and not cleft and toks[a].low not in SUBJECT_PRONOUNS:
        pa, pb = segs[k + 1]
        while pa < pb and toks[pa].low in LEADING:
            pa += 1
        if (
            pa < pb
            and _np_like(s, pa, pb)
            and (
                toks[a].low in s.lex.title_nouns  # "Wang Yi, ministre chinois des Affaires étrangères,"
                or not toks[a].capital
                and toks[a].low not in DETERMINERS  # "X, successeur du juge Y,"
                or _name_like(s, a, b)
                and toks[pa].low in DETERMINERS  # "le porte-parole, Ned Price,"
                or toks[a].low in DETERMINERS
                and _name_like(s, pa + (toks[pa].low in DETERMINERS), pb)  # "le Dr. Baxa, l'avocat"
                or toks[a].low in DETERMINERS
                and toks[pa].low in DETERMINERS
                and k + 2 == len(segs)  # "Le favori, le gouverneur"
            )
        ):
            start = toks[pa].start
    while b - 1 > a and toks[b - 1].low in ("donc", "alors", "aussi", "encore", "même"):
        b -= 1  # "Qui donc a écrit": the adverb is not the source
    return start, toks[b - 1].end


# common finite verbs: a stretch holding one is a clause, not a noun phrase
_COMMON_FINITE = frozenset(
    "est sont était étaient sera seront serait fut furent a ont avait avaient aura auront aurait eut "
    "va vont allait fait font faisait peut peuvent pouvait doit doivent devait reste restent "
    "semble semblent veut veulent".split()
)


_NOT_NP_START = PREPOSITIONS | LEADING | (TIME_WORDS - DETERMINERS)  # "Mercredi, …", "En recevant X, …"


def _np_like(s: _Sentence, a: int, b: int) -> bool:
    """Tokens a..b read as a noun phrase (a subject, an apposition): a determiner, a name or a
    title first, no verb form the engine knows, no quotation, at most twelve words."""
    toks = s.toks[a:b]
    if not toks or len(toks) > 12 or not (toks[0].low in DETERMINERS or toks[0].capital):
        return False
    first = toks[0].low
    if first in _NOT_NP_START or first in s.lex.adverbs or first.endswith("ment"):
        return False  # "Mercredi, le G7", "Récemment, …", "En recevant X, il"
    return not any(
        t.low in _COMMON_FINITE
        or t.low in s.lex.words
        and (i == 0 or toks[i - 1].low not in DETERMINERS)  # "le juge" is a noun
        or t.text in MARKS
        or t.low in QUE | RELATIVES
        for i, t in enumerate(toks)
    )


def _shared_subject(s: _Sentence, cue: _Cue) -> Range | None:
    """The subject of a second coordinated verb is the first verb's (GUIDELINES Q10): "Zhang a
    répété … et a appelé à …" — the noun phrase before the clause's first known verb form."""
    toks = s.toks
    j = _skip_adverbs(s, cue.first - 1, -1)
    if j < 0 or toks[j].low != "et":
        return None
    a = j
    while a > 0 and toks[a - 1].text not in ";:.!?" + MARKS:
        a -= 1
    b = j
    while a < b:  # past leading circumstances: "Mardi, lors de la réunion, Zhang a répété"
        comma = next((k for k in range(a, b) if toks[k].text == ","), None)
        low = toks[a].low
        if comma is None or not (low in PREPOSITIONS | LEADING | TIME_WORDS or low.endswith("ment")):
            break
        a = comma + 1
    verb = next((k for k in range(a, b) if toks[k].low in _COMMON_FINITE or toks[k].low in s.lex.words), None)
    if verb is None or verb == a or not _np_like(s, a, verb):
        return None
    return toks[a].start, toks[verb - 1].end


# ---------------------------------------------------------------------------------- content


# ", donnant une nouvelle dynamique …": a present participle after a comma opens the author's own
# clause (GUIDELINES Q8); the ones that are prepositions or adverbs are not participles
_PARTICIPLE_TAIL = re.compile(
    r",[ \u00a0]+(?!(?:avant|pendant|cependant|maintenant|durant|devant|suivant|tant|autant|quant|"
    r"moyennant|néanmoins|concernant|nonobstant)\b)[a-zàâçéèêëîïôûùü]{3,}ant\b"
)
_SELON_INCISE = re.compile(r",[ \u00a0]*(?:selon|d['’]après)[ \u00a0]+[^,«»“”\"]{1,40},", re.I)
_REFERENCE = re.compile(r"[ \u00a0]*\[\d{1,3}\]$")  # a note call: "… la jeune femme [2]"


def trim(text: str, a: int, b: int, *, drop_final: bool = True) -> Range:
    while a < b and text[a] in " \u00a0\u202f\t,;:–—":
        a += 1
    # an indirect content loses its final ? or ! too; one with quotation marks keeps them
    final = (".…?!" if MARK.search(text, a, b) is None else ".…") if drop_final else ""
    while b > a and text[b - 1] in " \u00a0\u202f\t,;:–—" + final:
        b -= 1
    if (
        drop_final
        and b > a
        and text[b - 1] in "?!"
        and text[a : b - 1].rstrip(" \u00a0\u202f").endswith(tuple(CLOSING))
    ):
        return trim(text, a, b - 1)  # "… « revenants » ?": the author's question mark, outside the marks
    if b > a and text[b - 1] == "]" and (ref := _REFERENCE.search(text, a, b)) is not None:
        return trim(text, a, ref.start(), drop_final=drop_final)
    return a, b


def _strip_marks(text: str, a: int, b: int) -> Range:
    """Drop the outer quotation marks of a span that is one quoted stretch."""
    if b - a >= 2 and text[a] in OPENING and text[b - 1] in CLOSING:
        inner = text[a + 1 : b - 1]
        if not any(c in inner for c in MARKS) or text[a] == "«" and inner.count("«") == inner.count("»"):
            a, b = trim(text, a + 1, b - 1, drop_final=False)
    elif b - a >= 2 and text[a] in OPENING and not any(c in text[a + 1 : b] for c in CLOSING):
        a, b = trim(text, a + 1, b, drop_final=False)  # a quotation that goes on after the sentence
    elif b - a >= 2 and text[b - 1] in CLOSING and not any(c in text[a : b - 1] for c in OPENING):
        a, b = trim(text, a, b - 1, drop_final=False)  # a quotation opened in an earlier sentence
    return a, b


def _minus(rng: Range, holes: list[Range], text: str) -> list[Range]:
    """A content range with incises cut out (an incise with its own quote)."""
    out = []
    a, b = rng
    for h0, h1 in sorted(holes):
        if h1 <= a or h0 >= b:
            continue
        out.append((a, h0 - 1))
        a = h1 + 1
    out.append((a, b))
    parts = [trim(text, x, y) for x, y in out]
    return [p for p in parts if p[0] < p[1]]


def _said(text: str, q: Quoted) -> bool:
    """Quoted text someone said, not a name in marks («Vostok», «Nord/Interaction-2023»)."""
    words = text[q.start : q.end].split()
    return not (len(words) <= 3 and words and words[0][:1].isupper() and not q.opened_before)


def classify(text: str, content: list[Range], quoted: list[Quoted]) -> str:
    quoted = [q for q in quoted if _said(text, q)]

    def within(a: int, b: int) -> bool:
        return any(q.start - 1 <= a and b <= q.end + 1 for q in quoted)

    if all(within(a, b) for a, b in content):
        return "direct"
    if any(q.start < b and a < q.end for a, b in content for q in quoted):
        return "mixed"
    return "indirect"


# ---------------------------------------------------------------------------------- assembly


def find_quotes(text: str, quoted: list[Quoted], lex: Lexicon) -> list[RawQuote]:
    s = _Sentence(text, tokenize(text), quoted, lex)
    s.scopes = _incises(text, quoted)
    cues = _find_cues(s)
    # where each cue's clause begins: preposed content stops there
    boundaries = sorted(
        [_boundary(s, c) for c in cues if c.inverted or c.kind in ("gerund", "preposition")]
        + [b for c in cues if not c.inverted and (b := _clause_after_comma(s, c)) is not None]
        + [m.start() for m in _PARTICIPLE_TAIL.finditer(text) if not s.in_quotes(m.start())]
        + [m.start() for m in lex.author_clauses.finditer(text) if not s.in_quotes(m.start())]
    )
    s.boundaries = boundaries
    quotes: list[RawQuote] = []
    covered: list[Range] = []  # content so far: a cue inside it is part of it ("ce qu'il appelle")
    for cue in cues:
        scope = s.scope(cue.span[0])
        if any(a <= cue.span[0] < b and s.scope(a) == scope for a, b in covered):
            continue
        quote = _build(s, cue, quotes)
        if quote is not None:
            s.spoken.append(quote)
        if quote is None or not quote.content:
            continue
        quotes.append(quote)
        covered.extend(quote.content)
    # incises that hold a quote are cut out of the enclosing quotes' content, and so is an
    # author's ", selon lui," inside a quotation (GUIDELINES Q4: one quote, its content in two)
    holes = [s.scope(q.cue[0]) for q in quotes if q.cue and s.scope(q.cue[0]) != (0, len(text))]
    holes += [(m.start() + 1, m.end() - 1) for m in _SELON_INCISE.finditer(text) if s.in_quotes(m.start())]
    for q in quotes:
        if q.cue and s.scope(q.cue[0]) == (0, len(text)) or q.kind == "marks":
            q.content = [p for c in q.content for p in _minus(c, holes, text)]
    quotes = [q for q in quotes if q.content]
    quotes.extend(_unclaimed(s, quotes))
    for q in quotes:
        q.content = [_strip_marks(text, a, b) for a, b in q.content]
        q.type = classify(text, q.content, quoted)
    # speech events without a message ("a révélé l'information") come last, with no content:
    # they are not quotes, but name who spoke for the speakers of later sentences
    return sorted(quotes, key=lambda q: q.content[0][0]) + [q for q in s.spoken if q.kind == "event"]


def _boundary(s: _Sentence, cue: _Cue) -> int:
    """Where the clause of a cue that follows other content starts (its comma, or the cue)."""
    j = cue.first - 1
    while j >= 0 and s.toks[j].low in ("tout", "en", "et", "avant"):
        j -= 1
    return s.toks[j].start if j >= 0 and s.toks[j].text == "," else s.toks[cue.first].start


def _clause_after_comma(s: _Sentence, cue: _Cue) -> int | None:
    """Where a preposed cue's own clause starts when a comma and "et", "mais" or a relative open it
    (", et une proclamation … rapporte que", ", qu'il qualifie de"): an earlier content ends
    there (GUIDELINES Q8)."""
    if cue.kind not in ("finite", "participle"):
        return None
    segs = _segments_back(s, cue.first, 0)
    if not segs:
        return None
    toks = s.toks
    j = _skip_adverbs(s, cue.first - 1, -1)
    if j > 0 and toks[j].low in ("et", "mais") and _introduced(s, cue):
        return toks[j].start  # "Il estime que … et ajoute que …": the second cue's own quote
    a = segs[0][0]
    opener = {"et", "mais", "puis"} | QUE | RELATIVES
    if a < len(toks) and toks[a].low not in opener and a > 0 and toks[a - 1].low in opener:
        a -= 1  # the segment stopped after "qu'" or "et"
    if a > 0 and toks[a - 1].text == "," and toks[a].low in opener:
        return toks[a - 1].start
    return None


def _next_boundary(s: _Sentence, after: int, end: int) -> int:
    """The end of content that starts at `after`: the next clause boundary in the same scope."""
    scope = s.scope(after)
    return next((b for b in s.boundaries if after < b < end and s.scope(b) == scope), end)


def _build(s: _Sentence, cue: _Cue, done: list[RawQuote]) -> RawQuote | None:
    text, toks = s.text, s.toks
    lo, hi = s.scope(cue.span[0])
    previous_end = max(
        [lo] + [max(e for _, e in _elements(q)) for q in done if lo <= _elements(q)[0][0] < hi]
    )
    if cue.kind == "preposition":
        return _preposition(s, cue, previous_end, hi)
    if cue.kind == "gerund":
        start = _content_start(s, cue, _GERUND_KINDS)
        if start is None:
            return None
        end = _next_boundary(s, start, hi)
        if all(t.low in ("tout", "en") or t.text in MARKS for t in toks[: cue.first] if t.start >= lo):
            # "Tout en assurant que …, le ministre a …": the main clause's subject ends the content
            k = s.index_at(start)
            comma = next(
                (j for j in range(k, len(toks)) if toks[j].start < end and toks[j].text == ","
                 and j + 1 < len(toks) and (toks[j + 1].low in DETERMINERS or toks[j + 1].capital)),
                None,
            )  # fmt: skip
            end = toks[comma].start if comma is not None else end
        earlier = [q for q in s.spoken if q.source and q.source[1] <= cue.span[0]]
        source = earlier[-1].source if earlier else None  # the subject of the verb it goes with
        return RawQuote((cue.span[0], cue.span[1]), source, [trim(text, start, end)], kind="gerund")
    if cue.kind == "passive":
        start = _content_start(s, cue, ("de",))
        if start is None:
            return None
        end = _next_boundary(s, start, hi)
        return RawQuote(cue.span, None, [trim(text, start, end)], kind="passive")
    if cue.inverted:
        comma = toks[cue.first - 1].start if cue.first else cue.span[0]
        if previous_end == lo and (dateline := _DATELINE.match(text, lo)) is not None:
            previous_end = dateline.end()
        content = [trim(text, previous_end, comma)] if previous_end < comma else []
        content = [c for c in content if c[0] < c[1]]
        if not content:
            return None
        source = cue.pronoun or _np_forward(s, cue.last + 1, hi, last_words=True)
        if source is None:
            return None  # "X, rédigée par Y, mentionne dans …": a subject before, not an inversion
        after = max(source[1], cue.span[1])  # "a-t-il dit": the pronoun stands before the verb
        more = _continuation(s, after, hi, quoted_first=_strip_marks(text, *content[0]) != content[0])
        return RawQuote(cue.span, source, content + more, kind="inverted")
    start = _content_start(s, cue, _introducers(cue))
    if start is None:
        return None
    end = _next_boundary(s, start, hi)
    source = _subject_back(s, cue, previous_end) or _shared_subject(s, cue)
    if (
        source is not None
        and text[source[0] : source[1]].lower() in RELATIVES
        and text[: source[0]].rstrip().endswith(",")
    ):
        comma = text.find(",", start, end)  # "Le syndicat, qui affirme que …, a été reçu": the incise closes
        end = comma if comma > 0 else end
    said = trim(text, start, end)
    if said[0] >= said[1]:
        return None
    if not _carries_message(s, said):  # "a révélé l'information": who spoke still counts for speakers
        return RawQuote(cue.span, source, [], kind="event") if source else None
    return RawQuote(cue.span, source, [said], kind="preposed")


_ARGUMENT = DE | A | {"sur", "pour", "entre", "contre", "avec"}  # what opens a nominalisation's argument
_NOMINALISATION = re.compile(r"(?:tion|sion|ment|ance|ence|ure|age|ée|ité|isme)s?$")


def _carries_message(s: _Sentence, said: Range) -> bool:
    """GUIDELINES Q2: content that opens on a noun phrase (an object) is a message only when it
    holds quoted words or is a nominalisation with its arguments ("la suppression de l'émission");
    a referential one ("la manière de Cats", "cette guérison") is not."""
    k = s.index_at(said[0])
    toks = s.toks
    if k >= len(toks) or not (toks[k].low in DETERMINERS or toks[k].capital) or toks[k].low in DE | A:
        return True  # que, de, à, a colon, marks, an infinitive: a clause
    if any(c in MARKS for c in s.text[said[0] : said[1]]):
        return True
    head = k + 1 if toks[k].low in DETERMINERS else k
    if head < len(toks) and _NOMINALISATION.search(toks[head].low):
        after = [t.low for t in toks[head + 1 : head + 3]]
        return any(w in _ARGUMENT for w in after)
    return False


def _elements(q: RawQuote) -> list[Range]:
    return sorted([*q.content, *(r for r in (q.cue, q.source) if r)])


def _continuation(s: _Sentence, after: int, hi: int, *, quoted_first: bool) -> list[Range]:
    """ "« A », a-t-il dit, « B »": content that goes on after the cue and source."""
    text = s.text
    rest = text[after:hi]
    m = re.match(r"[ \u00a0]*,[ \u00a0]*", rest)
    if not m:
        return []
    start = after + m.end()
    k = s.index_at(start)
    if k >= len(s.toks):
        return []
    t = s.toks[k]
    # after a quotation only a new quotation goes on with it (else: an apposition, a comment),
    # or the same one, when the cue was an incise inside it
    lower_ok = not quoted_first and t.text[:1].islower() and t.low not in CONTINUATION_STOP
    if not (t.text in OPENING or s.in_quotes(start) or lower_ok and t.low not in s.lex.gerunds):
        return []
    end = _next_boundary(s, start, hi)
    part = trim(text, start, end)
    return [part] if part[0] < part[1] else []


def _preposition(s: _Sentence, cue: _Cue, previous_end: int, hi: int) -> RawQuote | None:
    text, toks = s.text, s.toks
    stops = [
        t.end
        for t in toks
        if previous_end <= t.start < cue.span[0] and t.text == ";" and not s.in_quotes(t.start)
    ]
    clause_start = trim(text, max([previous_end, *stops]), hi)[0]  # "… ; selon l'Insee, …": its clause
    lead = [t for t in toks if clause_start <= t.start < cue.span[0]]
    preposed = all(t.low in LEADING | {"toujours", "mais", "et"} for t in lead)
    source = _np_forward(s, cue.last + 1, hi)
    if source is None:
        return None
    pronoun = next((t for t in toks if source[0] < t.start < source[1] and t.low in SUBJECT_PRONOUNS), None)
    if preposed and pronoun is not None:  # "Selon la légende elle a été fondée …": no comma
        end = _next_boundary(s, pronoun.start, hi)
        return RawQuote(cue.span, trim(text, source[0], pronoun.start), [trim(text, pronoun.start, end)],
                        kind="preposition")  # fmt: skip
    if preposed:
        k = s.index_at(source[1])
        if k + 1 < len(toks) and toks[k].text == ":" and toks[k + 1].text in OPENING:
            k += 1  # "Selon le maire : « … »"
        if k < len(toks) and toks[k].text in OPENING:  # "Selon Alan « Dave m'a contacté … »"
            end = _next_boundary(s, toks[k].start, hi)
            return RawQuote(cue.span, source, [trim(text, toks[k].start, end)], kind="preposition")
        comma = next((t for t in toks if t.start >= source[1] and t.text == ","), None)
        if comma is None or comma.start >= hi:
            return None
        source = trim(text, source[0], min(source[1], comma.start))
        end = _next_boundary(s, comma.end, hi)
        content = trim(text, comma.end, end)
    else:
        before = cue.span[0]
        if before > 0 and text[:before].rstrip().endswith(","):
            before = text.rindex(",", 0, before)
        content = trim(text, clause_start, before)
        rest = trim(text, source[1], hi)
        participle = any(_PARTICIPLE.match(t.text) for t in toks if source[0] < t.start < source[1])
        if participle and not any(c in text[rest[0] : rest[1]] for c in ",;:"):
            source = (source[0], rest[1])  # "selon un sondage réalisé mardi pour la chaîne ARD."
    if content[0] >= content[1]:
        return None
    return RawQuote(cue.span, source, [content], kind="preposition")


_PARTICIPLE = re.compile(r"[a-zàâçéèêëîïôûùü]{2,}(?:é|ée|és|ées|is|ise|it|ite|u|ue|us)$")


def _unclaimed(s: _Sentence, quotes: list[RawQuote]) -> list[RawQuote]:
    """Quoted stretches no cue accounts for that still look said: a sentence inside a quote that
    runs over several sentences, a quotation after a colon, a long quotation that is no title."""
    out = []
    text = s.text
    for q in s.quoted:
        if any(a <= q.start < b or q.start <= a < q.end for c in quotes for a, b in c.content):
            continue
        inner = trim(text, q.start, q.end, drop_final=False)
        if inner[0] >= inner[1]:
            continue
        words = text[inner[0] : inner[1]].split()
        before = text[: max(0, q.start - 1)].rstrip(" \u00a0")
        starts_sentence = not before.strip(" \u00a0" + OPENING)
        after_colon = before.endswith(":")
        if q.opened_before or (starts_sentence and (q.open_after or q.end >= len(text.rstrip(" .!?")) - 1)):
            out.append(RawQuote(None, None, [inner], kind="marks", stretch=q.key))
        elif after_colon and len(words) >= 2:
            out.append(RawQuote(None, None, [inner], kind="marks"))
        elif len(words) >= 5 and not _title_like(s, q, words):
            out.append(RawQuote(None, None, [inner], kind="marks"))
    return out


def _title_like(s: _Sentence, q: Quoted, words: list[str]) -> bool:
    """A name or a title in quotation marks: a capital after a naming noun, or mid-sentence."""
    before = [t for t in s.toks if t.end <= q.start - 1][-2:]
    if any(t.low in s.lex.naming_nouns for t in before):
        return True
    return words[0][:1].isupper() and bool(before)
