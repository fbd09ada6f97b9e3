"""The dashboard's repeated parts, built in Python with format_html: the SVG heat map and
trend (no chart library, nothing from a CDN), the per-clause rows and the task lines.

One call per part, not a template (or an inclusion tag) per cell: the page renders in a
few milliseconds. Each figure that counts rows links to the drill-down that lists them
and carries the count in data-count, so a test can follow every link and compare.
"""

from datetime import date

from django import template
from django.utils.html import format_html, format_html_join
from django.utils.http import urlencode
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from ..oversight.dashboard import stamp, weekday
from ..schedule.periods import month_end_date

register = template.Library()

# Completion-rate bands: a colour and a pattern each, so colour is not the only cue.
NONE, PENDING = "none", "pending"
BANDS = (  # (lowest rate, key, label)
    (0.95, "b4", "≥95%"),
    (0.8, "b3", "80–95%"),
    (0.5, "b2", "50–80%"),
    (0.0, "b1", "<50%"),
)
PATTERNS = mark_safe(
    '<defs>'
    '<pattern id="hm-b4" width="4" height="4" patternUnits="userSpaceOnUse">'
    '<rect width="4" height="4" fill="#198754"/></pattern>'
    '<pattern id="hm-b3" width="4" height="4" patternUnits="userSpaceOnUse">'
    '<rect width="4" height="4" fill="#75b798"/><circle cx="2" cy="2" r="0.9" fill="#fff"/></pattern>'
    '<pattern id="hm-b2" width="4" height="4" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">'
    '<rect width="4" height="4" fill="#ffc107"/><rect width="1.2" height="4" fill="#664d03"/></pattern>'
    '<pattern id="hm-b1" width="4" height="4" patternUnits="userSpaceOnUse">'
    '<rect width="4" height="4" fill="#dc3545"/><path d="M0 0L4 4M4 0L0 4" stroke="#fff" stroke-width="0.8"/>'
    '</pattern>'
    '<pattern id="hm-pending" width="4" height="4" patternUnits="userSpaceOnUse">'
    '<rect width="4" height="4" fill="#cfe2ff"/></pattern>'
    '<pattern id="hm-none" width="4" height="4" patternUnits="userSpaceOnUse">'
    '<rect width="4" height="4" fill="#ebedf0"/></pattern>'
    '</defs>')


def band(rate, due) -> str:
    if not due:
        return NONE
    if rate is None:
        return PENDING  # due, nothing decided yet
    return next(key for low, key, _label in BANDS if rate >= low)


def colour(rate, due):
    """The band's main colour (kept for callers that only need a colour)."""
    return {"none": "#ebedf0", "pending": "#cfe2ff", "b4": "#198754", "b3": "#75b798", "b2": "#ffc107",
            "b1": "#dc3545"}[band(rate, due)]


def _pct(rate):
    return None if rate is None else round(rate * 100)


def _drill(list_url, first, last):
    return f"{list_url}?{urlencode({'date_from': first.isoformat(), 'date_to': last.isoformat()})}"


def _cell_text(cell):
    if not cell.due:
        return _("无任务")
    text = _("应完成 %(due)d,已完成 %(done)d,未完成 %(missed)d") % {
        "due": cell.due, "done": cell.done, "missed": cell.missed}
    pct = _pct(cell.rate)
    return text + (_(",完成率 %(pct)d%%") % {"pct": pct} if pct is not None else _(",尚无已判定"))


def _month_label(d, now, tz):
    """"11月", with the year where it is not the current one or where the year turns."""
    if d.year != now.astimezone(tz).year or d.month == 1:
        return _("%(y)d年%(m)d月") % {"y": d.year, "m": d.month}
    return _("%(m)d月") % {"m": d.month}


