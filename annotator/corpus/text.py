"""Text in and text out (SCHEME.md §1).

In: raw bytes become the stored document text: UTF-8 decoded, BOM stripped, CRLF/CR turned into
LF, NFC-normalised once. Nothing else is ever changed (NBSP, apostrophes, quotation marks and
spaces stay as they are).
Out: what reaches a terminal is escaped, never obeyed: `visible()` for corpus text on the screens
(offsets kept), `shown()` for a file name in a one-line message.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

from annotator.errors import UserError

# Bytes that never occur in text files; their presence marks a binary file.
_BINARY_CONTROLS = frozenset(range(1, 9)) | {
    11,
    14,
    15,
    16,
    17,
    18,
    19,
    20,
    21,
    22,
    23,
    24,
    25,
    26,
    28,
    29,
    30,
    31,
}
# The same, found anywhere in a file (at C speed) or in a text read from a .jsonl record.
_CONTROL_BYTE = re.compile(b"[" + b"".join(b"\\x%02x" % c for c in sorted(_BINARY_CONTROLS)) + b"]")
_CONTROL_CHAR = re.compile(_CONTROL_BYTE.pattern.decode())


def control_character(text: str) -> int | None:
    """Where `text` holds a control character no text file has (see _BINARY_CONTROLS), if it does."""
    found = _CONTROL_CHAR.search(text)
    return None if found is None else found.start()


def normalise(text: str) -> str:
    """The canonical stored form of a text that is already decoded."""
    if text.startswith("\ufeff"):
        text = text[1:]
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return unicodedata.normalize("NFC", text)


def decode(data: bytes, name: str) -> str:
    """Decode file bytes into stored text, or raise a UserError naming the file and byte offset."""
    if not data.strip():
        raise UserError(f"{name}: empty file")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise UserError(f"{name}: UTF-16 text (byte order mark at byte 0); save the file as UTF-8")
    nul = data.find(b"\x00")
    if nul >= 0:
        raise UserError(f"{name}: binary file (NUL byte at byte {nul}), not UTF-8 text")
    bad = _CONTROL_BYTE.search(data)
    if bad is not None:
        raise UserError(
            f"{name}: binary file (control byte 0x{data[bad.start()]:02x} at byte {bad.start()}), not UTF-8 text"
        )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise UserError(f"{name}: invalid UTF-8 at byte {exc.start}") from None
    text = normalise(text)
    if not text.strip():
        raise UserError(f"{name}: empty file")
    return text


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# Characters shown in place of what a terminal would obey or hide (control, bidi, zero-width);
# one character for one, so offsets into the sentence stay true.
_INVISIBLE = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]")


# Pictographs an emoji sequence joins with U+200D (👨‍👩‍👧), a presentation selector or a skin
# tone between them.
_PICTOGRAPH = re.compile("[\u2300-\u23ff\u2600-\u27bf\u2b00-\u2bff\U0001f000-\U0001faff]")
_MODIFIERS = frozenset("\ufe0f\U0001f3fb\U0001f3fc\U0001f3fd\U0001f3fe\U0001f3ff")


def _joins_emoji(text: str, at: int) -> bool:
    """Whether the zero-width joiner at `at` is inside an emoji sequence (kept: the terminal
    draws one glyph), not a lone invisible character (shown)."""
    before = at - 1
    while before >= 0 and text[before] in _MODIFIERS:
        before -= 1
    after = at + 1
    return (
        before >= 0
        and after < len(text)
        and bool(_PICTOGRAPH.match(text[before]) and _PICTOGRAPH.match(text[after]))
    )


def visible(text: str) -> str:
    """The text as it is safe to show: control characters become their Unicode pictures
    (ESC → ␛), invisible format characters become � (but a joiner inside an emoji sequence
    stays), tabs become one space."""

    def picture(m: re.Match) -> str:
        c = ord(m.group())
        if c < 0x20:
            return chr(0x2400 + c)
        if c == 0x7F:
            return "\u2421"
        if c == 0x200D and _joins_emoji(m.string, m.start()):
            return "\u200d"
        return "\ufffd"

    return _INVISIBLE.sub(picture, text).replace("\t", " ")


# What a message escapes: controls (C0, C1: ESC, BEL, a newline), format characters (bidi
# controls, zero-width characters, soft hyphens) and line or paragraph separators.
_HIDDEN = frozenset(("Cc", "Cf", "Zl", "Zp"))


def _escaped(text: str, keep: str = "") -> str:
    if text.isprintable():
        return text
    return "".join(
        c.encode("unicode_escape").decode() if c not in keep and unicodedata.category(c) in _HIDDEN else c
        for c in text
    )


def shown(value: object) -> str:
    """A file name, an id or a name fit for a one-line message: what a terminal would obey or
    hide (a newline, ESC, bidi controls) written as Python escapes (\\n, \\x1b, \\u202e)."""
    return _escaped(str(value))


def shown_lines(text: str) -> str:
    """A report for the terminal: as `shown`, but its lines stay lines."""
    return _escaped(text, keep="\n")


# Search folding (SCHEME §1: a normalised form lives beside the text, never instead of it): case
# and accents dropped, every apostrophe as ', every kind of space as one space.
# A PostgreSQL store's fold() is written from the same two (store/tables.py).
APOSTROPHES = {"’": "'", "‘": "'", "ʼ": "'", "`": "'"}
COMBINING_MARKS = r"[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]"
_APOSTROPHES = str.maketrans(APOSTROPHES)
_COMBINING = re.compile(COMBINING_MARKS + "+")
_RUNS_OF_SPACE = re.compile(r"\s+")


def fold(text: str) -> str:
    """The form search compares: `fold("L’ÉTÉ\u00a0 là") == "l'ete la"`."""
    decomposed = _COMBINING.sub("", unicodedata.normalize("NFKD", text))
    return _RUNS_OF_SPACE.sub(" ", decomposed.casefold().translate(_APOSTROPHES))


def find_folded(text: str, needle: str) -> tuple[int, int] | None:
    """Where `needle` occurs in `text` as search compares them: (start, end) in `text`."""
    wanted = fold(needle)
    if not wanted:
        return None
    folded: list[str] = []
    origin: list[int] = []  # the index in `text` of each folded character
    for i, ch in enumerate(text):
        for c in fold(ch):
            if c == " " and folded and folded[-1] == " ":
                continue
            folded.append(c)
            origin.append(i)
    at = "".join(folded).find(wanted)
    if at < 0:
        return None
    return origin[at], origin[at + len(wanted) - 1] + 1


# SCHEME §1: the normalised sentence text that finds the same sentence in another document.
_SAME = str.maketrans({"\u00a0": " ", "\u202f": " ", "\u2019": "'"})


def collapsed(text: str) -> tuple[str, list[int]]:
    """The text with NBSP and ’ mapped and whitespace collapsed (ends stripped), and for each of
    its characters the index of the raw character it came from."""
    out: list[str] = []
    where: list[int] = []
    space = False
    for i, c in enumerate(text.translate(_SAME)):
        if c.isspace():
            space = bool(out)
            continue
        if space:
            out.append(" ")
            where.append(i - 1)
            space = False
        out.append(c)
        where.append(i)
    return "".join(out), where


def sentence_key(text: str) -> str:
    """NBSP as a space, ’ as ', whitespace collapsed, casefolded (SCHEME §1)."""
    return collapsed(text)[0].casefold()


def sentence_hash(text: str) -> int:
    """The sentence key as a signed 64-bit integer, what the store indexes."""
    import hashlib

    digest = hashlib.blake2b(sentence_key(text).encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)
