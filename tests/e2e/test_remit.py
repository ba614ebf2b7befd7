"""/remit end to end through the sandbox: the ranked answer in the member's number format,
always with its source, period and exchange rate; bad amounts explained and asked again;
corridors without data; members without a corridor; the wait for an amount surviving a
restart. The ECB is an httpx.MockTransport (tests/auxil/ecb.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import date
from decimal import Decimal

import pytest
from babel import dates, numbers
from telegram.constants import MessageLimit

from bot.deployment import Deployment
from bot.i18n import RIGHT_TO_LEFT_MARK, Translator
from bot.remittance import (
    Advice,
    AverageBasis,
    CostBasis,
    PayoutMethod,
    RefreshOutcome,
    SdgBand,
    Speed,
    Transparency,
)
from bot.services import Services
from bot.settings import Settings
from handlers.context import App
from handlers.remit.labels import ADVICE
from sandbox import Sandbox, SandboxClient
from tests.auxil.chat import ChatUser, Message
from tests.auxil.ecb import RATE_DATE, RATES, OfflineEcb
from tests.auxil.members import add_member
from tests.auxil.running import RunningBot, start_bot

ATTRIBUTION = (
    "Source: World Bank, Remittance Prices Worldwide, Q3 2025 (CC BY 4.0), adapted by Finofin Ltd."
)
# GB -> PH in the shipped sample: (firm, fee GBP, FX margin %), both priced fee + margin.
GB_PH = [
    ("MoneyGram", Decimal("1.3267"), Decimal("0.46")),
    ("Xoom", Decimal("1.99"), Decimal("2.81")),
]
ENUM_CODES = {
    str(value)
    for enum in (Advice, AverageBasis, CostBasis, PayoutMethod, SdgBand, Speed, Transparency)
    for value in enum
    if "_" in str(value)
}


@pytest.fixture
async def services(settings: Settings, deployment: Deployment) -> AsyncIterator[Services]:
    """Services whose ECB is offline, with the rates of 30 September 2025 in the cache."""
    opened = await Services.open(settings, deployment, http_client=OfflineEcb().client())
    assert (await opened.refresh_rates()).outcome is RefreshOutcome.UPDATED
    yield opened
    await opened.close()


async def member(
    client: SandboxClient, services: Services, language: str, country: str, **kwargs: object
) -> ChatUser:
    user = await ChatUser.create(client, f"Sender {language} {country}", language)
    await add_member(services, user.id, language=language, country=country, **kwargs)  # type: ignore[arg-type]
    return user


def joined(messages: list[Message]) -> str:
    return "\n\n".join(m["text"] for m in messages)


def received(amount: Decimal, fee: Decimal, margin: Decimal) -> Decimal:
    return amount - (fee + amount * margin / 100)


def gbp_to_php() -> Decimal:
    return Decimal(RATES["PHP"]) / Decimal(RATES["GBP"])


def assert_fits(messages: list[Message]) -> None:
    assert all(len(m["text"]) <= MessageLimit.MAX_TEXT_LENGTH for m in messages)


async def test_portuguese_member_in_the_uk_gets_services_ranked_in_portuguese_formats(
    bot: App, client: SandboxClient, services: Services
) -> None:
    user = await member(client, services, "pt", "GB", consulate_id="london")
    (ask,) = await user.send("/remit")
    assert "GBP" in ask["text"]
    assert "1.234,50" in ask["text"]  # the example in the member's own number format
    assert "libra esterlina" in ask["text"].casefold()  # the currency named by babel in pt

    answer = await user.send("150")
    text = joined(answer)
    assert numbers.format_currency(150, "GBP", locale="pt") in text  # "£ 150,00"
    # Ranked by what the family receives: MoneyGram first, then Xoom, with pt amounts.
    amounts = [received(Decimal(150), fee, margin) for _, fee, margin in GB_PH]
    shown = [numbers.format_currency(a, "GBP", locale="pt") for a in amounts]
    assert text.index("1. MoneyGram") < text.index(shown[0]) < text.index("2. Xoom")
    assert text.index("2. Xoom") < text.index(shown[1])
    # What arrives in pesos, at the cached ECB cross rate, in pt format.
    assert numbers.format_currency(amounts[0] * gbp_to_php(), "PHP", locale="pt") in text
    # Fee and margin, and the cost as a share of the amount, formatted for pt.
    assert numbers.format_currency(Decimal("1.3267"), "GBP", locale="pt") in text
    assert numbers.format_percent(Decimal("0.0046"), "#,##0.##%", locale="pt") in text
    cost_share = (Decimal(150) - amounts[0]) / 150
    assert numbers.format_percent(cost_share, "#,##0.##%", locale="pt") in text
    # The corridor average (3.3305%, published) and the SDG targets.
    assert numbers.format_percent(Decimal("0.033305"), "#,##0.##%", locale="pt") in text
    assert "3%" in text and "5%" in text
    # Always: source, period, exchange rate with its source and date.
    assert ATTRIBUTION in text
    assert "T3 2025" in text  # the quarter as babel abbreviates it in Portuguese
    assert dates.format_date(RATE_DATE, "long", locale="pt") in text  # 30 de setembro de 2025
    assert not ENUM_CODES & set(text.replace(",", " ").replace(".", " ").split())
    assert_fits(answer)


async def test_english_member_types_an_amount_with_grouping(
    bot: App, client: SandboxClient, services: Services
) -> None:
    services.rates.today = lambda: date(2025, 10, 1)  # the cached rate is a day old: current
    user = await member(client, services, "en", "GB")
    await user.send("/remit")
    text = joined(await user.send("1,234.50"))
    assert "£1,234.50" in text
    money_gram = received(Decimal("1234.50"), GB_PH[0][1], GB_PH[0][2])
    assert numbers.format_currency(money_gram, "GBP", locale="en") in text
    assert "1 GBP = 77.7704 PHP" in text  # 67.913 / 0.87325, four decimals
    assert "September 30, 2025" in text
    tr = services.languages.translator("en")
    stale = tr.gettext("This is the latest rate we have, but it is several days old.")
    assert stale not in text
    assert ATTRIBUTION in text


async def test_amount_given_with_the_command(
    bot: App, client: SandboxClient, services: Services
) -> None:
    user = await member(client, services, "fr", "GB")
    text = joined(await user.send("/remit 150"))
    assert numbers.format_currency(150, "GBP", locale="fr") in text  # "150,00 £GB"
    assert "1. MoneyGram" in text and ATTRIBUTION in text
    tr = services.languages.translator("fr")
    # The rate is a year old by the real clock: said so, with its date.
    assert tr.gettext("This is the latest rate we have, but it is several days old.") in text
    assert dates.format_date(RATE_DATE, "long", locale="fr") in text


@pytest.mark.parametrize("language", ["en", "pt"])
async def test_bad_amounts_are_explained_and_asked_again(
    bot: App, client: SandboxClient, services: Services, language: str
) -> None:
    user = await member(client, services, language, "GB")
    (ask,) = await user.send("/remit")
    for typed in ["0", "-5", "abc", "99999999", "12.345" if language == "en" else "12,345", "1e5"]:
        (again,) = await user.send(typed)
        assert again["text"].endswith(ask["text"]), typed  # the same question again ...
        assert again["text"] != ask["text"], typed  # ... after an explanation
    tr = services.languages.translator(language)
    (zero,) = await user.send("0")
    assert zero["text"].startswith(tr.gettext("The amount must be more than zero."))
    (large,) = await user.send("99999999")
    assert numbers.format_decimal(1_000_000, locale=language) in large["text"]
    text = joined(await user.send("1.234,50" if language == "pt" else "1,234.50"))
    assert numbers.format_currency(Decimal("1234.50"), "GBP", locale=language) in text
    assert ATTRIBUTION in text


async def test_corridor_without_data_says_so_and_gives_general_advice(
    bot: App, client: SandboxClient, services: Services
) -> None:
    user = await member(client, services, "en", "AE", consulate_id="dubai")
    (ask,) = await user.send("/remit")
    assert "AED" in ask["text"]
    (answer,) = await user.send("500")
    tr = services.languages.translator("en")
    assert answer["text"].startswith(
        tr.gettext(
            "We have no cost figures for sending money from %(source)s to %(destination)s yet."
        )
        % {"source": "United Arab Emirates", "destination": "Philippines"}
    )
    for advice in (Advice.ASK_FOR_TOTAL_COST, Advice.FORMAL_CHANNELS_TRACEABLE):
        assert tr.gettext(ADVICE[advice]) in answer["text"]
    assert "World Bank" not in answer["text"]  # no figures, so no figures' source


async def test_no_exchange_rate_is_said_plainly(
    bot: App, client: SandboxClient, services: Services
) -> None:
    async with services.database.transaction() as tx:
        await tx.execute("DELETE FROM fx_rates WHERE currency = 'PHP'")
    user = await member(client, services, "en", "GB")
    text = joined(await user.send("/remit 150"))
    tr = services.languages.translator("en")
    no_rate = tr.gettext(
        "No exchange rate is available for %(currency)s, so the amount in %(currency)s "
        "is not shown."
    ) % {"currency": "PHP"}
    assert no_rate in text
    assert "₱" not in text and "PHP 1" not in text
    assert "1. MoneyGram" in text and ATTRIBUTION in text


async def test_arabic_answer_is_right_to_left(
    bot: App, client: SandboxClient, services: Services
) -> None:
    user = await member(client, services, "ar", "GB")
    (ask,) = await user.send("/remit")
    assert ask["text"].startswith(RIGHT_TO_LEFT_MARK)
    answer = await user.send("١٥٠")  # 150 in Arabic-Indic digits
    assert all(m["text"].startswith(RIGHT_TO_LEFT_MARK) for m in answer)
    assert numbers.format_currency(150, "GBP", locale="ar") in joined(answer)


@pytest.mark.parametrize(
    ("registered", "member_type", "country"),
    [(False, None, None), (True, "returned", "PH")],
)
async def test_members_without_a_corridor_are_told_why(
    bot: App,
    client: SandboxClient,
    services: Services,
    registered: bool,
    member_type: str | None,
    country: str | None,
) -> None:
    user = await ChatUser.create(client, "No corridor", "en")
    await add_member(
        services, user.id, country=country, member_type=member_type, registered=registered
    )
    (answer,) = await user.send("/remit")
    tr = services.languages.translator("en")
    if registered:
        assert "Philippines" in answer["text"] and "/profile" in answer["text"]
    else:
        assert "/start" in answer["text"]
    (hint,) = await user.send("150")  # not waiting for an amount: the usual hint
    assert hint["text"].startswith(tr.gettext("I didn't understand that.").split(".")[0])


async def test_cancel_stops_waiting_for_an_amount(
    bot: App, client: SandboxClient, services: Services
) -> None:
    user = await member(client, services, "en", "GB")
    await user.send("/remit")
    (ok,) = await user.send("/cancel")
    assert ok["text"] == "OK."
    (hint,) = await user.send("150")
    assert "MoneyGram" not in hint["text"]


@pytest.fixture
async def restartable(
    sandbox: Sandbox, settings: Settings, deployment: Deployment
) -> AsyncIterator[tuple[Callable[[], Awaitable[Services]], Callable[[], Awaitable[None]]]]:
    """Start the bot, stop it, start it again on the same database file."""
    running: list[tuple[RunningBot, Services]] = []

    async def start() -> Services:
        services = await Services.open(settings, deployment, http_client=OfflineEcb().client())
        running.append((await start_bot(services, sandbox, settings), services))
        return services

    async def stop() -> None:
        bot, services = running.pop()
        await bot.stop()
        await services.close()

    yield start, stop
    while running:
        await stop()


async def test_waiting_for_an_amount_survives_a_restart(
    restartable: tuple[Callable[[], Awaitable[Services]], Callable[[], Awaitable[None]]],
    client: SandboxClient,
) -> None:
    start, stop = restartable
    services = await start()
    await services.refresh_rates()
    user = await member(client, services, "en", "GB")
    await user.send("/remit")
    await stop()
    await start()
    text = joined(await user.send("150"))
    assert "1. MoneyGram" in text and ATTRIBUTION in text


async def test_the_jobs_are_scheduled(bot: App) -> None:
    assert bot.job_queue is not None
    names = {job.name for job in bot.job_queue.jobs()}
    assert {"departure-reminders", "rates-first", "rates-daily"} <= names


async def test_translator_formats_used_here_are_babels(services: Services) -> None:
    """Guards the expectations above: the pt amount is babel's, with its no-break space."""
    tr: Translator = services.languages.translator("pt")
    assert tr.format_money(Decimal(150), "GBP") == "£\xa0150,00"
