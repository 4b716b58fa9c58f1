"""`db copy` and `db info` on both backends: a project goes SQLite → PostgreSQL → SQLite and comes
back the same, table by table; a copy is verified and all-or-nothing; a PostgreSQL store is
reached with the URL's password or libpq's PGPASSWORD. The PostgreSQL tests run on a throwaway
server (tests/postgres.py)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import orjson
import pytest

from annotator.assignment import Assignment
from annotator.cli import main
from annotator.errors import UserError
from annotator.ingest import ingest_paths
from annotator.model import Quote, SentenceLabels, Span
from annotator.store import STORE_VERSION, Store, location, tables, transfer
from tests.conftest import SEEDS, set_store_version


def _project(path: Path) -> None:
    """A store with everything a project holds: suggestions, two annotators' decisions with an
    undo, a skip, an adjudicated decision, a replaced document version with retired labels, a
    frozen split and an overlap plan."""
    with Store(path) as s:
        ingest_paths(s, [SEEDS])
        first = s.first()
        assert first is not None
        sids = [first.sid]
        for _ in range(5):
            row = s.step(sids[-1], 1)
            assert row is not None
            sids.append(row.sid)
        text = s.sentence(sids[1]).text  # type: ignore[union-attr]
        quote = Quote(type="indirect", content=[Span(start=0, end=10, text=text[:10])])
        for name in ("alice", "bob"):
            s.record(sids[0], name, SentenceLabels(mode="reporting", claim="factual"), seconds=7)
            s.record(sids[1], name, SentenceLabels(mode="commentary", quotes=[quote]), origin="suggested")
        s.record(sids[2], "alice", SentenceLabels(flags=["uncertain"]), status="skipped")
        s.record(sids[3], "alice", SentenceLabels(mode="reporting"))
        assert s.undo("alice") is not None
        events = [e.event_id for e in s.history("alice", 10)][:2]
        s.record(
            sids[0], "carol", SentenceLabels(mode="reporting"), origin="adjudicated", derived_from=events
        )
        s.freeze_splits({"unit": "cluster", "ratios": [80, 10, 10]}, {"c1": "train", "c2": "test"})
        s.set_assignment(Assignment(team=("alice", "bob"), overlap=0.5))


def _rows(path: Path) -> dict[str, list]:
    """Every table's rows, sorted (what two stores holding the same project agree on)."""
    db = sqlite3.connect(path)
    try:
        return {t: sorted(db.execute(f"SELECT * FROM {t}").fetchall(), key=repr) for t in tables.TABLES}
    finally:
        db.close()


def _high_water(path: Path) -> int:
    db = sqlite3.connect(path)
    try:
        return db.execute("SELECT seq FROM sqlite_sequence WHERE name = 'all_sentences'").fetchone()[0]
    finally:
        db.close()


def _change_a_document(path: Path, tmp_path: Path) -> None:
    """Ingest a new version of one seed: its sentences are renumbered past every sid so far."""
    changed = tmp_path / "changed"
    changed.mkdir()
    seed = sorted(SEEDS.glob("*.txt"))[0]
    (changed / seed.name).write_text(seed.read_text("utf-8").replace("Pékin", "Beijing", 1), "utf-8")
    with Store(path) as s:
        ingest_paths(s, [changed], suggest=False)


def test_sqlite_to_postgresql_and_back_is_the_same_project(tmp_path, pg_url, capsys):
    source = tmp_path / "team.db"
    _project(source)
    _change_a_document(source, tmp_path)
    assert main(["db", "copy", str(source), pg_url]) == 0
    out = capsys.readouterr().out
    assert "(SQLite) →" in out and "(PostgreSQL), verified:" in out and "***" in out
    assert "throwaway-test-password" not in out
    back = tmp_path / "back.db"
    assert main(["db", "copy", pg_url, f"sqlite:///{back}"]) == 0
    # the same rows and digests both ways
    assert capsys.readouterr().out.split("verified:")[1] == out.split("verified:")[1]
    assert _rows(back) == _rows(source)
    assert _high_water(back) == _high_water(source)
    assert main(["--db", str(back), "db", "check"]) == 0
    # the copy is a working store: undo, decide, and the plan and the frozen split are there
    with Store(back) as s:
        assert s.assignment_in_force() == Assignment(team=("alice", "bob"), overlap=0.5)
        assert s.frozen_splits()[1] == {"c1": "train", "c2": "test"}
        assert s.undo("bob") is not None
        first = s.first()
        assert first is not None
        s.record(first.sid, "dave", SentenceLabels(mode="commentary"))
    assert main(["--db", str(back), "db", "check"]) == 0


