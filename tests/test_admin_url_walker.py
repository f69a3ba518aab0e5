"""Every admin URL, requested as anonymous and as each staff role, answers as the roles say.

The walk covers every URL pattern of ``admin.site`` (each ModelAdmin's changelist, add,
change, delete and history pages and its own extra views, and the site's views), resolved
with a real object of the model. The expected answer of the standard pages is derived from
the roles' permissions in ``outcry.core.roles``; the site's views and the custom views are
classified in tables below. A URL the walk finds but no rule classifies fails the test, as
does any 500: a new admin view must say who may open it.

What "refused" means here: anonymous visitors are redirected to the login page (302);
logged-in staff without the permission get 403 (Django's admin raises PermissionDenied),
except for an application's index page (``/admin/<app>/``), which Django answers with 404
when the user may see none of its models.

Outside ``/admin/`` no view is staff-only today (no ``staff_member_required``,
``permission_required`` or ``login_required`` in ``src/outcry``); ``/dev/outbox/`` is
development-only and is checked to be a 404 with DEBUG off.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib import admin
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.test import Client, RequestFactory
from django.urls import URLPattern, URLResolver, reverse

from outcry.actions.models import (
    BlockedSource,
    Call,
    CallAction,
    Letter,
    LetterAction,
    Petition,
    Signature,
    TargetDigest,
)
from outcry.cases.models import Case
from outcry.comments.models import BlockedTerm
from outcry.core import roles
from outcry.core.crypto import email_hash, seal
from outcry.deliveries.models import Delivery, DeliveryPackage
from outcry.deliveries.services import package_generate, package_request
from outcry.demo.services import demo_load
from outcry.mailings.models import Mailing
from outcry.solidarity.models import SolidarityPack
from outcry.supporters.models import Suppression
from tests import actors
from tests.actors import SupporterFactory, logged_in

ANONYMOUS = "anonymous"
# Each role as tests/actors.py makes it (Ada is also a superuser, as the demo's admin is).
ROLES: dict[str, Callable] = {
    "campaigner": actors.campaigner,
    "moderator": actors.moderator,
    "data protection": actors.data_protection_officer,
    "administrator": actors.administrator,
    "no role": actors.no_role,
}
ROLE_GROUPS = {
    "campaigner": roles.CAMPAIGNER,
    "moderator": roles.MODERATOR,
    "data protection": roles.DATA_PROTECTION,
    "administrator": roles.ADMINISTRATOR,
    "no role": None,
}

STANDARD_VIEWS = ("changelist", "add", "change", "delete", "history")


def role_permissions(who: str) -> set[str] | None:
    """The role's permissions as ``outcry.core.roles`` lists them; None means all of them."""
    group = ROLE_GROUPS[who]
    if group is None:
        return set()
    listed = roles.role_permissions(group)
    return None if "*" in listed else set(listed)


def may(who: str, *perms: str) -> bool:
    held = role_permissions(who)
    return held is None or all(perm in held for perm in perms)


def may_any(who: str, *perms: str) -> bool:
    held = role_permissions(who)
    return held is None or any(perm in held for perm in perms)


@dataclass(frozen=True)
class Custom:
    """A view with its own rule: the permissions it needs (all of them), and its answer to a
    GET from someone holding them (200, or 302 for views that redirect by design)."""

    needs: tuple[str, ...]
    allowed: int = 200
    # POSTed by someone without the permission, it must be refused (it changes something).
    acts: bool = False


