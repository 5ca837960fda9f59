"""Photos, voice messages, locations and phone numbers, end to end through the real bot and the
emulator on both adapters: what residents really send reaches the worker with its media."""

from sqlalchemy import select
from sqlmodel import col

from bot.db import make_engine, make_sessions
from handlers.payloads import ShowMedia
from models import CaseMedia, CaseStatus, DataAccess
from sandbox import FakeUser
from services.structure_import import import_structure, load_structure
from tests.conftest import EXAMPLE_STRUCTURE
from tests.e2e.harness import CHEN, HE, HUANG, NEIGHBOUR, RESIDENT, YULAN_GROUP, ZHANG, World


def sent_file(world: World, chat_id: int, message_id: int, kind: str) -> str:
    """The file_id of the photo or voice a user sent."""
    raw = world.fake.core.world.chats[chat_id].history[message_id]
    return str(raw[kind][-1]["file_id"] if kind == "photo" else raw[kind]["file_id"])


SUN = FakeUser(id=930001, first_name="孙志愿者")  # yulan volunteer
LIU = FakeUser(id=920001, first_name="刘阿姨")  # yulan's volunteer mediator
# Where buildings 1–3 and 9 stand (the structure file's optional `locations:`).
LOCATED = EXAMPLE_STRUCTURE.read_text("utf-8").replace(
    'buildings: ["6", "7", "8", "9", "10"]',
    'buildings: ["6", "7", "8", "9", "10"]\n'
    '        locations: {"9": {lat: 31.2320, lon: 121.4740}}')


async def locate_buildings(world: World) -> None:
    """Import the structure again, now with where building 9 stands."""
    engine = make_engine(world.database_url)
    async with make_sessions(engine)() as session, session.begin():
        await import_structure(session, load_structure(LOCATED))
    await engine.dispose()


async def media_rows(world: World) -> list[CaseMedia]:
    assert world.bot is not None and world.bot.sessions is not None
    async with world.bot.sessions() as session:
        return list((await session.execute(select(CaseMedia).order_by(col(CaseMedia.id))))
                    .scalars().all())


