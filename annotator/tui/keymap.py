"""User key remapping: a TOML file of `binding-id = "keys"` under [keymap], applied with App.set_keymap."""

from __future__ import annotations

import os
import tomllib
from pathlib import Path

from annotator.errors import UserError
from annotator.tui import bindings

DEFAULT_PATH = Path("~/.config/annotator/keys.toml")


def keymap_path(explicit: Path | None) -> Path | None:
    """--keymap, else $ANNOTATOR_KEYMAP, else ~/.config/annotator/keys.toml when it exists."""
    if explicit is not None:
        return explicit
    env = os.environ.get("ANNOTATOR_KEYMAP")
    if env:
        return Path(env)
    default = DEFAULT_PATH.expanduser()
    return default if default.exists() else None


def load_keymap(path: Path | None, known_ids: set[str] | None = None) -> dict[str, str]:
    """The remapped keys of a keymap file; `known_ids`: the binding ids it may name (default:
    every remappable binding)."""
    if path is None:
        return {}
    if known_ids is None:
        known_ids = {b.id for b in bindings.remappable() if b.id}
    try:
        data = tomllib.loads(path.read_text("utf-8"))
    except OSError as exc:
        raise UserError(f"{path}: cannot read ({exc.strerror})") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise UserError(f"{path}: {exc}") from None
    table = data.get("keymap", {})
    if not isinstance(table, dict):
        raise UserError(f'{path}: [keymap] must be a table of binding-id = "keys"')
    keymap: dict[str, str] = {}
    for binding_id, keys in table.items():
        if binding_id not in known_ids:
            raise UserError(f"{path}: unknown binding id {binding_id!r} (see `annotator label --keys`)")
        if not isinstance(keys, str) or not keys.strip():
            raise UserError(f'{path}: {binding_id} must be a string of keys such as "f" or "f,ctrl+f"')
        keymap[binding_id] = keys.replace(" ", "")
    return keymap
