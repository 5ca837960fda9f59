"""`gridbot import-structure`: the sample file, re-imports, edits and malformed files."""

from typing import Any, TypeVar

import pytest
from sqlalchemy import func, select
from sqlmodel import SQLModel, col

from bot.db import Sessions
from models.structure import Building, Community, Grid, GroupChat, Person, StaffRole, Street
from services.structure_import import (
    ImportReport,
    StructureError,
    import_structure,
    load_structure,
)
from tests.conftest import EXAMPLE_STRUCTURE

M = TypeVar("M", Community, Grid)
SAMPLE = EXAMPLE_STRUCTURE.read_text(encoding="utf-8")
TABLES: list[type[SQLModel]] = [Street, Community, Grid, Building, GroupChat, Person, StaffRole]
SAMPLE_ROWS = {
    "street": 1, "community": 2, "grid": 3, "building": 16, "group_chat": 2,
    "person": 15, "staff_role": 15,
}


def edited(text: str, *changes: tuple[str, str]) -> str:
    """Apply exact text replacements, each of which must match exactly once."""
    for old, new in changes:
        assert text.count(old) == 1, f"edit target not unique: {old!r}"
        text = text.replace(old, new)
    return text


async def run_import(sessions: Sessions, text: str) -> ImportReport:
    """Do what the CLI does: load, then import inside one transaction."""
    async with sessions() as session, session.begin():
        return await import_structure(session, load_structure(text, source="community.yaml"))


async def counts(sessions: Sessions) -> dict[str, int]:
    """Count the rows of every structure table."""
    async with sessions() as session:
        return {
            str(model.__tablename__): (
                await session.scalar(select(func.count()).select_from(model))
            ) or 0
            for model in TABLES
        }


async def snapshot(sessions: Sessions) -> dict[str, list[dict[str, Any]]]:
    """Every column of every structure row, to prove nothing at all changed."""
    async with sessions() as session:
        result = {}
        for model in TABLES:
            rows = (await session.scalars(select(model))).all()
            result[str(model.__tablename__)] = sorted(
                (row.model_dump() for row in rows), key=lambda r: str(sorted(r.items()))
            )
        return result


async def person(sessions: Sessions, name: str) -> Person:
    """The one Person row with this name."""
    async with sessions() as session:
        return (await session.scalars(select(Person).where(col(Person.name) == name))).one()


async def roles_of(sessions: Sessions, name: str) -> list[StaffRole]:
    """All roles held by the person with this name."""
    async with sessions() as session:
        query = select(StaffRole).join(Person, col(Person.id) == col(StaffRole.person_id))
        return list((await session.scalars(query.where(col(Person.name) == name))).all())


async def by_code(sessions: Sessions, model: type[M], code: str) -> M:
    """The community or grid with this code."""
    async with sessions() as session:
        return (await session.scalars(select(model).where(col(model.code) == code))).one()


# --- the sample file -------------------------------------------------------------------------


async def test_sample_file_imports_with_the_right_counts(sessions: Sessions) -> None:
    report = await run_import(sessions, SAMPLE)
    assert report == ImportReport(
        communities=2, grids=3, buildings=16, people=15, roles=15, group_chats=2,
        created=54, updated=0, unchanged=0, removed=0,
    )
    assert await counts(sessions) == SAMPLE_ROWS
    assert "2 个社区" in report.summary() and "新建 54" in report.summary()


async def test_building_7_belongs_to_grid_yulan_2(sessions: Sessions) -> None:
    await run_import(sessions, SAMPLE)
    yulan = await by_code(sessions, Community, "yulan")
    grid = await by_code(sessions, Grid, "yulan-2")
    async with sessions() as session:
        in_yulan = select(Building).where(col(Building.community_id) == yulan.id)
        building = (await session.scalars(in_yulan.where(col(Building.number) == "7"))).one()
    assert building.grid_id == grid.id
    assert grid.community_id == yulan.id


