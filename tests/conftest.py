from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from annotator.ingest import ingest_paths
from annotator.model import SentenceLabels
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
        ingest_paths(s, [SEEDS], suggest=False)
        yield s


@pytest.fixture
def seeds_db(tmp_path: Path) -> Path:
    """A store of the seeds, without suggestions."""
    db = tmp_path / "seeds.db"
    with Store(db) as s:
        ingest_paths(s, [SEEDS], suggest=False)
    return db


def seed_text(name: str) -> str:
    return next(SEEDS.glob(f"{name}_*.txt")).read_text("utf-8")


def set_store_version(path: Path, version: int) -> None:
    """Rewrite a store's version behind its back, as an older or newer annotator would have left it."""
    import sqlite3

    db = sqlite3.connect(path)
    db.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", (str(version),))
    db.commit()
    db.close()


GOLD = ROOT / "tests" / "fixtures" / "seeds_gold.jsonl"


def seeds_gold() -> dict[tuple[str, str], SentenceLabels]:
    """The reference labels of the seed sentences, by (doc_id, sentence text)."""
    import orjson

    from annotator.suggest.evaluate import gold_labels

    out = {}
    for n, raw in enumerate(GOLD.read_bytes().splitlines(), start=1):
        line = orjson.loads(raw)
        if "mode" in line:
            out[line["doc"], line["text"]] = gold_labels(line, f"{GOLD}:{n}")
    return out


def perturb(labels: SentenceLabels, rng, noise: float) -> SentenceLabels:
    """An annotator who mostly agrees with the reference: now and then another mode or claim, a
    quote dropped, a cue left out, a content span cut short, another quote type."""
    from annotator.model import Quote, Span

    def maybe() -> bool:
        return rng.random() < noise

    quotes = []
    for q in labels.quotes:
        if maybe():
            continue  # missed
        content = list(q.content)
        if maybe() and content[0].end - content[0].start > 4:
            c = content[0]
            cut = (c.end - c.start) // 3
            content[0] = Span(start=c.start, end=c.end - cut, text=c.text[: len(c.text) - cut])
        quotes.append(
            Quote(
                type=rng.choice(["direct", "indirect", "mixed"]) if maybe() else q.type,
                content=content,
                cue=None if maybe() else q.cue,
                source=q.source,
                speaker=q.speaker,
            )
        )
    return SentenceLabels(
        block_type=rng.choice(["caption", "teaser", "boilerplate"])
        if maybe() and rng.random() < 0.3
        else None,
        mode=rng.choice(["reporting", "commentary", "none"]) if maybe() else labels.mode,
        claim=rng.choice(["none", "factual", "checkworthy"]) if maybe() else labels.claim,
        quotes=quotes,
    )


def label_seeds(store: Store, annotators: list[str], plan, *, noise: float = 0.15, seed: int = 0) -> int:
    """Every annotator labels the seed sentences the plan serves them, from the reference labels
    with some noise of their own. Returns the number of decisions stored."""
    import random

    gold = seeds_gold()
    n = 0
    for k, name in enumerate(annotators):
        rng = random.Random(f"{seed}-{k}")
        for row in store.sentences():
            labels = gold.get((row.doc_id, row.text))
            if labels is None or not plan.serves(name, row.doc_id, row.start, row.end):
                continue
            store.record(row.sid, name, perturb(labels, rng, noise))
            n += 1
    return n


def simulate_project(path: Path) -> Path:
    """The seeds with suggestions, labelled by two simulated annotators over three days: alice
    keeps the suggestion where it matches the reference and labels the rest from it; bob labels
    from the reference with some noise; both take longer on sentences with quotes."""
    import random

    from annotator.ingest import ingest_paths

    gold = seeds_gold()
    with Store(path) as store:
        ingest_paths(store, [SEEDS])
        rows = [r for r in store.sentences() if (r.doc_id, r.text) in gold]
        for k, name in enumerate(("alice", "bob")):
            rng = random.Random(f"project-{k}")
            for i, row in enumerate(rows[: len(rows) - 10 * k]):
                labels = (
                    gold[row.doc_id, row.text] if k == 0 else perturb(gold[row.doc_id, row.text], rng, 0.2)
                )
                suggestion = store.suggestion(row.sid)
                origin = "suggested" if suggestion is not None and suggestion == labels else "manual"
                day = 1 + 3 * i // len(rows)
                at = f"2026-11-{day:02d}T{9 + k + i % 7:02d}:{i % 60:02d}:00Z"
                seconds = (25 if labels.quotes else 6) + rng.randrange(10)
                store.record(row.sid, name, labels, origin=origin, updated_at=at, seconds=seconds)
    return path


@pytest.fixture(scope="session")
def pg_server():
    """A throwaway PostgreSQL server (tests/postgres.py); skips without one, fails under CI."""
    from tests import postgres

    server = postgres.for_tests()
    yield server
    server.stop()


@pytest.fixture
def pg_url(pg_server) -> str:
    """The URL of a new empty database on the test server."""
    return pg_server.database()


# The store contract runs on both backends: a store is built on SQLite (ingest is SQLite's), then
# opened there, or copied to a new PostgreSQL database (db copy) and opened on the server.
@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request) -> str:
    return request.param


@pytest.fixture
def on_backend(backend, request):
    """open(path) -> the store of that SQLite file, on the test's backend."""
    from annotator.store import location, transfer

    opened: list[Store] = []

    def open_(path: Path) -> Store:
        if backend == "sqlite":
            store = Store(path, create=False)
        else:
            url = request.getfixturevalue("pg_server").database()
            transfer.copy(location.parse(path), location.parse(url))
            store = Store(url, create=False)
        opened.append(store)
        return store

    yield open_
    for store in opened:
        store.close()


@pytest.fixture
def any_store(seeds_db, on_backend) -> Store:
    """The seeds (no suggestions) on either backend."""
    return on_backend(seeds_db)


@pytest.fixture
def fresh_location(backend, tmp_path, request) -> str:
    """Where a new store goes on the test's backend: a new file, or an empty PostgreSQL database."""
    if backend == "sqlite":
        return str(tmp_path / "fresh.db")
    return request.getfixturevalue("pg_server").database()
