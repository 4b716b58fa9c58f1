"""Files written whole or not at all: a temporary file beside the target, hashed as it is written,
fsynced, then renamed over the target."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path


def fsync_dir(folder: Path) -> None:
    fsync_path(folder)


def fsync_path(path: Path) -> None:
    """Flush a file (or a folder's entries) written by someone else, SQLite say, to the disk."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def new_file(path: Path) -> None:
    """Create an empty file, never through a link planted under its name (FileExistsError if
    anything is there)."""
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644))


class StagedFile:
    """A file written under a temporary name and hashed as it is written; `commit()` renames it
    into place, `discard()` removes it."""

    def __init__(self, target: Path):
        self.target = target
        self.tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
        self.sha256 = ""
        self._digest = hashlib.sha256()
        # A new file, never through a link planted under its name.
        fd = os.open(self.tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644)
        self._file = os.fdopen(fd, "wb")  # closed by finish() or discard()

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
        """Remove the temporary file; what it held is thrown away, so a failing last flush (a
        full disk) does not matter."""
        try:
            self._file.close()
        except OSError:
            pass
        self.tmp.unlink(missing_ok=True)
