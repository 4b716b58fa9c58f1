"""SQL over JSON where SQLite and PostgreSQL have no common spelling: the few functions the store
needs, in each backend's own words. Everything else the store asks is one SQL text for both
(`->>` on a labels column, `json_array_length(x -> 'quotes')`, named parameters).

Labels columns are TEXT on SQLite and `json` on PostgreSQL (store/tables.py); other JSON the
store keeps (an import's staged `derived_from`) is text on both, and PostgreSQL reads it as
JSON by a cast. SQLITE's spellings of the tallies' fields are the ones stored in every SQLite
store's triggers: they stay as they are written here.
"""

from __future__ import annotations


class Sqlite:
    differs = "IS NOT"  # null-safe inequality (SQLite 3.39's IS DISTINCT FROM is not everywhere)

    @staticmethod
    def field(labels: str, name: str) -> str:
        """A top-level field of a labels column, as text."""
        return f"{labels} ->> '$.{name}'"

    @staticmethod
    def length(labels: str, name: str) -> str:
        """The length of a top-level array of a labels column."""
        return f"json_array_length({labels}, '$.{name}')"

    @staticmethod
    def each(labels: str, name: str) -> str:
        """A table of the elements of a top-level array of a labels column (column `value`)."""
        return f"json_each({labels}, '$.{name}')"

    @staticmethod
    def text_value(value: str) -> str:
        """The text of a string element of `each`."""
        return value

    @staticmethod
    def boolean(condition: str) -> str:
        """A condition as the integer a column holds."""
        return condition

    @staticmethod
    def list_length(text: str) -> str:
        """The length of a JSON array kept as text."""
        return f"json_array_length({text})"

    @staticmethod
    def list_items(text: str) -> str:
        """A table of the items of a JSON array kept as text, as text (column `value`)."""
        return f"json_each({text})"

    @staticmethod
    def as_text(labels: str) -> str:
        """A labels column as its text (to compare it, or keep it as a string)."""
        return labels

    @staticmethod
    def object(*pairs: str) -> str:
        """A JSON object of alternating key literals and values."""
        return f"json_object({', '.join(pairs)})"

    @staticmethod
    def as_labels(text: str) -> str:
        """JSON text as a labels column holds it."""
        return text


class Postgres(Sqlite):
    differs = "IS DISTINCT FROM"

    @staticmethod
    def field(labels: str, name: str) -> str:
        return f"{labels} ->> '{name}'"

    @staticmethod
    def length(labels: str, name: str) -> str:
        return f"json_array_length({labels} -> '{name}')"

    @staticmethod
    def each(labels: str, name: str) -> str:
        return f"json_array_elements({labels} -> '{name}')"

    @staticmethod
    def text_value(value: str) -> str:
        return f"{value} #>> '{{}}'"  # the string itself, not its JSON

    @staticmethod
    def boolean(condition: str) -> str:
        return f"CASE WHEN {condition} THEN 1 ELSE 0 END"

    @staticmethod
    def list_length(text: str) -> str:
        return f"json_array_length(CAST({text} AS json))"

    @staticmethod
    def list_items(text: str) -> str:
        return f"json_array_elements_text(CAST({text} AS json))"

    @staticmethod
    def as_text(labels: str) -> str:
        return f"CAST({labels} AS TEXT)"

    @staticmethod
    def object(*pairs: str) -> str:
        return f"json_build_object({', '.join(pairs)})"

    @staticmethod
    def as_labels(text: str) -> str:
        return f"CAST({text} AS json)"


def spelling(on_server: bool) -> type[Sqlite]:
    return Postgres if on_server else Sqlite
