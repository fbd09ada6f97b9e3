"""The dashboard's repeated parts, built in Python: the SVG heat map and trend (no chart
library, nothing from a CDN), the per-clause rows and the task lines.

One call per part, not a template (or an inclusion tag) per cell, so the page renders in
a few milliseconds: the frames are format_html, the cells inside them plain f-strings
whose every text is escaped with `esc` (numbers and ISO dates need none), and the
translated words are looked up once per call, not once per cell.

Each figure that counts rows links to the drill-down that lists them and carries the
count in data-count, so a test can follow every link and compare.
"""

from html import escape as esc
from urllib.parse import quote

from django import template
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from ..oversight.task_lines import weekdays
from ..schedule.periods import month_end_date

register = template.Library()
# The charts are joined from parts each built with format_html or escape(): SafeString marks
# the joined whole, which escaping again would break.

# Completion-rate bands: a colour and a pattern each, so colour is not the only cue.
NONE, PENDING = "none", "pending"
BANDS = (  # (lowest rate, key, label)
    (0.95, "b4", "≥95%"),
    (0.8, "b3", "80–95%"),
    (0.5, "b2", "50–80%"),
    (0.0, "b1", "<50%"),
)
PATTERNS = SafeString(
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


def _pct(rate):
    return None if rate is None else round(rate * 100)


def _drill(list_url, first, last):
    """The drill-down of local days first to last, as an attribute value (& escaped)."""
    return f"{list_url}?date_from={first.isoformat()}&amp;date_to={last.isoformat()}"


class _Words:
    """The translated words of the charts, looked up once per chart."""

    def __init__(self):
        self.none = _("无任务")
        self.figures = _("应完成 %(due)d,已完成 %(done)d,未完成 %(missed)d")
        self.rate = _(",完成率 %(pct)d%%")
        self.undecided = _(",尚无已判定")
        self.month = _("%(m)d月")
        self.year_month = _("%(y)d年%(m)d月")
        self.year = _("%(y)d年")

    def cell(self, cell):
        if not cell.due:
            return self.none
        text = self.figures % {"due": cell.due, "done": cell.done, "missed": cell.missed}
        pct = _pct(cell.rate)
        return text + (self.rate % {"pct": pct} if pct is not None else self.undecided)


@register.simple_tag
def heatmap_svg(page, size=14, gap=3):
    """The last 90 days, a column per week (Monday on top): weekday labels on the left,
    month marks on top, each day's figures in its title, and a legend of colour and pattern."""
    cells, tz, now, list_url = page.heatmap, page.platform.tz, page.now, page.list_url
    words, names = _Words(), weekdays()
    this_year = now.astimezone(tz).year
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
        day = cell.day
        iso = day.isoformat()
        label = esc(f"{iso if day.year != this_year else iso[5:]} {names[row]}:{words.cell(cell)}")
        outline = ' stroke="#212529" stroke-width="1.5"' if day == today else ""
        if cell.due:
            key = band(cell.rate, cell.due)
            squares.append(
                f'<a href="{list_url}?date_from={iso}&amp;date_to={iso}" data-day="{iso}" data-due="{cell.due}" '
                f'data-done="{cell.done}" data-missed="{cell.missed}" data-count="{cell.due}" data-figure="heat" '
                f'aria-label="{label}"><title>{label}</title><rect x="{x}" y="{y}" width="{size}" height="{size}" '
                f'rx="2" fill="url(#hm-{key})" class="heat-{key}"{outline}/></a>')
        else:
            squares.append(
                f'<rect x="{x}" y="{y}" width="{size}" height="{size}" rx="2" fill="url(#hm-none)" '
                f'class="heat-none" data-day="{iso}" data-due="0"{outline}><title>{label}</title></rect>')
        # A mark above the column where a month begins, and above the first column when
        # three weeks of its month remain (else the mark would run into the next month's).
        starts = day.day == 1 or (i == 0 and (month_end_date(day) - day).days >= 20)
        if starts and column - last_mark >= 3:
            text = (words.year_month % {"y": day.year, "m": day.month} if day.year != this_year or day.month == 1
                    else words.month % {"m": day.month})
            marks.append(f'<text x="{x}" y="10" font-size="9">{esc(text)}</text>')
            last_mark = column
    days = "".join(f'<text x="0" y="{top + r * step + size / 2}" font-size="9" dominant-baseline="middle">'
                   f'{esc(name)}</text>' for r, name in enumerate(names))
    svg = format_html(
        '<svg class="heatmap" role="img" aria-label="{}" viewBox="0 0 {} {}" width="{}" height="{}" '
        'xmlns="http://www.w3.org/2000/svg">{}{}{}{}</svg>',
        _("近90天完成情况,每格一天"), width, height, width, height, PATTERNS, SafeString(days),  # nosec B703 - escaped parts
        SafeString("".join(marks)), SafeString("".join(squares)))  # nosec B703 - escaped parts
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
    words = _Words()
    bottom = height - pad - 12
    step = (width - 2 * pad) / max(len(cells) - 1, 1)
    hit_x, hit_y, hit_h = step / 2, pad - 12, bottom - pad + 40
    points, line = [], []
    for i, cell in enumerate(cells):
        x = round(pad + i * step, 1)
        pct = _pct(cell.rate)
        month = f"{cell.day.year}-{cell.day.month:02d}"
        title = esc(f"{month}:{words.cell(cell)}")
        dot = rate = ""
        if pct is not None:
            y = round(pad + (1 - cell.rate) * (bottom - pad), 1)
            line.append(f"{x},{y}")
            rate = f' data-rate="{pct}"'
            dot = (f'<circle cx="{x}" cy="{y}" r="4" fill="#0d6efd" data-month="{month}" data-rate="{pct}"/>'
                   f'<text x="{x}" y="{y - 7}" font-size="9" text-anchor="middle">{pct}%</text>')
        year = ""
        if i == 0 or cell.day.month == 1:
            year = (f'<text x="{x}" y="{bottom + 26}" font-size="9" text-anchor="middle">'
                    f'{esc(words.year % {"y": cell.day.year})}</text>')
        points.append(
            f'<a href="{_drill(list_url, cell.day, month_end_date(cell.day))}" data-month="{month}" '
            f'data-due="{cell.due}" data-done="{cell.done}" data-missed="{cell.missed}" data-count="{cell.due}" '
            f'data-figure="trend"{rate} aria-label="{title}"><title>{title}</title>'
            f'<rect x="{round(x - hit_x, 1)}" y="{hit_y}" width="{round(step, 1)}" height="{hit_h}" '
            f'fill="transparent" class="hit"/>{dot}<text x="{x}" y="{bottom + 14}" font-size="10" '
            f'text-anchor="middle">{esc(words.month % {"m": cell.day.month})}</text>{year}</a>')
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
        _("近12个月完成率"), width, height, grid, polyline, SafeString("".join(points)))  # nosec B703 - escaped parts


