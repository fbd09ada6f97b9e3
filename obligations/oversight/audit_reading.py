"""The audit trail as people read it: each record a sentence in the reader's language, its
details as labelled fields, its object named by its kind; and the trail as CSV.

ACTIONS maps each action code to a short label (the page's action filter) and a sentence
with named fields, taken from the record's data and from what `_fields` derives from it
(a count, a role's name, the object's label). A code not listed here (an action added
later) still reads as a sentence: the actor did "<code>" to the object. A field a record
lacks (an older record) reads "—". The sentences go through the active language at the
time they are read, so one record reads in Chinese for one reader and in English for another.
"""

import csv
import json
import re
from dataclasses import dataclass

from django.apps import apps
from django.utils import translation
from django.utils.text import Truncator
from django.utils.translation import gettext, ngettext_lazy, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from ..alerts import channels
from ..models import ExportJob, Letter, ReviewFinding, Role
from ..schedule import local_time
from ..trust.membership import member_titles
from ..trust.user_agent import short_agent


@dataclass(frozen=True)
class Action:
    label: str
    sentence: str  # with %(actor)s when someone did it
    alone: str = ""  # the sentence when no one did it (a public form, a sweep), if it differs
    late: str = ""  # occurrence.complete: the sentence when the task was done late
    failed: str = ""  # the sentence when the record carries a failure (robot.test)


