"""A local Telegram Bot API emulator that rejects every call the official spec would not allow."""

from sandbox.errors import ApiError
from sandbox.fake import FakeTelegram
from sandbox.models import FakeChat, FakeUser, SentMessage

__all__ = ["ApiError", "FakeChat", "FakeTelegram", "FakeUser", "SentMessage"]
