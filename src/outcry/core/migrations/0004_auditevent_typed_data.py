# Step two: each old row gets its dotted event and its ``extra``. The old actions map to
# verbs on the row's object type (``view_personal_data`` on ``supporters.supporter`` is
# ``supporters.supporter.viewed``); rows that already named a dotted event (logins, content
# changes, whose detail began with it) keep it; the free-text detail is kept in
# ``extra["detail"]``, or parsed when it held the content changes' JSON or a list of ids.

import json
import re

from django.db import migrations

VERBS = {
    "view_personal_data": "viewed",
    "export": "exported",
    "search_personal_data": "searched",
    "change": "changed",
    "validate": "approved",
    "invalidate": "rejected",
}
DOTTED = re.compile(r"^[a-z0-9_]+\.[a-z0-9_]+\.[a-z0-9_]+$")
IDS = re.compile(r"ids=([0-9,]+)")


def typed(action: str, object_type: str, detail: str) -> tuple[str, dict]:
    detail = detail or ""
    if DOTTED.match(action):
        return action, ({"detail": detail} if detail else {})
    first, _, rest = detail.partition(" ")
    if DOTTED.match(first):
        extra = {}
        if rest:
            try:
                extra["changes"] = json.loads(rest)
            except ValueError:
                extra["detail"] = rest
        return first, extra
    verb = VERBS.get(action, action or "changed")
    event = f"{object_type}.{verb}" if object_type.count(".") == 1 else f"core.legacy.{verb}"
    extra = {"detail": detail} if detail else {}
    ids = IDS.search(detail)
    if ids:
        extra["ids"] = [int(i) for i in ids.group(1).split(",") if i]
    return event[:100], extra


def forwards(apps, schema_editor):
    AuditEvent = apps.get_model("core", "AuditEvent")
    for row in AuditEvent.objects.all().iterator(chunk_size=2000):
        row.event, row.extra = typed(row.action, row.object_type, row.detail)
        row.actor_kind = "staff" if (row.actor_id or row.actor_username) else "system"
        row.save(update_fields=["event", "extra", "actor_kind"])


def backwards(apps, schema_editor):
    AuditEvent = apps.get_model("core", "AuditEvent")
    for row in AuditEvent.objects.all().iterator(chunk_size=2000):
        row.action = row.event[:32]  # the old column's width
        row.detail = json.dumps(row.extra) if row.extra else ""
        row.save(update_fields=["action", "detail"])


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0003_auditevent_typed"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