ACTIONS = {
    "api_token.create": Action(_("创建接口令牌"), _("%(actor)s 创建了接口令牌“%(name)s”")),
    "api_token.revoke": Action(_("撤销接口令牌"), _("%(actor)s 撤销了接口令牌“%(name)s”")),
    "auth.login": Action(_("登录"), _("%(actor)s 登录")),
    "auth.logout": Action(_("退出登录"), _("%(actor)s 退出登录")),
    "auth.login_failed": Action(_("登录失败"), ngettext_lazy(
        "以用户名“%(user)s”登录失败 %(count)s 次", "以用户名“%(user)s”登录失败 %(count)s 次", "count")),
    "auth.password_change": Action(_("修改密码"), _("用户 %(user)s 的密码已更改")),
    "audit.reanchor": Action(_("重新锚定审计链"), _("审计链已重新锚定(理由:%(reason)s)")),
    "calendar.load": Action(_("载入节假日安排"), _("%(actor)s 载入了 %(years)s 年的法定节假日安排")),
    "case.open": Action(_("受理案件"), _("%(actor)s 受理了案件 %(number)s"), alone=_("收到案件 %(number)s")),
    "case.assign": Action(_("指派案件负责人"), _("%(actor)s 将%(object)s的负责人由 %(from)s 改为 %(to)s")),
    "case.close": Action(_("办结案件"), _("%(actor)s 办结了%(object)s")),
    "clause.add": Action(_("新增条款"), _("%(actor)s 新增了条款 %(number)s")),
    "clause.remove": Action(_("删除条款"), _("%(actor)s 删除了条款 %(number)s(理由:%(reason)s)")),
    "clause.restore": Action(_("恢复条款"), _("%(actor)s 恢复了条款 %(number)s")),
    "clause.update": Action(_("修改条款"), _("%(actor)s 修改了条款 %(number)s")),
    "evidence.add": Action(_("上传佐证"), ngettext_lazy(
        "%(actor)s 为%(object)s上传了 %(count)s 份佐证", "%(actor)s 为%(object)s上传了 %(count)s 份佐证", "count")),
    "evidence.dispose": Action(_("销毁佐证"), ngettext_lazy(
        "%(count)s 份过了保存期限的佐证已销毁", "%(count)s 份过了保存期限的佐证已销毁", "count")),
    "evidence.dispose.approve": Action(_("批准销毁佐证"), ngettext_lazy(
        "%(actor)s 批准销毁 %(count)s 份佐证", "%(actor)s 批准销毁 %(count)s 份佐证", "count")),
    "evidence.mismatch": Action(_("佐证文件不符"), _("%(object)s 的文件与记录的 SHA-256 不符")),
    "export.request": Action(_("申请导出"), _("%(actor)s 申请导出:%(kind)s")),
    "export.retry": Action(_("重试导出"), _("%(actor)s 重试导出:%(kind)s")),
    "letter.adopt": Action(_("承诺书生效"), _(
        "承诺书生效:生成 %(created)s 项任务,豁免 %(waived)s 项,%(missed)s 项记为未完成")),
    "letter.amend": Action(_("起草修订版"), _("%(actor)s 起草了承诺书修订版(第 %(version)s 版)")),
    "letter.create": Action(_("创建承诺书"), _("%(actor)s 创建了承诺书(第 %(version)s 版)")),
    "letter.discard": Action(_("放弃草稿"), _("%(actor)s 放弃了承诺书草稿(第 %(version)s 版)")),
    "letter.fill": Action(_("填写承诺书"), _("%(actor)s 填写了承诺书的空白项")),
    "letter.first_period": Action(_("设定首个周期"), _("%(actor)s 设定了签署时已开始的周期:%(first_period)s")),
    "letter.intake": Action(_("导入承诺书"), _(
        "%(actor)s 导入了平台自己的承诺书(第 %(version)s 版,%(clauses)s 条条款,%(obligations)s 项义务)")),
    "letter.sign": Action(_("签署承诺书"), _("%(actor)s 签署了承诺书(第 %(version)s 版)")),
    "membership.accept": Action(_("接受邀请"), _("%(user)s 接受邀请,以%(role)s身份加入")),
    "membership.invite": Action(_("邀请成员"), _("%(actor)s 邀请 %(email)s 以%(role)s身份加入")),
    "membership.invite_revoke": Action(_("撤回邀请"), _("%(actor)s 撤回了对 %(email)s 的邀请")),
    "membership.name": Action(_("修改姓名与职务"), _("%(actor)s 更新了 %(user)s 的姓名和职务")),
    "membership.remove": Action(_("移除成员"), _("%(actor)s 将 %(user)s 移出了平台")),
    "robot.add": Action(_("添加群机器人"), _("%(actor)s 添加了群机器人“%(name)s”")),
    "robot.change": Action(_("修改群机器人"), _("%(actor)s 修改了群机器人“%(name)s”")),
    "robot.remove": Action(_("删除群机器人"), _("%(actor)s 删除了群机器人“%(name)s”")),
    "robot.test": Action(_("测试群机器人"), _("%(actor)s 向群机器人“%(name)s”发送了测试消息"),
                         failed=_("%(actor)s 向群机器人“%(name)s”发送测试消息失败:%(failure)s")),
    "channels.choose": Action(_("选择通知渠道"), _("%(actor)s 更改了自己的通知渠道")),
    "membership.role": Action(_("更改角色"), _("%(actor)s 将 %(user)s 的角色由%(from)s改为%(to)s")),
    "obligation.assign": Action(_("指定执行人"), _("%(actor)s 将%(object)s指派给 %(assignees)s")),
    "obligation_spec.remove": Action(_("删除义务"), _("%(actor)s 删除了条款 %(number)s 的义务 %(key)s")),
    "obligation_spec.save": Action(_("保存义务"), _("%(actor)s 保存了条款 %(number)s 的义务 %(key)s")),
    "occurrence.complete": Action(_("完成任务"), _("%(actor)s 完成了%(object)s"),
                                  late=_("%(actor)s 完成了%(object)s(逾期)")),
    "occurrence.reopen": Action(_("重新打开任务"), _("%(actor)s 重新打开了%(object)s(理由:%(reason)s)")),
    "occurrence.waive": Action(_("豁免任务"), _("%(actor)s 豁免了%(object)s(理由:%(reason)s)")),
    "occurrences.waive": Action(_("批量豁免任务"), ngettext_lazy(
        "%(actor)s 豁免了 %(count)s 项不适用的任务", "%(actor)s 豁免了 %(count)s 项不适用的任务", "count")),
    "platform.create": Action(_("新建平台"), _("%(actor)s 新建了平台“%(name)s”")),
    "retention.list": Action(_("列入待销毁"), ngettext_lazy(
        "%(count)s 份佐证已过保存期限,列入待销毁清单", "%(count)s 份佐证已过保存期限,列入待销毁清单", "count")),
    "review.close": Action(_("审查关闭"), _("%(object)s 已签署关闭,封签 %(seal)s")),
    "review.explain": Action(_("说明异常"), _("%(actor)s 说明了任务 #%(occurrence)s 的异常")),
    "review.explain_many": Action(_("批量说明异常"), ngettext_lazy(
        "%(actor)s 以同一说明说明了 %(count)s 项异常", "%(actor)s 以同一说明说明了 %(count)s 项异常", "count")),
    "review.finding": Action(_("记录风险排查结果"), _(
        "%(actor)s 在%(object)s中记录了一项风险排查结果(严重程度:%(severity)s)")),
    "review.open": Action(_("开启审查"), _("季度审查 %(quarter)s 已开启")),
    "review.quorum": Action(_("设定签署人数"), _("%(actor)s 将季度审查的签署人数由“%(from)s”改为“%(to)s”")),
    "review.rectification": Action(_("提出整改措施"), _("%(actor)s 提出整改措施,由 %(owner)s 在 %(due)s 前完成")),
    "review.refuse": Action(_("拒绝签署审查"), _("%(actor)s 拒绝签署%(object)s(理由:%(reason)s)")),
    "review.sign": Action(_("签署审查"), _("%(actor)s 签署了%(object)s")),
    "sweep.close_out": Action(_("到期未完成"), ngettext_lazy(
        "%(count)s 项任务到期未完成,记为未完成", "%(count)s 项任务到期未完成,记为未完成", "count")),
    "webhook.create": Action(_("添加推送接收地址"), _("%(actor)s 添加了推送接收地址 %(url)s")),
    "webhook.disable": Action(_("停用推送接收地址"), _("%(actor)s 停用了推送接收地址 %(url)s")),
    "webhook.enable": Action(_("启用推送接收地址"), _("%(actor)s 启用了推送接收地址 %(url)s")),
    "webhook.delete": Action(_("删除推送接收地址"), _("%(actor)s 删除了推送接收地址 %(url)s")),
    "webhook.retry": Action(_("重试事件推送"), _("%(actor)s 重试了发往 %(url)s 的事件推送")),
    "admin.add": Action(_("管理后台新增"), _("%(actor)s 在管理后台新增了%(model)s“%(target)s”")),
    "admin.change": Action(_("管理后台修改"), _("%(actor)s 在管理后台修改了%(model)s“%(target)s”")),
    "admin.delete": Action(_("管理后台删除"), _("%(actor)s 在管理后台删除了%(model)s“%(target)s”")),
}

