"""The intake classifier on the corpus's test part (corpus/test, written apart from the training
part and never trained on): the issue's figures, every emergency category, the false alarms, and
that the committed model is the one the training command makes from the repository's files."""

import json
import math
from collections import defaultdict

import pytest

from models.enums import CaseKind
from services.chinese_numbers import normalise_numbers
from services.intake import CONFIDENT, parse_report
from services.intake_eval import TEST_FILES, Figures, load, measure
from services.intake_model import MODEL_FILE, features, model
from services.intake_safety import _STRONG, _WEAK, Danger, scan
from services.intake_text import _CANTONESE, _SLIPS, _WIDTH, normalise, to_simplified
from services.intake_train import Settings, corpus_digest, load_rows, train_logistic

EMERGENCY_CATEGORIES = (
    "lift_entrapment", "fire_smoke", "gas", "live_wire", "water_electric", "burst_pipe",
    "fall_injury", "medical", "poisoning", "carbon_monoxide", "unresponsive_cold",
    "child_locked", "child_water", "violence", "self_harm", "dog_attack", "falling_object",
)
FALSE_ALARMS = ("false_alarm_negated", "false_alarm_past", "false_alarm_hypothetical",
                "wish_mentions_risk")


@pytest.fixture(scope="module")
def test_part() -> list[dict[str, str | None]]:
    rows = load(TEST_FILES)
    assert len(rows) >= 700 and len(TEST_FILES) >= 2
    return rows


@pytest.fixture(scope="module")
def figures(test_part: list[dict[str, str | None]]) -> Figures:
    result = measure(test_part)
    print("\n" + "\n".join(result.lines()))
    return result


def test_the_test_part_meets_the_issue_figures(figures: Figures) -> None:
    assert figures.right / figures.n >= 0.92
    assert figures.emergencies_found / figures.emergencies >= 0.96
    assert figures.false_emergencies / figures.non_emergencies <= 0.03
    assert figures.confident_wrong / figures.n <= 0.03
    assert figures.address["building"] / figures.n >= 0.98
    assert min(figures.address["unit"], figures.address["room"]) / figures.n >= 0.97


def test_every_kind_is_recognised_with_good_precision_and_recall(figures: Figures) -> None:
    for kind in ("repair", "dispute", "wish", "emergency", "other"):
        assert figures.precision(kind) >= 0.85 and figures.recall(kind) >= 0.88, kind


def test_every_emergency_of_the_test_part_alerts_or_shows_the_numbers(
    test_part: list[dict[str, str | None]],
) -> None:
    # Filed as an emergency, or at least danger likely: the numbers at once and one tap.
    unseen = [row["text"] for row in test_part if row["kind"] == "emergency"
              and not ((p := parse_report(str(row["text"]))).kind is CaseKind.EMERGENCY
                       or p.danger_likely)]
    assert unseen == []


@pytest.mark.parametrize("category", EMERGENCY_CATEGORIES)
def test_each_emergency_category_of_the_test_part_is_recognised(
    test_part: list[dict[str, str | None]], category: str,
) -> None:
    rows = [row for row in test_part if row["kind"] == "emergency"
            and row.get("category") == category]
    found = [parse_report(str(row["text"])).kind is CaseKind.EMERGENCY for row in rows]
    assert len(rows) >= 5
    assert sum(found) >= len(rows) - 1  # at most one per category only asked about


@pytest.mark.parametrize("category", FALSE_ALARMS)
def test_negated_past_and_imagined_danger_is_rarely_an_emergency(
    test_part: list[dict[str, str | None]], category: str,
) -> None:
    rows = [row for row in test_part if row.get("category") == category]
    alarms = [row["text"] for row in rows
              if parse_report(str(row["text"])).kind is CaseKind.EMERGENCY]
    assert len(rows) >= 10 and len(alarms) <= 0.2 * len(rows)


def test_the_committed_model_was_trained_on_the_corpus_in_the_repository() -> None:
    # Retrain with `python -m services.intake_train` after changing corpus/train.
    content = json.loads(MODEL_FILE.read_text(encoding="utf-8"))
    assert content["trained_on"] == corpus_digest()
    assert content["messages"] == len(load_rows(
        [*sorted((MODEL_FILE.parent.parent / "corpus" / "train").glob("*.jsonl")),
         MODEL_FILE.parent.parent / "tests" / "data" / "intake_messages.jsonl"]))
    assert model().kinds == ("repair", "dispute", "wish", "emergency", "other")


