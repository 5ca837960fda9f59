"""The browser simulator in a real headless Chromium: a full repair case acted out by clicking,
a group message the bot deletes, then a jump of the clock that brings the worker a reminder and
the manager the morning digest with its chart, and the ledger workbook downloaded.

Needs Debian's `chromium` (/usr/bin/chromium, or CHROMIUM=path) and Playwright for Python (a dev
dependency; it drives the system browser, nothing is downloaded). Without them the test skips
locally, and fails in CI (CI=true), where .ci/run installs the browser."""

import os
import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bot.simulator import Simulator, load_sample, start_simulator

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
FAST_SENDING: dict[str, Any] = {"send_rate_global_per_s": 1000.0, "send_rate_group_per_min": 1000,
                "send_rate_private_per_s": 1000.0}
RESIDENT, NEIGHBOUR, WORKER, MANAGER = 5001, 5002, 940001, 910001
GROUP = -1001000000001  # 玉兰社区居民群


def _missing(reason: str) -> None:
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(f"{reason} (CI must run the browser test; .ci/run installs chromium)")
    pytest.skip(f"{reason}: install it (apt-get install chromium) to run the browser test")


@pytest.fixture
def chromium() -> str:
    """The browser's path, checked before anything starts."""
    if not (Path(CHROMIUM).is_file() or shutil.which(CHROMIUM)):
        _missing(f"no Chromium at {CHROMIUM}")
    try:
        import playwright.async_api  # noqa: F401
    except ImportError:
        _missing("Playwright for Python is not installed")
    return CHROMIUM


@pytest.fixture
async def simulator(chromium: str, database_url: str) -> AsyncIterator[Simulator]:
    """The sample community, the real bot and the page, on the test database."""
    await load_sample(database_url)
    sim = await start_simulator(database_url, **FAST_SENDING)
    try:
        yield sim
        assert sim.fake.rejections == [], sim.fake.rejections
    finally:
        await sim.stop()


async def _as(page: Any, persona: int, chat: int) -> None:
    await page.click(f'[data-persona="{persona}"]')
    await page.click(f'[data-chat="{chat}"]')


async def _say(page: Any, text: str) -> None:
    await page.fill("#input", text)
    await page.click("#send")


async def _tap(page: Any, message_text: str, button: str) -> None:
    message = page.locator(".msg", has_text=message_text).last
    await message.get_by_role("button", name=button).click()


@pytest.mark.heavy
async def test_a_repair_case_a_deletion_and_a_day_later_reminder_in_a_real_browser(
    chromium: str, simulator: Simulator, tmp_path: Path
) -> None:
    from playwright.async_api import async_playwright, expect

    async with async_playwright() as pw:
        browser = await pw.chromium.launch_persistent_context(
            str(tmp_path / "profile"), executable_path=chromium, headless=True, args=ARGS,
            viewport={"width": 1280, "height": 820}, locale="zh-CN")
        try:
            page = browser.pages[0] if browser.pages else await browser.new_page()
            expect.set_options(timeout=8000)
            await page.goto(simulator.url)
            # The promise: usable in under a second (page, script, config, chat list).
            await page.wait_for_selector("body[data-ready-ms] .chat-item")
            loaded_ms = int(await page.evaluate("document.body.dataset.readyMs"))
            print(f"simulator page ready {loaded_ms} ms after navigation")
            assert loaded_ms < 1000
            messages = page.locator("#messages")
            # Morning first, so the reminders below never fall into quiet hours.
            await page.click('[data-jump="morning"]')
            await expect(page.locator("#clock-offset")).to_contain_text("已快进")

            await _as(page, RESIDENT, RESIDENT)
            await expect(page.locator("#start-button")).to_be_visible()
            await _say(page, "3号楼2单元301楼道灯坏了，晚上老人上下楼很危险")
            await expect(messages).to_contain_text("已受理 #1")
            # the worker's chip shows that the bot wrote to her
            await expect(page.locator(f'[data-persona="{WORKER}"] .badge')).to_be_visible()

            await _as(page, WORKER, WORKER)
            await _tap(page, "新工单 #1", "✅ 接单")
            await expect(messages).to_contain_text("您已接单")
            await _tap(page, "新工单 #1", "🛠 已处理")
            await expect(messages).to_contain_text("处理结果")
            await _say(page, "已更换灯泡")
            await expect(messages).to_contain_text("等待居民确认")

            await _as(page, RESIDENT, RESIDENT)
            await _tap(page, "问题解决了吗", "👍 解决了")
            await expect(messages).to_contain_text("请给这次服务打个分")
            await _tap(page, "请给这次服务打个分", "⭐⭐⭐⭐⭐")
            await expect(messages).to_contain_text("评价 ★★★★★")
            await _tap(page, "还想说点什么", "不用了")

            # A quarrel told in the group: the bot offers to delete it, and it goes, live.
            await _as(page, NEIGHBOUR, GROUP)
            await _say(page, "/dispute 5号楼楼上天天半夜拖椅子，吵得睡不着")
            await expect(messages).to_contain_text("私下说")
            await _tap(page, "本人可以点下面按钮删除", "🗑 删除我的消息")
            await expect(messages).to_contain_text("已删除")
            await expect(messages).not_to_contain_text("/dispute")

            # A second report nobody takes; a day later the worker is reminded.
            await _as(page, RESIDENT, RESIDENT)
            await _say(page, "5号楼门口的路灯不亮了")
            await expect(messages).to_contain_text("已受理 #2")
            await _as(page, WORKER, WORKER)
            await expect(messages).to_contain_text("居民评价：★★★★★")
            await page.click('[data-jump="day"]')
            await expect(page.locator("#toast")).to_contain_text("提醒")  # what ran meanwhile
            await expect(messages.locator(".msg", has_text="⏰").first).to_be_visible()
            await expect(messages).to_contain_text("#2")
            await page.screenshot(path=str(tmp_path / "simulator.png"))
            if target := os.environ.get("SIMULATOR_SCREENSHOT"):
                await page.screenshot(path=target)

            await _as(page, MANAGER, MANAGER)  # the morning digest with its chart
            await expect(messages).to_contain_text("每日简报")
            await page.wait_for_function(  # the chart, loaded from the emulator and decoded
                "[...document.querySelectorAll('#messages img.photo')]"
                ".some(img => img.complete && img.naturalWidth > 100)")
            await _say(page, "/export")  # the ledger workbook, downloaded by the browser
            await _tap(page, "哪个月", "本月")
            await _tap(page, "导出哪些", "全部（Excel）")
            async with page.expect_download() as download_info:
                await messages.locator("a.file").last.click()
            download = await download_info.value
            assert download.suggested_filename.endswith(".xlsx")
            saved = tmp_path / download.suggested_filename
            await download.save_as(saved)
            assert saved.read_bytes()[:2] == b"PK"  # a zip: an Excel workbook
        finally:
            await browser.close()
