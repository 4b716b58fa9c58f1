"""Finding and reading input files: `.txt` files, folders of them, `.jsonl` of {"id", "text"}.

Everything is read and checked before anything is written, so a bad file stops the command
with one line naming it and nothing is half-ingested.
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import orjson

from annotator.corpus.text import control_character, decode, normalise, shown
from annotator.errors import UserError

MAX_FILE_BYTES = 1024 * 2**20  # per input file, unless told otherwise (ingest --max-file-mb)


@dataclass(frozen=True, slots=True)
class SourceDoc:
    doc_id: str
    path: str  # where it came from: a file, or "file.jsonl:LINE"
    text: str


def _slug(relative: Path) -> str:
    parts = list(relative.with_suffix("").parts)
    return "--".join(re.sub(r"[^\w.-]+", "-", p).strip("-") or "_" for p in parts)


def _files(path: Path, on_bad: Callable[[str], None] | None) -> Iterator[tuple[Path, str]]:
    """(file, doc_id for a .txt file) for one command-line path; folders are walked recursively."""
    if not path.exists():
        raise UserError(f"{shown(path)}: no such file or folder")
    if not path.is_dir():
        if path.suffix not in (".txt", ".jsonl"):
            raise UserError(f"{shown(path)}: not a .txt or .jsonl file")
        yield path, path.stem  # read as a regular file, or refused (_read_bytes)
        return

    def walk_error(exc: OSError) -> None:
        message = f"{shown(exc.filename)}: cannot read the folder ({exc.strerror})"
        if on_bad is None:
            raise UserError(message)
        on_bad(message)

    seen_dirs: set[tuple[int, int]] = set()
    for root, dirs, names in os.walk(path, followlinks=True, onerror=walk_error):
        st = os.stat(root)
        if (st.st_dev, st.st_ino) in seen_dirs:  # a symlink loop
            dirs[:] = []
            continue
        seen_dirs.add((st.st_dev, st.st_ino))
        dirs.sort()
        for name in sorted(names):
            f = Path(root) / name
            if f.suffix in (".txt", ".jsonl"):
                rel = f.relative_to(path)
                yield f, (f.stem if len(rel.parts) == 1 else _slug(rel))


def _read_bytes(f: Path, max_bytes: int) -> bytes:
    """The bytes of a regular file no larger than `max_bytes`. Opened without blocking and checked
    before reading: a FIFO would hang the read, a device (/dev/zero) would never end it."""
    try:
        fd = os.open(f, os.O_RDONLY | os.O_NONBLOCK)
    except OSError as exc:
        raise UserError(f"{shown(f)}: cannot read ({exc.strerror})") from None
    with os.fdopen(fd, "rb") as handle:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise UserError(f"{shown(f)}: not a regular file (a pipe, a device or a socket); not read")
        if st.st_size > max_bytes:
            raise UserError(
                f"{shown(f)}: {st.st_size / 2**20:,.1f} MB, over the {max_bytes / 2**20:,.1f} MB limit "
                "per file (--max-file-mb)"
            )
        try:
            return handle.read(max_bytes + 1)
        except OSError as exc:
            raise UserError(f"{shown(f)}: cannot read ({exc.strerror})") from None


def read_jsonl(f: Path, max_bytes: int = MAX_FILE_BYTES) -> Iterator[SourceDoc]:
    data = _read_bytes(f, max_bytes)
    if not data.strip():
        raise UserError(f"{shown(f)}: empty file")
    for n, line in enumerate(data.split(b"\n"), start=1):
        if not line.strip():
            continue
        try:
            obj = orjson.loads(line)
        except orjson.JSONDecodeError as exc:
            raise UserError(f"{shown(f)}:{n}: not valid JSON ({exc.args[0].split(':')[0]})") from None
        if (
            not isinstance(obj, dict)
            or not isinstance(obj.get("id"), str)
            or not isinstance(obj.get("text"), str)
        ):
            raise UserError(f'{shown(f)}:{n}: expected an object with string fields "id" and "text"')
        doc_id, text = obj["id"].strip(), normalise(obj["text"])
        if not doc_id or any(c.isspace() for c in doc_id):
            raise UserError(f'{shown(f)}:{n}: "id" must be non-empty and contain no whitespace')
        if not text.strip():
            raise UserError(f'{shown(f)}:{n}: "text" is empty')
        if (bad := control_character(text)) is not None:
            raise UserError(
                f'{shown(f)}:{n}: "text" holds the control character U+{ord(text[bad]):04X} at character {bad}'
                " (binary data, not text)"
            )
        yield SourceDoc(doc_id, f"{f}:{n}", text)


def read_inputs(
    paths: list[Path], on_bad: Callable[[str], None] | None = None, *, max_bytes: int = MAX_FILE_BYTES
) -> list[SourceDoc]:
    """Every document named by `paths`, checked. A bad file raises UserError, unless `on_bad` is
    given (`--skip-bad`): then its message goes there and the file is left out whole. Only
    regular files of at most `max_bytes` are read."""
    docs: dict[str, SourceDoc] = {}
    for path in paths:
        for f, doc_id in _files(path, on_bad):
            try:
                found = (
                    list(read_jsonl(f, max_bytes))
                    if f.suffix == ".jsonl"
                    else [SourceDoc(doc_id, str(f), decode(_read_bytes(f, max_bytes), shown(f)))]
                )
                mine: dict[str, SourceDoc] = {}  # this file's documents, checked against each other too
                for doc in found:
                    other = mine.get(doc.doc_id) or docs.get(doc.doc_id)
                    if other is not None and other.text != doc.text:
                        raise UserError(
                            f"{shown(doc.path)}: document id {doc.doc_id!r} is also used by {shown(other.path)}"
                            " with another text"
                        )
                    mine.setdefault(doc.doc_id, doc)
            except UserError as exc:
                if on_bad is None:
                    raise
                on_bad(str(exc))
                continue
            for doc in found:
                docs.setdefault(doc.doc_id, doc)  # the same id with the same text: one document
    if not docs:
        raise UserError(f"no readable .txt or .jsonl files in {', '.join(map(shown, paths))}")
    return list(docs.values())
