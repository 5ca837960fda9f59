"""The bot runs on uvloop where it is installed, and on asyncio's own loop where it is not."""

import asyncio
import os
import sys

import pytest

from bot import loop


async def _loop_module() -> str:
    return type(asyncio.get_running_loop()).__module__


def test_the_bot_runs_on_uvloop_when_it_is_installed() -> None:
    pytest.importorskip("uvloop")
    assert loop.run(_loop_module()).startswith("uvloop")


def test_the_bot_runs_on_asyncios_loop_without_uvloop(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "uvloop", None)  # import uvloop now raises ImportError
    assert loop.run(_loop_module()).startswith("asyncio")


async def test_the_tests_run_on_the_loop_the_bot_runs_on() -> None:
    if os.environ.get("TEST_LOOP") == "asyncio":
        pytest.skip("TEST_LOOP=asyncio: the fallback's loop on purpose")
    spare = loop.loop_factory()()
    try:
        assert type(asyncio.get_running_loop()) is type(spare)
    finally:
        spare.close()