# The ModelAdmins' own extra views, by URL name. ``kwargs`` are filled from the objects.
CUSTOM_VIEWS: dict[str, Custom] = {
    "supporters_supporter_find": Custom(needs=("supporters.view_supporter",), acts=True),
    "supporters_suppression_find": Custom(needs=("supporters.view_suppression",), acts=True),
    "targets_office_import": Custom(
        needs=(
            "targets.add_office",
            "targets.change_office",
            "targets.add_target",
            "targets.change_target",
        ),
        acts=True,
    ),
    "targets_office_import_template": Custom(
        needs=(
            "targets.add_office",
            "targets.change_office",
            "targets.add_target",
            "targets.change_target",
        )
    ),
    "deliveries_deliverypackage_download": Custom(needs=("deliveries.download_deliverypackage",)),
    "solidarity_solidaritypack_download": Custom(needs=("solidarity.download_solidaritypack",)),
    "mailing-send": Custom(needs=("mailings.view_mailing", "mailings.send_mailing"), acts=True),
    "mailing-preview": Custom(needs=("mailings.view_mailing",), acts=True),
    # GET only leads back to the mailing; the change is a POST.
    "mailing-state": Custom(
        needs=("mailings.view_mailing", "mailings.send_mailing"), allowed=302, acts=True
    ),
    # GET leads back to the case; making the draft is a POST.
    "mailing-from-case": Custom(needs=("mailings.add_mailing",), allowed=302, acts=True),
    "auth_user_password_change": Custom(needs=("auth.change_user",), acts=True),
    # "Who saw what": data-protection staff and administrators.
    "core_auditevent_trail": Custom(needs=("core.view_auditevent",)),
}

# The admin site's own views, by URL name: the answer to anonymous, then to any staff.
SITE_VIEWS: dict[str, tuple[int, int]] = {
    "index": (302, 200),
    # Logged-in staff are sent on to the index.
    "login": (200, 302),
    # Logging out is a POST (Django 5): a GET is refused (405) to staff; anonymous visitors
    # are sent to the admin index, which sends them on to the login page.
    "logout": (302, 405),
    "password_change": (302, 200),
    "password_change_done": (302, 200),
    "jsi18n": (302, 200),
    # Without its query (which model's field) the autocomplete refuses.
    "autocomplete": (302, 403),
    # Redirects to the object's public page.
    "view_on_site": (302, 302),
}


# Admin (bulk) actions whose permission is not "<app>.<permission>_<model>".
ACTION_PERMISSIONS: dict[tuple[str, str], str] = {
    ("solidarity.SolidarityAction", "pack"): "solidarity.add_solidaritypack",
    ("targets.Office", "change_email"): "targets.change_office_email",
    ("solidarity.SolidarityMessage", "moderate"): "solidarity.moderate_solidarity_message",
    # Only administrators manage staff accounts, and only they reset a second factor.
    ("auth.User", "mfa_reset"): "auth.change_user",
}


def walk(patterns, prefix: str = "", admin_of=None):
    """Every URL pattern under ``patterns``: (route, name, the ModelAdmin it belongs to)."""
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            route = prefix + str(pattern.pattern)
            # The site includes each ModelAdmin's URLs under "<app_label>/<model_name>/".
            owner = next(
                (
                    model_admin
                    for model, model_admin in admin.site._registry.items()
                    if route == f"{model._meta.app_label}/{model._meta.model_name}/"
                ),
                admin_of,
            )
            yield from walk(pattern.url_patterns, route, owner)
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern), pattern.name, admin_of


