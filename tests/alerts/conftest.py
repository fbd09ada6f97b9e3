import pytest

from obligations.models import Role
from tests.alerts.robot_receiver import DINGTALK, FEISHU, SMS_KEY, WECOM_KEY, Receiver
from tests.conftest import make_user


@pytest.fixture
def team(signed_letter, officer, staff, platform):
    sue = make_user("sue", platform, Role.SUPERVISOR)
    for user in (officer, staff, sue):
        user.email = f"{user.username}@example.com"
        user.save()
    return {"officer": officer, "staff": staff, "supervisor": sue}


@pytest.fixture
def receiver(settings):
    with Receiver(wecom_key=WECOM_KEY, dingtalk=DINGTALK, feishu=FEISHU, sms_key=SMS_KEY) as r:
        settings.PLEDGE_CHANNEL_API_BASE = r.base
        settings.PLEDGE_SMS_URL = f"infobip://{SMS_KEY}@sms.example.cn/{{phone}}"
        yield r
