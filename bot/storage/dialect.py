"""What differs between the two database engines, in one place.

SQLite is the embedded default; PostgreSQL is chosen with BOT_DATABASE_URL (bot/storage/
database.py opens either). Repositories and migrations are written once, in portable SQL with
``?`` placeholders. A PostgreSQL database turns them into its own SQL here:

- statements: ``?`` becomes ``%s`` (and a literal ``%`` is doubled) outside quoted text;
- migrations: SQLite's types become PostgreSQL's (INTEGER is 64-bit there too, REAL double
  precision, BLOB bytea) and ``INTEGER PRIMARY KEY`` an identity column, as SQLite's rowid
  alias is one; a migration that cannot be said portably has a hand-written twin in
  ``migrations/postgresql/`` (triggers, JSON editing).

Where the engines differ in what a query can say (locking rows, a list of ids as one
parameter, reading a JSON array), repositories take the fragment from the database's
``dialect`` instead of testing the engine's name themselves.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from functools import lru_cache


class Dialect:
    """SQLite's SQL, which is what repositories and migrations are written in."""

    name = "sqlite"
    #: Appended to a SELECT that claims rows for this process: rows another transaction holds
    #: are passed over instead of waited for. SQLite has one writer at a time: nothing.
    skip_locked = ""
    #: Appended to a SELECT that reads a row another transaction must not change until this
    #: one ends (a lease checked before claiming). SQLite's one writer already ensures it.
    share_lock = ""
    #: Case-insensitive LIKE (SQLite's LIKE already is, for ASCII).
    like = "LIKE"
    #: Run first in each migration's transaction, so processes starting at once apply each
    #: migration once. SQLite's BEGIN IMMEDIATE already admits one writer.
    migration_lock = ""
    #: The names of the bot's tables (and the migrations' own).
    tables_query = (
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
    )

    #: The columns of the table given as the parameter, in order.
    columns_query = "SELECT name FROM pragma_table_info(?)"
    #: (table, column) of every foreign key to the table given as the parameter.
    referencing_columns_query = (
        'SELECT m.name, f."from" FROM sqlite_master AS m, pragma_foreign_key_list(m.name) AS f'
        " WHERE m.type = 'table' AND f.\"table\" = ? ORDER BY m.name"
    )

    def columns_named_query(self, count: int) -> str:
        """(table, column) of every column named one of ``count`` parameters."""
        return (
            "SELECT m.name, c.name FROM sqlite_master AS m, pragma_table_info(m.name) AS c"
            f" WHERE m.type = 'table' AND c.name IN ({', '.join('?' * count)})"
            " ORDER BY m.name, c.name"
        )

    def indexed_by(self, index: str) -> str:
        """After a table in FROM: read it through ``index`` (SQLite's planner can pick a worse
        one for the breakdown counts; PostgreSQL's chooses by its statistics)."""
        return f" INDEXED BY {index}"

    def not_indexed(self) -> str:
        """After a table in FROM: scan it in rowid order without an index."""
        return " NOT INDEXED"

    def statement(self, sql: str, has_parameters: bool) -> str:
        """``sql`` as this engine runs it."""
        return sql

    def migration(self, sql: str) -> str:
        """A portable migration script as this engine runs it."""
        return sql

    def id_list(self, ids: Sequence[int]) -> str:
        """One parameter holding a list of ids, read by :meth:`ids_in`."""
        return json.dumps(list(ids))

    def ids_in(self) -> str:
        """The subquery ``(SELECT ...)`` yielding the ids of an :meth:`id_list` parameter,
        for ``WHERE id IN <this>``."""
        return "(SELECT value FROM json_each(?))"

    def last_json_item(self, column: str) -> str:
        """The last item of the JSON array in ``column`` (a conversation key's user id)."""
        return f"json_extract({column}, '$[#-1]')"

    def json_list(self, column: str, key: str) -> tuple[str, str]:
        """For the JSON object in ``column``: the length of its list ``key`` (NULL when
        absent), and a ``FROM`` item with one row per entry, the entry as ``c.value``."""
        return (
            f"json_array_length({column}, '$.{key}')",
            f"json_each({column}, '$.{key}') AS c",
        )

    def json_array_integers(self, table: str, column: str) -> str:
        """A query of every integer in the JSON arrays of ``table.column``."""
        return (
            f"SELECT value FROM {table}, json_each({table}.{column})"
            f" WHERE json_valid({table}.{column}) AND json_each.type = 'integer'"
        )

    def json_object_of(self, key: str, value: str) -> str:
        """An aggregate: the JSON text of an object from the rows' ``key`` and ``value``
        (``{}`` for no rows)."""
        return f"json_group_object({key}, {value})"

    def json_rows(self, values: str) -> str:
        """An aggregate: the query's rows as one JSON text ``[[v1, v2...], ...]`` (one value
        to fetch instead of a row object per row)."""
        return f"json_group_array(json_array({values}))"

    def json_array_rows(self) -> str:
        """``FROM`` this: one row per item of the JSON array parameter, the item as ``value``,
        its fields read with :meth:`json_item`."""
        return "json_each(?)"

    def json_item(self, index: int, sql_type: str) -> str:
        """Item ``index`` of ``value`` (a row of :meth:`json_array_rows`), as ``sql_type``."""
        return f"json_extract(value, '$[{index}]')"


