"""/_sandbox/clock: read and move the emulator's clock (the simulator's time travel)."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from aiohttp import web

from sandbox.control import CORE_KEY, _body, _json
from sandbox.core import Core

MAX_JUMP = timedelta(days=366)


def clock_state(core: Core) -> dict[str, Any]:
    """The clock as JSON: the time it shows and how far it runs ahead of the real one."""
    clock = core.world.clock
    return {"now": clock.now().isoformat(), "offset_s": clock.offset.total_seconds()}


def _target(core: Core, body: dict[str, Any]) -> datetime:
    """Where a jump goes: {advance_s}, {to: ISO time with zone} or {tomorrow_at: "08:30", tz}."""
    now = core.world.clock.now()
    if "advance_s" in body:
        seconds = float(body["advance_s"])
        if seconds <= 0:
            raise ValueError("advance_s must be positive: the clock only moves forward")
        return now + timedelta(seconds=seconds)
    if "to" in body:
        return datetime.fromisoformat(str(body["to"]))
    if "tomorrow_at" in body:
        try:
            zone = ZoneInfo(str(body.get("tz", "UTC")))
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {body.get('tz')!r}") from None
        at = time.fromisoformat(str(body["tomorrow_at"]))
        day = now.astimezone(zone).date() + timedelta(days=1)
        return datetime.combine(day, at, tzinfo=zone)
    raise ValueError("give advance_s, to, or tomorrow_at (with tz)")


async def get_clock(request: web.Request) -> web.Response:
    """GET: the emulator's time and its offset from the real clock."""
    return _json({"ok": True, **clock_state(request.app[CORE_KEY])})


async def move_clock(request: web.Request) -> web.Response:
    """POST {advance_s} | {to} | {tomorrow_at, tz}: move the clock forward; answers once the
    listeners (a demo bot's scheduler) have caught up."""
    core = request.app[CORE_KEY]
    target = _target(core, await _body(request))
    if target - core.world.clock.now() > MAX_JUMP:
        raise ValueError("a jump may cover one year at most")
    before, ran = await core.world.clock.jump(target)
    core.changes.bump()
    return _json({"ok": True, "before": before.isoformat(), "ran": ran, **clock_state(core)})


def add_clock_routes(app: web.Application) -> None:
    """Register GET and POST /_sandbox/clock."""
    app.router.add_get("/_sandbox/clock", get_clock)
    app.router.add_post("/_sandbox/clock", move_clock)
