"""Figures of the intake classifier on a labelled set: what the bench prints and the README
states (per-kind precision and recall, emergency recall, false emergencies, confident wrong
answers, address accuracy, parse time)."""

import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from services.intake import CONFIDENT, ParsedReport, parse_report

ROOT = Path(__file__).resolve().parent.parent
TEST_FILES = tuple(sorted((ROOT / "corpus" / "test").glob("*.jsonl")))
HOLDOUT = ROOT / "tests" / "data" / "intake_holdout.jsonl"
KINDS = ("repair", "dispute", "wish", "emergency", "other")
Row = dict[str, str | None]


def load(paths: Sequence[Path]) -> list[Row]:
    """Labelled messages of these JSONL files."""
    return [json.loads(line) for path in paths
            for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


@dataclass
class Figures:
    """What one labelled set says about the classifier."""

    n: int = 0
    right: int = 0
    emergencies: int = 0
    emergencies_found: int = 0
    emergencies_asked: int = 0  # missed, but the resident was shown the numbers and asked
    non_emergencies: int = 0
    false_emergencies: int = 0
    confident_wrong: int = 0
    address: dict[str, int] = field(default_factory=lambda: dict.fromkeys(
        ("building", "unit", "room"), 0))
    urgency_right: int = 0
    seconds: float = 0.0
    counts: dict[str, dict[str, int]] = field(default_factory=dict)  # true -> guessed -> n
    missed: list[tuple[str, str, str]] = field(default_factory=list)  # text, category, guess

    def add(self, row: Row, parsed: ParsedReport) -> None:
        """Count one message."""
        truth, guess = str(row["kind"]), parsed.kind.value
        self.n += 1
        self.right += truth == guess
        self.counts.setdefault(truth, {}).setdefault(guess, 0)
        self.counts[truth][guess] += 1
        if truth == "emergency":
            self.emergencies += 1
            self.emergencies_found += guess == "emergency"
            if guess != "emergency":
                self.emergencies_asked += parsed.danger_likely
                self.missed.append((str(row["text"]), str(row.get("category")), guess))
        else:
            self.non_emergencies += 1
            self.false_emergencies += guess == "emergency"
        self.confident_wrong += truth != guess and parsed.confidence >= CONFIDENT
        for part in self.address:
            self.address[part] += getattr(parsed, part) == row.get(part)
        self.urgency_right += parsed.urgency.value == row.get("urgency", parsed.urgency.value)

    def precision(self, kind: str) -> float:
        """Share of messages given this kind that have it."""
        given = sum(guesses.get(kind, 0) for guesses in self.counts.values())
        return self.counts.get(kind, {}).get(kind, 0) / given if given else 0.0

    def recall(self, kind: str) -> float:
        """Share of messages of this kind that were given it."""
        total = sum(self.counts.get(kind, {}).values())
        return self.counts.get(kind, {}).get(kind, 0) / total if total else 0.0

    def lines(self) -> list[str]:
        """The figures as printable lines."""
        n = max(self.n, 1)
        out = [f"kind accuracy {self.right / n:.1%} ({self.right}/{self.n})",
               f"emergency recall {self.emergencies_found / max(self.emergencies, 1):.1%} "
               f"({self.emergencies_found}/{self.emergencies}; of the missed, "
               f"{self.emergencies_asked} shown the numbers and asked)",
               f"false emergencies {self.false_emergencies / max(self.non_emergencies, 1):.1%} "
               f"({self.false_emergencies}/{self.non_emergencies})",
               f"wrong with confidence >= {CONFIDENT} {self.confident_wrong / n:.1%} "
               f"({self.confident_wrong})",
               "address accuracy " + ", ".join(f"{part} {hits / n:.1%}"
                                                for part, hits in self.address.items()),
               f"urgency accuracy {self.urgency_right / n:.1%}",
               f"parse time {self.seconds / n * 1e3:.2f} ms per message"]
        out += [f"  {kind:9} precision {self.precision(kind):6.1%}  recall {self.recall(kind):6.1%}"
                for kind in KINDS]
        return out


def measure(rows: Sequence[Row], parse: Callable[[str], ParsedReport] = parse_report) -> Figures:
    """Parse every message and count."""
    figures = Figures()
    for row in rows:
        start = time.perf_counter()
        parsed = parse(str(row["text"]))
        figures.seconds += time.perf_counter() - start
        figures.add(row, parsed)
    return figures