@register.simple_tag
def heatmap_svg(page, size=14, gap=3):
    """The last 90 days, a column per week (Monday on top): weekday labels on the left,
    month marks on top, each day's figures in its title, and a legend of colour and pattern."""
    cells, tz, now, list_url = page.heatmap, page.platform.tz, page.now, page.list_url
    step, left, top = size + gap, 26, 16
    offset = cells[0].day.weekday() if cells else 0
    columns = (len(cells) + offset + 6) // 7
    width, height = left + columns * step, top + 7 * step
    today = now.astimezone(tz).date()
    squares, marks = [], []
    last_mark = -10
    for i, cell in enumerate(cells):
        column, row = divmod(i + offset, 7)
        x, y = left + column * step, top + row * step
        key = band(cell.rate, cell.due)
        label = f"{stamp(cell.day, tz, now)} {weekday(cell.day)}:{_cell_text(cell)}"
        outline = ' stroke="#212529" stroke-width="1.5"' if cell.day == today else ""
        if cell.due:
            squares.append(format_html(
                '<a href="{}" data-day="{}" data-due="{}" data-done="{}" data-missed="{}" data-count="{}" '
                'data-figure="heat" aria-label="{}"><title>{}</title>'
                '<rect x="{}" y="{}" width="{}" height="{}" rx="2" fill="url(#hm-{})" class="heat-{}"{}/></a>',
                _drill(list_url, cell.day, cell.day), cell.day.isoformat(), cell.due, cell.done, cell.missed,
                cell.due, label, label, x, y, size, size, key, key, mark_safe(outline)))
        else:
            squares.append(format_html(
                '<rect x="{}" y="{}" width="{}" height="{}" rx="2" fill="url(#hm-none)" class="heat-none" '
                'data-day="{}" data-due="0"{}><title>{}</title></rect>',
                x, y, size, size, cell.day.isoformat(), mark_safe(outline), label))
        # A mark above the column where a month begins, and above the first column when
        # three weeks of its month remain (else the mark would run into the next month's).
        starts = cell.day.day == 1 or (i == 0 and (month_end_date(cell.day) - cell.day).days >= 20)
        if starts and column - last_mark >= 3:
            marks.append((x, _month_label(cell.day, now, tz)))
            last_mark = column
    days = format_html_join("", '<text x="0" y="{}" font-size="9" dominant-baseline="middle">{}</text>',
                            ((top + r * step + size / 2, weekday(date(2026, 11, 2 + r))) for r in range(7)))
    months = format_html_join("", '<text x="{}" y="10" font-size="9">{}</text>', marks)
    svg = format_html(
        '<svg class="heatmap" role="img" aria-label="{}" viewBox="0 0 {} {}" width="{}" height="{}" '
        'xmlns="http://www.w3.org/2000/svg">{}{}{}{}</svg>',
        _("近90天完成情况,每格一天"), width, height, width, height, PATTERNS, days, months,
        mark_safe("".join(squares)))
    legend_items = [(NONE, _("无任务")), (PENDING, _("尚无已判定"))] + [(key, label) for _l, key, label in
                                                                     reversed(BANDS)]
    legend = format_html_join(
        "", '<li class="list-inline-item me-2"><svg width="12" height="12" aria-hidden="true">'
            '<rect width="12" height="12" rx="2" fill="url(#hm-{})"/></svg> {}</li>', legend_items)
    return format_html('{}<ul class="list-inline small text-muted mb-0 heatmap-legend" id="heatmap-legend">'
                       '<li class="list-inline-item me-2">{}</li>{}</ul>', svg, _("完成率:"), legend)


