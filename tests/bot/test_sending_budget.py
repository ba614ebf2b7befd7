"""The bot's rate limiter: messages to one chat keep to Telegram's per-chat pace, and a 429 is
put down to the limit it reflects (that chat's own, or the bot's overall one)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from telegram.error import RetryAfter
from telegram.ext import ExtBot

from bot.sending_budget import (
    PRIVATE_CHAT,
    TRACKED_CHATS,
    Callback,
    Result,
    SharedBudgetRateLimiter,
    writes_to_chat,
)
from broadcasts import TokenBucket
from sandbox import FaultConfig, Sandbox, SandboxClient
from tests.auxil.clock import FakeClock

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")  # PTB's RetryAfter

RATE = 30.0


def limiter_for(budget: TokenBucket) -> SharedBudgetRateLimiter:
    return SharedBudgetRateLimiter(budget, max_retries=3)


@pytest.fixture
async def sandbox() -> AsyncIterator[Sandbox]:
    """The sandbox with Telegram's limits as it models them: 30/s, and 1/s per chat after a
    burst of 10 (FaultConfig's defaults)."""
    async with Sandbox(port=0, faults=FaultConfig()) as server:
        yield server


@pytest.fixture
async def ext_bot(sandbox: Sandbox) -> AsyncIterator[ExtBot[None]]:
    limiter = limiter_for(TokenBucket(RATE))
    async with ExtBot(
        sandbox.token, base_url=sandbox.bot_api_base_url, rate_limiter=limiter
    ) as telegram_bot:
        yield telegram_bot


async def test_a_staff_burst_to_one_chat_is_paced_and_draws_no_429(
    ext_bot: ExtBot[None], client: SandboxClient
) -> None:
    staff = await client.create_user("Staff", "en")
    # As staff get them: a preview in six languages and its summary, then a list of five.
    await asyncio.gather(*(ext_bot.send_message(staff["id"], f"message {n}") for n in range(12)))
    assert len(await client.chat(staff["id"])) == 12
    assert (await client.stats())["rate_limited"] == 0


# --- on a fake clock, with a stand-in for the Bot API call -------------------------------------


class Api:
    """Records when each request went out; answers 429 to the ones ``refuse`` names."""

    def __init__(self, clock: FakeClock) -> None:
        self.clock = clock
        self.sent: list[tuple[object, float]] = []
        self.refuse: dict[object, list[float]] = {}

    def request(self, chat_id: object) -> Callback:
        async def call() -> Result:
            waits = self.refuse.get(chat_id)
            if waits:
                raise RetryAfter(timedelta(seconds=waits.pop(0)))
            self.sent.append((chat_id, self.clock.now))
            return True

        return call

    def times(self, chat_id: object) -> list[float]:
        return [at - START for sent_to, at in self.sent if sent_to == chat_id]


START = 1010.0


def _limiter(rate: float = RATE, retries: int = 3) -> tuple[SharedBudgetRateLimiter, Api]:
    """A limiter whose shared budget has been idle for a while (no broadcast running)."""
    clock = FakeClock()
    budget = TokenBucket(rate, clock=clock, sleep=clock.sleep)
    limiter = SharedBudgetRateLimiter(budget, max_retries=retries, clock=clock, sleep=clock.sleep)
    clock.now += 10.0
    assert clock.now == START
    return limiter, Api(clock)


async def _send(
    limiter: SharedBudgetRateLimiter, api: Api, chat_id: int | str, endpoint: str = "sendMessage"
) -> Result:
    return await limiter.process_request(
        api.request(chat_id), (), {}, endpoint, {"chat_id": chat_id}, None
    )


async def test_one_chat_gets_a_burst_then_one_message_a_second() -> None:
    limiter, api = _limiter()
    for _ in range(8):
        await _send(limiter, api, 7)
    burst = int(PRIVATE_CHAT.burst)
    assert api.times(7)[:burst] == [0.0] * burst
    assert api.times(7)[burst:] == pytest.approx([1.0, 2.0, 3.0])


async def test_chats_do_not_wait_for_each_other() -> None:
    limiter, api = _limiter()
    await asyncio.gather(*(_send(limiter, api, 7) for _ in range(8)), _send(limiter, api, 8))
    assert api.times(8) == pytest.approx([0.0], abs=0.05)  # a slot of the shared budget at most


async def test_a_group_gets_twenty_messages_a_minute() -> None:
    limiter, api = _limiter()
    for _ in range(22):
        await _send(limiter, api, -100)
    assert api.times(-100)[:20] == pytest.approx([0.0] * 20, abs=0.2)  # the budget's pace
    assert api.times(-100)[20:] == pytest.approx([3.0, 6.0])


async def test_edits_are_paced_and_other_requests_are_not() -> None:
    assert writes_to_chat("editMessageText") and writes_to_chat("sendPhoto")
    assert not writes_to_chat("getChat") and not writes_to_chat("sendChatAction")
    limiter, api = _limiter()
    for _ in range(8):
        await _send(limiter, api, 7, endpoint="getChat")
    assert api.times(7) == pytest.approx([0.0] * 8, abs=0.3)  # only the shared budget's pace


async def test_a_429_after_a_burst_to_one_chat_holds_back_that_chat_only() -> None:
    limiter, api = _limiter()
    await _send(limiter, api, 7)
    await _send(limiter, api, 7)
    api.refuse[7] = [5.0]
    await asyncio.gather(_send(limiter, api, 7), _send(limiter, api, 8))
    assert limiter.budget.paused_until == 0.0
    assert api.times(8) == pytest.approx([0.0], abs=0.05)
    assert api.times(7) == pytest.approx([0.0, 0.0, 5.0], abs=0.05)
    await _send(limiter, api, 7)  # after the wait, no burst: one a second
    assert api.times(7)[-1] == pytest.approx(6.0, abs=0.05)


async def test_a_429_on_a_quiet_chat_while_the_bot_sends_at_its_rate_pauses_everything() -> None:
    limiter, api = _limiter()
    for _ in range(int(RATE)):  # a broadcast's second of sending
        await limiter.budget.acquire()
    api.refuse[7] = [4.0]
    paused_at = api.clock.now
    await _send(limiter, api, 7)
    assert limiter.budget.paused_until == pytest.approx(paused_at + 4.0, abs=0.1)
    assert api.times(7)[0] >= limiter.budget.paused_until - START


async def test_a_429_while_the_bot_sends_little_is_put_down_to_the_chat() -> None:
    limiter, api = _limiter()
    api.refuse[7] = [4.0]
    await asyncio.gather(_send(limiter, api, 7), _send(limiter, api, 8))
    assert limiter.budget.paused_until == 0.0
    assert api.times(8) == [0.0]
    assert api.times(7) == pytest.approx([4.0])


async def test_a_429_is_retried_only_so_often() -> None:
    limiter, api = _limiter(retries=2)
    api.refuse[7] = [1.0, 1.0, 1.0]
    with pytest.raises(RetryAfter):
        await _send(limiter, api, 7)
    assert api.sent == []


async def test_requests_without_a_chat_are_neither_paced_nor_charged() -> None:
    limiter, api = _limiter(rate=1.0)
    for _ in range(5):
        await limiter.process_request(
            api.request(None), (), {}, "answerCallbackQuery", {"callback_query_id": "1"}, None
        )
    assert api.times(None) == [0.0] * 5
    assert limiter.budget.recent_share() == 0.0


async def test_idle_chats_are_forgotten() -> None:
    limiter, api = _limiter(rate=100_000.0)
    for chat_id in range(1, TRACKED_CHATS + 1):
        await _send(limiter, api, chat_id)
    assert len(limiter.chats) == TRACKED_CHATS
    api.clock.now += 10.0  # every chat's burst has come back
    await _send(limiter, api, TRACKED_CHATS + 1)
    assert len(limiter.chats) == 1
