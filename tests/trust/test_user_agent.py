"""A User-Agent header shortened to what a reader needs: the browser and the system."""

import pytest

from obligations.trust.user_agent import short_agent

CHROME_WINDOWS = ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
                  "Chrome/120.0.0.0 Safari/537.36")
SAFARI_IPHONE = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
                 "Version/17.1 Mobile/15E148 Safari/604.1")
EDGE_MAC = ("Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/121.0.0.0 Safari/537.36 Edg/121.0.2277.83")
FIREFOX_LINUX = "Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:122.0) Gecko/20100101 Firefox/122.0"
WECHAT_ANDROID = ("Mozilla/5.0 (Linux; Android 13; V2183A Build/TP1A.220624.014; wv) AppleWebKit/537.36 (KHTML, like "
                  "Gecko) Version/4.0 Chrome/111.0.5563.116 Mobile Safari/537.36 XWEB/5235 MMWEBSDK/20230504 "
                  "MMWEBID/1234 MicroMessenger/8.0.37.2380(0x2800253D) WeChat/arm64 Weixin NetType/WIFI Language/zh_CN")
HEADLESS = ("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/126.0.0.0 "
            "Safari/537.36")


@pytest.mark.parametrize("agent,short", [
    (CHROME_WINDOWS, "Chrome 120 · Windows 10"),
    (SAFARI_IPHONE, "Safari 17 · iOS 17"),
    (EDGE_MAC, "Edge 121 · macOS"),
    (FIREFOX_LINUX, "Firefox 122 · Linux"),
    (WECHAT_ANDROID, "WeChat 8 · Android 13"),
    (HEADLESS, "Chrome 126 · Linux"),
    ("curl/8.5.0", "curl 8"),
    ("", ""),
])
def test_a_known_browser_is_named_with_its_major_version_and_system(agent, short):
    assert short_agent(agent) == short


def test_an_unknown_client_is_named_by_its_first_word_not_dropped():
    assert short_agent("PledgeProbe/2.1 (+https://example.org/bot; a very long tail of words)") == "PledgeProbe/2.1"
