"""Reminders of the semester reports' due date, sent by e-mail every morning (Celery beat).

To each team whose report for an upcoming session is not submitted yet (missing, draft or
changes requested): two weeks, one week and two days before it is due, then once when it is
late; only the reminder that applies today goes out, so a job that did not run for a week does
not send the ones it missed. To the staff of the incubators: for each session, on the same
days, the list of the reports not submitted yet, each person the reports of the startups they
follow.

Each reminder goes out once, however often and however concurrently the job runs: a run
claims it by inserting its `SentReminder` row (`INSERT ... ON CONFLICT DO NOTHING RETURNING`:
the rows another run inserted first are skipped, after waiting for its commit if it is still
running), and only the run that inserted the row sends the e-mail, once its transaction is
committed. Claims, reports and recipients take a fixed number of queries, however many
sessions and agenda items.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Prefetch
from django.template.defaultfilters import date as date_format
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from accounts.outbox import messages_post
from accounts.tasks import send_email
from startups.models import Incubator, IncubatorStaff, Startup, TeamMembership

from ..enums import Reminder, ReportStatus, SessionKind
from ..models import Review, SemesterReport, SentReminder, Session
from .services import Deadline

NOT_SUBMITTED = {ReportStatus.DRAFT, ReportStatus.CHANGES_REQUESTED}
# A report's state as the e-mails tell it ("missing" is the absence of a report).
STATUS_LABELS = {
    None: "manquant",
    ReportStatus.DRAFT: "brouillon",
    ReportStatus.CHANGES_REQUESTED: "modifications demandées",
}


def reminder_for(days_left: int) -> Reminder | None:
    """The reminder due when a report is due in `days_left` days (negative: late)."""
    if days_left < 0:
        return Reminder.LATE
    if days_left <= 2:
        return Reminder.TWO_DAYS
    if days_left <= 7:
        return Reminder.ONE_WEEK
    if days_left <= 14:
        return Reminder.TWO_WEEKS
    return None


def day_label(day: datetime.date) -> str:
    """ "mardi 1er décembre 2026", "mercredi 2 décembre 2026"."""
    with translation.override("fr"):
        weekday, month = date_format(day, "l"), date_format(day, "F")
    number = "1er" if day.day == 1 else str(day.day)
    return f"{weekday} {number} {month} {day.year}"


def session_label(session: Session) -> str:
    """ "mardi 8 décembre 2026 à 14 h", "… à 9 h 30"."""
    starts_at = timezone.localtime(session.starts_at)
    minutes = f" {starts_at:%M}" if starts_at.minute else ""
    return f"{day_label(starts_at.date())} à {starts_at.hour} h{minutes}"


def session_where(session: Session) -> str:
    """ "mardi 8 décembre 2026 à 14 h (Ségur)", "… (en visioconférence)"."""
    where = session.place or ("en visioconférence" if session.video_url else "")
    return f"{session_label(session)} ({where})" if where else session_label(session)


def absolute(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


@dataclass(frozen=True)
class Pending:
    """An agenda item whose report is not submitted yet, and the reminder due today."""

    review: Review
    report: SemesterReport | None
    kind: Reminder
    today: datetime.date

    @property
    def startup(self) -> Startup:
        return self.review.startup

    @property
    def session(self) -> Session:
        return self.review.session

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.report.status if self.report else None]

    @property
    def countdown(self) -> str:
        return Deadline(due_on=self.session.report_due_on, session=self.session).countdown(
            self.today
        )

    @property
    def team(self) -> list:
        """The team's active members, in the order of their addresses."""
        return sorted((m.user for m in self.startup.memberships.all()), key=lambda u: u.email)

    @property
    def staff(self) -> list:
        """The active staff of the startup's incubator and co-incubators, once each."""
        incubators = [self.startup.incubator, *self.startup.co_incubators.all()]
        people = {s.user.pk: s.user for i in incubators for s in i.staff.all()}
        return sorted(people.values(), key=lambda u: u.email)

    @property
    def contacts(self) -> list[tuple[str, str]]:
        """Whom the team may ask: (name, address) of the incubator, then of its staff."""
        incubator = self.startup.incubator
        firsts = [(incubator.title, incubator.contact)] if incubator.contact else []
        return firsts + [(user.get_full_name(), user.email) for user in self.staff]

    @property
    def link(self) -> str:
        return absolute(reverse("committees:startup-reports", args=[self.startup.slug]))


