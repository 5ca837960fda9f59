"""Validate a read structure file: its shape (pydantic) and the rules across entries."""

import difflib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, get_args, get_origin

from pydantic import BaseModel, ValidationError

from models.enums import Role
from services.structure_schema import PersonEntry, StructureFile, shown
from services.structure_yaml import Located, Path, StructureError, format_path

# Said once per error type rather than pydantic's English, which names Python types.
_MAPPING_TYPES = {"model_type", "dict_type", "model_attributes_type"}


@dataclass(frozen=True)
class Slot:
    """One person entry in one role list of the file."""

    role: Role
    community: str | None  # community code; None for street admins
    grid: str | None  # grid code; only for workers
    entry: PersonEntry
    path: Path

    @property
    def identity(self) -> tuple[str, int | str]:
        """Who this is: the Telegram account, or else the name (they join later by invite)."""
        if self.entry.telegram_id is not None:
            return ("telegram_id", self.entry.telegram_id)
        return ("name", self.entry.name)


def slots(structure: StructureFile) -> Iterator[Slot]:
    """Yield every person entry of the file with its role and scope."""
    for i, admin in enumerate(structure.street.admins):
        yield Slot(Role.ADMIN, None, None, admin, ("street", "admins", i))
    for c, com in enumerate(structure.communities):
        where: Path = ("communities", c)
        for role, key, people in (
            (Role.MANAGER, "managers", com.managers),
            (Role.MEDIATOR, "mediators", com.mediators),
            (Role.VOLUNTEER, "volunteers", com.volunteers),
        ):
            for i, person in enumerate(people):
                yield Slot(role, com.code, None, person, (*where, key, i))
        for g, grid in enumerate(com.grids):
            for i, worker in enumerate(grid.workers):
                path = (*where, "grids", g, "workers", i)
                yield Slot(Role.WORKER, com.code, grid.code, worker, path)


def validate(located: Located) -> StructureFile:
    """Check the data against the schema and the cross-entry rules; raise StructureError."""
    try:
        structure = StructureFile.model_validate(located.data)
    except ValidationError as exc:
        problems = [_problem(located, err) for err in exc.errors()]
    else:
        problems = _cross_checks(structure, located)
    if problems:
        problems.sort(key=lambda p: (p.line or 0, p.field))
        first, *others = problems
        raise StructureError(first.source, first.line, first.field, first.problem, tuple(others))
    return structure


def _problem(located: Located, err: Any) -> StructureError:
    path: Path = tuple(err["loc"])
    kind, value = err["type"], err.get("input")
    if kind == "missing":
        # Point at the entry that lacks the field: its key (street:) or its list item.
        parent = path[:-1]
        line = located.key_line(parent) if parent and isinstance(parent[-1], str) else None
        return StructureError(located.source, line or located.line_of(parent),
                              format_path(path), "is required")
    if kind == "extra_forbidden":
        return located.error(path, _unknown_key(path), key=True)
    if kind == "value_error":
        return located.error(path, str(err["ctx"]["error"]))
    if kind == "list_type":
        return located.error(path, f"must be a list like [a, b], got {shown(value)}")
    if kind in _MAPPING_TYPES:
        return located.error(path, f"must be a mapping of keys like name: …, got {shown(value)}")
    return located.error(path, str(err["msg"]))


def _unknown_key(path: Path) -> str:
    model = _model_at(path[:-1])
    allowed = list(model.model_fields) if model else []
    close = difflib.get_close_matches(str(path[-1]), allowed, n=1)
    if close:
        return f'unknown key (did you mean "{close[0]}"?)'
    return f"unknown key (expected one of: {', '.join(allowed)})"


def _model_at(path: Path) -> type[BaseModel] | None:
    """Find which entry model describes the mapping at path."""
    model: type[BaseModel] = StructureFile
    for step in path:
        if isinstance(step, int):
            continue
        field = model.model_fields.get(step)
        if field is None:
            return None
        kind = field.annotation
        if get_origin(kind) is list:
            kind = get_args(kind)[0]
        if not (isinstance(kind, type) and issubclass(kind, BaseModel)):
            return None
        model = kind
    return model


