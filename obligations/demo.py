"""The demo platform: the seed's first letter, filled and signed, one user per role."""

from django.contrib.auth import get_user_model
from django.db import transaction

from .letters.services import current_letter, letter_create, letter_sign
from .models import Letter, Membership, Platform, Role

DEMO_PASSWORD = "pledge-demo"
DEMO_USERS = {"officer": Role.OFFICER, "staff": Role.STAFF, "supervisor": Role.SUPERVISOR, "auditor": Role.AUDITOR}


def demo_values(sign_date):
    return {
        "purpose": "线上服务平台规范运营",
        "platform_name": "示范线上服务平台",
        "law_prefix": "中华人民共和国",
        "service_objects": "个人用户及商户",
        "service_scope": "在线咨询、交易撮合与售后服务",
        "checks_per_day": 3,
        "audits_per_month": 1,
        "audit_retention_years": 3,
        "service_staff": 10,
        "response_minutes": 30,
        "trainings_per_quarter": 2,
        "setup_days": 30,
        "recovery_hours": 24,
        "assessments_per_month": 1,
        "finding_fix_days": 30,
        "finding_fix_serious_workdays": 5,
        "finding_fix_critical_hours": 24,
        "lead_department": "合规部",
        "group_report_days": 15,
        "compliance_role": "合规总监",
        "appoint_days": 7,
        "complaint_response_hours": 24,
        "regulator_report_period": "quarterly",
        "signer": "示范线上服务平台负责人",
        "sign_date": sign_date.isoformat(),
    }


@transaction.atomic
def demo_setup(*, now) -> Platform:
    platform, _ = Platform.objects.get_or_create(slug="demo", defaults={"name": "示范线上服务平台",
                                                                       "public_intake": True})
    User = get_user_model()
    users = {}
    for username, role in DEMO_USERS.items():
        user, created = User.objects.get_or_create(username=username, defaults={"email": f"{username}@demo.local"})
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save()
        Membership.objects.get_or_create(user=user, platform=platform, defaults={"role": role})
        users[username] = user
    if current_letter(platform) is None:
        letter = letter_create(platform=platform, values=demo_values(now.astimezone(platform.tz).date()),
                               user=users["officer"], now=now)
        # The demo shows the day's tasks at once: the periods under way are owed.
        letter_sign(letter=letter, user=users["officer"], now=now, first_period=Letter.FirstPeriod.CURRENT)
    return platform
