import errno
import hashlib
import os
from pathlib import Path

import orjson
import pytest

from annotator.cli import main
from annotator.errors import UserError
from annotator.export import atomic
from annotator.export.importer import import_file
from annotator.export.jsonl import export_jsonl
from annotator.export.records import Selection
from annotator.ingest import ingest_paths
from annotator.model import ExportRecord, Quote, SentenceLabels, Span
from annotator.store import Store
from tests.conftest import SEEDS


@pytest.fixture
def store(seeds_db, on_backend) -> Store:
    """The seeds on either backend: export and import are one contract on both."""
    return on_backend(seeds_db)


def label_some(store: Store, annotator: str, n: int) -> list[int]:
    sids = []
    row = store.next_unannotated(annotator)
    for i in range(n):
        text = row.text
        quotes = []
        if ", a annoncé " in text:
            cut = text.index(", a annoncé")
            cue = text.index("a annoncé")
            quotes = [
                Quote(
                    type="mixed",
                    content=[Span(start=0, end=cut, text=text[:cut])],
                    cue=Span(start=cue, end=cue + 9, text="a annoncé"),
                    speaker="ministère",
                )
            ]
        labels = SentenceLabels(
            mode="reporting" if i % 3 else "commentary",
            claim="factual",
            quotes=quotes,
            flags=["uncertain"] if i % 5 == 0 else [],
            note="à revoir" if i == 2 else None,
        )
        status = "skipped" if i % 7 == 6 else "done"
        store.record(row.sid, annotator, labels, status=status)
        sids.append(row.sid)
        row = store.next_unannotated(annotator, row.sid)
    return sids


def lines(path: Path) -> list[dict]:
    return [orjson.loads(x) for x in path.read_bytes().splitlines()]


def test_export_records_and_manifest(store, tmp_path):
    label_some(store, "alice", 20)
    out = tmp_path / "out"
    manifest = export_jsonl(store, out)
    records = lines(out / "annotations.jsonl")
    assert len(records) == manifest.records == 18  # 2 of 20 were skipped
    assert manifest.counts["status"] == {"done": 18, "skipped_not_exported": 2}
    assert manifest.counts["annotator"] == {"alice": 18}
    for r in records:
        ExportRecord.model_validate(r)
        assert r["status"] == "done" and r["split"] is None
    data = (out / "annotations.jsonl").read_bytes()
    assert manifest.files == {"annotations.jsonl": hashlib.sha256(data).hexdigest()}
    on_disk = orjson.loads((out / "manifest.json").read_bytes())
    assert on_disk["files"] == manifest.files and on_disk["schema_version"] == 4
    assert not [p for p in out.iterdir() if p.name.startswith(".")]  # no temporary files left


def test_export_all_includes_unfinished(store, tmp_path):
    label_some(store, "alice", 5)
    manifest = export_jsonl(store, tmp_path / "out", Selection(include_all=True))
    records = lines(tmp_path / "out" / "annotations.jsonl")
    assert manifest.records == len(records) == 122
    assert {r["status"] for r in records} == {"done", "todo"}
    todo = [r for r in records if r["status"] == "todo"]
    assert all(r["annotator"] is None and r["labels"]["quotes"] == [] for r in todo)
    assert {r["block_type"] for r in records} >= {"teaser", "boilerplate"}


def test_split_by_cluster_never_leaks_a_story(store, tmp_path):
    sids = []
    for row in store.sentences():
        store.record(row.sid, "alice", SentenceLabels(mode="reporting", claim="none"))
        sids.append(row.sid)
    for seed in range(12):
        manifest = export_jsonl(
            store, tmp_path / str(seed), Selection(split="60/20/20", seed=seed, resplit=True)
        )
        assert set(manifest.files) == {"train.jsonl", "dev.jsonl", "test.jsonl"}
        split_of_cluster: dict[str, set[str]] = {}
        for name in manifest.files:
            for r in lines(tmp_path / str(seed) / name):
                assert r["split"] == name.removesuffix(".jsonl")
                split_of_cluster.setdefault(r["cluster"], set()).add(r["split"])
        assert all(len(s) == 1 for s in split_of_cluster.values())
        assert sum(manifest.counts["split"].values()) == manifest.records == len(sids)
    # the same seed gives the same files
    again = export_jsonl(store, tmp_path / "again", Selection(split="60/20/20", seed=3, resplit=True))
    assert again.files == orjson.loads((tmp_path / "3" / "manifest.json").read_bytes())["files"]


