"""Every key binding of the screens, in one place: the screens declare them from here, and help,
`label --keys`, keymap validation and the command palette read them from here.

A binding's `id` is what a user remaps in the keymap file (`binding-id = "keys"`).
"""

from __future__ import annotations

from collections.abc import Iterator
from string import ascii_uppercase

from textual.binding import Binding

from annotator.scheme import BLOCK_TYPE_NAMES, BlockType

# The labelling screen. Its side panel shows every label key; the footer keeps the keys the panel
# does not explain.
LABEL = [
    Binding("r", "set_label('mode', 'reporting')", "Reporting", id="mode.reporting", show=False),
    Binding("c", "set_label('mode', 'commentary')", "Commentary", id="mode.commentary", show=False),
    Binding("o", "set_label('mode', 'none')", "No proposition", id="mode.none", show=False),
    Binding("1", "set_label('claim', 'none')", "No claim", id="claim.none", show=False),
    Binding("2", "set_label('claim', 'factual')", "Factual", id="claim.factual", show=False),
    Binding("3", "set_label('claim', 'checkworthy')", "Check-worthy", id="claim.checkworthy", show=False),
    Binding("exclamation_mark", "flag('uncertain')", "Uncertain", id="flag.uncertain", show=False),
    Binding("t", "flag('mt_noise')", "MT noise", id="flag.mt_noise", show=False),
    Binding(
        "a", "flag('attribution_dropped')", "Attribution dropped", id="flag.attribution_dropped", show=False
    ),
    Binding("T", "block_type", "Block type", id="block_type", show=False),
    Binding("q", "quote", "Quote", id="quote"),
    Binding("y", "keep_quote", "Keep the quote in focus, next", id="quote_keep", show=False),
    Binding("d", "drop_quote", "Drop the quote in focus", id="quote_drop", show=False),
    Binding("m", "note", "Note", id="note", show=False),
    Binding("enter", "accept", "Accept", id="accept"),
    Binding("x", "skip", "Skip", id="skip", show=False),
    Binding("u,backspace", "undo", "Undo", id="undo"),
    Binding("j,down", "step(1)", "Next", id="next", show=False),
    Binding("k,up", "step(-1)", "Previous", id="previous", show=False),
    Binding("J", "step_document(1)", "Next document", id="next_document", show=False),
    Binding("K", "step_document(-1)", "Previous document", id="previous_document", show=False),
    Binding("n", "next_unannotated", "Next to do", id="next_unannotated", show=False),
    Binding("slash", "search", "Search", id="search", show=False),
    Binding("g", "documents", "Documents", id="documents", show=False),
    Binding("L", "browse", "Sentence list", id="browse", show=False),
    Binding("escape", "back_to_list", "Back to the sentence list", id="back_to_list"),
    Binding("b", "toggle_all", "Show all blocks", id="toggle_all", show=False),
    Binding("P", "dashboard", "Project dashboard", id="dashboard", show=False),
    Binding("question_mark", "help", "Help", id="help"),
]

