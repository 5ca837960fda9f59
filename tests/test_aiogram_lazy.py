"""aiogram imported with its types built on first use parses what Telegram sends exactly as the
eagerly built types do (each side in a fresh interpreter, since an import happens once)."""

import json
import subprocess
import sys

import pytest

from tests.conftest import TEST_DATABASE_URL

# It touches no database, so the PostgreSQL pass of .ci/run would only repeat it.
pytestmark = pytest.mark.skipif(bool(TEST_DATABASE_URL),
                                reason="uses no test database; runs in the SQLite pass")

SAMPLES = {
    "Update": {
        "update_id": 7, "message": {
            "message_id": 5, "date": 1700000000, "text": "@gridbot_bot 3号楼2单元楼道灯坏了",
            "chat": {"id": -100123, "type": "supergroup", "title": "3号楼"},
            "from": {"id": 42, "is_bot": False, "first_name": "王", "language_code": "zh-hans"},
            "entities": [{"type": "mention", "offset": 0, "length": 13}],
            "reply_to_message": {"message_id": 4, "date": 1700000000, "text": "收到",
                                 "chat": {"id": -100123, "type": "supergroup"},
                                 "from": {"id": 1, "is_bot": True, "first_name": "网格助手"}}}},
    "CallbackUpdate": {
        "update_id": 8, "callback_query": {
            "id": "q1", "chat_instance": "ci", "data": "a:12:0",
            "from": {"id": 42, "is_bot": False, "first_name": "王"},
            "message": {"message_id": 9, "date": 1700000000, "text": "#12",
                        "chat": {"id": 42, "type": "private", "first_name": "王"},
                        "reply_markup": {"inline_keyboard": [[{"text": "接单",
                                                               "callback_data": "a:12:0"}]]}}}},
    "ChatMember": {"status": "creator", "is_anonymous": False,
                   "user": {"id": 1, "is_bot": True, "first_name": "b"}},
}

PROGRAM = """
import json, sys
if sys.argv[1] == "lazy":
    from bot import aiogram_lazy
    assert len(aiogram_lazy.DEFERRED) > 100, len(aiogram_lazy.DEFERRED)
from aiogram.client.session.base import Response
from aiogram.methods import GetChatMember
from aiogram.types import Update
samples = json.loads(sys.argv[2])
out = {
    "Update": Update.model_validate(samples["Update"]).model_dump(mode="json"),
    "CallbackUpdate": Update.model_validate(samples["CallbackUpdate"]).model_dump(mode="json"),
    "ChatMember": Response[GetChatMember.__returning__].model_validate(
        {"ok": True, "result": samples["ChatMember"]}).model_dump(mode="json"),
}
print(json.dumps(out, sort_keys=True))
"""


def _parse(mode: str) -> dict:
    done = subprocess.run([sys.executable, "-c", PROGRAM, mode, json.dumps(SAMPLES)],
                          capture_output=True, text=True, check=False, timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@pytest.mark.heavy
def test_lazily_built_types_parse_updates_and_answers_like_eager_ones() -> None:
    lazy, eager = _parse("lazy"), _parse("eager")
    assert lazy == eager
    assert lazy["Update"]["message"]["reply_to_message"]["from_user"]["id"] == 1
    assert lazy["CallbackUpdate"]["callback_query"]["data"] == "a:12:0"
    assert lazy["ChatMember"]["result"]["status"] == "creator"
