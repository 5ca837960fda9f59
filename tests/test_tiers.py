"""The tier rules on labelled examples: the tier and the reasons a mediator reads."""

import json
from pathlib import Path

import pytest

from models import MediatorTier
from services.tiers import TierFacts, amount_in, next_tier, propose_tier

EXAMPLES = [json.loads(line) for line in
            (Path(__file__).parent / "data" / "dispute_tiers.jsonl").read_text("utf-8")
            .splitlines() if line.strip()]


def test_there_are_enough_labelled_examples_of_every_tier() -> None:
    tiers = [example["tier"] for example in EXAMPLES]
    assert len(tiers) >= 20
    assert all(tiers.count(tier) >= 5 for tier in MediatorTier)


@pytest.mark.parametrize("example", EXAMPLES, ids=[e["text"][:12] for e in EXAMPLES])
def test_the_proposed_tier_matches_the_label(example: dict) -> None:  # type: ignore[type-arg]
    facts = TierFacts(text=example["text"], injury=example.get("injury", False),
                      property_damage=example.get("damage", False),
                      compensation=example.get("compensation", False),
                      repeated=example.get("repeated", False))
    decision = propose_tier(facts)
    assert decision.tier == example["tier"], decision
    assert decision.reasons, "every proposal explains itself"
    if "reasons" in example:
        assert list(decision.reasons) == example["reasons"]


def test_a_small_quarrel_starts_with_a_volunteer_and_says_why() -> None:
    assert propose_tier(TierFacts(text="邻居家的狗叫")).reasons == ("small",)


def test_sums_of_money_are_read_in_yuan_and_ten_thousands() -> None:
    assert amount_in("要赔5000元") == 5000
    assert amount_in("押金3万，还有800块") == 30000
    assert amount_in("住在5楼，三天了") is None


def test_escalation_goes_up_one_tier_and_stops_at_the_top() -> None:
    assert next_tier("volunteer") == MediatorTier.COMMUNITY
    assert next_tier("community") == MediatorTier.LEGAL
    assert next_tier("legal") is None
