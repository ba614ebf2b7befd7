"""An attacker who reads only what is published: a breakdown table with some figures hidden,
the option totals and the grand total. For each hidden figure, every value it can take in some
table of non-negative counts that agrees with everything shown (rows add up to their margins,
columns to the option totals, margins to the grand total).

Independent of bot/disclosure.py's own audit: an exhaustive search with pruning, for small
tables, that stops as soon as every hidden figure has two possible values.
"""

from __future__ import annotations

from collections.abc import Sequence

Entry = tuple[int, int]  # (row, column); column == options is the row's margin


def consistent_values(
    cells: Sequence[Sequence[int | None]],
    margins: Sequence[int | None],
    column_totals: Sequence[int],
    grand: int,
) -> dict[Entry, set[int]]:
    """The values each hidden entry (None) can take; stops early once all have two."""
    groups, options = len(cells), len(column_totals)
    trial: dict[Entry, int] = {}
    hidden: list[Entry] = []
    for row in range(groups):
        for column in range(options + 1):
            value = margins[row] if column == options else cells[row][column]
            if value is None:
                hidden.append((row, column))
            else:
                trial[(row, column)] = value
    seen: dict[Entry, set[int]] = {entry: set() for entry in hidden}
    free: list[Entry] = []  # hidden cells enumerated
    derived: list[Entry] = []  # hidden cells that follow from their row's shown margin
    for row in range(groups):
        row_cells = [(row, c) for c in range(options) if (row, c) in seen]
        if row_cells and margins[row] is not None:
            free.extend(row_cells[:-1])
            derived.append(row_cells[-1])
        else:
            free.extend(row_cells)
    pending = set(hidden)  # entries with no value yet: derived ones until the end

    def column_room(column: int) -> int:
        assigned = sum(
            trial.get((r, column), 0) for r in range(groups) if (r, column) not in pending
        )
        return column_totals[column] - assigned

    def record_if_consistent() -> None:
        for row, column in derived:
            trial[(row, column)] = trial[(row, options)] - sum(
                trial[(row, c)] for c in range(options) if c != column
            )
            if trial[(row, column)] < 0:
                return
        for row in range(groups):
            if margins[row] is None:
                trial[(row, options)] = sum(trial[(row, c)] for c in range(options))
        if any(
            sum(trial[(r, c)] for r in range(groups)) != column_totals[c] for c in range(options)
        ):
            return
        if sum(trial[(r, options)] for r in range(groups)) != grand:
            return
        for entry in hidden:
            seen[entry].add(trial[entry])

    def search(i: int) -> bool:
        if all(len(values) > 1 for values in seen.values()):
            return True  # the attacker is beaten everywhere already
        if i == len(free):
            record_if_consistent()
            return False
        entry = free[i]
        room = column_room(entry[1])
        pending.discard(entry)
        for value in range(max(room, -1) + 1):
            trial[entry] = value
            if search(i + 1):
                return True
        trial[entry] = 0
        pending.add(entry)
        return False

    for entry in free:
        trial[entry] = 0
    for entry in derived:
        trial[entry] = 0
    search(0)
    return seen


def row_values(shown: Sequence[int | None], total: int) -> dict[int, set[int]]:
    """One row that adds up to a shown total (a poll's option totals, respondents shown):
    the values each hidden one can take, zeros being always shown."""
    hidden = [i for i, value in enumerate(shown) if value is None]
    remainder = total - sum(value for value in shown if value is not None)
    if len(hidden) == 1:
        return {hidden[0]: {remainder}}  # the one hidden value is what the total leaves
    top = remainder - (len(hidden) - 1)
    return {i: set(range(1, top + 1)) if top >= 1 else set() for i in hidden}