class PostgresDialect(Dialect):
    """PostgreSQL's differences from SQLite's SQL."""

    name = "postgresql"
    skip_locked = " FOR UPDATE SKIP LOCKED"
    tables_query = (
        "SELECT table_name FROM information_schema.tables"
        " WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'"
    )

    columns_query = (
        "SELECT column_name::text FROM information_schema.columns"
        " WHERE table_schema = current_schema() AND table_name = ? ORDER BY ordinal_position"
    )
    referencing_columns_query = (
        "SELECT c.conrelid::regclass::text, a.attname::text FROM pg_constraint AS c"
        " JOIN pg_attribute AS a ON a.attrelid = c.conrelid AND a.attnum = ANY (c.conkey)"
        " WHERE c.contype = 'f' AND c.confrelid = ?::regclass ORDER BY 1"
    )

    def columns_named_query(self, count: int) -> str:
        return (
            "SELECT table_name::text, column_name::text FROM information_schema.columns"
            f" WHERE table_schema = current_schema() AND column_name IN ({', '.join('?' * count)})"
            " ORDER BY 1, 2"
        )

    like = "ILIKE"
    share_lock = " FOR SHARE"
    migration_lock = "SELECT pg_advisory_xact_lock(1414)"  # any number the bot alone uses

    def indexed_by(self, index: str) -> str:
        return ""

    def not_indexed(self) -> str:
        return ""

    def statement(self, sql: str, has_parameters: bool) -> str:
        return _placeholders(sql) if has_parameters else sql

    def migration(self, sql: str) -> str:
        return _postgres_ddl(sql)

    def ids_in(self) -> str:
        return "(SELECT value::bigint FROM json_array_elements_text(?::json))"

    def last_json_item(self, column: str) -> str:
        return f"(({column})::jsonb ->> -1)::bigint"

    def json_list(self, column: str, key: str) -> tuple[str, str]:
        items = f"(({column})::json -> '{key}')"
        return f"json_array_length({items})", f"json_array_elements_text({items}) AS c(value)"

    def json_array_integers(self, table: str, column: str) -> str:
        return (
            f"SELECT (item #>> '{{}}')::bigint FROM {table},"
            f" jsonb_array_elements(({table}.{column})::jsonb) AS e(item)"
            " WHERE jsonb_typeof(item) = 'number'"
        )

    def json_object_of(self, key: str, value: str) -> str:
        return f"coalesce(json_object_agg({key}, {value}), '{{}}')::text"

    def json_rows(self, values: str) -> str:
        return f"coalesce(json_agg(json_build_array({values})), '[]')::text"

    def json_array_rows(self) -> str:
        return "json_array_elements(?::json) AS value"

    def json_item(self, index: int, sql_type: str) -> str:
        return f"(value ->> {index})::{_POSTGRES_TYPES[sql_type]}"


#: PostgreSQL's names for the types the portable SQL uses.
_POSTGRES_TYPES = {"INTEGER": "bigint", "REAL": "double precision", "TEXT": "text"}

SQLITE = Dialect()
POSTGRESQL = PostgresDialect()

_DDL_RULES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern, re.IGNORECASE), replacement)
    for pattern, replacement in (
        (r"\bINTEGER\s+PRIMARY\s+KEY\b", "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY"),
        (r"\bINTEGER\b", "BIGINT"),
        (r"\bREAL\b", "DOUBLE PRECISION"),
        (r"\bBLOB\b", "BYTEA"),
        (r"\)\s*WITHOUT\s+ROWID", ")"),
    )
)


@lru_cache(maxsize=4096)
def _placeholders(sql: str) -> str:
    """``?`` to ``%s`` and ``%`` to ``%%``, except inside quoted text and identifiers."""
    out: list[str] = []
    quote = ""
    for char in sql:
        if quote:
            if char == quote:
                quote = ""
            out.append("%%" if char == "%" else char)
        elif char in "'\"":
            quote = char
            out.append(char)
        elif char == "?":
            out.append("%s")
        elif char == "%":
            out.append("%%")
        else:
            out.append(char)
    return "".join(out)


def _postgres_ddl(sql: str) -> str:
    """Portable DDL with PostgreSQL's types. A primary key given explicitly (a Telegram id)
    stays writable: the identity is BY DEFAULT."""
    for pattern, replacement in _DDL_RULES:
        sql = pattern.sub(replacement, sql)
    return sql
