"""CSV export of a poll's results: aggregates only.

Rows are option totals, the response figures and the protected breakdown cells. Nothing per
person is written: no member id, Telegram id, poll id or answer row. A hidden cell is written
as ``suppressed`` for primary and complementary cells alike: marking "<k" would misstate the
complementary ones (they may be large), and a distinct mark for each would tell an attacker
which hidden cells are small. A withheld breakdown is one ``withheld`` line without groups.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence

from bot.polls.results import PollResults

SUPPRESSED = "suppressed"
WITHHELD = "withheld"
NOT_GIVEN = "not_given"
HEADER = ("section", "dimension", "group", "option_index", "option", "count", "percent")


def _number(value: int | None) -> str:
    return SUPPRESSED if value is None else str(value)


def _percent(value: float | None) -> str:
    return "" if value is None else f"{value:.1f}"


def export_rows(
    results: PollResults, question: str, option_labels: Sequence[str]
) -> list[tuple[str, ...]]:
    """The CSV lines, header first."""
    tally = results.tally
    rate = None if tally.response_rate is None else 100 * tally.response_rate
    rows: list[tuple[str, ...]] = [HEADER]
    rows.append(("poll", "", "", "", question, str(tally.respondents), _percent(rate)))
    if tally.recipients is not None:
        rows.append(("recipients", "", "", "", "", str(tally.recipients), ""))
    for option in tally.options:
        label = option_labels[option.index]
        rows.append(
            ("total", "", "", str(option.index), label, str(option.votes), _percent(option.percent))
        )
    for breakdown in results.breakdowns:
        dimension = str(breakdown.dimension)
        if breakdown.withheld:
            rows.append(("breakdown", dimension, "", "", "", WITHHELD, ""))
            continue
        for row in breakdown.rows:
            group = row.group or NOT_GIVEN
            rows.append(("respondents", dimension, group, "", "", _number(row.respondents), ""))
            for index, count in enumerate(row.counts):
                rows.append(
                    (
                        "breakdown",
                        dimension,
                        group,
                        str(index),
                        option_labels[index],
                        _number(count),
                        "",
                    )
                )
    return rows


def export_csv(results: PollResults, question: str, option_labels: Sequence[str]) -> str:
    """The results as CSV text (UTF-8 when written; Arabic labels kept as they are)."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(export_rows(results, question, option_labels))
    return buffer.getvalue()