def test_bad_split_spec(store, tmp_path):
    with pytest.raises(UserError, match="add up to 90"):
        export_jsonl(store, tmp_path, Selection(split="80/5/5"))
    with pytest.raises(UserError, match="three whole percentages"):
        export_jsonl(store, tmp_path, Selection(split="80/20"))


def test_round_trip_is_the_identity(store, tmp_path):
    label_some(store, "alice", 25)
    label_some(store, "bob", 10)
    export_jsonl(store, tmp_path / "a")
    with Store(tmp_path / "fresh.db") as fresh:
        ingest_paths(fresh, [SEEDS])
        report = import_file(fresh, tmp_path / "a" / "annotations.jsonl")
        assert report.changed == report.records
        export_jsonl(fresh, tmp_path / "b")
        assert (tmp_path / "a" / "annotations.jsonl").read_bytes() == (
            tmp_path / "b" / "annotations.jsonl"
        ).read_bytes()
        again = import_file(fresh, tmp_path / "a" / "annotations.jsonl")
        assert again.changed == 0


def test_version_1_records_still_import(store, tmp_path):
    """Records written before schema 2 (no labels.block_type, no derived_from) import as they were."""
    label_some(store, "alice", 6)
    export_jsonl(store, tmp_path / "a")
    old = []
    for line in (tmp_path / "a" / "annotations.jsonl").read_bytes().splitlines():
        r = orjson.loads(line)
        del r["derived_from"], r["labels"]["block_type"]
        old.append(orjson.dumps(dict(r, schema_version=1)))
    (tmp_path / "v1.jsonl").write_bytes(b"\n".join(old) + b"\n")
    with Store(tmp_path / "fresh.db") as fresh:
        ingest_paths(fresh, [SEEDS])
        assert import_file(fresh, tmp_path / "v1.jsonl").changed == 6
        export_jsonl(fresh, tmp_path / "b")
    assert (tmp_path / "b" / "annotations.jsonl").read_bytes() == (
        tmp_path / "a" / "annotations.jsonl"
    ).read_bytes()


def test_export_per_annotator(store, tmp_path):
    label_some(store, "alice", 4)
    label_some(store, "bob", 3)
    manifest = export_jsonl(store, tmp_path / "out", Selection(annotator="bob"))
    assert manifest.counts["annotator"] == {"bob": 3}


def _exported(store, tmp_path) -> Path:
    label_some(store, "alice", 8)
    export_jsonl(store, tmp_path / "e")
    return tmp_path / "e" / "annotations.jsonl"


