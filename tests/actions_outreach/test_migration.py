"""The petition's target becomes the office its holder holds (data migration)."""

from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("actions", "0002_signature_named_city_offline"), ("targets", "0001_initial")]
AFTER = [("actions", "0003_letters_calls_office")]


def test_petitions_follow_their_target_to_the_office_held(transactional_db):
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    Target = old.get_model("targets", "Target")
    Petition = old.get_model("actions", "Petition")
    minister = Target.objects.create(
        name="Sergei Lavrov",
        office="Minister of Foreign Affairs",
        postal_address="Smolenskaya-Sennaia pl. 32/34\n119200 Moscow",
        country="RU",
    )
    to_minister = Petition.objects.create(
        slug="p1", title="P1", ask="Act.", target=minister, status="open", goal=10
    )
    nobody = Petition.objects.create(slug="p2", title="P2", ask="Act.", status="open", goal=10)

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(AFTER)
    new = executor.loader.project_state(AFTER).apps
    Petition = new.get_model("actions", "Petition")
    Tenure = new.get_model("targets", "Tenure")
    tenure = Tenure.objects.get(target_id=minister.pk)
    assert Petition.objects.get(pk=to_minister.pk).office_id == tenure.office_id
    assert tenure.office.title == "Minister of Foreign Affairs"
    assert Petition.objects.get(pk=nobody.pk).office_id is None

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())  # leave the database as it was
