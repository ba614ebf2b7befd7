"""The user side of the sandbox, a small JSON API under ``/sandbox/api/``.

People are emulated here: they are created with a language, send text, attach a photo or a
file, press inline buttons, vote in polls, share their contact, block and unblock the bot, and
read their chat (optionally long-polling for the bot's next message). Also: faults, stats,
reset, and ``info``, whose ``world_id`` changes when the world is new (a reset, or a restarted
server), so the web chat knows to reload.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from aiohttp import web

from sandbox.botapi import MAX_CAPTION, file_response, image_size
from sandbox.faults import FaultInjector
from sandbox.formatting import command_entities
from sandbox.state import JSON, SandboxUser, StoredMessage, WorldState, now
from sandbox.stats import Stats

MAX_WAIT = 60.0
PREFIX = "/sandbox/api"
#: Images sent as photos, as Telegram's apps do; any other file goes as a document.
PHOTO_TYPES = frozenset({"image/jpeg", "image/png", "image/gif"})


class UserError(Exception):
    """A refused user-side request: HTTP status and reason."""

    def __init__(self, status: int, error: str) -> None:
        super().__init__(error)
        self.status = status
        self.error = error


def _json_error(status: int, error: str) -> web.Response:
    return web.json_response({"ok": False, "error": error}, status=status)


async def _body(request: web.Request) -> dict[str, Any]:
    if not request.can_read_body:
        return {}
    try:
        body = await request.json()
    except ValueError as exc:
        raise UserError(400, "body must be JSON") from exc
    if not isinstance(body, dict):
        raise UserError(400, "body must be a JSON object")
    return body


class UserApi:
    """Routes of the user side, bound to one :class:`WorldState`."""

    def __init__(
        self,
        state: WorldState,
        faults: FaultInjector,
        stats: Stats,
        reset: Callable[[], None],
    ) -> None:
        self.state = state
        self.faults = faults
        self.stats = stats
        self.reset_all = reset

    def routes(self) -> list[web.RouteDef]:
        wrap = self._wrap
        return [
            web.get(f"{PREFIX}/info", wrap(self.info)),
            web.post(f"{PREFIX}/users", wrap(self.create_user)),
            web.get(f"{PREFIX}/users", wrap(self.list_users)),
            web.get(f"{PREFIX}/users/{{user_id}}", wrap(self.get_user)),
            web.post(f"{PREFIX}/users/{{user_id}}/send", wrap(self.send)),
            web.post(f"{PREFIX}/users/{{user_id}}/attach", wrap(self.attach)),
            web.post(f"{PREFIX}/users/{{user_id}}/press", wrap(self.press)),
            web.post(f"{PREFIX}/users/{{user_id}}/vote", wrap(self.vote)),
            web.post(f"{PREFIX}/users/{{user_id}}/contact", wrap(self.contact)),
            web.post(f"{PREFIX}/users/{{user_id}}/block", wrap(self.block)),
            web.post(f"{PREFIX}/users/{{user_id}}/unblock", wrap(self.unblock)),
            web.get(f"{PREFIX}/users/{{user_id}}/chat", wrap(self.chat)),
            web.get(f"{PREFIX}/faults", wrap(self.get_faults)),
            web.post(f"{PREFIX}/faults", wrap(self.set_faults)),
            web.get(f"{PREFIX}/stats", wrap(self.get_stats)),
            web.post(f"{PREFIX}/reset", wrap(self.reset)),
            web.get("/sandbox/files/{file_id}", self.download),
        ]

    @staticmethod
    def _wrap(
        handler: Callable[[web.Request], Any],
    ) -> Callable[[web.Request], Any]:
        async def wrapped(request: web.Request) -> web.StreamResponse:
            try:
                result = await handler(request)
            except UserError as error:
                return _json_error(error.status, error.error)
            return web.json_response(result)

        return wrapped

    def _user(self, request: web.Request) -> SandboxUser:
        try:
            user_id = int(request.match_info["user_id"])
        except ValueError as exc:
            raise UserError(404, "no such user") from exc
        user = self.state.users.get(user_id)
        if user is None:
            raise UserError(404, "no such user")
        return user

    @staticmethod
    def _require_unblocked(user: SandboxUser) -> None:
        if user.blocked:
            raise UserError(409, "the user has blocked the bot; unblock it first")

    # --- users ---------------------------------------------------------------------------------
    async def info(self, request: web.Request) -> JSON:
        return {"bot": self.state.bot_user(), "world_id": self.state.world_id}

    async def create_user(self, request: web.Request) -> JSON:
        body = await _body(request)
        first_name = str(body.get("first_name") or "").strip()
        if not first_name:
            raise UserError(400, "first_name is required")
        language = str(body.get("language_code") or "en").strip()
        user = self.state.add_user(
            first_name[:64],
            language[:35],
            last_name=(str(body["last_name"])[:64] if body.get("last_name") else None),
            username=(str(body["username"]).lstrip("@")[:32] if body.get("username") else None),
        )
        return user.to_sandbox()

    async def list_users(self, request: web.Request) -> JSON:
        return {"users": [user.to_sandbox() for user in self.state.users.values()]}

    async def get_user(self, request: web.Request) -> JSON:
        return self._user(request).to_sandbox()

    # --- actions -------------------------------------------------------------------------------
    async def send(self, request: web.Request) -> JSON:
        user = self._user(request)
        body = await _body(request)
        text = str(body.get("text") or "")
        if not text.strip():
            raise UserError(400, "text is empty")
        if len(text) > 4096:
            raise UserError(400, "text is too long")
        self._require_unblocked(user)
        fields: JSON = {"text": text}
        entities = command_entities(text)
        if entities:
            fields["entities"] = entities
        if body.get("reply_to") is not None:
            original = self.state.get_message(user.id, int(body["reply_to"]))
            if original is None:
                raise UserError(400, "message to reply to not found")
            fields["reply_to_message"] = dict(original.data)
        stored = self.state.add_message(user.id, "user", fields)
        self.state.enqueue_update("message", stored.data)
        return stored.data

    async def attach(self, request: web.Request) -> JSON:
        """Send a file (multipart field ``file``, optional ``caption``): an image arrives as a
        photo, anything else as a document, and the bot can fetch it with getFile."""
        user = self._user(request)
        if not request.content_type.startswith("multipart/"):
            raise UserError(400, "send the file as multipart/form-data, in a field named file")
        form = await request.post()
        upload = form.get("file")
        if not isinstance(upload, web.FileField):
            raise UserError(400, "file is required")
        content = upload.file.read()
        if not content:
            raise UserError(400, "the file is empty")
        caption = str(form.get("caption") or "").strip()
        if len(caption) > MAX_CAPTION:
            raise UserError(400, "caption is too long")
        self._require_unblocked(user)
        size = image_size(content)
        photo = upload.content_type in PHOTO_TYPES and size != (1, 1)
        stored_file = self.state.add_file(
            "photo" if photo else "document",
            content,
            upload.filename,
            upload.content_type,
            width=size[0] if photo else 0,
            height=size[1] if photo else 0,
        )
        fields = stored_file.message_fields()
        if caption:
            fields["caption"] = caption
        stored = self.state.add_message(user.id, "user", fields)
        self.state.enqueue_update("message", stored.data)
        return stored.data

    async def contact(self, request: web.Request) -> JSON:
        user = self._user(request)
        body = await _body(request)
        self._require_unblocked(user)
        contact: JSON = {
            "phone_number": str(body.get("phone_number") or user.phone_number),
            "first_name": user.first_name,
            "user_id": user.id,
        }
        owner = body.get("user_id")
        if isinstance(owner, int) and owner != user.id:
            # A contact card of someone else, picked from the address book.
            other = self.state.users.get(owner)
            contact["user_id"] = owner
            contact["first_name"] = other.first_name if other else "Someone"
            if other and not body.get("phone_number"):
                contact["phone_number"] = other.phone_number
        elif user.last_name:
            contact["last_name"] = user.last_name
        stored = self.state.add_message(user.id, "user", {"contact": contact})
        self.state.enqueue_update("message", stored.data)
        return stored.data

    async def press(self, request: web.Request) -> JSON:
        user = self._user(request)
        body = await _body(request)
        data = body.get("data")
        if not isinstance(data, str) or not data:
            raise UserError(400, "data is required")
        forge = bool(body.get("forge"))
        try:
            message_id = int(body.get("message_id") or 0)
        except (TypeError, ValueError) as exc:
            raise UserError(400, "message_id must be an integer") from exc
        self._require_unblocked(user)
        stored = self.state.get_message(user.id, message_id)
        if not forge:
            if stored is None or stored.sender != "bot":
                raise UserError(400, "no such bot message in this chat")
            buttons = [
                button
                for row in stored.data.get("reply_markup", {}).get("inline_keyboard", [])
                for button in row
            ]
            if not any(button.get("callback_data") == data for button in buttons):
                raise UserError(400, "that message has no inline button with this callback_data")
        query_id = self.state.new_callback_id()
        query: JSON = {
            "id": query_id,
            "from": user.to_api(),
            "chat_instance": str(-(user.id * 7919 + self.state.bot_id) % (10**18)),
            "data": data,
        }
        if stored is not None:
            query["message"] = stored.data
        self.state.callback_queries[query_id] = query
        update = self.state.enqueue_update("callback_query", query)
        return update or {"update_id": None, "callback_query": query}

    async def vote(self, request: web.Request) -> JSON:
        user = self._user(request)
        body = await _body(request)
        poll = self.state.polls.get(str(body.get("poll_id")))
        if poll is None or poll.chat_id != user.id:
            raise UserError(404, "no such poll in this chat")
        raw = body.get("option_ids")
        if not isinstance(raw, list) or not all(isinstance(item, int) for item in raw):
            raise UserError(400, "option_ids must be a list of integers")
        option_ids = sorted(set(raw))
        self._require_unblocked(user)
        if poll.closed_now():
            raise UserError(400, "the poll is closed")
        if any(not 0 <= option < len(poll.options) for option in option_ids):
            raise UserError(400, "no such option")
        if len(option_ids) > 1 and not poll.allows_multiple_answers:
            raise UserError(400, "this poll allows one answer only")
        previous = poll.votes.get(user.id, [])
        if poll.type == "quiz" and previous:
            raise UserError(400, "quiz answers cannot be changed")
        updates: list[JSON] = []
        if previous != option_ids:
            if option_ids:
                poll.votes[user.id] = option_ids
            else:
                poll.votes.pop(user.id, None)
            self.state.refresh_poll(poll)
            if not poll.is_anonymous:
                answer = self.state.enqueue_update(
                    "poll_answer",
                    {
                        "poll_id": poll.id,
                        "user": user.to_api(),
                        "option_ids": option_ids,
                        "option_persistent_ids": [poll.persistent_ids[i] for i in option_ids],
                    },
                )
                if answer:
                    updates.append(answer)
            state_update = self.state.enqueue_update("poll", poll.to_api())
            if state_update:
                updates.append(state_update)
        return {"poll": poll.to_api(), "option_ids": option_ids, "updates": updates}

    def _member_update(self, user: SandboxUser, old: str, new: str) -> JSON | None:
        def member(status: str) -> JSON:
            result: JSON = {"user": self.state.bot_user(), "status": status}
            if status == "kicked":
                result["until_date"] = 0
            return result

        return self.state.enqueue_update(
            "my_chat_member",
            {
                "chat": user.to_chat(),
                "from": user.to_api(),
                "date": now(),
                "old_chat_member": member(old),
                "new_chat_member": member(new),
            },
        )

    async def block(self, request: web.Request) -> JSON:
        user = self._user(request)
        update = None
        if not user.blocked:
            user.blocked = True
            update = self._member_update(user, "member", "kicked")
            self.state.touch(user.id)
        return {"user": user.to_sandbox(), "update": update}

    async def unblock(self, request: web.Request) -> JSON:
        user = self._user(request)
        update = None
        if user.blocked:
            user.blocked = False
            update = self._member_update(user, "kicked", "member")
            self.state.touch(user.id)
        return {"user": user.to_sandbox(), "update": update}

    # --- reading the chat ----------------------------------------------------------------------
    def _view(self, user: SandboxUser, stored: StoredMessage) -> JSON:
        data = stored.data
        view: JSON = {
            "message_id": stored.message_id,
            "sender": stored.sender,
            "date": data["date"],
            "edited": stored.edited,
            "parse_mode": stored.parse_mode,
            "message": data,
        }
        if "text" in data:
            view["text"] = data["text"]
            view["entities"] = data.get("entities", [])
        if "caption" in data:
            view["caption"] = data["caption"]
        if stored.raw_text is not None:
            view["raw_text"] = stored.raw_text
        if "reply_markup" in data:
            view["inline_keyboard"] = data["reply_markup"]["inline_keyboard"]
        if stored.reply_keyboard is not None:
            view["reply_keyboard"] = stored.reply_keyboard
        if stored.poll_id is not None:
            poll = self.state.polls.get(stored.poll_id)
            if poll is not None:
                view["poll"] = {**poll.to_api(), "my_option_ids": poll.votes.get(user.id, [])}
        if "photo" in data:
            photo = data["photo"][-1]
            view["photo"] = {**photo, "url": f"/sandbox/files/{photo['file_id']}"}
        if "document" in data:
            document = data["document"]
            view["document"] = {**document, "url": f"/sandbox/files/{document['file_id']}"}
        if "contact" in data:
            view["contact"] = data["contact"]
        return view

    def _active_reply_keyboard(self, messages: list[StoredMessage]) -> JSON | None:
        for index in range(len(messages) - 1, -1, -1):
            keyboard = messages[index].reply_keyboard
            if keyboard is None:
                continue
            if "keyboard" not in keyboard:
                return None
            answered = any(m.sender == "user" for m in messages[index + 1 :])
            if keyboard.get("one_time_keyboard") and answered:
                return None
            return keyboard
        return None

    async def chat(self, request: web.Request) -> JSON:
        user = self._user(request)
        try:
            after = int(request.query.get("after", "0") or 0)
            wait = min(float(request.query.get("wait", "0") or 0), MAX_WAIT)
            version = request.query.get("version")
            since = int(version) if version not in (None, "") else None
        except ValueError as exc:
            raise UserError(400, "after, wait and version must be numbers") from exc
        loop = asyncio.get_running_loop()
        deadline = loop.time() + wait
        state = self.state
        while True:
            messages = state.chats.get(user.id, [])
            if since is not None:
                ready = state.chat_versions.get(user.id, 0) > since
            else:
                ready = any(m.sender == "bot" and m.message_id > after for m in messages)
            remaining = deadline - loop.time()
            if ready or remaining <= 0 or state.closing:
                break
            await state.chat_notifier(user.id).wait(remaining)
        messages = list(state.chats.get(user.id, []))
        return {
            "user": user.to_sandbox(),
            "messages": [self._view(user, m) for m in messages if m.message_id > after],
            "reply_keyboard": self._active_reply_keyboard(messages),
            "version": state.chat_versions.get(user.id, 0),
            "callback_answers": state.callback_answers_for(user.id),
        }

    async def download(self, request: web.Request) -> web.StreamResponse:
        stored = self.state.files.get(request.match_info["file_id"])
        if stored is None:
            return _json_error(404, "no such file")
        return file_response(stored)

    # --- control -------------------------------------------------------------------------------
    async def get_faults(self, request: web.Request) -> JSON:
        return self.faults.config.to_json()

    async def set_faults(self, request: web.Request) -> JSON:
        body = await _body(request)
        try:
            return self.faults.update(body).to_json()
        except (TypeError, ValueError) as exc:
            raise UserError(400, str(exc)) from exc

    async def get_stats(self, request: web.Request) -> JSON:
        return self.stats.to_json()

    async def reset(self, request: web.Request) -> JSON:
        self.reset_all()
        return {"ok": True}
