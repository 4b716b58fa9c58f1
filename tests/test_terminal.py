"""The installed `annotator` in a real terminal (tmux): what a person sees and what survives."""

import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
import uuid
from pathlib import Path

import orjson
import pytest

ROOT = Path(__file__).resolve().parent.parent
EXE = Path(sys.executable).with_name("annotator")

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")


class Terminal:
    def __init__(self, command: str, cwd: Path, size: tuple[int, int] = (120, 36)):
        self.name = f"annotator-test-{uuid.uuid4().hex[:8]}"
        # The pane decides the size: COLUMNS/LINES inherited from the caller would override it.
        env = "-u COLUMNS -u LINES TERM=xterm-256color ANNOTATOR_NAME=alice"
        subprocess.run(
            ["tmux", "new-session", "-d", "-s", self.name, "-x", str(size[0]), "-y", str(size[1]), "-c", str(cwd),
             f"env {env} {command}; echo annotator-exited-$?; sleep 30"],
            check=True,
        )  # fmt: skip

    def screen(self) -> str:
        return subprocess.run(
            ["tmux", "capture-pane", "-p", "-t", self.name], capture_output=True, text=True, check=True
        ).stdout

    def wait_for(self, text: str, timeout: float = 20) -> str:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            screen = self.screen()
            if text in screen:
                return screen
            time.sleep(0.1)
        raise AssertionError(f"{text!r} never appeared; the screen shows:\n{self.screen()}")

    def keys(self, *keys: str) -> None:
        for key in keys:
            subprocess.run(["tmux", "send-keys", "-t", self.name, key], check=True)

    def pid(self) -> int:
        """The annotator process (the child of the pane's shell)."""
        shell = subprocess.run(
            ["tmux", "list-panes", "-t", self.name, "-F", "#{pane_pid}"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.split()[0]
        children = subprocess.run(["pgrep", "-P", shell], capture_output=True, text=True).stdout.split()
        return int(children[0])

    def close(self) -> None:
        subprocess.run(["tmux", "kill-session", "-t", self.name], capture_output=True)


@pytest.fixture
def workdir(tmp_path):
    subprocess.run(
        [str(EXE), "--db", str(tmp_path / "a.db"), "ingest", "--no-suggestions", str(ROOT / "seeds")],
        check=True,
    )
    return tmp_path


def test_label_three_quit_export(workdir):
    term = Terminal(f"{EXE} --db a.db label", workdir)
    try:
        term.wait_for("La Chine va envoyer des troupes")
        term.keys("r", "3")
        term.wait_for("overall 1/83")
        term.keys("c", "1")
        term.wait_for("overall 2/83")
        term.keys("r", "2")
        term.wait_for("overall 3/83")
        term.keys("C-q")
        term.wait_for("annotator-exited-0", timeout=10)
    finally:
        term.close()
    out = workdir / "out"
    subprocess.run([str(EXE), "--db", str(workdir / "a.db"), "export", "--out", str(out)], check=True)
    records = [orjson.loads(x) for x in (out / "annotations.jsonl").read_bytes().splitlines()]
    assert [(r["labels"]["mode"], r["labels"]["claim"], r["annotator"]) for r in records] == [
        ("reporting", "checkworthy", "alice"),
        ("commentary", "none", "alice"),
        ("reporting", "factual", "alice"),
    ]
    assert records[0]["text"].startswith("La Chine va envoyer")


def test_label_the_five_seeds_at_80x24(workdir):
    """Every seed sentence labelled with the keyboard on an 80×24 terminal, reading the screen as
    a person does: the sentence on screen is the one the keys label, to the end-of-work screen."""
    term = Terminal(f"{EXE} --db a.db label", workdir, size=(80, 24))
    db = sqlite3.connect(workdir / "a.db")
    texts = [
        t for (t,) in db.execute("SELECT s.text FROM sentences s WHERE s.labelled ORDER BY s.doc, s.pos")
    ]
    db.close()
    projected: list[int] = []
    try:
        for n, text in enumerate(texts, start=1):
            screen = term.wait_for(f"overall {n - 1}/83")
            assert " ".join(text.split()[:3]) in " ".join(screen.split()), (n, text)  # on screen
            panel = " ".join(line.rsplit("│", 1)[1] for line in screen.splitlines() if "│" in line)
            if "as in 000" in " ".join(panel.split()):  # 002 repeats 000: its decision is carried over
                term.keys("Enter")
                projected.append(n)
            else:
                term.keys("r" if n % 2 else "c", "1" if n % 3 else "3")  # both set here: finished, next
        screen = term.wait_for("All done")
        assert "83 done, 0 skipped" in " ".join(screen.split())
        term.keys("Escape", "C-q")
        term.wait_for("annotator-exited-0", timeout=10)
    finally:
        term.close()
    db = sqlite3.connect(workdir / "a.db")
    assert db.execute("SELECT count(*) FROM labels WHERE status = 'done'").fetchone() == (83,)
    # the sentences of 002 that are 000's, word for word, took one key each
    assert len(projected) == 6
    assert db.execute("SELECT count(*) FROM labels WHERE origin = 'projected'").fetchone() == (6,)
    db.close()


def test_kill_9_loses_no_acknowledged_decision(workdir, on_backend, backend):
    from annotator.store import Store

    with on_backend(workdir / "a.db") as store:
        where = store.location  # the file, or a PostgreSQL copy's URL (given in the environment)
    label = f"ANNOTATOR_DB='{where}' {EXE} label"
    term = Terminal(label, workdir)
    try:
        term.wait_for("La Chine va envoyer des troupes")
        for n in range(1, 8):
            term.keys("r", "2")
            term.wait_for(f"overall {n}/83")  # acknowledged on screen
        os.kill(term.pid(), signal.SIGKILL)
    finally:
        term.close()
    with Store(where) as s:
        if backend == "sqlite":
            assert s.db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        done = s.db.execute("SELECT count(*) FROM labels WHERE status = 'done' AND annotator = 'alice'")
        assert done.fetchone()[0] == 7
    term = Terminal(label, workdir)  # reopening shows them all and resumes after them
    try:
        screen = term.wait_for("overall 7/83")
        assert "document 7/11" in screen
    finally:
        term.close()


def test_two_processes_on_one_store(workdir):
    alice = Terminal(f"{EXE} --db a.db label --annotator alice", workdir)
    bob = Terminal(f"{EXE} --db a.db label --annotator bob", workdir)
    try:
        alice.wait_for("La Chine va envoyer des troupes")
        bob.wait_for("La Chine va envoyer des troupes")
        for n in range(1, 6):  # interleaved decisions from two processes
            alice.keys("r", "2")
            bob.keys("c", "1")
            alice.wait_for(f"overall {n}/83")
            bob.wait_for(f"overall {n}/83")
    finally:
        alice.close()
        bob.close()
    db = sqlite3.connect(workdir / "a.db")
    counts = dict(
        db.execute("SELECT annotator, count(*) FROM labels WHERE status = 'done' GROUP BY annotator")
    )
    assert counts == {"alice": 5, "bob": 5}
    modes = {
        a: m for a, m in db.execute("SELECT DISTINCT annotator, json_extract(labels, '$.mode') FROM labels")
    }
    assert modes == {"alice": "reporting", "bob": "commentary"}
    db.close()


def test_two_annotators_agree_then_a_reviewer_adjudicates(workdir):
    """Alice and Bob label with 20 % overlap (stored directly), `agree` reports, and a reviewer
    takes Bob's version of the first disagreement in the real review screen."""
    from annotator.assignment import Assignment
    from annotator.store import Store
    from tests.conftest import label_seeds

    db = workdir / "a.db"
    with Store(db) as s:
        plan = Assignment(("alice", "bob"), 0.2)
        s.set_assignment(plan)
        label_seeds(s, ["alice", "bob"], plan, noise=0.3)
    agree = subprocess.run([str(EXE), "--db", str(db), "agree"], capture_output=True, text=True, check=True)
    assert "alice | bob" in agree.stdout and "confusion: mode" in agree.stdout
    term = Terminal(f"{EXE} --db a.db review --annotator rita", workdir)
    try:
        screen = term.wait_for("REVIEW")
        assert "alice" in screen and "bob" in screen and "overall 0/" in screen
        term.keys("B")
        term.wait_for("overall 1/")
        term.keys("C-q")
        term.wait_for("annotator-exited-0")
    finally:
        term.close()
    with sqlite3.connect(db) as c:
        rows = c.execute("SELECT origin, derived_from FROM labels WHERE annotator = 'rita'").fetchall()
    assert len(rows) == 1 and rows[0][0] == "adjudicated" and len(orjson.loads(rows[0][1])) == 2


CRASHING = """
import sys
from annotator.tui.screens.label import LabelScreen

def crash(self):
    raise RuntimeError("a fault in the screen")

LabelScreen.action_skip = crash
from annotator.cli import main
sys.exit(main(sys.argv[1:]))
"""


def test_a_screen_that_crashes_never_exits_0(workdir):
    (workdir / "crash.py").write_text(CRASHING, "utf-8")
    term = Terminal(f"{sys.executable} crash.py --db a.db label", workdir)
    try:
        term.wait_for("La Chine va envoyer des troupes")
        term.keys("x")  # skip: the action raises
        screen = term.wait_for("annotator-exited-")
        assert "annotator-exited-1" in screen and "a fault in the screen" in screen
    finally:
        term.close()


def test_a_seed_quote_labelled_with_a_jump_label(workdir):
    """In a real terminal: quote mode on the second seed sentence, `w` and the label of
    « approfondir », `i` (inside the quotation marks), `c`, `enter`: the quote is stored."""
    from annotator.corpus.tokens import tokens
    from annotator.labelling.quotes import hint_labels

    db = sqlite3.connect(workdir / "a.db")
    (text,) = db.execute(
        "SELECT text FROM sentences WHERE labelled ORDER BY doc, pos LIMIT 1 OFFSET 1"
    ).fetchone()
    db.close()
    toks = tokens(text)
    label = hint_labels(len(toks))[
        next(i for i, t in enumerate(toks) if text[t.start : t.end] == "approfondir")
    ]
    term = Terminal(f"{EXE} --db a.db label", workdir, size=(80, 24))
    try:
        term.wait_for("La Chine va envoyer des troupes")
        term.keys("j")
        term.wait_for("document 0/11")
        term.keys("q")
        term.wait_for("New quote")
        term.keys("w")
        term.wait_for(f"{label}approfondir")  # the label shows before the word
        term.keys(*label, "i", "c")
        term.wait_for("content approfondir la coopération")
        term.keys("Enter")
        term.wait_for("1. direct: «approfondir la")
    finally:
        term.close()
    db = sqlite3.connect(workdir / "a.db")
    (labels,) = db.execute("SELECT labels FROM labels WHERE annotator = 'alice'").fetchone()
    db.close()
    assert '"text":"approfondir la coopération"' in labels


def test_the_sentence_list_at_80x24(workdir):
    """Skip two sentences, find them in the list (`L`, status filter), open the second, label
    it, and come back to the list where it was: as a person sees it at 80×24."""
    term = Terminal(f"{EXE} --db a.db label", workdir, size=(80, 24))
    try:
        term.wait_for("La Chine va envoyer des troupes")
        term.keys("x")
        term.wait_for("Skipped.")
        term.keys("x")
        term.wait_for("overall 2/83")
        term.keys("L")
        term.wait_for("alice's decisions · no filter · 83 rows")
        term.keys("s", "s", "s")  # todo → done → skipped
        screen = term.wait_for("status skipped · 2 rows")
        rows = [line.split() for line in screen.splitlines() if line.lstrip(" ▸").startswith("000_c843b81…")]
        assert [row[1:3] for row in rows] == [["1", "skipped"], ["2", "skipped"]], repr(
            screen.splitlines()[:4]
        )
        assert "⏎ Open" in screen and "esc Back" in screen  # the key line fits
        term.keys("End", "Enter")
        term.wait_for("esc Back to the sentence list")
        term.keys("r", "1", "Enter")  # labelled: stored as done
        term.wait_for("Stored: reporting · no claim.")
        term.keys("Escape")
        screen = term.wait_for("status skipped · 1 row")
        assert "▸000_c843b81… 1    skipped" in screen, screen
    finally:
        term.close()
    db = sqlite3.connect(workdir / "a.db")
    assert db.execute("SELECT status, count(*) FROM labels GROUP BY status").fetchall() == [
        ("done", 1),
        ("skipped", 1),
    ]
