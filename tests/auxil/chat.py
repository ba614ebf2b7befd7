"""A sandbox user seen from a test: act as a person would, then read what the bot did."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from sandbox import SandboxClient

Message = dict[str, Any]
SETTLE_SECONDS = 0.15
#: How long a person waits for the bot's reply before the test fails. Generous: make test runs
#: three test processes per core, and a reply that takes seconds under that load is no defect.
REPLY_TIMEOUT = 10.0


class ChatUser:
    """One person in the sandbox, talking to the bot."""

    def __init__(self, client: SandboxClient, user: dict[str, Any]) -> None:
        self.client = client
        self.user = user
        self.id: int = user["id"]

    @classmethod
    async def create(cls, client: SandboxClient, name: str, language: str) -> ChatUser:
        return cls(client, await client.create_user(name, language_code=language))

    async def state(self) -> dict[str, Any]:
        return await self.client.chat_state(self.id)

    async def bot_messages(self) -> list[Message]:
        return [m for m in (await self.state())["messages"] if m["sender"] == "bot"]

    async def last_bot_message(self) -> Message:
        messages = await self.bot_messages()
        assert messages, "the bot has not written yet"
        return messages[-1]

    async def wait_for_text(self, fragment: str, timeout: float = 10.0) -> Message:
        """The first bot message containing ``fragment``, once the bot has written it (other
        messages may arrive first, e.g. a broadcast that reaches this person too)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while loop.time() < deadline:
            for message in await self.bot_messages():
                if fragment in message.get("text", ""):
                    return message
            await asyncio.sleep(0.05)
        raise TimeoutError(f"user {self.id} never saw {fragment!r} within {timeout} s")

    async def _act(
        self, action: Callable[[], Awaitable[Any]], timeout: float, expect: int = 1
    ) -> list[Message]:
        """Do ``action`` and return the bot messages that are new or changed after it (waiting
        for at least ``expect`` of them, then until nothing more comes within the settle time)."""
        before = await self.state()
        seen = {m["message_id"]: m for m in before["messages"]}
        await action()
        version = before["version"]
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        changed: list[Message] = []
        while True:
            remaining = deadline - loop.time()
            wait = SETTLE_SECONDS if len(changed) >= expect else remaining
            if wait <= 0:
                break
            body = await self.client._call(
                "GET", f"users/{self.id}/chat", params={"version": version, "wait": wait}
            )
            if body["version"] == version:
                if len(changed) >= expect:
                    break  # settled: nothing more within the settle time
                continue
            version = body["version"]
            changed = [
                m
                for m in body["messages"]
                if m["sender"] == "bot" and seen.get(m["message_id"]) != m
            ]
        if not changed:
            raise TimeoutError(f"the bot did not answer user {self.id} within {timeout} s")
        return changed

    async def send(
        self,
        text: str,
        timeout: float = REPLY_TIMEOUT,
        expect: int = 1,
        reply_to: int | None = None,
    ) -> list[Message]:
        """Send text (as a reply to message ``reply_to`` if given); return the bot messages it
        produced (new or edited), at least ``expect``."""
        return await self._act(lambda: self.client.send(self.id, text, reply_to), timeout, expect)

    async def press(
        self, message: Message, label: str, timeout: float = REPLY_TIMEOUT, expect: int = 1
    ) -> list[Message]:
        """Press the inline button whose text contains ``label`` on ``message``; return the
        bot messages it produced, at least ``expect``."""
        data = button_data(message, label)
        return await self._act(
            lambda: self.client.press(self.id, message["message_id"], data), timeout, expect
        )

    async def choose(
        self, message: Message, data: str, timeout: float = REPLY_TIMEOUT, expect: int = 1
    ) -> list[Message]:
        """Press the button carrying ``data`` (language-independent, but it must exist)."""
        button_with_data(message, data)
        return await self._act(
            lambda: self.client.press(self.id, message["message_id"], data), timeout, expect
        )

    async def attach(
        self,
        content: bytes,
        file_name: str,
        mime_type: str,
        timeout: float = REPLY_TIMEOUT,
        caption: str | None = None,
    ) -> list[Message]:
        """Send a file (an image arrives as a photo); return the bot's answer."""
        return await self._act(
            lambda: self.client.attach(self.id, content, file_name, mime_type, caption), timeout
        )

    async def share_contact(
        self,
        timeout: float = REPLY_TIMEOUT,
        *,
        phone: str | None = None,
        of_user: int | None = None,
    ) -> list[Message]:
        """Press the contact button (own number), or send ``of_user``'s contact card."""
        return await self._act(lambda: self.client.contact(self.id, phone, of_user), timeout)

    async def callback_answer(self, query_id: str) -> str:
        """The text the bot answered a button press with (an alert or a toast), once it has."""
        for _ in range(200):
            answers = (await self.state())["callback_answers"]
            if query_id in answers:
                return str(answers[query_id].get("text") or "")
            await asyncio.sleep(0.025)
        raise TimeoutError(f"no answer to button press {query_id}")

    async def press_data(
        self, message_id: int, data: str, *, forge: bool = False
    ) -> dict[str, Any]:
        """Press with arbitrary callback data (forge=True sends data no button carries)."""
        return await self.client.press(self.id, message_id, data, forge=forge)


def button_data(message: Message, label: str) -> str:
    """The callback_data of the button whose text contains ``label``."""
    for row in message.get("inline_keyboard", []):
        for button in row:
            if label in button["text"] and "callback_data" in button:
                return str(button["callback_data"])
    labels = [b["text"] for row in message.get("inline_keyboard", []) for b in row]
    raise AssertionError(f"no button {label!r} on the message; buttons: {labels}")


def button_labels(message: Message) -> list[str]:
    return [b["text"] for row in message.get("inline_keyboard", []) for b in row]


def button_with_data(message: Message, data: str) -> str:
    """Check the message really carries a button with this callback data, and return it."""
    for row in message.get("inline_keyboard", []):
        for button in row:
            if button.get("callback_data") == data:
                return data
    raise AssertionError(f"no button with data {data!r}; buttons: {button_labels(message)}")
