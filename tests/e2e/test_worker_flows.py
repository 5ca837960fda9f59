"""Working a case end to end: transfer, return, reopen, and refusals that change nothing."""

from models import CaseStatus
from tests.e2e.harness import CHEN, HE, HUANG, NEIGHBOUR, RESIDENT, ZHANG, World


async def _report_in_grid_two(world: World) -> None:
    await world.say(RESIDENT, "7号楼下水道堵了，污水都冒出来了")
    assert "#1" in world.last(HUANG.id).text  # the first of two idle workers


async def test_a_worker_transfers_a_case_to_a_colleague(world: World) -> None:
    await _report_in_grid_two(world)
    await world.tap(HUANG, HUANG.id, "转派")
    await world.tap(HUANG, HUANG.id, "何静")
    assert "#1" in world.last(HE.id).text and "接单" in world.last(HE.id).button_texts[0]
    assert "何静" in world.last(RESIDENT.id).text
    answer = await world.press(HUANG, HUANG.id, world.fake.messages(HUANG.id)[0].message_id, "a:1")
    assert answer.get("show_alert") and "不归您" in answer["text"]
    case = await world.case(1)
    assert case.status == CaseStatus.ASSIGNED and case.assignee_id is not None
    await world.tap(HE, HE.id, "接单")
    assert (await world.case(1)).status == CaseStatus.ACCEPTED


async def test_a_worker_returns_a_case_to_the_manager_with_a_reason(world: World) -> None:
    await _report_in_grid_two(world)
    await world.tap(HUANG, HUANG.id, "退回")
    await world.say(HUANG, "这是物业的管道，不归社区")
    card = world.last(CHEN.id)
    assert "退回" in card.text and "不归社区" in card.text
    case = await world.case(1)
    assert case.status == CaseStatus.RETURNED and case.assignee_id is None
    await world.tap(CHEN, CHEN.id, "何静")
    assert "#1" in world.last(HE.id).text
    assert (await world.case(1)).status == CaseStatus.ASSIGNED


async def test_not_solved_reopens_the_case_to_the_same_worker_with_the_residents_words(
    world: World,
) -> None:
    await world.say(RESIDENT, "3号楼楼道灯坏了")
    await world.tap(ZHANG, ZHANG.id, "接单")
    await world.tap(ZHANG, ZHANG.id, "已处理")
    await world.tap(ZHANG, ZHANG.id, "跳过")
    await world.tap(RESIDENT, RESIDENT.id, "没解决")
    await world.say(RESIDENT, "还是一闪一闪的")
    card = world.last(ZHANG.id)
    assert "没解决" in card.text and "还是一闪一闪的" in card.text
    assert (await world.case(1)).status == CaseStatus.REOPENED
    await world.tap(ZHANG, ZHANG.id, "已处理")
    await world.say(ZHANG, "换了整套灯具")
    assert "换了整套灯具" in world.last(RESIDENT.id).text
    assert (await world.case(1)).status == CaseStatus.RESOLVED


async def test_a_forged_or_stale_button_press_changes_nothing(world: World) -> None:
    await world.say(RESIDENT, "3号楼楼道灯坏了")
    await world.say(NEIGHBOUR, "/my")
    neighbour_msg = world.last(NEIGHBOUR.id).message_id
    for data in ("a:1", "y:1", "s:1:5", "as:1:940003", "tt:1:3", "zzz", "a:1:2:3", "a:-1"):
        answer = await world.press(NEIGHBOUR, NEIGHBOUR.id, neighbour_msg, data)
        assert answer.get("show_alert"), (data, answer)
    early = await world.press(RESIDENT, RESIDENT.id, world.last(RESIDENT.id).message_id, "y:1")
    assert early.get("show_alert") and "待接单" in early["text"]
    case = await world.case(1)
    assert case.status == CaseStatus.ASSIGNED and case.rating is None
    assert "#1" not in "\n".join(world.texts(NEIGHBOUR.id))


async def test_only_people_involved_can_see_a_case(world: World) -> None:
    await world.say(RESIDENT, "3号楼2单元301楼道灯坏了")
    await world.say(NEIGHBOUR, "/case 1")
    refusal = world.last(NEIGHBOUR.id).text
    assert "无权查看" in refusal and "301" not in refusal and "楼道灯" not in refusal
    await world.say(HUANG, "/case 1")  # a worker of another grid
    assert "无权查看" in world.last(HUANG.id).text
    await world.say(CHEN, "/case 1")
    manager_view = world.last(CHEN.id).text
    assert "301" in manager_view and "记录" in manager_view


async def test_a_worker_pages_through_a_long_queue(world: World) -> None:
    for n in range(11):
        await world.say(RESIDENT, f"/report 3号楼第{n + 1}处灯坏了")
    await world.say(ZHANG, "/tasks")
    first = world.last(ZHANG.id)
    assert "待办 11 件" in first.text and "1/2" in first.text
    await world.tap(ZHANG, ZHANG.id, "下一页")
    page_two = world.fake.messages(ZHANG.id)[-1]
    assert "2/2" in page_two.text and "#11" in page_two.text


async def test_a_resident_lists_their_own_cases(world: World) -> None:
    await world.say(RESIDENT, "3号楼楼道灯坏了")
    await world.say(NEIGHBOUR, "5号楼电梯停了")
    await world.say(RESIDENT, "/my")
    mine = world.last(RESIDENT.id).text
    assert "#1" in mine and "#2" not in mine
