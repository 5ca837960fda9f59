"""What an adapter reads from Telegram is text the database can hold."""

from types import SimpleNamespace
from typing import Any, cast

from bot.channels import Message, incoming_from_message


def _message(text: str, first: str) -> Message:
    user = SimpleNamespace(id=5001, first_name=first, last_name=None, language_code="zh")
    chat = SimpleNamespace(id=5001, type="private")
    raw: Any = SimpleNamespace(message_id=7, chat=chat, from_user=user, text=text, caption=None,
                               reply_to_message=None)
    return cast(Message, raw)


def test_nul_characters_are_dropped_from_texts_and_names() -> None:
    incoming = incoming_from_message(_message("3号楼\x00漏水", "王\x00"), 1, 42, "gridbot")
    assert incoming.text == "3号楼漏水" and incoming.sender.name == "王"
