"""The browser simulator: a chat-app page served by the emulator, and the JSON it reads.

The page (static/index.html, app.css, app.js: no build step, nothing from outside) acts as the
people of a community: it sends real updates through the control endpoints and shows what the bot
did in each chat. The configuration (personas, time zone) comes from whoever starts the emulator,
e.g. `gridbot demo`."""

from __future__ import annotations

import asyncio
import mimetypes
from importlib import resources
from typing import Any
from urllib.parse import quote

from aiohttp import web

from sandbox import actions
from sandbox.control import CORE_KEY, _body, _json, _user, history_items
from sandbox.core import Core
from sandbox.models import FakeChat
from sandbox.timetravel import clock_state

SIM_KEY = web.AppKey("simulator", dict)
STATIC = ("index.html", "app.css", "app.js")
LONG_POLL_S = 20.0
PRESS_WAIT_S = 5.0


def _static(name: str) -> bytes:
    return resources.files("sandbox").joinpath("static", name).read_bytes()


async def index(request: web.Request) -> web.Response:
    """GET /: the simulator page."""
    return web.Response(body=_static("index.html"), content_type="text/html", charset="utf-8",
                        headers={"Cache-Control": "no-cache"})


async def static_file(request: web.Request) -> web.Response:
    """GET /static/{name}: the page's stylesheet and script."""
    name = request.match_info["name"]
    if name not in STATIC:
        raise web.HTTPNotFound()
    kind = mimetypes.guess_type(name)[0] or "application/octet-stream"
    return web.Response(body=_static(name), content_type=kind, charset="utf-8",
                        headers={"Cache-Control": "no-cache"})


async def config(request: web.Request) -> web.Response:
    """GET: the personas, the time zone and the bot's name the page shows."""
    core = request.app[CORE_KEY]
    sim = request.app[SIM_KEY]
    return _json({"ok": True, "bot": {"id": core.bot_id, "username": core.world.bot.username,
                                      "name": core.world.bot.first_name},
                  "timezone": sim.get("timezone", "UTC"), "title": sim.get("title", ""),
                  "personas": sim.get("personas", []), "groups": sim.get("groups", [])})


def _preview(chat: FakeChat) -> dict[str, Any]:
    """The newest live message of a chat, shortened for the chat list."""
    for message_id in sorted(chat.history, reverse=True):
        if message_id in chat.deleted:
            continue
        msg = chat.history[message_id]
        if "photo" in msg:
            text = "[图片] " + msg.get("caption", "")
        elif "document" in msg:
            text = "[文件] " + msg["document"].get("file_name", "")
        else:
            text = msg.get("text", "")
        return {"message_id": message_id, "text": text[:60], "date": msg["date"],
                "from_bot": message_id in chat.sent}
    return {"message_id": 0, "text": "", "date": 0, "from_bot": False}


def chats_of(core: Core, persona: int | None) -> list[dict[str, Any]]:
    """The chats a persona sees: the private chat with the bot first, then every group."""
    world = core.world
    rows: list[dict[str, Any]] = []
    for chat in world.chats.values():
        if chat.type == "private":
            continue
        rows.append({"id": chat.id, "type": chat.type, "title": chat.title or str(chat.id),
                     **_preview(chat)})
    if persona is not None:
        private = world.chats.get(persona)
        preview = _preview(private) if private else _preview(FakeChat(id=persona, type="private"))
        rows.insert(0, {"id": persona, "type": "private", "title": world.bot.first_name,
                        "started": persona in world.started, **preview})
    return rows


async def state(request: web.Request) -> web.Response:
    """GET ?persona=ID&after=VERSION[&chat=ID]: waits (up to 20 s) until something changed
    after VERSION, then answers the version, the clock, the persona's chat list and the
    messages of the open chat."""
    core = request.app[CORE_KEY]
    after = int(request.query.get("after", "-1"))
    wait = min(float(request.query.get("wait", LONG_POLL_S)), LONG_POLL_S)
    version = await core.changes.wait(after, wait)
    persona = request.query.get("persona")
    answer = {"ok": True, "version": version, "clock": clock_state(core),
              "chats": chats_of(core, int(persona) if persona else None)}
    # the newest bot message in each persona's private chat: the page marks who has news
    answer["inbox"] = {str(p["id"]): max(core.world.chats[p["id"]].sent, default=0)
                       for p in request.app[SIM_KEY].get("personas", [])
                       if p["id"] in core.world.chats}
    if "chat" in request.query:  # the open chat's messages (none yet: a chat not started)
        chat = core.world.chats.get(int(request.query["chat"]))
        answer["messages"] = history_items(chat) if chat else []
    return _json(answer)


async def press(request: web.Request) -> web.Response:
    """POST {user, chat_id, message_id, data}: press a button and wait (up to 5 s) for the
    bot's answerCallbackQuery, which the page shows as a toast or an alert."""
    core = request.app[CORE_KEY]
    body = await _body(request)
    query_id = actions.user_presses(core, _user(core, body.get("user")), int(body["chat_id"]),
                                    int(body["message_id"]), str(body["data"]))
    loop = asyncio.get_running_loop()
    deadline = loop.time() + PRESS_WAIT_S
    while query_id not in core.callback_answers and loop.time() < deadline:
        await core.changes.wait(core.changes.version, deadline - loop.time())
    answer = core.callback_answers.get(query_id, {})
    return _json({"ok": True, "callback_query_id": query_id,
                  "answer": {k: answer[k] for k in ("text", "show_alert") if k in answer}})


async def file(request: web.Request) -> web.Response:
    """GET /_sandbox/files/{file_id}[?download=1]: a photo or document the bot sent."""
    core = request.app[CORE_KEY]
    stored = core.world.files.files.get(request.match_info["file_id"])
    if stored is None or stored.data is None:
        raise web.HTTPNotFound(text="no such file")
    headers = {"Cache-Control": "max-age=3600"}
    if request.query.get("download"):
        name = stored.file_name or stored.file_id
        headers["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
    return web.Response(body=stored.data, headers=headers,
                        content_type=stored.mime_type or "application/octet-stream")


def add_simulator_routes(app: web.Application, settings: dict[str, Any] | None = None) -> None:
    """Register the page at / and the JSON endpoints under /_sandbox/sim/."""
    app[SIM_KEY] = settings or {}
    app.router.add_get("/", index)
    app.router.add_get("/static/{name}", static_file)
    app.router.add_get("/_sandbox/sim/config", config)
    app.router.add_get("/_sandbox/sim/state", state)
    app.router.add_post("/_sandbox/sim/press", press)
    app.router.add_get("/_sandbox/files/{file_id}", file)
