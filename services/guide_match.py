"""Match a resident's question to the service guide, on the residents' own words.

An entry is found through its terms: its name (split at brackets and 与/和) and the keywords the
office wrote for it. A term counts as found when the question contains it, or contains it with one
character mistyped (for terms of four characters or more; for three, only the middle one, so that
"居注证" finds 居住证 but "老年大学" does not find 老年证), or, for a long term, most of its
character pairs ("生活保障" in "最低生活保障"). Filler such as 怎么办 / 在哪里 plays no part,
so it cannot make two unrelated questions look alike. The best entry is answered only when its
best term scores at least ANSWER_AT; otherwise the question goes on to a case as before.
"""

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

ANSWER_AT = 0.75
# A pair of characters that only one entry's long terms contain ("失业" of 失业登记) is enough.
PAIR_SCORE = 0.75
# Pairs that describe services in general, never which one.
GENERIC = frozenset(
    "免费 办理 申请 登记 证明 补办 材料 时间 服务 社区 上门 手续 地点 电话 窗口 多少 怎么 几点 哪里"
    " 什么".split()
)
_NOT_WORD = re.compile(r"[\W_]+")
_NAME_PARTS = re.compile(r"[()（）、/与和及]")
_QUESTION = re.compile(
    r"[?？]|怎么|怎样|如何|咋|哪|吗|么|什么|啥|几|多少|能不能|可不可以|可以|有没有|要不要|是否"
    r"|请问|想问|问下|问一下|咨询|找谁|谁管"
)


@dataclass(frozen=True)
class GuideTerms:
    """One entry as the matcher sees it."""

    entry_id: int
    terms: tuple[str, ...]


@dataclass(frozen=True)
class GuideMatch:
    """The entry a question found, how well, and through which term."""

    entry_id: int
    score: float
    term: str


def normalise(text: str) -> str:
    """Fold width and case and drop punctuation and spaces."""
    return _NOT_WORD.sub("", unicodedata.normalize("NFKC", text).lower())


def terms_of(name: str, keywords: Iterable[str]) -> tuple[str, ...]:
    """Return the normalised terms of an entry: its name, the name's parts and its keywords."""
    found = [normalise(name), *(normalise(p) for p in _NAME_PARTS.split(name))]
    found += [normalise(k) for k in keywords]
    return tuple(dict.fromkeys(t for t in found if len(t) >= 2))


def looks_like_question(text: str) -> bool:
    """Tell whether a message asks something (for the list of questions without an answer)."""
    return _QUESTION.search(text) is not None


def term_score(term: str, question: str) -> float:
    """Score one term in a normalised question: 1 found, 0.8 one character off, pairs, else 0."""
    if term in question:
        return 1.0
    size = len(term)
    if size >= 3:
        for start in range(len(question) - size + 1):
            window = question[start:start + size]
            wrong = [i for i in range(size) if window[i] != term[i]]
            if len(wrong) == 1 and (size >= 4 or wrong[0] == 1):
                return 0.8
    if size >= 4:
        pairs = {term[i:i + 2] for i in range(size - 1)}
        asked = {question[i:i + 2] for i in range(len(question) - 1)}
        share = len(pairs & asked) / len(pairs)
        if share >= 0.6:
            return 0.9 * share
    return 0.0


def distinctive_pairs(entries: Sequence[GuideTerms]) -> dict[int, tuple[str, ...]]:
    """Return, per entry, the character pairs of its longer terms (four characters or more: in
    a shorter one a pair is too often half of another word, 尊老金 / 养老金) that no other
    entry's terms share and that are not about services in general (免费, 办理, 证明...)."""
    owners: dict[str, set[int]] = {}
    for entry in entries:
        for term in entry.terms:
            for i in range(len(term) - 1):
                owners.setdefault(term[i:i + 2], set()).add(entry.entry_id)
    return {
        entry.entry_id: tuple(sorted({
            term[i:i + 2] for term in entry.terms if len(term) >= 4
            for i in range(len(term) - 1)
            if owners[term[i:i + 2]] == {entry.entry_id} and term[i:i + 2] not in GENERIC
        }))
        for entry in entries
    }


def rank(question: str, entries: Sequence[GuideTerms]) -> list[GuideMatch]:
    """Score every entry for the question, best first (longer matched terms break ties)."""
    asked = normalise(question)
    own = distinctive_pairs(entries)
    matches = []
    for entry in entries:
        scored = [(term_score(term, asked), len(term), term) for term in entry.terms]
        scored += [(PAIR_SCORE, 2, pair) for pair in own[entry.entry_id] if pair in asked]
        if not scored:
            continue
        score, _, term = max(scored)
        if score > 0:
            matches.append(GuideMatch(entry.entry_id, score, term))
    return sorted(matches, key=lambda m: (m.score, len(m.term)), reverse=True)


def best(question: str, entries: Sequence[GuideTerms]) -> GuideMatch | None:
    """Return the entry that answers the question, or None when none matches well enough."""
    ranked = rank(question, entries)
    if not ranked or ranked[0].score < ANSWER_AT:
        return None
    return ranked[0]
