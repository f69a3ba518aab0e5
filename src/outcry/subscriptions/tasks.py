"""Background work: thin wrappers that load by id and call a service."""

from django_tasks import task

from outcry.subscriptions import services


@task()
def send_subscription_confirmation(subscription_id: int, attempt: int = 0) -> str:
    return services.subscription_send_confirmation(subscription_id=subscription_id, attempt=attempt)


@task()
def send_my_data(supporter_id: int, attempt: int = 0) -> str:
    return services.my_data_send(supporter_id=supporter_id, attempt=attempt)


@task()
def apply_retention(reschedule: bool = False) -> dict[str, int]:
    """Apply retention now; with ``reschedule``, run again in a day (a periodic task that
    needs no cron: start it once with ``outcry apply_retention --daily``)."""
    from outcry.core.services import ip_hashes_expire
    from outcry.subscriptions.retention import (
        retention_apply,
        retention_schedule_next,
        unconfirmed_subscribers_purge,
    )

    done = retention_apply()
    unconfirmed_subscribers_purge()
    ip_hashes_expire()
    if reschedule:
        retention_schedule_next()
    return done
