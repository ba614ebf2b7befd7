"""The gatekeeper reads commands and buttons exactly as python-telegram-bot does.

Property: whatever the text or button data, if one of the application's own handlers would run
a staff command or claim a staff button for it, the gatekeeper asks for that command's or
feature's permission. Texts get their ``bot_command`` entities the way Telegram (and the
sandbox) computes them, so ``/staff,`` carries the entity ``/staff``.
"""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from telegram import CallbackQuery, Chat, Message, MessageEntity, Update, User
from telegram.ext import CallbackQueryHandler, CommandHandler, ExtBot

from handlers.access import command_of
from handlers.context import App
from sandbox.formatting import command_entities
from tests.auxil.surface import all_handlers, button_feature

INVISIBLE = ["\u200b", "\u200c", "\u200e", "\u200f", "\u2066", "\u2067", "\u2068", "\ufeff", " "]
TAILS = [",", ";", ".", "!", "?", ":", "\n", " ", "\t", "@", "-", "_", "/", "\u200b", "\u200f"]


def case_variants(word: str) -> st.SearchStrategy[str]:
    return st.lists(st.booleans(), min_size=len(word), max_size=len(word)).map(
        lambda upper: "".join(c.upper() if u else c for c, u in zip(word, upper, strict=True))
    )


def command_texts(commands: list[str], username: str) -> st.SearchStrategy[str]:
    """Staff commands as an attacker might write them, and plain noise."""
    crafted = st.tuples(
        st.lists(st.sampled_from(INVISIBLE), max_size=3).map("".join),
        st.sampled_from(commands).flatmap(case_variants),
        st.sampled_from(["", f"@{username}", f"@{username.upper()}", "@other_bot"]),
        st.lists(st.sampled_from(TAILS), max_size=3).map("".join),
        st.sampled_from(["", "add 1 admin", "remove 1", "1", "list"]),
    ).map(lambda parts: f"{parts[0]}/{parts[1]}{parts[2]}{parts[3]}{parts[4]}")
    return st.one_of(crafted, st.text(max_size=40))


def button_data(features: list[str]) -> st.SearchStrategy[str]:
    crafted = st.tuples(
        st.sampled_from(["v1:", "V1:", "v1", "v2:", ""]),
        st.sampled_from(features),
        st.lists(
            st.one_of(
                st.sampled_from(["approve", "reject", "cancel", "1", "2", "submit", "london"]),
                st.text(max_size=6),
            ),
            max_size=3,
        ),
        st.sampled_from(["", "\n", ":", " ", "\u200b"]),
    ).map(lambda p: p[0] + ":".join([p[1], *p[2]]) + p[3])
    return st.one_of(crafted, st.text(max_size=64).filter(bool))


def text_update(text: str, bot: ExtBot) -> Update:  # type: ignore[type-arg]
    message = Message(
        message_id=1,
        date=datetime.now(UTC),
        chat=Chat(1, Chat.PRIVATE),
        from_user=User(1, "Someone", False),
        text=text,
        entities=[MessageEntity(**entity) for entity in command_entities(text)],
    )
    message.set_bot(bot)
    return Update(1, message=message)


def button_update(data: str, bot: ExtBot) -> Update:  # type: ignore[type-arg]
    query = CallbackQuery("1", User(1, "Someone", False), "chat", data=data)
    query.set_bot(bot)
    return Update(1, callback_query=query)


async def test_every_staff_command_ptb_would_run_is_gated(bot: App) -> None:
    rules = bot.bot_data.access
    staff_handlers = [
        h
        for h in all_handlers(bot)
        if isinstance(h, CommandHandler) and set(h.commands) & set(rules.commands)
    ]
    assert staff_handlers

    @settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow])
    @given(command_texts(sorted(rules.commands), bot.bot.username))
    def check(text: str) -> None:
        update = text_update(text, bot.bot)
        if any(handler.check_update(update) for handler in staff_handlers):
            assert update.effective_message is not None
            command = command_of(update.effective_message)
            assert command in rules.commands, text
            assert rules.needed_for(update) == rules.commands[command], text

    check()


async def test_staff_shaped_text_is_gated_even_when_no_handler_would_run_it(bot: App) -> None:
    rules = bot.bot_data.access
    for command, permission in rules.commands.items():
        for mark in ("\u200b", "\u200f", "\u2066", "\ufeff", " \u200e "):
            update = text_update(f"{mark}/{command.upper()} add 1 admin", bot.bot)
            assert rules.needed_for(update) == permission, (mark, command)


async def test_every_staff_button_ptb_would_route_is_gated(bot: App) -> None:
    rules = bot.bot_data.access
    staff_handlers = [
        (h, button_feature(h.pattern))
        for h in all_handlers(bot)
        if isinstance(h, CallbackQueryHandler)
        and h.pattern is not None
        and button_feature(h.pattern) in rules.features
    ]
    assert staff_handlers

    @settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow])
    @given(button_data(sorted(rules.features)))
    def check(data: str) -> None:
        update = button_update(data, bot.bot)
        for handler, feature in staff_handlers:
            if handler.check_update(update):
                assert rules.needed_for(update) == rules.features[feature], data

    check()


async def test_button_patterns_match_in_full(bot: App) -> None:
    """A ``$`` would let ``v1:bcapp:approve:1\\n`` through; every pattern ends with ``\\Z``."""
    for handler in all_handlers(bot):
        if isinstance(handler, CallbackQueryHandler) and handler.pattern is not None:
            for data in ("v1:lang:fr\n", f"v1:{button_feature(handler.pattern)}:x\n"):
                assert not handler.check_update(button_update(data, bot.bot)), data
