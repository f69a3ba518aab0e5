"""One error base (``outcry.core.errors``): every error a person can meet has a stable
code, an HTTP status and a translated message, and HTML views show it through one helper."""

import pytest
from django.test import RequestFactory
from django.utils import translation

from outcry.actions import letters, participation, services  # noqa: F401 - defines errors
from outcry.comments import services as comment_services  # noqa: F401 - defines errors
from outcry.core.errors import AlreadyConfirmed, OutcryError, TokenExpired, TokenInvalid
from outcry.core.http import error_page
from outcry.deliveries import services as delivery_services  # noqa: F401 - defines errors
from outcry.subscriptions import services as subscription_services  # noqa: F401
from outcry.subscriptions import tokens


def every_error() -> list[type[OutcryError]]:
    found, todo = [], [OutcryError]
    while todo:
        cls = todo.pop()
        found.append(cls)
        todo.extend(cls.__subclasses__())
    return found


def test_every_error_has_a_stable_code_a_status_and_a_french_message():
    errors = [cls for cls in every_error() if cls is not OutcryError]
    assert len(errors) >= 10
    codes = [cls.code for cls in errors]
    assert len(set(codes)) == len(codes), "two errors share a code"
    for cls in errors:
        assert 400 <= cls.status < 500, cls
        with translation.override("en"):
            english = str(cls.default_message)
        with translation.override("fr"):
            french = str(cls.default_message)
        assert english and french != english, f"{cls.__name__} has no French message"


def test_generic_errors_are_defined_once_and_shared_by_every_app():
    assert tokens.TokenInvalid is TokenInvalid
    assert tokens.TokenExpired is TokenExpired
    assert subscription_services.AlreadyConfirmed is AlreadyConfirmed
    assert comment_services.RateLimited is subscription_services.RateLimited


def test_the_message_follows_the_active_language():
    error = TokenExpired()
    with translation.override("fr"):
        assert error.message == "Ce lien a expiré."
        assert str(error) == "Ce lien a expiré."
    assert TokenExpired("Sent back").message == "Sent back"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("error", "status", "heading"),
    [
        (AlreadyConfirmed(), 409, "Already confirmed"),
        (TokenExpired(), 410, "This link has expired"),
        (TokenInvalid(), 404, "This link is not valid"),
    ],
)
def test_error_page_shows_the_page_for_the_error_with_its_status(error, status, heading):
    request = RequestFactory().get("/en/")
    response = error_page(request, error, template="actions/confirm_problem.html")
    assert response.status_code == status
    assert heading in response.content.decode()
