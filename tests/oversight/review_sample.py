"""A realistic snapshot of a closed quarterly review (the schema review_snapshot produces),
and a closed, sealed Review row holding it, for the report and export tests."""

import copy
import hashlib
import json
from datetime import datetime
from zoneinfo import ZoneInfo

from obligations.models import Review

SH = ZoneInfo("Asia/Shanghai")

SNAPSHOT = {
    "platform": {"slug": "alpha", "name": "Alpha 平台"},
    "letter": {"title": "线上服务平台规范运营承诺书", "version": 2},
    "period": {"label": "2026Q4", "start": "2026-10-01", "end": "2026-12-31"},
    "generated_at": "2027-01-08T16:20:00+08:00",
    "obligations": [
        {"clause": "三.2", "key": "三.2", "title": "安全检查", "due": 276, "done": 268, "done_late": 5, "missed": 2,
         "waived": 1, "open": 0},
        {"clause": "三.3", "key": "三.3", "title": "服务数据合规性审计", "due": 6, "done": 5, "done_late": 1,
         "missed": 0, "waived": 0, "open": 0},
        {"clause": "三.4", "key": "三.4", "title": "客服配置确认(12名专职客服,7×24小时)", "due": 3, "done": 3,
         "done_late": 0, "missed": 0, "waived": 0, "open": 0},
        {"clause": "三.5", "key": "三.5", "title": "员工培训", "due": 2, "done": 1, "done_late": 0, "missed": 1,
         "waived": 0, "open": 0},
        {"clause": "三.7", "key": "三.7", "title": "更新隐私政策并通知用户", "due": 3, "done": 2, "done_late": 1,
         "missed": 0, "waived": 0, "open": 0},
        {"clause": "三.8", "key": "三.8", "title": "第三方安全评估", "due": 3, "done": 3, "done_late": 0,
         "missed": 0, "waived": 0, "open": 0},
        {"clause": "四.1", "key": "四.1", "title": "监督小组(信息安全部牵头)向管理层汇报", "due": 1, "done": 0,
         "done_late": 0, "missed": 0, "waived": 0, "open": 1},
        {"clause": "四.4", "key": "四.4", "title": "向主管部门报送运营报告", "due": 1, "done": 1, "done_late": 0,
         "missed": 0, "waived": 0, "open": 0},
    ],
    "cases": [
        {"kind": "complaint", "label": "投诉举报", "received": 41, "responded_in_time": 39, "decided_in_time": 38,
         "open": 2},
        {"kind": "incident", "label": "突发事件", "received": 2, "responded_in_time": 2, "decided_in_time": 2,
         "open": 0},
        {"kind": "finding", "label": "发现问题", "received": 5, "responded_in_time": 4, "decided_in_time": 4,
         "open": 1},
    ],
    "response_times": [
        {"month": "2026-10", "count": 14, "average": 18.5, "p90": 41.0, "limit": 30},
        {"month": "2026-11", "count": 15, "average": 33.2, "p90": 75.5, "limit": 30},
        {"month": "2026-12", "count": 12, "average": 21.75, "p90": 44.0, "limit": 30},
    ],
    "evidence": [
        {"clause": "三.3", "task": "服务数据合规性审计", "occurrence": 9120, "file": "2026年10月合规审计报告.pdf",
         "sha256": "5f0c1c9e3c8b7f2b1a4e6d9c0b8a7f6e5d4c3b2a19080706050403020100ffee", "size": 482133,
         "uploader": "alice", "uploaded_at": "2026-10-30T17:05:00+08:00", "keep_until": "2029-11-01"},
        {"clause": "三.8", "task": "第三方安全评估", "occurrence": 9188, "file": "11月第三方评估报告.pdf",
         "sha256": "a1b2c3d4e5f60718293a4b5c6d7e8f90112233445566778899aabbccddeeff00", "size": 1203344,
         "uploader": "alice", "uploaded_at": "2026-11-27T10:12:00+08:00", "keep_until": "2029-12-01"},
    ],
    "exceptions": [
        {"occurrence": 9001, "clause": "三.2", "title": "安全检查", "kind": "missed",
         "due_at": "2026-10-03T08:00:00+08:00", "case": None,
         "explanation": "国庆假期值班人员临时调整,第一次检查漏做;已补做并调整排班。", "explained_by": "alice"},
        {"occurrence": 9042, "clause": "三.5", "title": "员工培训", "kind": "missed",
         "due_at": "2027-01-01T00:00:00+08:00", "case": None,
         "explanation": "第二次培训因讲师行程取消,改于一月第二周补训。", "explained_by": "alice"},
        {"occurrence": 9077, "clause": "三.7", "title": "更新隐私政策并通知用户", "kind": "late",
         "due_at": "2026-12-01T00:00:00+08:00", "case": None, "explanation": None, "explained_by": None},
        {"occurrence": 9311, "clause": "四.3", "title": "投诉举报处理", "kind": "breached",
         "due_at": "2026-11-18T14:30:00+08:00", "case": "TS-2026-000031",
         "explanation": "投诉涉及第三方商户,等待对方材料导致响应超时。", "explained_by": "alice"},
        {"occurrence": 9050, "clause": "三.2", "title": "安全检查", "kind": "waived",
         "due_at": "2026-12-12T16:00:00+08:00", "case": None,
         "explanation": "机房计划停电维护,系统整体下线。", "explained_by": "alice"},
    ],
    "rectifications": [
        {"title": "安全检查排班增加节假日备岗", "owner": "bob", "due_date": "2026-11-15", "state": "done",
         "from_review": "2026Q3", "done": True},
        {"title": "补做第四季度第二次员工培训", "owner": "alice", "due_date": "2027-01-15", "state": "open",
         "from_review": "2026Q4", "done": False},
        {"title": "与第三方商户签订投诉材料提交时限", "owner": "alice", "due_date": "2027-02-28", "state": "open",
         "from_review": "2026Q4", "done": False},
    ],
    "findings": [
        {"text": "节假日期间安全检查人手不足,存在漏检风险。", "severity": "medium", "author": "carol",
         "at": "2027-01-06T10:00:00+08:00"},
        {"text": "十一月投诉平均响应时长 33.2 分钟,超过承诺的 30 分钟。", "severity": "high", "author": "carol",
         "at": "2027-01-06T10:20:00+08:00"},
        {"text": "隐私政策更新流程依赖个人记忆,建议纳入发布清单。", "severity": "low", "author": "dave",
         "at": "2027-01-07T09:30:00+08:00"},
    ],
    "signatures": [
        {"user": "dave", "decision": "refuse", "reason": "响应时长超标的原因分析不充分。",
         "at": "2027-01-07T11:00:00+08:00"},
        {"user": "carol", "decision": "sign", "reason": "", "at": "2027-01-08T15:00:00+08:00"},
        {"user": "dave", "decision": "sign", "reason": "", "at": "2027-01-08T16:10:00+08:00"},
    ],
}


