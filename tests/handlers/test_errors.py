"""The error handler's apology is in the member's language (issue 15, item 3): a French member
whose reply cannot be sent (Telegram's flood control outlasting every retry) or whose request
fails on our side is told so in French, though their Telegram app is in English."""

from __future__ import annotations

import pytest

from bot.sending_budget import SharedBudgetRateLimiter
from bot.services import Services
from handlers.context import App
from sandbox import SandboxClient
from tests.auxil.chat import ChatUser
from tests.auxil.members import add_member

APOLOGY = "Sorry, something went wrong on our side. Please try again in a minute."
# What the French catalogue says; written out, so that a missing translation fails too.
APOLOGY_FR = "Désolé, un problème est survenu de notre côté. Veuillez réessayer dans une minute."


async def french_member(client: SandboxClient, services: Services) -> ChatUser:
    """A member who chose French in the bot; their Telegram app is in English."""
    user = await ChatUser.create(client, "Amélie", "en")
    await add_member(services, user.id, language="fr", country="GB")
    return user


async def test_a_429_that_outlasts_the_retries_is_apologised_for_in_french(
    bot: App, client: SandboxClient, services: Services
) -> None:
    assert services.languages.translator("fr").gettext(APOLOGY) == APOLOGY_FR
    limiter = bot.bot.rate_limiter
    assert isinstance(limiter, SharedBudgetRateLimiter)
    user = await french_member(client, services)
    refusals = limiter.max_retries + 1  # the first try and every retry get a 429
    await client.set_faults(
        injections=[
            {
                "method": "sendMessage",
                "chat_id": user.id,
                "status": 429,
                "retry_after": 1,
                "count": refusals,
            }
        ]
    )
    (apology,) = await user.send("/help", timeout=refusals + 10)
    assert apology["text"] == APOLOGY_FR
    assert (await client.faults())["injections"] == []  # every 429 was drawn


async def test_a_failure_on_our_side_is_apologised_for_in_french(
    bot: App, client: SandboxClient, services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def broken(telegram_user_id: int) -> object:
        raise RuntimeError("the registration table is unreadable")

    user = await french_member(client, services)
    monkeypatch.setattr(services, "sending_corridor", broken)
    (apology,) = await user.send("/remit")
    assert apology["text"] == APOLOGY_FR
