"""``SandboxClient``: an async httpx client for the sandbox's user side (tests, benchmarks)."""

from __future__ import annotations

from types import TracebackType
from typing import Any

import httpx


class SandboxClientError(Exception):
    """The sandbox refused a user-side request."""

    def __init__(self, status_code: int, error: str) -> None:
        super().__init__(f"{status_code}: {error}")
        self.status_code = status_code
        self.error = error


class SandboxClient:
    """Acts as the people on the user side: ``await client.send(user_id, "/start")``."""

    def __init__(
        self, base_url: str, timeout: float = 30.0, max_connections: int | None = 100
    ) -> None:
        """``max_connections=None`` lets every simulated person hold a long poll at once."""
        self.base_url = base_url.rstrip("/")
        limits = httpx.Limits(max_connections=max_connections, max_keepalive_connections=100)
        self._http = httpx.AsyncClient(base_url=self.base_url, timeout=timeout, limits=limits)

    async def _call(
        self,
        method: str,
        path: str,
        json: dict[str, Any] | None = None,
        params: dict[str, Any] | None = None,
        timeout: float | None = None,
        files: dict[str, tuple[str, bytes, str]] | None = None,
        data: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        extra: dict[str, Any] = {}
        if timeout is not None:
            extra["timeout"] = timeout
        if files is not None:  # multipart: the file parts and the form's other fields
            extra.update(files=files, data=data)
        response = await self._http.request(
            method, f"/sandbox/api/{path}", json=json, params=params, **extra
        )
        try:
            body = response.json()
        except ValueError:
            body = {"error": response.text}
        if response.status_code >= 400:
            raise SandboxClientError(response.status_code, str(body.get("error", body)))
        if not isinstance(body, dict):
            raise SandboxClientError(response.status_code, "unexpected answer")
        return body

    async def create_user(
        self,
        first_name: str,
        language_code: str = "en",
        last_name: str | None = None,
        username: str | None = None,
    ) -> dict[str, Any]:
        body: dict[str, Any] = {"first_name": first_name, "language_code": language_code}
        if last_name:
            body["last_name"] = last_name
        if username:
            body["username"] = username
        return await self._call("POST", "users", body)

    async def users(self) -> list[dict[str, Any]]:
        users: list[dict[str, Any]] = (await self._call("GET", "users"))["users"]
        return users

    async def user(self, user_id: int) -> dict[str, Any]:
        return await self._call("GET", f"users/{user_id}")

    async def send(self, user_id: int, text: str, reply_to: int | None = None) -> dict[str, Any]:
        """Send text as the user; ``reply_to``: the message id it replies to (Telegram's
        reply_to_message)."""
        body: dict[str, Any] = {"text": text}
        if reply_to is not None:
            body["reply_to"] = reply_to
        return await self._call("POST", f"users/{user_id}/send", body)

    async def attach(
        self,
        user_id: int,
        content: bytes,
        file_name: str,
        mime_type: str,
        caption: str | None = None,
    ) -> dict[str, Any]:
        """Send a file as the user: an image becomes a photo, anything else a document."""
        return await self._call(
            "POST",
            f"users/{user_id}/attach",
            files={"file": (file_name, content, mime_type)},
            data={"caption": caption} if caption else None,
        )

    async def press(
        self, user_id: int, message_id: int, data: str, forge: bool = False
    ) -> dict[str, Any]:
        body = {"message_id": message_id, "data": data, "forge": forge}
        return await self._call("POST", f"users/{user_id}/press", body)

    async def vote(self, user_id: int, poll_id: str, option_ids: list[int]) -> dict[str, Any]:
        body = {"poll_id": poll_id, "option_ids": option_ids}
        return await self._call("POST", f"users/{user_id}/vote", body)

    async def contact(
        self, user_id: int, phone_number: str | None = None, of_user: int | None = None
    ) -> dict[str, Any]:
        """Share a contact: the user's own, or (``of_user``) someone else's card."""
        body: dict[str, Any] = {"phone_number": phone_number} if phone_number else {}
        if of_user is not None:
            body["user_id"] = of_user
        return await self._call("POST", f"users/{user_id}/contact", body)

    async def block(self, user_id: int) -> dict[str, Any]:
        return await self._call("POST", f"users/{user_id}/block")

    async def unblock(self, user_id: int) -> dict[str, Any]:
        return await self._call("POST", f"users/{user_id}/unblock")

    async def chat(
        self, user_id: int, after: int = 0, wait: float | None = None
    ) -> list[dict[str, Any]]:
        params: dict[str, Any] = {"after": after}
        if wait:
            params["wait"] = wait
        timeout = (wait + 10.0) if wait else None
        body = await self._call("GET", f"users/{user_id}/chat", params=params, timeout=timeout)
        messages: list[dict[str, Any]] = body["messages"]
        return messages

    async def chat_state(self, user_id: int) -> dict[str, Any]:
        """The whole chat answer: messages, the active reply keyboard, version."""
        return await self._call("GET", f"users/{user_id}/chat")

    async def wait_for_bot_message(
        self,
        user_id: int,
        after_message_id: int = 0,
        timeout: float = 5.0,
    ) -> dict[str, Any]:
        """The first bot message newer than ``after_message_id``; TimeoutError if none comes."""
        messages = await self.chat(user_id, after=after_message_id, wait=timeout)
        for message in messages:
            if message["sender"] == "bot" and message["message_id"] > after_message_id:
                return message
        raise TimeoutError(f"no bot message for user {user_id} within {timeout} s")

    async def set_faults(self, **changes: Any) -> dict[str, Any]:
        return await self._call("POST", "faults", changes)

    async def faults(self) -> dict[str, Any]:
        return await self._call("GET", "faults")

    async def stats(self) -> dict[str, Any]:
        return await self._call("GET", "stats")

    async def reset(self) -> None:
        await self._call("POST", "reset")

    async def aclose(self) -> None:
        await self._http.aclose()

    async def __aenter__(self) -> SandboxClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.aclose()
