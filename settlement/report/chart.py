"""The day's takings by hour as a small bar chart, drawn with fpdf2's own rectangles and text
(no plotting library: the chart is a dozen bars).

Each bar is one local hour of the business day (from the first to the last hour with a sale);
its height is the hour's takings (sales, shipping, less returns, VAT included). A net negative
hour (more returned than sold) is drawn below the axis. The highest hour's amount is printed, so
the chart can be read without a scale.
"""

from __future__ import annotations

from fpdf import FPDF

from settlement.domain.money import format_nok
from settlement.domain.text import tr


def draw_hours(pdf: FPDF, by_hour: tuple[tuple[int, int], ...], x: float, y: float, width: float, height: float,
               text=str) -> None:
    """Draw the chart in the box (x, y, width, height) in mm; `text` makes a label printable."""
    pdf.set_font(size=6.5)
    if not by_hour:
        pdf.text(x, y + height / 2, text(tr("No sales")))
        return
    top = max(max(amount for _, amount in by_hour), 0)
    bottom = min(min(amount for _, amount in by_hour), 0)
    span = (top - bottom) or 1
    label_room = 3.2  # below the bars: the hours
    plot = height - label_room - 3  # above the bars: the highest amount
    zero_y = y + 3 + plot * top / span
    step = width / len(by_hour)
    bar = step * 0.7
    pdf.set_draw_color(120)
    pdf.set_line_width(0.2)
    pdf.line(x, zero_y, x + width, zero_y)
    for index, (hour, amount) in enumerate(by_hour):
        left = x + index * step + (step - bar) / 2
        size = plot * abs(amount) / span
        pdf.set_fill_color(70, 110, 160) if amount >= 0 else pdf.set_fill_color(190, 80, 60)
        if size > 0:
            pdf.rect(left, zero_y - size if amount >= 0 else zero_y, bar, size, style="F")
        if len(by_hour) <= 12 or index % 2 == 0:
            label = f"{hour:02d}"
            pdf.text(left + bar / 2 - pdf.get_string_width(label) / 2, y + height - 0.6, label)
    best = max(by_hour, key=lambda item: item[1])
    if best[1] > 0:
        label = text(tr("max {amount} at {hour}", amount=format_nok(best[1]), hour=str(best[0]).zfill(2)))
        pdf.text(x + width - pdf.get_string_width(label), y + 2, label)
    pdf.set_fill_color(255)
    pdf.set_draw_color(0)
