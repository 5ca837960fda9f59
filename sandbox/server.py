"""The aiohttp application: /bot<token>/<method> like api.telegram.org, plus /_sandbox/."""

from __future__ import annotations

import json
from functools import partial
from typing import Any

from aiohttp import web

from sandbox.control import CORE_KEY, add_control_routes
from sandbox.core import Core
from sandbox.errors import ApiError
from sandbox.methods import MAX_UPLOAD
from sandbox.params import read_params
from sandbox.simulator import add_simulator_routes
from sandbox.timetravel import add_clock_routes

_dumps = partial(json.dumps, ensure_ascii=False)


async def bot_api(request: web.Request) -> web.Response:
    """Any Bot API call, by GET or POST, in any of Telegram's parameter encodings."""
    core = request.app[CORE_KEY]
    token, method = request.match_info["token"], request.match_info["method"]
    try:
        params, files = await read_params(request)
    except ApiError as err:
        core.rejections.append((method, {}, err.description))
        return web.json_response(err.payload(), status=err.code, dumps=_dumps)
    status, body = await core.handle(token, method, params, files)
    return web.json_response(body, status=status, dumps=_dumps)


def build_app(core: Core, simulator: dict[str, Any] | None = None) -> web.Application:
    """The web application serving one emulated bot (and the browser simulator at /)."""
    # Room for a 50 MB upload plus multipart overhead, like Telegram's own limit.
    app = web.Application(client_max_size=MAX_UPLOAD + 1024 * 1024)
    app[CORE_KEY] = core
    app.router.add_route("*", "/bot{token}/{method}", bot_api)
    add_control_routes(app)
    add_clock_routes(app)
    add_simulator_routes(app, simulator)
    return app
