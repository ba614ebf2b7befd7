"""Staff screens driven from a test: composing with /announce, and waiting for an approval
request."""

from __future__ import annotations

import asyncio

from tests.auxil.chat import ChatUser, Message


async def compose(
    author: ChatUser,
    texts: dict[str, str],
    *ticks: str,
    when: str = "now",
    category: str = "consular",
) -> list[Message]:
    """Run /announce with ``texts`` (English first), tick ``ticks`` on the audience screen,
    choose ``when``; return what the bot answered (for "now", the preview messages, the last
    one carrying Submit)."""
    (question,) = await author.send("/announce")
    (question,) = await author.choose(question, f"v1:ann:cat:{category}")
    (menu,) = await author.send(texts["en"])
    for language, text in texts.items():
        if language != "en":
            await author.choose(menu, f"v1:ann:lang:{language}")
            (menu,) = await author.send(text)
    (question,) = await author.choose(menu, "v1:ann:done")
    (question,) = await author.choose(question, "v1:ann:skip")
    for tick in ticks:
        (question,) = await author.choose(question, tick)
    (question,) = await author.choose(question, "v1:ann:aud")
    return await author.choose(question, f"v1:ann:when:{when}")


async def approval_request(user: ChatUser, data: str, timeout: float = 5.0) -> Message:
    """The message carrying the button with ``data`` the bot sent this user (waits for it)."""
    async with asyncio.timeout(timeout):
        while True:
            for message in reversed(await user.bot_messages()):
                if data in str(message.get("inline_keyboard", "")):
                    return message
            await asyncio.sleep(0.05)
