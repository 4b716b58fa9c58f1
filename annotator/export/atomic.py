"""Atomic file output: a temporary file in the target folder, fsynced, then renamed over the target."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from annotator.errors import UserError


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class StagedFile:
    """A file written under a temporary name and hashed as it is written; `commit()` renames it
    into place, `discard()` removes it."""

    def __init__(self, target: Path):
        self.target = target
        self.tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
        self.sha256 = ""
        self._digest = hashlib.sha256()
        self._file = open(self.tmp, "wb")  # noqa: SIM115 - closed by finish() or discard()

    def write(self, data: bytes) -> None:
        self._digest.update(data)
        self._file.write(data)

    def finish(self) -> StagedFile:
        """Flush and fsync; after this the temporary file is complete and its hash known."""
        self._file.flush()
        os.fsync(self._file.fileno())
        self._file.close()
        self.sha256 = self._digest.hexdigest()
        return self

    @classmethod
    def of(cls, target: Path, data: bytes) -> StagedFile:
        staged = cls(target)
        try:
            staged.write(data)
            return staged.finish()
        except BaseException:
            staged.discard()
            raise

    def commit(self) -> None:
        os.replace(self.tmp, self.target)

    def discard(self) -> None:
        self._file.close()
        self.tmp.unlink(missing_ok=True)


@contextmanager
def staging(folder: Path) -> Iterator[dict[str, StagedFile]]:
    """The files of one export, by name: every one is discarded if the export fails, and a
    failing disk is reported as a user error naming the folder."""
    staged: dict[str, StagedFile] = {}
    try:
        yield staged
    except OSError as exc:
        for f in staged.values():
            f.discard()
        raise UserError(
            f"{folder}: export failed, previous export left as it was ({exc.strerror or exc})"
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
    _fsync_dir(folder)
    for f in files:
        f.commit()
    manifest.commit()
    _fsync_dir(folder)
    keep = {f.target.name for f in files} | {manifest.target.name}
    for name in stale:
        if name not in keep and "/" not in name:
            (folder / name).unlink(missing_ok=True)
