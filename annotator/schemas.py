"""JSON Schemas of every record type, generated from annotator/model.py into schemas/."""

from __future__ import annotations

from pathlib import Path

import orjson

from annotator.model import SCHEMAS


def render() -> dict[str, bytes]:
    """File name -> schema bytes, deterministic (sorted keys, two-space indent)."""
    return {
        f"{name}.schema.json": orjson.dumps(
            model.model_json_schema(), option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS
        )
        + b"\n"
        for name, model in SCHEMAS.items()
    }


def write_schemas(folder: Path) -> list[str]:
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in render().items():
        (folder / name).write_bytes(data)
    return list(render())


def check_schemas(folder: Path) -> list[str]:
    """Names of schema files that are missing or differ from the models."""
    stale = []
    for name, data in render().items():
        path = folder / name
        if not path.exists() or path.read_bytes() != data:
            stale.append(name)
    return stale