# What each count-bearing sentence counts: a list's length or a number the record holds.
COUNTS = {"auth.login_failed": "count", "evidence.add": "evidence", "evidence.dispose": "evidence",
          "evidence.dispose.approve": "evidence", "occurrences.waive": "occurrences",
          "review.explain_many": "occurrences", "retention.list": "listed",
          "sweep.close_out": "missed"}

# The details' labels, for the keys records carry; a key not listed shows as it is.
FIELD_LABELS = {
    "agent": _("浏览器"), "algorithm": _("算法"), "amends": _("修订自"), "approved_by": _("批准人"), "assignee": _("负责人"),
    "assignees": _("执行人"), "attempts": _("尝试次数"), "by": _("发现途径"), "changes": _("修改内容"),
    "channels": _("通知渠道"), "clauses": _("条款数"), "clocks": _("时限任务"), "code": _("响应码"), "complete": _("完整年份"),
    "completion": _("完成记录"), "consent_at": _("同意时间"), "corrects": _("更正"), "count": _("次数"),
    "created": _("新建任务数"), "days": _("天数"), "deliveries": _("投递记录数"), "due": _("期限"), "email": _("邮箱"),
    "error": _("错误"), "event": _("事件"), "events": _("事件"), "evidence": _("佐证"), "expected": _("应有 SHA-256"),
    "expires_at": _("过期时间"), "failure": _("失败原因"), "sent": _("已发送"), "fields": _("字段"), "phone": _("手机号码"), "prefix": _("令牌前缀"),
    "scopes": _("权限范围"), "secret": _("加签密钥"), "topics": _("消息类型"), "via": _("经由接口令牌"),
    "file": _("文件"), "finding": _("风险排查结果"), "first_at": _("首次时间"), "first_period": _("首个周期"),
    "found": _("实际 SHA-256"), "from": _("原值"), "full_name": _("姓名"), "head": _("链头"),
    "head_hash": _("链头哈希"), "invitation": _("邀请"), "invited_by": _("邀请人"), "ip": _("IP 地址"),
    "key": _("义务编号"), "kind": _("类型"), "language": _("语言"), "last_at": _("最近时间"), "late": _("逾期"),
    "letter": _("承诺书"), "listed": _("列入数"), "missed": _("未完成数"), "model": _("模型"), "name": _("名称"),
    "new_account": _("新账户"), "number": _("编号"), "object": _("对象"), "obligations": _("义务数"),
    "occurrence": _("任务"), "occurrences": _("任务"), "officer_email": _("合规负责人邮箱"), "owner": _("责任人"),
    "params": _("参数"), "past_periods": _("已开始的周期"), "pk": _("主键"), "post": _("职务"),
    "quarter": _("季度"), "reason": _("理由"), "recomputed": _("重新计算的任务数"), "rectification": _("整改措施"),
    "refused": _("被拒次数"), "replaces": _("取代的邀请"), "role": _("角色"), "seal": _("封签"),
    "severity": _("严重程度"), "sha256": _("SHA-256"), "slug": _("标识"), "state": _("状态"),
    "supersedes": _("取代的版本"), "template": _("模板"), "timezone": _("时区"), "to": _("新值"),
    "unassigned": _("取消指派的义务"), "url": _("接收地址"), "user": _("用户名"), "user_id": _("用户编号"), "values": _("填写内容"),
    "version": _("版本"), "voided": _("作废的签署"), "waived": _("豁免"), "window": _("统计时段"), "years": _("年份"),
}
ISO_INSTANT = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")
# Two verbose names share their Chinese with a page's plural heading ("Cases", "Quarterly
# reviews" in English): a record names one object, so these carry their own singular.
TYPE_NAMES = {"Case": pgettext_lazy("audit object", "案件"), "Review": pgettext_lazy("audit object", "季度审查")}
# Sign-outs were once recorded with the request's lazy user as their object (issue 24, item 13).
TYPE_ALIASES = {"SimpleLazyObject": "User"}


