"""Where a webhook may go: http(s) only, no credentials in the URL, and no address of the
worker's own network (SSRF) unless PLEDGE_WEBHOOK_ALLOW_PRIVATE says so."""

import pytest

from obligations.alerts import webhook_targets
from obligations.alerts.webhook_targets import clean_url, resolve
from obligations.errors import DomainError


@pytest.mark.parametrize(("url", "says"), [
    ("", "请填写接收地址"),
    ("ftp://hooks.example.cn/x", "http:// 或 https://"),
    ("file:///etc/passwd", "http:// 或 https://"),
    ("javascript:alert(1)", "http:// 或 https://"),
    ("https://", "缺少主机名"),
    ("https://user:pw@hooks.example.cn/x", "用户名或密码"),
    ("http://hooks.example.cn:99999/x", "格式不正确"),
    ("https://" + "a" * 500 + ".cn/", "过长"),
])
def test_a_url_that_is_not_a_plain_http_one_is_refused_saying_why(url, says):
    with pytest.raises(DomainError) as refused:
        clean_url(url)
    assert says in refused.value.message and refused.value.field == "url"


@pytest.mark.parametrize("url", [
    "http://127.0.0.1:8000/hook", "http://localhost/hook", "http://10.0.0.5/hook", "http://192.168.1.1/",
    "http://172.16.0.1/", "http://169.254.169.254/latest/meta-data/", "http://[::1]/hook", "http://0.0.0.0/",
    "http://100.64.0.1/", "http://[::ffff:127.0.0.1]/", "http://224.0.0.1/",
])
def test_an_address_of_the_workers_own_network_is_refused(url, settings):
    settings.PLEDGE_WEBHOOK_ALLOW_PRIVATE = False
    with pytest.raises(DomainError) as refused:
        clean_url(url)
    assert "内部网络或本机" in refused.value.message


def test_a_name_resolving_to_an_internal_address_is_refused_too(settings, monkeypatch):
    settings.PLEDGE_WEBHOOK_ALLOW_PRIVATE = False
    monkeypatch.setattr(webhook_targets, "addresses", lambda host, port: ["93.184.215.14", "10.1.2.3"])
    with pytest.raises(DomainError, match="10.1.2.3"):
        clean_url("https://hooks.example.cn/x")


def test_a_public_address_is_taken_and_the_connection_goes_to_the_address_checked(settings, monkeypatch):
    settings.PLEDGE_WEBHOOK_ALLOW_PRIVATE = False
    monkeypatch.setattr(webhook_targets, "addresses", lambda host, port: ["93.184.215.14"])
    target = resolve(" https://hooks.example.cn/in?x=1 ")
    assert (target.scheme, target.host, target.port, target.path, target.address) == (
        "https", "hooks.example.cn", 443, "/in?x=1", "93.184.215.14")
    assert clean_url(" https://hooks.example.cn/in?x=1 ") == "https://hooks.example.cn/in?x=1"


def test_a_name_that_does_not_resolve_is_refused(settings, monkeypatch):
    monkeypatch.setattr(webhook_targets, "addresses", lambda host, port: [])
    with pytest.raises(DomainError, match="无法解析"):
        clean_url("https://nowhere.invalid/x")


def test_the_setting_allows_a_local_receiver(settings):
    settings.PLEDGE_WEBHOOK_ALLOW_PRIVATE = True
    assert resolve("http://127.0.0.1:8123/hook").address == "127.0.0.1"
