"""The shape of a structure file (street, communities, grids, people) as pydantic models."""

import re
from collections.abc import Callable
from typing import Annotated, Any, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, BeforeValidator, ConfigDict, PlainValidator, model_validator

from models.enums import MediatorTier

# Column limits of models/structure.py: checked here so PostgreSQL never rejects a row mid-import.
NAME_MAX, CODE_MAX, NUMBER_MAX, PHONE_MAX, TZ_MAX, SKILL_MAX = 100, 40, 20, 32, 64, 50
GUIDE_TEXT_MAX, LINK_MAX = 500, 300
BIGINT_MAX = 2**63 - 1
_CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")
_PHONE = re.compile(r"\+?[0-9][0-9 ()-]*")


def shown(value: Any) -> str:
    """Render a YAML value for an error message the way the office typed it."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "nothing"
    if isinstance(value, str):
        return '"' + value + '"'
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return str(value)


def _clean(value: Any, max_len: int) -> str | None:
    """Return the stripped text of a scalar, or None when it is empty."""
    # YAML reads `7` or `13800000001` as numbers; for a text field the digits are what was meant.
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if not isinstance(value, str):
        raise ValueError(f"must be text, got {shown(value)} (put it in quotes)")
    value = value.strip()
    if len(value) > max_len:
        raise ValueError(f"is too long ({len(value)} characters, at most {max_len})")
    return value


def _text(max_len: int) -> Callable[[Any], str]:
    def check(value: Any) -> str:
        text = _clean(value, max_len)
        if text is None:
            raise ValueError("must not be empty")
        return text

    return check


def _code(value: Any) -> str:
    code = _text(CODE_MAX)(value)
    if not _CODE.fullmatch(code):
        raise ValueError(f'must be letters, digits, "-" or "_" (like yulan-1), got {shown(code)}')
    return code


def _phone(value: Any) -> str | None:
    phone = _clean(value, PHONE_MAX)
    if phone is not None and not _PHONE.fullmatch(phone):
        raise ValueError(f"must be a phone number, got {shown(phone)}")
    return phone


def _whole(value: Any) -> int:
    # A quoted id ("900001") is unambiguous, so accept it; bools and floats are mistakes.
    if isinstance(value, str) and re.fullmatch(r"\s*-?[0-9]+\s*", value):
        return int(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    raise ValueError(f"must be a whole number, got {shown(value)}")


def _telegram_id(value: Any) -> int | None:
    if value is None:
        return None
    user_id = _whole(value)
    if not 0 < user_id <= BIGINT_MAX:
        raise ValueError(f"must be a positive Telegram user id, got {user_id}")
    return user_id


def _chat_id(value: Any) -> int:
    chat_id = _whole(value)
    # Telegram gives groups negative ids; a positive one is a user id put in the wrong place.
    if not -BIGINT_MAX <= chat_id < 0:
        raise ValueError(f"must be a group chat id (negative, like -1001234567890), got {chat_id}")
    return chat_id


def _link(value: Any) -> str | None:
    link = _clean(value, LINK_MAX)
    if link is not None and not re.fullmatch(r"https?://\S+", link):
        raise ValueError(f"must be a web address starting with https://, got {shown(link)}")
    return link


def _timezone(value: Any) -> str:
    name = _text(TZ_MAX)(value)
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"must be a time zone like Asia/Shanghai, got {shown(name)}") from None
    return name


def _flag(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"must be true or false, got {shown(value)}")
    return value


def _tier(value: Any) -> MediatorTier:
    allowed = [t.value for t in MediatorTier]
    if not isinstance(value, str) or value not in allowed:
        raise ValueError(f"must be one of {', '.join(allowed)}, got {shown(value)}")
    return MediatorTier(value)


def _none_is_empty_map(value: Any) -> Any:
    return {} if value is None else value


def _degrees(limit: int) -> Callable[[Any], float]:
    def check(value: Any) -> float:
        if isinstance(value, bool) or not isinstance(value, int | float) \
                or not -limit <= value <= limit:
            raise ValueError(f"must be a number of degrees from -{limit} to {limit}, "
                             f"got {shown(value)}")
        return float(value)
    return check


def _none_is_empty(value: Any) -> Any:
    # `workers:` with nothing under it reads as null; the office means "nobody yet".
    return [] if value is None else value


Name = Annotated[str, PlainValidator(_text(NAME_MAX))]
Code = Annotated[str, PlainValidator(_code)]
BuildingNumber = Annotated[str, PlainValidator(_text(NUMBER_MAX))]
Skill = Annotated[str, PlainValidator(_text(SKILL_MAX))]
GuideText = Annotated[str | None, PlainValidator(lambda v: _clean(v, GUIDE_TEXT_MAX))]
Link = Annotated[str | None, PlainValidator(_link)]
Phone = Annotated[str | None, PlainValidator(_phone)]
TelegramId = Annotated[int | None, PlainValidator(_telegram_id)]
ChatId = Annotated[int, PlainValidator(_chat_id)]
Timezone = Annotated[str, PlainValidator(_timezone)]
Flag = Annotated[bool, PlainValidator(_flag)]
Tier = Annotated[MediatorTier, PlainValidator(_tier)]


T = TypeVar("T")
# A list field; omitted or left empty in the file means an empty list.
Listed = Annotated[list[T], BeforeValidator(_none_is_empty)]


class _Entry(BaseModel):
    # extra="forbid": a typo such as `manger:` must be reported, never silently dropped.
    model_config = ConfigDict(extra="forbid", frozen=True)


class PersonEntry(_Entry):
    """A person in a role list; without telegram_id they join later with an invite code."""

    name: Name
    telegram_id: TelegramId = None
    phone: Phone = None


class MediatorEntry(PersonEntry):
    """A mediator and the tier of disputes they take."""

    tier: Tier


class VolunteerEntry(PersonEntry):
    """A volunteer, whether a party member, and what they can help with."""

    party_member: Flag = False
    skills: Listed[Skill] = []


class GuideEntryFile(_Entry):
    """A service of the guide (办事指南): who may apply, what to bring, where and when; for one
    community (its code), or for the whole street."""

    name: Name
    community: Code | None = None
    keywords: Listed[Skill] = []
    who: GuideText = None
    bring: GuideText = None
    where: GuideText = None
    phone: Phone = None
    link: Link = None


class PartnerEntry(_Entry):
    """A partner organisation (共建单位): what it offers, whom to call; for one community (its
    code), or for the whole street."""

    name: Name
    community: Code | None = None
    offers: Listed[Skill] = []
    contact: Annotated[str | None, PlainValidator(lambda v: _clean(v, NAME_MAX))] = None
    phone: Phone = None


class PlaceEntry(_Entry):
    """Where a building stands on the map (WGS-84 degrees, as phones share them)."""

    lat: Annotated[float, PlainValidator(_degrees(90))]
    lon: Annotated[float, PlainValidator(_degrees(180))]


class GridEntry(_Entry):
    """A grid (网格), its buildings and its grid workers; optionally where buildings stand
    (`locations: {"3": {lat: 31.23, lon: 121.47}}`), so a shared location finds its building."""

    code: Code
    name: Name
    buildings: Listed[BuildingNumber] = []
    locations: Annotated[dict[BuildingNumber, PlaceEntry], BeforeValidator(_none_is_empty_map)] = {}
    workers: Listed[PersonEntry] = []

    @model_validator(mode="after")
    def _located_buildings_are_listed(self) -> "GridEntry":
        unknown = [n for n in self.locations if n not in self.buildings]
        if unknown:
            raise ValueError(f"locations name buildings not in this grid: {', '.join(unknown)}")
        return self


class CommunityEntry(_Entry):
    """A community (社区) with its group chats, staff and grids."""

    code: Code
    name: Name
    group_chats: Listed[ChatId] = []
    managers: Listed[PersonEntry] = []
    mediators: Listed[MediatorEntry] = []
    volunteers: Listed[VolunteerEntry] = []
    grids: Listed[GridEntry] = []


class EmergencyLineEntry(_Entry):
    """A local emergency line residents are shown beside 120/119/110 (电梯困人 96333 …)."""

    name: Name
    number: Annotated[str, PlainValidator(_phone)]


class StreetEntry(_Entry):
    """The sub-district (街道), its admins and its local emergency lines."""

    name: Name
    timezone: Timezone = "Asia/Shanghai"
    admins: Listed[PersonEntry] = []
    emergency_lines: Listed[EmergencyLineEntry] = []


class StructureFile(_Entry):
    """A whole, validated structure file."""

    street: StreetEntry
    communities: Listed[CommunityEntry] = []
    guide: Listed[GuideEntryFile] = []
    partners: Listed[PartnerEntry] = []
