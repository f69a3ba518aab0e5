from functools import wraps

from anymail import urls as anymail_urls
from django.conf import settings
from django.http import Http404
from django.urls import path, re_path

from outcry.mailings import views


def _only_with_secret(view):
    """Without ANYMAIL_WEBHOOK_SECRET anymail would accept anyone's events (with a
    warning): anybody could then mark addresses bounced. Such a webhook does not exist."""

    @wraps(view)
    def guarded(request, *args, **kwargs):
        if not getattr(settings, "ANYMAIL", {}).get("WEBHOOK_SECRET"):
            raise Http404
        return view(request, *args, **kwargs)

    return guarded


urlpatterns = [
    path("m/<str:token>/unsubscribe/", views.unsubscribe, name="mailing-unsubscribe"),
    path("m/<str:token>/<str:key>/", views.view_in_browser, name="mailing-view"),
]

# Email services' bounce and complaint webhooks: /anymail/<service>/tracking/.
anymail_urlpatterns = [
    re_path(str(pattern.pattern), _only_with_secret(pattern.callback), name=pattern.name)
    for pattern in anymail_urls.urlpatterns
]
