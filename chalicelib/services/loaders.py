"""Load the entity a request names, or answer as the contract does when it is unknown (404 or 422 per endpoint)."""
from __future__ import annotations

from chalicelib.errors import ApiError, field_error, http_error, not_found
from chalicelib.schemas.entity_address import EntityAddressError, parse
from chalicelib.store import accounts, assets, jobs, sensors, sources, users, webhooks
from chalicelib.store.models import Account, Asset, DataSource, Job, Sensor, User, WebhookEndpoint


def asset_or_404(asset_id: int) -> Asset:
    asset = assets.find(asset_id)
    if asset is None:
        raise not_found(f"No asset found with ID {asset_id}.")
    return asset


def asset_or_422(asset_id: int, location: str = "path", field: str = "id", message: str | None = None) -> Asset:
    """Asset sub-resources (sensors, audit log, trigger, jobs) answer an unknown asset with a 422 on the path;
    bodies that name an asset, on their field."""
    asset = assets.find(asset_id)
    if asset is None:
        raise field_error(location, field, message or f"No asset found with ID {asset_id}.")
    return asset


def sensor_or_422(sensor_id: int) -> Sensor:
    """Sensor endpoints answer an unknown sensor with a 422 on the path (where assets use 404)."""
    sensor = sensors.find(sensor_id)
    if sensor is None:
        raise field_error("path", "id", f"No sensor found with ID {sensor_id}.")
    return sensor


def sensor_by_address_or_422(address: str, location: str) -> Sensor:
    """The sensor an entity address (`ea1.2021-01.io.flexmeasures:fm1.42`) names."""
    try:
        sensor = sensors.find(parse(address))
    except EntityAddressError as error:
        raise field_error(location, "sensor", str(error)) from None
    if sensor is None:
        raise field_error(location, "sensor", f"sensor with entity address {address} doesn't exist.")
    return sensor


def source_or_422(source_id: int, location: str) -> DataSource:
    source = sources.find(source_id)
    if source is None:
        raise field_error(location, "source", f"No data source found with id {source_id}.")
    return source


def user_or_404(user_id: int) -> User:
    user = users.find(user_id)
    if user is None:
        raise not_found(f"User {user_id} not found")
    return user


def account_or_404(account_id: int) -> Account:
    account = accounts.find(account_id)
    if account is None:
        raise not_found(f"Account {account_id} not found")
    return account


def job_with_asset_or_404(job_id: str) -> tuple[Job, Asset]:
    """A job and the asset it schedules; a job whose asset is gone is as unknown as a missing job."""
    job = jobs.find(job_id)
    asset = assets.find(job.asset_id) if job is not None and job.asset_id is not None else None
    if job is None or asset is None:
        # FlexMeasures' jobs endpoint answers with its own body here, not the int status of abort(404).
        raise ApiError(404, {"status": "ERROR", "message": f"Job {job_id} not found."})
    return job, asset


def webhook_or_404(account: Account, webhook_id: int) -> WebhookEndpoint:
    endpoint = webhooks.find(account.id, webhook_id)
    if endpoint is None:
        raise not_found(f"Webhook {webhook_id} not found")
    return endpoint
