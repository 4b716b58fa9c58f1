from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from annotator.corpus.pipeline import analyse
from annotator.corpus.reader import read_inputs
from annotator.store import Store

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"


@pytest.fixture
def seeds_dir(tmp_path: Path) -> Path:
    target = tmp_path / "seeds"
    shutil.copytree(SEEDS, target)
    return target


@pytest.fixture
def store(tmp_path: Path):
    with Store(tmp_path / "store.db") as s:
        s.ingest([analyse(d, suggest=False) for d in read_inputs([SEEDS])])
        yield s


def seed_text(name: str) -> str:
    return next(SEEDS.glob(f"{name}_*.txt")).read_text("utf-8")


def set_store_version(path: Path, version: int) -> None:
    """Rewrite a store's version behind its back, as an older or newer annotator would have left it."""
    import sqlite3

    db = sqlite3.connect(path)
    db.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", (str(version),))
    db.commit()
    db.close()