FIGURE_STATES = (("done", "&amp;state=done"), ("done_late", "&amp;state=done_late"),
                 ("missed", "&amp;state=missed"), ("open", "&amp;state=open"))


@register.simple_tag
def clause_rows(page):
    """The per-clause table's body: a row per clause, named by its obligations, each
    figure of tasks a link to exactly its rows; what is due by the schedule and what of it
    is not raised yet are figures of their own, with no rows to list yet; the rate with
    what it is of."""
    if not page.rows:
        return format_html('<tr><td colspan="15" class="text-muted">{}</td></tr>', _("本季度尚无任务。"))
    due_of = _("按计划应完成:已生成 %(raised)d + 尚未生成 %(pending)d")
    not_raised = esc(_("按计划在本期内到期、尚未生成的任务(系统提前 14 天生成任务),尚无可列出的任务"))
    list_url = page.list_url
    no_rate = esc(_("尚无已判定的任务(已完成、逾期完成或未完成)"))
    of = _("完成 %(done)d ÷ 已判定 %(decided)d")
    windows = [(w["key"], w["query"].replace("&", "&amp;")) for w in page.windows]
    out = []
    for row in page.rows:
        cells = []
        clause = quote(row.number, safe="")
        for key, query in windows:
            figures = row.month if key == "m" else row.quarter
            base = f"{list_url}?clause={clause}&amp;{query}"
            title = esc(due_of % {"raised": figures.due - figures.pending, "pending": figures.pending})
            cells.append(f'<td class="text-end" data-figure="{key}-due" data-expected="{figures.due}" '
                         f'title="{title}">{figures.due}</td>')
            for name, state in FIGURE_STATES:
                n = getattr(figures, name)
                css = ' class="text-danger fw-semibold"' if name == "missed" and n else ""
                cells.append(f'<td class="text-end"><a href="{base}{state}" data-figure="{key}-{name}" '
                             f'data-count="{n}"{css}>{n}</a></td>')
            cells.append(f'<td class="text-end text-muted" data-figure="{key}-pending" '
                         f'data-pending="{figures.pending}" title="{not_raised}">{figures.pending}</td>')
            rate = figures.rate
            if rate is None:
                cells.append(f'<td class="text-end text-muted" data-figure="{key}-rate" title="{no_rate}">—</td>')
            else:
                title = esc(of % {"done": figures.done + figures.done_late, "decided": figures.decided})
                cells.append(f'<td class="text-end" data-figure="{key}-rate" title="{title}">{round(rate * 100)}%</td>')
        number, title = esc(row.number), esc(row.title)
        out.append(f'<tr data-clause="{number}"><th scope="row" class="clause-name" title="{title}">{number} '
                   f'<span class="small text-muted fw-normal">{title}</span></th>{"".join(cells)}</tr>')
    return SafeString("\n".join(out))  # nosec B703 - escaped parts


@register.simple_tag
def task_lines(lines, empty):
    """The overdue or due-soon list: a line per obligation and day, or per case clock."""
    if not lines:
        return format_html('<li class="list-group-item px-0 text-muted">{}</li>', empty)
    out = []
    for line in lines:
        figure = f' data-figure="line" data-count="{line.count}"' if line.drill else ""
        detail = f" <span>{esc(line.detail)}</span>" if line.detail else ""
        out.append(f'<li class="list-group-item px-0 task-line{" text-danger" if line.late else ""}" '
                   f'data-day="{line.day.isoformat()}"><a href="{esc(line.href)}"{figure}>{esc(line.name)}</a>'
                   f'{detail} <span class="text-nowrap text-muted">· {esc(line.when)}</span></li>')
    return SafeString("\n".join(out))  # nosec B703 - escaped parts
