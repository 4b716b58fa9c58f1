"""Hostile and broken input: files, text shown in the terminal, imports, offsets (hypothesis)."""

import os
import unicodedata
from pathlib import Path

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from annotator.cli import main
from annotator.corpus.reader import SourceDoc
from annotator.corpus.text import normalise, visible
from annotator.errors import UserError
from annotator.export.importer import import_file
from annotator.export.jsonl import export_jsonl
from annotator.ingest import analyse
from annotator.model import Quote, SentenceLabels, Span
from annotator.store import Store


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("utf16.txt", "\ufeffBonjour.".encode("utf-16"), "UTF-16 text"),
        ("nul.txt", b"Bonjour\x00 le monde.", "NUL byte at byte 7"),
        ("png.txt", b"\x89PNG\r\n\x1a\n\x00\x00", "binary file"),
        ("latin.txt", "Pékin".encode("latin-1"), "invalid UTF-8 at byte 1"),
        ("blank.txt", b"\n \n", "empty file"),
        ("line\nbreak.txt", b"\xff", "line\\nbreak.txt: invalid UTF-8 at byte 0"),
    ],
)
def test_bad_file_one_line_exit_1_nothing_ingested(tmp_path, capsys, name, data, message):
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "good.txt").write_text("Un bon texte.", "utf-8")
    (tmp_path / "in" / name).write_bytes(data)
    code, _, err = run(capsys, "--db", tmp_path / "s.db", "ingest", tmp_path / "in")
    assert code == 1 and err.count("\n") == 1 and message in err and "Traceback" not in err
    assert not (tmp_path / "s.db").exists() or Store(tmp_path / "s.db").is_empty()


def test_skip_bad_ingests_the_others(tmp_path, capsys):
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "good.txt").write_text("Un bon texte.", "utf-8")
    (tmp_path / "in" / "bad.txt").write_bytes(b"\xff\xfe\x00")
    (tmp_path / "in" / "bad.jsonl").write_text('{"id": "a", "text": "ok"}\n{oops\n', "utf-8")
    code, out, err = run(capsys, "--db", tmp_path / "s.db", "ingest", "--skip-bad", tmp_path / "in")
    assert code == 1
    assert (
        "bad.txt: UTF-16 text" in err and "bad.jsonl:2: not valid JSON" in err and err.count("(skipped)") == 2
    )
    assert "1 added" in out and "2 bad files skipped" in out
    with Store(tmp_path / "s.db") as s:
        assert [d[0] for d in s.documents()] == ["good"]  # nothing of the bad .jsonl, not even its good line


def test_unreadable_file(tmp_path, capsys, monkeypatch):
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "secret.txt").write_text("Texte.", "utf-8")
    real = os.open

    def denied(path, *args, **kwargs):  # as for a file of another user (the tests run as root)
        if Path(path).name == "secret.txt":
            raise PermissionError(13, "Permission denied")
        return real(path, *args, **kwargs)

    monkeypatch.setattr(os, "open", denied)
    code, _, err = run(capsys, "--db", tmp_path / "s.db", "ingest", tmp_path / "in")
    assert code == 1 and "secret.txt: cannot read (Permission denied)" in err


