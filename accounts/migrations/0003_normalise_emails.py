"""Addresses written one way (NFKC, then casefold), as the code now stores them."""

import unicodedata

from django.db import migrations


def normalise(apps, schema_editor):
    User = apps.get_model("accounts", "User")
    seen = {}
    for pk, email in User.objects.values_list("pk", "email"):
        normal = unicodedata.normalize("NFKC", email.strip()).casefold()
        if normal in seen:
            raise RuntimeError(
                f"Les comptes {seen[normal]} et {pk} ont la même adresse une fois normalisée "
                f"({normal}) : fusionnez-les ou changez l’une des adresses, puis relancez."
            )
        seen[normal] = pk
        if normal != email:
            User.objects.filter(pk=pk).update(email=normal)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0002_user_erased_at")]
    operations = [migrations.RunPython(normalise, migrations.RunPython.noop)]