class _Fields(dict):
    def __missing__(self, key):
        return "—"


def _models() -> dict:
    return {m.__name__: m for m in apps.get_models()}


def type_label(object_type: str) -> str:
    """A record's object type in the reader's language: the model's verbose name ("案件")."""
    if object_type in TYPE_NAMES:
        return str(TYPE_NAMES[object_type])
    model = _models().get(TYPE_ALIASES.get(object_type, object_type))
    return str(model._meta.verbose_name) if model else object_type


def object_label(event) -> str:
    return f"{type_label(event.object_type)} #{event.object_id}" if event.object_type else ""


def action_label(code: str) -> str:
    action = ACTIONS.get(code)
    return str(action.label) if action else code


def _choice(choices, value) -> str:
    return str(dict(choices).get(value, value if value not in (None, "") else "—"))


def _model_name(label_lower) -> str:
    """An admin record's "obligations.case" as the model's verbose name (案件)."""
    if not isinstance(label_lower, str) or label_lower.count(".") != 1:
        return str(label_lower or "—")
    try:
        return str(apps.get_model(label_lower)._meta.verbose_name)
    except LookupError:
        return label_lower


def _short(value) -> str:
    return Truncator(str(value)).chars(120)


def _fields(event, actor: str) -> _Fields:
    """The sentence's fields: the record's scalars (shortened), and what is derived from it."""
    data = event.data if isinstance(event.data, dict) else {}
    fields = _Fields({k: _short(v) for k, v in data.items() if isinstance(v, str | int | float) and v != ""})
    counted = data.get(COUNTS.get(event.action, ""), 0)
    fields.update({
        "actor": actor, "object": object_label(event) or "—", "action": event.action,
        "count": len(counted) if isinstance(counted, list | dict) else counted if isinstance(counted, int) else 0,
        "role": _choice(Role.choices, data.get("role")), "kind": _choice(ExportJob.Kind.choices, data.get("kind")),
        "severity": _choice(ReviewFinding.Severity.choices, data.get("severity")),
        "first_period": _choice(Letter.FirstPeriod.choices, data.get("first_period")),
        "assignees": gettext("、").join(str(a) for a in data.get("assignees") or []) or gettext("无人"),
        "years": ", ".join(str(y) for y in data.get("years") or []) or "—",
        "seal": str(data.get("seal") or "—")[:12],
        "model": _model_name(data.get("model")), "target": _short(data.get("object") or "—"),
    })
    if data.get("failure"):
        fields["failure"] = channels.reason_text(data["failure"])
    if event.action == "membership.role":
        fields["from"], fields["to"] = _choice(Role.choices, data.get("from")), _choice(Role.choices, data.get("to"))
    if event.action == "review.quorum":  # None: all of the group signs
        fields["from"], fields["to"] = (gettext("%(n)s 人") % {"n": n} if isinstance(n, int) else gettext("监督小组全体")
                                        for n in (data.get("from"), data.get("to")))
    return fields


