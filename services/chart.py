"""The digest's chart: the last 14 days of new vs closed cases, and the three rates (a PNG)."""

from dataclasses import dataclass
from functools import cache
from io import BytesIO
from types import ModuleType
from typing import Any

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
    import matplotlib.ticker

    return matplotlib


@cache
def cjk_font() -> str | None:
    """A font that draws Chinese: Noto Sans SC, shipped with the bot by the pylopdf-fonts-zh-cn
    package (SIL Open Font License 1.1), so the chart reads in Chinese on a fresh server; else a
    system one."""
    manager = _matplotlib().font_manager
    try:
        from pylopdf_fonts_zh_cn import sans_path

        path = str(sans_path())
        manager.fontManager.addfont(path)
        return str(manager.FontProperties(fname=path).get_name())
    except (ImportError, OSError, RuntimeError):
        pass
    for font in manager.fontManager.ttflist:
        if any(hint in font.name for hint in _CJK_HINTS):
            return str(font.name)
    return None


def render(points: list[DayPoint], labels: ChartLabels) -> bytes:
    """Draw the chart and return the PNG bytes (titled, for readers that show no image)."""
    out = BytesIO()
    draw(points, labels).savefig(out, format="png", metadata={"Title": labels.title})
    return out.getvalue()


def draw(points: list[DayPoint], labels: ChartLabels) -> Any:
    """Draw the chart: a matplotlib Figure."""
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
    # Whole cases from 0 up, also on a quiet fortnight (matplotlib would centre 0 in ±0.04).
    highest = max([p.new for p in points] + [p.closed for p in points] + [0])
    counts.set_ylim(0, max(highest, 4) * 1.15)
    counts.yaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
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
    return figure
