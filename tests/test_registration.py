"""Each handler module registers its own commands, buttons and steps; the router only lists
the modules, and every button and every step the code asks has exactly one owner."""

import ast
from pathlib import Path

from handlers import router
from handlers.payloads import all_buttons

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
        owner = router.STEPS[step].__module__.rsplit(".", 1)[-1]
        assert owner == module, f"{step} is asked in {module} but answered in {owner}"


def test_the_router_holds_no_feature_of_its_own() -> None:
    source = Path(router.__file__).read_text("utf-8")
    assert "payloads import Outdated, unpack" in source and "STEP_" not in source
    assert {f.name for f in router.FEATURES} >= {"intake", "worker", "resident", "views"}
