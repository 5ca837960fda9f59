"""Delivering outbox payloads through any channel adapter: the payload is read back as a typed
Message, bot/botcalls.py turns it into a Bot API call, and the adapter makes the call and says
how it went. Webhook set-up and button answers go the same way."""

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any

from bot.botcalls import BotCall, admin_check, may_delete, message_call
from bot.sender import Delivery
from services.outgoing import Message


@dataclass(frozen=True, slots=True)
class Answer:
    """How one call went, and Telegram's result when it was sent."""

    delivery: Delivery
    result: Any = None


class ApiTransport(ABC):
    """Sends outbox payloads; an adapter supplies only `call` (and the bot's id)."""

    @abstractmethod
    async def call(self, call: BotCall) -> Answer:
        """Make one Bot API call; map the library's errors to a Delivery, never raise them."""

    @abstractmethod
    def bot_id(self) -> int:
        """The bot's own user id."""

    async def deliver(self, chat_id: int, payload: dict[str, Any]) -> Delivery:
        """Send, edit or delete one outbox message."""
        message = Message.from_json(payload)
        if message.only_if_bot_admin:
            # Disputes raised in a group: the offer to delete only where the bot may delete.
            check = await self.call(admin_check(chat_id, self.bot_id()))
            if check.delivery.status != "sent":
                return check.delivery
            if not may_delete(check.result):
                return Delivery("sent")
        return (await self.call(message_call(chat_id, message))).delivery

    async def require(self, call: BotCall) -> Any:
        """Make a call that must succeed (webhook set-up); raise with Telegram's reason."""
        answer = await self.call(call)
        if answer.delivery.status != "sent":
            raise RuntimeError(f"{call.method} failed: {answer.delivery.error}")
        return answer.result


def token_bot_id(token: str) -> int:
    """The bot's user id: the number before the colon of its token."""
    return int(token.split(":", 1)[0])