def sentence(event, actor_name: str = "") -> str:
    """The record as one sentence in the active language."""
    action = ACTIONS.get(event.action)
    if action is None:
        text = _("%(actor)s 对%(object)s执行了操作“%(action)s”") if event.object_type else _(
            "%(actor)s 执行了操作“%(action)s”")
    elif not actor_name and action.alone:
        text = action.alone
    elif action.late and (event.data or {}).get("late"):
        text = action.late
    elif action.failed and (event.data or {}).get("failure"):
        text = action.failed
    else:
        text = action.sentence
    return text % _fields(event, actor_name or gettext("系统"))


def _value(key, value, tz) -> str:
    """One detail's value as a reader reads it."""
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, bool):
        return gettext("是") if value else gettext("否")
    if key == "agent":
        return short_agent(str(value))
    if key == "failure":
        return channels.reason_text(str(value))
    if key == "error":  # an older robot.test's error, as the service's library put it: no token shown
        return channels.scrubbed(str(value))
    if key == "via" and isinstance(value, dict):  # an API token (trust/api_tokens.via): its name and number
        return f"{value.get('name', '')} #{value.get('api_token', '')}"
    if key == "role" or (key in ("from", "to") and value in Role.values):
        return _choice(Role.choices, value)
    if key == "changes" and isinstance(value, dict):
        return "; ".join(f"{k}: {_value(k, pair[0] if isinstance(pair, list) and len(pair) == 2 else pair, tz)} → "
                         f"{_value(k, pair[1], tz) if isinstance(pair, list) and len(pair) == 2 else ''}"
                         for k, pair in value.items())
    if isinstance(value, dict):
        return "; ".join(f"{k}: {_value(k, v, tz)}" for k, v in value.items())
    if isinstance(value, list):
        return " — ".join(_value(key, v, tz) for v in value) if key == "window" else ", ".join(
            _value(key, v, tz) for v in value)
    if isinstance(value, str) and ISO_INSTANT.match(value):
        try:
            return local_time.zoned(value, tz, seconds=True)
        except ValueError:
            return value
    return str(value)


