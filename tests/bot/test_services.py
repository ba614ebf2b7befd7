"""The services container: what it opens, what it closes, and the rules joining services
(which members get departure reminders, which corridor a member sends money through)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from bot.deployment import Deployment
from bot.remittance import RateStatus, RefreshOutcome
from bot.remittance.corridor import CorridorProblem, SendingCorridor
from bot.services import Services
from bot.settings import Settings
from tests.auxil.ecb import RATE_DATE, OfflineEcb
from tests.auxil.members import add_member

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


async def test_open_loads_the_sample_once_and_uses_the_injected_client(
    settings: Settings, deployment: Deployment
) -> None:
    ecb = OfflineEcb()
    env_settings = Settings.from_env(
        {"BOT_DB_PATH": str(settings.db_path), "ECB_RATES_URL": "https://ecb.test/daily.xml"}
    )
    services = await Services.open(env_settings, deployment, http_client=ecb.client())
    count = await services.database.fetch_one("SELECT COUNT(*) AS n FROM remittance_prices")
    assert count is not None and count["n"] > 0
    assert (await services.refresh_rates()).outcome is RefreshOutcome.UPDATED
    assert [str(r.url) for r in ecb.requests] == ["https://ecb.test/daily.xml"]
    quote = await services.rates.quote("GBP", "PHP")
    assert quote.status is RateStatus.STALE and quote.rate_date == RATE_DATE
    await services.close()
    assert services.http.is_closed
    # Reopened on the same file: the sample is not imported twice.
    services = await Services.open(settings, deployment, http_client=OfflineEcb().client())
    again = await services.database.fetch_one("SELECT COUNT(*) AS n FROM remittance_prices")
    assert again is not None and again["n"] == count["n"]
    await services.close()


async def test_only_members_leaving_with_a_date_and_announcements_on_get_reminders(
    services: Services,
) -> None:
    departure = NOW.date() + timedelta(days=40)
    leaving = await add_member(services, 1, member_type="leaving", departure_date=departure)
    abroad = await add_member(services, 2, member_type="abroad", departure_date=departure)
    no_date = await add_member(services, 3, member_type="leaving")
    assert len(await services.departures.plan(1, NOW)) == 3
    assert await services.departures.plan(2, NOW) == []
    assert await services.departures.plan(3, NOW) == []
    assert await services.departures.plan(99, NOW) == []  # no such member
    await services.members.set_announcements(1, False)
    assert await services.departures.plan(1, NOW) == []
    for member_id in (leaving, abroad, no_date):
        assert await services.reminders.pending(member_id) == []


async def test_a_reminder_for_a_date_already_passed_is_dropped(services: Services) -> None:
    departure = NOW.date() + timedelta(days=40)
    member_id = await add_member(services, 1, member_type="leaving", departure_date=departure)
    await services.departures.plan(1, NOW)
    after_departure = datetime.combine(departure + timedelta(days=2), NOW.timetz())
    assert await services.departures.due(after_departure) == []
    assert all(r.sent_at for r in await services.reminders.pending(member_id))


async def test_days_left_are_counted_in_the_home_country(services: Services) -> None:
    departure = date(2027, 1, 10)
    await add_member(services, 1, member_type="leaving", departure_date=departure)
    await services.departures.plan(1, NOW)
    # The bot was down when the 30-day reminder fell due. At 23:30 UTC on 2 January it is
    # already 3 January in Manila: the late reminder says 7 days (not 8, nor 30).
    (due,) = await services.departures.due(datetime(2027, 1, 2, 23, 30, tzinfo=UTC))
    assert (due.reminder.days_before, due.days_left) == (30, 7)


async def test_sending_corridor(services: Services) -> None:
    await add_member(services, 1, country="GB")
    await add_member(services, 2, country="AE", member_type="leaving")
    await add_member(services, 3, country="PH", member_type="returned")
    await add_member(services, 4, country=None, member_type=None, registered=False)
    assert await services.sending_corridor(1) == SendingCorridor("GB", "PH", "GBP", "PHP", False)
    assert await services.sending_corridor(2) == SendingCorridor("AE", "PH", "AED", "PHP", True)
    assert await services.sending_corridor(3) is CorridorProblem.RETURNED
    assert await services.sending_corridor(4) is CorridorProblem.NOT_REGISTERED
    assert await services.sending_corridor(5) is CorridorProblem.NOT_REGISTERED
