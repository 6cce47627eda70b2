"""Every endpoint in one table: method, path (relative to the API Gateway stage `api`), the view that serves it
(`<module>.<function>` in chalicelib/api/) and the seed table's description (for FlexMeasures 1.0.1's operations
beyond the seed, its quickref text), which the service listing shows.

Views are imported on the first request that needs them, so a cold start loads only its own endpoint's code.
"""
from __future__ import annotations

from chalicelib.api.routing import Route

ROUTES: tuple[Route, ...] = (
    # public.py, docs.py
    Route("GET", "/", "public.list_versions", "List available API versions", auth=False),
    Route("POST", "/requestAuthToken", "public.request_auth_token", "Obtain an authentication token", auth=False),
    Route("GET", "/v3_0", "public.service_listing", "Obtain a service listing for this version", auth=False),
    Route("GET", "/v3_0/openapi.json", "docs.openapi_json", "Get the OpenAPI document of this API", auth=False,
          wrap=False),
    Route("GET", "/v3_0/docs", "docs.swagger_ui", "Browse this API's documentation (Swagger UI)", auth=False),
    Route("GET", "/v3_0/docs/static/{file}", "docs.static_file", "Get a static file of the documentation page",
          auth=False, int_params=()),
    # health.py
    Route("GET", "/v3_0/health/ready", "health.ready", "Get readiness status", auth=False),
    # assets.py
    Route("GET", "/v3_0/assets", "assets.list_assets", "Download asset list"),
    Route("POST", "/v3_0/assets", "assets.create_asset", "Create a new asset", wrap=False),
    Route("GET", "/v3_0/assets/public", "assets.public_assets", "Return all public assets."),
    Route("GET", "/v3_0/assets/types", "assets.list_asset_types", "Get the asset types"),
    Route("POST", "/v3_0/assets/default_asset_view", "assets.default_asset_view", "Update the default asset view"),
    Route("POST", "/v3_0/assets/keep_legends_below_graphs", "assets.keep_legends_below_graphs",
          "Toggle whether for the current user legends should always be combined below graphs or shown to the "
          "right (per graph) above a certain number."),
    Route("GET", "/v3_0/assets/{id}", "assets.get_asset", "Get an asset"),
    Route("PATCH", "/v3_0/assets/{id}", "assets.patch_asset", "Update an asset"),
    Route("DELETE", "/v3_0/assets/{id}", "assets.delete_asset", "Delete an asset"),
    Route("GET", "/v3_0/assets/{id}/sensors", "assets.asset_sensors", "Return all sensors under an asset."),
    Route("GET", "/v3_0/assets/{id}/auditlog", "assets.asset_auditlog", "Get audit log"),
    Route("POST", "/v3_0/assets/{id}/copy", "assets.copy_asset", "Copy an asset to a target account and/or parent."),
    # asset_charts.py
    Route("GET", "/v3_0/assets/{id}/kpis", "asset_charts.asset_kpis", "Get asset KPIs", wrap=False),
    Route("GET", "/v3_0/assets/{id}/chart", "asset_charts.asset_chart",
          "Download a chart with time series", wrap=False),
    Route("GET", "/v3_0/assets/{id}/chart_data", "asset_charts.asset_chart_data",
          "Download time series for use in charts", wrap=False),
    Route("GET", "/v3_0/assets/{id}/chart_annotations", "asset_charts.asset_chart_annotations",
          "Download annotations for use in charts", wrap=False),
    # annotations.py
    Route("POST", "/v3_0/accounts/{id}/annotations", "annotations.annotate_account", "Add an annotation to an account.",
          wrap=False),
    Route("POST", "/v3_0/assets/{id}/annotations", "annotations.annotate_asset", "Add an annotation to an asset.",
          wrap=False),
    Route("POST", "/v3_0/sensors/{id}/annotations", "annotations.annotate_sensor", "Add an annotation to a sensor.",
          wrap=False),
    # users.py
    Route("GET", "/v3_0/users", "users.list_users", "Download user list"),
    Route("POST", "/v3_0/users", "users.create_user", "Create new user", wrap=False),
    Route("GET", "/v3_0/users/{id}", "users.get_user", "Get a user"),
    Route("PATCH", "/v3_0/users/{id}", "users.patch_user", "Patch data for an existing user"),
    Route("GET", "/v3_0/users/{id}/auditlog", "users.user_auditlog", "Get audit log"),
    Route("PATCH", "/v3_0/users/{id}/password-reset", "users.reset_password", "Password reset"),
    # accounts.py
    Route("GET", "/v3_0/accounts", "accounts.list_accounts", "Download account list"),
    Route("POST", "/v3_0/accounts", "accounts.create_account", "Create an account."),
    Route("GET", "/v3_0/accounts/{id}", "accounts.get_account", "Get an account"),
    Route("PATCH", "/v3_0/accounts/{id}", "accounts.patch_account", "Update an account."),
    Route("GET", "/v3_0/accounts/{id}/auditlog", "accounts.account_auditlog",
          "Get the history of actions for a specific account."),
    # webhooks.py (flexcloud's own: FlexMeasures has no webhooks)
    Route("POST", "/v3_0/accounts/{id}/webhooks", "webhooks.register_webhook", "Register a webhook endpoint"),
    Route("GET", "/v3_0/accounts/{id}/webhooks", "webhooks.list_webhooks", "List webhook endpoints"),
    Route("DELETE", "/v3_0/accounts/{id}/webhooks/{webhook_id}", "webhooks.delete_webhook",
          "Delete a webhook endpoint", int_params=("id", "webhook_id")),
    Route("GET", "/v3_0/accounts/{id}/webhooks/{webhook_id}/deliveries", "webhooks.webhook_deliveries",
          "Get the delivery log of a webhook endpoint", int_params=("id", "webhook_id")),
    # sensors.py
    Route("GET", "/v3_0/sensors", "sensors.list_sensors", "Get list of sensors"),
    Route("POST", "/v3_0/sensors", "sensors.create_sensor", "Create a new Sensor", wrap=False),
    Route("GET", "/v3_0/sensors/{id}", "sensors.get_sensor", "Get a sensor"),
    Route("PATCH", "/v3_0/sensors/{id}", "sensors.update_sensor", "Update a sensor"),
    Route("DELETE", "/v3_0/sensors/{id}", "sensors.delete_sensor", "Delete a sensor"),
    Route("DELETE", "/v3_0/sensors/{id}/data", "sensors.delete_sensor_data", "Delete sensor data"),
    Route("GET", "/v3_0/sensors/{id}/stats", "sensors.sensor_stats", "Get sensor stats"),
    Route("GET", "/v3_0/sensors/{id}/status", "sensors.sensor_status", "Get sensor status"),
    # sensor_data.py
    Route("POST", "/v3_0/sensors/data", "sensor_data.post_data", "Upload sensor data", wrap=False),
    Route("POST", "/v3_0/sensors/{id}/data", "sensor_data.post_data_by_id", "Post sensor data", wrap=False),
    Route("GET", "/v3_0/sensors/data", "sensor_data.get_data", "Download sensor data", wrap=False),
    Route("GET", "/v3_0/sensors/{id}/data", "sensor_data.get_data_by_id", "Get sensor data", wrap=False),
    Route("POST", "/v3_0/sensors/{id}/data/upload", "sensor_data.upload_data",
          "Upload sensor data by file", wrap=False),
    # sources.py
    Route("GET", "/v3_0/sources", "sources.list_sources", "List accessible data sources and defined source types."),
    # schedules.py
    Route("POST", "/v3_0/sensors/{id}/schedules/trigger", "schedules.trigger_sensor_schedule",
          "Trigger scheduling job for one device", wrap=False, trigger=True),
    Route("POST", "/v3_0/assets/{id}/schedules/trigger", "schedules.trigger_asset_schedule",
          "Trigger scheduling job for any number of devices", wrap=False, trigger=True),
    Route("GET", "/v3_0/sensors/{id}/schedules/{uuid}", "schedules.get_schedule", "Download schedule for one device"),
    # forecasts.py
    Route("POST", "/v3_0/sensors/{id}/forecasts/trigger", "forecasts.trigger_forecast",
          "Trigger forecasting job for one sensor", wrap=False, trigger=True),
    Route("GET", "/v3_0/sensors/{id}/forecasts/{uuid}", "forecasts.get_forecast", "Get forecast for one sensor",
          wrap=False),
    # automations.py
    Route("GET", "/v3_0/assets/{id}/automations", "automations.list_automations", "Get the automations of an asset",
          wrap=False),
    Route("POST", "/v3_0/assets/{id}/automations", "automations.create_automation", "Create an automation",
          wrap=False),
    Route("GET", "/v3_0/assets/{id}/automations/{automation_id}", "automations.get_automation",
          "Get an automation", wrap=False, int_params=("id", "automation_id")),
    Route("PATCH", "/v3_0/assets/{id}/automations/{automation_id}", "automations.patch_automation",
          "Update an automation", wrap=False, int_params=("id", "automation_id")),
    Route("DELETE", "/v3_0/assets/{id}/automations/{automation_id}", "automations.delete_automation",
          "Delete an automation", wrap=False, int_params=("id", "automation_id")),
    Route("POST", "/v3_0/assets/{id}/automations/{automation_id}/trigger", "automations.trigger_automation",
          "Run an automation now", wrap=False, int_params=("id", "automation_id"), trigger=True),
    Route("GET", "/v3_0/assets/{id}/jobs", "schedules.get_asset_jobs", "Get asset jobs"),
    Route("GET", "/v3_0/jobs/{uuid}", "schedules.get_job_status",
          "Get the status of a background job", wrap=False, int_params=()),
)