def ensure_an_object_of_every_registered_model() -> dict[type[models.Model], models.Model]:
    """The demo, plus one of each registered model it does not make."""
    demo_load()
    for make in ROLES.values():
        make()
    supporter = SupporterFactory()
    person = {
        "supporter": supporter,
        "email_hash": supporter.email_hash,
        "country": "RU",
        "language": "en",
        "personal_data": seal({"first_name": "Anna", "city": "Kazan"}),
    }
    makers = {
        Signature: lambda: Signature.objects.create(**person, petition=Petition.objects.first()),
        Letter: lambda: Letter.objects.create(**person, action=LetterAction.objects.first()),
        Call: lambda: Call.objects.create(
            **person, action=CallAction.objects.first(), outcome=Call.Outcome.ANSWERED
        ),
        TargetDigest: lambda: TargetDigest.objects.create(
            action=LetterAction.objects.first(), email="minister@example.org"
        ),
    }
    package = package_request(
        action=Petition.objects.first(), language="en", page_size="A4", actor=None
    )
    package.refresh_from_db()
    if package.status != DeliveryPackage.Status.READY:  # unless the task already ran
        package_generate(package_id=package.pk)
    request_seen = {
        "user_agent": "Firefox",
        "http_accept": "text/html",
        "path_info": "/admin/login/",
        "ip_address": "192.0.2.1",
        "username": "someone",
    }
    makers.update(
        {
            Suppression: lambda: Suppression.objects.create(
                email_hash=email_hash("gone@example.org"), reason=Suppression.Reason.COMPLAINT
            ),
            BlockedSource: lambda: BlockedSource.objects.create(
                kind=BlockedSource.Kind.EMAIL_DOMAIN, value="spam.example", reason="A wave"
            ),
            Delivery: lambda: Delivery.objects.create(
                package=package,
                delivered_on=date(2026, 1, 2),
                method=Delivery.Method.POST,
                delivered_by="The campaign team",
            ),
            BlockedTerm: lambda: BlockedTerm.objects.create(term="casino"),
            AccessAttempt: lambda: AccessAttempt.objects.create(
                **request_seen, get_data="", post_data="", failures_since_start=3
            ),
            AccessLog: lambda: AccessLog.objects.create(**request_seen),
            AccessFailureLog: lambda: AccessFailureLog.objects.create(**request_seen),
        }
    )
    objects = {}
    for model in admin.site._registry:
        obj = model._base_manager.order_by("pk").first()
        if obj is None and model in makers:
            obj = makers[model]()
        objects[model] = obj
    return objects


@dataclass
class Walk:
    objects: dict
    clients: dict[str, Client]
    failures: list[str]

    def request(
        self, who: str, url: str, expected: int, *, method: str = "get", to_login: bool = True
    ) -> None:
        response = getattr(self.clients[who], method)(url)
        status = response.status_code
        if status == expected and status == 302 and who == ANONYMOUS:
            if to_login and "login" not in response["Location"]:
                self.failures.append(f"{method.upper()} {url} as {who}: {response['Location']}")
            return
        if status != expected:
            self.failures.append(f"{method.upper()} {url} as {who}: {status}, expected {expected}")


@pytest.fixture
def walk_setup(db):
    objects = ensure_an_object_of_every_registered_model()
    clients = {ANONYMOUS: Client()}
    for who, make in ROLES.items():
        clients[who] = Client()
        logged_in(clients[who], make())
    return Walk(objects=objects, clients=clients, failures=[])


def model_perm(model: type[models.Model], verb: str) -> str:
    return f"{model._meta.app_label}.{verb}_{model._meta.model_name}"


def admin_allows_at_all(model_admin, view: str, obj) -> bool:
    """Whether the ModelAdmin offers this page to anyone (to the superuser): some models are
    never added or deleted by hand (signatures, audit rows), whatever the role."""
    request = RequestFactory().get("/admin/")
    request.user = actors.administrator()
    return {
        "changelist": lambda: model_admin.has_view_or_change_permission(request),
        "add": lambda: model_admin.has_add_permission(request),
        "change": lambda: model_admin.has_view_or_change_permission(request, obj),
        "delete": lambda: model_admin.has_delete_permission(request, obj),
        "history": lambda: model_admin.has_view_or_change_permission(request, obj),
    }[view]()


def role_may(who: str, model: type[models.Model], view: str) -> bool:
    if view == "add":
        return may(who, model_perm(model, "add"))
    if view == "delete":
        return may(who, model_perm(model, "delete"))
    return may_any(who, model_perm(model, "view"), model_perm(model, "change"))