async def test_roles_are_stored_with_their_scope_and_details(sessions: Sessions) -> None:
    await run_import(sessions, SAMPLE)
    street_admin = await roles_of(sessions, "周主任")
    assert [(r.role, r.community_id, r.grid_id) for r in street_admin] == [("admin", None, None)]
    assert street_admin[0].street_id is not None
    [judge] = await roles_of(sessions, "赵法官")
    assert (judge.role, judge.tier) == ("mediator", "legal")
    [volunteer] = await roles_of(sessions, "孙志愿者")
    assert (volunteer.party_member, volunteer.skills) == (True, ["陪伴", "手机教学"])
    [worker] = await roles_of(sessions, "何静")
    assert worker.grid_id == (await by_code(sessions, Grid, "yulan-2")).id
    manager = await person(sessions, "陈书记")
    assert (manager.telegram_id, manager.phone) == (910001, "13800000001")
    async with sessions() as session:
        chat = await session.get(GroupChat, -1001000000002)
    qiaoxi = await by_code(sessions, Community, "qiaoxi")
    assert chat is not None and chat.community_id == qiaoxi.id


async def test_import_does_not_commit_so_the_caller_can_roll_back(sessions: Sessions) -> None:
    async with sessions() as session:
        await import_structure(session, load_structure(SAMPLE))
        await session.rollback()
    assert set((await counts(sessions)).values()) == {0}


# --- importing again -------------------------------------------------------------------------


async def test_reimporting_the_same_file_changes_nothing(sessions: Sessions) -> None:
    await run_import(sessions, SAMPLE)
    before = await snapshot(sessions)
    report = await run_import(sessions, SAMPLE)
    assert (report.created, report.updated, report.unchanged, report.removed) == (0, 0, 54, 0)
    assert await snapshot(sessions) == before


async def test_edited_file_updates_in_place_and_removes_the_departed_role(
    sessions: Sessions,
) -> None:
    await run_import(sessions, SAMPLE)
    qiaoxi = await by_code(sessions, Community, "qiaoxi")
    [moving] = await roles_of(sessions, "何静")
    departing = await person(sessions, "黄磊")
    text = edited(
        SAMPLE,
        ('phone: "13800000001"', 'phone: "13900000001"'),  # 陈书记's new phone
        ("name: 桥西社区", "name: 桥西新村社区"),  # community renamed
        ("          - {name: 黄磊, telegram_id: 940002, phone: \"13800000012\"}\n", ""),  # left
        ("          - {name: 何静, telegram_id: 940003}\n", ""),  # moves to yulan-1 …
        ('phone: "13800000011"}\n', 'phone: "13800000011"}\n          - {name: 何静, '
                                     "telegram_id: 940003}\n"),
    )
    report = await run_import(sessions, text)

    assert (report.created, report.updated, report.removed) == (0, 3, 1)
    assert await counts(sessions) == {**SAMPLE_ROWS, "staff_role": 14}
    renamed = await by_code(sessions, Community, "qiaoxi")
    assert (renamed.id, renamed.name) == (qiaoxi.id, "桥西新村社区")
    assert (await person(sessions, "陈书记")).phone == "13900000001"
    [moved] = await roles_of(sessions, "何静")
    assert moved.id == moving.id  # the same row, updated in place
    assert moved.grid_id == (await by_code(sessions, Grid, "yulan-1")).id
    assert await roles_of(sessions, "黄磊") == []
    assert (await person(sessions, "黄磊")).id == departing.id  # history stays


async def test_building_moved_to_another_grid_keeps_its_row(sessions: Sessions) -> None:
    await run_import(sessions, SAMPLE)
    text = edited(SAMPLE, ('["1", "2", "3", "4", "5"]', '["1", "2", "3", "4", "5", "6"]'),
                  ('["6", "7", "8"', '["7", "8"'))
    report = await run_import(sessions, text)
    assert (report.created, report.updated) == (0, 1)
    assert await counts(sessions) == SAMPLE_ROWS
    async with sessions() as session:
        six = (await session.scalars(select(Building).where(col(Building.number) == "6"))).one()
    assert six.grid_id == (await by_code(sessions, Grid, "yulan-1")).id