async def test_photo_voice_and_location_alone_reach_the_worker_and_the_phone_only_the_assignee(
    world: World,
) -> None:
    # A photo without a word: the bot asks what and where with buttons.
    photo = world.fake.user_sends_photo(RESIDENT)
    await world.settle()
    assert "收到照片" in world.last(RESIDENT.id).text
    await world.tap(RESIDENT, RESIDENT.id, "报修")
    await world.tap(RESIDENT, RESIDENT.id, "玉兰社区")
    await world.tap(RESIDENT, RESIDENT.id, "3号楼")
    receipt = world.last(RESIDENT.id)
    assert "已受理 #1" in receipt.text and "共享手机号" in receipt.text
    keyboard = (receipt.reply_markup or {})["keyboard"]
    assert keyboard[0][0]["request_contact"] is True
    cards = world.fake.messages(ZHANG.id)
    assert cards[-2].photo and cards[-2].photo[0]["file_id"] == sent_file(
        world, RESIDENT.id, photo, "photo")
    assert "#1" in cards[-1].text and "接单" in "".join(cards[-1].button_texts)

    # A voice message only: the remembered building comes first; no typing at all.
    voice = world.fake.user_sends_voice(RESIDENT, duration=9)
    await world.settle()
    await world.tap(RESIDENT, RESIDENT.id, "报修")
    question = world.last(RESIDENT.id)
    assert question.button_texts[0] == "🏠 3号楼（我家）"
    await world.tap(RESIDENT, RESIDENT.id, "我家")
    assert "已受理 #2" in world.last(RESIDENT.id).text
    assert "共享手机号" not in world.last(RESIDENT.id).text  # asked once only
    voice_card = world.fake.messages(ZHANG.id)[-2]
    assert voice_card.voice and voice_card.voice["file_id"] == sent_file(
        world, RESIDENT.id, voice, "voice")

    # A location for the broken street lamp: the nearest building is proposed first, and the
    # worker gets the map point with the card.
    await locate_buildings(world)
    world.fake.user_sends_location(NEIGHBOUR, 31.23215, 121.47405)
    await world.settle()
    await world.tap(NEIGHBOUR, NEIGHBOUR.id, "报修")
    assert world.last(NEIGHBOUR.id).button_texts[0] == "📍 9号楼（离位置最近）"
    await world.tap(NEIGHBOUR, NEIGHBOUR.id, "离位置最近")
    assert "已受理 #3" in world.last(NEIGHBOUR.id).text
    holder = HUANG if any("#3" in t for t in world.texts(HUANG.id)) else HE
    point = world.fake.messages(holder.id)[-2]
    assert point.location == {"latitude": 31.23215, "longitude": 121.47405}
    # Far from every building: no building is proposed, the point itself says where.
    world.fake.user_sends_location(NEIGHBOUR, 31.30, 121.60)
    await world.settle()
    await world.tap(NEIGHBOUR, NEIGHBOUR.id, "报修")
    assert "已受理 #4" in world.last(NEIGHBOUR.id).text
    assert "待派单 #4" in world.last(CHEN.id).text
    assert world.fake.messages(CHEN.id)[-2].location == {"latitude": 31.3, "longitude": 121.6}
    assert [m.kind for m in await media_rows(world)] == ["photo", "voice", "location", "location"]

    # The group never sees any of it.
    assert world.fake.messages(YULAN_GROUP) == []

    # Someone else's number is refused; the resident's own goes to the assignee only.
    world.fake.user_shares_contact(RESIDENT, "13912345678", owner=NEIGHBOUR)
    await world.settle()
    assert "自己的手机号" in world.last(RESIDENT.id).text
    world.fake.user_shares_contact(RESIDENT, "+86 139 8765 4321")
    await world.settle()
    assert world.last(RESIDENT.id).reply_markup == {"remove_keyboard": True}
    told = [t for t in world.texts(ZHANG.id) if "13987654321" in t]
    assert len(told) == 2 and any("#1" in t for t in told) and any("#2" in t for t in told)
    for other in (CHEN.id, HUANG.id, HE.id, NEIGHBOUR.id, YULAN_GROUP):
        assert not any("13987654321" in t for t in world.texts(other))
    await world.say(ZHANG, "/case 1")
    assert "13987654321" in world.last(ZHANG.id).text

    # The voice-only resident closes the loop without typing: buttons only.
    card = next(m for m in reversed(world.fake.messages(ZHANG.id)) if "#2" in m.text
                and m.buttons)
    await world.press(ZHANG, ZHANG.id, card.message_id, card.callback_data("✅ 接单"))
    card = next(m for m in world.fake.messages(ZHANG.id) if m.message_id == card.message_id)
    await world.press(ZHANG, ZHANG.id, card.message_id, card.callback_data("🛠 已处理"))
    await world.tap(ZHANG, ZHANG.id, "跳过")
    await world.tap(RESIDENT, RESIDENT.id, "解决了")
    await world.tap(RESIDENT, RESIDENT.id, "⭐⭐⭐⭐")
    assert (await world.case(2)).status == CaseStatus.CLOSED
    assert world.bot is not None and world.bot.sessions is not None
    async with world.bot.sessions() as session:
        views = (await session.execute(select(DataAccess).where(col(DataAccess.what) == "phone")))
        assert {v.case_id for v in views.scalars().all()} >= {1, 2}