def test_import_reports_every_bad_line_and_imports_nothing(store, tmp_path):
    path = _exported(store, tmp_path)
    good = path.read_bytes().splitlines()
    r = orjson.loads(good[1])
    wrong_span = dict(
        r,
        labels=dict(
            r["labels"], quotes=[{"type": "direct", "content": [{"start": 0, "end": 3, "text": "zzz"}]}]
        ),
    )
    bad = [
        good[0],
        good[1][: len(good[1]) // 2],  # truncated
        orjson.dumps(dict(r, surprise=True)),
        orjson.dumps(dict(r, start="zero")),
        orjson.dumps(wrong_span),
        orjson.dumps(dict(r, doc_sha256="f" * 64)),
        orjson.dumps(dict(r, schema_version=9)),
        orjson.dumps(dict(r, doc_id="unknown", id="unknown:" + r["id"].split(":")[1])),
        good[0],  # the same decision twice
    ]
    target = tmp_path / "bad.jsonl"
    target.write_bytes(b"\n".join(bad) + b"\n")
    with Store(tmp_path / "fresh.db") as fresh:
        ingest_paths(fresh, [SEEDS])
        with pytest.raises(UserError) as err:
            import_file(fresh, target)
        message = str(err.value).splitlines()
        assert [m.split(":")[1] for m in message[:-1]] == ["2", "3", "4", "5", "6", "7", "8", "9"]
        assert "not valid JSON" in message[0]
        assert "Extra inputs are not permitted" in message[1]
        assert "start" in message[2]
        assert "quote 1 content" in message[3]
        assert "sha256" in message[4]
        assert "schema_version 9 is newer" in message[5]
        assert "no sentence unknown:" in message[6]
        assert "already given on line 1" in message[7]
        assert message[-1].endswith("nothing imported (8 bad lines)")
        assert fresh.counts()["annotators"] == {}


def test_import_cli_exit_code(store, tmp_path, capsys):
    path = _exported(store, tmp_path)
    broken = tmp_path / "broken.jsonl"
    broken.write_bytes(path.read_bytes()[:-20])
    code = main(["--db", store.location, "import", str(broken)])
    err = capsys.readouterr().err
    assert code == 1 and f"broken.jsonl:{len(path.read_bytes().splitlines())}: not valid JSON" in err


def test_interrupted_export_keeps_the_previous_one(store, tmp_path, monkeypatch):
    label_some(store, "alice", 10)
    out = tmp_path / "out"
    export_jsonl(store, out)
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    label_some(store, "bob", 5)

    def full_disk(self, data):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(atomic.StagedFile, "write", full_disk)
    with pytest.raises(UserError, match="No space left on device"):
        export_jsonl(store, out)
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before  # old export intact, no temp file


def _folder(path: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in path.iterdir()}


def test_an_export_interrupted_before_its_swap_leaves_the_old_one_whole(store, tmp_path, monkeypatch):
    label_some(store, "alice", 3)
    out = tmp_path / "out"
    export_jsonl(store, out, Selection(split="60/20/20"))
    before = _folder(out)
    label_some(store, "bob", 3)
    real_commit = atomic.StagedFile.commit

    def commit(self):
        if self.target.name == "manifest.json":
            raise KeyboardInterrupt  # killed with every data file of the new export in place
        real_commit(self)

    monkeypatch.setattr(atomic.StagedFile, "commit", commit)
    with pytest.raises(KeyboardInterrupt):
        export_jsonl(store, out, Selection(split="60/20/20"))
    assert _folder(out) == before
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no draft left


def test_the_swap_without_an_exchange_call_is_repaired_after_a_kill(store, tmp_path, monkeypatch):
    """Where the file system cannot exchange two folders, the folder is renamed aside and the
    draft into place; a kill between the two leaves no folder, and the next export puts the
    previous one back before it starts."""
    label_some(store, "alice", 3)
    out = tmp_path / "out"
    export_jsonl(store, out)
    before = _folder(out)
    monkeypatch.setattr(atomic.ctypes, "CDLL", lambda *a, **k: object())  # no renameat2
    real_rename = os.rename

    def rename(src, dst):
        real_rename(src, dst)
        if str(dst).endswith(".previous"):
            raise KeyboardInterrupt  # killed with the old export aside

    monkeypatch.setattr(atomic.os, "rename", rename)
    with pytest.raises(KeyboardInterrupt):
        export_jsonl(store, out)
    assert not out.exists()
    monkeypatch.setattr(atomic.os, "rename", real_rename)
    atomic._restore_interrupted_swap(out)
    assert _folder(out) == before
    label_some(store, "bob", 2)
    manifest = export_jsonl(store, out)  # the fallback path, to the end
    assert manifest.records == 5 and sorted(_folder(out)) == ["annotations.jsonl", "manifest.json"]
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_an_export_never_touches_a_file_it_did_not_write(store, tmp_path, monkeypatch):
    label_some(store, "alice", 3)
    out = tmp_path / "project"
    out.mkdir()
    (out / "README.md").write_text("the user's own", "utf-8")
    for fmt in ("jsonl", "hf"):  # hf writes a README.md of its own
        code = main(["--db", store.location, "export", "--format", fmt, "--out", str(out)])
        assert code == 1
    assert _folder(out) == {"README.md": b"the user's own"}
    # a planted manifest naming the user's file does not make it the export's
    (out / "manifest.json").write_text('{"files": {"README.md": "' + "0" * 64 + '"}}', "utf-8")
    with pytest.raises(UserError, match="README.md: changed since the export that wrote it"):
        export_jsonl(store, out)
    assert (out / "README.md").read_text("utf-8") == "the user's own"
    # an export's own file edited since is kept too
    export_jsonl(store, tmp_path / "e")
    (tmp_path / "e" / "annotations.jsonl").write_text("edited\n", "utf-8")
    with pytest.raises(UserError, match="annotations.jsonl: changed since"):
        export_jsonl(store, tmp_path / "e")
    # the current directory is never the export folder (it is replaced whole)
    monkeypatch.chdir(tmp_path / "e")
    assert main(["--db", store.location, "export", "--out", "."]) == 1
    assert (tmp_path / "e" / "annotations.jsonl").read_text("utf-8") == "edited\n"


def test_lines_are_exactly_what_pydantic_serialises(store, tmp_path):
    """The store builds record JSON itself; it must equal the model's own serialisation."""
    row = store.next_unannotated("alice")
    odd = 'tab\t, escape \x1b[31m, [bold], quote " back\\slash, emoji 😀, \u2028, nbsp\u00a0«»'
    store.record(
        row.sid,
        "alice",
        SentenceLabels(mode="commentary", claim="none", note=odd, flags=["mt_noise", "uncertain"]),
    )
    label_some(store, "bob", 12)
    export_jsonl(store, tmp_path / "a", Selection(include_all=True))
    export_jsonl(store, tmp_path / "b", Selection(split="50/25/25", seed=2))
    for path in [tmp_path / "a" / "annotations.jsonl", *(tmp_path / "b").glob("*.jsonl")]:
        for line in path.read_bytes().splitlines():
            model = ExportRecord.model_validate_json(line)
            assert ExportRecord.__pydantic_serializer__.to_json(model) == line


def test_parallel_export_equals_serial(store, tmp_path, monkeypatch):
    from annotator.export import jsonl

    label_some(store, "alice", 30)
    serial = export_jsonl(store, tmp_path / "serial", Selection(split="70/15/15"))
    monkeypatch.setattr(jsonl, "_PARALLEL_FROM", 0)
    monkeypatch.setattr(jsonl, "_CHUNK", 7)
    parallel = export_jsonl(store, tmp_path / "parallel", Selection(split="70/15/15"))
    assert parallel.files == serial.files and parallel.counts == serial.counts


def test_invalid_stored_record_stops_the_export(store, tmp_path):

    label_some(store, "alice", 3)
    out = tmp_path / "out"
    export_jsonl(store, out)
    before = _folder(out)
    with store.write() as db:  # a row damaged behind the store's back
        db.execute(
            'UPDATE labels SET labels = \'{"mode": "opinion"}\' WHERE sid = (SELECT min(sid) FROM labels)'
        )
    with pytest.raises(UserError, match="fails validation at labels.mode"):
        export_jsonl(store, out)
    assert _folder(out) == before


def test_export_of_nothing_labelled(store, tmp_path, capsys):
    out = tmp_path / "out"
    code = main(["--db", store.location, "export", "--out", str(out)])
    assert code == 0 and "0 records" in capsys.readouterr().out
    manifest = orjson.loads((out / "manifest.json").read_bytes())
    assert manifest["records"] == 0 and manifest["counts"]["status"] == {"skipped_not_exported": 0}
    assert (out / "annotations.jsonl").read_bytes() == b""


def _lines(path: Path) -> list[dict]:
    return [orjson.loads(line) for line in path.read_bytes().splitlines()]


def _write(path: Path, records: list[dict]) -> Path:
    path.write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in records))
    return path


