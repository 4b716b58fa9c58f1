"""A Hugging Face `datasets` folder: one JSON-lines file per split and a dataset card (README.md)
whose metadata declares the features, so `load_dataset(folder)` gives ClassLabel columns for
block type, mode, claim and quote type in a fixed, versioned order."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

import orjson

from annotator.files import StagedFile
from annotator.model import SCHEMA_VERSION, ExportRecord, Manifest, Span
from annotator.scheme import BLOCK_TYPES, CLAIMS, DEFINITIONS, MODES, QUOTE_TYPES
from annotator.store import Store

# Version of the class orders below: bump it when an order changes, never reorder silently.
LABEL_ORDER_VERSION = 1
CLASSES: dict[str, tuple[str, ...]] = {
    "block_type": BLOCK_TYPES,
    "mode": MODES,
    "claim": CLAIMS,
    "quote_type": QUOTE_TYPES,
}
HF_SPLIT = {"train": "train", "dev": "validation", "test": "test"}
LICENCE = "other"  # until the corpus owner says (--licence): news text is rarely free to redistribute


def _code(field: str, value: str | None) -> int:
    """The class index of a value; -1 (the datasets convention for 'no label') when unset."""
    return -1 if value is None else CLASSES[field].index(value)


def _span(s: Span | None) -> dict | None:
    return None if s is None else {"start": s.start, "end": s.end, "text": s.text}


def row(r: ExportRecord) -> dict:
    labels = r.labels
    return {
        "id": r.id,
        "doc_id": r.doc_id,
        "cluster": r.cluster,
        "text": r.text,
        "block_type": _code(
            "block_type", labels.block_type or r.block_type
        ),  # the annotator's, else the rules'
        "lang": r.lang,
        "mode": _code("mode", labels.mode),
        "claim": _code("claim", labels.claim),
        "quotes": [
            {
                "type": _code("quote_type", q.type),
                "content": [_span(s) for s in q.content],
                "cue": _span(q.cue),
                "source": _span(q.source),
                "speaker": q.speaker,
            }
            for q in labels.quotes
        ],
        "flags": list(labels.flags),
        "annotator": r.annotator,
        "origin": r.origin,
    }


def write(split: str, records: list[ExportRecord], stage: Callable[[str], StagedFile]) -> dict[str, Counter]:
    stage(f"{split}.jsonl").write(b"".join(orjson.dumps(row(r)) + b"\n" for r in records))
    return {}


def _class_label(names: tuple[str, ...]) -> dict:
    return {"class_label": {"names": {str(i): n for i, n in enumerate(names)}}}


SPAN_FEATURE = [
    {"name": "start", "dtype": "int32"},
    {"name": "end", "dtype": "int32"},
    {"name": "text", "dtype": "string"},
]
FEATURES = [
    {"name": "id", "dtype": "string"},
    {"name": "doc_id", "dtype": "string"},
    {"name": "cluster", "dtype": "string"},
    {"name": "text", "dtype": "string"},
    {"name": "block_type", "dtype": _class_label(CLASSES["block_type"])},
    {"name": "lang", "dtype": "string"},
    {"name": "mode", "dtype": _class_label(CLASSES["mode"])},
    {"name": "claim", "dtype": _class_label(CLASSES["claim"])},
    {
        "name": "quotes",
        "list": [
            {"name": "type", "dtype": _class_label(CLASSES["quote_type"])},
            {"name": "content", "list": SPAN_FEATURE},
            {"name": "cue", "struct": SPAN_FEATURE},
            {"name": "source", "struct": SPAN_FEATURE},
            {"name": "speaker", "dtype": "string"},
        ],
    },
    {"name": "flags", "list": "string"},
    {"name": "annotator", "dtype": "string"},
    {"name": "origin", "dtype": "string"},
]


def _num(x: float | None) -> str:
    return "—" if x is None else f"{x:.3f}"


def card(manifest: Manifest, store: Store, licence: str = LICENCE) -> str:
    """README.md: metadata (as JSON, which is YAML) for `datasets`, then counts, label
    definitions, licence and agreement for people."""
    from annotator import agreement

    files = [n for n in manifest.files if n.endswith(".jsonl")]
    meta = {
        "license": licence,
        "language": ["fr"],
        "pretty_name": "French news: claims, quotes, commentary vs reporting",
        "configs": [
            {
                "config_name": "default",
                "data_files": [{"split": HF_SPLIT[n.removesuffix(".jsonl")], "path": n} for n in files],
            }
        ],
        "dataset_info": {"features": FEATURES},
    }
    agree = agreement.report(agreement.load(store))
    c = manifest.counts
    lines = [
        "---",
        orjson.dumps(meta).decode(),
        "---",
        "",
        "# French news: claims, quotes, commentary vs reporting",
        "",
        f"Exported by annotator {manifest.tool_version} on {manifest.created_at:%Y-%m-%d} "
        f"(record schema {SCHEMA_VERSION}, label order {LABEL_ORDER_VERSION}).",
        "",
        'Load it with `datasets.load_dataset("path/to/this/folder")`: the features above are applied.',
        "",
        "## Counts",
        "",
        "| | " + " | ".join(c.get("split", {"train": manifest.records})) + " |",
        "|---|" + "---|" * len(c.get("split", {"train": 0})),
        "| sentences | "
        + " | ".join(str(v) for v in c.get("split", {"train": manifest.records}).values())
        + " |",
        "",
    ]
    for field in ("mode", "claim", "block_type", "quotes", "annotator", "origin"):
        if field in c:
            lines.append(f"- {field}: " + ", ".join(f"{k} {v}" for k, v in c[field].items()))
    if manifest.split:
        lines.append(
            f"- splits {'/'.join(str(v) for v in manifest.split.values())} by {manifest.unit} "
            f"(seed {manifest.seed}): no {manifest.unit} is in two splits"
        )
    lines += ["", "## Labels", ""]
    for field in ("block_type", "mode", "claim", "quote_type"):
        lines.append(
            f"- `{field}`: " + ", ".join(f"{i} = {n}" for i, n in enumerate(CLASSES[field])) + "; -1 = unset"
        )
    lines += [f"- {k}: {v}" for k, v in DEFINITIONS.items()]
    lines += [
        "",
        "## Licence",
        "",
        f"`{licence}`"
        + (
            ": set it to the licence of the source articles before sharing (`--licence`)."
            if licence == LICENCE
            else "."
        ),
        "",
    ]
    lines += ["## Agreement", ""]
    if agree["sentences_compared"]:
        lines.append(
            f"{', '.join(agree['annotators'])} on {agree['sentences_compared']} sentences finished by two or more:"
        )
        for field, f in agree["labels"].items():
            lines.append(
                f"- {field}: Krippendorff's alpha {_num(f['alpha'])}, mean Cohen's kappa {_num(f['mean_kappa'])}"
            )
        q = agree["quotes"]["overall"]
        lines.append(
            f"- quote content F1 {_num(q['content_overlap']['f1'])} (overlap ≥ 0.5), "
            f"{_num(q['content_exact']['f1'])} (exact); cue {_num(q['cue']['f1'])}; source {_num(q['source']['f1'])}"
        )
    else:
        lines.append("No sentence was labelled by two annotators.")
    return "\n".join(lines) + "\n"


def extra_files(manifest: Manifest, store: Store, licence: str | None) -> dict[str, bytes]:
    """The dataset card, made from the manifest."""
    return {"README.md": card(manifest, store, licence or LICENCE).encode()}
