"""Annotator names: what `--annotator`, the served screen's first question and a link bound to a
name all accept."""

from __future__ import annotations

import unicodedata

MAX_NAME = 64


def name_problem(name: str) -> str | None:
    """Why `name` cannot be an annotator's name, or None when it can: 1 to 64 characters, no
    control or invisible formatting character, no space at either end."""
    if not name:
        return "a name is needed"
    if len(name) > MAX_NAME:
        return f"a name has at most {MAX_NAME} characters"
    if name != name.strip():
        return "a name does not start or end with a space"
    if any(unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp") for c in name):
        return "a name has no control or invisible characters"
    return None
