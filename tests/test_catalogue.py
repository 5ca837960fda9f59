"""The message catalogues: zh and en agree, and every key the code uses exists."""

import re
import string
from pathlib import Path

import pytest
import yaml

from models.enums import CaseAction, CaseKind, CaseStatus

ROOT = Path(__file__).resolve().parent.parent
LOCALES = ROOT / "handlers" / "locales"

DOMAIN_ERROR = re.compile(r'DomainError\(\s*"([a-z_.]+)"')
# Conversation steps look like keys but are stored state. They are named where they are defined:
# STEP_NOTE = "worker.resolve_note" (several per line allowed) or ctx.wait("wish.text", ...).
STEP_LINE = re.compile(r'^STEP_[A-Z_, ]*=\s*(.+)$', re.MULTILINE)
WAIT_STEP = re.compile(r'wait\(\s*"([a-z_]+\.[a-z_.]+)"')
QUOTED = re.compile(r'"([a-z_]+\.[a-z_.]+)"')


def _steps(source: str) -> set[str]:
    found = set(WAIT_STEP.findall(source))
    for line in STEP_LINE.findall(source):
        found.update(QUOTED.findall(line))
    return found


def _files(locale: str) -> list[Path]:
    return sorted((LOCALES / locale).glob("*.yaml"))


def _load_file(path: Path) -> dict[str, str]:
    data = yaml.safe_load(path.read_text("utf-8")) or {}
    return {str(k): str(v) for k, v in data.items()}


def _load(locale: str) -> dict[str, str]:
    merged: dict[str, str] = {}
    for path in _files(locale):
        for key, value in _load_file(path).items():
            assert key not in merged, f"{key} is defined twice in {locale}/"
            merged[key] = value
    return merged


ZH = _load("zh")
EN = _load("en")
# A string literal that starts with a catalogue prefix ("wish.", "card.", ...) is taken as a key.
PREFIXES = sorted({key.split(".", 1)[0] for key in ZH} | {"button", "error"})
KEY_LITERAL = re.compile(r'"((?:' + "|".join(PREFIXES) + r')\.[a-z_.]+)"')


def _placeholders(template: str) -> set[str]:
    return {field for _, field, _, _ in string.Formatter().parse(template) if field is not None}


def _sources(*patterns: str) -> list[Path]:
    return sorted(path for pattern in patterns for path in ROOT.glob(pattern))


def _domain_error_keys() -> set[str]:
    """Keys raised as DomainError("...") anywhere in services/ or handlers/."""
    return {
        key
        for path in _sources("services/**/*.py", "handlers/*.py")
        for key in DOMAIN_ERROR.findall(path.read_text("utf-8"))
    }


def _keys_used_by_code() -> dict[str, Path]:
    """Literal catalogue keys in the handlers (and the bot's fallback), with where they appear."""
    paths = _sources("handlers/*.py", "bot/*.py", "scheduler/*.py", "services/**/*.py")
    steps = {step for path in paths for step in _steps(path.read_text("utf-8"))}
    used: dict[str, Path] = {}
    for path in paths:
        # DomainError keys are looked up as error.<key>; they are checked separately.
        source = DOMAIN_ERROR.sub("DomainError(", path.read_text("utf-8"))
        for key in KEY_LITERAL.findall(source):
            if key not in steps:
                used.setdefault(key, path.relative_to(ROOT))
    return used


def test_both_catalogues_have_the_same_keys() -> None:
    missing_in_en = [key for key in ZH if key not in EN]
    missing_in_zh = [key for key in EN if key not in ZH]
    assert not missing_in_en, f"keys missing from en/: {missing_in_en}"
    assert not missing_in_zh, f"keys missing from zh/: {missing_in_zh}"


def test_both_catalogues_have_the_same_files() -> None:
    assert [p.name for p in _files("zh")] == [p.name for p in _files("en")]


@pytest.mark.parametrize("name", [p.name for p in _files("zh")])
def test_both_catalogues_list_keys_in_the_same_order(name: str) -> None:
    zh, en = _load_file(LOCALES / "zh" / name), _load_file(LOCALES / "en" / name)
    shared = [key for key in zh if key in en]
    assert shared == [key for key in en if key in zh], f"en/{name} keys are not in zh order"


@pytest.mark.parametrize("key", [key for key in ZH if key in EN])
def test_each_message_has_the_same_placeholders_in_both_languages(key: str) -> None:
    zh, en = _placeholders(ZH[key]), _placeholders(EN[key])
    assert zh == en, f"{key}: zh has {sorted(zh)}, en has {sorted(en)}"


@pytest.mark.parametrize(
    ("locale", "key"),
    [("zh", key) for key in ZH] + [("en", key) for key in EN],
)
def test_each_message_formats_with_sample_values(locale: str, key: str) -> None:
    template = (ZH if locale == "zh" else EN)[key]
    sample = {name: f"<{name}>" for name in _placeholders(template)}
    try:
        text = template.format(**sample)
    except (KeyError, IndexError, ValueError) as error:
        pytest.fail(f"{locale} {key} does not format: {error!r}")
    assert text.strip(), f"{locale} {key} is empty"


def test_every_key_the_code_uses_is_in_the_catalogue() -> None:
    used = _keys_used_by_code()
    assert used, "the scan found no keys at all; has the code layout changed?"
    for key, where in sorted(used.items()):
        assert key in ZH, f"{key} (used in {where}) is missing from zh/"
        assert key in EN, f"{key} (used in {where}) is missing from en/"


@pytest.mark.parametrize(
    "key",
    [f"kind.{k}" for k in CaseKind]
    + [f"status.{s}" for s in CaseStatus]
    + [f"action.{a}" for a in CaseAction],
)
def test_every_kind_status_and_action_has_a_name(key: str) -> None:
    assert key in ZH, f"{key} is missing from zh/"
    assert key in EN, f"{key} is missing from en/"


def test_every_domain_error_has_a_message() -> None:
    raised = _domain_error_keys()
    assert raised, "the scan found no DomainError keys; has the code layout changed?"
    for key in sorted(raised):
        assert f"error.{key}" in ZH, f"error.{key} is missing from zh/"
        assert f"error.{key}" in EN, f"error.{key} is missing from en/"


def test_a_failed_rule_reads_well_with_its_real_parameters() -> None:
    from handlers.texts import Texts

    for locale in ("zh", "en"):
        texts = Texts(locale)
        status = texts("status.accepted")
        text = texts("error.case.not_allowed", case_id=7, status=status)
        assert "#7" in text and status in text, f"{locale} error.case.not_allowed: {text}"
