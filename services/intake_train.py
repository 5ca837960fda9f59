"""Train the intake model from the repository's corpus: `python -m services.intake_train`.

Reads corpus/train/*.jsonl (and the older tuning set tests/data/intake_messages.jsonl), learns a
character 1-3-gram multinomial logistic regression with AdaGrad in pure Python (deterministic:
a fixed seed and order), and writes services/intake_model.json. The temperature of its
confidences is chosen by leave-one-writer-out cross-validation (each training file is one
writer): the least cautious one at which at most 2% of the held-out messages are classified
wrongly with confidence >= 0.6 (by the whole parser: model and safety rules). `--compare`
prints the cross-validated figures of the candidate models instead.
"""

import argparse
import hashlib
import json
import math
import random
import sys
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from services.intake_model import MODEL_FILE, LinearModel, features, softmax
from services.intake_text import normalise

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"
KINDS = ("repair", "dispute", "wish", "emergency", "other")
TRAIN_FILES = (*sorted((CORPUS / "train").glob("*.jsonl")),
               ROOT / "tests" / "data" / "intake_messages.jsonl")


@dataclass(frozen=True, slots=True)
class Settings:
    """How a model is learned."""

    sizes: tuple[int, ...] = (1, 2, 3)
    epochs: int = 12
    rate: float = 0.5
    l2: float = 1e-4
    min_df: int = 2
    seed: int = 14


def load_rows(paths: Sequence[Path]) -> list[dict[str, str | None]]:
    """Labelled messages of these JSONL files (blank lines skipped)."""
    rows = []
    for path in paths:
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                rows.append(json.loads(line))
    return rows


def _examples(rows: Sequence[dict[str, str | None]], sizes: tuple[int, ...]
              ) -> list[tuple[set[str], int]]:
    return [(features(normalise(str(r["text"])), sizes), KINDS.index(str(r["kind"])))
            for r in rows]


def train_logistic(rows: Sequence[dict[str, str | None]], s: Settings = Settings()) -> LinearModel:
    """Multinomial logistic regression on n-gram presence (L2-normalised), AdaGrad steps."""
    examples = _examples(rows, s.sizes)
    df = Counter(f for feats, _ in examples for f in feats)
    vocab = {f for f, n in df.items() if n >= s.min_df}
    data = [(sorted(feats & vocab), kind) for feats, kind in examples]
    n = len(KINDS)
    weights: dict[str, list[float]] = defaultdict(lambda: [0.0] * n)
    squares: dict[str, list[float]] = defaultdict(lambda: [1e-8] * n)
    bias, bias_sq = [0.0] * n, [1e-8] * n
    order = list(range(len(data)))
    rng = random.Random(s.seed)
    for _ in range(s.epochs):
        rng.shuffle(order)
        for i in order:
            feats, kind = data[i]
            if not feats:
                continue
            scale = 1.0 / math.sqrt(len(feats))
            rows_w = [weights[f] for f in feats]
            scores = list(bias)
            for row in rows_w:
                for k in range(n):
                    scores[k] += row[k] * scale
            probs = softmax(scores)
            grads = [probs[k] - (1.0 if k == kind else 0.0) for k in range(n)]
            for k in range(n):
                bias_sq[k] += grads[k] ** 2
                bias[k] -= s.rate * grads[k] / math.sqrt(bias_sq[k])
            for f, row in zip(feats, rows_w, strict=True):
                sq = squares[f]
                for k in range(n):
                    g = grads[k] * scale + s.l2 * row[k]
                    sq[k] += g * g
                    row[k] -= s.rate * g / math.sqrt(sq[k])
    kept = {f: tuple(round(w, 4) for w in row) for f, row in weights.items()
            if max(abs(w) for w in row) >= 1e-3}
    return LinearModel(KINDS, s.sizes, tuple(round(b, 4) for b in bias), kept)


def train_bayes(rows: Sequence[dict[str, str | None]], s: Settings = Settings()
                ) -> "NaiveBayes":
    """Multinomial naive Bayes on n-gram presence with add-one smoothing (for comparison)."""
    examples = _examples(rows, s.sizes)
    counts = [Counter[str]() for _ in KINDS]
    docs = Counter(kind for _, kind in examples)
    for feats, kind in examples:
        counts[kind].update(feats)
    vocab = {f for c in counts for f in c}
    totals = [sum(c.values()) + len(vocab) for c in counts]
    return NaiveBayes(s.sizes, counts, totals,
                      [math.log((docs[k] + 1) / (len(examples) + len(KINDS)))
                       for k in range(len(KINDS))])


@dataclass(slots=True)
class NaiveBayes:
    """Naive Bayes scores, only used to compare with the logistic model."""

    sizes: tuple[int, ...]
    counts: list[Counter[str]]
    totals: list[int]
    priors: list[float]

    def probabilities(self, text: str) -> dict[str, float]:
        """Probability per kind of a normalised text."""
        feats = features(text, self.sizes)
        scores = [prior + sum(math.log((c[f] + 1) / total) for f in feats)
                  for c, total, prior in zip(self.counts, self.totals, self.priors, strict=True)]
        return dict(zip(KINDS, softmax(scores), strict=True))


Row = dict[str, str | None]
# Held-out share wrong with confidence >= 0.6 that the temperature aims at (the target is 3%).
CONFIDENT_WRONG_AIM = 0.02