def test_postgresql_numbers_new_rows_after_the_copied_ones(tmp_path, pg_url):
    """Sentence ids are never reused, even the ids of a replaced version's sentences."""
    import psycopg

    source = tmp_path / "team.db"
    _project(source)
    _change_a_document(source, tmp_path)
    transfer.copy(location.parse(str(source)), location.parse(pg_url))
    with psycopg.connect(pg_url) as conn:
        sid = conn.execute("SELECT nextval(pg_get_serial_sequence('all_sentences', 'sid'))").fetchone()[0]
        event = conn.execute("SELECT nextval(pg_get_serial_sequence('events', 'event_id'))").fetchone()[0]
        (top_event,) = conn.execute("SELECT max(event_id) FROM events").fetchone()
    assert sid == _high_water(source) + 1
    assert event == top_event + 1


def test_db_info_on_both_backends(tmp_path, pg_url, capsys):
    source = tmp_path / "team.db"
    _project(source)
    assert main(["--db", str(source), "db", "info", "--json"]) == 0
    on_sqlite = orjson.loads(capsys.readouterr().out)
    assert main(["db", "copy", str(source), pg_url]) == 0
    capsys.readouterr()
    assert main(["--db", pg_url, "db", "info", "--json"]) == 0
    on_postgres = orjson.loads(capsys.readouterr().out)
    assert (on_sqlite["backend"], on_postgres["backend"]) == ("SQLite", "PostgreSQL")
    assert on_sqlite["counts"] == on_postgres["counts"]
    assert on_postgres["counts"]["annotators"] == 3 and on_postgres["counts"]["documents"] == 5
    assert on_postgres["store_version"] == STORE_VERSION
    assert "throwaway-test-password" not in on_postgres["store"]
    assert main(["--db", pg_url, "db", "info"]) == 0
    shown = capsys.readouterr().out
    assert "backend     PostgreSQL 1" in shown and "by 3 annotators" in shown


def test_a_copy_into_a_database_that_holds_a_store_is_refused(tmp_path, pg_url, capsys):
    source = tmp_path / "team.db"
    _project(source)
    assert main(["db", "copy", str(source), pg_url]) == 0
    capsys.readouterr()
    assert main(["db", "copy", str(source), pg_url]) == 1
    err = capsys.readouterr().err
    assert "already holds" in err and "empty database" in err and len(err.splitlines()) == 1


def test_a_failed_copy_writes_nothing_on_either_backend(tmp_path, pg_url, monkeypatch):
    """A copy whose read-back differs (or that fails any other way) leaves no table on the
    server and no file, temporary or not."""
    import psycopg

    source = tmp_path / "team.db"
    _project(source)
    real = transfer._digest

    def wrong(conn, table):
        digest = real(conn, table)
        if table == "labels":
            digest.total += 1
        return digest

    monkeypatch.setattr(transfer, "_digest", wrong)
    with pytest.raises(UserError, match="table labels reads back"):
        transfer.copy(location.parse(str(source)), location.parse(pg_url))
    with psycopg.connect(pg_url) as conn:
        assert conn.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'").fetchone() == (0,)
    with pytest.raises(UserError, match="table labels reads back"):
        transfer.copy(location.parse(str(source)), location.parse(str(tmp_path / "copy.db")))
    assert sorted(p.name for p in tmp_path.iterdir() if "copy" in p.name) == []


def test_sqlite_to_sqlite_copy_needs_no_server(tmp_path, capsys):
    source, target = tmp_path / "team?#1.db", tmp_path / "copy%20?.db"  # names a URL would misread
    _project(source)
    assert main(["db", "copy", str(source), str(target)]) == 0
    assert _rows(target) == _rows(source)
    assert main(["db", "copy", str(source), str(target)]) == 1
    assert "already exists; name a new file" in capsys.readouterr().err


def test_a_file_in_the_way_of_the_temporary_copy_is_left_alone(tmp_path, capsys):
    import os

    source, target = tmp_path / "team.db", tmp_path / "copy.db"
    _project(source)
    planted = tmp_path / f".copy.db.{os.getpid()}.tmp"
    planted.symlink_to(tmp_path / "elsewhere")
    assert main(["db", "copy", str(source), str(target)]) == 1
    assert "already exists; remove it or name another copy" in capsys.readouterr().err
    assert planted.is_symlink() and not (tmp_path / "elsewhere").exists() and not target.exists()


def test_a_store_of_a_newer_version_is_not_copied(tmp_path, pg_url, capsys):
    source = tmp_path / "team.db"
    _project(source)
    set_store_version(source, STORE_VERSION + 1)
    assert main(["db", "copy", str(source), pg_url]) == 1
    assert "written by a newer annotator" in capsys.readouterr().err


