"""What differs between the two database engines, in one place.

SQLite is the embedded default; PostgreSQL is chosen with BOT_DATABASE_URL (bot/storage/
database.py opens either). Repositories write portable SQL with ``?`` placeholders; where the
engines truly differ (row locking, id lists, JSON), they take the fragment from the database's
``dialect`` instead of testing the engine's name themselves.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Dialect:
    """The SQL fragments one engine needs."""

    name: str
    #: Appended to a SELECT that claims rows for this process: rows another transaction holds
    #: are passed over instead of waited for. SQLite has one writer at a time, so nothing.
    skip_locked: str


SQLITE = Dialect(name="sqlite", skip_locked="")
POSTGRESQL = Dialect(name="postgresql", skip_locked=" FOR UPDATE SKIP LOCKED")
