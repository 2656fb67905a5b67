"""The convocation of a session: one e-mail to the committee's members, one to each team on
the agenda, in French (plain text and HTML), each with the session as a calendar event."""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from startups.models import TeamMembership

from ..models import Session
from ..reports.reminders import absolute, day_label, session_label
from .ics import session_ics
from .services import agenda_slots


def time_label(moment) -> str:
    """ "14 h", "14 h 50" in Paris time."""
    local = timezone.localtime(moment)
    return f"{local.hour} h {local.minute:02d}" if local.minute else f"{local.hour} h"


ICS_NAME = "seance.ics"
ICS_TYPE = "text/calendar; charset=utf-8; method=PUBLISH"


def message(template: str, subject: str, context: dict, to: list[str], ics: str):
    email = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string(f"committees/emails/{template}.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=to,
    )
    email.attach_alternative(
        render_to_string(f"committees/emails/{template}.html", context), "text/html"
    )
    email.attach(ICS_NAME, ics, ICS_TYPE)
    return email


def convocation_messages(session: Session) -> list[EmailMultiAlternatives]:
    """The e-mails to send: the members' first, then each team's in agenda order. Four
    queries, however many members and items."""
    reviews = list(session.reviews.select_related("startup").order_by("position", "id"))
    members = session.committee.members.select_related("user", "organisation").filter(
        user__is_active=True
    )
    teams: dict[int, list[str]] = {}
    for membership in TeamMembership.objects.filter(
        startup__in=[review.startup_id for review in reviews], user__is_active=True
    ).select_related("user"):
        teams.setdefault(membership.startup_id, []).append(membership.user.email)
    ics = session_ics(session, reviews)
    context = {
        "session": session,
        "committee": session.committee,
        "slots": agenda_slots(session, reviews),
        "session_on": session_label(session),
        "due_on": day_label(session.report_due_on),
        "link": absolute(reverse("committees:session", args=[session.pk])),
    }
    subject = f"Convocation : {session.committee.name}, {session_label(session)}"
    emails = []
    addresses = sorted(member.user.email for member in members)
    if addresses:
        emails.append(message("convocation_members", subject, context, addresses, ics))
    for slot in context["slots"]:
        review = slot.review
        if team := sorted(teams.get(review.startup_id, [])):
            team_context = context | {
                "review": review,
                "slot_time": time_label(slot.starts_at),
                "report_link": absolute(
                    reverse("committees:startup-reports", args=[review.startup.slug])
                ),
            }
            emails.append(
                message(
                    "convocation_team",
                    f"{review.startup.name} convoquée : {session.committee.name}, "
                    f"{session_label(session)}",
                    team_context,
                    team,
                    ics,
                )
            )
    return emails
