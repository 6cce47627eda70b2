"""Rate limits as FlexMeasures 1.0 has them: the default limit per user, the trigger limit, plans, exemptions,
FlexMeasures' 429 and Flask-Limiter's headers. The suite's limits are effectively unlimited (tests/conftest.py);
each test here lowers the one it hits. Across processes: tests/e2e/test_rate_limits_across_processes.py."""
from __future__ import annotations

import time

import pytest

from chalicelib.services import rate_limits
from chalicelib.store import jobs, plans
from tests.factories import make_asset, make_sensor, make_site, make_user
from tests.schedule_jobs import BATTERY, BATTERY_POWER, PRICES, START

SENSORS = "/api/v3_0/sensors"


def fresh_window(seconds: int, margin: float = 3.0) -> None:
    """Wait, if need be, until `margin` seconds are left at least in the current window of `seconds` (windows
    are aligned to the clock), so a test's requests all land in one window."""
    left = seconds - time.time() % seconds
    if left < margin:
        time.sleep(left + 0.01)


def too_many(limit: str) -> dict:
    return {"result": "Rejected", "status": "TOO_MANY_REQUESTS", "message": f"You hit a rate limit. The limit you "
                                                                             f"hit allows {limit}."}


@pytest.fixture
def site(aws):
    site = make_site(outsider=True, sensors={"battery": BATTERY_POWER})
    site.other = make_asset(account=site.account, name="other site")
    site.sensors["other_battery"] = make_sensor(site.other, **BATTERY_POWER)
    return site


def trigger(api, sensor, token, **over):
    body = {"start": START, "duration": "PT4H", "flex-model": dict(BATTERY),
            "flex-context": {"consumption-price": PRICES}, "force-new-job-creation": True, **over}
    return api.post(f"/api/v3_0/sensors/{sensor.id}/schedules/trigger", body, token=token)


def trigger_asset(api, asset, sensor, token):
    body = {"start": START, "duration": "PT4H", "flex-model": [{"sensor": sensor.id, **BATTERY}],
            "flex-context": {"consumption-price": PRICES}, "force-new-job-creation": True}
    return api.post(f"/api/v3_0/assets/{asset.id}/schedules/trigger", body, token=token)


def accepted(r) -> bool:
    """A trigger the API took on (the seed's 200 or FlexMeasures 1.0.1's 202, whichever the deployment answers)."""
    return r.status in (200, 202)


def test_the_default_limit_answers_429_with_flexmeasures_body_and_headers(api, site, monkeypatch):
    monkeypatch.setenv("FLEXMEASURES_API_DEFAULT_RATE_LIMIT", "2 per minute")
    fresh_window(60)
    first, second = (api.get(SENSORS, token=site.member.token) for _ in range(2))
    third = api.get(SENSORS, token=site.member.token)
    now = time.time()

    assert (first.status, second.status) == (200, 200)
    assert [r.headers["x-ratelimit-remaining"] for r in (first, second, third)] == ["1", "0", "0"]
    assert third.status == 429
    assert third.json == too_many("2 per 1 minute")
    assert third.headers["content-type"] == "application/json"
    for r in (first, second, third):
        assert r.headers["x-ratelimit-limit"] == "2"
        reset = int(r.headers["x-ratelimit-reset"])
        assert reset % 60 == 0 and now < reset <= now + 60  # the end of this minute, in epoch seconds
        assert 0 < int(r.headers["retry-after"]) <= 60
        assert abs(int(r.headers["retry-after"]) - (reset - now)) <= 1
        assert r.headers["flexmeasures-version"] == "1.0.1" and r.headers["api-version"] == "v3_0"
    # The default limit is per user: the account's other users and other accounts' users still pass.
    assert api.get(SENSORS, token=site.outsider.token).status == 200
    assert api.get(SENSORS, token=make_user(account=site.account).token).status == 200


