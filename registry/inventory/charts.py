"""Geometry for the charts the web UI draws as server-side SVG: plain numbers, so templates only
place shapes and no JavaScript library is needed."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

WIDTH, HEIGHT = 640, 220
LEFT, RIGHT, TOP, BOTTOM = 64, 12, 16, 36


@dataclass(frozen=True)
class Bar:
    month: SpendMonth
    x: float
    y: float
    width: float
    height: float
    label_x: float


@dataclass(frozen=True)
class SpendChart:
    width: int
    height: int
    left: int
    plot_bottom: int
    plot_right: int
    bars: list[Bar]
    budget_y: float | None
    scale_max: Decimal
    ticks: list[tuple[float, Decimal]]


def spend_chart(months: list[SpendMonth], budget: Decimal | None) -> SpendChart:
    """Bars for each month's spend, scaled so that the largest month or the budget (whichever is
    higher) fits with a little headroom; the budget as a horizontal line."""
    values = [m.amount for m in months if m.amount is not None]
    if budget is not None:
        values.append(budget)
    top_value = max(values, default=Decimal(0))
    scale_max = top_value * Decimal("1.1") if top_value > 0 else Decimal(1)
    plot_h = HEIGHT - TOP - BOTTOM
    plot_w = WIDTH - LEFT - RIGHT
    slot = plot_w / max(len(months), 1)
    bar_w = slot * 0.7
    bottom = HEIGHT - BOTTOM

    def y_of(value: Decimal) -> float:
        return round(bottom - float(value / scale_max) * plot_h, 1)

    bars = []
    for i, month in enumerate(months):
        x = LEFT + i * slot + (slot - bar_w) / 2
        amount = month.amount or Decimal(0)
        y = y_of(amount)
        bars.append(
            Bar(
                month=month,
                x=round(x, 1),
                y=y,
                width=round(bar_w, 1),
                height=round(bottom - y, 1),
                label_x=round(x + bar_w / 2, 1),
            )
        )
    ticks = [(y_of(scale_max * Decimal(k) / 4), scale_max * Decimal(k) / 4) for k in range(5)]
    return SpendChart(
        width=WIDTH,
        height=HEIGHT,
        left=LEFT,
        plot_bottom=bottom,
        plot_right=WIDTH - RIGHT,
        bars=bars,
        budget_y=y_of(budget) if budget is not None else None,
        scale_max=scale_max,
        ticks=ticks,
    )


@dataclass
class SpendMonth:
    """One month of a system's spend against its budget, for the spend chart."""

    period: dt.date
    amount: Decimal | None
    budget: Decimal | None

    @property
    def over_budget(self) -> bool:
        return self.amount is not None and self.budget is not None and self.amount > self.budget
