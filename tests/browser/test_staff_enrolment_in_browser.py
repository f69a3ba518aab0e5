"""A new staff member's first login in a real browser: the password, then the TOTP set-up
(QR code drawn by the page itself, nothing loaded from elsewhere), a code computed from
the shown secret with allauth's own TOTP functions, the recovery codes, then the admin."""

import pytest
from allauth.mfa.totp.internal.auth import (
    format_hotp_value,
    hotp_value,
    yield_hotp_counters_from_time,
)

from tests import actors
from tests.browser.conftest import same_origin

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_first_login_enrols_totp_then_opens_the_admin(new_context, site):
    newcomer = actors.staff(username="first-login", role=None)
    page = new_context().new_page()
    elsewhere = []
    page.on("request", lambda r: None if same_origin(r.url, site.url) else elsewhere.append(r.url))

    page.goto(f"{site.url}/admin/")
    page.fill("input[name=login]", newcomer.username)
    page.fill("input[name=password]", actors.PASSWORD)
    page.click("button[type=submit]")

    # Straight into enrolment, not the admin.
    page.wait_for_url("**/admin/staff/2fa/totp/activate/")
    qr = page.locator("img[src^='data:image/svg+xml']")
    assert qr.count() == 1
    secret = page.input_value("#authenticator_secret")
    code = format_hotp_value(hotp_value(secret, next(yield_hotp_counters_from_time())))
    page.fill("input[name=code]", code)
    page.click("button[type=submit]")

    page.wait_for_url("**/admin/staff/2fa/recovery-codes/")
    assert page.locator("text=/\\b\\d{8}\\b/").count() >= 1
    page.click("text=Open the admin")
    page.wait_for_url(f"{site.url}/admin/")
    assert page.locator("#site-name").count() == 1
    assert elsewhere == []
