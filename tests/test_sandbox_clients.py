"""Real clients (aiogram 3, python-telegram-bot 22) work against the emulator without rejections."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from collections.abc import AsyncIterator

import aiohttp
import pytest
import telegram
from aiogram import Bot, Dispatcher, F
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.filters import CommandStart
from aiogram.types import (
    BotCommand,
    BufferedInputFile,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    ReplyParameters,
)
from aiogram.webhook.aiohttp_server import SimpleRequestHandler
from aiohttp import web

from sandbox import FakeTelegram
from tests.test_sandbox_support import ALICE, BOB, GROUP_ID, TOKEN, started_fake


@pytest.fixture
async def fake() -> AsyncIterator[FakeTelegram]:
    fake = await started_fake()
    yield fake
    assert fake.rejections == []
    await fake.stop()


def aiogram_bot(fake: FakeTelegram) -> Bot:
    return Bot(TOKEN, session=AiohttpSession(api=TelegramAPIServer.from_base(fake.base_url)))


def keyboard() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=[[
        InlineKeyboardButton(text="受理", callback_data="ticket:1:accept"),
        InlineKeyboardButton(text="详情", url="https://example.com/t/1"),
    ]])


async def test_aiogram_bot_methods_are_accepted(fake: FakeTelegram) -> None:
    bot = aiogram_bot(fake)
    try:
        me = await bot.get_me()
        assert (me.id, me.username, me.is_bot) == (123456, "gridbot_test_bot", True)
        asked = fake.user_sends(ALICE, "3号楼楼道灯坏了", chat=GROUP_ID)
        sent = await bot.send_message(GROUP_ID, "<b>工单 #1</b> 已登记", parse_mode="HTML",
                                      reply_markup=keyboard(),
                                      reply_parameters=ReplyParameters(message_id=asked))
        assert sent.text == "工单 #1 已登记" and sent.reply_to_message is not None
        edited = await bot.edit_message_text("工单 #1 已受理", chat_id=GROUP_ID,
                                             message_id=sent.message_id, reply_markup=keyboard())
        assert isinstance(edited, Message) and edited.edit_date is not None
        query_id = fake.user_presses(BOB, GROUP_ID, sent.message_id, "ticket:1:accept")
        updates = await bot.get_updates(timeout=0)
        pressed = updates[-1].callback_query
        assert pressed is not None and isinstance(pressed.message, Message)
        assert pressed.message.text == "工单 #1 已受理"
        assert await bot.answer_callback_query(query_id, text="已受理")
        doc = await bot.send_document(GROUP_ID, BufferedInputFile(b"id,status\n1,ok\n",
                                                                  filename="工单.csv"),
                                      caption="本周工单")
        assert doc.document is not None and doc.document.file_name == "工单.csv"
        assert doc.document.file_size == 15
        assert await bot.set_my_commands([BotCommand(command="report", description="报修")])
        assert (await bot.get_chat_member(GROUP_ID, fake.bot_id)).status == "administrator"
        assert (await bot.get_chat(GROUP_ID)).title == "玉兰社区3号楼群"
        assert await bot.delete_message(GROUP_ID, sent.message_id)
    finally:
        await bot.session.close()
    assert fake.callback_answers[query_id]["text"] == "已受理"
    assert (fake.messages(GROUP_ID)[-1].document or {}).get("file_name") == "工单.csv"


async def test_aiogram_dispatcher_polls_and_answers(fake: FakeTelegram) -> None:
    bot, dp = aiogram_bot(fake), Dispatcher()

    @dp.message(CommandStart())
    async def start(message: Message) -> None:
        await message.answer("欢迎使用网格助手", reply_markup=keyboard())

    @dp.callback_query(F.data.startswith("ticket:"))
    async def press(query: CallbackQuery) -> None:
        await query.answer("已受理")
        assert isinstance(query.message, Message)
        await query.message.edit_text("工单 #1 已受理")

    polling = asyncio.create_task(dp.start_polling(bot, handle_signals=False, polling_timeout=1))
    try:
        fake.user_sends(ALICE, "/start")
        welcome = await fake.wait_for_message(ALICE.id, contains="欢迎")
        query_id = fake.user_presses(ALICE, ALICE.id, welcome.message_id, "ticket:1:accept")
        await fake.wait_for(lambda: query_id in fake.callback_answers)
        await fake.wait_for(lambda: welcome.text == "工单 #1 已受理")
        await fake.wait_for(lambda: fake.pending_updates() == 0)
    finally:
        await dp.stop_polling()
        await polling


async def test_aiogram_webhook_reply_is_executed(fake: FakeTelegram) -> None:
    bot, dp = aiogram_bot(fake), Dispatcher()

    @dp.message()
    async def echo(message: Message) -> object:
        return message.answer(f"收到：{message.text}")  # answered inside the webhook response

    app = web.Application()
    SimpleRequestHandler(dp, bot, secret_token="hook-secret").register(app, path="/hook")
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    try:
        url = f"http://127.0.0.1:{runner.addresses[0][1]}/hook"
        assert await bot.set_webhook(url, secret_token="hook-secret")
        fake.user_sends(ALICE, "楼道灯坏了")
        msg = await fake.wait_for_message(ALICE.id, contains="收到")
        assert msg.text == "收到：楼道灯坏了"
        assert (await bot.get_webhook_info()).url == url
    finally:
        await bot.session.close()
        await runner.cleanup()


async def test_python_telegram_bot_methods_are_accepted(fake: FakeTelegram) -> None:
    markup = telegram.InlineKeyboardMarkup([[
        telegram.InlineKeyboardButton("受理", callback_data="ticket:1:accept"),
        telegram.InlineKeyboardButton("详情", url="https://example.com/t/1"),
    ]])
    async with telegram.Bot(TOKEN, base_url=f"{fake.base_url}/bot") as bot:
        me = await bot.get_me()
        assert (me.id, me.username) == (123456, "gridbot_test_bot")
        sent = await bot.send_message(ALICE.id, "<i>您好</i>", parse_mode="HTML",
                                      reply_markup=markup)
        assert sent.text == "您好" and sent.reply_markup == markup
        fake.user_presses(ALICE, ALICE.id, sent.message_id, "ticket:1:accept")
        updates = await bot.get_updates(timeout=0)
        query = updates[0].callback_query
        assert query is not None and query.data == "ticket:1:accept"
        assert await bot.answer_callback_query(query.id)
        doc = await bot.send_document(ALICE.id, document=b"hello", filename="a.txt")
        assert doc.document is not None and doc.document.file_size == 5
        await bot.edit_message_text("已受理", chat_id=ALICE.id, message_id=sent.message_id)
    assert fake.messages(ALICE.id)[0].text == "已受理"


async def test_control_endpoints_drive_users_and_show_chats(fake: FakeTelegram) -> None:
    async with aiohttp.ClientSession(base_url=fake.base_url) as http:
        resp = await http.post("/_sandbox/send", json={
            "user": {"id": 7001, "first_name": "张"}, "chat_id": GROUP_ID, "text": "报修"})
        assert (await resp.json())["message_id"] == 1
        async with telegram.Bot(TOKEN, base_url=f"{fake.base_url}/bot") as bot:
            markup = telegram.InlineKeyboardMarkup(
                [[telegram.InlineKeyboardButton("是", callback_data="yes")]])
            sent = await bot.send_message(GROUP_ID, "请选择", reply_markup=markup)
        resp = await http.post("/_sandbox/press", json={
            "user": {"id": 7001}, "chat_id": GROUP_ID, "message_id": sent.message_id,
            "data": "yes"})
        assert (await resp.json())["callback_query_id"]
        chats = await (await http.get("/_sandbox/chats")).json()
        assert GROUP_ID in [c["id"] for c in chats["chats"]]
        history = await (await http.get(f"/_sandbox/chats/{GROUP_ID}/messages")).json()
        assert [(m["from_bot"], m["message"]["text"]) for m in history["messages"]] == [
            (False, "报修"), (True, "请选择")]
        resp = await http.post("/_sandbox/press", json={
            "user": {"id": 7001}, "chat_id": GROUP_ID, "message_id": 99, "data": "x"})
        assert resp.status == 400 and "no message 99" in (await resp.json())["error"]
    assert fake.pending_updates() == 2


async def test_standalone_server_answers_get_me() -> None:
    proc = subprocess.Popen([sys.executable, "-m", "sandbox", "--port", "0", "--token", TOKEN],
                            stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        line = await asyncio.wait_for(asyncio.to_thread(proc.stdout.readline), 10)
        base_url = line.split(" on ")[1].split(" ")[0]
        async with aiohttp.ClientSession() as http:
            async with http.get(f"{base_url}/bot{TOKEN}/getMe") as resp:
                assert (await resp.json())["result"]["username"] == "gridbot_test_bot"
    finally:
        proc.terminate()
        proc.wait(5)
