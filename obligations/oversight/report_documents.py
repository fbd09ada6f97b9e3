"""The documents people send out of Pledge, made from plain data:

- the quarterly report to management (clause 四.1, 运营情况及风险排查结果), from a review
  snapshot, as PDF and XLSX;
- the operating report to the regulator (clause 四.4), as PDF and DOCX, is written in
  regulator_documents.py with the shared formatting of this module.

Data in, bytes out: no queries. PDFs come from Django templates through WeasyPrint, with
the Noto CJK fonts embedded (subset), so a report reads the same on any machine. Every time
is printed in the platform's local time (the data's "timezone"), and each document says
which (schedule/local_time.py); a workbook's times and figures are real dates and numbers.
"""

import io
from collections import Counter
from collections.abc import Callable
from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo

from django.conf import settings
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ..errors import DomainError
from ..models import Case, Occurrence, ReviewFinding, ReviewSignature
from ..schedule.local_time import naive_local, stamp, zone_name
from ..trust.audit_head import head_text
from ..wording import enumeration
from .exception_list import labelled
from .period_status import as_of_text
from .seal import seal_name, seal_note

Progress = Callable[[int], None] | None

SANS, SERIF = "Noto Sans CJK SC", "Noto Serif CJK SC"
FONT_FILES = (
    (SANS, "normal", "NotoSansCJK-Regular.ttc"),
    (SANS, "bold", "NotoSansCJK-Bold.ttc"),
    (SERIF, "bold", "NotoSerifCJK-Bold.ttc"),
)
TASK_COLUMNS = (
    ("due", gettext_lazy("应办")), ("done", gettext_lazy("按时完成")), ("done_late", gettext_lazy("逾期完成")),
    ("missed", gettext_lazy("未完成")), ("waived", gettext_lazy("豁免")), ("open", gettext_lazy("待办")),
)
PENDING_COLUMN = ("pending", gettext_lazy("尚未生成"))
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def progress_step(progress: Progress, percent: int) -> None:
    """Tell the export job how far the document is (a percentage), when it listens."""
    if progress is not None:
        progress(percent)


# -- shared formatting ---------------------------------------------------------------------

def font_faces() -> list[dict]:
    """The @font-face rules of the PDFs: the installed Noto CJK files, or a clear refusal."""
    folder = Path(settings.PLEDGE_PDF_FONT_DIR)
    faces = []
    for family, weight, name in FONT_FILES:
        path = folder / name
        if not path.is_file():
            raise DomainError(_("生成 PDF 需要中文字体 Noto CJK(Debian 软件包 fonts-noto-cjk),服务器上未找到 %(path)s。")
                              % {"path": path})
        faces.append({"family": family, "weight": weight, "url": path.as_uri()})
    return faces


def data_tz(data: dict):
    """The zone a report's times are printed in: the platform's, named in its data (a
    snapshot sealed before it was stored there: the site's)."""
    return ZoneInfo(data.get("timezone") or settings.TIME_ZONE)


def when(value: str | None, tz) -> str:
    """A stored time (ISO 8601, any offset) as the report prints it: local, to the minute."""
    try:
        return stamp(value, tz)
    except ValueError:
        return value


def zone_note(tz) -> str:
    """The line that says which time every time of the document is."""
    return _("文中时间均为%(zone)s。") % {"zone": zone_name(tz)}


def zoned_header(label, tz) -> str:
    """A workbook column of times names their zone: 到期时间(北京时间)."""
    return _("%(label)s(%(zone)s)") % {"label": label, "zone": zone_name(tz)}


def percent(rate: float | None) -> str:
    return "—" if rate is None else f"{rate * 100:.1f}%"


def minutes(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}"


def _rate(row: dict) -> float | None:
    decided = row["done"] + row["done_late"] + row["missed"]
    return (row["done"] + row["done_late"]) / decided if decided else None


def shows_pending(period: dict, rows: list[dict]) -> bool:
    """Whether the task tables show the tasks the schedule makes due in the period but no
    sweep has raised yet (counted in 应办): while it runs, and after it if any are left."""
    return bool(period.get("running")) or any(row.get("pending") for row in rows)


def task_columns(period: dict, rows: list[dict]) -> tuple:
    """The figures of the task tables, with 尚未生成 when `shows_pending`."""
    return (*TASK_COLUMNS, PENDING_COLUMN) if shows_pending(period, rows) else TASK_COLUMNS


