"""How a handler module plugs into the router: each module that owns commands, buttons or
conversation steps exposes one `FEATURE = Feature(...)` next to the code it names, and
handlers/router.py lists the modules. Who handles a button, a command or a waiting step is found
in the module that shows it."""

from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from handlers.context import Context
from handlers.payloads import ButtonData
from handlers.steps import Asks

CommandHandler = Callable[[Context, str], Awaitable[None]]
# Each handler takes its own button class; the router passes the class it decoded.
ButtonHandler = Callable[[Context, Any], Awaitable[None]]
HelpHandler = Callable[[Context, set[str]], Awaitable[list[str]]]
# A /start deep link (t.me/bot?start=...): True when this module took it.
StartHandler = Callable[[Context, str], Awaitable[bool]]
# A group message not addressed to the bot: True when this module took it.
OverheardHandler = Callable[[Context], Awaitable[bool]]


@dataclass(frozen=True)
class Feature:
    """What one handler module adds to the bot."""

    name: str
    commands: dict[str, CommandHandler] = field(default_factory=dict)
    # Commands that show personal data: in a group the bot points to the private chat instead.
    private_commands: frozenset[str] = frozenset()
    buttons: dict[type[ButtonData], ButtonHandler] = field(default_factory=dict)
    # The conversation steps ("<flow>.<step>") this module asks, each with its typed state.
    steps: dict[str, Asks[Any]] = field(default_factory=dict)
    # Extra /help paragraphs for a person with these roles.
    help: HelpHandler | None = None
    start: StartHandler | None = None
    overheard: OverheardHandler | None = None


K = TypeVar("K")
V = TypeVar("V")


def owned(features: Iterable[Feature], part: Callable[[Feature], dict[K, V]]) -> dict[K, V]:
    """Merge one part (buttons, commands, steps) of every feature; each key has one owner."""
    merged: dict[K, V] = {}
    for feature in features:
        for key, value in part(feature).items():
            if key in merged:
                raise ValueError(f"{key!r} is registered twice (again by {feature.name})")
            merged[key] = value
    return merged
