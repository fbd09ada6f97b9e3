"""The operating report to the regulator (clause 四.4), from `regulator_report()`, as PDF
and DOCX (the officers edit the DOCX before sending). Data in, bytes out, with the shared
formatting of report_documents.py; always in Chinese (export_jobs.export_language)."""

import io

from django.utils.translation import gettext as _

from ..models import Case, ReviewFinding
from ..trust.audit_head import head_text
from .period_status import as_of_text
from .report_documents import (
    TASK_COLUMNS,
    Progress,
    case_list_rows,
    choice_label,
    data_tz,
    exception_rows,
    letter_basis,
    minutes,
    percent,
    progress_step,
    rectification_rows,
    render_pdf,
    signer,
    task_columns,
    when,
    zone_note,
)


def regulator_title(report: dict) -> str:
    return _("%(platform)s运营报告") % {"platform": report["platform"]["name"]}


def regulator_context(report: dict) -> dict:
    service, security = report["service"], report["security"]

    def tasks(rows):
        return [{**r, "rate_text": percent(r.get("rate"))} for r in rows]

    def with_text(figures):
        verdict = _("超过承诺上限") if figures["breached"] else (_("达标") if figures["count"] and figures["limit"]
                                                              else "—")
        return {**figures, "average_text": minutes(figures["average"]), "p90_text": minutes(figures["p90"]),
                "verdict": verdict}

    period = report["period"]
    tz = data_tz(report)
    columns = task_columns(period, service["tasks"])
    return {
        "r": report, "title": regulator_title(report), "platform": report["platform"], "letter": report["letter"],
        "start": period["start"], "end": period["end"], "generated_at": when(report["generated_at"], tz),
        "zone_note": zone_note(tz), "case_list": case_list_rows(service.get("case_list", []), tz),
        "basis": letter_basis(report.get("versions", [])), "as_of": as_of_text(period, tz),
        "running": bool(period.get("running")), "columns": columns,
        "show_pending": len(columns) > len(TASK_COLUMNS),
        "audit_head": head_text(report.get("audit_head")),
        "tasks": tasks(service["tasks"]), "tasks_total": {**service["tasks_total"],
                                                          "rate_text": percent(service["tasks_total"]["rate"])},
        "complaints": service["complaints"],
        "response_months": [with_text(m) for m in service["response_times"]["months"]],
        "response_overall": with_text(service["response_times"]["overall"]),
        "security_tasks": tasks(security["tasks"]),
        "security_total": {**security["tasks_total"], "rate_text": percent(security["tasks_total"]["rate"])},
        "pending_note": pending_note(service["tasks_total"]) if period.get("running") else "",
        "security_cases": [{**c, "severity_rows": [(str(label), c["severity"].get(value, 0))
                                                   for value, label in Case.Severity.choices]}
                           for c in security["cases"]],
        "reviews": [{
            **rv, "closed_text": when(rv["closed_at"], tz),
            "exceptions": exception_rows(rv["exceptions"], tz),
            "signers": "、".join(signer(s) for s in rv.get("signatures", [])),
            "findings": [{**f, "severity_label": choice_label(ReviewFinding.Severity, f["severity"])}
                         for f in rv["findings"]],
            "rectifications": rectification_rows(rv["rectifications"]),
        } for rv in report["self_check"]["reviews"]],
    }


def pending_note(total: dict) -> str:
    """What the figures of a running period are not yet."""
    return _("期间未结束:应办含按计划尚未生成的任务 %(pending)d 项;完成率只计已判定的任务,不是本期的最终结果。") % {
        "pending": total.get("pending", 0)}


def regulator_pdf(report: dict, progress: Progress = None) -> bytes:
    return render_pdf("obligations/reports/regulator.html", regulator_context(report), progress)


def _docx_page(document) -> None:
    """A4 portrait with the margins of an official document (GB/T 9704: 37 mm top, 28 mm left)."""
    from docx.shared import Mm

    for section in document.sections:
        section.page_width, section.page_height = Mm(210), Mm(297)
        section.top_margin, section.bottom_margin = Mm(37), Mm(35)
        section.left_margin, section.right_margin = Mm(28), Mm(26)


