"""The service guide end to end: a question answered from the guide, one that falls through to a
case, 👎 turning an answer into a case, and a manager growing the guide by chat."""

import pytest

from models import CaseKind
from tests.e2e.harness import CHEN, NEIGHBOUR, RESIDENT, YULAN_GROUP, ZHANG, World

# One adapter is enough here: the guide has no adapter-specific path.
pytestmark = pytest.mark.parametrize("world", ["aiogram"], indirect=True)


async def test_a_question_is_answered_from_the_guide_and_another_falls_through_to_a_case(
    world: World,
) -> None:
    await world.say(RESIDENT, "请问低保怎么申请啊")
    answer = world.last(RESIDENT.id)
    assert answer.text.startswith("为您找到") and "低保申请" in answer.text
    assert "025-84470001" in answer.text
    assert answer.button_texts == ["👍 有用", "👎 没解决"]
    assert "谢谢" in (await world.tap(RESIDENT, RESIDENT.id, "有用"))["text"]

    await world.say(RESIDENT, "@gridbot_test_bot 公积金怎么提取？", chat=YULAN_GROUP)
    # Not in the guide: intake as before (a confident "other", so only the building is asked).
    assert "几号楼" in world.last(YULAN_GROUP).text
    await world.say(RESIDENT, "3号楼", chat=YULAN_GROUP,
                    reply_to=world.last(YULAN_GROUP).message_id)
    assert "已受理 #1" in world.last(YULAN_GROUP).text
    assert (await world.case(1)).kind == CaseKind.OTHER and "#1" in world.last(ZHANG.id).text

    await world.say(CHEN, "/guide unanswered")
    listed = world.last(CHEN.id).text
    assert "公积金怎么提取" in listed and "低保" not in listed


async def test_not_solved_turns_the_answer_into_a_case_only_for_the_asker(world: World) -> None:
    await world.say(RESIDENT, "@gridbot_test_bot 居委会周六开门吗", chat=YULAN_GROUP)
    assert "社区服务站办公时间" in world.last(YULAN_GROUP).text and "玉兰路" in world.last(
        YULAN_GROUP).text
    refused = await world.tap(NEIGHBOUR, YULAN_GROUP, "没解决")
    assert refused.get("show_alert") and "提问的居民" in refused["text"]
    await world.tap(RESIDENT, YULAN_GROUP, "没解决")
    assert "转给社区工作人员" in world.texts(YULAN_GROUP)[-2]
    assert "几号楼" in world.last(YULAN_GROUP).text  # an "other" case as before: where is it?
    await world.say(RESIDENT, "3号楼", chat=YULAN_GROUP,
                    reply_to=world.last(YULAN_GROUP).message_id)
    assert "已受理 #1" in world.last(YULAN_GROUP).text
    case = await world.case(1)
    assert case.kind == CaseKind.OTHER and case.text == "居委会周六开门吗"
    again = await world.tap(RESIDENT, YULAN_GROUP, "没解决")
    assert "已经转给" in again["text"] and await world.case(1)


async def test_a_manager_adds_a_service_that_then_answers_residents(world: World) -> None:
    await world.say(CHEN, "/guide add 公积金提取\n对象：在职职工\n材料：身份证、银行卡\n"
                          "电话：025-12329\n关键词：公积金, 住房公积金")
    assert "已加入办事指南" in world.last(CHEN.id).text
    await world.say(RESIDENT, "/address 3号楼2单元301")
    await world.say(RESIDENT, "公积金咋取出来")
    assert "公积金提取" in world.last(RESIDENT.id).text and "025-12329" in world.last(
        RESIDENT.id).text
    await world.say(RESIDENT, "/guide")
    topics = world.last(RESIDENT.id)
    assert "公积金提取" in topics.button_texts and "低保申请" in topics.button_texts
    await world.tap(RESIDENT, RESIDENT.id, "残疾证办理")
    assert "二寸白底照片" in world.last(RESIDENT.id).text
    await world.say(RESIDENT, "/guide remove 公积金提取")
    assert "管理员" in world.last(RESIDENT.id).text
    await world.say(CHEN, "/guide remove 公积金提取")
    assert "已从办事指南删除" in world.last(CHEN.id).text
