"""The thinnest possible bot, for comparison: aiogram long polling, every message answered with
the same text, every button press answered. Run: python -m bench.echo_bot BASE_URL TOKEN"""

import asyncio
import sys

from aiogram import Bot, Dispatcher
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.types import CallbackQuery, Message


async def main(base_url: str, token: str) -> None:
    """Poll until SIGTERM or SIGINT."""
    session = AiohttpSession(api=TelegramAPIServer.from_base(base_url))
    bot = Bot(token, session=session)
    dispatcher = Dispatcher()

    @dispatcher.message()
    async def echo(message: Message) -> None:
        await message.answer(message.text or "?")

    @dispatcher.callback_query()
    async def answer(query: CallbackQuery) -> None:
        await query.answer()

    await dispatcher.start_polling(bot, handle_signals=True)


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2]))
