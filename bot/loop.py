"""The event loop the bot runs on: uvloop where it is installed (its loop and transports cost
less CPU per update than asyncio's own, issue 19), else asyncio's."""

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


def loop_factory() -> Callable[[], asyncio.AbstractEventLoop]:
    """A new uvloop loop when uvloop can be imported, else asyncio's default loop."""
    try:
        import uvloop
    except ImportError:  # a platform without it (Windows): asyncio's loop works the same
        return asyncio.new_event_loop
    return uvloop.new_event_loop


def run(main: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine to its end on a new loop from loop_factory, like asyncio.run."""
    with asyncio.Runner(loop_factory=loop_factory()) as runner:
        return runner.run(main)
