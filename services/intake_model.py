"""The learned part of intake: a character n-gram linear model (multinomial logistic
regression) scored in pure Python over the committed weights file intake_model.json.

`python -m services.intake_train` writes that file from the corpus (see README, "Intake").
Scoring a message costs one dictionary look-up per n-gram; the weights are read once, on first
use, so importing this module is free and the bot pays for the model only when it parses.
"""

import json
import math
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

MODEL_FILE = Path(__file__).with_name("intake_model.json")
# A phone number says nothing about the kind, but its eleven digits would crowd the n-grams of
# the words that do: it becomes one symbol, "☎"; other digits each read as "#".
_PHONE = re.compile(r"(?:\+?86[\s-]?)?1\d{2}[\s.-]?\d{4}[\s.-]?\d{4}(?!\d)"
                    r"|(?<!\d)0\d{2,3}[\s-]?\d{3,4}[\s-]?\d{4}(?!\d)")
_DIGIT = str.maketrans("0123456789", "##########")
_SPACES = re.compile(r"\s+")


def features(text: str, sizes: tuple[int, ...] = (1, 2, 3)) -> set[str]:
    """The character n-grams of a normalised text; a phone is "☎", any other digit "#"."""
    padded = "^" + _PHONE.sub("☎", text).translate(_DIGIT) + "$"
    grams = {padded[i:i + n] for n in sizes for i in range(len(padded) - n + 1)}
    # The n-grams of nothing but whitespace lie within a run of it: removed per run rather than
    # asking every n-gram (`\s` is exactly what `str.isspace` calls whitespace).
    for run in _SPACES.findall(padded):
        grams.difference_update({run[i:i + n] for n in sizes for i in range(len(run) - n + 1)})
    return grams


@dataclass(frozen=True, slots=True)
class LinearModel:
    """Weights per n-gram and kind, a bias per kind, and the temperature of the confidences."""

    kinds: tuple[str, ...]
    sizes: tuple[int, ...]
    bias: tuple[float, ...]
    weights: dict[str, tuple[float, ...]]
    temperature: float = 1.0

    def scores(self, text: str) -> list[float]:
        """Raw scores per kind (same order as `kinds`) of a normalised text."""
        # Look-ups, products and sums run in C (map, zip, sum): a Python loop over every
        # n-gram and kind was the costliest part of parsing a report. Each total still adds
        # the same products in the same order as the plain loop.
        found = list(filter(None, map(self.weights.get, features(text, self.sizes))))
        if not found:
            return list(self.bias)
        scale = 1.0 / math.sqrt(len(found))
        return [sum(map(scale.__mul__, column), bias)
                for bias, column in zip(self.bias, zip(*found, strict=True), strict=True)]

    def probabilities(self, text: str) -> dict[str, float]:
        """Calibrated probability per kind of a normalised text."""
        return dict(zip(self.kinds, softmax(self.scores(text), self.temperature), strict=True))

    def to_json(self) -> dict[str, object]:
        """The form written to the model file."""
        return {"kinds": list(self.kinds), "sizes": list(self.sizes), "bias": list(self.bias),
                "temperature": self.temperature,
                "weights": {f: list(w) for f, w in sorted(self.weights.items())}}

    @classmethod
    def from_json(cls, data: dict[str, object]) -> "LinearModel":
        """Rebuild a model from the model file's content."""
        weights = data["weights"]
        assert isinstance(weights, dict)
        return cls(tuple(data["kinds"]), tuple(data["sizes"]),  # type: ignore[arg-type]
                   tuple(data["bias"]),  # type: ignore[arg-type]
                   {f: tuple(w) for f, w in weights.items()},
                   float(data.get("temperature", 1.0)))  # type: ignore[arg-type]


def softmax(scores: list[float], temperature: float = 1.0) -> list[float]:
    """Probabilities from raw scores; a higher temperature makes them less sure."""
    top = max(scores)
    exps = [math.exp((s - top) / temperature) for s in scores]
    total = sum(exps)
    return [e / total for e in exps]


@cache
def model() -> LinearModel:
    """The committed model, read once."""
    return LinearModel.from_json(json.loads(MODEL_FILE.read_text(encoding="utf-8")))
