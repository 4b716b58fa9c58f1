"""Publishing an export: the whole folder at once.

An export is written into a fresh sibling of its folder (`.<name>.<pid>.export`) and the two are
swapped in one system call (`renameat2(RENAME_EXCHANGE)`), so after any kill the folder holds
either the complete old export or the complete new one. Because the folder is replaced as a
whole, it may hold only what an earlier export wrote: any other file (a user's README.md, a file
changed since, a file a planted manifest names with the wrong hash) refuses the export.

One export at a time writes into a folder (an OS lock on the folder itself); what a killed
export left (its sibling folder, temporary files) is removed by the next one.
"""

from __future__ import annotations

import ctypes
import errno
import fcntl
import hashlib
import os
import re
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import orjson

from annotator.corpus.text import shown
from annotator.errors import UserError
from annotator.files import StagedFile, fsync_dir
from annotator.processes import alive

MANIFEST = "manifest.json"
_TEMPORARY = re.compile(r"\..+\.\d+\.tmp")  # StagedFile's temporary names
_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


class Draft:
    """The next export of `folder`, file by file, in its sibling draft folder."""

    def __init__(self, folder: Path, draft: Path):
        self.folder = folder
        self.draft = draft
        self.files: dict[str, StagedFile] = {}

    def stage(self, name: str) -> StagedFile:
        self.files[name] = StagedFile(self.draft / name)
        return self.files[name]

    def stage_bytes(self, name: str, body: bytes) -> StagedFile:
        self.files[name] = StagedFile.of(self.draft / name, body)
        return self.files[name]

    def hashes(self) -> dict[str, str]:
        return {name: f.sha256 for name, f in self.files.items()}

    def publish(self, manifest: bytes) -> None:
        """Complete the draft (its files, then the manifest), then swap it with the folder."""
        for f in self.files.values():
            f.commit()
        StagedFile.of(self.draft / MANIFEST, manifest).commit()
        fsync_dir(self.draft)
        _swap(self.draft, self.folder)
        fsync_dir(self.folder.parent)
        shutil.rmtree(self.draft, ignore_errors=True)  # now the previous export


@contextmanager
def drafting(out: Path) -> Iterator[Draft]:
    """The draft of the next export of `out`, written under the folder's lock; it is removed if
    the export fails (and so is the folder, if this export made it), and a failing disk is
    reported as a user error naming the folder."""
    folder, made = _prepare(out)
    try:
        with _locked(folder), _draft(out, folder) as draft:
            yield draft
    except BaseException:
        if made:
            try:
                folder.rmdir()
            except OSError:
                pass
        raise


@contextmanager
def _draft(out: Path, folder: Path) -> Iterator[Draft]:
    _remove_leftovers(folder)
    _check_only_exports(folder)
    path = folder.parent / f".{folder.name}.{os.getpid()}.export"
    try:
        path.mkdir()
    except OSError as exc:
        raise UserError(f"{shown(path)}: cannot create the export's draft ({exc.strerror})") from None
    draft = Draft(folder, path)
    try:
        yield draft
    except OSError as exc:
        _discard(draft)
        raise UserError(
            f"{shown(out)}: export failed, previous export left as it was ({exc.strerror or exc})"
        ) from None
    except BaseException:
        _discard(draft)
        raise


def _prepare(out: Path) -> tuple[Path, bool]:
    """The real folder behind `out`, created if new (and whether it was); never the current
    directory (or one holding it), whose replacement would leave the shell in a removed folder."""
    folder = Path(os.path.realpath(out))
    if Path.cwd().resolve().is_relative_to(folder):
        raise UserError(
            f"--out {shown(out)}: the export replaces its folder as a whole; "
            "give a folder outside the current one (e.g. --out exports)"
        )
    _restore_interrupted_swap(folder)
    made = not folder.exists()
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UserError(f"{shown(out)}: cannot create the export folder ({exc.strerror})") from None
    return folder, made


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
    """Drafts and temporary files of exports that were killed (their process is gone)."""
    for entry in os.scandir(folder):
        if _TEMPORARY.fullmatch(entry.name) and (entry.is_symlink() or entry.is_file(follow_symlinks=False)):
            Path(entry.path).unlink(missing_ok=True)
    mine = re.compile(rf"\.{re.escape(folder.name)}\.(\d+)\.(export|previous)")
    for entry in os.scandir(folder.parent):
        m = mine.fullmatch(entry.name)
        if m and not alive(int(m[1])) and entry.is_dir(follow_symlinks=False):
            shutil.rmtree(entry.path, ignore_errors=True)


def _check_only_exports(folder: Path) -> None:
    """Refuse a folder that holds anything an earlier export did not write, unchanged."""
    names = sorted(e.name for e in os.scandir(folder))
    if not names:
        return
    written: dict[str, str] = {}
    if MANIFEST in names:
        try:
            written = orjson.loads((folder / MANIFEST).read_bytes())["files"]
            if not isinstance(written, dict):
                raise TypeError
        except (OSError, orjson.JSONDecodeError, KeyError, TypeError):
            _refuse(folder, MANIFEST, "is not a manifest this tool wrote")
    for name in names:
        if name == MANIFEST:
            continue
        if name not in written:
            _refuse(folder, name, "was not written by an export")
        path = folder / name
        if path.is_symlink() or not path.is_file() or _sha256(path) != written[name]:
            _refuse(folder, name, "changed since the export that wrote it")


def _refuse(folder: Path, name: str, why: str) -> None:
    raise UserError(
        f"{shown(folder / name)}: {why}; an export replaces its whole folder, "
        "so move the file away or choose another folder"
    )


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def _discard(draft: Draft) -> None:
    for f in draft.files.values():
        f.discard()
    shutil.rmtree(draft.draft, ignore_errors=True)


def _swap(draft: Path, folder: Path) -> None:
    """Exchange the two folders in one step; where the file system cannot, rename the folder
    aside and the draft into its place (`_restore_interrupted_swap` repairs a kill between)."""
    renameat2 = getattr(ctypes.CDLL(None, use_errno=True), "renameat2", None)
    if renameat2 is not None:
        if renameat2(_AT_FDCWD, os.fsencode(draft), _AT_FDCWD, os.fsencode(folder), _RENAME_EXCHANGE) == 0:
            return
        code = ctypes.get_errno()
        if code not in (errno.EINVAL, errno.ENOSYS, errno.ENOTSUP):
            raise OSError(code, os.strerror(code), str(folder))
    aside = folder.parent / f".{folder.name}.{os.getpid()}.previous"
    os.rename(folder, aside)
    os.rename(draft, folder)
    os.rename(aside, draft)  # removed as the previous export, like after a swap


def _restore_interrupted_swap(folder: Path) -> None:
    """A kill between the two renames of the fallback leaves no folder and the previous export
    aside: put it back."""
    if folder.exists():
        return
    aside = re.compile(rf"\.{re.escape(folder.name)}\.\d+\.previous")
    if folder.parent.is_dir():
        for entry in os.scandir(folder.parent):
            if aside.fullmatch(entry.name) and entry.is_dir(follow_symlinks=False):
                os.rename(entry.path, folder)
                return
