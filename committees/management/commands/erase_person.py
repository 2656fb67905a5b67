from django.core.management.base import BaseCommand, CommandError

from accounts.models import User, normalize_email

from ...sessions.people import person_erase


class Command(BaseCommand):
    help = (
        "Efface les données personnelles d’une personne (nom, adresse, mot de passe, rôles, "
        "notes privées) et ferme son compte ; ses votes et les décisions restent."
    )

    def add_arguments(self, parser):
        parser.add_argument("email")

    def handle(self, *, email, **options):
        user = User.objects.filter(email=normalize_email(email), erased_at__isnull=True).first()
        if user is None:
            raise CommandError(f"Aucun compte actif ou désactivé n’a l’adresse {email}.")
        person_erase(user=user)
        self.stdout.write(f"Données personnelles effacées : compte n° {user.pk}.")
