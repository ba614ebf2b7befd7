"""Quick polls: drafting, counting answers, protected results, the results chart and the CSV
export. A poll reaches its audience through broadcasts/ (audience, outbox, engine), so this
package sits above it; the figures it publishes come from bot/disclosure.py.

No telegram import here: handlers turn updates into ``PollCounter`` calls and results into
messages, translating every word through gettext.
"""

from polls.counting import AnswerResult, Outcome, PollCounter
from polls.results import (
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
