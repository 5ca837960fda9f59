"""Each handler module registers its own commands, buttons and steps; the router only lists
the modules, and every button and every step the code asks has exactly one owner."""

import ast
import json
from dataclasses import is_dataclass
from pathlib import Path

from handlers import router
from handlers.payloads import all_buttons
from handlers.steps import DisputeDraft, ReportDraft, dump, load

HANDLERS = Path(router.__file__).parent


def _step_constants() -> dict[str, str]:
    """Every STEP_* string constant in handlers/, with the module that defines it."""
    found: dict[str, str] = {}
    for path in sorted(HANDLERS.glob("*.py")):
        for node in ast.parse(path.read_text("utf-8")).body:
            if not isinstance(node, ast.Assign):
                continue
            names = [t for target in node.targets
                     for t in (target.elts if isinstance(target, ast.Tuple) else [target])]
            values = node.value.elts if isinstance(node.value, ast.Tuple) else [node.value]
            for name, value in zip(names, values, strict=False):
                if (isinstance(name, ast.Name) and name.id.startswith("STEP_")
                        and isinstance(value, ast.Constant) and isinstance(value.value, str)):
                    found[value.value] = path.stem
    return found


def test_every_button_has_exactly_one_owner() -> None:
    assert set(router.BUTTONS) == set(all_buttons())


def test_every_step_the_code_asks_is_answered_by_the_module_that_asks_it() -> None:
    steps = _step_constants()
    assert steps, "no STEP_ constants found; has the layout changed?"
    assert set(steps) == set(router.STEPS)
    for step, module in steps.items():
        owner = router.STEPS[step].handler.__module__.rsplit(".", 1)[-1]
        assert owner == module, f"{step} is asked in {module} but answered in {owner}"


def test_the_router_holds_no_feature_of_its_own() -> None:
    source = Path(router.__file__).read_text("utf-8")
    assert "payloads import Outdated, unpack" in source and "STEP_" not in source
    assert {f.name for f in router.FEATURES} >= {"intake", "worker", "resident", "views"}


def test_every_step_remembers_a_type_of_its_own_not_a_dict() -> None:
    for step, asks in router.STEPS.items():
        assert is_dataclass(asks.state) and asks.state is not dict, step


def test_a_dispute_draft_remembers_which_questions_were_answered_even_with_unknown() -> None:
    draft = DisputeDraft()
    draft.answer("what", "楼上漏水")
    draft.answer("place", None)
    again = load(DisputeDraft, json.loads(json.dumps(dump(draft))))
    assert again.has("place") and again.place is None and not again.has("other")
    assert again == draft


def test_a_report_draft_survives_the_database_round_trip() -> None:
    draft = ReportDraft(text="3号楼灯坏了", kind="repair", building="3", kind_ok=True)
    assert load(ReportDraft, json.loads(json.dumps(dump(draft)))) == draft
    assert load(ReportDraft, {"text": "x", "from_an_older_version": 1}).text == "x"
