"""Quick polls (issue 5): tallying a million answers, and 10,000 answers arriving at once.

- ``poll_tally_1m_s``: a million registered members and one segmented poll with four options,
  every member's vote inserted with one ``INSERT ... SELECT`` into ``poll_votes`` (migration
  0005; the breakdown attributes copied in as ``replace_vote`` does), then
  ``PollResultsService.results()``: the tally and all six protected breakdowns. Median of 3.
- ``poll_answers_per_s`` / ``poll_answers_lost``: end to end through the real poll handlers
  (handlers/polls/answers.py). 10,000 members each receive the poll from the delivery engine
  (a poll delivery tagged ``origin='poll'``, as the publisher creates it) through a sandbox in
  its own process; the bot runs as its own process (``main.py run``) against that sandbox;
  then all 10,000 sandbox users vote at once through the user API. Rate = answers counted in
  ``poll_votes`` / time from the first vote to the last answer counted; lost = votes the
  sandbox accepted that never became a row.
- ``poll_counter_answers_per_s``: the same 10,000 answers given straight to
  ``PollCounter.record_answer`` (``asyncio.gather`` of all of them), no Telegram in between:
  the storage's own ceiling, for comparison.

``BENCH_SCALE`` (e.g. 0.1) shrinks every size for a quick run.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import tempfile
import time
from pathlib import Path

from benchmarks.report import bench
from benchmarks.support import (
    create_database,
    insert_members,
    read_scalar,
    sandbox_process,
    scaled,
    started_bot,
)
from bot.storage.database import Database
from bot.storage.polls import POLL_ORIGIN, NewPoll, PollRepository
from broadcasts import Audience, DeliveryEngine, EngineConfig, Payload, PollSettings
from broadcasts import create_delivery as store_delivery
from broadcasts.telegram_transport import TelegramTransport
from polls import PollCounter, PollResultsService
from sandbox import SandboxClient

OPTIONS = ("Yes", "No", "Not sure", "Prefer not to say")
TALLY_RUNS = 3
#: Votes in flight at once. All of them are posted as fast as the sandbox takes them; the bound
#: only avoids httpx's connection pool, which slows down badly with thousands of waiters.
VOTERS_AT_ONCE = 64
#: Seconds without a new counted answer after which the end-to-end run stops waiting.
SETTLE_SECONDS = 15.0


async def new_poll(database: Database) -> int:
    """An open segmented poll with four options, in English."""
    repository = PollRepository(database)
    poll_id = await repository.create(
        NewPoll(
            mode="segmented",
            base_language="en",
            questions={"en": "Would you use an online consular appointment service?"},
            options=[{"en": text} for text in OPTIONS],
        )
    )
    await database.execute(
        "UPDATE polls SET status = 'open', opens_at = created_at WHERE id = ?", (poll_id,)
    )
    return poll_id


# --- tally ----------------------------------------------------------------------------------
async def bench_tally(folder: Path) -> None:
    path = folder / "tally.db"
    await create_database(path)
    members = scaled(1_000_000)
    insert_members(path, members)
    database = await Database.open(path)
    try:
        poll_id = await new_poll(database)
        repository = PollRepository(database)
        variant = await repository.add_variant(poll_id, "en", "bench-variant-en")
        started = time.perf_counter()
        await database.execute(
            "INSERT INTO poll_votes (poll_id, member_id, option_index, variant_id, voted_at,"
            " first_choice, consulate_id, country, member_type, birth_year, gender, language)"
            " SELECT ?, id, (id * 2654435761) % 4, ?, '2025-06-01T00:00:00+00:00', 1,"
            " consulate_id, country, member_type, birth_year, gender, language"
            " FROM members ORDER BY id",
            (poll_id, variant),
        )
        print(f"# {members} votes inserted in {time.perf_counter() - started:.2f} s", flush=True)
        service = PollResultsService(repository)
        times = []
        for _ in range(TALLY_RUNS):
            started = time.perf_counter()
            results = await service.results(poll_id, recipients=members)
            times.append(time.perf_counter() - started)
        assert results.tally.respondents == members, results.tally.respondents
    finally:
        await database.close()
    print(f"# tally runs {[round(t, 3) for t in times]} s", flush=True)
    bench("poll_tally_1m_s", statistics.median(times), "s")


# --- answers arriving at once -----------------------------------------------------------------
async def send_poll_to_everyone(database: Database, url: str, token: str, poll_id: int) -> None:
    """The delivery the publisher would create, sent by the engine (no client-side limit)."""
    payload = Payload("en", poll_question="Online appointments?", poll_options=OPTIONS)
    delivery_id = await store_delivery(
        database,
        [payload],
        Audience.everyone(),
        "en",
        poll=PollSettings(anonymous=False),
        origin=POLL_ORIGIN,
        origin_id=poll_id,
    )
    config = EngineConfig(rate=None)
    transport = TelegramTransport.create(token, f"{url}/bot", pool_size=config.worker_count)
    await transport.start()
    engine = DeliveryEngine(database, transport, config)
    await engine.start()
    try:
        await engine.start_delivery(delivery_id)
        await engine.wait_finished(delivery_id)
    finally:
        await engine.stop()
        await transport.stop()


async def start_bot(
    url: str, token: str, path: Path
) -> tuple[asyncio.subprocess.Process, asyncio.Task[None]]:
    """The bot as its own process, once it receives updates; and the task reading its log."""
    env = {
        **os.environ,
        "TELEGRAM_BOT_TOKEN": token,
        "TELEGRAM_API_BASE_URL": f"{url}/bot",
        "BOT_DB_PATH": str(path),
    }
    return await started_bot(env)


async def votes_counted(path: Path, poll_id: int) -> int:
    return await asyncio.to_thread(
        read_scalar, path, "SELECT count(*) FROM poll_votes WHERE poll_id = ?", (poll_id,)
    )


async def bench_answers(folder: Path) -> None:
    path = folder / "answers.db"
    await create_database(path)
    members = scaled(10_000)
    insert_members(path, members)
    database = await Database.open(path)
    async with sandbox_process(users=members) as address:
        try:
            poll_id = await new_poll(database)
            await send_poll_to_everyone(database, address.url, address.token, poll_id)
            rows = await database.fetch_all(
                "SELECT m.telegram_user_id, o.poll_id FROM delivery_outbox o"
                " JOIN members m ON m.id = o.member_id WHERE o.status = 'sent'"
            )
        finally:
            await database.close()
        ballots = [
            (int(row[0]), str(row[1]), index % len(OPTIONS)) for index, row in enumerate(rows)
        ]
        bot, log = await start_bot(address.url, address.token, path)
        try:
            async with SandboxClient(address.url, timeout=120) as client:
                gate = asyncio.Semaphore(VOTERS_AT_ONCE)

                async def vote(user: int, poll: str, option: int) -> object:
                    async with gate:
                        return await client.vote(user, poll, [option])

                started = time.perf_counter()
                accepted = await asyncio.gather(
                    *(vote(user, poll, option) for user, poll, option in ballots),
                    return_exceptions=True,
                )
                voted = time.perf_counter() - started
                refused = sum(1 for result in accepted if isinstance(result, BaseException))
                counted, last_change = 0, time.perf_counter()
                while counted < len(ballots) - refused:
                    await asyncio.sleep(0.1)
                    now = await votes_counted(path, poll_id)
                    if now != counted:
                        counted, last_change = now, time.perf_counter()
                    elif time.perf_counter() - last_change > SETTLE_SECONDS:
                        break
                elapsed = last_change - started
        finally:
            bot.terminate()
            await bot.wait()
            await log
    print(
        f"# {len(ballots)} votes posted in {voted:.2f} s ({refused} refused by the sandbox);"
        f" {counted} counted {elapsed:.2f} s after the first",
        flush=True,
    )
    bench("poll_answers_per_s", counted / elapsed, "answers/s")
    bench("poll_answers_lost", len(ballots) - refused - counted, "answers")
    if refused:
        bench("poll_answers_refused_by_sandbox", refused, "answers")


async def bench_counter(folder: Path) -> None:
    """``PollCounter.record_answer`` for every member at once, in process (no Telegram)."""
    path = folder / "counter.db"
    await create_database(path)
    members = scaled(10_000)
    insert_members(path, members)
    database = await Database.open(path)
    try:
        poll_id = await new_poll(database)
        repository = PollRepository(database)
        await repository.add_variant(poll_id, "en", "bench-en")
        counter = PollCounter(repository)
        users = await database.fetch_all("SELECT telegram_user_id FROM members ORDER BY id")
        started = time.perf_counter()
        await asyncio.gather(
            *(
                counter.record_answer(
                    update_id=index + 1,
                    telegram_poll_id="bench-en",
                    telegram_user_id=int(row[0]),
                    option_ids=[index % len(OPTIONS)],
                )
                for index, row in enumerate(users)
            )
        )
        elapsed = time.perf_counter() - started
        counted = await votes_counted(path, poll_id)
    finally:
        await database.close()
    bench("poll_counter_answers_per_s", counted / elapsed, "answers/s")


async def run() -> None:
    with tempfile.TemporaryDirectory(prefix="bench-polls-") as name:
        folder = Path(name)
        await bench_tally(folder)
        await bench_answers(folder)
        await bench_counter(folder)
