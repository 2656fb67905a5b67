from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from sesame.utils import get_query_string

from .models import User


def magic_link_send(*, email: str, base_url: str) -> bool:
    """E-mail a one-time sign-in link to the active account with this address, if there is one."""
    user = User.objects.filter(email__iexact=email, is_active=True).first()
    if user is None:
        return False
    context = {
        "user": user,
        "link": base_url + reverse("accounts:magic-login") + get_query_string(user),
    }
    send_mail(
        subject="Votre lien de connexion à Comité",
        message=render_to_string("accounts/magic_link_email.txt", context),
        from_email=None,
        recipient_list=[user.email],
        html_message=render_to_string("accounts/magic_link_email.html", context),
    )
    return True