async def test_an_album_is_one_case_and_the_worker_resolves_with_a_photo(world: World) -> None:
    album = world.fake.user_sends_album(RESIDENT, 3, "3号楼2单元楼道灯坏了，晚上看不见")
    await world.settle()
    assert "已受理 #1" in "\n".join(world.texts(RESIDENT.id))
    assert "#2" not in "\n".join(world.texts(RESIDENT.id))
    zhang = world.fake.messages(ZHANG.id)
    photos = [m.photo[0]["file_id"] for m in zhang if m.photo]
    assert photos == [sent_file(world, RESIDENT.id, m, "photo") for m in album]

    # Stickers and videos get a polite answer, never silence.
    world.fake.user_sends_other(RESIDENT, "sticker")
    await world.settle()
    assert "请发文字、照片或语音" in world.last(RESIDENT.id).text

    await world.tap(ZHANG, ZHANG.id, "接单")
    await world.tap(ZHANG, ZHANG.id, "已处理")
    proof = world.fake.user_sends_photo(ZHANG, "已更换灯泡", seed=9)
    await world.settle()
    shown = world.fake.messages(RESIDENT.id)
    assert shown[-2].photo and shown[-2].photo[0]["file_id"] == sent_file(
        world, ZHANG.id, proof, "photo")
    assert "已更换灯泡" in shown[-1].text and "解决了吗" in shown[-1].text
    await world.tap(RESIDENT, RESIDENT.id, "解决了")
    await world.tap(RESIDENT, RESIDENT.id, "⭐⭐⭐⭐⭐")
    assert (await world.case(1)).status == CaseStatus.CLOSED
    await world.say(CHEN, "/case 1")
    assert "处理后照片 1 张" in world.last(CHEN.id).text and "照片 3 张" in world.last(CHEN.id).text
    await world.tap(CHEN, CHEN.id, "看照片")
    seen = [m.photo[0]["file_id"] for m in world.fake.messages(CHEN.id)[-4:] if m.photo]
    assert seen == photos + [sent_file(world, ZHANG.id, proof, "photo")]
    # A forged press by a worker who never held the case shows nothing.
    await world.say(HUANG, "/help")
    before = len(world.fake.messages(HUANG.id))
    answer = await world.press(HUANG, HUANG.id, world.last(HUANG.id).message_id,
                               ShowMedia(1).pack())
    assert answer.get("show_alert") and len(world.fake.messages(HUANG.id)) == before

    # A captioned photo that reads as an emergency goes through the emergency flow at once,
    # even while the bot waits for an answer about an earlier photo.
    world.fake.user_sends_photo(NEIGHBOUR, seed=7)
    await world.settle()
    assert "这是什么事" in world.last(NEIGHBOUR.id).text
    world.fake.user_sends_photo(NEIGHBOUR, "救命！9号楼402着火了", seed=5)
    await world.settle()
    assert "119" in "\n".join(world.texts(NEIGHBOUR.id))
    assert any("#2" in t and "紧急" in t for t in world.texts(HUANG.id) + world.texts(CHEN.id))

    # A dispute's photo: the group gets a neutral line, only the mediator gets the photo.
    world.fake.user_starts(LIU)
    quarrel = world.fake.user_sends_photo(
        NEIGHBOUR, "@gridbot_test_bot 楼上天天晚上十二点还在跺脚，3号楼", world.groups[YULAN_GROUP],
        seed=6)
    await world.settle()
    assert "私聊" in world.last(YULAN_GROUP).text
    await world.say(NEIGHBOUR, "/start dispute")
    for label in ("不清楚", "今天刚发生", "不是", "不是", "不是"):
        await world.tap(NEIGHBOUR, NEIGHBOUR.id, label)
    quarrel_id = sent_file(world, YULAN_GROUP, quarrel, "photo")
    holders = {chat for chat in (LIU.id, ZHANG.id, CHEN.id, YULAN_GROUP)
               if any(m.photo and m.photo[0]["file_id"] == quarrel_id
                      for m in world.fake.messages(chat))}
    assert holders == {LIU.id}


async def test_a_wish_owner_shares_the_phone_and_the_volunteer_sends_a_photo(
    world: World,
) -> None:
    await world.say(SUN, "/start")
    await world.say(RESIDENT, "/wish 想要一副老花镜，看报纸看不清，3号楼2单元301")
    assert (world.last(RESIDENT.id).reply_markup or {})["keyboard"][0][0]["request_contact"]
    world.fake.user_shares_contact(RESIDENT, "13912345678")
    await world.settle()
    await world.tap(ZHANG, ZHANG.id, "通过并发布")
    await world.tap(SUN, SUN.id, "认领")
    assert any("13912345678" in t for t in world.texts(SUN.id))
    await world.tap(SUN, SUN.id, "已完成")
    gift = world.fake.user_sends_photo(SUN, "已送去老花镜，试戴合适", seed=4)
    await world.settle()
    shown = world.fake.messages(RESIDENT.id)
    assert shown[-2].photo and shown[-2].photo[0]["file_id"] == sent_file(
        world, SUN.id, gift, "photo")
    assert "试戴合适" in shown[-1].text and "实现了吗" in shown[-1].text
