from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from sesame.utils import get_query_string

from .models import User
from .tasks import send_email


def magic_link_send(*, email: str, base_url: str) -> bool:
    """E-mail a one-time sign-in link to the active account with this address, if there is one."""
    user = User.objects.filter(email__iexact=email, is_active=True).first()
    if user is None:
        return False
    context = {
        "user": user,
        "link": base_url + reverse("accounts:magic-login") + get_query_string(user),
    }
    email = {
        "subject": "Votre lien de connexion à Comité",
        "message": render_to_string("accounts/magic_link_email.txt", context),
        "html_message": render_to_string("accounts/magic_link_email.html", context),
        "recipient_list": [user.email],
    }
    transaction.on_commit(lambda: send_email.delay(**email))
    return True


@transaction.atomic
def user_erase(*, user: User) -> User:
    """Erase the account's own personal data (name, address, password) and close it for good:
    it can no longer sign in by any means, and shows as "Compte supprimé" wherever it acted."""
    user.first_name = user.last_name = ""
    user.email = f"compte-supprime-{user.pk}@comite.invalid"
    user.set_unusable_password()
    user.is_active = user.is_staff = user.is_superuser = False
    user.erased_at = timezone.now()
    user.save()
    user.groups.clear()
    user.user_permissions.clear()
    return user
