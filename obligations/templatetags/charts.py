"""Server-rendered SVG charts for the dashboard: no chart library, nothing from a CDN."""

from django import template
from django.urls import reverse
from django.utils.http import urlencode

from ..schedule.periods import month_end_date

register = template.Library()


def colour(rate, due):
    if not due:
        return "#ebedf0"
    if rate is None:
        return "#cfe2ff"  # due, nothing decided yet
    if rate >= 0.95:
        return "#198754"
    if rate >= 0.8:
        return "#75b798"
    if rate >= 0.5:
        return "#ffc107"
    return "#dc3545"


def _drill(platform, first, last):
    return reverse("occurrence-list", args=[platform.slug]) + "?" + urlencode(
        {"date_from": first.isoformat(), "date_to": last.isoformat()})


@register.inclusion_tag("obligations/charts/heatmap.html")
def heatmap_svg(cells, platform, size=14, gap=3):
    offset = cells[0].day.weekday() if cells else 0
    squares = []
    for i, cell in enumerate(cells):
        column, row = divmod(i + offset, 7)
        squares.append({
            "x": column * (size + gap), "y": row * (size + gap), "fill": colour(cell.rate, cell.due),
            "cell": cell, "href": _drill(platform, cell.day, cell.day),
            "pct": None if cell.rate is None else round(cell.rate * 100),
        })
    columns = (len(cells) + offset + 6) // 7
    return {"squares": squares, "size": size, "width": columns * (size + gap), "height": 7 * (size + gap)}


@register.inclusion_tag("obligations/charts/trend.html")
def trend_svg(cells, platform, width=640, height=180, pad=28):
    step = (width - 2 * pad) / max(len(cells) - 1, 1)
    points = []
    for i, cell in enumerate(cells):
        x = pad + i * step
        y = None if cell.rate is None else pad + (1 - cell.rate) * (height - 2 * pad)
        points.append({"x": round(x, 1), "y": None if y is None else round(y, 1), "cell": cell,
                       "pct": None if cell.rate is None else round(cell.rate * 100),
                       "href": _drill(platform, cell.day, month_end_date(cell.day))})
    line = " ".join(f"{p['x']},{p['y']}" for p in points if p["y"] is not None)
    return {"points": points, "line": line, "width": width, "height": height, "pad": pad,
            "top": pad, "bottom": height - pad, "mid": height / 2}
