"""Background work: thin wrappers that load by id and call a service."""

from django_tasks import task

from outcry.solidarity import packs, services


@task()
def send_message_confirmation(message_id: int, attempt: int = 0) -> str:
    return services.message_send_confirmation(message_id=message_id, attempt=attempt)


@task()
def generate_pack(pack_id: int) -> str:
    return packs.pack_generate(pack_id=pack_id)
