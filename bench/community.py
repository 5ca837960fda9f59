"""A bench-sized community (200 group chats by default) and the people who talk in it."""

import json
import re
from dataclasses import dataclass, field
from itertools import cycle
from pathlib import Path
from typing import Any

import yaml

from sandbox import FakeUser
from services.intake import CONFIDENT, parse_report

SAMPLES = Path(__file__).resolve().parent.parent / "tests" / "data" / "intake_messages.jsonl"
GROUPS_PER_COMMUNITY, GRIDS, BUILDINGS_PER_GRID, WORKERS_PER_GRID = 5, 4, 5, 2
# Reports that go straight to a grid worker's card. A dispute continues privately with questions
# and goes to a mediator, a wish waits for review: neither follows the eight-update repair loop.
KINDS = {"repair", "other"}
NUMBERED = re.compile(r"\d+(?=\s*(?:号楼|栋|幢))")


@dataclass(frozen=True)
class Group:
    """One residents' group chat and where it is."""

    chat_id: int
    title: str
    community: int  # index
    workers: tuple[int, ...]  # telegram ids of every worker of the community


@dataclass
class Community:
    """The generated structure: groups, workers, and the YAML `gridbot import-structure` takes."""

    groups: list[Group]
    workers: list[FakeUser]
    managers: list[FakeUser]
    structure: dict[str, Any] = field(default_factory=dict)

    def yaml(self) -> str:
        """The structure as the YAML a community office would write."""
        return yaml.safe_dump(self.structure, allow_unicode=True, sort_keys=False)


def build_community(groups: int) -> Community:
    """Communities of five group chats, four grids of five buildings and two workers each."""
    communities, all_groups, workers, managers = [], [], [], []
    for c in range((groups + GROUPS_PER_COMMUNITY - 1) // GROUPS_PER_COMMUNITY):
        chats = [-1002000000000 - g for g in range(c * GROUPS_PER_COMMUNITY,
                                                   min(groups, (c + 1) * GROUPS_PER_COMMUNITY))]
        manager = FakeUser(id=6_100_000 + c, first_name=f"书记{c:03d}")
        managers.append(manager)
        grids, staff = [], []
        for g in range(GRIDS):
            people = [FakeUser(id=6_200_000 + (c * GRIDS + g) * WORKERS_PER_GRID + w,
                               first_name=f"网格员{c:03d}{g}{w}") for w in range(WORKERS_PER_GRID)]
            staff += people
            grids.append({
                "code": f"c{c}-g{g}", "name": f"第{c}社区第{g + 1}网格",
                "buildings": [str(g * BUILDINGS_PER_GRID + b + 1)
                              for b in range(BUILDINGS_PER_GRID)],
                "workers": [{"name": p.first_name, "telegram_id": p.id} for p in people],
            })
        workers += staff
        communities.append({
            "code": f"c{c}", "name": f"第{c}社区", "group_chats": chats,
            "managers": [{"name": manager.first_name, "telegram_id": manager.id}],
            "grids": grids,
        })
        all_groups += [Group(chat_id, f"第{c}社区{n + 1}群", c, tuple(p.id for p in staff))
                       for n, chat_id in enumerate(chats)]
    structure = {"street": {"name": "压测街道", "timezone": "Asia/Shanghai"},
                 "communities": communities}
    return Community(all_groups, workers, managers, structure)


def resident(group: int, turn: int) -> FakeUser:
    """The resident who writes the `turn`-th report in a group (fixed-width, unique name)."""
    return FakeUser(id=10_000_000 + group * 10_000 + turn, first_name=f"居民{group:03d}{turn:04d}")


def report_texts() -> list[str]:
    """Real residents' reports that name a building, with the number as `{b}`."""
    texts = []
    for line in SAMPLES.read_text("utf-8").splitlines():
        sample = json.loads(line)
        if sample["kind"] in KINDS and sample["building"] and NUMBERED.search(sample["text"]):
            texts.append(NUMBERED.sub("{b}", sample["text"], count=1))
    return texts


def report_stream() -> "cycle[str]":
    """Reports with a building number from every grid, each checked to parse with confidence
    and without the danger question."""
    buildings = GRIDS * BUILDINGS_PER_GRID
    made = []
    for n, template in enumerate(report_texts() * 2):
        number = str(n * 7 % buildings + 1)
        text = template.replace("{b}", number)
        parsed = parse_report(text)
        # Likely danger takes the one-tap question first (issue 14), not the repair loop.
        if (parsed.building == number and parsed.confidence >= CONFIDENT
                and not parsed.danger_likely):
            made.append(text)
    return cycle(made)
