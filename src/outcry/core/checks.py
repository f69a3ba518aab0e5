"""System checks for a deployment: ``outcry check --deploy`` reports what would make the
processes refuse to start, before they are started."""

from django.conf import settings
from django.core.checks import Error, Tags, register

from outcry.core.secrets import dev_secrets_refusal


@register(Tags.security, deploy=True)
def check_secrets_from_environment(app_configs, **kwargs) -> list[Error]:
    """Every secret comes from the environment, never from the generated var/secrets.json.

    Reported whatever DEBUG says: ``check --deploy`` asks about the deployment, where DEBUG
    is off and the processes would refuse to start.
    """
    refusal = dev_secrets_refusal(debug=False, from_dev_file=settings.SECRETS_FROM_DEV_FILE)
    if not refusal:
        return []
    return [
        Error(
            refusal,
            hint="Generate each secret once, keep it outside var/, and set it in the "
            "environment of every process (the public tier without the private keys).",
            id="outcry.E001",
        )
    ]
