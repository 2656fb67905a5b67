from django.conf import settings
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command
from django.core.management.base import BaseCommand
from django.db import transaction
from django.db.models import Q

from accounts.models import User
from startups.enums import TeamRole
from startups.models import (
    Incubator,
    IncubatorStaff,
    Organisation,
    SponsorRepresentative,
    Startup,
    TeamMembership,
)

DEMO_PASSWORD = "comite-demo-2026"
STAFF_GROUP = "Équipe d’incubateur"
# Real startups and organisations of the snapshot, so the demo shows real portfolios.
DEMO_INCUBATOR = "dinum"
DEMO_SPONSOR = "dinum"
DEMO_STARTUP = "demarches-simplifiees.fr"
DEMO_ACCOUNTS = [
    ("admin@comite.example", "Camille", "Administratrice"),
    ("incubateur@comite.example", "Dominique", "Portefeuille"),
    ("sponsor@comite.example", "Sacha", "Sponsor"),
    ("intrapreneur@comite.example", "Alex", "Intrapreneur"),
]


class Command(BaseCommand):
    help = "Importe le portefeuille réel si la base est vide et crée les comptes de démonstration."

    def handle(self, **options):
        if settings.PRODUCTION:
            raise CommandError(
                "Les comptes de démonstration ont un mot de passe public : pas en production."
            )
        if not Startup.objects.exists():
            call_command("import_betagouv", settings.BETAGOUV_DATA_DIR, stdout=self.stdout)
        with transaction.atomic():
            self.create_accounts()
        self.stdout.write(f"Comptes de démonstration (mot de passe « {DEMO_PASSWORD} ») :")
        for email, *_ in DEMO_ACCOUNTS:
            self.stdout.write(f"  {email}")

    def create_accounts(self):
        admin, staff, sponsor, intrapreneur = [
            self.account(email, first_name, last_name)
            for email, first_name, last_name in DEMO_ACCOUNTS
        ]
        admin.is_staff = admin.is_superuser = True
        admin.save(update_fields=["is_staff", "is_superuser"])
        # The admin is for superusers: staff work on Comité's pages. Earlier demos made staff
        # a group with the admin's rights; it goes.
        Group.objects.filter(name=STAFF_GROUP).delete()
        staff.is_staff = False
        staff.save(update_fields=["is_staff"])
        if incubator := Incubator.objects.filter(slug=DEMO_INCUBATOR).first():
            IncubatorStaff.objects.get_or_create(user=staff, incubator=incubator)
        if organisation := Organisation.objects.filter(slug=DEMO_SPONSOR).first():
            SponsorRepresentative.objects.get_or_create(user=sponsor, organisation=organisation)
        # The demo sponsors' purchasing teams: an address of the reserved `.example` domain,
        # so a demo decision's notice reaches nobody.
        for demo in Organisation.objects.filter(
            Q(slug=DEMO_SPONSOR) | Q(sponsored_startups__slug=DEMO_STARTUP), purchasing_emails=""
        ).distinct():
            demo.purchasing_emails = f"achats-{demo.slug}@demo.comite.example"
            demo.save(update_fields=["purchasing_emails"])
        if startup := Startup.objects.filter(slug=DEMO_STARTUP).first():
            TeamMembership.objects.get_or_create(
                user=intrapreneur, startup=startup, defaults={"role": TeamRole.INTRAPRENEUR}
            )

    def account(self, email, first_name, last_name) -> User:
        user, created = User.objects.get_or_create(
            email=email, defaults={"first_name": first_name, "last_name": last_name}
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
        return user
