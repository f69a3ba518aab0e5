"""A supporter's path through a real browser: Debian's chromium, headless, on the live
server. Signing works without JavaScript; with it, the count refreshes by itself; no page
asks anything of another host; the French page is usable on a small phone."""

import re
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation
from playwright.sync_api import expect

from outcry.actions import services
from outcry.actions.models import Petition, Signature
from outcry.actions.participation import Consents, ConsentText
from tests.browser.conftest import same_origin

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Sets data-refresh-seconds on every count box as the parser inserts it, before count.js
# (deferred) reads it: the test's stand-in for the attribute the template would set.
REFRESH_SECONDS_INIT = """
(() => {
  const seconds = %s;
  if (seconds === null) return;
  const tag = (node) => {
    if (node.nodeType !== 1) return;
    const sel = "[data-count-url]";
    const boxes = node.matches(sel) ? [node] : node.querySelectorAll(sel);
    boxes.forEach((box) => box.setAttribute("data-refresh-seconds", seconds));
  };
  new MutationObserver((records) => records.forEach((r) => r.addedNodes.forEach(tag)))
    .observe(document, { childList: true, subtree: true });
})();
"""

# Counts count.json fetches, so fake time can be checked against them without waiting.
COUNT_FETCHES_INIT = """
window.__countFetches = 0;
const realFetch = window.fetch;
window.fetch = function (resource, options) {
  if (String(resource).endsWith("/count.json")) window.__countFetches += 1;
  return realFetch.call(this, resource, options);
};
"""

# Keeps every CSP violation the document reports (Chromium also logs them to the console).
CSP_LISTENER_INIT = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(`${event.violatedDirective} blocked ${event.blockedURI || "inline"}`);
});
"""


def url_of(site, language: str, name: str, **kwargs) -> str:
    with translation.override(language):
        return site.url + reverse(name, kwargs=kwargs)


def page_url(url: str) -> re.Pattern:
    """The URL, with any fragment: the form posts to …/#sign and the browser keeps that
    fragment across the redirect to the check-email page."""
    return re.compile(re.escape(url) + r"(#.*)?$")


def shown_count(page) -> int:
    """The count as the page shows it, whatever the locale's thousands separator."""
    return int(re.sub(r"\D", "", page.locator(".progress .count-value").first.inner_text()))


def confirmation_link(smtp_server, address: str, site) -> str:
    """The link in the confirmation email, pointed at the live server."""
    [message] = smtp_server.messages_to(address)
    body = message.get_body(("plain",)).get_content()
    link = re.search(r"https?://\S+/confirm/\S+/", body).group(0)
    assert link.startswith(settings.SITE_URL + "/"), link
    return site.url + urlsplit(link).path


def fill_signature_form(page, *, first_name: str, last_name: str, email: str, country: str):
    """Fill the form as a person does, finding each field by its (French) label."""
    page.get_by_label(re.compile(r"^Prénom")).fill(first_name)
    page.get_by_label(re.compile(r"^Nom")).fill(last_name)
    page.get_by_label(re.compile(r"^Adresse e-mail")).fill(email)
    page.get_by_label(re.compile(r"^Pays")).select_option(label=country)


def test_sign_without_javascript_confirm_by_email_and_count_once(
    site, new_context, french_petition, smtp_server, tasks
):
    context = new_context(java_script_enabled=False, locale="fr-FR")
    page = context.new_page()
    requested = []
    page.on("request", lambda request: requested.append(request.url))
    petition_url = url_of(site, "fr", "petition-detail", slug=french_petition.slug)

    page.goto(petition_url)
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page.get_by_role("heading", level=1)).to_have_text(french_petition.title_fr)
    expect(page.locator(".case-line .status")).to_have_text(re.compile(r"Statut\s*:\s*En danger"))
    target = page.locator("section.target address")
    expect(target).to_contain_text("Igor Krasnov")
    expect(target).to_contain_text("Procureur général de la Fédération de Russie")
    progress = page.locator(".progress")
    expect(progress.locator(".count-value")).to_have_text(re.compile(r"^1\s?234$"))
    expect(progress.locator(".count")).to_contain_text(re.compile(r"objectif\s*:\s*5\s?000"))
    expect(progress.locator("progress")).to_have_attribute("max", "5000")
    expect(progress.locator("progress")).to_have_attribute("value", "1234")
    count_before = shown_count(page)

    fill_signature_form(
        page,
        first_name="Camille",
        last_name="Dupont",
        email="camille@example.org",
        country="Belgique",
    )
    # Nothing is ticked for the supporter: neither the emails nor being named to the target.
    for checkbox in page.get_by_role("checkbox").all():
        expect(checkbox).not_to_be_checked()
    page.get_by_role("button", name="Signer").click()

    expect(page).to_have_url(
        page_url(url_of(site, "fr", "petition-check-email", slug=french_petition.slug))
    )
    expect(page.get_by_role("heading", level=1)).to_have_text("Vérifiez votre boîte mail")

    tasks.run()
    response = page.goto(confirmation_link(smtp_server, "camille@example.org", site))
    assert response.status == 200
    # Opening the link only asks; the button confirms.
    expect(page.get_by_role("heading", level=1)).to_have_text("Confirmez votre signature")
    page.get_by_role("button", name="Confirmer ma signature").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Merci ! Votre signature est confirmée"
    )

    tasks.run(include_deferred=True)
    page.goto(petition_url)
    assert shown_count(page) == count_before + 1
    expect(progress.locator("progress")).to_have_attribute("value", str(count_before + 1))

    signature = Signature.objects.get(petition=french_petition)
    assert signature.state == Signature.State.VALIDATED
    assert (signature.country, signature.language, signature.keep_informed) == ("BE", "fr", False)
    assert not [url for url in requested if url.endswith("/count.json")], "JavaScript ran"


