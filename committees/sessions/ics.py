"""A session as an iCalendar event (RFC 5545), attached to the convocations and downloadable
from the session's page: one VEVENT whose UID stays the same for the session, so a calendar
updates the event it already has when a new version is imported."""

import datetime
from email.utils import parseaddr
from urllib.parse import urlsplit

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from ..enums import SessionStatus
from ..models import Session
from .services import agenda_minutes, agenda_slots

PRODID = "-//beta.gouv.fr//Comité//FR"


def escape(text: str) -> str:
    """TEXT value escaping (RFC 5545 §3.3.11)."""
    return (
        text.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\r", "\\n")
        .replace("\n", "\\n")
    )


def fold(line: str) -> str:
    """Lines longer than 75 octets are folded: CRLF then a space (§3.1), never inside a
    UTF-8 character."""
    parts, current, size = [], "", 0
    for char in line:
        width = len(char.encode())
        if size + width > 75:
            parts.append(current)
            current, size = " ", 1
        current += char
        size += width
    parts.append(current)
    return "\r\n".join(parts)


def utc(moment: datetime.datetime) -> str:
    return moment.astimezone(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")


def duration(minutes: int) -> str:
    hours, minutes = divmod(minutes, 60)
    return "PT" + (f"{hours}H" if hours else "") + (f"{minutes}M" if minutes or not hours else "")


def method(session: Session) -> str:
    """PUBLISH for an invitation and its updates (a higher SEQUENCE replaces the event),
    CANCEL once the session is cancelled (RFC 5546)."""
    return "CANCEL" if session.status == SessionStatus.CANCELLED else "PUBLISH"


def status(session: Session) -> str:
    if session.status == SessionStatus.CANCELLED:
        return "CANCELLED"
    return "CONFIRMED" if session.convened_at else "TENTATIVE"


def organizer() -> str:
    return parseaddr(settings.DEFAULT_FROM_EMAIL)[1]


def uid(session: Session) -> str:
    host = urlsplit(settings.SITE_URL).hostname or "comite.beta.gouv.fr"
    return f"seance-{session.pk}@{host}"


def session_ics(session: Session, reviews: list) -> str:
    """The calendar text of the session with its agenda (reviews in order, startups loaded)."""
    link = settings.SITE_URL.rstrip("/") + reverse("committees:session", args=[session.pk])
    agenda = [
        f"{timezone.localtime(slot.starts_at):%H:%M} {slot.review.startup.name}"
        for slot in agenda_slots(session, reviews)
    ]
    description = "\n".join(
        [
            f"Séance du {session.committee.name}.",
            f"Bilans semestriels attendus le {session.report_due_on:%d/%m/%Y}.",
            *(["Visioconférence : " + session.video_url] if session.video_url else []),
            "",
            "Ordre du jour :",
            *agenda,
            "",
            link,
        ]
    )
    location = session.place or session.video_url
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        f"METHOD:{method(session)}",
        "BEGIN:VEVENT",
        f"UID:{uid(session)}",
        f"SEQUENCE:{session.sequence}",
        f"ORGANIZER;CN={escape(session.committee.name)}:mailto:{organizer()}",
        f"DTSTAMP:{utc(timezone.now())}",
        f"DTSTART:{utc(session.starts_at)}",
        f"DURATION:{duration(max(agenda_minutes(reviews), 30))}",
        f"SUMMARY:{escape(session.committee.name)}",
        *([f"LOCATION:{escape(location)}"] if location else []),
        f"DESCRIPTION:{escape(description)}",
        f"URL:{link}",
        f"STATUS:{status(session)}",
        "END:VEVENT",
        "END:VCALENDAR",
    ]
    return "".join(fold(line) + "\r\n" for line in lines)