async def test_person_without_telegram_id_is_recognised_again_even_after_joining(
    sessions: Sessions,
) -> None:
    text = edited(SAMPLE, ("{name: 马强, telegram_id: 940004}", "{name: 马强}"))
    await run_import(sessions, text)
    await run_import(sessions, text)
    assert await counts(sessions) == SAMPLE_ROWS
    # The bot links the Telegram account when 马强 uses his invite code; the file still has none.
    async with sessions() as session, session.begin():
        joined = await session.get(Person, (await person(sessions, "马强")).id)
        assert joined is not None
        joined.telegram_id = 777001
    report = await run_import(sessions, text)
    assert (report.created, report.updated, report.removed) == (0, 0, 0)
    assert (await person(sessions, "马强")).telegram_id == 777001
    assert len(await roles_of(sessions, "马强")) == 1


async def test_telegram_id_added_later_links_the_existing_person(sessions: Sessions) -> None:
    without_id = edited(SAMPLE, ("{name: 马强, telegram_id: 940004}", "{name: 马强}"))
    await run_import(sessions, without_id)
    before = await person(sessions, "马强")
    await run_import(sessions, SAMPLE)
    after = await person(sessions, "马强")
    assert (after.id, after.telegram_id) == (before.id, 940004)
    assert await counts(sessions) == SAMPLE_ROWS


async def test_omitted_phone_is_kept_and_null_phone_is_cleared(sessions: Sessions) -> None:
    await run_import(sessions, SAMPLE)
    await run_import(sessions, edited(SAMPLE, (', phone: "13800000011"}', "}")))
    assert (await person(sessions, "张敏")).phone == "13800000011"
    await run_import(sessions, edited(SAMPLE, (', phone: "13800000011"}', ", phone: null}")))
    assert (await person(sessions, "张敏")).phone is None


async def test_bare_numbers_are_read_as_the_digits_written(sessions: Sessions) -> None:
    text = edited(SAMPLE, ('["6", "7", "8", "9", "10"]', "[6, 7, 8, 9, 010]"),
                  ('phone: "13800000012"', "phone: 13800000012"))
    await run_import(sessions, text)
    grid = await by_code(sessions, Grid, "yulan-2")
    async with sessions() as session:
        numbers = await session.scalars(
            select(col(Building.number)).where(col(Building.grid_id) == grid.id)
        )
        assert sorted(numbers) == ["010", "6", "7", "8", "9"]  # 010 is not octal 8
    assert (await person(sessions, "黄磊")).phone == "13800000012"


async def test_importing_another_street_leaves_the_first_streets_roles(sessions: Sessions) -> None:
    await run_import(sessions, SAMPLE)
    other = "street: {name: 湖南路街道, admins: [{name: 钟主任}]}\ncommunities: []\n"
    report = await run_import(sessions, other)
    assert (report.created, report.removed) == (3, 0)
    assert (await counts(sessions))["staff_role"] == 16


# --- malformed files -------------------------------------------------------------------------


async def rejected(sessions: Sessions, text: str, line: int | None, field: str) -> str:
    """Import the sample, then the bad text; check the error's place and an untouched DB."""
    await run_import(sessions, SAMPLE)
    before = await snapshot(sessions)
    with pytest.raises(StructureError) as caught:
        await run_import(sessions, text)
    error = caught.value
    assert (error.line, error.field) == (line, field)
    where = "community.yaml" if line is None else f"community.yaml line {line}"
    assert str(error).startswith(f"{where}: {field + ': ' if field else ''}")
    assert await snapshot(sessions) == before
    return str(error)


async def test_bad_yaml_syntax_names_its_line(sessions: Sessions) -> None:
    text = edited(SAMPLE, ("name: 玉兰社区", "name: 玉兰社区: 新"))
    assert "not valid YAML" in await rejected(sessions, text, 11, "")


