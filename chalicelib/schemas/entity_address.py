"""USEF type-1 entity addresses of sensors: `ea1.<YYYY-MM>.<reversed domain>:fm1.<sensor id>` (contract §4.3)."""
from __future__ import annotations

import re
from datetime import date

from chalicelib import settings

NO_ADDRESS = "no entity address available"
_FULL_PATTERN = re.compile(r"^(?P<scheme>.+?)\.(?P<date>\d{4}-\d{2})\.(?P<domain>[^:]+):fm1\.(?P<id>\d+)$")


class EntityAddressError(ValueError):
    pass


def _naming_host(host: str) -> str:
    """The request host without its port and leading 'w'/'.' characters; 127.0.0.1 counts as localhost."""
    name = (host or "").split(":")[0].lstrip("w.")
    return "localhost" if name in ("127.0.0.1", "") else name


def _month_after(today: date) -> str:
    return f"{today.year + today.month // 12}-{today.month % 12 + 1:02d}"


def build(sensor_id: int, host: str, hosts_and_start: dict[str, str] | None = None,
          today: date | None = None) -> str:
    """The sensor's entity address as served from `host`; NO_ADDRESS for an unconfigured host."""

    name = _naming_host(host)
    starts = settings.hosts_and_auth_start() if hosts_and_start is None else hosts_and_start
    if name == "localhost":
        month = starts.get("localhost") or _month_after(today or date.today())
    else:
        month = starts.get(name) or starts.get((host or "").split(":")[0])
    if not month:
        return NO_ADDRESS
    reversed_domain = ".".join(reversed(name.split(".")))
    return f"ea1.{month}.{reversed_domain}:fm1.{int(sensor_id)}"


def parse(address: str) -> int:
    """The sensor id in an entity address; the domain is never compared with this server's."""
    if not isinstance(address, str) or not address.startswith("ea1"):
        raise EntityAddressError(f"A valid type 1 USEF entity address starts with 'ea1', please review {address}")
    unparseable = EntityAddressError(f"Could not parse sensor {address}.")
    try:
        year, month = address[4:11].split("-")
        date(int(year), int(month), 1)
    except ValueError:
        raise unparseable from None
    if ":" not in address or not address.split(":", 1)[1].startswith("fm1."):
        raise unparseable
    match = _FULL_PATTERN.match(address)
    if match is None:
        raise unparseable
    return int(match.group("id"))