def letter_basis(versions: list[dict]) -> str:
    """The letter versions a report rests on: "依据承诺书第 1 版(2026-07-01 签署)、第 2 版(2026-10-15 起)"."""
    if not versions:
        return ""
    parts = [(_("第 %(version)s 版(%(date)s 签署)") if i == 0 else _("第 %(version)s 版(%(date)s 起)"))
             % {"version": v["version"], "date": v["signed_on"]} for i, v in enumerate(versions)]
    return _("依据承诺书%(versions)s") % {"versions": enumeration(parts)}


def choice_label(choices, value) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return value


def exception_rows(rows: list[dict], tz) -> list[dict]:
    """A review's exceptions with their kind and due time in words (both reports print them)."""
    return [{**row, "due_text": when(row.get("due_at"), tz)} for row in labelled(rows)]


def case_list_rows(rows: list[dict], tz) -> list[dict]:
    """The case register (cases/register.py) in words: kind, state, the three times (both reports print it)."""
    return [{**row, "kind_label": choice_label(Case.Kind, row["kind"]),
             "state_label": choice_label(Case.State, row["state"]),
             **{f"{name}_text": when(row.get(f"{name}_at"), tz) for name in ("received", "responded", "decided")}}
            for row in rows]


def signer(row: dict) -> str:
    """A signer as a signed document names them: full name (post); the username before names were kept."""
    name = row.get("name") or row.get("user", "")
    return f"{name}({row['post']})" if row.get("post") else name


def rectification_rows(rows: list[dict]) -> list[dict]:
    """A review's rectifications with their state in words (both reports print them)."""
    return [{**row, "state_label": _("已完成") if row.get("done") else choice_label(Occurrence.State, row["state"])}
            for row in rows]


def render_pdf(template: str, context: dict, progress: Progress = None) -> bytes:
    """The template as a PDF, its fonts embedded; `progress` hears 20 with the HTML ready, 90 once laid out."""
    # Imported here: Pango and the fonts are loaded only where PDFs are made.
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    faces = font_faces()
    allowed = {face["url"] for face in faces}

    class FontsOnly(URLFetcher):
        """The page fetches its fonts and nothing else (no file, no network)."""

        def fetch(self, url, headers=None):
            if url not in allowed:
                raise ValueError(f"refused to fetch {url}")
            return super().fetch(url, headers)

    html = render_to_string(template, {**context, "fonts": faces})
    progress_step(progress, 20)
    pdf = HTML(string=html, base_url=str(settings.BASE_DIR), url_fetcher=FontsOnly()).write_pdf()
    progress_step(progress, 90)
    return pdf


# -- the quarterly report to management (四.1) ------------------------------------------------

def review_title(snapshot: dict) -> str:
    return _("运营情况及风险排查结果")


def review_context(snapshot: dict) -> dict:
    """The snapshot, shaped for the page and the workbook: labels, rates, totals, local times."""
    tz = data_tz(snapshot)
    period = snapshot["period"]
    obligations = [{"pending": 0, **row, "rate_value": _rate(row), "rate": percent(_rate(row))}
                   for row in snapshot.get("obligations", [])]
    columns = task_columns(period, obligations)
    total = {name: sum(row[name] for row in obligations) for name, _label_ in columns}
    total["rate_value"] = _rate(total)
    total["rate"] = percent(total["rate_value"])
    cases = [{**row, "label": row.get("label") or choice_label(Case.Kind, row["kind"])} for row in snapshot.get("cases", [])]
    response_times = [{
        **row, "average_text": minutes(row.get("average")), "p90_text": minutes(row.get("p90")),
        "breached": row.get("limit") is not None and row.get("average") is not None and row["average"] > row["limit"],
    } for row in snapshot.get("response_times", [])]
    exceptions = exception_rows(snapshot.get("exceptions", []), tz)
    rectifications = rectification_rows(snapshot.get("rectifications", []))
    findings = [{**row, "severity_label": choice_label(ReviewFinding.Severity, row["severity"]),
                 "at_text": when(row["at"], tz)} for row in snapshot.get("findings", [])]
    signatures = [{**row, "decision_label": choice_label(ReviewSignature.Decision, row["decision"]),
                   "signer": signer(row), "at_text": when(row["at"], tz)} for row in snapshot.get("signatures", [])]
    evidence = snapshot.get("evidence", [])
    per_clause = Counter(row["clause"] for row in evidence)
    return {
        "s": snapshot, "title": review_title(snapshot), "platform": snapshot["platform"],
        "letter": snapshot.get("letter") or {}, "period": period, "tz": tz, "zone": zone_name(tz),
        "zone_note": zone_note(tz), "generated_at": when(snapshot.get("generated_at"), tz), "columns": columns,
        "basis": letter_basis(snapshot.get("versions", [])), "as_of": as_of_text(period, tz),
        "show_pending": len(columns) > len(TASK_COLUMNS),
        "obligations": obligations, "total": total, "cases": cases, "response_times": response_times,
        "case_list": case_list_rows(snapshot.get("case_list", []), tz),
        "exceptions": exceptions, "unexplained": sum(1 for e in exceptions if not e.get("explanation")),
        "rectifications": rectifications, "findings": findings, "signatures": signatures,
        "signed": [s for s in signatures if s["decision"] == ReviewSignature.Decision.SIGN],
        "evidence_count": len(evidence), "evidence_bytes": sum(row.get("size", 0) for row in evidence),
        "evidence_per_clause": sorted(per_clause.items()), "seal": snapshot.get("seal", ""),
        "seal_name": seal_name(snapshot), "seal_note": seal_note(snapshot),
        "audit_head": head_text(snapshot.get("audit_head")),
    }


