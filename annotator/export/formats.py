"""`annotator export --format`: the canonical JSONL, or files that training code loads as is
(Hugging Face `datasets`, spaCy `DocBin`, CoNLL IOB). Every format reads the same validated
records, split the same way, and is published the same way (staged, fsynced, manifest last)."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from pathlib import Path

from annotator.errors import UserError
from annotator.export.atomic import StagedFile, staging
from annotator.export.jsonl import (
    Selection,
    array_of,
    count_records,
    count_tables,
    export_jsonl,
    finish,
    make_folder,
    make_manifest,
    validated,
)
from annotator.model import ExportRecord, Manifest
from annotator.scheme import SPLITS
from annotator.store import Store

# A writer gets the records of one split and a way to stage files, and returns its own count
# tables (snapped spans, say) for the manifest.
Writer = Callable[[str, list[ExportRecord], Callable[[str], StagedFile]], dict[str, Counter]]


def records(store: Store, selection: Selection, plan: dict | None) -> Iterator[ExportRecord]:
    for rows in store.export_json(**selection.query(), split_unit=plan["unit"] if plan else None):
        yield from validated(array_of(rows))


def export(
    store: Store,
    out: Path,
    fmt: str,
    selection: Selection = Selection(),  # noqa: B008 - frozen
    licence: str | None = None,
) -> Manifest:
    """Write `fmt` files of the selected records into `out` (`licence`: the hf card's licence id)."""
    if fmt == "jsonl":
        return export_jsonl(store, out, selection)
    writer = _writer(fmt)
    plan = selection.plan(store)
    by_split: dict[str, list[ExportRecord]] = defaultdict(list)
    counts: Counter = Counter()
    for r in records(store, selection, plan):
        by_split[r.split or "train"].append(r)  # unsplit: one training split
    total = 0
    for part in by_split.values():
        count_records(counts, part)
        total += len(part)
    make_folder(out)
    with staging(out) as staged:

        def stage(name: str) -> StagedFile:
            staged[name] = StagedFile(out / name)
            return staged[name]

        extra: dict[str, Counter] = defaultdict(Counter)
        names = SPLITS if plan else ("train",)
        for split in names:
            for table, c in writer(split, by_split.get(split, []), stage).items():
                extra[table].update(c)
        for f in staged.values():
            f.finish()
        tables = count_tables(counts)
        tables.update({k: dict(sorted(v.items())) for k, v in extra.items()})
        manifest = make_manifest(store, selection, plan, staged, total, tables, fmt)
        if fmt == "hf":
            from annotator.export import hf

            card = hf.card(manifest, store, licence or hf.LICENCE)
            staged["README.md"] = StagedFile.of(out / "README.md", card.encode())
            manifest = manifest.model_copy(update={"files": {n: f.sha256 for n, f in staged.items()}})
        finish(out, staged, manifest)
        return manifest


def _writer(fmt: str) -> Writer:
    if fmt == "hf":
        from annotator.export.hf import write
    elif fmt == "spacy":
        from annotator.export.docbin import write
    elif fmt == "iob":
        from annotator.export.iob import write
    else:
        raise UserError(f"--format {fmt!r}: expected jsonl, hf, spacy or iob")
    return write