def _docx_fonts(document) -> None:
    """Chinese office fonts for the text people edit: 宋体 for the body, 黑体 for headings; the
    styles' language zh-CN, so Word checks and breaks the text as Chinese."""
    from docx.oxml.ns import qn
    from docx.shared import Pt

    for name, east_asian, size in (("Normal", "宋体", 11), ("Title", "黑体", 20), ("Heading 1", "黑体", 15),
                                   ("Heading 2", "黑体", 13), ("Table Grid", "宋体", None)):
        style = document.styles[name]
        style.font.name = "Times New Roman"
        if size:
            style.font.size = Pt(size)
        rpr = style.element.get_or_add_rPr()
        rfonts = rpr.find(qn("w:rFonts"))
        if rfonts is None:
            rfonts = rpr.makeelement(qn("w:rFonts"), {})
            rpr.append(rfonts)
        rfonts.set(qn("w:eastAsia"), east_asian)
        lang = rpr.find(qn("w:lang"))
        if lang is None:
            lang = rpr.makeelement(qn("w:lang"), {})
            rpr.append(lang)
        for attribute in ("w:val", "w:eastAsia"):
            lang.set(qn(attribute), "zh-CN")


def _docx_table(document, header: list, rows: list[list]):
    table = document.add_table(rows=1, cols=len(header))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, header, strict=True):
        cell.text = str(text)
        for run in cell.paragraphs[0].runs:
            run.bold = True
    for row in rows:
        cells = table.add_row().cells
        for cell, value in zip(cells, row, strict=True):
            cell.text = "" if value is None else str(value)
    return table