def review_pdf(snapshot: dict, progress: Progress = None) -> bytes:
    return render_pdf("obligations/reports/review.html", review_context(snapshot), progress)


# Cell formats: a time to the minute, a date, a rate, minutes to one decimal.
TIME_FORMAT, DATE_FORMAT, RATE_FORMAT, MINUTES_FORMAT = "yyyy-mm-dd hh:mm", "yyyy-mm-dd", "0.0%", "0.0"


def _sheet(workbook, title: str, header: list, rows: list[list], widths: list[int] | None = None,
           formats: dict[int, str] | None = None):
    """A sheet of one table; `formats` gives number formats by column (0-based) to rows below the header."""
    from openpyxl.styles import Alignment, Font, PatternFill

    sheet = workbook.create_sheet(title)
    sheet.append([str(h) for h in header])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDE5F0")
    for row in rows:
        sheet.append(row)
    for i, width in enumerate(widths or [14] * len(header), start=1):
        sheet.column_dimensions[sheet.cell(row=1, column=i).column_letter].width = width
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            if isinstance(cell.value, str) and len(cell.value) > 30:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
            elif (formats or {}).get(cell.column - 1) and cell.value not in (None, ""):
                cell.number_format = formats[cell.column - 1]
    sheet.freeze_panes = "A2"
    return sheet


def _save_workbook(workbook) -> bytes:
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _minutes(value):
    return None if value is None else round(value, 1)