def test_a_postgresql_store_of_a_newer_version_or_no_store_at_all_is_refused(tmp_path, pg_url, capsys):
    import psycopg

    assert main(["--db", pg_url, "db", "info"]) == 1
    assert "not an annotator store (no `meta` table)" in capsys.readouterr().err
    source = tmp_path / "team.db"
    _project(source)
    assert main(["db", "copy", str(source), pg_url]) == 0
    with psycopg.connect(pg_url) as conn:
        conn.execute("UPDATE meta SET value = %s WHERE key = 'schema_version'", (str(STORE_VERSION + 1),))
    capsys.readouterr()
    for argv in (["--db", pg_url, "db", "info"], ["db", "copy", pg_url, str(tmp_path / "back.db")]):
        assert main(argv) == 1
        err = capsys.readouterr().err
        assert "written by a newer annotator" in err and len(err.splitlines()) == 1
    assert not (tmp_path / "back.db").exists()


def test_the_password_comes_from_pgpassword_and_a_wrong_one_is_one_line(
    tmp_path, pg_url, monkeypatch, capsys
):
    source = tmp_path / "team.db"
    _project(source)
    without = pg_url.replace(":throwaway-test-password@", "@")
    monkeypatch.setenv("PGPASSWORD", "throwaway-test-password")
    assert main(["db", "copy", str(source), without]) == 0
    capsys.readouterr()
    monkeypatch.setenv("PGPASSWORD", "wrong")
    assert main(["--db", without, "db", "info"]) == 1
    err = capsys.readouterr().err
    assert "password authentication failed" in err and len(err.splitlines()) == 1


