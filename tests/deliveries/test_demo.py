"""On the demo, a campaigner delivers the seed-002 petition to the Prosecutor General."""

from datetime import date

import pytest
from django.contrib.auth.models import User
from django.urls import reverse

from outcry.actions.models import Petition
from outcry.deliveries.models import Delivery, DeliveryPackage
from outcry.demo.services import demo_load, demo_staff_logins
from outcry.targets.models import Office
from outcry.targets.selectors import addressee, office_holder
from tests import actors
from tests.deliveries.conftest import add_signatures, pdf_text

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def demo(tmp_path):
    demo_load()
    demo_staff_logins(tmp_path / "logins.json")


def test_demo_offices_have_their_holders_history_and_french_salutations(demo):
    minister = Office.objects.get(key="foreign-minister")
    french = addressee(office=minister, language="fr")
    assert french.salutation == "Monsieur le Ministre"
    assert addressee(office=minister, language="en").salutation == "Your Excellency"
    assert french.address_lines[:1] == ["Ministre Sergei Lavrov"]
    assert "Smolenskaya-Sennaia pl. 32/34" in french.address_lines
    assert french.phone == "+7 495 644 2203"
    prosecutor = Office.objects.get(key="prosecutor-general")
    assert office_holder(office=prosecutor, on=date(2017, 4, 24)).name == "Yury Chaika"
    assert office_holder(office=prosecutor, on=date(2020, 1, 22)).name == "Igor Krasnov"
    demo_load()  # again: nothing is duplicated
    assert prosecutor.tenures.count() == 2 and Office.objects.count() == 2


def test_campaigner_produces_the_petition_package_and_records_its_delivery(client, demo, tasks):
    petition = Petition.objects.get(slug="investigate-chechnya-purge")
    add_signatures(
        petition,
        [
            {"first": "Anne", "last": "Martin", "country": "FR", "city": "Lyon", "named": True},
            {"first": "Quiet", "last": "One", "country": "CA", "city": "Ottawa"},
        ],
    )
    actors.logged_in(client, User.objects.get(username="campaigner"))
    form = client.get(reverse("admin:deliveries_deliverypackage_add"))
    key = next(
        value
        for value, label in form.context["form"].fields["action"].choices
        if petition.title in label
    )
    client.post(
        reverse("admin:deliveries_deliverypackage_add"),
        {"action": key, "language": "en", "page_size": "A4"},
    )
    tasks.run()
    package = DeliveryPackage.objects.get()
    assert package.status == DeliveryPackage.Status.READY
    with package.pdf.open("rb") as f:
        text = pdf_text(f.read())
    assert "Prosecutor General of the Russian Federation" in text
    assert "ul. Bolshaya Dmitrovka, 15a" in text
    assert "Anne Martin Lyon France" in text and "Quiet" not in text

    response = client.post(
        reverse("admin:deliveries_delivery_add"),
        {
            "package": str(package.pk),
            "delivered_on": "2017-05-11",
            "method": Delivery.Method.POST,
            "delivered_by": "Moscow office",
        },
    )
    assert response.status_code == 302
    assert "Yury Chaika" in Delivery.objects.get().recipient
    case_page = client.get("/en/cases/elena-milashina/").content.decode()
    assert "delivered to Prosecutor General of the Russian Federation: 2 supporters" in case_page
