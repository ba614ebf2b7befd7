"""Quick polls: counting answers, protected results, the results chart and the CSV export.

No telegram import here: handlers turn updates into ``PollCounter`` calls and results into
messages, translating every word through gettext.
"""

from bot.polls.counting import AnswerResult, Outcome, PollCounter
from bot.polls.results import (
    Breakdown,
    BreakdownRow,
    Dimension,
    OptionResult,
    PollResults,
    PollResultsService,
    Tally,
)

__all__ = [
    "AnswerResult",
    "Breakdown",
    "BreakdownRow",
    "Dimension",
    "OptionResult",
    "Outcome",
    "PollCounter",
    "PollResults",
    "PollResultsService",
    "Tally",
]
