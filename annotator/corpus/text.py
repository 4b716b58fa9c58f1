"""Reading raw bytes into the stored document text (SCHEME.md §1).

The stored text is: UTF-8 decoded, BOM stripped, CRLF/CR turned into LF, NFC-normalised once.
Nothing else is ever changed (NBSP, apostrophes, quotation marks and spaces stay as they are).
"""

from __future__ import annotations

import hashlib
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
    head = data[:8192]
    bad = next((i for i, b in enumerate(head) if b in _BINARY_CONTROLS), None)
    if bad is not None:
        raise UserError(f"{name}: binary file (control byte 0x{head[bad]:02x} at byte {bad}), not UTF-8 text")
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
