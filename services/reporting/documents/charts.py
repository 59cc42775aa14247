"""The charts of the monthly documents, drawn with matplotlib (Agg, no pyplot state) to
PNG, their labels in the documents' own embedded font (Noto Sans SC)."""

from __future__ import annotations

import io
import textwrap
from collections.abc import Sequence

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.text import Text
from matplotlib.ticker import MaxNLocator, PercentFormatter

from services.reporting.documents.model import (
    SEVERITIES,
    SEVERITY_TITLES,
    MonthFigures,
    UnitRow,
    item_title,
    problems_by_item,
    rectification_by_item,
)
from services.reporting.documents.model import Figures as UnitFigures
from shared.pdf import BOLD_FILE, REGULAR_FILE

FONT = FontProperties(fname=REGULAR_FILE, size=9)
TITLE_FONT = FontProperties(fname=BOLD_FILE, size=11)
DPI = 150
SEVERITY_COLOURS = {
    "minor": "#9ecae1",
    "general": "#4292c6",
    "serious": "#fd8d3c",
    "major": "#d62728",
}


def _figure(width: float = 6.4, height: float = 3.0) -> Figure:
    figure = Figure(figsize=(width, height), dpi=DPI, layout="constrained")
    FigureCanvasAgg(figure)
    return figure


def _png(figure: Figure) -> bytes:
    out = io.BytesIO()
    figure.savefig(out, format="png", dpi=DPI)
    return out.getvalue()


def _label_ticks(labels: Sequence[Text]) -> None:
    for label in labels:
        label.set_fontproperties(FONT)


def coverage_by_zone(zones: Sequence[UnitRow], title: str) -> bytes:
    """Bars: each zone's coverage (schools visited / schools) in the month."""
    figure = _figure(6.4, 2.4 + 0.05 * len(zones))
    axes = figure.add_subplot()
    codes = ["\n".join(textwrap.wrap(z.label, 8)) for z in zones]
    values = [(z.figures["coverage"] or 0.0) * 100 for z in zones]
    bars = axes.bar(range(len(codes)), values, color="#4292c6")
    axes.bar_label(bars, labels=[f"{v:.0f}%" for v in values], fontproperties=FONT)
    axes.set_xticks(range(len(codes)), codes, rotation=30 if len(codes) > 6 else 0)
    axes.set_ylim(0, 110)
    axes.yaxis.set_major_formatter(PercentFormatter(100))
    axes.set_ylabel("督导覆盖率", fontproperties=FONT)
    axes.set_title(title, fontproperties=TITLE_FONT)
    _label_ticks(axes.get_xticklabels() + axes.get_yticklabels())
    axes.spines[["top", "right"]].set_visible(False)
    return _png(figure)


def trend(months: Sequence[MonthFigures], title: str) -> bytes:
    """Lines over the months: coverage and rectification rate (left axis, %), visits
    (right axis)."""
    figure = _figure(6.4, 2.8)
    axes = figure.add_subplot()
    labels = [f"{int(m.month[5:7])}月" for m in months]
    xs = range(len(months))

    def share(key: str) -> list[float]:
        return [
            (m.figures[key] * 100) if m.figures[key] is not None else float("nan") for m in months
        ]

    axes.plot(xs, share("coverage"), marker="o", color="#2171b5", label="督导覆盖率")
    axes.plot(xs, share("rectification_rate"), marker="s", color="#d94801", label="整改率")
    axes.set_ylim(0, 105)
    axes.yaxis.set_major_formatter(PercentFormatter(100))
    axes.set_xticks(list(xs), labels)
    visits = axes.twinx()
    visits.bar(xs, [m.figures["visits"] for m in months], color="#bdbdbd", alpha=0.5, width=0.5)
    visits.set_ylabel("督导次数", fontproperties=FONT)
    visits.yaxis.set_major_locator(MaxNLocator(integer=True))
    visits.set_zorder(axes.get_zorder() - 1)
    axes.patch.set_visible(False)
    figure.legend(prop=FONT, loc="outside lower center", ncols=2, frameon=False)
    axes.set_title(title, fontproperties=TITLE_FONT)
    _label_ticks(axes.get_xticklabels() + axes.get_yticklabels() + visits.get_yticklabels())
    return _png(figure)


def problems(figures: UnitFigures, title: str) -> bytes:
    """Horizontal stacked bars: problems found in the month by item and severity."""
    rows = problems_by_item(figures)
    figure = _figure(6.4, 1.5 + 0.42 * len(rows))
    axes = figure.add_subplot()
    names = ["\n".join(textwrap.wrap(item_title(item), 12)) for item, _ in reversed(rows)]
    left = [0] * len(rows)
    for severity in SEVERITIES:
        counts = [by.get(severity, 0) for _, by in reversed(rows)]
        if not any(counts):
            continue
        axes.barh(
            names,
            counts,
            left=left,
            color=SEVERITY_COLOURS[severity],
            label=SEVERITY_TITLES[severity],
        )
        left = [a + b for a, b in zip(left, counts, strict=True)]
    axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    axes.set_xlabel("问题数（个）", fontproperties=FONT)
    figure.legend(prop=FONT, loc="outside lower center", ncols=4, frameon=False)
    axes.set_title(title, fontproperties=TITLE_FONT)
    _label_ticks(axes.get_xticklabels() + axes.get_yticklabels())
    axes.spines[["top", "right"]].set_visible(False)
    return _png(figure)


def rectification(figures: UnitFigures, title: str) -> bytes:
    """Horizontal bars per item: the issues to rectify in the month (open at its start,
    opened, reopened; grey), the closures on time and late over them, and the rate."""
    rows = list(reversed(rectification_by_item(figures)))
    figure = _figure(6.4, 1.5 + 0.42 * len(rows))
    axes = figure.add_subplot()
    names = ["\n".join(textwrap.wrap(item_title(item), 12)) for item, _ in rows]
    work = [r["open_at_start"] + r["opened"] + r["reopened"] for _, r in rows]
    on_time = [r["closed_on_time"] for _, r in rows]
    late = [r["closed"] - r["closed_on_time"] for _, r in rows]
    axes.barh(names, work, color="#d9d9d9", label="应整改", height=0.7)
    axes.barh(names, on_time, color="#41ab5d", label="按期销号", height=0.45)
    axes.barh(names, late, left=on_time, color="#fd8d3c", label="逾期销号", height=0.45)
    for y, (total, (_, r)) in enumerate(zip(work, rows, strict=True)):
        rate = "—" if r["rate"] is None else f"{r['rate'] * 100:.0f}%"
        axes.text(total, y, f" {rate}", va="center", fontproperties=FONT)
    axes.set_xlim(0, max(work, default=1) * 1.18 + 0.2)
    axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    axes.set_xlabel("问题数（个）；右侧为整改率", fontproperties=FONT)
    figure.legend(prop=FONT, loc="outside lower center", ncols=3, frameon=False)
    axes.set_title(title, fontproperties=TITLE_FONT)
    _label_ticks(axes.get_xticklabels() + axes.get_yticklabels())
    axes.spines[["top", "right"]].set_visible(False)
    return _png(figure)