def test_a_50_mb_single_line(tmp_path, capsys):
    sentence = "Le ministère a annoncé des exercices « conjoints » le 5 sept. 2023 à Pékin. "
    (tmp_path / "big.txt").write_text(sentence * (50_000_000 // len(sentence)), "utf-8")
    code, out, _ = run(capsys, "--db", tmp_path / "s.db", "ingest", tmp_path / "big.txt")
    assert code == 0 and "1 added" in out
    with Store(tmp_path / "s.db") as s:
        assert s.counts()["sentences"] == 50_000_000 // len(sentence)


def test_a_long_run_without_punctuation_is_cut_and_reported(tmp_path, capsys):
    """Ten megabytes without a sentence end become sentences of at most 5,000 characters (the
    screen draws one like any other), and ingest says what it cut."""
    from annotator.corpus.segment import MAX_SENTENCE

    (tmp_path / "run.txt").write_text("mot " * 2_500_000, "utf-8")
    code, out, err = run(capsys, "--db", tmp_path / "s.db", "ingest", tmp_path / "run.txt")
    assert code == 0 and "1 added" in out
    assert err.startswith("annotator: text that ran past 5,000 characters without a sentence end was cut")
    assert "(1,999 cuts, in run)" in err
    with Store(tmp_path / "s.db") as s:
        lengths = [len(row.text) for row in s.sentences()]
    assert len(lengths) == 2000 and max(lengths) <= MAX_SENTENCE


def test_100_000_tiny_files_in_deep_folders(tmp_path, capsys):
    root = tmp_path / "corpus"
    deep = root.joinpath(*[f"n{i}" for i in range(60)])
    deep.mkdir(parents=True)
    (deep / "profond.txt").write_text("Tout au fond.", "utf-8")
    for d in range(100):
        folder = root / f"f{d:03d}"
        folder.mkdir()
        for i in range(1000):
            (folder / f"{i:04d}.txt").write_bytes(b"Une phrase %d." % i)
    code, out, _ = run(capsys, "--db", tmp_path / "s.db", "ingest", root)
    assert code == 0 and "100001 added" in out
    with Store(tmp_path / "s.db") as s:
        assert s.counts()["documents"] == 100_001


def test_symlink_loop_and_dangling_link(tmp_path, capsys):
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.txt").write_text("Texte.", "utf-8")
    (tmp_path / "in" / "loop").symlink_to(tmp_path / "in")
    (tmp_path / "in" / "gone.txt").symlink_to(tmp_path / "nowhere.txt")
    code, _, err = run(capsys, "--db", tmp_path / "s.db", "ingest", tmp_path / "in")
    assert code == 1 and "gone.txt: cannot read" in err
    code, out, _ = run(capsys, "--db", tmp_path / "s.db", "ingest", "--skip-bad", tmp_path / "in")
    assert "1 added" in out


def test_pipes_and_devices_are_refused_not_read(tmp_path, capsys):
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.txt").write_text("Texte.", "utf-8")
    os.mkfifo(tmp_path / "in" / "pipe.txt")  # nothing ever writes to it: reading it would hang
    (tmp_path / "in" / "zero.txt").symlink_to("/dev/zero")  # reading it would never end
    code, _, err = run(capsys, "--db", tmp_path / "s.db", "ingest", tmp_path / "in")
    assert code == 1 and "pipe.txt: not a regular file" in err and "Traceback" not in err
    assert not (tmp_path / "s.db").exists() or Store(tmp_path / "s.db").is_empty()
    code, _, err = run(capsys, "--db", tmp_path / "s.db", "ingest", tmp_path / "in" / "zero.txt")
    assert code == 1 and "zero.txt: not a regular file" in err
    code, out, err = run(capsys, "--db", tmp_path / "s.db", "ingest", "--skip-bad", tmp_path / "in")
    assert code == 1 and "1 added" in out and err.count("not a regular file") == 2


def test_a_file_over_the_size_limit_is_refused(tmp_path, capsys):
    big = tmp_path / "big.txt"
    big.write_text("Une phrase assez longue pour compter. " * 40_000, "utf-8")  # about 1.5 MB
    code, _, err = run(capsys, "--db", tmp_path / "s.db", "ingest", "--max-file-mb", "1", big)
    assert (
        code == 1
        and err.strip() == f"annotator: {big}: 1.4 MB, over the 1.0 MB limit per file (--max-file-mb)"
    )
    code, out, _ = run(capsys, "--db", tmp_path / "s.db", "ingest", "--max-file-mb", "2", big)
    assert code == 0 and "1 added" in out
    assert run(capsys, "--db", tmp_path / "s.db", "ingest", "--max-file-mb", "0", big)[0] == 1


def test_a_jsonl_repeating_an_id_ingests_nothing(tmp_path, capsys):
    f = tmp_path / "b.jsonl"
    f.write_text('{"id":"a","text":"Un."}\n{"id":"a","text":"Deux."}\n', "utf-8")
    code, _, err = run(capsys, "--db", tmp_path / "s.db", "ingest", f)
    assert (
        code == 1
        and err.strip() == f"annotator: {f}:2: document id 'a' is also used by {f}:1 with another text"
    )
    with Store(tmp_path / "s.db") as s:
        assert s.is_empty()


HOSTILE = [
    "\x1b[2J\x1b[H",  # clear screen, cursor home
    "\x1b]0;pwned\x07",  # window title
    "\x1b]52;c;cHduZWQ=\x07",  # OSC 52: write the clipboard
    "\x1b]8;;http://evil.example\x1b\\lien\x1b]8;;\x1b\\",  # hyperlink
    "\x9b31m",  # C1 CSI
    "a\u200bb\u200fc\u202ed\u2066e\ufeff",  # zero-width, bidi overrides and isolates, BOM
    "\x00\x07\x08\x7f",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_terminal_controls_are_shown_not_obeyed(text):
    shown = visible(text)
    assert len(shown) == len(text)  # offsets into the sentence stay true
    assert not any(unicodedata.category(c) in ("Cc", "Cf") for c in shown)


@given(st.text())
def test_visible_never_lets_a_control_through(text):
    shown = visible(text)
    assert len(shown) == len(text)
    assert not any(unicodedata.category(c) == "Cc" for c in shown)
    assert not any(c in shown for c in "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
    for i, c in enumerate(shown):  # a zero-width joiner is kept only between two pictographs
        if c == "\u200d":
            assert 0 < i < len(shown) - 1 and ord(shown[i + 1]) >= 0x2300


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("👨\u200d👩\u200d👧", "👨\u200d👩\u200d👧"),  # one family: the joiners stay
        ("👍🏽\u200d🔥", "👍🏽\u200d🔥"),  # after a skin tone
        ("a\u200db", "a\ufffdb"),  # between letters: shown
        ("\u200d👩", "\ufffd👩"),  # at the start: shown
        ("👩\u200d", "👩\ufffd"),  # at the end: shown
    ],
)
def test_a_joiner_is_kept_inside_an_emoji_sequence_only(text, expected):
    assert visible(text) == expected


async def test_hostile_text_in_the_screen(tmp_path):
    from annotator.tui.app import make_app

    with Store(tmp_path / "s.db") as s:
        s.ingest(
            [
                analyse(
                    SourceDoc(
                        "evil",
                        "evil.txt",
                        "Titre\nTexte " + " ".join(HOSTILE) + " [@click=app.quit]x[/] fin.",
                    )
                )
            ]
        )
    app = make_app(tmp_path / "s.db", "alice")
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.press("j")
        await pilot.click("#sentence")
        assert app.is_running
        text = str(app.screen.query_one("#sentence").render())
        assert "␛]52;c;cHduZWQ=␇" in text and "[@click=app.quit]x[/]" in text


def test_import_a_million_bad_lines_lists_the_first_100(tmp_path):
    with Store(tmp_path / "s.db") as s:
        s.ingest([analyse(SourceDoc("d", "d.txt", "Une phrase."))])
        path = tmp_path / "huge.jsonl"
        path.write_bytes(b"{not json\n" * 1_000_000)
        with pytest.raises(UserError) as err:
            import_file(s, path)
        lines = str(err.value).splitlines()
        assert len(lines) == 102
        assert lines[0].endswith("huge.jsonl:1: not valid JSON (a truncated line?)")
        assert lines[100].endswith("… and 999900 more bad lines")
        assert lines[101].endswith("nothing imported (1000000 bad lines)")
        assert s.counts()["annotators"] == {}


texts = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=300).filter(
    str.strip
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=texts, data=st.data())
def test_offsets_and_round_trip_on_arbitrary_text(tmp_path_factory, text, data):
    folder = tmp_path_factory.mktemp("rt")
    stored = normalise(text)
    with Store(folder / "s.db") as s:
        s.ingest([analyse(SourceDoc("d", "d.txt", stored))])
        rows = list(s.sentences())
        for row in rows:
            assert stored[row.start : row.end] == row.text
            end = data.draw(st.integers(1, len(row.text)))
            start = data.draw(st.integers(0, end - 1))
            span = Span(start=start, end=end, text=row.text[start:end])
            s.record(
                row.sid,
                "alice",
                SentenceLabels(mode="none", claim="none", quotes=[Quote(type="direct", content=[span])]),
            )
        export_jsonl(s, folder / "a")
    with Store(folder / "t.db") as t:
        t.ingest([analyse(SourceDoc("d", "d.txt", stored))])
        import_file(t, folder / "a" / "annotations.jsonl")
        export_jsonl(t, folder / "b")
    assert (folder / "a" / "annotations.jsonl").read_bytes() == (
        folder / "b" / "annotations.jsonl"
    ).read_bytes()
    assert len((folder / "a" / "annotations.jsonl").read_bytes().splitlines()) == len(rows)
    assert all(
        orjson.loads(line)["status"] == "done"
        for line in (folder / "a" / "annotations.jsonl").read_bytes().splitlines()
    )


EVIL_NAME = "mallory\x1b]0;PWNED\x07\x1b[2J\u202e"


def _no_control(text: str) -> bool:
    return not any(unicodedata.category(c) in ("Cc", "Cf") and c != "\n" for c in text)


@given(st.text())
def test_shown_never_lets_a_control_through(text):
    from annotator.corpus.text import shown, shown_lines

    assert _no_control(shown(text)) and "\n" not in shown(text)
    assert _no_control(shown_lines(text)) and shown_lines(text).count("\n") == text.count("\n")


def test_names_and_ids_outside_the_screen_are_escaped(tmp_path, capsys):
    """stats and agree print annotator names and document ids; error messages print file names."""
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / f"doc{EVIL_NAME.replace('/', '')}.txt").write_text(
        "Titre\nUne phrase. Une autre.", "utf-8"
    )
    db = tmp_path / "s.db"
    assert run(capsys, "--db", db, "ingest", "--no-suggestions", tmp_path / "in")[0] == 0
    with Store(db) as s:
        for name in (EVIL_NAME, "bob"):
            for row in s.sentences():
                s.record(row.sid, name, SentenceLabels(mode="reporting", claim="none"))
    for command in ("stats", "agree"):
        code, out, _ = run(capsys, "--db", db, command)
        assert code == 0 and _no_control(out) and "mallory\\x1b]0;PWNED\\x07\\x1b[2J\\u202e" in out
    bad = tmp_path / f"x{EVIL_NAME}.pdf"
    bad.write_bytes(b"%PDF")
    code, _, err = run(capsys, "--db", db, "ingest", bad)
    assert code == 1 and _no_control(err) and "\\x1b]0;PWNED" in err


