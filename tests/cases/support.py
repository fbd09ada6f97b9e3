"""Shared by the case tests: Shanghai instants, a case opened at a time, its clocks by step."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from obligations.cases.services import case_open

SH = ZoneInfo("Asia/Shanghai")


def at(*args):
    return datetime(*args, tzinfo=SH)


def open_case(platform, kind="complaint", received=None, **kw):
    received = received or at(2026, 11, 2, 10)
    case, _ = case_open(platform=platform, kind=kind, description="页面无法登录", received_at=received,
                        now=received + timedelta(minutes=1), **kw)
    return case


def public_complaint(platform, at):
    """A complaint as the public page files it: the reporter's contact and consent, nobody signed in."""
    case, _ = case_open(platform=platform, kind="complaint", description="退款未到账", received_at=at, now=at,
                        channel="public", reporter_contact="13800000000", consent_at=at)
    return case


def clocks(case):
    return {c.step: c for c in case.clocks.select_related("obligation")}
