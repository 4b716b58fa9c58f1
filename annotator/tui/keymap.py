"""The user's settings file (TOML): key remapping under [keymap] (`binding-id = "keys"`, applied
with App.set_keymap) and labelling settings under [labelling]."""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from annotator.errors import UserError
from annotator.tui import bindings

DEFAULT_PATH = Path("~/.config/annotator/keys.toml")


@dataclass(frozen=True)
class Config:
    keymap: dict[str, str] = field(default_factory=dict)
    # A label key that fills the last empty label, when the annotator set every other one by hand
    # on this visit, also finishes the sentence and moves on (LabelSession.set_label).
    auto_advance: bool = True


def keymap_path(explicit: Path | None) -> Path | None:
    """--keymap, else $ANNOTATOR_KEYMAP, else ~/.config/annotator/keys.toml when it exists."""
    if explicit is not None:
        return explicit
    env = os.environ.get("ANNOTATOR_KEYMAP")
    if env:
        return Path(env)
    default = DEFAULT_PATH.expanduser()
    return default if default.exists() else None


def load_config(path: Path | None) -> Config:
    """The settings of a file (the defaults without one); any mistake is one line naming it."""
    if path is None:
        return Config()
    try:
        data = tomllib.loads(path.read_text("utf-8"))
    except OSError as exc:
        raise UserError(f"{path}: cannot read ({exc.strerror})") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise UserError(f"{path}: {exc}") from None
    keymap = _keymap(path, data.get("keymap", {}))
    settings = data.get("labelling", {})
    if not isinstance(settings, dict):
        raise UserError(f"{path}: [labelling] must be a table of settings")
    for name in settings:
        if name != "auto_advance":
            raise UserError(f"{path}: unknown setting {name!r} in [labelling] (known: auto_advance)")
    auto_advance = settings.get("auto_advance", True)
    if not isinstance(auto_advance, bool):
        raise UserError(f"{path}: auto_advance must be true or false")
    return Config(keymap, auto_advance)


def _keymap(path: Path, table: object) -> dict[str, str]:
    if not isinstance(table, dict):
        raise UserError(f'{path}: [keymap] must be a table of binding-id = "keys"')
    known = {bindings.id_of(b) for b in bindings.remappable()}
    keymap: dict[str, str] = {}
    for binding_id, keys in table.items():
        if binding_id not in known:
            raise UserError(f"{path}: unknown binding id {binding_id!r} (see `annotator label --keys`)")
        if not isinstance(keys, str) or not keys.strip():
            raise UserError(f'{path}: {binding_id} must be a string of keys such as "f" or "f,ctrl+f"')
        keymap[binding_id] = keys.replace(" ", "")
    for screen, screen_bindings in bindings.SCREENS.items():
        taken: dict[str, str] = {}
        for b in screen_bindings:
            binding_id = bindings.id_of(b)
            for key in keymap.get(binding_id, b.key).split(","):
                if key in taken:
                    raise UserError(
                        f"{path}: {bindings.key_display(key)} is bound to both {taken[key]} and "
                        f"{binding_id} in the {screen}; give one of them another key"
                    )
                taken[key] = binding_id
    return keymap
