"""The staff accounts' admin: Django's user admin with an audited reset of another staff
member's second factor. Registered from ``CoreConfig.ready``, after the admin has
discovered Django's and allauth's own registrations, which it replaces."""

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.models import User
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from outcry.core import roles
from outcry.core.staffauth import SecondFactorRequired, user_mfa_reset
from outcry.core.stepup import step_up_required_action


class StaffUserAdmin(UserAdmin):
    actions = ["mfa_reset"]

    def has_mfa_reset_permission(self, request: HttpRequest) -> bool:
        user = request.user
        return user.is_superuser or user.groups.filter(name=roles.ADMINISTRATOR).exists()

    @admin.action(
        description=_("Reset two-factor authentication (they enrol again at next login)"),
        permissions=["mfa_reset"],
    )
    @step_up_required_action
    def mfa_reset(self, request: HttpRequest, queryset) -> None:
        reset = 0
        for user in queryset:
            try:
                user_mfa_reset(user=user, actor=request.user)
            except SecondFactorRequired:
                self.message_user(
                    request,
                    _(
                        "You cannot reset your own two-factor authentication here. Log in "
                        "with a recovery code, then set up a new authenticator."
                    ),
                    messages.ERROR,
                )
                continue
            reset += 1
        if reset:
            self.message_user(
                request,
                ngettext(
                    "Two-factor authentication reset for %(count)d staff member.",
                    "Two-factor authentication reset for %(count)d staff members.",
                    reset,
                )
                % {"count": reset},
                messages.SUCCESS,
            )


def staff_admin_register() -> None:
    admin.site.unregister(User)
    admin.site.register(User, StaffUserAdmin)
    # Staff have no email flows, and authenticators are changed by their owner (allauth's
    # pages) or reset through the audited action above, never edited as rows.
    for model in (EmailAddress, Authenticator):
        if admin.site.is_registered(model):
            admin.site.unregister(model)
