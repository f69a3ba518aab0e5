"""Browser fixtures: Debian's chromium driven by Playwright against the live server.

The browser is never downloaded: the tests drive /usr/bin/chromium, which
``scripts/ensure-chromium.sh`` installs. Without it the tests fail (they never skip), so
a run that did not exercise the browser cannot look green.
"""

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.utils import timezone

from tests.factories import CaseFactory, OfficeFactory, PetitionFactory, TargetFactory

# Playwright's sync API keeps an asyncio event loop running in the main thread, and Django
# refuses ORM calls (fixtures, factories, the task worker) under a running loop unless told.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def browser():
    """One headless chromium for the whole session; each test opens its own context."""
    if not (CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK)):
        pytest.fail(
            f"{CHROMIUM} is missing: the browser tests drive Debian's chromium. "
            "Run scripts/ensure-chromium.sh (as root) to install it.",
            pytrace=False,
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def new_context(browser) -> Iterator[Callable]:
    """``new_context(**options)``: a fresh browser context (no cookies, no cache), closed
    at the end of the test."""
    contexts = []

    def make(**options):
        context = browser.new_context(**options)
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def site(live_server, settings):
    """The live server, with the links in emails pointing at it."""
    settings.SITE_URL = live_server.url
    return live_server


def same_origin(url: str, base: str) -> bool:
    one, two = urlsplit(url), urlsplit(base)
    return (one.scheme, one.hostname, one.port) == (two.scheme, two.hostname, two.port)


@pytest.fixture
def french_petition(transactional_db):
    """A petition as a French-speaking supporter meets it: long French words, a real
    reference, a target with a full postal address, and signatures already counted."""
    case = CaseFactory(
        slug="elena-exemple",
        name="Elena Exemple",
        occupation="Journaliste d’investigation",
        summary="Journaliste menacée après ses enquêtes sur des disparitions forcées.",
    )
    case.updates.create(date=timezone.localdate(), title="Case opened", new_status="")
    target = TargetFactory(name="Igor Krasnov", honorific="Procureur général")
    office = OfficeFactory(  # Krasnov holds it; the petition addresses the office.
        title="Procureur général de la Fédération de Russie",
        organisation="Bureau du Procureur général",
        address="ul. Bolshaya Dmitrovka, 15a\n125993 Moscou GSP-3",
        holder=target,
    )
    return PetitionFactory(
        slug="liberez-elena",
        reference="AU 219/26",
        case=case,
        office=office,
        title="Protect Elena now",
        title_fr="Protégez immédiatement Elena Exemple, journaliste menacée de mort",
        ask="Open an independent investigation into the threats against Elena.",
        ask_fr=(
            "Ouvrez sans délai une enquête indépendante et impartiale sur les menaces "
            "de mort reçues par Elena Exemple, et garantissez sa sécurité."
        ),
        background="Elena has been threatened since she published her investigation.",
        background_fr="Elena est menacée depuis la publication de son enquête.",
        goal=5000,
        count=1234,
    )