def sample_seal(snapshot) -> str:
    body = {k: v for k, v in snapshot.items() if k != "seal"}
    return hashlib.sha256(json.dumps(body, ensure_ascii=False, sort_keys=True).encode()).hexdigest()


def sample_snapshot(**changes) -> dict:
    """A fresh copy of the sample, sealed."""
    snapshot = copy.deepcopy(SNAPSHOT)
    snapshot.update(changes)
    snapshot["seal"] = sample_seal(snapshot)
    return snapshot


def closed_review(platform, snapshot=None, *, year=2026, quarter=4) -> Review:
    """A closed review of the platform holding the sample (or the given) snapshot and its seal."""
    snapshot = snapshot or sample_snapshot(platform={"slug": platform.slug, "name": platform.name})
    start_month = (quarter - 1) * 3 + 1
    end = datetime(year + 1, 1, 1, tzinfo=SH) if quarter == 4 else datetime(year, start_month + 3, 1, tzinfo=SH)
    review = Review.objects.create(
        platform=platform, year=year, quarter=quarter, period_start=datetime(year, start_month, 1, tzinfo=SH),
        period_end=end, opened_at=end)
    # Opened, then closed: the database refuses a review created closed (migration 0014).
    review.state, review.snapshot, review.seal = Review.State.CLOSED, snapshot, snapshot["seal"]
    review.closed_at = datetime.fromisoformat(snapshot["generated_at"])
    review.save(update_fields=["state", "snapshot", "seal", "closed_at"])
    return review