def regulator_docx(report: dict, progress: Progress = None) -> bytes:
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    c = regulator_context(report)
    doc = Document()
    _docx_page(doc)
    _docx_fonts(doc)
    doc.add_heading(c["title"], level=0).alignment = WD_ALIGN_PARAGRAPH.CENTER
    doc.add_paragraph(_("报告期:%(start)s 至 %(end)s") % {"start": c["start"], "end": c["end"]}) \
        .alignment = WD_ALIGN_PARAGRAPH.CENTER
    doc.add_paragraph(c["zone_note"]).alignment = WD_ALIGN_PARAGRAPH.CENTER
    if c["as_of"]:
        doc.add_paragraph(c["as_of"]).alignment = WD_ALIGN_PARAGRAPH.CENTER
    doc.add_paragraph(_("主管部门:"))
    if c["letter"]:
        doc.add_paragraph(_("根据《%(letter)s》第四.4条的承诺,现将本平台报告期内的服务数据、安全状况及合规自查结果报告如下。")
                          % {"letter": c["letter"]["title"]})
    if c["basis"]:
        doc.add_paragraph(c["basis"] + _("(各项条款、义务与承诺数值均以当时有效的版本为准)。"))
    progress_step(progress, 20)

    doc.add_heading(_("一、服务数据"), level=1)
    doc.add_heading(_("(一)义务履行情况"), level=2)
    columns = c["columns"]
    _docx_table(doc, [_("条款"), _("义务"), *[label for _n, label in columns], _("完成率")],
                [[t["clause"], t["title"], *[t[n] for n, _l in columns], t["rate_text"]] for t in c["tasks"]]
                + [["", _("合计"), *[c["tasks_total"][n] for n, _l in columns], c["tasks_total"]["rate_text"]]])
    if c["running"]:
        doc.add_paragraph(pending_note(c["tasks_total"]))
    doc.add_heading(_("(二)投诉举报处理"), level=2)
    k = c["complaints"]
    doc.add_paragraph(_("报告期内受理投诉举报 %(received)d 件,按时响应 %(responded)d 件,按时给出处理意见 %(decided)d 件,"
                        "尚未办结 %(open)d 件。") % {"received": k["received"], "responded": k["responded_in_time"],
                                                 "decided": k["decided_in_time"], "open": k["open"]})
    o = c["response_overall"]
    if o["count"]:
        text = (_("平均响应时长 %(average)s 分钟(90%% 在 %(p90)s 分钟内),承诺上限 %(limit)s 分钟。")
                % {"average": o["average_text"], "p90": o["p90_text"], "limit": o["limit"] or "—"})
        doc.add_paragraph(text + (" " + _("超过承诺上限。") if o["breached"] else ""))
    else:
        doc.add_paragraph(_("报告期内没有投诉响应记录。"))
    _docx_table(doc, [_("月份"), _("件数"), _("平均(分钟)"), _("P90(分钟)"), _("承诺上限(分钟)"), _("评价")],
                [[m["month"], m["count"], m["average_text"], m["p90_text"], m["limit"] or "—", m["verdict"]]
                 for m in c["response_months"]])
    doc.add_heading(_("(三)案件清单"), level=2)
    _docx_table(doc, [_("编号"), _("类型"), _("受理时间"), _("响应时间"), _("处理意见时间"), _("状态")],
                [[k["number"], k["kind_label"], k["received_text"], k["responded_text"] or "—",
                  k["decided_text"] or "—", k["state_label"] + (" " + _("超时") if k["late"] else "")]
                 for k in c["case_list"]] or [[_("期间没有受理案件。"), "", "", "", "", ""]])
    progress_step(progress, 50)

    doc.add_heading(_("二、安全状况"), level=1)
    doc.add_heading(_("(一)安全检查与评估"), level=2)
    _docx_table(doc, [_("条款"), _("义务"), *[label for _n, label in columns], _("完成率")],
                [[t["clause"], t["title"], *[t[n] for n, _l in columns], t["rate_text"]]
                 for t in c["security_tasks"]])
    doc.add_heading(_("(二)突发事件与发现问题"), level=2)
    for case in c["security_cases"]:
        doc.add_paragraph(_("%(label)s:受理 %(received)d 件(%(severity)s),已办结 %(closed)d 件,处理中 %(open)d 件。")
                          % {"label": case["label"], "received": case["received"], "closed": case["closed"],
                             "open": case["open"],
                             "severity": "、".join(f"{label} {n}" for label, n in case["severity_rows"])})
        if case["steps"]:
            _docx_table(doc, [_("时限"), _("总数"), _("按时完成"), _("逾期完成"), _("未完成"), _("豁免"), _("进行中")],
                        [[s["label"], s["due"], s["done"], s["done_late"], s["missed"], s["waived"], s["open"]]
                         for s in case["steps"]])
    progress_step(progress, 70)

    doc.add_heading(_("三、合规自查结果"), level=1)
    if not c["reviews"]:
        doc.add_paragraph(_("报告期内没有已签署关闭的季度审查。"))
    for rv in c["reviews"]:
        doc.add_heading(_("%(label)s 季度审查(%(closed)s 签署关闭)") % {"label": rv["label"], "closed": rv["closed_text"]},
                        level=2)
        doc.add_paragraph(_("封签(%(algorithm)s):%(seal)s") % {"algorithm": rv["seal_name"], "seal": rv["seal"]})
        doc.add_paragraph(rv["seal_note"])
        if rv["signers"]:
            doc.add_paragraph(_("签署成员:%(signers)s") % {"signers": rv["signers"]})
        if rv["exceptions"]:
            doc.add_paragraph(_("异常说明"), style="Heading 3")
            _docx_table(doc, [_("条款"), _("任务"), _("类型"), _("到期时间"), _("说明")],
                        [[e["clause"], e["title"], e["kind_label"], e["due_text"], e.get("explanation") or _("(未说明)")]
                         for e in rv["exceptions"]])
        doc.add_paragraph(_("风险排查结果"), style="Heading 3")
        for f in rv["findings"]:
            doc.add_paragraph(f"[{f['severity_label']}] {f['text']}", style="List Bullet")
        if not rv["findings"]:
            doc.add_paragraph(_("未发现风险。"))
        doc.add_paragraph(_("整改措施"), style="Heading 3")
        if rv["rectifications"]:
            _docx_table(doc, [_("整改措施"), _("责任人"), _("整改期限"), _("状态")],
                        [[x["title"], x["owner"], x["due_date"], x["state_label"]] for x in rv["rectifications"]])
        else:
            doc.add_paragraph(_("无。"))
    doc.add_paragraph()
    doc.add_paragraph(_("报送单位:%(platform)s") % {"platform": c["platform"]["name"]})
    doc.add_paragraph(_("法定代表人签字:") + "_" * 16)
    doc.add_paragraph(_("单位盖章:") + "_" * 16)
    doc.add_paragraph(_("日期:") + "        " + _("年") + "    " + _("月") + "    " + _("日"))
    doc.add_paragraph(_("(本报告由 Pledge 于 %(at)s 生成,报送前请核对并补充。)") % {"at": c["generated_at"]})
    if c["audit_head"]:
        doc.add_paragraph(_("生成时审计链链头(记录数:哈希):%(head)s") % {"head": c["audit_head"]})
    out = io.BytesIO()
    doc.save(out)
    progress_step(progress, 90)
    return out.getvalue()