def test_one_budget_for_the_whole_api(api, site, monkeypatch):
    """The default limit spans every endpoint (FlexMeasures' application limit), not one budget per endpoint."""
    monkeypatch.setenv("FLEXMEASURES_API_DEFAULT_RATE_LIMIT", "3 per minute")
    fresh_window(60)
    assert api.get(SENSORS, token=site.member.token).status == 200
    assert api.get(f"/api/v3_0/assets/{site.asset.id}", token=site.member.token).status == 200
    assert api.get(f"/api/v3_0/users/{site.member.id}", token=site.member.token).status == 200
    assert api.get(f"/api/v3_0/assets/{site.asset.id}", token=site.member.token).status == 429


def test_requests_without_a_user_are_counted_by_client_ip(api, site, monkeypatch):
    """As FlexMeasures' limiter, which runs before authentication: refused credentials count, per address."""
    monkeypatch.setenv("FLEXMEASURES_API_DEFAULT_RATE_LIMIT", "3 per minute")
    fresh_window(60)
    assert api.get(SENSORS, token="not-a-token").status == 401
    assert api.get(SENSORS).status == 401
    assert api.get("/api/").status == 200  # public endpoints count against the address too
    over = api.get(SENSORS, token="not-a-token")
    assert over.status == 429 and over.json == too_many("3 per 1 minute")
    assert api.post("/api/requestAuthToken", {"email": "x@y.z", "password": "whatever"}).status == 429
    assert api.get(SENSORS, token=site.member.token).status == 200  # users have budgets of their own


def test_health_is_exempt(api, aws, monkeypatch):
    monkeypatch.setenv("FLEXMEASURES_API_DEFAULT_RATE_LIMIT", "1 per minute")
    fresh_window(60)
    answers = [api.get("/api/v3_0/health/ready") for _ in range(3)]
    assert [r.status for r in answers] == [200, 200, 200]
    assert not any(name.startswith("x-ratelimit") for r in answers for name in r.headers)
    assert api.get("/api/").status == 200
    assert api.get("/api/").status == 429


def test_windows_roll_over(api, site, monkeypatch):
    monkeypatch.setenv("FLEXMEASURES_API_DEFAULT_RATE_LIMIT", "2/second")
    fresh_window(1, margin=0.6)
    assert [api.get(SENSORS, token=site.member.token).status for _ in range(3)] == [200, 200, 429]
    time.sleep(1 - time.time() % 1 + 0.01)  # into the next second's window
    again = api.get(SENSORS, token=site.member.token)
    assert again.status == 200 and again.headers["x-ratelimit-remaining"] == "1"


def test_several_limits_in_one_setting_each_count(api, site, monkeypatch):
    monkeypatch.setenv("FLEXMEASURES_API_DEFAULT_RATE_LIMIT", "100 per second; 2 per minute")
    fresh_window(60)
    assert [api.get(SENSORS, token=site.member.token).status for _ in range(2)] == [200, 200]
    over = api.get(SENSORS, token=site.member.token)
    assert over.status == 429 and over.json == too_many("2 per 1 minute")
    assert over.headers["x-ratelimit-limit"] == "2"  # the headers speak of the limit that was hit


def test_triggers_have_their_own_limit(api, site, monkeypatch):
    monkeypatch.setenv("FLEXMEASURES_API_TRIGGER_RATE_LIMIT", "1 per 5 minutes")
    fresh_window(300)
    assert accepted(trigger(api, site.battery, site.member.token))
    over = trigger(api, site.battery, site.member.token)
    assert over.status == 429 and over.json == too_many("1 per 5 minute")
    assert over.headers["x-ratelimit-limit"] == "1" and 0 < int(over.headers["retry-after"]) <= 300
    assert len(jobs.list_for_asset(site.asset.id)) == 1  # the refused trigger made no job
    # Only triggers spend it: everything else still passes.
    assert api.get(SENSORS, token=site.member.token).status == 200


def test_refused_triggers_spend_nothing(api, site, monkeypatch):
    monkeypatch.setenv("FLEXMEASURES_API_TRIGGER_RATE_LIMIT", "1 per 5 minutes")
    fresh_window(300)
    assert trigger(api, site.battery, site.member.token, start=None).status == 422
    assert trigger(api, site.battery, site.outsider.token).status == 403
    assert trigger(api, site.battery, "not-a-token").status == 401
    assert accepted(trigger(api, site.battery, site.member.token))
    assert trigger(api, site.battery, site.member.token).status == 429
    # Its own 429 spent nothing either: the window holds the one accepted trigger.
    monkeypatch.setenv("FLEXMEASURES_API_TRIGGER_RATE_LIMIT", "2 per 5 minutes")
    assert accepted(trigger(api, site.battery, site.member.token))