def test_a_newline_in_a_document_id_stays_inside_its_iob_comment(tmp_path, capsys):
    (tmp_path / "x\ny.txt").write_text("Titre\nUne phrase « citée ».", "utf-8")
    db = tmp_path / "s.db"
    assert run(capsys, "--db", db, "ingest", "--no-suggestions", tmp_path / "x\ny.txt")[0] == 0
    with Store(db) as s:
        for row in s.sentences():
            s.record(row.sid, "alice", SentenceLabels(mode="reporting", claim="none"))
    assert run(capsys, "--db", db, "export", "--format", "iob", "--out", tmp_path / "iob")[0] == 0
    for line in (tmp_path / "iob" / "train.iob").read_text("utf-8").splitlines():
        assert line == "" or line.startswith("# ") or len(line.split("\t")) == 2, line


async def test_a_document_id_with_markup_in_the_document_picker(tmp_path):
    from annotator.tui.app import make_app

    with Store(tmp_path / "s.db") as s:
        s.ingest([analyse(SourceDoc("a[/bold]b", "a.txt", "Titre\nUne phrase."), suggest=False)])
    app = make_app(tmp_path / "s.db", "alice")
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("g")
        await pilot.pause()
        option = app.screen.query_one("OptionList").get_option_at_index(0)
        assert str(option.prompt).endswith("Titre  · a[/bold]b")
        await pilot.press("enter")
        await pilot.pause()
        assert "a[/bold]b" in str(app.screen.query_one("#topbar").render())


def test_a_control_character_anywhere_marks_binary_data(tmp_path, capsys):
    """The same rule for the whole of a .txt (not only its first 8 KB) and every .jsonl text."""
    (tmp_path / "late.txt").write_bytes(("Une phrase. " * 1000).encode() + b"\x07 fin.")
    code, _, err = run(capsys, "--db", tmp_path / "s.db", "ingest", tmp_path / "late.txt")
    assert code == 1 and "late.txt: binary file (control byte 0x07 at byte 12000), not UTF-8 text" in err
    (tmp_path / "b.jsonl").write_text(
        '{"id": "a", "text": "Un."}\n{"id": "b", "text": "Deux\\u0007."}\n', "utf-8"
    )
    code, _, err = run(capsys, "--db", tmp_path / "s.db", "ingest", tmp_path / "b.jsonl")
    assert code == 1 and err.count("\n") == 1
    assert 'b.jsonl:2: "text" holds the control character U+0007 at character 4' in err
    assert not (tmp_path / "s.db").exists() or Store(tmp_path / "s.db").is_empty()