def pending_items(today: datetime.date) -> list[Pending]:
    """The agenda items of the sessions with a reminder due today whose report is not
    submitted, with their teams and staff: seven queries at most, one when no reminder is due."""
    kinds = {}
    meetings = Session.objects.upcoming(today=today).filter(kind=SessionKind.MEETING)  # not written
    for session in meetings.select_related("committee"):
        if kind := reminder_for((session.report_due_on - today).days):
            kinds[session.pk] = kind
    if not kinds:
        return []
    active_staff = IncubatorStaff.objects.filter(user__is_active=True).select_related("user")
    reviews = list(
        Review.objects.filter(session_id__in=kinds)
        .select_related("session__committee", "startup__incubator")
        .prefetch_related(
            Prefetch(
                "startup__memberships",
                queryset=TeamMembership.objects.filter(user__is_active=True).select_related("user"),
            ),
            Prefetch("startup__incubator__staff", queryset=active_staff),
            Prefetch(
                "startup__co_incubators",
                queryset=Incubator.objects.prefetch_related(
                    Prefetch("staff", queryset=active_staff)
                ),
            ),
        )
        .order_by("session__starts_at", "session_id", "position", "id")
    )
    reports = SemesterReport.objects.for_reviews(reviews)
    items = []
    for review in reviews:
        report = reports.get((review.startup_id, review.semester.key))
        if report is None or report.status in NOT_SUBMITTED:
            items.append(Pending(review, report, kinds[review.session_id], today))
    return items


def claim(claims: list[tuple[int, int | None, str]]) -> set[tuple[int, int | None]]:
    """Insert the `SentReminder` rows (session, review or None for staff, kind) that no run
    inserted yet, in one statement; the (session, review) pairs this run inserted."""
    column = {f.name: f.column for f in SentReminder._meta.concrete_fields}
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    rows = ", ".join(["(%s, %s, %s, %s)"] * len(claims))
    # One order for every run, so that two runs wait for each other instead of deadlocking.
    claims = sorted(claims, key=lambda c: (c[0], c[1] or 0, c[2]))
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {SentReminder._meta.db_table} "
            f"({column['session']}, {column['review']}, {column['kind']}, {column['sent_at']}) "
            f"VALUES {rows} ON CONFLICT DO NOTHING "
            f"RETURNING {column['session']}, {column['review']}",
            [value for c in claims for value in (*c, now)],
        )
        return {(session, review) for session, review in cursor.fetchall()}


def email(template: str, subject: str, context: dict, recipients: list) -> dict:
    """The keyword arguments of `send_email`: a French e-mail in plain text and HTML."""
    return {
        "subject": subject,
        "message": render_to_string(f"committees/emails/{template}.txt", context),
        "html_message": render_to_string(f"committees/emails/{template}.html", context),
        "recipient_list": [user.email for user in recipients],
    }


def team_email(item: Pending) -> dict:
    session, startup = item.session, item.startup
    if item.kind == Reminder.LATE:
        subject = f"Bilan semestriel de {startup.name} : {item.countdown}"
    else:
        subject = (
            f"Bilan semestriel de {startup.name} à remettre le {day_label(session.report_due_on)}"
        )
    context = {
        "item": item,
        "late": item.kind == Reminder.LATE,
        "due_on": day_label(session.report_due_on),
        "session_on": session_where(session),
    }
    return email("reminder_team", subject, context, item.team)


def staff_email(session: Session, items: list[Pending], recipients: list) -> dict:
    count = len(items)
    plural = "s" if count > 1 else ""
    subject = (
        f"{session.committee.name}, séance du {day_label(session.date)} : "
        f"{count} bilan{plural} pas encore soumis"
    )
    context = {
        "session": session,
        "items": items,
        "count": count,
        "plural": plural,
        "late": items[0].kind == Reminder.LATE,
        "countdown": items[0].countdown,
        "due_on": day_label(session.report_due_on),
        "session_on": session_where(session),
        "list_link": absolute(reverse("committees:reports")),
    }
    return email("reminder_staff", subject, context, recipients)


def staff_summaries(items: list[Pending]) -> dict[int, list[tuple[list[Pending], list]]]:
    """By session: (reports not submitted, staff to tell), each person told of the startups
    they follow only; the people who follow the same startups share one e-mail."""
    followed: dict[tuple[int, int], list[Pending]] = defaultdict(list)
    people = {}
    for item in items:
        for user in item.staff:
            followed[item.session.pk, user.pk].append(item)
            people[user.pk] = user
    groups: dict[tuple[int, tuple[int, ...]], list] = defaultdict(list)
    for (session, user), followed_items in followed.items():
        groups[session, tuple(i.review.pk for i in followed_items)].append(people[user])
    by_review = {item.review.pk: item for item in items}
    summaries = defaultdict(list)
    for (session, reviews), recipients in sorted(groups.items()):
        summaries[session].append(
            ([by_review[pk] for pk in reviews], sorted(recipients, key=lambda u: u.email))
        )
    return summaries


def reminders_send(*, today: datetime.date) -> int:
    """Queue today's report reminders that no run sent yet; the number of e-mails queued."""
    items = pending_items(today)
    teams = [item for item in items if item.team]
    summaries = staff_summaries(items)
    sessions = {item.session.pk: item for item in items}
    claims = [(item.session.pk, item.review.pk, item.kind.value) for item in teams] + [
        (pk, None, sessions[pk].kind.value) for pk in summaries
    ]
    if not claims:
        return 0
    with transaction.atomic():
        claimed = claim(claims)
        emails = [
            team_email(item) for item in teams if (item.session.pk, item.review.pk) in claimed
        ]
        for pk, groups in summaries.items():
            if (pk, None) in claimed:
                emails += [staff_email(sessions[pk].session, g, to) for g, to in groups]
        messages_post(send_email, emails)
    return len(emails)
