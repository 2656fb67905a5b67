"""The phases and committee events that decisions recorded before origins existed are
Comité's: the beta.gouv.fr import must leave them alone from now on."""

from django.db import migrations
from django.utils import timezone


def mark_comite_rows(apps, schema_editor):
    Decision = apps.get_model("committees", "Decision")
    Phase = apps.get_model("startups", "Phase")
    StartupEvent = apps.get_model("startups", "StartupEvent")
    for startup_id, starts_at in Decision.objects.values_list(
        "review__startup_id", "review__session__starts_at"
    ).distinct():
        date = timezone.localdate(starts_at)
        StartupEvent.objects.filter(startup_id=startup_id, kind="committee", date=date).update(
            origin="comite"
        )
        Phase.objects.filter(
            startup_id=startup_id, start=date, comment__startswith="Décision du comité du "
        ).update(origin="comite")


class Migration(migrations.Migration):
    dependencies = [
        ("committees", "0006_secret_ballots"),
        ("startups", "0003_origin_and_disagreements"),
    ]

    operations = [migrations.RunPython(mark_comite_rows, migrations.RunPython.noop)]
