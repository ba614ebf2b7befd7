"""/remit end to end through the sandbox: the ranked answer in the member's number format,
always with its source, period and exchange rate; bad amounts explained and asked again;
corridors without data; members without a corridor; the wait for an amount surviving a
restart. The ECB is an httpx.MockTransport (tests/auxil/ecb.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import httpx
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
from handlers.replies import STALE
from sandbox import Sandbox, SandboxClient
from tests.auxil.chat import ChatUser, Message, button_labels
from tests.auxil.crash import kill_point
from tests.auxil.ecb import RATE_DATE, RATES, OfflineEcb
from tests.auxil.members import add_member
from tests.auxil.running import Restarts, start_bot

ATTRIBUTION = (
    "Source: World Bank, Remittance Prices Worldwide, Q3 2025 (CC BY 4.0), adapted by Finofin Ltd."
)
# The same credit line as the French and Portuguese catalogues word it, every name kept.
ATTRIBUTIONS = {
    "fr": "Source\u00a0: World Bank, Remittance Prices Worldwide, T3 2025 (licence CC BY 4.0), "
    "adapté par Finofin Ltd.",
    "pt": "Fonte: World Bank, Remittance Prices Worldwide, T3 2025 (licença CC BY 4.0), "
    "adaptado por Finofin Ltd.",
}
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


def attribution(language: str) -> str:
    return ATTRIBUTIONS.get(language, ATTRIBUTION)


async def remit(
    user: ChatUser, services: Services, typed: str, language: str = "en"
) -> tuple[Message, str]:
    """Type an amount (or "/remit 150"): the short list, and the details the member reads
    after pressing the button under it."""
    (short,) = await user.send(typed)
    label = services.languages.translator(language).gettext("Details")
    return short, joined(await user.press(short, label))


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

    short, details = await remit(user, services, "150", "pt")
    text = f"{short['text']}\n\n{details}"
    assert numbers.format_currency(150, "GBP", locale="pt") in text  # "£ 150,00"
    # Ranked by what the family receives: MoneyGram first, then Xoom, with pt amounts.
    amounts = [received(Decimal(150), fee, margin) for _, fee, margin in GB_PH]
    shown = [numbers.format_currency(a, "GBP", locale="pt") for a in amounts]
    assert details.index("1. MoneyGram") < details.index(shown[0]) < details.index("2. Xoom")
    assert details.index("2. Xoom") < details.index(shown[1])
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
    assert attribution("pt") in text
    assert "T3 2025" in text  # the quarter as babel abbreviates it in Portuguese
    assert dates.format_date(RATE_DATE, "long", locale="pt") in text  # 20 de novembro de 2026
    assert not ENUM_CODES & set(text.replace(",", " ").replace(".", " ").split())
    assert len(text) <= 2 * MessageLimit.MAX_TEXT_LENGTH


async def test_english_member_types_an_amount_with_grouping(
    bot: App, client: SandboxClient, services: Services
) -> None:
    services.rates.today = lambda: RATE_DATE + timedelta(days=1)  # a day old: current
    user = await member(client, services, "en", "GB")
    await user.send("/remit")
    short, details = await remit(user, services, "1,234.50")
    text = f"{short['text']}\n\n{details}"
    assert "£1,234.50" in text
    money_gram = received(Decimal("1234.50"), GB_PH[0][1], GB_PH[0][2])
    assert numbers.format_currency(money_gram, "GBP", locale="en") in text
    assert "1 GBP = 77.7704 PHP" in text  # 67.913 / 0.87325, four decimals
    assert "November 20, 2026" in text
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
    assert "1. MoneyGram" in text and attribution("fr") in text
    tr = services.languages.translator("fr")
    # The rate is days old by the real clock: said so, with its date.
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
    assert attribution(language) in text


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


async def test_a_currency_missing_from_the_cache_falls_back_on_the_shipped_rate(
    bot: App, client: SandboxClient, services: Services
) -> None:
    async with services.database.transaction() as tx:
        await tx.execute("DELETE FROM fx_rates WHERE currency = 'PHP'")
    user = await member(client, services, "en", "GB")
    short = (await user.send("/remit 150"))[0]["text"]
    # The cached pound (20 November) and the shipped peso (30 October): the older date shown.
    per_pound = SNAPSHOT["PHP"] / Decimal(RATES["GBP"])
    assert f"1 GBP = {per_pound:.4f} PHP" in short
    assert "October 30, 2026" in short and "November 20, 2026" not in short


async def test_no_exchange_rate_is_said_plainly(
    bot: App, client: SandboxClient, services: Services
) -> None:
    async with services.database.transaction() as tx:
        await tx.execute("DELETE FROM fx_rates WHERE currency = 'PHP'")
    del services.rates.shipped["PHP"]  # as for a currency the ECB does not publish
    user = await member(client, services, "en", "GB")
    short, details = await remit(user, services, "/remit 150")
    tr = services.languages.translator("en")
    no_rate = tr.gettext(
        "No exchange rate is available for %(currency)s, so the amount in %(currency)s "
        "is not shown."
    ) % {"currency": "PHP"}
    assert no_rate in short["text"] and no_rate in details
    assert "₱" not in short["text"] + details and "PHP 1" not in short["text"] + details
    money_gram = received(Decimal(150), GB_PH[0][1], GB_PH[0][2])
    assert f"1. MoneyGram — your family receives £{money_gram:.2f} (cost" in short["text"]
    assert ATTRIBUTION in short["text"] and ATTRIBUTION in details


async def test_arabic_answer_is_right_to_left(
    bot: App, client: SandboxClient, services: Services
) -> None:
    user = await member(client, services, "ar", "GB")
    (ask,) = await user.send("/remit")
    assert ask["text"].startswith(RIGHT_TO_LEFT_MARK)
    answer = await user.send("١٥٠")  # 150 in Arabic-Indic digits
    tr = services.languages.translator("ar")
    answer += await user.press(answer[-1], tr.gettext("Details"))
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


async def test_waiting_for_an_amount_survives_a_restart(
    restarts: Restarts, client: SandboxClient
) -> None:
    services = await restarts.start()
    await services.refresh_rates()
    user = await member(client, services, "en", "GB")
    await user.send("/remit")
    await restarts.stop()
    await restarts.start()
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


# --- issue 15, item 5: offline rates, the short list first, plain words, the attribution -----

# The ECB's reference rates of 30 October 2026, per euro, as shipped in bot/remittance/data/.
SNAPSHOT_DATE = date(2026, 10, 30)
SNAPSHOT = {"GBP": Decimal("0.83380"), "PHP": Decimal("71.143")}
SHORT_LIST_MAX_CHARS = 700
# "Corridor", as the catalogues translated it before item 5: a word members did not know.
CORRIDOR_WORDS = {"en": "corridor", "fr": "corridor", "ar": "ممر"}


def unreachable_ecb() -> httpx.AsyncClient:
    """No internet: every request to the ECB fails to connect."""

    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("no route to the ECB", request=request)

    return httpx.AsyncClient(transport=httpx.MockTransport(refuse))


@pytest.fixture
async def offline(
    sandbox: Sandbox, settings: Settings, deployment: Deployment
) -> AsyncIterator[Services]:
    """The running bot on a new database whose ECB has never been reachable."""
    opened = await Services.open(settings, deployment, http_client=unreachable_ecb())
    assert (await opened.refresh_rates()).outcome is RefreshOutcome.NETWORK_ERROR
    running = await start_bot(opened, sandbox, settings)
    yield opened
    await running.stop()
    await opened.close()


def whole(language: str, amount: Decimal) -> str:
    """An amount rounded to whole units, grouped as the language writes numbers."""
    return numbers.format_decimal(amount.quantize(Decimal(1)), locale=language)


@pytest.mark.parametrize("language", ["en", "fr", "ar"])
async def test_offline_the_family_amount_is_in_pesos_at_the_shipped_rate_with_its_date(
    offline: Services, client: SandboxClient, language: str
) -> None:
    user = await member(client, offline, language, "GB")
    short = (await user.send("/remit 150"))[0]["text"]
    per_pound = SNAPSHOT["PHP"] / SNAPSHOT["GBP"]
    money_gram = received(Decimal(150), GB_PH[0][1], GB_PH[0][2]) * per_pound
    assert whole(language, money_gram) in short
    assert dates.format_date(SNAPSHOT_DATE, "long", locale=language) in short
    tr = offline.languages.translator(language)
    no_rate = tr.gettext(
        "No exchange rate is available for %(currency)s, so the amount in %(currency)s "
        "is not shown."
    ) % {"currency": "PHP"}
    assert no_rate not in short


async def test_offline_a_currency_the_ecb_does_not_publish_is_said_to_have_no_rate(
    offline: Services,
) -> None:
    quote = await offline.rates.quote("GBP", "AED")  # the ECB publishes no dirham rate
    assert quote.rate is None and quote.missing == ("AED",)
    quote = await offline.rates.quote("GBP", "PHP")
    assert quote.rate_date == SNAPSHOT_DATE and quote.source == "ECB"


async def test_a_fresher_cached_rate_is_used_rather_than_the_shipped_one(
    bot: App, client: SandboxClient, services: Services
) -> None:
    assert RATE_DATE > SNAPSHOT_DATE
    user = await member(client, services, "en", "GB")
    short = (await user.send("/remit 150"))[0]["text"]
    assert "1 GBP = 77.7704 PHP" in short  # the cached rates of tests/auxil/ecb.py
    assert dates.format_date(RATE_DATE, "long", locale="en") in short
    assert "October 30, 2026" not in short


@pytest.mark.parametrize("language", ["en", "fr", "ar"])
async def test_a_short_ranked_list_comes_first_and_the_details_on_a_button(
    bot: App, client: SandboxClient, services: Services, language: str
) -> None:
    user = await member(client, services, language, "GB")
    short, details = await remit(user, services, "/remit 150", language)
    text = short["text"]
    assert len(text) <= SHORT_LIST_MAX_CHARS, text
    assert text.index("1. MoneyGram") < text.index("2. Xoom")
    per_pound = Decimal(RATES["PHP"]) / Decimal(RATES["GBP"])
    for _, fee, margin in GB_PH:
        assert whole(language, received(Decimal(150), fee, margin) * per_pound) in text
    cost = (GB_PH[0][1] + Decimal(150) * GB_PH[0][2] / 100) / 150  # 1.34...%
    assert numbers.format_percent(cost, "#,##0.#%", locale=language) in text
    assert dates.format_date(RATE_DATE, "long", locale=language) in text
    assert "Remittance Prices Worldwide" in text and "CC BY 4.0" in text
    # Not in the short list: fees, margins, the average, the targets.
    assert numbers.format_currency(GB_PH[0][1], "GBP", locale=language) not in text
    assert numbers.format_percent(Decimal("0.033305"), "#,##0.##%", locale=language) not in text
    tr = services.languages.translator(language)
    assert button_labels(short) == [tr.gettext("Details")]
    assert numbers.format_currency(GB_PH[0][1], "GBP", locale=language) in details  # the fee
    assert numbers.format_percent(Decimal("0.0046"), "#,##0.##%", locale=language) in details
    assert numbers.format_percent(Decimal("0.033305"), "#,##0.##%", locale=language) in details
    assert numbers.format_percent(Decimal("0.03"), "#,##0%", locale=language) in details
    assert dates.format_date(RATE_DATE, "long", locale=language) in details
    assert "Remittance Prices Worldwide" in details and "CC BY 4.0" in details
    assert details.index("MoneyGram") < details.index("Xoom")


PLAIN = {
    "en": (
        "exchange-rate margin",
        "The exchange-rate margin is how much less than the official rate the service gives you.",
        "Average cost of sending money from United Kingdom to Philippines",
    ),
    "fr": (
        "marge sur le taux de change",
        "La marge sur le taux de change est ce que le service vous donne en moins par rapport "
        "au taux officiel.",
        "Coût moyen d'un envoi d'argent Royaume-Uni → Philippines",
    ),
}


@pytest.mark.parametrize("language", ["en", "fr", "ar"])
async def test_plain_words_the_margin_explained_once_and_no_corridor(
    bot: App, client: SandboxClient, services: Services, language: str
) -> None:
    user = await member(client, services, language, "GB")
    short, details = await remit(user, services, "/remit 150", language)
    answer = f"{short['text']}\n\n{details}"
    assert CORRIDOR_WORDS[language] not in answer.casefold()
    if language in PLAIN:
        term, explanation, route = PLAIN[language]
    else:  # Arabic: the catalogue's words, which must exist (not the English msgid)
        explanation = services.languages.translator(language).gettext(
            "The exchange-rate margin is how much less than the official rate the service "
            "gives you."
        )
        term, route = "هامش سعر الصرف", "متوسط تكلفة إرسال الأموال من المملكة المتحدة إلى الفلبين"
    assert answer.count(explanation) == 1
    assert answer.count(term) > answer.count(explanation)  # used after it is explained
    assert route in answer


@pytest.mark.parametrize("language", ["fr", "pt", "ar"])
async def test_the_attribution_is_translated_and_keeps_the_names(
    bot: App, client: SandboxClient, services: Services, language: str
) -> None:
    user = await member(client, services, language, "GB")
    short, details = await remit(user, services, "/remit 150", language)
    for text in (short["text"], details):
        assert ATTRIBUTION not in text  # not the English sentence ...
        for name in ("World Bank", "Remittance Prices Worldwide", "CC BY 4.0", "Finofin Ltd."):
            assert name in text  # ... but every name it gives, as published
        if language in ATTRIBUTIONS:
            assert ATTRIBUTIONS[language] in text
        else:
            assert "المصدر" in text and "ترخيص" in text  # "source", "licence"


async def test_the_details_survive_a_restart_and_forged_buttons_are_refused(
    restarts: Restarts, client: SandboxClient
) -> None:
    services = await restarts.start()
    user = await member(client, services, "en", "GB")
    (short,) = await user.send("/remit 150")
    await restarts.stop()
    services = await restarts.start()  # the button carries all it needs: nothing kept in memory
    tr = services.languages.translator("en")
    details = joined(await user.press(short, tr.gettext("Details")))
    assert "£150.00" in details and "1. MoneyGram" in details and ATTRIBUTION in details
    before = len(await user.bot_messages())
    for forged in (
        "v1:remit:details:GBP:abc",
        "v1:remit:details:XXX:150",
        "v1:remit:details:GBP:0",
        "v1:remit:details:GBP",
        "v1:remit:details:GBP:150:more",
    ):
        update = await user.press_data(short["message_id"], forged, forge=True)
        answer = await user.callback_answer(update["callback_query"]["id"])
        assert answer == tr.gettext(STALE), forged
    assert len(await user.bot_messages()) == before  # no comparison for forged data


async def test_a_kill_right_after_the_amount_question_keeps_the_member_waiting_for_it(
    restarts: Restarts, client: SandboxClient, sandbox: Sandbox, settings: Settings
) -> None:
    """The bot asked "How much?" and was killed at once: the amount typed next is still
    understood as the answer (issue 15, item 2, for /remit)."""
    services = await restarts.start()
    user = await member(client, services, "en", "GB")
    with kill_point(sandbox, Path(settings.db_path), user.id) as point:
        (asked,) = await user.send("/remit")
    assert "How much" in asked["text"]
    await restarts.crash(point)
    await restarts.start()
    text = joined(await user.send("150"))
    assert "1. MoneyGram" in text and ATTRIBUTION in text
