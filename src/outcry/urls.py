from allauth.account.views import LoginView
from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path

from outcry.actions import views as action_views
from outcry.actions.registry import urlconfs
from outcry.core import views as core_views
from outcry.mailings.urls import anymail_urlpatterns

handler500 = "outcry.core.views.server_error"

admin.site.site_header = "Outcry"
admin.site.site_title = "Outcry staff"
# /admin/login/ is allauth's login, with its second-factor step: one way in for staff.
admin.site.login = LoginView.as_view()

urlpatterns = [
    path("healthz/", core_views.healthz, name="healthz"),
    path("dev/outbox/", core_views.dev_outbox, name="dev-outbox"),
    path("dev/outbox/<str:name>/", core_views.dev_outbox, name="dev-outbox-message"),
    path(
        "petitions/<slug:slug>/count.json",
        action_views.action_count_json,
        {"kind": "petition"},
        name="petition-count-json",
    ),
    # Off on the public tier: there /admin/ is no URL at all (404), and the admin is served
    # by a staff-tier process on its own host or network.
    # The staff login, second factor, enrolment and re-verification pages (allauth) sit
    # beside the admin, on its host; before it, so the admin's catch-all does not take them.
    *(
        [path("admin/staff/", include("allauth.urls")), path("admin/", admin.site.urls)]
        if settings.ADMIN_ENABLED
        else []
    ),
    # Links in mailings: no language prefix (the recipient's language is known).
    path("", include("outcry.mailings.urls")),
    path("anymail/", include((anymail_urlpatterns, "anymail"))),
]

urlpatterns += i18n_patterns(
    path("", action_views.home, name="home"),
    path("privacy/", core_views.privacy, name="privacy"),
    path("", include("outcry.cases.urls")),
    path("", include("outcry.actions.urls")),
    path("", include("outcry.news.urls")),
    path("", include("outcry.comments.urls")),
    path("", include("outcry.deliveries.urls")),
    path("", include("outcry.subscriptions.urls")),
    # Action types in their own apps bring their pages with their registration.
    *(path("", include(urlconf)) for urlconf in urlconfs()),
    prefix_default_language=True,
)
