"""Every command through `main()`, including bad input: one line, exit 1, nothing written."""

import subprocess
import sys
from pathlib import Path

import orjson
import pytest

from annotator.cli import main
from annotator.model import SentenceLabels
from annotator.store import Store

ROOT = Path(__file__).resolve().parent.parent


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_no_arguments_ingests_bundled_seeds_once(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, out, _ = run(capsys)
    assert code == 0 and "ingested the 5 bundled seed articles" in out
    assert "annotator --db annotator.db export" in out and "Not a terminal" in out
    code, out, _ = run(capsys)
    assert code == 0 and "ingested" not in out
    assert (tmp_path / "annotator.db").exists()


def test_db_from_environment(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("ANNOTATOR_DB", str(tmp_path / "env.db"))
    code, out, _ = run(capsys, "ingest", str(ROOT / "seeds"))
    assert code == 0 and (tmp_path / "env.db").exists()
    assert "5 added, 0 updated, 0 unchanged; 122 sentences" in out


def test_ingest_twice_changes_nothing(tmp_path, capsys):
    db = str(tmp_path / "s.db")
    run(capsys, "--db", db, "ingest", str(ROOT / "seeds"))
    code, out, _ = run(capsys, "ingest", "--db", db, str(ROOT / "seeds"))
    assert code == 0 and "0 added, 0 updated, 5 unchanged" in out


def test_segment_prints_one_line_per_sentence(capsys):
    code, out, _ = run(capsys, "segment", str(ROOT / "seeds" / "002_89538b8c11680e57.txt"))
    lines = [orjson.loads(line) for line in out.splitlines()]
    assert code == 0 and len(lines) == 12
    text = (ROOT / "seeds" / "002_89538b8c11680e57.txt").read_text("utf-8")
    for line in lines:
        assert set(line) == {"doc_id", "block", "block_type", "start", "end", "text"}
        assert text[line["start"] : line["end"]] == line["text"]
        assert line["doc_id"] == "002_89538b8c11680e57"


def test_segment_jsonl_uses_record_ids(tmp_path, capsys):
    f = tmp_path / "in.jsonl"
    f.write_text('{"id": "art-1", "text": "Titre\\nUn. Deux."}\n', "utf-8")
    code, out, _ = run(capsys, "segment", str(f))
    lines = [orjson.loads(line) for line in out.splitlines()]
    assert code == 0
    assert [(x["doc_id"], x["block"], x["block_type"], x["start"], x["end"]) for x in lines] == [
        ("art-1", 0, "headline", 0, 5),
        ("art-1", 1, "body", 6, 9),
        ("art-1", 1, "body", 10, 15),
    ]


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("latin1.txt", "café".encode("latin-1"), "latin1.txt: invalid UTF-8 at byte 3"),
        ("bin.txt", b"\x00\x01\x02binary", "bin.txt: binary file (NUL byte at byte 0), not UTF-8 text"),
        ("empty.txt", b"", "empty.txt: empty file"),
        (
            "bad.jsonl",
            b'{"id": "a", "text": "Un."}\n{"id": "b", "text": "Deux."\n',
            "bad.jsonl:2: not valid JSON",
        ),
    ],
)
def test_bad_input_one_line_exit_1_nothing_ingested(tmp_path, capsys, name, data, message):
    good = tmp_path / "good.txt"
    good.write_text("Un texte correct.", "utf-8")
    bad = tmp_path / name
    bad.write_bytes(data)
    db = tmp_path / "s.db"
    code, out, err = run(capsys, "--db", str(db), "ingest", str(good), str(bad))
    assert code == 1
    assert err.count("\n") == 1 and message in err and "Traceback" not in err
    assert not db.exists() or Store(db).is_empty()


def test_missing_file(tmp_path, capsys):
    code, _, err = run(capsys, "--db", str(tmp_path / "s.db"), "ingest", str(tmp_path / "missing.txt"))
    assert code == 1 and "missing.txt: no such file or folder" in err


def test_commands_needing_a_store_say_so(tmp_path, capsys):
    for argv in (["stats"], ["export"], ["import", "x.jsonl"]):
        code, _, err = run(capsys, "--db", str(tmp_path / "none.db"), *argv)
        assert code == 1 and "no such store" in err
    assert not (tmp_path / "none.db").exists()


def test_usage_errors_exit_2(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["export", "--seed", "abc"])
    assert exc.value.code == 2


def test_stats(tmp_path, capsys):
    db = tmp_path / "s.db"
    run(capsys, "--db", str(db), "ingest", str(ROOT / "seeds"))
    with Store(db) as s:
        row = s.next_unannotated("alice")
        s.record(row.sid, "alice", SentenceLabels(mode="reporting", claim="factual"))
    code, out, _ = run(capsys, "--db", str(db), "stats")
    assert code == 0 and "documents   5 (4 story clusters)" in out and "alice" in out and "done 1" in out
    code, out, _ = run(capsys, "--db", str(db), "stats", "--json")
    data = orjson.loads(out)
    assert data["annotators"]["alice"]["done"] == 1 and data["blocks"]["teaser"] == 12


def test_schema_check_on_the_project(capsys):
    code, out, _ = run(capsys, "schema", "--check", "--dir", str(ROOT / "schemas"))
    assert code == 0, "schemas/ is stale: run `annotator schema`"


def test_schema_check_detects_stale(tmp_path, capsys):
    run(capsys, "schema", "--dir", str(tmp_path))
    assert run(capsys, "schema", "--check", "--dir", str(tmp_path))[0] == 0
    (tmp_path / "span.schema.json").write_text("{}", "utf-8")
    code, _, err = run(capsys, "schema", "--check", "--dir", str(tmp_path))
    assert code == 1 and "span.schema.json" in err


def test_console_script_runs_without_traceback(tmp_path):
    exe = Path(sys.executable).with_name("annotator")
    result = subprocess.run(
        [str(exe), "--db", str(tmp_path / "s.db"), "ingest", str(tmp_path / "nope")],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 1
    assert result.stderr.strip() == f"annotator: {tmp_path / 'nope'}: no such file or folder"
