"""Typed button data: named fields, well under 64 bytes, versioned so that an old button is
refused politely rather than misread."""

from dataclasses import MISSING, fields

from handlers.payloads import (
    OUTDATED,
    Accept,
    ChangeTier,
    CheckIn,
    ExportLedger,
    GuideNotSolved,
    GuideUseful,
    JoinActivity,
    LeaveActivity,
    NotDanger,
    PickBuilding,
    PickKind,
    RaiseSos,
    SendNotice,
    ShowGuide,
    TasksPage,
    VisitHome,
    all_buttons,
    unpack,
)
from services.numbers import MAX_ID

# The largest each field may hold: a database id up to services.numbers.MAX_ID (a larger one
# is refused, tests/test_numbers.py), a Telegram id up to 2**53 (16 digits).
_SAMPLES: dict[object, object] = {int: MAX_ID, str: "compensation", bool: True}
_SMALL = {"year": 2100, "month": 12, "kind": "emergency", "fmt": "xlsx", "tier": "community"}


def _largest(cls: type) -> object:
    return cls(**{f.name: _SMALL.get(f.name, f.metadata.get("max", _SAMPLES[f.type]))
                  for f in fields(cls)})


def test_every_button_packs_its_largest_values_well_under_64_bytes_and_back() -> None:
    for cls in all_buttons():
        data = _largest(cls)
        packed = data.pack()  # type: ignore[attr-defined]
        assert len(packed.encode()) <= 48, packed
        assert unpack(packed) == data


def test_defaults_are_left_off_the_wire_and_read_back() -> None:
    assert PickBuilding().pack() == "b~2" and unpack("b~2") == PickBuilding(0)
    assert unpack(SendNotice(7).pack()) == SendNotice(7, private_too=False)
    assert all(f.default is MISSING for f in fields(Accept))


def test_a_button_whose_meaning_never_changed_keeps_its_first_layout() -> None:
    assert Accept(12).pack() == "a:12" and SendNotice(5).pack() == "gn:5"
    assert SendNotice(5, private_too=True).pack() == "gn:5:1"


def test_cards_sent_before_versions_keep_working_where_the_meaning_is_the_same() -> None:
    assert unpack("a:12") == Accept(12)
    assert unpack("p:0:16") == TasksPage(16)
    assert unpack("vh:31") == VisitHome(31)
    assert unpack("gn:5:1") == SendNotice(5, private_too=True)


def test_the_danger_guide_and_activity_buttons_already_in_chats_keep_working() -> None:
    assert unpack("es:12") == RaiseSos(12) and unpack("kn") == NotDanger()
    assert unpack("us:3") == ShowGuide(3)
    assert unpack("uy:4") == GuideUseful(4) and unpack("un:4") == GuideNotSolved(4)
    assert unpack("hj:5") == JoinActivity(5) and unpack("hl:5") == LeaveActivity(5)
    assert unpack("hc:6") == CheckIn(6)
    assert unpack("kn:1") is None and unpack("hj:5:1") is None  # a slot they never had


def test_an_old_button_whose_numbers_meant_something_else_is_refused_not_misread() -> None:
    assert unpack("k:0:2") is OUTDATED  # a position in the list of kinds
    assert unpack("mt:9:1") is OUTDATED  # a position in the list of tiers
    assert unpack("gk:3:20261121") is OUTDATED  # month, kind and format packed in one number


def test_forged_or_malformed_presses_decode_to_nothing() -> None:
    for forged in ("", "zz:1", "a:-1", "a:1:2", "a~2:x", "a~2:1:2", "k~2:Repair", "k~2:a b",
                   "mt~2:1", "p:5", "a~x:1", "a~1:12", "gk~2:1:2026:11:repair:csv:9", "a" * 70):
        assert unpack(forged) is None, forged


def test_kinds_and_tiers_travel_by_their_value() -> None:
    assert PickKind("emergency").pack() == "k~2:emergency"
    assert ChangeTier(4, "legal").pack() == "mt~2:4:legal"
    assert ExportLedger(1, 2026, 11, "all", "csv").pack() == "gk~2:1:2026:11:all:csv"
