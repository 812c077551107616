"""Bar charts drawn on the server as SVG: no script, nothing to download, the same on a
phone (bars are horizontal, one per row, so long labels and many weeks still read).

A chart is decoration over a table that holds the same figures: the page puts the data
table right after it, and the SVG carries a title and a one-line summary for screen
readers (``role="img"``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

ROW = 28  # px per bar in the viewBox
LABEL = 130  # px for the labels on the left
WIDTH = 480  # the viewBox width: the SVG scales to its box (36rem at most, see reports.css)
BAR = 20  # px, a bar's height


@dataclass(frozen=True)
class Segment:
    value: float
    tone: str  # a CSS class: "main", "second", "warn"


@dataclass(frozen=True)
class Bar:
    label: str
    segments: tuple[Segment, ...]
    text: str  # the figure written at the end of the bar

    @property
    def total(self) -> float:
        return sum(max(s.value, 0) for s in self.segments)


@dataclass(frozen=True)
class Drawn:
    """A bar laid out in the viewBox: its rectangles and where its words go."""

    y: float
    label: str
    text: str
    text_x: float
    rects: list[tuple[float, float, str]] = field(default_factory=list)  # (x, width, tone)


@dataclass(frozen=True)
class Chart:
    title: str
    summary: str  # what a screen reader hears instead of the bars
    bars: list[Bar]
    legend: tuple[tuple[str, str], ...] = ()  # (tone, words) when there are two segments
    scale_max: float | None = None  # e.g. 100 for percentages

    @property
    def height(self) -> int:
        return ROW * len(self.bars) + 8

    @property
    def width(self) -> int:
        return WIDTH

    @property
    def label_end(self) -> int:
        return LABEL - 6

    @property
    def bar_height(self) -> int:
        return BAR

    def drawn(self) -> list[Drawn]:
        """Each bar's rectangles scaled to the largest (or to ``scale_max``)."""
        room = WIDTH - LABEL - 100  # the figure's words after the longest bar
        top = self.scale_max or max((b.total for b in self.bars), default=0) or 1
        out = []
        for i, bar in enumerate(self.bars):
            x = float(LABEL)
            rects = []
            for segment in bar.segments:
                width = room * max(segment.value, 0) / top
                rects.append((round(x, 1), round(width, 1), segment.tone))
                x += width
            out.append(Drawn(i * ROW + 4, bar.label, bar.text, round(x + 6, 1), rects))
        return out


def bars(
    title: str,
    rows: Sequence[tuple[str, float, str]],
    summary: str,
    scale_max: float | None = None,
) -> Chart | None:
    """One bar per (label, value, words); None when there is nothing to draw."""
    if not rows:
        return None
    drawn = [Bar(label, (Segment(value, "main"),), text) for label, value, text in rows]
    return Chart(title, summary, drawn, scale_max=scale_max)


def stacked(
    title: str,
    rows: Sequence[tuple[str, float, float, str]],
    legend: tuple[str, str],
    summary: str,
) -> Chart | None:
    """Two segments per bar (e.g. loaded and empty miles); None when there is nothing."""
    if not rows:
        return None
    drawn = [
        Bar(label, (Segment(first, "main"), Segment(second, "second")), text)
        for label, first, second, text in rows
    ]
    return Chart(title, summary, drawn, legend=(("main", legend[0]), ("second", legend[1])))
