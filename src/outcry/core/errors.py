"""One base for the errors a person can meet, and the generic ones every app shares.

A service raises an ``OutcryError`` when it cannot do what was asked for a reason the
person should hear about (a used link, a closed action, too many requests). Each carries:

- ``code``: a stable string naming the problem, for the API to come and for the pages'
  templates (which choose their own words by it); never changes once published;
- ``status``: the HTTP status a view answers with;
- ``message``: a translated, plain sentence for the person, for a page or an API response
  that has no words of its own for it.

The HTML views map them once, through ``outcry.core.http.error_page``. Errors particular to
one app (a comment's thread too deep, a letter too long) subclass these in that app.
"""

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


class OutcryError(Exception):
    code: str = "error"
    status: int = 400
    default_message: str | Promise = _("Something went wrong. Please try again.")

    def __init__(self, message: str | Promise | None = None) -> None:
        self._message = message if message is not None else self.default_message
        super().__init__(self._message)

    @property
    def message(self) -> str:
        """What the person reads (in the active language): the words given when raised,
        else the class's own."""
        return str(self._message)

    def __str__(self) -> str:
        return self.message


class TokenInvalid(OutcryError):
    """The link was altered, never issued by us, or what it names is gone."""

    code = "token_invalid"
    status = 404
    default_message = _("This link does not work.")


class TokenExpired(OutcryError):
    """The link is older than it may be."""

    code = "token_expired"
    status = 410
    default_message = _("This link has expired.")


class AlreadyConfirmed(OutcryError):
    """The link was followed before: what it confirms is confirmed already."""

    code = "already_confirmed"
    status = 409
    default_message = _("This link has already been used: there is nothing more to do.")


class ActionClosed(OutcryError):
    """The action (or whatever else was acted on) takes nothing now."""

    code = "action_closed"
    status = 403
    default_message = _("This action is closed.")


class RateLimited(OutcryError):
    """This address has asked too often; nothing was stored."""

    code = "rate_limited"
    status = 429
    default_message = _("You have sent many requests in a short time. Please try again later.")