def _choice_label(model, key, value):
    """A stored choice (a state, a severity: "missed", "low") as its model names it, or None."""
    try:
        choices = dict(model._meta.get_field(key).flatchoices) if model else {}
    except Exception:  # not a field of that model (FieldDoesNotExist), or one without choices
        return None
    return str(choices[value]) if isinstance(value, str) and value in choices else None


def detail_fields(event, tz) -> list[tuple[str, str]]:
    """The record's data as (label, value) pairs, then its action code and full hash. A value
    that is one of its model's choices reads as the model names it; other codes stay codes."""
    data = event.data if isinstance(event.data, dict) else {}
    model = _models().get(TYPE_ALIASES.get(event.object_type, event.object_type))
    rows = [(str(FIELD_LABELS.get(k, k)), _choice_label(model, k, v) or _value(k, v, tz))
            for k, v in sorted(data.items())]
    return rows + [(gettext("动作代码"), event.action), (gettext("哈希"), event.hash)]


@dataclass
class AuditLine:
    """One record as the page and the CSV show it."""

    event: object
    actor: str
    sentence: str
    object: str
    fields: list


def actor_names(platform, actor_ids) -> dict[int, str]:
    """How the records name their actors: a member's full name, else the username."""
    return {pk: t["name"] for pk, t in member_titles(platform.pk, actor_ids).items()}


def audit_lines(events, platform, names: dict | None = None) -> list[AuditLine]:
    events = list(events)
    if names is None:
        names = actor_names(platform, {e.actor_id for e in events if e.actor_id})
    lines = []
    for e in events:
        actor = names.get(e.actor_id) or (e.actor.get_username() if e.actor_id else "")
        lines.append(AuditLine(e, actor or gettext("系统"), sentence(e, actor), object_label(e),
                               detail_fields(e, platform.tz)))
    return lines


CSV_COLUMNS = ["id", "at", "actor", "sentence", "action", "object_type", "object_id", "data", "hash"]


def csv_header(tz, *, codes=False) -> list[str]:
    if codes:
        return CSV_COLUMNS
    zone = local_time.zone_name(tz)
    return ["#", gettext("时间(%(zone)s)") % {"zone": zone}, gettext("操作人"), gettext("记录"), gettext("动作代码"),
            gettext("对象类型"), gettext("对象编号"), gettext("详情"), gettext("哈希")]


def csv_rows(queryset, platform, *, codes=False):
    """The filtered trail as CSV lines (header first): the sentence in the reader's language
    beside the raw fields. Times local: for people as "2026-11-02 10:00:05" under a header
    naming the zone, for scripts (`codes`) ISO 8601 with the offset. The lines are made while
    the response streams, after the view has returned: in the language of the request."""
    return _csv_lines(queryset, platform, codes, translation.get_language())


def _csv_lines(queryset, platform, codes, language):
    tz, writer = platform.tz, csv.writer(_Line())
    with translation.override(language):
        yield writer.writerow(csv_header(tz, codes=codes))
        names = actor_names(platform, queryset.exclude(actor=None).values_list("actor_id", flat=True).distinct())
        for e in queryset.iterator(chunk_size=1000):
            actor = names.get(e.actor_id) or (e.actor.get_username() if e.actor_id else "")
            at = local_time.safe_iso(e.at, tz) if codes else local_time.stamp(e.at, tz, seconds=True)
            yield writer.writerow([e.pk, at, e.actor.get_username() if e.actor_id else "", sentence(e, actor),
                                   e.action, e.object_type, e.object_id,
                                   json.dumps(e.data, ensure_ascii=False, sort_keys=True) if e.data else "", e.hash])


class _Line:
    """csv.writer's file: each row is handed back rather than kept (the response streams)."""

    def write(self, value):
        return value
