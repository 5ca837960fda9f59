"""What a handler gets besides the Incoming: the renderer (texts, zone, deadlines, bot name),
the session to pass to services, the clock, and the place to put its replies.

A scheduled job has no update: it works with a `Writer` (the renderer, a session and the
messages to queue); a handler's `Context` is a Writer plus the update and the person behind it.
"""

from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.renderer import Renderer
from handlers.steps import dump
from handlers.types import CallbackAnswer, Effects, Incoming, Keyboard, Message, Outgoing
from models import Person
from services import conversation
from services.clock import Clock
from services.outgoing import View, split_text


@dataclass(kw_only=True)
class Writer(Renderer):
    """The renderer with a session to look things up and the messages it decided to send."""

    session: AsyncSession
    clock: Clock
    effects: Effects = field(default_factory=Effects)

    @classmethod
    def of(cls, renderer: Renderer, *, session: AsyncSession, clock: Clock) -> "Writer":
        """A writer for scheduled work that renders like `renderer`."""
        return cls(session=session, clock=clock, **renderer.renderer_fields())

    def emit(self, chat_id: int, message: Message, *, case_id: int | None = None) -> None:
        """Queue any message (media, deletions, …) for the outbox."""
        self.effects.messages.append(Outgoing(chat_id, message, case_id))

    def send(
        self, chat_id: int, text: str, buttons: Keyboard = (), *,
        case_id: int | None = None, reply_to: int | None = None, views: tuple[View, ...] = (),
    ) -> None:
        """Queue a new message; a text longer than Telegram takes goes as several messages,
        split at line boundaries (the buttons, and the views of personal data to record on
        delivery, with the last), so nothing is cut."""
        parts = split_text(text)
        for i, part in enumerate(parts):
            last = i == len(parts) - 1
            self.emit(chat_id, Message(part, buttons if last else (),
                                       reply_to_message_id=reply_to if i == 0 else None,
                                       views=views if last else ()),
                      case_id=case_id)


@dataclass(kw_only=True)
class Context(Writer):
    """One update's world: the renderer plus the update; services get `session`; replies
    collect in `effects`."""

    incoming: Incoming
    me: Person

    def reply(self, text: str, buttons: Keyboard = (), *, case_id: int | None = None,
              reply_to: int | None = None) -> None:
        """Queue a message to the chat the update came from."""
        self.send(self.incoming.chat_id, text, buttons, case_id=case_id, reply_to=reply_to)

    def edit(self, text: str, buttons: Keyboard = ()) -> None:
        """Change the message whose button was pressed."""
        if self.incoming.message_id is None:
            self.reply(text, buttons)
            return
        first, *rest = split_text(text)  # too long for one message: the rest follows it
        self.emit(self.incoming.chat_id, Message(first, () if rest else buttons,
                                                 edit_message_id=self.incoming.message_id))
        if rest:
            self.reply("\n".join(rest), buttons)

    def answer(self, text: str = "", *, alert: bool = False) -> None:
        """Answer the button press (an alert for refusals, a toast otherwise)."""
        self.effects.answer = CallbackAnswer(text=text, alert=alert)

    async def wait(self, step: str, state: object) -> None:
        """Remember that the bot now waits for `step` from this person in this chat, with the
        step's typed state (handlers/steps.py)."""
        await conversation.wait_for(self.session, clock=self.clock, chat_id=self.incoming.chat_id,
                                    user_id=self.incoming.sender.id, step=step, data=dump(state))

    async def stop_waiting(self) -> None:
        """Forget any question pending for this person in this chat."""
        await conversation.forget(self.session, chat_id=self.incoming.chat_id,
                                  user_id=self.incoming.sender.id)