def test_refused_requests_still_count_against_the_default_limit(api, site, monkeypatch):
    monkeypatch.setenv("FLEXMEASURES_API_DEFAULT_RATE_LIMIT", "2 per minute")
    fresh_window(60)
    assert trigger(api, site.battery, site.member.token, start=None).status == 422
    assert api.get(f"{SENSORS}/99999", token=site.member.token).status == 422  # no such sensor
    assert api.get(SENSORS, token=site.member.token).status == 429


@pytest.mark.parametrize("key, other_asset_status, other_user_status", [
    ("account", 429, 429),  # FlexMeasures' default: the account's triggers share one budget
    ("user", 429, "accepted"),
    ("account+asset", "accepted", 429),
])
def test_what_triggers_are_counted_against(api, site, monkeypatch, key, other_asset_status, other_user_status):
    monkeypatch.setenv("FLEXMEASURES_API_RATE_LIMIT_KEY", key)
    monkeypatch.setenv("FLEXMEASURES_API_TRIGGER_RATE_LIMIT", "1 per 5 minutes")
    colleague = make_user(account=site.account)
    fresh_window(300)
    assert accepted(trigger(api, site.battery, site.member.token))
    other_asset = trigger(api, site.other_battery, site.member.token)
    other_user = trigger(api, site.battery, colleague.token)
    expect = {"accepted": True, 429: False}
    assert accepted(other_asset) is expect[other_asset_status]
    assert accepted(other_user) is expect[other_user_status]
    assert {other_asset.status, other_user.status} - {200, 202} <= {429}


def test_both_trigger_endpoints_share_an_assets_budget(api, site, monkeypatch):
    monkeypatch.setenv("FLEXMEASURES_API_RATE_LIMIT_KEY", "account+asset")
    monkeypatch.setenv("FLEXMEASURES_API_TRIGGER_RATE_LIMIT", "1 per 5 minutes")
    fresh_window(300)
    assert accepted(trigger_asset(api, site.asset, site.battery, site.member.token))
    assert trigger(api, site.battery, site.member.token).status == 429  # the sensor's asset's budget
    assert accepted(trigger_asset(api, site.other, site.other_battery, site.member.token))


def test_an_unknown_rate_limit_key_counts_per_account(api, site, monkeypatch):
    monkeypatch.setenv("FLEXMEASURES_API_RATE_LIMIT_KEY", "not-a-real-key")
    monkeypatch.setenv("FLEXMEASURES_API_TRIGGER_RATE_LIMIT", "1 per 5 minutes")
    fresh_window(300)
    assert accepted(trigger(api, site.battery, site.member.token))
    assert trigger(api, site.other_battery, site.member.token).status == 429


def test_a_plan_overrides_the_trigger_limit_and_key(api, site, monkeypatch):
    monkeypatch.setenv("FLEXMEASURES_API_TRIGGER_RATE_LIMIT", "1 per 5 minutes")
    plan = plans.create("Pro", trigger_rate_limit="2 per 5 minutes", rate_limit_key="account+asset")
    plans.put_account_on(site.account.id, plan.id)
    fresh_window(300)
    assert [accepted(trigger(api, site.battery, site.member.token)) for _ in range(3)] == [True, True, False]
    assert accepted(trigger(api, site.other_battery, site.member.token))  # per asset, as the plan says
    # Accounts not on the plan keep the server's limit.
    outsiders = make_site(account_name="Other", sensors={"battery": BATTERY_POWER})
    assert [accepted(trigger(api, outsiders.battery, outsiders.member.token)) for _ in range(2)] == [True, False]