def test_an_unreachable_server_is_one_line(capsys):
    assert main(["--db", "postgresql://nobody@127.0.0.1:1/none", "db", "info"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("annotator: postgresql://nobody@127.0.0.1:1/none: ") and len(err.splitlines()) == 1
    assert "Traceback" not in err


@pytest.mark.parametrize(
    ("value", "path", "url"),
    [
        ("team.db", Path("team.db"), None),
        ("sqlite:///team.db", Path("team.db"), None),
        ("sqlite:////srv/team.db", Path("/srv/team.db"), None),
        ("postgresql://alice@db:5432/team", None, "postgresql://alice@db:5432/team"),
        ("postgres://alice@db/team", None, "postgres://alice@db/team"),
    ],
)
def test_locations(value, path, url):
    where = location.parse(value)
    assert (where.path, where.url) == (path, url)


@pytest.mark.parametrize(
    ("value", "says"),
    [
        ("postgresql://alice@db:5432", "name the database"),
        ("mysql://alice@db/team", "a store is a file path, sqlite:///path or postgresql://"),
        ("sqlite://", "an SQLite URL names a file"),
    ],
)
def test_bad_locations_are_one_line(value, says, capsys):
    assert main(["--db", value, "db", "info"]) == 1
    err = capsys.readouterr().err
    assert says in err and len(err.splitlines()) == 1


def test_postgresql_urls_show_without_their_password():
    where = location.parse("postgresql://alice:s3cret@db:5432/team")
    assert where.shown() == "postgresql://alice:***@db:5432/team"
    assert where.sqlalchemy_url() == "postgresql+psycopg://alice:s3cret@db:5432/team"


def test_without_a_server_the_postgresql_tests_skip_saying_how_and_fail_under_ci(monkeypatch):
    from tests import postgres

    monkeypatch.delenv("ANNOTATOR_TEST_PG", raising=False)
    monkeypatch.setattr(postgres, "_binaries", lambda: None)
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="apt-get install postgresql"):
        postgres.for_tests()
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI=true and no PostgreSQL server"):
        postgres.for_tests()


def test_a_text_postgresql_cannot_hold_is_one_line_and_writes_nothing(tmp_path, pg_url, capsys):
    """PostgreSQL's text holds no NUL character, which an SQLite store may: the copy says which
    table, and leaves the database empty."""
    import psycopg

    corpus = tmp_path / "nul.jsonl"
    corpus.write_bytes(orjson.dumps({"id": "n1", "text": "Titre\n\nUne phrase avec \x00 un nul. Une autre."}))
    source = tmp_path / "nul.db"
    assert main(["--db", str(source), "ingest", str(corpus)]) == 0
    capsys.readouterr()
    assert main(["db", "copy", str(source), pg_url]) == 1
    err = capsys.readouterr().err
    assert "table all_documents" in err and "NUL" in err and "nothing was written" in err
    assert len(err.splitlines()) == 1
    with psycopg.connect(pg_url) as conn:
        assert conn.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'").fetchone() == (0,)


LABELLING_FOREVER = """
import random, sys
from annotator.model import SentenceLabels
from annotator.store import Store
store = Store(sys.argv[1])
sids = [row.sid for row in store.sentences()]
rng = random.Random(sys.argv[2])
n = 0
while True:
    store.record(rng.choice(sids), sys.argv[2], SentenceLabels(mode=rng.choice(["reporting", "commentary"])))
    n += 1
    if n == 20:
        print("labelling", flush=True)  # decisions are in the store, and more keep coming
    if rng.random() < 0.3:
        store.undo(sys.argv[2])
"""


@pytest.mark.parametrize("to_postgres", [False, True])
def test_a_copy_taken_while_annotators_label_is_one_moment_of_the_store(tmp_path, request, to_postgres):
    """Labellers keep deciding during the copy: the copy holds one consistent moment (its
    tallies match its labels, every label has its event), which copying table after table
    outside one snapshot would not give."""
    import subprocess
    import sys

    from tests.conftest import ROOT

    source = tmp_path / "team.db"
    _project(source)
    labellers = [
        subprocess.Popen([sys.executable, "-c", LABELLING_FOREVER, str(source), name],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT)
        for name in ("erin", "frank")
    ]  # fmt: skip
    for p in labellers:
        assert p.stdout is not None and p.stdout.readline().strip() == "labelling"
    target = request.getfixturevalue("pg_url") if to_postgres else str(tmp_path / "copy.db")
    try:
        transfer.copy(location.parse(str(source)), location.parse(target))
    finally:
        for p in labellers:
            p.kill()
            p.wait()
    back = tmp_path / "back.db"
    if to_postgres:
        transfer.copy(location.parse(target), location.parse(str(back)))
    else:
        back = Path(target)
    with Store(back) as s:
        problems, counts = s.check()
        assert problems == []
        assert counts["decisions"] > 6  # the labellers' decisions are in it
        assert s.db.execute(
            "SELECT count(*) FROM labels l WHERE NOT EXISTS (SELECT 1 FROM events e"
            " WHERE e.sid = l.sid AND e.annotator = l.annotator)"
        ).fetchone() == (0,)


def test_a_server_restarted_mid_copy_is_one_line_and_leaves_nothing(
    tmp_path, pg_server, pg_url, monkeypatch, capsys
):
    import psycopg

    source = tmp_path / "team.db"
    _project(source)
    real = transfer._copy_table

    def restarting(*args):
        if args[-1] == "all_sentences" and not pg_server.restart():  # the table being copied
            pytest.skip("ANNOTATOR_TEST_PG: a server of your own is not restarted")
        return real(*args)

    monkeypatch.setattr(transfer, "_copy_table", restarting)
    assert main(["db", "copy", str(source), pg_url]) == 1
    err = capsys.readouterr().err
    assert "nothing was written" in err and len(err.splitlines()) == 1 and "Traceback" not in err
    with psycopg.connect(pg_url) as conn:
        assert conn.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'").fetchone() == (0,)
    monkeypatch.undo()
    assert main(["db", "copy", str(source), pg_url]) == 0  # and the next copy goes through


def test_without_the_driver_a_postgresql_url_says_which_extra_to_install(monkeypatch, capsys):
    import sys

    monkeypatch.setitem(sys.modules, "psycopg", None)  # an install without the postgres extra
    assert main(["--db", "postgresql://alice@db.example/team", "db", "info"]) == 1
    err = capsys.readouterr().err
    assert "pip install 'annotator[postgres]'" in err and len(err.splitlines()) == 1


@pytest.mark.parametrize("via", ["sqlite", "postgresql"])
@pytest.mark.parametrize("to", ["sqlite", "postgresql"])
def test_every_direction_keeps_the_project(tmp_path, pg_server, via, to):
    """SQLite or PostgreSQL on either end (PostgreSQL → PostgreSQL moves a project between
    servers): the project comes back to a file as it left it."""
    source = tmp_path / "team.db"
    _project(source)

    def new(kind: str, name: str) -> str:
        return pg_server.database() if kind == "postgresql" else str(tmp_path / f"{name}.db")

    first, second = new(via, "first"), new(to, "second")
    transfer.copy(location.parse(str(source)), location.parse(first))
    transfer.copy(location.parse(first), location.parse(second))
    back = tmp_path / "back.db"
    transfer.copy(location.parse(second), location.parse(str(back)))
    assert _rows(back) == _rows(source)
    assert _high_water(back) == _high_water(source)


def test_a_source_that_fails_mid_copy_is_the_one_named(tmp_path, pg_url, capsys):
    """A table missing from a damaged source fails the copy in the source's name, not the
    destination's, and the destination is not written."""
    import psycopg

    source = tmp_path / "team.db"
    _project(source)
    assert main(["db", "copy", str(source), pg_url]) == 0
    with psycopg.connect(pg_url) as conn:
        conn.execute("DROP TABLE shingles")
    capsys.readouterr()
    assert main(["db", "copy", pg_url, str(tmp_path / "back.db")]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"annotator: {location.parse(pg_url).shown()}: ") and "shingles" in err, err
    assert len(err.splitlines()) == 1 and not (tmp_path / "back.db").exists()
