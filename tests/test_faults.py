"""Faults: a full disk, processes killed at random, several processes on one store, old and new stores."""

import hashlib
import os
import random
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from contextlib import contextmanager
from pathlib import Path

import orjson
import pytest

from annotator.corpus.reader import SourceDoc
from annotator.errors import UserError
from annotator.ingest import analyse, ingest_paths, refresh_suggestions
from annotator.labelling.session import LabelSession
from annotator.model import SentenceLabels
from annotator.store import STORE_VERSION, Store
from tests.conftest import SEEDS, set_store_version

ROOT = Path(__file__).resolve().parent.parent


def fill_disk(store: Store) -> None:
    """Make the store's file unable to grow: SQLite then fails writes with SQLITE_FULL, the error a
    full disk gives."""
    pages = store.db.execute("PRAGMA page_count").fetchone()[0]
    store.db.execute(f"PRAGMA max_page_count = {pages}")


def free_disk(store: Store) -> None:
    store.db.execute("PRAGMA max_page_count = 1073741823")


class FullDisk:
    """A connection whose writes fail as SQLite's do on a full disk."""

    def __init__(self, db: sqlite3.Connection):
        self._db = db

    def execute(self, sql: str, *args):
        if sql.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE")):
            raise sqlite3.OperationalError("database or disk is full")
        return self._db.execute(sql, *args)

    def __getattr__(self, name):
        return getattr(self._db, name)


def seeds_store(path: Path) -> Store:
    store = Store(path)
    ingest_paths(store, [SEEDS])
    return store


def test_disk_full_during_decisions_then_work_goes_on(tmp_path):
    store = seeds_store(tmp_path / "s.db")
    session = LabelSession(store, "alice")
    first = session.current.sid
    fill_disk(store)
    big_note = "x" * 200_000  # needs new pages
    with pytest.raises(UserError, match="database or disk is full; nothing was written"):
        session.set_note(big_note)
    assert session.current.sid == first and session.labels.note is None  # nothing moved, nothing half-done
    assert store.labels(first, "alice") is None
    assert store.db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    free_disk(store)  # space is back
    session.set_note(big_note)
    session.set_label("mode", "reporting")
    assert session.set_label("claim", "none")
    assert store.labels(first, "alice").labels.note == big_note


async def test_disk_full_in_the_screen_is_a_message_not_a_crash(tmp_path):
    from annotator.tui.app import make_app

    seeds_store(tmp_path / "s.db").close()
    app = make_app(tmp_path / "s.db", "alice")
    async with app.run_test(size=(120, 36)) as pilot:
        await app.workers.wait_for_complete()
        real = app.store.db
        app.store.db = FullDisk(real)  # the error SQLite raises when the disk is full
        await pilot.press("r", "3")
        assert app.is_running
        assert "La Chine va envoyer" in str(app.screen.query_one("#sentence").render())  # did not move
        assert any("Not saved" in str(n.message) for n in app._notifications)
        app.store.db = real  # space is back
        await pilot.press("r", "3")
        assert "Pékin va envoyer" in str(app.screen.query_one("#sentence").render())
    with Store(tmp_path / "s.db") as s:
        assert s.counts()["annotators"]["alice"]["done"] == 1


@contextmanager
def read_only(path: Path):
    """The store file made unwritable: chmod for a user; for root, whom permissions do not stop,
    the immutable attribute (skipped where the file system or the container refuses it)."""
    if os.geteuid() != 0:
        path.chmod(0o444)
        yield
        path.chmod(0o644)
        return
    if subprocess.run(["chattr", "+i", str(path)], capture_output=True).returncode != 0:
        pytest.skip("cannot make a file read-only for root here (chattr +i refused)")
    try:
        yield
    finally:
        subprocess.run(["chattr", "-i", str(path)], check=True)


