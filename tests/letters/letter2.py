"""Filled values for the seed's second letter (第(2)篇): every blank, since none has a default."""


def letter2_values(sign_date):
    return {
        "party_type": "企业", "platform_name": "乙平台", "setup_days": 30, "self_check_period": "monthly",
        "violation_action_hours": 24, "standing_duty_period": "monthly", "complaint_response_hours": 48,
        "complaint_decide_days": 7, "drill_period": "halfyear",
        "training_period": "quarterly", "record_retention_years": 5, "assessment_period": "yearly",
        "finding_fix_days": 15, "signer": "乙平台负责人", "sign_date": sign_date.isoformat(),
    }
