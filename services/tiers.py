"""Which mediation tier a dispute starts at, and why: explainable rules, no hidden scores.

Every dispute starts with a volunteer mediator (small quarrels). It goes to the community
mediator when someone is hurt, property damage comes with a compensation claim, the sum named is
large, or the conflict keeps coming back; to the legal tier (community judge, legal adviser)
when there is violence or a threat, when the sum is very large, when someone hurt also claims
compensation, or when two or more reasons come together. The reasons are catalogue keys
("tier.reason.<name>") shown to the manager and the mediator.
"""

import re
from dataclasses import dataclass

from models.enums import MediatorTier

T = MediatorTier
ORDER: tuple[MediatorTier, ...] = (T.VOLUNTEER, T.COMMUNITY, T.LEGAL)
COMMUNITY_AMOUNT = 1000  # yuan
LEGAL_AMOUNT = 5000
VIOLENCE = re.compile(r"打人|动手|动刀|持刀|砍|威胁|报复|弄死|打死|打起来|打架|推搡|扇.{0,4}耳光")
_AMOUNT = re.compile(r"(\d{2,7})\s*(?:元|块)")
_TEN_THOUSANDS = re.compile(r"(\d{1,3})\s*万")


@dataclass(frozen=True, slots=True)
class TierFacts:
    """What the intake learnt that matters for the tier."""

    text: str
    injury: bool = False
    property_damage: bool = False
    compensation: bool = False
    repeated: bool = False
    amount: int | None = None


@dataclass(frozen=True, slots=True)
class TierDecision:
    """The proposed tier and the reasons for it, most serious first."""

    tier: MediatorTier
    reasons: tuple[str, ...]


def amount_in(text: str) -> int | None:
    """Read the largest sum of money named in digits ("赔5000元", "3万"); "两万" is not read."""
    sums = [int(m) * 10000 for m in _TEN_THOUSANDS.findall(text)]
    sums += [int(m) for m in _AMOUNT.findall(text)]
    return max(sums) if sums else None


def propose_tier(facts: TierFacts) -> TierDecision:
    """Apply the rules; the highest tier any rule asks for wins."""
    amount = facts.amount if facts.amount is not None else amount_in(facts.text)
    legal: list[str] = []
    community: list[str] = []
    if VIOLENCE.search(facts.text):
        legal.append("violence")
    if amount is not None and amount >= LEGAL_AMOUNT:
        legal.append("large_amount")
    elif amount is not None and amount >= COMMUNITY_AMOUNT:
        community.append("amount")
    if facts.injury and facts.compensation:
        legal.append("injury_compensation")
    elif facts.injury:
        community.append("injury")
    if facts.property_damage and facts.compensation:
        community.append("damage_compensation")
    if facts.repeated:
        community.append("repeated")
    if legal:
        return TierDecision(T.LEGAL, tuple(legal + community))
    if len(community) >= 2:
        return TierDecision(T.LEGAL, ("several", *community))
    if community:
        return TierDecision(T.COMMUNITY, tuple(community))
    return TierDecision(T.VOLUNTEER, ("small",))


def next_tier(tier: str) -> MediatorTier | None:
    """The tier above, or None at the top."""
    index = ORDER.index(MediatorTier(tier))
    return ORDER[index + 1] if index + 1 < len(ORDER) else None


def threatens_violence(text: str | None) -> bool:
    """Whether the words tell of violence or a threat (then the resident is shown 110 at once)."""
    return bool(text and VIOLENCE.search(text))
