"""The demo site of the README's walkthrough, made on a running stack by `cli seed-demo` (`make demo`): a building
with a battery under it, the battery's power sensor, a day-ahead price sensor with a day of prices, and the site's
chart and KPI settings, so the README's chart and KPI samples have something to show.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from chalicelib.store import accounts, asset_types, assets, beliefs, sensors, sources
from chalicelib.store.models import Account

DEMO_ACCOUNT = "Demo"
SITE_NAME = "Demo site"
# The walkthrough's day: 1 January 2026 in Amsterdam (UTC+1 in winter).
DAY_START = datetime(2026, 1, 1, tzinfo=timezone(timedelta(hours=1)))
# A winter day's hourly day-ahead prices (EUR/MWh): cheap at night, dear at the morning and evening peaks.
PRICES = [62.0, 58.5, 55.0, 53.2, 54.1, 60.3, 78.9, 95.4, 102.0, 88.7, 76.5, 70.1,
          65.8, 63.2, 66.9, 74.4, 89.6, 112.3, 121.8, 104.5, 91.2, 80.6, 72.3, 66.0]
SOURCE_NAME = "flexcloud demo"
SOURCE_TYPE = "demo script"  # FlexMeasures' source type for data made by its demo commands


class DemoExists(Exception):
    pass


@dataclass(frozen=True)
class Demo:
    account_id: int
    site_id: int
    battery_id: int
    power_sensor_id: int
    price_sensor_id: int


def seed_demo(account_id: int | None = None) -> Demo:
    """Make the demo site in `account_id` (default: the account "Demo", made if missing); DemoExists if that
    account has one already. NotFound for an unknown account."""
    account = accounts.get(account_id) if account_id is not None else _demo_account()
    existing = next((a for a in assets.list_for_account(account.id) if a.name == SITE_NAME), None)
    if existing is not None:
        raise DemoExists(f"Account {account.id} already has the demo site (asset {existing.id}).")
    types = {t.name: t for t in asset_types.seed_defaults()}
    site = assets.create(name=SITE_NAME, generic_asset_type_id=types["building"].id, account_id=account.id,
                         latitude=52.37, longitude=4.89)
    battery = assets.create(name="Demo battery", generic_asset_type_id=types["battery"].id, account_id=account.id,
                            parent_asset_id=site.id)
    power = sensors.create(battery, "power", "kW", 15, "Europe/Amsterdam")
    price = sensors.create(site, "day-ahead price", "EUR/MWh", 60, "Europe/Amsterdam")
    starts = [DAY_START + timedelta(hours=hour) for hour in range(len(PRICES))]
    # Published the day before, as day-ahead prices are.
    beliefs.write_beliefs(price, sources.demo_source(SOURCE_NAME, SOURCE_TYPE), starts, PRICES,
                          DAY_START - timedelta(hours=12))
    assets.update(site, {"sensors_to_show": [price.id, power.id],
                         "sensors_to_show_as_kpis": [{"title": "Mean day-ahead price", "sensor": price.id,
                                                      "function": "mean"}]})
    return Demo(account.id, site.id, battery.id, power.id, price.id)


def _demo_account() -> Account:
    found = next((a for a in accounts.list_all() if a.name == DEMO_ACCOUNT), None)
    return found or accounts.create(DEMO_ACCOUNT)