def test_training_is_deterministic() -> None:
    rows = load_rows(sorted((MODEL_FILE.parent.parent / "corpus" / "train").glob("*.jsonl")))
    sample = rows[::15]
    first, second = (train_logistic(sample, Settings(epochs=3)) for _ in range(2))
    assert first.weights == second.weights and first.bias == second.bias


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("部𨋢壞咗，有人困咗喺入面", "lift_entrapment"),
        ("樓道好大煙，着火啦", "fire_smoke"),
        ("厨房里好大的煤气味", "gas"),
        ("楼道电线冒火花噼啪响", "live_wire"),
        ("孩子把自己反锁在卫生间里了，打不开", "child_locked"),
    ],
)
def test_live_danger_is_found_in_any_script(text: str, category: str) -> None:
    assert category in scan(normalise(text)).live


@pytest.mark.parametrize(
    "text",
    ["没有煤气味了，刚才开窗散掉了", "昨天着的火已经灭了，现在墙黑了要刷",
     "要是被困电梯打哪个电话？", "摔倒的奶奶现在没事了", "听说5号楼着火了，是真的吗",
     "担心楼道堆杂物会着火"],
)
def test_negated_past_and_imagined_danger_is_not_live(text: str) -> None:
    danger = scan(normalise(text))
    assert danger.live == () and danger.weak == ()
    assert parse_report(text).kind is not CaseKind.EMERGENCY


def test_confidence_is_calibrated_on_the_test_part(
    test_part: list[dict[str, str | None]],
) -> None:
    # Messages given high confidence are right far more often than those given low.
    buckets: dict[bool, list[bool]] = defaultdict(list)
    for row in test_part:
        parsed = parse_report(str(row["text"]))
        buckets[parsed.confidence >= CONFIDENT].append(parsed.kind.value == row["kind"])
    sure, unsure = (sum(b) / len(b) for b in (buckets[True], buckets[False]))
    assert sure >= 0.96 and unsure < sure


def test_a_message_with_no_cue_at_all_is_no_danger_and_any_cue_is_looked_at(
    test_part: list[dict[str, str | None]],
) -> None:
    # scan asks whether the whole message is defused only once a cue is found: a message
    # with no cue is no danger, and one with any cue is listed as live, weak or defused.
    cues = [*_STRONG.values(), *_WEAK.values()]
    seen = {False: 0, True: 0}
    for row in test_part:
        text = normalise(str(row["text"]))
        any_cue = any(cue.search(text) for cue in cues)
        seen[any_cue] += 1
        assert (scan(text) != Danger((), (), ())) == any_cue, text
    assert seen[False] > 50 and seen[True] > 50


def test_scores_are_the_bias_plus_the_scaled_weights_of_the_ngrams_found(
    test_part: list[dict[str, str | None]],
) -> None:
    linear = model()
    for message in [*(str(row["text"]) for row in test_part[::20]), "", "\u3000"]:
        text = normalise(message)
        rows = [linear.weights[f] for f in features(text, linear.sizes) if f in linear.weights]
        scale = 1.0 / math.sqrt(len(rows)) if rows else 0.0
        expected = list(linear.bias)
        for weights in rows:
            for k, w in enumerate(weights):
                expected[k] += w * scale
        assert linear.scores(text) == expected, text


def test_normalising_replaces_every_cantonese_word_and_slip_as_one_look_per_word_would(
    test_part: list[dict[str, str | None]],
) -> None:
    # normalise skips the word lists when one search finds none of their words.
    def word_by_word(text: str) -> str:
        text = to_simplified(text.translate(_WIDTH)).lower()
        for word, mandarin in _CANTONESE:
            text = text.replace(word, mandarin)
        for pattern, fixed in _SLIPS:
            text = pattern.sub(fixed, text)
        return normalise_numbers(text)

    slips = ["着伙", "著伙", "召火", "电题", "店梯", "煤汽", "燃汽", "冒眼", "救明", "困再",
             "漏点", "昏到", "中疯", "摔到了地上", "摔到在"]
    messages = [str(row["text"]) for row in test_part]
    messages += [f"3号楼{word}了" for word, _ in _CANTONESE] + [f"快{slip}啊" for slip in slips]
    changed = 0
    for message in messages:
        assert normalise(message) == word_by_word(message), message
        changed += normalise(message) != normalise_numbers(to_simplified(message).lower())
    assert changed > len(_CANTONESE) + len(slips)