def test_every_admin_url_answers_each_role_as_the_roles_say(walk_setup, settings):
    settings.DEBUG = False
    run = walk_setup
    unclassified = []
    seen_names = set()
    for route, name, model_admin in walk(admin.site.get_urls()):
        model = model_admin.model if model_admin else None
        obj = run.objects.get(model) if model else None
        seen_names.add(name)
        if (
            model_admin
            and name
            and name.rsplit("_", 1)[-1] in STANDARD_VIEWS
            and name.startswith(f"{model._meta.app_label}_{model._meta.model_name}_")
        ):
            view = name.rsplit("_", 1)[-1]
            if view in {"change", "delete", "history"}:
                if obj is None:
                    unclassified.append(f"{route}: no {model._meta.label} to open")
                    continue
                url = reverse(f"admin:{name}", args=[obj.pk])
            else:
                url = reverse(f"admin:{name}")
            offered = admin_allows_at_all(model_admin, view, obj)
            run.request(ANONYMOUS, url, 302)
            for who in ROLES:
                allowed = offered and role_may(who, model, view)
                run.request(who, url, 200 if allowed else 403)
                if view == "delete" and not allowed:
                    run.request(who, url, 403, method="post")
            continue
        if model_admin and name is None and route.endswith("<path:object_id>/"):
            # The old-style object URL redirects to the change page before any check.
            if obj is not None:
                url = reverse(
                    f"admin:{model._meta.app_label}_{model._meta.model_name}_change", args=[obj.pk]
                ).removesuffix("change/")
                run.request(ANONYMOUS, url, 302)
                for who in ROLES:
                    run.request(who, url, 302)
            continue
        if name in CUSTOM_VIEWS:
            rule = CUSTOM_VIEWS[name]
            url = custom_url(name, run.objects)
            run.request(ANONYMOUS, url, 302)
            for who in ROLES:
                allowed = may(who, *rule.needs)
                run.request(who, url, rule.allowed if allowed else 403)
                if rule.acts and not allowed:
                    run.request(who, url, 403, method="post")
            continue
        if name in SITE_VIEWS:
            anonymous, staff = SITE_VIEWS[name]
            url = site_url(name, run.objects)
            run.request(ANONYMOUS, url, anonymous, to_login=name != "logout")
            for who in ROLES:
                run.request(who, url, staff)
            continue
        if name == "app_list":
            for app_label in sorted({m._meta.app_label for m in admin.site._registry}):
                url = reverse("admin:app_list", args=[app_label])
                run.request(ANONYMOUS, url, 302)
                for who in ROLES:
                    visible = any(
                        may_any(
                            who, *(model_perm(m, v) for v in ("view", "change", "add", "delete"))
                        )
                        for m in admin.site._registry
                        if m._meta.app_label == app_label
                    )
                    run.request(who, url, 200 if visible else 404)
            continue
        if name is None and route == "(?P<url>.*)$":
            # Any other address under /admin/: login first, then "no such page".
            url = "/admin/no-such-page/"
            run.request(ANONYMOUS, url, 302)
            for who in ROLES:
                run.request(who, url, 404)
            continue
        unclassified.append(f"{route} (name {name!r})")

    walk_admin_actions(run, unclassified)
    assert not unclassified, "Admin URLs no rule classifies:\n" + "\n".join(unclassified)
    for stale in (set(CUSTOM_VIEWS) | set(SITE_VIEWS)) - seen_names:
        run.failures.append(f"{stale} is classified but no longer exists")
    for url in ("/dev/outbox/", "/dev/outbox/anything/"):
        for who in (ANONYMOUS, *ROLES):
            run.request(who, url, 404)
    assert not run.failures, "\n".join(run.failures)
    for model, obj in run.objects.items():
        assert obj is None or model._base_manager.filter(pk=obj.pk).exists(), obj