async def test_missing_name_names_the_person_entry(sessions: Sessions) -> None:
    text = edited(SAMPLE, ("{name: 何静, telegram_id", "{telegram_id"))
    message = await rejected(sessions, text, 34, "communities[0].grids[1].workers[1].name")
    assert message.endswith("is required")


async def test_telegram_id_that_is_not_a_number_is_rejected(sessions: Sessions) -> None:
    text = edited(SAMPLE, ("telegram_id: 940002", "telegram_id: abc"))
    message = await rejected(sessions, text, 33, "communities[0].grids[1].workers[0].telegram_id")
    assert message.endswith('must be a whole number, got "abc"')


async def test_unknown_key_is_reported_with_a_suggestion(sessions: Sessions) -> None:
    text = edited(SAMPLE, ("managers:\n      - {name: 陈书记", "manger:\n      - {name: 陈书记"))
    message = await rejected(sessions, text, 13, "communities[0].manger")
    assert 'did you mean "managers"' in message


async def test_duplicate_grid_code_points_at_both_lines(sessions: Sessions) -> None:
    text = edited(SAMPLE, ("code: yulan-2", "code: yulan-1"))
    message = await rejected(sessions, text, 29, "communities[0].grids[1].code")
    assert "already used on line 24" in message


async def test_building_in_two_grids_is_rejected(sessions: Sessions) -> None:
    text = edited(SAMPLE, ('["6", "7"', '["5", "7"'))
    message = await rejected(sessions, text, 31, "communities[0].grids[1].buildings[0]")
    assert 'building "5"' in message and "line 26" in message


async def test_unknown_mediator_tier_lists_the_allowed_ones(sessions: Sessions) -> None:
    text = edited(SAMPLE, ("tier: legal", "tier: judge"))
    message = await rejected(sessions, text, 18, "communities[0].mediators[2].tier")
    assert "volunteer, community, legal" in message


async def test_buildings_that_are_not_a_list_are_rejected(sessions: Sessions) -> None:
    text = edited(SAMPLE, ('["11", "12", "13", "14", "15", "16"]', '"11-16"'))
    message = await rejected(sessions, text, 47, "communities[1].grids[0].buildings")
    assert "must be a list" in message


async def test_group_chat_bound_to_two_communities_is_rejected(sessions: Sessions) -> None:
    text = edited(SAMPLE, ("[-1001000000002]", "[-1001000000001]"))
    message = await rejected(sessions, text, 37, "communities[1].group_chats[0]")
    assert "line 12" in message


async def test_one_telegram_id_for_two_names_is_rejected(sessions: Sessions) -> None:
    text = edited(SAMPLE, ("telegram_id: 940004", "telegram_id: 940003"))
    message = await rejected(sessions, text, 49, "communities[1].grids[0].workers[0].telegram_id")
    assert "何静" in message


async def test_duplicate_community_code_is_rejected(sessions: Sessions) -> None:
    text = edited(SAMPLE, ("code: qiaoxi\n", "code: yulan\n"))
    assert "line 10" in await rejected(sessions, text, 35, "communities[1].code")


async def test_key_written_twice_is_not_silently_overwritten(sessions: Sessions) -> None:
    text = edited(SAMPLE, ("    name: 桥西社区\n", "    name: 桥西社区\n    name: 桥东社区\n"))
    assert "first on line 36" in await rejected(sessions, text, 37, "communities[1].name")


async def test_empty_file_is_rejected(sessions: Sessions) -> None:
    assert "empty" in await rejected(sessions, "# nothing yet\n", None, "")


async def test_every_problem_is_listed_not_only_the_first(sessions: Sessions) -> None:
    text = edited(SAMPLE, ("tier: legal", "tier: judge"), ("telegram_id: 940004", "telegram_id: x"))
    message = await rejected(sessions, text, 18, "communities[0].mediators[2].tier")
    assert message.splitlines()[1].startswith("community.yaml line 49: ")