async def test_a_read_only_store_is_one_line_and_a_message_in_the_screen(tmp_path, capsys):
    from annotator.cli import main
    from annotator.tui.app import make_app

    seeds_store(tmp_path / "s.db").close()
    (tmp_path / "new.txt").write_text("Une phrase neuve.", "utf-8")
    with read_only(tmp_path / "s.db"):
        assert main(["--db", str(tmp_path / "s.db"), "stats"]) == 0  # reading needs no write
        capsys.readouterr()
        assert main(["--db", str(tmp_path / "s.db"), "ingest", str(tmp_path / "new.txt")]) == 1
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "s.db: the store is read-only here" in err
        app = make_app(tmp_path / "s.db", "alice")
        async with app.run_test(size=(120, 36)) as pilot:
            await app.workers.wait_for_complete()
            await pilot.press("r", "3")
            assert app.is_running
            assert any(
                "Not saved" in str(n.message) and "read-only" in str(n.message) for n in app._notifications
            )
            assert "La Chine va envoyer" in str(app.screen.query_one("#sentence").render())  # did not move
    with Store(tmp_path / "s.db") as s:
        assert s.counts()["annotators"] == {}


LOST_WAL = """
import os, signal, sqlite3, sys
db = sqlite3.connect(sys.argv[1])
db.execute("PRAGMA wal_autocheckpoint=0")
db.execute("INSERT INTO meta VALUES ('written', 'only in the -wal')")
db.commit()
os.kill(os.getpid(), signal.SIGKILL)  # the -wal and -shm stay, as after any crash
"""