def action_permission(model: type[models.Model], permission: str) -> str | None:
    """The permission (``app.codename``) an admin action's ``permissions=[...]`` stands for."""
    if permission in {"add", "change", "delete", "view"}:
        return model_perm(model, permission)
    if (model._meta.label, permission) in ACTION_PERMISSIONS:
        return ACTION_PERMISSIONS[(model._meta.label, permission)]
    codename = f"{permission}_{model._meta.model_name}"
    if Permission.objects.filter(
        content_type=ContentType.objects.get_for_model(model), codename=codename
    ).exists():
        return f"{model._meta.app_label}.{codename}"
    return None


def walk_admin_actions(run: Walk, unclassified: list[str]) -> None:
    """Each bulk action POSTed by a role that may see the list but lacks the action's
    permission is refused ("No action selected.", nothing done)."""
    for model, model_admin in admin.site._registry.items():
        obj = run.objects.get(model)
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        for action in model_admin.actions or ():
            function = model_admin.get_action(action)[0] if isinstance(action, str) else action
            name = getattr(function, "__name__", str(action))
            permissions = getattr(function, "allowed_permissions", ())
            needs = [action_permission(model, permission) for permission in permissions]
            if None in needs:
                unclassified.append(f"action {name} of {model._meta.label}: {permissions}")
                continue
            if (
                obj is not None
                and f'<option value="{name}"'
                not in run.clients["administrator"].get(url).content.decode()
            ):
                run.failures.append(f"{url} does not offer action {name} to the administrator")
            for who in ROLES:
                if may(who, *needs) or not role_may(who, model, "changelist") or obj is None:
                    continue
                offered = run.clients[who].get(url).content.decode()
                if f'<option value="{name}"' in offered:
                    run.failures.append(f"{url} offers action {name} to {who}")
                # Posted anyway, it does nothing: Django answers "No action selected." (or,
                # where the role has no action at all on this list, shows the list again).
                response = run.clients[who].post(
                    url, {"action": name, "_selected_action": [obj.pk]}, follow=True
                )
                shown = (
                    {str(m) for m in response.context["messages"]} if response.context else set()
                )
                if response.status_code != 200 or shown - {"No action selected."}:
                    run.failures.append(
                        f"POST action {name} on {url} as {who}: {response.status_code} {shown}"
                    )


def custom_url(name: str, objects) -> str:
    mailing = Mailing.objects.order_by("pk").first()
    kwargs = {
        "deliveries_deliverypackage_download": lambda: {
            "pk": DeliveryPackage.objects.get(status=DeliveryPackage.Status.READY).pk,
            "kind": "pdf",
        },
        "solidarity_solidaritypack_download": lambda: {
            "pk": SolidarityPack.objects.get(status=SolidarityPack.Status.READY).pk
        },
        "mailing-send": lambda: {"pk": mailing.pk},
        "mailing-preview": lambda: {"pk": mailing.pk},
        "mailing-state": lambda: {"pk": mailing.pk, "change": "pause"},
        "mailing-from-case": lambda: {"case_pk": Case.objects.order_by("pk").first().pk},
        "auth_user_password_change": lambda: {"id": actors.no_role().pk},
    }.get(name, dict)()
    return reverse(f"admin:{name}", kwargs=kwargs)


def site_url(name: str, objects) -> str:
    if name == "view_on_site":
        case = Case.objects.filter(is_published=True).order_by("pk").first()
        return reverse(
            "admin:view_on_site", args=[ContentType.objects.get_for_model(Case).pk, case.pk]
        )
    return reverse(f"admin:{name}")


def test_the_roles_name_only_permissions_that_exist(db):
    """A permission misspelled in the roles table would silently be given to no one."""
    for group in ROLE_GROUPS.values():
        if group is None:
            continue
        for perm in roles.role_permissions(group):
            if perm == "*":
                continue
            app_label, codename = perm.split(".")
            assert Permission.objects.filter(
                content_type__app_label=app_label, codename=codename
            ).exists(), perm
