"""Inviting a person: their account made beforehand (Comité opens no account at sign-in) and an
e-mail with a one-time sign-in link. What they are invited to (a startup's team, a sponsor, an
incubator, a committee) is the membership the inviting app makes in the same transaction.

The person then signs in with the link, a later magic link or ProConnect: all three match the
account by its address.
"""

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from sesame.utils import get_query_string

from .models import Invitation, User, normalize_email
from .outbox import message_post
from .tasks import send_invitation

# A second e-mail to the same person for the same place waits this long.
RESEND_AFTER = datetime.timedelta(minutes=10)


def account_for_invitation(email: str) -> User:
    """The active account with this address, opened now (without a password) if there is none.
    Two people inviting the same new address at once get the same account."""
    email = normalize_email(email)
    user = User.objects.filter(email=email).first()
    if user is None:
        try:
            with transaction.atomic():
                user = User.objects.create_user(email=email)
        except IntegrityError:  # opened meanwhile by another invitation
            user = User.objects.get(email=email)
    if not user.is_active:
        raise ValidationError(
            {"email": "Ce compte est désactivé : une invitation ne peut pas le rouvrir."}
        )
    return user


def invitation_send(*, user: User, place: str, by: User) -> Invitation:
    """Record an invitation and queue its e-mail (sent once the caller's transaction commits).
    Refused when the same person was invited to the same place less than RESEND_AFTER ago."""
    last = Invitation.objects.filter(user=user, place=place).first()
    if last and timezone.now() - last.sent_at < RESEND_AFTER:
        minutes = int(RESEND_AFTER.total_seconds() // 60)
        raise ValidationError(
            f"Une invitation vient d’être envoyée à {user.email} : attendez {minutes} minutes "
            "avant de la renvoyer."
        )
    invitation = Invitation.objects.create(user=user, place=place, invited_by=by)
    message_post(send_invitation, invitation_id=invitation.pk, about=f"user:{user.pk}")
    return invitation


def invitation_email(invitation_id: int) -> bool:
    """E-mail the invitation with a sign-in link valid 30 minutes (sesame's SESAME_MAX_AGE)."""
    invitation = Invitation.objects.select_related("user", "invited_by").filter(pk=invitation_id)
    invitation = invitation.first()
    if invitation is None or not invitation.user.is_active:
        return False
    user = invitation.user
    context = {
        "invitation": invitation,
        "link": settings.SITE_URL + reverse("accounts:magic-login") + get_query_string(user),
        "login": settings.SITE_URL + reverse("accounts:login"),
    }
    send_mail(
        f"Invitation à rejoindre {invitation.place} dans Comité",
        render_to_string("accounts/invitation_email.txt", context),
        None,
        [user.email],
        html_message=render_to_string("accounts/invitation_email.html", context),
    )
    return True
