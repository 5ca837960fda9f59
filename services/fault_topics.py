"""Are two residents' reports the same fault, though written in different words? Each report is
read once into fault topics (services/fault_vocabulary), place details and scope
(services/fault_places); two reports are the same fault when they share a topic that is the
main subject of both, no place detail conflicts and a flat's own fault does not meet a common
one. "二栋一单元咋没电了？冰箱里的肉都要化了" and "2号楼1单元停电了" share 停电; "楼道里好多
蟑螂" and "过道晚上一开灯小强满地跑" share 虫鼠; "北门路灯不亮" and "南门路灯坏了" conflict
on the gate.

`same_fault(new, open) >= THRESHOLD` is the decision; `compare` also says why and names the
shared topic in Chinese, for an offer like "3号楼电梯已有人报修". Building, kind and time window
are the caller's (services/duplicates); this module reads only the two texts.
"""

import re
from dataclasses import dataclass
from functools import lru_cache

from services.fault_places import Place, Scope, conflict, place_of, scope_of
from services.fault_vocabulary import TOPICS, Topic
from services.intake_text import normalise

THRESHOLD = 0.5  # same fault at or above; tuned on tests/data/fault_pairs.jsonl
# A topic much weaker than the report's main one is a side remark ("推电动车进电梯" is about
# the e-bike, not a broken lift): it counts for less.
_SIDE_GAP = 0.25
_SIDE_FACTOR = 0.6
# A shared thing failing in another way in one report only ("暖气漏水" against "暖气不热").
_APART_FACTOR = 0.45
# Reports with no known topic fall back on shared character pairs, trusted less.
_WORDS_FACTOR = 0.8
_MAX_CHARS = 240  # a report's first lines say what is wrong; bound the work on the report path
_TOPIC_OF = {topic.name: topic for topic in TOPICS}
# Words that tie any fault to one floor: a landing's lift door or call button, a whole floor.
_FLOOR_BOUND = re.compile(r"[\d一二三四五六七八九十](楼|层)的?(电梯)?(门|按钮|按键|外呼|呼梯)"
                          r"|整层|这一?层|本层|全层|一层楼都")
_NOISE = set("的了吗呢啊呀吧哦嘛又也还都很太就在是有没不坏修好请帮麻烦快点谢您我们你他她它家里"
             "这那个些号楼栋单元室层一二三四五六七八九十0123456789 ，。！？、,.!?~：:；;（）()\"'")


@dataclass(frozen=True, slots=True)
class Reading:
    """What one report says: topic strengths (strongest first), place, scope, word pairs."""

    strengths: tuple[tuple[str, float], ...]
    said: dict[str, float]  # the same strengths, by topic name
    place: Place
    floor_bound: bool  # the report ties its fault to a floor ("5楼电梯门", "整层停电")
    scope: Scope
    pairs: frozenset[str]

    def strength(self, name: str) -> float:
        """How surely the report is about the topic, counting a side remark for less."""
        value = self.said.get(name, 0.0)
        main = self.strengths[0][1] if self.strengths else 0.0
        return value * _SIDE_FACTOR if value < main - _SIDE_GAP else value


@dataclass(frozen=True, slots=True)
class FaultMatch:
    """How surely two reports are one fault, the shared topic's name, and why."""

    score: float
    topic: str | None  # Chinese, e.g. "电梯"; None when no topic is shared
    reason: str  # same_topic, alike_words, different_topic, no_topic, place:<detail>, scope

    @property
    def same(self) -> bool:
        """Whether the score reaches the threshold."""
        return self.score >= THRESHOLD


@lru_cache(maxsize=4096)
def read(text: str) -> Reading:
    """Read a report into topics, place details and scope (cached: open cases recur)."""
    plain = normalise(text[:_MAX_CHARS])
    strengths: list[tuple[str, float]] = []
    for topic in TOPICS:
        if not topic.any_cue.search(plain):
            continue
        total = sum(weight for pattern, weight in topic.cues if pattern.search(plain))
        if total > 0:
            strengths.append((topic.name, min(total, 1.0)))
    strengths.sort(key=lambda pair: -pair[1])
    chars = [c for c in plain if c not in _NOISE and not c.isspace()]
    pairs = frozenset(a + b for a, b in zip(chars, chars[1:], strict=False))
    return Reading(strengths=tuple(strengths), said=dict(strengths), place=place_of(plain),
                   floor_bound=bool(_FLOOR_BOUND.search(plain)), scope=scope_of(plain),
                   pairs=pairs)


def topics(text: str) -> tuple[str, ...]:
    """The fault topics a report is about, in Chinese, the surest first."""
    return tuple(name for name, strength in read(text).strengths if strength >= THRESHOLD)


def _scopes_clash(topic: Topic, first: Reading, second: Reading) -> bool:
    """One flat's own fault against a common one, or against another flat's."""
    scopes = {first.scope, second.scope}
    if Scope.ONLY_MINE in scopes:
        same_flat = bool(first.place.flats & second.place.flats)
        return not (same_flat and scopes <= {Scope.ONLY_MINE, Scope.MINE})
    return scopes == {Scope.COMMON, Scope.MINE} and not topic.outage


def _by_words(first: Reading, second: Reading) -> FaultMatch:
    """Fall back on shared character pairs when a report names no known topic."""
    if not first.pairs or not second.pairs:
        return FaultMatch(0.0, None, "no_topic")
    if detail := conflict(first.place, second.place, by_floor=True, by_flat=True):
        return FaultMatch(0.0, None, f"place:{detail}")
    share = len(first.pairs & second.pairs) / min(len(first.pairs), len(second.pairs))
    return FaultMatch(round(share * _WORDS_FACTOR, 3), None, "alike_words")


def _judge(topic: Topic, score: float, first: Reading, second: Reading) -> FaultMatch:
    """Check a shared topic's place details and scope."""
    by_floor = topic.by_floor or first.floor_bound or second.floor_bound
    by_flat = topic.by_floor or topic.scoped
    if detail := conflict(first.place, second.place, by_floor=by_floor, by_flat=by_flat):
        return FaultMatch(0.0, topic.name, f"place:{detail}")
    if topic.scoped and _scopes_clash(topic, first, second):
        return FaultMatch(0.0, topic.name, "scope")
    for other in topic.apart:
        said = sorted((first.strength(other), second.strength(other)))
        if said[0] < 0.3 and said[1] >= 0.9:
            return FaultMatch(round(score * _APART_FACTOR, 3), topic.name, "other_failure")
    return FaultMatch(round(score, 3), topic.name, "same_topic")


def compare(new_text: str, open_text: str) -> FaultMatch:
    """Whether a new report repeats an open one's fault, how surely, and on which topic."""
    first, second = read(new_text), read(open_text)
    if not first.strengths or not second.strengths:
        return _by_words(first, second)
    shared = sorted(((min(first.strength(name), second.strength(name)), name)
                     for name, _ in first.strengths if name in second.said),
                    reverse=True)
    if not shared:
        return FaultMatch(0.0, None, "different_topic")
    verdicts = [_judge(_TOPIC_OF[name], score, first, second) for score, name in shared]
    best = max(verdicts, key=lambda verdict: verdict.score)
    return best if best.score > 0 else verdicts[0]


def same_fault(new_text: str, open_text: str) -> float:
    """How surely a new report repeats an open one's fault, in [0, 1]; same at THRESHOLD."""
    return compare(new_text, open_text).score
