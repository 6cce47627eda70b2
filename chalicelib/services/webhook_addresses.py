"""Where a webhook may be delivered: an https URL whose host resolves only to public addresses.

Checked when an endpoint is registered and again before every delivery (a name may resolve elsewhere by then: DNS
rebinding); the delivery then connects to an address checked here, never resolving the name again. Loopback (and
plain http to it) is allowed only when FLEXCLOUD_WEBHOOKS_ALLOW_LOOPBACK says so: the local stack and tests.
"""
from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from chalicelib import settings

MAX_URL_LENGTH = 2048


class AddressRefused(ValueError):
    """A URL that must not receive webhooks; the message says why (shown in a 422 or the delivery log)."""


@dataclass(frozen=True)
class Target:
    """A checked URL: connect to one of `addresses` (in order), send `Host: host`, verify TLS for `host`."""

    scheme: str
    host: str
    port: int
    path: str  # path and query, as sent in the request line
    addresses: tuple[str, ...]


def resolve(host: str, port: int) -> list[str]:
    """Every address `host` resolves to (tests replace this to play a resolver)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(info[4][0] for info in infos))


def refusal(address: str, allow_loopback: bool) -> str | None:
    """Why webhooks must not go to `address`, or None when it is a public unicast address."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])  # drop an IPv6 zone id
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = ip.ipv4_mapped or ip.sixtofour or (ip.teredo[1] if ip.teredo else None)
        if embedded is not None:  # ::ffff:10.0.0.1 and the like reach the IPv4 address inside
            return refusal(str(embedded), allow_loopback)
    if ip.is_loopback:
        return None if allow_loopback else "a loopback address"
    for flag, reason in (("is_unspecified", "an unspecified address"), ("is_link_local", "a link-local address"),
                         ("is_multicast", "a multicast address"), ("is_private", "a private address"),
                         ("is_reserved", "a reserved address")):
        if getattr(ip, flag):
            return reason
    if not ip.is_global:  # shared (100.64/10), documentation and other special-purpose ranges
        return "not a public address"
    return None


def check_url(url: str) -> Target:
    """The URL as a delivery target, its host resolved and every address checked; AddressRefused otherwise."""
    allow_loopback = settings.webhooks_allow_loopback()
    if len(url) > MAX_URL_LENGTH:
        raise AddressRefused(f"Longer than maximum length {MAX_URL_LENGTH}.")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise AddressRefused(f"Not a valid URL: {exc}.") from None
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise AddressRefused("Not a valid URL: use https://<host>/<path>.")
    if parts.username is not None or parts.password is not None:
        raise AddressRefused("Credentials in the URL are not allowed.")
    host = parts.hostname
    port = port or (443 if parts.scheme == "https" else 80)
    try:
        addresses = resolve(host, port)
    except (socket.gaierror, UnicodeError, OSError):
        raise AddressRefused(f"The host {host} could not be resolved.") from None
    if not addresses:
        raise AddressRefused(f"The host {host} could not be resolved.")
    for address in addresses:
        reason = refusal(address, allow_loopback)
        if reason:
            raise AddressRefused(f"The host {host} resolves to {address}, {reason}; webhooks go to public "
                                 "addresses only.")
    if parts.scheme == "http" and not (allow_loopback and all(ipaddress.ip_address(a).is_loopback
                                                              for a in addresses)):
        raise AddressRefused("Only https URLs are allowed.")
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return Target(parts.scheme, host, port, path, tuple(addresses))
