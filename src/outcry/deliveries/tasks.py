"""Background work: thin wrappers that load by id and call a service."""

from django_tasks import task

from outcry.deliveries import services


@task()
def generate_delivery_package(package_id: int) -> str:
    return services.package_generate(package_id=package_id)
