"""Where a store lives: an SQLite file (a path, or `sqlite:///path`) or a PostgreSQL database
(`postgresql://user@host:5432/dbname`).

A PostgreSQL password comes from the URL, `PGPASSWORD` or `~/.pgpass`, as libpq has it; it is
never shown (`shown` masks it).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from annotator.errors import UserError

_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*)://")
_POSTGRES = {"postgresql", "postgres", "postgresql+psycopg"}


@dataclass(frozen=True)
class Location:
    """An SQLite file (`path`) or a PostgreSQL database (`url`)."""

    path: Path | None = None
    url: str | None = None

    @property
    def is_postgres(self) -> bool:
        return self.url is not None

    @property
    def backend(self) -> str:
        return "PostgreSQL" if self.is_postgres else "SQLite"

    def shown(self) -> str:
        """The location as a message names it (a URL without its password)."""
        if self.url is None:
            from annotator.corpus.text import shown

            return shown(self.path)
        from sqlalchemy.engine import make_url

        return make_url(self.url).set(drivername="postgresql").render_as_string(hide_password=True)

    def title(self) -> str:
        """The location as a title names it: the file's name, or the URL as shown."""
        return self.path.name if self.path is not None else self.shown()

    def sqlalchemy_url(self) -> str:
        """The URL an SQLAlchemy engine opens a PostgreSQL store by (psycopg 3)."""
        assert self.url is not None, "an SQLite store is opened by its path"
        from sqlalchemy.engine import make_url

        return make_url(self.url).set(drivername="postgresql+psycopg").render_as_string(hide_password=False)


def parse(value: str | Path) -> Location:
    """A `--db` value: a path, `sqlite:///path` (`sqlite:////abs/path`) or a PostgreSQL URL."""
    if isinstance(value, Path):
        return Location(path=value)
    found = _SCHEME.match(value)
    if not found:
        return Location(path=Path(value))
    scheme = found.group(1).lower()
    if scheme == "sqlite":
        rest = value[len("sqlite://") :]
        if not rest.startswith("/") or rest == "/":
            raise UserError(
                f"{value}: an SQLite URL names a file: sqlite:///relative/path or sqlite:////absolute/path"
            )
        return Location(path=Path(rest[1:]))
    if scheme in _POSTGRES:
        from sqlalchemy.engine import make_url
        from sqlalchemy.exc import ArgumentError

        try:
            url = make_url(value)
        except (ArgumentError, ValueError) as exc:
            raise UserError(f"{value}: not a PostgreSQL URL ({exc})") from None
        if not url.database:
            raise UserError(
                f"{Location(url=value).shown()}: name the database: postgresql://user@host:5432/dbname"
            )
        return Location(url=value)
    raise UserError(f"{value}: a store is a file path, sqlite:///path or postgresql://user@host/dbname")