def folds(paths: Sequence[Path]) -> list[tuple[list[Row], list[Row]]]:
    """Leave-one-writer-out splits: each file in turn validates a model of the others."""
    by_file = {path: load_rows([path]) for path in paths}
    return [([r for other, rows in by_file.items() if other != path for r in rows], held)
            for path, held in by_file.items()]


def cross_validated(paths: Sequence[Path], s: Settings, bayes: bool = False
                    ) -> list[tuple[list[float], int]]:
    """Raw scores (log-probabilities) and true kind of every message, from held-out writers."""
    out = []
    for train, valid in folds(paths):
        model = train_bayes(train, s) if bayes else train_logistic(train, s)
        for r in valid:
            probs = model.probabilities(normalise(str(r["text"])))
            out.append(([math.log(max(probs[k], 1e-12)) for k in KINDS],
                        KINDS.index(str(r["kind"]))))
    return out


def fit_temperature(scored: list[tuple[list[float], int]]) -> float:
    """The temperature that minimises the log-loss of the cross-validated predictions."""
    def loss(t: float) -> float:
        return -sum(math.log(max(softmax(s, t)[y], 1e-12)) for s, y in scored)
    return min((round(0.5 + 0.1 * i, 2) for i in range(36)), key=loss)


def cautious_temperature(paths: Sequence[Path], s: Settings) -> float:
    """The lowest temperature at which the whole parser, held out writer by writer, is wrong
    with confidence >= 0.6 on at most CONFIDENT_WRONG_AIM of the messages."""
    from services.intake import CONFIDENT, parse_report  # the parser imports the model module

    held = [(train_logistic(train, s), valid) for train, valid in folds(paths)]
    total = sum(len(valid) for _, valid in held)
    for step in range(31):
        t = round(0.6 + 0.1 * step, 2)
        wrong = 0
        for base, valid in held:
            model = LinearModel(base.kinds, base.sizes, base.bias, base.weights, t)
            for row in valid:
                parsed = parse_report(str(row["text"]), model)
                wrong += parsed.kind.value != row["kind"] and parsed.confidence >= CONFIDENT
        if wrong <= CONFIDENT_WRONG_AIM * total:
            return t
    return 3.6


def summary(scored: list[tuple[list[float], int]], temperature: float = 1.0) -> str:
    """Accuracy, emergency recall and confident-wrong share of scored predictions."""
    right = confident_wrong = em = em_found = 0
    for s, y in scored:
        probs = softmax(s, temperature)
        guess = max(range(len(KINDS)), key=probs.__getitem__)
        right += guess == y
        confident_wrong += guess != y and probs[guess] >= 0.6
        if KINDS[y] == "emergency":
            em += 1
            em_found += guess == y
    n = len(scored)
    return (f"accuracy {right / n:.1%}  emergency recall {em_found}/{em}  "
            f"wrong with confidence >= 0.6 {confident_wrong / n:.1%}  (n={n})")


def compare(paths: Sequence[Path]) -> None:
    """Print cross-validated figures of the candidate models."""
    candidates = [
        ("naive Bayes 1-3", Settings(), True),
        ("naive Bayes 1-2", Settings(sizes=(1, 2)), True),
        ("logistic 1-2", Settings(sizes=(1, 2)), False),
        ("logistic 1-3", Settings(), False),
        ("logistic 1-4", Settings(sizes=(1, 2, 3, 4)), False),
        ("logistic 1-3 min_df 1", Settings(min_df=1), False),
        ("logistic 1-3 20 epochs", Settings(epochs=20), False),
    ]
    for name, s, bayes in candidates:
        scored = cross_validated(paths, s, bayes)
        t = fit_temperature(scored)
        print(f"{name:28} {summary(scored, t)}  temperature {t}", flush=True)


def corpus_digest(paths: Sequence[Path] = TRAIN_FILES) -> str:
    """SHA-256 of the training files (names and contents): which corpus a model was made from."""
    digest = hashlib.sha256()
    for path in paths:
        digest.update(path.relative_to(ROOT).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def train(out: Path = MODEL_FILE, s: Settings = Settings()) -> LinearModel:
    """Train on every training file, calibrate, and write the model file."""
    rows = load_rows(TRAIN_FILES)
    temperature = cautious_temperature(TRAIN_FILES, s)
    base = train_logistic(rows, s)
    model = LinearModel(base.kinds, base.sizes, base.bias, base.weights, temperature)
    content = {"trained_on": corpus_digest(), "messages": len(rows), **model.to_json()}
    out.write_text(json.dumps(content, ensure_ascii=False, separators=(",", ":")) + "\n",
                   encoding="utf-8")
    print(f"{len(rows)} messages from {len(TRAIN_FILES)} files; temperature {temperature}; "
          f"{len(model.weights)} n-grams -> {out}")
    return model


def main(argv: list[str] | None = None) -> int:
    """Entry point."""
    p = argparse.ArgumentParser(prog="python -m services.intake_train", description=__doc__)
    p.add_argument("--compare", action="store_true", help="compare candidate models, write nothing")
    p.add_argument("--out", type=Path, default=MODEL_FILE, help="model file to write")
    args = p.parse_args(argv)
    if args.compare:
        compare(TRAIN_FILES)
    else:
        train(args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
