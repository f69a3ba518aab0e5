"""Staff roles as groups. Kept in step with this table after every migrate."""

from django.contrib.auth.models import Group, Permission
from django.utils.translation import gettext_noop

CAMPAIGNER = gettext_noop("Campaigner")
MODERATOR = gettext_noop("Moderator")
DATA_PROTECTION = gettext_noop("Data protection")
ADMINISTRATOR = gettext_noop("Administrator")

_CONTENT = [
    f"{app}.{verb}_{model}"
    for app, model in [
        ("cases", "case"),
        ("cases", "caseupdate"),
        ("targets", "target"),
        ("targets", "office"),
        ("targets", "tenure"),
        ("deliveries", "delivery"),
        ("actions", "petition"),
        ("actions", "offlinesignatures"),
        ("actions", "letteraction"),
        ("actions", "callaction"),
        ("news", "post"),
        ("news", "topic"),
        ("mailings", "mailing"),
        ("mailings", "mailingvariant"),
        ("mailings", "segment"),
    ]
    for verb in ("add", "change", "view")
] + ["mailings.send_mailing", "mailings.delete_mailingvariant"]

# ``cases.view_sensitive_notes`` (who a case's person really is, their contacts and sources)
# and ``targets.change_office_email`` (where an office's letters go, with supporters' names
# and Reply-To addresses) are administrators' alone: moderators see cases without the notes
# and campaigners edit offices without their address. Data protection staff answer "who read
# them" from the audit log, which never copies the notes, so they need not read them either;
# the notes are casework, not supporters' data that they export or erase.
#
# Campaigners write content and see counts, never supporters' personal data nor staff,
# with one exception: they deliver actions, so they make and download delivery packages,
# which name the supporters who agreed to be named to the target (each download audited).
ROLE_PERMISSIONS: dict[str, list[str]] = {
    CAMPAIGNER: _CONTENT
    + [
        "deliveries.add_deliverypackage",
        "deliveries.view_deliverypackage",
        "deliveries.download_deliverypackage",
    ],
    MODERATOR: [
        "actions.view_signature",
        "actions.moderate_signature",
        "actions.view_blockedsource",
        "actions.add_blockedsource",
        "actions.delete_blockedsource",
        "actions.view_petition",
        "actions.view_letter",
        "actions.moderate_letter",
        "actions.view_call",
        "cases.view_case",
        "comments.view_comment",
        "comments.change_comment",
        "comments.view_commentreport",
        "comments.view_blockedterm",
        "comments.add_blockedterm",
        "comments.change_blockedterm",
        "comments.delete_blockedterm",
    ],
    DATA_PROTECTION: [
        "supporters.view_supporter",
        "supporters.view_consentrecord",
        "supporters.export_supporter",
        "supporters.erase_supporter",
        "supporters.view_suppression",
        "subscriptions.view_subscription",
        "actions.view_signature",
        "actions.export_signature",
        "core.view_auditevent",
    ],
    ADMINISTRATOR: ["*"],
}


# What apps registered later add to a role (an action type's moderation, its packs), from
# their ``AppConfig.ready()``, so that a new kind needs no edit of this table.
_GRANTED: dict[str, set[str]] = {}


def grant(role: str, perms: list[str]) -> None:
    """Give ``role`` these permissions too (``app_label.codename``), at the next sync."""
    if role not in ROLE_PERMISSIONS:
        raise ValueError(f"Unknown role: {role}")
    _GRANTED.setdefault(role, set()).update(perms)


def role_permissions(role: str) -> list[str]:
    """Everything ``role`` holds: the table's permissions and those apps granted."""
    return [*ROLE_PERMISSIONS[role], *sorted(_GRANTED.get(role, ()))]


def roles_sync(**kwargs) -> None:
    """Create or update the role groups (a post_migrate receiver)."""
    for role in ROLE_PERMISSIONS:
        perms = role_permissions(role)
        group, _ = Group.objects.get_or_create(name=role)
        if "*" in perms:
            group.permissions.set(Permission.objects.all())
            continue
        wanted = []
        for perm in perms:
            app_label, codename = perm.split(".")
            wanted += Permission.objects.filter(
                content_type__app_label=app_label, codename=codename
            )
        group.permissions.set(wanted)
