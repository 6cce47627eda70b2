"""Where webhooks may go: public addresses only (IPv4, IPv6 and IPv4 inside IPv6), names checked by what they
resolve to (a patched resolver), https only, loopback only when the setting allows it."""
from __future__ import annotations

import pytest

from chalicelib.services import webhook_addresses
from chalicelib.services.webhook_addresses import AddressRefused, check_url, refusal
from tests.webhook_receivers import PUBLIC_ADDRESS, fake_resolve


@pytest.fixture(autouse=True)
def resolver(monkeypatch):
    monkeypatch.delenv("FLEXCLOUD_WEBHOOKS_ALLOW_LOOPBACK", raising=False)
    monkeypatch.setattr(webhook_addresses, "resolve", fake_resolve)


@pytest.mark.parametrize("address, reason", [
    ("10.0.0.1", "a private address"), ("172.16.5.4", "a private address"), ("192.168.1.1", "a private address"),
    ("127.0.0.1", "a loopback address"), ("127.8.9.10", "a loopback address"), ("::1", "a loopback address"),
    ("169.254.169.254", "a link-local address"), ("fe80::1", "a link-local address"),
    ("fe80::1%eth0", "a link-local address"), ("0.0.0.0", "an unspecified address"), ("::", "an unspecified address"),
    ("224.0.0.1", "a multicast address"), ("ff02::1", "a multicast address"), ("240.0.0.1", "a private address"),
    ("fc00::1", "a private address"), ("100.64.0.1", "not a public address"), ("198.18.0.1", "a private address"),
    ("::ffff:10.0.0.1", "a private address"), ("::ffff:127.0.0.1", "a loopback address"),
    ("::ffff:169.254.169.254", "a link-local address"), ("2002:a00:1::", "a private address"),
])
def test_non_public_addresses_are_refused(address, reason):
    assert refusal(address, allow_loopback=False) == reason


@pytest.mark.parametrize("address", [PUBLIC_ADDRESS, "1.1.1.1", "2606:4700:4700::1111", "::ffff:1.1.1.1"])
def test_public_addresses_pass(address):
    assert refusal(address, allow_loopback=False) is None


def test_loopback_passes_only_when_allowed():
    assert refusal("127.0.0.1", allow_loopback=True) is None and refusal("::1", allow_loopback=True) is None
    assert refusal("10.0.0.1", allow_loopback=True) == "a private address"  # private stays refused


@pytest.mark.parametrize("host, address", [("internal.example.com", "10.1.2.3"),
                                           ("metadata.example.com", "169.254.169.254"),
                                           ("mixed.example.com", "192.168.0.7"),  # one bad address is enough
                                           ("local.example.com", "127.0.0.1"), ("v6.example.com", "::1"),
                                           ("mapped.example.com", "::ffff:10.0.0.1")])
def test_names_are_judged_by_every_address_they_resolve_to(host, address):
    with pytest.raises(AddressRefused, match=f"resolves to {address}, "):
        check_url(f"https://{host}/hook")


def test_a_public_name_becomes_a_target_pinned_to_its_addresses():
    target = check_url("https://hooks.example.com:8443/in?x=1#frag")
    assert target == webhook_addresses.Target("https", "hooks.example.com", 8443, "/in?x=1", (PUBLIC_ADDRESS,))
    assert check_url("https://hooks.example.com").path == "/" and check_url("https://hooks.example.com").port == 443


@pytest.mark.parametrize("url, message", [
    ("http://hooks.example.com/", "Only https URLs are allowed."), ("hooks.example.com", "Not a valid URL"),
    ("https://hooks.example.com:99999/", "Not a valid URL"), ("https:///path", "Not a valid URL"),
    ("https://a:b@hooks.example.com/", "Credentials"), ("https://x.invalid/", "could not be resolved"),
    ("https://hooks.example.com/" + "x" * 2100, "Longer than maximum length 2048."),
])
def test_malformed_urls_are_refused(url, message):
    with pytest.raises(AddressRefused, match=message.replace(".", r"\.")):
        check_url(url)


def test_plain_http_only_to_loopback_and_only_when_allowed(monkeypatch):
    with pytest.raises(AddressRefused, match="loopback"):
        check_url("http://127.0.0.1:8080/hook")
    monkeypatch.setenv("FLEXCLOUD_WEBHOOKS_ALLOW_LOOPBACK", "true")
    assert check_url("http://127.0.0.1:8080/hook").addresses == ("127.0.0.1",)
    with pytest.raises(AddressRefused, match="Only https"):
        check_url("http://hooks.example.com/hook")


def test_the_real_resolver_reads_getaddrinfo(monkeypatch):
    monkeypatch.undo()
    calls = []

    def getaddrinfo(host, port, type=0):
        calls.append((host, port))
        return [(2, 1, 6, "", ("10.0.0.9", port)), (2, 1, 6, "", ("10.0.0.9", port)), (10, 1, 6, "", ("::1", port, 0, 0))]

    monkeypatch.setattr(webhook_addresses.socket, "getaddrinfo", getaddrinfo)
    assert webhook_addresses.resolve("rebind.example.com", 443) == ["10.0.0.9", "::1"]
    assert calls == [("rebind.example.com", 443)]
