"""A bar chart of daily takings as inline SVG: drawn with presentation attributes only (no style
attributes, no script), so the page's Content-Security-Policy allows it."""

from __future__ import annotations

from datetime import date

from markupsafe import Markup, escape

from settlement.domain.money import format_nok
from settlement.domain.text import ntr, show_day, tr

WIDTH, HEIGHT, PAD = 720, 200, 30


def takings_chart(days: list[tuple[date, int]]) -> Markup:
    """One bar per day (øre, negative drawn as zero), with the largest day and the first and last
    dates as labels; a <title> on each bar names its day and amount."""
    if not days:
        return Markup("")
    top = max((amount for _, amount in days), default=0) or 1
    step = (WIDTH - 2 * PAD) / len(days)
    bars = []
    for index, (day, amount) in enumerate(days):
        height = max(0, amount) / top * (HEIGHT - 2 * PAD)
        x = PAD + index * step
        title = f"{show_day(day)}: {format_nok(amount)} kr"
        bars.append(f'<rect class="bar" x="{x:.1f}" y="{HEIGHT - PAD - height:.1f}" width="{max(step - 2, 1):.1f}" '
                    f'height="{height:.1f}"><title>{escape(title)}</title></rect>')
    largest = tr("max {amount} kr", amount=format_nok(top))
    labels = (
        f'<text x="{PAD}" y="{HEIGHT - 8}" class="axis">{show_day(days[0][0])}</text>'
        f'<text x="{WIDTH - PAD}" y="{HEIGHT - 8}" class="axis" text-anchor="end">{show_day(days[-1][0])}</text>'
        f'<text x="{PAD}" y="{PAD - 10}" class="axis">{escape(largest)}</text>'
        f'<line x1="{PAD}" y1="{HEIGHT - PAD}" x2="{WIDTH - PAD}" y2="{HEIGHT - PAD}" class="base"/>'
    )
    caption = ntr("Daily takings, {n} day", "Daily takings, {n} days", len(days))
    return Markup(f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
                  f'aria-label="{escape(caption)}">{"".join(bars)}{labels}</svg>')
