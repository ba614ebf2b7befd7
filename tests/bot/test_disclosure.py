"""Suppression: every small cell hidden, and no hidden cell recoverable by differencing.

Two attackers, independent of the module's own audit: linear algebra over the rows and
columns with their totals (any table size), and an exhaustive search of all non-negative
integer tables agreeing with what is shown (small tables).
"""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.disclosure import Band, CountTable, Disclosure, Entry, exposed_entries, protect
from tests.auxil.attacker import consistent_values

K = 5


def table_of(rows: list[list[int]]) -> CountTable:
    return CountTable(tuple(tuple(r) for r in rows), tuple(sum(r) for r in rows))


def entries(table: CountTable) -> dict[Entry, int]:
    """Group cells and row totals (column ``option_count``): what may be shown or hidden."""
    values: dict[Entry, int] = {}
    for row, counts in enumerate(table.cells):
        for column, count in enumerate(counts):
            values[(row, column)] = count
        values[(row, table.option_count)] = table.row_totals[row]
    return values


def linearly_recoverable(table: CountTable, hidden: frozenset[Entry]) -> set[Entry]:
    """Hidden entries fixed by the equations (rows, columns, totals public) alone."""
    unknowns = sorted(hidden)
    if not unknowns:
        return set()
    options = table.option_count
    groups = len(table.cells)
    equations = []
    for row in range(groups):  # cells of a row add up to its total
        equations.append(
            [
                1 if e[0] == row and e[1] < options else -1 if e == (row, options) else 0
                for e in unknowns
            ]
        )
    for column in range(options + 1):  # a column adds up to its public total
        equations.append([1 if e[1] == column else 0 for e in unknowns])
    matrix = np.array(equations, dtype=float)
    _, singular, vt = np.linalg.svd(matrix)
    rank = int((singular > 1e-9).sum())
    null_space = vt[rank:]
    return {e for i, e in enumerate(unknowns) if np.all(np.abs(null_space[:, i]) < 1e-9)}


def values_consistent_with_shown(
    table: CountTable, hidden: frozenset[Entry]
) -> dict[Entry, set[int]]:
    """Every value each hidden entry takes in some non-negative table matching what is shown
    (the attacker of tests/auxil/attacker.py, given the published view of ``table``)."""
    options = table.option_count
    cells = [
        [None if (row, column) in hidden else value for column, value in enumerate(counts)]
        for row, counts in enumerate(table.cells)
    ]
    margins = [
        None if (row, options) in hidden else total for row, total in enumerate(table.row_totals)
    ]
    column_totals = [sum(r[c] for r in table.cells) for c in range(options)]
    return consistent_values(cells, margins, column_totals, sum(table.row_totals))


def shown_cells_respect_k(table: CountTable, hidden: frozenset[Entry]) -> bool:
    """Shown: zeros and counts of k or more in groups of k or more, zeros of unchosen options."""
    for (row, column), value in entries(table).items():
        if (row, column) in hidden:
            continue
        if column < table.option_count and not any(r[column] for r in table.cells):
            continue
        if table.row_totals[row] < K or 0 < value < K:
            return False
    return True


small_tables = st.integers(2, 3).flatmap(
    lambda options: st.lists(
        st.lists(st.integers(0, 6), min_size=options, max_size=options).filter(any),
        min_size=2,
        max_size=3,
    )
)
large_tables = st.integers(2, 6).flatmap(
    lambda options: st.lists(
        st.lists(
            st.one_of(st.integers(0, 6), st.integers(0, 80)), min_size=options, max_size=options
        ).filter(any),
        min_size=1,
        max_size=10,
    )
)


@settings(max_examples=300)
@given(large_tables)
def test_no_small_cell_is_shown_and_nothing_hidden_is_linearly_recoverable(
    rows: list[list[int]],
) -> None:
    table = table_of(rows)
    protection = protect(table, K)
    if protection.withheld:
        return  # nothing of the table is published, not even its groups
    assert shown_cells_respect_k(table, protection.hidden)
    assert linearly_recoverable(table, protection.hidden) == set()
    assert exposed_entries(table, protection.hidden) == []


@settings(max_examples=120)
@given(small_tables)
def test_the_differencing_attack_fails_on_every_hidden_cell(rows: list[list[int]]) -> None:
    table = table_of(rows)
    protection = protect(table, K)
    if protection.withheld:
        return
    possible = values_consistent_with_shown(table, protection.hidden)
    for entry, values in possible.items():
        assert len(values) > 1, f"{entry} can only be {values} in {rows}"


