"""What both channel adapters share, free of either library (importing aiogram alone takes about
150 MB, so the python-telegram-bot channel must not pull it in)."""

from collections.abc import Awaitable, Callable
from typing import Any

from handlers.types import Effects, Incoming

Core = Callable[[Incoming], Awaitable[Effects | None]]
# An update failed outside the conversations: (update id, raw JSON, error) -> skip it now?
Failed = Callable[[int, dict[str, Any], BaseException], Awaitable[bool]]
ALLOWED_UPDATES = ["message", "callback_query"]


def display_name(first: str, last: str | None) -> str:
    """Join a Telegram first and last name; Chinese names take no space ("王" + "大爷")."""
    if not last:
        return first
    cjk = first[-1:] >= "\u2e80" and last[:1] >= "\u2e80"
    return f"{first}{last}" if cjk else f"{first} {last}"
