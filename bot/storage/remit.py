"""SQL for "within a staff member's remit": a stored audience (JSON with a ``consulates`` list)
is within a remit when it names at least one consulate and none outside it. An audience that
names no consulate addresses every consulate, which only unlimited staff cover."""

from __future__ import annotations

from collections.abc import Collection

from bot.storage.dialect import Dialect


def audience_within(
    column: str, consulates: Collection[str] | None, dialect: Dialect
) -> tuple[str, tuple[str, ...]]:
    """A condition on the JSON ``column`` and its parameters; None means no limit."""
    if consulates is None:
        return "1 = 1", ()
    chosen = tuple(sorted(consulates))
    placeholders = ", ".join("?" * len(chosen))
    outside = f"c.value NOT IN ({placeholders})" if chosen else "1 = 1"
    length, items = dialect.json_list(column, "consulates")
    return (
        f"{length} > 0 AND NOT EXISTS (SELECT 1 FROM {items} WHERE {outside})",
        chosen,
    )
