"""A world for end-to-end tests: the local Bot API emulator, the sample community, and the real bot
polling it."""

from dataclasses import dataclass, field

from bot.app import GridBot
from bot.config import Settings
from bot.db import create_schema, make_engine, make_sessions
from bot.quiet import wait_until_quiet
from models import Case
from sandbox import FakeChat, FakeTelegram, FakeUser, SentMessage
from services.clock import FrozenClock
from services.structure_import import import_structure
from tests.conftest import example_structure

TOKEN = "123456:TEST-TOKEN"
YULAN_GROUP, QIAOXI_GROUP = -1001000000001, -1001000000002

RESIDENT = FakeUser(id=5001, first_name="王", last_name="大爷")
NEIGHBOUR = FakeUser(id=5002, first_name="李", last_name="阿姨")
ZHANG = FakeUser(id=940001, first_name="张敏")  # grid yulan-1 (buildings 1–5)
HUANG = FakeUser(id=940002, first_name="黄磊")  # grid yulan-2 (buildings 6–10)
HE = FakeUser(id=940003, first_name="何静")  # grid yulan-2
CHEN = FakeUser(id=910001, first_name="陈书记")  # manager of yulan
ZHOU = FakeUser(id=900001, first_name="周主任")  # sub-district admin
STAFF = (ZHANG, HUANG, HE, CHEN, ZHOU)


@dataclass
class World:
    """The emulator, the bot and the database of one test."""

    fake: FakeTelegram
    database_url: str
    clock: FrozenClock
    groups: dict[int, FakeChat] = field(default_factory=dict)
    bot: GridBot | None = None
    extra_settings: dict[str, object] = field(default_factory=dict)

    def settings(self) -> Settings:
        """Settings pointing the bot at the emulator and the test database."""
        values: dict[str, object] = {
            "bot_token": TOKEN, "telegram_api_base": self.fake.base_url,
            "database_url": self.database_url, "polling_timeout_s": 5,
            "send_rate_global_per_s": 1000.0, "send_rate_group_per_min": 1000,
            "send_rate_private_per_s": 1000.0, "migrate_on_start": False,
            **self.extra_settings,
        }
        return Settings(_env_file=None, **values)  # type: ignore[arg-type]

    async def start_bot(self, *, sending: bool = True) -> GridBot:
        """Start a bot process on the shared database."""
        self.bot = GridBot(self.settings(), clock=self.clock, sending=sending)
        await self.bot.start()
        return self.bot

    async def stop_bot(self) -> None:
        """Stop the bot process."""
        if self.bot is not None:
            await self.bot.stop()
            self.bot = None

    async def settle(self, timeout: float = 30.0) -> None:
        """Wait until every update is processed and every queued message is sent (the timeout
        only ends a hang: two xdist workers on a busy machine are slow)."""
        assert self.bot is not None
        await wait_until_quiet(self.fake, self.bot, timeout)

    async def say(self, user: FakeUser, text: str, *, chat: int | None = None,
                  reply_to: int | None = None) -> int:
        """A user writes; returns the message id once the bot has dealt with it."""
        chat_obj = self.fake.private_chat(user) if chat is None else self.groups[chat]
        message_id = self.fake.user_sends(user, text, chat=chat_obj, reply_to=reply_to)
        await self.settle()
        return message_id

    async def press(self, user: FakeUser, chat_id: int, message_id: int, data: str) -> dict:
        """A user presses a button; returns the bot's answer to the press."""
        query_id = self.fake.user_presses(user, chat_id, message_id, data)
        await self.fake.wait_for(lambda: query_id in self.fake.callback_answers, 30)
        await self.settle()
        return self.fake.callback_answers[query_id]

    async def tap(self, user: FakeUser, chat_id: int, label: str) -> dict:
        """Press the newest button whose text contains `label` in that chat."""
        for message in reversed(self.fake.messages(chat_id)):
            for text in message.button_texts:
                if label in text and message.callback_data(text):
                    return await self.press(user, chat_id, message.message_id,
                                            message.callback_data(text))
        raise AssertionError(f"no button {label!r} in chat {chat_id}: {self.texts(chat_id)}")

    def last(self, chat_id: int) -> SentMessage:
        """The newest message the bot has in a chat."""
        messages = self.fake.messages(chat_id)
        assert messages, f"the bot sent nothing to chat {chat_id}"
        return messages[-1]

    def texts(self, chat_id: int) -> list[str]:
        """Every text the bot has shown in a chat."""
        return [m.text or "" for m in self.fake.messages(chat_id)]

    async def case(self, case_id: int) -> Case:
        """Read a case from the database."""
        assert self.bot is not None and self.bot.sessions is not None
        async with self.bot.sessions() as session:
            case = await session.get(Case, case_id)
            assert case is not None, f"no case #{case_id}"
            return case


async def build_world(database_url: str, clock: FrozenClock, *,
                      framework: str = "aiogram") -> World:
    """Start the emulator, load the sample community and register who opened the bot."""
    engine = make_engine(database_url)
    await create_schema(engine)
    async with make_sessions(engine)() as session, session.begin():
        await import_structure(session, example_structure())
    await engine.dispose()
    fake = FakeTelegram(token=TOKEN, bot_username="gridbot_test_bot")
    await fake.start()
    groups = {YULAN_GROUP: fake.add_group(chat_id=YULAN_GROUP, title="玉兰社区3号楼群"),
              QIAOXI_GROUP: fake.add_group(chat_id=QIAOXI_GROUP, title="桥西社区居民群")}
    for person in STAFF:
        fake.user_starts(person)
    return World(fake=fake, database_url=database_url, clock=clock, groups=groups,
                 extra_settings={"framework": framework})
