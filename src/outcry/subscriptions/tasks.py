"""Background work: thin wrappers that load by id and call a service."""

from django_tasks import task

from outcry.subscriptions import services
from outcry.subscriptions.retention import retention_run_all, retention_schedule_next


@task()
def process_subscription_request(request_id: int) -> str:
    return services.subscription_request_process(request_id=request_id)


@task()
def send_subscription_confirmation(subscription_id: int, attempt: int = 0) -> str:
    return services.subscription_send_confirmation(subscription_id=subscription_id, attempt=attempt)


@task()
def send_my_data(supporter_id: int, attempt: int = 0) -> str:
    return services.my_data_send(supporter_id=supporter_id, attempt=attempt)


@task()
def send_erasure_confirmation(supporter_id: int, attempt: int = 0) -> str:
    return services.erasure_confirmation_send(supporter_id=supporter_id, attempt=attempt)


@task()
def apply_retention(reschedule: bool = False) -> dict:
    """Apply retention now; with ``reschedule``, run again in a day (a periodic task that
    needs no cron: start it once with ``outcry apply_retention --daily``)."""
    done = retention_run_all()
    if reschedule:
        retention_schedule_next()
    return done
