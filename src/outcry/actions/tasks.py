"""Background work: thin wrappers that load by id and call a service."""

from django_tasks import task

from outcry.actions import calls, counting, letters, participation, services


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
    # Petitions now count through count_action; kept so that tasks queued before the
    # upgrade still run.
    return services.petition_count_signatures(petition_id=petition_id)


@task()
def count_action(kind: str, action_id: int) -> int:
    return counting.action_count(kind=kind, action_id=action_id)


@task()
def send_letter_confirmation(letter_id: int, attempt: int = 0) -> str:
    return letters.letter_send_confirmation(letter_id=letter_id, attempt=attempt)


@task()
def dispatch_letters(action_id: int) -> str:
    return letters.letter_dispatch(action_id=action_id)


@task()
def send_letter_to_target(letter_id: int, attempt: int = 0) -> str:
    return letters.letter_send_to_target(letter_id=letter_id, attempt=attempt)


@task()
def send_target_digest(digest_id: int, attempt: int = 0) -> str:
    return letters.digest_send(digest_id=digest_id, attempt=attempt)


@task()
def adopt_confirmed_name(label: str, participation_id: int) -> str:
    return participation.supporter_adopt_confirmed_name(
        label=label, participation_id=participation_id
    )


@task()
def send_call_confirmation(call_id: int, attempt: int = 0) -> str:
    return calls.call_send_confirmation(call_id=call_id, attempt=attempt)
