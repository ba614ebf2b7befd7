"""The one disclosure rule: every number staff or members are shown (poll results as text,
chart and CSV, audience previews, broadcast progress, member statistics) passes through here,
and no figure shown points at fewer than k people. k is the deployment's
``poll_min_cell_size`` (5 by default).

Three shapes of figure, one rule:

Bands (audience previews, broadcast progress)
    A count asked for with arbitrary filters can be differenced against another (London, then
    London and Madrid), so it is never shown exactly: 0 is 0, 1 to k-1 is "fewer than k", and
    anything larger is the band of k values it falls in ("40-44"). Two bands of width k can
    never pin a difference below k to one value.

Rows (a poll's option totals, the members counted by one attribute)
    The row's total is shown (it is at least k, else the whole row is withheld). A value from
    1 to k-1 is hidden, and more values are hidden (the smallest shown first) until every
    hidden one keeps at least two values consistent with the total: with s the total minus the
    shown values and h hidden values, each at least 1, that needs s >= h + 1. Zeros are shown:
    "nobody among at least k people" names no one.

Tables (a poll's breakdowns by consulate, country, member type, age band, gender, language)
    Published only when every option total of the poll is shown, so the column margins are
    public and each table stands alone. Then primary and complementary suppression as below.

A hidden figure is shown the same way whatever the reason it is hidden, everywhere (text, CSV,
chart): "hidden" for a cell, "fewer than k" only for a band.

Table suppression, in detail. A breakdown is a table: one row per group, one column per
option, each cell the number of respondents in the group who chose the option, plus each
row's respondents (the row margin). The option totals over the groups (column margins) and
the grand total are public: they are, or follow from, the poll's totals.

Primary suppression
    - every cell with 1 <= count < k;
    - every row whose respondents are fewer than k: all its cells *including zeros* and its
      margin. A zero in a small row is hidden because it says what the few people in that
      group did not answer, and with the other zeros can say what they all did answer.
      Only zeros of an option nobody chose are shown: the option total already says so.
    - zeros in rows of k or more respondents are shown: "nobody among at least k people"
      names no one. They are never picked as complementary cells either.

Complementary suppression (against differencing)
    The attacker knows every shown figure and that rows and columns add up to their margins
    (for polls allowing several answers this assumes more than is true, so the protection
    only errs on the safe side). Write the table with its margins as one (groups + 1) x
    (options + 1) table; then the hidden entries are the edges of a bipartite graph between
    its rows and columns, and every null direction of the linear equations is a cycle of that
    graph with alternating signs. A hidden entry is therefore recoverable exactly when it lies
    on no cycle; counts cannot go below zero, so a hidden zero can be walked in one direction
    only. The audit (``exposed_entries``) tests each hidden entry for a directed cycle through
    it in that mixed graph. Because the constraint matrix is totally unimodular, an entry not
    pinned to one value has at least two integer values consistent with everything shown.

    Repeat: find an exposed entry; hide the smallest non-zero shown entry in its row or
    column (ties: first row, then first column; margins of group rows may be chosen, the
    option totals never); if its row and column have none left, the smallest anywhere; if
    nothing is left to hide, withhold the whole breakdown. Every step hides one more entry,
    so it ends.

Across reports: poll results watched while a poll is open are published snapshots that change
only once at least k ballots changed (polls/results.py), so two consecutive reports differ
by at least k people.

Not covered: an attacker who knows the rule hides only values under k can bound hidden ones
by k - 1.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass

Entry = tuple[int, int]


@dataclass(frozen=True)
class CountTable:
    """Counts per group (rows) and option (columns), and respondents per group."""

    cells: tuple[tuple[int, ...], ...]
    row_totals: tuple[int, ...]

    @property
    def option_count(self) -> int:
        return len(self.cells[0]) if self.cells else 0


@dataclass(frozen=True)
class Protection:
    """Which entries to hide. Entries are (row, column); column ``option_count`` is the
    row margin. ``withheld`` means publish none of the table, not even its group names."""

    hidden: frozenset[Entry]
    withheld: bool


class _Extended:
    """The table with its margins: row ``groups`` holds option totals, column ``options``
    row totals. Signs turn every row and column of it into a sum equal to zero."""

    def __init__(self, table: CountTable) -> None:
        self.groups = len(table.cells)
        self.options = table.option_count
        self.values: dict[Entry, int] = {}
        for row, counts in enumerate(table.cells):
            for column, count in enumerate(counts):
                self.values[(row, column)] = count
            self.values[(row, self.options)] = table.row_totals[row]
        for column in range(self.options):
            self.values[(self.groups, column)] = sum(c[column] for c in table.cells)
        self.values[(self.groups, self.options)] = sum(table.row_totals)

    def sign(self, entry: Entry) -> int:
        in_total_row = entry[0] == self.groups
        in_margin_column = entry[1] == self.options
        return -1 if in_total_row != in_margin_column else 1

    def hideable(self) -> list[Entry]:
        """Entries complementary suppression may choose: group rows, non-zero."""
        return [e for e, v in self.values.items() if e[0] < self.groups and v > 0]


def primary_suppression(table: CountTable, k: int) -> set[Entry]:
    """Cells under k (not zero), and whole rows (zeros and margin too) under k, except
    cells of options nobody chose (public zeros)."""
    hidden: set[Entry] = set()
    options = table.option_count
    chosen = [column for column in range(options) if any(c[column] for c in table.cells)]
    for row, counts in enumerate(table.cells):
        if table.row_totals[row] < k:
            hidden.update((row, column) for column in [*chosen, options])
            continue
        hidden.update((row, column) for column, count in enumerate(counts) if 0 < count < k)
    return hidden


def exposed_entries(table: CountTable, hidden: set[Entry] | frozenset[Entry]) -> list[Entry]:
    """Hidden entries an attacker can work out exactly from the shown ones and the sums."""
    extended = _Extended(table)
    arcs = _arcs(extended, hidden)
    return [entry for entry in sorted(hidden) if not _on_cycle(entry, arcs)]


Node = tuple[str, int]
Arc = tuple[Node, Node, Entry]


def _arcs(extended: _Extended, hidden: set[Entry] | frozenset[Entry]) -> dict[Node, list[Arc]]:
    """Each hidden entry links its row and its column; a zero can move only one way."""
    arcs: dict[Node, list[Arc]] = {}
    for entry in hidden:
        row, column = ("r", entry[0]), ("c", entry[1])
        value = extended.values[entry]
        if value > 0 or extended.sign(entry) > 0:
            arcs.setdefault(row, []).append((row, column, entry))
        if value > 0 or extended.sign(entry) < 0:
            arcs.setdefault(column, []).append((column, row, entry))
    return arcs


def _on_cycle(entry: Entry, arcs: dict[Node, list[Arc]]) -> bool:
    """True if some directed cycle passes through one of ``entry``'s arcs."""
    own = [arc for node_arcs in arcs.values() for arc in node_arcs if arc[2] == entry]
    return any(_reachable(head, tail, entry, arcs) for tail, head, _ in own)


