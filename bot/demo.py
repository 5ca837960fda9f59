"""`gridbot demo`: no token, no internet. Starts the local Bot API emulator, the real bot against
it and the sample community, then plays a full repair case and prints who saw what, where."""

import asyncio
import logging
from pathlib import Path
from typing import Any

from bot import migrate
from bot.app import GridBot
from bot.config import Settings
from bot.db import make_engine, make_sessions
from bot.quiet import wait_until_quiet
from sandbox import FakeChat, FakeTelegram, FakeUser
from services.structure_import import import_structure, load_structure

SAMPLE = Path(__file__).resolve().parent.parent / "examples" / "community.yaml"
TOKEN = "123456:DEMO"
GROUP_ID = -1001000000001
RESIDENT = FakeUser(id=5001, first_name="王", last_name="大爷")
WORKER = FakeUser(id=940001, first_name="张敏")
MANAGER = FakeUser(id=910001, first_name="陈书记")


class Transcript:
    """Prints each action and every message the bot sent or changed since the last step."""

    def __init__(self, fake: FakeTelegram, names: dict[int, str]) -> None:
        self.fake, self.names = fake, names
        self.seen: dict[tuple[int, int], tuple[str, Any]] = {}

    def action(self, who: str, where: str, what: str) -> None:
        """Print what a person did."""
        print(f"\n👉 {who} @ {where}: {what}")

    def flush(self) -> None:
        """Print the bot's new and edited messages."""
        for message in self.fake.all_messages():
            key = (message.chat_id, message.message_id)
            state = (message.text or "", message.reply_markup)
            if self.seen.get(key) == state:
                continue
            verb = "✏️ edited" if key in self.seen else "🤖"
            self.seen[key] = state
            where = self.names.get(message.chat_id, str(message.chat_id))
            print(f"   {verb} → {where}:")
            for line in (message.text or "").splitlines():
                print(f"      {line}")
            for row in message.buttons:
                print("      " + "  ".join(f"[{b['text']}]" for b in row))


async def _press(fake: FakeTelegram, user: FakeUser, chat_id: int, label: str) -> None:
    for message in reversed(fake.messages(chat_id)):
        for text in message.button_texts:
            data = message.callback_data(text)
            if label in text and data:
                fake.user_presses(user, chat_id, message.message_id, data)
                return
    raise RuntimeError(f"no button {label} in chat {chat_id}")


async def play(*, database: str, keep_running: bool = False) -> int:
    """Run the demo and print the transcript."""
    logging.getLogger().setLevel(logging.WARNING)
    path = Path(database)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.unlink(missing_ok=True)
    url = f"sqlite+aiosqlite:///{path}"
    await migrate.upgrade(url)
    engine = make_engine(url)
    async with make_sessions(engine)() as session, session.begin():
        report = await import_structure(session, load_structure(SAMPLE.read_text("utf-8"),
                                                                source=SAMPLE.name))
    await engine.dispose()
    fake = FakeTelegram(token=TOKEN, bot_username="gridbot_demo_bot")
    await fake.start()
    group: FakeChat = fake.add_group(chat_id=GROUP_ID, title="玉兰社区3号楼群")
    for staff in (WORKER, MANAGER):
        fake.user_starts(staff)
    settings = Settings(_env_file=None, bot_token=TOKEN, telegram_api_base=fake.base_url,  # type: ignore[call-arg]
                        database_url=url, polling_timeout_s=5)
    bot = GridBot(settings)
    await bot.start()
    names = {GROUP_ID: "群「玉兰社区3号楼群」", RESIDENT.id: "私聊·居民王大爷",
             WORKER.id: "私聊·网格员张敏", MANAGER.id: "私聊·陈书记（社区）"}
    show = Transcript(fake, names)
    print(f"网格助手 demo — local Bot API emulator at {fake.base_url}\n{report.summary()}")

    async def step(who: str, where: str, what: str, act: Any) -> None:
        show.action(who, where, what)
        result = act()
        if asyncio.iscoroutine(result):
            await result
        await wait_until_quiet(fake, bot)
        show.flush()

    text = "/report 3号楼2单元301楼道灯坏了，晚上老人上下楼很危险"
    await step("居民王大爷", names[GROUP_ID], text,
               lambda: fake.user_sends(RESIDENT, text, chat=group))
    await step("居民王大爷", names[RESIDENT.id], "点“跟踪进度” → /start c1",
               lambda: fake.user_sends(RESIDENT, "/start c1"))
    await step("网格员张敏", names[WORKER.id], "点 [✅ 接单]",
               lambda: _press(fake, WORKER, WORKER.id, "接单"))
    await step("网格员张敏", names[WORKER.id], "点 [🛠 已处理]",
               lambda: _press(fake, WORKER, WORKER.id, "已处理"))
    await step("网格员张敏", names[WORKER.id], "已更换灯泡",
               lambda: fake.user_sends(WORKER, "已更换灯泡"))
    await step("居民王大爷", names[RESIDENT.id], "点 [👍 解决了]",
               lambda: _press(fake, RESIDENT, RESIDENT.id, "解决了"))
    await step("居民王大爷", names[RESIDENT.id], "点 [⭐⭐⭐⭐⭐]",
               lambda: _press(fake, RESIDENT, RESIDENT.id, "⭐⭐⭐⭐⭐"))
    await step("居民王大爷", names[RESIDENT.id], "谢谢小张，修得真快！",
               lambda: fake.user_sends(RESIDENT, "谢谢小张，修得真快！"))
    await step("陈书记", names[MANAGER.id], "/case 1", lambda: fake.user_sends(MANAGER, "/case 1"))

    print(f"\nBot API calls: {len(fake.calls)}, rejected by the spec check: {len(fake.rejections)}")
    print(f"Database: {path.resolve()}")
    if keep_running:
        print(f"Emulator still running at {fake.base_url} (see /_sandbox/chats). Ctrl-C to stop.")
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            pass
    await bot.stop()
    await fake.stop()
    return 0 if not fake.rejections else 1
