"""What a failed update leaves in the quarantine table."""

from sqlalchemy import select

from bot.db import Sessions
from bot.quarantine import Quarantine
from handlers.payloads import CastBallot
from handlers.texts import Texts
from models import FailedUpdate
from services.clock import FrozenClock


def _press(update_id: int, data: str) -> dict[str, object]:
    return {"update_id": update_id, "callback_query": {
        "id": "q", "from": {"id": 501, "is_bot": False, "first_name": "王"}, "data": data,
        "chat_instance": "c"}}


async def test_a_failed_ballot_press_is_kept_without_the_option_chosen(
    sessions: Sessions, clock: FrozenClock,
) -> None:
    quarantine = Quarantine(sessions, clock, Texts())
    ballot = CastBallot(topic_id=3, option=2).pack()
    other = "t:1:no"
    assert not await quarantine.failed(1, _press(1, ballot), ValueError("broken"))
    assert not await quarantine.failed(2, _press(2, other), ValueError("broken"))
    async with sessions() as session:
        rows = {r.update_id: r for r in (await session.execute(select(FailedUpdate))).scalars()}
    kept = rows[1].raw["callback_query"]
    assert kept["data"] == "vb…" and kept["from"]["id"] == 501
    assert ballot not in str(rows[1].raw)
    assert rows[2].raw["callback_query"]["data"] == other  # other buttons stay as they came