def _cross_checks(structure: StructureFile, located: Located) -> list[StructureError]:
    problems: list[StructureError] = []

    def once(seen: dict[Any, Path], key: Any, path: Path, problem: str) -> None:
        # Remember where each key first appeared; report any later appearance with that line.
        if key in seen:
            problems.append(located.error(path, problem.format(line=located.line_of(seen[key]))))
        else:
            seen[key] = path

    codes: dict[Any, Path] = {}
    grid_codes: dict[Any, Path] = {}
    chats: dict[Any, Path] = {}
    for c, com in enumerate(structure.communities):
        once(codes, com.code, ("communities", c, "code"),
             f'community code "{com.code}" is already used on line {{line}}')
        for i, chat in enumerate(com.group_chats):
            once(chats, chat, ("communities", c, "group_chats", i),
                 f"group chat {chat} is already bound to a community on line {{line}}")
        homes: dict[Any, Path] = {}
        for g, grid in enumerate(com.grids):
            once(grid_codes, grid.code, ("communities", c, "grids", g, "code"),
                 f'grid code "{grid.code}" is already used on line {{line}}')
            for b, number in enumerate(grid.buildings):
                once(homes, number, ("communities", c, "grids", g, "buildings", b),
                     f'building "{number}" is already in a grid of this community on line '
                     "{line}; a building belongs to one grid")
    problems += _people_checks(structure, located)
    problems += _guide_checks(structure, located)
    return problems


def _guide_checks(structure: StructureFile, located: Located) -> list[StructureError]:
    """A service or partner names a community of the file; a service appears once in each
    guide."""
    problems: list[StructureError] = []
    codes = {com.code for com in structure.communities}
    seen: dict[tuple[str | None, str], Path] = {}
    for i, entry in enumerate(structure.guide):
        if entry.community is not None and entry.community not in codes:
            problems.append(located.error(("guide", i, "community"),
                                          f'no community "{entry.community}" in this file'))
        path: Path = ("guide", i, "name")
        key = (entry.community, entry.name)
        if key in seen:
            problems.append(located.error(path, f'service "{entry.name}" is already in this '
                                          f"guide on line {located.line_of(seen[key])}"))
        seen.setdefault(key, path)
    for i, partner in enumerate(structure.partners):
        if partner.community is not None and partner.community not in codes:
            problems.append(located.error(("partners", i, "community"),
                                          f'no community "{partner.community}" in this file'))
    return problems


def _people_checks(structure: StructureFile, located: Located) -> list[StructureError]:
    problems: list[StructureError] = []
    names: dict[int, Slot] = {}
    phones: dict[tuple[str, int | str], Slot] = {}
    held: dict[tuple[Any, ...], Slot] = {}
    for slot in slots(structure):
        person = slot.entry
        if person.telegram_id is not None:
            first = names.setdefault(person.telegram_id, slot)
            if first.entry.name != person.name:
                problems.append(located.error(
                    (*slot.path, "telegram_id"),
                    f"telegram_id {person.telegram_id} is already {first.entry.name} on line "
                    f"{located.line_of(first.path)}; one Telegram account is one person",
                ))
                continue
        role_key = (slot.identity, slot.role, slot.community, slot.grid)
        if role_key in held:
            problems.append(located.error(
                (*slot.path, "name"),
                f"{person.name} is listed twice in the same role (line "
                f"{located.line_of(held[role_key].path)}); give each a telegram_id if they differ",
            ))
        held.setdefault(role_key, slot)
        if person.phone is not None:
            other = phones.setdefault(slot.identity, slot)
            if other.entry.phone != person.phone:
                problems.append(located.error(
                    (*slot.path, "phone"),
                    f"{person.name} has phone {shown(other.entry.phone)} on line "
                    f"{located.line_of(other.path)}; one person has one phone",
                ))
    return problems
