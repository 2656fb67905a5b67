"""A session as an iCalendar event (RFC 5545), attached to the convocations and downloadable
from the session's page: one VEVENT whose UID stays the same for the session, so a calendar
updates the event it already has when a new version is imported."""

import datetime
from urllib.parse import urlsplit

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

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
        "METHOD:PUBLISH",
        "BEGIN:VEVENT",
        f"UID:{uid(session)}",
        f"DTSTAMP:{utc(session.convened_at or timezone.now())}",
        f"DTSTART:{utc(session.starts_at)}",
        f"DURATION:{duration(max(agenda_minutes(reviews), 30))}",
        f"SUMMARY:{escape(session.committee.name)}",
        *([f"LOCATION:{escape(location)}"] if location else []),
        f"DESCRIPTION:{escape(description)}",
        f"URL:{link}",
        "STATUS:CONFIRMED" if session.convened_at else "STATUS:TENTATIVE",
        "END:VEVENT",
        "END:VCALENDAR",
    ]
    return "".join(fold(line) + "\r\n" for line in lines)