@register.simple_tag
def trend_svg(page, width=640, height=190, pad=28):
    """Completion rate per month for twelve months; each month links to its tasks."""
    cells, list_url = page.trend, page.list_url
    bottom = height - pad - 12
    step = (width - 2 * pad) / max(len(cells) - 1, 1)
    points, line = [], []
    for i, cell in enumerate(cells):
        x = round(pad + i * step, 1)
        pct = _pct(cell.rate)
        month = f"{cell.day.year}-{cell.day.month:02d}"
        title = f"{month}:{_cell_text(cell)}"
        dot = ""
        if pct is not None:
            y = round(pad + (1 - cell.rate) * (bottom - pad), 1)
            line.append(f"{x},{y}")
            dot = format_html('<circle cx="{}" cy="{}" r="4" fill="#0d6efd" data-month="{}" data-rate="{}"/>'
                              '<text x="{}" y="{}" font-size="9" text-anchor="middle">{}%</text>',
                              x, y, month, pct, x, y - 7, pct)
        year = ""
        if i == 0 or cell.day.month == 1:
            year = format_html('<text x="{}" y="{}" font-size="9" text-anchor="middle">{}</text>',
                               x, bottom + 26, _("%(y)d年") % {"y": cell.day.year})
        points.append(format_html(
            '<a href="{}" data-month="{}" data-due="{}" data-done="{}" data-missed="{}" data-count="{}" '
            'data-figure="trend"{} aria-label="{}"><title>{}</title>'
            '<rect x="{}" y="{}" width="{}" height="{}" fill="transparent" class="hit"/>{}'
            '<text x="{}" y="{}" font-size="10" text-anchor="middle">{}</text>{}</a>',
            _drill(list_url, cell.day, month_end_date(cell.day)), month, cell.due, cell.done, cell.missed, cell.due,
            format_html(' data-rate="{}"', pct) if pct is not None else "", title, title,
            round(x - step / 2, 1), pad - 12, round(step, 1), bottom - pad + 40, dot,
            x, bottom + 14, _("%(m)d月") % {"m": cell.day.month}, year))
    polyline = format_html('<polyline points="{}" fill="none" stroke="#0d6efd" stroke-width="2"/>',
                           " ".join(line)) if line else ""
    mid = round((pad + bottom) / 2, 1)
    grid = format_html(
        '<line x1="{p}" y1="{t}" x2="{w}" y2="{t}" stroke="#dee2e6"/><text x="0" y="{t}" font-size="10" '
        'dominant-baseline="middle">100%</text>'
        '<line x1="{p}" y1="{m}" x2="{w}" y2="{m}" stroke="#dee2e6"/><text x="0" y="{m}" font-size="10" '
        'dominant-baseline="middle">50%</text>'
        '<line x1="{p}" y1="{b}" x2="{w}" y2="{b}" stroke="#adb5bd"/><text x="0" y="{b}" font-size="10" '
        'dominant-baseline="middle">0%</text>', p=pad, t=pad, m=mid, b=bottom, w=width)
    return format_html(
        '<svg class="trend" role="img" aria-label="{}" viewBox="0 0 {} {}" preserveAspectRatio="xMinYMin meet" '
        'xmlns="http://www.w3.org/2000/svg">{}{}{}</svg>',
        _("近12个月完成率"), width, height, grid, polyline, mark_safe("".join(points)))


FIGURE_STATES = (("due", None), ("done", "done"), ("done_late", "done_late"), ("missed", "missed"),
                 ("open", "open"))


@register.simple_tag
def clause_rows(page):
    """The per-clause table's body: a row per clause, named by its obligations, each
    figure a link to exactly its rows; the rate with what it is of."""
    if not page.rows:
        return format_html('<tr><td colspan="13" class="text-muted">{}</td></tr>', _("本季度尚无任务。"))
    list_url = page.list_url
    out = []
    no_rate = _("尚无已判定的任务(已完成、逾期完成或未完成)")
    for row in page.rows:
        cells = []
        clause = urlencode({"clause": row.number})
        for window in page.windows:
            figures = row.month if window["key"] == "m" else row.quarter
            base = f"{list_url}?{clause}&{window['query']}"
            for name, state in FIGURE_STATES:
                n = getattr(figures, name)
                cells.append(format_html(
                    '<td class="text-end"><a href="{}" data-figure="{}-{}" data-count="{}"{}>{}</a></td>',
                    base + (f"&state={state}" if state else ""), window["key"], name, n,
                    mark_safe(' class="text-danger fw-semibold"') if name == "missed" and n else "", n))
            rate = figures.rate
            if rate is None:
                cells.append(format_html('<td class="text-end text-muted" data-figure="{}-rate" title="{}">—</td>',
                                         window["key"], no_rate))
            else:
                done = figures.done + figures.done_late
                cells.append(format_html(
                    '<td class="text-end" data-figure="{}-rate" title="{}">{}%</td>', window["key"],
                    _("完成 %(done)d ÷ 已判定 %(decided)d") % {"done": done, "decided": figures.decided},
                    round(rate * 100)))
        out.append(format_html(
            '<tr data-clause="{}"><th scope="row" class="clause-name" title="{}">{} '
            '<span class="small text-muted fw-normal">{}</span></th>{}</tr>',
            row.number, row.title, row.number, row.title, mark_safe("".join(cells))))
    return mark_safe("\n".join(out))


@register.simple_tag
def task_lines(lines, empty):
    """The overdue or due-soon list: a line per obligation and day, or per case clock."""
    if not lines:
        return format_html('<li class="list-group-item px-0 text-muted">{}</li>', empty)
    return format_html_join(
        "\n", '<li class="list-group-item px-0 task-line{}" data-day="{}">'
              '<a href="{}"{}>{}</a>{} <span class="text-nowrap text-muted">· {}</span></li>',
        ((" text-danger" if line.late else "", line.day.isoformat(), line.href,
          format_html(' data-figure="line" data-count="{}"', line.count) if line.drill else "",
          line.name, format_html(" <span>{}</span>", line.detail) if line.detail else "", line.when)
         for line in lines))
