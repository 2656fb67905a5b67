from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
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