def test_count_refreshes_live_without_cookies_or_reload(
    site, new_context, french_petition, smtp_server, tasks, settings
):
    # The browser may keep the count for COUNT_CACHE_MAX_AGE seconds: nothing to wait for.
    settings.COUNT_CACHE_MAX_AGE = 0
    context = new_context(locale="fr-FR")
    # A cookie the site's pages get, to show that the count request does not carry it.
    context.add_cookies([{"name": "sessionid", "value": "not-for-the-count", "url": site.url}])
    context.add_init_script(REFRESH_SECONDS_INIT % 1)
    page = context.new_page()
    navigations = []
    page.on("framenavigated", lambda frame: navigations.append(frame.url))

    with page.expect_request(lambda r: r.url.endswith("/count.json")) as first_count:
        with page.expect_request(lambda r: r.resource_type == "document") as document:
            page.goto(url_of(site, "fr", "petition-detail", slug=french_petition.slug))
    assert "sessionid=not-for-the-count" in document.value.all_headers().get("cookie", "")
    assert "cookie" not in first_count.value.all_headers()
    expect(page.locator(".progress")).to_have_attribute("data-refresh-seconds", "1")
    count = page.locator(".progress .count-value")
    expect(count).to_have_text(re.compile(r"^1\s?234$"))
    page.evaluate("window.__samePage = true")

    # Someone else signs and confirms; the worker counts. The page is not touched.
    services.signature_create(
        petition=french_petition,
        email="dominique@example.org",
        first_name="Dominique",
        last_name="Martin",
        country="FR",
        language="fr",
        consents=Consents(keep_informed_asked=ConsentText(wording="-", version="-")),
        source_url="",
        ip_hash="",
    )
    signature = Signature.objects.get(petition=french_petition)
    services.signature_confirm(token=services.confirmation_token(signature))
    tasks.run(include_deferred=True)
    assert Petition.objects.get(pk=french_petition.pk).count == 1235

    with page.expect_request(lambda r: r.url.endswith("/count.json")) as later_count:
        expect(count).to_have_text(re.compile(r"^1\s?235$"))
    expect(page.locator(".progress progress")).to_have_js_property("value", 1235)
    assert page.evaluate("window.__samePage") is True
    assert navigations == [page.url], "the page was reloaded"
    assert "cookie" not in later_count.value.all_headers()


@pytest.mark.parametrize(
    ("attribute", "seconds"),
    [(None, 15), ('"5"', 5), ('"0"', 15), ('"soon"', 15)],
    ids=["default", "five", "zero-ignored", "garbage-ignored"],
)
def test_count_refresh_interval_comes_from_the_data_attribute(
    site, new_context, french_petition, attribute, seconds
):
    context = new_context()
    context.add_init_script(REFRESH_SECONDS_INIT % (attribute or "null"))
    context.add_init_script(COUNT_FETCHES_INIT)
    page = context.new_page()
    page.clock.install()
    page.goto(url_of(site, "en", "petition-detail", slug=french_petition.slug))

    def fetches() -> int:
        return page.evaluate("window.__countFetches")

    assert fetches() == 1  # at once, on load
    page.clock.run_for((seconds - 1) * 1000)
    assert fetches() == 1
    page.clock.run_for(2000)
    assert fetches() == 2
    # Waits for the answer too: a request still running on the server when the test ends
    # would race the database's emptying for the next test.
    with page.expect_response(lambda response: response.url.endswith("/count.json")):
        page.clock.run_for(seconds * 1000)
    assert fetches() == 3


