"""How a feature (wishes, disputes, visits, managers' tools...) plugs into the router.

Each feature module exposes one `FEATURE = Feature(...)`; the router lists them in `FEATURES`.
The router still decides the order of things (buttons, waiting steps, commands); a feature only
says which commands, buttons and conversation steps are its own.
"""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from handlers.context import Context
from handlers.payloads import Act, Payload

CommandHandler = Callable[[Context, str], Awaitable[None]]
ButtonHandler = Callable[[Context, Payload], Awaitable[None]]
StepHandler = Callable[[Context, str, dict[str, Any]], Awaitable[None]]
HelpHandler = Callable[[Context, set[str]], Awaitable[list[str]]]


@dataclass(frozen=True)
class Feature:
    """What one feature adds to the bot."""

    name: str
    commands: dict[str, CommandHandler] = field(default_factory=dict)
    # Commands that show personal data: in a group the bot points to the private chat instead.
    private_commands: frozenset[str] = frozenset()
    buttons: dict[Act, ButtonHandler] = field(default_factory=dict)
    # Conversation steps "<prefix>.<name>" whose prefix this feature owns.
    step_prefixes: tuple[str, ...] = ()
    on_step: StepHandler | None = None
    # Extra /help paragraphs for a person with these roles.
    help: HelpHandler | None = None
