"""The polls feature's words: draft problems, dimension and group names, the results text.

Every template is translated first and formatted after, and every value is escaped for HTML.
"""

from __future__ import annotations

from bot.deployment import Deployment
from bot.i18n import Translator
from handlers.replies import esc
from polls import PollResults
from polls.drafting import Problem
from polls.service import PollReport
from polls.words import (
    DIMENSIONS,
    group_name,
    problem_words,
    published_words,
    rate_text,
    suppressed_note,
    too_few_answered,
)


def problem_text(tr: Translator, problem: Problem) -> str:
    """One problem with a poll, for an HTML message."""
    return esc(problem_words(tr, problem))


def hidden_text(tr: Translator) -> str:
    """How a hidden figure is written, whatever the reason it is hidden."""
    return tr.gettext("suppressed")


def figure(tr: Translator, value: int | None) -> str:
    return hidden_text(tr) if value is None else tr.format_number(value)


def totals_lines(tr: Translator, results: PollResults, labels: tuple[str, ...]) -> list[str]:
    """Respondents, response rate and one line per option; or why nothing is shown yet."""
    tally, k = results.tally, results.min_cell_size
    if tally.respondents is None:
        return [too_few_answered(tr, k)]
    lines = [tr.gettext("Respondents: %(count)s") % {"count": tr.format_number(tally.respondents)}]
    rate = tally.response_rate
    if rate is not None and tally.recipients is not None:
        lines.append(
            tr.ngettext(
                "Response rate: %(rate)s of %(recipients)s recipient",
                "Response rate: %(rate)s of %(recipients)s recipients",
                tr.band_count(tally.recipients),
            )
            % {"rate": rate_text(tr, rate), "recipients": tr.format_band(tally.recipients)}
        )
    for option in tally.options:
        share = "" if option.percent is None else f" ({tr.format_percent(option.percent / 100)})"
        lines.append(f"• {esc(labels[option.index])}: {figure(tr, option.votes)}{share}")
    return lines


def summary_text(tr: Translator, report: PollReport) -> str:
    """The question in bold (an isolate: "Saturdays?" keeps its question mark in Arabic), then
    the totals."""
    lines = [f"<b>{tr.isolate(esc(report.question))}</b>"]
    lines += totals_lines(tr, report.results, report.option_labels)
    return "\n".join(lines)


def breakdown_lines(
    tr: Translator, deployment: Deployment, results: PollResults, labels: tuple[str, ...]
) -> list[str]:
    """Every breakdown, hidden figures written as "suppressed" (as in the CSV export)."""
    if results.withheld:
        return []
    lines: list[str] = []
    for breakdown in results.breakdowns:
        lines.append("")
        lines.append(f"<b>{esc(tr.gettext(DIMENSIONS[breakdown.dimension]))}</b>")
        if breakdown.withheld:
            lines.append(tr.gettext("Withheld: too few respondents to show safely."))
            continue
        for row in breakdown.rows:
            name = esc(group_name(tr, deployment, breakdown.dimension, row.group))
            cells = ", ".join(
                f"{esc(labels[index])} {figure(tr, value)}"
                for index, value in enumerate(row.counts)
            )
            lines.append(f"• {name} ({figure(tr, row.respondents)}): {cells}")
    lines.append("")
    lines.append(suppressed_note(tr, results.min_cell_size))
    lines.append(published_words(tr, results))
    return lines
