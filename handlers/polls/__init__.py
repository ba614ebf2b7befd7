"""Quick polls, staff and member side: /poll creates (``/poll`` alone starts the staff
wizard), answers are counted, /results and /closepoll report and close, a job closes polls at
their closing time. Each concern is one module; ``register`` adds them all."""

from __future__ import annotations

from handlers.context import App
from handlers.polls import answers, closing, create, wizard
from handlers.polls import results as poll_results


def register(application: App) -> None:
    # The wizard first: it owns /poll without arguments in a private chat.
    wizard.register(application)
    create.register(application)
    poll_results.register(application)
    answers.register(application)
    closing.register(application)
