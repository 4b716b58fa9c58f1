"""The annotation scheme's vocabulary (SCHEME.md): label values and their orders, the names the
screens show, the short definitions, block types, sentence ids.

Plain Python, importable without pydantic: the labelling screen paints its first sentence with
these alone, and model.py builds the records on them. Every other module reads the orders, names
and definitions from here.
"""

from __future__ import annotations

from typing import Literal, get_args

BlockType = Literal["headline", "body", "caption", "comment", "teaser", "boilerplate"]
Mode = Literal["reporting", "commentary", "none"]
Claim = Literal["none", "factual", "checkworthy"]
QuoteType = Literal["direct", "indirect", "mixed"]
Flag = Literal["mt_noise", "attribution_dropped", "uncertain"]
Origin = Literal["manual", "suggested", "projected", "adjudicated"]
Status = Literal["done", "skipped", "todo"]
Split = Literal["train", "dev", "test"]
Role = Literal["content", "cue", "source"]

# The orders, as declared above. Exports encode labels by position (the hf ClassLabel features):
# never reorder a Literal without bumping the export's label order version.
BLOCK_TYPES: tuple[BlockType, ...] = get_args(BlockType)
MODES: tuple[Mode, ...] = get_args(Mode)
CLAIMS: tuple[Claim, ...] = get_args(Claim)
QUOTE_TYPES: tuple[QuoteType, ...] = get_args(QuoteType)
FLAGS: tuple[Flag, ...] = get_args(Flag)
SPLITS: tuple[Split, ...] = get_args(Split)
ROLES: tuple[Role, ...] = get_args(Role)

# Block types whose sentences are annotated (SCHEME.md §2); the others are skipped when stepping.
LABELLED_BLOCK_TYPES: tuple[BlockType, ...] = ("headline", "body", "caption", "comment")

# What the screens call each value (the panel lists flags in this order).
MODE_NAMES: dict[Mode, str] = {"reporting": "reporting", "commentary": "commentary", "none": "no proposition"}
CLAIM_NAMES: dict[Claim, str] = {"none": "no claim", "factual": "factual", "checkworthy": "check-worthy"}
FLAG_NAMES: dict[Flag, str] = {
    "uncertain": "uncertain",
    "mt_noise": "MT noise",
    "attribution_dropped": "attribution dropped",
}
BLOCK_TYPE_NAMES: dict[BlockType, str] = {
    "headline": "headline",
    "body": "body",
    "caption": "caption",
    "comment": "reader comment",
    "teaser": "teaser (no labels)",
    "boilerplate": "boilerplate (no labels)",
}
STATUS_NAMES: dict[Status | None, str] = {
    None: "new",
    "todo": "in progress",
    "done": "done",
    "skipped": "skipped",
}

# One-line definitions (the dataset card); the help screen's guideline is the longer form.
DEFINITIONS: dict[str, str] = {
    "mode": "reporting: presents events or attributes content; commentary: at least one unattributed "
    "evaluation by the author; none: no proposition",
    "claim": "none: nothing verifiable; factual: verifiable, of little interest; checkworthy: verifiable "
    "and worth checking",
    "quotes": "attributions: content spans, cue (reporting verb), source, speaker; type direct, indirect "
    "or mixed; offsets are characters of `text`",
}

# The short guideline the help screen shows under the keys (SCHEME.md and GUIDELINES.md in brief).
GUIDELINE = """\
Mode — who is evaluating?
  reporting: events, states, background as fact, or content attributed to someone
             (evaluative words inside quotes or attributed clauses belong to their speaker).
  commentary: at least one unattributed evaluation, motive, speculation, prediction,
              exhortation, irony, rhetorical question or loaded characterisation.
  no proposition: a bare noun-phrase heading, a fragment, text MT made meaningless.
Claim — is there something to check? (judge what was said, not the act of saying)
  no claim: opinions, goals, wishes, calls, questions.   factual: verifiable, little interest.
  check-worthy: verifiable and the public would want it checked (accusations, troop
                movements, record figures, contested facts).
Quotes — every attribution: content (without the outer quotation marks), cue (the
  reporting verb group, "selon"), source (the mention: "il", "Pékin", a full noun phrase),
  speaker (the canonical name). direct: all inside marks; indirect: none; mixed: partly.
  A name in quotation marks that nobody says («Vostok») is not a quote.
Block type — T corrects the rules' type for this sentence; teaser and boilerplate need no
  other label (SCHEME §2). Confirming is implicit: labelling a sentence keeps the type shown.
Flags — uncertain (second look), MT noise, attribution dropped (a headline states as
  fact what the body attributes)."""


def sentence_id(doc_id: str, start: int, end: int) -> str:
    return f"{doc_id}:{start}-{end}"