def test_a_single_small_cell_gets_a_complement_in_its_row_and_column() -> None:
    table = table_of([[20, 3, 30], [25, 12, 40], [30, 9, 50]])
    protection = protect(table, K)
    assert (0, 1) in protection.hidden
    assert not protection.withheld
    # Alone, (0, 1) = row total - 20 - 30: at least one more in its row and in its column.
    assert len([e for e in protection.hidden if e[0] == 0]) >= 2
    assert len([e for e in protection.hidden if e[1] == 1]) >= 2
    assert linearly_recoverable(table, protection.hidden) == set()


def test_a_small_group_is_hidden_with_its_zeros() -> None:
    table = table_of([[3, 0, 0], [6, 5, 7], [8, 6, 5]])
    protection = protect(table, K)
    assert {(0, 0), (0, 1), (0, 2), (0, 3)} <= protection.hidden


def test_zeros_of_an_option_nobody_chose_are_shown_even_in_small_groups() -> None:
    table = table_of([[3, 0], [20, 0], [30, 0]])
    protection = protect(table, K)
    assert (0, 1) not in protection.hidden and (0, 0) in protection.hidden
    assert values_consistent_with_shown(table, protection.hidden)  # searched without error
    assert linearly_recoverable(table, protection.hidden) == set()


def test_zeros_in_large_groups_are_shown() -> None:
    table = table_of([[0, 10, 20], [0, 25, 12]])
    assert protect(table, K).hidden == frozenset()


def test_a_hidden_zero_pinned_by_non_negativity_is_caught_by_the_audit() -> None:
    # Row 0 is small: its cells and total are hidden. Hiding only (1, 0) with it leaves
    # a 2x2 cycle, but (0, 1) = 0 cannot go down and (1, 1) is shown: the audit must see it.
    table = table_of([[3, 0], [20, 30]])
    hidden = frozenset({(0, 0), (0, 1), (0, 2), (1, 0), (1, 2)})
    assert (0, 1) in exposed_entries(table, hidden)


def test_a_table_that_cannot_be_protected_is_withheld() -> None:
    # One group: its cells are the option totals, which are public.
    assert protect(table_of([[3, 40]]), K).withheld


# --- bands and rows -----------------------------------------------------------------------------

RULE = Disclosure(K)


@given(st.integers(min_value=0, max_value=10_000))
def test_a_band_never_shows_a_count_under_k_and_always_holds_the_count(count: int) -> None:
    band = RULE.band(count)
    assert band.low <= count <= band.high
    assert band.exact == (count == 0)
    if 0 < count < K:
        assert band == Band(1, K - 1)
    else:
        assert band.high - band.low in (0, K - 1)


@given(st.integers(0, 500), st.integers(0, 500))
def test_two_bands_never_pin_a_difference_under_k(smaller: int, extra: int) -> None:
    """London, then London and Madrid: Madrid's count keeps two values or more."""
    if not 0 < extra < K:
        return
    a, b = RULE.band(smaller), RULE.band(smaller + extra)
    possible = {
        y - x for x in range(a.low, a.high + 1) for y in range(b.low, b.high + 1) if 0 < y - x < K
    }
    assert len(possible) >= 2


@given(st.lists(st.integers(0, 40), min_size=1, max_size=12))
def test_a_protected_row_keeps_two_values_for_every_hidden_one(values: list[int]) -> None:
    total = sum(values)
    shown = RULE.row(values, total)
    if total < K:
        assert shown is None
        return
    if shown is None:
        return  # withheld whole
    hidden = [i for i, v in enumerate(shown) if v is None]
    assert all(values[i] == v for i, v in enumerate(shown) if v is not None)
    assert all(v == 0 or v >= K for v in shown if v is not None)
    if hidden:
        remainder = total - sum(v for v in shown if v is not None)
        # every hidden value is at least 1 (zeros are shown): each lies in 1..remainder-(h-1)
        assert remainder - (len(hidden) - 1) >= 2


def test_a_row_under_k_is_withheld_whole() -> None:
    assert RULE.row([1, 2, 1], 4) is None
    assert RULE.row([3, 0, 9], 12) == (None, 0, None)  # 3 alone would follow from 12 - 9
    assert RULE.row([6, 0, 9], 15) == (6, 0, 9)
    assert RULE.row([3, 9, 8], 20, adds_up=False) == (None, 9, 8)