# Quote mode: a word cursor over the sentence, a selection, one key per role.
QUOTE = [
    Binding("left,h", "move(-1)", "Word left", id="quote.left", show=False),
    Binding("right,l", "move(1)", "Word right", id="quote.right", show=False),
    Binding(
        "left_square_bracket", "mark(-1)", "Previous quotation mark", id="quote.previous_mark", show=False
    ),
    Binding("right_square_bracket", "mark(1)", "Next quotation mark", id="quote.next_mark", show=False),
    Binding("left_parenthesis", "clause(-1)", "Previous clause edge", id="quote.previous_clause", show=False),
    Binding("right_parenthesis", "clause(1)", "Next clause edge", id="quote.next_clause", show=False),
    Binding("w", "hints", "Jump labels on every word", id="quote.hints", show=False),
    Binding("f", "find(1)", "Next word with the initial", id="quote.find", show=False),
    Binding("F", "find(-1)", "Previous word with the initial", id="quote.find_back", show=False),
    Binding("t", "till_clause", "Select to the clause edge", id="quote.till_clause", show=False),
    *(Binding(str(n), f"count({n})", f"Count {n}", id=f"quote.count_{n}", show=False) for n in range(10)),
    Binding(
        "greater_than_sign",
        "span_edge(False, 1)",
        "Span here: end a word later",
        id="quote.end_later",
        show=False,
    ),
    Binding(
        "less_than_sign",
        "span_edge(False, -1)",
        "Span here: end a word earlier",
        id="quote.end_earlier",
        show=False,
    ),
    Binding(
        "right_curly_bracket",
        "span_edge(True, 1)",
        "Span here: start a word later",
        id="quote.start_later",
        show=False,
    ),
    Binding(
        "left_curly_bracket",
        "span_edge(True, -1)",
        "Span here: start a word earlier",
        id="quote.start_earlier",
        show=False,
    ),
    Binding(
        "equals_sign", "snap", "Span here: fit to its quotation marks or clause", id="quote.snap", show=False
    ),
    Binding("home", "edge(-1)", "First word", id="quote.home", show=False),
    Binding("end", "edge(1)", "Last word", id="quote.end", show=False),
    Binding("v", "select", "Select", id="quote.select"),
    Binding("i", "inside", "Inside quotes", id="quote.inside"),
    Binding("c", "assign('content')", "Content", id="quote.content"),
    Binding("C", "assign('content', True)", "Content with marks", id="quote.content_with_marks", show=False),
    Binding("r", "assign('cue')", "Cue", id="quote.cue"),
    Binding("s", "assign('source')", "Source", id="quote.source"),
    Binding("p", "speaker", "Speaker", id="quote.speaker"),
    Binding("d", "type('direct')", "Direct", id="quote.direct", show=False),
    Binding("n", "type('indirect')", "Indirect", id="quote.indirect", show=False),
    Binding("m", "type('mixed')", "Mixed", id="quote.mixed", show=False),
    Binding("e", "edit", "Edit quote here", id="quote.edit", show=False),
    Binding("x", "delete", "Delete quote here", id="quote.delete", show=False),
    Binding("enter", "save", "Save", id="quote.save"),
    Binding("escape", "cancel", "Close", id="quote.cancel"),
    Binding("question_mark", "help", "Help", id="quote.help"),
]

# The review screen: take annotator A–F's version as the verdict (the labelling keys edit it).
REVIEW_COLUMNS = 6
REVIEW = [
    Binding(letter, f"take({i})", f"Take {letter}", id=f"review.take_{letter.lower()}", show=i < 2)
    for i, letter in enumerate(ascii_uppercase[:REVIEW_COLUMNS])
]

# The sentence browser: a filtered list of the store's sentences; enter opens one to label.
BROWSER = [
    Binding("j,down", "move(1)", "Down", id="browser.down", show=False),
    Binding("k,up", "move(-1)", "Up", id="browser.up", show=False),
    Binding("pagedown,space", "page(1)", "Page down", id="browser.page_down", show=False),
    Binding("pageup", "page(-1)", "Page up", id="browser.page_up", show=False),
    Binding("home,g", "home", "First row", id="browser.home", show=False),
    Binding("end,G", "end", "Last row", id="browser.end", show=False),
    Binding("enter", "open", "Open", id="browser.open"),
    Binding("s", "cycle('status')", "Status", id="browser.status"),
    Binding("m", "cycle('mode')", "Mode", id="browser.mode"),
    Binding("c", "cycle('claim')", "Claim", id="browser.claim"),
    Binding("f", "cycle('flag')", "Flag", id="browser.flag"),
    Binding("o", "cycle('origin')", "Origin", id="browser.origin"),
    Binding("q", "switch('quotes')", "Has quotes", id="browser.quotes"),
    Binding("D", "switch('disagreement')", "Disagreement", id="browser.disagreement"),
    Binding("slash", "text", "Text", id="browser.text"),
    Binding("a", "cycle_annotator", "Whose", id="browser.annotator"),
    Binding("b", "switch('every_block')", "Every block", id="browser.blocks", show=False),
    Binding("0,backspace", "clear", "Clear filters", id="browser.clear"),
    Binding("colon", "jump", "Go to", id="browser.jump"),
    Binding("escape,L", "leave", "Back", id="browser.leave"),
    Binding("question_mark", "help", "Help", id="browser.help"),
]

# The block-type picker behind `block_type`: one key per type.
_BLOCK_TYPE_KEYS: dict[BlockType, str] = {
    "headline": "h",
    "body": "b",
    "caption": "c",
    "comment": "m",
    "teaser": "t",
    "boilerplate": "p",
}
BLOCK_TYPE = [
    *(
        Binding(key, f"pick('{value}')", BLOCK_TYPE_NAMES[value], id=f"block_type.{value}")
        for value, key in _BLOCK_TYPE_KEYS.items()
    ),
    Binding("escape", "cancel", "Cancel", id="block_type.cancel"),
]

