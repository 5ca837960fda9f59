"""HTTP control endpoints under /_sandbox/ for a browser simulator or a standalone sandbox."""

from __future__ import annotations

import json
from functools import partial
from typing import Any

from aiohttp import web

from sandbox import actions
from sandbox.core import Core
from sandbox.models import FakeChat, FakeUser

CORE_KEY = web.AppKey("core", Core)
_USER_FIELDS = ("id", "first_name", "last_name", "username", "language_code")
_json = partial(web.json_response, dumps=partial(json.dumps, ensure_ascii=False))


def _user(core: Core, data: Any) -> FakeUser:
    if not isinstance(data, dict) or "id" not in data:
        raise ValueError("'user' must be an object with at least 'id'")
    known = core.world.users.get(int(data["id"]))
    fields = {k: data[k] for k in _USER_FIELDS if k in data}
    fields.setdefault("first_name", known.first_name if known else f"User{data['id']}")
    return core.world.add_user(FakeUser(**{**fields, "id": int(data["id"])}))


async def _body(request: web.Request) -> dict[str, Any]:
    try:
        body = await request.json()
    except ValueError:
        raise ValueError("the request body must be a JSON object") from None
    if not isinstance(body, dict):
        raise ValueError("the request body must be a JSON object")
    return body


def _chat_summary(chat: FakeChat) -> dict[str, Any]:
    return {**chat.to_dict(), "message_count": len(chat.history),
            "bot_is_admin": chat.bot_is_admin}


async def send(request: web.Request) -> web.Response:
    """POST {user, chat_id?, text, reply_to?}: a user sends a text message."""
    core = request.app[CORE_KEY]
    body = await _body(request)
    user = _user(core, body.get("user"))
    chat_id = body.get("chat_id")
    message_id = actions.user_sends(core, user, str(body["text"]),
                                    int(chat_id) if chat_id is not None else None,
                                    body.get("reply_to"))
    return _json({"ok": True, "message_id": message_id})


async def press(request: web.Request) -> web.Response:
    """POST {user, chat_id, message_id, data}: a user presses an inline button."""
    core = request.app[CORE_KEY]
    body = await _body(request)
    query_id = actions.user_presses(core, _user(core, body.get("user")), int(body["chat_id"]),
                                    int(body["message_id"]), str(body["data"]))
    return _json({"ok": True, "callback_query_id": query_id})


async def add_group(request: web.Request) -> web.Response:
    """POST {chat_id, title, bot_is_admin?, username?}: create a group with the bot in it."""
    core = request.app[CORE_KEY]
    body = await _body(request)
    chat = core.world.add_group(int(body["chat_id"]), str(body["title"]),
                                username=body.get("username"),
                                bot_is_admin=bool(body.get("bot_is_admin", False)))
    return _json({"ok": True, "chat": _chat_summary(chat)})


async def start_or_block(request: web.Request) -> web.Response:
    """POST {user}: /_sandbox/start starts (unblocks) the bot, /_sandbox/block blocks it."""
    core = request.app[CORE_KEY]
    user = _user(core, (await _body(request)).get("user"))
    action = actions.user_starts if request.path.endswith("/start") else actions.user_blocks_bot
    action(core, user)
    return _json({"ok": True})


async def chats(request: web.Request) -> web.Response:
    """GET: every chat with its type, title/name and message count."""
    core = request.app[CORE_KEY]
    return _json({"ok": True, "chats": [_chat_summary(c) for c in core.world.chats.values()]})


async def chat_messages(request: web.Request) -> web.Response:
    """GET: all messages of a chat (users' and the bot's) in their current state."""
    core = request.app[CORE_KEY]
    chat = core.world.chats.get(int(request.match_info["chat_id"]))
    if chat is None:
        raise ValueError(f"unknown chat {request.match_info['chat_id']}")
    return _json({"ok": True, "messages": history_items(chat)})


def history_items(chat: FakeChat) -> list[dict[str, Any]]:
    """Every message of a chat with whether the bot sent, edited or deleted it."""
    return [{"message_id": mid, "from_bot": mid in chat.sent, "deleted": mid in chat.deleted,
             "edited": "edit_date" in msg, "message": msg} for mid, msg in chat.history.items()]


@web.middleware
async def errors_as_json(request: web.Request, handler: Any) -> web.StreamResponse:
    """Turn bad control requests into 400 JSON answers instead of 500 pages."""
    if not request.path.startswith("/_sandbox/"):
        return await handler(request)
    try:
        return await handler(request)
    except (ValueError, KeyError, TypeError) as exc:
        return _json({"ok": False, "error": f"{exc.__class__.__name__}: {exc}"}, status=400)


def add_control_routes(app: web.Application) -> None:
    """Register the /_sandbox/ endpoints."""
    app.middlewares.append(errors_as_json)
    app.router.add_post("/_sandbox/send", send)
    app.router.add_post("/_sandbox/press", press)
    app.router.add_post("/_sandbox/groups", add_group)
    app.router.add_post("/_sandbox/start", start_or_block)
    app.router.add_post("/_sandbox/block", start_or_block)
    app.router.add_get("/_sandbox/chats", chats)
    app.router.add_get("/_sandbox/chats/{chat_id}/messages", chat_messages)
