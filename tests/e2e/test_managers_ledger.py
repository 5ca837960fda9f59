"""Managers' ledgers and numbers end to end: /export as an Excel or CSV document, /stats."""

import io

from openpyxl import load_workbook

from tests.e2e.harness import CHEN, HUANG, RESIDENT, ZHANG, World
from tests.e2e.test_disputes import LIU


async def _closed_repair_and_open_dispute(world: World) -> None:
    """#1: a repair fixed in 2 hours and rated 5 stars; #2: a dispute still open."""
    await world.say(RESIDENT, "3号楼2单元301楼道灯坏了，我电话13912345678")
    world.clock.advance(minutes=30)
    await world.tap(ZHANG, ZHANG.id, "接单")
    world.clock.advance(minutes=90)
    await world.tap(ZHANG, ZHANG.id, "已处理")
    await world.say(ZHANG, "换了灯泡")
    await world.tap(RESIDENT, RESIDENT.id, "解决了")
    await world.tap(RESIDENT, RESIDENT.id, "⭐⭐⭐⭐⭐")
    await world.say(RESIDENT, "/cancel")
    world.fake.user_starts(LIU)  # the volunteer mediator the quarrel goes to
    await world.say(RESIDENT, "7号楼楼上邻居天天半夜吵架，吵得睡不着")
    if "矛盾纠纷吗" in world.last(RESIDENT.id).text:
        await world.tap(RESIDENT, RESIDENT.id, "是")
    for answer in ("不清楚", "有几天了", "不是", "不是", "不是"):  # the dispute intake questions
        await world.tap(RESIDENT, RESIDENT.id, answer)


async def test_export_sends_a_workbook_whose_cells_match_the_cases(world: World) -> None:
    await _closed_repair_and_open_dispute(world)
    await world.say(CHEN, "/export 2026-11")
    sent = world.last(CHEN.id)
    assert sent.document is not None and sent.file_content is not None
    assert sent.document["file_name"] == "ledger-yulan-2026-11.xlsx"
    assert "共 2 件" in (sent.caption or "")
    book = load_workbook(io.BytesIO(sent.file_content))
    assert book.sheetnames[:3] == ["汇总", "报修台账", "矛盾纠纷台账"]
    repairs = book["报修台账"]
    header = [c.value for c in repairs[1]]
    assert header == ["编号", "上报时间", "上报人", "地址", "类型", "内容", "处理人", "接单时间",
                      "办结时间", "用时(小时)", "状态", "评分", "评价", "同时反映", "处理后照片"]
    row = [c.value for c in repairs[2]]
    case = await world.case(1)
    assert row[0] == 1
    assert row[1].strftime("%Y-%m-%d %H:%M") == "2026-11-02 09:00"  # local time, stored UTC
    assert row[2] == "王*"  # 王大爷, masked
    assert row[3] == "3号楼2单元301室"
    assert "139****5678" in row[5] and "13912345678" not in row[5]
    assert row[6] == "张敏" and row[7].strftime("%H:%M") == "09:30"
    assert row[9] == 2.0 and row[10] == "已办结" and row[11] == case.rating == 5
    assert row[13] == 0  # nobody else said 我也遇到
    assert row[14] == 0  # no photos of the work done (tests/e2e/test_media.py sends one)
    assert repairs.page_setup.orientation == "landscape"
    assert int(repairs.page_setup.paperSize) == int(repairs.PAPERSIZE_A4)  # A4
    assert repairs["B2"].number_format == "yyyy-mm-dd hh:mm"
    assert repairs.column_dimensions["F"].width >= 40
    disputes = book["矛盾纠纷台账"]
    assert disputes.max_row == 2 and disputes["G2"].value == "刘阿姨"  # the volunteer mediator
    summary = book["汇总"]
    rows = {r[0].value: [c.value for c in r] for r in summary.iter_rows(min_row=3)
            if r[0].value}
    assert rows["玉兰第一网格"][1:3] == [1, 1]  # reported, closed
    assert rows["玉兰第一网格"][4:7] == [1.0, 1.0, 1.0]  # accepted, solved, satisfied in time
    assert rows["合计"][1] == 2
    assert rows["报修"] == ["报修", 1, None, None, None, None, None]


async def test_export_by_buttons_gives_a_csv_of_one_month(world: World) -> None:
    await _closed_repair_and_open_dispute(world)
    await world.say(CHEN, "/export")
    await world.tap(CHEN, CHEN.id, "本月")
    await world.tap(CHEN, CHEN.id, "CSV")
    sent = world.last(CHEN.id)
    assert sent.document is not None and sent.document["file_name"].endswith(".csv")
    lines = (sent.file_content or b"").decode("utf-8-sig").splitlines()
    assert lines[0].startswith("编号,上报时间,上报人")
    assert len(lines) == 3 and lines[1].startswith("1,2026-11-02 09:00,王*")


async def test_only_managers_can_export_and_see_stats(world: World) -> None:
    await world.say(ZHANG, "/export 2026-11")
    assert "只有社区管理人员" in world.last(ZHANG.id).text
    await world.say(RESIDENT, "/stats")
    assert "只有社区管理人员" in world.last(RESIDENT.id).text
    await world.say(CHEN, "/export", chat=-1001000000001)
    assert world.fake.messages(-1001000000001)[-1].document is None


async def test_stats_show_backlog_overdue_speed_and_rates(world: World) -> None:
    await _closed_repair_and_open_dispute(world)
    world.clock.advance(days=2)  # the dispute waited two days without being accepted
    await world.say(CHEN, "/stats")
    text = world.last(CHEN.id).text
    assert "未办结：1 件" in text and "玉兰第二网格：1 件" in text and "刘阿姨：1 件" in text
    assert "超期：1 件 #2" in text
    assert "平均接单 0.5 小时，平均办结 2.0 小时" in text
    assert "满意率 100% / —" in text
    assert HUANG.id  # the dispute's worker is named, not the resident
    assert "王大爷" not in text
