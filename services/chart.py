"""The digest's chart: the last 14 days of new vs closed cases, and the three rates (a PNG)."""

from dataclasses import dataclass
from functools import cache
from io import BytesIO
from types import ModuleType

from services.digest import DayPoint

_CJK_HINTS = ("CJK", "WenQuanYi", "Hei", "Song", "Noto Sans SC", "Source Han", "PingFang")


@dataclass(frozen=True, slots=True)
class ChartLabels:
    """The words on the chart, from the catalogue."""

    title: str
    new: str
    closed: str
    response: str
    resolution: str
    satisfaction: str


@cache
def _matplotlib() -> ModuleType:
    """Import matplotlib on first use: it is tens of megabytes the bot needs only once a day,
    for the digest, so the resident-facing process stays small."""
    import matplotlib

    matplotlib.use("Agg")  # no display: render to memory
    import matplotlib.figure
    import matplotlib.font_manager

    return matplotlib


@cache
def cjk_font() -> str | None:
    """A font that can draw Chinese, if the system has one."""
    for font in _matplotlib().font_manager.fontManager.ttflist:
        if any(hint in font.name for hint in _CJK_HINTS):
            return str(font.name)
    return None


def render(points: list[DayPoint], labels: ChartLabels) -> bytes:
    """Draw the chart and return the PNG bytes."""
    matplotlib = _matplotlib()
    figure = matplotlib.figure.Figure(figsize=(8, 5.5), dpi=100)
    font = cjk_font()
    if font:
        matplotlib.rcParams["font.sans-serif"] = [font, "DejaVu Sans"]
    counts, rates = figure.subplots(2, 1, sharex=True, height_ratios=(3, 2))
    days = [p.day.strftime("%m-%d") for p in points]
    x = range(len(points))
    counts.bar([i - 0.2 for i in x], [p.new for p in points], width=0.4, label=labels.new,
               color="#4c78a8")
    counts.bar([i + 0.2 for i in x], [p.closed for p in points], width=0.4, label=labels.closed,
               color="#59a14f")
    counts.set_title(labels.title)
    counts.legend(loc="upper left", fontsize=8)
    counts.grid(axis="y", alpha=0.3)
    for values, label, style in (
        ([p.response for p in points], labels.response, "o-"),
        ([p.resolution for p in points], labels.resolution, "s-"),
        ([p.satisfaction for p in points], labels.satisfaction, "^-"),
    ):
        rates.plot(list(x), [float("nan") if v is None else 100 * v for v in values], style,
                   label=label, markersize=4)
    rates.set_ylim(0, 105)
    rates.set_ylabel("%")
    rates.legend(loc="lower left", fontsize=8)
    rates.grid(alpha=0.3)
    rates.set_xticks(list(x), days, rotation=45, fontsize=8)
    figure.tight_layout()
    out = BytesIO()
    figure.savefig(out, format="png")
    return out.getvalue()
