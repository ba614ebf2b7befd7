"""CSV export of a poll's published results: aggregates only.

Rows are option totals, the response figures and the protected breakdown cells. Nothing per
person is written: no member id, Telegram id, poll id or answer row. A hidden cell is written
as ``suppressed`` for primary and complementary cells alike: marking "<k" would misstate the
complementary ones (they may be large), and a distinct mark for each would tell an attacker
which hidden cells are small. Results withheld because fewer than k answered are one ``poll``
line whose count is ``withheld``; a withheld breakdown is one ``withheld`` line without
groups. Recipients are a band ("40-44") and the response rate the range it allows.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence

from bot.disclosure import Band
from polls.results import PollResults

SUPPRESSED = "suppressed"
WITHHELD = "withheld"
NOT_GIVEN = "not_given"
HEADER = ("section", "dimension", "group", "option_index", "option", "count", "percent")


def _number(value: int | None) -> str:
    return SUPPRESSED if value is None else str(value)


def _band(band: Band) -> str:
    return str(band.low) if band.exact else f"{band.low}-{band.high}"


def _rate(rate: tuple[float, float] | None) -> str:
    if rate is None:
        return ""
    low, high = (f"{100 * value:.1f}" for value in rate)
    return low if low == high else f"{low}-{high}"


def _percent(value: float | None) -> str:
    return "" if value is None else f"{value:.1f}"


def export_rows(
    results: PollResults, question: str, option_labels: Sequence[str]
) -> list[tuple[str, ...]]:
    """The CSV lines, header first."""
    tally = results.tally
    rows: list[tuple[str, ...]] = [HEADER]
    if tally.respondents is None:
        rows.append(("poll", "", "", "", question, WITHHELD, ""))
        return rows
    rows.append(("poll", "", "", "", question, str(tally.respondents), _rate(tally.response_rate)))
    if tally.recipients is not None:
        rows.append(("recipients", "", "", "", "", _band(tally.recipients), ""))
    for option in tally.options:
        label = option_labels[option.index]
        rows.append(
            (
                "total",
                "",
                "",
                str(option.index),
                label,
                _number(option.votes),
                _percent(option.percent),
            )
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
