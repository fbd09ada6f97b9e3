"""A browser's User-Agent header as a reader names it: "Chrome 120 · Windows 10".

The audit trail keeps the whole header (sign-ins, failed sign-ins); the audit-log page shows
this short form and the CSV keeps the header as recorded. Pure: no Django import.
"""

import re

# Checked in order: Edge, Opera and Samsung's browser also say Chrome; Chrome also says Safari.
BROWSERS = (
    ("Edge", r"Edg(?:e|A|iOS)?/(\d+)"),
    ("Opera", r"(?:OPR|Opera)/(\d+)"),
    ("Samsung Internet", r"SamsungBrowser/(\d+)"),
    ("WeChat", r"MicroMessenger/(\d+)"),
    ("Firefox", r"(?:Firefox|FxiOS)/(\d+)"),
    ("Chrome", r"(?:HeadlessChrome|Chrome|CriOS)/(\d+)"),
    ("Safari", r"Version/(\d+)(?:[.\d]*) (?:Mobile/\S+ )?Safari/"),
    ("curl", r"^curl/(\d+)"),
    ("Python", r"^python-(?:requests|urllib3|httpx)/(\d+)"),
)
WINDOWS = {"10.0": "10", "6.3": "8.1", "6.2": "8", "6.1": "7"}


def _system(agent: str) -> str:
    if m := re.search(r"Windows NT (\d+\.\d+)", agent):
        return f"Windows {WINDOWS.get(m.group(1), m.group(1))}"
    if m := re.search(r"(?:iPhone|CPU) OS (\d+)", agent):
        return f"iOS {m.group(1)}"
    if m := re.search(r"iPad.*? OS (\d+)", agent):
        return f"iPadOS {m.group(1)}"
    if m := re.search(r"Android (\d+)", agent):
        return f"Android {m.group(1)}"
    if "Mac OS X" in agent or "Macintosh" in agent:
        return "macOS"
    if "CrOS" in agent:
        return "ChromeOS"
    if "HarmonyOS" in agent:
        return "HarmonyOS"
    if "Linux" in agent:
        return "Linux"
    return ""


def short_agent(agent: str) -> str:
    """Browser and major version, then the operating system; what is not recognised is named
    by the header's first word, so the reader still sees something true."""
    agent = (agent or "").strip()
    if not agent:
        return ""
    browser = next((f"{name} {m.group(1)}" for name, pattern in BROWSERS if (m := re.search(pattern, agent))), "")
    if not browser:
        browser = agent.split()[0][:40]
    system = _system(agent)
    return f"{browser} · {system}" if system else browser
