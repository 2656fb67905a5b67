from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from sesame.utils import get_query_string

from .models import User, normalize_email
from .outbox import message_post
from .tasks import send_magic_link


def magic_link_request(*, email: str, base_url: str) -> None:
    """Queue a sign-in link for this address. The request does the same work whether an account
    has it or not, no query and one task, so its answer time tells nothing: the worker looks
    the address up (`magic_link_send`)."""
    message_post(send_magic_link, email=normalize_email(email), base_url=base_url)


def magic_link_send(*, email: str, base_url: str) -> bool:
    """E-mail a one-time sign-in link to the active account with this address, if there is one."""
    user = User.objects.filter(email=normalize_email(email), is_active=True).first()
    if user is None:
        return False
    context = {
        "user": user,
        "link": base_url + reverse("accounts:magic-login") + get_query_string(user),
    }
    send_mail(
        "Votre lien de connexion à Comité",
        render_to_string("accounts/magic_link_email.txt", context),
        None,
        [user.email],
        html_message=render_to_string("accounts/magic_link_email.html", context),
    )
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


class SignInRefused(Exception):
    """A sign-in that Comité refuses; the message is shown on the login page."""


def proconnect_user(*, claims: dict) -> User:
    """The account that ProConnect's claims sign in to, its names brought up to date.

    Accounts are matched on the e-mail address, whatever its case. Nobody gets an account by
    signing in: people are invited (their account made beforehand, by an incubator's staff or in
    the administration) and deactivated accounts stay closed.
    """
    email = (claims.get("email") or "").strip()
    if not email:
        raise SignInRefused(
            "ProConnect n’a pas transmis votre adresse électronique : connexion impossible."
        )
    user = User.objects.filter(email=normalize_email(email)).first()
    if user is None:
        raise SignInRefused(
            f"Aucun compte Comité n’est ouvert pour l’adresse {email}. Comité est réservé aux "
            "personnes invitées : demandez à l’équipe de votre incubateur de vous inviter."
        )
    if not user.is_active:
        raise SignInRefused(
            "Votre compte Comité est désactivé. Adressez-vous à l’équipe de votre incubateur."
        )
    names = {
        "first_name": (claims.get("given_name") or "").strip()[:150],
        "last_name": (claims.get("usual_name") or "").strip()[:150],
    }
    changed = [field for field, value in names.items() if value and getattr(user, field) != value]
    for field in changed:
        setattr(user, field, names[field])
    if changed:
        user.save(update_fields=changed)
    return user
