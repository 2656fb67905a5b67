"""The convocation of a session: one e-mail to the committee's members, one to each team on
the agenda, in French (plain text and HTML), each with the session as a calendar event."""

import datetime

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from startups.models import TeamMembership

from ..enums import SessionStatus
from ..models import Session
from ..reports.reminders import absolute, day_label, session_label
from .ics import method as ics_method
from .ics import session_ics
from .services import agenda_slots


def time_label(moment) -> str:
    """ "14 h", "14 h 50" in Paris time."""
    local = timezone.localtime(moment)
    return f"{local.hour} h {local.minute:02d}" if local.minute else f"{local.hour} h"


ICS_NAME = "seance.ics"


def message(template: str, subject: str, context: dict, to: list[str], ics: str):
    """One e-mail in plain text and HTML, with the session's event (`ics`, as `session_ics`
    wrote it for `context["session"]`)."""
    email = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string(f"committees/emails/{template}.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=to,
    )
    email.attach_alternative(
        render_to_string(f"committees/emails/{template}.html", context), "text/html"
    )
    method = ics_method(context["session"])
    email.attach(ICS_NAME, ics, f"text/calendar; charset=utf-8; method={method}")
    return email


def convocation_messages(session: Session) -> list[EmailMultiAlternatives]:
    """The e-mails to send: the members' first, then each team's in agenda order. Four
    queries, however many members and items."""
    reviews, addresses, teams = convened(session)
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


def convened(session: Session) -> tuple[list, list[str], dict[int, list[str]]]:
    """The agenda (startups loaded), the members' addresses and each startup's team's."""
    reviews = list(session.reviews.select_related("startup").order_by("position", "id"))
    members = session.committee.members.select_related("user").filter(user__is_active=True)
    teams: dict[int, list[str]] = {}
    for membership in TeamMembership.objects.filter(
        startup__in=[review.startup_id for review in reviews], user__is_active=True
    ).select_related("user"):
        teams.setdefault(membership.startup_id, []).append(membership.user.email)
    return reviews, sorted(member.user.email for member in members), teams


def moment_label(value: str) -> str:
    """A `starts_at` as the audit recorded it (ISO), in words."""
    moment = datetime.datetime.fromisoformat(value)
    return f"{day_label(timezone.localtime(moment).date())} à {time_label(moment)}"


CHANGE_LABELS = {"starts_at": "Date et heure", "place": "Lieu", "video_url": "Visioconférence"}


def notice_messages(session: Session, changes: dict) -> list[EmailMultiAlternatives]:
    """A convened session moved (`changes`) or cancelled: one e-mail to everyone convened
    (members and teams, in blind copy of each other: one message each), with the updated event
    or its cancellation."""
    reviews, members, teams = convened(session)
    addresses = sorted({*members, *(a for team in teams.values() for a in team)})
    cancelled = session.status == SessionStatus.CANCELLED
    lines = []
    for field, (before, after) in changes.items():
        if field == "starts_at":
            before, after = moment_label(before), moment_label(after)
        lines.append((CHANGE_LABELS[field], before or "–", after or "–"))
    context = {
        "session": session,
        "committee": session.committee,
        "cancelled": cancelled,
        "changes": lines,
        "session_on": session_label(session),
        "link": absolute(reverse("committees:session", args=[session.pk])),
    }
    what = "annulée" if cancelled else "modifiée"
    subject = f"Séance {what} : {session.committee.name}, {session_label(session)}"
    ics = session_ics(session, reviews)
    return [message("session_notice", subject, context, [address], ics) for address in addresses]