def test_an_older_export_never_silently_reverts_newer_decisions(store, tmp_path, capsys):
    sids = label_some(store, "alice", 3)
    export_jsonl(store, tmp_path / "old")
    old = tmp_path / "old" / "annotations.jsonl"
    store.record(sids[1], "alice", SentenceLabels(mode="commentary", claim="none"))  # later than the export
    code = main(["--db", store.location, "import", str(old)])
    err = capsys.readouterr().err
    line = next(n for n, r in enumerate(_lines(old), start=1) if r["id"] == store.sentence(sids[1]).id)
    assert code == 1 and f"{old}:{line}: the store holds a later decision by alice on " in err
    assert "--overwrite replaces it" in err and "nothing imported (1 bad lines)" in err
    assert store.labels(sids[1], "alice").labels.mode == "commentary"
    assert main(["--db", store.location, "import", "--overwrite", str(old)]) == 0
    assert store.labels(sids[1], "alice").labels.mode != "commentary"


def test_import_refuses_records_that_contradict_the_store(store, tmp_path):
    label_some(store, "alice", 2)
    export_jsonl(store, tmp_path / "e")
    good = _lines(tmp_path / "e" / "annotations.jsonl")
    cases = {
        "annotator is empty": {"annotator": " "},
        "contradicts the store: block_type 'caption'": {"block_type": "caption"},
        "contradicts the store: cluster 'elsewhere'": {"cluster": "elsewhere"},
        "contradicts the store: lang 'de'": {"lang": "de"},
        "contradicts the store: block 7": {"block": 7},
        "is named as another annotator's decision": {"origin": "adjudicated", "derived_from": None},
        "events [999999] are not another annotator's decision": {
            "origin": "adjudicated",
            "derived_from": [999999],
        },
    }
    for message, change in cases.items():
        bad = _write(tmp_path / "bad.jsonl", [good[0], {**good[1], **change}])
        with pytest.raises(UserError) as err:
            import_file(store, bad)
        assert "bad.jsonl:2: " in str(err.value) and message in str(err.value), message
        assert "nothing imported (1 bad lines)" in str(err.value)