def review_xlsx(snapshot: dict, progress: Progress = None) -> bytes:
    """One sheet per part of the report. Times are local date-times (the header names the zone),
    rates percentage-formatted numbers, minutes numbers to one decimal."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    c = review_context(snapshot)
    tz = c["tz"]

    def t(value):
        return naive_local(value, tz)

    book = Workbook()
    summary = book.active
    summary.title = _("概况")
    for row in ((c["title"],), (_("平台"), c["platform"]["name"]),
                (_("承诺书"), f'{c["letter"].get("title", "")} v{c["letter"].get("version", "")}'),
                (_("审查季度"), c["period"]["label"]),
                (_("期间"), date.fromisoformat(c["period"]["start"]), date.fromisoformat(c["period"]["end"])),
                (zoned_header(_("生成时间"), tz), t(snapshot.get("generated_at"))), (_("封签(%(algorithm)s)") % {"algorithm": c["seal_name"]}, c["seal"]),
                (_("时区"), c["zone"]), (_("审计链链头"), c["audit_head"])):
        summary.append(row)
    for label, text in ((_("依据"), c["basis"]), (_("期间状态"), c["as_of"])):
        if text:
            summary.append((label, text))
    summary["A1"].font = Font(bold=True, size=14)
    summary["B5"].number_format = summary["C5"].number_format = DATE_FORMAT
    summary["B6"].number_format = TIME_FORMAT
    summary.column_dimensions["A"].width, summary.column_dimensions["B"].width = 22, 70
    parts = [
        (_("义务履行"), [_("条款"), _("义务"), *[label for _n, label in c["columns"]], _("完成率")],
         [[r["clause"], r["title"], *[r[k] for k, _l in c["columns"]], r["rate_value"]] for r in c["obligations"]]
         + [["", _("合计"), *[c["total"][k] for k, _l in c["columns"]], c["total"]["rate_value"]]],
         [8, 40, 8, 10, 10, 8, 8, 8, 10, 10], {len(c["columns"]) + 2: RATE_FORMAT}),
        (_("案件处理"), [_("类型"), _("受理"), _("按时响应"), _("按时处理"), _("未办结")],
         [[r["label"], r["received"], r["responded_in_time"], r["decided_in_time"], r["open"]] for r in c["cases"]],
         [14, 10, 10, 10, 10], None),
        (_("案件清单"), [_("编号"), _("类型"), zoned_header(_("受理时间"), tz), zoned_header(_("响应时间"), tz),
                        zoned_header(_("处理意见时间"), tz), _("状态")],
         [[r["number"], r["kind_label"], t(r["received_at"]), t(r.get("responded_at")), t(r.get("decided_at")),
           r["state_label"]] for r in c["case_list"]],
         [18, 12, 24, 24, 24, 10], {2: TIME_FORMAT, 3: TIME_FORMAT, 4: TIME_FORMAT}),
        (_("响应时长"), [_("月份"), _("件数"), _("平均(分钟)"), _("P90(分钟)"), _("承诺上限(分钟)"), _("是否超标")],
         [[r["month"], r["count"], _minutes(r.get("average")), _minutes(r.get("p90")), r.get("limit"),
           _("超标") if r["breached"] else ""] for r in c["response_times"]],
         [10, 8, 12, 12, 14, 10], {2: MINUTES_FORMAT, 3: MINUTES_FORMAT}),
        (_("异常说明"), [_("条款"), _("任务"), _("类型"), zoned_header(_("到期时间"), tz), _("案件"), _("说明"),
                        _("说明人")],
         [[r["clause"], r["title"], r["kind_label"], t(r.get("due_at")), r.get("case") or "",
           r.get("explanation") or _("(未说明)"), r.get("explained_by") or ""] for r in c["exceptions"]],
         [8, 24, 10, 24, 16, 50, 10], {3: TIME_FORMAT}),
        (_("整改措施"), [_("整改措施"), _("责任人"), _("整改期限"), _("状态"), _("来源")],
         [[r["title"], r["owner"], date.fromisoformat(r["due_date"]), r["state_label"], r.get("from_review", "")]
          for r in c["rectifications"]], [40, 10, 12, 10, 10], {2: DATE_FORMAT}),
        (_("风险排查结果"), [_("风险排查结果"), _("严重程度"), _("提出人"), zoned_header(_("时间"), tz)],
         [[r["text"], r["severity_label"], r["author"], t(r["at"])] for r in c["findings"]], [60, 10, 10, 24],
         {3: TIME_FORMAT}),
        (_("佐证材料"), [_("条款"), _("任务"), _("文件"), "SHA-256", _("大小(字节)"), _("上传人"),
                        zoned_header(_("上传时间"), tz), _("留存至")],
         [[r["clause"], r["task"], r["file"], r["sha256"], r.get("size"), r.get("uploader", ""),
           t(r.get("uploaded_at")), date.fromisoformat(r["keep_until"]) if r.get("keep_until") else None]
          for r in snapshot.get("evidence", [])],
         [8, 24, 30, 66, 12, 10, 24, 12], {6: TIME_FORMAT, 7: DATE_FORMAT}),
        (_("签署"), [_("成员"), _("姓名"), _("职务"), _("决定"), _("理由"), zoned_header(_("时间"), tz)],
         [[r["user"], r.get("name") or r["user"], r.get("post", ""), r["decision_label"], r.get("reason", ""),
           t(r["at"])] for r in c["signatures"]]
         + [[], [_("封签(%(algorithm)s)") % {"algorithm": c["seal_name"]}, c["seal"]], [c["seal_note"]]], [12, 12, 16, 12, 50, 24], {5: TIME_FORMAT}),
    ]
    for i, (title, header, rows, widths, formats) in enumerate(parts, start=1):
        _sheet(book, title, header, rows, widths, formats)
        progress_step(progress, 10 + 80 * i // len(parts))
    return _save_workbook(book)
