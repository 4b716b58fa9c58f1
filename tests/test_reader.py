import pytest

from annotator.corpus.reader import read_inputs
from annotator.errors import UserError


def test_folders_are_walked_and_nested_ids_are_slugs(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "deep dir").mkdir()
    (tmp_path / "top.txt").write_text("Texte un.", "utf-8")
    (tmp_path / "a" / "deep dir" / "x.txt").write_text("Texte deux.", "utf-8")
    (tmp_path / "a" / "ignored.md").write_text("# not read", "utf-8")
    docs = read_inputs([tmp_path])
    assert sorted(d.doc_id for d in docs) == ["a--deep-dir--x", "top"]


def test_jsonl_records(tmp_path):
    f = tmp_path / "c.jsonl"
    f.write_text('{"id": "d1", "text": "Un.\\r\\nDeux."}\n\n{"id": "d2", "text": "Trois."}\n', "utf-8")
    docs = read_inputs([f])
    assert [(d.doc_id, d.text, d.path) for d in docs] == [
        ("d1", "Un.\nDeux.", f"{f}:1"),
        ("d2", "Trois.", f"{f}:3"),
    ]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('{"id": "a", "text": "ok"}\n{"id": "b", "text": \n', ":2: not valid JSON"),
        ('{"id": "a", "text": "ok"}\n["x"]\n', ':2: expected an object with string fields "id" and "text"'),
        ('{"id": "a b", "text": "ok"}\n', ':1: "id" must be non-empty and contain no whitespace'),
        ('{"id": "a", "text": "  "}\n', ':1: "text" is empty'),
    ],
)
def test_bad_jsonl_line_is_named(tmp_path, content, message):
    f = tmp_path / "c.jsonl"
    f.write_text(content, "utf-8")
    with pytest.raises(UserError) as err:
        read_inputs([f])
    assert str(err.value) == f"{f}{message}" or str(err.value).startswith(f"{f}{message}")


def test_missing_and_wrong_kind(tmp_path):
    with pytest.raises(UserError, match="no such file or folder"):
        read_inputs([tmp_path / "nope.txt"])
    (tmp_path / "x.pdf").write_bytes(b"%PDF")
    with pytest.raises(UserError, match="not a .txt or .jsonl file"):
        read_inputs([tmp_path / "x.pdf"])
    (tmp_path / "empty").mkdir()
    with pytest.raises(UserError, match="no readable .txt or .jsonl files"):
        read_inputs([tmp_path / "empty"])


def test_same_id_different_text_is_refused(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "a" / "x.txt").write_text("Un.", "utf-8")
    (tmp_path / "b" / "x.txt").write_text("Deux.", "utf-8")
    with pytest.raises(UserError, match="document id 'x' is also used by"):
        read_inputs([tmp_path / "a", tmp_path / "b"])


def test_symlink_loop_terminates(tmp_path):
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "t.txt").write_text("Un.", "utf-8")
    (tmp_path / "d" / "loop").symlink_to(tmp_path / "d")
    assert [d.doc_id for d in read_inputs([tmp_path / "d"])] == ["t"]


def test_a_jsonl_repeating_an_id_with_another_text_is_refused_naming_both_lines(tmp_path):
    f = tmp_path / "b.jsonl"
    f.write_text('{"id":"a","text":"Un."}\n{"id":"b","text":"Autre."}\n{"id":"a","text":"Deux."}\n', "utf-8")
    with pytest.raises(UserError) as err:
        read_inputs([f])
    assert str(err.value) == f"{f}:3: document id 'a' is also used by {f}:1 with another text"


def test_a_repeated_id_across_jsonl_files_names_both_lines(tmp_path):
    (tmp_path / "one.jsonl").write_text('{"id":"a","text":"Un."}\n', "utf-8")
    (tmp_path / "two.jsonl").write_text('{"id":"z","text":"Zut."}\n{"id":"a","text":"Deux."}\n', "utf-8")
    with pytest.raises(UserError, match=r"two.jsonl:2: document id 'a' is also used by .*one.jsonl:1"):
        read_inputs([tmp_path / "one.jsonl", tmp_path / "two.jsonl"])


def test_the_same_id_with_the_same_text_is_one_document(tmp_path):
    f = tmp_path / "b.jsonl"
    f.write_text('{"id":"a","text":"Un."}\n{"id":"a","text":"Un."}\n', "utf-8")
    (tmp_path / "a.txt").write_text("Un.", "utf-8")
    docs = read_inputs([f, tmp_path / "a.txt"])
    assert [(d.doc_id, d.path) for d in docs] == [("a", f"{f}:1")]
