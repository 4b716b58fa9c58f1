"""Publishing an export: its staged files (annotator/files.py) put in place, the manifest last.

One export at a time writes into a folder (an OS lock on the folder itself); temporary files of
an export that was killed are removed by the next one.
"""

from __future__ import annotations

import fcntl
import os
import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from annotator.corpus.text import shown
from annotator.errors import UserError
from annotator.files import StagedFile, fsync_dir

_TEMPORARY = re.compile(r"\..+\.\d+\.tmp")  # StagedFile's temporary names


@contextmanager
def _locked(folder: Path) -> Iterator[None]:
    """Hold the folder's export lock: an OS lock on the folder itself (no file left behind),
    released by the OS if the process dies."""
    try:
        fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    except OSError as exc:
        raise UserError(f"{shown(folder)}: cannot lock the export folder ({exc.strerror})") from None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise UserError(
                f"{shown(folder)}: another export is writing into this folder; run this one when it is done"
            ) from None
        yield
    finally:
        os.close(fd)


def _remove_leftovers(folder: Path) -> None:
    """Temporary files of exports that were killed: with the lock held, no live export owns one."""
    for entry in os.scandir(folder):
        if _TEMPORARY.fullmatch(entry.name) and (entry.is_symlink() or entry.is_file(follow_symlinks=False)):
            Path(entry.path).unlink(missing_ok=True)


@contextmanager
def staging(folder: Path) -> Iterator[dict[str, StagedFile]]:
    """The files of one export, by name, written under the folder's lock: every one is discarded
    if the export fails, and a failing disk is reported as a user error naming the folder."""
    staged: dict[str, StagedFile] = {}
    with _locked(folder):
        _remove_leftovers(folder)
        try:
            yield staged
        except OSError as exc:
            for f in staged.values():
                f.discard()
            raise UserError(
                f"{shown(folder)}: export failed, previous export left as it was ({exc.strerror or exc})"
            ) from None
        except BaseException:
            for f in staged.values():
                f.discard()
            raise


def publish(folder: Path, files: list[StagedFile], manifest: StagedFile, stale: Iterable[str] = ()) -> None:
    """Put staged files in place so that a manifest never names a file whose bytes it does not hash.

    The old manifest goes first, the data files next, the new manifest last; an interruption
    leaves either no manifest or a true one. Files of the previous export that the new one does
    not write (`stale`) are removed at the end.
    """
    (folder / manifest.target.name).unlink(missing_ok=True)
    fsync_dir(folder)
    for f in files:
        f.commit()
    manifest.commit()
    fsync_dir(folder)
    keep = {f.target.name for f in files} | {manifest.target.name}
    for name in stale:
        if name not in keep and "/" not in name:
            (folder / name).unlink(missing_ok=True)