def test_a_failed_split_export_freezes_nothing(store, tmp_path, monkeypatch):
    label_some(store, "alice", 10)

    def full_disk(self, data):
        raise OSError(errno.ENOSPC, "No space left on device")

    with monkeypatch.context() as m:
        m.setattr(atomic.StagedFile, "write", full_disk)
        with pytest.raises(UserError, match="No space left on device"):
            export_jsonl(store, tmp_path / "out", Selection(split="80/10/10", seed=3))
    assert store.frozen_splits() == (None, {})
    # a later export with another plan is not refused by a plan that never took effect
    manifest = export_jsonl(store, tmp_path / "out", Selection(split="50/25/25", seed=1))
    plan, assigned = store.frozen_splits()
    assert plan["percentages"] == {"train": 50, "dev": 25, "test": 25} and assigned
    assert manifest.split == {"train": 50, "dev": 25, "test": 25}


def _temporary_tables(store: Store) -> list:
    if store.on_server:
        return store.db.execute(
            "SELECT relname FROM pg_class WHERE relnamespace = pg_my_temp_schema()"
        ).fetchall()
    return store.db.execute("SELECT name FROM temp.sqlite_master").fetchall()


def test_an_import_stages_on_its_connection_and_leaves_nothing_behind(store, tmp_path):
    label_some(store, "alice", 4)
    export_jsonl(store, tmp_path / "e")
    records = _lines(tmp_path / "e" / "annotations.jsonl")
    with store.write() as db:
        db.execute("DELETE FROM labels")
    bad = _write(tmp_path / "bad.jsonl", [*records[:3], {**records[3], "lang": "de"}])
    with pytest.raises(UserError, match="bad.jsonl:4: "):
        import_file(store, bad)
    assert store.db.execute("SELECT count(*) FROM labels").fetchone() == (0,)
    assert _temporary_tables(store) == []
    assert not store.db.in_transaction
    good = _write(tmp_path / "good.jsonl", records)
    assert import_file(store, good).changed == 4
    assert _temporary_tables(store) == []