def test_a_store_whose_wal_was_lost_is_refused_naming_the_file(tmp_path, capsys):
    from annotator.cli import main

    db = tmp_path / "s.db"
    seeds_store(db).close()
    subprocess.run([sys.executable, "-c", LOST_WAL, str(db)])
    Path(f"{db}-wal").unlink()  # copied without it, or removed by hand
    assert main(["--db", str(db), "stats"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "s.db-wal file is missing but its s.db-shm is there" in err
    Path(f"{db}-shm").unlink()  # what the message says to do, to open it without them
    assert main(["--db", str(db), "stats"]) == 0


def test_disk_full_during_ingest_leaves_the_store_as_it_was(tmp_path):
    store = Store(tmp_path / "s.db")
    fill_disk(store)
    with pytest.raises(UserError, match="disk is full"):
        ingest_paths(store, [SEEDS])
    assert store.is_empty()
    free_disk(store)
    assert len(ingest_paths(store, [SEEDS]).added) == 5


LABELLER = textwrap.dedent(
    """
    import sys
    from annotator.labelling.session import LabelSession
    from annotator.store import Store
    store = Store(sys.argv[1])
    session = LabelSession(store, sys.argv[2])
    n = 0
    while session.current is not None and n < int(sys.argv[3]):
        before = session.current.sid
        events = 2
        session.set_label("mode", "reporting")
        session.set_label("claim", "factual")
        if session.current.sid == before:  # a suggestion was there: enter finishes it
            session.accept()
            events += 1
        n += 1
        print(f"ack {before} {events}", flush=True)  # acknowledged: the store call has returned
        if session.current.sid == before:
            break
    """
)


def test_kill_9_at_random_points_loses_nothing_acknowledged(tmp_path, on_backend, backend):
    seeds_store(tmp_path / "s.db").close()
    with on_backend(tmp_path / "s.db") as store:
        where = store.location
    rng = random.Random(6)
    acknowledged: set[int] = set()
    for _ in range(12):
        proc = subprocess.Popen(
            [sys.executable, "-c", LABELLER, where, "alice", "1000"],
            stdout=subprocess.PIPE,
            text=True,
            cwd=ROOT,
        )
        time.sleep(0.25 + rng.random() * 0.3)
        os.kill(proc.pid, signal.SIGKILL)
        out, _ = proc.communicate()
        acknowledged |= {int(line.split()[1]) for line in out.splitlines() if line.startswith("ack ")}
        with Store(where) as s:
            if backend == "sqlite":
                assert s.db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
            done = {sid for (sid,) in s.db.execute("SELECT sid FROM labels WHERE status = 'done'")}
        assert acknowledged <= done
    assert acknowledged  # the kills did land after some decisions


@pytest.mark.parametrize(("processes", "same_name"), [(2, False), (8, False), (8, True)])
def test_many_processes_on_one_store(tmp_path, on_backend, processes, same_name):
    text = "\n".join(" ".join(f"Phrase {d}-{i}." for i in range(30)) for d in range(6))
    with Store(tmp_path / "s.db") as s:
        s.ingest([analyse(SourceDoc("d", "d.txt", text))])
    with on_backend(tmp_path / "s.db") as store:
        where = store.location
    names = ["same"] * processes if same_name else [f"a{i}" for i in range(processes)]
    procs = [
        subprocess.Popen([sys.executable, "-c", LABELLER, where, name, "40"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT)
        for name in names
    ]  # fmt: skip
    results = [p.communicate(timeout=120) for p in procs]
    assert all(p.returncode == 0 for p in procs), [err for _, err in results if err]
    with Store(where) as s:
        events = s.db.execute("SELECT count(*) FROM events WHERE action = 'label'").fetchone()[0]
        made = sum(
            int(line.split()[2]) for out, _ in results for line in out.splitlines() if line.startswith("ack ")
        )
        assert events == made  # every decision is in the log
        undone_of = lambda who: s.db.execute(  # noqa: E731
            "SELECT count(*) FROM events WHERE annotator = :who AND undone_by IS NOT NULL", {"who": who}
        ).fetchone()[0]
        for name in sorted(set(names)):
            others = {o: undone_of(o) for o in set(names) - {name}}
            assert s.undo(name) is not None
            assert undone_of(name) >= 1
            assert {o: undone_of(o) for o in others} == others  # undo touched only this annotator's history


EXPORTER = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from annotator.export.jsonl import export_jsonl
    from annotator.export.records import Selection
    from annotator.store import Store
    with Store(sys.argv[1]) as store:
        export_jsonl(store, Path(sys.argv[2]), Selection(split="80/10/10"))
    """
)


def test_an_export_killed_anywhere_leaves_the_old_export_or_the_new_one(tmp_path):
    text = "\n".join(
        " ".join(f"Phrase {d}-{i} assez longue pour peser." for i in range(40)) for d in range(200)
    )
    with Store(tmp_path / "s.db") as s:
        s.ingest([analyse(SourceDoc(f"d{k}", f"d{k}", f"Titre {k}\n" + text)) for k in range(4)])
        with s.write() as db:
            db.execute(
                "INSERT INTO labels (sid, annotator, status, labels, origin, created_at, updated_at, derived_from)"
                " SELECT sid, 'alice', 'done', ?, 'manual', '2026-01-01T00:00:00Z', "
                "'2026-01-01T00:00:00Z', NULL FROM sentences",
                ('{"mode":"reporting","claim":"none","quotes":[],"flags":[],"note":null}',),
            )
    out = tmp_path / "out"
    subprocess.run([sys.executable, "-c", EXPORTER, str(tmp_path / "s.db"), str(out)], check=True, cwd=ROOT)
    rng = random.Random(2)
    for _ in range(8):
        proc = subprocess.Popen([sys.executable, "-c", EXPORTER, str(tmp_path / "s.db"), str(out)], cwd=ROOT)
        time.sleep(0.3 + rng.random() * 1.5)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        manifest = orjson.loads((out / "manifest.json").read_bytes())  # always a manifest
        assert sorted(p.name for p in out.iterdir()) == sorted([*manifest["files"], "manifest.json"])
        for name, sha in manifest["files"].items():  # and every file it names, as it hashed it
            assert hashlib.sha256((out / name).read_bytes()).hexdigest() == sha
    # whatever happened, the next export succeeds and removes what the killed ones left
    subprocess.run([sys.executable, "-c", EXPORTER, str(tmp_path / "s.db"), str(out)], check=True, cwd=ROOT)
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def _seed_export(tmp_path: Path) -> tuple[Path, Path, dict[str, bytes]]:
    """A labelled seeds store and a first export of it (the folder's bytes)."""
    db, out = tmp_path / "s.db", tmp_path / "out"
    with seeds_store(db) as s:
        for row in list(s.sentences())[:20]:
            s.record(row.sid, "alice", SentenceLabels(mode="reporting", claim="none"))
    from annotator.export.jsonl import export_jsonl

    with Store(db) as s:
        export_jsonl(s, out)
    return db, out, {p.name: p.read_bytes() for p in out.iterdir()}


def test_a_killed_exports_temporary_files_are_removed_by_the_next(tmp_path):
    db, out, _ = _seed_export(tmp_path)
    (out / ".annotations.jsonl.4242.tmp").write_bytes(b"half an export")
    target = tmp_path / "precious.txt"
    target.write_text("not the export's", "utf-8")
    (out / ".manifest.json.4243.tmp").symlink_to(target)  # a link under a temporary's name
    draft = out.parent / ".out.999999999.export"  # the draft folder of a killed export
    draft.mkdir()
    (draft / "annotations.jsonl").write_bytes(b"half an export")
    from annotator.export.jsonl import export_jsonl

    with Store(db) as s:
        export_jsonl(s, out)
    assert not list(out.glob(".*.tmp")) and target.read_text("utf-8") == "not the export's"
    assert not draft.exists()


def test_one_export_at_a_time_in_a_folder(tmp_path):
    import fcntl

    from annotator.export.jsonl import export_jsonl

    db, out, before = _seed_export(tmp_path)
    held = os.open(out, os.O_RDONLY | os.O_DIRECTORY)
    with Store(db) as s:
        fcntl.flock(held, fcntl.LOCK_EX)  # another process exporting into the folder
        with pytest.raises(UserError, match="another export is writing into this folder"):
            export_jsonl(s, out)
        assert {p.name: p.read_bytes() for p in out.iterdir()} == before
        fcntl.flock(held, fcntl.LOCK_UN)
        os.close(held)
        export_jsonl(s, out)


def test_disk_full_at_the_final_flush_leaves_no_temporary_file(tmp_path, monkeypatch):
    """The last flush fails, and so does the flush that closing the file tries again."""
    import errno

    from annotator.export import atomic
    from annotator.export.jsonl import export_jsonl

    db, out, before = _seed_export(tmp_path)

    class FullDisk:
        def __init__(self, f):
            self.f = f

        def write(self, data):
            return self.f.write(data)

        def fileno(self):
            return self.f.fileno()

        def flush(self):
            raise OSError(errno.ENOSPC, "No space left on device")

        def close(self):  # the file is closed, and the flush that closing tries fails again
            self.f.close()
            raise OSError(errno.ENOSPC, "No space left on device")

    real = atomic.StagedFile.__init__

    def staged(self, target):
        real(self, target)
        self._file = FullDisk(self._file)

    monkeypatch.setattr(atomic.StagedFile, "__init__", staged)
    with Store(db) as s, pytest.raises(UserError, match="No space left on device"):
        export_jsonl(s, out)
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before


STALLED = textwrap.dedent(
    """
    import sys, time
    from annotator.export import atomic, jsonl
    if sys.argv.pop(1) == "parallel":  # validate in worker processes, as a large export does
        jsonl._PARALLEL_FROM = 0
        jsonl._CHUNK = 3
    write = atomic.StagedFile.write

    def slow(self, data):  # the export is under way when the test acts
        write(self, data)
        print("writing", flush=True)
        time.sleep(60)

    atomic.StagedFile.write = slow
    from annotator.cli import main
    sys.exit(main(sys.argv[1:]))
    """
)


def _stalled_export(db: Path, out: Path, *, parallel: bool = False) -> subprocess.Popen:
    """`annotator export` stopped in its first write (it sleeps there)."""
    proc = subprocess.Popen(
        [
            sys.executable,
            "-c",
            STALLED,
            "parallel" if parallel else "serial",
            "--db",
            str(db),
            "export",
            "--out",
            str(out),
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None and proc.stdout.readline().strip() == "writing"
    return proc


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP])
def test_a_terminated_export_leaves_the_previous_one_and_nothing_else(tmp_path, sig):
    db, out, before = _seed_export(tmp_path)
    proc = _stalled_export(db, out)
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 130 and "interrupted; nothing partial was written" in err
    assert "Traceback" not in err
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before


def test_older_store_is_migrated_with_a_backup(tmp_path):
    """A version-1 store (before suggestions, provenance and frozen splits) opens as the current
    version with its labels, a backup of the old file beside it, and an empty suggestions table
    that a refresh fills."""
    path = tmp_path / "s.db"
    with seeds_store(path) as s:
        sid = s.first().sid
        s.record(sid, "alice", SentenceLabels(mode="reporting", claim="factual"))
    db = sqlite3.connect(path)
    for statement in (
        "ALTER TABLE all_sentences DROP COLUMN share",
        "ALTER TABLE all_documents DROP COLUMN share",
        "DROP INDEX sentences_key",
        "ALTER TABLE all_sentences DROP COLUMN skey",
        "DROP TRIGGER tally_insert",
        "DROP TRIGGER tally_delete",
        "DROP TRIGGER tally_update",
        "DROP TABLE tallies",
        "DROP TABLE tally_items",
        "DROP VIEW documents",
        "DROP VIEW sentences",
        "DROP TABLE pending_documents",
        "DROP INDEX sentences_at",
        "ALTER TABLE labels DROP COLUMN seconds",
        "ALTER TABLE all_documents RENAME TO documents",
        "ALTER TABLE all_sentences RENAME TO sentences",
        "UPDATE labels SET labels = json_remove(labels, '$.block_type')",
        "DROP TABLE suggestions",
        "DROP TABLE splits",
        "ALTER TABLE labels DROP COLUMN derived_from",
        "ALTER TABLE events DROP COLUMN derived_from",
    ):
        db.execute(statement)
    db.commit()
    db.close()
    set_store_version(path, 1)
    with Store(path) as s:
        version = s.db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        assert version == (str(STORE_VERSION),)
        assert s.labels(sid, "alice").labels.mode == "reporting"
        assert s.db.execute("SELECT labels FROM labels").fetchone()[0].endswith(',"block_type":null}')
        # every sentence has its key, and the tallies are filled from the labels already there
        assert s.db.execute("SELECT count(*) FROM sentences WHERE skey IS NULL").fetchone() == (0,)
        assert s.db.execute(
            "SELECT annotator, mode, claim, sum(n) FROM tallies GROUP BY 1, 2, 3"
        ).fetchall() == [("alice", "reporting", "factual", 1)]
        assert s.undo("alice") is not None  # an event from before the migration undoes cleanly
        s.record(sid, "alice", SentenceLabels(mode="reporting", claim="factual"))
        assert s.db.execute("SELECT count(*) FROM suggestions").fetchone() == (0,)
        changed, docs = refresh_suggestions(s)
        assert docs == 5 and changed > 20
        assert s.labels(sid, "alice").labels.claim == "factual"
    # a migrated store has the shape of a fresh one (store/tables.py)
    from tests.test_store_tables import shape

    with Store(tmp_path / "fresh.db") as fresh, Store(path) as migrated:
        assert shape(migrated.db) == shape(fresh.db)
    backup = tmp_path / "s.db.v1.bak"
    old = sqlite3.connect(backup)
    assert old.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone() == ("1",)
    old.close()


def test_ingest_failing_after_a_batch_was_stored_leaves_nothing(fresh_location):
    """Ingest stores documents a batch at a time, in short transactions: a failure after the
    first batch (a worker dying, say) leaves the store as it was, hidden rows included."""
    from annotator.corpus.reader import SourceDoc
    from annotator.store.corpus import _INGEST_BATCH

    docs = [
        analyse(SourceDoc(f"d{i}", "x", f"Phrase numéro {i} du texte.")) for i in range(_INGEST_BATCH + 10)
    ]

    def analysed_then_failing():
        yield from docs
        raise RuntimeError("a worker died")

    store = Store(fresh_location)
    with pytest.raises(RuntimeError, match="worker died"):
        store.ingest(analysed_then_failing())
    assert store.is_empty()
    for table in ("all_documents", "all_sentences", "blocks", "shingles", "suggestions", "pending_documents"):
        assert store.db.execute(f"SELECT count(*) FROM {table}").fetchone() == (0,), table
    assert len(store.ingest(docs).added) == len(docs)


PAUSED_INGEST = textwrap.dedent(
    """
    import pathlib, sys, time
    from annotator.corpus.reader import SourceDoc
    from annotator.ingest import analyse
    from annotator.store import Store
    from annotator.store.corpus import _INGEST_BATCH

    db, go = sys.argv[1], pathlib.Path(sys.argv[2])

    def docs():
        for i in range(3 * _INGEST_BATCH):
            if i == 2 * _INGEST_BATCH:  # two batches stored: wait, between transactions
                print("paused", flush=True)
                while not go.exists():
                    time.sleep(0.02)
            yield analyse(SourceDoc(f"new{i}", "x", f"Titre {i}\\nUne phrase neuve numéro {i}."))

    with Store(db) as store:
        print(len(store.ingest(docs()).added), "added", flush=True)
    """
)


def _paused_ingest(db: str, go: Path) -> subprocess.Popen:
    proc = subprocess.Popen(
        [sys.executable, "-c", PAUSED_INGEST, db, str(go)], cwd=ROOT, stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout is not None and proc.stdout.readline() == "paused\n"
    return proc


def test_an_ingest_under_way_is_invisible_and_never_holds_the_write_lock(tmp_path, on_backend):
    """Two batches of a three-batch ingest are stored: readers see none of it, an annotator's
    decision and an export go through at once, and the ingest appears whole when it ends."""
    from annotator.export.jsonl import export_jsonl
    from annotator.store.corpus import _INGEST_BATCH

    go = tmp_path / "go"
    seeds_store(tmp_path / "s.db").close()
    with on_backend(tmp_path / "s.db") as store:
        db = store.location
    proc = _paused_ingest(db, go)
    with Store(db) as s:
        assert s.counts()["documents"] == 5 and s.counts()["sentences"] == 122
        assert [d.doc_id for d in s.documents() if d.doc_id.startswith("new")] == []
        row = s.next_unannotated("alice")
        t = time.perf_counter()
        s.record(row.sid, "alice", SentenceLabels(mode="reporting", claim="none"))
        assert time.perf_counter() - t < 1.0
        assert export_jsonl(s, tmp_path / "out").records == 1
        go.touch()
        assert proc.communicate(timeout=60)[0] == f"{3 * _INGEST_BATCH} added\n"
        assert s.counts()["documents"] == 5 + 3 * _INGEST_BATCH  # all of it at once
        assert s.labels(row.sid, "alice").labels.mode == "reporting"


def test_a_killed_ingest_is_never_seen_and_the_next_one_removes_it(tmp_path, on_backend, backend):
    go = tmp_path / "go"
    seeds_store(tmp_path / "s.db").close()
    with on_backend(tmp_path / "s.db") as store:
        db = store.location
    proc = _paused_ingest(db, go)
    proc.kill()
    proc.wait()
    with Store(db) as s:
        assert s.counts()["documents"] == 5
        assert s.db.execute("SELECT count(*) FROM all_documents").fetchone()[0] > 5  # hidden, not gone
        if backend == "sqlite":
            assert s.db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        ingest_paths(s, [SEEDS])  # any ingest removes what a killed one left
        for table in ("all_documents", "pending_documents"):
            assert s.db.execute(f"SELECT count(*) FROM {table}").fetchone()[0] == (
                5 if table == "all_documents" else 0
            )
        assert s.db.execute("SELECT count(*) FROM all_sentences").fetchone()[0] == 122


def _labelled(path: Path) -> Store:
    s = seeds_store(path)
    for row in list(s.sentences())[:10]:
        s.record(row.sid, "alice", SentenceLabels(mode="reporting", claim="none"))
    return s


def _damaged(path: Path, records: Path | None = None) -> Path:
    """A labelled seeds store with garbage written over some of its pages (as a failing disk
    would); `records`: where to write its records, exported before the damage."""
    with _labelled(path) as s:
        if records is not None:
            rows = [r for chunk in s.export_json() for r, _ in chunk]
            records.write_text("\n".join(rows) + "\n", "utf-8")
        s.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    size = path.stat().st_size
    with open(path, "r+b") as f:
        for offset in range(4096 * 2, size, 4096 * 3):
            f.seek(offset + 100)
            f.write(random.Random(offset).randbytes(600))
    return path


@pytest.mark.parametrize(
    "command",
    [["stats"], ["export", "--out", "x"], ["db", "check"], ["ingest", "new.txt"], ["import", "x.jsonl"]],
)
def test_a_damaged_store_is_one_line_and_exit_1(tmp_path, capsys, command, monkeypatch):
    """Commands that read everything, and every command that writes, stop at the damage."""
    from annotator.cli import main

    monkeypatch.chdir(tmp_path)
    (tmp_path / "new.txt").write_text("Titre\nUne phrase neuve.", "utf-8")
    db = _damaged(tmp_path / "s.db", records=tmp_path / "x.jsonl")
    code = main(["--db", str(db), *command])
    err = capsys.readouterr().err
    assert code == 1 and "Traceback" not in err and err.startswith(f"annotator: {db}: ")


def test_db_check_finds_what_sqlite_cannot(tmp_path, capsys):
    from annotator.cli import main

    db = tmp_path / "s.db"
    with seeds_store(db) as s:
        s.record(s.first().sid, "alice", SentenceLabels(mode="reporting", claim="none"))
    assert main(["--db", str(db), "db", "check"]) == 0
    assert "ok (5 documents, 122 sentences, 1 decisions, 1 events checked)" in capsys.readouterr().out
    with sqlite3.connect(db) as raw:
        raw.execute("UPDATE all_sentences SET text = 'Autre chose.' WHERE sid = 3")
        raw.execute("UPDATE all_documents SET text = text || ' ' WHERE doc = 2")
        raw.execute("DROP TRIGGER tally_insert")  # it refuses labels that are not JSON: an outside writer
        raw.execute("INSERT INTO labels VALUES (99999, 'bob', 'done', '{', 'manual', 'x', 'x', NULL, NULL)")
    assert main(["--db", str(db), "db", "check"]) == 1
    err = capsys.readouterr().err
    assert "(sid 3): not the text at its offsets" in err
    assert "its text does not match its sha256" in err
    assert (
        "labels: 1 rows point to no sentence" in err and "labels: 1 rows hold labels that are not JSON" in err
    )


def test_a_damaged_version_row_is_one_line(tmp_path, capsys):
    from annotator.cli import main

    db = tmp_path / "s.db"
    seeds_store(db).close()
    with sqlite3.connect(db) as raw:
        raw.execute("UPDATE meta SET value = 'quatre' WHERE key = 'schema_version'")
    assert main(["--db", str(db), "stats"]) == 1
    assert (
        capsys.readouterr().err
        == f"annotator: {db}: the store's version row is damaged ('quatre'); restore a backup\n"
    )


def test_db_backup_is_a_consistent_copy_while_labelling_goes_on(tmp_path, capsys):
    from annotator.cli import main

    db = tmp_path / "s.db"
    with seeds_store(db) as s:
        s.record(s.first().sid, "alice", SentenceLabels(mode="reporting", claim="none"))
        # the decision is still in the write-ahead log: a file copy would miss it, the backup does not
        assert main(["--db", str(db), "db", "backup", str(tmp_path / "copy.db")]) == 0
    with Store(tmp_path / "copy.db") as copy:
        assert copy.labels(copy.first().sid, "alice").labels.mode == "reporting"
        assert copy.check() == ([], {"documents": 5, "sentences": 122, "decisions": 1, "events": 1})
    assert main(["--db", str(db), "db", "backup", str(tmp_path / "copy.db")]) == 1
    assert "already exists" in capsys.readouterr().err


def test_a_long_write_does_not_stop_anyone_opening_the_store_to_read(tmp_path, capsys):
    """An ingest holds the write lock for its whole run; stats and export only read."""
    from annotator.cli import main

    db = tmp_path / "s.db"
    _labelled(db).close()
    writer = sqlite3.connect(db, isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")  # as a long ingest does
    try:
        started = time.monotonic()
        assert main(["--db", str(db), "stats"]) == 0
        assert main(["--db", str(db), "export", "--out", str(tmp_path / "out")]) == 0
        assert time.monotonic() - started < 10  # not a wait for the lock (30 s) and a failure
    finally:
        writer.execute("ROLLBACK")
        writer.close()
    assert "10 records" in capsys.readouterr().out


def _descendants(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def _running(pid: int) -> bool:
    try:
        return "\nState:\tZ" not in Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads the process tree from /proc")
def test_the_workers_of_a_killed_export_end_with_it(tmp_path):
    db, out, _ = _seed_export(tmp_path)
    proc = _stalled_export(db, out, parallel=True)
    time.sleep(0.5)
    helpers = _descendants(proc.pid)
    assert len(helpers) >= 2  # the pool's server and its workers
    proc.kill()
    proc.wait()
    deadline = time.monotonic() + 15
    while any(_running(p) for p in helpers) and time.monotonic() < deadline:
        time.sleep(0.2)
    left = [p for p in helpers if _running(p)]
    for p in left:
        os.kill(p, signal.SIGKILL)
    assert not left
