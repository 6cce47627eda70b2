"""The Chalice app: registers the API's route table and the workers' SQS handlers, nothing else."""
from chalicelib import settings
from chalicelib.api.routes import ROUTES
from chalicelib.api.routing import ThreadSafeChalice, register

app = ThreadSafeChalice(app_name="flexcloud")
app.api.binary_types.append("multipart/form-data")
register(app, ROUTES)

if settings.snapstart_initialising():
    # The runtime hooks module exists only where the Lambda Python runtime provides it.
    from chalicelib import snapstart

    snapstart.register()


# Queue names are bound when Chalice packages the app, so they are read here once, by design. The handlers import
# the worker when called: the API Lambda runs this module too and must not load the solver (pandas, PuLP).
@app.on_sqs_message(queue=settings.schedule_queue_name(), batch_size=1)
def solve_schedule(event):
    from chalicelib.workers.scheduling import handle_message

    for record in event:
        handle_message(record.body, record.receipt_handle)


@app.on_sqs_message(queue=settings.schedule_dlq_name(), batch_size=1)
def fail_dead_letter(event):
    from chalicelib.workers.scheduling import handle_dead_letter

    for record in event:
        handle_dead_letter(record.body)


@app.on_sqs_message(queue=settings.forecast_queue_name(), batch_size=1)
def forecast_sensor(event):
    from chalicelib.workers.forecasting import handle_message

    for record in event:
        handle_message(record.body, record.receipt_handle)


@app.on_sqs_message(queue=settings.forecast_dlq_name(), batch_size=1)
def fail_forecast_dead_letter(event):
    from chalicelib.workers.forecasting import handle_dead_letter

    for record in event:
        handle_dead_letter(record.body)


@app.on_sqs_message(queue=settings.webhook_queue_name(), batch_size=1)
def deliver_webhook(event):
    from chalicelib.workers.webhooks import handle_message

    for record in event:
        attributes = record.to_dict().get("attributes") or {}
        handle_message(record.body, record.receipt_handle, int(attributes.get("ApproximateReceiveCount", 1)))


@app.on_sqs_message(queue=settings.webhook_dlq_name(), batch_size=1)
def record_webhook_dead_letter(event):
    from chalicelib.workers.webhooks import handle_dead_letter

    for record in event:
        handle_dead_letter(record.body)