# Dialogs.
# The dashboard: one section at a time.
DASHBOARD_SECTIONS = ("progress", "speed", "labels", "suggestions", "agreement")
DASHBOARD = [
    *(
        Binding(str(i), f"show('{name}')", name.title(), id=f"dashboard.{name}", show=False)
        for i, name in enumerate(DASHBOARD_SECTIONS, start=1)
    ),
    Binding("tab,right", "cycle(1)", "Next section", id="dashboard.next"),
    Binding("shift+tab,left", "cycle(-1)", "Previous section", id="dashboard.previous", show=False),
    Binding("R", "refresh", "Read again", id="dashboard.refresh"),
    Binding("escape,q", "leave", "Back", id="dashboard.leave"),
]
# The first screen of a served session.
WELCOME = [
    Binding("enter", "begin(False)", "Label", id="welcome.label", show=True),
    Binding("ctrl+r", "begin(True)", "Review", id="welcome.review", priority=True),
]
HELP = [Binding("escape,question_mark,q", "close", "Close", id="help.close")]
PROMPT = [
    Binding("escape", "cancel", "Cancel", id="prompt.cancel"),
    Binding("tab", "complete", "Complete", id="prompt.complete", priority=True),
]
CONFIRM = [
    Binding("y,enter", "answer(True)", "Yes", id="confirm.yes"),
    Binding("n,escape", "answer(False)", "No", id="confirm.no"),
]
MESSAGE = [Binding("escape,enter,q", "close", "Close", id="message.close")]
DOCUMENTS = [
    Binding("escape", "cancel", "Cancel", id="documents.cancel"),
    Binding("down", "focus_list", "List", id="documents.list", show=False),
]

# What a keymap file may remap (and `annotator label --keys` lists), by screen.
REMAPPABLE = {
    "label": LABEL,
    "quote": QUOTE,
    "review": REVIEW,
    "block type": BLOCK_TYPE,
    "dashboard": DASHBOARD,
    "browser": BROWSER,
}

# The bindings each screen answers to: a key may do one thing per screen (the keymap is checked).
SCREENS = {
    "labelling screen": LABEL,
    "review screen": [*LABEL, *REVIEW],
    "quote mode": QUOTE,
    "block-type picker": BLOCK_TYPE,
    "dashboard": DASHBOARD,
    "sentence browser": BROWSER,
    "welcome": WELCOME,
}

# Labelling-screen actions the command palette offers too: (binding id, title, help).
PALETTE = [
    ("toggle_all", "Toggle boilerplate", "Show or hide teasers and boilerplate"),
    ("documents", "Go to document", "Pick a document by id"),
    ("browse", "Sentence list", "Every sentence with its labels; filter, go to one, open it"),
    ("dashboard", "Dashboard", "Progress, speed, label mix, suggestions and agreement, as plots"),
]

# How keys are written on screen.
KEY_NAMES = {
    "left_parenthesis": "(",
    "greater_than_sign": ">",
    "less_than_sign": "<",
    "left_curly_bracket": "{",
    "right_curly_bracket": "}",
    "equals_sign": "=",
    "right_parenthesis": ")",
    "exclamation_mark": "!",
    "question_mark": "?",
    "slash": "/",
    "left_square_bracket": "[",
    "right_square_bracket": "]",
    "backspace": "⌫",
    "enter": "⏎",
    "escape": "esc",
    "colon": ":",
    "pagedown": "pgdn",
    "pageup": "pgup",
}


def remappable() -> Iterator[Binding]:
    for bindings in REMAPPABLE.values():
        yield from bindings


def every() -> Iterator[Binding]:
    yield from remappable()
    yield from (*HELP, *PROMPT, *CONFIRM, *MESSAGE, *DOCUMENTS)


def id_of(binding: Binding) -> str:
    """The id of one of the bindings above (every one has an id)."""
    assert binding.id is not None, binding
    return binding.id


def key_display(key: str) -> str:
    return KEY_NAMES.get(key, key)


def keys_of(binding_id: str, keymap: dict[str, str]) -> str:
    """The keys of a binding as the user sees them (after remapping)."""
    keys = keymap.get(binding_id) or next((b.key for b in every() if b.id == binding_id), "?")
    return ",".join(key_display(k) for k in keys.split(","))