def test_a_plan_can_exempt_its_accounts(api, site, monkeypatch):
    monkeypatch.setenv("FLEXMEASURES_API_DEFAULT_RATE_LIMIT", "1 per minute")
    monkeypatch.setenv("FLEXMEASURES_API_TRIGGER_RATE_LIMIT", "1 per 5 minutes")
    plans.put_account_on(site.account.id, plans.create("Unlimited", default_rate_limit="unlimited",
                                                       trigger_rate_limit="unlimited").id)
    fresh_window(300)
    answers = [api.get(SENSORS, token=site.member.token) for _ in range(3)]
    answers += [trigger(api, site.battery, site.member.token) for _ in range(3)]
    assert [r.status for r in answers[:3]] == [200, 200, 200] and all(accepted(r) for r in answers[3:])
    assert not any(name.startswith("x-ratelimit") for r in answers for name in r.headers)
    assert [api.get(SENSORS, token=site.outsider.token).status for _ in range(2)] == [200, 429]


def test_a_plan_change_applies_once_the_cached_plan_expires(api, site, monkeypatch):
    monkeypatch.setenv("FLEXMEASURES_API_DEFAULT_RATE_LIMIT", "1 per minute")
    fresh_window(60)
    assert api.get(SENSORS, token=site.member.token).status == 200  # the container now knows: no plan
    plans.put_account_on(site.account.id, plans.create("Big", default_rate_limit="100 per minute").id)
    assert api.get(SENSORS, token=site.member.token).status == 429  # within FLEXCLOUD_PLAN_CACHE_SECONDS
    rate_limits.forget_plans()  # as when the cached plan expires
    r = api.get(SENSORS, token=site.member.token)
    assert r.status == 200 and r.headers["x-ratelimit-limit"] == "100"
    assert r.headers["x-ratelimit-remaining"] == "97"  # the window's count is kept across the change


@pytest.mark.parametrize("setting", [{"RATELIMIT_ENABLED": "false"}, {"FLEXMEASURES_MODE": "play"}])
def test_switched_off_and_play_servers_count_nothing(api, site, monkeypatch, setting):
    monkeypatch.setenv("FLEXMEASURES_API_DEFAULT_RATE_LIMIT", "1 per minute")
    monkeypatch.setenv("FLEXMEASURES_API_TRIGGER_RATE_LIMIT", "1 per 5 minutes")
    for name, value in setting.items():
        monkeypatch.setenv(name, value)
    fresh_window(300)
    answers = [api.get(SENSORS, token=site.member.token) for _ in range(3)]
    assert [r.status for r in answers] == [200, 200, 200]
    assert all(accepted(trigger(api, site.battery, site.member.token)) for _ in range(2))
    assert "x-ratelimit-limit" not in answers[0].headers


def test_a_limit_that_does_not_parse_is_skipped_not_fatal(api, site, monkeypatch, caplog):
    """As Flask-Limiter: logged and skipped, rather than every request refused."""
    monkeypatch.setenv("FLEXMEASURES_API_DEFAULT_RATE_LIMIT", "lots per fortnight")
    # Chalice's "flexcloud" logger does not propagate to the root logger, where caplog listens.
    monkeypatch.setattr(rate_limits.log, "handlers", [caplog.handler])
    answers = [api.get(SENSORS, token=site.member.token) for _ in range(2)]
    assert [r.status for r in answers] == [200, 200] and "x-ratelimit-limit" not in answers[0].headers
    assert "couldn't parse rate limit string 'lots per fortnight'" in caplog.text


def test_retry_after_is_the_later_of_the_window_end_and_the_views_own(aws, monkeypatch):
    """As Flask-Limiter, which sets Retry-After on every counted response, keeping a view's if that is later
    (a pending job's, say)."""
    monkeypatch.setenv("FLEXMEASURES_API_DEFAULT_RATE_LIMIT", "5 per minute")
    fresh_window(60)
    meter = rate_limits.Meter("/v3_0/sensors", "192.0.2.1")
    meter.count(None)
    window = meter.headers()
    later = meter.headers("3600")
    sooner = meter.headers("1")
    assert window["X-RateLimit-Remaining"] == "4"
    assert later["X-RateLimit-Reset"] == sooner["X-RateLimit-Reset"] == window["X-RateLimit-Reset"]
    assert 3598 <= int(later["Retry-After"]) <= 3600
    assert sooner["Retry-After"] == window["Retry-After"] and int(window["Retry-After"]) <= 60
