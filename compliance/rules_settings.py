"""Pledge's own rules, each from the environment with its default: how far ahead tasks exist,
when reminders, escalations, digests and catch-ups go, the public complaint page's limits, SMS and
webhooks, /healthz's sweep age. Part of compliance/settings.py (imported at its end)."""

import json

from compliance.env import env_bool, env_float, env_int, env_str

# Scheduling: how far ahead occurrences exist, and how long after due before "missed".
PLEDGE_HORIZON_DAYS = env_int("PLEDGE_HORIZON_DAYS", 14)
PLEDGE_SWEEP_BATCH = env_int("PLEDGE_SWEEP_BATCH", 1000)
# Reminder lead time before due, in minutes, per period kind (plus "event" and "one_time");
# PLEDGE_REMINDER_LEAD='{"daily": 30}' overrides some of them.
PLEDGE_REMINDER_LEAD = {
    "daily": 60, "weekly": 24 * 60, "tenday": 2 * 24 * 60, "monthly": 3 * 24 * 60,
    "quarterly": 7 * 24 * 60, "halfyear": 14 * 24 * 60, "yearly": 30 * 24 * 60, "biennial": 30 * 24 * 60,
    "event": 2 * 60, "one_time": 3 * 24 * 60,
    **json.loads(env_str("PLEDGE_REMINDER_LEAD", "{}")),
}
# Minutes after due before the officer is told of an unfinished task, per period kind (capped
# by the obligation's grace; an obligation may set its own). PLEDGE_ESCALATE_OFFICER='{"daily": 60}'.
PLEDGE_ESCALATE_OFFICER = {
    "daily": 30, "weekly": 4 * 60, "tenday": 4 * 60, "monthly": 12 * 60, "quarterly": 24 * 60,
    "halfyear": 24 * 60, "yearly": 2 * 24 * 60, "biennial": 2 * 24 * 60, "event": 60, "one_time": 24 * 60,
    **json.loads(env_str("PLEDGE_ESCALATE_OFFICER", "{}")),
}
# Extra folders of letter templates (*.toml), beside obligations/letters/library/.
PLEDGE_TEMPLATE_DIRS = [d for d in env_str("PLEDGE_TEMPLATE_DIRS", "").split(":") if d]
PLEDGE_CASE_TEXT_MAX = env_int("PLEDGE_CASE_TEXT_MAX", 2000)  # characters of a complaint
# Public complaint page: submissions and status lookups per client address per window.
PLEDGE_PUBLIC_SUBMIT_LIMIT = env_int("PLEDGE_PUBLIC_SUBMIT_LIMIT", 5)
PLEDGE_PUBLIC_LOOKUP_LIMIT = env_int("PLEDGE_PUBLIC_LOOKUP_LIMIT", 20)
PLEDGE_PUBLIC_WINDOW_SECONDS = env_int("PLEDGE_PUBLIC_WINDOW_SECONDS", 600)
PLEDGE_DIGEST_HOUR = env_int("PLEDGE_DIGEST_HOUR", 8)  # local hour of the daily digest
PLEDGE_SEND_RETRY_MINUTES = env_int("PLEDGE_SEND_RETRY_MINUTES", 10)  # a claim older than this is retried once
# SMS (alerts/channels.py): an apprise URL with {phone} where the number goes, e.g.
# infobip://APIKEY@xxxxx.api.infobip.com/{phone}?from=Pledge; empty: nobody can choose SMS.
PLEDGE_SMS_URL = env_str("PLEDGE_SMS_URL", "")
# Tests only: send every channel's request to this base (a local receiver) instead of the service's host.
PLEDGE_CHANNEL_API_BASE = env_str("PLEDGE_CHANNEL_API_BASE", "")
# A message due longer ago than this (beat or the workers were down) goes into one catch-up message per person.
PLEDGE_CATCH_UP_MINUTES = env_int("PLEDGE_CATCH_UP_MINUTES", 30)
# Platforms whose late messages one planning transaction folds into catch-ups (a plan cut short keeps its batches).
PLEDGE_PLAN_BATCH = env_int("PLEDGE_PLAN_BATCH", 500)
# Outbound webhooks (docs/webhooks.md): each delivery is tried at most PLEDGE_WEBHOOK_MAX_ATTEMPTS
# times, waiting PLEDGE_WEBHOOK_BACKOFF_SECONDS, then twice as long after each failure; each
# attempt waits PLEDGE_WEBHOOK_TIMEOUT seconds for the receiver. Missed tasks and breached clocks
# are found by a sweep that looks PLEDGE_WEBHOOK_LOOKBACK_HOURS back. Addresses that are not public
# (loopback, private, link-local: the worker's own network) are refused unless
# PLEDGE_WEBHOOK_ALLOW_PRIVATE is set (a test, or a receiver on the company's own network).
PLEDGE_WEBHOOK_MAX_ATTEMPTS = env_int("PLEDGE_WEBHOOK_MAX_ATTEMPTS", 8)
PLEDGE_WEBHOOK_BACKOFF_SECONDS = env_int("PLEDGE_WEBHOOK_BACKOFF_SECONDS", 60)
PLEDGE_WEBHOOK_TIMEOUT = env_float("PLEDGE_WEBHOOK_TIMEOUT", 10.0)
PLEDGE_WEBHOOK_LOOKBACK_HOURS = env_int("PLEDGE_WEBHOOK_LOOKBACK_HOURS", 24)
PLEDGE_WEBHOOK_ALLOW_PRIVATE = env_bool("PLEDGE_WEBHOOK_ALLOW_PRIVATE", False)
# /healthz answers 503 when no sweep finished within this many seconds; the officer's
# pages show a red banner and the site administrator is mailed once per silence.
PLEDGE_HEALTH_MAX_SWEEP_AGE = env_int("PLEDGE_HEALTH_MAX_SWEEP_AGE", 300)