def test_no_request_leaves_the_site_and_no_page_logs_errors(
    site, new_context, french_petition, smtp_server, tasks
):
    context = new_context(locale="fr-FR")
    context.add_init_script(CSP_LISTENER_INIT)
    requested = []
    context.on("request", lambda request: requested.append(request.url))
    page = context.new_page()
    problems = []
    page.on("console", lambda m: m.type == "error" and problems.append(f"{page.url}: {m.text}"))
    page.on("pageerror", lambda error: problems.append(f"{page.url}: uncaught {error}"))

    def visit(url: str, *, counts: bool = False) -> None:
        if counts:
            with page.expect_response(lambda r: r.url.endswith("/count.json")):
                page.goto(url)
        else:
            page.goto(url)
        page.wait_for_load_state("networkidle")
        check_page()

    def check_page() -> None:
        violations = page.evaluate("window.__cspViolations")
        problems.extend(f"{page.url}: CSP {v}" for v in violations)

    slug = french_petition.slug
    visit(url_of(site, "en", "home"))
    expect(page.get_by_role("link", name=french_petition.title)).to_be_visible()
    visit(url_of(site, "en", "petition-detail", slug=slug), counts=True)
    visit(url_of(site, "en", "case-detail", slug=french_petition.case.slug))
    visit(url_of(site, "fr", "petition-detail", slug=slug), counts=True)

    fill_signature_form(
        page, first_name="Zoé", last_name="Lefèvre", email="zoe@example.org", country="France"
    )
    page.get_by_role("button", name="Signer").click()
    expect(page).to_have_url(page_url(url_of(site, "fr", "petition-check-email", slug=slug)))
    page.wait_for_load_state("networkidle")
    check_page()

    tasks.run()
    visit(confirmation_link(smtp_server, "zoe@example.org", site))
    expect(page.get_by_role("heading", level=1)).to_have_text("Confirmez votre signature")
    page.get_by_role("button").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Merci ! Votre signature est confirmée"
    )
    page.wait_for_load_state("networkidle")
    check_page()

    foreign = [url for url in requested if not same_origin(url, site.url)]
    assert foreign == [], f"requests to other hosts: {foreign}"
    paths = {urlsplit(url).path for url in requested}
    assert {"/static/outcry/outcry.css", "/static/outcry/count.js"} <= paths, paths
    assert f"/petitions/{slug}/count.json" in paths, paths
    assert problems == []

    # The listeners do hear a violation: an inline script is refused and reported.
    with page.expect_console_message(lambda m: "Content Security Policy" in m.text):
        page.evaluate(
            "document.body.append(Object.assign(document.createElement('script'),"
            " {textContent: 'window.__inlineRan = true'}))"
        )
    page.wait_for_function("window.__cspViolations.length > 0")
    assert page.evaluate("window.__inlineRan") is None


def test_french_petition_is_usable_on_a_small_phone(site, new_context, french_petition, tmp_path):
    width, height = 360, 740
    context = new_context(
        viewport={"width": width, "height": height},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        locale="fr-FR",
    )
    page = context.new_page()
    page.goto(url_of(site, "fr", "petition-detail", slug=french_petition.slug))
    page.screenshot(path=tmp_path / "petition-fr-360x740.png")
    page.screenshot(path=tmp_path / "petition-fr-360-full.png", full_page=True)

    # Nothing wider than the phone: no sideways scrolling to read or sign.
    assert page.evaluate("document.documentElement.scrollWidth") <= width

    button = page.get_by_role("button", name="Signer")
    box = button.bounding_box()
    if box["y"] + box["height"] > height:  # below the first screenful: scroll to it
        button.scroll_into_view_if_needed()
        box = button.bounding_box()
    assert box["width"] >= 24 and box["height"] >= 24, box  # WCAG 2.2 minimum target
    assert 0 <= box["x"] and box["x"] + box["width"] <= width, box
    assert 0 <= box["y"] and box["y"] + box["height"] <= height, box
    # Nothing covers it: a tap at its centre reaches the button.
    assert (
        page.evaluate(
            "([x, y]) => document.elementFromPoint(x, y)?.closest('button')?.type",
            [box["x"] + box["width"] / 2, box["y"] + box["height"] / 2],
        )
        == "submit"
    )

    for field in page.locator("form .field input:visible, form .field select").all():
        field_box = field.bounding_box()
        assert 0 <= field_box["x"] and field_box["x"] + field_box["width"] <= width, field_box