def _reachable(start: Node, goal: Node, avoid: Entry, arcs: dict[Node, list[Arc]]) -> bool:
    seen = {start}
    queue = deque([start])
    while queue:
        node = queue.popleft()
        if node == goal:
            return True
        for _, head, entry in arcs.get(node, ()):
            if entry != avoid and head not in seen:
                seen.add(head)
                queue.append(head)
    return False


def protect(table: CountTable, k: int) -> Protection:
    """Primary plus complementary suppression; withhold the table if it cannot be protected."""
    hidden = primary_suppression(table, k)
    if not hidden:
        return Protection(frozenset(), withheld=False)
    extended = _Extended(table)
    while exposed := exposed_entries(table, hidden):
        complement = _next_complement(extended, hidden, exposed[0])
        if complement is None:
            return Protection(frozenset(extended.values), withheld=True)
        hidden.add(complement)
    return Protection(frozenset(hidden), withheld=False)


def _next_complement(extended: _Extended, hidden: set[Entry], exposed: Entry) -> Entry | None:
    """The smallest shown non-zero entry in the exposed entry's row or column, else anywhere."""
    candidates = [e for e in extended.hideable() if e not in hidden]
    if not candidates:
        return None
    near = [e for e in candidates if e[0] == exposed[0] or e[1] == exposed[1]]
    return min(near or candidates, key=lambda e: (extended.values[e], e))


def masked(values: Sequence[int], hidden_columns: set[int]) -> tuple[int | None, ...]:
    """``values`` with the hidden positions replaced by None."""
    return tuple(None if i in hidden_columns else v for i, v in enumerate(values))


# --- bands ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Band:
    """A count shown as the range it lies in: ``low`` to ``high``, both included."""

    low: int
    high: int

    @property
    def exact(self) -> bool:
        return self.low == self.high


# --- the rule ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Disclosure:
    """The rule with the deployment's k."""

    k: int

    def band(self, count: int) -> Band:
        """0, "fewer than k" (1 to k-1), or the band of k values the count falls in."""
        if count <= 0:
            return Band(0, 0)
        if count < self.k:
            return Band(1, self.k - 1)
        low = count - count % self.k
        return Band(low, low + self.k - 1)

    def enough(self, count: int) -> bool:
        """Whether ``count`` people are enough to show figures about them at all."""
        return count >= self.k

    def row(
        self, values: Sequence[int], total: int, *, adds_up: bool = True
    ) -> tuple[int | None, ...] | None:
        """``values`` with hidden ones None, or None when the whole row is withheld (its total
        is under k, or it cannot be protected). ``adds_up``: the values add up to the total
        (one answer each); when several answers are allowed they do not, and a hidden value
        cannot be worked out from the total, so only primary suppression applies."""
        if not self.enough(total):
            return None
        hidden = {i for i, value in enumerate(values) if 0 < value < self.k}
        while adds_up and hidden and not _row_safe(values, total, hidden):
            shown = [i for i, value in enumerate(values) if value > 0 and i not in hidden]
            if not shown:
                return None
            hidden.add(min(shown, key=lambda i: (values[i], i)))
        return masked(values, hidden)

    def table(self, table: CountTable) -> Protection:
        """Primary and complementary suppression of one breakdown (see the docstring)."""
        return protect(table, self.k)


def _row_safe(values: Sequence[int], total: int, hidden: set[int]) -> bool:
    """Every hidden value keeps two or more values consistent with the total: the hidden sum
    s is known, each hidden value is at least 1, so each lies in 1..s-(h-1)."""
    remainder = total - sum(value for i, value in enumerate(values) if i not in hidden)
    return len(hidden) >= 2 and remainder >= len(hidden) + 1
