"""Background work: thin wrappers that load by id and call a service."""

from django_tasks import task

from outcry.comments import services


@task()
def send_comment_delete_link(comment_id: int, attempt: int = 0) -> str:
    return services.comment_send_delete_link(comment_id=comment_id, attempt=attempt)
