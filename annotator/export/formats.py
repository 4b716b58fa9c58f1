"""`annotator export --format`: the registry of export formats.

`jsonl` is the canonical export (annotator/export/jsonl.py). The others are files that training
code loads as is (Hugging Face `datasets`, spaCy `DocBin`, CoNLL IOB); each is a module with
`write(split, records, stage)` (and, for a format with more files than its splits, `extra_files`),
imported only when used (spaCy is heavy). Every format reads the same validated records, split
the same way, and is published the same way (a draft folder swapped with the old one).
"""

from __future__ import annotations

import importlib
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, cast

from annotator.errors import UserError
from annotator.scheme import SPLITS

# The registry is read to build the command line (--format's choices): the export machinery
# (pydantic, the store) is imported when an export runs.
if TYPE_CHECKING:
    from annotator.export.records import Selection
    from annotator.files import StagedFile
    from annotator.model import ExportRecord, Manifest
    from annotator.store import Store


class Writer(Protocol):
    """A format's module. It may also define `extra_files(manifest, store, licence) -> {name:
    bytes}`: files made from the manifest (the hf dataset card)."""

    def write(
        self, split: str, records: list[ExportRecord], stage: Callable[[str], StagedFile]
    ) -> dict[str, Counter]:
        """Stage the files of one split; returns its own count tables (snapped spans, say) for the manifest."""
        ...


@dataclass(frozen=True, slots=True)
class Format:
    help: str
    module: str | None  # the writer module; None: the canonical JSONL export
    needs: str | None = None  # a package of an extra (`pip install 'annotator[needs]'`)


FORMATS: dict[str, Format] = {
    "jsonl": Format("canonical records", None),
    "hf": Format("Hugging Face datasets folder", "annotator.export.hf"),
    "spacy": Format("spaCy DocBin", "annotator.export.docbin", needs="spacy"),
    "iob": Format("CoNLL tags", "annotator.export.iob"),
}


def export(
    store: Store,
    out: Path,
    fmt: str,
    selection: Selection | None = None,
    licence: str | None = None,
) -> Manifest:
    """Write `fmt` files of the selected records into `out` (`licence`: the hf card's licence id)."""
    from annotator.export.atomic import drafting
    from annotator.export.jsonl import export_jsonl
    from annotator.export.records import (
        Selection,
        count_records,
        count_tables,
        finish,
        make_manifest,
        records,
    )

    selection = selection or Selection()
    known = FORMATS.get(fmt)
    if known is None:
        raise UserError(f"--format {fmt!r}: expected {', '.join(FORMATS)}")
    if known.needs is not None:  # before anything is read or made
        try:
            importlib.import_module(known.needs)
        except ImportError:
            raise UserError(
                f"--format {fmt} needs {known.needs}, which is not installed: pip install 'annotator[{known.needs}]'"
            ) from None
    if known.module is None:
        return export_jsonl(store, out, selection)
    writer = cast(Writer, importlib.import_module(known.module))
    plan = selection.plan(store)
    by_split: dict[str, list[ExportRecord]] = defaultdict(list)
    counts: Counter = Counter()
    for r in records(store, selection, plan):
        by_split[r.split or "train"].append(r)  # unsplit: one training split
    total = 0
    for part in by_split.values():
        count_records(counts, part)
        total += len(part)
    with drafting(out) as draft:
        extra: dict[str, Counter] = defaultdict(Counter)
        for split in SPLITS if plan else ("train",):
            for table, c in writer.write(split, by_split.get(split, []), draft.stage).items():
                extra[table].update(c)
        for f in draft.files.values():
            f.finish()
        tables = count_tables(counts)
        tables.update({k: dict(sorted(v.items())) for k, v in extra.items()})
        manifest = make_manifest(store, selection, plan, draft.hashes(), total, tables, fmt)
        extra_files = getattr(writer, "extra_files", None)
        if extra_files is not None:
            for name, body in extra_files(manifest, store, licence).items():
                draft.stage_bytes(name, body)
            manifest = manifest.model_copy(update={"files": draft.hashes()})
        finish(store, draft, manifest)
        return manifest
