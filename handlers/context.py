"""What a handler gets besides the Incoming: the session to pass to services, the clock, texts,
and the place to put its replies."""

from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.texts import Texts
from handlers.types import CallbackAnswer, Effects, Incoming, Keyboard, Message, Outgoing
from models import Person
from services import conversation
from services.clock import Clock
from services.deadlines import DeadlinePolicy


@dataclass
class Context:
    """One update's world: services get `session`; replies collect in `effects`."""

    session: AsyncSession
    clock: Clock
    texts: Texts
    tz: ZoneInfo
    bot_username: str
    incoming: Incoming
    me: Person
    effects: Effects = field(default_factory=Effects)
    deadlines: DeadlinePolicy = field(default_factory=DeadlinePolicy)

    def emit(self, chat_id: int, message: Message, *, case_id: int | None = None) -> None:
        """Queue any message (media, deletions, …) for the outbox."""
        self.effects.messages.append(Outgoing(chat_id, message, case_id))

    def send(
        self, chat_id: int, text: str, buttons: Keyboard = (), *,
        case_id: int | None = None, reply_to: int | None = None,
    ) -> None:
        """Queue a new message."""
        self.emit(chat_id, Message(text, buttons, reply_to_message_id=reply_to), case_id=case_id)

    def reply(self, text: str, buttons: Keyboard = (), **kw: int | None) -> None:
        """Queue a message to the chat the update came from."""
        self.send(self.incoming.chat_id, text, buttons, **kw)

    def edit(self, text: str, buttons: Keyboard = ()) -> None:
        """Change the message whose button was pressed."""
        if self.incoming.message_id is None:
            self.reply(text, buttons)
            return
        self.emit(self.incoming.chat_id,
                  Message(text, buttons, edit_message_id=self.incoming.message_id))

    def answer(self, text: str = "", *, alert: bool = False) -> None:
        """Answer the button press (an alert for refusals, a toast otherwise)."""
        self.effects.answer = CallbackAnswer(text=text, alert=alert)

    async def wait(self, step: str, data: dict[str, Any]) -> None:
        """Remember that the bot now waits for `step` from this person in this chat."""
        await conversation.wait_for(self.session, clock=self.clock, chat_id=self.incoming.chat_id,
                                    user_id=self.incoming.sender.id, step=step, data=data)

    async def stop_waiting(self) -> None:
        """Forget any question pending for this person in this chat."""
        await conversation.forget(self.session, chat_id=self.incoming.chat_id,
                                  user_id=self.incoming.sender.id)

    def deep_link(self, payload: str) -> str:
        """Return a link that opens the private chat with the bot and passes `payload`."""
        return f"https://t.me/{self.bot_username}?start={payload}"
