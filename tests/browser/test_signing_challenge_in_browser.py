"""A real browser meets the signing challenge: with JavaScript it is solved and the
signature sent without the signer doing anything; without, one button sends it."""

import pytest
from playwright.sync_api import expect

from outcry.actions.models import Signature
from tests.browser.test_petition_in_browser import fill_signature_form, page_url, url_of


@pytest.fixture
def everyone_over_the_limit(settings):
    """As if many people had just signed from this connection."""
    settings.SIGN_RATE_BURST_PER_MINUTE = 0


@pytest.mark.parametrize("javascript", [True, False], ids=["javascript", "no-javascript"])
def test_signer_past_the_rate_limit_gets_through_with_or_without_javascript(
    site, new_context, french_petition, smtp_server, tasks, everyone_over_the_limit, javascript
):
    """Past the limit, the browser solves the challenge by itself and lands on "check
    your email"; without JavaScript the signer presses one button and lands there too
    (flagged). Either way the confirmation email goes out; no request leaves the site and
    the page breaks no Content-Security-Policy rule."""
    context = new_context(java_script_enabled=javascript, locale="fr-FR")
    page = context.new_page()
    requested, problems = [], []
    page.on("request", lambda request: requested.append(request.url))
    page.on("console", lambda message: message.type == "error" and problems.append(message.text))
    page.goto(url_of(site, "fr", "petition-detail", slug=french_petition.slug))
    fill_signature_form(
        page, first_name="Sacha", last_name="Petit", email="sacha@example.org", country="France"
    )
    page.get_by_role("button", name="Signer").click()
    if not javascript:
        expect(page.get_by_role("heading", level=1)).to_have_text("Un instant, s’il vous plaît")
        page.get_by_role("button", name="Envoyer ma signature").click()

    expect(page).to_have_url(
        page_url(url_of(site, "fr", "petition-check-email", slug=french_petition.slug)),
        timeout=30_000,
    )
    signature = Signature.objects.get(petition=french_petition)
    assert signature.flag_reason == Signature.FlagReason.IP_BURST
    expected = Signature.State.PENDING if javascript else Signature.State.FLAGGED
    assert signature.state == expected
    tasks.run()
    assert smtp_server.messages_to("sacha@example.org")
    assert all(url.startswith(site.url) for url in requested), requested
    assert problems == []
