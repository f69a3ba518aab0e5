"""Background work: thin wrappers that load by id and call a service."""

from django_tasks import task

from outcry.actions import services


@task()
def send_signature_confirmation(signature_id: int, attempt: int = 0) -> str:
    return services.signature_send_confirmation(signature_id=signature_id, attempt=attempt)


@task()
def send_signature_reminder(signature_id: int, attempt: int = 0) -> str:
    return services.signature_send_reminder(signature_id=signature_id, attempt=attempt)


@task()
def send_duplicate_signature_notice(signature_id: int, attempt: int = 0) -> str:
    return services.signature_send_duplicate_notice(signature_id=signature_id, attempt=attempt)


@task()
def count_petition_signatures(petition_id: int) -> int:
    return services.petition_count_signatures(petition_id=petition_id)
