"""The built-in template: 线上服务平台规范运营承诺书 第(1)篇, from the seed.

Each blank is a named, typed field (`BLANKS`); `CLAUSES` holds the text with the blanks
as {placeholders}; `obligation_specs(values)` turns filled values into the obligations
the clauses demand. Section 二 and most of 一 yield no schedule but stay in the letter.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

TEMPLATE_KEY = "platform-operation-1"
TEMPLATE_TITLE = "线上服务平台规范运营承诺书"


@dataclass(frozen=True)
class Blank:
    name: str
    label: str
    kind: str  # "int", "text", "choice", "date"
    min: int | None = None
    max: int | None = None
    default: object = None
    choices: tuple = ()
    help: str = ""


REPORT_PERIODS = (
    ("monthly", _("每月")),
    ("quarterly", _("每季度")),
    ("halfyear", _("每半年")),
    ("yearly", _("每年")),
)

# Upper bounds keep a slip of the keyboard (2000 checks a day) from becoming a schedule.
BLANKS: tuple[Blank, ...] = (
    Blank("purpose", _("承诺事项(为保证……工作顺利开展)"), "text", default="线上服务平台规范运营"),
    Blank("platform_name", _("平台名称"), "text"),
    Blank("law_prefix", _("法律名称前缀(《……网络安全法》)"), "text", default="中华人民共和国",
          help=_("这是法律名称的一部分,不是计划参数。")),
    Blank("service_objects", _("服务对象类型"), "text"),
    Blank("service_scope", _("服务内容描述"), "text"),
    Blank("checks_per_day", _("每日安全检查次数"), "int", 1, 24),
    Blank("audits_per_month", _("每月合规性审计次数"), "int", 1, 31),
    Blank("audit_retention_years", _("审计记录留存年限"), "int", 1, 30),
    Blank("service_staff", _("专职客服人数"), "int", 1, 100000),
    Blank("response_minutes", _("平均响应时长上限(分钟)"), "int", 1, 1440),
    Blank("trainings_per_quarter", _("每季度员工培训次数"), "int", 1, 90),
    Blank("recovery_hours", _("突发事件恢复时限(小时)"), "int", 1, 720, default=24,
          help=_("应急预案中设定的恢复时限。")),
    Blank("assessments_per_month", _("每月第三方安全评估次数"), "int", 1, 31),
    Blank("lead_department", _("监督小组牵头部门"), "text"),
    Blank("compliance_role", _("合规负责人岗位名称"), "text"),
    Blank("complaint_response_hours", _("投诉举报响应时限(小时)"), "int", 1, 720),
    Blank("regulator_report_period", _("向主管部门报送运营报告的周期"), "choice",
          default="quarterly", choices=REPORT_PERIODS),
    Blank("signer", _("承诺人"), "text"),
    Blank("sign_date", _("签订日期"), "date"),
)

SECTIONS = {"一": "基本事项", "二": "基本准则", "三": "具体行动", "四": "监督机制"}

CLAUSES: tuple[tuple[str, str], ...] = (
    ("一.1", "承诺主体为{platform_name}(平台名称),以下简称“平台”。"),
    ("一.2", "平台依据《{law_prefix}网络安全法》《互联网信息服务管理办法》等相关法律法规,及行业监管要求,开展线上服务。"),
    ("一.3", "平台服务对象为{service_objects}(服务对象类型),服务范围包括{service_scope}(服务内容描述)。"),
    ("一.4", "平台承诺严格遵守本承诺书内容,接受主管部门及社会监督。"),
    ("二.1", "平台坚持合法合规原则,保证所有服务内容符合国家法律法规及政策导向。"),
    ("二.2", "平台遵循公开透明原则,服务规则、收费标准、投诉渠道等信息向用户公示,无隐瞒或虚假陈述。"),
    ("二.3", "平台秉持公平公正原则,保障用户合法权益,不设置歧视性条款或限制性条件。"),
    ("二.4", "平台执行安全第一原则,采取必要技术与管理措施,防范数据泄露、网络攻击等风险。"),
    ("三.1", "平台建立健全用户身份核验机制,采用实名认证、多因素验证等方式,保证用户信息真实有效。"),
    ("三.2", "平台每日开展{checks_per_day}次安全检查,监控系统运行状态,及时发觉并处置异常情况。"),
    ("三.3", "平台每月对服务数据开展{audits_per_month}次合规性审计,核对用户信息、交易记录等关键数据完整性,留存至少{audit_retention_years}年备查。"),
    ("三.4", "平台设立{service_staff}名专职客服人员,7×24小时响应用户咨询、投诉,平均响应时长不超过{response_minutes}分钟。"),
    ("三.5", "平台每季度组织{trainings_per_quarter}次员工培训,内容涵盖法律法规、操作规范、风险防范等,保证从业人员具备相应资质。"),
    ("三.6", "平台制定应急预案,针对系统故障、自然灾害等突发情况,设定启动条件、处置流程及恢复时限。"),
    ("三.7", "平台每月更新隐私政策,明确数据收集目的、使用方式及用户权利,并通过显著渠道通知用户。"),
    ("三.8", "平台每月开展{assessments_per_month}次第三方安全评估,检验平台漏洞修复效果,持续提升防护能力。"),
    ("四.1", "平台设立内部监督小组,由{lead_department}(部门名称)牵头,每季度向管理层汇报运营情况及风险排查结果。"),
    ("四.2", "平台指定{compliance_role}(岗位名称)为合规负责人,负责日常监督及整改落实,保证承诺事项落地执行。"),
    ("四.3", "平台建立用户反馈闭环机制,对投诉举报在{complaint_response_hours}小时内响应,7日内给出处理意见。"),
    ("四.4", "平台定期向主管部门报送运营报告,内容包含服务数据、安全状况、合规自查结果等。"),
)



def blanks_in(text: str) -> list[str]:
    import string

    return [name for _, name, _, _ in string.Formatter().parse(text) if name]


def render(text: str, values: dict) -> str:
    return text.format(**{name: values.get(name, "__________") for name in blanks_in(text)})


@dataclass(frozen=True)
class ObligationSpec:
    key: str
    clause: str
    title: str
    kind: str  # calendar | event | one_time
    responsible_role: str
    evidence_description: str = ""
    evidence_required: bool = True
    period: str = ""
    count: int = 1
    spread: bool = False
    trigger: str = ""
    deadlines: list = field(default_factory=list)
    one_time_days: int | None = None
    retention_years: int = 3
    grace_minutes: int = 0


def obligation_specs(values: dict) -> list[ObligationSpec]:
    """What the filled letter obliges the platform to do, clause by clause."""
    v = values
    keep = 3  # default retention where the letter says nothing (个人信息保护法 第五十六条)
    return [
        ObligationSpec("三.1", "三.1", "建立用户身份核验机制(实名认证、多因素验证)", "one_time", "officer",
                       "核验机制制度文件", one_time_days=30, retention_years=keep),
        ObligationSpec("三.2", "三.2", "安全检查", "calendar", "staff", "安全检查记录",
                       period="daily", count=v["checks_per_day"], spread=True, retention_years=keep,
                       grace_minutes=60),
        ObligationSpec("三.3", "三.3", "服务数据合规性审计", "calendar", "officer", "合规审计报告",
                       period="monthly", count=v["audits_per_month"],
                       retention_years=v["audit_retention_years"], grace_minutes=24 * 60),
        ObligationSpec("三.4", "三.4", f"客服配置确认({v['service_staff']}名专职客服,7×24小时)", "calendar",
                       "officer", "客服排班表", period="monthly", retention_years=keep,
                       grace_minutes=24 * 60),
        ObligationSpec("三.5", "三.5", "员工培训", "calendar", "officer", "培训签到表与课件",
                       period="quarterly", count=v["trainings_per_quarter"], retention_years=keep,
                       grace_minutes=24 * 60),
        ObligationSpec("三.6", "三.6", "制定应急预案(启动条件、处置流程、恢复时限)", "one_time", "officer",
                       "应急预案文件", one_time_days=30, retention_years=keep),
        ObligationSpec("三.6-incident", "三.6", "突发事件恢复", "event", "staff", "处置与恢复记录",
                       trigger="incident",
                       deadlines=[{"step": "recover", "amount": v["recovery_hours"], "unit": "hours"}],
                       retention_years=keep),
        ObligationSpec("三.7", "三.7", "更新隐私政策并通知用户", "calendar", "officer", "隐私政策版本与通知截图",
                       period="monthly", retention_years=keep, grace_minutes=24 * 60),
        ObligationSpec("三.8", "三.8", "第三方安全评估", "calendar", "officer", "第三方评估报告",
                       period="monthly", count=v["assessments_per_month"], retention_years=keep,
                       grace_minutes=24 * 60),
        # Findings of audits and assessments are fixed by a deadline set by severity.
        ObligationSpec("三.8-finding", "三.8", "漏洞与问题整改", "event", "staff", "整改记录与复测结果",
                       trigger="finding",
                       deadlines=[{"step": "fix", "amount": 30, "unit": "days", "tiers": {
                           "serious": {"amount": 5, "unit": "workdays"},
                           "critical": {"amount": 24, "unit": "hours"}}}],
                       retention_years=keep),
        ObligationSpec("四.1", "四.1", f"监督小组({v['lead_department']}牵头)向管理层汇报", "calendar",
                       "supervisor", "季度汇报材料", period="quarterly", retention_years=keep,
                       grace_minutes=7 * 24 * 60),
        ObligationSpec("四.2", "四.2", f"指定{v['compliance_role']}为合规负责人", "one_time", "officer",
                       "任命文件", one_time_days=7, retention_years=keep),
        # The response note is the record; files may be added but are not required.
        ObligationSpec("四.3", "四.3", "投诉举报处理", "event", "staff", "响应与处理意见记录",
                       evidence_required=False, trigger="complaint",
                       deadlines=[
                           {"step": "respond", "amount": v["complaint_response_hours"], "unit": "hours"},
                           # A serious complaint gets its decision within a day, not a week.
                           {"step": "decide", "amount": 7, "unit": "days",
                            "tiers": {"serious": {"amount": 24, "unit": "hours"},
                                      "critical": {"amount": 24, "unit": "hours"}}},
                       ],
                       retention_years=keep),
        ObligationSpec("四.4", "四.4", "向主管部门报送运营报告", "calendar", "officer", "运营报告及报送回执",
                       period=v.get("regulator_report_period") or "quarterly", retention_years=keep,
                       grace_minutes=7 * 24 * 60),
    ]
