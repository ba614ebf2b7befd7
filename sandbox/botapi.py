"""The Bot API emulator: ``POST|GET /bot{token}/{method}`` with Telegram's answers and errors.

Bodies may be JSON, form-urlencoded or multipart (python-telegram-bot sends nested values
such as ``reply_markup`` JSON-encoded inside forms). Every call goes through the fault
injector first; rejected calls (429, 403, 5xx, timeouts) change nothing.
"""

from __future__ import annotations

import asyncio
import json
import re
import struct
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from sandbox.faults import FaultInjector
from sandbox.formatting import EntityParseError, parse_text
from sandbox.state import (
    JSON,
    SandboxUser,
    StoredFile,
    StoredMessage,
    StoredPoll,
    WebhookConfig,
    WorldState,
    now,
)
from sandbox.stats import Stats

MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_POLL_QUESTION = 300
MAX_POLL_OPTION = 100
MAX_POLL_OPTIONS = 12
MAX_OPEN_PERIOD = 2_628_000
CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)
QUERY_INVALID = "query is too old and response timeout expired or query ID is invalid"
_SECRET = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
_COMMAND_NAME = re.compile(r"^[a-z0-9_]{1,32}$")
_ERROR_NAMES = {500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable"}


class ApiError(Exception):
    """A Bot API error answer: HTTP status, Telegram's description, optional retry_after."""

    def __init__(self, status: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.retry_after = retry_after


def bad_request(reason: str) -> ApiError:
    return ApiError(400, f"Bad Request: {reason}")


def error_response(error: ApiError) -> web.Response:
    body: JSON = {"ok": False, "error_code": error.status, "description": error.description}
    if error.retry_after is not None:
        body["parameters"] = {"retry_after": error.retry_after}
    return web.json_response(body, status=error.status)


class Upload:
    """A file part of a multipart request."""

    def __init__(self, filename: str | None, content_type: str | None, content: bytes) -> None:
        self.filename = filename
        self.content_type = content_type
        self.content = content


class Params:
    """Method parameters from the query string and a JSON, form or multipart body."""

    def __init__(self, values: dict[str, Any], files: dict[str, Upload]) -> None:
        self.values = values
        self.files = files

    @classmethod
    async def from_request(cls, request: web.Request) -> Params:
        values: dict[str, Any] = dict(request.query)
        files: dict[str, Upload] = {}
        if request.method == "POST" and request.can_read_body:
            if request.content_type == "application/json":
                try:
                    body = await request.json()
                except ValueError as exc:
                    raise bad_request("can't parse JSON body") from exc
                if isinstance(body, dict):
                    values.update(body)
            else:
                form = await request.post()
                for key, value in form.items():
                    if isinstance(value, web.FileField):
                        files[key] = Upload(value.filename, value.content_type, value.file.read())
                    else:
                        values[key] = value
        return cls(values, files)

    def raw(self, name: str) -> Any:
        value = self.values.get(name)
        return None if value == "" else value

    def string(self, name: str) -> str | None:
        value = self.raw(name)
        if value is None:
            return None
        return value if isinstance(value, str) else json.dumps(value)

    def integer(self, name: str) -> int | None:
        value = self.raw(name)
        if value is None:
            return None
        try:
            return int(value)
        except (TypeError, ValueError) as exc:
            raise bad_request(f"invalid {name} specified") from exc

    def boolean(self, name: str, default: bool = False) -> bool:
        value = self.raw(name)
        if value is None:
            return default
        if isinstance(value, bool):
            return value
        return str(value).lower() in ("true", "1")

    def json(self, name: str) -> Any:
        value = self.raw(name)
        if isinstance(value, str):
            try:
                return json.loads(value)
            except ValueError as exc:
                raise bad_request(f"can't parse {name} JSON object") from exc
        return value


def image_size(content: bytes) -> tuple[int, int]:
    """Width and height of a PNG, GIF or JPEG image (1x1 when unknown)."""
    if content[:8] == b"\x89PNG\r\n\x1a\n" and len(content) >= 24:
        width, height = struct.unpack(">II", content[16:24])
        return int(width), int(height)
    if content[:6] in (b"GIF87a", b"GIF89a") and len(content) >= 10:
        width, height = struct.unpack("<HH", content[6:10])
        return int(width), int(height)
    if content[:2] == b"\xff\xd8":
        index = 2
        while index + 9 < len(content):
            if content[index] != 0xFF:
                break
            marker = content[index + 1]
            (length,) = struct.unpack(">H", content[index + 2 : index + 4])
            if marker in (0xC0, 0xC1, 0xC2):
                height, width = struct.unpack(">HH", content[index + 5 : index + 9])
                return int(width), int(height)
            index += 2 + int(length)
    return 1, 1


def validate_inline_keyboard(markup: Any) -> JSON:
    rows = markup.get("inline_keyboard")
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise bad_request(
            'field "inline_keyboard" of the InlineKeyboardMarkup should be an Array of Arrays'
        )
    clean_rows: list[list[JSON]] = []
    for row in rows:
        clean_row: list[JSON] = []
        for button in row:
            if not isinstance(button, dict) or not button.get("text"):
                raise bad_request("can't parse inline keyboard button: Text must be non-empty")
            clean = {key: value for key, value in button.items() if value is not None}
            if "callback_data" in clean:
                data = str(clean["callback_data"])
                if not 1 <= len(data.encode("utf-8")) <= 64:
                    raise bad_request("BUTTON_DATA_INVALID")
            elif "url" in clean:
                url = str(clean["url"])
                if not re.match(r"^(https?|tg)://\S+$", url):
                    raise bad_request(
                        f"inline keyboard button URL '{url}' is invalid: Wrong HTTP URL"
                    )
            elif not any(
                key in clean
                for key in (
                    "web_app",
                    "login_url",
                    "switch_inline_query",
                    "switch_inline_query_current_chat",
                    "switch_inline_query_chosen_chat",
                    "copy_text",
                    "callback_game",
                    "pay",
                )
            ):
                raise bad_request(
                    "can't parse inline keyboard button: Text buttons are unallowed in the "
                    "inline keyboard"
                )
            clean_row.append(clean)
        clean_rows.append(clean_row)
    return {"inline_keyboard": clean_rows}


def validate_reply_markup(markup: Any) -> JSON | None:
    """Check a reply_markup and return it normalised (None when absent)."""
    if markup is None:
        return None
    if not isinstance(markup, dict):
        raise bad_request("can't parse reply keyboard markup JSON object")
    if "inline_keyboard" in markup:
        return validate_inline_keyboard(markup)
    if "keyboard" in markup:
        rows = markup["keyboard"]
        if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
            raise bad_request(
                'field "keyboard" of the ReplyKeyboardMarkup should be an Array of Arrays'
            )
        keyboard = [
            [{"text": button} if isinstance(button, str) else dict(button) for button in row]
            for row in rows
        ]
        if any(not button.get("text") for row in keyboard for button in row):
            raise bad_request("can't parse keyboard button: Text must be non-empty")
        return {**markup, "keyboard": keyboard}
    if markup.get("remove_keyboard") or markup.get("force_reply"):
        return dict(markup)
    raise bad_request('can\'t find field "inline_keyboard"')


SendHook = Callable[[], None]
Method = Callable[[Params], Awaitable[Any]]


class BotApi:
    """Serves the Bot API for one bot token against a :class:`WorldState`."""

    def __init__(
        self,
        state: WorldState,
        faults: FaultInjector,
        stats: Stats,
        token: str,
        webhook_changed: SendHook,
    ) -> None:
        self.state = state
        self.faults = faults
        self.stats = stats
        self.token = token
        self.webhook_changed = webhook_changed
        self._poll_generation = 0
        self._poll_timers: dict[str, asyncio.TimerHandle] = {}
        self.methods: dict[str, Method] = {
            name.lower(): getattr(self, name)
            for name in (
                "getMe",
                "getUpdates",
                "setWebhook",
                "deleteWebhook",
                "getWebhookInfo",
                "sendMessage",
                "editMessageText",
                "editMessageReplyMarkup",
                "editMessageCaption",
                "deleteMessage",
                "answerCallbackQuery",
                "sendPoll",
                "stopPoll",
                "sendPhoto",
                "sendDocument",
                "getFile",
                "sendChatAction",
                "setMyCommands",
                "getMyCommands",
                "deleteMyCommands",
                "setChatMenuButton",
                "getChatMenuButton",
                "setMyName",
                "setMyDescription",
                "setMyShortDescription",
                "getChat",
                "close",
                "logOut",
            )
        }

    def reset(self) -> None:
        """Cancel pending poll closings (the world they belonged to is gone)."""
        for timer in self._poll_timers.values():
            timer.cancel()
        self._poll_timers.clear()
        self._poll_generation += 1

    def routes(self) -> list[web.RouteDef]:
        return [
            web.route("*", "/bot{token}/{method}", self.handle),
            web.get("/file/bot{token}/{folder}/{file_id}", self.download),
        ]

    # --- plumbing ------------------------------------------------------------------------------
    async def handle(self, request: web.Request) -> web.StreamResponse:
        method = request.match_info["method"]
        self.stats.requests += 1
        self.stats.per_method[method] += 1
        if request.match_info["token"] != self.token:
            return error_response(ApiError(401, "Unauthorized"))
        if self.faults.latency_s:
            await asyncio.sleep(self.faults.latency_s)
        implementation = self.methods.get(method.lower())
        if implementation is None:
            return error_response(ApiError(404, "Not Found"))
        try:
            params = await Params.from_request(request)
        except ApiError as error:
            self.stats.bad_requests += 1
            return error_response(error)
        chat_key = params.raw("chat_id")
        fault = self.faults.injected(method, chat_key)
        if fault is not None:
            if fault.status == "timeout":
                self.stats.timeouts += 1
                await asyncio.sleep(self.faults.config.timeout_s)
                return error_response(ApiError(504, "Gateway Timeout"))
            status = int(fault.status)
            if status == 429:
                self.stats.rate_limited += 1
                return error_response(
                    ApiError(
                        429,
                        f"Too Many Requests: retry after {fault.retry_after}",
                        fault.retry_after,
                    )
                )
            if status >= 500:
                self.stats.server_errors += 1
            elif status == 403:
                self.stats.forbidden += 1
            return error_response(ApiError(status, _ERROR_NAMES.get(status, "Error")))
        wait = self.faults.flood_wait(method, chat_key)
        if wait is not None:
            self.stats.rate_limited += 1
            return error_response(ApiError(429, f"Too Many Requests: retry after {wait}", wait))
        try:
            result = await implementation(params)
        except ApiError as error:
            if error.status == 403:
                self.stats.forbidden += 1
            elif error.status == 400:
                self.stats.bad_requests += 1
            return error_response(error)
        self.faults.consume(method, chat_key)
        if method.lower() in ("sendmessage", "sendphoto", "senddocument", "sendpoll"):
            self.stats.messages_sent += 1
        return web.json_response({"ok": True, "result": result})

    async def download(self, request: web.Request) -> web.StreamResponse:
        if request.match_info["token"] != self.token:
            return error_response(ApiError(401, "Unauthorized"))
        stored = self.state.files.get(request.match_info["file_id"])
        if stored is None:
            return error_response(ApiError(404, "Not Found"))
        return file_response(stored)

    def _user(self, params: Params) -> SandboxUser:
        value = params.raw("chat_id")
        if value is None:
            raise bad_request("chat_id is empty")
        try:
            chat_id = int(value)
        except (TypeError, ValueError) as exc:
            raise bad_request("chat not found") from exc
        user = self.state.users.get(chat_id)
        if user is None:
            raise bad_request("chat not found")
        return user

    @staticmethod
    def _check_not_blocked(user: SandboxUser) -> None:
        if user.blocked:
            raise ApiError(403, "Forbidden: bot was blocked by the user")

    @staticmethod
    def _parse(text: str, parse_mode: str | None) -> tuple[str, list[JSON]]:
        try:
            return parse_text(text, parse_mode)
        except EntityParseError as exc:
            raise bad_request(f"can't parse entities: {exc}") from exc

    def _bot_message(self, user: SandboxUser, params: Params) -> StoredMessage | None:
        message_id = params.integer("message_id")
        if message_id is None:
            return None
        return self.state.get_message(user.id, message_id)

    def _reply_fields(self, user: SandboxUser, params: Params) -> JSON:
        fields: JSON = {}
        reply_to = params.integer("reply_to_message_id")
        reply_parameters = params.json("reply_parameters")
        if isinstance(reply_parameters, dict) and reply_parameters.get("message_id"):
            reply_to = int(reply_parameters["message_id"])
        if reply_to is not None:
            original = self.state.get_message(user.id, reply_to)
            if original is None:
                allow = isinstance(reply_parameters, dict) and reply_parameters.get(
                    "allow_sending_without_reply"
                )
                if not allow:
                    raise bad_request("message to be replied not found")
            else:
                fields["reply_to_message"] = dict(original.data)
        return fields

    def _store_bot_message(
        self,
        user: SandboxUser,
        fields: JSON,
        markup: JSON | None,
        raw_text: str | None = None,
        parse_mode: str | None = None,
    ) -> StoredMessage:
        if markup is not None and "inline_keyboard" in markup:
            fields["reply_markup"] = markup
        stored = self.state.add_message(user.id, "bot", fields, raw_text, parse_mode)
        if markup is not None and "inline_keyboard" not in markup:
            stored.reply_keyboard = markup
        return stored

    # --- bot identity and updates --------------------------------------------------------------
    async def getMe(self, params: Params) -> JSON:
        return {
            **self.state.bot_user(),
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    async def getUpdates(self, params: Params) -> list[JSON]:
        state = self.state
        if state.webhook is not None:
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; use "
                "deleteWebhook to delete the webhook first",
            )
        offset = params.integer("offset")
        limit = min(max(params.integer("limit") or 100, 1), 100)
        timeout = max(params.integer("timeout") or 0, 0)
        allowed = params.json("allowed_updates")
        if isinstance(allowed, list):
            state.set_allowed_updates([str(kind) for kind in allowed])
        if offset is not None:
            state.confirm_updates(offset)
        self._poll_generation += 1
        generation = self._poll_generation
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            if generation != self._poll_generation:
                raise ApiError(
                    409,
                    "Conflict: terminated by other getUpdates request; make sure that only "
                    "one bot instance is running",
                )
            if state.webhook is not None or state.closing:
                return []
            if state.updates:
                return [dict(update) for update in list(state.updates)[:limit]]
            remaining = deadline - loop.time()
            if remaining <= 0:
                return []
            await state.updates_changed.wait(remaining)

    async def setWebhook(self, params: Params) -> bool:
        url = params.string("url")
        if not url:
            return await self.deleteWebhook(params)
        if not re.match(r"^https?://\S+$", url):
            raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
        secret = params.string("secret_token")
        if secret is not None and not _SECRET.match(secret):
            raise bad_request("secret token contains unallowed characters")
        allowed = params.json("allowed_updates")
        if isinstance(allowed, list):
            self.state.set_allowed_updates([str(kind) for kind in allowed])
        if params.boolean("drop_pending_updates"):
            self.state.drop_pending_updates()
        self.state.webhook = WebhookConfig(
            url=url, secret_token=secret, max_connections=params.integer("max_connections") or 40
        )
        self._poll_generation += 1
        self.state.updates_changed.notify()
        self.webhook_changed()
        return True

    async def deleteWebhook(self, params: Params) -> bool:
        if params.boolean("drop_pending_updates"):
            self.state.drop_pending_updates()
        self.state.webhook = None
        self.webhook_changed()
        return True

    async def getWebhookInfo(self, params: Params) -> JSON:
        webhook = self.state.webhook
        info: JSON = {
            "url": webhook.url if webhook else "",
            "has_custom_certificate": False,
            "pending_update_count": len(self.state.updates),
        }
        if webhook is not None:
            info["max_connections"] = webhook.max_connections
            if webhook.last_error_date is not None:
                info["last_error_date"] = webhook.last_error_date
                info["last_error_message"] = webhook.last_error_message
        if self.state.allowed_updates:
            info["allowed_updates"] = list(self.state.allowed_updates)
        return info

    # --- text messages -------------------------------------------------------------------------
    def _text_content(self, params: Params) -> tuple[str, str, list[JSON], str | None]:
        text = params.string("text")
        parse_mode = params.string("parse_mode")
        if text is None or not text.strip():
            raise bad_request("message text is empty")
        plain, entities = self._parse(text, parse_mode)
        if not plain.strip():
            raise bad_request("message text is empty")
        if len(plain) > MAX_TEXT:
            raise bad_request("message is too long")
        given = params.json("entities")
        if not parse_mode and isinstance(given, list):
            entities = given
        return text, plain, entities, parse_mode

    async def sendMessage(self, params: Params) -> JSON:
        user = self._user(params)
        text, plain, entities, parse_mode = self._text_content(params)
        markup = validate_reply_markup(params.json("reply_markup"))
        fields = self._reply_fields(user, params)
        self._check_not_blocked(user)
        fields["text"] = plain
        if entities:
            fields["entities"] = entities
        preview = params.json("link_preview_options")
        if isinstance(preview, dict) and preview:
            fields["link_preview_options"] = preview
        elif params.boolean("disable_web_page_preview"):
            fields["link_preview_options"] = {"is_disabled": True}
        stored = self._store_bot_message(user, fields, markup, text, parse_mode)
        return stored.data

    def _editable(self, params: Params) -> tuple[SandboxUser, StoredMessage]:
        if params.raw("inline_message_id") is not None:
            raise bad_request("message to edit not found")
        user = self._user(params)
        if params.raw("message_id") is None:
            raise bad_request("message identifier is not specified")
        stored = self._bot_message(user, params)
        if stored is None:
            raise bad_request("message to edit not found")
        if stored.sender != "bot":
            raise bad_request("message can't be edited")
        return user, stored

    def _apply_edit(self, stored: StoredMessage, changes: JSON, markup: JSON | None) -> JSON:
        current = {key: stored.data.get(key) for key in changes}
        current_markup = stored.data.get("reply_markup")
        new_markup = markup if markup is not None and "inline_keyboard" in markup else None
        if current == changes and current_markup == new_markup:
            raise bad_request(
                "message is not modified: specified new message content and reply markup are "
                "exactly the same as a current content and reply markup of the message"
            )
        for key, value in changes.items():
            if value is None or value == []:
                stored.data.pop(key, None)
            else:
                stored.data[key] = value
        if new_markup is None:
            stored.data.pop("reply_markup", None)
        else:
            stored.data["reply_markup"] = new_markup
        stored.data["edit_date"] = max(int(stored.data["date"]), now())
        stored.edited = True
        self.state.touch(stored.chat_id)
        return stored.data

    async def editMessageText(self, params: Params) -> JSON:
        user, stored = self._editable(params)
        if "text" not in stored.data:
            raise bad_request("there is no text in the message to edit")
        text, plain, entities, parse_mode = self._text_content(params)
        markup = validate_reply_markup(params.json("reply_markup"))
        self._check_not_blocked(user)
        result = self._apply_edit(stored, {"text": plain, "entities": entities or None}, markup)
        stored.raw_text = text
        stored.parse_mode = parse_mode
        return result

    async def editMessageCaption(self, params: Params) -> JSON:
        user, stored = self._editable(params)
        if "photo" not in stored.data and "document" not in stored.data:
            raise bad_request("there is no caption in the message to edit")
        caption = params.string("caption") or ""
        parse_mode = params.string("parse_mode")
        plain, entities = self._parse(caption, parse_mode)
        if len(plain) > MAX_CAPTION:
            raise bad_request("message caption is too long")
        markup = validate_reply_markup(params.json("reply_markup"))
        self._check_not_blocked(user)
        result = self._apply_edit(
            stored,
            {"caption": plain or None, "caption_entities": entities or None},
            markup,
        )
        stored.raw_text = caption
        stored.parse_mode = parse_mode
        return result

    async def editMessageReplyMarkup(self, params: Params) -> JSON:
        user, stored = self._editable(params)
        markup = validate_reply_markup(params.json("reply_markup"))
        self._check_not_blocked(user)
        return self._apply_edit(stored, {}, markup)

    async def deleteMessage(self, params: Params) -> bool:
        user = self._user(params)
        message_id = params.integer("message_id")
        if message_id is None:
            raise bad_request("message identifier is not specified")
        if not self.state.delete_message(user.id, message_id):
            raise bad_request("message to delete not found")
        return True

    async def answerCallbackQuery(self, params: Params) -> bool:
        query_id = params.string("callback_query_id")
        if not query_id or query_id not in self.state.callback_queries:
            raise bad_request(QUERY_INVALID)
        if query_id in self.state.callback_answers:
            raise bad_request(QUERY_INVALID)
        text = params.string("text")
        if text is not None and len(text) > 200:
            raise bad_request("MESSAGE_TOO_LONG")
        self.state.answer_callback(
            query_id,
            {"text": text, "show_alert": params.boolean("show_alert"), "url": params.string("url")},
        )
        return True

    # --- polls ---------------------------------------------------------------------------------
    async def sendPoll(self, params: Params) -> JSON:
        user = self._user(params)
        question = params.string("question") or ""
        if not question.strip():
            raise bad_request("poll question must be non-empty")
        if len(question) > MAX_POLL_QUESTION:
            raise bad_request("poll question length must not exceed 300")
        raw_options = params.json("options")
        if not isinstance(raw_options, list):
            raise bad_request("poll must have at least 2 option")
        options = [
            str(option.get("text", "")) if isinstance(option, dict) else str(option)
            for option in raw_options
        ]
        if len(options) < 2:
            raise bad_request("poll must have at least 2 option")
        if len(options) > MAX_POLL_OPTIONS:
            raise bad_request("poll can't have more than 12 options")
        if any(not option.strip() for option in options):
            raise bad_request("poll options must be non-empty")
        if any(len(option) > MAX_POLL_OPTION for option in options):
            raise bad_request("poll options length must not exceed 100")
        poll_type = params.string("type") or "regular"
        if poll_type not in ("regular", "quiz"):
            raise bad_request("poll type is invalid")
        correct = params.integer("correct_option_id")
        if poll_type == "quiz" and (correct is None or not 0 <= correct < len(options)):
            raise bad_request("wrong correct option ID specified")
        open_period = params.integer("open_period")
        close_date = params.integer("close_date")
        if open_period is not None:
            if not 5 <= open_period <= MAX_OPEN_PERIOD:
                raise bad_request("wrong open period specified")
            close_date = now() + open_period
        elif close_date is not None and not 5 <= close_date - now() <= MAX_OPEN_PERIOD:
            raise bad_request("wrong close date specified")
        markup = validate_reply_markup(params.json("reply_markup"))
        fields = self._reply_fields(user, params)
        self._check_not_blocked(user)
        poll_id = self.state.new_poll_id()
        poll = StoredPoll(
            id=poll_id,
            chat_id=user.id,
            message_id=0,
            question=question,
            options=options,
            persistent_ids=[f"{poll_id}-{index}" for index in range(len(options))],
            is_anonymous=params.boolean("is_anonymous", True),
            type=poll_type,
            allows_multiple_answers=params.boolean("allows_multiple_answers"),
            is_closed=params.boolean("is_closed"),
            open_period=open_period,
            close_date=close_date,
            correct_option_id=correct,
            explanation=params.string("explanation"),
        )
        fields["poll"] = poll.to_api()
        stored = self._store_bot_message(user, fields, markup)
        stored.poll_id = poll_id
        poll.message_id = stored.message_id
        self.state.polls[poll_id] = poll
        if close_date is not None and not poll.is_closed:
            delay = max(close_date - now(), 0)
            loop = asyncio.get_running_loop()
            self._poll_timers[poll_id] = loop.call_later(delay, self._close_poll, poll_id)
        return stored.data

    def _close_poll(self, poll_id: str) -> None:
        self._poll_timers.pop(poll_id, None)
        poll = self.state.polls.get(poll_id)
        if poll is None or poll.is_closed:
            return
        poll.is_closed = True
        self.state.refresh_poll(poll)
        self.state.enqueue_update("poll", poll.to_api())

    async def stopPoll(self, params: Params) -> JSON:
        user = self._user(params)
        stored = self._bot_message(user, params)
        if stored is None or stored.poll_id is None:
            raise bad_request("message with poll to stop not found")
        poll = self.state.polls[stored.poll_id]
        if poll.closed_now():
            raise bad_request("poll has already been closed")
        markup = validate_reply_markup(params.json("reply_markup"))
        poll.is_closed = True
        timer = self._poll_timers.pop(poll.id, None)
        if timer is not None:
            timer.cancel()
        if markup is not None and "inline_keyboard" in markup:
            stored.data["reply_markup"] = markup
        self.state.refresh_poll(poll)
        self.state.enqueue_update("poll", poll.to_api())
        return poll.to_api()

    # --- files ---------------------------------------------------------------------------------
    def _input_file(self, params: Params, name: str, kind: str) -> StoredFile:
        upload = self.files_of(params, name)
        if upload is not None:
            if not upload.content:
                raise bad_request("file must be non-empty")
            width, height = image_size(upload.content) if kind == "photo" else (0, 0)
            return self.state.add_file(
                kind,
                upload.content,
                upload.filename,
                upload.content_type,
                width=width,
                height=height,
            )
        reference = params.string(name)
        if not reference:
            raise bad_request(f"there is no {name} in the request")
        if reference.startswith(("http://", "https://")):
            raise bad_request("wrong file identifier/HTTP URL specified")
        stored = self.state.files.get(reference)
        if stored is None:
            raise bad_request("wrong file identifier/HTTP URL specified")
        if stored.kind != kind:
            other = "Photo" if stored.kind == "photo" else "Document"
            raise bad_request(f"can't use file of type {other} as {kind.capitalize()}")
        return stored

    @staticmethod
    def files_of(params: Params, name: str) -> Upload | None:
        reference = params.string(name)
        if reference and reference.startswith("attach://"):
            return params.files.get(reference.removeprefix("attach://"))
        return params.files.get(name)

    def _caption(self, params: Params) -> tuple[JSON, str | None, str | None]:
        caption = params.string("caption")
        parse_mode = params.string("parse_mode")
        if not caption:
            return {}, None, None
        plain, entities = self._parse(caption, parse_mode)
        if len(plain) > MAX_CAPTION:
            raise bad_request("message caption is too long")
        fields: JSON = {"caption": plain}
        if entities:
            fields["caption_entities"] = entities
        return fields, caption, parse_mode

    async def _send_file(self, params: Params, kind: str) -> JSON:
        user = self._user(params)
        caption_fields, caption, parse_mode = self._caption(params)
        markup = validate_reply_markup(params.json("reply_markup"))
        fields = self._reply_fields(user, params)
        self._check_not_blocked(user)
        fields.update(self._input_file(params, kind, kind).message_fields())
        fields.update(caption_fields)
        return self._store_bot_message(user, fields, markup, caption, parse_mode).data

    async def sendPhoto(self, params: Params) -> JSON:
        return await self._send_file(params, "photo")

    async def sendDocument(self, params: Params) -> JSON:
        return await self._send_file(params, "document")

    async def getFile(self, params: Params) -> JSON:
        file_id = params.string("file_id")
        stored = self.state.files.get(file_id or "")
        if stored is None:
            raise bad_request("invalid file_id")
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": len(stored.content),
            "file_path": stored.file_path,
        }

    # --- chat and bot settings -----------------------------------------------------------------
    async def sendChatAction(self, params: Params) -> bool:
        user = self._user(params)
        action = params.string("action")
        if action not in CHAT_ACTIONS:
            raise bad_request("wrong parameter action in request")
        self._check_not_blocked(user)
        self.state.chat_actions[user.id] = action
        return True

    @staticmethod
    def _commands_key(params: Params) -> tuple[str, str]:
        scope = params.json("scope") or {"type": "default"}
        if not isinstance(scope, dict) or "type" not in scope:
            raise bad_request("can't parse BotCommandScope JSON object")
        return json.dumps(scope, sort_keys=True), params.string("language_code") or ""

    async def setMyCommands(self, params: Params) -> bool:
        commands = params.json("commands")
        if not isinstance(commands, list) or len(commands) > 100:
            raise bad_request("can't parse commands JSON object")
        clean: list[JSON] = []
        for command in commands:
            if not isinstance(command, dict):
                raise bad_request("can't parse BotCommand JSON object")
            name = str(command.get("command", ""))
            description = str(command.get("description", ""))
            if not _COMMAND_NAME.match(name):
                raise bad_request("BOT_COMMAND_INVALID")
            if not 1 <= len(description) <= 256:
                raise bad_request("command description must be non-empty")
            clean.append({"command": name, "description": description})
        key = self._commands_key(params)
        if clean:
            self.state.commands[key] = clean
        else:
            self.state.commands.pop(key, None)
        return True

    async def getMyCommands(self, params: Params) -> list[JSON]:
        return list(self.state.commands.get(self._commands_key(params), []))

    async def deleteMyCommands(self, params: Params) -> bool:
        self.state.commands.pop(self._commands_key(params), None)
        return True

    async def setChatMenuButton(self, params: Params) -> bool:
        chat_id = None
        if params.raw("chat_id") is not None:
            chat_id = self._user(params).id
        button = params.json("menu_button") or {"type": "default"}
        if not isinstance(button, dict) or button.get("type") not in (
            "default",
            "commands",
            "web_app",
        ):
            raise bad_request("can't parse menu button JSON object")
        self.state.menu_buttons[chat_id] = button
        return True

    async def getChatMenuButton(self, params: Params) -> JSON:
        chat_id = None
        if params.raw("chat_id") is not None:
            chat_id = self._user(params).id
        buttons = self.state.menu_buttons
        return buttons.get(chat_id) or buttons.get(None) or {"type": "commands"}

    async def setMyName(self, params: Params) -> bool:
        return True

    async def setMyDescription(self, params: Params) -> bool:
        return True

    async def setMyShortDescription(self, params: Params) -> bool:
        return True

    async def getChat(self, params: Params) -> JSON:
        user = self._user(params)
        return {
            **user.to_chat(),
            "accent_color_id": user.id % 7,
            "max_reaction_count": 11,
            "accepted_gift_types": {
                "unlimited_gifts": True,
                "limited_gifts": True,
                "unique_gifts": True,
                "premium_subscription": True,
                "gifts_from_channels": True,
            },
        }

    async def close(self, params: Params) -> bool:
        return True

    async def logOut(self, params: Params) -> bool:
        return True


def file_response(stored: StoredFile) -> web.Response:
    """The bytes of a stored file, with its type and name."""
    headers = {}
    if stored.file_name:
        safe = stored.file_name.replace('"', "")
        headers["Content-Disposition"] = f'inline; filename="{safe}"'
    return web.Response(
        body=stored.content,
        content_type=stored.mime_type or "application/octet-stream",
        headers=headers,
    )
