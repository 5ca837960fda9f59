"""Who may join an activity (参加对象), read from the manager's words and checked at sign-up.

What the records can tell is checked strictly: residents of given buildings or of the community
(the home on file, or a press in one of the community's group chats) and volunteers or party
members (their roles). Age, disability or hardship are not all on file: a special-care flag
counts, otherwise the person's own "我符合条件" counts (the announcement's join button says so).
Staff of the community (organiser, managers, workers, admins) may always join."""

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from models import Activity, Building, Person, Role, StaffRole
from services.chinese_numbers import normalise_numbers

ROLE_GROUPS = ("volunteer", "party_member")  # checked against the roles
DECLARED_GROUPS = ("elderly", "disabled", "low_income")  # a care flag, or the person's word
GROUPS = ROLE_GROUPS + DECLARED_GROUPS
CARE_FLAG = {"elderly": "elderly_alone", "disabled": "disabled", "low_income": "low_income"}
STAFF_ROLES = (Role.MANAGER, Role.WORKER, Role.ADMIN)
PLACE, GROUP, DECLARE = "place", "group", "declare"  # why a person may not join (yet)
_BUILDINGS = re.compile(r"((?:\d{1,4}\s*[、,，和及与/]?\s*)+)(?:号楼|栋|幢|号)")


@dataclass(frozen=True)
class Eligibility:
    """Who may join: residents of `buildings` or of the community, and (when given) only people
    of one of `groups`; nothing given: everyone."""

    buildings: tuple[str, ...] = ()
    community: bool = False
    groups: tuple[str, ...] = ()

    @property
    def everyone(self) -> bool:
        """Tell whether anyone may join."""
        return not (self.buildings or self.community or self.groups)

    @property
    def needs_declaring(self) -> bool:
        """Tell whether a person may qualify by their own word (age, disability, hardship)."""
        return any(group in DECLARED_GROUPS for group in self.groups)

    def to_json(self) -> dict[str, Any]:
        """The form stored on the activity."""
        found: dict[str, Any] = {}
        if self.buildings:
            found["buildings"] = list(self.buildings)
        if self.community:
            found["community"] = True
        if self.groups:
            found["groups"] = list(self.groups)
        return found

    @classmethod
    def of(cls, activity: Activity) -> "Eligibility":
        """Read what is stored on an activity (older activities: everyone)."""
        stored: Mapping[str, Any] = activity.eligibility or {}
        return cls(buildings=tuple(str(b) for b in stored.get("buildings", ())),
                   community=bool(stored.get("community")),
                   groups=tuple(g for g in stored.get("groups", ()) if g in GROUPS))


def parse_audience(text: str | None, words: Mapping[str, tuple[str, ...]]) -> Eligibility:
    """Read the announcement's 对象 line with the locale's words for each group ("everyone",
    "community", "volunteer", …); words that say "everyone" win."""
    if not text or not text.strip():
        return Eligibility()
    said = normalise_numbers(text)
    if any(word in said for word in words.get("everyone", ())):
        return Eligibility()
    buildings: list[str] = []
    for match in _BUILDINGS.finditer(said):
        buildings += [n for n in re.findall(r"\d+", match[1]) if n not in buildings]
    groups = tuple(g for g in GROUPS if any(word in said for word in words.get(g, ())))
    community = not buildings and any(word in said for word in words.get("community", ()))
    return Eligibility(buildings=tuple(buildings), community=community, groups=groups)


async def is_staff(session: AsyncSession, activity: Activity, person: Person) -> bool:
    """The organiser, the community's managers and workers, and the sub-district admins."""
    if person.id == activity.organiser_id:
        return True
    roles = (await session.scalars(select(StaffRole).where(
        col(StaffRole.person_id) == (person.id or 0),
        col(StaffRole.role).in_([r.value for r in STAFF_ROLES])))).all()
    return any(r.role == Role.ADMIN or r.community_id == activity.community_id for r in roles)


async def _lives_in_place(
    session: AsyncSession, activity: Activity, rule: Eligibility, person: Person,
    in_community_group: bool,
) -> bool:
    home = await session.get(Building, person.building_id) if person.building_id else None
    if rule.buildings:
        return (home is not None and home.community_id == activity.community_id
                and home.number in rule.buildings)
    if rule.community:
        if in_community_group or person.community_id == activity.community_id or (
                home is not None and home.community_id == activity.community_id):
            return True
        role = await session.scalar(select(col(StaffRole.id)).where(  # e.g. its volunteers
            col(StaffRole.person_id) == (person.id or 0),
            col(StaffRole.community_id) == activity.community_id).limit(1))
        return role is not None
    return True


async def _in_group(
    session: AsyncSession, activity: Activity, rule: Eligibility, person: Person, declared: bool,
) -> bool:
    if not rule.groups:
        return True
    if any(g in DECLARED_GROUPS and (declared or CARE_FLAG[g] in (person.care or []))
           for g in rule.groups):
        return True
    roles = (await session.scalars(select(StaffRole).where(
        col(StaffRole.person_id) == (person.id or 0), col(StaffRole.role) == Role.VOLUNTEER,
        col(StaffRole.community_id) == activity.community_id))).all()
    return bool(roles) and ("volunteer" in rule.groups or (
        "party_member" in rule.groups and any(r.party_member for r in roles)))


async def refusal(
    session: AsyncSession, activity: Activity, person: Person, *, declared: bool = False,
    in_community_group: bool = False,
) -> str | None:
    """Why this person may not join ("place": not living where it is for; "group": not of the
    people it is for; "declare": may, by saying they qualify), or None when they may."""
    rule = Eligibility.of(activity)
    if rule.everyone or await is_staff(session, activity, person):
        return None
    if not await _lives_in_place(session, activity, rule, person, in_community_group):
        return PLACE
    if await _in_group(session, activity, rule, person, declared):
        return None
    if rule.needs_declaring and not declared:
        return DECLARE
    return GROUP
